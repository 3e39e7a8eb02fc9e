"""The hallucination scorer's layers (`hallucination.py` documents what each checks).

One interface: a layer takes the case's evidence (`CaseEvidence`: the item, its plan of
knowledge and question texts, the settings; the knowledge index is built once per case
and cached by its texts, `_evidence.evidence_for`) and one output, and returns what it
found (`Findings`: findings, a score, flagged claims' details). The scorer folds them into
one `Check` per output; a later layer (the judge, in `verify` mode) can clear a finding,
not only add one (`Check.clear`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from evalkit._i18n import Said
from evalkit.common.text import json_or_text, normalize, shorten
from evalkit.scorers._answers import answer, similarity
from evalkit.scorers._bounds import bound_clash
from evalkit.scorers._calibration import MAX_RISK, risk
from evalkit.scorers._compare import (
    agent_conflict,
    both_unsupported,
    compare_years,
    may_name_agent,
)
from evalkit.scorers._counters import counter_clash, restated_clash
from evalkit.scorers._evidence import Support, unsupported_units
from evalkit.scorers._grounding import Plan
from evalkit.scorers._judge import JudgeConfig
from evalkit.scorers._language import Unit, is_japanese
from evalkit.scorers._lexicon import claim_negated
from evalkit.scorers._outcome import Finding, claim_record
from evalkit.scorers._relations import relation_conflict
from evalkit.scorers._support import (
    check_claim,
    may_clash,
    name_phrases,
    one_statement,
    split_claims,
)
from evalkit.scorers._topics import topic_swap
from evalkit.scorers._verbatim import changed_number, quotes_knowledge
from evalkit.values import ScoringInput

__all__ = [
    "LAYERS",
    "CaseEvidence",
    "Findings",
    "Settings",
    "abstention",
    "claims",
    "forbidden",
    "support",
]

LAYERS = ("forbidden", "claims", "specifics", "abstention")
# In a short answer every unit counts, but one that general usage makes nearly empty
# (specificity below this, e.g. "be", "also") is no finding on its own.
MIN_UNIT_WEIGHT = 0.3
_NEG_BEFORE = re.compile(
    r"\b(?:not|never|no|(?:is|are|was|were|do|does|did)n['’]t)\b[^.;!?]{0,20}$"
)
_NEG_AFTER_JA = re.compile(r"^.{0,3}(?:ではな|じゃな|ではありません|ではございません)")


@dataclass(frozen=True, slots=True)
class Settings:
    layers: frozenset[str] = frozenset(LAYERS)
    relations: bool = False
    forbidden_similarity: float = 0.9
    knowledge_vars: tuple[str, ...] = ()
    samples_rule: str | float = "majority"
    judge: JudgeConfig | None = None
    min_support: float = 0.70
    max_risk: float = MAX_RISK


@dataclass(frozen=True, slots=True)
class CaseEvidence:
    """What every layer reads for one case: the item, its plan (which texts are
    knowledge, which question) and the scorer's settings."""

    item: ScoringInput
    plan: Plan
    settings: Settings


@dataclass(slots=True)
class Findings:
    """What one layer found in one output; `score` is the layer's support score (1.0 when
    it measures none)."""

    found: list[Finding]
    score: float = 1.0
    claims: list[dict[str, Any]] = field(default_factory=list)
    note: Said | None = None  # what a passing output was measured at (`support`)

    def fail(self, layer: str, said: Said) -> None:
        self.found.append(Finding(layer, said))


def _matches_forbidden(output: str, forbidden: str, threshold: float) -> bool:
    """Normalised containment at token boundaries (not negated), or a close fuzzy match."""
    out, bad = normalize(output), normalize(forbidden)
    if not bad:
        return False
    start = out.find(bad)
    while start >= 0:
        end = start + len(bad)
        before, after = out[start - 1 : start], out[end : end + 1]
        boundary = not (
            before.isalnum() and before.isascii() or (before.isdigit() or after.isdigit())
        )
        if boundary and (not after.isascii() or not after.isalnum()):
            if not (_NEG_BEFORE.search(out[:start]) or _NEG_AFTER_JA.search(out[end:])):
                return True
        start = out.find(bad, start + 1)
    return fuzz.ratio(out, bad) >= threshold * 100


