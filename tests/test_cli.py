"""The command line through Typer's CliRunner: exit codes, output, --json parsed back."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from akhbar.search.cli import app

runner = CliRunner()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps(
            {
                "id": "x1",
                "title": "هدنة في حلب",
                "body": "أعلنت روسيا هدنةً إنسانية في حلب.",
                "date": "2016-10-18",
                "source": "BBC Arabic",
            },
            ensure_ascii=False,
        ),
        "{broken",
        json.dumps(
            {"id": "x2", "title": "قصف حمص", "body": "قصف على ريف حمص.", "date": "2016-10-20"}, ensure_ascii=False
        ),
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def run(*args: str):
    return runner.invoke(app, list(args))


def test_index_reports_summary_and_broken_line(tmp_path: Path, corpus: Path) -> None:
    result = run("index", str(corpus), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 0, result.output
    assert f"{corpus}:2: malformed JSON" in result.output
    assert "read 3, added 2, updated 0, unchanged 0, rejected 1" in result.output


def test_search_json_exit_codes(tmp_path: Path, corpus: Path) -> None:
    ix = str(tmp_path / "ix")
    run("index", str(corpus), "--index", ix)
    result = run("search", "الهدنة", "--index", ix, "--json")
    assert result.exit_code == 0
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["id"] for h in hits] == ["x1"]
    assert {"id", "title", "date", "source", "score", "snippet"} <= hits[0].keys()
    assert hits[0]["date"] == "2016-10-18"
    assert run("search", "زلزال", "--index", ix).exit_code == 1
    bad = run("search", '"unbalanced', "--index", ix)
    assert bad.exit_code == 2 and "unbalanced quote" in bad.output and "Traceback" not in bad.output


def test_plain_output_marks_matches(tmp_path: Path, corpus: Path) -> None:
    ix = str(tmp_path / "ix")
    run("index", str(corpus), "--index", ix)
    result = run("search", "حلب", "--index", ix, "--no-color")
    assert "[حلب]" in result.stdout and "id: x1" in result.stdout and "1 article matched" in result.stdout


def test_show(tmp_path: Path, corpus: Path) -> None:
    ix = str(tmp_path / "ix")
    run("index", str(corpus), "--index", ix)
    assert "أعلنت روسيا" in run("show", "x1", "--index", ix).stdout
    missing = run("show", "nope", "--index", ix)
    assert missing.exit_code == 2 and "no article with id 'nope'" in missing.output


def test_errors_are_one_line(tmp_path: Path) -> None:
    missing = run("index", str(tmp_path / "nothing.jsonl"), "--index", str(tmp_path / "ix"))
    assert missing.exit_code == 2 and "does not exist" in missing.output
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "f").write_text("x")
    foreign = run("search", "حلب", "--index", str(tmp_path / "foreign"))
    assert foreign.exit_code == 2 and "not an akhbar index" in foreign.output
    assert len(foreign.output.strip().splitlines()) == 1


def test_default_index_is_built_from_the_sample_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AKHBAR_INDEX", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = run("search", "هدنة حلب", "--json")
    assert result.exit_code == 0
    assert (tmp_path / "cache" / "akhbar" / "sample" / "akhbar.json").is_file()
    hit = json.loads(result.stdout.splitlines()[0])
    assert hit["id"] == "000_72398f9b931f1d63" and hit["date"] == "2016-10-19"


def test_a_sample_index_from_another_version_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AKHBAR_INDEX", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert run("search", "هدنة حلب").exit_code == 0
    meta_file = tmp_path / "cache" / "akhbar" / "sample" / "akhbar.json"
    meta = json.loads(meta_file.read_text())
    meta_file.write_text(json.dumps(meta | {"format": meta["format"] - 1}))  # as an older akhbar left it
    result = run("search", "هدنة حلب", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["id"] == "000_72398f9b931f1d63"
    assert json.loads(meta_file.read_text())["format"] == meta["format"]


def test_analyze_command() -> None:
    result = run("analyze", "وَالأخبارُ في حلب", "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["original"], r["stem"]) for r in rows] == [("وَالأخبارُ", "اخبار"), ("في", None), ("حلب", "حلب")]


def test_timeline_command(tmp_path: Path, corpus: Path) -> None:
    ix = str(tmp_path / "ix")
    run("index", str(corpus), "--index", ix)
    result = run("timeline", "قصف OR هدنة", "--index", ix, "--by", "day", "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0] == {"period": "2016-10-18", "count": 1} and rows[-1] == {"period": "2016-10-20", "count": 1}
    assert len(rows) == 3
    plain = run("timeline", "قصف OR هدنة", "--index", ix)
    assert "2016-10       2  " in plain.stdout and "█" in plain.stdout
    assert run("timeline", "زلزال", "--index", ix).exit_code == 1


def test_search_date_options(tmp_path: Path, corpus: Path) -> None:
    ix = str(tmp_path / "ix")
    run("index", str(corpus), "--index", ix)
    assert run("search", "قصف OR هدنة", "--index", ix, "--from", "2016-10-19", "--json").stdout.count('"id"') == 1
    bad = run("search", "حلب", "--index", ix, "--since", "soon")
    assert bad.exit_code == 2 and "bad --since" in bad.output
