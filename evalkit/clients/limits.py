"""Being polite to an API: a concurrency gate, request/token rate limits, adaptive back-off.

One `Limits` object is shared by every request of one client. Callers do

    await limits.acquire(estimated_tokens)   # may wait: pause, rate, concurrency
    try: ... send one HTTP attempt ...
    finally: limits.release(actual_tokens - estimated_tokens, ok=...)

and call `limits.on_rate_limited(wait_s)` when the server answers 429.

Why adaptive: a 429 means the server's real limit is below what we are sending, whatever
the user configured. On a 429 every request pauses until the Retry-After instant (not just
the one that got the 429 — the others would only collect more 429s), the concurrency
window halves and the request spacing widens; successes grow them back slowly (additive
increase, multiplicative decrease, as TCP does). Stdlib only; no I/O.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

__all__ = ["Limits"]

_MAX_SPACING_S = 10.0  # adaptive spacing never waits longer than this between request starts


class Limits:
    """Concurrency window + requests-per-minute + tokens-per-minute, adaptive on 429.

    `concurrency` ≥ 1 is the most requests in flight; `rpm` / `tpm` (None = unlimited) are
    spread evenly (requests are spaced 60/rpm seconds apart rather than sent in bursts,
    which is what rate-limited APIs reward). Token accounting is by estimate at send time,
    corrected by the real usage after the response.
    """

    def __init__(
        self, concurrency: int = 8, rpm: float | None = None, tpm: float | None = None
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.max_concurrency = concurrency
        self._window = float(concurrency)  # current adaptive concurrency (≥ 1)
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._base_spacing = 60.0 / rpm if rpm else 0.0
        self._spacing = self._base_spacing  # seconds between request starts (adaptive)
        self._next_start = 0.0  # monotonic time the next request may start
        self._tpm = float(tpm) if tpm else None
        self._tokens = self._tpm or 0.0  # token bucket level
        self._tokens_at = time.monotonic()
        self._pause_until = 0.0
        self.rate_limited = 0  # 429s seen (inspectable)

    @property
    def window(self) -> int:
        """The current concurrency limit (halved on 429, regrown on success)."""
        return max(1, int(self._window))

    @property
    def counts_tokens(self) -> bool:
        """True when a tokens-per-minute limit is set (callers then estimate tokens)."""
        return self._tpm is not None

    async def acquire(self, tokens: int = 0) -> None:
        """Wait until one more request may start; pair with exactly one `release`."""
        # 1. the global pause after a 429, and request spacing
        while True:
            now = time.monotonic()
            wait = self._pause_until - now
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            if self._spacing > 0:
                start = max(now, self._next_start)
                self._next_start = start + self._spacing
                if start > now:
                    await asyncio.sleep(start - now)
                    if self._pause_until > time.monotonic():
                        continue  # a 429 arrived while we waited; honour it
            break
        # 2. tokens per minute
        if self._tpm is not None and tokens > 0:
            await self._take_tokens(min(float(tokens), self._tpm))
        # 3. the concurrency window
        if self._in_flight < self.window and not self._waiters:
            self._in_flight += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future
        except BaseException:
            if future.done() and not future.cancelled():
                self._in_flight -= 1  # we were handed a slot but are leaving: pass it on
                self._wake()
            else:
                try:
                    self._waiters.remove(future)
                except ValueError:
                    pass
            raise

    def release(self, token_correction: int = 0, ok: bool = True) -> None:
        """End one request started by `acquire`. `token_correction` = real − estimated
        tokens (refunds or charges the bucket); `ok` grows the window back after a 429."""
        self._in_flight -= 1
        if self._tpm is not None and token_correction:
            self._refill()
            self._tokens = min(self._tpm, self._tokens - token_correction)
        if ok:
            if self._window < self.max_concurrency:
                self._window = min(float(self.max_concurrency), self._window + 1.0 / self._window)
            if self._spacing > self._base_spacing:
                self._spacing = max(self._base_spacing, self._spacing * 0.9)
                if self._spacing < 1e-3 and self._base_spacing == 0.0:
                    self._spacing = 0.0
        self._wake()

    def on_rate_limited(self, wait_s: float) -> None:
        """A 429: pause everyone for `wait_s`, halve the window, widen the spacing."""
        self.rate_limited += 1
        self._pause_until = max(self._pause_until, time.monotonic() + max(0.0, wait_s))
        self._window = max(1.0, self._window / 2.0)
        self._spacing = min(_MAX_SPACING_S, max(self._spacing * 1.5, self._base_spacing, 0.01))

    def _wake(self) -> None:
        while self._waiters and self._in_flight < self.window:
            future = self._waiters.popleft()
            if not future.done():
                self._in_flight += 1
                future.set_result(None)

    def _refill(self) -> None:
        assert self._tpm is not None
        now = time.monotonic()
        self._tokens = min(self._tpm, self._tokens + (now - self._tokens_at) * self._tpm / 60.0)
        self._tokens_at = now

    async def _take_tokens(self, tokens: float) -> None:
        assert self._tpm is not None
        while True:
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return
            await asyncio.sleep((tokens - self._tokens) * 60.0 / self._tpm)
