"""Lexical support of claims by a knowledge text: the offline core of the hallucination
scorer. Pure functions; English and Japanese (and other CJK) alike.

Why lexical: it is fast (no model call; well under a millisecond per output), deterministic
and explainable —
every verdict names the words it could not find. It cannot see a paraphrase that keeps the
words but changes the meaning; the judge layer exists for that.

Units. An output is split into claims (`split_claims`: sentences, clauses joined by
", and/but…", Japanese clauses after a continuative 「…て、」「…され、」, one claim per
JSON field), each claim into *units*:

- English content words — function words (`STOPWORDS`) and uncheckable words
  (`UNCHECKABLE`: courtesy, light verbs, general words) dropped unless capitalised
  mid-sentence — compared exactly or by a light stem (plural / inflection suffixes
  stripped, then a 5-character prefix) so that "directed" is supported by "director" and
  "Canadian" by "Canada";
- numbers (as values: "３０日", "30 days", 「三十日」 and "30" are the same 30);
- CJK runs of kanji or katakana (Japanese content words; hiragana is mostly particles and
  inflection) after courtesy formulas (`COURTESY_JA`) are removed and formal nouns
  (`GENERIC_JA`: 「場合」, 「可能」…) cut out, compared by character bigrams, so 「対象外」
  is not supported by 「対象」; a run whose bigrams are not all found is still supported
  as a compound of words the knowledge has (「週間取得」 from 「4週間」 and 「取得」);
- *specifics* are the units that state checkable facts: numbers, capitalised words that
  are not sentence-initial function words, katakana runs and Latin words inside CJK text.

A claim that is, verbatim, a sentence of the knowledge is proven supported before any of
this (`_verbatim.quotes_knowledge`, called by the scorer). Otherwise a `Knowledge`
index is built once per knowledge string and cached (`knowledge_index`),
because the same context is checked against many outputs; look-ups of a unit in it are
memoised too. Binding and polarity (see `check_claim`) work on per-sentence bitmasks, so
they need no second search. The index is built with a few C-level scans (one sentence
cut, `str.translate` for ASCII normalisation, substring probes for negation cues
confirmed by regex only where they hit), because with a different context per case it is
most of the cost.

Size (over 400 lines): splitting a claim, its units and the four checks on them (missing,
binding, polarity, whole names) work on the same sentence masks of one `Knowledge`; apart,
each would re-derive them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from evalkit.common.text import nfkc, numbers
from evalkit.scorers._knowledge import (
    Knowledge,
    Unit,
    ascii_words,
    bigrams,
    knowledge_index,
    question_index,
    stem,
    word_unit,
)
from evalkit.scorers._language import CODE_FENCE
from evalkit.scorers._lexicon import (
    COURTESY_JA,
    GENERIC_JA,
    HAS_CJK,
    NEG_EN,
    NEG_JA,
    NEGATIONS,
    PRESENTATIONAL,
    STOPWORDS,
    UNCHECKABLE,
    claim_negated,
)
from evalkit.scorers._numerals import kanji_numbers, scan_ascii_numbers
from evalkit.values import quick_init

__all__ = [
    "Knowledge",
    "Unit",
    "ClaimCheck",
    "knowledge_index",
    "split_claims",
    "one_statement",
    "claim_units",
    "check_claim",
    "name_phrases",
    "claim_negated",
    "stem",
    "bigrams",
    "STOPWORDS",
    "NEGATIONS",
]

_CUT_SENTENCE = r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])"
_CUT_CONJUNCTION = r",\s+(?:and|but|while|whereas|although|though|so|yet)\s+"
_CLAIM_END = re.compile(
    _CUT_SENTENCE + r"|(?<=[。！？!?])|\n+|;\s+|；"
    r"|(?<=て|り|し)、|(?<=され)、|"
    + _CUT_CONJUNCTION
    +
    # A dash joins two clauses or sets off an aside ("Unfortunately not — for Canadian
    # addresses we only offer standard shipping"; "The tour – Beyoncé's sixth – opened
    # in Miami"): an em dash, or an en dash with spaces around it (the British aside). A
    # title written with spaced en dashes ("Device – Voice – Drum") is cut too; its
    # pieces are still checked, only not bound together.
    r"|\s*—\s*|\s+–\s+"
)
# `_CLAIM_END` for ASCII text: the same cuts in the same order, without the ones that need
# a character ASCII lacks (。！？, ；, 、, the dashes), which never match there. Half the
# time of `_CLAIM_END` on a two-sentence answer (~4.6 against ~9.5 µs): each alternative
# is tried at every position. A test checks that both split ASCII text alike.
_CLAIM_END_ASCII = re.compile(_CUT_SENTENCE + r"|(?<=[!?])|\n+|;\s+|" + _CUT_CONJUNCTION)
_ALNUM = re.compile(r"[^\W_]")  # a character for which str.isalnum() is true
_NO_CUT_ASCII = re.compile(r"[!?\n]|[.,;]\s")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]+|\d+(?:[.,]\d+)*")
_DIGIT = re.compile(r"\d")
_CJK_RUN = re.compile(
    r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff々〆ヵヶ]+|[\u30a0-\u30ffー]+|[\uac00-\ud7af]+"
)


# 1024 entries, not 8192: an output or claim recurs within its case (samples, metrics),
# rarely across cases. On `scale.py --sizes 100000 --workers 2 --shape paraphrase` the
# summed peak RSS was 186 -> 170 MB with CPU within noise (42.5 / 41.4 / 43.4 -> 42.9 /
# 44.6 / 44.0 s, three alternating pairs), with `_language.analyse` at 1024 too.
@lru_cache(maxsize=1024)
def split_claims(text: str) -> tuple[str, ...]:
    """Sentences/clauses of an output: split after . ! ? (before a capital or digit),
    after 。！？, at line breaks and semicolons, at ", and/but/…", at an em dash or a
    spaced en dash, and after a leading "Since/Because …," clause. Empty pieces are dropped.

    A JSON object or array in the output (fenced or not) is a list of field claims
    ("due_date: 2025-04-17"), one per scalar value: its fields come from different places
    of a document, so binding the whole object to one sentence would be meaningless.
    Presentational sentences ("Here is the extracted data:") are not claims."""
    t = nfkc(text).strip()
    fields: list[str] = []
    if "{" in t or "[" in t:
        t, fields = _json_fields(t)
    # ASCII text without "!", "?", a line break, or [.,;] before whitespace has no cut of
    # `_CLAIM_END` (its other cuts are CJK punctuation): one cheap scan instead of the
    # split's lookbehinds at every position.
    if t.isascii() and _NO_CUT_ASCII.search(t) is None:
        p = t.strip(" \t-•*・`")  # one piece: the loop below, unrolled
        if p and not fields and _ALNUM.search(p) and not PRESENTATIONAL.match(p):
            return (p,)
        pieces = [t]
    else:
        pieces = (_CLAIM_END_ASCII if t.isascii() else _CLAIM_END).split(t)
    parts = (r for p in pieces for q in _reason_first(p.strip(" \t-•*・`")) for r in _appositive(q))
    prose = [
        p for p in parts if p and any(ch.isalnum() for ch in p) and not PRESENTATIONAL.match(p)
    ]
    return tuple(prose + fields)


# "Since we don't ship on weekends, your order ships on Monday": a reason clause before the
# main clause asserts a fact of its own (a negated one here, while the main clause is not);
# read together, the two facts are bound to one knowledge sentence and one polarity. A
# condition ("If …, …") asserts nothing by itself and is not cut, nor is "As …" (often
# "as of 2020", "as a result").
# "Since" with a clause (a subject after it), not "Since 2010, …" (a time).
_REASON_FIRST = re.compile(
    r"((?:Because|Since(?=\s+(?:we|you|they|it|he|she|the|your|our|their|this|these|there)\b))"
    r"\s[^,]{3,120}),\s+(?=\S)"
)


def _reason_first(piece: str) -> tuple[str, ...]:
    m = _REASON_FIRST.match(piece)
    return (piece,) if m is None else (m.group(1), piece[m.end() :])


# "The Formation World Tour, Beyoncé's sixth concert tour, opened in Miami": a name, then a
# noun phrase set off by commas that says what the name is, then the predicate. The aside
# states a fact of its own (the name is that), as an aside set off by dashes does; read as
# one claim, both facts are bound to one knowledge sentence, which a faithful answer that
# merges two sentences ("…was Beyoncé's sixth concert tour. It opened at…") does not have.
# Cut into "name, aside" and "name predicate", each checked (and bound) on its own. Only
# where the name is a capitalised phrase (not an opening word such as "In", "However"),
# the aside opens with an article or a possessive and has no auxiliary verb (so it is not
# a clause: "In Miami, the tour was sold out, …"), and a lower-case word follows that is
# not a conjunction or a relative ("Paris, the capital, and Rome"; "…, which …").
_APPOSITIVE = re.compile(
    r"((?:The\s+)?[A-Z][\w.'’&-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w.'’&-]*){0,5}),\s+"
    r"((?:a|an|the|[A-Z][\w.-]*['’]s)\s+[^,;:()]{2,80}?),\s+"
    r"(?!(?:and|or|but|nor|which|who|whom|whose|where|when|while|as|etc)\b)(?=[a-z])"
)
_AUXILIARY = re.compile(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|may|might|must|"
    r"shall|should|does|do|did)\b"
)


def _appositive(piece: str) -> tuple[str, ...]:
    m = _APPOSITIVE.match(piece) if ", " in piece else None
    if m is None:
        return (piece,)
    name, aside = m.group(1), m.group(2)
    first = name.split()[0].casefold()
    if (first != "the" and first in STOPWORDS) or _AUXILIARY.search(aside):
        return (piece,)
    return (f"{name}, {aside}", f"{name} {piece[m.end() :]}")


def one_statement(parts: Sequence[str]) -> bool:
    """Are `split_claims`' pieces one statement: a single claim, or one sentence cut at an
    appositive ("X, aside" and "X predicate", `_appositive`), whose pieces are each bound
    as a one-claim answer is."""
    if len(parts) == 1:
        return True
    if len(parts) != 2:
        return False
    name, sep, _ = parts[0].partition(", ")
    return bool(sep) and not parts[0].endswith((".", "!", "?")) and parts[1].startswith(name + " ")


def _json_fields(text: str) -> tuple[str, list[str]]:
    """(the text around the first JSON object/array, its scalar fields as "key: value"),
    or (text, []) when there is no parseable JSON."""
    unfenced = CODE_FENCE.sub(" ", text)
    starts = [i for i in (unfenced.find("{"), unfenced.find("[")) if i >= 0]
    start = min(starts)
    end = max(unfenced.rfind("}"), unfenced.rfind("]")) + 1
    try:
        value = json.loads(unfenced[start:end])
    except ValueError:
        return text, []
    if not isinstance(value, dict | list):
        return text, []
    fields: list[str] = []
    _flatten(value, "", fields)
    return unfenced[:start] + "\n" + unfenced[end:], fields


def _flatten(value: object, key: str, out: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{key}.{k}" if key else str(k), out)
    elif isinstance(value, list):
        for v in value:
            _flatten(v, key, out)
    elif value is not None and value != "":
        out.append(f"{key}: {value}" if key else str(value))


@lru_cache(maxsize=1024)  # as `split_claims`
def claim_units(claim: str) -> tuple[Unit, ...]:
    """The content units of one claim (see the module docstring), in order, deduplicated."""
    t = nfkc(claim)
    cjk = not t.isascii() and HAS_CJK.search(t) is not None  # isascii: O(1), no scan
    if cjk:
        t = COURTESY_JA.sub("。", t)
    units: dict[tuple[str, str], Unit] = {}
    if t.isascii():  # NFKC-stable: `numbers` without its `nfkc`
        values = scan_ascii_numbers(t)
    else:
        values = numbers(t) if _DIGIT.search(t) else []
    if cjk:
        values += kanji_numbers(t)
    for value in values:
        text = f"{value:g}"
        units[("number", text)] = _number_unit(text, value)
    first = True
    for word in _WORD.findall(t):  # no groups: findall gives the matched words
        if word[0].isdigit():
            first = False
            continue
        low = word.casefold()
        if not low or low in STOPWORDS or len(low) < 2:
            first = False
            continue
        # A capital that is not sentence-initial marks a name; inside CJK text any Latin
        # word is a name or term ("iPhone", "NHK").
        specific = cjk or (word[0].isupper() and not first) or word[1:] != low[1:]
        if low in UNCHECKABLE and (word == low or first):
            first = False
            continue
        if ("word", low) not in units:
            units[("word", low)] = word_unit(low, specific)
        first = False
    for run in cjk_runs(t) if cjk else ():
        katakana = "\u30a0" <= run[0] <= "\u30ff"
        if len(run) == 1 and katakana:
            continue
        units.setdefault(("cjk", run), Unit(run, "cjk", katakana and len(run) > 2, bigrams(run)))
    return tuple(units.values())


@lru_cache(maxsize=1024)  # 4096: +1.0 MB a worker to save 2.6% of its misses (README Speed)
def _number_unit(text: str, value: float) -> Unit:
    """A number's unit (values) and their `:g` text recur across claims: built once."""
    return Unit(text, "number", True, (), value)


