"""Whoosh's W3 codec, with stored fields compressed in blocks and rare terms inlined.

* Whoosh compresses each document's stored fields (title, body, entities …) on its
  own: a news article of a few kilobytes compresses poorly alone, because what
  repeats — the dictionary keys, the source and category, the commonest words — is
  repeated *across* articles.  Here :data:`BLOCK` consecutive documents are
  compressed together with zstd (level 3; zlib at level 6 took a quarter of the
  writer's time for the same size; 5,000 ANT articles: 0.06 s against 0.62 s).
  Reading one document decompresses its block (about 0.05 ms); the last blocks read
  are kept.  Blocks that indexes of earlier versions compressed with zlib still read.
* Most of an archive's vocabulary occurs in one or two documents.  Whoosh gives each
  such term a posting block of its own (~70 bytes) and a 35-byte term info; terms in
  fewer than :data:`INLINE_LIMIT` documents keep their postings in the term index
  instead, packed with varints (:class:`InlineTermInfo`).  Whoosh has this option
  (``inlinelimit``) but it never worked in whoosh-reloaded.

Segments record their codec, so an index written with it is read with it; posting
blocks, the term index and the other columns are Whoosh's.
"""

from __future__ import annotations

import pickle
import struct
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import md5
from itertools import chain
from operator import sub

import zstandard
from whoosh import columns
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldCursor,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
    W3TermsReader,
)
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.reading import TermNotFound
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from akhbar.indexer.deadline import check as check_deadline

__all__ = ["BLOCK", "BLOCK_ERRORS", "AkhbarCodec", "BlockCompressedBytesColumn", "TermIndexWriter"]

BLOCK = 16  # documents per compressed block (8: 6% larger; 32: reading one costs twice as much)
INLINE_LIMIT = 4  # terms in fewer documents keep their postings in the term index
_LEVEL = 3  # zstd's default: levels 5 and up cost twice the time for 3% less
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # a zstd frame begins so; a zlib stream never does
_TRAILER = struct.Struct("<IIH")  # documents, blocks, documents per block
_CACHED_BLOCKS = 8
_EXTENT = struct.Struct("!qi")  # offset and length, at the end of a W3 term info
_PROTOCOL = 5  # W3 pickles blocks with protocol 2, which spells each bytes value as a call to _codecs.encode
_COMPRESS_FROM = 64  # smaller posting blocks are stored as they are: compressing makes them larger, and costs


