"""Term-at-a-time scoring (and the bonuses looked up in cached postings) must rank
and count exactly as Whoosh's matchers do — across segments, after updates (deleted
documents), with filters and exclusions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import akhbar.search.accumulate
import akhbar.search.engine
from akhbar.search import Engine
from tests.test_codec import _corpus

QUERIES = [
    "حلب",
    "هدنة دمشق",
    "وزارة الخارجية النفط",
    "حلب -النفط",
    "حلب OR القاهرة",
    "كلمة5",
    "كلمة5 حلب",  # a rare word beside a common one: the common one is looked up, not decoded
    "كلمة17 الرئيس -النفط",
    "الرئيس date:2018-03",
    '"وزارة الخارجية"',
    '"وزارة الخارجية"~3',
    '="وزارة الخارجية"',
    '"وزارة الخارجية" OR "الرئيس حلب"',
    '"الخارجية وزارة"',  # in order only
    '"هدنة دمشق حلب"~2 الرئيس',
    "NOT حلب",
    "date:2018",
    "person:بوتين",
]


def _answers(engine: Engine, match: str) -> list:
    out = []
    for q in QUERIES:
        r = engine.search(q, limit=20, match=match, snippet_width=0, suggest=False)
        out.append((q, r.total, [(h.id, round(h.score, 9)) for h in r.hits]))
    return out


@pytest.fixture(scope="module")
def updated_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = _corpus(150, seed=3)
    path = tmp_path_factory.mktemp("acc") / "ix"
    Engine.create(path).add(docs[:90])
    Engine.open(path).add(docs[90:])
    changed = [dataclasses.replace(d, body=d.body + " حلب") for d in docs[::7]]
    Engine.open(path).add(changed)  # the old copies are deleted in their segments
    return path


@pytest.mark.parametrize("match", ["all", "any"])
@pytest.mark.parametrize("cache", ["default", "tiny", "positions per document"])
def test_same_hits_scores_and_totals_as_whoosh(
    updated_index: Path, match: str, cache: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if cache == "tiny":  # every term cached, and evicted soon after
        monkeypatch.setattr(akhbar.search.accumulate, "CACHE_FROM", 1)
        monkeypatch.setattr(akhbar.search.accumulate, "CACHED_POSTINGS", 60)
        # a phrase word's positions always read whole, and evicted soon after
        monkeypatch.setattr(akhbar.search.accumulate, "WHOLE_POSITIONS", 10**9)
        monkeypatch.setattr(akhbar.search.accumulate, "CACHED_POSITIONS", 5)
    if cache == "positions per document":  # never read whole: skipped to, block by block
        monkeypatch.setattr(akhbar.search.accumulate, "WHOLE_POSITIONS", 0)
    engine = Engine.open(updated_index)
    fast = _answers(engine, match)
    assert fast == _answers(engine, match)  # again, from the cache
    monkeypatch.setattr(akhbar.search.engine.Engine, "_accumulator", lambda self, searcher: None)  # Whoosh's matchers
    slow = _answers(Engine.open(updated_index), match)
    assert fast == slow
    assert any(total > 20 for _, total, _ in fast)  # the queries do reach past one page


def test_deleted_copies_are_not_counted(updated_index: Path) -> None:
    engine = Engine.open(updated_index)
    assert len(engine) == 150
    hits = engine.search("حلب", limit=200, snippet_width=0)
    assert len({h.id for h in hits.hits}) == hits.total <= 150
