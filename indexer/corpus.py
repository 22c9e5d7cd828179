"""Corpus readers: files in, :class:`Article` or :class:`Rejected` records out.

Formats, chosen by file name:

* a directory — every ``.txt``, ``.jsonl``, ``.jsonl.gz``, ``.csv`` below it;
* ``.txt`` — one article: the first non-empty line is the headline, the rest the
  body; the id is the file name without extension; a ``metadata.tsv`` beside the
  files (columns ``file``, and any of ``date``, ``source``, ``url``, ``category``)
  supplies what plain text cannot;
* ``.jsonl`` / ``.jsonl.gz`` — one JSON object a line with ``id``, ``title``,
  ``body``, ``date``, ``source``, ``url``, ``category`` (only ``body`` required);
* ``.csv`` — a header row naming at least ``body``; other columns as in JSONL.

Text may be UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1256; the
encoding is decided per file from its first 64 KiB.  Readers never raise on bad
data: each bad record becomes one :class:`Rejected` with file and line, so
read = indexed + rejected always holds.  Only a path that does not exist raises
:class:`CorpusError`.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import io
import json
import os
import zlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO, Final

from akhbar.analyzers.dates import DateError, parse_date
from akhbar.indexer.article import Article, Rejected, content_id
from akhbar.indexer.errors import CorpusError

Record = Article | Rejected

SUFFIXES: Final = (".txt", ".jsonl", ".jsonl.gz", ".csv")
MAX_RECORD_BYTES: Final = 64 * 1024 * 1024
"""A longer line is rejected rather than read (a 64 MiB article is not news)."""
SAMPLE_BYTES: Final = 64 * 1024
FIELDS: Final = ("id", "title", "body", "date", "source", "url", "category")

csv.field_size_limit(MAX_RECORD_BYTES)


def corpus_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The readable corpus files named by ``paths`` (files or directories), in a
    stable order.  Raises :class:`CorpusError` for a path that does not exist."""
    files: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise CorpusError(f"corpus path does not exist: {p}", str(p))
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and _kind(f))
            files.extend(found)
        elif _kind(p):
            files.append(p)
        else:
            raise CorpusError(f"not a corpus file: {p} (expected a directory, .txt, .jsonl, .jsonl.gz or .csv)", str(p))
    return files


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return None


def read_corpus(paths: Iterable[str | os.PathLike]) -> Iterator[Record]:
    """Every record of every corpus file under ``paths``."""
    for f in corpus_files(paths):
        yield from read_file(f)


def read_file(path: Path) -> Iterator[Record]:
    kind = _kind(path)
    try:
        if kind == ".txt":
            yield read_txt(path)
        elif kind in (".jsonl", ".jsonl.gz"):
            yield from read_jsonl(path)
        elif kind == ".csv":
            yield from read_csv(path)
    except OSError as e:
        yield Rejected(str(path), None, f"cannot read file: {e.strerror or e}")


# --- encodings ---------------------------------------------------------------


