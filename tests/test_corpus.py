"""Corpus readers on small files written by the tests: every format, encoding and kind of bad record."""

import gzip
import json
from pathlib import Path

import pytest

from akhbar.indexer import Article, CorpusError, Rejected, read_corpus

GOOD = {"id": "a1", "title": "عنوان", "body": "نص الخبر", "date": "2018-04-14", "source": "BBC Arabic"}


def records(*paths: Path) -> tuple[list[Article], list[Rejected]]:
    out = list(read_corpus(paths))
    return [r for r in out if isinstance(r, Article)], [r for r in out if isinstance(r, Rejected)]


def write_jsonl(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    data = ("\n".join(lines) + "\n").encode(encoding)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["c.jsonl", "c.jsonl.gz"])
def test_jsonl_reads_all_fields(tmp_path: Path, name: str) -> None:
    arts, rej = records(write_jsonl(tmp_path / name, [json.dumps(GOOD, ensure_ascii=False)]))
    assert rej == []
    assert arts[0].id == "a1" and arts[0].date.isoformat() == "2018-04-14" and arts[0].source == "BBC Arabic"


def test_jsonl_broken_lines_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    good = json.dumps(GOOD, ensure_ascii=False)
    lines = [
        good,
        "{not json",
        json.dumps({"title": "بلا نص"}),
        "[1, 2]",
        json.dumps({"body": 5}),
        json.dumps(GOOD | {"id": "a2"}, ensure_ascii=False),
    ]
    arts, rej = records(write_jsonl(tmp_path / "c.jsonl", lines))
    assert [a.id for a in arts] == ["a1", "a2"]
    assert [r.line for r in rej] == [2, 3, 4, 5]
    assert "malformed JSON" in rej[0].reason and "no body" in rej[1].reason
    assert "c.jsonl:2" in str(rej[0])


def test_jsonl_invalid_utf8_line_is_rejected_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    good = json.dumps(GOOD, ensure_ascii=False).encode()
    path.write_bytes(good + b"\n" + good[:-12] + b"\xd8\n" + good + b"\n")
    arts, rej = records(path)
    assert len(arts) == 2 and [r.line for r in rej] == [2]


def test_truncated_gzip_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD | {"id": f"a{i}", "body": "نص " * 200}, ensure_ascii=False) for i in range(200)]
    path = write_jsonl(tmp_path / "c.jsonl.gz", lines)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    arts, rej = records(path)
    assert len(arts) > 0 and len(rej) == 1 and "truncated" in rej[0].reason


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1256"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("id,title,body,date\nc1,عنوان,نص الخبر,14/04/2018\n".encode(encoding))
    arts, rej = records(path)
    assert rej == [] and arts[0].title == "عنوان" and arts[0].date.isoformat() == "2018-04-14"


def test_csv_row_without_body_and_short_row(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("title,body\nعنوان,نص\nعنوان فقط,\nقصير\n", "utf-8")
    arts, rej = records(path)
    assert len(arts) == 1 and [r.line for r in rej] == [3, 4]


def test_csv_without_body_column_is_rejected_once(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("title,text\nا,ب\n", "utf-8")
    arts, rej = records(path)
    assert arts == [] and len(rej) == 1 and "no 'body' column" in rej[0].reason


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1256", "utf-16"])
def test_txt_directory_with_metadata(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "one.txt").write_bytes("العنوان\nالسطر الأول\nالسطر الثاني\n".encode(encoding))
    (tmp_path / "metadata.tsv").write_text("file\tdate\tsource\none.txt\t2016-10-19\tSANA\n", "utf-8")
    arts, rej = records(tmp_path)
    assert rej == []
    a = arts[0]
    assert (a.id, a.title, a.body, a.date.isoformat(), a.source) == (
        "one",
        "العنوان",
        "السطر الأول\nالسطر الثاني",
        "2016-10-19",
        "SANA",
    )


def test_empty_and_binary_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "empty.jsonl").write_bytes(b"\n\n")
    arts, rej = records(tmp_path)
    assert arts == [] and len(rej) == 3


def test_missing_id_gets_a_stable_content_id(tmp_path: Path) -> None:
    line = json.dumps({"title": "ت", "body": "ب"}, ensure_ascii=False)
    first = records(write_jsonl(tmp_path / "a.jsonl", [line]))[0][0].id
    second = records(write_jsonl(tmp_path / "b.jsonl", [line]))[0][0].id
    assert first == second and first.startswith("h:")


def test_bad_date_keeps_the_article_and_says_so(tmp_path: Path) -> None:
    arts, rej = records(write_jsonl(tmp_path / "c.jsonl", [json.dumps(GOOD | {"date": "yesterday"})]))
    assert rej == [] and arts[0].date is None and "not a date" in arts[0].problems[0]


def test_missing_path_raises_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        list(read_corpus([tmp_path / "nope.jsonl"]))