_GENERIC_JA_INSIDE = re.compile("|".join(w for w in GENERIC_JA if len(w) > 1))
_GENERIC_JA_WHOLE = frozenset(GENERIC_JA)


def cjk_runs(text: str) -> list[str]:
    """Kanji / katakana runs of a claim, without the generic words of `GENERIC_JA`
    (「延長可能」 → 「延長」; a run that is only 「場合」 or 「方」 is dropped)."""
    runs: list[str] = []
    for run in _CJK_RUN.findall(text):
        if run in _GENERIC_JA_WHOLE:
            continue
        if len(run) > 2 and _GENERIC_JA_INSIDE.search(run):
            runs.extend(p for p in _GENERIC_JA_INSIDE.split(run) if p)
        else:
            runs.append(run)
    return runs


@quick_init  # built per word / text / claim: the cheaper __init__
@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """A claim's support.

    `missing` are its units found nowhere in the knowledge or the question; `specifics`
    the missing ones that are specifics (numbers, names). `unbound` are units that are each
    found somewhere but never together: no single knowledge sentence holds all the claim's
    units that the question does not already give ("X is American" when the knowledge says
    "Y is American" and "X is Canadian"). `negation` is set when the claim negates
    something no knowledge sentence negates. `names` are its multi-word names that the
    knowledge and the question never write as a whole ("Panama City Air Force Base" from
    "Panama City" and "Tyndall Air Force Base"). `coverage` is the supported share of its
    units (1.0 for a claim with no content units: nothing to contradict).
    """

    claim: str
    units: int
    missing: tuple[str, ...]
    specifics: tuple[str, ...]
    unbound: tuple[str, ...] = ()
    negation: bool = False
    negated: bool = False  # the claim itself negates (for wording the clash)
    names: tuple[str, ...] = ()  # multi-word names found nowhere as a whole (`name_phrases`)

    @property
    def coverage(self) -> float:
        if self.units == 0:
            return 1.0
        return 1.0 - len(self.missing) / self.units

    @property
    def supported(self) -> bool:
        return not (self.missing or self.unbound or self.negation or self.names)


