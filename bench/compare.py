#!/usr/bin/env python3
"""Outbox against the peers: the same workload from Rust, C, Python and Node.

    python3 bench/compare.py [--n 100000] [--runs 3] [--outage-runs 3] [--exit-runs 3]

`make bench-compare` builds and installs what this needs first (see
mk/bench.mk); run it through make. Standard library only.

Workloads, each in a fresh process per library and run, all against one
`outbox-test-receiver --no-record` (reset between runs):

- loop:   N `track` calls of the same event in a tight loop, then the
          library's flush; time from the first call until the receiver has
          counted all N.
- outage: the same, with the receiver answering 503 to every ingest request
          from just before the process starts until 10 s after its first
          call (a forever `status` rule, then /_control/clear_faults).
          Also counted: the requests sent while the receiver was down (per
          second: how hard a fleet would hit a recovering collector) and how
          long after the recovery the first event was stored.
- blip:   10,000 calls (--blip-n) with a 5 s outage (503) at the start: how
          soon everything is delivered after a short blip.
- exit:   the same loop, then the process exits without flushing (Python
          and C: end of the program; Node: process.exit(); Rust: end of
          main, which drops the client); how many events arrive.

Per run: the caller thread's wall and CPU time per call, time to delivered,
events/s, the process's CPU seconds and peak RSS (wait4), what the receiver
counted (unique ids, duplicates), the receiver's own CPU, the load average.
Reports medians with min-max over runs; Outbox/peer ratios are computed run
by run (same run index, minutes apart) and their median is reported.
Writes target/bench/compare.json and target/bench/compare.md (--name) and
prints the Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRIPLE = os.environ.get("CARGO_BUILD_TARGET", "x86_64-unknown-linux-gnu")
RELEASE = REPO / "target" / TRIPLE / "release"
OUT_DIR = REPO / "target" / "bench"
VENV_PY = REPO / "bench" / ".venv" / "bin" / "python"
NODE_DIR = REPO / "bench" / "node"
C_BIN = REPO / "build" / "bench" / "workload_c"
# Seconds of 503 at the start of each outage-like workload.
OUTAGE_SECONDS = {"outage": 10.0, "blip": 5.0}
OUTAGE_S = OUTAGE_SECONDS["outage"]
# A run still going after this is killed and reported with what had arrived
# (@segment/analytics-node sometimes needs 100 s and more: see docs).
RUN_TIMEOUT_S = 60.0

# (language, library, queue setting). Peers' "raised" settings are added
# only where the default queue bound dropped events (see main()).
CONFIGS = [
    ("Rust", "outbox", "default"),
    ("C", "outbox", "default"),
    ("Python", "outbox", "default"),
    ("Python", "segment-analytics-python", "default"),
    ("Python", "posthog", "default"),
    ("Node", "outbox", "default"),
    ("Node", "@segment/analytics-node", "default"),
    ("Node", "posthog-node", "default"),
]
# Peers whose queue bound can be raised (the others have none).
RAISABLE = {"segment-analytics-python", "posthog", "posthog-node"}
SHORT = {
    "outbox": "outbox",
    "segment-analytics-python": "segment",
    "posthog": "posthog",
    "@segment/analytics-node": "segment",
    "posthog-node": "posthog",
}


def command(lang: str, lib: str, queue: str, url: str, n: int, mode: str) -> list[str]:
    # The workload programs know loop, outage and exit; a blip is an outage to them.
    common = ["--url", url, "--n", str(n), "--mode", "outage" if mode == "blip" else mode]
    if lang == "Rust":
        return [str(RELEASE / "workload"), *common]
    if lang == "C":
        return [str(C_BIN), *common]
    if lang == "Python":
        return [
            str(VENV_PY),
            str(REPO / "bench" / "python" / "workload.py"),
            "--lib",
            SHORT[lib],
            "--queue",
            queue,
            *common,
        ]
    return ["node", str(NODE_DIR / "workload.mjs"), "--lib", SHORT[lib], "--queue", queue, *common]


# ---------------------------------------------------------------------------
# The receiver


class Receiver:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [str(RELEASE / "outbox-test-receiver"), "--no-record", "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("LISTENING "):
            raise SystemExit(f"the receiver did not start: {line!r}")
        self.url = line.split()[1]
        self.pid = self.proc.pid

    def call(self, method: str, path: str, body: object = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


# ---------------------------------------------------------------------------
# One run


def one_run(rx: Receiver, lang: str, lib: str, queue: str, n: int, mode: str, log, timeout: float) -> dict:
    rx.call("POST", "/_control/reset")
    outage_s = OUTAGE_SECONDS.get(mode)
    if outage_s:
        rx.call("POST", "/_control/faults", {"kind": "status", "status": 503, "forever": True})
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and not k.startswith("POSTHOG")}
    env["OUTBOX_NATIVE_PATH"] = str(NODE_DIR / "outbox.node")
    cmd = command(lang, lib, queue, rx.url, n, mode)
    load = os.getloadavg()[0]
    rx_cpu0 = rx.cpu_s()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, env=env, text=True, cwd=REPO)
    lines: list[str] = []
    ready = threading.Event()
    ready_at: list[float] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "READY" and not ready.is_set():
                ready_at.append(time.monotonic())
                ready.set()
            else:
                lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    waited: dict = {}

    def wait() -> None:
        _, status, usage = os.wait4(proc.pid, 0)
        waited.update(status=status, usage=usage, at=time.monotonic())

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    timer = None
    recovery: dict = {}
    if outage_s:
        ready.wait(60)
        timer = threading.Timer(outage_s, end_outage, (rx, recovery, timeout))
        timer.start()
    waiter.join(timeout)
    timed_out = waiter.is_alive()
    if timed_out:
        proc.send_signal(signal.SIGKILL)
        waiter.join()
    proc.returncode = os.waitstatus_to_exitcode(waited["status"])
    reader.join(5)
    if timer is not None:
        timer.join()  # the fault is cleared before the next run whatever happened
    if mode == "exit":
        time.sleep(0.3)  # requests the process sent before it died are still being read
    stats = rx.call("GET", "/_control/stats")
    usage = waited["usage"]
    result: dict = {}
    for line in lines:
        try:
            result = json.loads(line)
        except ValueError:
            continue
    r = {
        "lang": lang,
        "lib": lib,
        "queue": queue,
        "mode": mode,
        "n": n,
        "exit_code": proc.returncode,
        "timed_out": timed_out,
        "load": load,
        "process_wall_s": waited["at"] - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_kb": usage.ru_maxrss,
        "receiver_cpu_s": rx.cpu_s() - rx_cpu0,
        "delivered": stats["unique_events"],
        "received": stats["events"],
        "duplicates": stats["duplicate_events"],
        "requests": stats["requests"],
        "bytes_per_event": stats["bytes"] / max(1, stats["events"]),
        **result,
    }
    if mode == "exit" and ready_at and "enqueue_wall_ns" in result:
        # From the last call to the process's end: what the exit hooks cost.
        r["exit_s"] = waited["at"] - ready_at[0] - result["enqueue_wall_ns"] * n / 1e9
    total = result.get("total_s")
    r["events_per_s"] = n / total if total else None
    if outage_s:
        r["outage_s"] = outage_s
        r.update(recovery)
    return r


def end_outage(rx: Receiver, out: dict, timeout: float) -> None:
    """Ends the outage; records the requests sent during it and how long
    after it the first event was stored."""
    out["requests_while_down"] = rx.call("GET", "/_control/stats")["requests"]
    rx.call("POST", "/_control/clear_faults")
    cleared = time.monotonic()
    while time.monotonic() - cleared < timeout:
        if rx.call("GET", "/_control/stats")["unique_events"] > 0:
            out["resume_s"] = time.monotonic() - cleared
            return
        time.sleep(0.02)


# ---------------------------------------------------------------------------
# Summaries


def med(values: list) -> tuple | None:
    v = [x for x in values if x is not None]
    if not v:
        return None
    return statistics.median(v), min(v), max(v)


def fmt(m: tuple | None, scale: float = 1.0, digits: int = 1, unit: str = "") -> str:
    if m is None:
        return "n/a"
    mid, lo, hi = (x * scale for x in m)
    f = f"{{:,.{digits}f}}"
    if lo == hi or f.format(lo) == f.format(hi):
        return f"{f.format(mid)}{unit}"
    return f"{f.format(mid)}{unit} ({f.format(lo)}-{f.format(hi)})"


def label(r: dict) -> str:
    name = f"{r['lib']} {r.get('version', '?')}"
    if r["lib"] == "outbox":
        name = f"**Outbox** ({r['lang']})"
    if r["queue"] == "raised":
        name += ", queue raised"
    elif r["lib"] in RAISABLE:
        name += ", defaults"
    return name


def groups(results: list[dict], mode: str) -> dict:
    out: dict = {}
    for r in results:
        if r["mode"] == mode:
            out.setdefault((r["lang"], r["lib"], r["queue"]), []).append(r)
    return out


def ratios(results: list[dict], mode: str, key: str, lang: str, peer: tuple, invert: bool = False) -> tuple | None:
    """Outbox/peer for `key`, run by run (same run index), then median and range."""
    by = groups(results, mode)
    ours = {r["run"]: r.get(key) for r in by.get((lang, "outbox", "default"), [])}
    vals = []
    for r in by.get(peer, []):
        a, b = ours.get(r["run"]), r.get(key)
        if a and b:
            vals.append(b / a if invert else a / b)
    return med(vals)


def fastest_peer_ratio(results: list[dict], mode: str, lang: str) -> tuple | None:
    """Outbox events/s over the fastest peer's (any setting) in the same run."""
    vals = []
    runs = {r["run"] for r in results if r["mode"] == mode}
    for run in runs:
        rs = [r for r in results if r["mode"] == mode and r["run"] == run and r["lang"] == lang]
        ours = [r["events_per_s"] for r in rs if r["lib"] == "outbox" and r["events_per_s"]]
        peers = [r["events_per_s"] for r in rs if r["lib"] != "outbox" and r["events_per_s"]]
        if ours and peers:
            vals.append(ours[0] / max(peers))
    return med(vals)


