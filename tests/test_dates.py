"""Dates: publication dates, mentioned dates (every month system, relative words,
digit systems, homograph traps), query ranges, and date search on a fixture corpus."""

import datetime as dt

import pytest

from akhbar.analyzers.dates import DateError, parse_date, parse_date_range, since
from akhbar.analyzers.mentions import extract_dates
from akhbar.indexer import Article
from akhbar.search import Engine, QueryError

D = dt.date
PUB = D(2016, 10, 19)  # a Wednesday

PUBLICATION = [
    ("iso_day", "2018-04-14", D(2018, 4, 14)),
    ("iso_datetime_tz", "2018-04-14T23:30:00+04:00", D(2018, 4, 14)),
    ("iso_datetime_z", "2018-04-14T10:00:00Z", D(2018, 4, 14)),
    ("rfc822", "Sat, 14 Apr 2018 10:00:00 +0400", D(2018, 4, 14)),
    ("dmy_slash", "14/04/2018", D(2018, 4, 14)),
    ("dmy_dot", "14.04.2018", D(2018, 4, 14)),
    ("compact", "20180414", D(2018, 4, 14)),
    ("arabic_levant", "14 نيسان 2018", D(2018, 4, 14)),
    ("arabic_weekday_gulf", "الأربعاء 2 مايو 2018", D(2018, 5, 2)),
    ("arabic_indic_digits", "١٤ أبريل ٢٠١٨", D(2018, 4, 14)),
    ("maghreb", "3 جويلية 2017", D(2017, 7, 3)),
]


@pytest.mark.parametrize("raw, expected", [c[1:] for c in PUBLICATION], ids=[c[0] for c in PUBLICATION])
def test_publication_date(raw: str, expected: dt.date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["yesterday", "2018-02-30", "32/01/2018", "نيسان"])
def test_unreadable_publication_date_is_refused(raw: str) -> None:
    with pytest.raises(DateError):
        parse_date(raw)


MENTIONS = [
    ("levant_day_month_year", "في 14 نيسان 2018 وقع", D(2018, 4, 14), D(2018, 4, 14)),
    ("levant_two_word_month", "في 5 كانون الثاني 2017", D(2017, 1, 5), D(2017, 1, 5)),
    ("gulf_month_year", "خلال أكتوبر 2016", D(2016, 10, 1), D(2016, 10, 31)),
    ("gulf_variant_spelling", "في 3 ابريل 2018", D(2018, 4, 3), D(2018, 4, 3)),
    ("maghreb", "يوم 12 جويلية 2016", D(2016, 7, 12), D(2016, 7, 12)),
    ("morocco", "في 9 شتنبر 2016", D(2016, 9, 9), D(2016, 9, 9)),
    ("hijri", "في 3 رمضان 1437 هـ", D(2016, 6, 8), D(2016, 6, 8)),
    ("hijri_month_year", "شهر محرم 1438", D(2016, 10, 2), D(2016, 10, 31)),
    ("arabic_indic_digits", "في ٢٠ تشرين الأول ٢٠١٦", D(2016, 10, 20), D(2016, 10, 20)),
    ("numeric", "بتاريخ 14/04/2018", D(2018, 4, 14), D(2018, 4, 14)),
    ("numeric_dotted_single_digits", "في 4.3.2018 أعلن", D(2018, 3, 4), D(2018, 3, 4)),
    ("numeric_iso_at_text_start", "2018-03-25 بيان", D(2018, 3, 25), D(2018, 3, 25)),
    ("numeric_arabic_indic", "بتاريخ ١٤/٠٤/٢٠١٨", D(2018, 4, 14), D(2018, 4, 14)),
    ("year_word", "منذ عام 2011", D(2011, 1, 1), D(2011, 12, 31)),
    ("past_day_month", "في 31 تموز الماضي", D(2016, 7, 31), D(2016, 7, 31)),
    ("past_day_month_last_year", "في 31 كانون الأول الماضي", D(2015, 12, 31), D(2015, 12, 31)),
    ("next_day_month", "في 5 شباط المقبل", D(2017, 2, 5), D(2017, 2, 5)),
    ("nearest_day_month", "في 20 تشرين الأول", D(2016, 10, 20), D(2016, 10, 20)),
    ("yesterday", "قال أمس إن", D(2016, 10, 18), D(2016, 10, 18)),
    ("yesterday_with_waw", "وأمس قال", D(2016, 10, 18), D(2016, 10, 18)),
    ("day_before_yesterday", "أول أمس", D(2016, 10, 17), D(2016, 10, 17)),
    ("today", "يعقد اليوم اجتماعا", D(2016, 10, 19), D(2016, 10, 19)),
    ("tomorrow", "يصل غداً", D(2016, 10, 20), D(2016, 10, 20)),
    ("last_thursday", "الخميس الماضي", D(2016, 10, 13), D(2016, 10, 13)),
    ("next_monday", "الاثنين المقبل", D(2016, 10, 24), D(2016, 10, 24)),
    ("last_week", "الأسبوع الماضي", D(2016, 10, 10), D(2016, 10, 16)),
    ("next_month", "الشهر المقبل", D(2016, 11, 1), D(2016, 11, 30)),
    ("last_year", "العام الماضي", D(2015, 1, 1), D(2015, 12, 31)),
    ("two_systems_slash", "اختفت في 8 مارس/آذار 2014", D(2014, 3, 8), D(2014, 3, 8)),
    ("two_systems_month", "في ديسمبر/كانون الأول 2017، إلا", D(2017, 12, 1), D(2017, 12, 31)),
    ("tunisian_past", "في 12 مارس الفارط", D(2016, 3, 12), D(2016, 3, 12)),
    ("month_of_year", "في شهر مارس من العام 2014", D(2014, 3, 1), D(2014, 3, 31)),
    ("first_of_yesterday", "فجر أول من أمس", D(2016, 10, 17), D(2016, 10, 17)),
    ("bil_ams", "بالأمس", D(2016, 10, 18), D(2016, 10, 18)),
    ("month_past", "منذ أغسطس الماضي", D(2016, 8, 1), D(2016, 8, 31)),
    ("month_past_last_year", "في تشرين الثاني/نوفمبر الماضي", D(2015, 11, 1), D(2015, 11, 30)),
    ("month_next", "بحلول يونيو المقبل", D(2017, 6, 1), D(2017, 6, 30)),
]


