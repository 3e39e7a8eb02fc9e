"""Refusal detection shared by every scorer: does an output, as a whole, decline to answer?
English and Japanese alike.

Why here: accuracy (`answerable: false`), consistency and hallucination must agree on what
declining is, or one metric would count "I don't know" as an answer while another does not.
A module of its own (it was part of `text`): it is one rule with its own tests
(`tests/common/test_refusal.py`). Stdlib only; pure functions.
"""

from __future__ import annotations

import re

from evalkit.common.text import is_cjk, nfkc

__all__ = ["is_refusal"]

_LATIN = re.compile(r"[A-Za-z]")

# -- refusal ------------------------------------------------------------------------------
# An output is a refusal when the answer *as a whole* declines: each of its segments
# (sentences, and the halves of a "…, but …" / 「…が、…」 contrast or of a hedge "…, it
# might be …") either declines or is courtesy (an apology, thanks, a pointer to someone who
# can help), and at least one declines. A clause that says something is missing, inside an
# answer that asserts other things, is content: "Add-ons are not included in the Free plan;
# add one for $45 per month" answers, it does not decline (issue 12: such answers passed
# as "declined", so an invented price was never checked).
#
# Declining phrases say that the *answerer* cannot answer or that the *source* does not
# say: "I don't know", "the policy doesn't mention it", "not stated in the documents",
# 「記載がありません」, 「お答えできません」. Words that just as often state a fact about the
# world are left out unless they point at the source: "not available" / "not included" /
# "not covered" ("Parking is not available") only with "in the text/context/documents…";
# 「不明」 only as the whole answer or after the source (「規程からは不明」) — 「行方不明」 and
# 「原因は不明です」 state facts; 「含まれていません」 only after the source (「資料には…」).
_SOURCE = (
    r"(?:text|context|documents?|passages?|information|sources?|materials?|data|excerpts?"
    r"|articles?|reference\s+text)"
)
_SOURCE_OR_RULES = r"(?:" + _SOURCE[3:-1] + r"|polic(?:y|ies)|handbook|rules|guidelines|faq)"
_IN_SOURCE = r"in\s+(?:the|this|these|our|your|my|any\s+of\s+the)?\s*(?:\w+\s+){0,2}?"
_DECLINE_EN_PHRASES = (
    # One \b for the whole alternation: a \b before each alternative costs a full
    # scan each (measured 6x slower on RAGTruth's 1,000-character answers).
    r"\b(?:i\s+(?:do\s+not|don't|dont|cannot|can't|can\s*not|could\s+not|couldn't|am\s+unable\s+to"
    r"|am\s+not\s+able\s+to|was\s+unable\s+to|wasn't\s+able\s+to)"
    r"\s+(?:know|say|tell|answer|help|provide|share|disclose|find|confirm|determine|access|see"
    r"|give|locate|verify)\b"
    r"|i\s+(?:do\s+not|don't|dont)\s+have\s+(?:that|this|the|any|enough|such)?\s*"
    r"(?:information|data|details|access|knowledge)\b"
    r"|i(?:'m|\s+am)\s+(?:not\s+sure|unsure|unable|not\s+able\s+to|afraid\s+i\s+(?:can't|cannot|don't))"
    r"|not\s+enough\s+information\b|there(?:\s+is|'s)\s+no\s+information\b"
    r"|(?:i|we)\s+have\s+no\s+information\b"
    r"|no\s+information\s+(?:about|on|regarding|in|is\s+(?:given|provided|available))\b"
    r"|there(?:\s+is|'s|\s+are)\s+no\s+(?:mention|record|data|details?)\b"
    r"|(?:is|are|was|were)(?:\s+not|n't)\s+(?:explicitly\s+|specifically\s+|clearly\s+)?"
    r"(?:mentioned|stated|specified)\b"
    r"|(?:is|are|was|were)(?:\s+not|n't)\s+(?:explicitly\s+|specifically\s+|clearly\s+)?"
    r"(?:provided|given|listed|found|described|discussed|detailed|addressed)\s+"
    + _IN_SOURCE
    + _SOURCE_OR_RULES
    + r"\b"
    r"|(?:is|are|was|were)(?:\s+not|n't)\s+(?:available|included|covered)\s+"
    + _IN_SOURCE
    + _SOURCE
    + r"\b"
    r"|" + _SOURCE_OR_RULES + r"\s+(?:does|do)(?:\s+not|n't)\s+(?:say|mention|specify|state"
    r"|address|discuss|describe|list|give|tell)\b"
    r"|" + _SOURCE + r"\s+(?:does|do)(?:\s+not|n't)\s+(?:contain|include|provide|cover)\b"
    r"|(?:it|they)\s+(?:does|do)(?:\s+not|n't)\s+(?:say|mention|specify|state)\b"
    r"|unable\s+to\s+(?:answer|determine|provide|find|confirm|say|tell|locate|verify)\b"
    r"|can(?:\s*not|'t)\s+(?:be\s+)?(?:answer(?:ed)?|determined?|confirmed)\b"
    r"|can(?:\s*not|'t)\s+(?:provide|share|disclose|give)\s+(?:you\s+)?"
    r"(?:that|this|the|any|such|more|further|specific|exact|an|a)?\s*(?:information|details?|data|answer)\b"
    r"|unclear\s+from\s+the\s+(?:\w+\s+)?" + _SOURCE_OR_RULES + r"\b"
)
# Both matched against lower-cased text: re.IGNORECASE would triple their cost.
_DECLINE_EN = re.compile(_DECLINE_EN_PHRASES + ")")
# The phrases and the cue words of `_SHORT_EN` (which must fill a whole segment): one
# search of the whole text that every declining segment's text matches (`_may_decline`).
_DECLINE_EN_CUES = re.compile(
    _DECLINE_EN_PHRASES
    + r"|unknown|not\s+known|n/a|not\s+(?:mentioned|stated|specified|provided|given|found)"
    r"|no\s+(?:information|data|answer|idea|comment))"
)
# A whole segment that is only a short decline: "Unknown", "N/A", "Not mentioned.".
_SHORT_EN = re.compile(
    r"\W*(?:unknown|not\s+known|n/a|not\s+(?:mentioned|stated|specified|provided|given|found)"
    r"|(?:i\s+have\s+)?no\s+(?:information|data|answer|idea|comment))\W*"
)
_SOURCE_JA = (
    r"(?:資料|文書|規程|規則|本文|記載|情報|抜粋|就業規則|テキスト|参照テキスト|文脈|コンテキスト"
    r"|ハンドブック|マニュアル|ポリシー|提供された(?:情報|資料|文書|文章))"
)
_DECLINE_JA = re.compile(
    r"わかりません|分かりません|判りません|わからない|分からない|存じません"
    r"|お答えできません|回答できません|お答えすることはできません|答えられません|お伝えできません"
    r"|記載(?:が|は)?(?:ありません|ない|されていません|されていない|見当たりません|ございません)"
    r"|情報(?:が|は)?(?:ありません|ない|見当たりません)"
    r"|確認できません|特定できません|判断できません|言及(?:が|は)?(?:ありません|されていません|ない)"
    r"|開示できません|(?:情報|詳細|内容|データ|回答|お答え)(?:を|は)?(?:ご)?提供(?:することは)?できません"
    r"|(?:分|わ|判)かりかね|(?:お答え|回答|返答|お伝え)(?:いた)?しかね"
    r"|(?:情報|記載|データ|資料)(?:は|が)?ございません"
)
# Led by the source (「資料には含まれていません」, 「規程からは不明です」): searched only in a
# segment that has the tail, since a search led by this many words costs twice the rest.
_SOURCE_LED_JA = re.compile(
    _SOURCE_JA
    + r"(?:(?:の中)?に(?:は)?含まれていません|(?:から|では|上|によると|の内容から)(?:は)?不明"
    r"|(?:の中)?(?:に|で)(?:は)?(?:書かれて|記されて|載って|明記されて|定められて)(?:い)?(?:ません|ない))"
)
# The tails `_SOURCE_LED_JA` needs: a segment without one is not searched with it.
_SOURCE_LED_TAILS = (
    "不明",
    "含まれていません",
    "れていません",
    "れていない",
    "載っていません",
    "載っていない",
)
_SHORT_JA = re.compile(r"\W*(?:不明|不明です)\W*")
# Segments: sentences (a full stop only before a space or the end, so "$4.99" stays
# whole), semicolons, the halves of a contrast and the guess after a hedge ("I'm not sure,
# but it might be 30 days" answers). Commas and dashes stay inside: what they attach to a
# decline explains it ("I can't share that — it isn't covered in our policy", the
# support-bot demo's recording). Every split point consumes a non-word character, so a
# phrase found in a segment is found in the whole text (`_may_decline`).
_SEGMENTS = re.compile(
    r"[.!?](?=\s|$)|[;\n。！？；]"
    r"|,?\s+(?:but|however|although|though|yet)\b"
    r"|,?\s+(?=(?:it\s+(?:might|may|could)\s+be|probably|likely|possibly|perhaps"
    r"|i\s+(?:think|believe|guess|assume|suspect))\b)"
    r"|(?<=が)、|(?<=けど)、|(?<=けれど)も?、|(?<=ものの)、|、(?:ただし|しかし|なお)、?"
    r"|、(?=おそらく|恐らく|たぶん|多分)",
    re.I,
)
# Courtesy: apologies and thanks on their own, and pointers to someone who can help,
# after an optional lead-in ("For questions like this, please reach out to …"). A
# segment with a digit is never courtesy: it may carry an invented number.
_POINTER_VERB = (
    r"(?:contact|reach|ask|check|consult|refer|e-?mail|call|get\s+in\s+touch|speak|talk|write)"
)
_COURTESY_EN = re.compile(
    r"\W*(?:(?:if|for|otherwise|alternatively|in\s+the\s+meantime|meanwhile|in\s+that\s+case)\b[^,]{0,80},\s*)?"
    r"(?:(?:(?:i'm|i\s+am|we're|we\s+are)\s+)?(?:very\s+|so\s+|really\s+|truly\s+)?(?:sorry|apologies)"
    r"(?:\s+(?:about|for)\s+(?:that|this|the|any)(?:\s+inconvenience)?)?"
    r"|my\s+apologies|i\s+apologi[sz]e|unfortunately|regrettably|sadly|thanks?(?:\s+you)?(?:\s+for\s+.*)?"
    r"|(?:please|kindly)\s+(?:feel\s+free\s+to\s+)?(?:"
    + _POINTER_VERB[3:-1]
    + r"|visit|let|send|direct)\b.*"
    r"|(?:you|they)\s+(?:may|might|could|can|should|would|will)\b.*?\b" + _POINTER_VERB + r"\b.*"
    r"|(?:i|we)\s+(?:would\s+)?(?:recommend|suggest|advise|encourage)\w*\s+(?:that\s+you\s+)?"
    + _POINTER_VERB
    + r".*"
    r"|.{0,80}?\b(?:team|support|department|desk|office|representatives?|staff|manager|hr|service)\b"
    r".{0,60}?\b(?:can|will|may|should|would|might)(?:\s+be\s+able\s+to)?\s+(?:help|assist|answer|advise|tell|confirm)\b.*"
    r"|hope\s+(?:this|that)\s+helps|feel\s+free\b.*|let\s+(?:me|us)\s+know\b.*|is\s+there\s+anything\s+else\b.*"
    r"|(?:i|we)(?:'d|\s+would)\s+be\s+(?:happy|glad)\s+to\s+help\b.*"
    # What the given passages are about, said to explain a decline (RAGTruth's QA style:
    # "The passages primarily focus on how to peel eggs"): about the source, not an answer.
    r"|(?:the\s+)?(?:provided\s+|given\s+)?(?:passages?|documents?|context|text|sources?|excerpts?)"
    r"(?:\s+provided|\s+given)?\s+(?:only\s+|primarily\s+|mainly\s+|mostly\s+|just\s+)?"
    r"(?:focus|discuss|cover|describe|talk|deal|relate|refer|concern)\w*\b.*"
    r")\W*"
)
_COURTESY_JA = re.compile(
    r"\W*(?:申し訳(?:ありません|ございません|ない(?:です)?|なく存じます)(?:が|けど|けれども)?"
    r"|恐れ入ります(?:が)?|恐縮です(?:が)?|残念ながら|あいにく(?:ですが)?|失礼いたしました"
    r"|(?:ご質問)?(?:いただき)?ありがとうございます|よろしくお願い(?:いた)?します"
    r"|.*(?:問い合わせ|確認|相談|連絡|お尋ね|お聞き)(?:を)?(?:して)?"
    r"(?:ください|下さい|願います|お願い(?:いた)?します|いただけますか|いただけますでしょうか"
    r"|いただければ(?:と思います|幸いです)|することをお(?:勧|薦|すす)めします|をお(?:勧|すす)めします)"
    r"|.*(?:が|で)(?:ご?対応|ご?回答|ご?案内)(?:いた)?(?:します|できます|可能です))\W*"
)
_DIGIT = re.compile(r"\d")


