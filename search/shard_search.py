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
import itertools
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import query as wquery
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from akhbar.analyzers import AnalysisSettings
from akhbar.indexer.cluster import connect
from akhbar.indexer.deadline import time_limit
from akhbar.indexer.errors import ClusterUnavailable, QueryError, QueryTimeout
from akhbar.indexer.shards import ArchiveMeta, ShardedStore
from akhbar.indexer.store import Meta, Store
from akhbar.search.accumulate import Accumulator, DocSet, every_hit
from akhbar.search.bonus import bonus_scores
from akhbar.search.ordering import HitOrder

__all__ = [
    "PoolAnswer",
    "ShardPool",
    "ShardScorer",
    "Statistics",
]

PREPARE_TIMEOUT = 300.0  # seconds for a worker to open its shard (a shard of a large archive is read once)
LIVENESS_CHECK = 1.0  # seconds between looks at whether the worker a shard waits for is still listed
HOLDINGS_TIMEOUT = 2.0  # seconds a worker has to say which shards it holds
TOP_UP_EVERY = 5.0  # seconds between attempts to give shards that lost copies their replicas again
ANSWER_MARGIN = 10.0  # seconds a shard may take past the query's own limit (transport) before it is given up


def _holds(path: str, generations: list[str]) -> list[int]:
    """Run on each worker: the shards of the archive at ``path`` whose published
    generation is on this worker's disk (a shared directory, or its own copy)."""
    store = ShardedStore(path)
    return [k for k, g in enumerate(generations) if (store.shard_path(k) / g).is_dir()]


@dataclass
class Statistics:
    """What a shard needs to score as the whole archive would: the IDF of each term of
    the query and the average length of each field, across every shard."""

    idf: dict[tuple[str, bytes], float]
    average: dict[str, float]
    postings: int = 0  # the first query's terms' postings: what scoring it reads

    @classmethod
    def of(cls, searcher, queries: Iterable[wquery.Query]) -> Statistics:
        """The archive's statistics (``searcher`` reads every shard) for ``queries``' terms."""
        idf = {}
        postings = 0
        for i, q in enumerate(queries):
            for fieldname, text in q.iter_all_terms():
                if fieldname in searcher.schema:
                    btext = text if isinstance(text, bytes) else searcher.schema[fieldname].to_bytes(text)
                    idf[fieldname, btext] = searcher.idf(fieldname, btext)
                    if i == 0:
                        postings += searcher.doc_frequency(fieldname, btext)
        schema = searcher.schema
        average = {name: searcher.avg_field_length(name) for name in schema.scorable_names()}
        return cls(idf, average, postings)


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
        assert self._order is not None
        self._order.dates()  # for the first query sorted by date
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


@dataclass
class PoolAnswer:
    """The shards' hits together: archive document numbers and scores of each shard's
    best (or all), the total, the re-scored heads, and the shards that had no live copy."""

    total: int
    ids: np.ndarray
    scores: np.ndarray
    bonused: dict[int, float] | None
    missing: list[int]


@dataclass
class _Copy:
    """A shard opened by an actor on one worker."""

    worker: str
    actor: object
    # the future the actor came from: held, so that its worker keeps the actor (the actor's
    # handle refers to it through whichever client is the process's default, perhaps another)
    future: object


