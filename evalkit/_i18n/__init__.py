"""The words evalkit prints around a verdict, per phase and per language (English, Japanese).

One set of tables, read by the terminal table, the Markdown and the HTML report, so the
three say the same thing in the same language. The verdict *value* (`continue` /
`redesign` / `stop`) is a contract and never changes; what changes with the phase is how
it reads (an MVP that meets its bars goes to production, a production service that misses
one stays in limited operation), and with the language the words themselves.

Reasons are `Reason` values (a code and its formatted values), worded here: the English
wording is what `summary.json` stores in `pocs.<poc>.reasons` (a contract); the codes are
stored beside it (`pocs.<poc>.reason_codes`) so a report can word them again in Japanese.
Every table has the same keys in every language (a test holds them to it). Bottom layer:
stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from evalkit._i18n._case_reasons import CASE_REASONS, label_text
from evalkit._i18n._choose import choose_language, locale_language, text_language
from evalkit._i18n._phase import DECISION, MEANING, NEXT, PHASE_NAME, VERDICT_WORD
from evalkit._i18n._reasons import REASONS, Template
from evalkit._i18n._ui import UI
from evalkit._i18n._unsettled import UNSETTLED

__all__ = [
    "Lang",
    "LANGS",
    "TABLES",
    "Reason",
    "Said",
    "case_reason_text",
    "label_text",
    "choose_language",
    "cost_line",
    "decision",
    "locale_language",
    "meaning",
    "money",
    "next_step",
    "phase_name",
    "reason_texts",
    "stored_reasons",
    "say",
    "text_language",
    "unsettled_text",
    "verdict_word",
]

Lang = Literal["en", "ja"]
LANGS: tuple[Lang, ...] = ("en", "ja")

# Every language-keyed table, by name (the completeness test walks them).
TABLES: dict[str, Mapping[str, Any]] = {
    "phase_name": PHASE_NAME,
    "verdict_word": VERDICT_WORD,
    "decision": DECISION,
    "next_step": NEXT,
    "meaning": MEANING,
    "reasons": REASONS,
    "case_reasons": CASE_REASONS,
    "unsettled": UNSETTLED,
    "ui": UI,
}


def _pick(table: Mapping[str, Mapping[str, str]], lang: str, key: str) -> str:
    return table.get(lang, table["en"]).get(key, "")


def _pick2(table: dict[str, dict[str, dict[str, str]]], lang: str, phase: str, verdict: str) -> str:
    by_phase = table.get(lang, table["en"])
    return by_phase.get(phase, by_phase["poc"]).get(verdict, "")


def _fill(template: Template, values: Mapping[str, Any]) -> str:
    return template(values) if callable(template) else template.format_map(dict(values))


def phase_name(phase: str, lang: str = "en") -> str:
    """ "PoC", "MVP", "production" / "本番" (an unknown phase is shown as written)."""
    return _pick(PHASE_NAME, lang, phase) or phase


def verdict_word(verdict: str, lang: str = "en") -> str:
    """The verdict as a headline word ("CONTINUE", "続行"); an unknown value upper-cased."""
    return _pick(VERDICT_WORD, lang, verdict) or verdict.upper()


def decision(phase: str, verdict: str, lang: str = "en") -> str:
    """The decision the verdict stands for in this phase ("go to production")."""
    return _pick2(DECISION, lang, phase, verdict)


def next_step(phase: str, verdict: str, lang: str = "en") -> str:
    """One line on what to do next (terminal output)."""
    return _pick2(NEXT, lang, phase, verdict)


def meaning(phase: str, verdict: str, lang: str = "en") -> str:
    """A few sentences on what the verdict means (Markdown and HTML reports)."""
    return _pick2(MEANING, lang, phase, verdict)


def say(key: str, lang: str = "en", **values: Any) -> str:
    """A heading, label or line of the terminal and the reports (`_ui.UI`), filled in."""
    template = UI.get(lang, UI["en"]).get(key) or UI["en"][key]
    return _fill(template, {k: str(v) for k, v in values.items()})


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason of a verdict: `code` names its template in `_reasons.REASONS`, `values`
    fill it (formatted already: "12.5%", "31"). The code `text` carries a sentence as
    written (a reason read from a result older than the codes), shown as is in every language."""

    code: str
    values: Mapping[str, str] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        table = REASONS.get(lang, REASONS["en"])
        template = table.get(self.code) or REASONS["en"].get(self.code)
        if template is None:
            raise KeyError(f"no wording for reason code {self.code!r}")
        return _fill(template, self.values)

    def document(self) -> dict[str, Any]:
        """The JSON form stored in `pocs.<poc>.reason_codes`."""
        return {"code": self.code, "values": {k: self.values[k] for k in sorted(self.values)}}

    @staticmethod
    def from_document(doc: Any) -> Reason | None:
        """The reason a `document()` describes; None when it is not one this evalkit words."""
        if not isinstance(doc, Mapping) or doc.get("code") not in REASONS["en"]:
            return None
        values = doc.get("values") or {}
        if not isinstance(values, Mapping):
            return None
        return Reason(str(doc["code"]), {str(k): str(v) for k, v in values.items()})


