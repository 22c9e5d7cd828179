"""The embeddable API: build, update, search, doc, errors, threads."""

import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from akhbar.indexer import Article
from akhbar.search import Engine, IndexIncompatible, IndexLocked, IndexNotFound, NotAnIndex, QueryError
from tests.conftest import MINI


def ids(results) -> list[str]:
    return [h.id for h in results]


def test_search_finds_affixed_forms(mini_engine: Engine) -> None:
    assert set(ids(mini_engine.search("هدنة حلب"))) == {"m01", "m02"}  # «بحلب ... والهدنة» too
    assert set(ids(mini_engine.search("أخبار"))) == {"m06"}


def test_hit_fields_and_snippet_highlight(mini_engine: Engine) -> None:
    hit = mini_engine.search("الهدنة")[0]
    assert hit.id == "m01" and hit.date == dt.date(2016, 10, 18) and hit.source == "BBC Arabic" and hit.score > 0
    body = MINI[0].body
    assert [body[s:e] for s, e in hit.matches] == ["الهدنةَ"]  # diacritic kept in the original
    assert [hit.snippet[s:e] for s, e in hit.snippet_spans] == ["الهدنةَ"]


def test_doc_and_missing_doc(mini_engine: Engine) -> None:
    assert mini_engine.doc("m03").title == "وزارة الخارجية تعلق"
    assert mini_engine.doc("nope") is None


def test_paging_and_total(mini_engine: Engine) -> None:
    first = mini_engine.search("في OR على OR الرئيس OR الهدنة", limit=1, page=1)
    second = mini_engine.search("في OR على OR الرئيس OR الهدنة", limit=1, page=2)
    assert first.total == second.total >= 2 and ids(first) != ids(second)


def test_match_any_ranks_documents_with_more_words_first(mini_engine: Engine) -> None:
    res = mini_engine.search("هدنة حلب القاهرة", match="any")
    assert ids(res)[0] in {"m01", "m02"} and "m08" in ids(res)


def test_on_disk_create_add_update_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    engine = Engine.create(path)
    r1 = engine.add(MINI)
    assert (r1.added, r1.total) == (len(MINI), len(MINI))
    r2 = engine.add(MINI)
    assert (r2.added, r2.updated, r2.unchanged) == (0, 0, len(MINI))
    changed = Article("m01", "هدنة جديدة", "نص مختلف تماما عن حلب", dt.date(2016, 10, 18))
    r3 = engine.add([changed])
    assert (r3.updated, r3.total) == (1, len(MINI))
    assert Engine.open(path).doc("m01").title == "هدنة جديدة"


def test_open_errors(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound):
        Engine.open(tmp_path / "missing")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "x.txt").write_text("hello")
    with pytest.raises(NotAnIndex, match="not an akhbar index"):
        Engine.open(tmp_path / "foreign")


def test_incompatible_format(tmp_index: Path) -> None:
    meta = json.loads((tmp_index / "akhbar.json").read_text())
    meta["format"] = 999
    (tmp_index / "akhbar.json").write_text(json.dumps(meta))
    with pytest.raises(IndexIncompatible, match="--rebuild"):
        Engine.open(tmp_index)


def test_second_writer_is_refused(tmp_index: Path) -> None:
    engine = Engine.open(tmp_index)
    with engine.store.lock():
        with pytest.raises(IndexLocked, match="being updated"):
            Engine.open(tmp_index).add(MINI)


def test_searcher_sees_updates_from_another_engine(tmp_index: Path) -> None:
    reader = Engine.open(tmp_index)
    assert reader.search("زلزال").total == 0  # the searcher is open before the update
    with pytest.raises(QueryError):
        reader.search("")
    Engine.open(tmp_index).add([Article("n1", "زلزال", "ضرب زلزال المدينة")])
    assert ids(reader.search("زلزال")) == ["n1"]


def test_concurrent_searches_from_threads(mini_engine: Engine) -> None:
    errors: list[BaseException] = []
    expected = ids(mini_engine.search("هدنة"))

    def run() -> None:
        try:
            for _ in range(50):
                assert ids(mini_engine.search("هدنة")) == expected
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_facets_count_all_hits_by_source_and_month(mini_engine: Engine) -> None:
    res = mini_engine.search("في OR على OR الرئيس OR هدنة", limit=1, facets=True)
    assert sum(res.facets["source"].values()) == res.total
    assert res.facets["month"]["2016-10"] == 2


def test_date_window(mini_engine: Engine) -> None:
    assert set(ids(mini_engine.search("هدنة", date_from="2016-10-19"))) == {"m02"}
    assert set(ids(mini_engine.search("هدنة", date_to="2016-10"))) == {"m01", "m02"}
    with pytest.raises(QueryError, match="after"):
        mini_engine.search("هدنة", date_from="2017", date_to="2016")


def test_suggestion_for_a_misspelled_word(mini_engine: Engine) -> None:
    res = mini_engine.search("القاهرو")
    assert res.total == 0 and res.suggestion == "القاهره"
    assert mini_engine.search(res.suggestion).total == 1


