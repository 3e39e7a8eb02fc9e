"""Shared text helpers: normalisation and numbers, English and Japanese."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evalkit.common.text import normalize, numbers


def test_normalize_and_numbers_treat_full_width_digits_as_ascii() -> None:
    assert normalize("３０日") == normalize("30日")
    assert numbers("３０日") == [30.0]


def _normalize_by_definition(text: str) -> str:
    """`normalize` as its docstring defines it, one character at a time."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(c)[0] in ("P", "S") else c for c in text)
    text = re.sub(r"\b(?:a|an|the)\b", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if re.search(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]", text):
        text = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)
    return text


@given(
    st.text(max_size=30)
    | st.sampled_from(["The  ＡＢＣ Co.", "30-day", "「返品」は３０日。", "İstanbul ß"])
)
def test_normalize_fast_paths_change_nothing(text: str) -> None:
    """ASCII skips NFKC and the punctuation table is cached: same result as the definition."""
    assert normalize.__wrapped__(text) == _normalize_by_definition(text)
