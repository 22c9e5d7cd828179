"""A time limit for the query running in this thread (or task).

Whoosh has no way to stop a search part-way (its ``TimeLimitCollector`` needs
SIGALRM, which only the main thread receives, and checks only between hits).  So
akhbar checks the clock where the work is: each block of postings the codec reads
(:class:`akhbar.indexer.whoosh_internals.codec._LeafMatcher`), each term a prefix or fuzzy word expands to,
each candidate a ranking bonus re-scores.  A block holds up to 128 postings, so the
check costs nothing measurable and a query stops within a few milliseconds of its limit.

>>> import time
>>> with time_limit(0.01, "the query"):
...     time.sleep(0.02)
...     try:
...         check()
...     except QueryTimeout as e:
...         print(e)
the query took longer than 0.01 s and was stopped
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from akhbar.indexer.errors import QueryTimeout

_deadline: ContextVar[tuple[float, float, str] | None] = ContextVar("akhbar_deadline", default=None)


@contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Within this block, :func:`check` raises :class:`QueryTimeout` once ``seconds`` have
    passed (None: no limit).  Limits nest: the inner one applies until it ends."""
    token = _deadline.set(None if seconds is None else (time.monotonic() + seconds, seconds, what))
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise :class:`QueryTimeout` if the current time limit has passed."""
    limit = _deadline.get()
    if limit is not None and time.monotonic() > limit[0]:
        raise QueryTimeout(f"{limit[2]} took longer than {limit[1]:g} s and was stopped")


def expired() -> bool:
    """Whether the current time limit has passed (for work that can stop quietly)."""
    limit = _deadline.get()
    return limit is not None and time.monotonic() > limit[0]


def remaining() -> float | None:
    """Seconds left of the current time limit (None: no limit)."""
    limit = _deadline.get()
    return None if limit is None else max(0.0, limit[0] - time.monotonic())


@contextmanager
def paused() -> Iterator[None]:
    """Time spent in this block does not count against the current limit: for work done
    once per index generation and reused by every later query (a query should not be
    stopped for preparing what the next ones share)."""
    limit = _deadline.get()
    started = time.monotonic()
    token = _deadline.set(None)
    try:
        yield
    finally:
        _deadline.reset(token)
        if limit is not None:
            _deadline.set((limit[0] + time.monotonic() - started, limit[1], limit[2]))
