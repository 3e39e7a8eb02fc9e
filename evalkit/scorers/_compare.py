"""Questions about two entities, where lexical support passes any answer that names them:
comparative "A or B" questions about time (`compare_years`), "both" answers to "A and
B" questions (`both_unsupported`), and who did what: an answer that names the agent of a
work where the knowledge names another (`agent_conflict`).

Comparisons: does the answer pick the option the knowledge's years support?

"Which magazine was started first, Arthur's Magazine or First for Women?" — both options
are in the knowledge, so lexical support passes either answer; what decides is which
option's year is earlier. This module reads the two options from the question, the
direction from its comparative word ("first", "earlier", "older", "before" want the
earlier year; "later", "younger", "more recent", "newer", "after" the later one), the first year
(1000–2099) written after each option in a knowledge sentence that mentions it and not the
other, and tells which option the answer names.

It decides only when everything is unambiguous — two options, one direction, one year for
each and different, the answer naming one option (or both, with a comparative of its own:
"B was released before A" picks B) — and says nothing (None) otherwise. Pure and
English-only. Where it came from: HaluEval QA dev's comparison questions; like
`_relations`, it runs by default since on real RAG answers (RAGTruth, JHARS) it changes no
decision (see `_relations` for the figures).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from evalkit.common.text import nfkc
from evalkit.scorers._lexicon import STOPWORDS
from evalkit.scorers._support import claim_units, knowledge_index, word_unit

__all__ = ["Comparison", "agent_conflict", "both_unsupported", "compare_years", "may_name_agent"]

_EARLIER = re.compile(r"\b(?:first|earlier|earliest|older|oldest|before|sooner)\b", re.I)
_LATER = re.compile(
    r"\b(?:later|latest|younger|youngest|newer|newest|more recent|most recent|after)\b", re.I
)
_YEAR = re.compile(r"(?<![\d,.])(1\d{3}|20\d{2})(?![\d,])")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s*(?=[A-Z\"'(])")
# The same cuts found from their punctuation: a pattern that starts with a character
# class is scanned for quickly, where the lookbehind above is tried at every position.
_CUT = re.compile(r"[.!?]\s*(?=[A-Z\"'(])")


def split_sentences(text: str) -> list[str]:
    """`_SENTENCE.split(text)` (cut after . ! ? before a capital, a quote or "(", the
    whitespace between dropped), at about half the cost; a property test compares them."""
    out, last = [], 0
    for m in _CUT.finditer(text):
        out.append(text[last : m.start() + 1])
        last = m.end()
    out.append(text[last:])
    return out


_JOINERS = {"of", "the", "for", "and", "de", "von", "van", "la", "le", "&"}


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome: the option the answer names, the one the years support, and why."""

    named: str
    expected: str
    years: tuple[int, int]  # (named option's year, expected option's year)

    @property
    def wrong(self) -> bool:
        return self.named != self.expected


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _option_left(text: str) -> str:
    """The name ending `text`: after its last comma, the trailing run of capitalised
    words (and joiners such as "of", "the"), without the question's first word."""
    after_comma = "," in text
    text = text.rsplit(",", 1)[-1]
    words = text.split()
    start = len(words)
    while start > 0:
        w = words[start - 1]
        if w[:1].isupper() or w[:1].isdigit() or w.lower() in _JOINERS:
            start -= 1
        else:
            break
    while start < len(words) and words[start].lower() in _JOINERS:
        start += 1
    if start == 0 and not after_comma:
        start = 1  # the run reaches the question's first word ("Was", "Who"): not a name
    return " ".join(words[start:])


def _option_right(text: str) -> str:
    """The name starting `text`: the leading run of capitalised words (and joiners)."""
    words = text.strip().rstrip("?").split()
    while words and words[0].lower() in _JOINERS:
        words = words[1:]  # "… or the Birch Courier?"
    end = 0
    while end < len(words):
        w = words[end]
        if w[:1].isupper() or w[:1].isdigit() or (end > 0 and w.lower() in _JOINERS):
            end += 1
        else:
            break
    while end > 0 and words[end - 1].lower() in _JOINERS:
        end -= 1
    return " ".join(words[:end])


def _tokens(name: str) -> set[str]:
    return {w.casefold() for w in _words(name) if w.casefold() not in STOPWORDS and len(w) > 1}