def _written(name: str, plan: Plan, question: str) -> bool:
    """Whether the knowledge or the question writes `name` (without a possessive)."""
    bare = re.sub(r"['’]s$", "", name.strip()).casefold()
    return bare in plan.knowledge_text.casefold() or bare in question.casefold()


def _opposites(found: Support) -> Said:
    return Said(
        "all",
        {
            "items": tuple(
                Said("hal.says", {"said": u.text, "knowledge": o}) for u, o in found.opposites
            )
        },
    )


def _unit_list(units: Sequence[Unit], n: int = 8) -> Said:
    """The unsupported units for a reason: numbers and names first, then the most
    specific words; at most `n`, with a count of the rest."""
    ordered = sorted(units, key=lambda u: (u.kind == "word", -u.weight))
    shown = ", ".join(dict.fromkeys(u.text for u in ordered[:n]))
    more = len(ordered) - n
    return Said("units", {"shown": shown, "more": str(more)} if more > 0 else {"shown": shown})


def _claim(claim: str, what: Said) -> Said:
    """A finding about one claim: the claim quoted (shortened), then what is wrong."""
    return Said("hal.claim", {"claim": shorten(claim, 70), "what": what})


_UNANSWERABLE = Said("hal.unanswerable")
_NEGATES = Said("hal.negates")
_NEGATED = Said("hal.negated")


# -- the layers ----------------------------------------------------------------------------


def abstention(ev: CaseEvidence, output: str) -> Findings:
    """An unanswerable case answered instead of declined."""
    out = Findings([])
    if not ev.item.case.answerable and "abstention" in ev.settings.layers:
        out.fail("abstention", _UNANSWERABLE)
        out.score = 0.0
    return out


def forbidden(ev: CaseEvidence, output: str) -> Findings:
    """A known-false answer: the TruthfulQA rule when the case has references, else
    normalised containment (not negated) or a close fuzzy match."""
    out = Findings([])
    case = ev.item.case
    if not case.forbidden or "forbidden" not in ev.settings.layers:
        return out
    refs = [json_or_text(r) for r in case.references]
    if refs:  # the TruthfulQA rule
        said = answer(output)
        true = max(similarity(said, answer(r)) for r in refs)
        false_sims = [(similarity(said, answer(f)), f) for f in case.forbidden]
        worst, which = max(false_sims)
        if worst - true > 0:
            out.fail(
                "forbidden",
                Said(
                    "hal.closer_false",
                    {"which": shorten(which, 40), "worst": f"{worst:.2f}", "true": f"{true:.2f}"},
                ),
            )
            out.score = 0.0
        return out
    for bad in case.forbidden:
        if _matches_forbidden(output, bad, ev.settings.forbidden_similarity):
            out.fail("forbidden", Said("hal.forbidden", {"bad": shorten(bad, 40)}))
            out.score = 0.0
            break
    return out


