"""How ``akhbar serve`` answers what it cannot do: the status and one line a person can
act on, for the API (as JSON, :mod:`akhbar.search.server`) and the page (as HTML,
:mod:`akhbar.search.pages`) alike."""

from __future__ import annotations

from akhbar.indexer.errors import AkhbarError, ArticleNotFound, QueryError, QueryTimeout

__all__ = ["MAX_ID", "Problem", "check_id", "problem_of"]

MAX_ID = 300
"""Characters of an article id a request may give."""


class Problem(Exception):
    """A request that cannot be answered: the status and the one line said."""

    def __init__(self, status: int, message: str, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


def check_id(id: str) -> str:
    """An article id as a request gives it: text of a sensible length, no control characters."""
    if not id or len(id) > MAX_ID or any(ord(c) < 32 or ord(c) == 127 for c in id):
        raise Problem(400, f"not an article id: ids are 1 to {MAX_ID} printable characters")
    return id


def problem_of(e: AkhbarError) -> Problem:
    """The HTTP answer to an error of the engine."""
    if isinstance(e, ArticleNotFound):
        return Problem(404, str(e))
    if isinstance(e, QueryTimeout):
        return Problem(400, f"{e}: narrow the query (fewer phrases, prefixes or OR-ed words; rarer words)")
    if isinstance(e, QueryError):
        message = str(e)
        for name in e.parameters:  # the engine's parameter names, as this API calls them
            message = message.replace(name, {"date_from": "from", "date_to": "to"}.get(name, name))
        return Problem(400, message, position=e.position)
    return Problem(503, f"the index cannot be read: {e}")
