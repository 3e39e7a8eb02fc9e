"""Accuracy: does each output match one of the case's reference answers?

Methods (`scorers: {accuracy: {method: ...}}`):

- `auto` (the default, `accuracy: {}`): the best general rule for free-form model answers:
  a JSON reference is compared as `json`; otherwise an output passes when its normalised
  form equals a reference, or — for a reference that states numbers ("30 days", "¥1,200")
  — the output states the same numbers and no other number in their place, or the
  normalised reference appears in the output as a whole phrase (a plain substring for
  Japanese, which has no word boundaries). A yes/no reference ("yes", 「はい」) passes an
  output that opens with a yes/no word of the same polarity, in either language ("Yes, it
  is mandatory.", 「はい、性別を問わず取得できます。」). A range is the same range however
  its connector is written (「10時〜15時」 = 「10時から15時（まで）」 = "10-15" = "10 to 15").
- `exact`: byte-equal after stripping surrounding whitespace.
- `normalized`: equal after `evalkit.common.text.normalize` (NFKC, case, punctuation, articles).
- `fuzzy`: rapidfuzz similarity of the normalised texts ≥ `threshold` (default 0.85).
- `contains`: the normalised reference appears in the normalised output.
- `regex`: each reference is a regular expression searched in the (NFKC) output.
- `numeric`: the reference's number appears in the output within `tolerance` (relative)
  or `abs_tolerance`; `match: any|first|last` picks which output number counts.
- `choice`: the output picks exactly one of `choices`, and it is the reference.
- `json`: the output's JSON (code fences and surrounding prose tolerated) validates against
  `schema` (optional) and matches the reference object field by field (`fields`: which
  keys; default all of the reference's); score = share of matching fields.
- `judge` (`judge: SPEC` or `{client: SPEC, options: {…}}`): a model grades each output
  against the references (and the case's context) as CORRECT, PARTIAL or INCORRECT, with
  its reasoning recorded (`_judge_prompts.GRADE_SYSTEM`, in Japanese for a Japanese case). For
  free-text answers, where string methods cannot see that other words say the same
  thing. Score 1 / 0.5 / 0; only CORRECT passes. An answer that declines is INCORRECT
  without a call. A failed or unreadable grade is a case error, never a pass.

Cases with `answerable: false` pass when the output declines (`evalkit.common.refusal.is_refusal`).
Cases with no reference that are answerable are not scored for accuracy (None).
With several samples, the case passes by `samples_rule` (default: a strict majority of
samples correct; see `evalkit.scorers.base`). Case score = mean of the sample scores.

Size (over 400 lines): one scorer whose methods (exact, normalized, contains, numeric,
JSON fields, a judge) share its reference handling, yes/no polarity and refusal rule; a
reader checks one decision in one place.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from evalkit._i18n import Said
from evalkit.common.refusal import is_refusal
from evalkit.common.text import is_cjk, json_or_text, nfkc, normalize, numbers, shorten
from evalkit.errors import ConfigProblem
from evalkit.scorers.base import Params, apply_samples_rule, check_samples_rule
from evalkit.values import ACCURACY, Reference, Score, ScorerConfig, ScoringInput, quick_init

__all__ = ["make", "AccuracyScorer", "JudgedAccuracyScorer", "METHODS"]

METHODS = (
    "auto",
    "exact",
    "normalized",
    "fuzzy",
    "contains",
    "regex",
    "numeric",
    "choice",
    "json",
    "judge",
)

_YES = {"yes", "y", "true", "correct", "はい", "そうです", "正しい"}
_NO = {"no", "n", "false", "incorrect", "いいえ", "違います", "正しくない"}


@quick_init
@dataclass(frozen=True, slots=True)
class Check:
    """One output against one reference: score in [0, 1], pass, and what was found (as
    codes: the case's reason quotes it, in English or Japanese)."""

    passed: bool
    score: float
    found: Said | str  # a plain string: text shown as written in every language (an output)


_general = "{:g}".format  # 1998.0 → "1998", 0.5 → "0.5"


@lru_cache(maxsize=4096)
def _phrase_pattern(norm_ref: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(norm_ref) + r"(?!\w)")


def _contains_phrase(norm_out: str, norm_ref: str) -> bool:
    if not norm_ref:
        return False
    if is_cjk(norm_ref):
        return norm_ref in norm_out
    return _phrase_pattern(norm_ref).search(norm_out) is not None


def _light(text: str) -> str:
    """NFKC, case-folded, punctuation to spaces; unlike `normalize`, keeps articles."""
    return " ".join(re.sub(r"[^\w\s]", " ", nfkc(text).casefold()).split())


def _similarity(a: str, b: str) -> float:
    return fuzz.ratio(normalize(a), normalize(b)) / 100.0


def _polarity(norm: str) -> bool | None:
    """Yes/no of a whole answer, or of its first word. A lone "y" / "n" is a yes/no only
    as the whole answer: as a first word it is a letter ("N/A" normalises to "n a")."""
    first = norm.split(" ", 1)[0] if norm else ""
    if len(first) == 1 and first != norm:
        first = ""
    if norm in _YES or first in _YES:
        return True
    if norm in _NO or first in _NO:
        return False
    return None


def _lead_polarity(out: str) -> bool | None:
    """The yes/no an answer opens with: its first word, where words end at a space *or
    punctuation*. Why not `normalize`'s first word: Japanese has no spaces, so after
    punctuation is removed 「はい、性別を問わず取得できます。」 is one run with no first word,
    while English "Yes, it is mandatory." opens with "yes"; 「はい、…」 must answer a
    reference 「はい」 the way "Yes, …" answers "yes"."""
    return _polarity(_light(out))


# Range connectors between two numbers (each with its unit, 「10時」, "10am"): 〜 ～ ~ - – —
# and the words から / to / through; a から range may close with まで (「10時から15時まで」).
# Symbols become spaces in `normalize` already, so the words and まで are what differ:
# rewritten as a space, 「10時〜15時」, 「10時から15時まで」 and 「10時-15時」 compare equal,
# as do "9 to 5" and "9-5". Where it came from: the work-rules demo's core time (「10時〜
# 15時です。」 failed the reference 「10時から15時」); the rule is about how ranges are written,
# in any language that writes them so.
_RANGE = re.compile(
    r"(\d(?:(?!から|まで)[^\W\d_]){0,4})\s*(?:[〜～~\-–—]|から|\bto\b|\bthrough\b)\s*"
    r"(\d+(?:[.,]\d+)*(?:(?!まで)[^\W\d_]){0,4})(?:まで)?"
)


def _ranges(text: str) -> str:
    """`text` (NFKC) with each range's connector written as a space (see `_RANGE`)."""
    return _RANGE.sub(r"\1 \2", text) if not text.isdigit() else text


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


class AccuracyScorer:
    """Scores accuracy by one method; see the module docstring."""

    metric = ACCURACY

    def __init__(self, method: str, params: Params) -> None:
        self.method = method
        self.rule = check_samples_rule(params.get("samples_rule", "majority"))
        self.threshold = params.number("threshold", 0.85, 0.0, 1.0)
        self.tolerance = params.number("tolerance", 0.0, 0.0, None)
        self.abs_tolerance = params.number("abs_tolerance", 0.0, 0.0, None)
        self.match = params.choice("match", "any", ("any", "first", "last"))
        self.ignore_case = params.boolean("ignore_case", method == "regex")
        choices = params.get("choices", None)
        if choices is not None and (
            not isinstance(choices, list) or not all(isinstance(c, str) for c in choices)
        ):
            raise ConfigProblem("choices", f"expected a list of strings, got {choices!r}")
        if method == "choice" and not choices:
            raise ConfigProblem(
                "choices", "the choice method needs a list of choices", "e.g. choices: [A, B, C, D]"
            )
        self.choices: tuple[str, ...] = tuple(choices or ())
        schema = params.get("schema", None)
        if schema is not None:
            if not isinstance(schema, Mapping):
                raise ConfigProblem("schema", f"expected a JSON Schema object, got {schema!r}")
            from jsonschema import Draft202012Validator
            from jsonschema.exceptions import SchemaError

            try:
                Draft202012Validator.check_schema(dict(schema))
            except SchemaError as exc:
                raise ConfigProblem("schema", f"not a valid JSON Schema: {exc.message}") from None
            self.validator: Any = Draft202012Validator(dict(schema))
        else:
            self.validator = None
        fields = params.get("fields", None)
        if fields is not None and (
            not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)
        ):
            raise ConfigProblem("fields", f"expected a list of field names, got {fields!r}")
        self.fields: tuple[str, ...] | None = tuple(fields) if fields else None
        self.judge_config = _judge_config(params.get("judge", None)) if method == "judge" else None
        params.done()
        self._methods: dict[str, Callable[[str, Reference], Check]] = {
            "auto": self._auto,
            "exact": self._exact,
            "normalized": self._normalized,
            "fuzzy": self._fuzzy,
            "contains": self._contains,
            "regex": self._regex,
            "numeric": self._numeric,
            "choice": self._choice,
            "json": self._json,
        }

    # -- per-output checks -------------------------------------------------------------

    def _exact(self, out: str, ref: Reference) -> Check:
        ok = out.strip() == json_or_text(ref).strip()
        return Check(ok, 1.0 if ok else _similarity(out, json_or_text(ref)), shorten(out))

    def _normalized(self, out: str, ref: Reference) -> Check:
        ok = normalize(out) == normalize(json_or_text(ref))
        return Check(
            ok, 1.0 if ok else _similarity(out, json_or_text(ref)), shorten(normalize(out))
        )

    def _fuzzy(self, out: str, ref: Reference) -> Check:
        sim = _similarity(out, json_or_text(ref))
        return Check(
            sim >= self.threshold,
            sim,
            Said(
                "acc.similarity",
                {"output": shorten(out), "sim": f"{sim:.2f}", "needs": f"{self.threshold:.2f}"},
            ),
        )

    def _contains(self, out: str, ref: Reference) -> Check:
        ok = _contains_phrase(normalize(out), normalize(json_or_text(ref)))
        return Check(ok, 1.0 if ok else 0.0, shorten(out))

    def _regex(self, out: str, ref: Reference) -> Check:
        try:
            pattern = re.compile(json_or_text(ref), re.IGNORECASE if self.ignore_case else 0)
        except re.error as exc:
            said = Said("acc.bad_regex", {"pattern": json_or_text(ref), "error": str(exc)})
            return Check(False, 0.0, said)
        ok = pattern.search(nfkc(out)) is not None
        return Check(ok, 1.0 if ok else 0.0, shorten(out))

    def _numeric(self, out: str, ref: Reference) -> Check:
        wanted = numbers(json_or_text(ref))
        if not wanted:
            return Check(False, 0.0, Said("acc.ref_no_number", {"ref": json_or_text(ref)}))
        got = numbers(out)
        if not got:
            return Check(False, 0.0, _no_number(out))
        match = self.match
        pool = got if match == "any" else got[:1] if match == "first" else got[-1:]
        target, rel, abs_ = wanted[0], self.tolerance, self.abs_tolerance
        ok = target in pool or any(math.isclose(g, target, rel_tol=rel, abs_tol=abs_) for g in pool)
        return Check(ok, 1.0 if ok else 0.0, _numbers_in(pool, out))

    def _choice(self, out: str, ref: Reference) -> Check:
        picked = self._picked_choices(out)
        if len(picked) != 1:
            said = (
                Said("acc.no_choice", {"output": shorten(out)})
                if not picked
                else Said("acc.choices", {"choices": tuple(picked), "output": shorten(out)})
            )
            return Check(False, 0.0, said)
        ok = normalize(picked[0]) == normalize(json_or_text(ref))
        return Check(ok, 1.0 if ok else 0.0, Said("acc.choice", {"choice": picked[0]}))

    def _picked_choices(self, out: str) -> list[str]:
        # Light normalisation: articles must survive, "A" is a choice label here.
        norm = _light(out)
        exact = [c for c in self.choices if _light(c) == norm]
        if exact:
            return exact
        # "Answer: B. Because…", "(B) Paris" — a leading choice label followed by prose.
        lead = re.match(r"^(?:final answer|answer|回答|答え)?\s*(\S+)(?:\s|$)", norm)
        if lead and (rest := norm[lead.end() :]) and not re.match(r"(?:or|and|または|か)\b", rest):
            first = [c for c in self.choices if _light(c) == lead.group(1)]
            if first:
                return first
        return [c for c in self.choices if _contains_phrase(norm, _light(c))]

    def _json(self, out: str, ref: Reference) -> Check:
        expected: Any = ref
        if isinstance(ref, str):
            try:
                expected = json.loads(ref)
            except ValueError:
                return Check(False, 0.0, Said("acc.ref_not_json", {"ref": shorten(ref)}))
        parsed, problem = _extract_json(out)
        if problem:
            return Check(False, 0.0, problem)
        if self.validator is not None:
            errors = sorted(self.validator.iter_errors(parsed), key=lambda e: list(e.path))
            if errors:
                first = errors[0]
                where = "/".join(str(p) for p in first.path)  # "": the root
                said = Said("acc.schema", {"where": where, "message": first.message})
                return Check(False, 0.0, said)
        if not isinstance(expected, Mapping):
            ok = _json_equal(parsed, expected, self)
            shown = shorten(json.dumps(parsed, ensure_ascii=False))
            return Check(ok, 1.0 if ok else 0.0, shown)
        if not isinstance(parsed, Mapping):
            said = Said("acc.not_object", {"type": type(parsed).__name__})
            return Check(False, 0.0, said)
        keys = self.fields or tuple(expected)
        wrong: list[Said] = []
        for key in keys:
            if key not in parsed:
                wrong.append(Said("acc.field_missing", {"key": key}))
            elif not _json_equal(parsed[key], expected.get(key), self):
                got = json.dumps(parsed[key], ensure_ascii=False)
                want = json.dumps(expected.get(key), ensure_ascii=False)
                wrong.append(Said("acc.field_wrong", {"key": key, "got": got, "want": want}))
        score = 1.0 - len(wrong) / len(keys) if keys else 1.0
        found = Said("acc.fields_match") if not wrong else Said("all", {"items": tuple(wrong)})
        return Check(not wrong, score, found)

    def _auto(self, out: str, ref: Reference) -> Check:
        if not isinstance(ref, str):
            return self._json(out, ref)
        norm_out, norm_ref = normalize(out), normalize(ref)
        if norm_out == norm_ref:
            return Check(True, 1.0, shorten(out))
        polarity = _polarity(norm_ref)
        if polarity is not None and norm_ref in (_YES | _NO):
            ok = _lead_polarity(out) is polarity
            return Check(ok, 1.0 if ok else 0.0, shorten(out))
        ref_r = _ranges(nfkc(ref))  # ranges compared by their ends (`_RANGE`)
        wanted = numbers(ref_r)
        if wanted:
            out_r = _ranges(nfkc(out))
            norm_out, norm_ref = normalize(out_r), normalize(ref_r)
            got = numbers(out_r)  # a range's "-" is no minus sign, 「10時-15時」 too
            missing = [w for w in wanted if not any(_close(g, w, 1e-9, 0.0) for g in got)]
            if missing:
                return Check(False, 0.0, _numbers_in(got, out) if got else _no_number(out))
            # The numbers agree; the words of a short reference ("30 days") must too,
            # unless the reference is only a number with a unit/currency sign.
            words = [w for w in re.split(r"[\d\s.,]+", norm_ref) if w]
            if not words or all(w in norm_out for w in words):
                return Check(True, 1.0, shorten(out))
        if _contains_phrase(norm_out, norm_ref):
            return Check(True, 1.0, shorten(out))
        return Check(False, _similarity(out, ref) * 0.5, shorten(out))

    # -- case level --------------------------------------------------------------------

    def _best(self, out: str, refs: Sequence[Reference]) -> Check:
        check = self._methods[self.method]
        best: Check | None = None
        for ref in refs:
            c = check(out, ref)
            if c.passed:
                return c
            if best is None or c.score > best.score:
                best = c
        assert best is not None
        return best

    def score(self, item: ScoringInput) -> Score | None:
        case = item.case
        outputs = item.outputs
        if not case.answerable:
            checks = [
                Check(is_refusal(o), 1.0 if is_refusal(o) else 0.0, shorten(o)) for o in outputs
            ]
        elif case.references:
            refs = case.references
            if len(refs) == 1:  # the usual case: no search for the best reference
                check = self._methods[self.method]
                checks = [check(o, refs[0]) for o in outputs]
            else:
                best = self._best
                checks = [best(o, refs) for o in outputs]
        else:
            return None
        return self._combine(item, checks)

    def _combine(
        self, item: ScoringInput, checks: list[Check], extra: Mapping[str, Any] | None = None
    ) -> Score | None:
        if not checks:
            return None
        passes = [c.passed for c in checks]
        passed = apply_samples_rule(passes, self.rule)
        mean = checks[0].score if len(checks) == 1 else sum(c.score for c in checks) / len(checks)
        said = self._reason(item, checks)
        return Score(
            passed,
            min(1.0, max(0.0, mean)),
            said.text(),
            {
                "method": self.method,
                "samples": [round(c.score, 6) for c in checks],
                "passed": passes,
                **(extra or {}),
            },
            said,
        )

    def _reason(self, item: ScoringInput, checks: list[Check]) -> Said:
        case = item.case
        # What was expected, in the reason's own values (no nested code: one fewer per case).
        expected: dict[str, Any]
        if not case.answerable:
            expected = {"refusal": "1"}
        else:
            refs = case.references
            expected = {"refs": tuple(shorten(json_or_text(r), 60) for r in refs[:3])}
            if len(refs) > 3:
                expected["more"] = str(len(refs) - 3)
        if len(checks) == 1:
            code = "acc.one_match" if checks[0].passed else "acc.one_miss"
            return Said(code, {"method": self.method, "found": checks[0].found, **expected})
        wrong = [
            Said("acc.wrong", {"label": item.labels[i], "found": c.found})
            for i, c in enumerate(checks)
            if not c.passed
        ][:3]
        return Said(
            "acc.samples",
            {
                "method": self.method,
                "ok": str(sum(c.passed for c in checks)),
                "n": str(len(checks)),
                **expected,
                "rule": str(self.rule),
                "wrong": tuple(wrong),
            },
        )