class BlockCompressedBytesColumn(columns.Column):
    """Variable-length byte strings, zstd-compressed :data:`BLOCK` documents at a time.

    Layout: the compressed blocks, then the blocks' end offsets (``Q`` array), then
    the trailer.  A block decompresses to the documents' lengths (``I`` array, one
    per document of the block) followed by their bytes.

    >>> from whoosh.filedb.filestore import RamStorage
    >>> st = RamStorage()
    >>> w = BlockCompressedBytesColumn().writer(st.create_file("c"))
    >>> for n, v in [(0, b"alpha"), (2, b"gamma")]:
    ...     w.add(n, v)
    >>> w.finish(3); w._dbfile.close()
    >>> r = BlockCompressedBytesColumn().reader(st.open_file("c"), 0, st.file_length("c"), 3)
    >>> [r[n] for n in range(3)]
    [b'alpha', b'', b'gamma']
    """

    _default = b""

    def __init__(self, block: int = BLOCK, level: int = _LEVEL) -> None:
        self._block = block
        self._level = level

    def writer(self, dbfile):
        return self.Writer(dbfile, self._block, self._level)

    def reader(self, dbfile, basepos, length, doccount):
        return self.Reader(dbfile, basepos, length, doccount)

    class Writer(columns.ColumnWriter):
        def __init__(self, dbfile, block: int, level: int) -> None:
            self._dbfile = dbfile
            self._block = block
            self._compressor = _compressor(level)
            self._pending: list[bytes] = []
            self._count = 0  # documents seen, blocks written included
            self._ends = array("Q")
            self._written = 0

        def _flush(self) -> None:
            if not self._pending:
                return
            lengths = array("I", map(len, self._pending))
            data = self._compressor.compress(lengths.tobytes() + b"".join(self._pending))
            self._dbfile.write(data)
            self._written += len(data)
            self._ends.append(self._written)
            self._pending = []

        def _append(self, v: bytes) -> None:
            self._pending.append(v)
            self._count += 1
            if len(self._pending) == self._block:
                self._flush()

        def add(self, docnum: int, v: bytes) -> None:
            while self._count < docnum:
                self._append(b"")
            self._append(v)

        def finish(self, doccount: int) -> None:
            while self._count < doccount:
                self._append(b"")
            self._flush()
            self._dbfile.write(self._ends.tobytes())
            self._dbfile.write(_TRAILER.pack(doccount, len(self._ends), self._block))

    class Reader(columns.ColumnReader):
        def __init__(self, dbfile, basepos: int, length: int, doccount: int) -> None:
            self._dbfile = dbfile
            self._basepos = basepos
            end = basepos + length
            stored_count, blocks, self._block = _TRAILER.unpack(dbfile.get(end - _TRAILER.size, _TRAILER.size))
            self._doccount = doccount
            self._count = stored_count
            self._ends = array("Q")
            self._ends.frombytes(dbfile.get(end - _TRAILER.size - 8 * blocks, 8 * blocks))
            self._cache: OrderedDict[int, tuple[array, bytes, list[int]]] = OrderedDict()
            self._lock = threading.Lock()

        def __len__(self) -> int:
            return self._doccount

        def _load(self, b: int) -> tuple[array, bytes, list[int]]:
            with self._lock:
                hit = self._cache.get(b)
                if hit is not None:
                    self._cache.move_to_end(b)
                    return hit
            start = self._ends[b - 1] if b else 0
            raw = _decompress(self._dbfile.get(self._basepos + start, self._ends[b] - start))
            n = min(self._block, self._count - b * self._block)
            lengths = array("I")
            lengths.frombytes(raw[: 4 * n])
            starts = [4 * n]
            for size in lengths:
                starts.append(starts[-1] + size)
            entry = (lengths, raw, starts)
            with self._lock:
                self._cache[b] = entry
                if len(self._cache) > _CACHED_BLOCKS:
                    self._cache.popitem(last=False)
            return entry

        def __getitem__(self, docnum: int) -> bytes:
            if docnum >= self._count:
                return b""
            b, i = divmod(docnum, self._block)
            _, raw, starts = self._load(b)
            return raw[starts[i] : starts[i + 1]]

        def __iter__(self):
            for docnum in range(self._doccount):
                yield self[docnum]


BLOCK_ERRORS = (zstandard.ZstdError, zlib.error)
"""What reading a damaged compressed block raises."""


_compressors = threading.local()


def _compressor(level: int) -> zstandard.ZstdCompressor:
    """One compressor per level and thread: each writes one block at a time, and a
    compressor used by two threads at once corrupts memory (a sharded archive's
    shards are written by threads of one process)."""
    found = getattr(_compressors, "by_level", None)
    if found is None:
        found = _compressors.by_level = {}
    if level not in found:
        found[level] = zstandard.ZstdCompressor(level=level)
    return found[level]


def _decompress(data: bytes) -> bytes:
    """A compressed block, stored fields or postings: zstd, or zlib (Whoosh's own
    writer, and the indexes that earlier akhbar code wrote)."""
    if data[:4] == _ZSTD_MAGIC:
        # a decompressor per call: searches run in many threads, and one object may not
        # be used by two at once (a compressor is cached: only the writer compresses)
        return zstandard.ZstdDecompressor().decompress(data)
    return zlib.decompress(data)


STORED_COLUMN = columns.PickleColumn(BlockCompressedBytesColumn())


class _PerDocWriter(W3PerDocWriter):
    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, STORED_COLUMN if fieldname == "_stored" else column)


class _PerDocReader(W3PerDocReader):
    def stored_fields(self, docnum):
        reader = self._cached_reader("_stored", STORED_COLUMN)
        v = reader[docnum] if reader is not None else None
        return {} if v is None else v


