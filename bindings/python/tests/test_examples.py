"""examples/python run for real: the quickstart against the receiver, the
webhook receivers in Flask and FastAPI through their test clients, and the
type stubs checked against the compiled module."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import outbox
from conftest import REPO

EXAMPLES = REPO / "examples" / "python"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def run_example(name: str, *args: str, replace: tuple[str, str] | None = None) -> subprocess.CompletedProcess:
    code = (EXAMPLES / name).read_text()
    if replace:
        code = code.replace(*replace)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60, cwd=EXAMPLES)


def test_quickstart_runs_as_written(fresh_receiver):
    proc = run_example("quickstart.py", replace=("http://127.0.0.1:8799", fresh_receiver.url))
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"[0-9a-f-]{36} FlushResult\(delivered=1, failed=0, pending=0\)\n", proc.stdout), proc.stdout
    (event,) = fresh_receiver.events()
    assert event["event"] == "Order Completed" and event["properties"] == {"total": 99.5}
    assert fresh_receiver.requests()[0]["headers"]["authorization"] == "Bearer my-write-key"


def test_readme_python_snippet_is_the_quickstart():
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    want = (EXAMPLES / "quickstart.py").read_text().rstrip()
    assert any(b.rstrip() == want for b in blocks), "README's python block differs from examples/python/quickstart.py"


def test_send_webhooks_example(fresh_receiver):
    proc = run_example("send_webhooks.py", fresh_receiver.url + "/webhooks")
    assert proc.returncode == 0, proc.stderr
    (request,) = fresh_receiver.requests()
    outbox.verify(request["body"], request["headers"], SECRET)


def test_async_example(fresh_receiver):
    proc = run_example("async_app.py", fresh_receiver.url)
    assert proc.returncode == 0, proc.stderr
    assert "pending 0" in proc.stdout
    assert fresh_receiver.stats()["unique_events"] == 10


def load(name: str):
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), EXAMPLES / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def signed(body: str) -> dict:
    return outbox.sign(body, SECRET)


def test_flask_example_verifies_the_raw_body():
    app = load("flask_verify.py").app
    client = app.test_client()
    body = '{"type": "invoice.paid", "data": {"id": 1}}'
    assert client.post("/webhooks", data=body, headers=signed(body)).status_code == 204
    assert client.post("/webhooks", data=body.replace("1", "2"), headers=signed(body)).status_code == 400
    assert client.post("/webhooks", data=body).status_code == 400


def test_fastapi_example_verifies_the_raw_body():
    from fastapi.testclient import TestClient

    client = TestClient(load("fastapi_verify.py").app)
    body = '{"type": "invoice.paid", "data": {"id": 1}}'
    assert client.post("/webhooks", content=body, headers=signed(body)).status_code == 204
    assert client.post("/webhooks", content=body + " ", headers=signed(body)).status_code == 400


def test_stubs_match_the_compiled_module(tmp_path):
    env = dict(os.environ, MYPY_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "outbox"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import outbox\n"
        "c = outbox.Client('http://x', flush_interval=0.5, on_error=lambda e: print(e.reason, e.status))\n"
        "mid: str = c.track('u', 'e', {'a': 1}, timestamp='2024-05-01T00:00:00Z')\n"
        "r: outbox.FlushResult = c.flush(1.0)\n"
        "n: int = r.delivered + c.stats().dropped_by_reason['rejected']\n"
        "h: dict[str, str] = outbox.sign(b'x', 'whsec_x')\n"
        "outbox.verify(b'x', h, 'whsec_x')\n"
        "d: outbox.Client = outbox.configure('http://x', api_key='k', flush_at=10)\n"
        "mid2: str = outbox.track('u', 'e', {'a': 1}, anonymous_id='a')\n"
        "s: outbox.Stats = outbox.stats()\n"
        "async def main() -> None:\n"
        "    res = await c.aflush()\n"
        "    print(res.pending)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(sample)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


FRAMEWORK_EXAMPLES = ["django_app.py", "flask_app.py", "fastapi_app.py", "celery_app.py"]


def without_docstring(code: str) -> str:
    return re.sub(r'\A""".*?"""\n+', "", code, flags=re.S).rstrip()


def test_docs_framework_snippets_are_the_examples():
    doc = (REPO / "docs" / "python.md").read_text()
    blocks = [b.rstrip() for b in re.findall(r"```python\n(.*?)```", doc, re.S)]
    for name in FRAMEWORK_EXAMPLES:
        want = without_docstring((EXAMPLES / name).read_text())
        assert want in blocks, f"docs/python.md has no block equal to examples/python/{name} (without its docstring)"


def test_django_example(fresh_receiver):
    driver = (
        "import django, django_app, outbox\n"
        f"SECRET = {SECRET!r}\n"
        "django.setup()\n"
        "from django.test import Client\n"
        'body = \'{"type": "invoice.paid"}\'\n'
        "c = Client()\n"
        "print(c.post('/checkout').status_code,\n"
        "      c.post('/webhooks', body, 'application/json', headers=outbox.sign(body, SECRET)).status_code,\n"
        "      c.post('/webhooks', body, 'application/json').status_code)\n"
    )
    env = dict(os.environ, OUTBOX_ENDPOINT=fresh_receiver.url)
    proc = subprocess.run(
        [sys.executable, "-c", driver], capture_output=True, text=True, timeout=60, cwd=EXAMPLES, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["webhook invoice.paid", "204 204 401"]
    (event,) = fresh_receiver.events()  # delivered at exit
    assert event["event"] == "Order Completed" and "anonymousId" in event and "ip" in event["context"]


def test_flask_example(receiver, monkeypatch, no_default_client):
    monkeypatch.setenv("OUTBOX_ENDPOINT", receiver.url)
    client = load("flask_app.py").app.test_client()
    assert client.post("/checkout").status_code == 204
    body = '{"type": "invoice.paid"}'
    assert client.post("/webhooks", data=body, headers=signed(body), content_type="application/json").status_code == 204
    assert client.post("/webhooks", data=body, content_type="application/json").status_code == 401
    assert outbox.flush(10).complete
    (event,) = receiver.events()
    assert event["event"] == "Order Completed" and event["anonymousId"] == client.get_cookie("ajs_anonymous_id").value


def test_fastapi_example(receiver, monkeypatch, no_default_client):
    from fastapi.testclient import TestClient

    monkeypatch.setenv("OUTBOX_ENDPOINT", receiver.url)
    with TestClient(load("fastapi_app.py").app) as client:
        assert client.post("/checkout").status_code == 204
        body = '{"type": "invoice.paid"}'
        assert client.post("/webhooks", content=body, headers=signed(body)).status_code == 204
        assert client.post("/webhooks", content=body).status_code == 401
    (event,) = receiver.events()  # delivered by the lifespan
    assert event["event"] == "Order Completed"


def test_celery_example(receiver, monkeypatch, no_default_client):
    monkeypatch.setenv("OUTBOX_ENDPOINT", receiver.url)
    monkeypatch.setenv("CELERY_BROKER_URL", "memory://")
    example = load("celery_app.py")
    example.app.conf.task_always_eager = True  # the task runs here, with the worker's signals
    example.complete_order.delay("u1", 9.5)
    (event,) = receiver.events()  # delivered at the task's end
    assert event["userId"] == "u1" and event["properties"] == {"total": 9.5}