def _no_number(out: str) -> Said:
    return Said("acc.no_number", {"output": shorten(out)})


def _numbers_in(found: Sequence[float], out: str) -> Said:
    """The numbers an output states (`found`, none empty), and the output."""
    return Said(
        "acc.numbers_in", {"numbers": ", ".join(map(_general, found)), "output": shorten(out)}
    )


def _extract_json(out: str) -> tuple[Any, Said | None]:
    """Parse the JSON value in a model output: bare, in ``` fences, or inside prose."""
    text = out.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL | re.IGNORECASE)
    if fence:
        text = fence.group(1).strip()
    try:
        return json.loads(text), None
    except ValueError:
        pass
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(text[start:])
            return value, None
        except json.JSONDecodeError as exc:
            values = {"error": exc.msg, "at": str(exc.pos + start), "output": shorten(out)}
            return None, Said("acc.bad_json", values)
    return None, Said("acc.no_json", {"output": shorten(out)})


def _json_equal(got: Any, want: Any, scorer: AccuracyScorer) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, (int, float)):
        candidates = (
            numbers(got) if isinstance(got, str) else [got] if isinstance(got, (int, float)) else []
        )
        return any(
            _close(float(g), float(want), scorer.tolerance, scorer.abs_tolerance)
            for g in candidates
        )
    if isinstance(want, str):
        if isinstance(got, (int, float)):
            return numbers(want) == [float(got)]
        return isinstance(got, str) and normalize(got) == normalize(want)
    if isinstance(want, Mapping):
        return (
            isinstance(got, Mapping)
            and set(got) >= set(want)
            and all(_json_equal(got[k], v, scorer) for k, v in want.items())
        )
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(got) == len(want)
            and all(_json_equal(g, w, scorer) for g, w in zip(got, want, strict=True))
        )
    return bool(got == want)


