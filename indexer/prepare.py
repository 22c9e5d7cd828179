"""Articles into Whoosh documents: analysis, entities and dates, in worker
processes when the machine has cores to spare.

The expensive, index-independent part of indexing an article — tokenizing,
normalizing and stemming each text field, extracting entities and dates — is
done here, and the text fields are handed over as ready postings (terms,
frequencies, encoded positions: :func:`akhbar.indexer.whoosh_internals.writer.postings_of`; positions are
0, 1, 2 … as the analyzer numbers them, since stop words close up).  Grouping the
postings by term and writing the segment stays in the writing process, so on two
cores analysis runs beside it.  Batches go out in order and come back in order: updates by id
are applied exactly as in a serial run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import akhbar
from akhbar.analyzers import AnalysisSettings
from akhbar.analyzers.chains import AnalysisCore
from akhbar.analyzers.entities import (
    EntityMention,
    extract_entities,
    extract_entities_batch,
    forget_caches,
    join_surnames,
)
from akhbar.analyzers.mentions import extract_dates
from akhbar.analyzers.roots import root
from akhbar.indexer.article import Article
from akhbar.indexer.schema import ENTITY_INDEX, lead_end, pack_mentions
from akhbar.indexer.whoosh_internals.writer import (
    Chunk,
    FieldJob,
    Postings,
    by_frequency,
    encode_terms,
    keywords,
    positional,
    postings_of,
)

T = TypeVar("T")
Prepared = dict | str  # the Whoosh document, or why the article could not be analysed
Item = tuple  # (Article, digest, …anything the caller wants back)

# where the ``akhbar`` package this process runs is importable from: the workers start
# there, so a user's own ``akhbar`` in the current directory cannot shadow it
_IMPORT_ROOT = str(Path(akhbar.__file__).resolve().parent.parent)
# the import root goes first on sys.path explicitly: with PYTHONSAFEPATH, -c adds no directory
_WORKER = "import sys; sys.path.insert(0, sys.argv[1]); from akhbar.indexer.prepare import serve; serve()"
BATCH = 64  # articles per task: large enough to amortize pickling, small enough to keep both cores busy


Words = list[tuple[int, int, str]]  # (start, end, normalized) of each word of a text
Text = tuple[str, Words, list[str]]  # a text, its words and their normalized forms alone, for extraction


def default_workers() -> int:
    """Analysis processes beside the writer: none on one core, else one per core, up to 3.

    On two cores two workers beat one (8,000 ANT articles: 28.5 s against 33.0 s): entity
    extraction keeps a worker busier than Whoosh keeps the writer, and the writer waits.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return 0 if cpus < 2 else min(cpus, 3)


def _fields(
    core: AnalysisCore, text: str, roots: dict[str, int], lead: int = 0
) -> tuple[Postings, Postings, Text, list[str]]:
    """One pass over the analysis of ``text``: the postings of its stems (positional
    field) and of its normalized forms (exact field), the text with its words for
    entity and date extraction (those that normalize to something: as ``(start, end,
    normalized)`` and the normalized forms alone), and the stems of the words that
    end by offset ``lead`` (see :func:`akhbar.indexer.schema.lead_end`); the roots of its
    stems are counted into ``roots``.  Positions count the kept tokens, as the
    analyzer numbers them (stop words close up)."""
    where: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    words = []
    norms = []
    lead_stems = []
    pos = 0
    for _, n, s, start, end in core.words(text):
        if not n:  # a run of tatweel: no word to index or to read entities and dates from
            continue
        words.append((start, end, n))
        norms.append(n)
        if s is not None:
            if s in where:
                where[s].append(pos)
            else:
                where[s] = [pos]
            counts[n] = counts.get(n, 0) + 1
            if end <= lead:
                lead_stems.append(s)
            pos += 1
    for s, at in where.items():  # a root per distinct stem, not per word: ISRI is slow
        r = root(s)
        roots[r] = roots.get(r, 0) + len(at)
    return positional(where, pos), by_frequency(counts, pos), (text, words, norms), lead_stems


def document(a: Article, digest: str, core: AnalysisCore) -> dict:
    """The Whoosh document for an article, its text fields analysed into
    :class:`~akhbar.indexer.whoosh_internals.writer.Postings` for :class:`~akhbar.indexer.whoosh_internals.writer.BulkSegmentWriter`."""
    doc, title, body = _analysed(a, digest, core)
    _add_entities(doc, *extract_entities_batch([title, body]))
    return doc


