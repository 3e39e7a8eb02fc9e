"""Language analysis for the hallucination scorer: a text becomes the *units* a reader
would check against the knowledge — numbers, names, content words — in a canonical form,
so that paraphrase and normal forms compare equal while different things do not.

Why libraries and not hand-written stems: a stem merges words that mean different things
("employer"/"employee", "International"/"Internal" share 5-character prefixes) and cannot
see that "ran" is "run"; Japanese has no spaces, so words need a morphological analyser.

- English: words are lemmatised by `simplemma` (a dictionary lemmatiser, pure Python, no
  model download: "opens" → "open", "employees" → "employee", "submitted" → "submit"), and
  a word's specificity comes from `wordfreq`'s Zipf frequency (how common the word is in
  general English): "the" (7.7) or "located" (4.3) carry little checkable content,
  "GlobalProtect" (0) or "McEntire" (2.2) a lot.
- Japanese: `SudachiPy` with the core dictionary splits words (mode C, so that a katakana
  name or a compound stays one unit) and gives each a *normalised form* that folds
  spelling variants and number forms (「5万」 → 50000, 「附属」 → 「付属」); the part of
  speech tells names (固有名詞), numbers (数詞) and content words from function words.
  Measured against fugashi + unidic-lite on the same text: 0.84 against 1.7 µs per
  character, and unidic splits 「ジャシー」 into 「ジャ」+「シー」 (README, "Dependencies").

Numbers are values (`_number_values`: digits, 万/千/億, kanji numerals, number words,
clock times), so that "8 PM" is found in a knowledge that writes "16:0-20:0".

Everything here is a pure function of its text, cached per distinct text (the same
knowledge and the same outputs recur across cases and samples).

Size (over 400 lines): English and Japanese analysis share `Unit`, the specificity weights
and the caches, and `analyse` / `index_keys` choose between them per text.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from evalkit.scorers._lexicon import (
    COURTESY_JA,
    GENERIC_JA,
    HAS_CJK,
    PRESENTATIONAL,
    UNCHECKABLE,
)
from evalkit.scorers._number_values import NUMBER_WORDS, digits_masked, number_keys, number_values
from evalkit.values import quick_init

__all__ = [
    "IndexWords",
    "Unit",
    "analyse",
    "index_keys",
    "index_words",
    "is_japanese",
    "CODE_FENCE",
    "is_short_answer",
    "specificity",
]

# Kinds of unit, in the order a reader weighs them.
NUMBER, NAME, WORD = "number", "name", "word"


@quick_init  # built per word and number of each new sentence: the cheaper __init__
@dataclass(frozen=True, slots=True)
class Unit:
    """One checkable unit of a text: `key` is its canonical form (a lemma, a normalised
    Japanese form, or a number's canonical value), `text` its surface, `kind` one of
    number / name / word, `weight` in (0, 1] how specific it is (see `specificity`),
    `stem` its Snowball stem (English words) or its form without honorifics (Japanese:
    「子」 for 「お子さん」, `_plain_form`)."""

    key: str
    text: str
    kind: str
    weight: float
    stem: str = ""
    parts: tuple[str, ...] = ()  # a Japanese compound's short units (Sudachi mode A)
    run: str = ""  # an English name's run of capitalised words, as initials ("EU"; `|` or)
    synonyms: tuple[int, ...] = ()  # a Japanese word's Sudachi synonym groups (`syn:` keys)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_japanese(text: str) -> bool:
    """True when the text holds kana or kanji (then Sudachi analyses it)."""
    return not text.isascii() and _CJK.search(text) is not None


# -- English -------------------------------------------------------------------------------

_CONTRACTION = re.compile(r"['’](?:d|ll|re|ve|m)$")
_EN_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
# A sentence ends at ".", "!" or "?" followed by a space (not inside "3.5" or "e.g"), or
# at 。！？ or a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？\n])\s*")
# The same ends for ASCII text, where only "\n" of 。！？\n can occur, written to start
# with a character class (about half the time of `_SENTENCE_END` on a 500-character text;
# a piece ends before its line break instead of after it).
_SENTENCE_END_ASCII = re.compile(r"\s(?<=[.!?]\s)\s*|\n\s*")
_NEGATORS = frozenset(
    "not no never none nobody nothing neither nor without cannot can't won't isn't aren't "
    "wasn't weren't don't doesn't didn't hasn't haven't hadn't shouldn't wouldn't couldn't "
    "n't lack lacks lacking".split()
)


@lru_cache(maxsize=1)
def _lemmatizer() -> Any:
    """simplemma's lemmatiser on its own low-memory dictionary backend (`low_memory=True`:
    the shipped front-coded data, decoded per lookup through a sparse block index) with the
    strategies of `simplemma.lemmatize`, so the same lemmas (a test compares every key of
    the dictionary). The default backend holds English as a dict of 181,612 entries, +20.6 MB
    in every process that scores English, against +3.3 MB here; a word's first lemma in
    a process costs ~18 µs instead of ~4 µs (`tests/benchmarks/lemma_memory.py`). A
    prototype memory-mapped sorted table of our own (a file built into a user cache
    directory) took half this backend's time a lemma but held more once its pages were read
    (+6.1 against +4.1 MB after 14,675 words), and a cache file has to be kept whole: not
    built. No result cache here (`cache_max_size=0`): `en_lemma` caches the same words."""
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy

    return Lemmatizer(cache_max_size=0, lemmatization_strategy=DefaultStrategy(low_memory=True))


@lru_cache(maxsize=65536)
def en_lemma(word: str) -> str:
    """simplemma's English lemma of a word, lower-case ("wrapped" → "wrap")."""
    lowered = word.lower()
    return str(_lemmatizer().lemmatize(lowered, "en")).lower()


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def en_stem(word: str) -> str:
    """Snowball stem of a lower-case English word: used only to accept a *derived* form of
    a knowledge word as paraphrase ("criticism" for "criticized"), never for names."""
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=2)
def _frequencies(lang: str) -> dict[str, float]:
    """wordfreq's "small" list for `lang` as word → frequency (English 28,917 words): a word
    missing from it is rarer than Zipf 3, which is all `specificity` needs. The values are
    `wordfreq.get_frequency_dict(lang, "small")`'s, bit for bit (a test compares them).

    Read from wordfreq's data file in its documented "cBpack" format (`wordfreq.read_cBpack`:
    a gzipped msgpack list, a header, then one list of words per centibel) rather than
    through `import wordfreq`, which brings langcodes, regex and ftfy and keeps the list
    twice in its caches: +11.5 MB in a process that scores English, read this way +3.3 MB
    (`tests/benchmarks/lemma_memory.py`). wordfreq's data will not change (the project
    stopped updating in 2024, its SUNSET.md); a header that is not cBpack version 1 is
    refused rather than misread."""
    import gzip
    import importlib.util

    import msgpack  # wordfreq's own dependency

    spec = importlib.util.find_spec("wordfreq")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise RuntimeError("word frequencies need wordfreq: pip install wordfreq")
    path = Path(spec.submodule_search_locations[0]) / "data" / f"small_{lang}.msgpack.gz"
    with gzip.open(path, "rb") as packed:
        header, *buckets = msgpack.load(packed, raw=False)
    if not isinstance(header, dict) or (header.get("format"), header.get("version")) != ("cB", 1):
        raise RuntimeError(f"{path}: not a wordfreq cBpack version 1 file (header {header!r})")
    freqs: dict[str, float] = {}
    for index, bucket in enumerate(buckets):
        freq = 10 ** (-index / 100)  # bucket i holds the words at -i centibels
        for word in bucket:
            freqs[word] = freq
    return freqs


