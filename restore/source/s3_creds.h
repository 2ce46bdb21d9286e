/* s3_creds: AWS credentials from the environment or a shared credentials
 * file, the way the AWS CLI finds them (environment first). */
#ifndef RD_S3_CREDS_H
#define RD_S3_CREDS_H

#include "verifier/util/rd_err.h"

struct s3_creds {
    char *key_id;     /* (owned) NULL: none found, requests are anonymous */
    char *secret;     /* (owned) wiped on release */
    char *token;      /* (owned) session token, or NULL */
    char source[300]; /* where they came from, for messages ("environment",
                         "/root/.aws/credentials [prod]") */
};

/*
 * s3_creds_load(cr, err):
 * ${cr} from AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN),
 * else from profile AWS_PROFILE (default "default") of
 * AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials): keys
 * aws_access_key_id, aws_secret_access_key, aws_session_token.  No
 * credentials anywhere is no error (anonymous requests, key_id NULL).
 * Returns 0, or -1 with RD_CONFIG_INVALID: only one of the key id and
 * secret set, AWS_PROFILE naming a profile (or file) that is not there, an
 * unreadable or malformed credentials file.
 */
int s3_creds_load(struct s3_creds *cr, struct rd_err *err);

/* s3_creds_release(cr): wipe and free; NULL-safe. */
void s3_creds_release(struct s3_creds *cr);

#endif
