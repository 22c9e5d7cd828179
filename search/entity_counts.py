"""Who and what the hits of a query mention most (:meth:`akhbar.search.engine.Engine.entities`).

Counts are exact.  Up to :data:`STORED_COUNT` hits, every hit's stored mentions are
read; beyond, the counts come from the entity keyword fields (:class:`EntityPostings`:
every key's articles, read once per index generation and counted within the hits in
numpy) and each listed entity's spellings from the stored mentions of up to
:data:`SPELLING_SAMPLE` of its articles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from akhbar.analyzers import normalize
from akhbar.analyzers.gazetteer import display_name
from akhbar.indexer.entity_table import EntityArrays, read_arrays, read_from_index, read_shard_arrays
from akhbar.indexer.schema import ENTITY_INDEX, unpack_mentions

__all__ = [
    "SPELLING_SAMPLE",
    "STORED_COUNT",
    "EntityCount",
    "EntityPostings",
    "SameName",
    "count_entities",
    "readable_names",
]


@dataclass(frozen=True)
class EntityCount:
    """An entity and how many articles mention it (see :meth:`Engine.entities`)."""

    type: str
    name: str
    articles: int
    spellings: list[str]
    key: str

    def to_json(self) -> dict:
        return {
            "type": self.type,
            "name": self.name,
            "articles": self.articles,
            "spellings": self.spellings,
            "key": self.key,
        }


def _display(key: str, spellings: dict[str, int]) -> str:
    """A readable name: the gazetteer's canonical name, else the commonest spelling that
    is the key as written (the full name, not the surname it is also called by), else
    the commonest spelling."""
    listed = display_name(key)
    if listed:
        return listed
    written = [s for s in spellings if normalize(s) == key] or list(spellings)
    return min(written, key=lambda s: (-spellings[s], s))


STORED_COUNT = 500
"""Up to this many hits, :meth:`Engine.entities` reads each hit's stored mentions (~40 µs
an article); beyond, it counts the entity fields' postings, held in numpy arrays."""
SPELLING_SAMPLE = 50
"""Articles whose stored mentions give a listed entity's spellings, when the hits are many."""
FACET_SAMPLE = 10
"""Articles whose stored mentions give a facet's readable name (see :func:`_display`)."""

EntityCounts = dict[tuple[str, str], int]
Spellings = dict[tuple[str, str], dict[str, int]]


def _mentions_in(
    searcher, docnums: Iterable[int], kind: str | None, key: str | None = None
) -> tuple[EntityCounts, Spellings, dict[tuple[str, str], set[int]]]:
    """Articles mentioning each (type, key) among ``docnums``, the spellings seen, and the
    articles themselves, from their stored mentions; only type ``kind`` and key ``key``
    when given."""
    docs: dict[tuple[str, str], set[int]] = {}
    spellings: Spellings = {}
    for d in docnums:
        stored = searcher.stored_fields(d)
        for k, found, text, *_ in unpack_mentions(
            stored.get("entities"), stored.get("title", ""), stored.get("body", "")
        ):
            if (kind is not None and k != kind) or (key is not None and found != key):
                continue
            written = spellings.setdefault((k, found), {})
            written[text] = written.get(text, 0) + 1
            docs.setdefault((k, found), set()).add(d)
    return {entity: len(found) for entity, found in docs.items()}, spellings, docs


SameName = Callable[[str, str], set[str]]
"""The other keys of one name, given (type, key) (see :meth:`EntityKeys.same_name`)."""


