"""Word lists and cues the lexical scorers share: English function words, and negation in
English and Japanese. General language knowledge, not lists taken from any data set.

Kept apart from `_support` so that the lists can be read (and extended) in one place.
"""

from __future__ import annotations

import re

from evalkit.common.text import nfkc

__all__ = [
    "STOPWORDS",
    "UNCHECKABLE",
    "GENERIC_JA",
    "COURTESY_JA",
    "PRESENTATIONAL",
    "NEGATIONS",
    "NEG_EN",
    "NEG_JA",
    "LIMITED_EN",
    "HAS_CJK",
    "claim_negated",
    "OPPOSITES_EN",
    "OPPOSITES_JA",
]

# English function words and discourse markers: they carry no checkable content. A general
# list (pronouns, auxiliaries, prepositions, conjunctions, quantifiers, hedges), not a
# list taken from any data set.
STOPWORDS = frozenset(
    """
    a an the and or but nor so yet if then than that this these those there here
    i me my mine we us our ours you your yours he him his she her hers it its they them their
    theirs one ones who whom whose which what when where why how whoever whatever
    is am are was were be been being have has had having do does did doing done
    will would shall should can could may might must ought
    to of in on at by for with from into onto upon about above below over under between
    among through during before after since until till within without against toward
    towards across along around behind beyond near off out up down via per as like unlike
    also actually indeed really just only even still already very quite rather too
    both either neither each every all any some such same other another more most much
    many few less least own again further once twice
    yes no not never none nothing n't s t d ll re ve m o st nd rd th
    isn aren wasn weren don doesn didn won wouldn couldn shouldn hasn haven hadn can cannot
    well however therefore thus hence although though while whereas because
    answer question correct true indeed probably perhaps maybe likely certainly
    known called named
    go goes went gone going get gets got getting make makes made take takes took taken
    give gives gave given put puts keep keeps kept back usually often always sometimes
    generally typically normally currently simply please thing things way ways
    """.split()
)

# Words that are not claims a grader could check against a document, in two general
# classes (language knowledge, not taken from any data set or suite):
# - courtesy and discourse: apologies, thanks, greetings, empathy, hedges and stance
#   adverbs ("sorry", "unfortunately", "please", "good news", "don't worry");
# - light verbs and generic predicates: verbs whose meaning comes from their object
#   ("take 3 days", "use the order page", "it costs $12"), the generic adverbs of
#   time and manner an assistant adds ("later", "soon", "whenever"), and "policy" when
#   an answer cites its source ("our policy only accepts …").
# They are skipped only when written in lower case: a capitalised "Good" or "Help" may be
# part of a name, which stays checkable.
UNCHECKABLE = frozenset(
    """
    sorry apologies apologize apologise apology unfortunately fortunately luckily sadly
    please thank thanks welcome glad happy hope hoping wish congratulations congrats
    hi hello dear hey okay ok great good news worry worries afraid bother trouble
    sure certainly absolutely definitely course anyway anything something everything
    anyone someone everyone whenever wherever whatever however
    use uses used using try tries tried trying help helps helped helping want wants
    wanted need needs needed needing see sees saw seen seeing look looks looked looking
    let lets seem seems seemed appear appears appeared happen happens happened
    allow allows allowed mean means meant note notes noted check checks checked
    choose chooses chose chosen select selects selected visit visits visited enter
    enters entered head heads headed find finds know knows knew think
    say says said tell tells told ask asks asked feel feels felt hear heard
    cost costs costing pay pays paid paying apply applies applied applying
    count counts counted receive receives received send sends sent sending
    expect expects expected expecting able possible normal usual usually later soon
    today tomorrow tonight now time times policy policies
    """.split()
)

# High-frequency general verbs, adjectives, adverbs and nouns of everyday English whose
# meaning depends on what they attach to ("add an item", "a new one", "in your case",
# "available under Orders"): a paraphrase swaps them freely, so a missing one is not a
# fabricated fact. Verbs with an opposite (open/close, start/stop, begin/end) are not
# here: "opens at 6" for "closes at 6" is a wrong answer, not a paraphrase. Ordinals,
# comparatives and relation verbs that state facts ("first", "older", "directed",
# "founded", "worked") are deliberately not here either. Verbs are listed by their base
# form; `_inflect` adds -s, -ed and -ing forms.
_GENERAL_VERBS = """
    add arrive become bring call carry change complete contact continue
    depend drop follow handle include involve move offer provide
    reach remain request require set show sort stay turn update wait base
    accept happen manage reply respond
"""
_GENERAL_OTHER = """
    new small large big long short next whole possible likely available simple easy
    quick early late main certain additional extra different similar separate
    separately directly quickly easily exactly approximately almost instead together
    unless once anyway otherwise case way thing part place kind type option issue
    matter point side lot bit
    answer answers question questions response responses
"""


