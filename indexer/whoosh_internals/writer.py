"""The segment writer: postings grouped by term as documents arrive, written a
term at a time (segments use :class:`~akhbar.indexer.whoosh_internals.codec.AkhbarCodec`).

Whoosh's :class:`~whoosh.writing.SegmentWriter` puts every posting through a
chain of Python calls — the field's ``index()``, the pool's ``add()``, a sort of
all postings as tuples (spilled to temporary runs beyond ``limitmb``), a heap
merge of the runs, and one ``add_posting()`` per posting when the segment is
written — about 2 ms of one core per news article, as much as all of a plain
Whoosh build.  Here:

* the analysis workers hand over each text field already as :class:`Postings`
  (terms, frequencies and encoded positions: :func:`postings_of`), so the writer
  neither analyses nor encodes;
* each posting is appended, as a packed record, to its term's ``bytearray`` in a
  dict per field (:class:`_PostingBuffer`) — documents arrive in order, so every
  term's postings are already sorted and nothing is sorted but the terms.  Records
  are compact: a word seen once in a field is its docnum and position (6 bytes;
  Whoosh's encoded value alone is 13), an integer weight takes 2 bytes;
* a term's postings are written in whole blocks
  (:meth:`akhbar.indexer.whoosh_internals.codec._PostingsWriter.write_postings`): the bytes Whoosh
  writes, without the per-posting calls;
* when the buffer outgrows ``limitmb`` the segment is written and a new one
  begun, so a large build holds a few segments instead of spilling runs to disk;
* the final commit's encoding (:func:`encode_terms`, pure) can run in other
  processes: the build hands it to its idle analysis workers (``encoder``).

Fields given as plain values (ids, dates, entity keys) go through the field's
own ``index()`` into the same buffer; merging existing segments into this one
(Whoosh's ``add_reader``) does too.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from whoosh import fields, formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.index import TOC, clean_files
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from akhbar.indexer.whoosh_internals.codec import AkhbarCodec, BlockSettings, InlineTermInfo, encode_postings
from akhbar.indexer.whoosh_internals.toc import placeholder_schema, portable_segments

__all__ = ["BulkSegmentWriter", "Postings", "by_frequency", "keywords", "positional", "postings_of"]

# Records in a field with values: docnum and a tag.  Most postings of a positional field are a
# word's one occurrence in the article; the tag is then its position (weight 1), six bytes where
# Whoosh's encoded value alone takes thirteen.  Tag _GENERAL: weight, value size, the value's bytes.
_TAGGED = struct.Struct("<IH")
_GENERAL = 0xFFFF
_WEIGHT_AND_SIZE = struct.Struct("<fI")
# Records in a field without values: docnum and its (integer) weight; a weight that is not an
# integer below _GENERAL is written as _GENERAL followed by the weight as a float.
_BARE = struct.Struct("<IH")
_FLOAT = struct.Struct("<f")
_ESCAPED = _GENERAL.to_bytes(2, "little")
_TERM_COST = 150  # bytes of Python objects a new term costs in the buffer, roughly
_ONE_POSITION: dict[int, bytes] = {}  # Whoosh's encodings of a single position, shared
_ENCODE = formats.Positions().encode


class Postings(NamedTuple):
    """A text field of one document, analysed: what Whoosh's ``field.index()`` yields.

    ``values`` is None for a field whose format keeps none (frequency-only fields).
    In a positional field a term seen once is given by its position (an int: small
    to pickle and to buffer); :func:`one_position` is its encoded value.
    """

    length: int  # tokens in the field: Whoosh's field length
    terms: list[bytes]
    weights: list[int]
    values: list[bytes | int] | None

    def __reduce__(self):
        # workers send documents pickled: the terms go as one string, which pickles in a
        # half the time a list of them takes (no term holds a NUL: the count shows it)
        joined = b"\0".join(self.terms)
        if not self.terms or joined.count(b"\0") != len(self.terms) - 1:
            return Postings, tuple(self)
        return _joined_postings, (self.length, joined, self.weights, self.values)


def _joined_postings(length: int, joined: bytes, weights: list[int], values: list[bytes | int] | None) -> Postings:
    return Postings(length, joined.split(b"\0"), weights, values)


def postings_of(tokens: Sequence[str], positions: bool) -> Postings:
    """The postings of a field holding ``tokens`` (at positions 0, 1, 2 …), with
    Whoosh's ``Positions`` encoding of each term's positions when ``positions``.

    >>> p = postings_of(["ملك", "اردن", "ملك"], positions=True)
    >>> p.length, [t.decode() for t in p.terms], p.weights
    (3, ['ملك', 'اردن'], [2, 1])
    >>> formats.Positions().decode_positions(p.values[0]), p.values[1]
    ([0, 2], 1)
    >>> postings_of(["ملك", "اردن", "ملك"], positions=False).values is None
    True
    """
    if not positions:
        counts: dict[str, int] = {}
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        return by_frequency(counts, len(tokens))
    where: dict[str, list[int]] = {}
    for i, t in enumerate(tokens):
        if t in where:
            where[t].append(i)
        else:
            where[t] = [i]
    return positional(where, len(tokens))


def by_frequency(counts: dict[str, int], length: int) -> Postings:
    """The postings of a frequency-only field: term → how often, ``length`` tokens in all."""
    return Postings(length, [t.encode() for t in counts], list(counts.values()), None)


def keywords(keys: Iterable[str]) -> Postings:
    """The postings of a weight-only ``KEYWORD`` field (see :mod:`indexer.schema`)
    holding these distinct keys — what ``field.index(",".join(keys))`` gives, without
    the writer running Whoosh's keyword analyzer for every article.

    >>> from akhbar.indexer.schema import WeightOnly
    >>> field = fields.KEYWORD(commas=True)
    >>> field.format = WeightOnly()
    >>> p = keywords(["دونالد ترامب", "بوتين"])
    >>> [(t, 1, w, b"") for t, w in zip(p.terms, p.weights)] == list(field.index("دونالد ترامب,بوتين"))
    True
    >>> p.values is None
    True
    """
    terms = [k.encode() for k in keys]
    return Postings(0, terms, [1] * len(terms), None)


def positional(where: dict[str, list[int]], length: int) -> Postings:
    """The postings of a positional field: term → its positions, ``length`` tokens in all."""
    values = [ps[0] if len(ps) == 1 else _ENCODE(ps) for ps in where.values()]
    return Postings(length, [t.encode() for t in where], [len(ps) for ps in where.values()], values)


def one_position(position: int) -> bytes:
    """Whoosh's ``Positions`` value of a term found once, at ``position`` (cached)."""
    v = _ONE_POSITION.get(position)
    if v is None:
        v = _ONE_POSITION[position] = _ENCODE([position])
    return v


