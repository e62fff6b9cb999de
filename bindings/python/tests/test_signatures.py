"""Signing: the shared vectors through the Python API, and signatures sent over
HTTP verified independently with the `standardwebhooks` package from PyPI."""

from __future__ import annotations

import base64
import datetime as dt
import json

import outbox
import pytest
import standardwebhooks
from conftest import load_vectors

V = load_vectors("signatures.json")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def body_of(v):
    return base64.b64decode(v["body_base64"]) if "body_base64" in v else v["body"].encode()


def scheme_args(v):
    args = {"scheme": v["scheme"]}
    if "header" in v:
        args["header"] = v["header"]
    return args


@pytest.mark.parametrize("v", V["sign"], ids=[v["name"] for v in V["sign"]])
def test_sign_vectors(v):
    headers = outbox.sign(
        body_of(v), v["secrets"], msg_id=v.get("id"), timestamp=v.get("timestamp", 0), **scheme_args(v)
    )
    assert headers == v["expected"]


@pytest.mark.parametrize("v", V["sign_errors"], ids=[v["name"] for v in V["sign_errors"]])
def test_sign_error_vectors(v):
    with pytest.raises(outbox.SigningError) as info:
        outbox.sign(b"{}", v["secrets"], msg_id="m", timestamp=1, **scheme_args(v))
    assert info.value.code == v["error"]


@pytest.mark.parametrize("v", V["verify"], ids=[v["name"] for v in V["verify"]])
def test_verify_vectors(v):
    kwargs = scheme_args(v)
    if "tolerance" in v:
        kwargs["tolerance"] = v["tolerance"]
    if "now" in v:
        kwargs["now"] = v["now"]
    call = lambda: outbox.verify(body_of(v), v["headers"], v["secrets"], **kwargs)  # noqa: E731
    if v["ok"]:
        assert call() is None
    else:
        with pytest.raises(outbox.WebhookVerificationError) as info:
            call()
        assert info.value.code == v["error"], str(info.value)


@pytest.mark.parametrize("v", V["user_hash"], ids=[v["name"] for v in V["user_hash"]])
def test_user_hash_vectors(v):
    assert outbox.user_hash(v["secret"], v["user_id"], algorithm=v["algorithm"]) == v["hash"]
    if v["algorithm"] == "hmac-sha256":
        assert outbox.user_hash(v["secret"], v["user_id"]) == v["hash"]


@pytest.mark.parametrize("v", V["verify_user_hash"], ids=[v["name"] for v in V["verify_user_hash"]])
def test_verify_user_hash_vectors(v):
    assert outbox.verify_user_hash(v["secret"], v["user_id"], v["hash"], algorithm=v["algorithm"]) is v["ok"]


def test_user_hash_sha256_is_notifizz_token():
    # Notifizz's user token, computed independently: sha256(user_id + secret).
    import hashlib

    assert outbox.user_hash("s3cret", "user-42", algorithm="sha256") == hashlib.sha256(b"user-42s3cret").hexdigest()


def test_unknown_user_hash_algorithm_is_a_value_error():
    with pytest.raises(ValueError, match='unknown user hash algorithm "md5"'):
        outbox.user_hash("s", "u", algorithm="md5")
    with pytest.raises(ValueError, match="expected"):
        outbox.verify_user_hash("s", "u", "00", algorithm="")


@pytest.mark.parametrize("v", V["scheme_names"], ids=[repr(v["input"]) for v in V["scheme_names"]])
def test_scheme_name_vectors(v):
    if "error" in v:
        with pytest.raises(outbox.SigningError) as info:
            outbox.sign(b"x", SECRET, scheme=v["input"])
        assert info.value.code == v["error"]
        return
    headers = outbox.sign(b"x", SECRET, scheme=v["input"])
    produced = "standard-webhooks" if "webhook-signature" in headers else "hmac-sha256"
    assert produced == v["name"]
    assert outbox.Endpoint("http://x", SECRET, scheme=v["input"]).scheme == v["name"]


