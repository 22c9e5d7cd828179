"""A sharded archive's shards scored in parallel, one Dask actor a shard.

The coordinating :class:`~akhbar.search.engine.Engine` reads the archive as one index
(:class:`~akhbar.indexer.shards.UnionIndex`): it compiles each query with the archive's
vocabulary, and knows the archive's statistics.  As Elasticsearch's
``dfs_query_then_fetch``, it sends every shard the compiled query with the archive-wide
IDF of each of its terms and the average field lengths; each shard scores its own
articles with them — so its scores are the archive's — and returns its total and its
best hits (all of them when facets need them).  The coordinator merges them by score,
then id (:class:`~akhbar.search.ordering.HitOrder`), and reads the page's stored text.

Dask does the distribution — processes, transport, placement: a ``LocalCluster`` of a
worker process per shard (up to the cores) on this machine, or the workers of a
scheduler named by address.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import query as wquery
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from akhbar.analyzers import AnalysisSettings
from akhbar.indexer.deadline import time_limit
from akhbar.indexer.errors import IndexAccessError, QueryError, QueryTimeout
from akhbar.indexer.shards import ArchiveMeta, ShardedStore
from akhbar.indexer.store import Meta, Store
from akhbar.search.accumulate import Accumulator, DocSet, every_hit
from akhbar.search.bonus import bonus_scores
from akhbar.search.ordering import HitOrder

__all__ = ["ClusterUnavailable", "ShardPool", "ShardScorer", "Statistics", "dask_available"]

CONNECT_TIMEOUT = 5.0  # seconds to reach a scheduler before saying it cannot be reached
PREPARE_TIMEOUT = 300.0  # seconds for a worker to open its shard (a shard of a large archive is read once)
ANSWER_MARGIN = 10.0  # seconds a shard may take past the query's own limit (transport) before it is given up
PROTOCOL = 2  # changes when ShardScorer's methods do: a worker running another akhbar is refused


def _fingerprint() -> int:
    """Run on each worker: the shard protocol its akhbar speaks."""
    return PROTOCOL


class ClusterUnavailable(IndexAccessError):
    """The Dask scheduler cannot be reached, or a shard has no live worker."""


def dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Statistics:
    """What a shard needs to score as the whole archive would: the IDF of each term of
    the query and the average length of each field, across every shard."""

    idf: dict[tuple[str, bytes], float]
    average: dict[str, float]

    @classmethod
    def of(cls, searcher, queries: Iterable[wquery.Query]) -> Statistics:
        """The archive's statistics (``searcher`` reads every shard) for ``queries``' terms."""
        idf = {}
        for q in queries:
            for fieldname, text in q.iter_all_terms():
                if fieldname in searcher.schema:
                    btext = text if isinstance(text, bytes) else searcher.schema[fieldname].to_bytes(text)
                    idf[fieldname, btext] = searcher.idf(fieldname, btext)
        schema = searcher.schema
        average = {name: searcher.avg_field_length(name) for name in schema.scorable_names()}
        return cls(idf, average)


class _MissingStatistic(Exception):
    """A term the coordinator sent no IDF for (a query part that expands while it runs)."""


class _ArchiveSearcher(Searcher):
    """A shard's searcher whose IDF and average field lengths are the archive's."""

    statistics: Statistics | None = None

    def idf(self, fieldname, text):
        assert self.statistics is not None
        btext = text if isinstance(text, bytes) else self.schema[fieldname].to_bytes(text)
        try:
            return self.statistics.idf[fieldname, btext]
        except KeyError:
            raise _MissingStatistic(f"{fieldname}:{text!r}") from None

    def avg_field_length(self, fieldname, default=None):
        assert self.statistics is not None
        return self.statistics.average.get(fieldname, default)


@dataclass
class ShardAnswer:
    """One shard's part of a query: its total, and its best (or all) hits by shard-local
    document number; ``missing`` when the query needs a statistic it was not sent."""

    total: int
    ids: np.ndarray
    scores: np.ndarray
    missing: bool = False
    timeout: str | None = None
    bonused: dict[int, float] | None = None  # the first hits' scores with the ranking bonuses


class ShardScorer:
    """One shard, opened in a Dask worker process (an actor: its methods run there)."""

    def __init__(self, path: str, settings: AnalysisSettings, b: float, k1: float) -> None:
        self._store = Store(path)
        self._settings = settings
        self._weighting = BM25F(B=b, K1=k1)
        self._generation: str | None = None
        self._searcher: _ArchiveSearcher | None = None
        self._accumulator: Accumulator | None = None
        self._order: HitOrder | None = None

    def _open(self, generation: str) -> _ArchiveSearcher:
        if self._generation != generation:
            if self._searcher is not None:
                self._searcher.close()
            ix = self._store.open_index(Meta(generation=generation, analysis=self._settings))
            self._searcher = _ArchiveSearcher(ix.reader(), weighting=self._weighting)
            self._accumulator = None
            self._order = HitOrder(self._searcher.reader())
            self._generation = generation
        assert self._searcher is not None
        return self._searcher

    def prepare(self, generation: str, statistics: Statistics) -> int:
        """Open ``generation`` and make what every query reads (ordering keys, length
        factors of the scored fields) before the first query; returns its size."""
        searcher = self._open(generation)
        searcher.statistics = statistics
        if self._accumulator is None:
            self._accumulator = Accumulator(searcher, self._weighting)
        self._accumulator.scores(wquery.Or([wquery.Term(f, "") for f in ("title", "body") if f in searcher.schema]))
        return searcher.doc_count_all()

    def score(
        self,
        generation: str,
        query: wquery.Query,
        statistics: Statistics,
        allowed: np.ndarray | None,
        depth: int | None,
        sort: str,
        seconds: float | None,
        bonus: list[wquery.Query] = (),
        head: int = 0,
    ) -> ShardAnswer:
        """The hits of ``query`` in this shard (only ``allowed`` ones, if given): the total,
        and the first ``depth`` (None: all) in the order ``sort``, the first ``head`` of
        them also re-scored with the ``bonus`` queries."""
        searcher = self._open(generation)
        searcher.statistics = statistics
        if self._accumulator is None:  # its length factors need the archive's averages: made after them
            self._accumulator = Accumulator(searcher, self._weighting)
        try:
            with time_limit(seconds, "the query"):
                ids, scores = every_hit(searcher, self._accumulator, query, allowed)
                assert self._order is not None
                if sort == "relevance":
                    ranked = self._order.best(ids, scores, depth)
                else:
                    ranked = self._order.by_date(ids, scores, newest=sort == "newest", k=depth)
                bonused = bonus_scores(searcher, ranked[:head], list(bonus), self._accumulator) if bonus else None
        except _MissingStatistic:
            return ShardAnswer(0, np.zeros(0, np.int64), np.zeros(0), missing=True)
        except QueryError as e:  # out of time: said by the coordinator, which knows the whole query
            return ShardAnswer(0, np.zeros(0, np.int64), np.zeros(0), timeout=str(e))
        chosen = np.array([n for n, _ in ranked], dtype=np.int64)
        chosen_scores = np.array([s for _, s in ranked], dtype=np.float64)
        return ShardAnswer(len(ids), chosen, chosen_scores, bonused=bonused)


def _localized(q: wquery.Query, base: int, size: int) -> wquery.Query:
    """``q`` with its :class:`DocSet` parts (archive-wide document numbers) renumbered for
    the shard whose documents are ``base`` .. ``base + size - 1``."""
    if isinstance(q, DocSet):
        local = q.ids[(q.ids >= base) & (q.ids < base + size)] - base
        return DocSet(local, q.score, q.label)
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _localized(sub, base, size))


class ShardPool:
    """A Dask actor for every shard of an archive; :meth:`score` asks them all at once."""

    def __init__(
        self,
        store: ShardedStore,
        meta: ArchiveMeta,
        *,
        b: float,
        k1: float,
        processes: int | None = None,
        cluster: str | None = None,
    ) -> None:
        from distributed import Client, LocalCluster

        self.shards = meta.shards
        self.fallbacks = 0  # queries the shards could not score alone (scored by the coordinator)
        self._local: LocalCluster | None = None
        try:
            if cluster:
                self._client = Client(cluster, timeout=CONNECT_TIMEOUT)
            else:
                n = processes or min(meta.shards, os.cpu_count() or 1)
                self._local = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,  # a lost worker is retried: not news for the terminal
                )
                self._client = Client(self._local)
        except RuntimeError as e:  # the worker processes did not start
            raise ClusterUnavailable(
                f"could not start worker processes for the shards ({e}); a Python script starts them only "
                f'inside if __name__ == "__main__": (as for multiprocessing), or open the archive with processes=0'
            ) from None
        except (OSError, TimeoutError) as e:
            raise ClusterUnavailable(
                f"cannot reach the Dask scheduler at {cluster} ({type(e).__name__}: {e}); "
                f"start one with: dask scheduler, and workers with: dask worker {cluster}"
            ) from None
        workers = sorted(self._client.scheduler_info()["workers"])
        if not workers:
            self.close()
            raise ClusterUnavailable(
                f"the Dask scheduler at {cluster} has no workers: start some with: dask worker ADDRESS"
            )
        try:
            speaks = set(self._client.run(_fingerprint).values())
        except Exception as e:  # noqa: BLE001 - a worker that cannot even load this function
            speaks = {f"{type(e).__name__}: {e}"}
        if speaks != {PROTOCOL}:
            self.close()
            raise ClusterUnavailable(
                f"the Dask workers of {cluster or 'this machine'} run another version of akhbar; "
                f"install this one where they run and restart them (dask worker ADDRESS)"
            )
        futures = [
            self._client.submit(
                ShardScorer,
                str(store.shard_path(k)),
                meta.analysis,
                b,
                k1,
                actor=True,
                workers=[workers[k % len(workers)]],
                allow_other_workers=False,
                pure=False,
            )
            for k in range(meta.shards)
        ]
        self._actors = [f.result() for f in futures]

    def prepare(self, meta: ArchiveMeta, statistics: Statistics) -> None:
        """Every shard opened and ready (see :meth:`ShardScorer.prepare`)."""
        calls = [actor.prepare(meta.generations[k], statistics) for k, actor in enumerate(self._actors)]
        for k, call in enumerate(calls):
            self._answer(k, call, PREPARE_TIMEOUT)

    def _answer(self, k: int, call, seconds: float):
        """A shard's answer; a shard that does not answer in ``seconds`` (its worker died,
        the network is down) is an error that names it, never a wait without end."""
        try:
            return call.result(timeout=seconds)
        except TimeoutError:
            raise ClusterUnavailable(
                f"shard {k} did not answer within {seconds:g} s (its Dask worker may have stopped); "
                f"try again, or restart the workers"
            ) from None

    def score(
        self,
        meta: ArchiveMeta,
        sizes: list[int],
        query: wquery.Query,
        statistics: Statistics,
        allowed: set[int] | None,
        depth: int | None,
        sort: str,
        bonus: list[wquery.Query],
        head: int,
        seconds: float | None,
        limit: float | None = None,
    ) -> tuple[int, np.ndarray, np.ndarray, dict[int, float] | None] | None:
        """(total, archive document numbers, scores) of the shards' best hits together
        (their first ``depth`` each; None: all), or None if a shard needs a statistic it
        was not sent (the coordinator then scores the query itself).  ``seconds``: what
        is left of the query's time ``limit``."""
        bases = np.cumsum([0, *sizes[:-1]]).tolist()
        wanted = None
        if allowed is not None:
            wanted = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        calls = []
        for k, actor in enumerate(self._actors):
            base, size = bases[k], sizes[k]
            local = None if wanted is None else wanted[(wanted >= base) & (wanted < base + size)] - base
            calls.append(
                actor.score(
                    meta.generations[k],
                    _localized(query, base, size),
                    statistics,
                    local,
                    depth,
                    sort,
                    seconds,
                    [_localized(q, base, size) for q in bonus],
                    head,
                )
            )
        wait = (seconds if seconds is not None else PREPARE_TIMEOUT) + ANSWER_MARGIN
        answers: list[ShardAnswer] = [self._answer(k, call, wait) for k, call in enumerate(calls)]
        if any(a.missing for a in answers):
            self.fallbacks += 1
            return None
        if any(a.timeout for a in answers):
            raise QueryTimeout(f"the query took longer than {limit:g} s and was stopped")
        total = sum(a.total for a in answers)
        ids = np.concatenate([a.ids + base for a, base in zip(answers, bases, strict=True)])
        scores = np.concatenate([a.scores for a in answers])
        bonused = None
        if bonus:
            bonused = {
                n + base: s for a, base in zip(answers, bases, strict=True) for n, s in (a.bonused or {}).items()
            }
        return total, ids, scores, bonused

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
        if self._local is not None:
            with contextlib.suppress(Exception):
                self._local.close()
