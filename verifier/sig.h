/* sig: SIGINT/SIGTERM/SIGHUP turn into a flag the pipeline polls. */
#ifndef RD_SIG_H
#define RD_SIG_H

/*
 * sig_install(): catch SIGINT, SIGTERM and SIGHUP (no SA_RESTART, so blocking
 * calls return EINTR) and ignore SIGPIPE.  A second signal while the first
 * is being handled ends the process at once with 128+N (cleanup skipped;
 * children made with PR_SET_PDEATHSIG still die with us).
 */
void sig_install(void);

/* sig_pending(): the number of the first signal caught, or 0. */
int sig_pending(void);

/* sig_name(signo): "SIGTERM" etc. */
const char *sig_name(int signo);

#endif
