#!/usr/bin/env bash
# usage: deliver.sh OUTBOX_BIN COMMAND [ARGS...]
#
# Runs COMMAND against `outbox listen` on a free port of 127.0.0.1, with
# OUTBOX_ENDPOINT and OUTBOX_SIGNING_SECRET set (what examples/*/demo.* read).
# Passes only if COMMAND succeeds and the listener receives one request
# whose signature verifies (--exit-after 1 exits 0 only then).
set -euo pipefail

outbox=$1
shift
export OUTBOX_SIGNING_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OUTBOX_ENDPOINT=http://127.0.0.1:$port

timeout 60 "$outbox" listen --port "$port" --exit-after 1 --color never &
listener=$!
trap 'kill $listener 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
done

"$@"
if ! wait $listener; then
    echo "deliver.sh: outbox listen did not get one verified request from: $*" >&2
    exit 1
fi
trap - EXIT
