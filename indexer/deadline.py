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