def table(results: list[dict], mode: str, doc_runs: dict, timeout: float) -> list[str]:
    by = groups(results, mode)
    if not by:
        return []
    rows = []
    if mode == "exit":
        rows.append(
            "| language | library | enqueue, caller CPU / call | arrived / N | duplicates | exit took | peak RSS |"
        )
        rows.append("| --- | --- | --- | --- | --- | --- | --- |")
    elif mode in OUTAGE_SECONDS:
        rows.append(
            "| language | library | to delivered | delivered / N | duplicates | requests per second while down | "
            "first event stored after recovery | Outbox's advantage, same run: time to delivered |"
        )
        rows.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    else:
        rows.append(
            "| language | library | enqueue wall / call | enqueue caller CPU / call | to delivered | events/s | "
            "CPU (process) | peak RSS (growth) | delivered / N | duplicates | "
            "Outbox's advantage, same run: events/s, caller CPU |"
        )
        rows.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    order = {c[:2]: i for i, c in enumerate(CONFIGS)}
    for key in sorted(by, key=lambda k: (order.get(k[:2], 99), k[2])):
        rs = by[key]
        r0 = rs[0]
        n = r0["n"]
        planned = doc_runs.get(mode, len(rs))
        runs_note = f" ({len(rs)} of {planned} runs)" if len(rs) < planned else ""
        deliv = med([r["delivered"] for r in rs])
        dup = med([r["duplicates"] for r in rs])
        delivered = fmt(deliv, 100 / n, 1, "%") if deliv else "0%"
        timeouts = sum(r["timed_out"] for r in rs)
        note = f" ({timeouts} of {len(rs)} runs killed at {timeout:.0f} s)" if timeouts else ""
        cpu_call = fmt(med([r.get("enqueue_cpu_ns") for r in rs]), 1e-3, 2, " µs")
        rss = fmt(med([r["peak_rss_kb"] for r in rs]), 1 / 1024, 0, " MB")
        growth = fmt(med([r["peak_rss_kb"] - r.get("rss_before_kb", 0) for r in rs]), 1 / 1024, 0, " MB")
        if mode == "exit":
            rows.append(
                f"| {r0['lang']} | {label(r0)}{runs_note} | {cpu_call} | {delivered}{note} | {fmt(dup, 1, 0)} | "
                f"{fmt(med([r.get('exit_s') for r in rs]), 1, 2, ' s')} | {rss} |"
            )
            continue
        if key[1] == "outbox":
            ratio = "—"
        else:
            rt = ratios(results, mode, "events_per_s", key[0], key)
            rc = ratios(results, mode, "enqueue_cpu_ns", key[0], key, invert=True)
            ratio = f"{fmt(rt, 1, 1, 'x')}" if rt else "n/a (incomplete)"
            ratio += f"; {fmt(rc, 1, 1, 'x')}"
        total = fmt(med([r.get("total_s") for r in rs]), 1, 2, " s")
        if all(r["timed_out"] for r in rs):
            total = f"over {timeout:.0f} s (killed)"
        elif all(r.get("total_s") is None for r in rs):
            total = f"never (flush returned after {fmt(med([r.get('flush_s') for r in rs]), 1, 1, ' s')})"
        if mode in OUTAGE_SECONDS:
            probes = med([r["requests_while_down"] / r["outage_s"] for r in rs if "requests_while_down" in r])
            ratio = (
                "—"
                if key[1] == "outbox"
                else fmt(ratios(results, mode, "total_s", key[0], key, invert=True), 1, 1, "x")
            )
            rows.append(
                f"| {r0['lang']} | {label(r0)}{runs_note} | {total} | {delivered}{note} | {fmt(dup, 1, 0)} | "
                f"{fmt(probes, 1, 1)} | {fmt(med([r.get('resume_s') for r in rs]), 1, 2, ' s')} | {ratio} |"
            )
            continue
        rows.append(
            f"| {r0['lang']} | {label(r0)}{runs_note} | "
            f"{fmt(med([r.get('enqueue_wall_ns') for r in rs]), 1e-3, 2, ' µs')} | "
            f"{cpu_call} | {total} | {fmt(med([r['events_per_s'] for r in rs]), 1, 0)} | "
            f"{fmt(med([r['cpu_s'] for r in rs]), 1, 2, ' s')} | {rss} ({growth}) | {delivered}{note} | "
            f"{fmt(dup, 1, 0)} | {ratio} |"
        )
    return rows


