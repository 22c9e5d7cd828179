"""Orthographic normalization: one rule a function, one table for speed.

Each rule below is a pure ``str -> str`` function with its own table, named
after what it does, so that it can be tested and switched off alone (the
retrieval ablation does that).  :func:`normalize` applies every enabled rule at
once through a single ``str.translate`` table built from the rules' tables, plus
NFKC for presentation forms and lower-casing for Latin.

The same function normalizes indexed words, query words, stop words, gazetteer
entries and month names, so all of them meet in one spelling.

Rules (after Larkey et al. 2002 "light10" and Lucene's ArabicNormalizer, with
the gaps ARABIC_IR.md lists filled):

========================  =========================================
``strip_diacritics``      delete harakat U+064B..U+065F, U+0670, U+0610..U+061A
``strip_tatweel``         delete tatweel U+0640
``fold_alef``             آ أ إ ٱ → ا
``fold_alef_maksura``     ى → ي
``fold_teh_marbuta``      ة → ه
``fold_hamza_carriers``   ؤ → و, ئ → ي
``fold_persian``          ک → ك, ی → ي, ۀ ہ ۃ → ه, ے → ي
``fold_digits``           ٠..٩ and ۰..۹ → 0..9
``fold_presentation``     presentation forms and lam-alef ligatures (NFKC)
``lowercase``             Latin to lower case
========================  =========================================
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Final

from whoosh.analysis import Filter

from akhbar.analyzers import letters

Table = dict[int, str | None]


def _table(pairs: dict[str, str | None]) -> Table:
    return {ord(k): v for k, v in pairs.items()}


TABLES: Final[dict[str, Table]] = {
    "strip_diacritics": _table(dict.fromkeys(letters.MARKS)),
    "strip_tatweel": _table({letters.TATWEEL: None}),
    "fold_alef": _table(
        dict.fromkeys(
            letters.ALEF_MADDA + letters.ALEF_HAMZA_ABOVE + letters.ALEF_HAMZA_BELOW + letters.ALEF_WASLA, letters.ALEF
        )
    ),
    "fold_alef_maksura": _table({letters.ALEF_MAKSURA: letters.YEH}),
    "fold_teh_marbuta": _table({letters.TEH_MARBUTA: letters.HEH}),
    "fold_hamza_carriers": _table({letters.WAW_HAMZA: letters.WAW, letters.YEH_HAMZA: letters.YEH}),
    "fold_persian": _table(
        {
            letters.KEHEH: letters.KAF,
            letters.FARSI_YEH: letters.YEH,
            letters.YEH_BARREE: letters.YEH,
            letters.HEH_YEH: letters.HEH,
            letters.HEH_GOAL: letters.HEH,
            letters.TEH_MARBUTA_GOAL: letters.HEH,
        }
    ),
    "fold_digits": _table(
        {d: str(i) for i, d in enumerate(letters.ARABIC_INDIC_DIGITS)}
        | {d: str(i) for i, d in enumerate(letters.PERSIAN_DIGITS)}
    ),
}

_PRESENTATION = re.compile(f"[{letters.PRESENTATION_FORMS}]")


def strip_diacritics(text: str) -> str:
    """Delete harakat, shadda, sukun, superscript alef and Quranic marks.

    >>> strip_diacritics("الرَّئِيسُ")
    'الرئيس'
    """
    return text.translate(TABLES["strip_diacritics"])


def strip_tatweel(text: str) -> str:
    """Delete tatweel (kashida), the stretching stroke.

    >>> strip_tatweel("الأخبـــار")
    'الأخبار'
    """
    return text.translate(TABLES["strip_tatweel"])


def fold_alef(text: str) -> str:
    """Fold alef with madda, hamza above/below and wasla to bare alef.

    >>> fold_alef("أحمد إلى آخر ٱلله")
    'احمد الى اخر الله'
    """
    return text.translate(TABLES["fold_alef"])


def fold_alef_maksura(text: str) -> str:
    """Fold alef maksura to yeh (not to alef, as pyarabic's normalize_alef does).

    >>> fold_alef_maksura("على مستشفى")
    'علي مستشفي'
    """
    return text.translate(TABLES["fold_alef_maksura"])


def fold_teh_marbuta(text: str) -> str:
    """Fold teh marbuta to heh: writers and OCR use them interchangeably.

    >>> fold_teh_marbuta("هدنة")
    'هدنه'
    """
    return text.translate(TABLES["fold_teh_marbuta"])


def fold_hamza_carriers(text: str) -> str:
    """Fold hamza on waw to waw and hamza on yeh to yeh (مسؤول / مسئول / مسوول).

    >>> fold_hamza_carriers("مسؤول مسئول")
    'مسوول مسيول'
    """
    return text.translate(TABLES["fold_hamza_carriers"])


def fold_persian(text: str) -> str:
    """Fold Persian and Urdu letter forms (keheh, farsi yeh, heh goal …) to Arabic.

    >>> fold_persian("کتاب علی")
    'كتاب علي'
    """
    return text.translate(TABLES["fold_persian"])


def fold_digits(text: str) -> str:
    """Fold Arabic-Indic and Persian digits to ASCII, so ٢٠١٠ finds 2010.

    >>> fold_digits("٢٠١٨ و ۱۳۹۷")
    '2018 و 1397'
    """
    return text.translate(TABLES["fold_digits"])


def fold_presentation(text: str) -> str:
    """Decompose presentation forms and lam-alef ligatures (NFKC), only when present.

    >>> fold_presentation("ﻻ")
    'لا'
    """
    if _PRESENTATION.search(text):
        return unicodedata.normalize("NFKC", text)
    return text


def lowercase(text: str) -> str:
    """Lower-case Latin (and any other cased) letters.

    >>> lowercase("BBC Arabic")
    'bbc arabic'
    """
    return text.lower()


RULES: Final[dict[str, Callable[[str], str]]] = {
    "fold_presentation": fold_presentation,
    "strip_diacritics": strip_diacritics,
    "strip_tatweel": strip_tatweel,
    "fold_alef": fold_alef,
    "fold_alef_maksura": fold_alef_maksura,
    "fold_teh_marbuta": fold_teh_marbuta,
    "fold_hamza_carriers": fold_hamza_carriers,
    "fold_persian": fold_persian,
    "fold_digits": fold_digits,
    "lowercase": lowercase,
}
DEFAULT_RULES: Final[tuple[str, ...]] = tuple(RULES)


class Normalizer:
    """All enabled rules in one pass: NFKC when needed, one translate table, lower().

    >>> Normalizer()("وَالأخبـــارُ ٢٠١٨")
    'والاخبار 2018'
    >>> Normalizer(rules=["strip_diacritics"])("وَالأخبـــارُ")
    'والأخبـــار'
    """

    def __init__(self, rules: Iterable[str] = DEFAULT_RULES) -> None:
        self.rules = tuple(r for r in RULES if r in set(rules))
        unknown = set(rules) - set(RULES)
        if unknown:
            raise ValueError(f"unknown normalization rules: {sorted(unknown)}")
        table: Table = {}
        for name in self.rules:
            table.update(TABLES.get(name, {}))
        self._table = table
        self._nfkc = "fold_presentation" in self.rules
        self._lower = "lowercase" in self.rules

    def __call__(self, text: str) -> str:
        if self._nfkc and _PRESENTATION.search(text):
            text = unicodedata.normalize("NFKC", text)
        text = text.translate(self._table)
        return text.lower() if self._lower else text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Normalizer) and other.rules == self.rules

    def __hash__(self) -> int:
        return hash(self.rules)

    def __getstate__(self) -> dict:
        return {"rules": self.rules}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["rules"])  # type: ignore[misc]


normalize: Final = Normalizer()
"""The project-wide normalizer with every rule on."""


class NormalizeFilter(Filter):
    """Whoosh filter applying :class:`Normalizer` to each token's text.

    Not a morphological filter: spelling suggestions and exact search see its
    output.  Offsets are left alone, so they still point into the original text.

    >>> from akhbar.analyzers.tokenize import ArabicTokenizer
    >>> [t.text for t in (ArabicTokenizer() | NormalizeFilter())("الرَّئيسُ أعلن")]
    ['الرييس', 'اعلن']
    """

    def __init__(self, rules: Iterable[str] = DEFAULT_RULES) -> None:
        self.normalizer = Normalizer(rules)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NormalizeFilter) and other.normalizer == self.normalizer

    def __call__(self, tokens):
        norm = self.normalizer
        for t in tokens:
            t.text = norm(t.text)
            if t.text:
                yield t
