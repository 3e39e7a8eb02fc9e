"""Templates and the documented prompt hash."""

import hashlib

import pytest

from evalkit.common.render import (
    canonical_messages,
    placeholders,
    prompt_sha256,
    render,
    render_messages,
)
from evalkit.values import Message, Prompt


def test_prompt_sha256_follows_the_documented_definition():
    """The README's definition, written out by hand: compact JSON, sorted keys, text kept
    as it is (Japanese unescaped, quotes and newlines escaped)."""
    messages = (Message("system", "Be brief."), Message("user", '返金は？ "30日"\nok'))
    documented = (
        '[{"content":"Be brief.","role":"system"},'
        '{"content":"返金は？ \\"30日\\"\\nok","role":"user"}]'
    )
    assert canonical_messages(messages) == documented
    assert prompt_sha256(messages) == hashlib.sha256(documented.encode("utf-8")).hexdigest()


def test_render_substitutes_placeholders_and_never_evaluates_code():
    assert render("Q: {{ q }} / {{q}}", {"q": "x"}) == "Q: x / x"
    assert render("{{q}}", {"q": "{{__import__('os')}}"}) == "{{__import__('os')}}"
    assert render("{{n}}", {"n": 3}) == "3"


def test_missing_variable_raises_key_error():
    with pytest.raises(KeyError):
        render("{{missing}}", {})


def test_placeholders_are_listed_once_in_order():
    assert placeholders("{{b}} {{a}} {{ b }}") == ["b", "a"]


def test_system_message_comes_first_when_present():
    msgs = render_messages(Prompt("Q: {{q}}", system="Be brief about {{q}}."), {"q": "日本"})
    assert [m.role for m in msgs] == ["system", "user"]
    assert msgs[1].content == "Q: 日本"
