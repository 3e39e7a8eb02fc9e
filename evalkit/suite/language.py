"""A suite's language: its `language:` key, or else what its text is written in.

The terminal and the reports speak the suites' language by default (`evalkit._i18n`
`choose_language` has the whole precedence); a team that writes its prompt and cases in
Japanese reads its verdict in Japanese without a flag. Only Japanese is recognised from
text: English-looking text says nothing about who reads the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from evalkit._i18n import text_language
from evalkit.values import Suite

__all__ = ["suite_language", "SAMPLED_CASES"]

# Cases read for the guess: enough to outweigh one odd case, few enough that a suite with a
# million cases in `cases_from` is not read whole for it.
SAMPLED_CASES = 50


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def suite_language(suite: Suite, sampled: int = SAMPLED_CASES) -> str | None:
    """ "ja" / "en" from the key; else "ja" when the prompt, description and the first
    `sampled` cases (vars, references, context) are Japanese; else None."""
    if suite.language is not None:
        return suite.language
    texts = [suite.prompt.system or "", suite.prompt.template, suite.description]
    for case in islice(iter(suite.cases), sampled) if sampled else ():
        texts.extend(_strings(dict(case.vars)))
        texts.extend(_strings(list(case.references)))
        texts.append(case.context or "")
    return text_language(texts)
