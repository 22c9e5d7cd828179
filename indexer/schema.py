"""The index schema (see ``docs/index.md``).

``title`` and ``body`` hold stems with positions (:func:`analyzers.ArabicAnalyzer`):
ranking, phrases.  ``title_exact`` and ``body_exact`` hold the normalized written
forms without positions (:func:`analyzers.ArabicExactAnalyzer`): ``=word``, the
exact-match ranking bonus, prefixes, fuzzy terms and spelling suggestions — a
frequency-only field costs far less than a second positional copy.  Stored
fields keep the text as written, for snippets and ``show``.
"""

from __future__ import annotations

from typing import Final

from whoosh import fields

from analyzers import AnalysisSettings, ArabicAnalyzer, ArabicExactAnalyzer

FORMAT_VERSION: Final = 3
LEAD_CHARS: Final = 300
"""The lead: the body's first characters (cut at a word), indexed again because
news puts its subject there (the inverted pyramid)."""


def lead_of(body: str) -> str:
    if len(body) <= LEAD_CHARS:
        return body
    cut = body.rfind(" ", 0, LEAD_CHARS)
    return body[: cut if cut > 0 else LEAD_CHARS]


"""Bump when the schema or the analysis changes what is in an index."""

TEXT_FIELDS: Final = ("title", "body")


def make_schema(settings: AnalysisSettings | None = None) -> fields.Schema:
    stemmed = ArabicAnalyzer(settings)
    exact = ArabicExactAnalyzer(settings)
    return fields.Schema(
        id=fields.ID(unique=True, stored=True, sortable=True),
        title=fields.TEXT(analyzer=stemmed, stored=True, phrase=True),
        body=fields.TEXT(analyzer=stemmed, stored=True, phrase=True),
        lead=fields.TEXT(analyzer=stemmed, phrase=False),
        title_exact=fields.TEXT(analyzer=exact, phrase=False),
        body_exact=fields.TEXT(analyzer=exact, phrase=False),
        date=fields.DATETIME(stored=True, sortable=True),
        mentioned=fields.DATETIME(),
        mentions=fields.STORED(),
        month=fields.ID(sortable=True),
        source=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        origin=fields.STORED(),
        digest=fields.ID(sortable=True),
    )
