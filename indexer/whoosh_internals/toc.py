"""What akhbar writes into Whoosh's table of contents, and how it opens an index.

Whoosh pickles the schema and the segment list into each generation's TOC file and
unpickles them when the index is opened, so every class in them is named by its module
path: an index that pickled ``analyzers.chains.FastArabicAnalyzer`` could no longer be
opened once the package was installed as ``akhbar.analyzers``.  akhbar therefore:

- writes only Whoosh's own classes there: a placeholder schema of stored fields, and
  each segment with Whoosh's ``W3Codec`` in place of :class:`AkhbarCodec`;
- opens an index with the schema rebuilt from the analysis settings in ``akhbar.json``
  (``open_dir(…, schema=…)``, which skips the pickled one) and gives each segment its
  codec back.

So no rename of akhbar's modules can make an index unreadable.  This relies on two
things Whoosh does not document: a segment keeps its codec in ``_codec``, and
:class:`whoosh.index.FileIndex` reads its TOC through ``_read_toc``; the tests that
build, reopen and update indexes hold them.

>>> from whoosh.filedb.filestore import RamStorage
>>> from akhbar.indexer.schema import make_schema
>>> import pickle
>>> placeholder = placeholder_schema(make_schema())
>>> b"akhbar" in pickle.dumps(placeholder), sorted(placeholder.names()) == sorted(make_schema().names())
(False, True)
"""

from __future__ import annotations

import copy

from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import Storage

from akhbar.indexer.whoosh_internals.codec import AkhbarCodec

__all__ = ["AkhbarIndex", "create_index", "open_index", "placeholder_schema", "portable_segments"]


def placeholder_schema(schema: fields.Schema) -> fields.Schema:
    """A schema of Whoosh's own classes with the same field names, for the TOC to hold."""
    return fields.Schema(**{name: fields.STORED() for name in schema.names()})


_MARK = "akhbar_codec"  # on a W3Codec standing in for AkhbarCodec in a TOC: AkhbarCodec's settings


def portable_segments(segments: list) -> list:
    """Copies of ``segments`` that name Whoosh's codec instead of akhbar's (marked, so
    that a segment Whoosh's own codec wrote stays read by it)."""
    out = []
    for segment in segments:
        codec = segment.codec()
        if isinstance(codec, AkhbarCodec):
            segment = copy.copy(segment)
            stand_in = W3Codec()
            setattr(stand_in, _MARK, dict(vars(codec)))
            segment._codec = stand_in
        out.append(segment)
    return out


class AkhbarIndex(whoosh_index.FileIndex):
    """A Whoosh index whose segments are read with :class:`AkhbarCodec` where they were written with it."""

    def _read_toc(self):
        toc = super()._read_toc()
        for segment in toc.segments:
            settings = getattr(segment.codec(), _MARK, None)
            if settings is not None:
                codec = AkhbarCodec()
                vars(codec).update(settings)
                segment._codec = codec
        return toc


def open_index(storage: Storage, schema: fields.Schema) -> AkhbarIndex:
    """The index in ``storage``, read with ``schema`` (not the one pickled in its TOC)."""
    return AkhbarIndex(storage, schema=schema)


def create_index(storage: Storage, schema: fields.Schema) -> AkhbarIndex:
    """A new empty index in ``storage`` whose TOC holds only Whoosh's classes."""
    storage.create().create_index(placeholder_schema(schema))
    return open_index(storage, schema)
