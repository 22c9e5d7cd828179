"""Arabic stop words, normalized with the project's normalizer.

Lucene's Arabic stop list is compared to tokens *after* normalization while the
list itself is not normalized (a known flaw: إلى never matches).  Here the list is
loaded through :data:`akhbar.analyzers.normalization.normalize`, and the forms with a
prefixed conjunction و/ف are added, since the stemmer's و rule needs three
letters left and would otherwise keep وفي, ومن as words.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from whoosh.analysis import StopFilter

from akhbar.analyzers.normalization import Normalizer, normalize

CONJUNCTIONS = ("و", "ف")


def load_stoplist(normalizer: Normalizer = normalize) -> frozenset[str]:
    """The normalized stop list with its و/ف-prefixed forms.

    >>> {"الي", "وفي", "فان"} <= load_stoplist()
    True
    """
    return _load(normalizer)


@cache
def _load(normalizer: Normalizer) -> frozenset[str]:
    text = resources.files("akhbar.analyzers").joinpath("data/stopwords.txt").read_text("utf-8")
    words = {normalizer(w.strip()) for w in text.splitlines() if w.strip() and not w.startswith("#")}
    words |= {c + w for w in words for c in CONJUNCTIONS}
    return frozenset(words)


def ArabicStopFilter(normalizer: Normalizer = normalize) -> StopFilter:  # noqa: N802 (a filter factory)
    """Whoosh ``StopFilter`` over the normalized list; positions are renumbered so
    that a phrase matches across the removed words ("هدنة في حلب" ~ "هدنة حلب").

    Place it after :class:`~akhbar.analyzers.normalization.NormalizeFilter`.
    """
    return StopFilter(stoplist=load_stoplist(normalizer), minsize=1, renumber=True)
