"""Searching an akhbar index: the :class:`Engine`, its results, the query language."""

from akhbar.indexer.errors import (
    AkhbarError,
    ArticleNotFound,
    ClusterUnavailable,
    CorpusError,
    IndexCorrupt,
    IndexIncompatible,
    IndexLocked,
    IndexNotFound,
    NotAnIndex,
    QueryError,
    QueryTimeout,
    ShardUnavailable,
)
from akhbar.search.engine import Doc, Engine, Hit, Results

__all__ = [
    "AkhbarError",
    "ArticleNotFound",
    "ClusterUnavailable",
    "CorpusError",
    "Doc",
    "Engine",
    "Hit",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexLocked",
    "IndexNotFound",
    "NotAnIndex",
    "QueryError",
    "QueryTimeout",
    "ShardUnavailable",
    "Results",
]
