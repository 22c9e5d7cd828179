"""Every entity key's articles, as arrays, stored with each index generation.

Per entity type: the keys (in lexicon order) and two parallel arrays over all the type's
postings, the key's number and the article's number.  Facets and entity listings count
keys among any set of hits with one ``bincount``, and entity queries find the articles of
many keys at once (:mod:`akhbar.search.entity_counts`).  Reading them from the postings
takes about a second on 30,000 articles; stored at index time, a reader maps them in.
Deleted articles are left out.  An index written before this file existed has none: the
arrays are then read from the postings on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from akhbar.indexer.schema import ENTITY_INDEX
from akhbar.indexer.whoosh_internals.postings import leaf_postings

__all__ = ["FILE", "EntityArrays", "read_arrays", "read_from_index", "read_shard_arrays", "write_arrays"]

FILE = "entity_postings.npz"


@dataclass(frozen=True)
class EntityArrays:
    """One type's keys, and for each posting its key's number and its article."""

    keys: list[str]
    key_of: np.ndarray  # int32
    doc_of: np.ndarray  # int64


def read_from_index(reader) -> tuple[int, dict[str, EntityArrays]]:
    """(articles in the index, deleted ones counted; {type: arrays}) read from the postings."""
    leaves = reader.leaf_readers()  # (segment reader, its first document number)
    out = {}
    for kind, fieldname in ENTITY_INDEX.items():
        number: dict[bytes, int] = {}
        key_of: list[np.ndarray] = []
        doc_of: list[np.ndarray] = []
        for leaf, offset in leaves:
            if fieldname in leaf.schema:
                for key, ids in _field_postings(leaf, fieldname):
                    doc_of.append(ids + offset)
                    key_of.append(np.full(len(ids), number.setdefault(key, len(number)), dtype=np.int32))
        out[kind] = EntityArrays(
            [key.decode("utf-8") for key in number],
            np.concatenate(key_of) if key_of else np.zeros(0, dtype=np.int32),
            np.concatenate(doc_of) if doc_of else np.zeros(0, dtype=np.int64),
        )
    return reader.doc_count_all(), out


def _field_postings(reader, fieldname: str) -> Iterator[tuple[bytes, np.ndarray]]:
    """Each term of a field of one segment with its live articles, in term order: most
    entity keys are rare and their postings are inlined in the term's entry, read in
    the same pass instead of being looked up term by term."""
    deleted = None
    if reader.has_deletions():
        live = np.fromiter(reader.all_doc_ids(), dtype=np.int64)
        deleted = np.setdiff1d(np.arange(reader.doc_count_all()), live)
    for key, info in reader.iter_field(fieldname):
        if info.is_inlined():
            ids = np.array(info.inlined_postings()[0], dtype=np.int64)
            if deleted is not None:
                ids = ids[~np.isin(ids, deleted)]
        else:
            ids = leaf_postings(reader.postings(fieldname, key))[0]
        if len(ids):
            yield key, ids


def write_arrays(folder: Path, size: int, arrays: dict[str, EntityArrays]) -> None:
    """Write the arrays as ``folder``/FILE (replacing a file linked from an older generation)."""
    parts: dict[str, np.ndarray] = {"size": np.array([size], dtype=np.int64)}
    for kind, a in arrays.items():
        parts[f"{kind}.keys"] = np.frombuffer("\n".join(a.keys).encode("utf-8"), dtype=np.uint8)
        parts[f"{kind}.key_of"] = a.key_of
        parts[f"{kind}.doc_of"] = a.doc_of.astype(np.int32)  # article numbers: half the file
    tmp = folder / f".{FILE}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        np.savez_compressed(f, **parts)
    os.replace(tmp, folder / FILE)


def read_arrays(folder: Path, size: int) -> dict[str, EntityArrays] | None:
    """The arrays stored in ``folder`` for an index of ``size`` articles, or None (none
    stored, damaged, or not of this index)."""
    try:
        with np.load(folder / FILE, allow_pickle=False) as stored:
            if int(stored["size"][0]) != size:
                return None
            out = {}
            for kind in ENTITY_INDEX:
                text = stored[f"{kind}.keys"].tobytes().decode("utf-8")
                out[kind] = EntityArrays(
                    text.split("\n") if text else [],
                    stored[f"{kind}.key_of"],
                    stored[f"{kind}.doc_of"].astype(np.int64),
                )
            return out
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        return None


def read_shard_arrays(folders: list[Path], sizes: list[int]) -> dict[str, EntityArrays] | None:
    """The arrays of an archive's shards (their generation ``folders``, their ``sizes`` in
    articles, deleted ones counted) as one archive's: each shard's key numbers mapped to
    the archive's, its article numbers moved past the shards before it.  None if a shard
    has none stored."""
    if len(folders) != len(sizes):
        return None
    parts = [read_arrays(folder, size) for folder, size in zip(folders, sizes, strict=True)]
    if any(part is None for part in parts):
        return None
    bases = np.cumsum([0, *sizes[:-1]])
    out = {}
    for kind in ENTITY_INDEX:
        number: dict[str, int] = {}
        key_of, doc_of = [], []
        for part, base in zip(parts, bases, strict=True):
            assert part is not None
            a = part[kind]
            renumber = np.array([number.setdefault(key, len(number)) for key in a.keys], dtype=np.int32)
            key_of.append(renumber[a.key_of] if len(a.keys) else a.key_of)
            doc_of.append(a.doc_of + base)
        out[kind] = EntityArrays(list(number), np.concatenate(key_of), np.concatenate(doc_of))
    return out