def _inflect(base: str) -> list[str]:
    stem_e = base[:-1] if base.endswith("e") else base
    ies = base[:-1] + "ies" if base.endswith("y") and base[-2] not in "aeiou" else None
    forms = [base, base + ("es" if base.endswith(("s", "sh", "ch", "x")) else "s")]
    forms += [stem_e + "ed", stem_e + "ing"]
    if ies:
        forms += [ies, base[:-1] + "ied"]
    return forms


UNCHECKABLE = UNCHECKABLE | frozenset(
    [f for v in _GENERAL_VERBS.split() for f in _inflect(v)] + _GENERAL_OTHER.split()
)

# Sentences that present the answer rather than state anything ("Here is the extracted
# data:", "The following is the result", 「以下が抽出結果です」).
PRESENTATIONAL = re.compile(
    r"^\W*(?:here(?:'s| is| are)|below (?:is|are)|the following (?:is|are))\b[^.!?]*[:.]?\s*$"
    r"|^\W*以下(?:が|は|の通り|のとおり)[^。]*(?:です|になります|となります)?[:：。]?\s*$",
    re.I,
)

# Japanese courtesy formulas (apology, condolence, congratulation, thanks, requests) and
# stance adverbs: removed from a claim before its content is checked.
COURTESY_JA = re.compile(
    r"申し訳(?:ございません|ありません|ない)(?:が|けれど|けど)?|恐れ入り(?:ますが|ます)"
    r"|ご愁傷様(?:でございます|です)?|お悔やみ申し上げます|おめでとうございます"
    r"|ありがとうございます|お手数(?:をおかけしますが|ですが)|残念ながら|あいにく"
    r"|ご(?:注意|安心|確認|了承|留意)(?:ください|下さい)|よろしくお願い(?:いたします|します)"
    r"|お大事に(?:してください)?|お気軽に"
)

# Japanese formal nouns and generic predicates (形式名詞, modality, light サ変 nouns): like
# English light verbs they carry no checkable fact of their own (「…の場合」, 「…可能です」,
# 「…必要です」, 「…した時点で」, 「…の観点から」, 「…に限り」, 「行う」), and the names of the
# document itself (「就業規則では」, 「規程上」: "according to the rules"). Removed from kanji
# runs before checking them; the one-character ones only when they are a whole run.
GENERIC_JA = (
    "場合",
    "可能",
    "必要",
    "時点",
    "経過",
    "利用",
    "取得",
    "終了",
    "開始",
    "確認",
    "対応",
    "予定",
    "観点",
    "質問",  # the answer's frame: 「質問の答えはネコです」 states only ネコ
    "答え",
    "回答",
    "就業規則",
    "規程",
    "規則",
    "規定",
    "規約",
    "方",
    "限",
    "行",
    "際",
    "等",
    "様",
)

# Opposites: a word given where the knowledge states its opposite is a contradiction, not a
# paraphrase ("opens" for "closes", 「終了日」 for 「開始日」, "employer" for "employee").
# General antonym and converse pairs of everyday, business and policy language (English
# lemmas; Japanese written forms, matched inside compounds), not pairs taken from any data
# set. Read by `_evidence.opposite`.
_OPPOSITE_PAIRS_EN = """
open/close start/end start/finish begin/end start/stop increase/decrease rise/fall
raise/lower high/low maximum/minimum max/min early/late first/last include/exclude
allow/forbid allow/prohibit permit/prohibit accept/reject approve/reject enable/disable
add/remove buy/sell import/export win/lose gain/loss profit/loss pass/fail true/false
north/south east/west northern/southern eastern/western upper/lower inside/outside
internal/external input/output arrive/depart arrival/departure entry/exit
employer/employee buyer/seller lender/borrower landlord/tenant sender/recipient
credit/debit paid/unpaid mandatory/optional required/optional public/private male/female
positive/negative full/empty hot/cold wet/dry young/old younger/older more/less
most/least above/below before/after morning/evening weekday/weekend refundable/nonrefundable
"""
OPPOSITES_EN: dict[str, frozenset[str]] = {}
for _pair in _OPPOSITE_PAIRS_EN.split():
    _a, _b = _pair.split("/")
    OPPOSITES_EN[_a] = OPPOSITES_EN.get(_a, frozenset()) | {_b}
    OPPOSITES_EN[_b] = OPPOSITES_EN.get(_b, frozenset()) | {_a}
