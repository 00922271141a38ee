#!/usr/bin/env bash
# One scheduled wirefeed run, for cron (see wirefeed.cron beside this file).
#
# - one run at a time: a second start while a run holds the lock exits 75 (EX_TEMPFAIL) at once;
#   wirefeed itself also refuses a second writer on the same output (exit 1, OUTPUT/.lock);
# - the run's output goes to LOG_DIR/RUN_ID.log; one line on stderr when it did not succeed,
#   so cron mails only failures;
# - the exit code is wirefeed's: 0 success (dead letters included), 1 the run failed or every
#   feed failed, 2 a wrong command line, 3 dead letters with --fail-on-dead-letters.
# Settings come from the environment; extra arguments go to wirefeed (e.g. --fail-on-dead-letters,
# --runner=PortableRunner --job_endpoint=localhost:8099 ...).
set -uo pipefail

WIREFEED=${WIREFEED:-/opt/wirefeed/.venv/bin/wirefeed}
FEEDS=${WIREFEED_FEEDS:-/srv/wirefeed/feeds.opml}
OUTPUT=${WIREFEED_OUTPUT:-/srv/wirefeed/out}
LOG_DIR=${WIREFEED_LOG_DIR:-/var/log/wirefeed}
LOCK=${WIREFEED_LOCK:-/tmp/wirefeed.lock}
RUN_ID=${WIREFEED_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-cron}

mkdir -p "$LOG_DIR" || exit 1
exec 9>"$LOCK" || exit 1
if ! flock -n 9; then
    echo "wirefeed: another scheduled run holds $LOCK; this one ($RUN_ID) was skipped" >&2
    exit 75
fi

"$WIREFEED" --feeds "$FEEDS" --output "$OUTPUT" --run-id "$RUN_ID" "$@" >"$LOG_DIR/$RUN_ID.log" 2>&1
rc=$?
case $rc in
    0) ;;
    3) echo "wirefeed: run $RUN_ID wrote dead letters (exit 3); see $LOG_DIR/$RUN_ID.log and $OUTPUT/dead_letter/" >&2 ;;
    *) echo "wirefeed: run $RUN_ID failed with exit $rc; see $LOG_DIR/$RUN_ID.log" >&2 ;;
esac
exit $rc
