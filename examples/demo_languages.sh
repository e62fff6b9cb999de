#!/usr/bin/env bash
# make demo, part two: C, Python and Node send signed events through the same
# engine to one local `outbox listen`, which verifies every signature and
# exits non-zero if any fails.
#
# usage: demo_languages.sh OUTBOX_BIN C_DEMO_BIN PYTHON
set -euo pipefail
outbox=$1 c_demo=$2 python=$3
cd "$(dirname "$0")/.."

export OUTBOX_SIGNING_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OUTBOX_ENDPOINT=http://127.0.0.1:$port

echo
echo "== C, Python and Node, one receiver: outbox listen on $OUTBOX_ENDPOINT"
# One request per language; listen exits 1 if a signature fails to verify.
"$outbox" listen --port "$port" --exit-after 3 &
listener=$!
trap 'kill $listener 2>/dev/null || true' EXIT
# Wait until it accepts connections.
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.05
done

"$c_demo"
"$python" examples/python/demo.py
node examples/node/demo.js
wait $listener
trap - EXIT
echo "== every language's events arrived, every signature verified"
