"""Where a name is written in the text, whether or not the entity tagger keyed it there.

``person:ترامب`` searches the ``person`` keyword field for the name's key (and the keys
of its spelling variants): the articles where the tagger found the name.  The tagger
misses some — a spelling it does not know, a name it cut short — so an entity query
also searches the text for the name's spellings:

* the spellings of the name and its listed aliases, and a listed alias's shorter forms
  (a name of three or more words without its first or last word: صندوق النقد for
  صندوق النقد الدولي);
* their spelling variants in the index's own vocabulary, by the rules the keys use
  (:func:`akhbar.analyzers.names.similar_names`: long vowels, a foreign G, doubled
  letters, hyphens and spaces), each with the clitics it is written with;
* multi-word spellings as phrases.

A spelling counts only where the tagger agrees it is this name in a share of the articles
that contain it (:data:`TAGGED_SHARE`, :data:`TAGGED_SHARE_RARE`): a common word is never
taken for a name without the tagger's say (سلام is a name and "peace"; المتحدة is part of
many names).  A spelling of several words, at least half of them rare, is a name by itself.
An article where the spelling is part of another name the tagger keyed (ترامب in
«إيفانكا ترامب», سوريا in «قوات سوريا الديمقراطية») and this name is not tagged is not a
text match.
Text-only matches score :data:`TEXT_SCORE`, below a tagged match, so tagged articles rank first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from akhbar.analyzers.gazetteer import gazetteer
from akhbar.analyzers.names import CLITICS, G_LETTERS, similar_names, skeleton
from akhbar.analyzers.normalization import normalize
from akhbar.indexer.name_table import FIELD, NameTable, ShardNameTables, groups
from akhbar.search.entity_keys import EntityKeys
from akhbar.search.vocabulary import Vocabulary

__all__ = [
    "NameMatch",
    "NAME_SHARE",
    "NameSpellings",
    "TAGGED_SHARE",
    "TAGGED_SHARE_RARE",
    "TEXT_SCORE",
    "listed_forms",
    "query_only",
    "shortened_name_keys",
    "shorter_forms",
]

TAGGED_SHARE = 0.5
"""A spelling that is also a common word (the training data's ordinary words, the stop
list) is searched as text if the tagger keyed the name in at least this share of the
articles that contain it: more often the name than not."""
TAGGED_SHARE_RARE = 0.25
"""The share for a rarer word: the tagger misses names it does not know in many articles
(تشيلسي, keyed in about two fifths), but a rare word it keys as the name in a quarter of
them is that name."""
TEXT_SCORE = 0.05
"""A text-only match's score: below a tagged match's (a key's BM25 score is above it unless
the name is in nearly every article), so tagged articles rank first."""
MAX_SPELLINGS = 24  # text spellings tried per name (each costs a posting read)
NAME_SHARE = 0.5
"""The share of what is left of a query's time, when it comes to its first name, that
its names together may spend finding their spellings in the text; past it the query
goes on with the spellings found so far (as "did you mean" does) and says so.  A
longer time limit looks further."""


@dataclass
class NameMatch:
    """How one ``person:``/``place:``/``org:``/``entity:`` value was searched."""

    label: str  # as the query wrote it, e.g. "person:ترمب"
    keys: list[str]  # entity keys searched in the keyword fields
    spellings: list[str] = field(default_factory=list)  # also searched as text (normalized)
    left_out: list[str] = field(default_factory=list)  # found in the text, but seldom this name
    starts: dict[str, int] = field(default_factory=dict)  # a text spelling's first word as written → its words
    stopped: bool = False  # the search for spellings ran out of time (NAME_SHARE): these are the ones found

    def describe(self) -> str:
        parts = [f"{self.label}: keys {', '.join(self.keys) or '(none)'}"]
        if self.spellings:
            parts.append(f"as text {', '.join(self.spellings)}")
        if self.left_out:
            parts.append(f"not as text (seldom this name) {', '.join(self.left_out)}")
        if self.stopped:
            parts.append("(stopped looking for more spellings: out of time)")
        return "; ".join(parts)


class NameSpellings:
    """The written forms of one index generation grouped by name skeleton (by first
    letter, when first needed), and the text queries of a name's spellings."""

    def __init__(
        self,
        reader,
        vocabulary: Vocabulary,
        table: NameTable | ShardNameTables | None = None,
        keys: Callable[[], EntityKeys] | None = None,
    ) -> None:
        """:param table: the generation's stored groups (built at index time), if it has them
        :param keys: the generation's entity keys (read from the reader's lexicons when not given)"""
        self._reader = reader
        self._vocabulary = vocabulary
        self._table = table
        self._keys_of = keys or (lambda: EntityKeys.of_reader(reader))
        self._keys: EntityKeys | None = None
        self._by_skeleton: dict[str, dict[str, list[str]]] = {}
        self._variants: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    @property
    def keys(self) -> EntityKeys:
        """The generation's entity keys (read on first use)."""
        if self._keys is None:
            with self._lock:
                if self._keys is None:
                    self._keys = self._keys_of()
        return self._keys

    def keys_with(self, word: str) -> list[tuple[str, str]]:
        """The indexed entity keys that have ``word`` as one of their words, as (field, key)."""
        return self.keys.with_word(word)

    def _bucket(self, letter: str) -> dict[str, list[str]]:
        found = self._by_skeleton.get(letter)
        if found is None:
            with self._lock:
                found = self._by_skeleton.get(letter)
                if found is None:
                    found = self._table.letter(letter) if self._table is not None else None
                    if found is None:  # an index written before the stored groups (or a damaged file)
                        # once per letter and generation, not stopped by a query's time limit:
                        # a bucket left half-built would be built again by every query
                        found = groups(self._vocabulary.terms(FIELD, letter))
                    self._by_skeleton[letter] = found
        return found

    def variants(self, word: str) -> list[str]:
        """The vocabulary's words that are spelling variants of ``word`` (itself
        included when indexed), and the other G of those written with غ (ج → غ → ك),
        in order.  Variants of variants are not followed further: a vowel dropped and
        another added would be another name (سوريا, سريا, سرايا).

        >>> from whoosh import fields
        >>> from whoosh.filedb.filestore import RamStorage
        >>> ix = RamStorage().create_index(fields.Schema(body_exact=fields.KEYWORD))
        >>> with ix.writer() as w:
        ...     w.add_document(body_exact="انجيلا انغيلا انكيلا انجلترا سوريا سريا سرايا")
        >>> with ix.searcher() as s:
        ...     names = NameSpellings(s.reader(), Vocabulary(s.reader()))
        ...     names.variants("انجيلا"), names.variants("سوريا")
        (['انجيلا', 'انغيلا', 'انكيلا'], ['سريا', 'سوريا'])
        """
        cached = self._variants.get(word)
        if cached is not None:
            return cached
        found = set(self._alike(word))
        if (FIELD, word) in self._reader:
            found.add(word)
        for v in [v for v in found if "غ" in v and len(v) >= 4]:  # (جي/غي/قي/كي: syllables, not one name)
            found.update(c for c in self._alike(v) if len(c) == len(v))
        out = sorted(found)
        if len(self._variants) < 100_000:
            self._variants[word] = out
        return out

    def _alike(self, word: str) -> list[str]:
        firsts = G_LETTERS if word[:1] in G_LETTERS else word[:1]
        return [
            candidate
            for letter in firsts
            for candidate in self._bucket(letter).get(skeleton(word), ())
            # ك/ق for a foreign G too: a common word found so is left out by its share
            if similar_names(candidate, word, g_as_k=True)
        ]

    def written(self, fieldname: str, word: str, first: bool) -> list[str]:
        """``word`` as the field holds it: the first word of a name bare and with each
        clitic (وترامب، لترامب), a later word bare and with the article (keys drop it)."""
        forms = [word, *(c + word for c in CLITICS)] if first else [word, "ال" + word]
        return [f for f in forms if (fieldname, f) in self._reader]


