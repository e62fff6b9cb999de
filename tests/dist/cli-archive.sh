#!/usr/bin/env bash
# usage: cli-archive.sh ARCHIVE [RUNNER...]
#
# Uses an `outbox` release archive the way a user would: unpacks it into a
# new scratch directory, checks that the binary is static (no interpreter,
# no shared library), and runs it with an empty environment: `--version`,
# then `outbox send` to its own `outbox listen`, which must verify the
# signature. RUNNER (qemu-aarch64 for aarch64) runs a foreign binary.
set -euo pipefail

archive=$1
shift
runner=("$@")
work=$(mktemp -d "${TMPDIR:-/tmp}/outbox-dist-cli.XXXXXX")
listen_pid=
cleanup() {
    [[ -n $listen_pid ]] && kill "$listen_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

tar -xzf "$archive" -C "$work"
dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d)
bin=$dir/outbox
version=$(basename "$dir")
version=${version#outbox-}
version=${version%%-*}
echo "== $(basename "$dir"), unpacked into $work"

# Static: no program interpreter (ld.so) and no shared library needed.
if readelf -l "$bin" | grep -q 'INTERP'; then echo "$bin asks for a dynamic loader"; exit 1; fi
if readelf -d "$bin" | grep -q '(NEEDED)'; then echo "$bin needs shared libraries:"; readelf -d "$bin" | grep NEEDED; exit 1; fi
if [[ ${#runner[@]} -eq 0 ]]; then
    ldd_says=$(ldd "$bin" 2>&1 || true)
    echo "ldd: $ldd_says"
    [[ $ldd_says == *"not a dynamic executable"* || $ldd_says == *"statically linked"* ]] || exit 1
fi

outbox() { env -i "${runner[@]}" "$bin" "$@"; }

[[ $(outbox --version) == "outbox $version" ]] || { echo "--version says $(outbox --version), want outbox $version"; exit 1; }
echo "--version: outbox $version"

secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
outbox listen --port 0 --json --exit-after 1 --secret "$secret" >"$work/listen.jsonl" &
listen_pid=$!
for _ in $(seq 300); do
    url=$(sed -n 's/.*"listening":"\([^"]*\)".*/\1/p' "$work/listen.jsonl")
    [[ -n $url ]] && break
    sleep 0.1
done
[[ -n $url ]] || { echo "outbox listen did not start"; exit 1; }
outbox send track user-42 'Order Completed' -p total=99.5 --endpoint "$url" --secret "$secret"
wait "$listen_pid" || { echo "outbox listen exited $?:"; cat "$work/listen.jsonl"; exit 1; }
listen_pid=
grep -q '"done":true' "$work/listen.jsonl" && grep -q '"verified":1' "$work/listen.jsonl" || {
    echo "outbox listen did not see one verified request:"; cat "$work/listen.jsonl"; exit 1; }
tail -n 1 "$work/listen.jsonl"
echo "== $(basename "$dir"): static, ran on its own, delivered a signed event to outbox listen"
