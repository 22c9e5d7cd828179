"""Spelling rules for names: clitics, the article, consonant skeletons and transliteration variants."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

CLITICS: Final = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")


@lru_cache(maxsize=100_000)
def strip_clitics(word: str) -> str:
    """The normalized word without a leading conjunction/preposition/article.

    >>> strip_clitics("ولافروف"), strip_clitics("للرييس"), strip_clitics("بالقاهره")
    ('لافروف', 'رييس', 'قاهره')
    """
    if word[:1] not in _CLITIC_FIRST:  # most words: no need to try the pattern
        return word
    m = _CLITIC.match(word)
    return word[m.end() :] if m else word


# the first of CLITICS (in order) that leaves at least three letters
_CLITIC = re.compile("|".join(f"{c}(?=.{{3}})" for c in CLITICS))
_CLITIC_FIRST = frozenset(c[0] for c in CLITICS)


_NO_LONG_VOWELS = str.maketrans("", "", "اويى")
# a foreign name's G is written غ, ج, ك or ق (غريزمان / جريزمان, أنغيلا / أنجيلا / أنكيلا, جونغ / جونج)
G_LETTERS: Final = "غجكق"
_ONE_G = str.maketrans("غكق", "ججج")
_LONG_VOWELS: Final = "اوي"
_DOUBLED = re.compile(r"(.)\1+")


def _loose(name: str) -> str:
    """A name's letters as transliterations vary them least: words joined (hyphens and
    spaces inside names come and go: جونغ-أون, شي جينبينغ), a doubled letter written
    once in a long word (فيلليب; a short one is more often an Arabic word with a doubled
    consonant: امم is not ام), and a one-syllable word's يه as ي (مون جيه إن / مون جي إن).

    >>> _loose("كيم جونغ-اون"), _loose("مون جيه ان"), _loose("فيلليب"), _loose("الامم")
    ('كيمجونغاون', 'مونجيان', 'فيليب', 'الامم')
    >>> _loose("طلعت عبد الله") == _loose("طلعت عبدالله")  # joined, a doubled letter as in one word
    True
    """
    if " " not in name and "-" not in name:  # one word (an index's vocabulary): the same, quicker
        return _loose_word(name)
    joined = "".join(_loose_word(w) for w in name.replace("-", " ").split())
    return _DOUBLED.sub(r"\1", joined) if len(joined) >= 6 else joined


def _loose_word(w: str) -> str:
    if len(w) >= 6:
        return _DOUBLED.sub(r"\1", w)
    return w[:-1] if len(w) <= 3 and w.endswith("يه") else w


@lru_cache(maxsize=1 << 18)
def skeleton(name: str) -> str:
    """Consonant skeleton of a (normalized) name, for finding its variants quickly: the
    name's letters as :func:`_loose` gives them, long vowels dropped after the first
    letter, a foreign G's four spellings as one.

    >>> skeleton("نتنياهو") == skeleton("نتانياهو"), skeleton("ترامب") == skeleton("ترمب")
    (True, True)
    >>> skeleton("غوارديولا") == skeleton("جوارديولا") == skeleton("كوارديولا")
    True
    """
    loose = _loose(name).translate(_ONE_G)
    return loose[:1] + loose[1:].translate(_NO_LONG_VOWELS)


SPANISH_J: Final = "خ"
"""How news also writes a Spanish J (and G before e, i; a Dutch G) that others write ج:
one letter in a foreign name of two or more words (see :func:`similar_names`)."""
_SPANISH_J = str.maketrans(SPANISH_J, "ج")


def _same_letter(x: str, y: str, g_letters: str) -> bool:
    """The same letter, or a foreign G written two ways (among ``g_letters``), one of
    them غ — غ is how news writes a foreign G, so غ/ج is one name, while ج/ك without غ
    are two Arabic names (جمال, كمال)."""
    return x == y or (x in g_letters and y in g_letters and "غ" in (x, y))


def _vowels_added(short: str, long: str, g_letters: str) -> bool:
    """Is ``long`` ``short`` with long vowels inserted (letters compared by :func:`_same_letter`)?"""
    reach = [True] + [False] * len(short)  # reach[i]: short[:i] spelled by the letters of long so far
    for c in long:
        vowel = c in _LONG_VOWELS
        reach = [reach[0] and vowel] + [
            (reach[i] and vowel) or (reach[i - 1] and _same_letter(short[i - 1], c, g_letters))
            for i in range(1, len(short) + 1)
        ]
    return reach[-1]


def similar_names(a: str, b: str, *, g_as_k: bool | None = None, spanish_j: bool = False) -> bool:
    """Spelling variants of one name: the same skeleton and last letter, and one spelling
    the other with long vowels added (ترمب → ترامب, نتنياهو → نتانياهو), at most a fifth
    of its letters (one in a short word of a longer name); a foreign G as غ or ج — and as
    ك or ق in names of two or more words (``g_as_k``: as a word of one), since alone
    those are common words (غرار/قرار, غولن/كولن, غينيا/كينيا); doubled letters, hyphens
    and spaces as :func:`_loose` reads them.  Transliterations differ in how many long
    vowels they write, not in which: a vowel written as another is another name (ميركل, Merkel, is
    not ماركل, Markle), and so is another ending (بوتينا, Butina, is not بوتين).

    >>> similar_names("بوتين", "بوتن"), similar_names("بوتينا", "بوتين"), similar_names("ميركل", "ماركل")
    (True, False, False)
    >>> similar_names("انغيلا ميركل", "انكيلا ميركل"), similar_names("غولن", "كولن"), similar_names("جمال", "كمال")
    (True, False, False)
    >>> similar_names("شي جين بينغ", "شي جينبينغ"), similar_names("كيم جونغ-اون", "كيم جونج اون")
    (True, True)
    >>> similar_names("سيرخيو راموس", "سيرجيو راموس"), similar_names("محمد خالد", "محمد جلاد")
    (True, False)
    >>> similar_names("بي بي سي", "بيبسي")  # joined, a name keeps its letters: BBC is not Pepsi
    False
    >>> similar_names("اتليتكو مدريد", "اتلتيكو مدريد")  # the same vowel a place away
    True
    >>> similar_names("مون جيه ان", "مون جاي ان"), similar_names("جيه", "جاي"), similar_names("سعد", "سعاد")
    (True, True, False)

    Arabic names are told apart by their long vowels: two words the language knows
    (:func:`known_apart`) are two names (محمد, محمود; حسن, حسين).

    >>> similar_names("محمد", "محمود"), similar_names("محمد شعبان", "محمود شعبان"), similar_names("غزه", "جيزه")
    (False, False, False)
    >>> similar_names("عمرو اديب", "عمرو دياب")  # several words: alike word for word
    False
    """
    words_a, words_b = a.replace("-", " ").split(), b.replace("-", " ").split()
    if g_as_k is None:
        g_as_k = len(words_a) > 1 and len(words_b) > 1
    if len(words_a) == len(words_b) > 1:  # word for word (عمرو اديب is not عمرو دياب)
        pairs = list(zip(words_a, words_b, strict=True))
        from akhbar.analyzers.entities import known_words  # (imports this module)

        # a Spanish J as خ or ج (سيرخيو / سيرجيو راموس) — not in a name whose shared words
        # are the language's own: محمد خالد and محمد جلاد are two men
        spanish = not any(x == y and x in known_words() for x, y in pairs)
        return all(x == y or similar_names(x, y, g_as_k=g_as_k, spanish_j=spanish) for x, y in pairs)
    g_letters = G_LETTERS if g_as_k else "غج"
    la, lb = _loose(a), _loose(b)
    if spanish_j:
        la, lb = la.translate(_SPANISH_J), lb.translate(_SPANISH_J)
    if not la or not lb or not _same_letter(la[-1], lb[-1], g_letters) or skeleton(la) != skeleton(lb):
        return False
    if len(words_a) != len(words_b):  # a name written as one word and as several keeps its letters
        return len(la) == len(lb) and all(_same_letter(x, y, g_letters) for x, y in zip(la, lb, strict=True))
    short, long = sorted((la, lb), key=len)
    # at most a fifth of the letters added — or one, to a syllable of two (جيه / جاي), or
    # to a short word of a longer name (هاري كين / هاري كاين); alone, a short word with a
    # vowel more is most often another word or name (حسن / حسان, سعد / سعاد, دار / دوار)
    enough = len(short) >= 0.8 * len(long) or (
        len(long) - len(short) == 1 and (len(short) == 2 or (g_as_k and len(short) > 2))
    )
    return enough and (_vowels_added(short, long, g_letters) or _vowel_moved(la, lb)) and not known_apart(a, b)


def known_apart(a: str, b: str) -> bool:
    """Are two spellings two names the gazetteer lists, or do they differ in a word where
    both are words the language knows (first names or ordinary words of the entity
    tagger's training data)?  Then they are two names, however alike their letters:
    Arabic writes its own names' long vowels (محمد, محمود; سعد, سعيد; غزة, الجيزة), where
    transliterations of foreign names differ in them (ترمب, ترامب).

    >>> known_apart("محمد شعبان", "محمود شعبان"), known_apart("ترمب", "ترامب"), known_apart("سيرغي", "سيرجي")
    (True, False, False)
    """
    # the tagger's name lists and the gazetteer (both import this module: imported when first asked)
    from akhbar.analyzers.entities import known_words
    from akhbar.analyzers.gazetteer import listed

    words_a, words_b = a.replace("-", " ").split(), b.replace("-", " ").split()
    listed_a, listed_b = listed(tuple(words_a)), listed(tuple(words_b))
    if listed_a is not None and listed_b is not None:
        return listed_a != listed_b  # two listed names, or one name's listed aliases
    if len(words_a) != len(words_b):
        return False  # a name written as one word and as two (شي جين بينغ): not word for word
    known = known_words()
    # (a foreign G written two ways is one name however well both are known: سيرغي, سيرجي)
    return any(
        x != y and x in known and y in known and x.translate(_ONE_G) != y.translate(_ONE_G)
        for x, y in zip(words_a, words_b, strict=True)
    )


def _vowel_moved(a: str, b: str) -> bool:
    """Is ``b`` ``a`` with one long vowel written a place earlier or later (اتليتكو /
    اتلتيكو)?  The same letters, so the same name; another vowel would be another name.

    >>> _vowel_moved("اتليتكو", "اتلتيكو"), _vowel_moved("ماركل", "ميركل")
    (True, False)
    """
    if len(a) != len(b) or a == b:
        return False
    for i, c in enumerate(a):
        if c in _LONG_VOWELS and i:
            rest = a[:i] + a[i + 1 :]
            if any(b[j] == c and b[:j] + b[j + 1 :] == rest for j in range(1, len(b))):
                return True
    return False


def drop_article(word: str) -> str:
    """The word without its article, if that leaves more than two letters.

    >>> drop_article("الرقة"), drop_article("الجو")
    ('رقة', 'الجو')
    """
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


SAINTS: Final = frozenset({"سان", "سانت", "سانتا", "سانتو", "ساو"})  # San, Saint, Santa, Santo, São
"""Words that begin a foreign place named after a saint (normalized)."""


def saint_named(words: tuple[str, ...] | list[str]) -> bool:
    """Is this a place name of a saint's word and the saint's name?  News writes such a
    city with the word and without it (سان بطرسبرغ and بطرسبرغ are one city), where a
    direction or a descriptor before a name makes another place (جنوب السودان).

    >>> saint_named(["سان", "بطرسبرغ"]), saint_named(["سانت", "بطرسبرغ"]), saint_named(["جنوب", "السودان"])
    (True, True, False)
    """
    return len(words) == 2 and words[0] in SAINTS


PREPOSITIONS: Final = ("بال", "لل", "ب", "ل")
"""The prepositions (with the article, or alone) an unlisted name's key may still carry:
the key keeps ل and ب because names begin with them too (لندن، بريطانيا).  (News seldom
writes ك or ف onto a name, and more names begin with them: كابل is not ك + ابل.)"""


def with_preposition(key: str) -> list[str]:
    """The keys a name's mentions get when written with a preposition on its first word
    (a name of three letters or more): which of them are this name is for the index's
    own counts to say (see :meth:`akhbar.search.entity_keys.EntityKeys.with_preposition`).

    >>> with_preposition("ريال مدريد"), with_preposition("بي")
    (['بالريال مدريد', 'للريال مدريد', 'بريال مدريد', 'لريال مدريد'], [])
    """
    if len(key.split(" ", 1)[0]) < 3:
        return []
    return [p + key for p in PREPOSITIONS]


def forget_caches() -> None:
    """Drop the per-word caches (see :func:`akhbar.analyzers.entities.forget_caches`)."""
    strip_clitics.cache_clear()
    skeleton.cache_clear()