def shorter_forms(words: list[str]) -> list[list[str]]:
    """A listed name of three or more words without its first or last word: news
    shortens long names (منظمة التحرير الفلسطينية → منظمة التحرير).

    >>> shorter_forms("منظمه التحرير الفلسطينيه".split())
    [['التحرير', 'الفلسطينيه'], ['منظمه', 'التحرير']]
    """
    if len(words) < 3:
        return []
    return [words[1:], words[:-1]]


@cache
def _forms_by_key() -> dict[str, list[tuple[str, ...]]]:
    g = gazetteer()
    out: dict[str, list[tuple[str, ...]]] = {}
    for words in sorted(g.in_text):
        out.setdefault(normalize(g.names[words][1]), []).append(words)
    return out


def query_only(words: tuple[str, ...]) -> bool:
    """Is this spelling one the gazetteer marks as also an ordinary word ('?' in
    ``data/entities.tsv``: مرسي and the harbour مرسى)?  It never matches as text.

    >>> query_only(("مرسي",)), query_only(("ترمب",))
    (True, False)
    """
    g = gazetteer()
    return words in g.names and words not in g.in_text


@cache
def _keys_by_shorter_form() -> dict[tuple[str, ...], set[str]]:
    out: dict[tuple[str, ...], set[str]] = {}
    for key, forms in _forms_by_key().items():
        for form in forms:
            for shorter in shorter_forms(list(form)):
                out.setdefault(tuple(shorter), set()).add(key)
    return out


def shortened_name_keys(words: tuple[str, ...]) -> set[str]:
    """The keys of the listed names that these words (a key's) are a shorter form of.

    >>> from akhbar.analyzers.gazetteer import entity_key
    >>> key = entity_key("الصحة العالمية", "organization")
    >>> shortened_name_keys(tuple(key.split())) == {entity_key("منظمة الصحة العالمية", "organization")}
    True
    """
    return _keys_by_shorter_form().get(words, set())


def listed_forms(key: str) -> list[tuple[str, ...]]:
    """The gazetteer's forms that tag text by themselves for the name whose key is ``key``.

    >>> from akhbar.analyzers.gazetteer import entity_key
    >>> ("ترمب",) in listed_forms(entity_key("ترامب", "person"))
    True
    """
    return _forms_by_key().get(key, [])