_RARE = 2.5  # the Zipf value given to a word missing from the small list


def zipf(word: str, lang: str = "en") -> float:
    """How common a word is (wordfreq's Zipf scale: 7+ function words, 3 and below rare)."""
    freq = _frequencies(lang).get(word)
    return math.log10(freq) + 9.0 if freq else _RARE


def specificity(frequency: float) -> float:
    """Weight in [0, 1] of a word by its Zipf frequency: words at 6 and above (the, have,
    make) carry nothing checkable; a word at 3 or below (versatile is 3.7, McEntire 2.2) is
    fully specific. Linear between: a common paraphrase ("located", 4.3) weighs 0.57."""
    return max(0.0, min(1.0, (6.0 - frequency) / 3.0))


def _split_identifier(word: str) -> str:
    """camelCase and snake_case identifiers of structured data read as words:
    "RestaurantsTakeOut" → "Restaurants Take Out"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|_", " ", word)


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _tokens(sentence: str) -> Iterator[tuple[int, str]]:
    """The words of `sentence` with their offsets in it; identifiers read as words
    ("RestaurantsTakeOut" → Restaurants, Take, Out; snake_case likewise), offsets kept."""
    for m in _EN_TOKEN.finditer(sentence.replace("_", " ")):
        at = m.start()
        for part in _CAMEL.split(m.group(0)):
            yield at, part
            at += len(part)


def _english_units(text: str) -> list[Unit]:
    units: list[Unit] = []
    for sentence in sentences(text):
        units.extend(_sentence_units(sentence))
    return units


@lru_cache(maxsize=1024)  # 4096: -1.5 MB a worker, +6 µs a paraphrase (README Speed)
def _sentence_units(sentence: str) -> tuple[Unit, ...]:
    """One English sentence's units, cached: a claim is one sentence of its output, so an
    output's claims and the whole output share the work. Its numbers are read here; its
    words by `_word_units`, cached by the sentence with its digits masked."""
    if PRESENTATIONAL.match(sentence):
        return ()
    sentence = sentence.lstrip("-*•#>\"'“‘ ")  # before the spans are taken
    nums = number_values(sentence)
    units = tuple(Unit(number_keys(n)[0], sentence[n.start : n.end], NUMBER, 1.0) for n in nums)
    spans = tuple((n.start, n.end) for n in nums)
    return units + _word_units(digits_masked(sentence), spans)


# Word analysis does not read digit values, so it is cached by the sentence with its digits
# masked (`digits_masked`) and its number spans: outputs about templated records (an order,
# an invoice: the same sentence with other numbers) are a cache hit after the first. On the
# paraphrase scale load (`tests/benchmarks/hallucination_speed.py`, (a'), 50,000 outputs)
# 99.8% of the look-ups hit (102 entries), where `_sentence_units`, keyed by the sentence,
# hits 1.6%. With `_index_keys` below, an output there costs ~0.7× what it did (583 → 400
# µs side by side with `5901bf8`, medians of 4 runs) and the 100k paraphrase run of
# `tests/benchmarks/scale.py` 0.7–0.8× the CPU (README, Speed).
@lru_cache(maxsize=4096)
def _word_units(sentence: str, spans: tuple[tuple[int, int], ...]) -> tuple[Unit, ...]:
    """The word and name units of an English sentence whose numbers sit at `spans` (their
    words, "million" in "3.5 million", are no content words). `sentence` may have its
    digits masked: nothing here reads a digit's value."""
    units: list[Unit] = []
    runs = _initial_runs(sentence)
    first = True
    end = 0
    for at, token in _tokens(sentence):
        # A colon opens a clause that may start with a capital like a sentence ("For
        # product 3: Payment is due …"): the word after it is read as a first word.
        first = first or ":" in sentence[end:at]
        end = at + len(token)
        word = token.strip("'’-")
        if not word:
            continue
        lowered = word.lower().replace("’", "'")  # "can’t" is "can't"
        if (
            lowered in _NEGATORS
            or lowered.endswith("n't")
            or lowered in NUMBER_WORDS
            or any(s <= at < e for s, e in spans)
        ):
            first = False
            continue  # negations and numbers are no content words
        if lowered.endswith(("'s", "’s")):
            word, lowered = word[:-2], lowered[:-2]
        elif _CONTRACTION.search(lowered):  # "you'd", "we'll": the pronoun, no content
            first = False
            continue
        if lowered in UNCHECKABLE and (word.islower() or first):
            first = False
            continue  # courtesy and discourse words ("sorry", "please", "note")
        lemma, plain, weight, stem = _english_word(lowered)
        name = (word[0].isupper() and plain < (3.5 if first else 6.0)) or (
            word.isupper() and len(word) > 1 and plain < 5.0
        )
        first = False
        run = next((r for s, e, r in runs if s <= at < e), "") if runs else ""
        if name:
            units.append(Unit(lemma, word, NAME, max(weight, 0.5), run=run))
        elif weight > 0:
            units.append(Unit(lemma, word, WORD, weight, stem, run=run))
    return tuple(units)


