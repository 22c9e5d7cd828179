"""Word queries scored a posting list at a time: Whoosh's BM25F scores, fewer calls.

A query word compiles to an ``Or`` of 5–15 terms — its stem in the title and the
body, its forms with a one-letter proclitic (بمصر، لمصر …).  Whoosh evaluates such a
tree document at a time: for every document, every level of a binary tree of union
matchers asks its children whether they are active and where they are, all in
Python.  For a word found in 57k of 150k articles that was 0.4 s, and it grows with
the archive.

:class:`Accumulator` reads each term's posting blocks as arrays instead, scores
them with the same BM25F formula (the same IDF, average and per-document lengths,
so the same figures up to the order of floating-point additions) and sums them in a
dict: ``Or`` adds, ``And`` intersects, ``AndNot`` removes.  The dict's size is
the exact number of hits.  Queries with anything else — phrases, prefixes, fields
other than title and body — return ``None`` and go through Whoosh's matchers.

>>> from whoosh import fields, query as wq
>>> from whoosh.filedb.filestore import RamStorage
>>> ix = RamStorage().create_index(fields.Schema(title=fields.TEXT, body=fields.TEXT))
>>> with ix.writer() as w:
...     w.add_document(title="one", body="alpha beta")
...     w.add_document(title="two", body="beta beta gamma")
>>> with ix.searcher() as s:
...     acc = Accumulator(s, s.weighting)
...     sorted(acc.scores(wq.And([wq.Term("body", "beta"), wq.Term("body", "gamma")])))
[1]
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import FilterMatcher
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

__all__ = ["Accumulator"]

SCORED_FIELDS = frozenset({"title", "body"})
_LENGTH = [byte_to_length(b) for b in range(256)]


class Unsupported(Exception):
    """The query has a part this evaluator does not handle."""


class Accumulator:
    """BM25F scores of plain word queries against one searcher (see the module docstring).

    Per-document length factors are computed once per segment and field and kept as
    long as the accumulator (the Engine keeps one per index generation)."""

    def __init__(self, searcher, weighting: BM25F) -> None:
        self._searcher = searcher
        self._b = weighting.B
        self._k1 = weighting.K1
        self._field_b = dict(weighting._field_B)
        self._leaves = list(searcher.leaf_searchers())
        self._norms: dict[tuple[int, str], list[float] | None] = {}

    def scores(self, q: wq.Query) -> dict[int, float] | None:
        """Document number → score for every document ``q`` matches, or None."""
        try:
            return self._eval(q)
        except Unsupported:
            return None

    def _eval(self, q: wq.Query) -> dict[int, float]:
        if isinstance(q, wq.Term):
            return self._term(q)
        if type(q) is wq.AndNot:
            out = self._eval(q.a)
            for docnum in self._eval(q.b):
                out.pop(docnum, None)
            return out
        if type(q) in (wq.Or, wq.And) and len(q.subqueries) == 1:
            return self._eval(q.subqueries[0])  # Whoosh drops the boost of a one-part Or/And
        if type(q) is wq.Or and not q.scale and not q.minmatch:
            parts = sorted((self._eval(sub) for sub in q.subqueries), key=len, reverse=True)
            if not parts:
                return {}
            out = parts[0]
            for part in parts[1:]:
                get = out.get
                for docnum, score in part.items():
                    out[docnum] = get(docnum, 0.0) + score
            return _boosted(out, q.boost)
        if type(q) is wq.And:
            parts = sorted((self._eval(sub) for sub in q.subqueries), key=len)
            if not parts:
                return {}
            common = set(parts[0]).intersection(*parts[1:])
            return _boosted({d: sum(part[d] for part in parts) for d in common}, q.boost)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return {}
        raise Unsupported(type(q).__name__)

    def _term(self, q: wq.Term) -> dict[int, float]:
        field = q.fieldname
        if field not in SCORED_FIELDS:
            raise Unsupported(field)
        searcher = self._searcher
        fieldobj = searcher.schema[field]
        btext = fieldobj.to_bytes(q.text)
        out: dict[int, float] = {}
        if (field, btext) not in searcher.reader():
            return out
        idf = searcher.idf(field, btext)
        k1 = self._k1
        top = k1 + 1
        boost = q.boost
        for leaf, offset in self._leaves:
            reader = leaf.reader()
            if (field, btext) not in reader:
                continue
            norms = self._norms_of(leaf, field)
            for ids, weights in _postings(reader.postings(field, btext)):
                for docnum, tf in zip(ids, weights, strict=True):
                    score = idf * ((tf * top) / (tf + norms[docnum]))
                    out[offset + docnum] = score * boost if boost != 1.0 else score
        return out

    def _norms_of(self, leaf, field: str) -> list[float]:
        """``K1 * ((1 - B) + B * length / average)`` per document of a segment, the
        length-dependent part of BM25 as Whoosh computes it (length 1 when unknown)."""
        key = (id(leaf), field)
        norms = self._norms.get(key)
        if norms is None:
            b = self._field_b.get(field, self._b)
            k1 = self._k1
            avgfl = self._searcher.avg_field_length(field) or 1
            reader = leaf.reader()
            perdoc = reader._perdoc
            lenfield = _lenfield(field)
            count = reader.doc_count_all()
            if perdoc.has_column(lenfield):
                raw = perdoc.column_reader(lenfield, LENGTHS_COLUMN).load()
                lengths = [_LENGTH[x] or 1 for x in raw]  # Whoosh's default length is 1
                lengths.extend([1] * (count - len(lengths)))
            else:
                lengths = [1] * count
            norms = [k1 * ((1 - b) + b * fl / avgfl) for fl in lengths]
            self._norms[key] = norms
        return norms


def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
    """A compound query's boost multiplies the sum of its parts (Whoosh's WrappingMatcher)."""
    if boost != 1.0:
        for docnum in scores:
            scores[docnum] *= boost
    return scores


def _postings(m):
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
