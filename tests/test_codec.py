"""The index codec: block-compressed stored fields and packed inline postings must
give exactly what Whoosh's own codec gives, only smaller."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import formats
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.filetables import OrderedHashWriter

import akhbar.indexer.whoosh_internals.writer
from akhbar.indexer import Article
from akhbar.indexer.whoosh_internals.codec import (
    BlockCompressedBytesColumn,
    BlockSettings,
    InlineTermInfo,
    TermIndexWriter,
    encode_postings,
)
from akhbar.search import Engine

WORDS = "حلب بحلب لحلب حمص دمشق هدنة قصف وزارة الخارجية محادثات جنيف الرئيس الأسواق النفط الأمطار القاهرة".split()


def _corpus(n: int, seed: int = 7) -> list[Article]:
    """Articles of common words plus made-up rare ones (many terms in one document
    only, some in two or three: the inlined postings)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        rare = [f"كلمة{rng.randrange(3 * n)}" for _ in range(3)]
        body = " ".join(rng.choices(WORDS, k=30) + rare)
        out.append(Article(f"a{i:04d}", " ".join(rng.choices(WORDS, k=4)), body, dt.date(2018, 1 + i % 12, 1), "src"))
    return out


QUERIES = ["حلب", "هدنة دمشق", '"وزارة الخارجية"', "كلمة5", "كلمة17 OR كلمة40", "=الرئيس", "حلب -النفط"]


def _answers(engine: Engine) -> list[list[tuple[str, float, str]]]:
    return [[(h.id, round(h.score, 6), h.snippet) for h in engine.search(q, limit=50)] for q in QUERIES]


@pytest.fixture(scope="module")
def two_indexes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Engine]:
    docs = _corpus(120)
    ours = tmp_path_factory.mktemp("ours") / "ix"
    Engine.create(ours).add(docs[:70])
    Engine.open(ours).add(docs[70:])  # a second segment, then merged or searched together
    plain = tmp_path_factory.mktemp("plain") / "ix"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(akhbar.indexer.whoosh_internals.writer, "AkhbarCodec", W3Codec)
        Engine.create(plain).add(docs[:70])
        Engine.open(plain).add(docs[70:])
    return Engine.open(ours), Engine.open(plain)


def test_searches_and_stored_fields_match_whooshs_codec(two_indexes: tuple[Engine, Engine]) -> None:
    ours, plain = two_indexes
    assert _answers(ours) == _answers(plain)
    for i in (0, 15, 16, 17, 69, 70, 119):
        assert ours.doc(f"a{i:04d}") == plain.doc(f"a{i:04d}")


def test_rare_terms_are_found_with_their_positions(two_indexes: tuple[Engine, Engine]) -> None:
    ours, _ = two_indexes
    doc = ours.doc("a0003")
    rare = doc.body.split()[-3:]
    hits = ours.search(f'"{rare[0]} {rare[1]}"')
    assert "a0003" in [h.id for h in hits]


@given(st.lists(st.binary(max_size=40), max_size=70), st.integers(0, 5), st.integers(1, 20))
def test_block_column_round_trip(values: list[bytes], gap: int, block: int) -> None:
    storage = RamStorage()
    column = BlockCompressedBytesColumn(block=block)
    writer = column.writer(storage.create_file("c"))
    expected = []
    for v in values:
        expected.extend([b""] * gap)
        writer.add(len(expected), v)
        expected.append(v)
    expected.extend([b""] * gap)
    writer.finish(len(expected))
    writer._dbfile.close()
    reader = column.reader(storage.open_file("c"), 0, storage.file_length("c"), len(expected))
    assert [reader[n] for n in range(len(expected))] == expected
    assert list(reader) == expected


def test_blocks_written_with_zlib_by_earlier_versions_still_read() -> None:
    """Indexes built before the stored fields moved to zstd stay readable."""

    class Zlib:
        def compress(self, data: bytes) -> bytes:
            return zlib.compress(data, 6)

    storage = RamStorage()
    column = BlockCompressedBytesColumn(block=8)
    writer = column.writer(storage.create_file("c"))
    writer._compressor = Zlib()
    values = [f"مقال {n}".encode() * n for n in range(20)]
    for n, v in enumerate(values):
        writer.add(n, v)
    writer.finish(len(values))
    writer._dbfile.close()
    reader = column.reader(storage.open_file("c"), 0, storage.file_length("c"), len(values))
    assert list(reader) == values


postings = st.lists(
    st.tuples(
        st.integers(1, 1 << 20),
        st.one_of(st.integers(1, 1000).map(float), st.floats(0.5, 1e6, width=32)),
        st.binary(max_size=12),
    ),
    min_size=1,
    max_size=3,
)


@given(postings, st.booleans(), st.integers(1, 500))
def test_inline_term_info_round_trip(items: list, with_values: bool, length: int) -> None:
    ids, weights, values = [], [], []
    docnum = 0
    for delta, weight, value in items:
        docnum += delta
        ids.append(docnum)
        weights.append(struct.unpack("<f", struct.pack("<f", weight))[0])
        values.append(value)
    ti = InlineTermInfo.inline(ids, weights, values if with_values else [], length, length)
    back = InlineTermInfo.from_bytes(ti.to_bytes())
    assert back.inlined_postings() == ti.inlined_postings()
    assert (back.doc_frequency(), back.weight(), back.max_weight()) == (len(ids), sum(weights), max(weights))
    assert (back.min_id(), back.max_id(), back.min_length(), back.max_length()) == (
        ids[0],
        ids[-1],
        ti.min_length(),
        ti.max_length(),
    )


@given(
    st.integers(0, 1 << 31),
    st.integers(0, 0xFFFE),
    st.one_of(st.none(), st.binary(max_size=12)),
    st.integers(0, 100_000),
)
def test_a_single_posting_packs_as_the_general_packing_does(docnum, weight, value, length) -> None:
    general = InlineTermInfo.pack([docnum], [float(weight)], None if value is None else [value], length, length)
    assert InlineTermInfo.pack_one(docnum, weight, value, length) == general


def test_positional_posting_blocks_are_far_smaller_than_whooshs() -> None:
    """W3 pickles a block's values with protocol 2, which spells every bytes value as
    a call to ``_codecs.encode``: half of a body field's postings on ANT."""
    rng = random.Random(3)
    ids = sorted(rng.sample(range(5_000), 600))
    positions = [sorted(rng.sample(range(400), rng.randint(1, 6))) for _ in ids]
    fmt = formats.Positions()
    values = [fmt.encode(p) for p in positions]
    weights = [float(len(p)) for p in positions]
    _, ours = encode_postings(None, ids, weights, values, None, BlockSettings())
    storage = RamStorage()
    f = storage.create_file("posts")
    w3 = W3Codec().postings_writer(f)
    w3.start_postings(fmt, W3TermInfo())
    for docnum, weight, value in zip(ids, weights, values, strict=True):
        w3.add_posting(docnum, weight, value)
    w3.finish_postings()
    assert len(ours) < 0.75 * f.tell()


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.binary(min_size=1, max_size=12), st.binary(max_size=30), max_size=300))
def test_the_term_index_is_written_as_whoosh_writes_it(items: dict[bytes, bytes]) -> None:
    storage = RamStorage()
    for name, cls in (("ours", TermIndexWriter), ("whoosh", OrderedHashWriter)):
        w = cls(storage.create_file(name))
        for key in sorted(items):
            w.add(key, items[key])
        w.extras["fieldmap"] = {"body": 0}
        w.close()
    assert storage.open_file("ours").read() == storage.open_file("whoosh").read()