def _polarity_clash(
    masks: Sequence[tuple[Knowledge, list[int]]],
    units: Sequence[Unit],
    negated: bool,
    question: str | None,
    scope: Sequence[int] = (),
) -> bool:
    """Does the claim's polarity differ from that of the knowledge sentences that hold most
    of its units? A negated claim needs one of them negated; a plain claim clashes when all
    of them negate one of its units ("fees are refunded" against "fees are not refunded")."""
    if negated and question is not None and claim_negated(question):
        # The question already negates ("Why can't I …?"): the answer may echo it. Only a
        # negation: a limit the knowledge index also marks ("How long until my data is
        # gone?") asks nothing negative, and let every denial of the deletion pass.
        return False
    if not negated and not any(k.negated & _union(m) for k, m in masks):
        return False  # no sentence that holds any of its units negates anything
    most, best = 0, list[tuple[Knowledge, int]]()
    for k, unit_masks in masks:
        found = [m for m in unit_masks if m]
        common = _intersection(found) & ((1 << len(k.starts)) - 1)
        if common:  # these sentences hold every unit found in k: no other holds more
            held = len(found)
            bits = [i for i in range(len(k.starts)) if common >> i & 1]
            if held > most:
                most, best = held, [(k, i) for i in bits]
            elif held == most:
                best.extend((k, i) for i in bits)
            continue
        for i in _bits(_union(found) & ((1 << len(k.starts)) - 1)):  # holders only
            bit = 1 << i
            held = sum(1 for m in found if m & bit)
            if held > most:
                most, best = held, [(k, i)]
            elif held == most and held:
                best.append((k, i))
    if not best:
        return False
    if negated:
        if any(k.negated >> i & 1 for k, i in best):
            return False
        # A clash only when one sentence states positively what the claim negates, of the
        # same thing: it holds every unit of the claim that its text holds. A sentence
        # that lacks one is about something else ("The Basic plan does not include phone
        # support" against "The Basic plan includes email support only" and "The Premium
        # plan includes phone support"; "Phone support is not included in the Basic plan",
        # whose subject stands before the negation, likewise). A negated word the
        # knowledge lacks is a missing word, not a contradiction.
        by_k = {id(k): m for k, m in masks}
        for k, i in best:
            where = by_k[id(k)]  # per unit of the claim, the sentences of k that hold it
            stated = [j for j, m in enumerate(where) if m]
            if any(where[j] for j in scope) and all(where[j] >> i & 1 for j in stated):
                return True
        return False
    return all(k.negated >> i & 1 and _negates(k.sentence(i), units) for k, i in best)


