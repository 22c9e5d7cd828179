"""Where an index lives on disk, and how it changes without ever being half-written.

An index directory holds::

    akhbar.json      format version, analysis settings, counts, current generation
    gen-000007/      the Whoosh index that akhbar.json points at
    gen-000006/      the previous one, kept for searchers still reading it
    write.lock       held (flock) by the one process writing

A write never touches the current generation: it hard-links the current
generation's files into a new directory (Whoosh never rewrites a file it has
written, so sharing them is safe), adds and commits there, and only then
replaces ``akhbar.json`` by an atomic rename.  A build killed at any point
leaves ``akhbar.json`` pointing at the last complete generation; the next writer
removes the leftovers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage, RamStorage

from akhbar.analyzers import AnalysisSettings
from akhbar.indexer.errors import (
    IndexAccessError,
    IndexCorrupt,
    IndexIncompatible,
    IndexLocked,
    IndexNotFound,
    NotAnIndex,
)
from akhbar.indexer.schema import FORMAT_VERSION, make_schema
from akhbar.indexer.whoosh_internals.storage import read_in_place
from akhbar.indexer.whoosh_internals.toc import create_index, open_index

read_in_place()  # compound segments read through their memory map, not copied into each process


class _RamStorage(RamStorage):
    """Whoosh's in-memory storage, with its writers' temporary files in a folder of its
    own.  Whoosh names that folder after the index ("MAIN.tmp" in the system's temporary
    folder), so two processes building in-memory indexes at once deleted each other's
    files.  The writer and its column writer ask for the folder by the same name and
    the writer removes it when done, so the name stays the same for one storage."""

    def __init__(self) -> None:
        super().__init__()
        self._temp_name = f"akhbar-{os.getpid()}-{uuid.uuid4().hex}"

    def temp_storage(self, name: str | None = None):
        return super().temp_storage(f"{self._temp_name}-{name or 'tmp'}")


META: Final = "akhbar.json"
LOCK: Final = "write.lock"
GENERATION: Final = re.compile(r"gen-\d{6}")


def only_akhbar_files(path: Path, parts: re.Pattern) -> bool:
    """Does ``path`` hold nothing but the lock, temporary metadata and folders named as
    ``parts`` — what a first build killed before it was published leaves (and the next
    build may clear)?

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     (Path(d) / "gen-000001").mkdir()
    ...     before = only_akhbar_files(Path(d), GENERATION)
    ...     (Path(d) / "notes.txt").write_text("mine")
    ...     before, only_akhbar_files(Path(d), GENERATION)
    4
    (True, False)
    """
    return all(
        p.name == LOCK
        or (p.name.startswith(".") and p.name.endswith(".tmp"))
        or (p.is_dir() and parts.fullmatch(p.name))
        for p in path.iterdir()
    )


REBUILD_HINT: Final = "rebuild it with: akhbar index --rebuild --index {path} CORPUS..."


@dataclass
class Meta:
    """The contents of ``akhbar.json``."""

    generation: str
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    format: int = FORMAT_VERSION
    articles: int = 0
    updated: str = ""

    def to_json(self) -> dict:
        return {
            "format": self.format,
            "generation": self.generation,
            "analysis": self.analysis.to_json(),
            "articles": self.articles,
            "updated": self.updated,
        }


class Store:
    """An index directory on disk (or, with ``path=None``, in memory)."""

    def __init__(self, path: str | os.PathLike | None) -> None:
        self.path = Path(path) if path is not None else None
        self._ram: whoosh_index.Index | None = None
        self._ram_meta: Meta | None = None

    # --- reading ---------------------------------------------------------------

    @classmethod
    def in_memory(cls, settings: AnalysisSettings | None = None) -> Store:
        store = cls(None)
        settings = settings or AnalysisSettings()
        store._ram_meta = Meta(generation="ram", analysis=settings)
        store._ram = create_index(_RamStorage(), make_schema(settings))
        return store

    def hint(self) -> str:
        return REBUILD_HINT.format(path=self.path)

    def exists(self) -> bool:
        return self.path is None or (self.path / META).is_file()

    def read_meta(self) -> Meta:
        if self._ram_meta is not None:
            return self._ram_meta
        assert self.path is not None
        meta_path = self.path / META
        if not meta_path.is_file():
            if not self.path.exists():
                raise IndexNotFound(
                    f"no index at {self.path}: build one with: akhbar index --index {self.path} CORPUS..."
                )
            if self.path.is_dir() and not any(self.path.iterdir()):
                raise IndexNotFound(
                    f"no index at {self.path} (empty directory): build one with: akhbar index --index {self.path} CORPUS..."
                )
            raise NotAnIndex(
                f"{self.path} is not an akhbar index (no {META}); choose another directory or "
                f"build one with: akhbar index --index NEW_DIR CORPUS..."
            )
        data = read_versioned(meta_path, f"index at {self.path}", self.hint())
        try:
            return Meta(
                generation=data["generation"],
                analysis=AnalysisSettings.from_json(data["analysis"]),
                articles=int(data.get("articles", 0)),
                updated=str(data.get("updated", "")),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise IndexCorrupt(f"{meta_path} is damaged ({e}); {self.hint()}") from None

    def signature(self) -> tuple:
        """Changes whenever a write lands; cheap enough to check on every query."""
        if self.path is None:
            return ("ram",)
        try:
            st = os.stat(self.path / META)
        except OSError:
            return ("missing",)
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def open_index(self, meta: Meta | None = None) -> whoosh_index.Index:
        if self._ram is not None:
            return self._ram
        meta = meta or self.read_meta()
        assert self.path is not None
        gen = self.path / meta.generation
        try:
            return open_index(FileStorage(str(gen)), make_schema(meta.analysis))
        except (ModuleNotFoundError, AttributeError) as e:
            # its TOC names classes by module paths this release does not have (written before
            # akhbar's modules were installed as akhbar.*, or by a release that did not exist yet)
            raise IndexIncompatible(
                f"index at {self.path} was written by another version of akhbar "
                f"({type(e).__name__}: {e}); {self.hint()}"
            ) from None
        except (whoosh_index.EmptyIndexError, OSError, EOFError, ValueError, KeyError) as e:
            raise IndexCorrupt(f"index at {self.path} is damaged ({type(e).__name__}: {e}); {self.hint()}") from None
        except Exception as e:  # unpickling a damaged TOC can raise nearly anything
            raise IndexCorrupt(f"index at {self.path} is damaged ({type(e).__name__}); {self.hint()}") from None

    def generation_folder(self, meta: Meta) -> Path | None:
        """The folder of ``meta``'s generation (None for an index in memory)."""
        return None if self.path is None else self.path / meta.generation

    def table_folders(self, meta: Meta) -> list[Path]:
        """The folders whose tables (:mod:`~akhbar.indexer.name_table`,
        :mod:`~akhbar.indexer.entity_table`) describe this generation: its own."""
        folder = self.generation_folder(meta)
        return [] if folder is None else [folder]

    # --- writing ---------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the write lock; a second writer gets :class:`IndexLocked` at once."""
        if self.path is None:
            yield
            return
        if self.path.is_dir() and not self.exists() and not only_akhbar_files(self.path, GENERATION):
            self.read_meta()  # raises NotAnIndex: never write into someone else's directory
        with hold_lock(self.path, "index"):
            yield

    @contextlib.contextmanager
    def new_generation(self, *, rebuild: bool, settings: AnalysisSettings) -> Iterator[tuple[whoosh_index.Index, Meta]]:
        """A writable copy of the index (empty with ``rebuild``); published by
        :meth:`publish`, discarded if the block raises.  Call under :meth:`lock`."""
        if self.path is None:
            assert self._ram is not None and self._ram_meta is not None
            if rebuild:
                self._ram = create_index(_RamStorage(), make_schema(self._ram_meta.analysis))
            yield self._ram, self._ram_meta
            return
        old = None
        if self.exists():
            try:
                old = self.read_meta()
            except IndexAccessError:
                if not rebuild:
                    raise
                (self.path / META).unlink(missing_ok=True)
        if old is not None and not rebuild:
            settings = old.analysis
        self._remove_leftovers(keep={old.generation} if old else set(), keep_previous=True)
        number = 1 + max((int(p.name[4:]) for p in self.path.glob("gen-*") if p.name[4:].isdecimal()), default=0)
        gen = self.path / f"gen-{number:06d}"
        gen.mkdir()
        try:
            if old is not None and not rebuild:
                for f in (self.path / old.generation).iterdir():
                    if f.is_file() and not f.name.endswith("LOCK") and not f.name.endswith(".lock"):
                        os.link(f, gen / f.name)
                ix = open_index(FileStorage(str(gen)), make_schema(settings))
            else:
                ix = create_index(FileStorage(str(gen)), make_schema(settings))
            meta = Meta(generation=gen.name, analysis=settings, articles=old.articles if old and not rebuild else 0)
            yield ix, meta
        except BaseException:
            if not self._names(gen.name):  # an interrupt that came after publishing: it is the index now
                shutil.rmtree(gen, ignore_errors=True)
            raise

    def _names(self, generation: str) -> bool:
        """Does the published ``akhbar.json`` name ``generation``?"""
        try:
            return self.read_meta().generation == generation
        except (IndexAccessError, OSError):
            return False

    def publish(self, meta: Meta) -> None:
        """Make ``meta.generation`` the current index (atomic rename of akhbar.json)."""
        meta.updated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if self.path is None:
            self._ram_meta = meta
            return
        self.sync(meta)
        write_json_atomically(self.path / META, meta.to_json())
        self._remove_leftovers(keep={meta.generation}, keep_previous=True)

    def sync(self, meta: Meta) -> None:
        """Put ``meta.generation``'s files on disk: before anything names it."""
        if self.path is None:
            return
        gen_dir = self.path / meta.generation
        for f in gen_dir.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(gen_dir)

    def _remove_leftovers(self, keep: set[str], keep_previous: bool) -> None:
        """Delete generations other than ``keep`` (and the newest older one)."""
        assert self.path is not None
        for tmp in self.path.glob(f".{META}.*.tmp"):
            tmp.unlink(missing_ok=True)
        gens = sorted((p for p in self.path.glob("gen-*") if p.is_dir()), key=lambda p: p.name)
        current = max(keep) if keep else None
        older = [g for g in gens if current and g.name < current]
        previous = older[-1].name if keep_previous and older else None
        for g in gens:
            if g.name not in keep and g.name != previous:
                shutil.rmtree(g, ignore_errors=True)


def read_versioned(path: Path, what: str, hint: str) -> dict:
    """The JSON object in ``path`` (``akhbar.json``, a manifest), of this akhbar's format;
    :class:`IndexCorrupt` or :class:`IndexIncompatible` (with ``hint``) if it is not."""
    try:
        data = json.loads(path.read_text("utf-8"))
        fmt = data["format"]
    except (ValueError, KeyError, TypeError, OSError) as e:
        raise IndexCorrupt(f"{path} is damaged ({e}); {hint}") from None
    if fmt != FORMAT_VERSION:
        raise IndexIncompatible(f"{what} has format {fmt}, this akhbar reads format {FORMAT_VERSION}; {hint}")
    return data


@contextlib.contextmanager
def hold_lock(folder: Path, what: str) -> Iterator[None]:
    """Hold ``folder``'s write lock (an flock on its ``write.lock``, released also when the
    process dies); a second writer gets :class:`IndexLocked` at once."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            raise IndexLocked(
                f"{what} at {folder} is being updated by another process"
                + (f" (pid {holder})" if holder else "")
                + "; try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def write_json_atomically(path: Path, data: dict) -> None:
    """Replace ``path`` by ``data`` in one rename, on disk before it returns."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
