"""Article preparation in worker processes gives exactly the documents of a serial run."""

from __future__ import annotations

import dataclasses

from akhbar.analyzers.chains import AnalysisCore
from akhbar.indexer.prepare import BATCH, Preparer
from akhbar.indexer.schema import make_schema
from akhbar.indexer.whoosh_internals.writer import one_position
from akhbar.search import Engine
from tests.conftest import MINI


def _many(n: int):
    """n articles (several batches) made from the fixture corpus, with distinct ids."""
    return [dataclasses.replace(MINI[i % len(MINI)], id=f"a{i}") for i in range(n)]


def _prepare(items, workers: int, kill_after: int | None = None):
    out = []
    with Preparer(AnalysisCore(), workers) as preparer:
        for number, (item, doc) in enumerate(preparer.map(items)):
            if kill_after is not None and number == kill_after:
                for worker in preparer._pool:
                    worker.process.kill()
            out.append((item[0].id, doc))
    return out


def test_workers_return_the_serial_documents_in_order() -> None:
    items = [(a, a.digest(), None) for a in _many(5 * BATCH + 7)]
    assert _prepare(items, workers=2) == _prepare(items, workers=0)


def test_a_dead_worker_costs_speed_not_articles() -> None:
    items = [(a, a.digest(), None) for a in _many(6 * BATCH)]
    assert _prepare(items, workers=1, kill_after=BATCH + 3) == _prepare(items, workers=0)


def test_postings_are_what_whoosh_indexes_from_the_text() -> None:
    """The prepared fields hold exactly the postings Whoosh's own field.index() makes
    of the raw text with the schema's analyzers: terms, frequencies, encoded positions."""
    schema = make_schema()
    article = MINI[5]
    ((_, doc),) = _prepare([(article, article.digest(), None)], workers=0)
    for field, text in (("title", article.title), ("body", article.body), ("body_exact", article.body)):
        expected = sorted((t, freq, v) for t, freq, _, v in schema[field].index(text))
        p = doc[field]
        values = [one_position(v) if isinstance(v, int) else v for v in p.values or [b""] * len(p.terms)]
        got = sorted(zip(p.terms, p.weights, values, strict=True))
        assert got == expected
        assert p.length == sum(freq for _, freq, _ in expected)


def test_an_index_built_with_workers_answers_like_one_built_without() -> None:
    articles = _many(3 * BATCH)
    serial, parallel = Engine.in_memory(), Engine.in_memory()
    serial.add(articles, workers=0)
    parallel.add(articles, workers=2)
    for query in ("هدنة", '"الهدنة الإنسانية"', "=الأخبار", "place:حلب", "date:2017"):
        assert [h.id for h in serial.search(query, limit=50).hits] == [
            h.id for h in parallel.search(query, limit=50).hits
        ]


def test_without_a_python_to_start_workers_it_prepares_inline(monkeypatch) -> None:
    import sys

    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    items = [(a, a.digest(), None) for a in _many(3 * BATCH)]
    assert _prepare(items, workers=2) == _prepare(items, workers=0)
