/* archive_info: what the select, fetch and decode stages learned about the
 * archive being verified (a result; reports/render_archive.c renders it as
 * the report's archive{}). */
#ifndef RD_ARCHIVE_INFO_H
#define RD_ARCHIVE_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Each field is unknown (NULL, -1, "") until a stage fills it. */
struct archive_info {
    const char *source;      /* (borrowed) the location, credentials redacted */
    const char *name;        /* (borrowed) the chosen archive, as listed */
    time_t created_at;       /* its time (from the name, else the listing) */
    int64_t age_s;           /* seconds before the selection; with created_at */
    int64_t size_bytes;      /* the listing's size, then the fetch's */
    const char *format;      /* (static) "custom", "tar", "directory", ... */
    const char *compression; /* (static) "none", "gzip", "zstd", ... */
    const char *transfer;    /* (static) "file", "spool", "stream" */
    char sha256[65];         /* hex digest of the raw bytes, once read whole */
    char dump_version[16];   /* the pg_dump archive format ("1.14"), or "" */
    const char *server_version; /* (borrowed) the dump's source server */
    /* decrypt_command's stderr, its last 2 KiB, once it ended; "" none */
    char decrypt_stderr_tail[2049];
    bool decrypted; /* decrypt_command ran */
};

/* archive_info_init(ai): every field unknown. */
void archive_info_init(struct archive_info *ai);

#endif
