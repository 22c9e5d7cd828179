"""The segment writer: an index written from prepared postings, a term at a time,
must hold exactly what Whoosh's own writer makes of the raw text — and stay the
same when the buffer limit splits it into several segments."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import pickle
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import RamStorage
from whoosh.writing import SegmentWriter

from akhbar.analyzers.chains import AnalysisCore
from akhbar.indexer import Article
from akhbar.indexer.build import update_index
from akhbar.indexer.prepare import document
from akhbar.indexer.schema import ENTITY_INDEX, lead_of, make_schema, unpack_mentions
from akhbar.indexer.store import Store
from akhbar.indexer.whoosh_internals import codec
from akhbar.indexer.whoosh_internals.codec import AkhbarCodec
from akhbar.indexer.whoosh_internals.toc import create_index
from akhbar.indexer.whoosh_internals.writer import (
    BulkSegmentWriter,
    Postings,
    _PostingBuffer,
    decode_records,
    one_position,
)
from akhbar.search import Engine
from tests.conftest import MINI

TEXT_FIELDS = ("title", "body", "lead", "title_exact", "body_exact")


LONG = Article(
    "long",
    "ترامب يلتقي بوتين في هلسنكي",
    "هلسنكي - رويترز\nالتقى الرئيس الأمريكي دونالد ترامب نظيره الروسي فلاديمير بوتين في هلسنكي يوم 16 يوليو 2018.\n"
    "وقال ترامب إن المحادثات كانت جيدة، وأضاف بوتين أن موسكو مستعدة للحوار.",
    dt.date(2018, 7, 16),
    "src",
)


def _articles(n: int):
    """n fixture articles, distinct ids, bodies of varied lengths (so are a block's length bounds)."""
    varied = [
        dataclasses.replace(a, id=f"a{i}", body=f"{a.body} {' '.join(['تقرير'] * (i % 9))}")
        for i, a in enumerate(MINI[i % len(MINI)] for i in range(n))
    ]
    return varied + [LONG]


def _blocks(posts: bytes) -> list[tuple]:
    """A term's posting blocks: each block's stored info and its data, unpickled (a
    pickle may share repeated values, so its bytes are not compared)."""
    assert posts[:4] == b"W3Bl"
    out, at = [], 4
    while at < len(posts):
        (size,) = struct.unpack_from("!i", posts, at)
        block = io.BytesIO(posts[at + 4 : at + 4 + abs(size)])
        info = pickle.Unpickler(block).load()
        data = block.read()
        out.append((size < 0, info, pickle.loads(codec._decompress(data) if info[3] else data)))
        at += 4 + abs(size)
    return out


def _contents(ix, raw: bool = True) -> tuple[dict, list, dict]:
    """Every term's statistics and postings (``raw``: and their bytes as stored), the
    stored fields and the field lengths."""
    with ix.reader() as r:
        terms = {}
        for fieldname, btext in r.all_terms():
            ti = r.term_info(fieldname, btext)
            m = r.postings(fieldname, btext)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight())
            if not raw:
                written = None
            elif ti.is_inlined():
                written = ti.to_bytes()
            else:  # the posting blocks as stored, block statistics included
                offset, length = ti.extent()
                written = _blocks(r._terms._postfile.get(offset, length if isinstance(length, int) else length[0]))
            terms[fieldname, btext] = (stats, ti.min_id(), ti.max_id(), postings, written)
        docs = range(r.doc_count_all())
        stored = [r.stored_fields(d) for d in docs]
        lengths = {f: [r.doc_field_length(d, f) for d in docs] for f in TEXT_FIELDS}
    return terms, stored, lengths


@pytest.mark.parametrize("compress_all", [True, False], ids=["every-block-compressed", "small-blocks-raw"])
def test_prepared_postings_write_what_whoosh_writes_from_the_text(compress_all, monkeypatch) -> None:
    """Whoosh's SegmentWriter analyses the raw text itself (the schema's analyzers) and
    writes posting by posting; ours gets prepared postings and writes term by term.
    Compressing every block as Whoosh does, the blocks written are the same (statistics
    and data); leaving small blocks uncompressed, what is read back is."""
    if compress_all:
        monkeypatch.setattr(codec, "_COMPRESS_FROM", -1)
    core = AnalysisCore()
    articles = _articles(300)  # common terms fill several posting blocks
    docs = [document(a, a.digest(), core) for a in articles]
    assert isinstance(docs[0]["body"], Postings)
    ours = create_index(RamStorage(), make_schema())  # reads back the codec akhbar writes
    writer = BulkSegmentWriter(ours)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    theirs = RamStorage().create_index(make_schema())
    writer = SegmentWriter(theirs, codec=AkhbarCodec())
    for a, doc in zip(articles, docs, strict=True):  # the texts the postings were made from
        texts = {"title": a.title, "body": a.body, "lead": lead_of(a.body), "title_exact": a.title}
        texts["root"] = f"{a.title}\n{a.body}"  # one field for the roots of both
        mentions = unpack_mentions(doc.get("entities"), a.title, a.body)
        for kind, field in ENTITY_INDEX.items():
            keys = sorted({key for k, key, *_ in mentions if k == kind})
            texts[field] = ",".join(keys) if keys else None  # Whoosh analyses the keys itself
        writer.add_document(**{**doc, **texts, "body_exact": a.body})
    writer.commit()
    mine, whooshs = _contents(ours, raw=compress_all), _contents(theirs, raw=compress_all)
    assert {field for field, _ in mine[0]} >= {*TEXT_FIELDS, "id", "person", "place", "date", "root"}
    assert mine == whooshs


