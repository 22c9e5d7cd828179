"""The ranking bonuses, added for the best candidates only.

The bonuses (the exact written form, the word in the lead, words near each other) only
ever match articles the words' stems match, so they need not walk their postings beside
the stems': they are looked up for the best candidates only — more than half fewer
postings visited on the 30k index.  They only add, so the re-sorted head still ranks
above the rest.
"""

from __future__ import annotations

from whoosh import query as wquery

from akhbar.indexer.whoosh_internals.postings import matching
from akhbar.search.accumulate import SCORED_FIELDS, Accumulator

__all__ = ["bonus_scores"]


def bonus_scores(
    searcher,
    ranked: list[tuple[int, float]],
    bonus: list[wquery.Query],
    accumulator: Accumulator | None = None,
) -> dict[int, float]:
    """The scores of ``ranked`` (docnum, score) with each bonus query's score added, in
    the bonuses' order (the same additions wherever they are made: one index, or each
    shard of an archive)."""
    scores = dict(ranked)
    docnums = sorted(scores)
    context = searcher.context()
    for q in bonus:
        if accumulator is not None and isinstance(q, wquery.Term) and q.fieldname in SCORED_FIELDS:
            for docnum, score in accumulator.cached_scores(q, docnums).items():
                scores[docnum] += score
            continue
        m = q.matcher(searcher, context)
        for docnum in matching(m, docnums):
            scores[docnum] += m.score()
    return scores
