"""Limits (concurrency, rpm, tpm, adaptive 429 back-off) and the retry arithmetic."""

from __future__ import annotations

import asyncio
import email.utils
import time

from hypothesis import given
from hypothesis import strategies as st

from evalkit.clients.http import RetryPolicy, backoff_delay, classify_status, parse_retry_after
from evalkit.clients.limits import Limits


def _run(coro):
    return asyncio.run(coro)


def test_rpm_limit_spaces_request_starts():
    limits = Limits(concurrency=10, rpm=600)  # one start per 0.1 s
    starts: list[float] = []

    async def one() -> None:
        await limits.acquire()
        starts.append(time.monotonic())
        limits.release()

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(5)))

    begun = time.monotonic()
    _run(main())
    # The i-th start waits for its slot, 0.1 s after the one before: never earlier than
    # begun + 0.1 * i. (Gaps between wake-ups are no measure: on a busy machine one late
    # wake-up shortens the gap after it, though every slot was kept.) The clock may wake
    # a task a hair early (the loop's clock resolution), hence the 5 ms.
    assert all(s - begun >= 0.1 * i - 0.005 for i, s in enumerate(sorted(starts)))
    assert starts[-1] - begun >= 0.395


def test_rpm_limit_measurably_spaces_real_requests(server, make_client, make_request, complete_all):
    c = make_client("openai:m", base_url=server.url, rpm=1200)  # 0.05 s apart
    started = time.monotonic()
    complete_all(c, [make_request(f"c{i}", f"p{i}") for i in range(6)])
    assert time.monotonic() - started >= 0.25
    arrivals = sorted(e["t"] for e in server.log())
    # Without the limit all six arrive within a few ms; network jitter may shorten the span a little.
    assert arrivals[-1] - arrivals[0] >= 0.15


def test_concurrency_window_bounds_requests_in_flight():
    limits = Limits(concurrency=2)
    in_flight = peak = 0

    async def one() -> None:
        nonlocal in_flight, peak
        await limits.acquire()
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        limits.release()

    async def main() -> None:
        await asyncio.gather(*(one() for _ in range(8)))

    _run(main())
    assert peak == 2


def test_429_pauses_everyone_and_halves_the_window():
    limits = Limits(concurrency=8)

    async def main() -> float:
        limits.on_rate_limited(0.3)
        started = time.monotonic()
        await limits.acquire()
        limits.release()
        return time.monotonic() - started

    assert _run(main()) >= 0.29
    assert limits.window <= 4 and limits.rate_limited == 1


def test_window_regrows_after_successes():
    limits = Limits(concurrency=4)
    limits.on_rate_limited(0)
    limits.on_rate_limited(0)
    assert limits.window == 1

    async def main() -> None:
        for _ in range(40):
            await limits.acquire()
            limits.release(ok=True)

    _run(main())
    assert limits.window == 4

    async def burst() -> float:  # no spacing or pause left: four requests start at once
        started = time.monotonic()
        for _ in range(4):
            await limits.acquire()
        return time.monotonic() - started

    assert _run(burst()) < 0.05


def test_tpm_limit_waits_for_tokens():
    limits = Limits(concurrency=4, tpm=6000)  # 100 tokens per second

    async def main() -> float:
        started = time.monotonic()
        await limits.acquire(6000)  # the whole bucket
        limits.release()
        await limits.acquire(20)  # needs 0.2 s of refill
        limits.release()
        return time.monotonic() - started

    assert _run(main()) >= 0.19


def test_cancelled_waiter_does_not_leak_a_slot():
    limits = Limits(concurrency=1)

    async def main() -> None:
        await limits.acquire()
        waiter = asyncio.ensure_future(limits.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        limits.release()
        await asyncio.wait_for(limits.acquire(), 1)  # the slot is free again
        limits.release()

    _run(main())


def test_retry_after_parses_seconds_milliseconds_and_http_dates():
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 20, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, now=now) == 20.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None
    assert parse_retry_after({"Retry-After": "-5"}) == 0.0


@given(
    st.integers(min_value=1, max_value=40),
    st.floats(min_value=0.001, max_value=5),
    st.floats(min_value=0.001, max_value=60),
)
def test_backoff_is_jittered_within_half_and_full_capped_exponential(retry, base, cap):
    policy = RetryPolicy(backoff_s=base, backoff_max_s=cap)
    ceiling = min(cap, base * 2 ** (retry - 1))
    assert ceiling * 0.5 <= backoff_delay(retry, policy) <= ceiling


def test_status_classification():
    url = "https://x/v1/chat/completions"
    assert classify_status(500, url, b"", {}, "K").retryable
    assert classify_status(408, url, b"", {}, "K").retryable
    assert not classify_status(404, url, b"{}", {}, "K").retryable
    auth = classify_status(
        403, url, b'{"error": {"message": "bad key sk-123", "code": "invalid_api_key"}}', {}, "K"
    )
    assert (
        auth.kind == "auth" and "sk-123" not in auth.message and "invalid_api_key" in auth.message
    )
    limited = classify_status(429, url, b"{}", {"Retry-After": "2"}, "K")
    assert limited.kind == "rate-limited" and limited.retry_after == 2.0
