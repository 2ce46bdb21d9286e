/* progress: a one-line progress bar on a terminal. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "restore/decode/progress.h"

#define REDRAW_MS      250
#define NAME_MAX_SHOWN 32

struct prog {
    struct stream s;
    int fd;
    int64_t total, done;
    int64_t start_ms, last_ms;
    bool shown;
    char name[NAME_MAX_SHOWN + 4];
};

static int64_t
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

char *
progress_human(double b, char *buf, size_t cap)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;

    while (b >= 1024 && u < 4) {
        b /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%.0f B", b);
    else
        snprintf(buf, cap, "%.1f %s", b, unit[u]);
    return buf;
}

static void
put(struct prog *p, const char *line)
{
    size_t n = strlen(line), off = 0;

    while (off < n) {
        ssize_t w = write(p->fd, line + off, n - off);

        if (w <= 0)
            return; /* a progress bar is not worth an error */
        off += (size_t)w;
    }
}

static void
draw(struct prog *p, int64_t now)
{
    char line[256], a[32], b[32], r[40], eta[48] = "";
    double secs = (double)(now - p->start_ms) / 1000.0;
    double rate = secs > 0.2 ? (double)p->done / secs : -1; /* -1: unknown */

    progress_human((double)p->done, a, sizeof(a));
    if (rate >= 0) {
        progress_human(rate, r, sizeof(r));
        strcat(r, "/s");
    } else {
        snprintf(r, sizeof(r), "-");
    }
    if (p->total > 0) {
        double left = rate > 0 ? (double)(p->total - p->done) / rate : -1;
        int pct = (int)((double)p->done * 100.0 / (double)p->total);

        if (left >= 0 && p->done <= p->total) {
            long l = (long)(left + 0.5);

            snprintf(eta, sizeof(eta), "  ETA %ld:%02ld:%02ld", l / 3600,
                     l / 60 % 60, l % 60);
        }
        snprintf(line, sizeof(line), "\r%s  %s of %s  %d%%  %s%s\033[K",
                 p->name, a, progress_human((double)p->total, b, sizeof(b)),
                 pct > 100 ? 100 : pct, r, eta);
    } else {
        snprintf(line, sizeof(line), "\r%s  %s  %s\033[K", p->name, a, r);
    }
    put(p, line);
    p->shown = true;
    p->last_ms = now;
}

static void
erase(struct prog *p)
{
    if (p->shown)
        put(p, "\r\033[K");
    p->shown = false;
}

static ssize_t
prog_read(struct stream *s, void *buf, size_t cap, struct rd_err *err)
{
    struct prog *p = (struct prog *)s;
    ssize_t n = stream_read(s->below, buf, cap, err);
    int64_t now;

    if (n <= 0) {
        if (n == 0 && p->shown)
            draw(p, now_ms()); /* the whole of it, then gone */
        erase(p);
        return n;
    }
    p->done += n;
    now = now_ms();
    if (!p->shown || now - p->last_ms >= REDRAW_MS)
        draw(p, now);
    return n;
}

static void
prog_free(struct stream *s)
{
    struct prog *p = (struct prog *)s;

    erase(p);
    stream_free(s->below);
    free(p);
}

struct stream *
stream_progress_new(struct stream *below, const char *name, int64_t total,
                    int fd)
{
    struct prog *p = calloc(1, sizeof(*p));
    size_t i = 0;

    if (p == NULL) {
        stream_free(below);
        return NULL;
    }
    for (; name != NULL && name[i] != '\0' && i < NAME_MAX_SHOWN; i++)
        p->name[i] =
            (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
    if (name != NULL && name[i] != '\0') {
        /* cut at a character boundary, then an ellipsis */
        while (i > 0 && ((unsigned char)name[i] & 0xc0) == 0x80)
            i--;
        memcpy(p->name + i, "...", 3);
        i += 3;
    }
    p->name[i] = '\0';
    p->fd = fd;
    p->total = total;
    p->start_ms = p->last_ms = now_ms();
    p->s.read = prog_read;
    p->s.free = prog_free;
    p->s.below = below;
    p->s.name = below->name;
    return &p->s;
}
