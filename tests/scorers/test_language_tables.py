"""The word tables of `_language`, loaded to keep a scoring process small: English lemmas
come from simplemma's low-memory dictionary backend and must be the lemmas
`simplemma.lemmatize(word, lang="en")` gives with its default (in-memory dict) backend, for
every word the scorer can meet; word frequencies are read from wordfreq's data file without
importing wordfreq and must be `wordfreq.get_frequency_dict`'s."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import patch

import msgpack
import pytest
import simplemma
import wordfreq
from infra import missing_infrastructure
from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY

from evalkit.scorers._language import _frequencies, _lemmatizer, en_lemma, zipf

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]")


def _dictionary_keys() -> list[str]:
    return list(DEFAULT_DICTIONARY_FACTORY.get_dictionary("en"))


def _texts(path: Path) -> Iterator[str]:
    """Every string value of a JSONL file (outputs, contexts, questions)."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            stack = [json.loads(line)]
            while stack:
                value = stack.pop()
                if isinstance(value, str):
                    yield value
                elif isinstance(value, dict):
                    stack.extend(value.values())
                elif isinstance(value, list):
                    stack.extend(value)


def _mismatches(words: set[str]) -> list[tuple[str, str, str]]:
    lemmatizer = _lemmatizer()
    out = []
    for word in sorted(words):
        ours, theirs = lemmatizer.lemmatize(word, "en"), simplemma.lemmatize(word, lang="en")
        if ours != theirs:
            out.append((word, ours, theirs))
    return out


def test_every_dictionary_key_has_simplemmas_default_lemma() -> None:
    keys = _dictionary_keys()
    assert len(keys) > 100_000
    words = set(keys) | {k.lower() for k in keys}
    assert _mismatches(words) == []


def test_words_missing_from_the_dictionary_get_simplemmas_default_lemma() -> None:
    # Derived and compound forms go through the rule, prefix, affix and hyphen strategies,
    # which look up many candidate pieces: each lookup must answer as the dict does.
    keys = [k for k in _dictionary_keys()[::29] if k.isalpha()]
    words = {
        derived
        for k in keys
        for derived in (k + "ness", "un" + k, k + "-based", "re" + k + "s", k + "ings")
    }
    assert len(words) > 20_000
    assert _mismatches(words) == []


def test_en_lemma_is_simplemmas_lemma_of_the_lower_cased_word() -> None:
    words = {"Wrapped", "employees", "RAN", "submitted", "GlobalProtect", "can't", "x-rays"}
    for word in words:
        expected = simplemma.lemmatize(word.lower(), lang="en").lower()
        assert en_lemma.__wrapped__(word) == expected


def test_words_of_the_dev_data_and_fixtures_get_simplemmas_default_lemma() -> None:
    if not DATA.is_dir():
        missing_infrastructure("the dev sets are not present at ../shared/data")
    files = sorted(ROOT.joinpath("fixtures").rglob("*.jsonl")) + sorted(DATA.glob("*/*.jsonl"))
    words: set[str] = set()
    for path in files:
        for text in _texts(path):
            words.update(_WORD.findall(text))
    words |= {w.lower() for w in words}
    assert len(words) > 10_000
    assert _mismatches(words) == []


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_frequencies_are_wordfreqs_small_list_bit_for_bit(lang: str) -> None:
    ours = _frequencies.__wrapped__(lang)
    theirs = wordfreq.get_frequency_dict(lang, wordlist="small")
    assert len(ours) > 20_000
    assert list(ours.items()) == list(theirs.items())  # same words, order and float bits


def test_zipf_reads_the_frequency_list() -> None:
    assert zipf("the") > 7.0
    assert 3.0 < zipf("versatile") < 4.5
    assert zipf("mcentirexyz") == 2.5  # missing from the small list: rarer than Zipf 3


def test_a_frequency_file_that_is_not_cbpack_version_1_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    with gzip.open(tmp_path / "data" / "small_xx.msgpack.gz", "wb") as out:
        out.write(msgpack.packb([{"format": "cB", "version": 2}, ["the"], ["cat"]]))
    package = SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    with patch.object(importlib.util, "find_spec", return_value=package):
        with pytest.raises(RuntimeError, match="not a wordfreq cBpack version 1"):
            _frequencies.__wrapped__("xx")


def test_scoring_english_neither_imports_wordfreq_nor_loads_simplemmas_dict() -> None:
    # The point of both tables: wordfreq's import and simplemma's in-memory dictionary
    # were ~30 MB of every scoring process. A fresh process, as a worker is.
    script = (
        "import sys\n"
        "from evalkit.scorers._language import analyse\n"
        "from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY as f\n"
        "units = analyse('The employees submitted their versatile reports on time.')\n"
        "assert {u.key for u in units} >= {'employee', 'submit', 'versatile'}, units\n"
        "print('wordfreq' in sys.modules, f._get_dictionary.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.split() == ["False", "0"]
