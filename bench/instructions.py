#!/usr/bin/env python3
"""Instruction counts (callgrind) of the engine's two load-independent figures.

- capture: instructions per `capture` on the calling threads
  (bench/src/bin/enqueue_cost.rs, only `capture_loop` counted), with 1, 2
  and 4 capturing threads; also the wall and CPU time per call of the same
  binary run natively (noisy on a shared machine: shows contention only).
- client: instructions per delivered event, all of the client's threads,
  gzip on, N events to the test receiver in its own process
  (bench/src/bin/client_cost.rs).

usage: bench/instructions.py [--bin-dir DIR] [--n N] [--top K]
Writes the table to stdout and target/bench/instructions.md.
"""

import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def totals(path):
    """The event total of one callgrind output file."""
    with open(path) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    return 0


def callgrind(args, out, extra):
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *extra, *args]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{run.stdout}\n{run.stderr}")
    return run.stdout


def top_functions(path, k):
    """The k functions with the most instructions of their own (code
    inlined into a function counts as that function's)."""
    text = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--auto=no", "--threshold=100", path], capture_output=True, text=True
    ).stdout
    total, own = 0, {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)", line)
        if not m:
            continue
        count = int(m.group(1).replace(",", ""))
        if "PROGRAM TOTALS" in line:
            total = count
            continue
        where = re.sub(r" \[.*\]$", "", m.group(2))
        name = where.split(":", 1)[1] if ":" in where else where
        own[name] = own.get(name, 0) + count
    ranked = sorted(own.items(), key=lambda kv: -kv[1])[:k]
    return [f"{100 * c / max(total, 1):5.1f}%  {name[:110]}" for name, c in ranked]


def capture(bin_dir, n, threads, tmp):
    out = os.path.join(tmp, f"capture-{threads}.%p")
    callgrind(
        [os.path.join(bin_dir, "enqueue_cost"), str(n), "--threads", str(threads)],
        out,
        ["--separate-threads=yes", "--toggle-collect=*capture_loop*"],
    )
    files = [f for f in glob.glob(out.replace("%p", "*")) if totals(f) > 0]
    calls = n // threads * threads
    busiest = max(files, key=totals)
    return sum(totals(f) for f in files) / calls, busiest


def native(bin_dir, n, threads):
    text = subprocess.run(
        [os.path.join(bin_dir, "enqueue_cost"), str(n), "--threads", str(threads)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.search(r"([\d.]+) ns/call wall, ([\d.]+) ns/call CPU", text)
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def client(bin_dir, n, tmp):
    out = os.path.join(tmp, "client.out")
    printed = callgrind(
        [os.path.join(bin_dir, "client_cost"), str(n), "--receiver", os.path.join(bin_dir, "outbox-test-receiver")],
        out,
        [],
    )
    return totals(out) / n, out, printed.strip()


def ratio(bin_dir):
    """What gzip makes of a batch of 1,000 typical events."""
    return subprocess.run(
        [os.path.join(bin_dir, "client_cost"), "--ratio"], capture_output=True, text=True, check=True
    ).stdout.strip()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, "target/x86_64-unknown-linux-gnu/release"))
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=12)
    a = parser.parse_args()

    lines = ["## Instructions (callgrind)", ""]
    with tempfile.TemporaryDirectory() as tmp:
        lines += [
            f"`capture` of the typical event, {a.n} calls in all (bench/src/bin/enqueue_cost.rs):",
            "",
            "| capturing threads | instructions per call (calling threads) | wall per call | CPU per call |",
            "| --- | --- | --- | --- |",
        ]
        profile = None
        for threads in (1, 2, 4):
            per_call, busiest = capture(a.bin_dir, a.n, threads, tmp)
            wall, cpu = native(a.bin_dir, a.n, threads)
            lines.append(f"| {threads} | {per_call:,.0f} | {wall:.0f} ns | {cpu:.0f} ns |")
            if threads == 1:
                profile = top_functions(busiest, a.top)
        lines += ["", "Top functions, 1 thread (own instructions):", "", "```", *profile, "```", ""]

        per_event, out, printed = client(a.bin_dir, a.n, tmp)
        lines += [
            f"Whole client, gzip on, {a.n} events to the test receiver (bench/src/bin/client_cost.rs: {printed}):",
            "",
            f"**{per_event:,.0f} instructions per delivered event**, all threads, start and shutdown included.",
            "",
            ratio(a.bin_dir) + ".",
            "",
            "Top functions (own instructions):",
            "",
            "```",
            *top_functions(out, a.top),
            "```",
        ]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(os.path.join(ROOT, "target/bench"), exist_ok=True)
    with open(os.path.join(ROOT, "target/bench/instructions.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