def machine() -> dict:
    def first(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001 (a missing tool is reported as such)
            return "?"

    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split()[1]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 2**20),
        "kernel": platform.release(),
        "python": first([str(VENV_PY), "--version"]),
        "node": first(["node", "--version"]),
        "rustc": first(["rustc", "--version"]),
        "gcc": first(["gcc", "--version"]),
    }


def markdown(doc: dict) -> str:
    results, m = doc["results"], doc["machine"]
    loads = [r["load"] for r in results]
    out = [
        f"N = {doc['n']:,} `track` calls per run; runs: loop {doc['runs']['loop']}, outage {doc['runs']['outage']}, "
        f"blip {doc['runs'].get('blip', 0)}, exit {doc['runs']['exit']}; medians, (min-max).",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}; {m['python']}, "
        f"Node {m['node']}, {m['rustc']}, {m['gcc']}. Load average (1 min) at the start of each run: "
        f"median {statistics.median(loads):.1f} ({min(loads):.1f}-{max(loads):.1f}).",
        "",
    ]
    cap = doc.get("receiver_capacity", [])
    if cap:
        parts = [
            f"{c['events_per_s']:,.0f} events/s{' gzipped' if c['gzip'] else ' plain'} "
            f"({c['events_per_receiver_cpu_s']:,.0f} per receiver CPU-second)"
            for c in cap
        ]
        fastest = max((r for r in results if r.get("events_per_s")), key=lambda r: r["events_per_s"], default=None)
        out += [
            "Receiver capacity (bench/src/bin/receiver_capacity.rs: the same receiver process, 2 keep-alive "
            "connections, batches of 1,000, sender on the same cores): " + "; ".join(parts) + "."
        ]
        if fastest:
            out[-1] += (
                f" Fastest client run: {label(fastest)} ({fastest['mode']}) "
                f"at {fastest['events_per_s']:,.0f} events/s, "
                f"during which the receiver used {fastest['receiver_cpu_s']:.2f} CPU-s over {fastest['total_s']:.2f} s."
            )
        out.append("")
    titles = {
        "loop": "Tight loop, then flush",
        "outage": f"The same with a {OUTAGE_S:.0f} s outage (503) at the start",
        "blip": f"{doc.get('blip_n', 10_000):,} calls with a {OUTAGE_SECONDS['blip']:.0f} s outage (503) at the start",
        "exit": "Exit without flushing",
    }
    for mode in ("loop", "outage", "blip", "exit"):
        rows = table(results, mode, doc["runs"], doc.get("timeout_s", RUN_TIMEOUT_S))
        if rows:
            out += [f"### {titles[mode]}", "", *rows, ""]
    out.append("Outbox events/s over the fastest peer's in the same run (any setting), per language:")
    out.append("")
    for mode in ("loop", "outage", "blip"):
        parts = []
        for lang in ("Python", "Node"):
            rt = fastest_peer_ratio(results, mode, lang)
            parts.append(f"{lang} {fmt(rt, 1, 1, 'x')}")
        if any("n/a" not in p for p in parts):
            out.append(f"- {mode}: " + ", ".join(parts))
    bpe = {}
    for r in results:
        if r["mode"] == "loop" and r["received"]:
            bpe.setdefault(f"{r['lang']} {r['lib']}", []).append(r["bytes_per_event"])
    if bpe:
        out.append("")
        out.append(
            "Bytes per event as received (decoded JSON, envelope included): "
            + ", ".join(f"{k} {statistics.median(v):.0f}" for k, v in bpe.items())
            + "."
        )
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------


