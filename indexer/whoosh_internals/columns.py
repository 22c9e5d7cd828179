"""A column's values for every document of a reader, however many segments it has.

Whoosh's column reader over several segments (``MultiColumnReader``) has a length of 0
and leaves out the segments that have no such column (a segment whose articles all
lack a source writes none): its values no longer line up with document numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["column_values"]


def column_values(reader, name: str, *, missing=None, translate: bool = True) -> Iterator:
    """Each document's value of column ``name`` in document-number order (``missing``
    for the documents of a segment without the column); ``reader.doc_count_all()`` values.

    >>> from whoosh import fields
    >>> from whoosh.filedb.filestore import RamStorage
    >>> ix = RamStorage().create_index(fields.Schema(source=fields.ID(sortable=True)))
    >>> with ix.writer() as w:
    ...     w.add_document()
    >>> with ix.writer() as w:
    ...     w.add_document(source="BBC")
    >>> with ix.reader() as r:
    ...     list(column_values(r, "source", missing=""))
    ['', 'BBC']
    """
    for leaf, _ in reader.leaf_readers():
        if leaf.has_column(name):
            yield from leaf.column_reader(name, translate=translate)
        else:
            yield from (missing for _ in range(leaf.doc_count_all()))