def _grouped(
    counts: EntityCounts, same_name: SameName, union: Callable[[str, list[str]], int], top: int
) -> list[tuple[tuple[str, str], list[str], int]]:
    """The ``top`` entities of ``counts`` with the keys of one name counted as one: its
    commonest key, the keys it takes (``same_name``, among those counted, each taken
    once), and the articles that mention any of them (``union``, given the type and
    the keys).  Only the ``4 * top + 20`` keys with the most articles of their own are
    tried as heads: a name whose every key is rarer is not listed, however many its
    keys have together."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    claimed: set[tuple[str, str]] = set()
    out = []
    for (kind, key), n in ranked[: 4 * top + 20]:
        if (kind, key) in claimed:
            continue
        members = [key, *sorted(m for m in same_name(kind, key) if (kind, m) in counts and (kind, m) not in claimed)]
        claimed.update((kind, m) for m in members)
        out.append(((kind, key), members, n if len(members) == 1 else union(kind, members)))
    out.sort(key=lambda x: (-x[2], x[0]))
    return out[:top]


class EntityPostings:
    """Every entity key's articles, per type as two parallel arrays (the key's number and the
    article's number of each posting): counting the keys among any set of hits is then one
    ``bincount`` rather than a walk of every key's postings (seconds for a broad query).
    Built from one searcher; deleted articles are left out."""

    def __init__(self, size: int, arrays: dict[str, EntityArrays]) -> None:
        """:param size: the index's articles, deleted ones counted (document numbers are below it)"""
        self.size = size
        self.keys = {kind: a.keys for kind, a in arrays.items()}
        self._key_of = {kind: a.key_of for kind, a in arrays.items()}
        self._doc_of = {kind: a.doc_of for kind, a in arrays.items()}
        self._number = {kind: {key: i for i, key in enumerate(keys)} for kind, keys in self.keys.items()}
        self._names: dict[tuple[str, str], str] = {}
        self._articles: dict[str, np.ndarray] = {}

    @classmethod
    def of(cls, searcher, folders: list[Path]) -> EntityPostings:
        """The searcher's arrays: stored with its generation (an archive's: with each shard's)
        in ``folders``, else read from the postings."""
        size = searcher.doc_count_all()
        sizes = getattr(searcher.reader(), "shard_sizes", None)
        if len(folders) == 1:
            stored = read_arrays(folders[0], size)
        else:
            stored = read_shard_arrays(folders, sizes) if folders and sizes else None
        if stored is not None:
            return cls(size, stored)
        return cls(*read_from_index(searcher.reader()))

    def articles(self, fieldname: str, key: str) -> int:
        """How many articles mention the entity field's ``key``."""
        kind = next((k for k, f in ENTITY_INDEX.items() if f == fieldname), None)
        number = self._number.get(kind, {}).get(key) if kind else None
        if kind is None or number is None:
            return 0
        counts = self._articles.get(kind)
        if counts is None:
            counts = self._articles[kind] = np.bincount(self._key_of[kind], minlength=len(self.keys[kind]))
        return int(counts[number])

    def docs_with(self, keys: Iterable[tuple[str, str]]) -> np.ndarray:
        """The articles (ascending) that mention any of ``keys``, as (index field, key)."""
        kinds = {fieldname: kind for kind, fieldname in ENTITY_INDEX.items()}
        found = []
        wanted: dict[str, list[int]] = {}
        for fieldname, key in keys:
            kind = kinds.get(fieldname)
            number = self._number.get(kind, {}).get(key) if kind else None
            if number is not None:
                wanted.setdefault(kind, []).append(number)
        for kind, numbers in wanted.items():
            found.append(self._doc_of[kind][np.isin(self._key_of[kind], numbers)])
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def name(self, searcher, kind: str, key: str, rank: np.ndarray) -> str:
        """A readable name for ``key`` (see :func:`_display`), from the stored mentions of
        up to :data:`FACET_SAMPLE` of its articles across the index; kept once found."""
        found = self._names.get((kind, key))
        if found is None:
            ids = self._doc_of[kind][self._key_of[kind] == self._number[kind][key]]
            sample = spread(ids, FACET_SAMPLE, rank)
            spellings = _mentions_in(searcher, sample, kind, key)[1].get((kind, key)) or {key: 1}
            found = self._names[kind, key] = _display(key, spellings)
        return found

    def _inside(self, hits: set[int] | np.ndarray | None) -> np.ndarray | None:
        """``hits`` (document numbers) as a mask over the index (None: the whole index)."""
        if hits is None:
            return None
        inside = np.zeros(self.size, dtype=bool)
        inside[hits if isinstance(hits, np.ndarray) else np.fromiter(hits, dtype=np.int64, count=len(hits))] = True
        return inside

    def counts(self, hits: set[int] | np.ndarray | None, kind: str | None) -> EntityCounts:
        """Articles mentioning each (type, key): among ``hits`` (document numbers), or in the whole index."""
        inside = self._inside(hits)
        counts: EntityCounts = {}
        for k, keys in self.keys.items():
            if kind is not None and k != kind:
                continue
            key_of = self._key_of[k] if inside is None else self._key_of[k][inside[self._doc_of[k]]]
            for i in np.flatnonzero(n := np.bincount(key_of, minlength=len(keys))):
                counts[k, keys[i]] = int(n[i])
        return counts

    def union(self, kind: str, keys: list[str], hits: set[int] | np.ndarray | None) -> int:
        """Articles mentioning any of the type's ``keys``: among ``hits``, or in the whole index."""
        docs = self.docs_with([(ENTITY_INDEX[kind], k) for k in keys])
        inside = self._inside(hits)
        return len(docs) if inside is None else int(inside[docs].sum())


