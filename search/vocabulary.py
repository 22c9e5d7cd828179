"""The written forms of an index generation, for fuzzy words and spelling suggestions.

Whoosh finds the terms within N edits of a word by walking a Levenshtein automaton
over its term file, one seek per step: 0.4 s for ``القاهره~2`` on the 30k index.
The same walk over a sorted list in memory takes a sixth of that.  Only the words
that share the query word's first letter are read (misspellings rarely touch the
first letter, and Whoosh's own fuzzy queries assume the same), each letter of each
field once per generation, when first needed.

>>> from whoosh import fields
>>> from whoosh.filedb.filestore import RamStorage
>>> ix = RamStorage().create_index(fields.Schema(body_exact=fields.KEYWORD))
>>> with ix.writer() as w:
...     w.add_document(body_exact="القاهرة القاهره القاهر الكويت")
>>> with ix.searcher() as s:
...     Vocabulary(s.reader()).within("body_exact", "القاهرا", 1)
['القاهر', 'القاهرة', 'القاهره']
"""

from __future__ import annotations

import threading
from bisect import bisect_left

from whoosh.automata.lev import levenshtein_automaton

from akhbar.indexer.deadline import check as check_deadline

__all__ = ["Vocabulary"]


class Vocabulary:
    """Terms of one reader's fields by first letter, read into memory on first use."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._slices: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()

    def terms(self, fieldname: str, letter: str) -> list[str]:
        """The field's terms that begin with ``letter``, sorted."""
        key = (fieldname, letter)
        terms = self._slices.get(key)
        if terms is None:
            with self._lock:
                terms = self._slices.get(key)
                if terms is None:
                    if fieldname in self._reader.schema:
                        found = self._reader.expand_prefix(fieldname, letter)
                        terms = [t.decode("utf-8") if isinstance(t, bytes) else t for t in found]
                    else:
                        terms = []
                    self._slices[key] = terms  # sorted: UTF-8 bytes sort as code points do
        return terms

    def within(self, fieldname: str, word: str, maxdist: int) -> list[str]:
        """The terms of ``fieldname`` within ``maxdist`` edits of ``word`` that begin
        with its first letter, in order (``word`` itself included when indexed)."""
        if not word:
            return []
        terms = self.terms(fieldname, word[0])
        if not terms:
            return []
        dfa = levenshtein_automaton(word, maxdist, prefix=1).to_dfa()
        found: list[str] = []
        i, n = 0, len(terms)
        term = terms[0]
        match = dfa.next_valid_string(term)
        steps = 0
        while match:
            i = bisect_left(terms, match, i)
            if i >= n:
                break
            term = terms[i]
            if term == match:
                found.append(term)
                term += "\0"  # the next string after this one
            match = dfa.next_valid_string(term)
            steps += 1
            if steps % 256 == 0:
                check_deadline()
        return found