def detect_encoding(sample: bytes) -> str | None:
    """The encoding of a file whose first bytes are ``sample``; None if it is not text.

    >>> detect_encoding("أخبار".encode("utf-8")), detect_encoding("أخبار".encode("cp1256"))
    ('utf-8', 'cp1256')
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.count(b"\x00") > len(sample) // 100:
        return None  # binary; a few NUL bytes are damaged records, rejected one by one
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        # A few bad bytes in otherwise valid UTF-8 are damage, not another encoding:
        # keep UTF-8 so that the damaged lines are rejected rather than misread.
        lenient = sample.decode("utf-8", errors="replace")
        if lenient.count("\ufffd") <= max(2, len(lenient) // 50) and any("\u0600" <= c <= "\u06ff" for c in lenient):
            return "utf-8"
    text = sample.decode("cp1256", errors="replace")
    arabic = sum(1 for c in text if "\u0600" <= c <= "\u06ff")
    letters = sum(1 for c in text if c.isalpha())
    # Windows-1256 maps almost every byte to something; accept it only when the
    # text reads as Arabic, so that binary junk is rejected instead of indexed.
    if letters and arabic / letters > 0.3 and "\ufffd" not in text:
        return "cp1256"
    return None


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _sample(path: Path) -> bytes:
    with _open_binary(path) as f:
        return f.read(SAMPLE_BYTES)


# --- field helpers -------------------------------------------------------------


def _text(value: object, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "id":
        return str(value)
    raise ValueError(f"field '{name}' must be a string, not {type(value).__name__}")


def make_article(fields: dict, path: Path, line: int | None, default_id: str | None = None) -> Record:
    """An :class:`Article` from a dict of raw fields, or a :class:`Rejected` saying why not."""
    where = str(path)
    try:
        values = {name: _text(fields.get(name), name) for name in FIELDS}
    except ValueError as e:
        return Rejected(where, line, str(e))
    title = values["title"].strip()
    body = values["body"].strip()
    if "\x00" in title or "\x00" in body:
        return Rejected(where, line, "text contains NUL bytes (binary data?)")
    if not body:
        return Rejected(where, line, "article has no body" + ("" if "body" in fields else " (no 'body' field)"))
    problems: list[str] = []
    date = None
    if values["date"].strip():
        try:
            date = parse_date(values["date"])
        except DateError as e:
            problems.append(f"{e}; indexed without a date")
    article_id = values["id"].strip() or default_id or content_id(title, body)
    return Article(
        id=article_id,
        title=title,
        body=body,
        date=date,
        source=values["source"].strip() or None,
        url=values["url"].strip() or None,
        category=values["category"].strip() or None,
        path=where,
        line=line,
        problems=tuple(problems),
    )


# --- formats -------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[Record]:
    where = str(path)
    encoding = detect_encoding(_sample(path))
    if encoding is None:
        yield Rejected(where, None, "not a text file (binary data or unknown encoding)")
        return
    lineno = 0
    any_line = False
    try:
        with _open_binary(path) as f:
            if encoding == "utf-16":
                lines: Iterable[bytes | str] = io.TextIOWrapper(f, encoding="utf-16")
            else:
                lines = f
            for raw in lines:
                lineno += 1
                if isinstance(raw, bytes):
                    if len(raw) > MAX_RECORD_BYTES:
                        yield Rejected(where, lineno, f"line longer than {MAX_RECORD_BYTES // 2**20} MiB")
                        continue
                    try:
                        text = raw.decode(encoding)
                    except UnicodeDecodeError as e:
                        yield Rejected(where, lineno, f"invalid {encoding} at byte {e.start}")
                        continue
                else:
                    text = raw
                if lineno == 1:
                    text = text.lstrip("\ufeff")
                if not text.strip():
                    continue
                any_line = True
                try:
                    obj = json.loads(text)
                except (json.JSONDecodeError, RecursionError) as e:
                    reason = e.msg if isinstance(e, json.JSONDecodeError) else "nested too deeply"
                    yield Rejected(where, lineno, f"malformed JSON: {reason}")
                    continue
                if not isinstance(obj, dict):
                    yield Rejected(where, lineno, f"expected a JSON object, got {type(obj).__name__}")
                    continue
                yield make_article(obj, path, lineno)
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        yield Rejected(where, lineno + 1, f"compressed file is damaged or truncated after line {lineno}: {e}")
        return
    except UnicodeDecodeError as e:
        yield Rejected(where, lineno + 1, f"invalid {encoding}: {e.reason}")
        return
    if not any_line:
        yield Rejected(where, None, "empty file")


def read_csv(path: Path) -> Iterator[Record]:
    where = str(path)
    encoding = detect_encoding(_sample(path))
    if encoding is None:
        yield Rejected(where, None, "not a text file (binary data or unknown encoding)")
        return
    with open(path, encoding=encoding, newline="", errors="strict") as f:
        reader = csv.reader(f)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as e:
            yield Rejected(where, 1, f"unreadable CSV header: {e}")
            return
        if not header:
            yield Rejected(where, None, "empty file")
            return
        names = [h.strip().lstrip("\ufeff").lower() for h in header]
        if "body" not in names:
            yield Rejected(where, 1, f"CSV header has no 'body' column (found: {', '.join(names)})")
            return
        last = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as e:
                yield Rejected(where, last + 1, f"unreadable CSV row: {e}")
                if isinstance(e, UnicodeDecodeError):
                    return
                last = reader.line_num
                continue
            line = last + 1
            last = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                yield Rejected(where, line, f"row has {len(row)} fields, header has {len(names)}")
                continue
            article = make_article(dict(zip(names, row, strict=False)), path, line)
            if last > line and isinstance(article, Article) and _swallowed_rows(row, len(names)):
                article = dataclasses.replace(
                    article,
                    problems=(
                        *article.problems,
                        f"a quoted field runs on over lines {line + 1}–{last}, which look like rows of their own: "
                        "is a quote unbalanced? (indexed as one article)",
                    ),
                )
            yield article


def _swallowed_rows(row: list[str], columns: int) -> bool:
    r"""Whether a multi-line field holds lines that look like CSV rows (a stray quote
    swallows the rows after it into one field; real multi-line bodies rarely hold
    lines with a comma for every column).

    >>> _swallowed_rows(["a1", "عنوان", "نص أول\na2,عنوان,نص ثان"], 3)
    True
    >>> _swallowed_rows(["a1", "عنوان", "فقرة أولى\nفقرة ثانية، وفيها فاصلة"], 3)
    False
    """
    return columns > 1 and any(
        inner.count(",") >= columns - 1 for cell in row if "\n" in cell for inner in cell.split("\n")[1:]
    )


def _metadata(directory: Path) -> dict[str, dict[str, str]]:
    meta = directory / "metadata.tsv"
    try:
        stamp = meta.stat().st_mtime_ns
    except OSError:
        return {}
    return _read_metadata(meta, stamp)


@lru_cache(maxsize=64)
def _read_metadata(meta: Path, stamp: int) -> dict[str, dict[str, str]]:
    """``metadata.tsv`` rows by file name; cached per modification time, so an edited
    file is read again by a long-running process."""
    rows = list(csv.DictReader(meta.read_text("utf-8-sig").splitlines(), delimiter="\t"))
    return {r["file"]: r for r in rows if r.get("file")}


def read_txt(path: Path) -> Record:
    where = str(path)
    data = path.read_bytes()
    if not data.strip():
        return Rejected(where, None, "empty file")
    encoding = detect_encoding(data[:SAMPLE_BYTES])
    if encoding is None:
        return Rejected(where, None, "not a text file (binary data or unknown encoding)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        return Rejected(where, None, f"invalid {encoding} at byte {e.start}")
    lines = text.lstrip("\ufeff").splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    title = lines[0] if lines else ""
    body = "\n".join(lines[1:])
    meta = _metadata(path.parent).get(path.name, {})
    fields = {"title": title, "body": body} | {k: meta[k] for k in ("date", "source", "url", "category") if meta.get(k)}
    return make_article(fields, path, 1 if not body.strip() else None, default_id=path.stem)