def _may_decline(t: str, lowered: str) -> bool:
    """Pre-check: can any segment of `t` decline? It pays on the scale load's outputs
    (`tests/benchmarks/scale.py`): `is_refusal` takes 0.4 / 0.7 µs an output with it and
    8.4 / 17.4 µs without (quote / paraphrase shape), ~7% of a quoting case's CPU. Every
    declining segment contains a
    match of `_DECLINE_EN_CUES` (which covers `_SHORT_EN`) or `_DECLINE_JA`, or one of
    `_SOURCE_LED_TAILS` (「不明」, 「含まれていません」, 「書かれていません」…: `_SHORT_JA`,
    `_SOURCE_LED_JA`), so a text without one is no refusal. Most answers are turned away by a
    few substring tests (every English declining phrase has "no"/"n't"/"dont"/"unabl"/
    "unclear"/"n/a": no/not/cannot/unknown all contain "no") instead of a search."""
    if _LATIN.search(t) and (
        "no" in lowered
        or "n't" in lowered
        or "dont" in lowered
        or "unabl" in lowered
        or "unclear" in lowered
        or "n/a" in lowered
    ):
        if _DECLINE_EN_CUES.search(lowered) is not None:
            return True
    if t.isascii():
        return False
    return is_cjk(t) and (
        any(tail in t for tail in _SOURCE_LED_TAILS) or _DECLINE_JA.search(t) is not None
    )