@pytest.mark.parametrize("text, start, end", [c[1:] for c in MENTIONS], ids=[c[0] for c in MENTIONS])
def test_mentioned_date(text: str, start: dt.date, end: dt.date) -> None:
    found = extract_dates(text, PUB)
    assert [(m.start, m.end) for m in found] == [(start, end)]
    m = found[0]
    assert text[m.begin : m.finish] == m.text


TRAPS = [
    ("maras_practised", "مارس الرياضة منذ صغره"),
    ("rajab_name", "قال رجب طيب أردوغان"),
    ("ab_father", "زار آب المدينة"),
    ("bare_month", "في أيار وحزيران كانت الأمطار"),
    ("libyan_spring", "في الربيع 2016 ازهرت"),
    ("water", "الماء 2016 مترا"),
    ("today_that", "اليوم الذي سقطت فيه"),
    ("big_number", "قتل 2016 شخصا"),
    ("lamas_touched", "لامس الذهب أعلى مستوى"),
    ("for_one_day", "رقما قياسيا ليوم واحد"),
    ("next_day", "في اليوم التالي مباشرة"),
    ("same_day", "في مساء نفس اليوم"),
    ("day_number", "اليوم 15 من الشهر"),
    ("movement_name", "حركة شباب 6 إبريل"),
    ("revolution_name", "منذ ثورة 25 يناير"),
    ("laptop", "و 2 لاب توب"),
    ("waw_yawm", "ويوم"),
    ("revolution_with_clitic", "اهتماما كبيرا بثورة 25 يناير"),
    ("until_today", "ولم ينجح حتى اليوم"),
    ("numeric_inside_longer_run", "الرقم 3/14/04/2018 والرقم 2018-03-25-7"),
    ("numeric_after_digit", "رمز 114/04/2018"),
]


@pytest.mark.parametrize("text", [c[1] for c in TRAPS], ids=[c[0] for c in TRAPS])
def test_homographs_are_not_dates(text: str) -> None:
    assert extract_dates(text, PUB) == []


def test_relative_words_need_a_publication_date() -> None:
    assert extract_dates("قال أمس", None) == []


