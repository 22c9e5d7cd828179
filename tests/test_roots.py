"""ISRI roots as a ranking signal: the port of nltk's ISRI stemmer, the rule table,
the analyzer, and the bonus in ``match="any"`` searches."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.analyzers import LightStemmer, normalize
from akhbar.analyzers.chains import ArabicRootAnalyzer
from akhbar.analyzers.isri import isri_root
from akhbar.analyzers.roots import root
from akhbar.indexer import Article
from akhbar.search import Engine

# one row per ISRI step or pattern; the expected roots are nltk 3.9's answers
ISRI_CASES = [
    ("stop_word_kept", "الذين", "الذين"),
    ("prefix3_kal", "كالمعلم", "علم"),
    ("prefix2_al", "المعلم", "علم"),
    ("suffix3_tan", "معلمتان", "علم"),
    ("suffix2_oun", "معلمون", "علم"),
    ("waw_before_waw", "ووزير", "وزر"),
    ("initial_hamza", "أكرم", "كرم"),
    ("w4_mafal", "مكتب", "كتب"),
    ("w4_faal", "كاتب", "كتب"),
    ("w4_fial", "كتاب", "كتب"),
    ("w4_faala_teh_marbuta", "درسة", "درس"),
    ("w5_iftaal", "اجتمع", "جمع"),
    ("w5_mafoul", "مكتوب", "كتب"),
    ("w5_mafala", "مدرسة", "درس"),
    ("w5_muftaal", "مجتمع", "جمع"),
    ("w5_mufaal", "مقاتل", "قتل"),
    ("w5_faala", "رسالة", "رسل"),
    ("w5_infaal", "انقلب", "قلب"),
    ("w5_afaal", "اخبار", "خبر"),
    ("w5_falan", "عطشان", "عطش"),
    ("w5_tafil", "تدريس", "درس"),
    ("w5_faoul", "قاموس", "قمس"),
    ("w5_fawail", "عوامل", "عمل"),
    ("w5_faail", "رسائل", "رسل"),
    ("w5_faila", "عاملة", "عمل"),
    ("w5_faali", "صحاري", "صحر"),
    ("w5_tafala", "ترجمة", "رجم"),
    ("w6_istafal", "استقبل", "قبل"),
    ("w6_mifaala", "مفتاحة", "فتح"),
    ("w6_iftiaal", "اجتماع", "جمع"),
    ("w6_ifawal", "اعشوشب", "عشب"),
    ("w6_tafail", "تقاسيم", "قسم"),
    ("w6_mutafalil", "متزلزل", "زلزل"),
    ("w7_suffix_then_prefix", "اطمئنان", "طمئ"),
    ("w7_prefixes", "والمستقبل", "قبل"),
    ("w10_affixes_then_pattern", "المستشفيات", "شفي"),
    ("short_word_kept", "من", "من"),
    ("latin_kept", "trump", "trump"),
]


@pytest.mark.parametrize(("rule", "word", "expected"), ISRI_CASES, ids=[c[0] for c in ISRI_CASES])
def test_isri_rules(rule: str, word: str, expected: str) -> None:
    assert isri_root(word) == expected


try:
    from nltk.stem.isri import ISRIStemmer  # what analyzers/isri.py was ported from; not a dependency
except ImportError:
    ISRIStemmer = None


@pytest.mark.skipif(ISRIStemmer is None, reason="nltk is not installed")
@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإةىؤئ\u064e\u0650", min_size=1, max_size=10))
def test_isri_port_answers_as_nltk_does(word: str) -> None:
    assert isri_root(word) == ISRIStemmer().stem(word)


ROOT_CASES = [
    ("broken_plural", "أخبار", "خبر"),
    ("singular_of_that_plural", "خبر", "خبر"),
    ("verb_form_3", "هاجم", "هجم"),
    ("verbal_noun", "هجوم", "هجم"),
    ("present_verb", "يدرس", "درس"),
    ("verbal_noun_with_teh_marbuta", "دراسة", "درس"),
    ("plural_with_prefix_and_suffix", "المكتبات", "كتب"),
    ("verb_form_8_noun", "اعتقال", "عقل"),
    ("number_kept", "2018", "2018"),
    ("latin_kept", "trump", "trump"),
]


@pytest.mark.parametrize(("rule", "word", "expected"), ROOT_CASES, ids=[c[0] for c in ROOT_CASES])
def test_root_rules(rule: str, word: str, expected: str) -> None:
    assert root(LightStemmer()(normalize(word))) == expected


def test_root_analyzer_drops_stop_words_and_roots_the_rest() -> None:
    assert [t.text for t in ArabicRootAnalyzer()("الهجوم على المكتبات")] == ["هجم", "كتب"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإةى0123456789ab ", max_size=12))
def test_root_never_raises_and_gives_a_word(text: str) -> None:
    n = normalize(text.replace(" ", ""))
    if n:
        r = root(LightStemmer()(n))
        assert isinstance(r, str) and r


_ROOT_DOCS = [
    # the verbal noun هجوم shares a root with the query's verb هاجم, not a stem
    Article("r1", "قافلة في الطريق", "وقع الهجوم على القافلة قرب المدينة الساحلية بعد الظهر", dt.date(2020, 1, 1)),
    Article("r2", "قافلة", "وصلت القافلة", dt.date(2020, 1, 2)),
]


def test_any_mode_ranks_an_article_with_the_query_words_root_higher() -> None:
    """Without the root bonus the shorter article ranks first (BM25 length norm); with
    it, the article about an attack (هجوم) answers «هاجم القافلة» first."""
    with_roots = Engine.in_memory()
    with_roots.add(_ROOT_DOCS)
    assert [h.id for h in with_roots.search("هاجم القافلة", match="any")] == ["r1", "r2"]
    without = Engine.in_memory(root_boost=0.0)
    without.add(_ROOT_DOCS)
    assert [h.id for h in without.search("هاجم القافلة", match="any")] == ["r2", "r1"]


def test_roots_never_add_hits_or_rank_all_words_searches() -> None:
    engine = Engine.in_memory()
    engine.add(_ROOT_DOCS)
    assert engine.search("هاجم القافلة").total == 0  # all words: هاجم is in neither article
    assert "root:" not in engine.search("القافلة").parsed
    assert "root:هجم" in engine.search("هاجم القافلة", match="any").parsed