# A run of two or more capitalised words, joined by spaces and by of / the / for. Starts
# with the capital, the `\b` after it (a pattern that starts with a class lets `re` skip
# ahead; see `_TIME`).
_CAP_RUN = re.compile(r"[A-Z](?<![\w][A-Z])[a-z]+(?:[ \t]+(?:(?:of|the|for)[ \t]+)*[A-Z][a-z]+\b)+")
_CAP_WORD = re.compile(r"[A-Z][a-z]+")
_DOTTED = re.compile(r"(?:[A-Z]\.){2,}")
# An acronym, bounded by ASCII letters and digits only (「NATOも」: a kana is no boundary to `\b`).
_ACRONYM = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]{1,5}(?![A-Za-z0-9])")
_LEAD = " \t\"'“‘(-*•#>"


def _initial_runs(sentence: str) -> list[tuple[int, int, str]]:
    """(start, end, initials) of each run of capitalised words ("European Union" → EU,
    "Bank of England" → BE; a capitalised function word that opens it, such as a
    sentence's "In", is left out; a run that opens the sentence is also read without its
    first word, "|"-separated: a first word is capitalised anyway): an abbreviation is
    the same name ("EU" where the knowledge writes "European Union", "United States"
    where it writes "U.S.")."""
    out = []
    for m in _CAP_RUN.finditer(sentence):
        words = [(w.start(), w.group()) for w in _CAP_WORD.finditer(m.group())]
        while words and zipf(words[0][1].lower()) >= 6.0:
            words.pop(0)
        if len(words) < 2:
            continue
        start = m.start() + words[0][0]
        initials = "".join(w[0] for _, w in words)
        if len(words) >= 3 and not sentence[:start].strip(_LEAD):
            initials += "|" + initials[1:]
        out.append((start, m.end(), initials))
    return out


