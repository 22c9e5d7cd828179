"""The entity model's word features: one definition (:func:`feature_pairs`), and its
compiled form for the batch tagger (:func:`feature_rows`)."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import Any, Final

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
PROFILES: Final = "data/word_profiles.tsv.gz"
# What a large unannotated corpus says about a clitic-free word (analyzers/train_clusters.py),
# one column each, with the roles it is a feature in: the model learns from ~4,000 annotated
# sentences, so most names it meets are names it never saw, and words used alike fall into
# one cluster with names it did see.  (Also tried, no better cross-validated: how often the
# corpus writes the word with the article, and how often it has it; a third clustering.)
PROFILE: Final = (
    ("c=", ("own", "prev", "next")),  # the cluster of the word's vector among 1,000
    ("k=", ("own",)),  # among 200
)
ROLES: Final = ("own", "prev", "next")
_PREFIX: Final = {"own": "", "prev": "-1", "next": "+1"}
NO_PROFILE: Final = ("-",) * len(PROFILE)  # a word the corpus had too seldom


@cache
def word_profiles() -> dict[str, tuple[str, ...]]:
    """Clitic-free word → its :data:`PROFILE` values, from ``data/word_profiles.tsv.gz``
    (made by ``analyzers/train_clusters.py``); empty if the file is missing."""
    path = resources.files("akhbar.analyzers").joinpath(PROFILES)
    if not path.is_file():
        return {}
    profiles: dict[str, tuple[str, ...]] = {}
    shared: dict[str, tuple[str, ...]] = {}  # one tuple for each distinct profile: far fewer than words
    for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
        word, _, values = line.partition("\t")
        profile = shared.get(values)
        if profile is None:
            profile = shared[values] = tuple(values.split("\t"))
            if len(profile) != len(PROFILE):
                raise ValueError(f"{PROFILES}: {len(profile)} columns, the model's features need {len(PROFILE)}")
        profiles[word] = profile
    return profiles


def profile_pairs(bare: str) -> tuple[list[Pair], list[Pair], list[Pair]]:
    """A clitic-free word's :data:`PROFILE` features as (own, as previous, as next) pairs.

    >>> own, prev, nxt = profile_pairs("xyz")
    >>> own[0], prev
    (('c=', '-'), [('-1c=', '-')])
    """
    values = word_profiles().get(bare, NO_PROFILE)
    return tuple(  # type: ignore[return-value]
        [
            (_PREFIX[role] + template, value)
            for (template, roles), value in zip(PROFILE, values, strict=True)
            if role in roles
        ]
        for role in ROLES
    )


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
    profile_own, profile_prev, profile_next = profile_pairs(bare)
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
        *profile_own,
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
        [("-1w=", word), *profile_prev]
        + ([("-1al", "")] if article else [])
        + ([("-1" + trig, "")] if trig else [])
        + ([("-1gaz=", gaz)] if gaz else [])
    )
    nxt = [("+1w=", word), *profile_next] + ([("+1" + trig, "")] if trig else []) + ([("+1gaz=", gaz)] if gaz else [])
    return own, prev, nxt


def _trigger(word: str) -> str:
    return (
        ("T:pers" if word in PERSON_TRIGGERS else "")
        + ("T:place" if word in PLACE_TRIGGERS else "")
        + ("T:org" if word in ORG_TRIGGERS else "")
    )


# feature_rows' rows for a word's own features, as previous, as next
ROW_WIDTHS: Final = tuple(
    fixed + sum(role in roles for _, roles in PROFILE) for fixed, role in zip((12, 4, 3), ROLES, strict=True)
)


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
    unknown = (zero,) * 3  # a word or clitic-free form the model does not know
    # for each role, the profile's columns in it and their tables
    in_role = [
        [(k, tagger.table(_PREFIX[role] + template)) for k, (template, roles) in enumerate(PROFILE) if role in roles]
        for role in ROLES
    ]

    def profile_rows(values: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(table.get(values[k], zero) for k, table in tables) for tables in in_role)

    # by profile, as words ask for them: far fewer profiles than words, and no wait at start
    profile_of, rows_of_profile = word_profiles().get, _RowCache(profile_rows)
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
    bare_of = strip_clitics.__wrapped__  # without its cache: most words the tagger has not seen are rare

    def word_rows(word: str) -> Rows:
        bare = bare_of(word)
        as_own, as_prev, as_next = word_known.get(word, unknown)
        profile_own, profile_prev, profile_next = rows_of_profile[profile_of(bare, NO_PROFILE)]
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
            *profile_own,
            article if has_article else zero,
            cl(word[: len(word) - len(bare)], zero) if len(bare) < len(word) else zero,
            script,
            trigger[0],
            gazetteer_rows[0],
            # as the previous token
            as_prev,
            *profile_prev,
            prev_article if has_article else zero,
            trigger[1],
            gazetteer_rows[1],
            # as the next token
            as_next,
            *profile_next,
            trigger[2],
            gazetteer_rows[2],
        )

    return word_rows


class _RowCache(dict):
    """A cache of ``rows(key)``, filled as keys are asked for."""

    def __init__(self, rows: Callable[[Any], tuple]) -> None:
        super().__init__()
        self._rows = rows

    def __missing__(self, key: Any) -> tuple:
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
