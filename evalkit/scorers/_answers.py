"""Do two answers say the same thing? Shared by the consistency scorer and the TruthfulQA
rule of the hallucination scorer. Pure and lexical, English and Japanese.

Plain string similarity barely sees what matters most in short answers — a different
number, a flipped yes/no, a "not", a refusal against an answer — so `similarity` checks
those *key facts* first and only then compares wording:

1. a refusal agrees only with a refusal ("I don't know" vs "30 days": 0);
2. opposite yes/no polarity disagrees (0). The lead is a yes/no word or an interjection
   that answers like one ("Sure", 「もちろん」; "Almost!", "Not quite", "Not yet",
   "Absolutely not", 「いいえ」 say no); a bad-news lead ("Unfortunately", 「残念ながら」)
   is a no only when the answer goes on to deny something. So does a clause of one answer
   that denies what a clause of the other states about the same thing (`_negation_clash`:
   negation is scoped, clause by clause, and a contrast inside one answer — "not when you
   order, when it ships" — is not a denial);
3. numbers: when each answer has a number the other lacks, they disagree (0)
   ("30 days" vs "60 days"); "３０日" and "30日" are the same number after NFKC. A number
   only one answer has is an added detail, unless the other fills that number's place
   with words (`_slot_clash`): 「翌月10日」 vs 「翌月末」, "the 10th of next month" vs "the
   end of next month"; and the same number bounded opposite ways disagrees ("within 30
   days" vs "after 30 days", 「30日以内」 vs 「30日以上」: `_bounds`), unless one answer
   denies it ("not after 30 days" says "within 30 days");
4. names (non-initial capitalised words, katakana, Latin words in CJK text) that the
   question does not give: when each answer has a name the other does not mention at
   all, they disagree ("The capital is Paris" vs "The capital is Lyon"; but not "Paris"
   vs "Paris, France", nor "Toronto" vs "Canada" when the question asked about Toronto);
5. otherwise the wording decides: the best of rapidfuzz token-set similarity of the
   normalised texts and the share of the smaller answer's content units (English stems,
   CJK character bigrams) found in the other — an answer that adds a detail still agrees
   — raised to at least 0.75 when the answers share a number, a name or their yes/no.

Two long answers (explanations: `_language.is_short_answer` false) are compared claim by
claim (`_claim_difference`): steps 2–4 are read between a claim and its counterpart in the
other answer, so a detail only one of them mentions is coverage, not disagreement. A
list's numbering is no number (`_unnumbered`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from evalkit._i18n import Said
from evalkit.common.refusal import is_refusal
from evalkit.common.text import nfkc, normalize
from evalkit.scorers._bounds import Bound, bounds, clashing_bounds
from evalkit.scorers._language import is_short_answer, zipf
from evalkit.scorers._lexicon import HAS_CJK, STOPWORDS, claim_negated
from evalkit.scorers._number_values import list_marker_spans
from evalkit.scorers._numerals import KANJI_NUMERALS
from evalkit.scorers._support import (
    Unit,
    bigrams,
    claim_units,
    negation_scope,
    split_claims,
    stem,
)

__all__ = ["Answer", "answer", "similarity", "difference"]

# An answer's lead: a yes/no word, or an interjection that answers like one. "Almost!" and
# "Not quite" say no (the thing asked about does not hold, if only just); "Almost" counts
# only standing alone ("Almost all items…" is a quantifier). "No problem" / "No worries"
# are courtesies, not answers.
_LEAD = re.compile(
    r"^\W*((?:absolutely|definitely|certainly|of course) not"
    r"|yes|yeah|yep|yup|sure|absolutely|definitely|certainly|of course|correct|true"
    r"|はい|ええ|もちろん"
    r"|no(?! problem| worries)|nope|nah|incorrect|false|(?:i['’]?m |i am )?afraid not|unfortunately not"
    r"|sadly not|not quite|not really|not exactly|not yet|not necessarily"
    r"|almost(?=\s*(?:[!.,;:\u2014\u2013]|-\s|$))|いいえ|いや|いえ)\b",
    re.I,
)
_POSITIVE = {
    "yes", "yeah", "yep", "yup", "sure", "absolutely", "definitely", "certainly",
    "of course", "correct", "true", "はい", "ええ", "もちろん",
}  # fmt: skip
# Bad-news leads ("Unfortunately, …", 「残念ながら…」) are a "no" only when the answer goes
# on to deny something: "Unfortunately, we don't ship to the UK" answers "Do you ship to
# the UK?" with no, but "Unfortunately, a $6.95 fee applies" answers "Do I have to pay?"
# with yes. A yes/no word after one decides ("Unfortunately, yes").
_REGRET = re.compile(
    r"^\W*(?:(?:unfortunately|sadly|regrettably|(?:i['’]?m |i am )?afraid)\b|残念ながら|あいにく)"
    r"[\s,、!！]*",
    re.I,
)
_NUMBER_WORDS = {
    w: float(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()
    )
} | {
    "twenty": 20.0,
    "thirty": 30.0,
    "forty": 40.0,
    "fifty": 50.0,
    "sixty": 60.0,
    "ninety": 90.0,
    "hundred": 100.0,
}
_WORDS = re.compile(r"[a-z]+")
_LIMITED = re.compile(r"\b(?:until|till|before|unless|except|only if)\b", re.I)
_CLAUSE = re.compile(r"[,;:、，；：\u2014\u2013]| - ")

# -- where a number sits ---------------------------------------------------------------------
# "An answer that adds a number the other lacks still agrees" ("10日です" vs "10日です
# （入社6か月後）") — unless the other answer fills the number's own place with words: the
# deadline 「翌月10日」 against 「翌月末」, "the 10th of next month" against "the end of next
# month". The place is what the number is bound to:
# in Japanese the two kanji/katakana it is written onto (「翌月」10日, 「月額」5,000円,
# 「入社」6か月 — a particle between them, 「送料は500円」, binds nothing); in English the
# "of …" phrase a bare number or ordinal heads ("the 10th of next month"; "30 days of
# delivery" is a duration counted from a point, and "the date of delivery" fills no place
# of it). The other answer's filler must be a content word (kanji/katakana, an English
# non-function word), not a number and not the number's own unit, nor a kanji that only
# qualifies the anchor (「期間中」「入社後」「月内」 say "during/after/within", not a value).
_CJK_CHARS = "\u3005\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_SLOT = re.compile(rf"([{_CJK_CHARS}]{{2}})(\d+(?:[.,]\d+)*)([{_CJK_CHARS}]?)")
_CJK_FILL = re.compile(rf"[{_CJK_CHARS}]")
_KANJI_DIGITS = frozenset(KANJI_NUMERALS) | {"両"}  # numerals, and 「両」 (both): no value
_QUALIFIERS = frozenset("中内間後前以的上下等頃際用者毎当")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z]+")
_CLAUSES = re.compile(r"(?<!\d)[.,](?!\d)|[;:!?()、。，！？；：\u2014\u2013]| - ")
_ORDINAL = frozenset(("st", "nd", "rd", "th"))
_ORDINAL_WORDS = {
    w: float(i)
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(),
        start=1,
    )
} | {"twentieth": 20.0, "thirtieth": 30.0}


@dataclass(frozen=True, slots=True)
class _Slot:
    """One number and the place it sits: `anchor` (the kanji/katakana it is written onto,
    Japanese), `unit` (the character after it), `of` (English: the words of the "of …"
    phrase it heads)."""

    value: float
    text: str
    anchor: str
    unit: str
    of: tuple[str, ...] = ()


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def _content(word: str) -> bool:
    return word.isalpha() and len(word) > 2 and word not in STOPWORDS


def _slots(body: str) -> tuple[_Slot, ...]:
    flat = body.lower()
    found = [_Slot(_value(m[2]), m[0], m[1], m[3]) for m in _CJK_SLOT.finditer(flat)]
    for clause in _CLAUSES.split(flat):
        toks = _TOKEN.findall(clause)
        for i, tok in enumerate(toks):
            if not tok[0].isdigit():
                continue
            j = i + 1 + (i + 1 < len(toks) and toks[i + 1] in _ORDINAL)
            of = tuple(toks[j + 1 : j + 4]) if j < len(toks) and toks[j] == "of" else ()
            while of and not _content(of[-1]):  # "of next month to" → "of next month"
                of = of[:-1]
            if of:
                found.append(_Slot(_value(tok), "".join(toks[i:j]), "", "", of))
    return tuple(found)


def _slot_clash(a: Answer, b: Answer) -> tuple[str, str] | None:
    """A number of `a` that `b` lacks, whose place `b` fills with words: (a's wording,
    b's wording), or None."""
    for slot in a.slots:
        if slot.value in b.numbers:
            continue
        if slot.anchor:  # Japanese: 「翌月」10日 vs 「翌月」末
            for m in re.finditer(re.escape(slot.anchor), b.flat):
                fill = b.flat[m.end() : m.end() + 1]
                if (
                    _CJK_FILL.match(fill)
                    and fill not in _KANJI_DIGITS
                    and fill not in _QUALIFIERS
                    and fill != slot.unit
                ):
                    return slot.text, slot.anchor + fill
            continue
        n = len(slot.of)  # English: "the 10th of next month" vs "the end of next month"
        for toks in b.tokens:
            for k in range(1, len(toks)):
                if toks[k] == "of" and tuple(toks[k + 1 : k + 1 + n]) == slot.of:
                    fill = toks[k - 1]  # "the first of the month" is the 1st, spelt out
                    if _content(fill) and _ORDINAL_WORDS.get(fill) != slot.value:
                        phrase = " ".join(slot.of)
                        return f"{slot.text} of {phrase}", f"{fill} of {phrase}"
    return None


@dataclass(frozen=True, slots=True)
class Answer:
    """The comparable facts of one output (see the module docstring)."""

    text: str
    norm: str
    refusal: bool
    polarity: bool | None  # True "yes", False "no", None neither
    negated: bool
    numbers: frozenset[float]
    names: frozenset[str]  # stems of the names the question does not give
    words: frozenset[str]  # every unit's stem, to see a name mentioned without a capital
    units: frozenset[str]
    plain: frozenset[str]  # `units` of its content that is no name, number or question word
    common: frozenset[str]  # its names that are common words of Japanese (`_common_loanword`)
    # Per clause: (content keys it negates, all its content keys, has a negation cue);
    # see `_negation_clash`.
    claims: tuple[tuple[frozenset[str], frozenset[str], bool], ...] = ()
    # Where each of its numbers sits (`_slots`) and its clauses as lower-cased token lists,
    # to see the other answer fill a number's place with words (「翌月10日」/「翌月末」).
    slots: tuple[_Slot, ...] = ()
    tokens: tuple[tuple[str, ...], ...] = ()
    flat: str = ""
    bounds: tuple[Bound, ...] = ()  # its numbers with the way each is bounded (`_bounds`)
    denies: bool = False  # some clause of it negates (flips a bound: see `difference`)
    # A long answer (`_language.is_short_answer` false): its claims, compared one by one
    # with their counterparts in another long answer (`_claim_difference`).
    parts: tuple[str, ...] = ()
    question: str = ""


def _keys(units: tuple[Unit, ...]) -> set[str]:
    """Comparable content keys: English stems, CJK bigrams, number texts."""
    content: set[str] = set()
    for u in units:
        if u.kind == "word":
            content.add(stem(u.text))
        elif u.kind == "cjk":
            content.update(bigrams(u.text))
        else:
            content.add(u.text)
    return content


@lru_cache(maxsize=65536)
def answer(text: str, question: str = "") -> Answer:
    """Extract the comparable facts of an output (cached: outputs repeat). Names that
    `question` already gives are not counted as the answer's names: "Shipping to Toronto
    costs $12" and "For Canada we charge $12" answer "How much is shipping to Toronto?"
    with the same fact."""
    t = nfkc(text).strip()
    regret = None if _LEAD.match(t) else _REGRET.match(t)
    start = regret.end() if regret else 0
    lead = _LEAD.match(t[start:])
    polarity = None if lead is None else lead.group(1).lower() in _POSITIVE
    body = t[start + lead.end() :] if lead else t[start:]
    units = claim_units(_unnumbered(body))
    nums = {float(u.text) for u in units if u.kind == "number"}
    nums.update(_NUMBER_WORDS[w] for w in _WORDS.findall(body.lower()) if w in _NUMBER_WORDS)
    given = _keys(claim_units(question)) if question else set()
    names = {_name_key(u) for u in units if u.specific and u.kind != "number"} - given
    japanese = HAS_CJK.search(body) is not None
    common = {
        _name_key(u)
        for u in units
        if japanese and u.specific and u.kind != "number" and _common_loanword(u.text)
    }
    pieces = split_claims(body) if body else ()
    clauses: list[tuple[set[str], frozenset[str], bool]] = []
    denies = False
    for claim in pieces:
        for clause in _CLAUSE.split(claim):
            cu = claim_units(clause)
            if not cu:
                continue
            scope = negation_scope(clause, cu)
            denial = bool(scope) or claim_negated(clause)
            denies = denies or denial
            cue = denial or _LIMITED.search(clause) is not None
            clauses.append((_keys(tuple(cu[j] for j in scope)), frozenset(_keys(cu)), cue))
    # "X, not Y" / "isn't charged at ordering — it's charged when it ships": what an
    # answer also asserts positively is a contrast, not a denial.
    positive = set().union(*(k for _, k, cue in clauses if not cue)) if clauses else set()
    claims = tuple((frozenset(sc - positive), k, cue) for sc, k, cue in clauses)
    negated = any(sc for sc, _, _ in claims)
    if regret and lead is None and denies:
        polarity = False  # "Unfortunately, we don't…": bad news that denies is a "no"
    return Answer(
        text=text,
        norm=normalize(t),
        refusal=is_refusal(t),
        polarity=polarity,
        negated=negated,
        numbers=frozenset(nums),
        names=frozenset(names),
        words=frozenset(_name_key(u) for u in units),
        units=frozenset(_keys(units)),
        common=frozenset(common),
        plain=frozenset(
            _keys(tuple(u for u in units if not u.specific and u.kind != "number")) - given
        ),
        claims=claims,
        slots=_slots(body),
        tokens=tuple(tuple(_TOKEN.findall(c)) for c in _CLAUSES.split(body.lower())),
        flat=body.lower(),
        bounds=bounds(body) if nums else (),
        denies=denies,
        parts=() if is_short_answer(body) else pieces,
        question=question,
    )


def _common_loanword(word: str) -> bool:
    """A katakana or Latin word of Japanese text that is a common word (wordfreq Zipf 4 and
    above: 「コスト」, 「サービス」, 「インターネット」, "Web"): the names rule reads katakana
    and Latin words as names, which in Japanese are mostly loanwords, paraphrased like any
    other word (「Web上で」 / 「インターネット上で」). Between two claims of long answers
    (`_claim_difference`) only the rarer ones are names that can disagree."""
    lang = "en" if word.isascii() else "ja"
    return zipf(word.lower(), lang) >= 4.0


TIGHT = 0.6  # "nearly the same": this share of the larger claim's other content


def _restates(a: Answer, b: Answer) -> bool:
    """Do two claims say nearly the same thing around their names and numbers (most of the
    larger one's other content in the other), so that a name or number each gives in place
    of the other's is a disagreement, not a detail ("We use GlobalProtect for the VPN" /
    "We use Cisco AnyConnect for the VPN")?"""
    if not (a.plain or b.plain):
        return True  # names and numbers are all either claim says: they are its content
    return len(a.plain & b.plain) >= TIGHT * max(len(a.plain), len(b.plain))


def _unnumbered(body: str) -> str:
    """`body` with its list numbering blanked ("1. ", 「(2)」 at a line start: structure,
    not a number the answer states, `_number_values.list_marker_spans`): two answers that
    number the same steps differently ("1. **通報**" / "3. **119番への通報**") do not
    differ in numbers."""
    spans = list_marker_spans(body)
    for start, end in spans:
        body = body[:start] + " " * (end - start) + body[end:]
    return body


def _name_key(u: Unit) -> str:
    return stem(u.text) if u.kind == "word" else u.text


def _negation_clash(a: Answer, b: Answer) -> bool:
    """Does a clause of `a` deny what a clause of `b` asserts about the same thing?

    Clause by clause, not answer by answer: "charged when your order ships, not when you
    place it" adds a negated clause about ordering that no other answer asserts, and
    「保育所に入れない場合は…延長できます」 negates admission, not the leave. A clash needs
    a clause of `a` whose negated content (`negation_scope`, minus what `a` also asserts
    positively) a clause of `b` states with no negation cue, the two being about the same
    thing: the rest of `a`'s clause (its subject) is mostly found in `b`'s clause
    ("express is not offered for PO boxes" does not clash with "standard shipping to a PO
    box"; but "少額なら添付は不要" does clash with "添付は必要", whose clause `a`'s contains
    whole) and at least half of `b`'s clause is in `a`'s ("nothing ships on July 4th" does
    not clash with "orders placed on July 4th ship the next business day"). A clause with
    a conditional or temporal limit ("until", "before", "unless", "except") does not
    plainly assert, so it is never the asserting side ("until your order ships" says what
    "as long as it hasn't shipped" says)."""
    for scope, keys, _ in a.claims:
        if not scope:
            continue
        rest = keys - scope
        for _, b_keys, b_cue in b.claims:
            if b_cue or not scope & b_keys or 2 * len(keys & b_keys) < len(b_keys):
                continue
            if not rest or 2 * len(rest & b_keys) >= len(rest) or b_keys <= keys:
                return True
    return False


def _both_lack(a: frozenset[str] | frozenset[float], b: frozenset[str] | frozenset[float]) -> bool:
    return bool(a - b) and bool(b - a)


def difference(a: Answer, b: Answer) -> Said | None:
    """How `a`'s key facts differ from `b`'s ("different numbers", "declines where the
    other answers", ...), or None if they don't. Worded from `a`'s side: the consistency
    reason quotes `a` ("sample 2 says '…' (answers where the other declines)")."""
    if a.refusal != b.refusal:
        return _DECLINES if a.refusal else _ANSWERS
    if a.refusal:
        return None
    if a.polarity is not None and b.polarity is not None and a.polarity != b.polarity:
        return _OPPOSITE_YES_NO
    if len(a.parts) > 1 and len(b.parts) > 1:
        return _claim_difference(a, b)
    return _fact_difference(a, b)


def _claim_difference(a: Answer, b: Answer) -> Said | None:
    """Two long answers differ where a claim of one and its counterpart in the other (the
    claim of the other that holds the most of its content: two units at least, and half of
    the smaller one's) differ in their key facts (`_fact_difference`). A name, a number or
    a denial that only one answer's claims mention is coverage, not disagreement: two
    faithful explanations pick different details (RAGTruth QA and JHARS answers of
    different models to one question: `tests/benchmarks/consistency_real.py`)."""
    mine = [answer(p, a.question) for p in a.parts]
    theirs = [answer(p, b.question) for p in b.parts]
    for x in mine:
        y = _counterpart(x, theirs)
        if y is not None and (found := _fact_difference(x, y, True)) is not None:
            return found
    for y in theirs:
        back = _counterpart(y, mine)
        if back is not None and (found := _fact_difference(back, y, True)) is not None:
            return found
    return None


def _counterpart(x: Answer, others: list[Answer]) -> Answer | None:
    """The claim of `others` that holds the most of `x`'s content: two units at least, and
    half of the smaller claim's."""
    best, most = None, 0.5
    for y in others:
        shared = len(x.units & y.units)
        share = shared / min(len(x.units), len(y.units)) if shared else 0.0
        if shared >= 2 and share >= most:
            best, most = y, share
    return best


def _fact_difference(a: Answer, b: Answer, parts: bool = False) -> Said | None:
    """`difference`'s key facts after refusal and the yes/no lead: negation, numbers,
    bounds, a number's place filled with words, names. Between `parts` (claims of two long
    answers) a number differs only where the two share none or restate each other
    (`_restates`): a claim that shares a year with its counterpart and adds others has
    more detail (「1986年から1987年には馬毛島で」 / 「1971年から1974年、1986年から1987年には…」);
    a name differs only where they restate each other, Japanese common loanwords left out
    (`_common_loanword`)."""
    # A number bounded opposite ways ("within 30 days" / "after 30 days", `_bounds`)
    # disagrees, unless one answer denies it: "not after 30 days" says "within 30 days",
    # and that also explains its negation.
    ab, ba = clashing_bounds(a.bounds, b.bounds), clashing_bounds(b.bounds, a.bounds)
    flipped = (ab or ba) is not None and a.denies != b.denies
    if not flipped and (_negation_clash(a, b) or _negation_clash(b, a)):
        return _NEGATES
    if _both_lack(a.numbers, b.numbers) and (
        not parts or not a.numbers & b.numbers or _restates(a, b)
    ):
        return _NUMBERS
    if not flipped and ab is not None:
        return _other_says(ab[0], ab[1])
    if not flipped and ba is not None:
        return _other_says(ba[1], ba[0])
    clash = _slot_clash(a, b)
    if clash:
        return _other_says(clash[0], clash[1])
    clash = _slot_clash(b, a)
    if clash:
        return _other_says(clash[1], clash[0])
    loan_a, loan_b = (a.common, b.common) if parts else (frozenset(), frozenset())
    if a.names - b.words - loan_a and b.names - a.words - loan_b and (not parts or _restates(a, b)):
        return _NAMES
    return None


# `difference`'s findings, as a consistency reason words them (`evalkit._i18n`).
_DECLINES = Said("con.declines")
_ANSWERS = Said("con.answers")
_OPPOSITE_YES_NO = Said("con.opposite_yes_no")
_NEGATES = Said("con.negates")
_NUMBERS = Said("con.numbers")
_NAMES = Said("con.names")


def _other_says(mine: str, theirs: str) -> Said:
    return Said("con.other_says", {"mine": mine, "theirs": theirs})


def similarity(a: Answer, b: Answer) -> float:
    """Agreement of two answers in [0, 1] (see the module docstring)."""
    if a.norm == b.norm:
        return 1.0
    if difference(a, b) is not None:
        return 0.0
    if a.refusal:  # both decline: equivalent behaviour
        return 1.0
    lex = fuzz.token_set_ratio(a.norm, b.norm) / 100.0
    if a.units and b.units:
        # Overlap of the smaller answer's content: an answer that adds a detail to
        # another ("10日です" vs "10日です（入社6か月後）") still says the same thing.
        overlap = len(a.units & b.units)
        lex = max(lex, overlap / min(len(a.units), len(b.units))) if overlap else 0.0
    # Sharing the key fact — a number, a name, or the same yes/no to a yes/no question —
    # with nothing contradicting it (checked above) makes two wordings agree.
    shared = (
        (a.numbers & b.numbers)
        or (a.names & b.names)
        or (a.polarity is not None and a.polarity == b.polarity)
    )
    return max(lex, 0.75) if shared else lex
