"""Shared machinery of the HTTP model clients (OpenAI-compatible, Anthropic).

- one `aiohttp.ClientSession` per client (per event loop), with a `TCPConnector` sized to the
  concurrency so connections are reused rather than re-opened; per-request CPU kept to what
  aiohttp itself needs (no cookie jar, the URL parsed once, our own `User-Agent` rather
  than `skip_auto_headers`, bodies written and replies read by orjson): measured with
  `tests/benchmarks/http_load.py`, it costs no more than a bare aiohttp loop;
- bounded retries with exponential back-off and jitter for transient failures (timeouts,
  5xx, 408, connection resets, malformed or unexpected bodies);
- 429: wait `Retry-After` / `retry-after-ms` (seconds or an HTTP date) when given, else
  back off, and make the shared `Limits` slow everyone down;
- non-retryable errors (other 4xx, 401/403 auth) fail fast with a message a person can act
  on; after the last attempt the call ends as `Completion(error=..., error_kind=...)`,
  never an exception;
- the API key lives only in the request headers: every message that leaves this module is
  passed through `redact`, and `describe()` names the environment variable, not its value.

aiohttp is imported only when a client is built (`import evalkit.clients` stays light);
it was chosen by measurement (see the README's benchmark section).

Size (over 400 lines): one request's life (limits, retries with their backoff, timeouts,
redaction, usage) is one loop; the OpenAI and Anthropic clients only shape the bodies.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from evalkit import __version__
from evalkit.clients.base import Client, ClientSettings
from evalkit.clients.limits import Limits
from evalkit.clients.trust import safe_url, url_problem
from evalkit.errors import MissingDependency, UsageError
from evalkit.values import Completion, Request

__all__ = [
    "Failure",
    "HttpClient",
    "HttpStats",
    "Parsed",
    "RetryPolicy",
    "backoff_delay",
    "checked_base_url",
    "classify_status",
    "import_aiohttp",
    "server_message",
    "option_number",
    "parse_retry_after",
]


def import_aiohttp(why: str) -> Any:
    """Import aiohttp or say how to install it."""
    try:
        import aiohttp
    except ImportError as exc:
        raise MissingDependency("aiohttp", "http", why) from exc
    return aiohttp


_orjson_loads = orjson.loads
# What `quote(text, safe="")` leaves as is (RFC 3986 unreserved characters).


def option_number(
    options: Mapping[str, Any],
    name: str,
    default: float | None,
    *,
    minimum: float = 0.0,
    integer: bool = False,
) -> Any:
    """Read a numeric client option (None stays None when the default is None)."""
    value = options.get(name, default)
    if value is None:
        return None
    try:
        number = int(value) if integer else float(value)
        if isinstance(value, bool) or (integer and float(value) != number):
            raise ValueError
    except (TypeError, ValueError):
        kind = "a whole number" if integer else "a number"
        raise UsageError(f"client option '{name}': expected {kind}, got {value!r}") from None
    if number < minimum:
        raise UsageError(f"client option '{name}': expected at least {minimum:g}, got {value!r}")
    return number


def checked_base_url(options: Mapping[str, Any], default: str) -> str:
    """The `base_url` option (or `default`) without its trailing slash; a URL that is not
    http(s) with a host, or that carries credentials (`user:pw@`, which would be copied
    into logs, errors and result files), is a usage error that never repeats them."""
    url = str(options.get("base_url") or default).rstrip("/")
    problem = url_problem(url)
    if problem is not None:
        raise UsageError(f"base_url {safe_url(url)}: {problem}")
    return url


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`max_retries` retries after the first attempt (so max_retries + 1 attempts at most);
    back-off before retry n is `backoff_s · 2^(n-1)` capped at `backoff_max_s`, scaled by a
    random factor in [0.5, 1] (jitter keeps many workers from retrying in lock-step).
    A server's Retry-After is honoured up to `max_retry_after_s`."""

    max_retries: int = 4
    backoff_s: float = 0.5
    backoff_max_s: float = 30.0
    max_retry_after_s: float = 120.0

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> RetryPolicy:
        return cls(
            max_retries=option_number(options, "max_retries", 4, integer=True),
            backoff_s=option_number(options, "backoff_s", 0.5),
            backoff_max_s=option_number(options, "backoff_max_s", 30.0),
            max_retry_after_s=option_number(options, "max_retry_after_s", 120.0),
        )