def support(ev: CaseEvidence, output: str) -> Findings:
    """A longer answer's support score: the specificity-weighted share of its units
    (numbers, names, content words) that the knowledge or the question states, and its
    calibrated hallucination risk (`_calibration`); above `max_risk` it fails, and the
    reason names the unsupported units."""
    out = Findings([])
    plan, s = ev.plan, ev.settings
    if not plan.grounded and "specifics" not in s.layers:
        return out
    result = unsupported_units(output, plan.texts, plan.question_text)
    if not plan.grounded:  # short references only: judge only the specifics
        missing = [u for u in result.missing if u.kind != "word"]
        if missing and "specifics" in s.layers:
            out.fail("specifics", Said("hal.not_stated", {"units": _unit_list(missing)}))
            out.score = 1.0 - result.share
        return out
    out.score = round(1.0 - result.share, 6)
    # The decision is the calibrated risk (`_calibration`), not the share alone: what is
    # unstated (numbers, names, words) and how long the answer is weigh differently.
    chance = risk(result)
    if chance > s.max_risk and "claims" in s.layers:
        out.fail(
            "claims",
            Said(
                "hal.risk",
                {
                    "risk": _versus(chance, ">", s.max_risk),
                    "support": f"{out.score:.2f}",
                    "units": _unit_list(result.missing),
                },
            ),
        )
        out.claims.append(
            {
                "support": out.score,
                "risk": round(chance, 6),
                "missing": [u.text for u in result.missing],
                "layers": ["claims"],
            }
        )
    elif result.missing and "claims" in s.layers:
        # A pass is not "every claim is supported": the reason says how close it came,
        # naming the unstated units that weigh (not "Yes" or "Since").
        note: dict[str, Any] = {
            "support": f"{out.score:.2f}",
            "risk": _versus(chance, "≤", s.max_risk),
        }
        named = [u for u in result.missing if u.weight >= MIN_UNIT_WEIGHT]
        if named:
            note["units"] = _unit_list(named, 5)
        out.note = Said("hal.note", note)
    if "claims" in s.layers:
        # A number bounded the other way than the knowledge bounds it (`_bounds`): all its
        # words may be stated, so the risk above cannot see it.
        for claim in split_claims(output):
            bounded = bound_clash(claim, plan.texts)
            if bounded is not None and not claim_negated(claim):  # a denial flips it
                out.fail("claims", _claim(claim, _bounded(bounded)))
                out.claims.append(claim_record(claim, [], [], [], False, ["claims"]))
            elif (swapped := _swapped(claim, plan)) is not None:
                out.fail("claims", _claim(claim, swapped))
                out.claims.append(claim_record(claim, [], [], [], False, ["claims"]))
    if "specifics" in s.layers:
        for claim in split_claims(output):
            if (miscounted := _miscounted(claim, plan)) is not None:
                out.fail("specifics", _claim(claim, miscounted))
                out.claims.append(claim_record(claim, [], [], [], False, ["specifics"]))
    return out


def _swapped(claim: str, plan: Plan) -> Said | None:
    """A Japanese claim that says of its topic what the knowledge says of a sibling
    (`_topics.topic_swap`); English claims have binding instead."""
    if claim.isascii() or not is_japanese(claim):
        return None
    swap = topic_swap(claim, plan.texts)
    if swap is None:
        return None
    return Said("hal.topic_swap", {"topic": swap[0], "word": swap[1], "other": swap[2]})


def _miscounted(claim: str, plan: Plan) -> Said | None:
    """A claim's number with a counter the knowledge never gives that value (`_counters`:
    「15日」 where it has only 「15時」, "$12" where its 12 counts seats)."""
    texts = (*plan.texts, plan.question_text)
    clash = counter_clash(claim, texts) or restated_clash(claim, texts)
    return None if clash is None else _bounded(clash)


def _versus(value: float, sign: str, bar: float) -> str:
    """The risk against the bar, "0.41 > 0.33", with as many decimals as it takes to tell
    the two apart ("0.3304 > 0.33", never "0.33 > 0.33"), and the bar as the suite sets it
    (a `max_risk` of 0.335 reads "0.3352 > 0.335", not "0.3352 > 0.34")."""
    exact = next((p for p in (2, 3, 4) if round(bar, p) == bar), 6)
    for places in (p for p in (2, 3, 4, 6) if p >= exact):
        if f"{value:.{places}f}" != f"{bar:.{places}f}":
            break
    return f"{value:.{places}f} {sign} {bar:.{exact}f}"


def _bounded(clash: tuple[str, str]) -> Said:
    return Said("hal.says", {"said": clash[0], "knowledge": clash[1]})


