"""JSON lines: orjson's speed with the standard library's language and messages."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.common.jsonio import dumps_compact, dumps_line, loads

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


# Lone surrogates included. A high surrogate followed by a low one is left out: JSON reads
# that pair of escapes as the one character it encodes (as every JSON reader does).
_any_text = st.text(st.characters(exclude_categories=())).filter(
    lambda t: not re.search("[\ud800-\udbff][\udc00-\udfff]", t)
)


@given(st.dictionaries(_any_text, _any_text, max_size=3), _any_text)
def test_any_text_python_holds_is_written_as_utf8_and_reads_back_the_same(mapping, text):
    value = {"m": mapping, "t": [text]}
    line = dumps_line(value)
    line.decode("utf-8")  # strict: a lone surrogate is escaped, never written raw
    assert loads(line) == value
    assert loads(dumps_compact(value)) == value


def test_a_lone_surrogate_is_written_as_its_json_escape_and_the_rest_stays_readable():
    assert dumps_line({"o": "返金\ud800x"}) == b'{"o":"\xe8\xbf\x94\xe9\x87\x91\\ud800x"}\n'
    assert dumps_compact(["\udc80"]) == b'["\\udc80"]'