def abbreviation_keys(sentence: str) -> set[str]:
    """A knowledge sentence's abbreviations and the initials of its capitalised runs, as
    index keys: "acr:US" for "US" or "U.S.", "ini:EU" for "European Union"."""
    keys = {
        "ini:" + initials for _, _, run in _initial_runs(sentence) for initials in run.split("|")
    }
    keys.update("acr:" + w for w in _ACRONYM.findall(sentence))
    keys.update("acr:" + m.replace(".", "") for m in _DOTTED.findall(sentence))
    return keys


@lru_cache(maxsize=65536)
def _english_word(lowered: str) -> tuple[str, float, float, str]:
    """A lower-case word's (lemma, Zipf frequency, specificity, stem), one cache hit for a
    word seen before: the specificity takes the rarer of the word and its lemma."""
    lemma = en_lemma(lowered)
    plain = zipf(lowered)
    freq = min(plain, zipf(lemma)) if lemma != lowered else plain
    return lemma, plain, specificity(freq), en_stem(lemma)


def sentences(text: str) -> list[str]:
    """`text` split at sentence ends (`_SENTENCE_END`), empty pieces dropped."""
    ends = _SENTENCE_END_ASCII if text.isascii() else _SENTENCE_END
    return [s for s in ends.split(text) if s.strip()]


# -- Japanese ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _sudachi() -> Any:
    try:
        from sudachipy import Dictionary, SplitMode
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise RuntimeError(
            "Japanese analysis needs SudachiPy: pip install sudachipy sudachidict-core"
        ) from exc
    return Dictionary(dict="core").tokenizer(SplitMode.C)


