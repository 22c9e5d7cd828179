"""An archive split into shards: N complete akhbar indexes under one manifest.

A sharded archive's directory holds::

    akhbar-shards.json   format, shard count, routing, analysis settings, each shard's generation
    shard-000/ …         a complete akhbar index (akhbar.json, gen-…/, write.lock)
    write.lock           held (flock) by the one process writing the archive

Each article lives in exactly one shard, chosen by a stable hash of its id
(:func:`shard_of`), so an update of an id lands where the id lives.

A write builds a new generation in every shard without publishing it; when all are
built, one atomic rename of the manifest publishes them together.  Readers of the
archive read only the manifest, so they never see some shards new and others old.
Each shard's own ``akhbar.json`` is moved forward after the manifest (a write
interrupted between the two is rolled forward by the next writer); a write
interrupted before the manifest leaves the previous archive as it was, and its
unpublished generations are removed by the next writer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import queue
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Final

from whoosh.reading import MultiReader
from whoosh.searching import Searcher

from akhbar.analyzers import AnalysisSettings
from akhbar.indexer.article import Article, Rejected
from akhbar.indexer.build import BuildReport, update_index
from akhbar.indexer.errors import IndexCorrupt, IndexNotFound, NotAnIndex
from akhbar.indexer.prepare import default_workers
from akhbar.indexer.store import META, Meta, Store, hold_lock, only_akhbar_files, read_versioned, write_json_atomically

__all__ = [
    "MANIFEST",
    "MAX_SHARDS",
    "ArchiveMeta",
    "ArchiveReader",
    "ShardedStore",
    "UnionIndex",
    "is_sharded",
    "open_store",
    "shard_of",
    "update_archive",
]

MANIFEST: Final = "akhbar-shards.json"
MAX_SHARDS: Final = 256
ROUTING: Final = "blake2b-64"
SHARD_FOLDER: Final = re.compile(r"shard-\d{3}")  # as shard_path names them
_FEED_SIZE = 512  # records waiting per shard: the reader runs ahead of the slowest shard by at most this


def shard_of(article_id: str, shards: int) -> int:
    """The shard that holds ``article_id``: the same on every machine and every run
    (Python's ``hash`` of a string changes from process to process).

    >>> [shard_of(f"ant-{n}", 4) for n in range(8)]
    [0, 3, 1, 0, 0, 0, 3, 2]
    """
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def is_sharded(path: str | os.PathLike) -> bool:
    """Is there a sharded archive (its manifest) at ``path``?"""
    return (Path(path) / MANIFEST).is_file()


@dataclass
class ArchiveMeta(Meta):
    """The manifest: the archive's settings and every shard's published generation."""

    shards: int = 1
    generations: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # articles in each shard

    def to_json(self) -> dict:
        return {
            **super().to_json(),
            "shards": self.shards,
            "routing": ROUTING,
            "generations": self.generations,
            "counts": self.counts,
        }

    def shard_meta(self, k: int) -> Meta:
        return Meta(generation=self.generations[k], analysis=self.analysis, articles=self.counts[k])


class ArchiveReader(MultiReader):
    """Every shard's segments, one after another: shard ``k``'s documents are numbered
    from ``sum(shard_sizes[:k])``."""

    def __init__(self, readers: list, shard_sizes: list[int]) -> None:
        super().__init__(readers)
        self.shard_sizes = shard_sizes


class UnionIndex:
    """The published generations of every shard read as one index: their segments
    under one Whoosh :class:`~whoosh.reading.MultiReader`, so that document counts,
    frequencies and field lengths — and so every score — are the archive's."""

    def __init__(self, indexes: list) -> None:
        self.indexes = indexes
        self.schema = indexes[0].schema

    def reader(self) -> ArchiveReader:
        leaves, sizes = [], []
        for ix in self.indexes:
            reader = ix.reader()
            sizes.append(reader.doc_count_all())
            leaves.extend(leaf for leaf, _ in reader.leaf_readers() if leaf.doc_count_all())
        return ArchiveReader(leaves or [self.indexes[0].reader()], sizes)

    def searcher(self, **kwargs) -> Searcher:
        return Searcher(self.reader(), **kwargs)


class ShardedStore:
    """A sharded archive on disk; reads like :class:`~akhbar.indexer.store.Store` (the
    :class:`~akhbar.search.Engine` uses either), writes with :func:`update_archive`."""

    def __init__(self, path: str | os.PathLike, shards: int | None = None) -> None:
        """:param shards: the shard count of an archive to be made (an existing one has its own)"""
        self.path = Path(path)
        self.requested = shards

    def hint(self) -> str:
        return f"rebuild it with: akhbar index --rebuild --shards N --index {self.path} CORPUS..."

    def exists(self) -> bool:
        return is_sharded(self.path)

    def shard_path(self, k: int) -> Path:
        return self.path / f"shard-{k:03d}"

    def shard_store(self, k: int) -> Store:
        return Store(self.shard_path(k))

    def signature(self) -> tuple:
        try:
            st = os.stat(self.path / MANIFEST)
        except OSError:
            return ("missing",)
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def read_meta(self) -> ArchiveMeta:
        path = self.path / MANIFEST
        if not path.is_file():
            if not self.path.exists():
                raise IndexNotFound(
                    f"no archive at {self.path}: build one with: akhbar index --shards N --index {self.path} CORPUS..."
                )
            raise NotAnIndex(f"{self.path} is not a sharded akhbar archive (no {MANIFEST})")
        data = read_versioned(path, f"archive at {self.path}", self.hint())
        try:
            meta = ArchiveMeta(
                generation=str(data["generation"]),
                analysis=AnalysisSettings.from_json(data["analysis"]),
                articles=int(data.get("articles", 0)),
                updated=str(data.get("updated", "")),
                shards=int(data["shards"]),
                generations=[str(g) for g in data["generations"]],
                counts=[int(c) for c in data["counts"]],
            )
            if data.get("routing") != ROUTING or not (
                1 <= meta.shards == len(meta.generations) == len(meta.counts) <= MAX_SHARDS
            ):
                raise ValueError("its shards do not add up")
        except (KeyError, TypeError, ValueError) as e:
            raise IndexCorrupt(f"{path} is damaged ({e}); {self.hint()}") from None
        return meta

    def open_index(self, meta: ArchiveMeta | None = None) -> UnionIndex:
        meta = meta or self.read_meta()
        return UnionIndex([self.shard_store(k).open_index(meta.shard_meta(k)) for k in range(meta.shards)])

    def generation_folder(self, meta: Meta) -> Path | None:
        return None  # the tables written beside each shard's generation are per shard

    def table_folders(self, meta: ArchiveMeta) -> list[Path]:
        """Each shard's published generation folder, in shard order: their tables together
        describe the archive."""
        return [self.shard_path(k) / g for k, g in enumerate(meta.generations)]

    def lock(self) -> contextlib.AbstractContextManager[None]:
        if self.path.is_dir() and not self.exists():
            if (self.path / META).is_file():
                raise NotAnIndex(_reshard_message(self.path, self.requested or 2, single=True))
            if not only_akhbar_files(self.path, SHARD_FOLDER):
                raise NotAnIndex(
                    f"{self.path} is not an akhbar archive and not empty; choose another directory "
                    f"or build one with: akhbar index --shards N --index NEW_DIR CORPUS..."
                )
        return hold_lock(self.path, "archive")

    def publish(self, meta: ArchiveMeta) -> None:
        meta.updated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        write_json_atomically(self.path / MANIFEST, meta.to_json())


def open_store(path: str | os.PathLike, *, shards: int | None = None) -> Store | ShardedStore:
    """The store at ``path``: a sharded archive if it has a manifest or ``shards`` asks
    for one (writing into a single index then says how to re-shard), else a single index."""
    if is_sharded(path) or shards is not None:
        return ShardedStore(path, shards)
    return Store(path)


def _reshard_message(path: Path, shards: int, *, single: bool) -> str:
    what = "a single index" if single else "a sharded archive"
    return (
        f"{path} is {what}; an archive's shards are fixed when it is built. To re-shard, build a new one "
        f"from the corpus: akhbar index --shards {shards} --index NEW_DIR CORPUS... (then replace {path} with NEW_DIR)"
    )


class _Stopped(Exception):
    """A shard's writer stops because the run failed elsewhere (another shard, the reader)."""


class _Feed:
    """Records on their way to one shard's writer, which runs in its own thread."""

    _END = object()

    def __init__(self, failed: threading.Event) -> None:
        self._queue: queue.Queue = queue.Queue(_FEED_SIZE)
        self._failed = failed

    def put(self, item) -> None:
        while not self._failed.is_set():  # a shard that failed reads no more: never wait on it
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        self.put(self._END)

    def __iter__(self) -> Iterator[Article]:
        while True:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._failed.is_set():
                    raise _Stopped from None
                continue
            if item is self._END:
                return
            yield item


class _Run:
    """One write of an archive: a thread per shard builds its new generation from its
    feed; the manifest is written when all are built, and names them all at once."""

    def __init__(self, store: ShardedStore, shards: int) -> None:
        self.store = store
        self.built: list[Meta | None] = [None] * shards
        self.reports = [BuildReport() for _ in range(shards)]
        self.errors: list[BaseException] = []
        self.failed = threading.Event()
        self.all_built = threading.Barrier(shards + 1)
        self.named = threading.Event()  # set when the manifest is settled: written or not
        self.published = False
        self.feeds = [_Feed(self.failed) for _ in range(shards)]

    def build(self, k: int, **options) -> None:
        shard = self.store.shard_store(k)

        def publish(meta: Meta) -> None:
            shard.sync(meta)  # on disk before the manifest names it
            self.built[k] = meta
            self.all_built.wait()
            self.named.wait()
            if not self.published:
                raise _Stopped
            with contextlib.suppress(Exception):  # the manifest rules; the next writer rolls this forward
                shard.publish(meta)

        try:
            self.reports[k] = update_index(shard, self.feeds[k], publish=publish, **options)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread, which raises it
            if not isinstance(e, (_Stopped, threading.BrokenBarrierError)):
                self.errors.append(e)
            self.failed.set()
            self.all_built.abort()

    def fail(self, generation: str) -> None:
        """The run stops: shards not yet named are discarded (if the manifest was
        replaced after all, an interrupt came late, and its generations stay)."""
        self.failed.set()
        self.all_built.abort()
        with contextlib.suppress(Exception):
            self.published = self.store.read_meta().generation == generation
        self.named.set()


@dataclass
class _Plan:
    """What a write of an archive makes: its shard count, analysis settings and next
    generation, from scratch (``rebuild``) or over the archive as it is."""

    shards: int
    settings: AnalysisSettings
    generation: str
    rebuild: bool

    def manifest(self, built: list[Meta]) -> ArchiveMeta:
        """The manifest that names ``built``, every shard's new generation in order."""
        return ArchiveMeta(
            generation=self.generation,
            analysis=self.settings,
            articles=sum(m.articles for m in built),
            shards=self.shards,
            generations=[m.generation for m in built],
            counts=[m.articles for m in built],
        )

    def remove_unnamed_shards(self, store: ShardedStore) -> None:
        """After a rebuild with fewer shards, the others are no longer named: removed."""
        for k in range(self.shards, MAX_SHARDS):
            if not store.shard_path(k).exists():
                break
            shutil.rmtree(store.shard_path(k), ignore_errors=True)


def _plan(store: ShardedStore, rebuild: bool, settings: AnalysisSettings | None) -> _Plan:
    """The plan of a write of ``store`` (under its lock); an interrupted earlier write
    whose manifest was replaced is rolled forward first."""
    old = store.read_meta() if store.exists() else None
    if old is not None and not rebuild and store.requested not in (None, old.shards):
        raise NotAnIndex(
            f"the archive at {store.path} has {old.shards} shards, not {store.requested}; to re-shard, "
            f"rebuild it: akhbar index --rebuild --shards {store.requested} --index {store.path} CORPUS..."
        )
    shards = old.shards if old is not None and not rebuild else (store.requested or (old.shards if old else 1))
    if not 1 <= shards <= MAX_SHARDS:
        raise NotAnIndex(f"an archive has 1 to {MAX_SHARDS} shards, not {shards}")
    if old is not None and not rebuild:
        settings = old.analysis
        _roll_forward(store, old)
    generation = f"epoch-{(int(old.generation[6:]) + 1) if old else 1:06d}"
    return _Plan(shards, settings or AnalysisSettings(), generation, rebuild or old is None)


def update_archive(
    store: ShardedStore,
    records: Iterable[Article | Rejected],
    *,
    rebuild: bool = False,
    settings: AnalysisSettings | None = None,
    report_problem: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Add ``records`` to the archive (a new one of ``store.requested`` shards, or with
    ``rebuild``); as :func:`~akhbar.indexer.build.update_index` for each shard, all
    published at once.  Each shard is written by a thread of its own, the analysis
    processes shared among them."""
    say = report_problem or (lambda message: None)
    with store.lock():
        plan = _plan(store, rebuild, settings)
        shards, settings, generation = plan.shards, plan.settings, plan.generation
        total_workers = default_workers() if workers is None else workers
        run = _Run(store, shards)
        threads = [
            threading.Thread(
                target=run.build,
                args=(k,),
                kwargs={
                    "rebuild": plan.rebuild,
                    "settings": settings,
                    "report_problem": say,
                    "workers": total_workers // shards + (k < total_workers % shards),
                },
                name=f"akhbar-shard-{k}",
            )
            for k in range(shards)
        ]
        for t in threads:
            t.start()
        routed = BuildReport()
        try:
            for k, article in routed_articles(records, shards, routed, say):
                if run.failed.is_set():
                    break
                run.feeds[k].put(article)
            for feed in run.feeds:
                feed.close()
            run.all_built.wait()
            metas = [m for m in run.built if m is not None]
            store.publish(plan.manifest(metas))
            run.published = True
            run.named.set()
        except BaseException:
            run.fail(generation)
            for t in threads:
                t.join()
            if run.errors:
                raise run.errors[0] from None
            raise
        for t in threads:
            t.join()
        plan.remove_unnamed_shards(store)
    return _summed(run.reports, routed)


def routed_articles(
    records: Iterable[Article | Rejected], shards: int, report: BuildReport, say: Callable[[str], None]
) -> Iterator[tuple[int, Article]]:
    """Each article of ``records`` with the shard it goes to; rejected records are
    counted in ``report`` and said."""
    for record in records:
        if isinstance(record, Rejected):
            report.read += 1
            report.rejected += 1
            report.rejections.append(record)
            say(str(record))
            continue
        yield shard_of(record.id, shards), record


def _roll_forward(store: ShardedStore, meta: ArchiveMeta) -> None:
    """Make each shard's akhbar.json name the generation the manifest names (a write
    interrupted after the manifest left some behind)."""
    for k in range(meta.shards):
        shard = store.shard_store(k)
        current = shard.read_meta().generation if shard.exists() else None
        if current != meta.generations[k]:
            shard.publish(meta.shard_meta(k))


def _summed(reports: list[BuildReport], routed: BuildReport) -> BuildReport:
    out = BuildReport()
    for f in fields(BuildReport):
        if f.name == "rejections":
            continue
        setattr(out, f.name, sum(getattr(r, f.name) for r in [*reports, routed]))
    out.rejections = [r for report in [routed, *reports] for r in report.rejections]
    return out