@lru_cache(maxsize=4096)
def _question(question: str) -> tuple[str, str, bool] | None:
    """(option A, option B, wants the earlier year) or None."""
    q = nfkc(question).strip()
    if q.count(" or ") != 1:
        return None
    left, right = q.split(" or ")
    a, b = _option_left(left), _option_right(right)
    if not a or not b:
        return None
    rest = q.replace(a, " ").replace(b, " ")
    earlier, later = _EARLIER.search(rest), _LATER.search(rest)
    if bool(earlier) == bool(later):
        return None
    return a, b, bool(earlier)


@lru_cache(maxsize=4096)
def _token_pattern(tokens: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in sorted(tokens)) + r")\b")


def _first(tokens: set[str], low: str, start: int = 0) -> int | None:
    """Offset (in `low[start:]`) of the first whole-word mention of any of `tokens`."""
    m = _token_pattern(frozenset(tokens)).search(low, start)
    return None if m is None else m.start() - start


def _year(option: set[str], other: set[str], knowledge: str) -> int | None:
    """The first year written after the first mention of `option` in the knowledge, with
    no mention of `other` in between (the sentence "A (1844–1846) was …" gives 1844);
    None when there is none."""
    for sentence in split_sentences(nfkc(knowledge)):
        low = sentence.casefold()
        first = _first(option, low)
        if first is None:
            continue
        year = _YEAR.search(sentence, first)
        if year is None:
            continue
        between = _first(other, low[: year.start()], first)
        return int(year.group(1)) if between is None else None
    return None


def compare_years(question: str, answer: str, knowledge: str) -> Comparison | None:
    """Which option the answer picks and which the knowledge's years support; None when
    the question is not a two-option temporal comparison or anything is ambiguous."""
    parsed = _question(question)
    if parsed is None:
        return None
    a, b, earlier = parsed
    ta, tb = _tokens(a), _tokens(b)
    da, db = ta - tb, tb - ta
    if not da or not db:
        return None
    text = nfkc(answer)
    said = {w.casefold() for w in _words(text)}
    names_a, names_b = bool(da & said), bool(db & said)
    if not (names_a or names_b):
        return None
    if names_a and names_b:
        # "B was released before A": the first-named option is the subject, and the
        # answer's own comparative says which way it points.
        low = text.casefold()
        pos_a, pos_b = _first(da, low), _first(db, low)
        e, lt = _EARLIER.search(text), _LATER.search(text)
        if pos_a is None or pos_b is None or bool(e) == bool(lt):
            return None
        subject_a = pos_a < pos_b
        names_a = subject_a if bool(e) == earlier else not subject_a
    ya, yb = _year(da, db, knowledge), _year(db, da, knowledge)
    if ya is None or yb is None or ya == yb:
        return None
    expected = a if (ya < yb) == earlier else b
    named = a if names_a else b
    years = (ya, yb) if named == a else (yb, ya)
    return Comparison(named=named, expected=expected, years=years)


_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|of|the|de|for|&))*"
_PAIR = re.compile(rf"({_NAME})\s+and\s+({_NAME})")
_BOTH = re.compile(r"\bboth\b", re.I)
_LATIN_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def both_unsupported(answer: str, question: str, knowledge: str) -> list[str]:
    """The entities of an "A and B" question for which a "both …" answer's claim is not
    stated: "Both are American authors" asks the knowledge to call each of them an
    American author in a sentence that names it. Each entity is found by its last
    capitalised word; the claim's content words (all found somewhere, or the other layers
    decide) must share a sentence with it. Empty when the answer is not a "both" claim,
    the question names no pair, or an entity is not in the knowledge."""
    if not _BOTH.search(answer):
        return []
    pair = _PAIR.search(nfkc(question))
    if pair is None:
        return []
    k = knowledge_index(knowledge)
    full = (1 << len(k.starts)) - 1
    entities = [pair.group(1), pair.group(2)]
    own = {w.casefold() for e in entities for w in _LATIN_WORD.findall(e)}
    units = [u for u in claim_units(answer) if u.text not in own and u.text != "both"]
    masks = [k.locate(u) & full for u in units]
    if not units or not all(masks):
        return []
    unstated = []
    for entity in entities:
        caps = [w for w in _LATIN_WORD.findall(entity) if w[0].isupper()]
        where = k.locate(word_unit(caps[-1].casefold(), True)) & full if caps else 0
        if not where:
            return []
        for m in masks:
            where &= m
        if not where:
            unstated.append(entity)
    return unstated