# Light verbs, formal nouns and the verbs of compound particles (複合格助詞: によって,
# において, に対して, に関して, を通じて, に基づいて, にとって, に従って, として): grammar,
# not content. Listed by Sudachi's normalised form.
_JA_LIGHT = frozenset(
    "為る 有る 居る 成る 出来る 行う 言う 思う 御座る 頂く 致す 下さる 参る 申す 見る 来る 行く "
    "因る 依る 於く 於る 対する 関する 通じる 通ずる 基づく 取る 従う 伴う 亘る 渡る 向ける 付く "
    "事 物 為 所 方 様 場合 時 中 上 下 前 後 際 点 等 他 以上 以下 以外 可能 必要 "
    "こと もの ため ところ よう 者 的 化 性 感 目 側 内 毎 各 全て 全部 一部 一般 "
    "特に 非常 大変 まず 次 又 更に 例えば 主 主に 様々 色々 多く".split()
)


@lru_cache(maxsize=1)
def _split_mode_a() -> Any:
    from sudachipy import SplitMode

    return SplitMode.A


def _ja_zipf(morpheme: Any, parts: list[Any]) -> float:
    """Frequency of a Japanese word: its own, or for a compound missing from the list (its
    short units `parts`), its rarest short unit's (a compound is as specific as its most
    specific part: 「終了日」 is as checkable as 「終了」, not as empty as 「日」)."""
    table = _frequencies("ja")
    for form in (morpheme.surface(), morpheme.dictionary_form(), morpheme.normalized_form()):
        freq = table.get(form)
        if freq:
            return math.log10(freq) + 9.0
    if len(parts) <= 1:
        return _RARE
    values = []
    for p in parts:
        freq = table.get(p.surface()) or table.get(p.dictionary_form())
        values.append(math.log10(freq) + 9.0 if freq else _RARE)
    return min(values)


def _japanese_units(text: str) -> list[Unit]:
    units = [
        Unit(number_keys(n)[0], text[n.start : n.end], NUMBER, 1.0) for n in number_values(text)
    ]
    after_numeral = False
    for m in _sudachi().tokenize(text):
        surface = m.surface()
        pos = m.part_of_speech()
        dictionary = m.dictionary_form()
        duration = after_numeral and surface in _DURATION
        after_numeral = pos[1] == "数詞"
        if pos[0] not in ("名詞", "動詞", "形容詞", "形状詞", "副詞"):
            continue
        if pos[1] in ("数詞", "非自立可能", "助数詞可能") or dictionary == "ない":
            continue  # numbers (read above), dependent words, the negation 「ない」
        key = m.normalized_form()
        if key in _JA_LIGHT or dictionary in _JA_LIGHT or surface in _JA_LIGHT:
            continue
        if surface in GENERIC_JA:  # formal nouns and the document's own name (`_lexicon`)
            continue
        if any(ch.isdigit() for ch in surface):
            continue
        if len(surface) == 1 and not _KANJI.match(surface):
            continue
        short_units = [p for p in m.split(_split_mode_a()) if p.surface().strip()]
        weight = specificity(_ja_zipf(m, short_units))
        if pos[0] != "名詞":
            weight *= 0.5  # predicates are paraphrased far more often than nouns
        parts = tuple(
            p.surface() for p in short_units if len(p.surface()) > 1 or _KANJI.match(p.surface())
        )
        if len(parts) < 2:
            parts = ()
        synonyms = tuple(m.synonym_group_ids())
        plain = _DURATION[surface] if duration else _plain_form(short_units)
        if pos[1] == "固有名詞":
            units.append(Unit(key, surface, NAME, max(weight, 0.5), plain, parts, "", synonyms))
        elif weight > 0:
            units.append(Unit(key, surface, WORD, weight, plain, parts, "", synonyms))
    return units