OPPOSITES_JA: tuple[tuple[str, str], ...] = tuple(
    (a, b)
    for pair in """
    開始/終了 始まる/終わる 開く/閉じる 開店/閉店 開館/閉館 入社/退社 入会/退会 加入/脱退
    増加/減少 上昇/低下 上昇/下降 増える/減る 最大/最小 最高/最低 以上/以下 以前/以後 以内/以降
    有料/無料 可能/不可能 許可/禁止 必須/任意 上限/下限 輸入/輸出 北部/南部 東部/西部
    男性/女性 賛成/反対 成功/失敗 合格/不合格 勝利/敗北 黒字/赤字 出発/到着 入口/出口
    入国/出国 売却/購入 長い/短い 高い/低い 多い/少ない 早い/遅い 暑い/寒い 平日/休日
    雇用主/従業員 貸し手/借り手 支給/不支給 対象/対象外 前払い/後払い
    """.split()
    for a, b in [pair.split("/"), pair.split("/")[::-1]]
)

NEGATIONS = frozenset("not no never none nothing neither nor cannot without n't".split())

# "No." before a number or identifier ("Invoice no.: MLP-55120", "No. 5") abbreviates
# "number" and is not a negation.
# Written with a literal first in every branch, so that the regex engine skips positions
# that cannot start a match (a "\bnot" form tries every alternative at every character,
# several times slower): `\b` before a word becomes `(?<!\w.)` after its first letter.
# The matches are those of the plain form
#   \b(?:not|no(?!…)|never|none|nothing|neither|nor|cannot|without)\b|n['’]t\b|n t\b
# (a property test compares the two). "n't" ends a word ("the do's and don'ts" negates
# nothing) and takes the typographic apostrophe too ("can’t", as word processors write it).
NEG_EN = re.compile(
    r"n(?:(?<!\w.)(?:ot|o(?!\.\s*:?\s*#?\s*[a-z-]*\d)|ever|one|othing|either|or)\b|['’]t\b| t\b)"
    r"|c(?<!\w.)annot\b|w(?<!\w.)ithout\b"
)
# Two negations that make an obligation are no negation: 「張らなければならない」 (must
# put up), 「〜なくてはいけない」, 「〜ねばならない」, 「〜ないといけない」 (a JHARS answer
# that says what the knowledge obliges was flagged as contradicting it).
# 「ない」 but not in 「少ない」, an obligation (「なければならない」) or 「おこない」 (do); a
# clause that ends in 「ず」 (「支払われず」 split off at its comma) or 「なく」, 「ずに」; 「不可」
# but not 「不可欠」 (indispensable), 「不可逆」, 「不可避」.
NEG_JA = re.compile(
    r"(?<!少)(?<!なければなら)(?<!なくてはなら)(?<!なければいけ)(?<!なくてはいけ)"
    r"(?<!ねばなら)(?<!ないといけ)(?<!おこ)ない(?!といけない)"
    r"|ません|ず(?:[、。に]|$)|(?<!少)(?<!おこ)なく(?:[、。]|て|$)|ではなく"
    r"|(?:対象|範囲|適用|保証|補償)外|不可(?![欠逆避])|不要|無し|なし"
)
# Conditional and temporal limits ("until it ships", "before shipping", "unless"): a
# sentence with one states when something does *not* hold, so a negated claim may draw on
# it ("as long as it hasn't shipped" from "you can change it until it ships").
# The plain form is \b(?:until|till|before|unless|except|only if)\b (see NEG_EN).
LIMITED_EN = re.compile(
    r"u(?<!\w.)n(?:til|less)\b|t(?<!\w.)ill\b|b(?<!\w.)efore\b|e(?<!\w.)xcept\b|o(?<!\w.)nly if\b"
)
HAS_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


_ANSWER_LEAD = re.compile(r"^\W*(?:yes|no|yeah|nope|はい|いいえ)\b[\s,.!、。]*", re.I)


def claim_negated(claim: str) -> bool:
    """Does the claim contain a negation cue ("not", "never", 「ない」, 「ません」, 「対象外」)?

    A leading "No," / 「いいえ、」 answers the question rather than negating the claim
    that follows it, so it does not count."""
    t = nfkc(claim)
    lead = _ANSWER_LEAD.match(t)
    if lead:
        t = t[lead.end() :]
    return NEG_EN.search(t.lower()) is not None or (
        HAS_CJK.search(t) is not None and NEG_JA.search(t) is not None
    )