def spread(ids: np.ndarray, n: int, rank: np.ndarray) -> list[int]:
    """Up to ``n`` of the documents ``ids``, at even steps through them in the order of
    their article ids (``rank``, see :class:`~akhbar.search.ordering.HitOrder`): spread over
    the archive rather than its first articles, and the same wherever the articles are stored.

    >>> spread(np.array([0, 1, 2, 3, 4]), 2, np.array([4, 3, 2, 1, 0]))
    [4, 1]
    """
    ids = ids[np.argsort(rank[ids], kind="stable")]
    return ids[:: -(-len(ids) // n) or 1].tolist()


def _spellings_of(
    searcher, kind: str, key: str, hits: set[int] | None, rank: np.ndarray, sample: int = SPELLING_SAMPLE
) -> dict[str, int]:
    """How ``key`` was written, in up to ``sample`` of the articles (among ``hits``) that
    mention it, spread over them."""
    ids = [d for d in searcher.reader().postings(ENTITY_INDEX[kind], key).all_ids() if hits is None or d in hits]
    chosen = spread(np.array(ids, dtype=np.int64), sample, rank)
    return _mentions_in(searcher, chosen, kind, key)[1].get((kind, key), {})


def _no_other_keys(kind: str, key: str) -> set[str]:
    return set()


def count_entities(
    searcher,
    hits: set[int] | None,
    kind: str | None,
    top: int,
    postings: Callable[[], EntityPostings],
    rank: np.ndarray,
    same_name: SameName = _no_other_keys,
) -> list[EntityCount]:
    """The ``top`` entities (of type ``kind``, or all) most mentioned among ``hits`` (None:
    the whole index), with the spellings seen; the keys ``same_name`` gives for a key are
    counted as that key's entity (a name's spellings: بايرن ميونيخ and بايرن ميونخ are one
    club).  ``postings`` gives the searcher's :class:`EntityPostings` (built once, when
    many hits are counted); ``rank``, each document's rank by id, picks the articles whose
    spellings are read (:func:`spread`)."""
    if hits is not None and len(hits) <= STORED_COUNT:
        counts, spellings, docs = _mentions_in(searcher, sorted(hits), kind)

        def union(found: str, keys: list[str]) -> int:
            return len(set().union(*(docs[found, k] for k in keys)))
    else:
        entity_postings = postings()
        counts = entity_postings.counts(hits, kind)
        spellings = {}

        def union(found: str, keys: list[str]) -> int:
            return entity_postings.union(found, keys, hits)

    out = []
    for (found, key), keys, n in _grouped(counts, same_name, union, top):
        written: dict[str, int] = {}
        for i, k in enumerate(keys):
            seen = spellings.get((found, k))
            if seen is None:  # the name's other keys: a few articles each for their spellings
                seen = _spellings_of(searcher, found, k, hits, rank, SPELLING_SAMPLE if i == 0 else FACET_SAMPLE)
            for text, times in seen.items():
                written[text] = written.get(text, 0) + times
        out.append(EntityCount(found, _display(key, written), n, sorted(written, key=lambda s: (-written[s], s)), key))
    return out


def readable_names(
    searcher,
    hits: np.ndarray,
    postings: EntityPostings,
    top: int,
    rank: np.ndarray,
    same_name: SameName = _no_other_keys,
) -> dict[str, dict[str, int]]:
    """The ``top`` entities of each type among ``hits``, as {readable name: articles}, the
    keys of one name counted as one (see :func:`count_entities`)."""
    counts = postings.counts(hits, None)
    named: dict[str, dict[str, int]] = {kind: {} for kind in ENTITY_INDEX}
    for kind, shown in named.items():
        of_kind = {(k, key): n for (k, key), n in counts.items() if k == kind}
        for (_, key), _, n in _grouped(of_kind, same_name, lambda k, keys: postings.union(k, keys, hits), top):
            shown.setdefault(postings.name(searcher, kind, key, rank), n)  # two names read alike: the commoner stands
    return named
