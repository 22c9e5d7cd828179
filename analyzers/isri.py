"""The ISRI Arabic root extractor (Taghva, Elkhoury and Coombs, 2005: "Arabic stemming
without a root dictionary"), as nltk implements it, ported here.

Ported from ``nltk/stem/isri.py`` (nltk 3.9, Copyright (C) 2001-2026 NLTK Project,
author Hosam Algasaier; Apache License 2.0, https://www.apache.org/licenses/LICENSE-2.0).
Changed from nltk's version: module-level functions and tables instead of a class, the
standard ``re`` module instead of nltk's regex wrapper; same answers for every word
(``tests/test_roots.py`` holds them equal to nltk's on a golden list, and on random
words when nltk is installed).  Why a port and not a dependency: importing
``nltk.stem.isri`` imports all of nltk — 0.15 s in a clean environment and 0.85 s
where scipy is installed — in every indexing worker and before the first ``--any``
search, for 200 lines of code.

nltk's own notes on its changes to the published algorithm: 60 stop words added, the
pattern تفاعيل added, and the step normalizing every hamza dropped (it merged roots).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["isri_root"]

_P3: Final = ("كال", "بال", "ولل", "وال")  # prefixes, longest first
_P2: Final = ("ال", "لل")
_P1: Final = ("ل", "ب", "ف", "س", "و", "ي", "ت", "ن", "ا")
_S3: Final = ("تمل", "همل", "تان", "تين", "كمل")  # suffixes, longest first
_S2: Final = ("ون", "ات", "ان", "ين", "تن", "كم", "هن", "نا", "يا", "ها", "تم", "كن", "ني", "وا", "ما", "هم")
_S1: Final = ("ة", "ه", "ي", "ك", "ت", "ا", "ن")
_SHORT_VOWELS: Final = re.compile("[\u064b-\u0652]")
_INITIAL_HAMZA: Final = re.compile("^[\u0622\u0623\u0625]")
_STOP_WORDS: Final = frozenset(
    """يكون وليس وكان كذلك التي وبين عليها مساء الذي وكانت ولكن والتي تكون اليوم اللذين
    عليه كانت لذلك أمام هناك منها مازال لازال لايزال مايزال اصبح أصبح أمسى امسى أضحى
    اضحى مابرح مافتئ ماانفك لاسيما ولايزال الحالي اليها الذين فانه والذي وهذا لهذا فكان
    ستكون اليه يمكن بهذا الذى""".split()
)


def isri_root(token: str) -> str:
    """The ISRI root of ``token``: words of 4 to 7 letters (after affixes) are reduced to
    3 or 4 letters by their pattern; other words come back without their affixes.

    >>> isri_root("المكتبات"), isri_root("يكتبون"), isri_root("استقبال"), isri_root("هجوم")
    ('كتب', 'كتب', 'قبل', 'هجم')
    """
    token = _SHORT_VOWELS.sub("", token)
    if token in _STOP_WORDS:
        return token
    token = _waw(_suf32(_pre32(token)))
    token = _INITIAL_HAMZA.sub("ا", token)
    n = len(token)
    if n == 4:
        return _pro_w4(token)
    if n == 5:
        return _end_w5(_pro_w53(token))
    if n == 6:
        return _end_w6(_pro_w6(token))
    if n == 7:
        token = _suf1(token)
        if len(token) == 7:
            token = _pre1(token)
        if len(token) == 6:
            token = _end_w6(_pro_w6(token))
    return token


def _pre32(word: str) -> str:
    """Remove a three-letter, else a two-letter prefix."""
    if len(word) >= 6:
        for p in _P3:
            if word.startswith(p):
                return word[3:]
    if len(word) >= 5:
        for p in _P2:
            if word.startswith(p):
                return word[2:]
    return word


def _suf32(word: str) -> str:
    """Remove a three-letter, else a two-letter suffix."""
    if len(word) >= 6:
        for s in _S3:
            if word.endswith(s):
                return word[:-3]
    if len(word) >= 5:
        for s in _S2:
            if word.endswith(s):
                return word[:-2]
    return word


def _waw(word: str) -> str:
    """Remove the connective و before a word that begins with و."""
    return word[1:] if len(word) >= 4 and word[:2] == "وو" else word


def _suf1(word: str) -> str:
    for s in _S1:
        if word.endswith(s):
            return word[:-1]
    return word


def _pre1(word: str) -> str:
    for p in _P1:
        if word.startswith(p):
            return word[1:]
    return word


def _pro_w4(word: str) -> str:
    """Four-letter patterns → three-letter root."""
    if word[0] == "م":  # مفعل
        return word[1:]
    if word[1] == "ا":  # فاعل
        return word[:1] + word[2:]
    if word[2] in "اوي":  # فعال فعول فعيل
        return word[:2] + word[3]
    if word[3] == "ة":  # فعلة
        return word[:-1]
    word = _suf1(word)
    return _pre1(word) if len(word) == 4 else word


def _pro_w53(word: str) -> str:
    """Five-letter patterns → three-letter root."""
    w0, w1, w2, w3, w4 = word
    if w2 in "ات" and w0 == "ا":  # افتعل افاعل
        return w1 + word[3:]
    if w3 in "ايو" and w0 == "م":  # مفعول مفعال مفعيل
        return word[1:3] + w4
    if w0 in "اتم" and w4 == "ة":  # مفعلة تفعلة افعلة
        return word[1:4]
    if w0 in "ميت" and w2 == "ت":  # مفتعل يفتعل تفتعل
        return w1 + word[3:]
    if w0 in "مت" and w2 == "ا":  # مفاعل تفاعل
        return w1 + word[3:]
    if w2 in "او" and w4 == "ة":  # فعولة فعالة
        return word[:2] + w3
    if w0 in "ام" and w1 == "ن":  # انفعل منفعل
        return word[2:]
    if w3 == "ا" and w0 == "ا":  # افعال
        return word[1:3] + w4
    if w4 == "ن" and w3 == "ا":  # فعلان
        return word[:3]
    if w3 == "ي" and w0 == "ت":  # تفعيل
        return word[1:3] + w4
    if w3 == "و" and w1 == "ا":  # فاعول
        return w0 + w2 + w4
    if w2 == "ا" and w1 == "و":  # فواعل
        return w0 + word[3:]
    if w3 == "ئ" and w2 == "ا":  # فعائل
        return word[:2] + w4
    if w4 == "ة" and w1 == "ا":  # فاعلة
        return w0 + word[2:4]
    if w4 == "ي" and w2 == "ا":  # فعالي
        return word[:2] + w3
    word = _suf1(word)
    return _pre1(word) if len(word) == 5 else word


def _pro_w54(word: str) -> str:
    """Five-letter patterns → four-letter root."""
    if word[0] in "اتم":  # تفعلل افعلل مفعلل
        return word[1:]
    if word[4] == "ة":  # فعللة
        return word[:4]
    if word[2] == "ا":  # فعالل
        return word[:2] + word[3:]
    return word


def _end_w5(word: str) -> str:
    if len(word) == 4:
        return _pro_w4(word)
    if len(word) == 5:
        return _pro_w54(word)
    return word


def _pro_w6(word: str) -> str:
    """Six-letter patterns → three-letter root."""
    if word.startswith(("است", "مست")):  # استفعل مستفعل
        return word[3:]
    if word[0] == "م" and word[3] == "ا" and word[5] == "ة":  # مفعالة
        return word[1:3] + word[4]
    if word[0] == "ا" and word[2] == "ت" and word[4] == "ا":  # افتعال
        return word[1] + word[3] + word[5]
    if word[0] == "ا" and word[3] == "و" and word[2] == word[4]:  # افعوعل
        return word[1] + word[4:]
    if word[0] == "ت" and word[2] == "ا" and word[4] == "ي":  # تفاعيل
        return word[1] + word[3] + word[5]
    word = _suf1(word)
    return _pre1(word) if len(word) == 6 else word


def _pro_w64(word: str) -> str:
    """Six-letter patterns → four-letter root."""
    if word[0] == "ا" and word[4] == "ا":  # افعلال
        return word[1:4] + word[5]
    if word.startswith("مت"):  # متفعلل
        return word[2:]
    return word


def _end_w6(word: str) -> str:
    if len(word) == 5:
        return _end_w5(_pro_w53(word))
    if len(word) == 6:
        return _pro_w64(word)
    return word
