"""`_counters.counter_clash`: a number whose counter the knowledge never gives that value
with (「15日」 where it has only 「15時」, "$12" where its 12 counts seats); `restated_clash`:
a claim that restates a knowledge sentence with another number of the same kind; and
`counted`, which reads them."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from evalkit.scorers._counters import MIN_VALUE, counted, counter_clash, restated_clash
from evalkit.scorers._evidence import unsupported_units
from evalkit.scorers._number_values import number_values

RULES = (
    "入社6か月後に10日の年次有給休暇を付与する。コアタイムは10時から15時とする。",
    "会議室は最大12名まで利用できる。宿泊費の上限は1泊15,000円とする。",
)


def test_a_value_stated_only_with_another_counter_clashes() -> None:
    assert counter_clash("入社6か月後に15日の年次有給休暇が付与されます。", RULES) == (
        "15日",
        "15時",
    )
    clash = counter_clash("会議室は最大10名まで利用できます。", RULES)
    assert clash is not None and clash[0] == "10名" and clash[1] in ("10日", "10時")


def test_the_same_thing_written_another_way_does_not_clash() -> None:
    for claim in (
        "入社から6ヶ月で10日間の有給休暇がもらえます。",  # ヶ月 / か月, 日間 / 日
        "会議室は12人まで使えます。",  # 人 / 名
        "コアタイムは10時からです。",
        "10営業日以内に付与されます。",  # 営業日 holds 日
        "10日付与されます。",  # the counter's run goes on into the next word
    ):
        assert counter_clash(claim, RULES) is None, claim


def test_what_the_rule_leaves_to_other_layers() -> None:
    # A value the knowledge never states: the number layers name it as unstated.
    assert counter_clash("入社6か月後に20日付与されます。", RULES) is None
    # Small counts: an answer counts its own list (「以下の2点」).
    assert MIN_VALUE > 2
    assert counter_clash("理由は以下の2点です。", ("2割が日本で発生する。",)) is None
    # A bare number or one in the other language could count anything.
    assert counter_clash("15日です。", ("表：15",)) is None
    assert counter_clash("15日です。", ("The core hours end at 15 days.",)) is None
    assert counter_clash("It takes 15 days.", ("15時に終わる。",)) is None
    assert counter_clash("15時に終わります。", ("The shop has 15 seats.",)) is None
    assert counter_clash("It takes 15 days.", ("Pick 15 of them.", "Costs 15 per seat.")) is None
    # A share is another kind of value.
    assert counter_clash("過去10年間のデータです。", ("地震の1割が日本で起きる。",)) is None


POLICY = (
    "Refunds are accepted within 30 days of purchase. The Premium plan costs $45 per month "
    "and includes 12 user seats.",
)


def test_english_units_are_read_by_kind() -> None:
    assert counter_clash("Premium is $12 per month.", POLICY) == ("$12", "12 user")
    assert counter_clash("It comes with 30 seats.", POLICY) == ("30 seats", "30 days")
    assert counter_clash("Refunds within 30 hours.", POLICY) == ("30 hours", "30 days")
    for claim in (
        "Premium costs 45 dollars a month.",  # a currency word is the sign
        "It has 12 seats for users.",  # a count is a count, whatever it counts
        "There is a 30-day refund window.",
        "Refunds are accepted for 30 days.",
    ):
        assert counter_clash(claim, POLICY) is None, claim


def test_counted_reads_counters_times_and_shares() -> None:
    got = {(c.value, c.counter[:1], c.phrase) for c in counted("10時から15時、2割、3か月、5万円")}
    assert (10, "時", "10時") in got and (15, "時", "15時") in got
    assert (20, "%", "2割") in got
    assert (3, "か", "3か月") in got
    assert (50000, "円", "5万円") in got
    assert [c.phrase for c in counted("研修は10時間です")] == ["10時間"]
    # 「5時間」 is five hours, no clock time: the number 5, never the time 5:00.
    from evalkit.scorers._number_values import number_keys

    assert [number_keys(n) for n in number_values("研修は5時間です")] == [("n5",)]


def test_a_share_in_wari_is_found_as_a_percentage() -> None:
    assert {n.value for n in number_values("地震の2割が日本で起きる")} == {2, 20}
    found = unsupported_units(
        "地震の約20%が日本で起きています。", ("地震の2割が日本で起きる。",), ""
    )
    assert [u.text for u in found.missing if u.kind == "number"] == []


def test_a_number_is_not_found_inside_a_larger_one() -> None:
    """The digits of "15" are written in "15,000", "2015" and "1.15": none states 15."""
    for knowledge in ("1泊15,000円とする。", "2015年に設立。", "version 1.15"):
        found = unsupported_units("15日です。", (knowledge,), "")
        assert "15" in [u.text for u in found.missing], knowledge
    # At the start of a text: nothing before it, whatever the text ends with.
    from evalkit.scorers._number_values import digits_stand_alone

    assert digits_stand_alone("15 days, or 20", 0, 2)
    assert digits_stand_alone("10a", 0, 2) and not digits_stand_alone("1,5", 2, 3)
    # Digits parsed apart from their number still count: a date, a range.
    for knowledge in ("2019-05-01に開始。", "15-20日"):
        found = unsupported_units("2019年に始まり15日", (knowledge,), "")
        assert not [u for u in found.missing if u.kind == "number" and u.text in knowledge]


SHIPPING = (
    "You get a tracking number by email when your order ships. Tracking can take up to 24 "
    "hours to show the first update. Standard delivery takes 3-5 business days.",
)
REMOTE = ("在宅勤務は週3日まで認める。会議室は5部屋ある。出張の日当は国内1日2,000円とする。",)


def test_a_sentence_restated_with_another_number_of_its_kind_clashes() -> None:
    claim = "It can take up to 5 hours for the first tracking update to show."
    assert restated_clash(claim, SHIPPING) == ("5 hours", "24 hours")
    assert restated_clash("在宅勤務は週5日まで認められています。", REMOTE) == ("5日", "3日")
    # A small value is read: the sentence itself counts days.
    assert restated_clash("在宅勤務は週2日まで可能です。", REMOTE) == ("2日", "3日")


def test_what_restated_clash_leaves_alone() -> None:
    # The value is stated with the same counter elsewhere: maybe a merge of two sentences.
    merged = ("Standard shipping takes 5 days. Express shipping takes 2 days.",)
    assert restated_clash("Standard shipping takes 2 days.", merged) is None
    assert restated_clash("Standard shipping takes 5 days, express 2 days.", merged) is None
    # No sentence holds two of the claim's words, or half of them.
    assert restated_clash("Returns take 9 days.", SHIPPING) is None
    # The closest sentence gives no number of that kind ("business" days are a count of
    # business, not days, as `_english_counter` reads them), or another word's count.
    assert restated_clash("Standard delivery takes 4 days.", SHIPPING) is None
    assert restated_clash("Passage 2 provides the tracking steps.", SHIPPING) is None
    # A number the claim writes as the knowledge does, or one the sentence holds.
    assert restated_clash("Tracking can take up to 24 hours to update.", SHIPPING) is None
    assert restated_clash("出張の日当は国内で1日2,000円です。", REMOTE) is None


TEXT = st.text(alphabet="0123456789１５一十百万割%日時間名人か月ヶ営業、。 ,.:-abc", max_size=40)


@given(TEXT, st.lists(TEXT, max_size=2))
def test_reads_any_text_and_names_only_what_is_there(claim: str, texts: list[str]) -> None:
    clash = counter_clash(claim, tuple(texts))
    if clash is not None:
        said, stated = clash
        assert said[-1] in claim or said[-2:] in claim
        assert any(stated.rstrip("%")[:2] in t or stated[:1] in t for t in texts)
    restated = restated_clash(claim, tuple(texts))
    if restated is not None:
        said, stated = restated
        assert said[-1] in claim and any(stated[-1] in t for t in texts)


def test_a_clock_time_states_its_hour_as_written() -> None:
    """ "2 p.m." states 2 (and the time 14:00), not the number 14: "$14" is not in a
    policy whose only 14 is its 2 p.m. cut-off."""
    from evalkit.scorers._number_values import number_keys

    def keys(text: str) -> set[str]:
        return {k for n in number_values(text) for k in number_keys(n)}

    assert "n14" not in keys("Orders placed before 2 p.m. ship the same day.")
    assert {"n2", "t840"} <= keys("Orders placed before 2 p.m. ship the same day.")
    assert "n16" in keys("Open until 16:00.")
    assert "n3" in keys("午後3時に閉店します。") and "n15" not in keys("午後3時に閉店します。")
    policy = (
        "Standard shipping is free on orders over $50. Orders placed before 2 p.m. ship the same day.",
    )
    found = unsupported_units("Shipping is free on orders over $14.", policy, "")
    assert [u.text for u in found.missing if u.kind == "number"] == ["14"]


@example("Pay $2,257 within 12 days (10-12 days), -12, 9:30, 14.99, 12%, v12.", 12)
@example("Pay $2,257 within 12 days, 2257 yen.", 2257)
@given(
    st.text(alphabet="0123456789 ,.:-$%abdyse", max_size=40),
    st.integers(min_value=10, max_value=3000),
)
def test_the_ascii_fast_path_reads_a_value_as_counted_does(text: str, value: int) -> None:
    """`_stated` (only where the digits are written) finds the numbers of that value that
    `counted` (every number) finds, with the same counters."""
    from evalkit.scorers._counters import _stated

    fast = sorted((c.counter, c.phrase) for c in _stated(text, float(value)))
    full = sorted((c.counter, c.phrase) for c in counted(text) if c.value == value)
    assert fast == full