def _varint(n: int, out: bytearray) -> None:
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _read_varint(b: bytes, i: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        byte = b[i]
        i += 1
        n |= (byte & 0x7F) << shift
        if byte < 0x80:
            return n, i
        shift += 7


_FLOAT = struct.Struct("<f")
_INLINE = 2  # first byte of a compact inlined term info (Whoosh's own start with 0 or 1)


class InlineTermInfo(W3TermInfo):
    """A term info that holds its few postings, packed with varints.

    Whoosh pickles inlined postings after a 23-byte header of statistics that can
    all be recomputed from them; for a term in one document that is ~60 bytes
    where 8 will do.  Layout: flag (2, or 3 when the postings carry values), min
    and max length bytes, the number of postings, then for each posting the
    document-number delta, the weight (twice an integer weight, or 1 and a float)
    and, if present, the value's length and bytes.

    >>> ti = InlineTermInfo.inline([3, 9], [1.0, 2.0], [b"ab", b"c"], 5, 7)
    >>> back = InlineTermInfo.from_bytes(ti.to_bytes())
    >>> back.inlined_postings(), back.doc_frequency(), back.weight(), back.max_id()
    (((3, 9), (1.0, 2.0), (b'ab', b'c')), 2, 3.0, 9)
    """

    @classmethod
    def inline(cls, ids, weights, values, minlength, maxlength) -> InlineTermInfo:
        ti = cls()
        ti._inlined = (tuple(ids), tuple(weights), tuple(values))
        ti._df = len(ti._inlined[0])
        ti._weight = sum(weights)
        ti._maxweight = max(weights)
        ti._minid, ti._maxid = ids[0], ids[-1]
        ti._minlength = byte_to_length(length_to_byte(minlength)) if minlength else None
        ti._maxlength = byte_to_length(length_to_byte(maxlength)) if maxlength else 0
        return ti

    def to_bytes(self) -> bytes:
        ids, weights, values = self._inlined
        return self.pack(ids, weights, values, self._minlength, self._maxlength)

    @staticmethod
    def pack(ids, weights, values, minlength: int | None, maxlength: int | None) -> bytes:
        """The bytes of the term info of these postings (what ``inline(…).to_bytes()`` gives)."""
        out = bytearray((_INLINE + bool(values), length_to_byte(minlength or 0), length_to_byte(maxlength or 0)))
        _varint(len(ids), out)
        last = 0
        for k, docnum in enumerate(ids):
            _varint(docnum - last, out)
            last = docnum
            w = weights[k]
            if w == int(w) and 0 <= w < 1 << 30:
                _varint(int(w) << 1, out)
            else:
                out.append(1)
                out += _FLOAT.pack(w)
            if values:
                _varint(len(values[k]), out)
                out += values[k]
        return bytes(out)

    @staticmethod
    def pack_one(docnum: int, weight: int, value: bytes | None, length: int) -> bytes:
        """:meth:`pack` of a term in one document with an integer weight (most terms):
        the same bytes, without the lists."""
        byte = length_to_byte(length)
        out = bytearray((_INLINE + (value is not None), byte, byte, 1))
        _varint(docnum, out)
        _varint(weight << 1, out)
        if value is not None:
            _varint(len(value), out)
            out += value
        return bytes(out)

    @classmethod
    def from_bytes(cls, b: bytes) -> W3TermInfo:
        if b[0] < _INLINE:
            return W3TermInfo.from_bytes(b)
        has_values = b[0] > _INLINE
        n, i = _read_varint(b, 3)
        ids, weights, values = [], [], []
        docnum = 0
        for _ in range(n):
            delta, i = _read_varint(b, i)
            docnum += delta
            ids.append(docnum)
            w, i = _read_varint(b, i)
            if w == 1:
                weights.append(_FLOAT.unpack_from(b, i)[0])
                i += _FLOAT.size
            else:
                weights.append(float(w >> 1))
            if has_values:
                size, i = _read_varint(b, i)
                values.append(b[i : i + size])
                i += size
        return cls.inline(ids, weights, values, byte_to_length(b[1]), byte_to_length(b[2]))


class _PostingsWriter(W3PostingsWriter):
    def finish_postings(self):
        # W3PostingsWriter would call a TermInfo.set_inline that does not exist (it
        # is set_inlined): Whoosh's inlinelimit has never worked in whoosh-reloaded
        if not self.written() and len(self) < self._inlinelimit:
            terminfo = InlineTermInfo.inline(self._ids, self._weights, self._values, self._minlength, self._maxlength)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


@dataclass(frozen=True)
class BlockSettings:
    """How a codec writes posting lists (Whoosh's W3 defaults)."""

    limit: int = 128  # postings per block
    level: int = 3  # zstd level (Whoosh's blocks are zlib at this level)
    inline_limit: int = INLINE_LIMIT


def encode_postings(
    fixed_size: int | None,
    ids: Sequence[int],
    weights: Sequence[float],
    values: Sequence[bytes] | None,
    lengths: Sequence[int] | None,
    settings: BlockSettings,
) -> tuple[bytes, bytes]:
    """One term's whole posting list (document numbers ascending) as (term info, posting
    bytes): what W3's ``add_posting`` one posting at a time writes, with the work done a
    block at a time.  A term in fewer than ``inline_limit`` documents has no posting bytes
    (:class:`InlineTermInfo`); otherwise the term info says the postings start at offset 0:
    :func:`at_offset` moves it to where they are written.  Pure, so it can run in another
    process.

    ``values`` holds one value per posting, or is None when the format has none;
    ``lengths`` maps a document number to its field length (0: none).
    """
    n = len(ids)
    lens = [lengths[d] for d in ids] if lengths is not None else None
    if n < settings.inline_limit:
        low, high = _length_range(lens)
        return InlineTermInfo.pack(ids, weights, values, low, high), b""
    terminfo = W3TermInfo()
    out = [WHOOSH3_HEADER_MAGIC]
    limit, level = settings.limit, settings.level
    for s in range(0, n, limit):
        e = min(s + limit, n)
        bids = ids[s:e]
        bweights = weights[s:e]
        count = e - s
        if bweights.count(1.0) == count:
            mini_weights = None
        elif bweights.count(bweights[0]) == count:
            mini_weights = bweights[0]
        else:
            mini_weights = tuple(bweights)
        if values is None or fixed_size == 0:
            mini_values = None
        elif fixed_size is None or fixed_size < 0:
            mini_values = tuple(values[s:e])
        else:
            mini_values = b"".join(values[s:e])
        deltas = tuple(map(sub, bids, chain((0,), bids[:-1])))
        data = pickle.dumps((deltas, mini_weights, mini_values), _PROTOCOL)
        comp = level if len(data) > _COMPRESS_FROM else 0
        if comp:
            data = _compressor(comp).compress(data)
        low, high = _length_range(lens[s:e] if lens is not None else None)
        high = high or 0
        maxweight = max(0, max(bweights))
        info = pickle.dumps((count, bids[-1], maxweight, comp, length_to_byte(low), length_to_byte(high)), 2)
        # the statistics W3TermInfo.add_block gathers
        terminfo._weight += sum(bweights)
        terminfo._df += count
        if terminfo._minlength is None:
            terminfo._minlength = low
        elif low is not None:
            terminfo._minlength = min(terminfo._minlength, low)
        terminfo._maxlength = max(terminfo._maxlength, high)
        terminfo._maxweight = max(terminfo._maxweight, maxweight)
        if terminfo._minid is None:
            terminfo._minid = bids[0]
        terminfo._maxid = bids[-1]
        size = len(info) + len(data)
        out += (pack_int(-size if e == n else size), info, data)
    posts = b"".join(out)
    terminfo.set_extent(0, len(posts))
    return terminfo.to_bytes(), posts


def at_offset(info: bytes, offset: int) -> bytes:
    """A term info from :func:`encode_postings` with its postings at ``offset``
    (W3's term info ends with the offset and the length)."""
    return info[: -_EXTENT.size] + pack_long(offset) + info[-_EXTENT.size + 8 :]


def _length_range(lens: list[int] | None) -> tuple[int | None, int | None]:
    """The shortest and longest non-zero field length (None, None when there are none)."""
    if not lens:
        return None, None
    present = [x for x in lens if x] if 0 in lens else lens
    return (min(present), max(present)) if present else (None, None)


class _LeafMatcher(W3LeafMatcher):
    """W3's block matcher, reading zstd blocks as well as zlib ones."""

    def _read_data(self) -> None:
        check_deadline()  # every block read is a point where a query past its time limit stops
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        self._data = pickle.loads(_decompress(data) if self._compression else data)


_LENGTHS = struct.Struct("!ii")  # Whoosh's hash file: a record's key and value lengths
_POINTER = struct.Struct("!Iq")  # a hash table slot: the key's hash and its record's position


class TermIndexWriter(OrderedHashWriter):
    """Whoosh's term index writer, writing the same bytes with fewer calls.

    The commit writes the term index alone in the writing process, a term at a time
    (half a million on 30k articles): one write per record instead of three, the MD5
    hash from the digest's bytes instead of its hex string, each hash table written
    in one piece — 1.7 s → 1.2 s for 500k terms.
    """

    def add(self, key: bytes, value: bytes) -> None:
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        dbfile = self.dbfile
        pos = dbfile.tell()
        self.index.append(pos)
        dbfile.write(_LENGTHS.pack(len(key), len(value)) + key + value)
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")  # Whoosh's md5_hash
        self.buckets[h & 255].append((h, pos))
        self.lastkey = key

    def _write_hashes(self) -> None:
        if self.hashtype != 0:  # not MD5: Whoosh's own
            return super()._write_hashes()
        dbfile = self.dbfile
        pack = _POINTER.pack
        empty = pack(0, 0)
        for entries in self.buckets:
            numslots = 2 * len(entries)
            self.directory.append((dbfile.tell(), numslots))
            table: list[bytes | None] = [None] * numslots
            for hashval, position in entries:  # open addressing, as Whoosh places them
                slot = (hashval >> 8) % numslots
                while table[slot] is not None:
                    slot = (slot + 1) % numslots
                table[slot] = pack(hashval, position)
            dbfile.write(b"".join([empty if entry is None else entry for entry in table]))


class _FieldWriter(W3FieldWriter):
    def __init__(self, codec, storage, segment) -> None:
        super().__init__(codec, storage, segment)
        # the same writer, its header written: only how it adds and closes differs
        self._tindex.__class__ = TermIndexWriter

    def add_encoded(self, btext: bytes, info: bytes, posts: bytes) -> None:
        """A term of the current field whose postings :func:`encode_postings` encoded."""
        if posts:
            postfile = self._postfile
            info = at_offset(info, postfile.tell())
            postfile.write(posts)
        self._tindex.add(pack_ushort(self._fieldid) + btext, info)


class _FieldCursor(W3FieldCursor):
    def term_info(self):
        if self._pos is None:
            return None
        return InlineTermInfo.from_bytes(self._tindex.dbfile.get(self._datapos, self._datalen))


class _TermsReader(W3TermsReader):
    """Whoosh's terms reader, decoding :class:`InlineTermInfo` entries too."""

    def cursor(self, fieldname, fieldobj):
        return _FieldCursor(self._tindex, fieldname, self._keycoder, self._keydecoder, fieldobj)

    def items(self):
        decode = InlineTermInfo.from_bytes
        return ((self._keydecoder(k), decode(v)) for k, v in self._tindex.items())

    def items_from(self, fieldname, prefix):
        decode = InlineTermInfo.from_bytes
        start = self._keycoder(fieldname, prefix)
        return ((self._keydecoder(k), decode(v)) for k, v in self._tindex.items_from(start))

    def term_info(self, fieldname, tbytes):
        try:
            return InlineTermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)])
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None

    def _entry(self, fieldname, tbytes) -> W3TermInfo:
        datapos, datalen = self._range_for_key(fieldname, tbytes)
        return InlineTermInfo.from_bytes(self._dbfile.get(datapos, datalen))

    def frequency(self, fieldname, tbytes):
        return self._entry(fieldname, tbytes).weight()

    def doc_frequency(self, fieldname, tbytes):
        return self._entry(fieldname, tbytes).doc_frequency()


class AkhbarCodec(W3Codec):
    """W3 with block-compressed stored fields and inlined rare terms (see the module docstring)."""

    def __init__(self, inlinelimit: int = INLINE_LIMIT, **kwargs) -> None:
        super().__init__(inlinelimit=inlinelimit, **kwargs)

    def terms_reader(self, storage, segment):
        tiname = segment.make_filename(self.TERMS_EXT)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        return _TermsReader(self, storage.open_file(tiname), storage.file_length(tiname), postfile)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def block_settings(self) -> BlockSettings:
        return BlockSettings(self._blocklimit, self._compression, self._inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def per_document_reader(self, storage, segment):
        return _PerDocReader(storage, segment)
