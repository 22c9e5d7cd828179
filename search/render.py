"""Turning results into text: one renderer for the CLI and the REPL.

Plain text for people (colour only on a terminal, never with ``NO_COLOR``), JSON
Lines for programs.  Arabic is printed in logical order; terminals that cannot
do bidi get reshaped text only when asked (``--bidi``), never in JSON.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TextIO

from akhbar.search.engine import Doc, Hit, Results
from akhbar.search.highlight import mark

BOLD_RED = ("\x1b[1;31m", "\x1b[0m")
DIM = ("\x1b[2m", "\x1b[0m")
PLAIN_MARKS = ("[", "]")


def use_color(stream: TextIO, choice: bool | None = None) -> bool:
    if choice is not None:
        return choice
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def bidi_reshaper() -> Callable[[str], str]:
    """Visual-order text for terminals without bidi (needs the ``bidi`` extra)."""
    try:
        import arabic_reshaper
        from bidi.algorithm import get_display
    except ImportError:
        from akhbar.indexer.errors import AkhbarError

        raise AkhbarError("--bidi needs two more packages: pip install 'akhbar[bidi]'") from None
    return lambda text: "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


class Renderer:
    def __init__(self, out: TextIO | None = None, *, color: bool | None = None, bidi: bool = False) -> None:
        self.out = out or sys.stdout
        self.color = use_color(out, color)
        self.shape: Callable[[str], str] = bidi_reshaper() if bidi else (lambda s: s)

    def _mark(self, text: str, spans: list[tuple[int, int]]) -> str:
        before, after = BOLD_RED if self.color else PLAIN_MARKS
        return mark(text, spans, before, after)

    def _dim(self, text: str) -> str:
        return f"{DIM[0]}{text}{DIM[1]}" if self.color else text

    def line(self, text: str = "") -> None:
        print(self.shape(text), file=self.out)

    def hit(self, hit: Hit) -> None:
        meta = " · ".join(x for x in (hit.date.isoformat() if hit.date else "----------", hit.source or "") if x)
        self.line(f"{hit.rank:>3}. {meta}")
        self.line(f"     {self._mark(hit.title, hit.title_spans)}")
        if hit.snippet:
            self.line(f"     {self._mark(hit.snippet, hit.snippet_spans)}")
        self.line(f"     {self._dim('id: ' + hit.id)}")

    def results(self, results: Results, *, json_lines: bool = False, explain: bool = False) -> None:
        if results.partial:  # a message, not a hit: on stderr, in every format
            shards = ", ".join(map(str, results.missing_shards))
            print(
                f"akhbar: partial results: shard {shards} had no live copy; these are the other shards' hits",
                file=sys.stderr,
            )
        if results.names_cut_short:  # as partial: the total may be short
            print(
                f"akhbar: {', '.join(results.names_cut_short)}: stopped looking for more spellings at the time "
                "limit, so more articles may name it (a longer --time-limit looks further)",
                file=sys.stderr,
            )
        if json_lines:
            for hit in results.hits:
                print(json.dumps(hit.to_json(), ensure_ascii=False), file=self.out)
            if results.facets:
                print(json.dumps({"facets": results.facets, "total": results.total}, ensure_ascii=False), file=self.out)
            if results.suggestion:  # not a hit: a message, on stderr
                print(f"akhbar: did you mean: {results.suggestion}", file=sys.stderr)
            return
        if explain:
            self.line(f"query: {results.parsed}")
            if results.dropped:
                self.line(f"stop words left out: {' '.join(results.dropped)}")
            for name in results.names:
                self.line(name.describe())
        if results.total == 0:
            self.line("no articles matched")
        else:
            first = (results.page - 1) * results.limit + 1
            last = first + len(results.hits) - 1
            shown = f"{first}-{last}" if results.hits else "none"
            self.line(
                f"{results.total} {'article' if results.total == 1 else 'articles'} matched (showing {shown}, page {results.page} of {results.pages}, "
                f"{results.elapsed * 1000:.0f} ms)"
            )
        if results.suggestion:
            self.line(f"did you mean: {results.suggestion}")
        if results.facets:
            self.facets(results.facets)
        for hit in results.hits:
            self.line()
            self.hit(hit)

    def facets(self, facets: dict[str, dict[str, int]]) -> None:
        for name, counts in facets.items():
            shown = ", ".join(f"{k} {v}" for k, v in counts.items())
            self.line(f"by {name}: {shown}")

    def entities(self, found, *, json_lines: bool = False) -> None:
        if json_lines:
            for e in found:
                print(json.dumps(e.to_json(), ensure_ascii=False), file=self.out)
            return
        if not found:
            self.line("no entities found")
        for e in found:
            others = [s for s in e.spellings if s != e.name][:4]
            extra = f"  ({'، '.join(others)})" if others else ""
            self.line(f"{e.articles:>6}  {e.type:<12}  {e.name}{extra}")

    def timeline(self, periods: list[tuple[str, int]], *, json_lines: bool = False, width: int = 50) -> None:
        if json_lines:
            for period, count in periods:
                print(json.dumps({"period": period, "count": count}), file=self.out)
            return
        if not periods:
            self.line("no articles matched")
            return
        top = max(c for _, c in periods) or 1
        for period, count in periods:
            bar = "█" * round(count / top * width) if count else ""
            self.line(f"{period}  {count:>6}  {bar}")

    def doc(self, doc: Doc, *, json_lines: bool = False) -> None:
        if json_lines:
            print(json.dumps(doc.to_json(), ensure_ascii=False), file=self.out)
            return
        self.line(doc.title)
        meta = " · ".join(
            x for x in (doc.date.isoformat() if doc.date else None, doc.source, doc.category, doc.url) if x
        )
        if meta:
            self.line(meta)
        self.line(self._dim(f"id: {doc.id}"))
        self.line()
        self.line(doc.body)
