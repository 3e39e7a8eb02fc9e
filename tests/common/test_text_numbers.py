"""Number extraction shared by accuracy, consistency and hallucination."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalkit.common.text import numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¥1,200", [1200.0]),
        ("３０日", [30.0]),
        ("合計は１，２００円です", [1200.0]),
        ("1万円", [10000.0]),
        ("1.5万円", [15000.0]),
        ("5千円", [5000.0]),
        ("2025-04-17", [2025.0, 4.0, 17.0]),
        ("5-7 business days", [5.0, 7.0]),
        ("-3 degrees", [-3.0]),
        ("−3", [-3.0]),
        ("FTA-20250388", [20250388.0]),
        ("1,200,000", [1200000.0]),
        ("3.14", [3.14]),
        ("version v2", []),
        ("10時-15時", [10.0, 15.0]),  # a range after a unit word, not minus 15
        ("3日-5日", [3.0, 5.0]),
        ("気温は-5度", [-5.0]),  # a sign after a word that is no number's unit
    ],
)
def test_numbers_reads_amounts_dates_ranges_and_japanese_units(text, expected):
    assert numbers(text) == expected


@given(st.text(alphabet="0123456789", min_size=1, max_size=30) | st.text(max_size=6))
def test_a_bare_number_reads_as_the_number_pattern_reads_it(text):
    """The shortcut for a text of ASCII digits only agrees with the full pattern."""
    from evalkit.common.text import NUMBER as _NUMBER

    by_pattern = [float(num) for _, num, _ in _NUMBER.findall(text)] if text.isascii() else None
    if by_pattern is not None and text.isdigit():
        assert numbers(text) == by_pattern


@given(st.text(alphabet="0123456789-+.,aZ_ ", max_size=30) | st.text(max_size=30))
def test_ascii_text_reads_the_numbers_the_number_pattern_reads(text):
    """ASCII text is read with a pattern of its own (`text._ASCII_NUMBER`, for speed): it
    finds what `NUMBER` finds, signs and thousands separators included."""
    from evalkit.common.text import NUMBER as _NUMBER

    if not text.isascii():
        return
    by_pattern = [
        (-1.0 if sign == "-" else 1.0) * float(num.replace(",", ""))
        for sign, num, _ in _NUMBER.findall(text)
    ]
    assert [repr(x) for x in numbers(text)] == [repr(x) for x in by_pattern]  # -0.0 too