def stored_reasons(poc: Mapping[str, Any]) -> list[Reason]:
    """The reasons one PoC block of a summary document holds, as values.

    Each stored code is used only where its English wording is the stored sentence (so a
    translation never says something the contract does not); elsewhere — a result written
    before the codes, a code this evalkit does not know, values that do not fit — the
    stored sentence is kept as written (code `text`)."""
    texts = [str(t) for t in poc.get("reasons") or []]
    codes = poc.get("reason_codes")
    if not isinstance(codes, list) or len(codes) != len(texts):
        codes = [None] * len(texts)
    out = []
    for text, doc in zip(texts, codes, strict=True):
        reason = Reason.from_document(doc)
        try:
            same = reason is not None and reason.text("en") == text
        except (KeyError, ValueError, IndexError):
            same = False
        out.append(cast(Reason, reason) if same else Reason("text", {"text": text}))
    return out


def reason_texts(poc: Mapping[str, Any], lang: str = "en") -> list[str]:
    """The reasons of one PoC block of a summary document, worded in `lang` (English: the
    stored sentences themselves)."""
    reasons = stored_reasons(poc)
    out = []
    for reason in reasons:
        try:
            out.append(reason.text(lang))
        except (KeyError, ValueError, IndexError):  # a translation missing a value
            out.append(reason.text("en"))
    return out


_NO_VALUES: Mapping[str, Any] = {}
_ENGLISH = CASE_REASONS["en"]


class Said:
    """A scorer's per-case reason, or a part of one: `code` names its wording in
    `_case_reasons.CASE_REASONS`, `values` fill it — strings (numbers already formatted,
    quoted output text as it is), a nested `Said`, or a tuple of them (a list the wording
    joins). The English wording is the case's `reason` (a contract: `scores.<metric>.reason`
    in `cases.jsonl`); `document()` is stored beside it (`reason_code`) so that a report can
    word it again in Japanese. Why a tree and not one code per reason: a hallucination reason
    names each flagged output, and each finding of it, in its own words.

    A plain slotted class, not a frozen dataclass, and English worded without copying the
    values (a template reads a nested value through `__format__`, and the tables join lists
    with `map(str, …)`): every scored case builds, words and stores one — an accuracy reason
    is a tree of three — and the first version made numeric accuracy cost 16.3 µs a case
    against 7.9 µs with the f-string it replaced (one case scored repeatedly, in one
    process); now ~2 µs more. Treat it as immutable: `document()` shares `values`."""

    __slots__ = ("code", "values", "_english")

    def __init__(self, code: str, values: Mapping[str, Any] = _NO_VALUES) -> None:
        self.code = code
        self.values = values
        self._english: str | None = None  # worded once: a finding is worded twice

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Said) and self.code == other.code and self.values == other.values

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Said({self.code!r}, {dict(self.values)!r})"

    def __str__(self) -> str:
        return self.text("en")

    def __format__(self, spec: str) -> str:
        return format(self.text("en"), spec)

    def text(self, lang: str = "en") -> str:
        if lang == "en":
            worded = self._english
            if worded is None:
                template = _ENGLISH[self.code]  # KeyError: a code no table words
                values = self.values
                if template.__class__ is str:
                    worded = template.format_map(values)
                else:
                    worded = template(values)  # type: ignore[operator]
                self._english = worded
            return worded
        template = CASE_REASONS.get(lang, _ENGLISH).get(self.code) or _ENGLISH[self.code]
        return _fill(template, {k: _worded(v, lang) for k, v in self.values.items()})

    def document(self) -> list[Any]:
        """The JSON form stored in `scores.<metric>.reason_code`: `[code, {name: value}]`,
        a nested `Said` as its own document, a tuple as `{"all": [...]}`."""
        values = self.values
        for value in values.values():
            if value.__class__ is not str:
                break
        else:
            return [self.code, values]  # flat: the values as they are (never changed)
        out: dict[str, Any] = {}
        for key, value in values.items():
            kind = value.__class__
            if kind is str:
                out[key] = value
            elif kind is Said:
                out[key] = value.document()
            else:
                out[key] = {"all": [v if v.__class__ is str else v.document() for v in value]}
        return [self.code, out]

    @staticmethod
    def from_document(doc: Any) -> Said | None:
        """The reason a `document()` describes; None when it is not one this evalkit words
        (an unknown code, a value of the wrong shape: a hand-edited or newer file)."""
        if (
            not isinstance(doc, list)
            or len(doc) != 2
            or not isinstance(doc[0], str)
            or doc[0] not in CASE_REASONS["en"]
            or not isinstance(doc[1], Mapping)
        ):
            return None
        values: dict[str, Any] = {}
        for key, value in doc[1].items():
            read = _from_document(value)
            if read is None:
                return None
            values[str(key)] = read
        return Said(doc[0], values)


