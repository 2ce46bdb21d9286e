#!/bin/sh
# tests/demo/alert-hook.sh: the alert_exec of `make demo` (docs/integrations.md).
# restoredrill runs it by argv, never through a shell, with the report JSON
# on stdin and RESTOREDRILL_STATUS, _JOB, _SUMMARY and _REPORT set.  A real
# hook would page someone; this one appends a line to the file named by its
# argument (usage: alert-hook.sh LOGFILE).
set -eu
bytes=$(wc -c)
printf '%s job=%s report=%s (%s bytes on stdin)\n  %s\n' \
    "$RESTOREDRILL_STATUS" "$RESTOREDRILL_JOB" "$RESTOREDRILL_REPORT" \
    "$bytes" "$RESTOREDRILL_SUMMARY" >>"${1:?usage: alert-hook.sh LOGFILE}"
