"""The entity model's word features: one definition (:func:`feature_pairs`), and its
compiled form for the batch tagger (:func:`feature_rows`)."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from io import BytesIO
from typing import Final

from akhbar.analyzers.crf import BatchTagger, Pair, Rows
from akhbar.analyzers.gazetteer import word_kinds
from akhbar.analyzers.names import strip_clitics
from akhbar.analyzers.normalization import normalize

PERSON_TRIGGERS: Final = frozenset(
    normalize(w)
    for w in (
        "الرئيس",
        "رئيس",
        "الوزير",
        "وزير",
        "وزيرة",
        "المتحدث",
        "الملك",
        "الأمير",
        "الشيخ",
        "السيد",
        "السيدة",
        "الدكتور",
        "د",
        "اللواء",
        "العميد",
        "العقيد",
        "الجنرال",
        "المبعوث",
        "الأمين",
        "النائب",
        "السفير",
        "المستشار",
        "الزعيم",
        "القائد",
        "المرشح",
        "الرئيسة",
        "نظيره",
        "نظيرها",
        "المدرب",
        "اللاعب",
        "الفنان",
        "الفنانة",
        "الممثل",
        "الممثلة",
        "المغني",
        "المغنية",
        "الكاتب",
        "الصحفي",
        "الناشط",
        "الإمام",
        "البابا",
        "قال",
        "أكد",
        "أعلن",
        "صرح",
        "أضاف",
        "أوضح",
    )
)
PLACE_TRIGGERS: Final = frozenset(
    normalize(w)
    for w in (
        "مدينة",
        "محافظة",
        "ريف",
        "قرية",
        "بلدة",
        "معبر",
        "مخيم",
        "حي",
        "منطقة",
        "إقليم",
        "ولاية",
        "جزيرة",
        "العاصمة",
        "عاصمة",
        "شمال",
        "جنوب",
        "شرق",
        "غرب",
        "في",
        "إلى",
        "من",
    )
)
ORG_TRIGGERS: Final = frozenset(
    normalize(w)
    for w in (
        "تنظيم",
        "جبهة",
        "حركة",
        "حزب",
        "جماعة",
        "وزارة",
        "وكالة",
        "منظمة",
        "شركة",
        "جامعة",
        "مجلس",
        "هيئة",
        "قوات",
        "جيش",
        "الاتحاد",
        "اتحاد",
        "بنك",
        "صندوق",
        "لجنة",
        "نادي",
        "فريق",
        "صحيفة",
        "قناة",
        "مؤسسة",
    )
)
TRIGGERS: Final = PERSON_TRIGGERS | PLACE_TRIGGERS | ORG_TRIGGERS
CLUSTERS: Final = "data/word_clusters.tsv.gz"


@cache
def word_clusters() -> dict[str, str]:
    """Clitic-free word → distributional cluster number, from ``data/word_clusters.tsv.gz``
    (made by ``analyzers/train_clusters.py``); empty if the file is missing."""
    path = resources.files("akhbar.analyzers").joinpath(CLUSTERS)
    if not path.is_file():
        return {}
    with gzip.open(BytesIO(path.read_bytes()), "rt", encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("\t", 1) for line in f)


Features = tuple[list[str], list[str], list[str]]
_FEATURES: dict[str, Features] = {}


def _evict_half(cache: dict) -> None:
    """Forget the older half of a cache (dicts keep insertion order): frequent words
    come back at once, and a big build does not start from nothing after each clear."""
    for key in list(itertools.islice(cache, len(cache) // 2)):
        del cache[key]


def word_features(word: str) -> Features:
    """(own, as previous word, as next word) features of a normalized word; cached."""
    f = _FEATURES.get(word)
    if f is None:
        f = _word_features(word)
        if len(_FEATURES) > 40_000:  # ~1.5 KB a word: keep memory bounded
            _evict_half(_FEATURES)
        _FEATURES[word] = f
    return f


_LENGTHS = [str(n) for n in range(9)]


def feature_pairs(word: str) -> tuple[list[Pair], list[Pair], list[Pair]]:
    """A word's features as ``(template, value)`` pairs — own, as the previous word,
    as the next word; the model's attribute is ``template + value`` (a flag has the
    value ""); :func:`feature_rows` gives the same for the tagger."""
    bare = strip_clitics(word)
    gaz = word_kinds().get(bare)
    cluster = word_clusters().get(bare, "-")
    clitic = word[: len(word) - len(bare)]
    article = word.startswith("ال")
    # yes/no features only when yes: each attribute costs the tagger a lookup per token
    own = [
        ("w=", word),
        ("b=", bare),
        ("p2=", bare[:2]),
        ("p3=", bare[:3]),
        ("s2=", bare[-2:]),
        ("s3=", bare[-3:]),
        ("len=", _LENGTHS[min(len(bare), 8)]),
        ("c=", cluster),
    ]
    if article:
        own.append(("al", ""))
    if clitic:
        own.append(("cl=", clitic))
    if word.isdigit():
        own.append(("dig", ""))
    elif word.isascii() and word.isalpha():
        own.append(("lat", ""))
    trig = _trigger(word)
    if trig:
        own.append((trig, ""))
    if gaz:
        own.append(("gaz=", gaz))
    # a neighbour's clitic-free form is not a feature: it gave nothing held out beside the
    # neighbour's word and cluster (F1 0.713 without it, 0.711 with) and cost two sums a word
    prev = (
        [("-1w=", word), ("-1c=", cluster)]
        + ([("-1al", "")] if article else [])
        + ([("-1" + trig, "")] if trig else [])
        + ([("-1gaz=", gaz)] if gaz else [])
    )
    nxt = (
        [("+1w=", word), ("+1c=", cluster)] + ([("+1" + trig, "")] if trig else []) + ([("+1gaz=", gaz)] if gaz else [])
    )
    return own, prev, nxt


def _trigger(word: str) -> str:
    return (
        ("T:pers" if word in PERSON_TRIGGERS else "")
        + ("T:place" if word in PLACE_TRIGGERS else "")
        + ("T:org" if word in ORG_TRIGGERS else "")
    )


ROW_WIDTHS: Final = (13, 5, 4)  # feature_rows' rows for a word's own features, as previous, as next


def feature_rows(tagger: BatchTagger) -> Callable[[str], Rows]:
    """:func:`feature_pairs` of a word as rows of ``tagger``'s weights.

    The same features, in the same order (the sums must not change in their last
    bit), written for speed: string lookups in one table per template instead of pairs
    built and hashed — a news article brings some ten words the tagger has not seen,
    and pairs made them cost ~6 µs each.  Each role's rows come at fixed places
    (:data:`ROW_WIDTHS`), the zero row where a word lacks a feature, so that the tagger
    sums all new words at once.  ``tests/test_entities.py`` holds the two equal.
    """
    zero = tagger.zero

    def rows(template: str) -> Callable[[str, int], int]:
        return tagger.table(template).get

    def flag(template: str) -> int:
        return tagger.table(template).get("", zero)

    def by_value(*templates: str) -> dict[str, tuple[int, ...]]:
        """A value's rows in each of these templates at once (one lookup, not one per template)."""
        tables = [tagger.table(t) for t in templates]
        return {v: tuple(t.get(v, zero) for t in tables) for table in tables for v in table}

    # most words the tagger meets for the first time are rare: the model knows neither
    # them nor their clitic-free form, and their prefixes and suffixes are common
    word_known = by_value("w=", "-1w=", "+1w=")
    bare_known = tagger.table("b=")
    cluster_rows = by_value("c=", "-1c=", "+1c=")
    unknown = (zero,) * 3  # a word, clitic-free form or cluster the model does not know
    p2, p3, s2, s3, cl = map(rows, ("p2=", "p3=", "s2=", "s3=", "cl="))
    prefixes = _RowCache(lambda first: (p2(first[:2], zero), p3(first, zero)))  # the first three letters' p2, p3
    suffixes = _RowCache(lambda last: (s2(last[-2:], zero), s3(last, zero)))  # the last three letters' s2, s3
    lengths = [tagger.table("len=").get(n, zero) for n in _LENGTHS]
    article, prev_article, digits, latin = map(flag, ("al", "-1al", "dig", "lat"))
    triggers = {
        word: (flag(t), flag("-1" + t), flag("+1" + t))
        for word in PERSON_TRIGGERS | PLACE_TRIGGERS | ORG_TRIGGERS
        for t in [_trigger(word)]
    }
    gaz, prev_gaz, next_gaz = map(rows, ("gaz=", "-1gaz=", "+1gaz="))
    gaz_rows = {w: (gaz(kind, zero), prev_gaz(kind, zero), next_gaz(kind, zero)) for w, kind in word_kinds().items()}
    clusters = word_clusters()
    bare_of = strip_clitics.__wrapped__  # without its cache: most words the tagger has not seen are rare

    def word_rows(word: str) -> Rows:
        bare = bare_of(word)
        as_own, as_prev, as_next = word_known.get(word, unknown)
        cluster_own, cluster_prev, cluster_next = cluster_rows.get(clusters.get(bare, "-"), unknown)
        trigger = triggers.get(word, unknown)
        gazetteer_rows = gaz_rows.get(bare, unknown)
        has_article = word.startswith("ال")
        if word.isdigit():
            script = digits
        elif word.isascii() and word.isalpha():
            script = latin
        else:
            script = zero
        return (
            # as the token itself
            as_own,
            bare_known.get(bare, zero),
            *prefixes[bare[:3]],
            *suffixes[bare[-3:]],
            lengths[min(len(bare), 8)],
            cluster_own,
            article if has_article else zero,
            cl(word[: len(word) - len(bare)], zero) if len(bare) < len(word) else zero,
            script,
            trigger[0],
            gazetteer_rows[0],
            # as the previous token
            as_prev,
            cluster_prev,
            prev_article if has_article else zero,
            trigger[1],
            gazetteer_rows[1],
            # as the next token
            as_next,
            cluster_next,
            trigger[2],
            gazetteer_rows[2],
        )

    return word_rows


