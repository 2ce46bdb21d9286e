/* sig: SIGINT/SIGTERM/SIGHUP turn into a flag the pipeline polls. */
#ifndef RD_SIG_H
#define RD_SIG_H

#include <stdbool.h>

/*
 * sig_install(): catch SIGINT, SIGTERM and SIGHUP (no SA_RESTART, so blocking
 * calls return EINTR) and ignore SIGPIPE.  The first signal stops the
 * pipeline; cleanup (drop, cluster stop, temp dirs) and the report still
 * run.  A second one makes every wait short (children get SIGKILL at once,
 * queries are abandoned sooner) but skips no cleanup step.  A third ends
 * the process at once with 128+N of the first (cleanup skipped; children
 * made with PR_SET_PDEATHSIG still die with us; cluster_sweep() of the next
 * run removes the temp dirs).
 */
void sig_install(void);

/* sig_pending(): the number of the first signal caught, or 0. */
int sig_pending(void);

/* sig_count(): how many signals were caught (0 to 2). */
int sig_count(void);

/* sig_hurry(): true once a second signal came: shorten every wait. */
bool sig_hurry(void);

/* sig_name(signo): "SIGTERM" etc. */
const char *sig_name(int signo);

#endif
