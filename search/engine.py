"""The :class:`Engine`: akhbar's one embeddable entry point.

>>> from akhbar.search import Engine
>>> from akhbar.indexer import Article
>>> with Engine.in_memory() as engine:
...     report = engine.add([Article(id="a1", title="هدنة في حلب", body="أعلنت الأطراف هدنةً إنسانية في حلب.")])
...     [hit.id for hit in engine.search("الهدنة بحلب")]
['a1']

The CLI and the REPL call these methods and nothing else.  One searcher is
opened lazily, reused across queries and refreshed when another process (or
:meth:`Engine.add`) publishes a new generation; searches from many threads are
safe (they take turns on the searcher, which Whoosh does not share).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import pickle
import re
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import classify, scoring
from whoosh import query as wquery

from akhbar.analyzers import AnalysisSettings, Normalizer
from akhbar.analyzers.chains import AnalysisCore, shared_core
from akhbar.analyzers.dates import parse_date_end
from akhbar.analyzers.dates import since as since_date
from akhbar.indexer import Article, BuildReport, Rejected, Store, update_index
from akhbar.indexer.cluster import dask_available
from akhbar.indexer.cluster_build import update_archive_on_cluster
from akhbar.indexer.deadline import paused, remaining, time_limit
from akhbar.indexer.errors import (
    ArticleNotFound,
    ClusterUnavailable,
    IndexCorrupt,
    NotAnIndex,
    QueryError,
    ShardUnavailable,
)
from akhbar.indexer.name_table import NameTable
from akhbar.indexer.schema import ENTITY_INDEX, unpack_mentions
from akhbar.indexer.shards import ArchiveMeta, ShardedStore, open_store, update_archive
from akhbar.indexer.whoosh_internals.codec import BLOCK_ERRORS
from akhbar.search.accumulate import Accumulator, every_hit
from akhbar.search.bonus import bonus_scores
from akhbar.search.entity_counts import EntityCount, EntityPostings, count_entities
from akhbar.search.entity_keys import EntityKeys
from akhbar.search.facets import FacetColumns, facet_counts, no_facets
from akhbar.search.highlight import Highlighter
from akhbar.search.name_spellings import NameMatch, NameSpellings
from akhbar.search.ordering import HitOrder
from akhbar.search.query import MAX_FUZZY_CHARS, Compiled, DocsOf, Highlights, Ranking, compile_query
from akhbar.search.shard_search import ShardPool, Statistics
from akhbar.search.vocabulary import Vocabulary

SORTS = ("relevance", "newest", "oldest")


@dataclass(frozen=True)
class Hit:
    """One search result."""

    id: str
    title: str
    date: dt.date | None
    source: str | None
    score: float
    snippet: str
    rank: int = 0
    category: str | None = None
    url: str | None = None
    snippet_spans: list[tuple[int, int]] = field(default_factory=list)  # in ``snippet``
    matches: list[tuple[int, int]] = field(default_factory=list)  # in the original body
    title_spans: list[tuple[int, int]] = field(default_factory=list)
    mentioned: list[dict] = field(default_factory=list)  # dates the body mentions, with spans
    entities: list[dict] = field(default_factory=list)  # people, places, organizations mentioned
    matched: list[dict] = field(default_factory=list)  # each entity value of the query: the spelling found

    def to_json(self) -> dict:
        return {
            "rank": self.rank,
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "category": self.category,
            "url": self.url,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "snippet_spans": [list(s) for s in self.snippet_spans],
            "matches": [list(s) for s in self.matches],
            "mentioned": self.mentioned,
            "entities": self.entities,
            "matched": self.matched,
        }


@dataclass
class Results:
    """A page of hits and what is known about the whole result set."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    limit: int
    elapsed: float
    parsed: str = ""
    dropped: list[str] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    names: list[NameMatch] = field(default_factory=list)  # how each entity value was searched
    missing_shards: list[int] = field(default_factory=list)  # shards left out (allow_partial): no live copy

    @property
    def partial(self) -> bool:
        """Are these the hits of only some of the archive's shards?"""
        return bool(self.missing_shards)

    @property
    def names_cut_short(self) -> list[str]:
        """The entity values (as the query wrote them) whose spellings in the text were
        looked for until the time ran out: more articles may name them."""
        return [n.label for n in self.names if n.stopped]

    def __iter__(self):
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


@dataclass(frozen=True)
class Doc:
    """One whole article, as stored, with what its text mentions (and, when a query is
    given to :meth:`Engine.doc`, the words the query matched)."""

    id: str
    title: str
    body: str
    date: dt.date | None
    source: str | None
    category: str | None
    url: str | None
    entities: list[dict] = field(default_factory=list)  # people, places, organizations, with spans
    mentioned: list[dict] = field(default_factory=list)  # dates the body mentions, with spans
    matches: list[tuple[int, int]] = field(default_factory=list)  # in the body: the query's words
    title_spans: list[tuple[int, int]] = field(default_factory=list)  # in the title

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "category": self.category,
            "url": self.url,
            "body": self.body,
            "entities": self.entities,
            "mentioned": self.mentioned,
            "matches": [list(s) for s in self.matches],
            "title_spans": [list(s) for s in self.title_spans],
        }


