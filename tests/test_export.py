"""Every hit of a query: Engine.iter_hits and `akhbar search --all --format jsonl|csv`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from akhbar.indexer import Article
from akhbar.search import Engine, QueryError
from akhbar.search.cli import app

ARTICLES = [
    Article(
        f"e{i:03d}",
        f"خبر رقم {i} عن حلب",
        f"وصلت المساعدات إلى حلب في اليوم {i}، و" + "حلب " * (i % 7),
        dt.date(2016, 1 + i % 12, 1 + i % 28),
        "BBC Arabic",
    )
    for i in range(230)
] + [
    Article("x1", '=HYPERLINK("http://evil") حلب', "خبر عن حلب", dt.date(2017, 1, 1), "@source", "-1+1"),
    Article("x2", "لا علاقة", "خبر آخر عن القاهرة", dt.date(2017, 1, 2), "CNN Arabic"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "ix"
    Engine.create(path).add(ARTICLES)
    return path


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_every_hit_in_the_order_of_the_pages(index: Path, sort: str) -> None:
    engine = Engine.open(index)
    pages = [h.id for p in range(1, 4) for h in engine.search("حلب", limit=100, page=p, sort=sort)]
    with engine.iter_hits("حلب", sort=sort) as hits:
        assert hits.total == engine.search("حلب").total == 231
        streamed = [h.id for h in hits]
    assert len(streamed) == len(set(streamed)) == 231
    assert streamed == pages[:231]


def test_a_stream_reads_its_generation_while_another_is_published(index: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "ix"
    shutil.copytree(index, copy)
    reader = Engine.open(copy)
    hits = reader.iter_hits("حلب")
    stream = iter(hits)
    first = [next(stream).id for _ in range(5)]
    Engine.open(copy).add([Article("new", "حلب", "حلب حلب")], rebuild=True)  # the old articles are gone
    assert reader.search("حلب").total == 1  # new searches see the new generation
    rest = [h.id for h in stream]
    assert len(first) + len(rest) == 231 and "new" not in rest


def test_a_stream_checks_its_query_at_once(index: Path) -> None:
    with pytest.raises(QueryError, match="unbalanced"):
        Engine.open(index).iter_hits('"حلب')


runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_csv_export_opens_as_arabic_and_reads_back(index: Path) -> None:
    result = run("search", "حلب", "--index", str(index), "--all", "--format", "csv")
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    assert raw.startswith("\ufeff".encode()), "a byte-order mark, so that spreadsheets read UTF-8"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["id", "date", "source", "title", "url", "score", "snippet"]
    assert len(rows) - 1 == 231
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id["e007"][3] == "خبر رقم 7 عن حلب" and by_id["e007"][1] == "2016-08-08"
    assert "حلب" in by_id["e007"][6]
    # cells a spreadsheet would run as formulas are shown as text
    assert by_id["x1"][3].startswith("'=HYPERLINK") and by_id["x1"][2] == "'@source" and by_id["x1"][4] == "'-1+1"


def test_jsonl_export_has_every_hit(index: Path) -> None:
    result = run("search", "حلب", "--index", str(index), "--all", "--sort", "oldest")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 231 and lines[0]["date"] <= lines[-1]["date"]
    assert [line["rank"] for line in lines] == list(range(1, 232))


def test_export_without_hits_exits_1(index: Path) -> None:
    result = run("search", "زلزال", "--index", str(index), "--all", "--format", "csv")
    assert result.exit_code == 1
    assert result.stdout_bytes.decode("utf-8-sig").splitlines() == ["id,date,source,title,url,score,snippet"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "csv"], "--format goes with --all"),
        (["--all", "--limit", "5"], "--all writes every hit"),
        (["--all", "--format", "xml"], "--format is one of: jsonl, csv"),
    ],
)
def test_export_options_that_do_not_fit(index: Path, args: list[str], message: str) -> None:
    result = run("search", "حلب", "--index", str(index), *args)
    assert result.exit_code == 2 and message in result.stderr
