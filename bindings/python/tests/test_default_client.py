"""The module-level default client: outbox.configure() then outbox.track()."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import outbox
import pytest


@pytest.fixture(autouse=True)
def no_default_client():
    yield
    if outbox._default._client is not None:
        outbox.shutdown(5)
        outbox._default._client = None


def test_module_functions_deliver_through_the_configured_client(receiver):
    client = outbox.configure(receiver.url, api_key="k", flush_interval=0.05)
    assert outbox.default_client() is client
    ids = [
        outbox.track("u1", "Signed Up", {"plan": "pro"}),
        outbox.identify("u1", {"email": "ada@example.com"}),
        outbox.group("u1", "g1", {"name": "Acme"}),
        outbox.alias("u1", "anon-1"),
        outbox.page("u1", "Home"),
        outbox.screen("u1", "Settings"),
    ]
    ids += outbox.batch([{"type": "track", "userId": "u2", "event": "Batched"}])
    assert outbox.flush(10).complete
    assert outbox.stats().delivered == 7
    received = {e["messageId"]: e for e in receiver.events()}
    assert set(ids) <= set(received)
    assert received[ids[0]]["event"] == "Signed Up"
    assert received[ids[0]]["properties"] == {"plan": "pro"}
    assert outbox.deliver({"type": "track", "userId": "u3", "event": "Now"}, timeout=10).delivered


def test_calls_before_configure_say_what_to_do():
    with pytest.raises(RuntimeError, match=r"call outbox\.configure\(endpoint, api_key=\.\.\.\) first"):
        outbox.track("u", "e")
    with pytest.raises(RuntimeError):
        outbox.flush()


def test_module_functions_check_arguments_like_the_methods(receiver):
    outbox.configure(receiver.url, test_mode=True)
    with pytest.raises(TypeError):
        outbox.track("u")  # no event name
    with pytest.raises(outbox.InvalidEventError):
        outbox.track(None, "e")  # neither user_id nor anonymous_id
    assert outbox.track.__doc__ == outbox.Client.track.__doc__


def test_configure_again_shuts_the_previous_client_down_and_keeps_its_events(receiver):
    receiver.faults({"kind": "delay", "ms": 200, "times": 1})
    first = outbox.configure(receiver.url, flush_interval=60)
    outbox.track("u1", "first")
    second = outbox.configure(receiver.url, flush_interval=60)
    assert second is not first and outbox.default_client() is second
    assert first.stats().delivered == 1 and first.stats().pending == 0
    with pytest.raises(outbox.ClosedError):
        first.track("u1", "late")


def test_a_bad_option_leaves_the_previous_client_in_place(receiver):
    good = outbox.configure(receiver.url, test_mode=True)
    with pytest.raises(outbox.InvalidOptionError):
        outbox.configure(receiver.url, flush_at=0)
    with pytest.raises(TypeError):
        outbox.configure(receiver.url, flush_att=10)
    assert outbox.default_client() is good


def test_a_script_that_never_flushes_still_delivers_at_exit(receiver):
    script = textwrap.dedent(
        f"""
        import outbox
        outbox.configure({receiver.url!r}, flush_interval=60)
        for i in range(50):
            outbox.track("u", "exit-" + str(i))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert receiver.wait(50, timeout=20)["ok"]