def _general(docnum: int, weight: float, value: bytes | int) -> bytes:
    """A record with its weight and value spelled out (see _TAGGED)."""
    if type(value) is int:
        value = one_position(value)
    return _TAGGED.pack(docnum, _GENERAL) + _WEIGHT_AND_SIZE.pack(weight, len(value)) + value


class _PostingBuffer:
    """The postings of the segment being written: per field, term → packed records.

    Also stands in for Whoosh's posting pool (``add``, ``cleanup``), through which
    ``add_reader`` merges existing segments into the one being written.
    """

    def __init__(self, schema) -> None:
        self._schema = schema
        self.fields: dict[str, dict[bytes, bytearray]] = {}
        self._has_values: dict[str, bool] = {}
        self.size = 0  # bytes held, roughly

    def has_values(self, fieldname: str) -> bool:
        return self._has_values[fieldname]

    def _terms(self, fieldname: str) -> dict[bytes, bytearray]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self._has_values[fieldname] = self._schema[fieldname].format.fixed_value_size() != 0
        return terms

    def add_postings(self, fieldname: str, docnum: int, terms: Iterable[bytes], weights, values) -> None:
        """One document's postings in one field; ``values`` None when it has none."""
        field_terms = self._terms(fieldname)
        if self._has_values[fieldname]:
            tagged = _TAGGED.pack
            records = [
                tagged(docnum, value) if type(value) is int and value < _GENERAL else _general(docnum, weight, value)
                for weight, value in zip(weights, values, strict=True)
            ]
        else:
            bare = _BARE.pack
            records = [
                bare(docnum, whole)
                if (whole := int(weight)) == weight and 0 <= whole < _GENERAL
                else bare(docnum, _GENERAL) + _FLOAT.pack(weight)
                for weight in weights
            ]
        new = 0
        for term, record in zip(terms, records, strict=True):
            held = field_terms.get(term)
            if held is None:
                field_terms[term] = bytearray(record)
                new += 1
            else:
                held += record
        added = sum(map(len, records))
        self.size += added + new * _TERM_COST

    def add(self, item: tuple) -> None:
        """Whoosh's pool interface: one ``(fieldname, btext, docnum, weight, value)``."""
        fieldname, btext, docnum, weight, value = item
        self.add_postings(fieldname, docnum, (btext,), (weight,), (value or b"",))

    def take(self, fieldname: str, budget: int = 4 << 20) -> Iterator[list[tuple[bytes, bytes]]]:
        """The field's terms in order, with their packed records, taken out of the buffer
        in chunks of about ``budget`` bytes."""
        terms = self.fields[fieldname]
        chunk: list[tuple[bytes, bytes]] = []
        size = 0
        for btext in sorted(terms):
            held = bytes(terms.pop(btext))
            chunk.append((btext, held))
            size += len(held) + 64
            if size >= budget:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    def cleanup(self) -> None:
        self.fields.clear()
        self.size = 0


