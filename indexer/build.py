"""Building and updating an index from corpus records.

One writer streams the records into a new generation (see :mod:`indexer.store`);
articles are added, replaced by id when their content changed, or skipped when
unchanged.  Nothing is visible to searchers until the whole run has committed.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from whoosh.writing import IndexWriter

from analyzers import AnalysisSettings
from analyzers.chains import AnalysisCore
from analyzers.entities import extract_entities
from analyzers.mentions import extract_dates
from indexer.article import Article, Rejected
from indexer.schema import lead_of
from indexer.store import Store

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


def article_fields(a: Article, digest: str, core: AnalysisCore | None = None) -> dict:
    """The Whoosh document for an article."""
    doc: dict = {
        "id": a.id,
        "title": a.title,
        "body": a.body,
        "lead": lead_of(a.body),
        "title_exact": a.title,
        "body_exact": a.body,
        "digest": digest,
        "origin": (a.path, a.line),
    }
    if a.date is not None:
        doc["date"] = dt.datetime(a.date.year, a.date.month, a.date.day)
        doc["month"] = f"{a.date.year:04d}-{a.date.month:02d}"
    words = [(start, end, n) for _, n, _, start, end in core.words(a.body)] if core else None
    mentions = extract_dates(a.body, a.date, words)
    found = [("title", m) for m in extract_entities(a.title)] + [("body", m) for m in extract_entities(a.body, words)]
    if found:
        keys: dict[str, set[str]] = {"person": set(), "place": set(), "organization": set()}
        for _, m in found:
            keys[m.type].add(m.key)
        doc["person"] = ",".join(sorted(keys["person"]))
        doc["place"] = ",".join(sorted(keys["place"]))
        doc["org"] = ",".join(sorted(keys["organization"]))
        doc["entity"] = ",".join(sorted(keys["person"] | keys["place"] | keys["organization"]))
        doc["entities"] = [(m.type, m.key, m.text, where, m.start, m.end) for where, m in found]
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
    return doc


def _existing_digests(writer: IndexWriter) -> dict[str, str]:
    reader = writer.reader()
    if reader.doc_count_all() == 0:
        return {}
    ids = reader.column_reader("id")
    digests = reader.column_reader("digest")
    return {ids[n]: digests[n] for n in reader.all_doc_ids()}


def update_index(
    store: Store,
    records: Iterable[Record],
    *,
    rebuild: bool = False,
    settings: AnalysisSettings | None = None,
    report_problem: Reporter | None = None,
    limitmb: int = 256,
) -> BuildReport:
    """Add ``records`` to the index in ``store`` (replacing it with ``rebuild``).

    Rejected records and article problems are passed to ``report_problem`` as
    one-line messages, as they happen.  Raises :class:`~indexer.errors.IndexLocked`
    if another process is writing.  On any exception (Ctrl-C included) the index
    is left as it was.
    """
    report = BuildReport()
    say = report_problem or (lambda message: None)
    with store.lock(), store.new_generation(rebuild=rebuild, settings=settings or AnalysisSettings()) as (ix, meta):
        writer = ix.writer(limitmb=limitmb)
        committed = False
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the writer allocates millions of small objects and frees none of them
        try:
            known = {} if rebuild else _existing_digests(writer)
            # the schema's analysis core: date extraction reuses the body's words
            core = getattr(ix.schema["body"].analyzer, "core", None)
            for record in records:
                report.read += 1
                if isinstance(record, Rejected):
                    report.rejected += 1
                    report.rejections.append(record)
                    say(str(record))
                    continue
                for problem in record.problems:
                    report.warnings += 1
                    say(f"{record.path}:{record.line}: {problem}" if record.line else f"{record.path}: {problem}")
                digest = record.digest()
                previous = known.get(record.id)
                if previous == digest:
                    report.unchanged += 1
                    continue
                try:
                    doc = article_fields(record, digest, core)
                except Exception as e:  # noqa: BLE001 - one article must not sink a 150k build
                    rejected = Rejected(
                        record.path or "?",
                        record.line,
                        f"could not analyse this article ({type(e).__name__}: {e}); please report it",
                    )
                    report.rejected += 1
                    report.rejections.append(rejected)
                    say(str(rejected))
                    continue
                if previous is None:
                    writer.add_document(**doc)
                    report.added += 1
                else:
                    writer.update_document(**doc)
                    report.updated += 1
                known[record.id] = digest
            writer.commit()
            committed = True
        finally:
            if not committed:
                writer.cancel()
            if gc_was_enabled:
                gc.enable()
        with ix.reader() as reader:
            report.total = meta.articles = reader.doc_count()
        store.publish(meta)
    return report
