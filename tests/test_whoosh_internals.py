"""Whoosh's private parts are used in one place, akhbar.indexer.whoosh_internals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from akhbar.indexer.whoosh_internals import RELIED_ON
from tests.conftest import ROOT

INSIDE = ROOT / "indexer" / "whoosh_internals"
SOURCES = sorted(
    p
    for folder in ("api", "analyzers", "indexer", "search", "benchmarks")
    for p in (ROOT / folder).rglob("*.py")
    if INSIDE not in p.parents
)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_no_other_module_reaches_into_whoosh(path: Path) -> None:
    source = path.read_text("utf-8")
    for name in RELIED_ON:
        for m in re.finditer(rf"(\w+)\.{name}\b|\bimport [^\n]*\b{name}\b", source):
            assert m[1] in ("self", "cls"), f"{path.name} uses Whoosh's private {name}"
    assert not re.search(r"from whoosh[\w.]* import [^\n]*\b_\w+", source), f"{path.name} imports a private Whoosh name"
    assert not re.search(r"from whoosh\.(codec|filedb\.filetables)", source), (
        f"{path.name} imports Whoosh's codec internals"
    )


def test_the_check_finds_a_private_use() -> None:
    assert re.search(r"(\w+)\._perdoc\b", "lengths = reader._perdoc.column_reader(x)")
    assert len(SOURCES) > 20
