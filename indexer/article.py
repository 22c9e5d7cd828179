"""The records that flow from corpus readers into the index."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One news article, as read from a corpus file.

    ``path`` and ``line`` say where it came from, for messages; ``problems``
    holds what was wrong but not fatal (an unreadable date is dropped and said).
    """

    id: str
    title: str
    body: str
    date: dt.date | None = None
    source: str | None = None
    url: str | None = None
    category: str | None = None
    path: str | None = None
    line: int | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)

    def digest(self) -> str:
        """A fingerprint of the content, to tell an unchanged article from an update."""
        h = hashlib.blake2b(digest_size=12)
        for part in (
            self.title,
            self.body,
            self.date.isoformat() if self.date else "",
            self.source or "",
            self.url or "",
            self.category or "",
        ):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()


@dataclass(frozen=True)
class Rejected:
    """A corpus record that could not become an article, and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


def content_id(title: str, body: str) -> str:
    """A stable id for an article that has none, derived from its text."""
    h = hashlib.blake2b(f"{title}\n{body}".encode("utf-8", "surrogatepass"), digest_size=8)
    return "h:" + h.hexdigest()
