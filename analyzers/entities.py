"""Named entities: people, places and organizations, found at index time, offline.

Two parts, measured on ANERcorp (``benchmarks/eval_entities.py``):

* a linear-chain CRF (python-crfsuite) over word features — the word, its clitic-free
  form, prefixes and suffixes, whether it carries the article, its neighbours and the
  trigger words around it (الرئيس، وزير، مدينة، حركة …) and gazetteer membership —
  trained by ``analyzers/train_entities.py`` on ANERcorp and shipped as
  ``models/entities.crfsuite`` (see ``models/README.md`` for its data and terms);
* a gazetteer (``data/entities.tsv`` plus CLDR's Arabic country names from babel)
  that also gives canonical names and aliases: ترمب → ترامب, سورية → سوريا,
  تنظيم الدولة → داعش.

Mentions are grouped into canonical entities by :func:`entity_key`: the gazetteer's
canonical name when there is one, else the clitic-free normalized name; for person
names a consonant skeleton (long vowels dropped) joins transliteration variants
(نتنياهو / نتانياهو), applied to names only.

The model is trained with python-crfsuite and decoded by :class:`akhbar.analyzers.crf.BatchTagger`:
label scores per distinct word (news vocabulary is Zipfian), all sentences of a batch of
articles decoded together — the labels crfsuite gives, at a fraction of its cost per token.
"""

from __future__ import annotations

import gzip
import itertools
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from io import BytesIO
from operator import itemgetter
from typing import Final, NamedTuple

import numpy as np

from akhbar.analyzers.crf import BatchTagger, Pair, Rows
from akhbar.analyzers.normalization import normalize
from akhbar.analyzers.tokenize import iter_words

TYPES: Final = {"PERS": "person", "LOC": "place", "ORG": "organization"}
CLITICS: Final = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف", "ك")
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
MODEL: Final = "models/entities.crfsuite"
CLUSTERS: Final = "data/word_clusters.tsv.gz"


class EntityMention(NamedTuple):
    """One mention: character offsets into the text, type, the text, its canonical key.
    (A named tuple: an article has a dozen, made four times faster than a frozen dataclass.)"""

    start: int
    end: int
    type: str  # "person", "place" or "organization"
    text: str
    key: str


