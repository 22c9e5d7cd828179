"""Who and what the hits of a query mention most (:meth:`akhbar.search.engine.Engine.entities`).

Counts are exact.  Up to :data:`STORED_COUNT` hits, every hit's stored mentions are
read; beyond, the counts come from the entity keyword fields (each key's postings,
within the hits) and each listed entity's spellings from the stored mentions of up to
:data:`SPELLING_SAMPLE` of its articles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from akhbar.analyzers import normalize
from akhbar.analyzers.gazetteer import display_name
from akhbar.indexer.schema import ENTITY_INDEX, unpack_mentions

__all__ = ["SPELLING_SAMPLE", "STORED_COUNT", "EntityCount", "count_entities"]


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
    return max(written, key=lambda s: spellings[s])


STORED_COUNT = 5000
"""Up to this many hits, :meth:`Engine.entities` reads each hit's stored mentions (~40 µs
an article); beyond, it counts the entity fields' postings (~2 µs a posting)."""
SPELLING_SAMPLE = 50
"""Articles whose stored mentions give a listed entity's spellings, when the hits are many."""

EntityCounts = dict[tuple[str, str], int]
Spellings = dict[tuple[str, str], dict[str, int]]


def _mentions_in(
    searcher, docnums: Iterable[int], kind: str | None, key: str | None = None
) -> tuple[EntityCounts, Spellings]:
    """Articles mentioning each (type, key) among ``docnums``, and the spellings seen,
    from their stored mentions; only type ``kind`` and key ``key`` when given."""
    counts: EntityCounts = {}
    spellings: Spellings = {}
    for d in docnums:
        stored = searcher.stored_fields(d)
        seen = set()
        for k, found, text, *_ in unpack_mentions(
            stored.get("entities"), stored.get("title", ""), stored.get("body", "")
        ):
            if (kind is not None and k != kind) or (key is not None and found != key):
                continue
            written = spellings.setdefault((k, found), {})
            written[text] = written.get(text, 0) + 1
            seen.add((k, found))
        for entity in seen:
            counts[entity] = counts.get(entity, 0) + 1
    return counts, spellings


def _indexed_counts(reader, hits: set[int] | None, kind: str | None) -> EntityCounts:
    """Articles mentioning each (type, key), from the entity keyword fields: among
    ``hits``, or in the whole index (deleted articles left out)."""
    counts: EntityCounts = {}
    exact = hits is None and not reader.has_deletions()
    for k, fieldname in ENTITY_INDEX.items():
        if kind is not None and k != kind:
            continue
        for term in reader.lexicon(fieldname):
            if exact:
                n = reader.doc_frequency(fieldname, term)
            else:
                ids = reader.postings(fieldname, term).all_ids()
                n = sum(1 for _ in ids) if hits is None else sum(1 for d in ids if d in hits)
            if n:
                counts[k, term.decode("utf-8")] = n
    return counts


def _spellings_of(searcher, kind: str, key: str, hits: set[int] | None) -> dict[str, int]:
    """How ``key`` was written, in up to SPELLING_SAMPLE of the articles (among ``hits``)
    that mention it, taken at even steps through them."""
    ids = [d for d in searcher.reader().postings(ENTITY_INDEX[kind], key).all_ids() if hits is None or d in hits]
    sample = ids[:: -(-len(ids) // SPELLING_SAMPLE) or 1]  # spread over the index, not its first articles
    return _mentions_in(searcher, sample, kind, key)[1].get((kind, key), {})


def count_entities(searcher, hits: set[int] | None, kind: str | None, top: int) -> list[EntityCount]:
    """The ``top`` entities (of type ``kind``, or all) most mentioned among ``hits`` (None:
    the whole index), with the spellings seen."""
    if hits is not None and len(hits) <= STORED_COUNT:
        counts, spellings = _mentions_in(searcher, sorted(hits), kind)
    else:
        counts = _indexed_counts(searcher.reader(), hits, kind)
        spellings = {}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    for (found, key), _ in ranked:
        if (found, key) not in spellings:
            spellings[found, key] = _spellings_of(searcher, found, key, hits)
    return [
        EntityCount(
            found,
            _display(key, spellings[(found, key)]),
            n,
            sorted(spellings[(found, key)], key=lambda s: -spellings[(found, key)][s]),
            key,
        )
        for (found, key), n in ranked
    ]