class FieldJob(NamedTuple):
    """What encoding a field's terms needs besides the terms: see :func:`encode_terms`."""

    fixed_size: int | None  # the format's value size (0: none, None: variable)
    has_values: bool  # records carry values
    lengths: Sequence[int] | None  # field length by document number
    blocks: BlockSettings


def decode_records(held: bytes, has_values: bool) -> tuple[list[int], list[float], list[bytes] | None]:
    """A term's packed records → document numbers, weights, values (None without values)."""
    if not has_values:
        if _ESCAPED not in held:  # no float weights (the bytes can occur otherwise too: then the loop)
            records = list(_BARE.iter_unpack(held))
            return [r[0] for r in records], [float(r[1]) for r in records], None
        ids, weights = [], []
        offset, end = 0, len(held)
        while offset < end:
            docnum, weight = _BARE.unpack_from(held, offset)
            offset += _BARE.size
            if weight == _GENERAL:
                (weight,) = _FLOAT.unpack_from(held, offset)
                offset += _FLOAT.size
            ids.append(docnum)
            weights.append(float(weight))
        return ids, weights, None
    ids, weights, values = [], [], []
    unpack, unpack_general = _TAGGED.unpack_from, _WEIGHT_AND_SIZE.unpack_from
    head, general = _TAGGED.size, _WEIGHT_AND_SIZE.size
    offset, end = 0, len(held)
    while offset < end:
        docnum, tag = unpack(held, offset)
        offset += head
        ids.append(docnum)
        if tag != _GENERAL:
            weights.append(1.0)
            values.append(_ONE_POSITION.get(tag) or one_position(tag))
            continue
        weight, size = unpack_general(held, offset)
        offset += general
        weights.append(weight)
        values.append(held[offset : offset + size])
        offset += size
    return ids, weights, values


def encode_terms(field: FieldJob, terms: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes, bytes]]:
    """``(term, packed records)`` → ``(term, term info, posting bytes)`` (see
    :func:`akhbar.indexer.whoosh_internals.codec.encode_postings`); pure, so worker processes can share a commit."""
    out = []
    lengths, has_values = field.lengths, field.has_values
    single = field.blocks.inline_limit > 1  # a term in one document is inlined
    pack_one = InlineTermInfo.pack_one
    for btext, held in terms:
        if single and len(held) == _TAGGED.size:  # one document, weight 1 and one position, or an integer weight
            docnum, tag = _TAGGED.unpack(held)
            if tag != _GENERAL:
                length = lengths[docnum] if lengths is not None else 0
                if has_values:
                    out.append((btext, pack_one(docnum, 1, one_position(tag), length), b""))
                else:
                    out.append((btext, pack_one(docnum, tag, None, length), b""))
                continue
        ids, weights, values = decode_records(held, has_values)
        info, posts = encode_postings(field.fixed_size, ids, weights, values, field.lengths, field.blocks)
        out.append((btext, info, posts))
    return out


Chunk = list[tuple[bytes, bytes]]  # terms in order, with their packed records
Encoder = Callable[[Iterable[tuple[FieldJob, Iterable[Chunk]]]], Iterator[tuple[int, list[tuple[bytes, bytes, bytes]]]]]


def encode_here(
    jobs: Iterable[tuple[FieldJob, Iterable[Chunk]]],
) -> Iterator[tuple[int, list[tuple[bytes, bytes, bytes]]]]:
    """An :data:`Encoder` in this process: each field's chunks encoded in turn, as
    ``(the field's number in jobs, encoded chunk)``."""
    for number, (field, chunks) in enumerate(jobs):
        for chunk in chunks:
            yield number, encode_terms(field, chunk)


def _add_term(fieldwriter, btext: bytes, ids, weights, values, lengths) -> None:
    """A term's postings one at a time, for a codec without ``add_term`` (Whoosh's own)."""
    fieldwriter.start_term(btext)
    for k, docnum in enumerate(ids):
        length = lengths[docnum] if lengths is not None else 0
        fieldwriter.add(docnum, weights[k], values[k] if values is not None else b"", length)
    fieldwriter.finish_term()


def _length_columns(reader, fieldnames: Iterable[str]) -> dict[str, array | None]:
    """Each field's length column, read once (0: no length, as Whoosh's None)."""
    columns: dict[str, array | None] = {}
    for fieldname in fieldnames:
        lenfield = _lenfield(fieldname)
        column = None
        if reader.has_column(lenfield):
            raw = reader.column_reader(lenfield, LENGTHS_COLUMN).load()
            column = array("I", (byte_to_length(b) for b in raw))
        columns[fieldname] = column
    return columns


