"""Everything akhbar does with whoosh-reloaded's private parts, in one place.

Whoosh's public API (schemas, queries, searchers, collectors, matchers' ``id()``/``next()``)
is used everywhere else.  What lies below it is used only here, and it is why
``pyproject.toml`` pins whoosh-reloaded below the next minor release: a new one must
pass the tests before it is allowed.  The differential tests (``tests/test_codec.py``,
``test_writer.py``, ``test_accumulate.py``) compare each piece with Whoosh's own code and
are the guard.

- :mod:`.codec` — ``AkhbarCodec``, a subclass of W3's codec: block-compressed stored
  fields (W3's per-document writer and reader, their columns, ``_create_column``) and
  rare terms inlined in the term index (``W3TermInfo``'s fields ``_df``, ``_weight``,
  ``_minlength`` …, W3's postings writer and field cursor, the ordered hash file's
  ``_write_hashes``); leaf matchers check the query deadline in ``_read_data``.
- :mod:`.writer` — ``BulkSegmentWriter``, a ``SegmentWriter`` whose posting pool is
  replaced by per-term buffers (``_finalize_segment``, ``_close_segment``,
  ``_commit_toc``, the per-document writer's length columns, ``_lenfield``).
- :mod:`.toc` — what goes into the TOC: Whoosh's classes only; a segment's ``_codec``,
  ``FileIndex._read_toc``.
- :mod:`.postings` — posting blocks read as arrays (``W3LeafMatcher._data``,
  ``_read_data``, ``_next_block``, ``_read_ids``, ``_read_weights``, ``_read_values``,
  ``_maxid``; a deletions ``FilterMatcher``'s ``_ids``/``_exclude``), field lengths (a segment
  reader's ``_perdoc``, ``_lenfield``, the byte column's ``_dbfile``/``_basepos``/``_count``),
  BM25F's per-field B (``_field_B``).
- :mod:`.collecting` — one counting pass: a collector's ``child`` and ``replace``.
- :mod:`.storage` — compound segments read in place: ``whoosh.filedb.compound.BufferFile``
  replaced by a subclass whose ``file`` reads the memory map without copying it.
"""

RELIED_ON = (
    "_perdoc",
    "_field_B",
    "_lenfield",
    "_data",
    "_read_data",
    "_next_block",
    "_read_ids",
    "_read_weights",
    "_read_values",
    "_maxid",
    "_exclude",
    "_codec",
    "_read_toc",
    "_commit_toc",
    "_finalize_segment",
    "_close_segment",
    "_create_column",
    "_write_hashes",
    "_btexts",
)
"""Private Whoosh names used here; ``tests/test_whoosh_internals.py`` checks that no
other module of akhbar uses them."""