def test_a_full_buffer_starts_a_new_segment_with_the_same_answers(tmp_path) -> None:
    articles = _articles(60)
    one = Engine.create(tmp_path / "one")
    one.add(articles, workers=0)
    many_store = Store(tmp_path / "many")
    update_index(many_store, articles, rebuild=True, limitmb=0, workers=0)  # a segment per article
    many = Engine.open(tmp_path / "many")
    with many_store.open_index(many_store.read_meta()).reader() as r:
        assert len(r.leaf_readers()) > 10
        assert r.doc_count() == 61
    for query in ("هدنة", '"الهدنة الإنسانية"', "=الأخبار", "place:حلب", "date:2017", "حلب OR القاهرة"):
        a, b = one.search(query, limit=100), many.search(query, limit=100)
        assert a.total == b.total
        assert [(h.id, round(h.score, 6)) for h in a.hits] == [(h.id, round(h.score, 6)) for h in b.hits]


def test_updates_by_id_across_written_segments(tmp_path) -> None:
    """Replacing articles merges small segments through the buffer (add_reader)."""
    store = Store(tmp_path / "ix")
    update_index(store, _articles(30), rebuild=True, limitmb=0, workers=0)
    changed = [dataclasses.replace(a, body=a.body + " مفاعل") for a in _articles(30)[:5]]
    report = update_index(store, changed, workers=0)
    assert report.updated == 5
    engine = Engine.open(tmp_path / "ix")
    assert engine.search("مفاعل", limit=50).total == 5
    with store.open_index(store.read_meta()).reader() as r:
        assert r.doc_count() == 31


def test_term_vectors_are_refused_not_silently_dropped() -> None:
    from whoosh import fields

    schema = make_schema()
    schema.add("extra", fields.TEXT(vector=True))
    with pytest.raises(ValueError, match="extra"):
        BulkSegmentWriter(create_index(RamStorage(), schema))


def _built(path, articles, workers: int):
    store = Store(path)
    update_index(store, articles, rebuild=True, workers=workers)
    return store.open_index(store.read_meta())


@pytest.mark.parametrize("workers_die", [False, True], ids=["workers-encode", "workers-killed-before-commit"])
def test_a_commit_shared_with_the_workers_writes_the_same_index(tmp_path, monkeypatch, workers_die) -> None:
    """The final commit's terms are encoded in the analysis workers; if they are gone,
    in the writing process. Either way the index is the one a serial build writes."""
    from akhbar.indexer.prepare import BATCH, Preparer

    articles = _articles(3 * BATCH)
    if workers_die:
        encode = Preparer.encode

        def killed_first(self, jobs):
            for worker in self._pool:
                worker.process.kill()
            return encode(self, jobs)

        monkeypatch.setattr(Preparer, "encode", killed_first)
    serial = _contents(_built(tmp_path / "serial", articles, workers=0))
    parallel = _contents(_built(tmp_path / "parallel", articles, workers=2))
    assert serial == parallel


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 70_000), st.floats(0, 1e6, allow_nan=False, width=32)),
            st.one_of(st.integers(0, 70_000), st.binary(min_size=1, max_size=20)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_buffered_records_read_back_as_given(postings) -> None:
    """Whatever weight or value a posting has, the packed record gives it back (the
    compact forms — one position, an integer weight — and their escapes)."""
    schema = make_schema()
    for field, with_values in (("body", True), ("body_exact", False)):
        buffer = _PostingBuffer(schema)
        for docnum, (weight, value) in enumerate(postings):
            if with_values:  # a one-position value has weight 1; others carry their own
                weight = 1 if isinstance(value, int) else weight
            buffer.add_postings(field, docnum, [b"t"], [weight], [value] if with_values else None)
        ((term, held),) = next(buffer.take(field))
        ids, weights, values = decode_records(held, with_values)
        assert ids == list(range(len(postings)))
        expected = [float(w) if not with_values or not isinstance(v, int) else 1.0 for w, v in postings]
        assert weights == pytest.approx(expected, rel=1e-6)
        if with_values:
            assert values == [one_position(v) if isinstance(v, int) else v for _, v in postings]
        else:
            assert values is None


@given(st.lists(st.binary(max_size=6), max_size=8), st.booleans())
def test_postings_travel_between_processes_unchanged(terms: list[bytes], with_values: bool) -> None:
    """Workers pickle documents with their terms joined: any terms, NULs and empty ones included."""
    p = Postings(len(terms), terms, [1] * len(terms), [b"v"] * len(terms) if with_values else None)
    back = pickle.loads(pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == p and type(back) is Postings