def test_similar(mini_engine: Engine) -> None:
    res = mini_engine.search("هدنة حلب")
    similar = mini_engine.similar("m01", limit=3)
    assert "m02" in ids(similar) and "m01" not in ids(similar)
    assert res.total == 2


def test_rebuild_replaces_an_incompatible_index(tmp_index: Path) -> None:
    meta = json.loads((tmp_index / "akhbar.json").read_text())
    meta["format"] = 1
    (tmp_index / "akhbar.json").write_text(json.dumps(meta))
    with pytest.raises(IndexIncompatible):
        Engine.at(tmp_index).add(MINI)
    report = Engine.at(tmp_index).add(MINI[:2], rebuild=True)
    assert report.total == 2 and Engine.open(tmp_index).search("هدنة").total == 2


def test_never_writes_into_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(NotAnIndex):
        Engine.at(tmp_path).add(MINI, rebuild=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


def test_an_article_that_breaks_analysis_is_rejected_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    import akhbar.indexer.prepare

    real = akhbar.indexer.prepare.extract_dates

    def flaky(text, published, words=None):
        if "زلزال" in text:
            raise ValueError("boom")
        return real(text, published, words)

    monkeypatch.setattr(akhbar.indexer.prepare, "extract_dates", flaky)
    problems: list[str] = []
    report = Engine.in_memory().add([*MINI, Article("bad", "خبر", "زلزال قوي")], report_problem=problems.append)
    assert (report.added, report.rejected) == (len(MINI), 1)
    assert "could not analyse this article (ValueError: boom)" in problems[0]


def test_an_article_that_breaks_entity_extraction_costs_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entities are extracted a batch at a time; one bad text must not lose the batch."""
    import akhbar.indexer.prepare

    real_batch, real_one = akhbar.indexer.prepare.extract_entities_batch, akhbar.indexer.prepare.extract_entities

    def flaky_batch(texts):
        if any("زلزال" in text for text, *_ in texts):
            raise ValueError("boom")
        return real_batch(texts)

    def flaky_one(text, words=None, norms=None):
        if "زلزال" in text:
            raise ValueError("boom")
        return real_one(text, words, norms)

    monkeypatch.setattr(akhbar.indexer.prepare, "extract_entities_batch", flaky_batch)
    monkeypatch.setattr(akhbar.indexer.prepare, "extract_entities", flaky_one)
    problems: list[str] = []
    engine = Engine.in_memory()
    report = engine.add([*MINI, Article("bad", "خبر", "زلزال قوي")], report_problem=problems.append, workers=0)
    assert (report.added, report.rejected) == (len(MINI), 1)
    assert "could not analyse this article (ValueError: boom)" in problems[0]
    assert engine.search("place:حلب").total > 0  # the batch's other articles kept their entities


@pytest.mark.parametrize("damage", ["truncate_segment", "delete_segment", "truncate_toc", "scramble_blocks"])
def test_damaged_index_files_give_one_clear_error(tmp_index: Path, damage: str) -> None:
    from akhbar.indexer import IndexCorrupt

    gen = tmp_index / json.loads((tmp_index / "akhbar.json").read_text())["generation"]
    seg = next(gen.glob("*.seg"))
    toc = next(gen.glob("*.toc"))
    if damage == "truncate_segment":
        seg.write_bytes(seg.read_bytes()[:1000])
    elif damage == "scramble_blocks":  # every compressed block's content garbled after its header
        raw = bytearray(seg.read_bytes())
        at = raw.find(b"\x28\xb5\x2f\xfd")
        assert at >= 0
        while at >= 0:
            raw[at + 6 : at + 14] = b"\xff" * 8
            at = raw.find(b"\x28\xb5\x2f\xfd", at + 4)
        seg.write_bytes(bytes(raw))
    elif damage == "delete_segment":
        seg.unlink()
    else:
        toc.write_bytes(toc.read_bytes()[:100])
    with pytest.raises(IndexCorrupt, match=r"damaged .*akhbar index --rebuild"):
        Engine.open(tmp_index).search("هدنة")


@pytest.mark.parametrize("where", ["in_memory", "on_disk"])
def test_an_id_repeated_in_one_run_keeps_the_last_copy(tmp_path: Path, where: str) -> None:
    engine = Engine.in_memory() if where == "in_memory" else Engine.at(tmp_path / "ix")
    copies = [
        Article("x", "أول", "زلزال في المدينة"),
        Article("y", "آخر", "المدينة"),
        Article("x", "ثان", "فيضان في المدينة"),
    ]
    report = engine.add([*copies, Article("x", "ثالث", "حريق في المدينة"), Article("x", "ثالث", "حريق في المدينة")])
    assert (report.read, report.added, report.updated, report.unchanged) == (5, 2, 2, 1)
    assert sorted(h.title for h in engine.search("المدينة")) == ["آخر", "ثالث"]
    assert engine.search("زلزال").total == 0 == engine.search("فيضان").total


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_a_date_range_without_articles_matches_nothing_in_every_order(mini_engine: Engine, sort: str) -> None:
    # Whoosh takes an empty filter set for no filter at all: every هدنة article came back
    assert mini_engine.search("هدنة", sort=sort, date_from="1990", date_to="1990").total == 0
    assert mini_engine.search("هدنة date:1990", sort=sort, facets=True).total == 0


@pytest.mark.parametrize("query", ["NOT هدنة", "date:2016", "date:2017..2018 -حمص", "NOT NOT هدنة", "-هدنة -حمص"])
def test_negations_and_date_ranges_alone_rank_as_whoosh_does(mini_engine: Engine, query: str, monkeypatch) -> None:
    fast = mini_engine.search(query, limit=50)
    monkeypatch.setattr(Engine, "_accumulator", lambda self, searcher: None)  # Whoosh's own matchers
    whoosh = mini_engine.search(query, limit=50)
    assert fast.total == whoosh.total > 0
    assert [(h.id, round(h.score, 6)) for h in fast] == [(h.id, round(h.score, 6)) for h in whoosh]


@pytest.mark.parametrize(
    "options, library, cli",
    [
        ({"date_from": "2018-99"}, "bad date_from", "bad --from"),
        (
            {"date_from": "2018", "date_to": "2017"},
            "date_from (2018-01-01) is after date_to",
            "--from (2018-01-01) is after --to",
        ),
        ({"since": "7x"}, "bad since", "bad --since"),
    ],
)
def test_the_library_names_its_parameters_and_the_cli_its_flags(
    mini_engine: Engine, tmp_index: Path, options: dict, library: str, cli: str
) -> None:
    from typer.testing import CliRunner

    from akhbar.search.cli import app

    with pytest.raises(QueryError) as caught:
        mini_engine.search("هدنة", **options)
    assert str(caught.value).startswith(library) and "--" not in str(caught.value)
    flags = {"date_from": "--from", "date_to": "--to", "since": "--since"}
    args = [arg for name, value in options.items() for arg in (flags[name], value)]
    result = CliRunner().invoke(app, ["search", "هدنة", "--index", str(tmp_index), *args])
    assert result.exit_code == 2 and result.stderr.startswith(f"akhbar: {cli}")


def test_prepare_reads_ahead_without_changing_answers(tmp_index: Path) -> None:
    cold = Engine.open(tmp_index).search("هدنة OR الأمطار", facets=True)
    warm_engine = Engine.open(tmp_index)
    warm_engine.prepare()
    warm = warm_engine.search("هدنة OR الأمطار", facets=True)
    assert warm.facets == cold.facets and [h.id for h in warm] == [h.id for h in cold]
    Engine.in_memory().prepare()  # an empty index too


def test_a_suggestion_out_of_time_never_fails_the_query(mini_engine: Engine, monkeypatch) -> None:
    """ "Did you mean" has a tenth of a second; a respelling still looking when it runs out
    (a cold vocabulary, a loaded machine) leaves the query answered without a suggestion."""
    import time

    from akhbar.indexer.deadline import check

    def slow(self, reader, word):
        time.sleep(0.15)
        check()
        return "هدنة"

    monkeypatch.setattr(Engine, "_respell", slow)
    results = mini_engine.search("هدنتنا الطويلة جدا")
    assert results.total == 0 and results.suggestion is None


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_ties_are_ordered_by_id_whatever_order_the_articles_were_added_in(sort: str) -> None:
    """Equal scores (or equal dates) are ordered by id: the order an index happens to hold
    articles in (which two builds, or an index and its shards, do not share) never shows."""
    day = dt.date(2020, 5, 1)
    articles = [Article(f"t{n}", "خبر", "هدنة في حلب", date=day) for n in (3, 1, 4, 0, 2)]
    orders = []
    for added in (articles, articles[::-1]):
        with Engine.in_memory() as engine:
            engine.add(added)
            orders.append([ids(engine.search("هدنة", sort=sort, limit=2, page=p)) for p in (1, 2, 3)])
    assert orders[0] == orders[1] == [["t0", "t1"], ["t2", "t3"], ["t4"]]


def test_articles_without_a_date_come_last_in_both_date_orders() -> None:
    with Engine.in_memory() as engine:
        engine.add(
            [
                Article("old", "خبر", "هدنة", date=dt.date(2019, 1, 1)),
                Article("undated", "خبر", "هدنة"),
                Article("new", "خبر", "هدنة", date=dt.date(2021, 1, 1)),
            ]
        )
        assert ids(engine.search("هدنة", sort="newest")) == ["new", "old", "undated"]
        assert ids(engine.search("هدنة", sort="oldest")) == ["old", "new", "undated"]


def test_facets_count_every_segment_of_an_updated_index(tmp_index: Path) -> None:
    """An update writes a second segment; the facets still count sources and months."""
    with Engine.open(tmp_index) as engine:
        engine.add([Article("x1", "هدنة جديدة", "أعلنت هدنة جديدة.", dt.date(2016, 10, 20), "France24")])
        facets = engine.search("هدنة", facets=True).facets
    assert facets["month"]["2016-10"] == 3 and facets["source"]["France24"] >= 1
