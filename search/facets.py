"""A search's facets: its hits counted by source and month, and the people, places and
organizations they mention most (:meth:`akhbar.search.engine.Engine.search` with
``facets=True``).

Every count is exact and made in numpy over the hits' document numbers: the source and
month of every article are read once per index generation into arrays of codes, the
entity keys' articles into :class:`~akhbar.search.entity_counts.EntityPostings`.
"""

from __future__ import annotations

import numpy as np

from akhbar.indexer.whoosh_internals.columns import column_values
from akhbar.search.entity_counts import EntityPostings, SameName, readable_names

__all__ = ["COLUMNS", "ENTITY_FACETS", "FacetColumns", "facet_counts", "no_facets"]

COLUMNS = ("source", "month")
ENTITY_FACETS = 10
"""People, places and organizations listed in a search's facets, of each type."""
NONE = "(none)"  # an article without a source or date


class FacetColumns:
    """The source and month of every article of one searcher, as arrays of value codes."""

    def __init__(self, reader) -> None:
        self._values: dict[str, list[str]] = {}
        self._codes: dict[str, np.ndarray] = {}
        for name in COLUMNS:
            code: dict[str, int] = {}
            self._codes[name] = np.fromiter(
                (code.setdefault(v or NONE, len(code)) for v in column_values(reader, name)),
                dtype=np.int32,
                count=reader.doc_count_all(),
            )
            self._values[name] = list(code)

    def counts(self, ids: np.ndarray) -> dict[str, dict[str, int]]:
        """{source: hits} commonest first, and {YYYY-MM: hits} in date order."""
        out: dict[str, dict[str, int]] = {}
        for name, codes in self._codes.items():
            values = self._values[name]
            n = np.bincount(codes[ids], minlength=len(values)) if len(codes) else np.zeros(0, dtype=np.int64)
            found = {values[i]: int(n[i]) for i in np.flatnonzero(n)}
            order = (lambda kv: (-kv[1], kv[0])) if name == "source" else (lambda kv: kv[0])
            out[name] = dict(sorted(found.items(), key=order))
        return out


def no_facets() -> dict[str, dict[str, int]]:
    """The facets of a search without hits."""
    return {name: {} for name in (*COLUMNS, "person", "place", "organization")}


def facet_counts(
    searcher,
    ids: np.ndarray,
    columns: FacetColumns,
    entities: EntityPostings,
    rank: np.ndarray,
    same_name: SameName,
) -> dict[str, dict[str, int]]:
    """Every facet of the hits ``ids`` (document numbers); ``rank``: each document's rank by
    id; ``same_name``: the other keys of an entity's name, counted as it."""
    facets = columns.counts(ids)
    for kind, names in readable_names(searcher, ids, entities, ENTITY_FACETS, rank, same_name).items():
        facets[kind] = names
    return facets