def date_window(date_from: str | dt.date | None, date_to: str | dt.date | None) -> wquery.Query | None:
    """A publication-date filter from inclusive ends (days, or YYYY / YYYY-MM)."""
    if date_from is None and date_to is None:
        return None

    def end(value: str | dt.date | None, *, last: bool) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return parse_date_end(value.strip(), end=last)
        except ValueError as e:
            name = "date_to" if last else "date_from"
            raise QueryError(f"bad {name}: {e}", parameters=(name,)) from None

    start, stop = end(date_from, last=False), end(date_to, last=True)
    if start and stop and start > stop:
        raise QueryError(f"date_from ({start}) is after date_to ({stop})", parameters=("date_from", "date_to"))
    return wquery.DateRange(
        "date",
        dt.datetime.combine(start, dt.time.min) if start else None,
        dt.datetime.combine(stop, dt.time.max) if stop else None,
    )


def _since(spec: str, today: dt.date) -> dt.date:
    try:
        return since_date(spec, today)
    except ValueError as e:
        raise QueryError(f"bad since: {e}", parameters=("since",)) from None


def _later(date_from: str | dt.date | None, other: dt.date) -> dt.date:
    if date_from is None:
        return other
    if isinstance(date_from, str):
        try:
            date_from = parse_date_end(date_from.strip(), end=False)
        except ValueError as e:
            raise QueryError(f"bad date_from: {e}", parameters=("date_from",)) from None
    return max(date_from, other)


def fill_periods(counts: dict[str, int], by: str) -> list[tuple[str, int]]:
    """Every period from the first to the last, zeros included (a gap is news too)."""
    keys = sorted(counts)
    out = []
    if by == "month":
        y, m = map(int, keys[0].split("-"))
        last = tuple(map(int, keys[-1].split("-")))
        while (y, m) <= last:
            label = f"{y:04d}-{m:02d}"
            out.append((label, counts.get(label, 0)))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        day, last_day = dt.date.fromisoformat(keys[0]), dt.date.fromisoformat(keys[-1])
        if (last_day - day).days > 3660:
            return [(k, counts[k]) for k in keys]
        while day <= last_day:
            out.append((day.isoformat(), counts.get(day.isoformat(), 0)))
            day += dt.timedelta(days=1)
    return out


_DAMAGE = (OSError, EOFError, struct.error, pickle.UnpicklingError, *BLOCK_ERRORS)


def _reads_index(method):
    """Turn the errors of a damaged index file (missing, truncated) into IndexCorrupt."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _DAMAGE as e:
            raise IndexCorrupt(
                f"index at {self.store.path} is damaged ({type(e).__name__}: {e}); {self.store.hint()}"
            ) from None

    return wrapper


def _date(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


RERANK = 300
"""Candidates (by the words' stems) that the ranking bonuses re-score."""
SHARDS_FROM = 10_000
"""Postings a query's terms must hold for a sharded archive's worker processes to score
it: below, the coordinator scores it itself (it reads every shard), as a call to every
shard's worker costs more than the scoring it would share out."""

TIME_LIMIT = 0.45
"""Seconds a query may spend finding its hits before it is stopped, so that with its
page (stored text, snippets) it is answered or refused within half a second.  The
query limits of :mod:`search.query` refuse most costly shapes before they run; this
stops the rest, so that no query can hold a shared engine."""
SUGGEST_TIME = 0.1
"""Seconds "did you mean" may spend; past them the query is answered without one."""
SUGGEST_WORDS = 8
"""Unknown words "did you mean" tries to respell (the first ones of the query)."""


def _make_hit(
    highlighter: Highlighter,
    stored: dict,
    score: float | None,
    rank: int,
    highlights,
    snippet_width: int,
    names: Sequence[NameMatch] = (),
) -> Hit:
    """A hit from an article's stored fields, its matches marked."""
    body = stored.get("body", "")
    title = stored.get("title", "")
    entities = [
        {"type": kind, "key": key, "text": text, "in": where, "start": start, "end": end}
        for kind, key, text, where, start, end in unpack_mentions(stored.get("entities"), title, body)
    ]
    spans = highlighter.matches(body, highlights)
    snip = highlighter.snippet(body, spans, width=snippet_width) if snippet_width else None
    return Hit(
        id=stored["id"],
        title=title,
        date=_date(stored.get("date")),
        source=stored.get("source"),
        score=float(score or 0.0),
        snippet=snip.text if snip else "",
        rank=rank,
        category=stored.get("category"),
        url=stored.get("url"),
        snippet_spans=snip.spans if snip else [],
        matches=spans,
        title_spans=highlighter.matches(title, highlights),
        mentioned=[
            {"start": b, "end": e, "text": t, "from": f, "to": to, "kind": k}
            for b, e, t, f, to, k in stored.get("mentions") or []
        ],
        entities=entities,
        matched=[_matched(m, entities, title, body, highlighter.core) for m in names],
    )


def _matched(name: NameMatch, entities: list[dict], title: str, body: str, core: AnalysisCore) -> dict:
    """Which spelling of an entity value an article holds: a tagged mention's text, or
    where the name is written as text (``tagged`` False); a ``spelling`` of None when
    neither is found (an article the query matched in another way: ``A OR person:B``)."""
    keys = set(name.keys)
    for e in entities:
        if e["key"] in keys:
            return {"query": name.label, "spelling": e["text"], "tagged": True, "in": e["in"], "start": e["start"]}
    for where, text in (("title", title), ("body", body)):
        words = [(start, end, n) for _, n, _, start, end in core.words(text)]  # as the index read them
        for i, (start, _, n) in enumerate(words):
            size = name.starts.get(n)
            if size:
                end = words[min(i + size, len(words)) - 1][1]
                return {"query": name.label, "spelling": text[start:end], "tagged": False, "in": where, "start": start}
    return {"query": name.label, "spelling": None, "tagged": False, "in": None, "start": None}


class HitStream:
    """Every hit of a query, in order (see :meth:`Engine.iter_hits`): iterate it once;
    ``total`` is the number of hits.  Close it (or use ``with``) if it is not read to
    the end."""

    BATCH = 200  # stored articles read at a time

    def __init__(self, engine: Engine, searcher, highlighter: Highlighter, ranked: _Ranked, snippet_width: int):
        self.total = ranked.total
        self.missing_shards = ranked.missing  # see Results.missing_shards
        self._engine = engine
        self._searcher = searcher
        self._highlighter = highlighter
        self._ranked = ranked
        self._width = snippet_width
        self._open = True

    def __iter__(self) -> Iterator[Hit]:
        try:
            hits = self._ranked.hits
            for start in range(0, len(hits), self.BATCH):
                if not self._open:
                    return
                chunk = hits[start : start + self.BATCH]
                with self._engine._lock:  # Whoosh's readers are not shared between threads
                    stored = [self._searcher.stored_fields(docnum) for docnum, _ in chunk]
                for rank, (fields, (_, score)) in enumerate(zip(stored, chunk, strict=True), start=start + 1):
                    yield _make_hit(
                        self._highlighter, fields, score, rank, self._ranked.highlights, self._width, self._ranked.names
                    )
        finally:
            self.close()

    def __len__(self) -> int:
        return self.total

    def close(self) -> None:
        if self._open:
            self._open = False
            self._engine._unpin(self._searcher)

    def __enter__(self) -> HitStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class _Ranked:
    """What :meth:`Engine._rank` found: (docnum, score) in order, and the rest a page shows."""

    hits: list[tuple[int, float]]
    total: int
    highlights: Highlights
    parsed: str
    dropped: list[str]
    facets: dict[str, dict[str, int]]
    names: list[NameMatch] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)  # shards with no live copy, left out


