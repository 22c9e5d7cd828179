"""The body's written forms grouped by name skeleton, stored with each index generation.

Entity queries look for a name in the text in every spelling
(:mod:`akhbar.search.name_spellings`): the body's words that share its consonant
skeleton (:func:`akhbar.analyzers.names.skeleton`).  Grouping a letter's words by skeleton
takes a few tenths of a second on 30,000 articles, and a name touches one to three letters;
grouped once at index time, a query — and a one-shot command — reads just the letters it
needs from the generation's file.

The file: one JSON line ``{letter: [offset, length]}``, then for each letter a
zstd-compressed JSON object ``{skeleton: [words, in lexicon order]}``.  Generations are never
changed once published, so a reader can trust the file of the generation it reads; an
index written before this file existed simply has none, and queries group the words
themselves.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable
from pathlib import Path

import zstandard

from akhbar.analyzers.names import skeleton

__all__ = ["FIELD", "FILE", "NameTable", "ShardNameTables", "build_table", "groups", "write_table"]

FILE = "name_skeletons.akhbar"
FIELD = "body_exact"
"""The field whose written forms are grouped: the body's words as written (normalized)."""

Table = dict[str, dict[str, list[str]]]


def build_table(reader) -> Table:
    """{first letter: {skeleton: words}} of the reader's body vocabulary: the candidates
    among which :func:`akhbar.analyzers.names.similar_names` finds a name's spellings.

    >>> from whoosh import fields
    >>> from whoosh.filedb.filestore import RamStorage
    >>> ix = RamStorage().create_index(fields.Schema(body_exact=fields.KEYWORD))
    >>> with ix.writer() as w:
    ...     w.add_document(body_exact="ميركل ميركيل ماركل موسكو")
    >>> with ix.reader() as r:
    ...     build_table(r)["م"][skeleton("ميركل")]
    ['ماركل', 'ميركل', 'ميركيل']
    """
    if FIELD not in reader.schema:
        return {}
    words = (t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(FIELD))
    # the lexicon is sorted, so each first letter's words come together
    return {letter: groups(same) for letter, same in itertools.groupby(filter(None, words), key=lambda w: w[0])}


def groups(words: Iterable[str]) -> dict[str, list[str]]:
    """{skeleton: words, in the order given}: one first letter's words as a query needs them."""
    of = skeleton.__wrapped__  # each word once: not through the queries' cache
    found: dict[str, list[str]] = {}
    for word in words:
        found.setdefault(of(word), []).append(word)
    return found


def write_table(folder: Path, table: Table) -> None:
    """Write ``table`` as ``folder``/FILE (replacing a file linked from an older generation)."""
    compress = zstandard.ZstdCompressor(level=3).compress
    chunks = {
        letter: compress(json.dumps(groups, ensure_ascii=False).encode("utf-8")) for letter, groups in table.items()
    }
    offsets, at = {}, 0
    for letter, chunk in chunks.items():
        offsets[letter] = [at, len(chunk)]
        at += len(chunk)
    tmp = folder / f".{FILE}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(json.dumps(offsets, ensure_ascii=False).encode("utf-8") + b"\n")
        for chunk in chunks.values():
            f.write(chunk)
    os.replace(tmp, folder / FILE)


class NameTable:
    """A generation's stored table, read a letter at a time."""

    def __init__(self, path: Path) -> None:
        self._path = path
        with open(path, "rb") as f:
            header = f.readline()
        self._offsets: dict[str, list[int]] = json.loads(header)
        self._start = len(header)

    @classmethod
    def open(cls, folder: Path) -> NameTable | None:
        """The table of the generation in ``folder``, or None (an index from before it, or damaged)."""
        try:
            return cls(folder / FILE)
        except (OSError, ValueError):
            return None

    @classmethod
    def open_all(cls, folders: list[Path]) -> NameTable | ShardNameTables | None:
        """The table of one generation, or of an archive's shards read as one (see
        :class:`ShardNameTables`); None if any of them has none."""
        tables = [cls.open(folder) for folder in folders]
        if not tables or any(t is None for t in tables):
            return None
        return tables[0] if len(tables) == 1 else ShardNameTables(tables)  # type: ignore[arg-type]

    def letter(self, letter: str) -> dict[str, list[str]] | None:
        """{skeleton: words} of the words beginning with ``letter`` ({} for none; None if unreadable)."""
        where = self._offsets.get(letter)
        if where is None:
            return {}
        try:
            with open(self._path, "rb") as f:
                f.seek(self._start + where[0])
                return json.loads(zstandard.ZstdDecompressor().decompress(f.read(where[1])))
        except (OSError, ValueError, zstandard.ZstdError):
            return None


class ShardNameTables:
    """The stored tables of an archive's shards, read as one: a letter's groups are the
    union of each shard's, every group's words in lexicon order, as a table built from the
    archive's whole vocabulary would hold them."""

    def __init__(self, tables: list[NameTable]) -> None:
        self._tables = tables

    def letter(self, letter: str) -> dict[str, list[str]] | None:
        """{skeleton: words} of the words beginning with ``letter`` (None if a shard's is unreadable)."""
        merged: dict[str, set[str]] = {}
        for table in self._tables:
            groups = table.letter(letter)
            if groups is None:
                return None
            for shape, words in groups.items():
                merged.setdefault(shape, set()).update(words)
        return {shape: sorted(words) for shape, words in merged.items()}
