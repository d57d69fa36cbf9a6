"""One retry policy for every HTTP client govgraph runs (SPARQL queries on a server, Graph Store
pushes, the Wikidata link check).

A request that timed out is never sent again: the server may still be working on it, and sending a
heavy query again only piles up work (a hung Virtuoso was sent the same query three times). What is
retried, a few times, is what a second try can cure: a refused or reset connection (backoff 0.5, 1,
2 s …) and an answer 429, 502 or 503 that says when to come back (Retry-After, seconds or an HTTP
date, up to `max_wait`)."""

from __future__ import annotations

import email.utils
import time
import urllib.error
from typing import Callable, TypeVar

T = TypeVar("T")
RETRY_STATUSES = (429, 502, 503)


def timed_out(exc: BaseException) -> bool:
    """The request got no answer in time (socket timeout, directly or inside a URLError)."""
    return isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def wait_before_retry(exc: BaseException, attempt: int) -> float | None:
    """How long to wait before trying again after `exc` (the `attempt`-th failure, from 0), or None
    when a second try cannot help."""
    if timed_out(exc):
        return None
    if isinstance(exc, urllib.error.HTTPError):
        if exc.code in RETRY_STATUSES:
            return retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        return None
    if isinstance(exc, (ConnectionError, urllib.error.URLError)):
        return 0.5 * 2 ** attempt
    return None


def with_retries(send: Callable[[], T], *, retries: int, max_wait: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[BaseException, float], None] | None = None) -> T:
    """`send()`, again after a retryable failure, at most `retries` more times. The last failure is
    raised as it came, with ``attempts`` (how many sends were made) and ``wait`` (the wait asked
    for, or None) set on it so the caller's message can say what happened."""
    attempt = 0
    while True:
        try:
            return send()
        except Exception as exc:
            wait = wait_before_retry(exc, attempt)
            if wait is None or attempt >= retries or wait > max_wait:
                setattr(exc, "attempts", attempt + 1)  # read by the caller's message (any exception type)
                setattr(exc, "wait", wait)
                raise
            attempt += 1
            if on_retry is not None:
                on_retry(exc, wait)
            sleep(wait)
