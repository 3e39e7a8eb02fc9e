"""What a hallucination check grounds on: which texts of a case are knowledge (they must
support the output) and which are question text (an answer may echo them).

See `is_knowledge_var` and `make_plan`; the hallucination scorer's docstring states the
rules for suite authors. Kept apart from the scorer so that each module stays small.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from evalkit.common.text import json_or_text
from evalkit.scorers._support import Knowledge, knowledge_index
from evalkit.values import ScoringInput, quick_init

__all__ = [
    "KNOWLEDGE_VAR_CHARS",
    "Plan",
    "is_knowledge_var",
    "make_plan",
    "plain_words",
    "without_options",
]


@quick_init  # one per scored case: the cheaper __init__ of the per-case values
@dataclass(frozen=True, slots=True)
class Plan:
    """A case's texts, sorted: the knowledge `texts` (indexed on demand as `knowledge`)
    and their joined text, the question text, the question vars one by one, and
    `grounding` (context and knowledge vars: the first `grounding_texts` of `texts`).

    Why the index and the joined texts are not built here: an output that quotes its
    knowledge is proven supported without them (`_verbatim`), and with a fresh context
    per case building the index is most of the scorer's cost. `knowledge_index` caches
    it per text, so every claim and output of a case shares one index."""

    grounded: bool  # a context or knowledge var: full text, not just short answers
    texts: tuple[str, ...]
    questions: tuple[str, ...] = ()  # the question vars, one by one
    prompt_words: tuple[str, ...] = ()  # the prompt's own wording (`plain_words`)
    grounding_texts: int = 0

    @property
    def knowledge(self) -> tuple[Knowledge, ...]:
        """The knowledge texts indexed (built on first use, then cached per text)."""
        return tuple(map(knowledge_index, self.texts))

    @property
    def knowledge_text(self) -> str:
        return "\n".join(self.texts)

    @property
    def question_text(self) -> str:
        """The question vars and the prompt's wording: text an answer may echo. The
        options of an either/or question are left out (`without_options`)."""
        return " \n".join(tuple(map(without_options, self.questions)) + self.prompt_words)

    @property
    def grounding(self) -> str:
        """Context and knowledge vars (not references, not the system prompt)."""
        return "\n".join(self.texts[: self.grounding_texts])


KNOWLEDGE_VAR_CHARS = 200
# "X or Y": X is the run of capitalised words (and name-internal "of", "the", …) or the
# one word before "or"; Y runs to the end of the clause.
_EITHER_OR = re.compile(
    r"(?:(?:[A-Z][\w'’.-]*|of|the|de|for|&)\s+)*?(?:[A-Z][\w'’.-]*|\w[\w'’-]*)\s+or\s+[^,;:?!]*"
)


@lru_cache(maxsize=1024)
def without_options(question: str) -> str:
    """The question without the options it offers ("Was he a democrat or a republican?"
    → "Was he a ?").

    Why: an answer may echo a question's wording without the knowledge backing it, but
    naming one of the options *is* the answer — a choice the knowledge has to support.
    Left in, "a republican" would be echoed support for "He was appointed by a
    Republican" although the knowledge says "A Democrat"."""
    if " or " not in question:
        return question
    return _EITHER_OR.sub(_drop_options, question)


def _drop_options(m: re.Match[str]) -> str:
    # "… or not?" asks yes or no: its "X" is the question's content, not an option.
    right = m.group().rsplit(" or ", 1)[-1].strip().lower()
    return m.group() if right in ("not", "no", "none", "never") else " "


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
                start = max(0, at - 40) if label_end < 0 else label_end + 2
                before = template[start:at]
                if _QUESTION_LABEL.search(before):
                    return False
            at = template.find("{{" + name, at + 1)
    return True


def make_plan(item: ScoringInput, knowledge_vars: Sequence[str] = ()) -> Plan:
    """Sort a case's texts into knowledge and question text (see `is_knowledge_var`)."""
    case, prompt = item.case, item.suite.prompt
    system = prompt.system
    templates = (prompt.template, system or "")
    texts = [case.context] if case.context else []
    question_parts: list[str] = []
    for vars_ in (case.vars, *case.variants) if case.variants else (case.vars,):
        for name, value in vars_.items():
            text = json_or_text(value)
            if (knowledge_vars or len(text) >= KNOWLEDGE_VAR_CHARS) and is_knowledge_var(
                name, text, templates, knowledge_vars
            ):
                if vars_ is case.vars:
                    texts.append(text)
            else:
                question_parts.append(text)
    grounded = bool(texts)
    grounding_texts = len(texts)
    # The prompt's own wording (the template without its vars, a short system prompt)
    # is question text: an answer may echo it ("total", "due_date", "JSON").
    if system and grounded and len(system) >= KNOWLEDGE_VAR_CHARS:
        # Text the model was given for every case (rules, instructions) may be used in
        # an answer; it adds support but never makes a case grounded on its own (a
        # long persona prompt alone is no basis for checking every word).
        texts.append(system)
        prompt_words: tuple[str, ...] = (plain_words(prompt.template),)
    elif system:
        prompt_words = (plain_words(prompt.template), plain_words(system))
    else:
        prompt_words = (plain_words(prompt.template),)
    for r in case.references:
        texts.append(json_or_text(r))
    # Positional: a frozen dataclass's keyword call costs more, once per case.
    return Plan(grounded, tuple(texts), tuple(question_parts), prompt_words, grounding_texts)
