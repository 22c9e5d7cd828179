"""Reading corpora into :class:`Article` records and building the index."""

from indexer.article import Article, Rejected
from indexer.build import BuildReport, update_index
from indexer.corpus import corpus_files, read_corpus, read_file
from indexer.errors import (
    AkhbarError,
    ArticleNotFound,
    CorpusError,
    IndexCorrupt,
    IndexIncompatible,
    IndexLocked,
    IndexNotFound,
    NotAnIndex,
    QueryError,
    QueryTimeout,
)
from indexer.schema import FORMAT_VERSION, make_schema
from indexer.store import Store

__all__ = [
    "FORMAT_VERSION",
    "AkhbarError",
    "Article",
    "ArticleNotFound",
    "BuildReport",
    "CorpusError",
    "IndexCorrupt",
    "IndexIncompatible",
    "IndexLocked",
    "IndexNotFound",
    "NotAnIndex",
    "QueryError",
    "QueryTimeout",
    "Rejected",
    "Store",
    "corpus_files",
    "make_schema",
    "read_corpus",
    "read_file",
    "update_index",
]
