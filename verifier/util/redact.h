/* redact: keep credentials out of reports, logs and messages. */
#ifndef RD_REDACT_H
#define RD_REDACT_H

/*
 * redact_url(url): a malloc'd copy of ${url} with the password of its
 * userinfo and the values of X-Amz-Signature, X-Amz-Credential,
 * X-Amz-Security-Token and password= query parameters replaced by "****".
 * Returns NULL only on allocation failure.
 */
char *redact_url(const char *url);

/*
 * redact_conninfo(conninfo): (a mysql:// or mariadb:// URI: redact_url())
 * a malloc'd, redacted display form of a libpq
 * conninfo string or postgres:// URI ("host=db1 port=5432 dbname=app
 * user=u password=****").  An unparsable string comes back as
 * "(invalid conninfo)".  Returns NULL only on allocation failure.
 */
char *redact_conninfo(const char *conninfo);

#endif