# Verbs that name the agent of a work — "directed by X" in the passive, "X directed /
# directs Y" in the active voice — as base, past, participle. General English, not a list
# from any data set.
_AGENTIVE_VERBS = """
    direct directed directed  write wrote written  produce produced produced
    found founded founded  co-found co-founded co-founded  create created created
    compose composed composed  design designed designed  develop developed developed
    publish published published  own owned owned  play played played  voice voiced voiced
    perform performed performed  sing sang sung  record recorded recorded
    illustrate illustrated illustrated  invent invented invented
    discover discovered discovered  build built built  establish established established
    coach coached coached  manage managed managed  host hosted hosted
    narrate narrated narrated  edit edited edited  translate translated translated
    paint painted painted  acquire acquired acquired  operate operated operated
    sponsor sponsored sponsored  distribute distributed distributed
""".split()
_ACTIVE_FORMS: dict[str, str] = {}  # any active form → the participle
for _i in range(0, len(_AGENTIVE_VERBS), 3):
    _base, _past, _part = _AGENTIVE_VERBS[_i : _i + 3]
    _third = _base + ("es" if _base.endswith(("s", "sh", "ch")) else "s")
    for _form in (_base, _third, _past, _part):
        _ACTIVE_FORMS[_form] = _part
_AGENTIVE = sorted(set(_ACTIVE_FORMS.values()))
_VERB = "|".join(_AGENTIVE)
_ACTIVE = re.compile(
    rf"({_NAME})\s+(?:(?:also|originally|first|later|then)\s+)?"
    rf"({'|'.join(sorted(_ACTIVE_FORMS, key=len, reverse=True))})\s+({_NAME})"
)
_PASSIVE = re.compile(
    rf"({_NAME})[^.]*?\b(?:was|were|is|are|been)\s+(?:\w+\s+)?({_VERB})\s+by\s+({_NAME})"
)
_BY = re.compile(rf"\b({_VERB})\s+by\s+({_NAME})")
_ANY_VERB = re.compile(rf"\b(?:{'|'.join(_ACTIVE_FORMS)})\b")


def _trie(words: Iterable[str]) -> str:
    """A regex alternation of `words` as a prefix tree ("direct(?:ed|s)?|…"): it matches
    exactly the same strings as "|".join(words), with far less backtracking per position."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + walk(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            body = (body if len(alts) == 1 and len(body) == 1 else f"(?:{body})") + "?"
        return body

    return walk(tree)


_ANY_VERB_TRIE = re.compile(rf"\b(?:{_trie(_ACTIVE_FORMS)})\b")


def may_name_agent(answer: str) -> bool:
    """False when `agent_conflict(answer, …)` is certainly None because the answer holds
    no agentive verb: its own first test, with a faster pattern, for callers that check
    many outputs which mostly have none."""
    return _ANY_VERB_TRIE.search(nfkc(answer)) is not None


def _capitalised_latin_words(name: str) -> set[str]:
    """The Latin-script words of `name` that start with a capital, case-folded, "the"
    left out: what an agent or a work is called in "A directed W"."""
    return {w.casefold() for w in _LATIN_WORD.findall(name) if w[0].isupper()} - {"the"}


def agent_conflict(answer: str, knowledge: str) -> tuple[str, str, str, str] | None:
    """(agent, verb, work, the knowledge's agent) when the answer says "A directed W" (or
    "W was directed by A") and every knowledge sentence that mentions W and says
    "directed by …" names someone else; None otherwise (no such claim, or the knowledge
    does not say who)."""
    text = nfkc(answer)
    if _ANY_VERB.search(text) is None:  # the name patterns are costly: most outputs have none
        return None
    said = [(m.group(1), _ACTIVE_FORMS[m.group(2)], m.group(3)) for m in _ACTIVE.finditer(text)]
    if " by " in text:
        said += [(m.group(3), m.group(2), m.group(1)) for m in _PASSIVE.finditer(text)]
    for agent, verb, work in said:
        a, w = _capitalised_latin_words(agent), _capitalised_latin_words(work)
        if not a or not w:
            continue
        theirs = []
        for sentence in split_sentences(nfkc(knowledge)):
            if not w & {t.casefold() for t in _LATIN_WORD.findall(sentence)}:
                continue
            theirs += [m.group(2) for m in _BY.finditer(sentence) if m.group(1) == verb]
        if theirs and not any(a & _capitalised_latin_words(x) for x in theirs):
            return agent, verb, work.rstrip("."), theirs[0]
    return None


# Shared with `_relations` (questions that need the same reading of names and verbs).
NAME = _NAME
ACTIVE_FORMS: dict[str, str] = _ACTIVE_FORMS
AGENTIVE: list[str] = _AGENTIVE
option_left = _option_left
option_right = _option_right
option_tokens = _tokens
