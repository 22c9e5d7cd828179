"""An index generation's entity keys, looked up by word and by spelling.

An entity query widens its key to the keys of the same name spelled otherwise
(:func:`akhbar.analyzers.names.similar_names`), and a text spelling of a name is left out
where it is part of another keyed name.  Both ask the generation's keys — tens of
thousands — a question per query.  Walking the index's lexicon for each took a tenth of
a second or more; here the keys are held as lists (those of the stored entity arrays,
:mod:`akhbar.indexer.entity_table`) and grouped by first letter, each letter's skeletons
computed when a query first needs them.
"""

from __future__ import annotations

from collections.abc import Callable

from akhbar.analyzers.names import G_LETTERS, SPANISH_J, similar_names, skeleton, with_preposition
from akhbar.indexer.schema import ENTITY_INDEX

__all__ = ["EntityKeys"]


def _letter(word: str) -> str:
    """The letter a word's skeleton starts with: a foreign G's four spellings are one,
    and a Spanish J's two (:data:`~akhbar.analyzers.names.SPANISH_J`)."""
    first = word[:1]
    return G_LETTERS[0] if first in G_LETTERS or first == SPANISH_J else first


def _group_key(word: str) -> str:
    """What a key is grouped by: its skeleton, a Spanish J written خ as ج (whether it is
    one is :func:`~akhbar.analyzers.names.similar_names`'s to say)."""
    return skeleton(word).replace(SPANISH_J, "ج")


class EntityKeys:
    """The entity keys of each entity field of one generation.

    >>> keys = EntityKeys({"person": ["دونالد ترامب", "ترامب", "ترمب", "ايفانكا ترامب", "ميغان ماركل"]})
    >>> keys.with_word("ترامب")
    [('person', 'دونالد ترامب'), ('person', 'ترامب'), ('person', 'ايفانكا ترامب')]
    >>> sorted(keys.alike("person", "ترامب")), sorted(keys.ending_alike("person", "ماركيل"))
    (['ترمب'], ['ميغان ماركل'])
    """

    def __init__(self, keys: dict[str, list[str]], articles: Callable[[str, str], int] | None = None) -> None:
        """:param keys: {entity field: its keys}
        :param articles: how many articles a field's key is in (None: unknown, and
            :meth:`with_preposition` takes no key)"""
        self._keys = keys
        self._articles = articles
        self._key_sets: dict[str, frozenset[str]] = {}
        self._text: dict[str, str] = {}
        self._with: dict[str, list[tuple[str, str]]] = {}
        self._groups: dict[tuple[str, bool, str], dict[str, list[tuple[str, str]]]] = {}
        self._letters: dict[tuple[str, bool], dict[str, list[tuple[str, str]]]] = {}

    @classmethod
    def of_reader(cls, reader) -> EntityKeys:
        """The keys as the reader's lexicons hold them (deleted articles' keys too)."""
        return cls(
            {
                fieldname: [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(fieldname)]
                for fieldname in ENTITY_INDEX.values()
                if fieldname in reader.schema
            },
            reader.doc_frequency,
        )

    def with_word(self, word: str) -> list[tuple[str, str]]:
        """The keys that have ``word`` as one of their words, as (field, key)."""
        found = self._with.get(word)
        if found is not None:
            return found
        found = []
        if not word:
            return found
        for fieldname, keys in self._keys.items():
            text = self._text.get(fieldname)
            if text is None:
                text = self._text[fieldname] = "\n" + "\n".join(keys) + "\n"
            # a scan of one string: quicker than a dictionary of every key's words built
            # for the few words a query asks about
            at = text.find(word)
            while at >= 0:
                end = at + len(word)
                if text[at - 1] in " \n" and text[end] in " \n":
                    start = text.rfind("\n", 0, at) + 1
                    stop = text.find("\n", end)
                    found.append((fieldname, text[start:stop]))
                    at = text.find(word, stop)
                else:
                    at = text.find(word, at + 1)
        if len(self._with) < 100_000:
            self._with[word] = found
        return found

    def alike(self, fieldname: str, key: str) -> set[str]:
        """The field's other keys that are spelling variants of ``key``."""
        group = self._group(fieldname, _letter(key), last=False).get(_group_key(key), ())
        return {term for term, _ in group if term != key and similar_names(term, key)}

    def with_preposition(self, fieldname: str, key: str) -> set[str]:
        """The field's keys that are ``key`` with a preposition written on its first word
        (لريال مدريد, see :func:`~akhbar.analyzers.names.with_preposition`), where the
        index writes the name more often without it — بكين is not ب + كين, nor ليون ل + يون
        — and the word with it is not a word of its own the tagger's name lists know
        (بسام, لاوس).

        >>> keys = EntityKeys({"place": ["ريال مدريد", "لريال مدريد", "بكين", "كين"]},
        ...                   lambda f, k: {"ريال مدريد": 900, "بكين": 600}.get(k, 50))
        >>> keys.with_preposition("place", "ريال مدريد"), keys.with_preposition("place", "كين")
        ({'لريال مدريد'}, set())
        """
        from akhbar.analyzers.entities import known_words  # (imports the tagger's lists when first asked)

        if self._articles is None:
            return set()
        indexed = self._key_sets.get(fieldname)
        if indexed is None:
            indexed = self._key_sets[fieldname] = frozenset(self._keys.get(fieldname, ()))
        found = [k for k in with_preposition(key) if k in indexed and k.split(" ", 1)[0] not in known_words()]
        if not found:
            return set()
        bare = self._articles(fieldname, key)
        return {k for k in found if self._articles(fieldname, k) < bare}

    def same_name(self, fieldname: str, key: str) -> set[str]:
        """The field's other keys of the name ``key``: its spellings (:meth:`alike`) and
        any of them with a preposition on (:meth:`with_preposition`)."""
        alike = self.alike(fieldname, key)
        found = set(alike)
        for k in (key, *alike):
            found |= self.with_preposition(fieldname, k)
        found.discard(key)
        return found

    def ending_alike(self, fieldname: str, word: str) -> set[str]:
        """The field's keys of two or more words whose last word is ``word`` or a spelling of it."""
        group = self._group(fieldname, _letter(word), last=True).get(_group_key(word), ())
        return {term for term, last in group if last == word or similar_names(last, word)}

    def _group(self, fieldname: str, letter: str, *, last: bool) -> dict[str, list[tuple[str, str]]]:
        """{skeleton: [(key, the word grouped by)]} of the keys whose whole (or last word,
        ``last``) starts with ``letter``."""
        found = self._groups.get((fieldname, last, letter))
        if found is None:
            found = {}
            for term, word in self._starting(fieldname, last).get(letter, ()):
                found.setdefault(_group_key(word), []).append((term, word))
            self._groups[fieldname, last, letter] = found
        return found

    def _starting(self, fieldname: str, last: bool) -> dict[str, list[tuple[str, str]]]:
        """{letter: [(key, its whole or last word)]}: one pass over the field's keys."""
        found = self._letters.get((fieldname, last))
        if found is None:
            found = {}
            for term in self._keys.get(fieldname, ()):
                if last:
                    before, _, word = term.rpartition(" ")
                    if not before:
                        continue
                else:
                    word = term
                found.setdefault(_letter(word), []).append((term, word))
            self._letters[fieldname, last] = found
        return found
