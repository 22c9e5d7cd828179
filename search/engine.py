"""The :class:`Engine`: akhbar's one embeddable entry point.

>>> from search import Engine
>>> from indexer import Article
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
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import scoring, sorting

from analyzers import AnalysisSettings, Normalizer
from analyzers.stem import LightStemmer
from indexer import Article, BuildReport, Rejected, Store, update_index
from indexer.errors import IndexNotFound, QueryError
from search.highlight import Highlighter
from search.query import compile_query

SORTS = ("relevance", "newest", "oldest")
# Ranking parameters, chosen on the evaluation sets (benchmarks/eval_retrieval.py).
TITLE_BOOST = 2.0
"""Weight of a title match against a body match."""
EXACT_BOOST = 0.5
"""Extra weight when the article has the query word in exactly the written form."""
BM25_K1 = 0.9
BM25_B = 0.4
COORDINATION: float | None = None
"""In "any words" mode, how strongly matching more of the query words counts (0..1)."""


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
    """One whole article, as stored."""

    id: str
    title: str
    body: str
    date: dt.date | None
    source: str | None
    category: str | None
    url: str | None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source,
            "category": self.category,
            "url": self.url,
            "body": self.body,
        }


def _date(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


class Engine:
    """Search (and build) one akhbar index.

    Construct with :meth:`open`, :meth:`create` or :meth:`in_memory`.
    """

    def __init__(
        self,
        store: Store,
        *,
        title_boost: float = TITLE_BOOST,
        exact_boost: float = EXACT_BOOST,
        k1: float = BM25_K1,
        b: float = BM25_B,
        coordination: float | None = COORDINATION,
    ) -> None:
        self.store = store
        self.title_boost = title_boost
        self.exact_boost = exact_boost
        self.k1 = k1
        self.b = b
        self.coordination = coordination
        self._lock = threading.RLock()
        self._searcher = None
        self._signature: tuple | None = None
        self._settings: AnalysisSettings | None = None
        self._highlighter: Highlighter | None = None
        self._known: dict[str, list[str]] = {}
        if store.path is not None:
            store.read_meta()  # fail early, with the store's own error

    # --- construction ----------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, **options) -> Engine:
        """Open an existing index; raises IndexNotFound / NotAnIndex / IndexIncompatible."""
        return cls(Store(path), **options)

    @classmethod
    def create(cls, path: str | os.PathLike, *, settings: AnalysisSettings | None = None, **options) -> Engine:
        """Create an empty index at ``path`` (or open it if it is one already)."""
        store = Store(path)
        if not store.exists():
            if Path(path).exists() and any(Path(path).iterdir()):
                store.read_meta()  # raises NotAnIndex for a foreign directory
            update_index(store, [], rebuild=True, settings=settings)
        return cls(store, **options)

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
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    # --- writing ---------------------------------------------------------------

    def add(
        self,
        records: Iterable[Article | Rejected],
        *,
        rebuild: bool = False,
        report_problem: Callable[[str], None] | None = None,
    ) -> BuildReport:
        """Add or update articles (by id); returns what was done.  The index is
        replaced only when everything has committed."""
        report = update_index(self.store, records, rebuild=rebuild, report_problem=report_problem)
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
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = ix.searcher(weighting=scoring.BM25F(B=self.b, K1=self.k1))
            self._signature = sig
            self._settings = meta.analysis
            self._highlighter = Highlighter(Normalizer(meta.analysis.rules), LightStemmer(**meta.analysis.stemmer))
            reader = self._searcher.reader()
            self._known = {
                f: [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(f)]
                for f in ("source", "category")
                if f in reader.schema
            }
        return self._searcher

    def __len__(self) -> int:
        with self._lock:
            return self._current().doc_count()

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        page: int = 1,
        sort: str = "relevance",
        match: str = "all",
        snippet_width: int = 220,
    ) -> Results:
        """Run ``query`` (see :mod:`search.query`) and return one page of hits.

        :param limit: hits per page (1..1000)
        :param page: 1-based page number
        :param sort: ``relevance``, ``newest`` or ``oldest``
        :param match: ``all`` words must match (default) or ``any`` word, ranked
        """
        if not 1 <= limit <= 1000:
            raise QueryError(f"limit must be between 1 and 1000, not {limit}")
        if page < 1:
            raise QueryError(f"page must be 1 or more, not {page}")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        started = time.perf_counter()
        with self._lock:
            searcher = self._current()
            assert self._settings is not None and self._highlighter is not None
            wq, highlights, dropped = compile_query(
                query,
                searcher.reader(),
                self._settings,
                match=match,
                title_boost=self.title_boost,
                exact_boost=self.exact_boost,
                known_values=self._known,
            )
            kwargs = {}
            if sort != "relevance":
                kwargs = {"sortedby": sorting.FieldFacet("date", reverse=(sort == "newest"))}
            page_obj = searcher.search_page(wq, page, pagelen=limit, **kwargs)
            hits = []
            for rank, hit in enumerate(page_obj, start=page_obj.offset + 1):
                stored = hit.fields()
                body = stored.get("body", "")
                spans = self._highlighter.matches(body, highlights)
                snip = self._highlighter.snippet(body, spans, width=snippet_width)
                title = stored.get("title", "")
                hits.append(
                    Hit(
                        id=stored["id"],
                        title=title,
                        date=_date(stored.get("date")),
                        source=stored.get("source"),
                        score=float(hit.score or 0.0),
                        snippet=snip.text,
                        rank=rank,
                        category=stored.get("category"),
                        url=stored.get("url"),
                        snippet_spans=snip.spans,
                        matches=spans,
                        title_spans=self._highlighter.matches(title, highlights),
                    )
                )
            total = page_obj.total
        return Results(
            query=query,
            hits=hits,
            total=total,
            page=page,
            limit=limit,
            elapsed=time.perf_counter() - started,
            parsed=str(wq),
            dropped=dropped,
        )

    def doc(self, id: str) -> Doc | None:
        """The whole stored article with this id, or None."""
        with self._lock:
            stored = self._current().document(id=id)
        if stored is None:
            return None
        return Doc(
            id=stored["id"],
            title=stored.get("title", ""),
            body=stored.get("body", ""),
            date=_date(stored.get("date")),
            source=stored.get("source"),
            category=stored.get("category"),
            url=stored.get("url"),
        )


def default_index_path() -> Path:
    """``$AKHBAR_INDEX``, else the user's cache directory (``$XDG_CACHE_HOME/akhbar/sample``)."""
    if env := os.environ.get("AKHBAR_INDEX"):
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "akhbar" / "sample"


def sample_corpus() -> Path:
    """The sample corpus shipped with akhbar (the five founding articles)."""
    from importlib import resources

    return Path(str(resources.files("akhbar_sample")))


__all__ = ["Doc", "Engine", "Hit", "IndexNotFound", "Results", "default_index_path", "sample_corpus"]
