import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from akhbar.analyzers import normalize
from akhbar.analyzers.normalization import RULES, Normalizer

RULE_CASES = [
    ("strip_diacritics", "الرَّئِيسُ", "الرييس"),
    ("strip_diacritics", "كَتَبَ", "كتب"),
    ("strip_diacritics", "هٰذا", "هذا"),
    ("strip_tatweel", "الأخبـــار", "الاخبار"),
    ("fold_alef", "أحمد", "احمد"),
    ("fold_alef", "إسلام", "اسلام"),
    ("fold_alef", "آخر", "اخر"),
    ("fold_alef", "ٱلله", "الله"),
    ("fold_alef_maksura", "مستشفى", "مستشفي"),
    ("fold_teh_marbuta", "هدنة", "هدنه"),
    ("fold_hamza_carriers", "مسؤول", "مسوول"),
    ("fold_hamza_carriers", "رئيس", "رييس"),
    ("fold_persian", "کتاب", "كتاب"),
    ("fold_persian", "علی", "علي"),
    ("fold_digits", "٢٠١٠", "2010"),
    ("fold_digits", "۱۳۹۷", "1397"),
    ("fold_presentation", "ﻻ", "لا"),
    ("fold_presentation", "ﺍﻟﻌﺮﺑﻴﺔ", "العربيه"),
    ("lowercase", "BBC Arabic", "bbc arabic"),
    ("empty", "", ""),
    ("latin_untouched", "covid-19", "covid-19"),
]


@pytest.mark.parametrize("rule, raw, expected", RULE_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(RULE_CASES)])
def test_normalization_rule(rule: str, raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("rule", sorted(RULES))
def test_each_rule_can_be_switched_off(rule: str) -> None:
    samples = {r: raw for r, raw, _ in RULE_CASES}
    without = Normalizer([r for r in RULES if r != rule])
    assert without(samples[rule]) != normalize(samples[rule])


def test_normalizer_does_not_map_alef_maksura_to_alef() -> None:
    # pyarabic's normalize_alef turns الى into الا; ours must not
    assert normalize("إلى") == "الي"


def test_normalizer_pickles() -> None:
    n = Normalizer(["fold_alef"])
    assert pickle.loads(pickle.dumps(n))("أحمد") == "احمد"


@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