# A plain word found in this many sentences of one knowledge text is a topic word of it
# ("shipping" in a shipping policy): binding it to one sentence says nothing.
TOPIC_SENTENCES = 3


def _grouped(k: Knowledge, mask: int) -> int:
    """`mask` widened to whole list items (see `_bullet_groups`)."""
    if not k.groups:
        return mask
    out, m = 0, mask & ((1 << len(k.starts)) - 1)
    while m:
        bit = m & -m
        m ^= bit
        out |= k.groups[bit.bit_length() - 1]
    return out | mask


def _intersection(masks: Sequence[int]) -> int:
    if not masks:
        return 0
    out = -1
    for m in masks:
        out &= m
    return out


def _union(masks: Sequence[int]) -> int:
    out = 0
    for m in masks:
        out |= m
    return out


def _bits(mask: int) -> list[int]:
    """The indexes of the set bits of `mask`, lowest first: a claim's units sit in a few
    of a long document's sentences, so only those are visited."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _negates(text: str, units: Sequence[Unit]) -> bool:
    """Does a negation cue in `text` (one sentence of `Knowledge.text`) scope over one of the units? English
    cues look ahead ("not refunded"), Japanese ones behind (「対象外」, 「返金されません」)."""
    for m in NEG_EN.finditer(text):
        window = text[m.end() : m.end() + 40]
        if any(u.kind == "word" and f" {stem(u.text)}" in window for u in units):
            return True
    for m in NEG_JA.finditer(text):
        window = text[max(0, m.start() - 8) : m.end()]
        if any(u.kind == "cjk" and any(g in window for g in bigrams(u.text)) for u in units):
            return True
    return False


_SCOPE_END_EN = re.compile(r"[,.;:!?()\u2014\u2013\"]| - ")
_ANSWER_LEAD = re.compile(r"^\W*(?:yes|no|yeah|nope|はい|いいえ)\b[\s,.!、。]*", re.I)
SCOPE_WORDS = 5


def negation_scope(claim: str, units: Sequence[Unit]) -> tuple[int, ...]:
    """Indexes of the claim's units that a negation cue scopes over.

    English cues look ahead, to the end of the clause and at most `SCOPE_WORDS` words
    ("not when you place it" scopes over "place"), or, where those hold no content unit
    because the cue denies a light verb ("Deletion is not completed": "completed" is no
    claim unit), back over the clause's subject; Japanese cues look back over the few
    characters they attach to (「保育所に入れない」, 「対象外」), or, where those hold no
    content unit because the cue ends a light verb (「取得できません」, 「可能ではありません」:
    取得 and 可能 are not claim units), over their clause back to the last comma. A negation
    that scopes over no content unit ("Don't worry", "Unfortunately not.") does not make the
    claim a negated statement, and a leading "No," / 「いいえ、」 answers the question rather
    than negating what follows.
    """
    t = nfkc(claim)
    lead = _ANSWER_LEAD.match(t)
    if lead:
        t = t[lead.end() :]
    found: set[int] = set()
    low = t.lower()
    for m in NEG_EN.finditer(low):
        if m.start() and t[m.start()].isupper():
            continue  # "No Fences", "Never Let Me Go": a capital inside a claim is a title
        rest = low[m.end() :]
        end = _SCOPE_END_EN.search(rest)
        words = _WORD.findall(rest[: end.start()] if end else rest)[:SCOPE_WORDS]
        stems = {stem(w) for w in words}
        hit = [
            j
            for j, u in enumerate(units)
            if (u.kind == "word" and stem(u.text) in stems)
            or (u.kind == "number" and any(w[0].isdigit() for w in words))
        ]
        if not hit and words:
            # The cue denies a light verb ("Deletion is not completed"): it denies its
            # clause's subject, the words back to the clause's start.
            before = low[: m.start()]
            start = max(before.rfind(c) for c in ",.;:!?")
            back = {stem(w) for w in _WORD.findall(before[start + 1 :])}
            hit = [j for j, u in enumerate(units) if u.kind == "word" and stem(u.text) in back]
        found.update(hit)
    if not t.isascii() and HAS_CJK.search(t):
        for m in NEG_JA.finditer(t):
            window = t[max(0, m.start() - 8) : m.end()]
            hit = [
                j
                for j, u in enumerate(units)
                if u.kind == "cjk" and any(g in window for g in u.probes)
            ]
            if not hit:
                # The cue attaches to a light verb (「取得できません」, 「可能ではありません」):
                # it denies its clause, back to the last comma or full stop.
                start = max(t.rfind(c, 0, m.start()) for c in "、。，,")
                clause = t[start + 1 : m.end()]
                hit = [
                    j
                    for j, u in enumerate(units)
                    if u.kind in ("cjk", "number") and u.text in clause
                ]
            found.update(hit)
    return tuple(sorted(found))


def may_clash(claim: str, texts: tuple[str, ...]) -> bool:
    """Whether `check_claim` could find a polarity clash for `claim` against the knowledge
    `texts`: it must have units, and either negate one of them or draw on a knowledge
    sentence with a negation cue (`_polarity_clash` clears a plain claim unless `_negates`
    finds a cue in every sentence it draws on). A cheap test that lets the default
    short-answer path skip `check_claim`, whose unit look-ups cost about a third of
    scoring a paraphrased answer.

    Cheapest first: a claim without a negation cue (`_may_negate`) against knowledge
    without one (`knowledge_negates`) is decided without its units or the claim index.
    On the paraphrase scale load (`tests/benchmarks/hallucination_speed.py` (a'), each
    step timed in one run against `71aba37`) building those for this test was ~19% of an
    output's time, the two cheap tests are ~8%."""
    if not _may_negate(claim):
        return any(map(knowledge_negates, texts)) and bool(claim_units(claim))
    units = claim_units(claim)
    if not units:
        return False
    return bool(negation_scope(claim, units)) or any(map(knowledge_negates, texts))


def _may_negate(claim: str) -> bool:
    """False when `negation_scope` of `claim` is empty whatever its units: no cue where it
    looks for one (the same normal form, after the same answer lead)."""
    t = nfkc(claim)
    lead = _ANSWER_LEAD.match(t)
    if lead:
        t = t[lead.end() :]
    if NEG_EN.search(t.lower()) is not None:
        return True
    return not t.isascii() and HAS_CJK.search(t) is not None and NEG_JA.search(t) is not None


@lru_cache(maxsize=256)  # per knowledge text, as `knowledge_index`
def knowledge_negates(text: str) -> bool:
    """Does the knowledge index of `text` hold a negated sentence and a negation cue
    (`Knowledge.negated`, `_has_negation_cue`): what `may_clash` reads of the knowledge.

    An ASCII text whose words (`ascii_words`) hold no `NEG_EN` cue holds none in any
    sentence: False without building the index, which only `check_claim` needs. On the
    paraphrase scale load every context has a limiting cue ("before") and no negation,
    and the index was built for this test alone."""
    if text.isascii() and NEG_EN.search(ascii_words(text)) is None:
        return False
    k = knowledge_index(text)
    return bool(k.negated) and _has_negation_cue(k)


def _has_negation_cue(k: Knowledge) -> bool:
    """Does any sentence of `k` hold a negation cue (`NEG_EN` / `NEG_JA`, as `_negates`
    reads them)? Each sentence of `k.text` starts and ends with a space, so a cue found in
    one sentence is found in the joined text. Memoised on the cached index. `NEG_JA` is
    all kana and kanji, so ASCII text skips it (its search tests every position: ~34 µs
    of a paraphrased answer's ~480 against a fresh 500-character context)."""
    got = k.lazy.get("cue")
    if got is None:
        ja = not k.text.isascii()
        got = k.lazy["cue"] = bool(NEG_EN.search(k.text) or ja and NEG_JA.search(k.text))
    return bool(got)


# Small: the key holds the knowledge indexes, which this cache would otherwise keep alive
# long after their case is scored (a million distinct contexts must not pile up).
@lru_cache(maxsize=64)  # 512 never hit on hallucination_speed.py's loads: 2.3 MB a worker
def check_claim(
    claim: str, knowledge: tuple[Knowledge, ...], question: str | None = None
) -> ClaimCheck:
    """Check every content unit of `claim` against the knowledge and the question.

    A unit is supported when found in any knowledge text or in the question (an answer may
    echo the question; `question` is its text, indexed only when needed). Units the
    question does not give must also be *bound*: found together in one knowledge sentence
    (or one list item or labelled line: `_knowledge._bullet_groups`), so that facts are not stitched from unrelated
    places; a plain word found in `TOPIC_SENTENCES` or more sentences of a text is exempt.
    A claim that negates (`negation_scope`: a cue scoping over one of its units) clashes
    when the sentences it draws on state the negated unit and none of them negates; a
    plain claim clashes when every one of those sentences negates one of its units.
    Cached: the samples of a case often repeat a claim word for word.
    """
    units = claim_units(claim)
    masks = [(k, [k.locate(u) for u in units]) for k in knowledge]
    missing: list[Unit] = []
    free: list[int] = []  # indexes of the units that must be bound in one sentence
    # A claim about a named entity must have its relation stated in one place, even the
    # words it takes from the question ("X played bass" where the knowledge says Y did);
    # without a name, a plain word the question gives may come from anywhere.
    named = any(u.specific and u.kind != "number" for u in units)
    for j, u in enumerate(units):
        if any(m[j] for _, m in masks):
            if not u.specific and any(m[j].bit_count() >= TOPIC_SENTENCES for _, m in masks):
                continue  # a topic word of the knowledge: binding it says nothing
            if named or u.specific or question is None or not question_index(question).locate(u):
                free.append(j)
        elif question is None or not question_index(question).locate(u):
            missing.append(u)
    scope = negation_scope(claim, units)
    # What a denial negates need not be stated with the rest ("The Basic plan does not
    # include phone support" where only the Premium plan's sentence names phone support):
    # whether it contradicts the knowledge is `_polarity_clash`'s question.
    if scope:
        free = [j for j in free if j not in scope]
    unbound: tuple[str, ...] = ()
    if len(free) >= 2 and not any(
        _intersection([_grouped(k, m[j]) for j in free]) & ((1 << len(k.starts)) - 1)
        for k, m in masks
    ):
        best: list[int] = []
        for k, unit_masks in masks:
            for i in _bits(_union([unit_masks[j] for j in free]) & ((1 << len(k.starts)) - 1)):
                bit = 1 << i
                held = [j for j in free if unit_masks[j] & bit]
                if len(held) > len(best):
                    best = held
        if len(best) < len(free):
            unbound = tuple(units[j].text for j in free if j not in best)
    negated = bool(scope)
    negation = False
    if units and (negated or any(k.negated and _has_negation_cue(k) for k in knowledge)):
        negation = _polarity_clash(masks, units, negated, question, scope)
    names = tuple(
        n
        for n in name_phrases(claim)
        if not any(k.has_phrase(n) for k in knowledge)
        and (question is None or not question_index(question).has_phrase(n))
    )
    return ClaimCheck(
        claim=claim,
        units=len(units),
        missing=tuple(u.text for u in missing),
        specifics=tuple(u.text for u in missing if u.specific),
        unbound=unbound,
        negation=negation,
        negated=negated,
        names=names,
    )


_TWO_CAPITALS = re.compile(r"[A-Z][^A-Z]*[A-Z]")
_NAME_TOKEN = re.compile(r"[^\W_][\w'’.&-]*|&")
# Lower-case words that occur inside names ("Lord Black of Crossharbour", "Dolce & Gabbana").
_NAME_JOINERS = frozenset("of the de for von van du la le del da di &".split())


@lru_cache(maxsize=1024)  # as `split_claims`
def name_phrases(claim: str) -> tuple[str, ...]:
    """Multi-word proper names of a claim: runs of two or more capitalised words, joined
    only by spaces or by name-internal words ("of", "de", "&"), without leading function
    words ("The", "Both"). "and" and punctuation end a name: "Anne Frank and John Toole"
    are two names."""
    if claim.isascii() and _TWO_CAPITALS.search(claim) is None:
        return ()  # a name needs two capitalised words (ASCII: NFKC leaves it as it is)
    text = nfkc(claim)
    runs: list[str] = []
    run: list[tuple[str, int, int]] = []

    def flush() -> None:
        if not run:  # most words are not capitalised: nothing to end
            return
        while run and (run[0][0].lower() in STOPWORDS or run[0][0].lower() in _NAME_JOINERS):
            run.pop(0)
        while run and run[-1][0].lower() in _NAME_JOINERS:
            run.pop()
        if sum(1 for w, _, _ in run if w[0].isupper()) >= 2:
            name = text[run[0][1] : run[-1][2]]
            # A full stop after a name's last word is the sentence's ("…owned by the La
            # Plata Municipality."): a word of five letters or more ending in its only dot
            # is not an abbreviation ("U.S.", "Corp.", "Inc." keep theirs).
            last = run[-1][0]
            if last.endswith(".") and last.count(".") == 1 and len(last) > 5:
                name = name[:-1]
            runs.append(name)
        run.clear()

    end = -1
    for m in _NAME_TOKEN.finditer(text):
        word = m.group()
        if run and text[end : m.start()].strip():
            flush()  # punctuation between the words
        if word[0].isupper() or (run and word.lower() in _NAME_JOINERS):
            run.append((word, m.start(), m.end()))
        else:
            flush()
        end = m.end()
    flush()
    return tuple(runs)
