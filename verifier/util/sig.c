/* sig: SIGINT/SIGTERM/SIGHUP turn into a flag the pipeline polls. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "verifier/util/sig.h"

static volatile sig_atomic_t caught;
static volatile sig_atomic_t count;

/*
 * First signal: remember it (the pipeline stops and cleans up).  Second:
 * only counted (waits shorten, cleanup still runs).  Third: leave now with
 * 128+N of the first (async-signal-safe); the next run's sweep removes
 * what is left.
 */
static void
on_signal(int signo)
{
    if (caught == 0)
        caught = signo;
    if (count < 3)
        count++;
    if (count >= 3)
        _exit(128 + caught);
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

int
sig_count(void)
{
    return count;
}

bool
sig_hurry(void)
{
    return count >= 2;
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
