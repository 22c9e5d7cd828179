"""Reading corpora into :class:`Article` records and building the index."""

from akhbar.indexer.article import Article, Rejected
from akhbar.indexer.build import BuildReport, update_index
from akhbar.indexer.corpus import corpus_files, read_corpus, read_file
from akhbar.indexer.errors import (
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
from akhbar.indexer.schema import FORMAT_VERSION, make_schema
from akhbar.indexer.store import Store

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
