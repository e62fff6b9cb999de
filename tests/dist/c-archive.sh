#!/usr/bin/env bash
# usage: c-archive.sh ARCHIVE RECEIVER_BIN CC CXX [RUNNER...]
#
# Uses a liboutbox release archive the way a C or C++ user would: unpacks it
# into a new scratch directory, builds examples/c/quickstart.c with
# pkg-config pointed inside it (shared, then static) and examples/cpp with
# CMake's find_package(outbox) (shared and static), and runs each against
# the test receiver, through RUNNER when given (qemu-aarch64 for aarch64).
set -euo pipefail

archive=$1 receiver=$2 cc=$3 cxx=$4
shift 4
runner=("$@")
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/outbox-dist-c.XXXXXX")
trap 'rm -rf "$work"' EXIT

tar -xzf "$archive" -C "$work"
root=$(find "$work" -mindepth 1 -maxdepth 1 -type d)
name=$(basename "$root")
version=${name#liboutbox-}
version=${version%%-*}
echo "== $name, unpacked into $work"

# Relocatable: no file names a directory of the machine that built it.
if grep -rl "$repo" "$root"; then echo "the files above name $repo: the archive only works where it was built"; exit 1; fi

# Only this archive's outbox.pc, not one installed on the machine.
export PKG_CONFIG_LIBDIR=$root/lib/pkgconfig PKG_CONFIG_PATH=
[[ $(pkg-config --modversion outbox) == "$version" ]] || { echo "outbox.pc says $(pkg-config --modversion outbox), want $version"; exit 1; }

run() {
    echo "-- $(basename "$1")"
    out=$("$repo/tests/c/with-receiver.sh" "$receiver" "${runner[@]}" "$@")
    echo "$out"
    [[ $out == *": delivered "*", pending 0"* ]] || { echo "unexpected output from $1"; exit 1; }
}

# The SONAME carries the ABI's version: liboutbox.so.0.<minor> before 1.0
# (CHANGELOG.md), and every program must ask for it.
soname=$(readelf -d "$root/lib/liboutbox.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
IFS=. read -r major minor _ <<<"$version"
want_soname=liboutbox.so.$major
[[ $major == 0 ]] && want_soname=liboutbox.so.0.$minor
[[ $soname == "$want_soname" ]] || { echo "SONAME is $soname, want $want_soname"; exit 1; }
needs_soname() {
    readelf -d "$1" | grep -q "(NEEDED).*\[$soname\]" || { echo "$1 does not need $soname"; exit 1; }
}

libdir=$(pkg-config --variable=libdir outbox)
# As docs/c-abi.md and the archive's README say (word splitting intended).
# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror "$repo/examples/c/quickstart.c" -o "$work/quickstart" \
    $(pkg-config --cflags --libs outbox) "-Wl,-rpath,$libdir"
needs_soname "$work/quickstart"
run "$work/quickstart"

# shellcheck disable=SC2046
"$cc" -std=c99 -Wall -Wextra -Werror "$repo/examples/c/quickstart.c" -o "$work/quickstart_static" \
    $(pkg-config --cflags outbox) "$libdir/liboutbox.a" $(pkg-config --static --libs-only-l outbox | sed 's/-loutbox//')
if readelf -d "$work/quickstart_static" | grep -q 'NEEDED.*liboutbox'; then echo "quickstart_static needs liboutbox.so"; exit 1; fi
run "$work/quickstart_static"

if command -v cmake >/dev/null; then
    cmake -S "$repo/examples/cpp" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$root" -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
    cmake --build "$work/cmake" >/dev/null
    needs_soname "$work/cmake/quickstart"
    run "$work/cmake/quickstart"
    run "$work/cmake/quickstart_static"
else
    echo "cmake is not installed: the CMake package was not tried"
fi
echo "== $name: pkg-config and CMake consumers built and delivered"