def _worded(value: Any, lang: str) -> Any:
    if value.__class__ is str:
        return value
    if value.__class__ is Said:
        return value.text(lang)
    return tuple(v if v.__class__ is str else v.text(lang) for v in value)


def _from_document(value: Any) -> Any:
    """A stored value back: a string, a nested reason (a list), a tuple ({"all": [...]})."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return Said.from_document(value)
    if isinstance(value, Mapping) and isinstance(value.get("all"), list) and len(value) == 1:
        items = tuple(_from_document(v) for v in value["all"])
        return None if any(v is None for v in items) else items
    return None


def case_reason_text(score: Mapping[str, Any], lang: str = "en") -> str:
    """A case's reason for one metric (`scores.<metric>` of a `cases.jsonl` row) in `lang`.

    The stored code is worded only where its English wording is the stored sentence (so a
    translation never says something the contract does not): a reason edited by hand, one
    written before the codes or by a scorer that stores none is shown as written."""
    reason = str(score.get("reason") or "")
    if lang == "en" or "reason_code" not in score:
        return reason
    said = Said.from_document(score.get("reason_code"))
    try:
        if said is None or said.text("en") != reason:
            return reason
        return said.text(lang)
    except (KeyError, ValueError, IndexError, TypeError):  # values that do not fit
        return reason


def unsettled_text(key: str, values: Mapping[str, str], lang: str = "en") -> str:
    """One open point (see `evalkit.verdict.unsettled`) in words."""
    table = UNSETTLED.get(lang, UNSETTLED["en"])
    template = table.get(key) or UNSETTLED["en"].get(key)
    return key if template is None else _fill(template, values)


def money(amount: float, currency: str) -> str:
    """An amount with its currency, to a precision that suits its size ("1,234 JPY",
    "25.30 USD", "0.00042 USD"); the same in every language."""
    if amount >= 100:
        return f"{amount:,.0f} {currency}"
    if amount >= 1:
        return f"{amount:,.2f} {currency}"
    return f"{amount:.2g} {currency}" if amount else f"0 {currency}"


def _count(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"


def cost_line(block: Mapping[str, Any], lang: str = "en") -> str:
    """One line on a PoC's monthly cost projection (`pocs.<poc>.cost_projection`), for the
    terminal output and the reports."""
    cur = str(block.get("currency") or "")
    budget = block.get("budget_per_month")
    status, ci, monthly = block.get("status"), block.get("ci"), block.get("monthly")
    if budget is None:
        budget_key = "budget_none"
    elif status == "pass":
        budget_key = "budget_pass"
    elif status == "miss":
        budget_key = "budget_over" if block.get("over_budget") else "budget_straddles"
    else:
        budget_key = "budget_unchecked"
    priced, unpriced = int(block.get("priced_cases") or 0), int(block.get("unpriced_cases") or 0)
    values = {
        "per_month": _count(float(block.get("per_month") or 0)),
        "cases": str(priced + unpriced),
        "priced": str(priced),
        "level": f"{float(block.get('confidence') or 0.95) * 100:g}%",
        "budget_text": say(
            budget_key, lang, budget=money(float(budget), cur) if budget is not None else ""
        ),
    }
    if monthly is None:
        return say("cost_line_unmeasured", lang, **values)
    values["monthly"] = money(float(monthly), cur)
    if not ci:
        return say("cost_line_single", lang, **values)
    values.update(
        lo=money(float(ci[0]), cur),
        hi=money(float(ci[1]), cur),
        per_answer=f"{float(block.get('per_answer') or 0):.3g} {cur}",
    )
    return say("cost_line", lang, **values)