# A duration counter after a numeral and the counter it counts in: 「5日間」 is 「5日」 as
# a span of days. Not 「時間」: 「5時間」 (hours) is no 「5時」 (o'clock).
_DURATION = {"日間": "日", "週間": "週", "年間": "年", "分間": "分", "秒間": "秒"}
_HONORIFIC_PREFIX = frozenset(("お", "ご", "御"))
_HONORIFIC_SUFFIX = frozenset(("さん", "様", "さま", "ちゃん", "殿"))


def _plain_form(short_units: list[Any]) -> str:
    """A word without its honorific prefix and suffix, from its short units (Sudachi mode
    A): 「子」 for 「お子さん」 / 「お子様」, 「利用」 for 「ご利用」, 「客」 for 「お客様」.
    Honorifics say how the writer addresses the reader, not what is stated: a knowledge
    text that writes 「子」 states 「お子さん」. "" when the word has none."""
    pieces = [p.surface() for p in short_units]
    if len(pieces) < 2:
        return ""
    start = 1 if pieces[0] in _HONORIFIC_PREFIX else 0
    end = len(pieces) - 1 if pieces[-1] in _HONORIFIC_SUFFIX else len(pieces)
    if (start, end) == (0, len(pieces)) or start >= end:
        return ""
    return "".join(pieces[start:end])


_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


_EN_WORD = re.compile(r"[a-z][a-z'’\-]*[a-z]|[a-z]")


class IndexWords:
    """A knowledge text's index keys (lemma and surface forms) and the Snowball stems of its
    lemmas, the stems computed on first use (`stems`).

    Why lazy: stems are read only for an output word that the keys do not hold
    (`_evidence.Evidence.supports`), and a first stem costs ~7 µs (snowballstemmer is pure
    Python), as much as the word's first lemma. On the HaluEval QA outputs of
    `tests/benchmarks/hallucination_speed.py` ((b): a fresh ~1 KB knowledge per case, word
    caches cold) stemming every knowledge lemma was ~23% of an output's time, and 41% of
    the outputs never read a stem: 32.0 → 17.2 stems an output, and the scorer 0.93× there
    (lazy against eager in one process, 16 alternating runs: medians 844 against 906 µs,
    minima 781 against 845), 0.97× on the labelled set, 1.0× on (a'), whose outputs all
    read stems. The lemmas are let go once the stems are made."""

    __slots__ = ("keys", "_lemmas", "_stems")

    def __init__(self, keys: frozenset[str], lemmas: frozenset[str]) -> None:
        self.keys = keys
        self._lemmas = lemmas
        self._stems: frozenset[str] | None = None

    def stems(self) -> frozenset[str]:
        """The stems of the text's lemmas (`en_stem`)."""
        if self._stems is None:
            self._stems = frozenset(map(en_stem, self._lemmas))
            self._lemmas = frozenset()
        return self._stems


