"""Whoosh's segment writer, with one hot spot of its commit removed.

When Whoosh flushes a segment it asks, for every posting it writes, the length
of that document's field — through the on-disk length column, one ``struct``
read per posting (about a tenth of a 30k-article build).  This writer loads each
length column once into an array and answers from memory.  The bytes written
are the same.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

__all__ = ["BulkSegmentWriter"]


class _LoadedLengths:
    """The ``doc_field_length`` part of a per-document reader, from memory."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._columns: dict[str, list[int] | None] = {}

    def _column(self, fieldname: str) -> list[int] | None:
        try:
            return self._columns[fieldname]
        except KeyError:
            lenfield = _lenfield(fieldname)
            column = None
            if self._reader.has_column(lenfield):
                raw = self._reader.column_reader(lenfield, LENGTHS_COLUMN).load()
                column = [byte_to_length(b) if b else None for b in raw]
            self._columns[fieldname] = column
            return column

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0):
        column = self._column(fieldname)
        return default if column is None else column[docnum]

    def close(self) -> None:
        self._reader.close()


class BulkSegmentWriter(SegmentWriter):
    """A :class:`whoosh.writing.SegmentWriter` whose flush reads field lengths from memory."""

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _LoadedLengths(self.per_document_reader()) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if lengths:
            lengths.close()