def backoff_delay(retry: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number `retry` (1-based)."""
    ceiling = min(policy.backoff_max_s, policy.backoff_s * (2 ** (retry - 1)))
    return ceiling * (0.5 + 0.5 * (rng or random).random())


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: `retry-after-ms`, or `Retry-After` as seconds
    or an HTTP date. None when absent or unparseable; never negative."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("Retry-After") or headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # only for the rare HTTP-date form (~2 ms to import)

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt: `kind` goes to `Completion.error_kind`; `retryable` decides
    whether another attempt is made; `retry_after` is the server's requested wait (429)."""

    kind: str
    message: str
    retryable: bool
    retry_after: float | None = None


def server_message(body: bytes) -> str:
    """The human part of an error body ({"error": {"message": ...}} and friends)."""
    text = body[:2000].decode("utf-8", "replace")
    try:
        payload = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            message = error.get("message") or error.get("type") or error.get("code")
            if message:
                return str(message)[:300]
        elif isinstance(error, str):
            return error[:300]
    return " ".join(text.split())[:300]


def _error_code(body: bytes) -> str:
    try:
        payload = json.loads(body[:2000])
        error = payload.get("error", {})
        return str(error.get("code") or error.get("type") or "")
    except (ValueError, AttributeError):
        return ""


def classify_status(
    status: int, url: str, body: bytes, headers: Mapping[str, str], key_env: str
) -> Failure:
    """Turn a non-2xx response into a `Failure` with an actionable message."""
    where = f"HTTP {status} from {url}"
    if status in (401, 403):
        # Auth error bodies may quote (part of) the key we sent: keep only the error code.
        code = _error_code(body)
        detail = f" (server code: {code})" if code else ""
        return Failure("auth", f"{where}: check {key_env}{detail}", retryable=False)
    said = server_message(body)
    said = f": {said}" if said else ""
    if status == 429:
        return Failure(
            "rate-limited", f"{where} (rate limited){said}", True, parse_retry_after(headers)
        )
    if status == 408 or status >= 500:
        return Failure(f"http-{status}", f"{where}{said}", retryable=True)
    hint = ""
    if status == 404:
        hint = " (check the model name and base_url)"
    elif status in (400, 422):
        hint = " (the server rejected the request; check the model name and parameters)"
    return Failure(f"http-{status}", f"{where}{said}{hint}", retryable=False)


class HttpStats:
    """Counters for one client, which tests read to see the retries a server caused."""

    __slots__ = ("requests", "attempts", "retries")

    def __init__(self) -> None:
        self.requests = 0  # complete() calls
        self.attempts = 0  # HTTP requests sent (≥ requests)
        self.retries = 0  # attempts after a failed one


Parsed = tuple[str, int | None, int | None]  # output, input tokens, output tokens


class HttpClient(Client):
    """Base of the HTTP chat clients. Subclasses set `url`, headers and implement
    `encode(request) -> bytes` and `parse(payload) -> Parsed | Failure`."""

    provider = "http"
    # The request goes out as messages: no prompt hash to compute per request (a cache
    # or recording wrapper in front of this client asks for it itself).
    wants_prompt_sha256 = False

    def __init__(
        self,
        settings: ClientSettings,
        *,
        url: str,
        headers: dict[str, str],
        secret: str | None,
        key_env: str,
    ) -> None:
        self._aiohttp = import_aiohttp(f"the {settings.name} client")
        options = settings.options
        self.spec = settings.spec
        self.model = settings.arg
        self.url = url
        self.key_env = key_env
        self.timeout_s: float = option_number(options, "timeout_s", 60.0)
        self.concurrency: int = option_number(options, "concurrency", 8, minimum=1, integer=True)
        self.retry = RetryPolicy.from_options(options)
        self.limits = Limits(
            self.concurrency,
            rpm=option_number(options, "rpm", None),
            tpm=option_number(options, "tpm", None),
        )
        self.stats = HttpStats()
        # Our own User-Agent: names the tool to the API, and (unlike skipping aiohttp's
        # default one with `skip_auto_headers`) costs no per-request header bookkeeping.
        self._headers = {
            "Content-Type": "application/json",
            "User-Agent": f"evalkit/{__version__}",
            **headers,
        }
        self._secret = secret or None
        self._session: Any = None
        self._target: Any = url  # a yarl.URL once the session exists
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._rng = random.Random()

    # --- subclass hooks -------------------------------------------------------------
    def encode(self, request: Request) -> bytes:
        raise NotImplementedError

    def parse(self, payload: Any) -> Parsed | Failure:
        raise NotImplementedError

    # --- helpers --------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """Remove the API key from any text that may leave the client."""
        if self._secret and self._secret in text:
            text = text.replace(self._secret, "[redacted]")
        return text

    def _estimate_tokens(self, request: Request) -> int:
        """A cheap upper-ish estimate for the tokens-per-minute limiter (≈ 4 chars/token)."""
        chars = sum(len(m.content) for m in request.messages)
        return chars // 4 + 1 + (request.params.max_tokens or 256)

    def _get_session(self) -> Any:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None or self._session_loop is not loop or session.closed:
            aiohttp = self._aiohttp
            connector = aiohttp.TCPConnector(
                limit=self.concurrency, limit_per_host=0, ttl_dns_cache=300
            )
            session = self._session = aiohttp.ClientSession(
                connector=connector,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                # Model APIs need no cookies; a real jar filters and stores them per request.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._session_loop = loop
            from yarl import URL  # aiohttp's own URL type, already imported with it

            try:  # parsed once rather than per request (aiohttp accepts a yarl.URL)
                self._target = URL(self.url)
            except ValueError:  # left to aiohttp, which reports it per request (InvalidURL)
                self._target = self.url
        return session

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def describe(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "model": self.model,
            "url": self.url,
            "api_key_env": self.key_env,
        }

    # --- the call -------------------------------------------------------------------
    async def _attempt(self, body: bytes, key: str) -> tuple[Parsed | None, Failure | None]:
        aiohttp = self._aiohttp
        session = self._get_session()
        try:
            async with session.post(
                self._target, data=body, headers={"X-Evalkit-Request": key}
            ) as resp:
                data = await resp.read()
                status = resp.status
                if status >= 300:
                    return None, classify_status(status, self.url, data, resp.headers, self.key_env)
        except TimeoutError:
            return None, Failure(
                "timeout", f"no response from {self.url} within {self.timeout_s:g} s", True
            )
        except aiohttp.ClientConnectorCertificateError as exc:
            return None, Failure(
                "connection", f"TLS certificate problem with {self.url}: {exc}", False
            )
        except aiohttp.InvalidURL:
            return None, Failure("config", f"invalid base_url: {self.url}", False)
        except aiohttp.ClientError as exc:
            detail = str(exc) or type(exc).__name__
            return None, Failure("connection", f"connection to {self.url} failed: {detail}", True)
        try:  # orjson first: 0.9 µs for a usual reply where json.loads takes 4.8 µs (it
            # sniffs the encoding of bytes), of the ~230 µs of client CPU a request costs on
            # the HTTP load. Unlike `evalkit.common.jsonio.loads`, no check for integers beyond 64
            # bits: the parts of a reply we read are text and token counts.
            payload = _orjson_loads(data)
        except ValueError:
            try:  # as before: json.loads also reads UTF-16/32 bodies
                payload = json.loads(data)
            except ValueError:
                snippet = " ".join(data[:200].decode("utf-8", "replace").split())
                return None, Failure(
                    "bad-response", f"malformed JSON from {self.url}: {snippet!r}", True
                )
        parsed = self.parse(payload)
        if isinstance(parsed, Failure):
            return None, parsed
        return parsed, None

    async def complete(self, request: Request) -> Completion:
        """One chat completion with retries; never raises for a per-request failure."""
        stats = self.stats
        stats.requests += 1
        body = self.encode(request)
        # Names the request for server logs and proxies; percent-encoded because header
        # values must be ASCII and case ids may be Japanese or contain "/".
        suite, case = quote(request.suite, safe=""), quote(request.case_id, safe="")
        key = f"{suite}/{case}/{request.variant}/{request.sample}"
        limits = self.limits
        estimate = self._estimate_tokens(request) if limits.counts_tokens else 0
        attempts = self.retry.max_retries + 1
        failure: Failure | None = None
        attempt = 0
        while attempt < attempts:
            attempt += 1
            await limits.acquire(estimate)
            stats.attempts += 1
            started = time.perf_counter()
            parsed: Parsed | None = None
            try:
                parsed, failure = await self._attempt(body, key)
            finally:
                # Correct the token estimate: real usage when reported, a refund on failure.
                used = 0
                if estimate:
                    if parsed is None:
                        used = -estimate
                    elif parsed[1] is not None:
                        used = parsed[1] + (parsed[2] or 0) - estimate
                limits.release(used, ok=parsed is not None)
            if parsed is not None:
                output, tokens_in, tokens_out = parsed
                return Completion(
                    output=output,
                    latency_s=time.perf_counter() - started,
                    input_tokens=tokens_in,
                    output_tokens=tokens_out,
                )
            assert failure is not None
            if not failure.retryable or attempt >= attempts:
                break
            stats.retries += 1
            if failure.kind == "rate-limited":
                wait = failure.retry_after
                if wait is None:
                    wait = backoff_delay(attempt, self.retry, self._rng)
                wait = min(wait, self.retry.max_retry_after_s)
                limits.on_rate_limited(wait)
            else:
                wait = backoff_delay(attempt, self.retry, self._rng)
            await asyncio.sleep(wait)
        assert failure is not None
        if failure.kind == "rate-limited":
            limits.on_rate_limited(min(failure.retry_after or 0.0, self.retry.max_retry_after_s))
        if attempt > 1:
            message = f"{self.spec}: failed after {attempt} attempts: last error: {failure.message}"
        else:
            message = f"{self.spec}: {failure.message}"
        return Completion(output=None, error=self.redact(message), error_kind=failure.kind)
