"""Snippets: short passages of the original text around the best matches.

The text is analysed by the index's own analysis (:meth:`AnalysisCore.words`), so
offsets point into the article as written (diacritics, tatweel and hamza forms intact)
and each word is normalized and stemmed to decide whether it matches, exactly as at
index time.
"""

from __future__ import annotations

from dataclasses import dataclass

from akhbar.analyzers.chains import AnalysisCore
from akhbar.search.query import Highlights

MAX_SCAN = 200_000
"""Characters of a body scanned for matches (a 10 MB article is cut here)."""


@dataclass(frozen=True)
class Snippet:
    text: str
    spans: list[tuple[int, int]]  # match offsets within ``text``
    start: int  # offset of ``text`` in the original
    end: int


def mark(text: str, spans: list[tuple[int, int]], before: str, after: str) -> str:
    """``text`` with each span wrapped in ``before``/``after``.

    >>> mark("هدنة في حلب", [(8, 11)], "[", "]")
    'هدنة في [حلب]'
    """
    out, last = [], 0
    for s, e in spans:
        out += [text[last:s], before, text[s:e], after]
        last = e
    out.append(text[last:])
    return "".join(out)


class Highlighter:
    """Marks the words of a text that a query matched, analysing the text as the index does."""

    def __init__(self, core: AnalysisCore) -> None:
        self.core = core

    def matches(self, text: str, hl: Highlights) -> list[tuple[int, int]]:
        """Offsets of every word of ``text`` that the query matched."""
        if not hl:
            return []
        found = []
        prefixes = tuple(hl.prefixes)
        for _, n, stem, start, end in self.core.words(text[:MAX_SCAN]):
            if not n:
                continue
            if n in hl.exact or (prefixes and n.startswith(prefixes)) or (stem is not None and stem in hl.stems):
                found.append((start, end))
        return found

    def snippet(self, text: str, spans: list[tuple[int, int]], *, width: int = 220) -> Snippet:
        """The passage of about ``width`` characters holding the most matches."""
        if not text:
            return Snippet("", [], 0, 0)
        if not spans:
            start, end = 0, min(len(text), width)
        else:
            best, best_count, j = 0, 0, 0
            for i, (s, _) in enumerate(spans):
                while j < len(spans) and spans[j][1] <= s + width:
                    j += 1
                distinct = j - i
                if distinct > best_count:
                    best, best_count = i, distinct
            first = spans[best][0]
            start = max(0, first - width // 4)
            end = min(len(text), start + width)
        # widen to word boundaries
        limit = max(0, start - 30)
        while start > limit and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace() and end - start < width + 30:
            end += 1
        inside = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
        piece = text[start:end]
        flat = piece.replace("\n", " ")
        return Snippet(flat, inside, start, end)
