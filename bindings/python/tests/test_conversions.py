"""tests/vectors/conversions.json, table-driven, through track() and the real receiver.

Each case's input is built here in Python (the vector describes it in words);
the value travels as properties["v"] and the raw request body is checked, so
big numbers are compared as text, exactly.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime as dt
import decimal
import enum
import json
import re
import uuid

import outbox
import pytest
from conftest import load_vectors

VECTORS = load_vectors("conversions.json")


class Tier(enum.Enum):
    GOLD = "gold"


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Pairs(collections.abc.Mapping):
    """A mapping that yields the given pairs: a dict cannot hold both 1 and
    True as keys (they are equal in Python), a Mapping's items() can."""

    def __init__(self, *pairs):
        self._pairs = pairs

    def __getitem__(self, key):
        for k, v in self._pairs:
            if k is key:
                return v
        raise KeyError(key)

    def __iter__(self):
        return (k for k, _ in self._pairs)

    def __len__(self):
        return len(self._pairs)

    def items(self):
        return list(self._pairs)


def circular():
    d = {"a": 1}
    d["self"] = d
    return d


UTC = dt.timezone.utc
INPUTS = {
    "nested": lambda: {"a": {"b": [1, 2.5, "x", True, None]}},
    "unicode": lambda: "h\u00e9llo \u2603 \U0001f600",
    "negative_zero_and_floats": lambda: [0.1, -2.5e-7, 1e21],
    "int_64": lambda: 9007199254740993,
    "big_int": lambda: 123456789012345678901234567890,
    "negative_big_int": lambda: -123456789012345678901234567890,
    "datetime_utc": lambda: dt.datetime(2024, 5, 1, 12, 30, 45, 123000, tzinfo=UTC),
    "datetime_offset": lambda: dt.datetime(2024, 5, 1, 12, 30, 45, 123000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    "datetime_naive": lambda: dt.datetime(2024, 5, 1, 12, 30, 45, 123456),
    "date": lambda: dt.date(2024, 5, 1),
    "decimal": lambda: decimal.Decimal("12.50"),
    "uuid": lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "enum": lambda: Tier.GOLD,
    "dataclass": lambda: Point(x=1, y=2),
    "tuple": lambda: (1, "a"),
    "set_one": lambda: {1},
    "bytes": lambda: b"hello",
    "non_string_keys": lambda: Pairs((1, "a"), (True, "b"), (None, "c")),
    "nan": lambda: float("nan"),
    "infinity": lambda: float("inf"),
    "circular": circular,
    "lone_surrogate": lambda: "\ud800",
    "unknown_object": lambda: object(),
}

CASES = [c for c in VECTORS["cases"] if "python" in c.get("languages", ["python"])]


def test_every_python_case_has_an_input():
    assert {c["name"] for c in CASES} == set(INPUTS)


@pytest.fixture(scope="module")
def client_and_receiver(_receiver_process):
    c = outbox.Client(_receiver_process.url, flush_interval=0.05, gzip=False)
    yield c, _receiver_process
    c.shutdown(0)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conversion(case, client_and_receiver):
    client, receiver = client_and_receiver
    receiver.reset()
    value = INPUTS[case["name"]]()
    before = client.stats().enqueued
    if "error" in case:
        with pytest.raises((outbox.InvalidEventError, TypeError)) as info:
            client.track("u", "conv", {"v": value})
        assert case["error"] in str(info.value)
        assert 'properties["v"]' in str(info.value)
        assert client.stats().enqueued == before
        return
    mid = client.track("u", "conv", {"v": value}, message_id=f"conv-{case['name']}")
    assert client.flush(10).delivered == 1
    (request,) = receiver.requests()
    body = request["body"]
    (event,) = json.loads(body)["batch"]
    assert event["messageId"] == mid
    if "expected_json" in case:
        # Raw text: a JSON parser would round big numbers.
        match = re.search(r'"properties":\{"v":(.*?)\}', body)
        assert match and match.group(1) == case["expected_json"]
    else:
        assert event["properties"] == {"v": case["expected"]}


def test_more_values():
    """Behaviours beyond the shared file, documented in docs/python.md."""
    to_json = outbox._outbox._to_json

    class Color(str, enum.Enum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    assert to_json({Color.RED: Level.HIGH}) == '{"red":3}'
    assert to_json({1.5: frozenset()}) == '{"1.5":[]}'
    assert to_json(bytearray(b"\x00\xff")) == '"AP8="'
    assert to_json(memoryview(b"hi")) == '"aGk="'
    assert to_json(dt.time(12, 30)) == '"12:30:00"'
    assert to_json(decimal.Decimal("1E+2")) == "1E+2"
    assert to_json(collections.OrderedDict(b=1, a=2)) == '{"b":1,"a":2}'
    assert to_json(-0.0) == "-0.0"
    assert to_json(2**64) == "18446744073709551616"
    assert to_json(True) == "true"
    shared = [1]
    assert to_json({"a": shared, "b": shared}) == '{"a":[1],"b":[1]}'  # shared is not circular
    with pytest.raises(outbox.InvalidEventError, match="Decimal NaN"):
        to_json(decimal.Decimal("NaN"))
    with pytest.raises(outbox.InvalidEventError, match="levels deep"):
        deep = []
        for _ in range(300):
            deep = [deep]
        to_json(deep)
    with pytest.raises(TypeError, match=r"value\.p: .*cannot be converted"):

        @dataclasses.dataclass
        class Holder:
            p: object

        to_json(Holder(p=object()))
