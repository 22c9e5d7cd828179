"""The gazetteer: known names, their types, canonical spellings and aliases, and the keys that group mentions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from akhbar.analyzers.names import CLITICS, drop_article, similar_names, skeleton, strip_clitics
from akhbar.analyzers.normalization import normalize


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
            as_written = tuple([written[0], *(drop_article(w) for w in written[1:])])
            no_article = tuple([drop_article(written[0]), *as_written[1:]])
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
    ف + الرقة, which would be written «فالرقة».  A first word «عبد» + a name is also read
    as the two words it is as often written (عبدالفتاح السيسي, عبد الفتاح السيسي).

    >>> _keys(("عبدالفتاح", "السيسي"))
    [('عبدالفتاح', 'سيسي'), ('عبد', 'فتاح', 'سيسي')]
    """
    rest = tuple(drop_article(w) for w in words[1:])
    first = words[0]
    out = [(first, *rest)]
    articled = gazetteer().articled
    for bare, article in ((drop_article(first), True), (strip_clitics(first), None)):
        key = (bare, *rest)
        if bare == first or key in out:
            continue
        if article is None:  # a clitic: did it hold the article?
            clitic = first[: len(first) - len(bare)]
            article = clitic.endswith("ال") or clitic == "لل"
        if (key in articled) == bool(article):
            out.append(key)
    for key in list(out):
        if key[0].startswith(_SERVANT) and len(key[0]) >= len(_SERVANT) + 3:
            out.append((_SERVANT, drop_article(key[0][len(_SERVANT) :]), *key[1:]))
    return out


_SERVANT = "عبد"  # «servant of»: begins a compound given name, written joined or apart


@lru_cache(maxsize=100_000)
def known_key(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """The gazetteer's key for these words read as a name, if it knows one."""
    g = gazetteer()
    return next((k for k in _keys(words) if k in g.in_text), None)


@lru_cache(maxsize=100_000)
def listed(words: tuple[str, ...]) -> tuple[str, str] | None:
    """(type, canonical) of a name listed in these very words (read with or without their
    article and clitic, as :func:`lookup` reads them; no spelling variants).

    >>> listed(("غزه",)), listed(("غزاه",))
    (('place', 'غزة'), None)
    """
    g = gazetteer()
    return next((g.names[k] for k in _keys(words) if k in g.names), None)


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
    return name_key(text)


@lru_cache(maxsize=100_000)
def name_key(text: str) -> str:
    words = normalize(text).split()
    found = lookup(words)
    if found:
        return normalize(found[1])
    # a name nobody listed keeps its letters: only و and the article go (كيليان, كوفي,
    # بريطانيا start with what looks like a preposition, فولوديمير and فيصل with ف, which
    # news seldom puts before a name) — unless that leaves a listed name's key, a reading
    # lookup() refused (الجدة is not جدة)
    first = words[0]
    for c in ("وال", "فال", "ال", "و"):
        if first.startswith(c) and len(first) - len(c) >= 3:
            first = first[len(c) :]
            break
    rest = [drop_article(w) for w in words[1:]]
    key = " ".join([first, *rest])
    if first != words[0] and key in _canonical_names():
        key = " ".join([words[0], *rest])
    return key


@cache
def word_kinds() -> dict[str, str]:
    out: dict[str, str] = {}
    for words, (kind, _) in gazetteer().names.items():
        for w in words:
            out.setdefault(w, kind)
    return out


@cache
def name_starts() -> dict[str, tuple[int, ...]]:
    """Every word that can begin a known name — a gazetteer name's first word as written,
    with the article or with a clitic — mapped to the word counts of the names it can
    begin, longest first.  Built once: a word missing here begins no name, so the
    indexer asks one dict per word instead of trying each reading of it.

    >>> name_starts()["وسوريا"], "قال" in name_starts()
    ((1,), False)
    """
    g = gazetteer()
    candidates = {form for first in g.sizes for form in (first, "ال" + first, *(c + first for c in CLITICS))}
    out = {}
    for word in candidates:
        # a word's readings: as written, without its article, without a clitic
        found = {n for f in (word, drop_article(word), strip_clitics(word)) for n in g.sizes.get(f, ())}
        if found:
            out[word] = tuple(sorted(found, reverse=True))
    return out


@cache
def later_words() -> frozenset[str]:
    """Every word that can stand after the first in a known name (with or without its
    article): most words that begin a name (على read as علي) are not followed by one."""
    later = {w for key in gazetteer().in_text for w in key[1:]}
    return frozenset(f for w in later for f in (w, "ال" + w) if drop_article(f) in later)


def forget_caches() -> None:
    """Drop the per-name caches (see :func:`akhbar.analyzers.entities.forget_caches`)."""
    for cached in (known_key, _lookup, name_key):
        cached.cache_clear()
