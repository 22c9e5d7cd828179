"""akhbar — a search engine for Arabic news archives.

The public API::

    from akhbar import Engine, Article, read_corpus, analyze, extract_entities, AkhbarError

>>> from akhbar import Article, Engine
>>> with Engine.in_memory() as engine:
...     _ = engine.add([Article("a1", "هدنة في حلب", "أعلنت الأطراف هدنةً إنسانية في حلب.")])
...     [hit.id for hit in engine.search("الهدنة بحلب")]
['a1']

The parts: :mod:`akhbar.analyzers` (all Arabic knowledge), :mod:`akhbar.indexer` (corpus
readers, the index and its builds), :mod:`akhbar.search` (the Engine, the query
language, the command line).
"""

from akhbar.analyzers import analyze, extract_dates, extract_entities
from akhbar.indexer import Article, BuildReport, Rejected, read_corpus
from akhbar.indexer.errors import (
    AkhbarError,
    ArticleNotFound,
    CorpusError,
    IndexAccessError,
    IndexCorrupt,
    IndexIncompatible,
    IndexLocked,
    IndexNotFound,
    NotAnIndex,
    QueryError,
    QueryTimeout,
)
from akhbar.search.engine import Doc, Engine, EntityCount, Hit, HitStream, Results

__all__ = [
    "AkhbarError",
    "Article",
    "ArticleNotFound",
    "BuildReport",
    "CorpusError",
    "Doc",
    "Engine",
    "EntityCount",
    "Hit",
    "HitStream",
    "IndexAccessError",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexLocked",
    "IndexNotFound",
    "NotAnIndex",
    "QueryError",
    "QueryTimeout",
    "Rejected",
    "Results",
    "analyze",
    "extract_dates",
    "extract_entities",
    "read_corpus",
]
