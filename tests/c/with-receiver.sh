#!/usr/bin/env bash
# usage: with-receiver.sh RECEIVER_BIN COMMAND [ARGS...]
#
# Starts the test receiver on a free port of 127.0.0.1, runs COMMAND with
# OUTBOX_TEST_URL (and OUTBOX_ENDPOINT, which the examples read) set to its
# URL, then stops it. The receiver runs with --exit-on-stdin-eof and its
# stdin is a pipe only this script holds, so it dies with this script even
# when the script is killed. Exits with COMMAND's status.
set -euo pipefail

receiver=$1
shift
[[ -x $receiver ]] || { echo "with-receiver.sh: no receiver binary at $receiver" >&2; exit 2; }

coproc RECEIVER { exec "$receiver" --exit-on-stdin-eof; }
receiver_pid=$RECEIVER_PID
# Our copies of the pipe ends, under fixed numbers, so COMMAND inherits none.
coproc_in=${RECEIVER[1]} coproc_out=${RECEIVER[0]}
exec {to_receiver}>&"$coproc_in" {from_receiver}<&"$coproc_out"
exec {coproc_in}>&- {coproc_out}<&-

if ! IFS= read -r -t 30 line <&"$from_receiver" || [[ $line != "LISTENING http://"* ]]; then
    echo "with-receiver.sh: the receiver did not start (got: ${line:-nothing})" >&2
    kill "$receiver_pid" 2>/dev/null || true
    exit 1
fi
url=${line#LISTENING }

status=0
OUTBOX_TEST_URL=$url OUTBOX_ENDPOINT=$url "$@" {to_receiver}>&- {from_receiver}<&- || status=$?

# EOF on its stdin stops the receiver; wait for it so nothing is left behind.
exec {to_receiver}>&- {from_receiver}<&-
wait "$receiver_pid" 2>/dev/null || true
exit "$status"
