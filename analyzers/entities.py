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

Mentions are grouped into canonical entities by :func:`~akhbar.analyzers.gazetteer.entity_key`: the gazetteer's
canonical name when there is one, else the clitic-free normalized name; for person
names a consonant skeleton (long vowels dropped) joins transliteration variants
(نتنياهو / نتانياهو), applied to names only.

The model is trained with python-crfsuite and decoded by :class:`akhbar.analyzers.crf.BatchTagger`:
label scores per distinct word (news vocabulary is Zipfian), all sentences of a batch of
articles decoded together — the labels crfsuite gives, at a fraction of its cost per token.

This module puts the parts together (spans, then surnames joined to full names); the parts:
``names`` (spelling rules for names), ``gazetteer`` (known names and keys),
``entity_features`` (the model's features), ``sentences`` (where sentences end), ``crf``.
"""

from __future__ import annotations

import gzip
import itertools
import os
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Final, NamedTuple

import numpy as np

from akhbar.analyzers import entity_features, names
from akhbar.analyzers import gazetteer as known_names
from akhbar.analyzers.crf import BatchTagger
from akhbar.analyzers.entity_features import ROW_WIDTHS, feature_rows
from akhbar.analyzers.gazetteer import display_name, known_key, later_words, lookup, name_key, name_starts
from akhbar.analyzers.names import strip_clitics
from akhbar.analyzers.sentences import Word, sentence_cuts
from akhbar.analyzers.stopwords import load_stoplist

TYPES: Final = {"PERS": "person", "LOC": "place", "ORG": "organization"}
MODEL: Final = "models/entities.crfsuite"
NAMES_SUFFIX: Final = ".names"  # the model's name lists, beside it


class EntityMention(NamedTuple):
    """One mention: character offsets into the text, type, the text, its canonical key.
    (A named tuple: an article has a dozen, made four times faster than a frozen dataclass.)"""

    start: int
    end: int
    type: str  # "person", "place" or "organization"
    text: str
    key: str


_model_path: str | None = None  # see use_model


def _model() -> str | None:
    if _model_path is not None:
        return _model_path
    path = resources.files("akhbar.analyzers").joinpath(MODEL)
    return str(path) if path.is_file() else None


def use_model(path: str | None) -> None:
    """Extract with the CRF at ``path`` (and its name lists) from now on (None: the
    shipped one) — for measuring a model trained on part of the data against the rest."""
    global _model_path
    _model_path = path
    tagger.cache_clear()
    batch_tagger.cache_clear()
    name_lists.cache_clear()
    known_words.cache_clear()
    entity_features.forget_caches()


@cache
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, common words) from the training data, shipped beside the model
    (``analyzers/train_entities.py``); empty when missing."""
    path = _model()
    if path is None or not os.path.exists(path + NAMES_SUFFIX):
        return frozenset(), frozenset()
    first, common = set(), set()
    with gzip.open(path + NAMES_SUFFIX, "rt", encoding="utf-8") as f:
        for line in f:
            kind, _, word = line.rstrip("\n").partition("\t")
            (first if kind == "F" else common).add(word)
    g = known_names.gazetteer()  # and the first words of the people it lists
    first |= {words[0] for words, (kind, _) in g.names.items() if kind == "person" and len(words) > 1}
    return frozenset(first), frozenset(common | load_stoplist())


@cache
def known_words() -> frozenset[str]:
    """The words the language knows as its own: the first names and the ordinary words
    of :func:`name_lists` (see :func:`akhbar.analyzers.names.known_apart`)."""
    first, common = name_lists()
    return first | common


@cache
def tagger():
    """The shipped CRF, or None when it is missing (then only the gazetteer tags)."""
    import pycrfsuite

    path = _model()
    if path is None:
        return None
    t = pycrfsuite.Tagger()
    t.open(path)
    return t


@cache
def batch_tagger() -> BatchTagger | None:
    """The shipped CRF as a :class:`~akhbar.analyzers.crf.BatchTagger` (None when it is missing)."""
    t = tagger()
    path = _model()
    if t is None or path is None:
        return None
    return BatchTagger(t, path, feature_rows, ROW_WIDTHS, word_mark=name_starts().__contains__)


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
    names.forget_caches()
    known_names.forget_caches()
    entity_features.forget_caches()
    if batch_tagger.cache_info().currsize:
        t = batch_tagger()
        if t is not None:
            t.forget()


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
    g = known_names.gazetteer()
    after = 0  # a name found ends here: the next may not start inside it
    for i, sizes in starts:
        if i < after or i in covered:
            continue
        for size in sizes:
            if size < min_size or (size > 1 and not covered.isdisjoint(range(i, i + size))):
                continue
            key = known_key((norms[i],) if size == 1 else tuple(norms[i : i + size]))
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
    sizes = name_starts()
    later = later_words()
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
_HASHTAG = "#@_"
"""Marks inside a name: a hashtag's # (and a handle's @) before a word, and the
underscore that joins a hashtag's words (#سيرغي_سكريبال)."""
_QUOTE = '"'


def _within_punctuation(text: str, sentence: Sequence[tuple[int, int, str]], a: int, b: int) -> tuple[int, int]:
    """Words ``a:b`` cut back to one name: a name does not run across punctuation.
    After an opening quote the quoted name is kept (وكالة «فرانس برس» → فرانس برس,
    the descriptor before it dropped); at any other mark the words before it are
    (أبو نصر"، نهب → أبو نصر).  A hashtag's marks (:data:`_HASHTAG`) are not
    punctuation: «دونالد #ترمب» and «#دونالد_ترمب» are one name.

    >>> text = 'نقلت وكالة "فرانس برس" الخبر'
    >>> import re
    >>> words = [(m.start(), m.end(), m.group()) for m in re.finditer('[^ "]+', text)]
    >>> a, b = _within_punctuation(text, words, 1, 5)
    >>> text[words[a][0]:words[b - 1][1]]
    'فرانس برس'
    """
    k = a
    while k < b - 1:
        gap = text[sentence[k][1] : sentence[k + 1][0]].strip().strip(_HASHTAG)
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
        kept, norms, cuts = sentence_cuts(text, words, given[0] if given and words is not None else None)
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
    key of the one person named in full whose last word — or first word — it is:
    «ميغان ماركل … قالت ماركل» is one person (news names a person in full once, then
    by surname), and so is «سيرغي سكريبال … وكان سيرغي» (a bare first name is not
    listed as a person of its own).  A word that ends or begins two full names
    (حافظ الأسد, بشار الأسد), or that the gazetteer lists, keeps its own key.

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
                    full.setdefault(m.key.partition(" ")[0], set()).add(m.key)
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


def _after_descriptors(norms: Sequence[str], i: int, j: int) -> int:
    """Where a person's name tagged as words ``i:j`` begins: after the adjectives of
    origin the tagger took in (الرئيس الأوكراني فولوديمير زيلينسكي: الأوكراني is no
    part of the name) — a word with the article ending in ي or ية before the name's
    last word.

    >>> _after_descriptors(["الاوكراني", "فولوديمير", "زيلينسكي"], 0, 3), _after_descriptors(["الحريري"], 0, 1)
    (1, 0)
    """
    while i < j - 1 and norms[i].startswith("ال") and norms[i].endswith(("ي", "يه")) and len(norms[i]) >= 5:
        i += 1
    return i


def _surname_follows(
    text: str, kept: list[Word], norms: Sequence[str], i: int, tagged_at: set[int], covered: set[int]
) -> bool:
    """Is the word after a first name the tagger took alone its surname?  Yes when the
    first name is a known one (from the training data and the gazetteer) and the next
    word, in the same sentence with nothing between but a hashtag's marks, is none the
    model tagged and no common word (the training data's ordinary words, the stop list,
    trigger words): «الجاسوس الروسي السابق سيرغي سكريبال» names Sergei Skripal, not a Sergei.

    >>> [m.text for m in extract_entities("أصيب الجاسوس الروسي السابق سيرغي سكريبال بالتسمم")]
    ['سيرغي سكريبال']
    >>> [m.key for m in extract_entities("أصيب الجاسوس السابق #سيرغي_سكريبال بالتسمم")]
    ['سيرغي سكريبال']
    """
    j = i + 1
    if j >= len(norms) or j in tagged_at or j in covered:
        return False
    first_names, common = name_lists()
    word = norms[j]
    if strip_clitics(norms[i]) not in first_names:
        return False
    if len(word) < 3 or not word.isalpha() or word in common or word in entity_features.TRIGGERS:
        return False
    if word not in first_names and (strip_clitics(word) in common or _and_a_name(word)):
        return False  # (a first name after a first name is the father's: كوفي is not ك + وفي)
    return not text[kept[i][1] : kept[j][0]].strip().strip(_HASHTAG)


def _and_a_name(word: str) -> bool:
    """Is this word «and» before a first name (وأحمد), rather than a name of its own (وليد)?

    >>> _and_a_name("واحمد"), _and_a_name("وليد")
    (True, False)
    """
    first_names = name_lists()[0]
    return word.startswith("و") and word not in first_names and word[1:] in first_names


def _one_person(text: str, kept: list[Word], norms: Sequence[str], spans: list[tuple[int, int, str]]) -> None:
    """Join a known first name tagged alone to the person the tagger begins right after
    it: «اللواء محمد عبدالقادر جاب الله» is one man, not محمد and عبدالقادر جاب الله —
    Arabic names a person by a run of given names.  Not across punctuation, nor where
    the next begins with «and» (محمد صلاح وأحمد حجازي).

    >>> text = "نفى اللواء محمد عبدالقادر جاب الله، رئيس هيئة موانئ البحر الأحمر"
    >>> [m.text for m in extract_entities(text) if m.type == "person"]
    ['محمد عبدالقادر جاب الله']
    """
    first_names = name_lists()[0]
    spans.sort()
    k = 0
    while k < len(spans) - 1:
        (a, b, kind), (c, d, other) = spans[k], spans[k + 1]
        if (
            kind == other == "person"
            and b - a == 1
            and c == b
            and strip_clitics(norms[a]) in first_names
            and not _and_a_name(norms[c])
            and not text[kept[a][1] : kept[c][0]].strip()
        ):
            spans[k : k + 2] = [(a, d, kind)]
        else:
            k += 1


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
    tagged_at = {i for tags in tagged for i, _ in tags}
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
                if j - i >= 2 and lookup((norms[i],)) and not lookup(tuple(norms[i:j])):
                    j = i + 1  # «ترمب يلتقي بوتن»: a known name does not run on into the next words
                if kind == "PERS":
                    i = _after_descriptors(norms, i, j)
                    if j - i == 1 and _surname_follows(text, kept, norms, i, tagged_at, covered):
                        j += 1
                if kind in TYPES and covered.isdisjoint(range(i, j)):
                    spans.append((i, j, TYPES[kind]))
                    covered.update(range(i, j))
    if starts:
        _gazetteer_pass(norms, starts, covered, spans, 1)
    if len(spans) > 1:
        _one_person(text, kept, norms, spans)
    out = []
    key_of, mention = name_key, EntityMention._make
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
