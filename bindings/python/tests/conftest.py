"""Shared fixtures: the real test receiver (receiver/) as a child process."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors"


def receiver_bin() -> str:
    path = os.environ.get("OUTBOX_RECEIVER_BIN") or str(
        REPO / "target" / "x86_64-unknown-linux-gnu" / "debug" / "outbox-test-receiver"
    )
    if not os.path.exists(path):
        pytest.exit(f"test receiver not built at {path}: run `make build-receiver`", returncode=2)
    return path


class Receiver:
    """A running outbox-test-receiver, driven over its /_control/ API."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [receiver_bin(), "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"receiver said {line!r}")
        self.url = line.split(" ", 1)[1]

    def _call(self, method: str, path: str, body: Any = None, timeout: float = 30) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read()
        return json.loads(text) if text else None

    def stats(self) -> dict:
        return self._call("GET", "/_control/stats")

    def requests(self) -> list:
        return self._call("GET", "/_control/requests")

    def ids(self) -> list:
        return self._call("GET", "/_control/ids")

    def events(self) -> list:
        """Every event received, in arrival order (batches unpacked)."""
        out = []
        for r in self.requests():
            if r["status"] != 200 or not r["body"]:
                continue
            body = json.loads(r["body"])
            out.extend(body.get("batch", [body]))
        return out

    def faults(self, *rules: dict) -> None:
        self._call("POST", "/_control/faults", list(rules))

    def reset(self) -> None:
        self._call("POST", "/_control/reset", {})

    def wait(self, unique: int, timeout: float = 20) -> dict:
        result = self._call(
            "GET", f"/_control/wait?unique={unique}&timeout_ms={int(timeout * 1000)}", timeout=timeout + 10
        )
        return result

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def _receiver_process():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def receiver(_receiver_process: Receiver) -> Receiver:
    """The session's receiver, reset (no requests, no faults) for this test."""
    _receiver_process.reset()
    return _receiver_process


@pytest.fixture
def fresh_receiver():
    """A receiver of this test's own (for tests that stop it or share it with subprocesses)."""
    r = Receiver()
    yield r
    r.close()


def run_python(code: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter of this venv."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=timeout)


def wait_until(predicate, timeout: float = 10, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def load_vectors(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


@pytest.fixture
def no_default_client():
    """Shuts down and forgets the default client (outbox.configure) after the test."""
    yield
    from outbox import _default

    if _default._client is not None:
        _default._client.shutdown(5)
        _default._client = None