def check_ready() -> bool:
    """Exits when something is missing; False when only the Node addon is (its rows are skipped)."""
    needed = [RELEASE / "outbox-test-receiver", RELEASE / "workload", RELEASE / "receiver_capacity", C_BIN, VENV_PY]
    needed.append(NODE_DIR / "node_modules")
    missing = [str(p) for p in needed if not p.exists()]
    if not shutil.which("node"):
        missing.append("node")
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)}; run `make bench-compare` (it builds them)")
    if not (NODE_DIR / "outbox.node").exists():
        print(f"warning: {NODE_DIR / 'outbox.node'} is missing (the Node addon did not build): Node rows skipped")
        return False
    return True


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=3, help="runs of the loop workload")
    p.add_argument("--outage-runs", type=int, default=3)
    p.add_argument("--blip-runs", type=int, default=3)
    p.add_argument("--blip-n", type=int, default=10_000, help="calls per run of the blip workload")
    p.add_argument("--exit-runs", type=int, default=3)
    p.add_argument("--only", default="", help="comma-separated languages to run (default: all)")
    p.add_argument("--name", default="compare", help="results go to target/bench/NAME.json and NAME.md")
    p.add_argument("--timeout", type=float, default=RUN_TIMEOUT_S, help="seconds before a run is killed")
    a = p.parse_args()
    with_node = check_ready()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    configs = [c for c in CONFIGS if (not a.only or c[0] in a.only.split(",")) and (with_node or c[0] != "Node")]
    rx = Receiver()
    began = time.monotonic()
    doc: dict = {
        "n": a.n,
        "runs": {"loop": a.runs, "outage": a.outage_runs, "blip": a.blip_runs, "exit": a.exit_runs},
        "blip_n": a.blip_n,
        "timeout_s": a.timeout,
        "machine": machine(),
        "receiver_capacity": [],
        "results": [],
    }
    for gz in ("off", "on"):
        out = subprocess.run(
            [str(RELEASE / "receiver_capacity"), "--url", rx.url, "--pid", str(rx.pid), "--gzip", gz],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        doc["receiver_capacity"].append(json.loads(out))
        print(f"receiver capacity (gzip {gz}): {out.strip()}", flush=True)
    log = open(OUT_DIR / f"{a.name}-stderr.log", "w")  # noqa: SIM115 (open for the whole run)
    for mode, runs in (("loop", a.runs), ("outage", a.outage_runs), ("blip", a.blip_runs), ("exit", a.exit_runs)):
        n = a.blip_n if mode == "blip" else a.n
        raised: set = set()
        for run in range(runs):
            todo = list(configs)
            i = 0
            while i < len(todo):
                lang, lib, queue = todo[i]
                i += 1
                print(f"{mode} run {run + 1}/{runs}: {lang} {lib} ({queue}) ... ", end="", flush=True)
                log.write(f"==== {mode} run {run + 1}: {lang} {lib} ({queue})\n")
                log.flush()
                r = one_run(rx, lang, lib, queue, n, mode, log, a.timeout)
                r["run"] = run
                doc["results"].append(r)
                print(
                    f"delivered {r['delivered']}/{n}, dup {r['duplicates']}, "
                    f"{(r.get('enqueue_cpu_ns') or 0) / 1e3:.2f} µs CPU/call, "
                    f"{r['process_wall_s']:.1f} s, load {r['load']:.1f}",
                    flush=True,
                )
                # A peer whose default queue bound dropped events runs again
                # with it raised, in this run and the following ones. Not at
                # exit: what is lost there is lost to the exit, whatever the bound.
                key = (lang, lib)
                if mode != "exit" and queue == "default" and lib in RAISABLE and r["delivered"] < n:
                    raised.add(key)
                if queue == "default" and key in raised:
                    todo.insert(i, (lang, lib, "raised"))
    rx.stop()
    doc["seconds"] = time.monotonic() - began
    md = markdown(doc)
    (OUT_DIR / f"{a.name}.json").write_text(json.dumps(doc, indent=1))
    (OUT_DIR / f"{a.name}.md").write_text(md)
    print()
    print(md)
    print(f"({doc['seconds']:.0f} s; written to {OUT_DIR / a.name}.md and .json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