class BulkSegmentWriter(SegmentWriter):
    """A :class:`whoosh.writing.SegmentWriter` that buffers postings by term (see the
    module docstring); ``limitmb`` bounds the buffer before a segment is written."""

    def __init__(self, ix, limitmb: int = 256, **kwargs) -> None:
        kwargs.setdefault("codec", AkhbarCodec())
        super().__init__(ix, limitmb=limitmb, **kwargs)
        for name, field in self.schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported")
        self._limit = limitmb * 1024 * 1024
        self.pool = _PostingBuffer(self.schema)
        self._written: list = []  # segments this writer finished before the current one
        # encodes a field's terms for the final commit, e.g. in the analysis workers (then idle)
        self.encoder: Encoder | None = None
        self._indexed: dict[tuple[str, object], list[tuple]] = {}  # see _index_value

    def add_document(self, **fields) -> None:
        self._check_state()
        if self.pool.size > self._limit:
            self._next_segment()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        buffer = self.pool
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if isinstance(value, Postings):
                    length = value.length
                    buffer.add_postings(fieldname, docnum, value.terms, value.weights, value.values)
                    value = None  # nothing to store or sort by but the _stored_ text
                elif field.indexed:
                    items = self._index_value(fieldname, field, value)
                    if field.scorable:
                        length = sum(item[1] for item in items)
                    buffer.add_postings(
                        fieldname, docnum, [i[0] for i in items], [i[2] for i in items], [i[3] for i in items]
                    )
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _index_value(self, fieldname: str, field, value) -> list[tuple]:
        """``field.index(value)``, remembered for values that recur (dates, months,
        sources): Whoosh's indexing of one value is a chain of calls, and most
        articles share them."""
        if isinstance(value, list | tuple):
            if not isinstance(field, fields.NUMERIC):  # a text's words count together
                return list(field.index(value))
            return [item for v in value for item in self._index_value(fieldname, field, v)]
        if field.unique or not isinstance(field, fields.NUMERIC | fields.ID):  # ids and others: one-off values
            return list(field.index(value))
        key = (fieldname, value)
        items = self._indexed.get(key)
        if items is None:
            if len(self._indexed) > 20_000:
                self._indexed.clear()
            items = self._indexed[key] = list(field.index(value))
        return items

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        buffer = self.pool
        reader = self.per_document_reader()
        try:
            lengths = _length_columns(reader, buffer.fields)
        finally:
            reader.close()
        fieldwriter = self.fieldwriter
        names = [name for name in sorted(buffer.fields) if buffer.fields[name]]
        if not hasattr(fieldwriter, "add_encoded"):  # another codec (Whoosh's own): term by term
            for fieldname in names:
                fieldwriter.start_field(fieldname, self.schema[fieldname])
                has_values = buffer.has_values(fieldname)
                for chunk in buffer.take(fieldname):
                    for btext, held in chunk:
                        _add_term(fieldwriter, btext, *decode_records(held, has_values), lengths[fieldname])
                fieldwriter.finish_field()
        else:
            # every field's chunks go to the encoder in one stream, so that encoding the
            # next field overlaps writing this one
            settings = self.codec.block_settings()
            jobs = (
                (
                    FieldJob(
                        self.schema[name].format.fixed_value_size(), buffer.has_values(name), lengths[name], settings
                    ),
                    buffer.take(name),
                )
                for name in names
            )
            current = None
            for number, terms in (self.encoder or encode_here)(jobs):
                if number != current:
                    if current is not None:
                        fieldwriter.finish_field()
                    current = number
                    fieldwriter.start_field(names[number], self.schema[names[number]])
                for btext, info, posts in terms:
                    fieldwriter.add_encoded(btext, info, posts)
            if current is not None:
                fieldwriter.finish_field()
        fieldwriter.close()

    def _next_segment(self) -> None:
        """Write the segment so far and go on in a new one (encoded here: the workers
        are busy analysing)."""
        encoder, self.encoder = self.encoder, None
        try:
            self._written.append(self._finalize_segment())
        finally:
            self.encoder = encoder
        codec = self.codec
        self.newsegment = codec.new_segment(self.storage, self.indexname)
        self.perdocwriter = codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = codec.field_writer(self.storage, self.newsegment)
        self.docnum = self.docbase = 0
        self._added = False

    def _commit_toc(self, segments) -> None:
        """Whoosh's, writing only Whoosh's own classes into the TOC (see :mod:`akhbar.indexer.whoosh_internals.toc`)."""
        toc = TOC(placeholder_schema(self.schema), portable_segments(segments), self.generation)
        toc.write(self.storage, self.indexname)
        clean_files(self.storage, self.indexname, self.generation, segments)

    def commit(self, mergetype=None, optimize=None, merge=None) -> None:
        self._check_state()
        segments = self._merge_segments(mergetype, optimize, merge) + self._written
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()
