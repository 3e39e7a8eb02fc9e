"""What a hallucination check grounds on: which texts of a case are knowledge (they must
support the output) and which are question text (an answer may echo them).

See `is_knowledge_var` and `make_plan`; the hallucination scorer's docstring states the
rules for suite authors. Kept apart from the scorer so that each module stays small.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from evalkit.scorers._support import Knowledge, knowledge_index
from evalkit.values import ScoringInput

__all__ = ["KNOWLEDGE_VAR_CHARS", "Plan", "is_knowledge_var", "make_plan", "plain_words"]


def _text(value: Any) -> str:
    return (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """A case's texts, sorted: `knowledge` (indexed) and its joined text, the question
    text, the question vars one by one, and `grounding` (context and knowledge vars)."""

    grounded: bool  # a context or knowledge var: full text, not just short answers
    knowledge: tuple[Knowledge, ...]
    knowledge_text: str
    question_text: str
    questions: tuple[str, ...] = ()  # the question vars, one by one
    grounding: str = ""  # context and knowledge vars (not references, not the system prompt)


KNOWLEDGE_VAR_CHARS = 200
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")
_QUESTION_LABEL = re.compile(r"question|query|ask|質問|問い|設問|問題", re.I)


@lru_cache(maxsize=256)
def plain_words(prompt: str) -> str:
    """The prompt's fixed wording without its placeholders and without anything that
    could be a specific — numbers, acronyms, inner capitals ("USD", "iPhone", "2025"): an
    instruction's list of options ("USD, EUR, CAD") is no evidence that "USD" is right."""
    words = _PLACEHOLDER.sub(" ", prompt).split()
    return " ".join(
        w for w in words if not any(ch.isdigit() for ch in w) and w[1:] == w[1:].lower()
    )


def is_knowledge_var(
    name: str, text: str, templates: Sequence[str], knowledge_vars: Sequence[str] = ()
) -> bool:
    """Is a var grounding text (knowledge) or part of the question?

    `knowledge_vars`, when set, decides alone: the vars it names are knowledge, every
    other var is question text. Otherwise a var is knowledge when it reads like a document
    — at least `KNOWLEDGE_VAR_CHARS` characters — and the prompt does not present it as
    the question (its name, or the 40 characters of template before its placeholder, say
    "question", "query", 「質問」…). Short vars are question text.

    Why it matters: an answer may echo the question, so question text supports any word
    or number; a policy document treated as question text would make every number in it
    "echoed" and hide a fabricated one, while as knowledge its numbers must be bound to
    what the claim says.
    """
    if knowledge_vars:
        return name in knowledge_vars
    if len(text) < KNOWLEDGE_VAR_CHARS or _QUESTION_LABEL.search(name):
        return False
    for template in templates:
        at = template.find("{{" + name)
        while at >= 0:
            if _QUESTION_LABEL.search(template[max(0, at - 40) : at]):
                # The label must be this var's own: no other placeholder in between.
                label_end = template.rfind("}}", max(0, at - 40), at)
                before = template[max(0, at - 40, label_end + 2) : at]
                if _QUESTION_LABEL.search(before):
                    return False
            at = template.find("{{" + name, at + 1)
    return True


def make_plan(item: ScoringInput, knowledge_vars: Sequence[str] = ()) -> Plan:
    """Sort a case's texts into knowledge and question text (see `is_knowledge_var`)."""
    case = item.case
    templates = (item.suite.prompt.template, item.suite.prompt.system or "")
    texts = [case.context] if case.context else []
    question_parts: list[str] = []
    for vars_ in (case.vars, *case.variants):
        for name, value in vars_.items():
            text = value if isinstance(value, str) else _text(value)
            if (knowledge_vars or len(text) >= KNOWLEDGE_VAR_CHARS) and is_knowledge_var(
                name, text, templates, knowledge_vars
            ):
                if vars_ is case.vars:
                    texts.append(text)
            else:
                question_parts.append(text)
    grounded = bool(texts)
    grounding = "\n".join(texts)
    # The prompt's own wording (the template without its vars, a short system prompt)
    # is question text: an answer may echo it ("total", "due_date", "JSON").
    prompt_text = [plain_words(item.suite.prompt.template)]
    system = item.suite.prompt.system
    if system and grounded and len(system) >= KNOWLEDGE_VAR_CHARS:
        # Text the model was given for every case (rules, instructions) may be used in
        # an answer; it adds support but never makes a case grounded on its own (a
        # long persona prompt alone is no basis for checking every word).
        texts.append(system)
    elif system:
        prompt_text.append(plain_words(system))
    texts += [_text(r) for r in case.references]
    question = " \n".join(question_parts + prompt_text)
    return Plan(
        grounded=grounded,
        knowledge=tuple(knowledge_index(t) for t in texts),
        knowledge_text="\n".join(texts),
        question_text=question,
        questions=tuple(question_parts),
        grounding=grounding,
    )
