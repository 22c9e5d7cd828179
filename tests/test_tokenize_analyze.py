import pickle

from hypothesis import given
from hypothesis import strategies as st

from akhbar.analyzers import ArabicAnalyzer, ArabicExactAnalyzer, analyze
from akhbar.analyzers.tokenize import ArabicTokenizer, iter_words

ARABIC = st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF) | st.sampled_from(" ،.\nabc123"))


def test_vocalized_word_is_one_token_with_original_offsets() -> None:
    text = "قالَ الرَّئيسُ السوريُّ"
    assert [text[t.startchar : t.endchar] for t in ArabicTokenizer()(text, chars=True)] == ["قالَ", "الرَّئيسُ", "السوريُّ"]


def test_mixed_scripts_and_digits() -> None:
    assert [t.original for t in analyze("قمة G20 في ٢٠١٨ COVID-19")] == ["قمة", "G20", "في", "٢٠١٨", "COVID", "19"]


def test_analyze_reports_normalized_stem_and_offsets() -> None:
    text = "وَبِالمَدارِسِ الإنسانيّة"
    tokens = analyze(text)
    assert [(t.normalized, t.stem) for t in tokens] == [("وبالمدارس", "مدارس"), ("الانسانيه", "انسان")]
    assert all(text[t.start : t.end] == t.original for t in tokens)


def test_stop_words_are_removed_and_positions_renumbered() -> None:
    tokens = [(t.text, t.pos) for t in ArabicAnalyzer()("الهدنة في حلب", positions=True)]
    assert tokens == [("هدن", 0), ("حلب", 1)]


def test_stop_list_is_normalized() -> None:
    # إلى is in the list as written; the token is normalized to الي and must still be stopped
    assert [t.text for t in ArabicExactAnalyzer()("ذهب إلى حلب")] == ["ذهب", "حلب"]


def test_analyzers_pickle() -> None:
    for make in (ArabicAnalyzer, ArabicExactAnalyzer):
        ana = pickle.loads(pickle.dumps(make()))
        assert [t.text for t in ana("الأخبار")]


@given(ARABIC)
def test_analyzer_never_raises_and_offsets_point_into_text(text: str) -> None:
    tokens = analyze(text)
    for t in tokens:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start : t.end] == t.original


@given(ARABIC)
def test_positions_increase(text: str) -> None:
    positions = [t.pos for t in ArabicAnalyzer()(text, positions=True)]
    assert positions == sorted(positions)
    stems = [t.position for t in analyze(text) if t.position is not None]
    assert stems == list(range(len(stems)))


@given(st.text(alphabet="اب ـًّٰ_٢3aZ.\n،" + "\u0670\u06d6", max_size=40) | ARABIC)
def test_analysis_core_finds_the_tokenizers_words_and_offsets(text: str) -> None:
    """AnalysisCore locates words with str.find instead of match objects: the same words
    at the same offsets (standalone marks, tatweel, underscores and repeats included)."""
    from akhbar.analyzers.chains import AnalysisCore

    found = [(w, start, end) for w, _, _, start, end in AnalysisCore().words(text)]
    assert found == [(m.group(), m.start(), m.end()) for m in iter_words(text)]


@given(ARABIC)
def test_the_analysis_equals_the_rules_one_filter_at_a_time(text: str) -> None:
    from akhbar.analyzers.chains import ArabicRootAnalyzer, rule_chain

    cases = (
        (ArabicAnalyzer(), rule_chain()),
        (ArabicExactAnalyzer(), rule_chain(stem=False)),
        (ArabicRootAnalyzer(), rule_chain(roots=True)),
    )
    for analyzer, chain in cases:
        fast = [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]
        slow = [(t.text, t.pos, t.startchar, t.endchar) for t in chain(text, positions=True, chars=True)]
        # Whoosh's StopFilter keeps the first position it sees (1 when a tatweel-only
        # token before it normalized to nothing); only relative positions matter
        first = slow[0][1] if slow else 0
        assert fast == [(x, p - first, s, e) for x, p, s, e in slow]


def test_fast_analyzer_pickles_with_a_shared_core() -> None:
    from akhbar.analyzers.chains import AnalysisCore, FastArabicAnalyzer

    core = AnalysisCore()
    a, b = pickle.loads(pickle.dumps((FastArabicAnalyzer(core=core), FastArabicAnalyzer(stem=False, core=core))))
    assert a.core is b.core and [t.text for t in a("الأخبار")] == ["اخبار"]


def test_one_rule_off_changes_indexing_queries_highlights_and_analyze() -> None:
    """One analysis serves all four: without the rule that strips diacritics, «هدنةً»
    keeps its tanween in the index, in a compiled query, in the highlighter and in analyze()."""
    from akhbar import Article, Engine
    from akhbar.analyzers import AnalysisSettings
    from akhbar.analyzers.chains import shared_core
    from akhbar.analyzers.normalization import DEFAULT_RULES
    from akhbar.search.highlight import Highlighter
    from akhbar.search.query import Highlights, compile_query

    on = AnalysisSettings()
    off = AnalysisSettings(rules=tuple(r for r in DEFAULT_RULES if r != "strip_diacritics"))
    text = "أعلنت هدنةً في حلب"

    def seen(settings: AnalysisSettings) -> tuple:
        engine = Engine.in_memory(settings=settings)
        engine.add([Article("a", "خبر", text)])
        reader = engine._current().reader()
        indexed = sorted(t.decode() for t in reader.lexicon("body_exact"))
        compiled = str(compile_query("هدنةً", reader, settings).query)
        marked = Highlighter(shared_core(settings)).matches(text, Highlights(exact={"هدنه"}))
        return indexed, compiled, marked, [t.normalized for t in analyze(text, settings)]

    with_rule, without = seen(on), seen(off)
    assert "هدنه" in with_rule[0] and "هدنهً" in without[0]  # the index
    assert "هدنهً" not in with_rule[1] and "هدنهً" in without[1]  # the query
    assert with_rule[2] == [(6, 11)] and without[2] == []  # the highlights
    assert "هدنه" in with_rule[3] and "هدنهً" in without[3]  # analyze()
