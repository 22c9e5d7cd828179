"""Indexes across releases: what akhbar pickles into an index names none of its own
modules, and an index from the release before the one-package layout is refused with
the one-line "rebuild" message, never called damaged."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from akhbar import Article, Engine, IndexIncompatible
from akhbar.search.cli import app
from tests.conftest import MINI, ROOT

OLD = ROOT / "tests" / "golden" / "index-before-akhbar-package"


@pytest.fixture
def old_index(tmp_path: Path) -> Path:
    path = tmp_path / "old"
    shutil.copytree(OLD, path)
    return path


def test_the_toc_names_only_whooshs_classes(tmp_path: Path) -> None:
    engine = Engine.create(tmp_path / "ix")
    engine.add(MINI)
    engine.add([Article("n1", "زلزال", "ضرب زلزال المدينة")])  # a second segment, and a merge's worth of TOC
    tocs = list((tmp_path / "ix").glob("gen-*/*.toc"))
    assert tocs
    for toc in tocs:
        raw = toc.read_bytes()
        for module in (b"akhbar.", b"analyzers.", b"indexer.", b"search."):  # as pickles name classes
            assert module not in raw, f"{toc.name} pickles a class from {module!r}"
        assert b"whoosh.fields" in raw
    assert Engine.open(tmp_path / "ix").search("زلزال").total == 1


def test_an_index_of_the_previous_release_asks_to_be_rebuilt(old_index: Path) -> None:
    with pytest.raises(IndexIncompatible, match="rebuild it with: akhbar index --rebuild"):
        Engine.open(old_index)
    result = CliRunner().invoke(app, ["search", "حلب", "--index", str(old_index)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "damaged" not in result.stderr


def test_an_old_toc_under_a_current_format_number_is_not_called_damaged(
    old_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as installed: the repository's folders (indexer/, analyzers/) are not importable as top-level modules
    monkeypatch.chdir(old_index.parent)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p and Path(p).resolve() != ROOT])
    for name in [m for m in sys.modules if m.split(".")[0] in ("indexer", "analyzers", "search")]:
        monkeypatch.delitem(sys.modules, name)
    meta = json.loads((old_index / "akhbar.json").read_text("utf-8"))
    (old_index / "akhbar.json").write_text(json.dumps({**meta, "format": 10}), "utf-8")
    with pytest.raises(IndexIncompatible, match="written by another version of akhbar") as caught:
        Engine.open(old_index).search("حلب")
    assert "damaged" not in str(caught.value)


def test_rebuilding_replaces_an_old_index(old_index: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "a", "title": "هدنة في حلب", "body": "هدنة في حلب"}, ensure_ascii=False))
    result = CliRunner().invoke(app, ["index", str(corpus), "--index", str(old_index), "--rebuild"])
    assert result.exit_code == 0, result.output
    assert Engine.open(old_index).search("حلب").total == 1
