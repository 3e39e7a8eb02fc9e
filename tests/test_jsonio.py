"""JSON lines: orjson's speed with the standard library's language and messages."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.jsonio import dumps_line, loads

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_values)
def test_a_written_line_reads_back_as_the_same_value(value):
    line = dumps_line(value)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert loads(line) == json.loads(line) == value


def test_lines_have_sorted_keys_and_readable_japanese():
    assert dumps_line({"b": 1, "a": "返金は30日以内"}) == '{"a":"返金は30日以内","b":1}\n'.encode()


def test_what_orjson_refuses_is_still_read_and_written_as_the_standard_library_does():
    big = 2**70
    assert loads(f'{{"n": {big}, "x": NaN}}')["n"] == big
    for exact in (2**64, -(2**63) - 1, 12345678901234567890123):  # orjson alone: floats
        assert loads(f'{{"id": {exact}}}'.encode()) == {"id": exact}
    assert dumps_line({"n": big}) == f'{{"n":{big}}}\n'.encode()
    assert loads('"\\ud800"') == "\ud800"  # a lone surrogate


def test_invalid_json_raises_the_standard_librarys_error():
    with pytest.raises(json.JSONDecodeError, match="Expecting ',' delimiter"):
        loads(b'{"a": 1 "b": 2}')


def test_non_finite_numbers_are_written_as_null_which_every_json_reader_accepts():
    assert dumps_line({"x": float("nan"), "y": float("inf")}) == b'{"x":null,"y":null}\n'