def claims(ev: CaseEvidence, output: str) -> Findings:
    """A short answer, claim by claim: specifics (numbers, names) the knowledge does not
    state; contradictions (an opposite, a negation); unstated words beyond the share that
    paraphrase explains; the relation checks written from HaluEval dev items (`_relations`
    below); and binding (`_support.check_claim`: the claim's words stated together in one
    knowledge sentence) on an answer of one statement (`one_statement`), or on every claim
    with `relations: true`.
    The score is the share of supported claims."""
    out = Findings([])
    plan, s = ev.plan, ev.settings
    layers = s.layers
    specifics = "specifics" in layers
    parts = split_claims(output)
    # Binding, by default, only where the whole answer is one claim: a one-statement answer
    # states one fact, whose parts the knowledge must state together ("Max Volmer won the
    # Nobel Prize in 1943" where another sentence holds 1943). An answer of several
    # claims connects and infers across them ("…, so an order placed on Saturday will ship
    # on Monday"; "You can still choose standard shipping to a PO box." after "express is
    # not offered for PO boxes"), which binding reads as stitching. Measured with
    # `tests/benchmarks/judgement.py`: HaluEval QA dev 0.882 -> 0.962 (every claim:
    # 0.964), RAGTruth dev F1 0.690 -> 0.686 (every claim: 0.689, and the demo's support
    # bot flags those two inferences), JHARS unchanged (English claims only, below).
    bind = s.relations or one_statement(parts)
    supported = 0
    # The claim index (`plan.knowledge`, cached per text) is built only for a claim that
    # `check_claim` reads. `checked`: a claim got past the changed-number test below,
    # which is asked until one does.
    checked = False
    question = ""
    whole: Support | None = None  # the whole answer's, read when a claim has new words
    for claim in parts:
        if quotes_knowledge(claim, plan.texts):  # proven supported (`_verbatim`)
            supported += 1
            continue
        # What the language analysis finds unstated in this claim (`_evidence`): lemmas,
        # normal forms of numbers and names, Japanese morphemes. A lexical finding of
        # the claim check below stands only when this confirms it.
        found = unsupported_units(claim, plan.texts, plan.question_text)
        unstated = [u for u in found.missing if u.weight >= MIN_UNIT_WEIGHT]
        if not checked:
            question = plan.question_text
            # A sentence with one number changed: the number is the one finding
            # (`_verbatim.changed_number`), proven without indexing the knowledge.
            fabricated = (
                changed_number(claim, plan.texts, question)
                if specifics and any(u.kind == "number" for u in unstated)
                else None
            )
            if fabricated is not None:
                out.fail(
                    "specifics",
                    _claim(
                        claim,
                        Said("hal.not_stated", {"units": Said("units", {"shown": fabricated})}),
                    ),
                )
                out.claims.append(claim_record(claim, [fabricated], [], [], False, ["specifics"]))
                continue
            checked = True
        # The older claim check (`_support.check_claim`: binding, polarity, whole names)
        # runs only where it can find something; it is the costly part of a short answer.
        c = (
            check_claim(claim, plan.knowledge, question)
            if bind or may_clash(claim, plan.texts)
            else None
        )
        problems: list[tuple[str, Said]] = []
        new_specifics = [u for u in unstated if u.kind != "word"]
        new_words = [u for u in unstated if u.kind == "word"]
        if new_specifics and specifics:
            problems.append(
                ("specifics", Said("hal.not_stated", {"units": _unit_list(new_specifics)}))
            )
        elif specifics:
            # Multi-word names the knowledge never writes as a whole; a possessive
            # ("Reba McEntire's") is the name itself.
            names = [n for n in name_phrases(claim) if not _written(n, plan, question)]
            if names:  # confirmed against the knowledge index (`ClaimCheck.names`)
                c = c or check_claim(claim, plan.knowledge, question)
                names = [n for n in c.names if not _written(n, plan, question)]
            if names:
                problems.append(("specifics", Said("hal.names", {"names": ", ".join(names)})))
            elif (miscounted := _miscounted(claim, plan)) is not None:
                problems.append(("specifics", miscounted))
        if "claims" in layers and plan.grounded:
            # Paraphrase adds ordinary words; an invented claim adds unstated content.
            # What the claim (and the whole answer) adds beyond the question's own words
            # is judged by the same bar as a long answer: unstated on more than
            # 1 - min_support of its weight.
            bounded = bound_clash(claim, plan.texts)
            # A denied bound restates the other one ("not accepted after 30 days" where
            # the knowledge says "within 30 days"): that explains the claim's negation.
            flipped = bounded is not None and claim_negated(claim)
            if found.opposites:
                problems.append(("claims", _opposites(found)))
            elif bounded is not None and not flipped:
                problems.append(("claims", _bounded(bounded)))
            elif (
                new_words
                and found.new_share > 1.0 - s.min_support
                and (
                    len(parts) == 1
                    or (
                        whole := whole or unsupported_units(output, plan.texts, plan.question_text)
                    ).new_share
                    > 1.0 - s.min_support
                )
            ):
                problems.append(
                    ("claims", Said("hal.unsupported_words", {"units": _unit_list(new_words)}))
                )
            # Binding is read on English claims only: on JHARS dev it flagged 13
            # faithful Japanese answers and no hallucinated one (by Sudachi phrases
            # instead of character pairs: 3 and none). Real answers bind facts across
            # sentences (「四万十町は高知県にあります」); a swap is left to a judge.
            # The words the knowledge does state are bound even when a claim adds one it
            # does not ("The Oslo shop closes at 6" where Bergen closes at 6): an unstated
            # word must not exempt the rest (HaluEval 0.948 -> 0.962, RAGTruth 0.688 -> 0.686).
            if c is not None and bind and c.unbound and not is_japanese(claim):
                problems.append(("claims", Said("hal.unbound", {"words": ", ".join(c.unbound)})))
            elif (swapped := _swapped(claim, plan)) is not None:
                problems.append(("claims", swapped))
            if c is not None and c.negation and not flipped:
                problems.append(("claims", _NEGATES if c.negated else _NEGATED))
        if not problems:
            supported += 1
            continue
        for layer, what in problems:
            out.fail(layer, _claim(claim, what))
        c = c or check_claim(claim, plan.knowledge, question)
        out.claims.append(
            claim_record(
                claim,
                list(c.missing),
                list(c.unbound),
                list(c.names),
                c.negation,
                [p[0] for p in problems],
            )
        )
    if "claims" in layers and plan.grounded:
        supported -= _relations(plan, output, out)
    if parts:
        out.score = max(0, supported) / len(parts)
    return out


