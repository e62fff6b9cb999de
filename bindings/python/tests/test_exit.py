"""Interpreter exit: a script that never flushes still delivers, within its
shutdown_timeout, and never hangs past it, even with the endpoint down."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import run_python

TRACK_AND_EXIT = textwrap.dedent(
    """
    import atexit, sys, time
    reports = []
    # Registered before outbox is imported, so it runs after outbox's exit hook.
    atexit.register(lambda: print("reports", sum(r.count for r in reports), flush=True))
    import outbox
    client = outbox.Client(sys.argv[1], shutdown_timeout={timeout}, on_error=reports.append,
                           request_timeout=30, retry_initial_backoff=0.05)
    for i in range({n}):
        client.track("user-%d" % (i % 50), "Exit Test", {{"i": i}}, message_id="exit-%d" % i)
    print("tracked", time.monotonic(), flush=True)
    # No flush, no shutdown: the exit hook must deliver.
    """
)


def run_script(code: str, url: str, timeout: float = 60):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, timeout=timeout)
    ended = time.monotonic()
    tracked = next((float(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("tracked")), None)
    assert proc.returncode == 0, proc.stderr
    assert tracked is not None, proc.stdout
    return proc, ended - tracked, ended - start


def test_5000_events_arrive_without_flush(fresh_receiver):
    proc, exit_phase, _ = run_script(TRACK_AND_EXIT.format(timeout=5, n=5000), fresh_receiver.url)
    stats = fresh_receiver.stats()
    assert stats["unique_events"] == 5000, (stats, proc.stderr)
    assert stats["duplicate_events"] == 0
    assert exit_phase < 5 + 2, exit_phase


@pytest.mark.parametrize("down", ["refused", "hang"])
def test_exit_is_bounded_when_the_endpoint_is_down(fresh_receiver, down):
    if down == "refused":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        s.close()  # nothing listens there now
    else:
        fresh_receiver.faults({"kind": "hang", "forever": True})
        url = fresh_receiver.url
    proc, exit_phase, _ = run_script(TRACK_AND_EXIT.format(timeout=1.5, n=500), url)
    assert exit_phase < 1.5 + 2, exit_phase
    assert exit_phase > 1.0  # it did try for its deadline
    # What could not be delivered was reported, from the exit hook, to on_error.
    assert "reports 500" in proc.stdout, (proc.stdout, proc.stderr)


def test_shutdown_timeout_zero_sends_nothing_at_exit(fresh_receiver):
    code = textwrap.dedent(
        """
        import sys, outbox
        c = outbox.Client(sys.argv[1], shutdown_timeout=0, flush_interval=60, flush_at=1000)
        c.track("u", "never sent")
        print("tracked 0", flush=True)
        """
    )
    run_script(code, fresh_receiver.url)
    assert fresh_receiver.stats()["requests"] == 0


def test_no_callback_enters_python_during_finalization(fresh_receiver):
    # A client that is never shut down at exit (shutdown_timeout=0) keeps
    # failing in the background while the interpreter finalizes; its
    # on_error and its log records must not touch Python any more.
    fresh_receiver.faults({"kind": "status", "status": 400, "forever": True})
    code = textwrap.dedent(
        """
        import sys, time, logging, outbox
        logging.basicConfig()
        def on_error(report):
            time.sleep(0.01)
        c = outbox.Client(sys.argv[1], shutdown_timeout=0, on_error=on_error, flush_at=1, flush_interval=0.001)
        for i in range(2000):
            c.track("u", "e", {"i": i})
        print("tracked 0", flush=True)
        """
    )
    for _ in range(3):
        proc = subprocess.run(
            [sys.executable, "-c", code, fresh_receiver.url], capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        assert "Fatal" not in proc.stderr and "panicked" not in proc.stderr


def test_garbage_collecting_a_client_does_not_deadlock(fresh_receiver):
    # Dropping the last reference shuts the engine client down (blocking, up
    # to shutdown_timeout) while on_error needs the GIL: the drop releases it.
    fresh_receiver.faults({"kind": "hang", "forever": True})
    code = textwrap.dedent(
        """
        import gc, sys, threading, outbox
        seen = []
        def on_error(report):
            seen.append((report.reason, report.count, threading.current_thread().name))
        c = outbox.Client(sys.argv[1], shutdown_timeout=0.5, on_error=on_error, flush_interval=0.01)
        for i in range(10):
            c.track("u", "e")
        del c
        gc.collect()
        print("seen", seen, flush=True)
        """
    )
    proc = run_python(code.replace("sys.argv[1]", repr(fresh_receiver.url)), timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "('shutdown', 10" in proc.stdout, proc.stdout


def test_spool_dir_survives_a_crash(fresh_receiver, tmp_path):
    spool = str(tmp_path / "spool")
    crash = textwrap.dedent(
        f"""
        import os, signal, pathlib, outbox
        c = outbox.Client("http://127.0.0.1:9", spool_dir=pathlib.Path({spool!r}), spool_sync="event")
        for i in range(50):
            c.track("u", "Spooled", message_id="sp-%d" % i)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = run_python(crash)
    assert proc.returncode == -9, proc.stderr
    assert fresh_receiver.stats()["requests"] == 0
    recover = textwrap.dedent(
        f"""
        import outbox
        c = outbox.Client({fresh_receiver.url!r}, spool_dir={spool!r})
        print(c.flush(10))
        """
    )
    proc = run_python(recover)
    assert proc.returncode == 0, proc.stderr
    assert fresh_receiver.wait(50, timeout=10)["ok"]
    assert sorted(fresh_receiver.ids()) == sorted(f"sp-{i}" for i in range(50))


def test_a_failing_spool_is_counted_and_the_client_carries_on(fresh_receiver, tmp_path):
    # Writes past 64 KiB fail with EFBIG (SIGXFSZ ignored), like a full disk.
    code = textwrap.dedent(
        f"""
        import resource, signal, outbox
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, 64 << 10))
        c = outbox.Client({fresh_receiver.url!r}, spool_dir={str(tmp_path / "spool")!r})
        for i in range(100):
            c.track("u", "Big", {{"pad": "x" * 2000}})
        c.flush(10)
        print(c.stats().spool_errors, c.stats().as_dict()["spool_errors"])
        """
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    errors, in_dict = proc.stdout.split()[-2:]
    assert int(errors) >= 1 and errors == in_dict, proc.stdout
    assert fresh_receiver.wait(100, timeout=10)["ok"]