def _analysed(a: Article, digest: str, core: AnalysisCore) -> tuple[dict, Text, Text]:
    """The document without its entities, and the title and body with their words for extracting them."""
    roots: dict[str, int] = {}
    title, title_exact, title_text, _ = _fields(core, a.title, roots)
    body, body_exact, body_text, lead_stems = _fields(core, a.body, roots, lead_end(a.body))
    doc: dict = {
        "id": a.id,
        "title": title,
        "_stored_title": a.title,
        "body": body,
        "_stored_body": a.body,
        "lead": postings_of(lead_stems, positions=False),
        "title_exact": title_exact,
        "body_exact": body_exact,
        "root": by_frequency(roots, title.length + body.length),
        "digest": digest.encode("ascii"),
        "origin": (a.path, a.line),
    }
    if a.date is not None:
        doc["date"] = dt.datetime(a.date.year, a.date.month, a.date.day)
        doc["month"] = f"{a.date.year:04d}-{a.date.month:02d}"
    _, body_words, _ = body_text
    mentions = extract_dates(a.body, a.date, body_words)
    if mentions:
        # a mention is indexed by its first day: mentioned:2016-10 finds «تشرين الأول 2016»
        # and «20 تشرين الأول», mentioned:2016 also «عام 2016»
        doc["mentioned"] = sorted({dt.datetime(m.start.year, m.start.month, m.start.day) for m in mentions})
        doc["mentions"] = [
            (m.begin, m.finish, m.text, m.start.isoformat(), m.end.isoformat(), m.kind) for m in mentions
        ]
    if a.source:
        doc["source"] = a.source
    if a.category:
        doc["category"] = a.category
    if a.url:
        doc["url"] = a.url
    return doc, title_text, body_text


def _add_entities(doc: dict, in_title: list[EntityMention], in_body: list[EntityMention]) -> None:
    if in_title or in_body:
        if in_title and in_body:  # each text's own are joined already (extract_entities_batch)
            in_title, in_body = join_surnames(in_title, in_body)  # «ماركل» in the title: the body's «ميغان ماركل»
        keys: dict[str, set[str]] = {kind: set() for kind in ENTITY_INDEX}
        for m in itertools.chain(in_title, in_body):
            keys[m.type].add(m.key)
        for kind, field in ENTITY_INDEX.items():
            if keys[kind]:
                doc[field] = keywords(sorted(keys[kind]))
        doc["entities"] = pack_mentions(
            (m.type, m.key, where, m.start, m.end)
            for where, found in (("title", in_title), ("body", in_body))
            for m in found
        )


