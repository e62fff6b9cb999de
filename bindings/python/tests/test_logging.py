"""Logging goes through the standard `logging` module, logger `outbox`."""

from __future__ import annotations

import textwrap

from conftest import run_python


def test_debug_true_prints_each_request(fresh_receiver):
    code = textwrap.dedent(
        f"""
        import outbox
        c = outbox.Client({fresh_receiver.url!r}, debug=True, flush_interval=0.01)
        c.track("u", "e")
        c.flush(5)
        import time; time.sleep(0.2)
        """
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert "outbox DEBUG POST" in proc.stderr and "HTTP 200" in proc.stderr, proc.stderr


def test_quiet_by_default_but_warnings_show(fresh_receiver):
    fresh_receiver.faults({"kind": "status", "status": 400})
    code = textwrap.dedent(
        f"""
        import outbox
        c = outbox.Client({fresh_receiver.url!r}, flush_interval=0.01)
        c.track("u", "e")
        c.flush(5)
        import time; time.sleep(0.2)
        """
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert "POST" not in proc.stderr
    assert "dropped" in proc.stderr and "400" in proc.stderr, proc.stderr


def test_an_application_handler_receives_records(fresh_receiver):
    fresh_receiver.faults({"kind": "status", "status": 422})
    code = textwrap.dedent(
        f"""
        import logging, outbox
        records = []
        class H(logging.Handler):
            def emit(self, record):
                records.append((record.name, record.levelname, record.getMessage()))
        logging.getLogger("outbox").addHandler(H())
        c = outbox.Client({fresh_receiver.url!r}, flush_interval=0.01)
        c.track("u", "e")
        c.flush(5)
        import time; time.sleep(0.2)
        print(records)
        """
    )
    proc = run_python(code)
    assert "('outbox', 'WARNING'" in proc.stdout and "422" in proc.stdout, proc.stdout + proc.stderr
