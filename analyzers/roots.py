"""Arabic roots, for ranking: the ISRI root extractor (Taghva, Elkhoury and Coombs,
2005; :mod:`analyzers.isri`, ported from nltk) applied to light stems, cached (~2.4 µs
a word uncached; news vocabulary is Zipfian).

The light stemmer keeps words apart that share a root but not a stem — a verb and its
noun (هاجم / هجوم, يدرس / دراسة), a singular and its broken plural (خبر / اخبار).  Matching on roots alone would
merge too much (كتب: book, wrote, office, library), so roots are only a *ranking*
signal: the index's frequency-only ``root`` field holds the roots of each article's
stems, and a ``match="any"`` query adds, with a low boost, the roots of its words as a
bonus to the articles its stems already found (``search/query.py``).  Measured in
``benchmarks/eval_retrieval.py`` (its ablation: ``--ablation``).
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import Filter

from akhbar.analyzers.isri import isri_root

__all__ = ["RootFilter", "root"]


@lru_cache(maxsize=50_000)  # Zipfian vocabulary: 200k entries added 16 MB to a 150k build's peak RSS
def root(stem: str) -> str:
    """The ISRI root of a light stem (normalized); words it cannot reduce (names, Latin
    words, numbers) come back as they are, less what ISRI strips as affixes.

    >>> root("مكتب"), root("يكتب"), root("كتاب"), root("اخبار"), root("هجوم"), root("هاجم")
    ('كتب', 'كتب', 'كتب', 'خبر', 'هجم', 'هجم')
    >>> root("2018"), root("trump")
    ('2018', 'trump')
    """
    return isri_root(stem)


class RootFilter(Filter):
    """Whoosh filter replacing each stemmed token's text with its root; place it after
    the stop filter and the stemmer.

    >>> from akhbar.analyzers.chains import rule_chain
    >>> [t.text for t in rule_chain(roots=True)("المكتبات في المدينة")]
    ['كتب', 'دين']
    """

    is_morph = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RootFilter)

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = root(t.text)
            yield t
