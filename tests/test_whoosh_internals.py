"""Whoosh's private parts are used in one place, akhbar.indexer.whoosh_internals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@given(
    st.binary(max_size=300),
    st.lists(
        st.one_of(
            st.tuples(st.just("read"), st.integers(-1, 50)),
            st.tuples(st.just("readline"), st.integers(-1, 50)),
            st.tuples(st.just("seek"), st.integers(-20, 320), st.integers(0, 2)),
            st.tuples(st.just("tell")),
        ),
        max_size=20,
    ),
)
def test_a_compound_file_read_in_place_reads_as_the_copy_did(data: bytes, ops: list) -> None:
    import io

    from akhbar.indexer.whoosh_internals.storage import ViewFile

    view, copy = ViewFile(memoryview(data)), io.BytesIO(data)
    for op, *args in ops:
        if op == "seek":
            offset, whence = args
            if (
                whence == 0
                and offset < 0
                or copy.tell() + offset < 0
                and whence == 1
                or len(data) + offset < 0
                and whence == 2
            ):
                continue  # BytesIO refuses a position before the start
            assert view.seek(offset, whence) == copy.seek(offset, whence)
        else:
            assert getattr(view, op)(*args) == getattr(copy, op)(*args)
    assert list(view) == list(copy)


def test_an_open_index_holds_no_copy_of_its_files(tmp_path: Path) -> None:
    """Whoosh copies each file of a compound segment into the process (a BytesIO per file);
    akhbar reads them through the memory map."""
    import tracemalloc

    from whoosh.filedb import compound
    from whoosh.filedb.structfile import BufferFile

    from akhbar import Article, Engine
    from akhbar.indexer.whoosh_internals.storage import ViewBufferFile

    words = "حلب دمشق هدنة قصف روسيا تركيا مفاوضات جنيف الأمم المتحدة".split()
    Engine.create(tmp_path / "ix").add(
        Article(f"a{i}", f"خبر {i}", " ".join(words[(i * k) % len(words)] + str(k % 97) for k in range(300)))
        for i in range(1500)
    )
    assert compound.BufferFile is ViewBufferFile
    segments = sum(f.stat().st_size for f in (tmp_path / "ix").glob("gen-*/*.seg"))
    assert segments > 2_000_000

    def held() -> int:
        tracemalloc.start()
        with Engine.open(tmp_path / "ix") as engine:
            engine.search("حلب3 OR دمشق5")
            size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return size

    in_place = held()
    compound.BufferFile = BufferFile  # Whoosh's own: a copy of each file
    try:
        copied = held()
    finally:
        compound.BufferFile = ViewBufferFile
    assert copied - in_place > segments / 2
