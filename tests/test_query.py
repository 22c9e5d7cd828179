"""The query language: constructs → expected documents, errors, and the parser property."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.search import Engine, QueryError
from akhbar.search.query import parse, parse_date_range

CASES = [
    ("all_words", "هدنة حلب", {"m01", "m02"}),
    ("or", "حمص OR القاهرة", {"m02", "m08"}),
    ("arabic_or", "حمص أو القاهرة", {"m02", "m08"}),
    ("not", "هدنة -حمص", {"m01"}),
    ("not_word", "هدنة NOT حمص", {"m01"}),
    ("group", "(حمص أو جنيف) الخارجية", {"m03"}),
    ("phrase_through_analyzer", '"هدنة إنسانية"', {"m01"}),
    ("phrase_across_stop_word", '"الإنسانية حلب"', {"m01"}),
    ("phrase_slop", '"أعلنت الإنسانية"~2', {"m01"}),
    ("phrase_order", '"حلب هدنة"', set()),
    ("exact_form", "=الشاهد", {"m05"}),
    ("stemmed_form", "الشاهد", {"m05"}),
    ("prefix", "الشهو*", {"m05"}),
    ("fuzzy", "القاهره~", {"m08"}),
    ("title_field", "title:هدنة", {"m01"}),
    ("body_field", "body:هدنة", {"m01", "m02"}),
    ("source_case_insensitive", 'source:"bbc arabic"', {"m01", "m03"}),
    ("id_field", "id:m04", {"m04"}),
    ("date_year", "date:2018", {"m05", "m06", "m07"}),
    ("date_range", "date:2016-10..2017-03", {"m01", "m02", "m03", "m04"}),
    ("date_open_end", "date:2018-05-05..", {"m06", "m07"}),
    ("date_open_start", "date:..2016-10-19", {"m01"}),
    ("digits_fold", "2018", {"m07"}),
    ("arabic_digits_query", "٢٠١٨", {"m07"}),
    ("waw_guard", "زار", {"m04"}),
    ("ministry_not_visited", "وزارة", {"m03", "m07"}),
    ("diacritics_in_query", "الهُدْنَة", {"m01", "m02"}),
    ("required_plus", "+حمص هدنة", {"m02"}),
]


@pytest.mark.parametrize("query, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_query_construct(mini_engine: Engine, query: str, expected: set[str]) -> None:
    assert {h.id for h in mini_engine.search(query, limit=50)} == expected


def test_exact_does_not_match_other_forms(mini_engine: Engine) -> None:
    # =الشاهد must not return the article that only has شهادة/الشهود
    assert {h.id for h in mini_engine.search("=الشهود")} == {"m05"}
    assert mini_engine.search("=شاهد").total == 1  # title «شاهد عيان»


ERRORS = [
    ("unbalanced_quote", 'هدنة "حلب', "unbalanced quote", 5),
    ("unbalanced_open_paren", "(هدنة حلب", "'(' without ')'", 0),
    ("unbalanced_close_paren", "هدنة حلب)", "')' without '('", 8),
    ("bad_month", "date:2018-13", "no month 13", 0),
    ("bad_day", "date:2018-02-30", "not a real date", 0),
    ("reversed_range", "date:2019..2018", "starts", 0),
    ("unknown_field", "foo:bar", "unknown field", 0),
    ("dangling_or", "حلب OR", "needs a term", 4),
    ("only_stop_words", "في من", "only stop words", None),
    ("empty", "   ", "empty query", None),
    ("leading_wildcard", "*ب", "only supported at the end", 0),
]


@pytest.mark.parametrize("query, message, position", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_query_errors(mini_engine: Engine, query: str, message: str, position: int | None) -> None:
    with pytest.raises(QueryError, match=re.escape(message)) as info:
        mini_engine.search(query)
    if position is not None:
        assert info.value.position == position


def test_date_range_parsing() -> None:
    import datetime as dt

    assert parse_date_range("2016") == (dt.date(2016, 1, 1), dt.date(2016, 12, 31))
    assert parse_date_range("2016-02") == (dt.date(2016, 2, 1), dt.date(2016, 2, 29))
    assert parse_date_range("..2013-01-31") == (None, dt.date(2013, 1, 31))


QUERY_ALPHABET = st.sampled_from(
    list('حلبهدنةالإنسانية "()-+=*~:|0123456789 ORANDNOTtitledatesource.') + ["أو", "date:", "OR ", "\u200f", "\u064e"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(QUERY_ALPHABET, max_size=20).map("".join))
def test_parser_raises_only_query_error(q: str) -> None:
    try:
        parse(q)
    except QueryError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_search_raises_only_query_error(mini_engine: Engine, q: str) -> None:
    try:
        mini_engine.search(q)
    except QueryError:
        pass


def test_required_word_in_any_mode_keeps_every_hit_with_it(mini_engine: Engine) -> None:
    # a limited, unoptimized search once lost hits here (Whoosh's AndMaybe)
    res = mini_engine.search("+هدنة حمص القاهرة", match="any", limit=1)
    assert res.total == 2 and res.hits[0].id == "m02"


def test_proximity_bonus_adds_no_hits_in_all_mode() -> None:
    from conftest import MINI

    engine = Engine.in_memory(proximity=1.0)
    engine.add(MINI)
    plain = Engine(engine.store)
    for q in ("هدنة حلب", "الهدنة الإنسانية حلب", "قصف ريف حمص"):
        assert {h.id for h in engine.search(q, limit=50)} == {h.id for h in plain.search(q, limit=50)}
    assert (
        engine.search("الإنسانية حلب", match="any", limit=1).total == plain.search("الإنسانية حلب", match="any").total
    )


def test_hit_count_is_exact_for_or_queries() -> None:
    """The total counts every hit (Whoosh with optimize=False once reported 2,503 of 3,294)."""
    from akhbar.indexer import Article

    engine = Engine.in_memory()
    words = ["حلب", "حمص", "دمشق", "درعا", "إدلب"]
    engine.add([Article(f"a{i}", "", f"خبر عن {words[i % 5]} رقم {i}") for i in range(3000)])
    res = engine.search(" OR ".join(words), limit=1)
    assert res.total == 3000


def test_bonuses_rescored_for_candidates_rank_as_one_full_scoring() -> None:
    """Below RERANK hits, adding the bonus scores (exact form, lead) to the candidates
    ranks exactly as scoring everything in one query did."""
    import dataclasses

    from whoosh import query as wq

    from akhbar.indexer.whoosh_internals.collecting import search_counting
    from akhbar.search.query import compile_query
    from tests.conftest import MINI

    engine = Engine.in_memory()
    engine.add(
        [dataclasses.replace(MINI[i % len(MINI)], id=f"d{i}", title=MINI[(i * 3) % 8].title) for i in range(120)]
    )
    searcher = engine._current()
    for q in ("الهدنة", "هدنة حلب", "الأخبار OR الشهود", "وزارة الخارجية", "حلب -قصف"):
        c = compile_query(q, searcher.reader(), engine._settings, ranking=engine.ranking)
        assert c.bonus, q
        full = search_counting(searcher, wq.Or([c.query, *c.bonus]), 50, {"filter": c.query})
        expected = [(engine._current().stored_fields(h.docnum)["id"], round(h.score, 6)) for h in full]
        got = [(h.id, round(h.score, 6)) for h in engine.search(q, limit=50, snippet_width=0)]
        assert sorted(got, key=lambda x: (-x[1], x[0])) == sorted(expected, key=lambda x: (-x[1], x[0])), q


@pytest.mark.parametrize(
    "query, match, expected",
    [("هدنة date:2016", "all", {"m01", "m02"}), ("هدنة الأخبار date:2016", "any", {"m01", "m02"})],
)
def test_a_date_range_restricts_the_hits_in_both_modes(
    mini_engine: Engine, query: str, match: str, expected: set[str]
) -> None:
    # without the range, --any also finds m06 (الأخبار, 2018)
    assert {h.id for h in mini_engine.search(query, match=match, limit=50)} == expected


def test_date_ranges_apply_in_timeline_entities_and_nested_groups(mini_engine: Engine) -> None:
    assert mini_engine.timeline("هدنة date:2016") == [("2016-10", 2)]
    assert "القاهرة" not in {e.name for e in mini_engine.entities("حلب OR القاهرة date:2016")}
    assert "القاهرة" in {e.name for e in mini_engine.entities("حلب OR القاهرة")}
    assert {h.id for h in mini_engine.search("(هدنة date:2017) OR الأخبار")} == {"m06"}