def _relations(plan: Plan, output: str, out: Findings) -> int:
    """The relation checks written from HaluEval dev items (`_compare`, `_relations`):
    who did a work, "both …", which came first, right words in the wrong relation.
    Adds their findings to `out`; returns how many fired.

    On by default since they earned it by the issue's measure (`tests/benchmarks/
    judgement.py`, and the synthetic loads of `hallucination_speed.py`): HaluEval QA dev
    0.846 → 0.880, while RAGTruth dev, JHARS, the labelled set, the paraphrase scale load
    and the shared-document load keep the same decisions (they fire on none of their
    faithful answers). Binding, which flags answers that merge two knowledge sentences,
    stays behind `relations: true`."""
    fired = 0
    other = agent_conflict(output, plan.grounding) if may_name_agent(output) else None
    if other is not None:
        agent, verb, work, theirs = other
        out.fail(
            "claims",
            Said("hal.agent", {"agent": agent, "verb": verb, "work": work, "theirs": theirs}),
        )
        fired += 1
    # In ASCII text, "both" in lower case is a precondition of `both_unsupported`
    # (its `\bboth\b`, any case): cheaper than its regex on outputs without it.
    says_both = not output.isascii() or "both" in output.lower()
    for question in plan.questions if says_both else ():
        not_both = both_unsupported(output, question, plan.grounding)
        if not_both:
            out.fail(
                "claims",
                Said("hal.both", {"names": ", ".join(not_both)}),
            )
            fired += 1
            break
    for question in plan.questions:
        if " or " not in question:
            continue
        cmp = compare_years(question, output, plan.grounding)
        if cmp is not None and cmp.wrong:
            out.fail(
                "claims",
                Said(
                    "hal.picks",
                    {
                        "named": str(cmp.named),
                        "year": str(cmp.years[0]),
                        "expected": str(cmp.expected),
                        "theirs": str(cmp.years[1]),
                    },
                ),
            )
            fired += 1
            break
    for question in plan.questions or ("",):
        why = relation_conflict(question, output, plan.grounding)
        if why is not None:
            out.fail("claims", _claim(output, why))
            fired += 1
            break
    return fired
