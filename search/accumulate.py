"""Word queries scored a posting list at a time: Whoosh's BM25F scores, fewer calls.

A query word compiles to an ``Or`` of 5–15 terms — its stem in the title and the
body, its forms with a one-letter proclitic (بمصر، لمصر …).  Whoosh evaluates such a
tree document at a time: for every document, every level of a binary tree of union
matchers asks its children whether they are active and where they are, all in
Python.  For a word found in 57k of 150k articles that was 0.4 s, and it grows with
the archive.

:class:`Accumulator` reads each term's posting blocks as numpy arrays instead,
scores them with the same BM25F formula (the same IDF, average and per-document
lengths, so the same figures up to the order of floating-point additions) and
combines (document numbers, scores) arrays: ``Or`` adds into a dense array the size
of the archive, ``And`` intersects, ``AndNot`` removes.  The result's length is the
exact number of hits; :class:`~akhbar.search.ordering.HitOrder` orders them.  Queries with anything else — phrases, prefixes, fields
other than title and body — return ``None`` and go through Whoosh's matchers.

>>> from whoosh import fields, query as wq
>>> from whoosh.filedb.filestore import RamStorage
>>> ix = RamStorage().create_index(fields.Schema(title=fields.TEXT, body=fields.TEXT))
>>> with ix.writer() as w:
...     w.add_document(title="one", body="alpha beta")
...     w.add_document(title="two", body="beta beta gamma")
>>> with ix.searcher() as s:
...     acc = Accumulator(s, s.weighting)
...     acc.scores(wq.And([wq.Term("body", "beta"), wq.Term("body", "gamma")]))[0].tolist()
[1]
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict

import numpy as np
from whoosh import query as wq
from whoosh.query import spans
from whoosh.scoring import BM25F

from akhbar.indexer.deadline import check as check_deadline
from akhbar.indexer.whoosh_internals.collecting import search_counting
from akhbar.indexer.whoosh_internals.postings import (
    Unsupported,
    field_b,
    field_lengths,
    leaf_positions,
    leaf_postings,
    matching,
)

__all__ = ["Accumulator", "DocSet", "Scored", "every_hit"]

SCORED_FIELDS = frozenset(
    {"title", "body", "title_exact", "body_exact", "lead", "root", "person", "place", "org", "source", "category", "id"}
)
LOOKUP_RATIO = 8  # a term in 8x more documents than are wanted is looked up, not decoded whole
CACHE_FROM = 2_000  # postings: rarer terms decode quickly enough
CACHED_POSTINGS = 3_000_000  # ~36 MB of document numbers and scores
WHOLE_POSITIONS = 4  # a phrase word's positions are read whole (and kept) for a quarter of its documents
CACHED_POSITIONS = 300_000  # documents' positions kept, some 50 MB at most


Scored = tuple[np.ndarray, np.ndarray]  # document numbers (ascending, int64) and their scores
_NOTHING: Scored = (np.zeros(0, dtype=np.int64), np.zeros(0))


class DocSet(wq.Query):
    """Articles known by number (across the index), each scoring ``score``: what an
    earlier evaluation of one index generation found, matched again without reading a
    posting (the text matches of a name's spellings).  A Whoosh query through its
    public interface: each leaf searcher gets a :class:`~whoosh.matching.ListMatcher`
    of its own documents.

    >>> from whoosh import fields
    >>> from whoosh.filedb.filestore import RamStorage
    >>> ix = RamStorage().create_index(fields.Schema(body=fields.TEXT))
    >>> with ix.writer() as w:
    ...     for text in ("a", "b", "c"):
    ...         w.add_document(body=text)
    >>> with ix.searcher() as s:
    ...     sorted(s.docs_for_query(DocSet(np.array([0, 2]), 0.5)))
    [0, 2]
    """

    def __init__(self, ids: np.ndarray, score: float, label: str = "") -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.score = float(score)
        self.boost = 1.0
        self.label = label

    def __repr__(self) -> str:
        return f"DocSet({len(self.ids)} articles{': ' + self.label if self.label else ''})"

    __str__ = __repr__

    def __eq__(self, other) -> bool:
        return (
            type(other) is DocSet
            and self.score == other.score
            and len(self.ids) == len(other.ids)
            and bool((self.ids == other.ids).all())
        )

    def __hash__(self) -> int:
        return hash((len(self.ids), self.score, self.label))

    def estimate_size(self, ixreader) -> int:
        return len(self.ids)

    def matcher(self, searcher, context=None):
        from whoosh.matching import ListMatcher, NullMatcher

        offset, size = 0, searcher.doc_count_all()
        if searcher.has_parent():
            offset = next((o for s, o in searcher.get_parent().leaf_searchers() if s is searcher), 0)
        local = self.ids[(self.ids >= offset) & (self.ids < offset + size)] - offset
        if not len(local):
            return NullMatcher()
        return ListMatcher(local.tolist(), all_weights=self.score)


class Accumulator:
    """BM25F scores of plain word queries against one searcher (see the module docstring).

    Per-document length factors are computed once per segment and field and kept as
    long as the accumulator (the Engine keeps one per index generation)."""

    def __init__(self, searcher, weighting: BM25F) -> None:
        self._searcher = searcher
        self._b = weighting.B
        self._k1 = weighting.K1
        self._field_b = field_b(weighting)
        self._leaves = list(searcher.leaf_searchers())
        self._norms: dict[tuple[int, str], np.ndarray] = {}
        self._cache: OrderedDict[tuple[str, bytes], Scored] = OrderedDict()
        self._cached = 0  # postings held in _cache
        self._positions_cache: OrderedDict[tuple[str, bytes], dict[int, list[int]]] = OrderedDict()
        self._positions_held = 0  # documents in _positions_cache
        self._live_ids: np.ndarray | None = None
        self._ranges: dict[str, np.ndarray] = {}

    def scores(self, q: wq.Query, within: np.ndarray | None = None) -> Scored | None:
        """(document numbers ascending, their scores) of every document ``q`` matches
        (of those in ``within``, ascending, if given), or None when ``q`` has a part this
        evaluator does not handle."""
        try:
            return self._eval(q, within)
        except Unsupported:
            return None

    def _eval(self, q: wq.Query, within: np.ndarray | None = None) -> Scored:
        """Scores of the documents ``q`` matches (only those in ``within``, if given)."""
        if isinstance(q, wq.Term):
            return self._term(q, within)
        if type(q) is wq.AndNot:
            ids, scores = self._eval(q.a, within)
            excluded, _ = self._eval(q.b, ids)
            keep = ~np.isin(ids, excluded, assume_unique=True)
            return ids[keep], scores[keep]
        if type(q) in (wq.Or, wq.And) and len(q.subqueries) == 1:
            return self._eval(q.subqueries[0], within)  # Whoosh drops the boost of a one-part Or/And
        if type(q) is wq.Or and not q.scale and not q.minmatch:
            parts = sorted((self._eval(sub, within) for sub in q.subqueries), key=lambda p: len(p[0]), reverse=True)
            if not parts:
                return _NOTHING
            if len(parts) == 1:
                return _boosted(parts[0], q.boost)
            # summed in a dense array, largest part first (the same additions, in the same order,
            # as adding them up document by document)
            total = np.zeros(self._searcher.doc_count_all())
            found = np.zeros(len(total), dtype=bool)
            for ids, scores in parts:
                total[ids] += scores
                found[ids] = True
            ids = np.flatnonzero(found)
            return _boosted((ids, total[ids]), q.boost)
        if type(q) is wq.And:
            # the rarest part first; the others are only looked up for its documents
            reader = self._searcher.reader()
            subs = sorted(q.subqueries, key=lambda sub: sub.estimate_size(reader))
            parts = []
            for sub in subs:
                part = self._eval(sub, within)
                parts.append(part)
                within = part[0] if within is None else np.intersect1d(within, part[0], assume_unique=True)
                if not len(within):
                    return _NOTHING
            assert within is not None
            summed = np.zeros(len(within))
            for ids, scores in parts:
                summed += scores[np.searchsorted(ids, within)]
            return _boosted((within, summed), q.boost)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return _NOTHING
        if isinstance(q, wq.Phrase | spans.SpanNear2):
            return self._phrase(q, within)
        if isinstance(q, DocSet):
            ids = q.ids if within is None else np.intersect1d(q.ids, within, assume_unique=True)
            return ids, np.full(len(ids), q.score)
        if type(q) is wq.Every and q.fieldname in (None, "*"):
            ids = self._live()  # NOT x alone is Every minus x
        elif isinstance(q, wq.NumericRange) and q.constantscore:
            ids = self._in_range(q)  # a date range alone
        else:
            raise Unsupported(type(q).__name__)
        if within is not None:
            ids = np.intersect1d(ids, within, assume_unique=True)
        return ids, np.full(len(ids), float(q.boost))  # Whoosh scores both as their boost

    def _phrase(self, q: wq.Phrase | spans.SpanNear2, within: np.ndarray | None) -> Scored:
        """A phrase: the documents where its words stand in order, each within ``slop``
        positions of the one before, scored as Whoosh scores its span queries (the sum
        of the words' scores, a word being the union of its variant terms).

        The words' documents and scores come from the postings as for ``And``; positions
        are read only for the documents that have every word, and compared in plain
        lists.  Whoosh walks a tree of span matchers a document at a time instead:
        «"وزير الخارجية"» on the 30k index took 0.18 s there."""
        field, words, slop, boost = _phrase_parts(q)
        if field not in ("title", "body"):
            raise Unsupported(field)
        per_word = [wq.Term(field, ws[0]) if len(ws) == 1 else wq.Or([wq.Term(field, t) for t in ws]) for ws in words]
        ids, scores = self._eval(per_word[0] if len(per_word) == 1 else wq.And(per_word), within)
        if len(words) > 1 and len(ids):
            keep = self._in_order(field, words, ids, slop)
            ids, scores = ids[keep], scores[keep]
        return _boosted((ids, scores), boost)

    def _in_order(self, field: str, words: list[list[str]], ids: np.ndarray, slop: int) -> np.ndarray:
        """For each of ``ids``: whether positions p1 < p2 < … of the words exist with
        1 <= p(i+1) - p(i) <= ``slop`` (Whoosh's ordered SpanNear2 with mindist 1)."""
        positions = [self._positions(field, terms, ids) for terms in words]
        keep = np.zeros(len(ids), dtype=bool)
        for i, docnum in enumerate(ids.tolist()):
            if i % 1024 == 1023:
                check_deadline()
            ends = positions[0].get(docnum, ())
            for later in positions[1:]:
                there = later.get(docnum, ())
                nxt = set()
                for end in ends:
                    for p in there[bisect_left(there, end + 1) :]:
                        if p - end > slop:
                            break
                        nxt.add(p)
                ends = nxt
                if not ends:
                    break
            keep[i] = bool(ends)
        return keep

    def _positions(self, field: str, terms: list[str], ids: np.ndarray) -> dict[int, list[int]]:
        """The sorted positions of any of ``terms`` in each document of ``ids`` that has one."""
        found: dict[int, list[int]] = {}
        wanted = ids.tolist()
        schema = self._searcher.schema[field]
        for text in terms:
            btext = schema.to_bytes(text)
            whole = self._all_positions(field, btext, len(wanted))
            if whole is not None:
                for docnum in wanted:
                    at = whole.get(docnum)
                    if at is not None:
                        found.setdefault(docnum, []).extend(at)
                continue
            for leaf, offset in self._leaves:
                reader = leaf.reader()
                if (field, btext) not in reader:
                    continue
                end = offset + reader.doc_count_all()
                local_ids = [d - offset for d in wanted[bisect_left(wanted, offset) : bisect_left(wanted, end)]]
                for local, at in leaf_positions(reader.postings(field, btext), local_ids):
                    found.setdefault(offset + local, []).extend(at)
        if len(terms) > 1:
            for ps in found.values():
                ps.sort()
        return found

    def _all_positions(self, field: str, btext: bytes, wanted: int) -> dict[int, list[int]] | None:
        """A term's positions in every document that has it, when ``wanted`` documents are
        a good share of them (else None: read just those).  Kept, as postings are: the
        spellings of a name are phrases sharing words («الولايات المتحدة», «الأمم
        المتحدة»), and one query reads the same word's positions for several of them."""
        key = (field, btext)
        hit = self._positions_cache.get(key)
        if hit is not None:
            self._positions_cache.move_to_end(key)
            return hit
        reader = self._searcher.reader()
        if key not in reader or reader.doc_frequency(field, btext) > WHOLE_POSITIONS * wanted:
            return None
        found: dict[int, list[int]] = {}
        for leaf, offset in self._leaves:
            if key in leaf.reader():
                for local, at in leaf_positions(leaf.reader().postings(field, btext), None):
                    found[offset + local] = at
        self._positions_cache[key] = found
        self._positions_held += len(found)
        while self._positions_held > CACHED_POSITIONS:
            _, old = self._positions_cache.popitem(last=False)
            self._positions_held -= len(old)
        return found

    def _live(self) -> np.ndarray:
        if self._live_ids is None:
            reader = self._searcher.reader()
            self._live_ids = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
        return self._live_ids

    def _in_range(self, q: wq.NumericRange) -> np.ndarray:
        """The live documents with a value in ``q``'s range: the union of the postings of
        the trie terms the range expands to (Whoosh walks them as a tree of unions, one
        document at a time: 0.4 s for a year of the 30k index, here 0.03 s)."""
        key = str(q)
        ids = self._ranges.get(key)
        if ids is None:
            reader = self._searcher.reader()
            parts = [
                np.fromiter(reader.postings(field, text).all_ids(), dtype=np.int64)
                for field, text in q.simplify(reader).existing_terms(reader, expand=True)
            ]
            ids = np.unique(np.concatenate(parts)) if parts else _NOTHING[0]
            if reader.has_deletions():
                ids = np.intersect1d(ids, self._live(), assume_unique=True)
            if len(self._ranges) >= 32:
                self._ranges.pop(next(iter(self._ranges)))
            self._ranges[key] = ids
        return ids

    def _term(self, q: wq.Term, within: np.ndarray | None = None) -> Scored:
        key = (
            (q.fieldname, self._searcher.schema[q.fieldname].to_bytes(q.text)) if q.fieldname in SCORED_FIELDS else None
        )
        if within is not None and key is not None and key not in self._cache:
            reader = self._searcher.reader()
            if key in reader and len(within) * LOOKUP_RATIO < reader.doc_frequency(*key):
                found = self._looked_up(q.fieldname, key[1], within.tolist())
                ids = np.fromiter(found, dtype=np.int64, count=len(found))
                return _boosted((ids, np.fromiter(found.values(), dtype=np.float64, count=len(found))), q.boost)
        ids, scores = self.term_scores(q.fieldname, q.text)
        if within is not None:
            ids, scores = _among(ids, scores, within)
        return _boosted((ids, scores), q.boost)

    def cached_scores(self, q: wq.Term, within: list[int]) -> dict[int, float]:
        """Boosted scores of a term for the documents in ``within`` (ascending), from its
        (cached) postings."""
        ids, scores = self.term_scores(q.fieldname, q.text)
        ids, scores = _boosted(_among(ids, scores, np.array(within, dtype=np.int64)), q.boost)
        return dict(zip(ids.tolist(), scores.tolist(), strict=True))

    def _looked_up(self, field: str, btext: bytes, wanted: list[int]) -> dict[int, float]:
        """Scores of a frequent term for a few documents: the matcher skips the posting
        blocks that hold none of them without decoding them."""
        out: dict[int, float] = {}
        scorable = self._searcher.schema[field].scorable
        idf = self._searcher.idf(field, btext)
        top = self._k1 + 1
        for leaf, offset in self._leaves:
            reader = leaf.reader()
            if (field, btext) not in reader:
                continue
            norms = self._norms_of(leaf, field)
            end = offset + reader.doc_count_all()
            m = reader.postings(field, btext)
            local_ids = [d - offset for d in wanted[bisect_left(wanted, offset) : bisect_left(wanted, end)]]
            for local in matching(m, local_ids):
                tf = m.weight()
                out[offset + local] = idf * ((tf * top) / (tf + norms[local])) if scorable else float(tf)
        return out

    def term_scores(self, field: str, text: str) -> Scored:
        """(document numbers, BM25F scores) of one term, unboosted.  The postings of
        frequent terms are kept (up to :data:`CACHED_POSTINGS` in all, least recently
        used dropped first): decoding their blocks is most of a query's time, and the
        commonest words of an archive recur from query to query."""
        if field not in SCORED_FIELDS:
            raise Unsupported(field)
        searcher = self._searcher
        btext = searcher.schema[field].to_bytes(text)
        key = (field, btext)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        found_ids, found_scores = [], []
        scorable = searcher.schema[field].scorable
        if key in searcher.reader():
            idf = searcher.idf(field, btext)
            top = self._k1 + 1
            for leaf, offset in self._leaves:
                reader = leaf.reader()
                if key not in reader:
                    continue
                leaf_ids, tfs = leaf_postings(reader.postings(field, btext))
                found_ids.append(leaf_ids + offset)
                if scorable:
                    norms = self._norms_of(leaf, field)
                    found_scores.append(idf * ((tfs * top) / (tfs + norms[leaf_ids])))
                else:  # keyword fields: Whoosh's BM25F scores them by their weight alone
                    found_scores.append(tfs.astype(np.float64))
        if not found_ids:
            return _NOTHING
        ids = found_ids[0] if len(found_ids) == 1 else np.concatenate(found_ids)
        scores = found_scores[0] if len(found_scores) == 1 else np.concatenate(found_scores)
        if len(ids) >= CACHE_FROM:
            self._cache[key] = (ids, scores)
            self._cached += len(ids)
            while self._cached > CACHED_POSTINGS:
                _, (old, _) = self._cache.popitem(last=False)
                self._cached -= len(old)
        return ids, scores

    def _norms_of(self, leaf, field: str) -> np.ndarray:
        """``K1 * ((1 - B) + B * length / average)`` per document of a segment, the
        length-dependent part of BM25 as Whoosh computes it (length 1 when unknown)."""
        key = (id(leaf), field)
        norms = self._norms.get(key)
        if norms is None:
            b = self._field_b.get(field, self._b)
            avgfl = self._searcher.avg_field_length(field) or 1
            norms = self._norms[key] = self._k1 * ((1 - b) + b * field_lengths(leaf.reader(), field) / avgfl)
        return norms


def _phrase_parts(q: wq.Phrase | spans.SpanNear2) -> tuple[str, list[list[str]], int, float]:
    """(field, each word's variant terms, slop, boost) of a phrase query akhbar compiles:
    a Phrase of single terms, or an ordered SpanNear2 of Terms and SpanOrs of Terms."""
    if isinstance(q, wq.Phrase):
        return q.fieldname, [[w] for w in q.words], q.slop, q.boost
    if not q.ordered or q.mindist != 1:
        raise Unsupported("an unordered span")
    words, fields = [], set()
    for sub in q.qs:
        terms = [sub] if isinstance(sub, wq.Term) else getattr(sub, "subqs", None)
        if not terms or not all(type(t) is wq.Term and t.boost == 1.0 for t in terms):
            raise Unsupported(type(sub).__name__)
        fields.update(t.fieldname for t in terms)
        words.append([t.text for t in terms])
    if len(fields) != 1:
        raise Unsupported("a span over several fields")
    return fields.pop(), words, q.slop, 1.0


def _boosted(scored: Scored, boost: float) -> Scored:
    """A compound query's boost multiplies the sum of its parts (Whoosh's WrappingMatcher)."""
    return scored if boost == 1.0 else (scored[0], scored[1] * boost)


def _among(ids: np.ndarray, scores: np.ndarray, wanted: np.ndarray) -> Scored:
    """The postings (ids ascending) of the documents in ``wanted`` (ascending)."""
    if not len(ids) or not len(wanted):
        return _NOTHING
    at = np.searchsorted(ids, wanted)
    at[at == len(ids)] = 0
    hit = ids[at] == wanted
    return wanted[hit], scores[at[hit]]


def every_hit(searcher, accumulator: Accumulator | None, q: wq.Query, allowed: set[int] | np.ndarray | None) -> Scored:
    """(document numbers, scores) of every hit of ``q`` (only the ``allowed`` ones, if
    given), unordered: the accumulator's, or Whoosh's matchers' (counted in one pass)
    when it cannot evaluate ``q``."""
    found = None if accumulator is None else accumulator.scores(q)
    if found is not None:
        ids, scores = found
        if allowed is not None:
            wanted = allowed if isinstance(allowed, np.ndarray) else np.fromiter(allowed, np.int64, len(allowed))
            inside = np.isin(ids, wanted)
            ids, scores = ids[inside], scores[inside]
        return ids, scores
    if allowed is not None and not len(allowed):
        return _NOTHING  # (Whoosh takes an empty filter for none and matches everything)
    kept = {} if allowed is None else {"filter": allowed if isinstance(allowed, set) else set(allowed.tolist())}
    pairs = search_counting(searcher, q, None, kept).top_n  # (score, docnum)
    ids = np.fromiter((docnum for _, docnum in pairs), dtype=np.int64, count=len(pairs))
    scores = np.fromiter((score or 0.0 for score, _ in pairs), dtype=np.float64, count=len(pairs))
    return ids, scores