def _judge_config(value: Any) -> Any:
    from evalkit.scorers._judge import JudgeConfig

    if value is None:
        raise ConfigProblem(
            "judge",
            "the judge method needs a judge: the model that grades the answers",
            'e.g. judge: "openai:gpt-4o-mini" (or {client: …, options: {…}}), or run with '
            "--judge SPEC",
        )
    if isinstance(value, Mapping) and "mode" in value:
        raise ConfigProblem(
            "judge.mode", "accuracy's judge has no mode (it grades every answer)", "remove mode"
        )
    return JudgeConfig.parse(value)


_GRADE_SCORE = {"correct": 1.0, "partial": 0.5, "incorrect": 0.0}


class JudgedAccuracyScorer(AccuracyScorer):
    """`method: judge`: a model grades each output against the references (the pipeline
    awaits `ascore`). Unanswerable cases keep the refusal rule, without a call."""

    def __init__(self, method: str, params: Params) -> None:
        from evalkit.scorers._judge import Judge

        super().__init__(method, params)
        assert self.judge_config is not None
        self.judge = Judge(self.judge_config)

    async def aclose(self) -> None:
        """Called by the pipeline when the run ends: close the judge's client."""
        await self.judge.aclose()

    def score(self, item: ScoringInput) -> Score | None:
        if not item.case.answerable or not item.case.references:
            return super().score(item)
        raise TypeError("accuracy method judge grades with a model: await ascore()")

    async def ascore(self, item: ScoringInput) -> Score | None:
        case = item.case
        if not case.answerable or not case.references:
            return super().score(item)
        import asyncio  # only with a judge: a replayed run never loads it

        from evalkit.scorers._grounding import make_plan

        question = "\n".join(make_plan(item, ()).questions)
        refs = [json_or_text(r) for r in case.references]
        context = case.context if isinstance(case.context, str) else ""
        asked = [i for i, o in enumerate(item.outputs) if not is_refusal(o)]
        replies = await asyncio.gather(
            *(self.judge.grade(item, i, question, refs, context) for i in asked)
        )
        by_index = dict(zip(asked, replies, strict=True))
        checks, grades = [], []
        for i, out in enumerate(item.outputs):
            label = item.labels[i] if i < len(item.labels) else f"sample {i}"
            reply = by_index.get(i, {"grade": "incorrect", "reasoning": "declines to answer"})
            grade = reply["grade"]
            checks.append(
                Check(
                    grade == "correct",
                    _GRADE_SCORE[grade],
                    Said("acc.grade", {"grade": grade, "output": shorten(out)}),
                )
            )
            grades.append({"label": label, **reply})
        return self._combine(item, checks, {"judge": grades})


def make(config: ScorerConfig) -> AccuracyScorer:
    """Build the accuracy scorer; `config.method` None selects `auto`."""
    from evalkit.common.registry import did_you_mean

    method = config.method or "auto"
    if method not in METHODS:
        raise ConfigProblem(
            "method",
            f"unknown accuracy method '{method}'{did_you_mean(method, list(METHODS))}",
            f"choose one of {', '.join(METHODS)}",
        )
    if method == "judge":
        return JudgedAccuracyScorer(method, Params(config.params))
    return AccuracyScorer(method, Params(config.params))