def test_verify_accepts_bytes_and_str_and_explains_parsed_bodies():
    body = '{"a": 1}'
    headers = outbox.sign(body, SECRET)
    outbox.verify(body, headers, SECRET)
    outbox.verify(body.encode(), headers, SECRET)
    outbox.verify(bytearray(body.encode()), list(headers.items()), [SECRET, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"])
    with pytest.raises(TypeError, match="raw request body") as info:
        outbox.verify(json.loads(body), headers, SECRET)
    assert "request.get_data()" in str(info.value) and "await request.body()" in str(info.value)
    with pytest.raises(outbox.WebhookVerificationError) as bad:
        outbox.verify('{"a": 2}', headers, SECRET)
    assert bad.value.code == "no_matching_signature"
    old = outbox.sign(body, SECRET, timestamp=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
    with pytest.raises(outbox.WebhookVerificationError) as stale:
        outbox.verify(body, old, SECRET)
    assert stale.value.code == "timestamp_too_old"
    outbox.verify(body, old, SECRET, tolerance=7200)


def test_our_signatures_verify_with_standardwebhooks():
    body = '{"type":"invoice.paid","data":{"id":1}}'
    headers = outbox.sign(body, SECRET, msg_id="msg_1")
    assert standardwebhooks.Webhook(SECRET).verify(body, headers) == json.loads(body)


def test_webhooks_over_http_verify_with_standardwebhooks(receiver):
    other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
    sender = outbox.WebhookSender(
        [
            outbox.Endpoint(receiver.url + "/hooks/a", SECRET),
            outbox.Endpoint(receiver.url + "/hooks/b", [other, SECRET]),
        ]
    )
    ids = [sender.send("invoice.paid", {"invoice": i, "amount": 10.5}) for i in range(3)]
    assert all(i.startswith("msg_") for i in ids)
    assert sender.flush(10).pending == 0
    assert sender.stats().delivered == 6
    requests = receiver.requests()
    assert len(requests) == 6
    for r in requests:
        payload = standardwebhooks.Webhook(SECRET).verify(r["body"], r["headers"])
        assert payload["type"] == "invoice.paid"
        assert r["headers"]["webhook-id"] in ids
        outbox.verify(r["body"], r["headers"], SECRET)
        if r["path"] == "/hooks/b":
            standardwebhooks.Webhook(other).verify(r["body"], r["headers"])
    assert set(sender.endpoint_stats()) == {receiver.url + "/hooks/a", receiver.url + "/hooks/b"}
    sender.shutdown()


def test_ingest_signatures_verify_with_standardwebhooks(receiver):
    with outbox.Client(receiver.url, signing_secrets=SECRET, flush_interval=0.05) as c:
        for i in range(50):  # big enough to be gzipped: the signature covers the JSON
            c.track("u", "e", {"i": i, "pad": "x" * 40})
    for r in receiver.requests():
        payload = standardwebhooks.Webhook(SECRET).verify(r["body"], r["headers"])
        assert payload["batch"]


def test_hmac_sha256_webhooks(receiver):
    sender = outbox.WebhookSender(
        outbox.Endpoint(receiver.url + "/gh", "It's a Secret to Everybody", scheme="hmac-sha256"), test_mode=False
    )
    sender.send_raw('{"zen": "Keep it logically awesome."}')
    sender.flush(10)
    (r,) = receiver.requests()
    assert r["headers"]["x-hub-signature-256"].startswith("sha256=")
    outbox.verify(r["body"], r["headers"], "It's a Secret to Everybody", scheme="hmac-sha256")
    sender.shutdown()


def test_webhook_sender_test_mode_and_bad_input():
    with outbox.WebhookSender("http://127.0.0.1:9/x", test_mode=True) as s:
        s.send("ping", {"ok": True})
        s.flush(5)
        (r,) = s.captured()
        assert json.loads(r["body"])["data"] == {"ok": True}
        with pytest.raises(outbox.InvalidEventError):
            s.send("", {})
        with pytest.raises(outbox.InvalidEventError):
            s.send_raw("{not json")
    with pytest.raises(outbox.InvalidOptionError, match="at least one endpoint"):
        outbox.WebhookSender([])
    with pytest.raises(TypeError, match="did you mean"):
        outbox.WebhookSender("http://x", max_retrys=1)
    with pytest.raises(outbox.SigningError):
        outbox.Endpoint("http://x", "whsec_%%%")
    assert "redacted" in repr(outbox.Endpoint("http://x", SECRET))
