/* sig: SIGINT/SIGTERM/SIGHUP turn into a flag the pipeline polls. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "verifier/sig.h"

static volatile sig_atomic_t caught;

/* First signal: remember it.  Second: leave now (async-signal-safe). */
static void
on_signal(int signo)
{
    if (caught != 0)
        _exit(128 + signo);
    caught = signo;
}

void
sig_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int
sig_pending(void)
{
    return caught;
}

const char *
sig_name(int signo)
{
    switch (signo) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    default:
        return "signal";
    }
}
