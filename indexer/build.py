"""Building and updating an index from corpus records.

One writer streams the records into a new generation (see :mod:`indexer.store`);
articles are added, replaced by id when their content changed, or skipped when
unchanged.  Nothing is visible to searchers until the whole run has committed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from whoosh.writing import IndexWriter

from akhbar.analyzers import AnalysisSettings
from akhbar.indexer.article import Article, Rejected
from akhbar.indexer.entity_table import read_from_index, write_arrays
from akhbar.indexer.name_table import build_table, write_table
from akhbar.indexer.prepare import Prepared, Preparer
from akhbar.indexer.store import Meta, Store
from akhbar.indexer.whoosh_internals.writer import BulkSegmentWriter

Record = Article | Rejected
Reporter = Callable[[str], None]


@dataclass
class BuildReport:
    """What one run did; ``read == added + updated + unchanged + rejected``."""

    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    total: int = 0  # articles in the index afterwards
    warnings: int = 0
    rejections: list[Rejected] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"read {self.read}, added {self.added}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}; index holds {self.total} articles"
        )


def _existing_digests(writer: IndexWriter) -> dict[str, str]:
    reader = writer.reader()
    if reader.doc_count_all() == 0:
        return {}
    ids = reader.column_reader("id")
    digests = reader.column_reader("digest")
    return {ids[n]: digests[n].decode("ascii") for n in reader.all_doc_ids()}


def _reject(report: BuildReport, say: Reporter, rejected: Rejected) -> None:
    report.rejected += 1
    report.rejections.append(rejected)
    say(str(rejected))


def _write(
    writer: IndexWriter,
    prepared: Iterable[tuple[tuple[Article, str, bool], Prepared]],
    report: BuildReport,
    say: Reporter,
) -> None:
    """Add (or, for known ids, replace) the prepared documents."""
    for (record, _, new), doc in prepared:
        if isinstance(doc, str):
            _reject(
                report,
                say,
                Rejected(record.path or "?", record.line, f"could not analyse this article ({doc}); please report it"),
            )
        elif new:
            writer.add_document(**doc)
            report.added += 1
        else:
            writer.update_document(**doc)
            report.updated += 1


def update_index(
    store: Store,
    records: Iterable[Record],
    *,
    rebuild: bool = False,
    settings: AnalysisSettings | None = None,
    report_problem: Reporter | None = None,
    limitmb: int = 768,
    workers: int | None = None,
    publish: Callable[[Meta], None] | None = None,
) -> BuildReport:
    """Add ``records`` to the index in ``store`` (replacing it with ``rebuild``).

    Rejected records and article problems are passed to ``report_problem`` as
    one-line messages, as they happen.  Raises :class:`~akhbar.indexer.errors.IndexLocked`
    if another process is writing.  On any exception (Ctrl-C included) the index
    is left as it was.  ``workers`` analysis processes run beside the writer
    (default: one per core on a multi-core machine, up to 3; 0 analyses in this process).
    ``limitmb`` bounds the postings held in memory; beyond it a segment is written.
    ``publish`` replaces :meth:`Store.publish` (a sharded archive publishes all its shards at once).
    """
    report = BuildReport()
    say = report_problem or (lambda message: None)
    with store.lock(), store.new_generation(rebuild=rebuild, settings=settings or AnalysisSettings()) as (ix, meta):
        # the schema's analysis core: the same settings in every worker process
        core = ix.schema["body"].analyzer.core
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the writer allocates millions of small objects and frees none of them
        try:
            writer = BulkSegmentWriter(ix, limitmb=limitmb)
            known = {} if rebuild else _existing_digests(writer)
            # An id seen twice in one run: Whoosh cannot delete a document from the segment
            # it is still writing, so the later copies wait for a second, small pass.
            written: set[str] = set()
            again: dict[str, tuple[Article, str, bool]] = {}

            def to_prepare() -> Iterator[tuple[Article, str, bool]]:
                for record in records:
                    report.read += 1
                    if isinstance(record, Rejected):
                        _reject(report, say, record)
                        continue
                    for problem in record.problems:
                        report.warnings += 1
                        say(f"{record.path}:{record.line}: {problem}" if record.line else f"{record.path}: {problem}")
                    digest = record.digest()
                    previous = known.get(record.id)
                    if previous == digest:
                        report.unchanged += 1
                        continue
                    known[record.id] = digest
                    item = (record, digest, previous is None)
                    if record.id in written:
                        if record.id in again:  # an earlier copy of this run, replaced before it was written
                            report.updated += 1
                        again[record.id] = item
                        continue
                    written.add(record.id)
                    yield item

            with Preparer(core, workers) as preparer:
                _write(writer, preparer.map(to_prepare()), report, say)
                writer.encoder = preparer.encode  # the workers are idle now: they share the commit
                writer.commit()
            if again:
                writer = BulkSegmentWriter(ix, limitmb=limitmb)
                with Preparer(core, 0) as preparer:
                    items = ((a, digest, False) for a, digest, _ in again.values())
                    _write(writer, preparer.map(items), report, say)
                writer.commit()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        finally:
            if gc_was_enabled:
                gc.enable()
        with ix.reader() as reader:
            report.total = meta.articles = reader.doc_count()
            folder = store.generation_folder(meta)
            if folder is not None:  # what entity queries and facets read, made once here
                write_table(folder, build_table(reader))
                write_arrays(folder, *read_from_index(reader))
        (publish or store.publish)(meta)
    return report