def _entity_keys(q: wquery.Query) -> list[tuple[str, str]] | None:
    """The (field, key) pairs of a query that is only entity keys (a key, or keys OR-ed), else None."""
    terms = q.subqueries if isinstance(q, wquery.Or) else [q]
    fields = set(ENTITY_INDEX.values())
    if terms and all(isinstance(t, wquery.Term) and t.fieldname in fields and t.boost == 1 for t in terms):
        return [(t.fieldname, t.text.decode("utf-8") if isinstance(t.text, bytes) else t.text) for t in terms]
    return None


def _check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")


class Engine:
    """Search (and build) one akhbar index.

    Construct with :meth:`open`, :meth:`create` or :meth:`in_memory`.
    """

    def __init__(
        self,
        store: Store,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        time_limit: float | None = TIME_LIMIT,
        processes: int | None = None,
        cluster: str | None = None,
        replicas: int = 1,
        allow_partial: bool = False,
        **ranking,
    ) -> None:
        """:param today: the clock for relative dates (tests inject one)
        :param time_limit: seconds a query may run before it is stopped with
            :class:`QueryTimeout` (None: no limit); see :data:`TIME_LIMIT`
        :param processes: for a sharded archive, the worker processes that score its
            shards in parallel (None: one a shard, up to the cores, when Dask is
            installed — ``akhbar[cluster]``; 0: every shard in this process)
        :param cluster: for a sharded archive, the address of a Dask scheduler
            (``tcp://HOST:8786``) whose workers score the shards
        :param replicas: how many workers score each shard (among those that hold it):
            when one is lost, the next answers at once
        :param allow_partial: when a shard has no live copy, answer with the other
            shards' hits (``Results.partial``) instead of raising :class:`ShardUnavailable`
        :param ranking: :class:`~akhbar.search.query.Ranking` fields (title_boost, exact_boost,
            lead_boost, proximity, proximity_window, proclitics, k1, b)
        """
        self.store = store
        self.today = today
        if time_limit is not None and not time_limit > 0:
            raise ValueError(f"time_limit must be a number of seconds above 0, or None, not {time_limit!r}")
        self.time_limit = time_limit
        try:
            self.ranking = Ranking(**ranking)
        except TypeError as e:
            raise TypeError(f"unknown Engine option: {e}") from None
        self._lock = threading.RLock()
        self._searcher = None
        self._signature: tuple | None = None
        self._settings: AnalysisSettings | None = None
        self._highlighter: Highlighter | None = None
        self._known: dict[str, list[str]] = {}
        self._filters: dict[str, set[int]] = {}  # see _docs
        self._accumulated: Accumulator | None = None  # see _accumulator
        self._pinned: list = []  # searchers of older generations that an export still reads
        self._vocabulary: Vocabulary | None = None  # written forms for fuzzy words and suggestions
        self._expansions: dict = {}  # costly query expansions (person-name variants) of this generation
        self._names: NameSpellings | None = None  # written forms by name skeleton, for entity queries
        self._entity_postings: EntityPostings | None = None  # every entity key's articles, for counting
        self._facet_columns: FacetColumns | None = None  # every article's source and month, for facets
        self._order: HitOrder | None = None  # every article's rank by id and date, for the order of hits
        self._folders: list[Path] = []  # where the current generation's tables are (its shards' for an archive)
        if processes is not None and processes < 0:
            raise ValueError(f"processes must be 0 or more, not {processes!r}")
        self.processes = processes
        self.cluster = cluster
        if not isinstance(replicas, int) or replicas < 1:
            raise ValueError(f"replicas must be 1 or more, not {replicas!r}")
        self.replicas = replicas
        self.allow_partial = allow_partial
        self._pool: ShardPool | None = None  # the shards' scorers, started on first use
        self.shards_from = SHARDS_FROM  # postings from which the shards' workers score a query
        self._meta = None  # the current generation's (or archive's) metadata

    # --- construction ----------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, **options) -> Engine:
        """Open an existing index; raises IndexNotFound / NotAnIndex / IndexIncompatible."""
        store = open_store(path)
        store.read_meta()  # fail early, with the store's own error
        return cls(store, **options)

    @classmethod
    def create(cls, path: str | os.PathLike, *, settings: AnalysisSettings | None = None, **options) -> Engine:
        """Create an empty index at ``path`` (or open it if it is one already)."""
        store = open_store(path)
        if not store.exists():
            if Path(path).exists() and any(Path(path).iterdir()):
                store.read_meta()  # raises NotAnIndex for a foreign directory
            update_index(store, [], rebuild=True, settings=settings)
        return cls(store, **options)

    @classmethod
    def at(cls, path: str | os.PathLike, *, shards: int | None = None, **options) -> Engine:
        """An engine for ``path`` whether or not an index is there yet: for
        :meth:`add` (``rebuild=True`` also replaces an index of an older format).
        ``shards``: a new archive at ``path`` is split into this many shards (see
        :mod:`akhbar.indexer.shards`); an existing archive keeps its own count."""
        return cls(open_store(path, shards=shards), **options)

    @classmethod
    def in_memory(cls, *, settings: AnalysisSettings | None = None, **options) -> Engine:
        """An index in RAM, for tests and small experiments."""
        return cls(Store.in_memory(settings), **options)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None and self._searcher not in self._pinned:
                self._searcher.close()
            self._searcher = None
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    # --- writing ---------------------------------------------------------------

    def add(
        self,
        records: Iterable[Article | Rejected],
        *,
        rebuild: bool = False,
        report_problem: Callable[[str], None] | None = None,
        workers: int | None = None,
    ) -> BuildReport:
        """Add or update articles (by id); returns what was done.  The index is
        replaced only when everything has committed.  ``workers``: analysis
        processes beside the writer (default: one per core on a multi-core machine, up to 3).
        An engine with a ``cluster`` builds a sharded archive's shards on its workers
        (:mod:`akhbar.indexer.cluster_build`)."""
        if self.cluster and isinstance(self.store, ShardedStore):
            report = update_archive_on_cluster(
                self.store, records, self.cluster, rebuild=rebuild, report_problem=report_problem
            )
        elif self.cluster:
            raise NotAnIndex(
                f"{self.store.path} is not a sharded archive: a Dask cluster builds the shards of one "
                f"(a new archive: akhbar index --shards N --cluster ADDRESS)"
            )
        else:
            update = update_archive if isinstance(self.store, ShardedStore) else update_index
            report = update(self.store, records, rebuild=rebuild, report_problem=report_problem, workers=workers)
        with self._lock:
            self.close()
            self._signature = None
        return report

    # --- reading ---------------------------------------------------------------

    def _current(self):
        """The searcher for the newest published generation (reopened if stale)."""
        sig = self.store.signature()
        if self._searcher is None or sig != self._signature:
            meta = self.store.read_meta()
            ix = self.store.open_index(meta)
            if self._searcher is not None and self._searcher not in self._pinned:
                self._searcher.close()  # a pinned one is closed when its export ends
            self._searcher = ix.searcher(weighting=scoring.BM25F(B=self.ranking.b, K1=self.ranking.k1))
            self._signature = sig
            self._filters = {}
            self._accumulated = None
            self._vocabulary = Vocabulary(self._searcher.reader())
            self._expansions = {}
            self._folders = self.store.table_folders(meta)
            self._meta = meta
            table = NameTable.open_all(self._folders)
            self._names = NameSpellings(
                self._searcher.reader(),
                self._vocabulary,
                table,
                functools.partial(self._entity_keys, self._searcher),
            )
            self._entity_postings = None
            self._facet_columns = None
            self._order = None
            self._settings = meta.analysis
            self._highlighter = Highlighter(shared_core(meta.analysis))
            reader = self._searcher.reader()
            self._known = {
                f: [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(f)]
                for f in ("source", "category")
                if f in reader.schema
            }
        return self._searcher

    @_reads_index
    def prepare(self) -> None:
        """Read the current generation's tables that queries build on first use (facet
        columns, entity postings) — and start a sharded archive's
        shard scorers — now: a server calls this before its first request, so that no
        user waits for them."""
        with self._lock:
            searcher = self._current()
            self._facets(searcher, np.zeros(0, dtype=np.int64))
            self._hit_order(searcher).dates()
            self._shard_pool()

    @_reads_index
    def __len__(self) -> int:
        with self._lock:
            return self._current().doc_count()

    @_reads_index
    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        page: int = 1,
        sort: str = "relevance",
        match: str = "all",
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        since: str | None = None,
        facets: bool = False,
        suggest: bool = True,
        snippet_width: int = 220,
    ) -> Results:
        """Run ``query`` (see :mod:`search.query`) and return one page of hits.

        :param limit: hits per page (1..1000)
        :param page: 1-based page number
        :param sort: ``relevance``, ``newest`` or ``oldest``
        :param match: ``all`` words must match (default) or ``any`` word, ranked
        :param date_from: only articles published on or after this day (a date,
            or ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``: the first day it covers)
        :param date_to: only articles published on or before this day (inclusive)
        :param since: only articles of the last ``7d``, ``2w``, ``3m`` or ``1y`` (up to today)
        :param facets: also count all hits by source and by year-month, and list the
            people, places and organizations most mentioned among them (see :mod:`akhbar.search.facets`)
        :param suggest: when few articles match, suggest a respelled query
        :param snippet_width: characters of snippet (0: no snippets)
        """
        if not 1 <= limit <= 1000:
            raise QueryError(f"limit must be between 1 and 1000, not {limit}")
        if page < 1:
            raise QueryError(f"page must be 1 or more, not {page}")
        _check_sort(sort)
        started = time.perf_counter()
        with self._lock:
            searcher = self._current()
            assert self._highlighter is not None
            with time_limit(self.time_limit, "the query"):
                ranked = self._rank(
                    searcher,
                    query,
                    depth=page * limit,
                    sort=sort,
                    match=match,
                    date_from=date_from,
                    date_to=date_to,
                    since=since,
                    facets=facets,
                )
                total = ranked.total
                first = (min(page, max(1, math.ceil(total / limit))) - 1) * limit  # past the end: the last page
                hits = [
                    self._hit(
                        searcher.stored_fields(docnum), score, rank, ranked.highlights, snippet_width, ranked.names
                    )
                    for rank, (docnum, score) in enumerate(ranked.hits[first : first + limit], start=first + 1)
                ]
            suggestion = self._suggest(query, searcher) if suggest and total < 3 else None
        return Results(
            query=query,
            hits=hits,
            total=total,
            page=page,
            limit=limit,
            elapsed=time.perf_counter() - started,
            parsed=ranked.parsed,
            dropped=ranked.dropped,
            facets=ranked.facets,
            suggestion=suggestion,
            names=ranked.names,
            missing_shards=ranked.missing,
        )

    def iter_hits(
        self,
        query: str,
        *,
        sort: str = "relevance",
        match: str = "all",
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        since: str | None = None,
        snippet_width: int = 220,
    ) -> HitStream:
        """Every hit of ``query``, best first (or newest, or oldest): a :class:`HitStream`
        whose ``total`` is known at once and whose hits are read as they are consumed.

        The order is that of :meth:`search` (its first pages are the first hits here).
        Only the hits' numbers and scores are held; their stored text is read a batch
        at a time.  The stream reads the index generation that was current when it
        was made, even if a newer one is published meanwhile.  The query's time limit
        applies to finding the hits, not to reading them out.

        >>> from akhbar.indexer import Article
        >>> with Engine.in_memory() as engine:
        ...     _ = engine.add([Article(f"a{i}", "خبر", f"حلب {i}") for i in range(3)])
        ...     with engine.iter_hits("حلب", sort="oldest") as hits:
        ...         print(hits.total, [hit.id for hit in hits])
        3 ['a0', 'a1', 'a2']
        """
        _check_sort(sort)
        with self._lock:
            searcher = self._current()
            assert self._highlighter is not None
            with time_limit(self.time_limit, "the query"):
                ranked = self._rank(
                    searcher,
                    query,
                    depth=None,
                    sort=sort,
                    match=match,
                    date_from=date_from,
                    date_to=date_to,
                    since=since,
                )
            self._pinned.append(searcher)  # its files stay open for the stream (see _current)
        return HitStream(self, searcher, self._highlighter, ranked, snippet_width)

    def _unpin(self, searcher) -> None:
        with self._lock:
            self._pinned.remove(searcher)
            if searcher is not self._searcher and searcher not in self._pinned:
                searcher.close()

    def _compile(self, searcher, query: str, match: str, *, ranking: bool = True) -> Compiled:
        assert self._settings is not None
        return compile_query(
            query,
            searcher.reader(),
            self._settings,
            match=match,
            ranking=self.ranking if ranking else None,
            today=self.today(),
            known_values=self._known,
            vocabulary=self._vocabulary,
            cache=self._expansions,
            names=self._names,
            docs_of=self._matching_docs(searcher),
        )

    def _matching_docs(self, searcher) -> DocsOf:
        """The articles a query matches (of those given, if any), as ascending document
        numbers (None when the accumulator cannot evaluate it)."""
        accumulator = self._accumulator(searcher)

        def docs_of(q: wquery.Query, within: np.ndarray | None = None) -> np.ndarray | None:
            keys = _entity_keys(q)
            if keys is not None:  # the tagger's keys: many at once from the entity arrays
                found = self._postings_of_entities(searcher).docs_with(keys)
                return found if within is None else np.intersect1d(found, within, assume_unique=True)
            scored = accumulator.scores(q, within) if accumulator is not None else None
            return None if scored is None else scored[0]

        return docs_of

    def _rank(
        self,
        searcher,
        query: str,
        *,
        depth: int | None,
        sort: str,
        match: str,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        since: str | None = None,
        facets: bool = False,
    ) -> _Ranked:
        """The hits of ``query`` in order, as (docnum, score): the first ``depth`` of
        them (None: all), with the total and what the page needs besides."""
        compiled = self._compile(searcher, query, match)
        if since is not None:
            date_from = _later(date_from, _since(since, self.today()))
        wq = compiled.query
        window = date_window(date_from, date_to)
        # date ranges filter: the set of articles in a range, cached per index generation
        # (a month of the 150k archive beside a common word: 124 ms matched, 24 ms filtered)
        ranges = compiled.ranges + ([window] if window is not None else [])
        kwargs: dict = {}
        allowed = ranges + ([compiled.hits] if compiled.hits is not None else [])
        if allowed:
            kwargs["filter"] = set.intersection(*(self._docs(searcher, q) for q in allowed))
        if allowed and not kwargs["filter"]:
            # nothing can match (Whoosh would take an empty filter for none and match everything)
            return _Ranked(
                [], 0, compiled.highlights, str(wq), compiled.dropped, no_facets() if facets else {}, compiled.names
            )
        bonus = compiled.bonus if sort == "relevance" else []
        if depth is not None and bonus:
            depth = max(depth, RERANK)
        head = (RERANK if depth is None else depth) if bonus else 0
        ids, scores, total, bonused, missing = self._scored(
            searcher, wq, kwargs.get("filter"), None if facets else depth, sort, bonus, head
        )
        order = self._hit_order(searcher)
        if sort == "relevance":
            ranked = order.best(ids, scores, depth)
        else:
            ranked = order.by_date(ids, scores, newest=sort == "newest", k=depth)
        hit_ids = ids
        if bonus:
            # the bonuses re-score the best candidates (as many as a page needs, at least RERANK);
            # they only add, so the re-sorted head still ranks above the rest
            if bonused is None:
                bonused = bonus_scores(searcher, ranked[:head], bonus, self._accumulator(searcher))
            else:  # the shards re-scored their heads; the archive's head is within them
                bonused = {docnum: bonused[docnum] for docnum, _ in ranked[:head]}
            ranked = order.rescored(bonused) + ranked[head:]
        counted = self._facets(searcher, hit_ids) if facets else {}
        return _Ranked(
            hits=ranked,
            total=total,
            highlights=compiled.highlights,
            parsed=str(wq) + (f" + bonus {wquery.Or(bonus)}" if bonus else ""),
            dropped=compiled.dropped,
            facets=counted,
            names=compiled.names,
            missing=missing,
        )

    def _facets(self, searcher, ids: np.ndarray) -> dict[str, dict[str, int]]:
        """The facets of the hits ``ids``; this generation's columns are read on first use."""
        if self._facet_columns is None:
            with paused():  # a one-time read for this generation, not the query's own work
                self._facet_columns = FacetColumns(searcher.reader())
        return facet_counts(
            searcher,
            ids,
            self._facet_columns,
            self._postings_of_entities(searcher),
            self._hit_order(searcher).rank,
            self._same_name,
        )

    def _same_name(self, kind: str, key: str) -> set[str]:
        """The other keys of the entity type's name ``key`` in this generation (its
        spellings, and with a preposition on): counted as one entity, as its query finds them."""
        assert self._names is not None
        return self._names.keys.same_name(ENTITY_INDEX[kind], key)

    def _scored(
        self,
        searcher,
        wq: wquery.Query,
        allowed: set[int] | None,
        depth: int | None,
        sort: str,
        bonus: list[wquery.Query],
        head: int,
    ) -> tuple[np.ndarray, np.ndarray, int, dict[int, float] | None, list[int]]:
        """(document numbers, scores) of the hits of ``wq`` (only ``allowed`` ones, if
        given) — all of them, or at least the first ``depth`` in the order ``sort`` — and
        how many there are.  A sharded archive's shards score their parts in parallel
        (:mod:`akhbar.search.shard_search`), and re-score their first ``head`` with the
        ``bonus`` queries (then: those scores; None when scored here); the last item
        lists the shards left out for want of a live copy (with ``allow_partial``).  An
        index, or a query the shards cannot score alone, is scored here."""
        pool = self._shard_pool()
        statistics = None if pool is None else Statistics.of(searcher, [wq, *bonus])
        if (
            pool is not None
            and statistics is not None
            and (statistics.postings >= self.shards_from or not pool.complete())
        ):
            sizes = searcher.reader().shard_sizes
            request = (self._meta, sizes, wq, statistics, allowed, depth, sort, bonus, head)
            try:
                answer = pool.score(*request, remaining(), self.time_limit)
            except (QueryError, ClusterUnavailable):
                raise
            except Exception:  # noqa: BLE001 - the connection to the cluster lost: made again once
                self._pool = None
                pool.close()
                pool = self._shard_pool()
                assert pool is not None
                answer = pool.score(*request, remaining(), self.time_limit)
            if answer is not None:
                if answer.missing and not self.allow_partial:
                    raise ShardUnavailable(pool.missing_message(answer.missing), answer.missing)
                return answer.ids, answer.scores, answer.total, answer.bonused, answer.missing
        elif pool is not None:
            pool.top_up(self._meta)  # the pool's upkeep goes on when the queries are scored here
        ids, scores = every_hit(searcher, self._accumulator(searcher), wq, allowed)
        return ids, scores, len(ids), None, []

    def _shard_pool(self) -> ShardPool | None:
        """The archive's shard scorers (started on first use), or None: an index, a
        single shard, ``processes=0``, or Dask not installed."""
        if self._pool is not None:
            return self._pool
        meta = self._meta
        if not isinstance(meta, ArchiveMeta) or not (self.cluster or (meta.shards > 1 and self.processes != 0)):
            return None
        if not dask_available():
            if self.cluster:
                raise ClusterUnavailable("searching on a Dask cluster needs Dask: pip install 'akhbar[cluster]'")
            return None
        assert isinstance(self.store, ShardedStore)
        with paused():  # once per engine: not any one query's time
            pool = ShardPool(
                self.store,
                meta,
                b=self.ranking.b,
                k1=self.ranking.k1,
                processes=self.processes,
                cluster=self.cluster,
                replicas=self.replicas,
            )
            pool.prepare(meta, Statistics.of(self._searcher, []))
            self._pool = pool
        return self._pool

    def _all_matching(self, searcher, q: wquery.Query) -> np.ndarray:
        """Every article ``q`` matches, as document numbers."""
        accumulator = self._accumulator(searcher)
        found = None if accumulator is None else accumulator.scores(q)
        if found is not None:
            return found[0]
        return np.fromiter(searcher.docs_for_query(q), dtype=np.int64)

    def _hit_order(self, searcher) -> HitOrder:
        """This generation's :class:`HitOrder`, read on first use."""
        if self._order is None:
            with paused():  # a one-time read for this generation, not the query's own work
                self._order = HitOrder(searcher.reader())
        return self._order

    def _accumulator(self, searcher) -> Accumulator | None:
        """The term-at-a-time scorer of this generation (it keeps per-document length factors)."""
        if self._accumulated is None:
            self._accumulated = Accumulator(searcher, searcher.weighting)
        return self._accumulated

    def _docs(self, searcher, q: wquery.Query) -> set[int]:
        """The articles ``q`` matches, cached per index generation (filters such as a
        date range recur from query to query)."""
        key = str(q)
        docs = self._filters.get(key)
        if docs is None:
            # the accumulator unites a range's trie terms in numpy; Whoosh walks them as a
            # tree of unions a document at a time (a year of the 30k index: 0.03 s against 0.4 s)
            docs = set(self._all_matching(searcher, q).tolist())
            if len(self._filters) >= 32:
                self._filters.pop(next(iter(self._filters)))
            self._filters[key] = docs
        return docs

    def _hit(
        self, stored: dict, score: float | None, rank: int, highlights, snippet_width: int, names: list[NameMatch] = ()
    ) -> Hit:
        assert self._highlighter is not None
        return _make_hit(self._highlighter, stored, score, rank, highlights, snippet_width, names)

    def _suggest(self, query: str, searcher) -> str | None:
        """The query with each unknown word replaced by the closest indexed written
        form — or None.  Normalization already makes hamza, ة/ه and ى/ي variants equal,
        so what is left to correct are real misspellings.

        A suggestion is a courtesy: it gets :data:`SUGGEST_TIME` seconds and the first
        :data:`SUGGEST_WORDS` unknown words, and words longer than any a person
        misspells are left as they are; out of time, the query is answered without one."""
        try:
            with time_limit(SUGGEST_TIME, "did you mean"):
                return self._respelled(query, searcher)
        except QueryError:  # out of time (QueryTimeout), or a respelling that is no query
            return None

    def _respelled(self, query: str, searcher) -> str | None:
        """:meth:`_suggest`'s work, under its time limit."""
        assert self._settings is not None and self._vocabulary is not None
        norm = Normalizer(self._settings.rules)
        reader = searcher.reader()
        changed = False
        tried = 0
        out = []
        for piece in re.split(r"(\s+)", query):
            word = piece.strip()
            bare = word.strip('"()+-=*~')
            if not bare or ":" in bare or bare in ("OR", "AND", "NOT", "أو"):
                out.append(piece)
                continue
            n = norm(bare)
            if (
                not n
                or len(n) > MAX_FUZZY_CHARS
                or tried >= SUGGEST_WORDS
                or reader.doc_frequency("body_exact", n)
                or reader.doc_frequency("title_exact", n)
            ):
                out.append(piece)
                continue
            tried += 1
            best = self._respell(reader, n)
            if best:
                out.append(piece.replace(bare, best))
                changed = True
            else:
                out.append(piece)
        if not changed:
            return None
        suggestion = "".join(out)
        compiled = self._compile(searcher, suggestion, "all", ranking=False)
        found = searcher.search(compiled.restricted, limit=1).scored_length()
        return suggestion if found else None

    def _respell(self, reader, word: str) -> str | None:
        """The commonest indexed form (in titles and bodies) one edit from ``word``
        (two for words over four letters, when one finds none)."""
        assert self._vocabulary is not None
        fields = ("body_exact", "title_exact")
        for maxdist in (1, 2) if len(word) > 4 else (1,):
            candidates = {c for f in fields for c in self._vocabulary.within(f, word, maxdist)} - {word}
            if candidates:
                return max(candidates, key=lambda c: (sum(reader.doc_frequency(f, c) for f in fields), c))
        return None

    @_reads_index
    def timeline(
        self,
        query: str,
        *,
        by: str = "month",
        match: str = "all",
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
    ) -> list[tuple[str, int]]:
        """How many hits were published in each month (or day), oldest first;
        periods without hits inside the span are listed with 0."""
        if by not in ("month", "day"):
            raise QueryError(f"timeline is by 'month' or 'day', not {by!r}")
        with self._lock, time_limit(self.time_limit, "the query"):
            searcher = self._current()
            compiled = self._compile(searcher, query, match, ranking=False)
            wq = compiled.restricted
            window = date_window(date_from, date_to)
            if window is not None:
                wq = wquery.And([wq, window])
            ids = self._all_matching(searcher, wq)
            if compiled.hits is not None:
                ids = np.intersect1d(ids, self._all_matching(searcher, compiled.hits))
            counts = self._hit_order(searcher).periods(ids, by)
        if not counts:
            return []
        return fill_periods(counts, by)

    @_reads_index
    def entities(
        self,
        query: str | None = None,
        *,
        type: str | None = None,
        top: int = 20,
        match: str = "all",
    ) -> list[EntityCount]:
        """The entities most mentioned among the hits of ``query`` (or in the whole
        index): how many articles mention each, and the spellings seen.

        Counts are exact.  Up to :data:`STORED_COUNT` hits, every hit's stored mentions
        are read; beyond, the counts come from the entity keyword fields (each key's
        postings, within the hits) and each listed entity's spellings from the stored
        mentions of up to :data:`SPELLING_SAMPLE` of its articles."""
        kinds = {"person": "person", "place": "place", "org": "organization", "organization": "organization"}
        if type is not None and type not in kinds:
            raise QueryError(f"entity type is person, place or org, not {type!r}")
        wanted = kinds[type] if type is not None else None
        with self._lock:
            searcher = self._current()
            assert self._settings is not None
            hits: set[int] | None = None
            if query:
                with time_limit(self.time_limit, "the query"):  # finding the hits; counting them is bounded
                    compiled = self._compile(searcher, query, match, ranking=False)
                    hits = set(searcher.docs_for_query(compiled.restricted))
                    if compiled.hits is not None:
                        hits &= set(searcher.docs_for_query(compiled.hits))
            return count_entities(
                searcher,
                hits,
                wanted,
                top,
                functools.partial(self._postings_of_entities, searcher),
                self._hit_order(searcher).rank,
                self._same_name,
            )

    def _postings_of_entities(self, searcher) -> EntityPostings:
        """This generation's :class:`EntityPostings`, read on first use (the lock is held)."""
        if self._entity_postings is None:
            with paused():  # a one-time read for this generation, not the query's own work
                self._entity_postings = EntityPostings.of(searcher, self._folders)
        return self._entity_postings

    def _entity_keys(self, searcher) -> EntityKeys:
        """This generation's entity keys: those of its :class:`EntityPostings`."""
        postings = self._postings_of_entities(searcher)
        return EntityKeys({ENTITY_INDEX[kind]: keys for kind, keys in postings.keys.items()}, postings.articles)

    @_reads_index
    def similar(self, id: str, *, limit: int = 10) -> Results:
        """The articles most like article ``id`` (key stems of its body)."""
        started = time.perf_counter()
        with self._lock:
            searcher = self._current()
            docnum = searcher.document_number(id=id)
            if docnum is None:
                raise ArticleNotFound(f"no article with id '{id}' in this index")
            stored = searcher.stored_fields(docnum)
            text = f"{stored.get('title', '')}\n{stored.get('body', '')}"
            with time_limit(self.time_limit, "finding similar articles"):
                found = self._like(searcher, docnum, text, limit)
            hits = [
                self._hit(searcher.stored_fields(n), score, rank, Highlights(), 220)
                for rank, (n, score) in enumerate(found, start=1)
            ]
        return Results(
            query=f"similar:{id}",
            hits=hits,
            total=len(hits),
            page=1,
            limit=limit,
            elapsed=time.perf_counter() - started,
        )

    def _like(self, searcher, docnum: int, text: str, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` articles best matching the 25 key terms of ``text`` (Whoosh's
        ``more_like``, Bo1 weights), the article itself left out, ties by id."""
        terms = searcher.key_terms_from_text("body", text, numterms=25, model=classify.Bo1Model, normalize=False)
        q = wquery.Or([wquery.Term("body", word, boost=weight) for word, weight in terms])
        accumulator = self._accumulator(searcher)
        found = None if accumulator is None else accumulator.scores(q)
        if found is None:
            pairs = searcher.search(q, limit=None).top_n
            found = (np.array([n for _, n in pairs], dtype=np.int64), np.array([s for s, _ in pairs], dtype=np.float64))
        ids, scores = found
        other = ids != docnum
        return self._hit_order(searcher).best(ids[other], scores[other], limit)

    @_reads_index
    def values(self, field: str) -> list[str]:
        """The distinct indexed values of ``source`` or ``category``."""
        with self._lock:
            self._current()
            return list(self._known.get(field, []))

    @_reads_index
    def doc(self, id: str, *, query: str | None = None, match: str = "all") -> Doc | None:
        """The whole stored article with this id, or None; with ``query``, the words of
        its title and body that the query matches are marked (``matches``, ``title_spans``)."""
        with self._lock:
            searcher = self._current()
            stored = searcher.document(id=id)
            if stored is None:
                return None
            highlights = Highlights()
            if query:
                with time_limit(self.time_limit, "the query"):
                    highlights = self._compile(searcher, query, match, ranking=False).highlights
            hit = self._hit(stored, None, 0, highlights, 0)
        return Doc(
            id=hit.id,
            title=hit.title,
            body=stored.get("body", ""),
            date=hit.date,
            source=hit.source,
            category=hit.category,
            url=hit.url,
            entities=hit.entities,
            mentioned=hit.mentioned,
            matches=hit.matches,
            title_spans=hit.title_spans,
        )


__all__ = ["Doc", "Engine", "EntityCount", "Hit", "HitStream", "Results"]