class ShardPool:
    """Dask actors for the shards of an archive, each on a worker that holds the shard
    (up to ``replicas`` of them); :meth:`score` asks every shard at once, one copy each,
    and asks another copy when one fails.  Used under the engine's lock."""

    def __init__(
        self,
        store: ShardedStore,
        meta: ArchiveMeta,
        *,
        b: float,
        k1: float,
        processes: int | None = None,
        cluster: str | None = None,
        replicas: int = 1,
    ) -> None:
        from distributed import LocalCluster

        self.shards = meta.shards
        self.replicas = replicas
        self.queries = 0  # queries the shards were asked to score
        self.fallbacks = 0  # queries the shards could not score alone (scored by the coordinator)
        self.failovers = 0  # shard calls that failed and were asked of another copy
        self._store = store
        self._scorer_args = (meta.analysis, b, k1)
        self._turn = itertools.count()  # spreads queries over a shard's copies
        self._errors: dict[int, str] = {}  # the last failure of each shard, for its message
        self._local: LocalCluster | None = None
        try:
            if cluster:
                self._client = connect(cluster)
            else:
                n = processes or min(meta.shards * replicas, os.cpu_count() or 1)
                self._local = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,  # a lost worker is retried: not news for the terminal
                )
                self._client = connect(self._local)
        except RuntimeError as e:  # the worker processes did not start
            raise ClusterUnavailable(
                f"could not start worker processes for the shards ({e}); a Python script starts them only "
                f'inside if __name__ == "__main__": (as for multiprocessing), or open the archive with processes=0'
            ) from None
        self._where = cluster or "this machine"
        self.copies: list[list[_Copy]] = [[] for _ in range(meta.shards)]
        self._asked: tuple[dict[str, object], float] | None = None  # a top-up's question to the workers
        self._opening: list[tuple[int, str, object]] = []  # a top-up's copies on their way
        self._topped_up = float("-inf")  # when the last top-up began
        self._place(meta, range(meta.shards))

    def _ask_holders(self, meta: ArchiveMeta) -> dict[str, object]:
        """Every live worker asked which shards it holds (see :func:`_holds`), as futures."""
        return {
            w: self._client.submit(
                _holds, str(self._store.path), meta.generations, workers=[w], allow_other_workers=False, pure=False
            )
            for w in self._client.scheduler_info()["workers"]
        }

    def _held(self, asked: dict[str, object]) -> dict[str, list[int]]:
        """The answers to :meth:`_ask_holders` that came; a worker that did not answer
        (lost, but not known lost yet) holds none."""
        held = {w: f.result() for w, f in asked.items() if f.status == "finished"}
        self._client.cancel([f for f in asked.values() if f.status != "finished"])
        return held

    def _short(self) -> dict[int, int]:
        """{shard: copies it lacks} of the shards with fewer than ``replicas`` copies."""
        return {k: self.replicas - len(cs) for k, cs in enumerate(self.copies) if len(cs) < self.replicas}

    def _open_copies(self, held: dict[str, list[int]], short: dict[int, int]) -> list[tuple[int, str, object]]:
        """Shard actors asked for on workers that hold shards ``short`` of copies and score
        none of their copies yet, the least busy first, as (shard, worker, future); a shard
        that no live worker holds stays without one."""
        busy = Counter(c.worker for copies in self.copies for c in copies)
        made = []
        for k, n in short.items():
            using = {c.worker for c in self.copies[k]}
            holders = sorted(w for w, ks in held.items() if k in ks and w not in using)
            if not holders:
                self._errors[k] = f"no live Dask worker of {self._where} holds shard-{k:03d}"
                continue
            turn = k % len(holders)  # equally busy workers: shard k starts at the k-th
            for w in sorted(holders[turn:] + holders[:turn], key=busy.__getitem__)[:n]:
                busy[w] += 1
                scorer = self._client.submit(
                    ShardScorer, str(self._store.shard_path(k)), *self._scorer_args,
                    actor=True, workers=[w], allow_other_workers=False, pure=False,
                )  # fmt: skip
                made.append((k, w, scorer))
        return made

    def _opened(self, k: int, worker: str, future) -> None:
        """A copy asked for by :meth:`_open_copies`, among shard ``k``'s (its failure noted)."""
        try:  # the actor opens nothing yet: made at once, unless its worker went
            copy = _Copy(worker, future.result(timeout=ANSWER_MARGIN), future)
        except Exception as e:  # noqa: BLE001
            self._errors[k] = f"{type(e).__name__}: {e}"
            return
        if len(self.copies[k]) < self.replicas and worker not in {c.worker for c in self.copies[k]}:
            self.copies[k].append(copy)

    def _place(self, meta: ArchiveMeta, shards: Iterable[int]) -> None:
        """Open ``shards`` (those short of copies) on live workers that hold them, up to
        ``replicas`` copies each, and wait for them."""
        wanted = set(shards)
        short = {k: n for k, n in self._short().items() if k in wanted}
        if not short:
            return
        from distributed import wait

        asked = self._ask_holders(meta)
        with contextlib.suppress(TimeoutError):  # raised when some did not answer: they hold none
            wait(list(asked.values()), timeout=HOLDINGS_TIMEOUT)
        for k, w, future in self._open_copies(self._held(asked), short):
            self._opened(k, w, future)

    def top_up(self, meta: ArchiveMeta) -> None:
        """Bring the shards that lost copies (a worker gone) back to ``replicas`` copies
        without a query waiting for it: one step each time a query ends — ask the live
        workers which shards they hold, then open copies there, then take them in — and
        a new round at most every :data:`TOP_UP_EVERY` seconds while a shard is short."""
        if self._asked is not None:
            asked, since = self._asked
            if all(f.done() for f in asked.values()) or time.monotonic() - since >= HOLDINGS_TIMEOUT:
                self._asked = None
                self._opening = self._open_copies(self._held(asked), self._short())
                self._topped_up = time.monotonic()
            return
        if self._opening:
            for item in [item for item in self._opening if item[2].done()]:
                self._opening.remove(item)
                self._opened(*item)
            if self._opening and time.monotonic() - self._topped_up >= ANSWER_MARGIN:
                # asked of a worker lost since: never made; the next round asks the live ones
                self._client.cancel([future for _, _, future in self._opening])
                self._opening = []
            return
        if self._short() and time.monotonic() - self._topped_up >= TOP_UP_EVERY:
            self._topped_up = time.monotonic()
            self._asked = (self._ask_holders(meta), time.monotonic())

    def prepare(self, meta: ArchiveMeta, statistics: Statistics) -> None:
        """Every copy of every shard opened and ready (see :meth:`ShardScorer.prepare`)."""
        calls = [
            (k, c, c.actor.prepare(meta.generations[k], statistics)) for k, cs in enumerate(self.copies) for c in cs
        ]
        for k, copy, call in calls:
            try:
                self._answer(call, PREPARE_TIMEOUT, copy.worker)
            except Exception as e:  # noqa: BLE001 - asked of another copy, or said missing, when queried
                self._drop(k, copy, e)

    def _answer(self, call, seconds: float, worker: str):
        """A copy's answer; one that does not come in ``seconds``, or whose ``worker``
        the scheduler no longer lists, is a failure like any other (an actor's answer
        never comes when its worker dies mid-call), never a wait without end."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                return call.result(timeout=min(LIVENESS_CHECK, max(0.0, deadline - time.monotonic())))
            except TimeoutError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"no answer within {seconds:g} s") from None
                if worker not in self._client.scheduler_info()["workers"]:
                    raise TimeoutError(f"its worker {worker} is gone") from None

    def _drop(self, k: int, copy: _Copy, error: BaseException) -> None:
        if copy in self.copies[k]:
            self.copies[k].remove(copy)
        self._errors[k] = f"{type(error).__name__}: {error}"

    def _ask(self, k: int, turn: int, args: tuple):
        """Shard ``k``'s next copy (by ``turn``) asked to score, as (copy, its answer to
        come); None if it has none left (a copy whose worker is known lost is dropped)."""
        while self.copies[k]:
            copy = self.copies[k][turn % len(self.copies[k])]
            try:
                return copy, copy.actor.score(*args)
            except Exception as e:  # noqa: BLE001 - Dask knows its worker is gone: the next copy
                self._drop(k, copy, e)
                self.failovers += 1
        return None

    def _settle(self, meta: ArchiveMeta, k: int, asked, turn: int, args: tuple, wait: float) -> ShardAnswer | None:
        """Shard ``k``'s answer: from the copy ``asked``, else from its other copies in
        turn, else from copies opened again on live workers that hold it; None if none
        is left."""
        placed = False
        while True:
            if asked is None:
                if placed:
                    return None
                self._place(meta, [k])
                placed = True
                asked = self._ask(k, turn, args)
                continue
            copy, call = asked
            try:
                return self._answer(call, wait, copy.worker)
            except Exception as e:  # noqa: BLE001 - a lost worker, a broken connection: the next copy
                self._drop(k, copy, e)
                self.failovers += 1
                asked = self._ask(k, turn, args)

    def complete(self) -> bool:
        """Has every shard a copy, as far as the pool knows?  (If not, a query goes through
        :meth:`score`, to find a live one or to say which shards have none; a copy whose
        worker died is known lost when it is next asked.)"""
        return all(self.copies)

    def missing_message(self, shards: list[int]) -> str:
        """Why ``shards`` cannot be searched, and what to do."""
        named = ", ".join(f"{k} ({self._errors.get(k, 'no copy')})" for k in shards)
        return (
            f"{'shard' if len(shards) == 1 else 'shards'} {named} of {self._store.path}: no live copy; "
            f"start a Dask worker where {'it is' if len(shards) == 1 else 'they are'} kept, "
            f"or search the other shards with --allow-partial (allow_partial=True)"
        )

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
    ) -> PoolAnswer | None:
        """The shards' best hits together (their first ``depth`` each; None: all), or
        None if a shard needs a statistic it was not sent (the coordinator then scores
        the query itself).  ``seconds``: what is left of the query's time ``limit``."""
        bases = np.cumsum([0, *sizes[:-1]]).tolist()
        wanted = None
        if allowed is not None:
            wanted = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
        self.queries += 1
        turn = next(self._turn)
        requests, asked = [], []
        for k in range(self.shards):
            base, size = bases[k], sizes[k]
            local = None if wanted is None else wanted[(wanted >= base) & (wanted < base + size)] - base
            localized_bonus = [_localized(q, base, size) for q in bonus]
            args = (
                meta.generations[k],
                _localized(query, base, size),
                statistics,
                local,
                depth,
                sort,
                seconds,
                localized_bonus,
                head,
            )
            requests.append(args)
            asked.append(self._ask(k, turn, args))
        wait = (seconds if seconds is not None else PREPARE_TIMEOUT) + ANSWER_MARGIN
        answers: dict[int, ShardAnswer] = {}
        for k in range(self.shards):
            answer = self._settle(meta, k, asked[k], turn, requests[k], wait)
            if answer is not None:
                answers[k] = answer
        self.top_up(meta)
        if any(a.missing for a in answers.values()):
            self.fallbacks += 1
            return None
        if any(a.timeout for a in answers.values()):
            raise QueryTimeout(f"the query took longer than {limit:g} s and was stopped")
        found = sorted(answers)
        return PoolAnswer(
            total=sum(a.total for a in answers.values()),
            ids=np.concatenate([np.zeros(0, np.int64)] + [answers[k].ids + bases[k] for k in found]),
            scores=np.concatenate([np.zeros(0)] + [answers[k].scores for k in found]),
            bonused={n + bases[k]: s for k in found for n, s in (answers[k].bonused or {}).items()} if bonus else None,
            missing=[k for k in range(self.shards) if k not in answers],
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
        if self._local is not None:
            with contextlib.suppress(Exception):
                self._local.close()
