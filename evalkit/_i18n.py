"""The words evalkit prints around a verdict, per phase (and, later, per language).

One table, read by the terminal table, the Markdown and the HTML report, so the three say
the same thing. The verdict *value* (`continue` / `redesign` / `stop`) is a contract and
never changes; what changes with the phase is how it reads: an MVP that meets its bars
goes to production, a production service that misses one stays in limited operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

__all__ = [
    "Lang",
    "LANGS",
    "decision",
    "meaning",
    "next_step",
    "phase_name",
    "unsettled_text",
    "unsettled_texts",
    "verdict_word",
]

Lang = Literal["en"]
LANGS: tuple[Lang, ...] = ("en",)

_PHASE_NAME: dict[str, dict[str, str]] = {
    "en": {"poc": "PoC", "mvp": "MVP", "production": "production"},
}

_VERDICT_WORD: dict[str, dict[str, str]] = {
    "en": {"continue": "CONTINUE", "redesign": "REDESIGN", "stop": "STOP"},
}

# phase → verdict → the decision in a few words (the headline after the verdict word).
_DECISION: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "poc": {
            "continue": "go on to the MVP",
            "redesign": "redesign the PoC",
            "stop": "stop the PoC",
        },
        "mvp": {
            "continue": "go to production",
            "redesign": "redesign before production",
            "stop": "do not go to production",
        },
        "production": {
            "continue": "roll it out wider",
            "redesign": "keep it in limited operation",
            "stop": "withdraw it from operation",
        },
    },
}

# phase → verdict → the "what next" line of the terminal output (one line).
_NEXT: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "poc": {
            "continue": "meets the bar — move on to MVP / production design",
            "redesign": "some bar is missed or not yet confirmed — change scope, prompt or data, or gather more evidence",
            "stop": "a metric is confidently beyond its stop limit — stop spending on this approach",
        },
        "mvp": {
            "continue": "meets the bar in real operation — plan the production rollout",
            "redesign": "some bar is missed or not yet confirmed — fix it and run the MVP again before going to production",
            "stop": "a metric is confidently beyond its stop limit — do not put this into production as it stands",
        },
        "production": {
            "continue": "meets the bar in production — roll it out to more users or uses",
            "redesign": "some bar is missed or not yet confirmed — keep it in limited operation while you fix it",
            "stop": "a metric is confidently beyond its stop limit — withdraw it from operation",
        },
    },
}

# phase → verdict → what the verdict means, for a reader who is not an engineer (reports).
_MEANING: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "poc": {
            "continue": (
                "Meets the bar: every failure rate is within what the team agreed to tolerate, "
                "with enough cases to be sure. Move on to the next stage (MVP / production design)."
            ),
            "redesign": (
                "Not there yet: there is value, but something is missing. Change the scope, prompt "
                "or data, or gather more cases, then run again."
            ),
            "stop": (
                "The premise is broken: at least one failure rate is confidently beyond the limit "
                "agreed for stopping. Stop spending on this approach as it stands."
            ),
        },
        "mvp": {
            "continue": (
                "Go to production: the MVP meets every bar agreed for real operation, with enough "
                "cases to be sure. Plan the production rollout."
            ),
            "redesign": (
                "Not ready for production: some bar is missed or not yet confirmed. Fix what "
                "misses it (or gather more evidence) and run the MVP again."
            ),
            "stop": (
                "Do not go to production: at least one failure rate is confidently beyond the "
                "limit agreed for stopping."
            ),
        },
        "production": {
            "continue": (
                "Roll it out wider: in production it meets every bar agreed, with enough cases "
                "to be sure."
            ),
            "redesign": (
                "Keep it in limited operation: some bar is missed or not yet confirmed. Do not "
                "widen the rollout until it is fixed and confirmed."
            ),
            "stop": (
                "Withdraw it from operation: at least one failure rate is confidently beyond the "
                "limit agreed for stopping."
            ),
        },
    },
}


def _pick(table: dict[str, dict[str, str]], lang: str, key: str) -> str:
    return table.get(lang, table["en"]).get(key, "")


def _pick2(table: dict[str, dict[str, dict[str, str]]], lang: str, phase: str, verdict: str) -> str:
    by_phase = table.get(lang, table["en"])
    return by_phase.get(phase, by_phase["poc"]).get(verdict, "")


def phase_name(phase: str, lang: str = "en") -> str:
    """ "PoC", "MVP", "production" (an unknown phase is shown as written)."""
    return _pick(_PHASE_NAME, lang, phase) or phase


def verdict_word(verdict: str, lang: str = "en") -> str:
    """The verdict as a headline word ("CONTINUE"); an unknown value upper-cased."""
    return _pick(_VERDICT_WORD, lang, verdict) or verdict.upper()


def decision(phase: str, verdict: str, lang: str = "en") -> str:
    """The decision the verdict stands for in this phase ("go to production")."""
    return _pick2(_DECISION, lang, phase, verdict)


def next_step(phase: str, verdict: str, lang: str = "en") -> str:
    """One line on what to do next (terminal output)."""
    return _pick2(_NEXT, lang, phase, verdict)


def meaning(phase: str, verdict: str, lang: str = "en") -> str:
    """A few sentences on what the verdict means (Markdown and HTML reports)."""
    return _pick2(_MEANING, lang, phase, verdict)


# `evalkit.unsettled` keys → what the next phase still needs, with {values} filled in.
_UNSETTLED: dict[str, dict[str, str]] = {
    "en": {
        "partial_merge": "partial merge: some shards are missing, so part of the cases was not run",
        "shard": "only shard {shard} of the cases was run: merge every shard for the whole run",
        "error_budget": (
            "client errors: {errors} of {cases} cases ({rate}) got no output, over the error "
            "budget of {budget}: those cases are not judged"
        ),
        "stale": (
            "stale recordings: {count} recorded outputs were made for a different prompt: "
            "re-record them (evalkit run --record)"
        ),
        "no_latency_bar": (
            "latency: no bar — set scorers.latency.max_s and thresholds.latency and run against "
            "the live model to judge response time"
        ),
        "latency_unmeasured": (
            "latency: not measured — replayed or cached outputs carry no response time; run "
            "against the live model"
        ),
        "no_cost_bar": (
            "cost: no bar — set pricing, scorers.cost.max_usd and thresholds.cost to judge the "
            "cost per case"
        ),
        "cost_unmeasured": "cost: not measured — the client reported no token usage",
        "no_reviews": (
            "human review: none — how often a person must correct the answers is unmeasured; "
            "draw a sample with evalkit review sample"
        ),
        "unscored": "{label}: no case was scored, so its bar is unchecked",
        "unreviewed": (
            "{label}: not measured — reviewers have answered it for no case; draw a sample "
            "with evalkit review sample and import the filled sheet"
        ),
        "straddles": "{label}: not enough evidence — its interval {lo}–{hi} straddles the {bar} {at}",
        "straddles_needed": (
            "{label}: not enough evidence — its interval {lo}–{hi} straddles the {bar} {at}; "
            "about {needed} cases in total would settle it"
        ),
    },
}


def unsettled_text(key: str, values: Mapping[str, str], lang: str = "en") -> str:
    """One open point (see `evalkit.unsettled`) in words."""
    template = _pick(_UNSETTLED, lang, key) or _UNSETTLED["en"].get(key, key)
    return template.format_map(dict(values))


def unsettled_texts(
    poc: Mapping[str, Any], summary: Mapping[str, Any], lang: str = "en"
) -> list[str]:
    """The open points of one PoC block of a summary document, in words."""
    from evalkit.unsettled import unsettled

    return [unsettled_text(u.key, u.values, lang) for u in unsettled(poc, summary)]