RANGES = [
    ("year", "2016", (D(2016, 1, 1), D(2016, 12, 31))),
    ("month_range", "2018-03..2018-05", (D(2018, 3, 1), D(2018, 5, 31))),
    ("open_end", "2018-03-01..", (D(2018, 3, 1), None)),
    ("open_start", "..2013-01-31", (None, D(2013, 1, 31))),
    ("arabic_month", "تشرين الأول 2016", (D(2016, 10, 1), D(2016, 10, 31))),
    ("arabic_range", "من أكتوبر 2016 إلى ديسمبر 2016", (D(2016, 10, 1), D(2016, 12, 31))),
    ("arabic_day", "20 أكتوبر 2016", (D(2016, 10, 20), D(2016, 10, 20))),
    ("last_7_days", "آخر 7 أيام", (D(2018, 5, 4), D(2018, 5, 10))),
    ("today", "اليوم", (D(2018, 5, 10), D(2018, 5, 10))),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in RANGES], ids=[c[0] for c in RANGES])
def test_query_date_range(text: str, expected: tuple) -> None:
    assert parse_date_range(text, today=D(2018, 5, 10)) == expected


@pytest.mark.parametrize("text", ["2019..2018", "من ديسمبر 2016 إلى أكتوبر 2016", "2018-13", "2018-02-30", "كلام"])
def test_bad_query_date_range(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date_range(text, today=D(2018, 5, 10))


def test_since() -> None:
    assert since("7d", D(2018, 5, 10)) == D(2018, 5, 4)
    with pytest.raises(ValueError):
        since("7x", D(2018, 5, 10))


DATED = [
    Article("d1", "حلب", "بدأت الهدنة في 20 تشرين الأول وانتهت أمس.", D(2016, 10, 23), "A"),
    Article("d2", "حلب", "تذكر أحداث 14 نيسان 2012 في حلب.", D(2016, 12, 1), "B"),
    Article("d3", "حلب", "اجتماع الخميس الماضي في حلب.", D(2018, 5, 8), "A"),
    Article("d4", "دمشق", "خبر بلا تاريخ في دمشق.", D(2018, 5, 9), "B"),
]


@pytest.fixture(scope="module")
def dated() -> Engine:
    engine = Engine.in_memory(today=lambda: D(2018, 5, 10))
    engine.add(DATED)
    return engine


SEARCHES = [
    ("mentioned_day", "mentioned:2016-10-20", {"d1"}),
    ("mentioned_relative", "mentioned:2016-10-22", {"d1"}),
    ("mentioned_range", "حلب mentioned:2012..2013", {"d2"}),
    ("mentioned_last_thursday", "mentioned:2018-05-03", {"d3"}),
    ("date_arabic_month", 'date:"تشرين الأول 2016"', {"d1"}),
    ("date_arabic_range", 'حلب date:"من أكتوبر 2016 إلى ديسمبر 2016"', {"d1", "d2"}),
    ("date_last_days", 'date:"آخر 7 أيام"', {"d3", "d4"}),
]


@pytest.mark.parametrize("query, expected", [c[1:] for c in SEARCHES], ids=[c[0] for c in SEARCHES])
def test_date_search(dated: Engine, query: str, expected: set[str]) -> None:
    assert {h.id for h in dated.search(query)} == expected


def test_since_search_and_errors(dated: Engine) -> None:
    assert {h.id for h in dated.search("حلب OR دمشق", since="3d")} == {"d3", "d4"}
    with pytest.raises(QueryError, match="starts"):
        dated.search("date:2019..2018")
    with pytest.raises(QueryError, match="no month 13"):
        dated.search("mentioned:2018-13")


def test_hits_carry_mentioned_dates(dated: Engine) -> None:
    hit = dated.search("id:d1")[0]
    assert [(m["text"], m["from"]) for m in hit.mentioned] == [("20 تشرين الأول", "2016-10-20"), ("أمس", "2016-10-22")]
    body = DATED[0].body
    assert all(body[m["start"] : m["end"]] == m["text"] for m in hit.mentioned)


def test_timeline(dated: Engine) -> None:
    months = dated.timeline("حلب")
    assert months[0] == ("2016-10", 1) and months[-1] == ("2018-05", 1)
    assert ("2017-01", 0) in months  # gaps are shown
    assert dated.timeline("حلب", by="day")[0] == ("2016-10-23", 1)


def test_other_number_characters_are_not_days() -> None:
    # '❶'.isdigit() is True but int('❶') fails: this stopped a 150k-article build once
    assert [(m.text, m.kind) for m in extract_dates("في ❶ نيسان 2018 و ² أيار", PUB)] == [("نيسان 2018", "month")]
