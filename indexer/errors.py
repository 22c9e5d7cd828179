"""The one exception hierarchy of akhbar.  The CLI and REPL catch
:class:`AkhbarError`, print its message on one line and exit with code 2; any
other exception is a bug.

::

    AkhbarError
    ├── IndexAccessError (base of index problems)
    │   ├── IndexNotFound       no index at that path
    │   ├── NotAnIndex          the directory holds something else
    │   ├── IndexIncompatible   built by another format version
    │   ├── IndexCorrupt        files missing or damaged
    │   └── IndexLocked         another process is writing
    ├── CorpusError             a corpus path that cannot be read at all
    ├── QueryError              a query that cannot be run (``position`` points at the problem)
    │   └── QueryTimeout        a query that ran past its time limit
    └── ArticleNotFound         no article with that id
"""

from __future__ import annotations


class AkhbarError(Exception):
    """Base of every error akhbar reports to its user."""


class IndexAccessError(AkhbarError):
    """An index cannot be opened or written."""


class IndexNotFound(IndexAccessError):
    pass


class NotAnIndex(IndexAccessError):
    pass


class IndexIncompatible(IndexAccessError):
    pass


class IndexCorrupt(IndexAccessError):
    pass


class IndexLocked(IndexAccessError):
    pass


class ClusterUnavailable(IndexAccessError):
    """The Dask scheduler cannot be reached, or its workers cannot read or write the shards."""


class ShardUnavailable(ClusterUnavailable):
    """Shards with no live copy: no worker that holds them answers."""

    def __init__(self, message: str, shards: list[int]) -> None:
        super().__init__(message)
        self.shards = shards


class CorpusError(AkhbarError):
    """A corpus path that cannot be read (missing, unreadable, unknown type)."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


class QueryError(AkhbarError):
    """A query that cannot be parsed or run; ``position`` is the 0-based offset
    of the problem in the query text, when there is one; ``parameters``, the names of
    the search parameters at fault (``date_from`` …), which a front end may call by
    its own names (the CLI's ``--from``)."""

    def __init__(
        self, message: str, query: str = "", position: int | None = None, *, parameters: tuple[str, ...] = ()
    ) -> None:
        self.query = query
        self.position = position
        self.parameters = parameters
        if position is not None and query:
            # a little context either side: the message stays one short line for a query of any length
            before = query[max(0, position - 24) : position]
            after = query[position : position + 12]
            message = (
                f"{message} (at character {position + 1}: {'…' if position > 24 else ''}{before}⟦{after}⟧"
                f"{'…' if position + 12 < len(query) else ''})"
            )
        super().__init__(message)


class QueryTimeout(QueryError):
    """A query that was still running when its time limit passed (see ``Engine(time_limit=…)``)."""


class ArticleNotFound(AkhbarError):
    pass
