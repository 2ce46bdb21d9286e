/* s3_xml: the XML answers of S3 (ListObjectsV2 pages and <Error>), parsed
 * with expat, bounded: a size cap, no DTD, no entity declarations, a depth
 * cap, key and token lengths of S3's own limits. */
#ifndef RD_S3_XML_H
#define RD_S3_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define S3_XML_MAX_BYTES (8 * 1024 * 1024) /* a longer answer is refused */
#define S3_KEY_MAX       1024              /* S3's own bound on a key */
#define S3_TOKEN_MAX     4096              /* a continuation token */

struct s3_object {
    char *key;    /* (owned) as stored, UTF-8 */
    time_t mtime; /* LastModified, -1 when absent or unreadable */
    int64_t size; /* Size, -1 when absent */
};

/* One ListObjectsV2 page. */
struct s3_page {
    struct s3_object *objs; /* (owned) in answer order */
    size_t n, cap;
    bool truncated;   /* <IsTruncated>true</IsTruncated> */
    char *next_token; /* (owned) NextContinuationToken, NULL when absent */
};

/*
 * s3_xml_list(xml, len, page, why, wlen): parse ${xml} (${len} bytes, any
 * bytes) as a <ListBucketResult> into ${page} (zeroed by the caller).
 * Returns 0, or -1 with the reason in ${why} (not XML, a DTD or entity, too
 * large or deep, another root element, a Contents without a Key, a key or
 * token too long, a Size that is no number); ${page} may then be half
 * filled: s3_page_free() it anyway.
 */
int s3_xml_list(const char *xml, size_t len, struct s3_page *page, char *why,
                size_t wlen);

/* s3_page_free(page): free what ${page} owns; it is empty afterwards. */
void s3_page_free(struct s3_page *page);

/*
 * s3_xml_error(xml, len, code, clen, msg, mlen): the <Code> and <Message>
 * of an S3 <Error> answer (each cut to its buffer, control characters
 * replaced by '?').  Returns 0 when ${xml} is an <Error> with a Code, else
 * -1 (${code} and ${msg} then "").
 */
int s3_xml_error(const char *xml, size_t len, char *code, size_t clen,
                 char *msg, size_t mlen);

/* s3_time(s): an ISO 8601 UTC time "2026-11-26T03:43:32.000Z" (fraction
 * and Z optional) as time_t, or -1. */
time_t s3_time(const char *s);

#endif