class _RowCache(dict):
    """A cache of ``rows(key)``, filled as keys are asked for."""

    def __init__(self, rows: Callable[[str], tuple[int, ...]]) -> None:
        super().__init__()
        self._rows = rows

    def __missing__(self, key: str) -> tuple[int, ...]:
        value = self[key] = self._rows(key)
        return value


def _word_features(word: str) -> Features:
    own, prev, nxt = feature_pairs(word)
    return [t + v for t, v in own], [t + v for t, v in prev], [t + v for t, v in nxt]


_BOS, _EOS = ["BOS"], ["EOS"]


def sequence_features(words: Sequence[str]) -> list[list[str]]:
    """Features of each word of a sentence (normalized words), as the model was trained:
    the word's own, the previous word's ``-1…`` and the next word's ``+1…`` (BOS/EOS at
    the ends).  (The word two places back, ``-2w=``, gave nothing on held-out ANERcorp —
    F1 0.711 without it, 0.709 with — and cost the tagger a fourth gather per token.)"""
    n = len(words)
    feats = [word_features(w) for w in words]
    return [
        f[0] + (feats[i - 1][1] if i else _BOS) + (feats[i + 1][2] if i + 1 < n else _EOS) for i, f in enumerate(feats)
    ]


def forget_caches() -> None:
    """Drop the per-word feature cache (see :func:`akhbar.analyzers.entities.forget_caches`)."""
    _FEATURES.clear()
