"""Every hit of a query written out, as JSON Lines or as CSV (``akhbar search --all``
and the server's ``/api/export``): a line at a time, so that a large export streams."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from akhbar.search.engine import Hit

__all__ = ["CSV_COLUMNS", "EXPORT_FORMATS", "csv_lines", "jsonl_lines"]

EXPORT_FORMATS = ("jsonl", "csv")
CSV_COLUMNS = ("id", "date", "source", "title", "url", "score", "snippet")


def jsonl_lines(hits: Iterable[Hit]) -> Iterator[str]:
    """One JSON object a hit (the fields of ``--json``), a line each."""
    for hit in hits:
        yield json.dumps(hit.to_json(), ensure_ascii=False) + "\n"


def csv_lines(hits: Iterable[Hit]) -> Iterator[str]:
    """CSV with a header row and a byte-order mark (spreadsheets read it as UTF-8, not
    as the system's code page).  A cell that would start with = + - @ is prefixed
    with ' so that a spreadsheet shows it as text instead of running it as a formula.

    >>> from akhbar.search.engine import Hit
    >>> lines = list(csv_lines([Hit("a1", "=1+2", None, None, 1.5, "حلب")]))
    >>> lines[1]
    "a1,,,'=1+2,,1.5000,حلب\\r\\n"
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(row) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()

    yield "\ufeff" + line(CSV_COLUMNS)
    for hit in hits:
        yield line(
            [
                hit.id,
                hit.date.isoformat() if hit.date else "",
                _cell(hit.source or ""),
                _cell(hit.title),
                _cell(hit.url or ""),
                f"{hit.score:.4f}",
                _cell(hit.snippet),
            ]
        )


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
