"""Compound segments read through their memory map, not copied into each process.

Whoosh maps a compound segment file and hands out each inner file as a ``BufferFile``
over a slice of the map — whose constructor also wraps the slice in a ``BytesIO``, which
copies it.  Every open index then holds a private copy of its postings and term files
(about 130 MB for 30,000 articles) in every process: each of ``akhbar serve``'s workers,
each Engine.  :class:`ViewBufferFile` reads the slice in place instead: reads copy what
they return, and the map's pages are the operating system's, shared by every process that
reads the same generation.  Installed by :func:`read_in_place` (as
``whoosh.filedb.compound.BufferFile``) when akhbar opens an index.
"""

from __future__ import annotations

from whoosh.filedb import compound, structfile

__all__ = ["ViewBufferFile", "ViewFile", "read_in_place"]


class ViewFile:
    """A read-only file over a buffer: ``read`` copies what it returns, never the whole buffer.

    >>> f = ViewFile(memoryview(b"one\\ntwo\\nthree"))
    >>> f.read(3), f.readline(), f.tell(), list(f), f.seek(-5, 2), f.read()
    (b'one', b'\\n', 4, [b'two\\n', b'three'], 8, b'three')
    """

    def __init__(self, buf) -> None:
        self._buf = buf
        self._pos = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        base = 0 if whence == 0 else self._pos if whence == 1 else len(self._buf)
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        if start >= len(self._buf):
            return b""
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        self._pos = end
        return bytes(self._buf[start:end])

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self._pos
        if start >= len(self._buf):
            return b""
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        view = self._buf[start:end]
        found = bytes(view).find(b"\n") if len(view) < 4096 else _find_newline(view)
        line = bytes(view[: found + 1]) if found >= 0 else bytes(view)
        self._pos = start + len(line)
        return line

    def __iter__(self):
        while line := self.readline():
            yield line

    def close(self) -> None:
        self._buf = b""


def _find_newline(view) -> int:
    """The first newline in a long buffer, looked for a block at a time."""
    for at in range(0, len(view), 4096):
        found = bytes(view[at : at + 4096]).find(b"\n")
        if found >= 0:
            return at + found
    return -1


class ViewBufferFile(structfile.BufferFile):
    """Whoosh's ``BufferFile`` without the copy (see the module docstring)."""

    def __init__(self, buf, name=None, onclose=None) -> None:
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = ViewFile(buf)


def read_in_place() -> None:
    """Make Whoosh's compound storage hand out :class:`ViewBufferFile` (idempotent)."""
    compound.BufferFile = ViewBufferFile