@lru_cache(maxsize=100_000)
def strip_clitics(word: str) -> str:
    """The normalized word without a leading conjunction/preposition/article.

    >>> strip_clitics("ولافروف"), strip_clitics(normalize("للرئيس")), strip_clitics("بالقاهره")
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
# a foreign name's G is written غ or ج (غريزمان / جريزمان, أنغيلا / أنجيلا, كيم جونغ / جونج)
G_LETTERS: Final = "غج"
_ONE_G = str.maketrans("غ", "ج")


@lru_cache(maxsize=1 << 18)
def skeleton(name: str) -> str:
    """Consonant skeleton of a (normalized) name: long vowels dropped after the first
    letter, غ written as ج (both stand for a foreign name's G).

    >>> skeleton("نتنياهو") == skeleton("نتانياهو"), skeleton("ترامب") == skeleton("ترمب")
    (True, True)
    >>> skeleton("غوارديولا") == skeleton("جوارديولا")
    True
    """
    return " ".join(w[0] + w[1:].translate(_NO_LONG_VOWELS) for w in name.translate(_ONE_G).split())


def _lcs(a: str, b: str) -> int:
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b):
            cur.append(prev[j] + 1 if ca == cb else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def similar_names(a: str, b: str) -> bool:
    """Spelling variants of one name: the same skeleton and last letter, and one spelling
    the other with long vowels added (ترمب → ترامب, نتنياهو → نتانياهو), at most a fifth
    of its letters; G as غ or ج.  Transliterations differ in how many long vowels they
    write, not in which: a vowel written as another is another name (ميركل, Merkel, is
    not ماركل, Markle), and so is another ending (بوتينا, Butina, is not بوتين).

    >>> similar_names("بوتين", "بوتن"), similar_names("بوتينا", "بوتين"), similar_names("ميركل", "ماركل")
    (True, False, False)
    >>> similar_names("أنغيلا ميركل", "أنجيلا ميركل")
    True
    """
    a, b = a.translate(_ONE_G), b.translate(_ONE_G)
    if not a or not b or a[-1] != b[-1] or skeleton(a) != skeleton(b):
        return False
    short, long = sorted((a, b), key=len)
    return _lcs(short, long) == len(short) and len(short) >= 0.8 * len(long)


# --- gazetteer ---------------------------------------------------------------------


@dataclass(frozen=True)
class Gazetteer:
    names: dict[tuple[str, ...], tuple[str, str]]  # normalized clitic-free words → (type, canonical)
    in_text: frozenset[tuple[str, ...]]  # the names that may tag text by themselves (not '?' aliases)
    articled: frozenset[tuple[str, ...]]  # names written with the article, as read without it
    by_skeleton: dict[str, list[tuple[str, str, str]]]  # skeleton → (form, type, canonical), persons
    sizes: dict[str, frozenset[int]]  # first word → the word counts of the names it begins


@cache
def gazetteer() -> Gazetteer:
    """``data/entities.tsv`` (type, canonical, aliases) plus CLDR Arabic country names."""
    rows: list[tuple[str, str, list[str]]] = []
    text = resources.files("akhbar.analyzers").joinpath("data/entities.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, canonical, *rest = line.split("\t")
        aliases = [a for a in (rest[0].split("|") if rest else []) if a]
        rows.append((kind, canonical, aliases))
    try:
        from babel import Locale

        for code, name in Locale("ar").territories.items():
            if code.isalpha() and len(code) == 2:
                rows.append(("place", name, []))
    except ImportError:  # babel is a dependency; a missing one costs only country names
        pass
    names: dict[tuple[str, ...], tuple[str, str]] = {}
    in_text: set[tuple[str, ...]] = set()
    # a form marked '?' anywhere is query-only everywhere: the tsv can mark a CLDR name
    # that is also a common word (مالي: Mali, and financial)
    ambiguous = {tuple(normalize(f[1:]).split()) for _, c, a in rows for f in [c, *a] if f.startswith("?")}
    articled: set[tuple[str, ...]] = set()
    by_skeleton: dict[str, list[tuple[str, str, str]]] = {}
    for kind, canonical, aliases in rows:
        for form in [canonical, *aliases]:
            # '?alias': also an ordinary word (مرسي / مرسى): resolves queries and names the
            # model found in context, but never tags text by itself
            written = normalize(form.lstrip("?")).split()
            if not written:
                continue
            query_only = form.startswith("?") or tuple(written) in ambiguous
            as_written = tuple([written[0], *(_drop_article(w) for w in written[1:])])
            no_article = tuple([_drop_article(written[0]), *as_written[1:]])
            if no_article != as_written:
                articled.add(no_article)
            for words in dict.fromkeys((as_written, no_article)):  # as written, and without its article
                names.setdefault(words, (kind, canonical))
                if not query_only:
                    in_text.add(words)
                if kind == "person" and not query_only:
                    by_skeleton.setdefault(skeleton(" ".join(words)), []).append((" ".join(words), kind, canonical))
    sizes: dict[str, set[int]] = {}
    for k in names:
        sizes.setdefault(k[0], set()).add(len(k))
    return Gazetteer(
        names,
        frozenset(in_text),
        frozenset(articled),
        by_skeleton,
        {first: frozenset(n) for first, n in sizes.items()},
    )


def _drop_article(word: str) -> str:
    return word[2:] if word.startswith("ال") and len(word) > 4 else word


def lookup(words: Sequence[str]) -> tuple[str, str] | None:
    """(type, canonical) of a name written as these normalized words, if known."""
    return _lookup(tuple(words))


def _keys(words: Sequence[str]) -> list[tuple[str, ...]]:
    """Ways to read a written name: as written, without its article, without a clitic
    (لافروف must not lose its ل, ولافروف must lose its و).  The article is dropped only
    from a name written with it: «بالعراق» is العراق, but a name written without one and
    given an article is another word — «المالي» (financial) is not مالي (Mali),
    «السورية» (Syrian) not سورية, «الجدة» (the grandmother) not جدة, «الحمص» (chickpeas)
    not حمص; an article form news uses for a name (الفيفا) is listed as its alias.
    A name written with its article keeps it after a clitic: «فرقة» (a troupe) is not
    ف + الرقة, which would be written «فالرقة»."""
    rest = tuple(_drop_article(w) for w in words[1:])
    first = words[0]
    out = [(first, *rest)]
    articled = gazetteer().articled
    for bare, article in ((_drop_article(first), True), (strip_clitics(first), None)):
        key = (bare, *rest)
        if bare == first or key in out:
            continue
        if article is None:  # a clitic: did it hold the article?
            clitic = first[: len(first) - len(bare)]
            article = clitic.endswith("ال") or clitic == "لل"
        if (key in articled) == bool(article):
            out.append(key)
    return out


@lru_cache(maxsize=100_000)
def _known_key(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """The gazetteer's key for these words read as a name, if it knows one."""
    g = gazetteer()
    return next((k for k in _keys(words) if k in g.in_text), None)


@lru_cache(maxsize=100_000)
def _lookup(words: tuple[str, ...]) -> tuple[str, str] | None:
    g = gazetteer()
    keys = _keys(words)
    for key in keys:
        found = g.names.get(key)
        if found:
            return found
    for key in keys:
        joined = " ".join(key)
        for form, kind, canonical in g.by_skeleton.get(skeleton(joined), []):
            if similar_names(form, joined):
                return kind, canonical
    return None


@cache
def _canonical_names() -> dict[str, str]:
    return {normalize(canonical): canonical for _, canonical in gazetteer().names.values()}


def display_name(key: str) -> str | None:
    """The gazetteer's canonical spelling for a key (None for keys it does not know).

    >>> display_name(entity_key("ترمب", "person"))
    'دونالد ترامب'
    """
    return _canonical_names().get(key)


def entity_key(text: str, kind: str) -> str:
    """The canonical key of a mention: the gazetteer's canonical name (aliases and
    spelling variants included), else its clitic-free normalized form.  Variants of
    names the gazetteer does not know are matched at query time (:func:`similar_names`).
    (The key does not depend on the mention's type.)

    >>> entity_key("ترمب", "person") == entity_key("ترامب", "person")
    True
    >>> entity_key("سورية", "place") == entity_key("سوريا", "place")
    True
    """
    return _key_of(text)


@lru_cache(maxsize=100_000)
def _key_of(text: str) -> str:
    words = normalize(text).split()
    found = lookup(words)
    if found:
        return normalize(found[1])
    # a name nobody listed keeps its letters: only a conjunction and the article go
    # (كيليان, كوفي, بريطانيا start with what looks like a preposition) — unless that
    # leaves a listed name's key, a reading lookup() refused (الجدة is not جدة)
    first = words[0]
    for c in ("وال", "فال", "ال", "و", "ف"):
        if first.startswith(c) and len(first) - len(c) >= 3:
            first = first[len(c) :]
            break
    rest = [_drop_article(w) for w in words[1:]]
    key = " ".join([first, *rest])
    if first != words[0] and key in _canonical_names():
        key = " ".join([words[0], *rest])
    return key


# --- features and the CRF ------------------------------------------------------------


@cache
def _gaz_words() -> dict[str, str]:
    out: dict[str, str] = {}
    for words, (kind, _) in gazetteer().names.items():
        for w in words:
            out.setdefault(w, kind)
    return out


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
    gaz = _gaz_words().get(bare)
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
    gaz_rows = {w: (gaz(kind, zero), prev_gaz(kind, zero), next_gaz(kind, zero)) for w, kind in _gaz_words().items()}
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


@cache
def tagger():
    """The shipped CRF, or None when it is missing (then only the gazetteer tags)."""
    import pycrfsuite

    path = resources.files("akhbar.analyzers").joinpath(MODEL)
    if not path.is_file():
        return None
    t = pycrfsuite.Tagger()
    t.open(str(path))
    return t


@cache
def batch_tagger() -> BatchTagger | None:
    """The shipped CRF as a :class:`~akhbar.analyzers.crf.BatchTagger` (None when it is missing)."""
    t = tagger()
    if t is None:
        return None
    path = resources.files("akhbar.analyzers").joinpath(MODEL)
    return BatchTagger(t, str(path), feature_rows, ROW_WIDTHS, word_mark=_name_starts().__contains__)


_SENTENCE_END = ".!?؟\n"


Word = tuple[int, int, str]  # (start, end, normalized)


def _sentence_cuts(
    text: str, words: Iterable[Word] | None = None, norms: Sequence[str] | None = None
) -> tuple[list[Word], Sequence[str], list[int]]:
    """The text's words that normalize to something, as ``(start, end, normalized)``,
    the normalized words alone, and where its sentences begin among them (the last
    cut is the number of words): at . ! ? ؟ and line ends.  ``words`` and ``norms``,
    when given, are those words already (the indexer's)."""
    if words is None:
        kept = [(m.start(), m.end(), n) for m in iter_words(text) if (n := normalize(m.group()))]
    else:
        kept = words if isinstance(words, list) else list(words)
    if norms is None or len(norms) != len(kept):
        norms = [w for _, _, w in kept]
    cuts = [0]
    marks = _sentence_marks(text)
    if marks:
        starts = list(map(_start, kept))
        for at in marks:  # a mark is never inside a word
            j = bisect_right(starts, at)  # the first word after the mark
            if cuts[-1] < j < len(kept):
                cuts.append(j)
    cuts.append(len(kept))
    return kept, norms, cuts


_start = itemgetter(0)


def _sentence_marks(text: str) -> list[int]:
    """Where the text's sentences end: its . ! ? ؟ and line ends, in order.

    >>> _sentence_marks("قال.\\nثم؟")
    [3, 4, 7]
    """
    # str.find a mark at a time: three times faster than a regex over Arabic text
    out = []
    for mark in _SENTENCE_END:
        at = text.find(mark)
        while at >= 0:
            out.append(at)
            at = text.find(mark, at + 1)
    out.sort()
    return out


def sentences_of(
    text: str, words: Iterable[tuple[int, int, str]] | None = None
) -> Iterable[list[tuple[int, int, str]]]:
    """The text's words, as ``(start, end, normalized)``, cut into sentences at . ! ? ؟
    and line ends; words that normalize to nothing are left out (given ``words``: by the caller).

    >>> [[w for _, _, w in s] for s in sentences_of("قال الوزير. وأضاف: إن")]
    [['قال', 'الوزير'], ['واضاف', 'ان']]
    """
    kept, _, cuts = _sentence_cuts(text, words)
    for a, b in itertools.pairwise(cuts):
        if b > a:
            yield kept[a:b]


def tag_sentences(sentences: Sequence[Sequence[str]]) -> list[list[str]]:
    """BIO tags (B-PERS, I-LOC, O …) for sentences of normalized words, decoded together."""
    t = batch_tagger()
    if t is None:
        return [["O"] * len(words) for words in sentences]
    return t.tag(sentences)


def tag_words(words: Sequence[str]) -> list[str]:
    """BIO tags for one sentence of normalized words.

    >>> tag_words(["التقى", "الرئيس", "فلاديمير", "بوتين"])
    ['O', 'O', 'B-PERS', 'I-PERS']
    """
    return tag_sentences([words])[0]


def forget_caches() -> None:
    """Drop the per-word caches of extraction (an indexing worker that has finished
    its articles gives the memory back); they refill when next needed."""
    _FEATURES.clear()
    for cached in (strip_clitics, skeleton, _known_key, _lookup, _key_of):
        cached.cache_clear()
    if batch_tagger.cache_info().currsize:
        t = batch_tagger()
        if t is not None:
            t.forget()


@cache
def _name_starts() -> dict[str, tuple[int, ...]]:
    """Every word that can begin a known name — a gazetteer name's first word as written,
    with the article or with a clitic — mapped to the word counts of the names it can
    begin, longest first.  Built once: a word missing here begins no name, so the
    indexer asks one dict per word instead of trying each reading of it.

    >>> _name_starts()["وسوريا"], "قال" in _name_starts()
    ((1,), False)
    """
    g = gazetteer()
    candidates = {form for first in g.sizes for form in (first, "ال" + first, *(c + first for c in CLITICS))}
    out = {}
    for word in candidates:
        # a word's readings: as written, without its article, without a clitic
        found = {n for f in (word, _drop_article(word), strip_clitics(word)) for n in g.sizes.get(f, ())}
        if found:
            out[word] = tuple(sorted(found, reverse=True))
    return out


@cache
def _later_words() -> frozenset[str]:
    """Every word that can stand after the first in a known name (with or without its
    article): most words that begin a name (على read as علي) are not followed by one."""
    later = {w for key in gazetteer().in_text for w in key[1:]}
    return frozenset(f for w in later for f in (w, "ال" + w) if _drop_article(f) in later)


def _gazetteer_pass(
    norms: Sequence[str],
    starts: list[tuple[int, tuple[int, ...]]],
    covered: set[int],
    spans: list[tuple[int, int, str]],
    min_size: int,
) -> None:
    """Tag known names of at least ``min_size`` words, longest first, where nothing is
    tagged yet; ``starts`` are the positions where a known name can begin, with the
    word counts of those names that fit there (see :func:`_starts`)."""
    g = gazetteer()
    after = 0  # a name found ends here: the next may not start inside it
    for i, sizes in starts:
        if i < after or i in covered:
            continue
        for size in sizes:
            if size < min_size or (size > 1 and not covered.isdisjoint(range(i, i + size))):
                continue
            key = _known_key((norms[i],) if size == 1 else tuple(norms[i : i + size]))
            if key is not None:
                spans.append((i, i + size, g.names[key][0]))
                covered.update(range(i, i + size))
                after = i + size
                break


def _starts(
    norms: Sequence[str], cuts: list[int], candidates: Iterable[int] | None = None
) -> list[tuple[int, tuple[int, ...]]]:
    """Where a known name can begin among a text's words (cut into sentences at
    ``cuts``), with the word counts of the names that can begin there, longest first:
    those that end within the sentence, and of more than one word only if the next
    word can continue one.  Most such words begin names of two words or more (على
    read as علي, الرئيس) and the next word continues none.  ``candidates``, when
    given, are the positions of the words that can begin a name (the tagger marks them)."""
    sizes = _name_starts()
    later = _later_words()
    if candidates is None:
        candidates = itertools.compress(itertools.count(), map(sizes.__contains__, norms))
    starts = []
    ends = iter(cuts[1:])
    end = 0
    for i in candidates:
        while end <= i:
            end = next(ends)
        fit = sizes[norms[i]]
        if fit[0] > 1:
            if i + 1 < end and norms[i + 1] in later:
                fit = tuple(n for n in fit if n <= end - i)
            else:
                fit = fit[-1:] if fit[-1] == 1 else ()
            if not fit:
                continue
        starts.append((i, fit))
    return starts


_OPENING = "«“"
_HASHTAG = "#@"
_QUOTE = '"'


def _within_punctuation(text: str, sentence: Sequence[tuple[int, int, str]], a: int, b: int) -> tuple[int, int]:
    """Words ``a:b`` cut back to one name: a name does not run across punctuation.
    After an opening quote the quoted name is kept (وكالة «فرانس برس» → فرانس برس,
    the descriptor before it dropped); at any other mark the words before it are
    (أبو نصر"، نهب → أبو نصر).  A hashtag's # is part of its word, not a mark.

    >>> text = 'نقلت وكالة "فرانس برس" الخبر'
    >>> import re
    >>> words = [(m.start(), m.end(), m.group()) for m in re.finditer('[^ "]+', text)]
    >>> a, b = _within_punctuation(text, words, 1, 5)
    >>> text[words[a][0]:words[b - 1][1]]
    'فرانس برس'
    """
    k = a
    while k < b - 1:
        gap = text[sentence[k][1] : sentence[k + 1][0]].strip().strip(_HASHTAG)  # «دونالد #ترمب» is one name
        if gap:
            opening = gap in _OPENING or (gap == _QUOTE and text.count(_QUOTE, 0, sentence[k][1]) % 2 == 0)
            if not opening:
                return a, k + 1
            a = k + 1
        k += 1
    return a, b


def extract_entities(
    text: str, words: Iterable[Word] | None = None, norms: Sequence[str] | None = None
) -> list[EntityMention]:
    """People, places and organizations mentioned in ``text``, with offsets.
    ``words`` may give the text's words already tokenized and normalized, as
    ``(start, end, normalized)``, without those that normalize to nothing, and
    ``norms`` their normalized forms alone (the indexer passes its own).

    >>> [(m.text, m.type) for m in extract_entities("التقى الرئيس الروسي فلاديمير بوتين في دمشق")]
    [('فلاديمير بوتين', 'person'), ('دمشق', 'place')]
    """
    return extract_entities_batch([(text, words, norms)])[0]


TextIn = tuple[str, Iterable[Word] | None] | tuple[str, Iterable[Word] | None, Sequence[str] | None]


def extract_entities_batch(texts: Sequence[TextIn]) -> list[list[EntityMention]]:
    """:func:`extract_entities` of many ``(text, words or None[, norms or None])`` at
    once: the model decodes all their sentences together, which costs far less than
    one by one."""
    read: list[tuple[list[Word], Sequence[str], list[int]]] = []
    words_of_all: list[str] = []  # every sentence's words, for the model to decode together
    lengths: list[int] = []
    for text, words, *given in texts:
        kept, norms, cuts = _sentence_cuts(text, words, given[0] if given and words is not None else None)
        read.append((kept, norms, cuts))
        words_of_all += norms
        lengths += (b - a for a, b in itertools.pairwise(cuts) if b > a)
    t = batch_tagger()
    if t is not None:
        labels, marked = t.tag_and_mark(words_of_all, np.array(lengths, dtype=np.int64))
        tagged = iter(labels)
        # the words that can begin a known name, by text: the tagger marked them
        offsets = np.cumsum([0] + [len(norms) for _, norms, _ in read])
        bounds = np.searchsorted(marked, offsets).tolist()
        within = (marked - offsets[np.searchsorted(offsets, marked, side="right") - 1]).tolist()
        candidates = [within[a:b] for a, b in itertools.pairwise(bounds)]
    else:
        tagged = iter([None] * len(lengths))
        candidates = [None] * len(read)
    out = []
    for (text, *_), (kept, norms, cuts), at in zip(texts, read, candidates, strict=True):
        starts = _starts(norms, cuts, at)
        # each sentence's words the model tagged, by their place in the text
        tags = [
            [(a + i, tag) for i, tag in found] for a, b in itertools.pairwise(cuts) if b > a and (found := next(tagged))
        ]
        out.append(join_surnames(_mentions(text, kept, norms, starts, tags))[0] if starts or tags else [])
    return out


def join_surnames(*texts: list[EntityMention]) -> list[list[EntityMention]]:
    """The mentions of the texts of one article, a person named by one word given the
    key of the one person named in full whose last word it is: «ميغان ماركل … قالت
    ماركل» is one person (news names a person in full once, then by surname).  A word
    that ends two full names (حافظ الأسد, بشار الأسد), or that the gazetteer lists,
    keeps its own key.

    >>> [m.key for m in extract_entities("حضرت الممثلة ميغان ماركل الحفل. وقالت ماركل إنها سعيدة.")]
    ['ميغان ماركل', 'ميغان ماركل']
    """
    full: dict[str, set[str]] = {}
    alone = False
    for mentions in texts:
        for m in mentions:
            if m.type == "person":
                if " " in m.key:
                    full.setdefault(m.key.rpartition(" ")[2], set()).add(m.key)
                else:
                    alone = True
    if not (full and alone):  # most texts: nothing to join
        return list(texts)
    out = []
    for mentions in texts:
        joined = []
        for m in mentions:
            if m.type == "person" and " " not in m.key:
                named = full.get(m.key)
                if named and len(named) == 1 and display_name(m.key) is None:
                    m = EntityMention(m.start, m.end, m.type, m.text, next(iter(named)))
            joined.append(m)
        out.append(joined)
    return out


def _mentions(
    text: str,
    kept: list[Word],
    norms: Sequence[str],
    starts: list[tuple[int, tuple[int, ...]]],
    tagged: list[list[tuple[int, str]]],
) -> list[EntityMention]:
    """A text's mentions: known names of two or more words first (the model may cut
    دير الزور in two), then the model's (``tagged``: for each sentence with any, the
    ``(position, tag)`` of the words it did not tag O), then known one-word names it missed."""
    covered: set[int] = set()
    spans: list[tuple[int, int, str]] = []  # word index range and type
    longer = [start for start in starts if start[1][0] > 1]
    if longer:
        _gazetteer_pass(norms, longer, covered, spans, 2)
    for tags in tagged:
        k = 0
        while k < len(tags):
            i, tag = tags[k]
            k += 1
            # a name begins at B-, or at I- after an O (the word before is not in tags)
            if tag.startswith("B-") or k == 1 or tags[k - 2][0] != i - 1:
                kind = tag[2:]
                inside = "I-" + kind
                j = i + 1
                while k < len(tags) and tags[k] == (j, inside):
                    j += 1
                    k += 1
                if j - i >= 2 and _lookup((norms[i],)) and not _lookup(tuple(norms[i:j])):
                    j = i + 1  # «ترمب يلتقي بوتن»: a known name does not run on into the next words
                if kind in TYPES and covered.isdisjoint(range(i, j)):
                    spans.append((i, j, TYPES[kind]))
                    covered.update(range(i, j))
    if starts:
        _gazetteer_pass(norms, starts, covered, spans, 1)
    out = []
    key_of, mention = _key_of, EntityMention._make
    for a, b, kind in sorted(spans):
        if b - a == 1:  # most mentions are one word: nothing between words to check
            start, end, _ = kept[a]
            written = text[start:end]
            out.append(mention((start, end, kind, written, key_of(written))))
            continue
        a, b = _within_punctuation(text, kept, a, b)
        if a == b:
            continue
        start, end = kept[a][0], kept[b - 1][1]
        # the words without what lies between them (a hashtag's #)
        words_only = text[start:end] if b - a == 1 else " ".join(text[s:e] for s, e, _ in kept[a:b])
        out.append(mention((start, end, kind, text[start:end], key_of(words_only))))
    return out
