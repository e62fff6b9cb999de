"""Fork: os.fork() with a tracking thread running, multiprocessing (fork start
method) and gunicorn --preload -w 4. Parent and children deliver their own
events; events queued before a fork are delivered once, by the parent."""

from __future__ import annotations

import collections
import concurrent.futures
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request

from conftest import wait_until

OS_FORK = textwrap.dedent(
    """
    import os, sys, threading, time, outbox
    client = outbox.Client(sys.argv[1], flush_interval=0.02, flush_at=50)
    stop = threading.Event()
    count = {"bg": 0}

    def background():
        # Keeps tracking while the main thread forks.
        while not stop.is_set():
            client.track("bg", "Background", message_id="bg-%d" % count["bg"])
            count["bg"] += 1
            time.sleep(0.0005)

    t = threading.Thread(target=background)
    t.start()
    for i in range(300):
        client.track("parent", "Before Fork", message_id="pre-%d" % i)
    time.sleep(0.1)
    pid = os.fork()
    if pid == 0:
        # The child: the tracking thread does not exist here.
        for i in range(400):
            client.track("child", "In Child", message_id="child-%d" % i)
        result = client.flush(10)
        print("child flushed", result.delivered, result.pending, flush=True)
        os._exit(0 if result.pending == 0 else 3)
    for i in range(200):
        client.track("parent", "After Fork", message_id="post-%d" % i)
    time.sleep(0.2)
    stop.set()
    t.join()
    _, status = os.waitpid(pid, 0)
    print("bg", count["bg"], "child_status", os.waitstatus_to_exitcode(status), flush=True)
    # No flush in the parent: the exit hook delivers the rest.
    """
)


def test_os_fork_with_a_tracking_thread(fresh_receiver):
    proc = subprocess.run(
        [sys.executable, "-c", OS_FORK, fresh_receiver.url], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"bg (\d+) child_status (\d+)", proc.stdout)
    assert m, proc.stdout + proc.stderr
    bg, child_status = int(m.group(1)), int(m.group(2))
    assert child_status == 0, proc.stdout
    expected = {f"pre-{i}" for i in range(300)} | {f"post-{i}" for i in range(200)}
    expected |= {f"child-{i}" for i in range(400)} | {f"bg-{i}" for i in range(bg)}
    ids = fresh_receiver.ids()
    counts = collections.Counter(ids)
    assert set(counts) == expected, (len(set(counts)), len(expected))
    assert max(counts.values()) == 1, [i for i, n in counts.items() if n > 1][:10]
    assert fresh_receiver.stats()["duplicate_events"] == 0


MULTIPROCESSING = textwrap.dedent(
    """
    import multiprocessing, sys, outbox
    client = outbox.Client(sys.argv[1], flush_interval=0.05)

    def work(n):
        # Tracks and returns: no flush. multiprocessing ends the child with
        # os._exit(), so Outbox's exit hook runs through multiprocessing's.
        for i in range(300):
            client.track("worker", "In Worker", message_id="w%d-%d" % (n, i))

    if __name__ == "__main__":
        ctx = multiprocessing.get_context("fork")
        for i in range(100):
            client.track("parent", "Before", message_id="pre-%d" % i)
        procs = [ctx.Process(target=work, args=(n,)) for n in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        # close() + join() lets pool workers exit normally (and run the exit
        # hook); `with Pool()` would terminate() them, killing their queues.
        pool = ctx.Pool(2)
        pool.map(work, [10, 11])
        pool.close()
        pool.join()
        print("exitcodes", [p.exitcode for p in procs], flush=True)
    """
)


def test_multiprocessing_fork_children_deliver_without_flush(fresh_receiver, tmp_path):
    script = tmp_path / "mp_script.py"
    script.write_text(MULTIPROCESSING)
    proc = subprocess.run([sys.executable, str(script), fresh_receiver.url], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "exitcodes [0, 0, 0]" in proc.stdout
    expected = {f"pre-{i}" for i in range(100)}
    for n in (0, 1, 2, 10, 11):
        expected |= {f"w{n}-{i}" for i in range(300)}
    counts = collections.Counter(fresh_receiver.ids())
    assert set(counts) == expected, sorted(expected - set(counts))[:10]
    assert max(counts.values()) == 1


GUNICORN_APP = textwrap.dedent(
    """
    import os, time, outbox

    client = outbox.Client(os.environ["OUTBOX_TEST_ENDPOINT"], flush_interval=0.05)
    # Tracked in the master at preload, before the workers are forked.
    client.track("master", "Preloaded", message_id="preload-%d" % os.getpid())

    def app(environ, start_response):
        rid = environ.get("QUERY_STRING", "").partition("=")[2]
        client.track("visitor", "Request", {"pid": os.getpid()}, message_id="req-" + rid)
        time.sleep(0.02)  # keep a worker busy so the others get requests too
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(os.getpid()).encode()]
    """
)


def test_gunicorn_preload_four_workers(fresh_receiver, tmp_path):
    (tmp_path / "app.py").write_text(GUNICORN_APP)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    env = dict(os.environ, OUTBOX_TEST_ENDPOINT=fresh_receiver.url, PYTHONPATH=str(tmp_path))
    server = subprocess.Popen(
        [gunicorn, "--preload", "-w", "4", "-b", "127.0.0.1:0", "--log-level", "info", "app:app"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = None
        booted = 0
        deadline = time.monotonic() + 30
        assert server.stderr is not None
        while time.monotonic() < deadline and (port is None or booted < 4):
            line = server.stderr.readline()
            if not line:
                break
            m = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if m:
                port = int(m.group(1))
            if "Booting worker" in line:
                booted += 1
        assert port and booted == 4, "gunicorn did not start 4 workers"

        def hit(i):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/?rid={i}", timeout=30) as r:
                return int(r.read())

        n = 200
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            pids = list(pool.map(hit, range(n)))
        assert len(set(pids)) >= 2, "requests were all served by one worker"
        assert wait_until(lambda: fresh_receiver.stats()["unique_events"] >= n + 1, timeout=20)
        counts = collections.Counter(fresh_receiver.ids())
        expected = {f"req-{i}" for i in range(n)} | {f"preload-{server.pid}"}
        assert set(counts) == expected
        assert max(counts.values()) == 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
