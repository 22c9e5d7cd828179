"""The order of hits: best score first (or newest, or oldest), ties by article id.

Whoosh breaks ties by document number: where an article happens to sit in the index.
That differs between one index and the same articles split into shards, and between
two builds of the same corpus; a tie broken by the article's id gives the same order
in any of them.  Articles without a date come after the dated ones in both date orders
(a reader sorting by date is looking for dates).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from akhbar.indexer.whoosh_internals.columns import column_values

__all__ = ["HitOrder"]

_NO_DATE = np.uint64(2**64 - 1)  # what Whoosh's numeric column holds for a missing date
_TICKS_A_DAY = np.uint64(86_400 * 10**6)  # Whoosh stores a datetime as microseconds since 0001-01-01


class HitOrder:
    """One index generation's ordering keys: each document's rank by id, and its date."""

    def __init__(self, reader) -> None:
        ids = list(column_values(reader, "id", missing=""))
        by_id = np.argsort(np.array(ids, dtype=object), kind="stable")
        self.rank = np.empty(len(ids), dtype=np.int64)
        self.rank[by_id] = np.arange(len(ids), dtype=np.int64)
        self._reader = reader
        self._dates: np.ndarray | None = None

    @classmethod
    def of_ids(cls, ids: list[str]) -> HitOrder:
        """For tests and examples: documents 0, 1, … with these ids, without dates."""
        order = cls.__new__(cls)
        by_id = np.argsort(np.array(ids, dtype=object), kind="stable")
        order.rank = np.empty(len(ids), dtype=np.int64)
        order.rank[by_id] = np.arange(len(ids), dtype=np.int64)
        order._dates = np.full(len(ids), _NO_DATE, dtype=np.uint64)
        return order

    def dates(self) -> np.ndarray:
        if self._dates is None:
            values = column_values(self._reader, "date", missing=_NO_DATE, translate=False)
            self._dates = np.fromiter(values, dtype=np.uint64, count=len(self.rank))
        return self._dates

    def best(self, ids: np.ndarray, scores: np.ndarray, k: int | None = None) -> list[tuple[int, float]]:
        """The ``k`` best (docnum, score) (all, with None): highest score first, ties by id.

        >>> order = HitOrder.of_ids(["d", "c", "b", "a"])
        >>> order.best(np.array([0, 1, 2, 3]), np.array([0.5, 2.0, 0.5, 1.0]), 3)
        [(1, 2.0), (3, 1.0), (2, 0.5)]
        """
        if k is not None and len(ids) > k:
            if k <= 0:
                return []
            kth = np.partition(-scores, k - 1)[k - 1]
            keep = np.flatnonzero(-scores <= kth)  # ties at the k-th score all stay for the sort
            ids, scores = ids[keep], scores[keep]
        chosen = np.lexsort((self.rank[ids], -scores))[:k]
        return list(zip(ids[chosen].tolist(), scores[chosen].tolist(), strict=True))

    def by_date(
        self, ids: np.ndarray, scores: np.ndarray, *, newest: bool, k: int | None = None
    ) -> list[tuple[int, float]]:
        """(docnum, score) newest (or oldest) first, ties by id, undated last."""
        dates = self.dates()[ids]
        undated = dates == _NO_DATE
        # lexsort's last key is the first: dated before undated, then the date (inverted
        # bitwise for newest first), then the id
        chosen = np.lexsort((self.rank[ids], ~dates if newest else dates, undated))[:k]
        return list(zip(ids[chosen].tolist(), scores[chosen].tolist(), strict=True))

    def periods(self, ids: np.ndarray, by: str) -> dict[str, int]:
        """How many of the documents ``ids`` are dated in each month (``YYYY-MM``) or day
        (``YYYY-MM-DD``); undated ones are not counted."""
        dates = self.dates()[ids]
        days = dates[dates != _NO_DATE] // _TICKS_A_DAY
        found, n = np.unique(days, return_counts=True)
        counts: dict[str, int] = {}
        for day, count in zip(found.tolist(), n.tolist(), strict=True):
            date = dt.date.fromordinal(day + 1)
            label = f"{date.year:04d}-{date.month:02d}" if by == "month" else date.isoformat()
            counts[label] = counts.get(label, 0) + count
        return counts

    def rescored(self, scores: dict[int, float]) -> list[tuple[int, float]]:
        """(docnum, score) pairs re-sorted after their scores changed."""
        return sorted(scores.items(), key=lambda item: (-item[1], self.rank[item[0]]))