def index_keys(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """What a knowledge text writes, for looking units up: (lemma and surface keys, stems).
    `index_words` with its stems made."""
    words = index_words(text)
    return words.keys, words.stems()


def index_words(text: str) -> IndexWords:
    """What a knowledge text writes, for looking units up (`IndexWords`). Lighter than
    `analyse` (no weights, no sentences): a knowledge text is indexed once per case and may
    be long. Keys hold no digits, so a non-Japanese text is indexed under its digits
    masked (`digits_masked`): a templated record's sentences share one entry."""
    t = unicodedata.normalize("NFKC", text)
    if is_japanese(t):
        return _index_keys(t)
    return _index_keys(digits_masked(t))


# Keyed by the text with its digits masked (`index_words`): knowledge made of templated
# records (the same sentence with other numbers) is indexed once per template. On the
# paraphrase scale load ((a') of `tests/benchmarks/hallucination_speed.py`, 50,000 cases)
# 100% of the look-ups hit but the first 38, where `_evidence._sentence_index`, keyed by
# the sentence, hits 69%.
@lru_cache(maxsize=4096)
def _index_keys(t: str) -> IndexWords:
    """`index_words` of an NFKC text."""
    keys = abbreviation_keys(t)  # before case-folding: "EU", "European Union"
    lemmas: set[str] = set()
    if is_japanese(t):
        for m in _sudachi().tokenize(t):
            keys.add(m.normalized_form().casefold())
            keys.add(m.surface().casefold())
            keys.add(m.dictionary_form().casefold())
            keys.update(f"syn:{g}" for g in m.synonym_group_ids())
        # Latin words inside Japanese text: indexed as English.
        t = t.casefold()
    words = set(_EN_WORD.findall(_split_identifier(t).lower().replace("’", "'")))
    for w in words:
        w = w.strip("'’-")
        if w.endswith(("'s", "’s")):
            w = w[:-2]
        keys.add(w)
        lemma = en_lemma(w)
        keys.add(lemma)
        lemmas.add(lemma)
        if "-" in w:
            keys.update(p for p in w.split("-") if p)
    return IndexWords(frozenset(keys), frozenset(lemmas))


@lru_cache(maxsize=1024)  # sized as `_support.split_claims` (the figure is there)
def analyse(text: str) -> tuple[Unit, ...]:
    """The checkable units of `text` (see the module docstring), cached per text.
    Presentational sentences ("Here is the summary:") and courtesy formulas
    (「ご愁傷様です」) assert nothing and are left out (`_lexicon`)."""
    text = plain_text(text)
    if is_japanese(text):
        return tuple(_japanese_units(COURTESY_JA.sub("", text)))
    return tuple(_english_units(text))


def plain_text(text: str) -> str:
    """NFKC, and HTML character references read as the characters they stand for: model
    outputs and scraped knowledge carry "&ldquo;", "&nbsp;" and "&amp;", which are no words."""
    text = unicodedata.normalize("NFKC", text)
    if "&" in text and ";" in text:
        text = unicodedata.normalize("NFKC", html.unescape(text))
    return text


_WORDS = re.compile(r"\w+")
# A sentence break inside a text: end punctuation followed by more text, where the word
# before a period is not an initial or a title ("George R.R. Martin", "St. Mary's"); an
# initial is a capital after no letter, digit or "°" ("200°C." and "the EU." end
# sentences: a three-sentence recipe was read as a short answer). The
# look-behinds sit after the period (`\.(?<!…\.)`, not `(?<!…)\.`): a pattern that starts
# with a character lets `re` skip to the next one, where leading look-behinds are tried at
# every position (~1.2 against ~4.8 µs on a two-sentence answer).
_INNER_BREAK = re.compile(
    r"\.(?<![^A-Za-z0-9°][A-Z]\.)(?<!^[A-Z]\.)(?<!\b(?:St|Mr|Dr|Jr|Sr|Ms|Co|vs|No)\.)"
    r"(?!(?<=\d\.)\d)(?=\s*\S)"
    r"|[!?。！？](?=\s*\S)"
)


# A Markdown code fence with its info string ("```json"): models fence JSON answers.
CODE_FENCE = re.compile(r"```[a-zA-Z]*")


def is_short_answer(text: str) -> bool:
    """At most two sentences and 40 words (or, without spaces, 80 characters), or a JSON
    document: an answer whose every claim is checked, as opposed to an explanation
    or a summary, which is judged on its share of supported content."""
    stripped = text.strip()
    if stripped.startswith("```"):  # a fenced block ("```json\n{…}\n```"): its content
        stripped = CODE_FENCE.sub("", stripped, count=1).lstrip()
    if stripped[:1] in "{[":
        return True
    # Characters measure a text written without spaces (Japanese, Chinese); any other text
    # is measured in words, whatever its characters ("Beyoncé", an en dash, a curly
    # apostrophe: a one-sentence English answer with one of those was read as a long one).
    spaced = stripped.isascii() or not HAS_CJK.search(stripped)
    size = len(_WORDS.findall(stripped)) if spaced else len(stripped) / 2
    breaks = len(_INNER_BREAK.findall(stripped.rstrip(".!?。！？ ")))
    return size <= 40 and breaks <= 1
