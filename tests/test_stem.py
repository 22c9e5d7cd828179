"""Stemmer rules as a table, and the golden file of real words."""

from pathlib import Path

import pytest

from akhbar.analyzers import LightStemmer, normalize

STEM_CASES = [
    ("waw", "وقال", "قال"),
    ("waw_needs_three_letters", "وقت", "وقت"),
    ("waw_guard_ministry", "وزارة", "وزار"),
    ("waw_guard_minister", "وزير", "وزير"),
    ("waw_guard_described", "وصفه", "وصف"),
    ("waw_then_article", "والأخبار", "اخبار"),
    ("article_al", "الأخبار", "اخبار"),
    ("article_bal", "بالمدارس", "مدارس"),
    ("article_kal", "كالعادة", "عاد"),
    ("article_fal", "فالحكومة", "حكوم"),
    ("article_lil", "للمدارس", "مدارس"),
    ("compound_wabil", "وبالمدارس", "مدارس"),
    ("compound_walil", "وللمدارس", "مدارس"),
    ("compound_fabil", "فبالمدارس", "مدارس"),
    ("article_keeps_two_letters", "الله", "له"),
    ("suffix_ha", "أخبارها", "اخبار"),
    ("suffix_at", "الانتخابات", "انتخاب"),
    ("suffix_un", "المسؤولون", "مسوول"),
    ("suffix_in", "المسؤولين", "مسوول"),
    ("suffix_iyya", "الإنسانية", "انسان"),
    ("suffix_teh_marbuta", "هدنة", "هدن"),
    ("suffix_yeh", "السوري", "سور"),
    ("pronoun_hum", "كتابهم", "كتاب"),
    ("pronoun_na", "بلادنا", "بلاد"),
    ("pronoun_kum", "أرضكم", "ارض"),
    ("protected_name", "فلسطين", "فلسطين"),
    ("protected_name_with_prefix", "والفلسطيني", "فلسطين"),
    ("protected_place", "واشنطن", "واشنطن"),
    ("protected_person", "ماكرون", "ماكرون"),
    ("lone_proclitic_kept", "بحلب", "بحلب"),
    ("latin", "covid", "covid"),
    ("digits", "2018", "2018"),
]


@pytest.mark.parametrize("raw, expected", [c[1:] for c in STEM_CASES], ids=[c[0] for c in STEM_CASES])
def test_stem_rule(raw: str, expected: str) -> None:
    assert LightStemmer()(normalize(raw)) == expected


def test_light10_baseline_options() -> None:
    light10 = LightStemmer(waw_guard=False, compound_prefixes=False, pronoun_suffixes=False, protect=False)
    assert light10(normalize("وزارة")) == "زار"  # what the guard prevents
    assert light10(normalize("فبالمدارس")) == "فبالمدارس"
    assert light10(normalize("كتابهم")) == "كتابهم"


GOLDEN = Path(__file__).parent / "golden" / "light_stem.tsv"


def golden_rows() -> list[tuple[str, str]]:
    rows = []
    for line in GOLDEN.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            word, stem = line.split("\t")[:2]
            rows.append((word, stem))
    return rows


def test_golden_file_has_enough_words() -> None:
    assert len(golden_rows()) >= 300


def test_golden_stems(request: pytest.FixtureRequest) -> None:
    stem = LightStemmer()
    rows = golden_rows()
    if request.config.getoption("--update-golden"):
        header = [line for line in GOLDEN.read_text("utf-8").splitlines() if line.startswith("#")]
        GOLDEN.write_text("\n".join(header + [f"{w}\t{stem(normalize(w))}" for w, _ in rows]) + "\n", "utf-8")
        pytest.skip("golden file rewritten; review the diff")
    wrong = [(w, expected, stem(normalize(w))) for w, expected in rows if stem(normalize(w)) != expected]
    assert not wrong, f"{len(wrong)} golden stems changed, e.g. {wrong[:5]}"