def _declines(segment: str) -> bool:
    lowered = segment.lower()
    if _SHORT_EN.fullmatch(lowered) or _DECLINE_EN.search(lowered):
        return True
    return not segment.isascii() and (
        _SHORT_JA.fullmatch(segment) is not None
        or _DECLINE_JA.search(segment) is not None
        or (
            any(tail in segment for tail in _SOURCE_LED_TAILS)
            and _SOURCE_LED_JA.search(segment) is not None
        )
    )


def _courtesy(segment: str) -> bool:
    if _DIGIT.search(segment):
        return False
    if segment.isascii():
        return _COURTESY_EN.fullmatch(segment.lower()) is not None
    return (
        _COURTESY_JA.fullmatch(segment) is not None
        or _COURTESY_EN.fullmatch(segment.lower()) is not None
    )


def _declines_as_whole(t: str) -> bool:
    """The rule `is_refusal` states, segment by segment, without the pre-check."""
    declined = False
    for segment in _SEGMENTS.split(t):
        segment = segment.strip()
        if not segment or not any(ch.isalnum() for ch in segment):
            continue
        if _declines(segment):
            declined = True
        elif not _courtesy(segment):
            return False  # content: the answer asserts something
    return declined


def is_refusal(text: str) -> bool:
    """True when the output as a whole declines to answer: every sentence (and each half
    of a "…, but …" contrast) either declines — "I don't know", "the policy doesn't say",
    「記載がありません」, 「お答えできません」, or a whole answer of "Unknown" / 「不明」 — or is
    courtesy — an apology, thanks, a pointer to someone who can help ("Please contact
    support.", 「人事部にお問い合わせください」) — and at least one declines.

    Deliberately lexical and conservative: an answer that says something is missing but
    asserts anything else ("not included in the Free plan; add it for $45 per month"), or
    hedges and then guesses ("I'm not sure, but it is probably 30 days"), is not a
    refusal; nor are facts that use the same words ("Parking is not available",
    「原因は不明です」, 「行方不明」). See the comments above `_SOURCE` for why each phrase is
    or is not counted."""
    t = _prepared(text)
    return _may_decline(t, t.lower()) and _declines_as_whole(t)


def _prepared(text: str) -> str:
    """NFKC (which leaves ASCII as it is), and a typographic apostrophe read as one: "I
    don’t know" is "I don't know"."""
    return text if text.isascii() else nfkc(text).replace("’", "'")
