"""Which reviews count (`evalkit.review.apply.current_reviews`), as a property: a review of
a case's current outputs always counts (its reviewer's latest), any other is stale under
exactly one reason, and the tie rule of `majority` sits on the failing side."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evalkit.review.apply import (
    STALE_CHANGED,
    STALE_ERRORED,
    STALE_GONE,
    CaseInfo,
    current_reviews,
    majority,
)

CASES = [("s", f"c{i}") for i in range(4)]
HASHES = ["h0", "h1"]

reviews = st.lists(
    st.fixed_dictionaries(
        {
            "suite": st.just("s"),
            "case": st.sampled_from([c for _, c in CASES] + ["gone", "err"]),
            "outputs_sha256": st.sampled_from(HASHES),
            "reviewer": st.sampled_from(["a", "b", "花子"]),
            "labels": st.dictionaries(st.just("accuracy"), st.sampled_from(["pass", "fail"])),
        }
    ),
    max_size=30,
)


@given(reviews, st.lists(st.sampled_from(HASHES), min_size=4, max_size=4))
def test_every_review_either_counts_or_is_stale_for_one_reason(
    lines: list[dict], current: list[str]
) -> None:
    index = {
        key: CaseInfo("p", False, current[i], {"accuracy": False}) for i, key in enumerate(CASES)
    }
    latest, stale = current_reviews(index, lines, frozenset({("s", "err")}))
    stale_keys = {why: set(keys) for why, keys in stale.items()}
    assert set(stale) <= {STALE_CHANGED, STALE_GONE, STALE_ERRORED}
    for line in lines:
        key = (line["suite"], line["case"])
        who = (key[0], key[1], line["reviewer"])
        info = index.get(key)
        if info is not None and info.outputs_sha256 == line["outputs_sha256"]:
            assert line["reviewer"] in latest[key]  # counted: never stale
        else:
            why = STALE_CHANGED if info else STALE_ERRORED if key[1] == "err" else STALE_GONE
            assert who in stale_keys[why]
            assert all(who not in v for w, v in stale_keys.items() if w != why)
    for key, by_reviewer in latest.items():
        for reviewer, line in by_reviewer.items():
            # The reviewer's last review of the case's current outputs is the one kept.
            mine = [
                x
                for x in lines
                if (x["suite"], x["case"]) == key
                and x["reviewer"] == reviewer
                and x["outputs_sha256"] == index[key].outputs_sha256
            ]
            assert line is mine[-1]


@given(st.lists(st.booleans(), min_size=1, max_size=9), st.booleans())
def test_a_tie_fails_and_one_more_failing_vote_never_passes_a_case(
    votes: list[bool], extra: bool
) -> None:
    if sum(votes) * 2 == len(votes):
        assert majority(votes)
    if majority(votes):
        assert majority([*votes, True])
    if all(votes) or not any(votes):
        assert majority(votes) == votes[0]  # a unanimous vote decides
    assert majority([*votes, extra, extra]) in (majority(votes), extra)
