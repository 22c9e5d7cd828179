"""The index schema (see ``docs/index.md``).

``title`` and ``body`` are analysed by :func:`analyzers.ArabicIndexAnalyzer`:
each word's normalized form plus, where different, its stem marked ``^`` at the
same position — one positional field serves stemmed, exact, prefix and phrase
search.  Stored fields keep the text as written, for snippets and ``show``.
"""

from __future__ import annotations

from typing import Final

from whoosh import fields

from analyzers import AnalysisSettings, ArabicIndexAnalyzer

FORMAT_VERSION: Final = 1
"""Bump when the schema or the analysis changes what is in an index."""

TEXT_FIELDS: Final = ("title", "body")


def make_schema(settings: AnalysisSettings | None = None) -> fields.Schema:
    analyzer = ArabicIndexAnalyzer(settings)
    return fields.Schema(
        id=fields.ID(unique=True, stored=True, sortable=True),
        title=fields.TEXT(analyzer=analyzer, stored=True, phrase=True),
        body=fields.TEXT(analyzer=analyzer, stored=True, phrase=True),
        date=fields.DATETIME(stored=True, sortable=True),
        month=fields.ID(sortable=True),
        source=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        origin=fields.STORED(),
        digest=fields.ID(sortable=True),
    )
