"""Posting lists and field lengths read as arrays, below Whoosh's matcher interface.

:class:`akhbar.search.accumulate.Accumulator` scores whole posting lists in numpy;
Whoosh offers them one posting at a time (``matcher.id()``, ``next()``).  These
functions read W3's blocks directly, and the per-document field lengths from the
segment's length column — private parts of whoosh-reloaded, listed in
:mod:`akhbar.indexer.whoosh_internals`.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import FilterMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

__all__ = ["Unsupported", "field_b", "field_lengths", "leaf_positions", "leaf_postings", "matching", "postings_blocks"]

_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


class Unsupported(Exception):
    """A query, or a posting list, that the array evaluator does not handle."""


def field_b(weighting: BM25F) -> dict[str, float]:
    """The per-field B parameters of a BM25F weighting (Whoosh keeps them in ``_field_B``)."""
    return dict(weighting._field_B)


def field_lengths(reader, field: str) -> np.ndarray:
    """Each document's length in ``field`` in one segment, as Whoosh's BM25F reads it
    (quantized to a byte; 1 when unknown or zero).  The length column holds one byte a
    document: it is read whole, not through the column reader a document at a time
    (0.06 s a field on the 30k index, most of a cold query's time)."""
    count = reader.doc_count_all()
    lengths = np.ones(count, dtype=np.int64)  # Whoosh's default length is 1
    perdoc = reader._perdoc
    lenfield = _lenfield(field)
    if perdoc.has_column(lenfield):
        column = perdoc.column_reader(lenfield, LENGTHS_COLUMN)
        stored = min(column._count, count)  # documents past the last written one have the default, 0
        raw = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
        known = _LENGTH[raw]
        lengths[:stored] = np.where(known == 0, 1, known)
    return lengths


def leaf_postings(m) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of a term in one segment, as arrays.

    W3 blocks hold delta-encoded ids (each block's first delta from 0) and weights
    (None when all are 1, one number when all are equal): the raw blocks are joined
    and decoded with numpy rather than id by id."""
    inner = m.child if isinstance(m, FilterMatcher) else m
    if not isinstance(inner, W3LeafMatcher) or (isinstance(m, FilterMatcher) and not m._exclude):
        ids: list[int] = []
        tfs: list[float] = []
        for block_ids, weights in postings_blocks(m):
            ids.extend(block_ids)
            tfs.extend(weights)
        return np.array(ids, dtype=np.int64), np.array(tfs, dtype=np.float64)
    deltas: list[int] = []
    weights = array("f")
    sizes: list[int] = []
    while inner.is_active():
        if inner._data is None:
            inner._read_data()
        block_deltas, block_weights = inner._data[0], inner._data[1]
        count = len(block_deltas)
        deltas.extend(block_deltas)
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, (int, float)):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        sizes.append(count)
        inner._next_block()
    if not sizes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    summed = np.cumsum(np.array(deltas, dtype=np.int64))
    ends = np.cumsum(np.array(sizes, dtype=np.int64))
    before = np.concatenate(([0], summed[ends[:-1] - 1]))  # each block restarts from 0
    ids = summed - np.repeat(before, sizes)
    tfs = np.frombuffer(weights, dtype=np.float32).astype(np.float64)
    if isinstance(m, FilterMatcher):  # a segment with deletions
        kept = ~np.isin(ids, np.fromiter(m._ids, dtype=np.int64, count=len(m._ids)))
        ids, tfs = ids[kept], tfs[kept]
    return ids, tfs


def matching(m, wanted: Iterable[int]) -> Iterator[int]:
    """The ids of ``wanted`` (ascending) that matcher ``m`` holds, ``m`` left on each
    as it is yielded; blocks holding none of them are skipped, not decoded."""
    for docnum in wanted:
        if not m.is_active():
            return
        if m.id() < docnum:
            m.skip_to(docnum)
            if not m.is_active():
                return
        if m.id() == docnum:
            yield docnum


def leaf_positions(m, wanted: list[int] | None) -> Iterator[tuple[int, list[int]]]:
    """(document number, positions) of a term in each of ``wanted`` (ascending document
    numbers of one segment, none of them deleted) that holds it; in every document that
    holds it when ``wanted`` is None (deleted ones too).

    A phrase reads the positions of its words in the thousands of articles that have them
    all.  Skipping to each document through the matcher costs more than reading the
    blocks: a block whose last id is below the next wanted one is passed over on its
    header, the others have their ids and values read once."""
    inner = m.child if isinstance(m, FilterMatcher) else m
    if not isinstance(inner, W3LeafMatcher):
        if wanted is None:
            while inner.is_active():
                yield inner.id(), inner.value_as("positions")
                inner.next()
            return
        for docnum in matching(inner, wanted):
            yield docnum, inner.value_as("positions")
        return
    decode = inner.format.decoder("positions")
    at, count = 0, len(wanted) if wanted is not None else 0
    while inner.is_active() and (wanted is None or at < count):
        if wanted is not None and inner._maxid < wanted[at]:
            inner._next_block()
            continue
        if inner._ids is None:
            inner._read_ids()
        if inner._values is None:
            inner._read_values()
        ids, values = inner._ids, inner._values
        if wanted is None:
            for i, docnum in enumerate(ids):
                yield docnum, decode(values[i])
        else:
            for i, docnum in enumerate(ids):
                while at < count and wanted[at] < docnum:
                    at += 1
                if at == count:
                    return
                if wanted[at] == docnum:
                    yield docnum, decode(values[i])
                    at += 1
        inner._next_block()


def postings_blocks(m):
    """(ids, weights) arrays of a term's postings, a block at a time where the codec allows."""
    deleted = None
    if isinstance(m, FilterMatcher):  # a segment with deletions
        deleted = m._ids if m._exclude else None
        if deleted is None:
            raise Unsupported("include filter")
        m = m.child
    if isinstance(m, W3LeafMatcher):
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            ids, weights = m._ids, m._weights
            if deleted:
                kept = [(i, w) for i, w in zip(ids, weights, strict=True) if i not in deleted]
                yield [i for i, _ in kept], [w for _, w in kept]
            else:
                yield ids, weights
            m._next_block()
        return
    ids, weights = [], []
    while m.is_active():
        if deleted is None or m.id() not in deleted:
            ids.append(m.id())
            weights.append(m.weight())
        m.next()
    yield ids, weights