def _failure(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"


def prepare_batch(batch: Sequence[tuple[Article, str]], core: AnalysisCore) -> list[Prepared]:
    """The documents of a batch of ``(article, digest)``, entities extracted for all of
    them at once (the model decodes a batch far faster than article by article).  An
    article that cannot be analysed gives its error message; the others are prepared."""
    analysed: list[tuple[dict, list[Text]] | str] = []
    texts: list[Text] = []
    for a, digest in batch:
        try:
            doc, title, body = _analysed(a, digest, core)
        except Exception as e:  # noqa: BLE001 - one article must not sink a 150k build
            analysed.append(_failure(e))
            continue
        analysed.append((doc, [title, body]))
        texts += (title, body)
    try:
        found: Iterator[list[EntityMention]] | None = iter(extract_entities_batch(texts))
    except Exception:  # noqa: BLE001 - find the article at fault: extract one by one
        found = None
    out: list[Prepared] = []
    for item in analysed:
        if isinstance(item, str):
            out.append(item)
            continue
        doc, (title, body) = item
        try:
            if found is not None:
                _add_entities(doc, next(found), next(found))
            else:
                _add_entities(doc, extract_entities(*title), extract_entities(*body))
        except Exception as e:  # noqa: BLE001
            out.append(_failure(e))
            continue
        out.append(doc)
    return out


# --- worker processes ----------------------------------------------------------


class _Worker:
    """A worker process: pickled batches in on stdin, documents out on stdout.

    A plain child process rather than :mod:`multiprocessing`: it never re-imports
    the caller's script, inherits no file descriptor (the index's write lock
    stays with this process), and exits when this process dies (its stdin closes).
    A thread feeds it, so neither side can block the other on a full pipe.
    """

    def __init__(self, settings: AnalysisSettings) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER, _IMPORT_ROOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=_IMPORT_ROOT,
            # numpy's BLAS would start a thread per core in each worker; the workers are the parallelism
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
        )
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._outbox.put(settings)
        self._feeder = threading.Thread(target=self._feed, daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            while (item := self._outbox.get()) is not None:
                pickle.dump(item, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # the worker died: receive() notices
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def send(self, kind: str, payload: object) -> None:
        """A request: ``"prepare"`` a batch of (article, digest); ``"field"`` (no answer)
        then ``"encode"`` chunks of its terms (see :func:`akhbar.indexer.whoosh_internals.writer.encode_terms`)."""
        self._outbox.put((kind, payload))

    def receive(self) -> list | None:
        """The answer to the next request, or None if the worker has died."""
        try:
            return pickle.load(self.process.stdout)  # type: ignore[arg-type]
        except (EOFError, OSError, pickle.UnpicklingError):
            return None

    def close(self, kill: bool = False) -> None:
        self._outbox.put(None)
        if kill:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def serve() -> None:
    """A worker process's loop; it ends quietly when the writing process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writing process's to handle
    # Collections run between batches only (below): during one, nearly every object
    # allocated dies young by reference counting, and automatic collections kept walking them.
    gc.disable()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but results on the pipe
    try:
        core = AnalysisCore(pickle.load(stdin))
        field = None
        while True:
            kind, payload = pickle.load(stdin)
            if kind == "field":  # what the "encode" requests that follow are for; no answer
                if field is None:  # the articles are all prepared: their caches go
                    core.forget()
                    forget_caches()
                    root.cache_clear()
                    gc.unfreeze()
                    gc.collect()
                field = payload
                continue
            if kind == "prepare":
                result = prepare_batch(payload, core)
            else:
                result = encode_terms(field, payload)
            pickle.dump(result, stdout, protocol=pickle.HIGHEST_PROTOCOL)
            stdout.flush()
            # The caches (words, stems, entity features) grow to hundreds of thousands of
            # objects that live to the end, and every full collection walked them all: a
            # third of a worker's time by 10k articles.  Collect the young, freeze the rest.
            gc.collect(1)
            gc.freeze()
    except (EOFError, OSError, pickle.UnpicklingError):
        # the writer finished, was interrupted or died: no traceback on the user's terminal,
        # and no flush of a broken pipe at exit
        os._exit(0)


class Preparer:
    """Prepares ``(article, digest, …)`` items in order, inline or in worker processes.

    A single batch is prepared inline, so small updates never pay for starting
    processes; with a second batch in sight, workers start and prepare them all.
    If a worker dies, its batches are prepared inline.
    """

    def __init__(self, core: AnalysisCore, workers: int | None = None) -> None:
        self.core = core
        self.workers = default_workers() if workers is None else workers
        self._pool: list[_Worker] = []

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self._pool:
            worker.close(kill=exc[0] is not None)
        self._pool = []

    def _broken(self, worker: _Worker) -> None:
        if worker in self._pool:
            self._pool.remove(worker)
            worker.close(kill=True)

    def _start(self) -> None:
        try:
            for _ in range(self.workers):
                self._pool.append(_Worker(self.core.settings))
        except (OSError, ValueError):  # no usable sys.executable (an embedded interpreter)
            for started in self._pool:
                started.close(kill=True)
            self._pool = []

    def _answers(
        self, kind: str, jobs: Iterable[tuple[T, list]], inline: Callable[[T, list], list]
    ) -> Iterator[tuple[T, list]]:
        """``(key, request)`` jobs → ``(key, answer)``, in order: each request sent to the
        workers in turn (at most two waiting per worker), or answered by ``inline``
        when there are none or its worker died."""
        in_flight: deque[tuple[T, list, _Worker | None]] = deque()
        for number, (key, request) in enumerate(jobs):
            worker = self._pool[number % len(self._pool)] if self._pool else None
            if worker is not None:
                worker.send(kind, request)
            in_flight.append((key, request, worker))
            while in_flight and (not self._pool or len(in_flight) > 2 * len(self._pool)):
                yield self._answer(*in_flight.popleft(), inline)
        while in_flight:
            yield self._answer(*in_flight.popleft(), inline)

    def _answer(
        self, key: T, request: list, worker: _Worker | None, inline: Callable[[T, list], list]
    ) -> tuple[T, list]:
        if worker is not None and worker in self._pool:
            answer = worker.receive()
            if answer is not None and len(answer) == len(request):
                return key, answer
            self._broken(worker)
        return key, inline(key, request)

    def map(self, items: Iterable[Item]) -> Iterator[tuple[Item, Prepared]]:
        """``(article, digest, …)`` items → ``(item, document or error message)``, in order."""

        def jobs() -> Iterator[tuple[list[Item], list[tuple[Article, str]]]]:
            batches = _batches(items, BATCH)
            ahead = list(itertools.islice(batches, 2))
            if len(ahead) == 2 and self.workers > 0:
                # more than one batch: the workers prepare them all, and this process never
                # loads what extraction needs (the CRF's tables: ~0.25 s and tens of MB)
                self._start()
            for batch in itertools.chain(ahead, batches):
                yield batch, [(item[0], item[1]) for item in batch]

        for batch, documents in self._answers("prepare", jobs(), lambda _, request: prepare_batch(request, self.core)):
            yield from zip(batch, documents, strict=True)

    def encode(self, jobs: Iterable[tuple[FieldJob, Iterable[Chunk]]]) -> Iterator[tuple[int, list]]:
        """An :data:`akhbar.indexer.whoosh_internals.writer.Encoder` for a commit, once all articles are prepared:
        the chunks of every field, in order, shared among the workers (each is told the
        field before its chunks); inline without them."""

        def requests() -> Iterator[tuple[tuple[int, FieldJob], Chunk]]:
            for number, (field, chunks) in enumerate(jobs):
                for worker in self._pool:
                    worker.send("field", field)
                for chunk in chunks:
                    yield (number, field), chunk

        for (number, _), encoded in self._answers("encode", requests(), lambda key, c: encode_terms(key[1], c)):
            yield number, encoded


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
