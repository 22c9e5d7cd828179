"""A light stemmer for Arabic: light10 (Larkey et al.) with measured improvements.

Input is a *normalized* word (see :mod:`analyzers.normalization`).  The steps, in
the order of the authors' implementation:

1. ``waw`` — strip a leading conjunction و when at least 3 letters remain,
   unless و belongs to the word: "و" + the stem is a listed و-initial stem
   (``data/waw_stems.txt``), so وزارة stays وزار and does not merge with زار.
2. ``articles`` — strip the first matching article.  light10's list is
   ال وال بال كال فال لل; with ``compound_prefixes`` the stacks that Lucene
   leaves half-stripped (فبال فكال فلل) are added.  At least 2 letters remain.
3. ``protected`` — a word in the protected list (names: فلسطين، ماكرون) stops here.
4. ``suffixes`` — walk the suffix list once, in order, stripping each one that
   matches while at least ``min_stem`` letters remain (light10 allows 2; 3 keeps
   بيان، مليون، قوات from losing their last letters and measured no worse).  light10's list is
   ها ان ات ون ين يه ه ي (ية/ة are folded to يه/ه by normalization); with
   ``pronoun_suffixes`` the possessive/object pronouns هما كما هم هن كم كن نا are
   tried first, each needing ``min_stem_pronoun`` letters left.
5. ``feminine_t`` — teh marbuta written ت before a suffix: the feminine dual تين/تان
   is stripped whole (نقطتين → نقط), and a ت left by a pronoun goes too
   (محاولتهم → محاول), so both meet the stem of نقطة، محاولة.

Lone proclitics ب ل ك ف are *not* stripped here: no rule can tell بحلب (in
Aleppo) from بلد (country).  The query side handles them with the index's own
vocabulary (see :mod:`search.query`).

Reference: L. Larkey, L. Ballesteros, M. Connell, "Light Stemming for Arabic
Information Retrieval", in Arabic Computational Morphology, Springer 2007.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Final

from whoosh.analysis import Filter

from akhbar.analyzers.letters import WAW
from akhbar.analyzers.normalization import normalize

ARTICLES_LIGHT10: Final = ("وال", "بال", "كال", "فال", "لل", "ال")
ARTICLES_COMPOUND: Final = ("فبال", "فكال", "فلل")
SUFFIXES_LIGHT10: Final = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
SUFFIXES_PRONOUN: Final = ("هما", "كما", "هم", "هن", "كم", "كن", "نا")
SUFFIXES_DUAL_FEMININE: Final = ("تين", "تان")
FEMININE_T: Final = "ت"


@cache
def _word_list(name: str) -> frozenset[str]:
    text = resources.files("akhbar.analyzers").joinpath(f"data/{name}").read_text("utf-8")
    words = {normalize(w.strip()) for w in text.splitlines() if w.strip() and not w.startswith("#")}
    # A listed name is also meant without its article (الأردن → أردن).
    words |= {w[2:] for w in words if w.startswith("ال") and len(w) > 4}
    return frozenset(words)


def protected_words() -> frozenset[str]:
    """Normalized words the stemmer never changes (``data/protected.txt``)."""
    return _word_list("protected.txt")


def waw_stems() -> frozenset[str]:
    """Normalized stems whose leading و is part of the word (``data/waw_stems.txt``)."""
    return _word_list("waw_stems.txt")


@dataclass(eq=True)
class LightStemmer:
    """light10 with the improvements switched on by default; every option is a
    named step of the module docstring, so the ablation can turn it off.

    >>> stem = LightStemmer()
    >>> [stem(w) for w in ["والاخبار", "وبالمدارس", "فبالمدارس", "كتابهم", "وزاره", "فلسطين"]]
    ['اخبار', 'مدارس', 'مدارس', 'كتاب', 'وزار', 'فلسطين']
    """

    waw: bool = True
    waw_guard: bool = True
    compound_prefixes: bool = True
    pronoun_suffixes: bool = True
    feminine_t: bool = True
    protect: bool = True
    min_stem: int = 3
    min_stem_pronoun: int = 3
    _cache: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.articles = (ARTICLES_COMPOUND if self.compound_prefixes else ()) + ARTICLES_LIGHT10
        self.pronouns = SUFFIXES_PRONOUN if self.pronoun_suffixes else ()
        self.suffixes = (
            tuple((s, self.min_stem_pronoun) for s in self.pronouns)
            + tuple((s, self.min_stem_pronoun) for s in (SUFFIXES_DUAL_FEMININE if self.feminine_t else ()))
            + tuple((s, self.min_stem) for s in SUFFIXES_LIGHT10)
        )
        self.protected = protected_words() if self.protect else frozenset()
        self.waw_stems = waw_stems() if self.waw_guard else frozenset()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def __call__(self, word: str) -> str:
        try:
            return self._cache[word]
        except KeyError:
            pass
        stem = self._stem(word)
        if len(self._cache) > 500_000:  # news vocabulary is Zipfian; a reset is rare
            self._cache.clear()
        self._cache[word] = stem
        return stem

    def _stem(self, word: str) -> str:
        # the waw rule needs at least 3 letters after و (light10)
        if self.waw and word.startswith(WAW) and len(word) >= 4:
            kept = word if word in self.protected else self._strip_suffixes(word)
            if kept in self.waw_stems or kept in self.protected:
                return kept  # والده → والد, واشنطن
            rest = self._strip_affixes(word[1:])
            return kept if WAW + rest in self.waw_stems else rest  # وصفه → وصف, not صف
        return self._strip_affixes(word)

    def _strip_affixes(self, word: str) -> str:
        for article in self.articles:
            # an article is stripped only if at least 2 letters remain (light10)
            if word.startswith(article) and len(word) - len(article) >= 2:
                word = word[len(article) :]
                break
        if word in self.protected:
            return word
        return self._strip_suffixes(word)

    def _strip_suffixes(self, word: str) -> str:
        for suffix, min_left in self.suffixes:
            if word.endswith(suffix) and len(word) - len(suffix) >= min_left:
                word = word[: -len(suffix)]
                # teh marbuta is written ت before a pronoun: محاولتهم → محاولت → محاول
                # (as محاولة → محاول); the stem keeps at least 3 letters (بيتهم → بيت)
                if (
                    self.feminine_t
                    and (suffix in self.pronouns or suffix == "ها")
                    and word.endswith(FEMININE_T)
                    and not word.endswith("ات")  # مستوياتها: the ت of a plural stays
                    and len(word) - 1 >= self.min_stem_pronoun
                ):
                    word = word[:-1]
        return word


class LightStemFilter(Filter):
    """Whoosh morphological filter replacing each token's text with its stem.

    ``is_morph`` lets Whoosh skip it where unstemmed forms are wanted.

    >>> from akhbar.analyzers.tokenize import ArabicTokenizer
    >>> from akhbar.analyzers.normalization import NormalizeFilter
    >>> chain = ArabicTokenizer() | NormalizeFilter() | LightStemFilter()
    >>> [t.text for t in chain("وبالمدارس الإنسانية")]
    ['مدارس', 'انسان']
    """

    is_morph = True

    def __init__(self, stemmer: LightStemmer | None = None) -> None:
        self.stemmer = stemmer or LightStemmer()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LightStemFilter) and other.stemmer == self.stemmer

    def __call__(self, tokens):
        stem = self.stemmer
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t
