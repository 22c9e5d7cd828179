"""Entities: extraction on sentences, variant grouping, aliases, entity search."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import akhbar.search.entity_counts as entity_counts
from akhbar.analyzers import entities, entity_features, gazetteer, names, normalize
from akhbar.analyzers.entities import TYPES, extract_entities
from akhbar.analyzers.gazetteer import entity_key, lookup
from akhbar.analyzers.names import similar_names, skeleton
from akhbar.analyzers.sentences import sentences_of
from akhbar.indexer import Article
from akhbar.search import Engine, QueryError
from akhbar.search.entity_keys import EntityKeys
from akhbar.search.name_spellings import NameSpellings
from akhbar.search.render import Renderer
from tests.conftest import MINI

SENTENCES = [
    ("title_and_name", "التقى الرئيس الروسي فلاديمير بوتين نظيره التركي", [("فلاديمير بوتين", "person")]),
    ("city_after_preposition", "وصل الوفد إلى دمشق أمس", [("دمشق", "place")]),
    ("two_word_place", "اشتباكات في دير الزور", [("دير الزور", "place")]),
    ("org_alias", "أعلن تنظيم الدولة الإسلامية مسؤوليته", [("تنظيم الدولة الإسلامية", "organization")]),
    ("clitic_on_name", "وقال لافروف إن", [("لافروف", "person")]),
    ("country", "زار ماكرون ألمانيا", [("ماكرون", "person"), ("ألمانيا", "place")]),
    ("harbour_is_not_morsi", "افتتح المرسى الجديد للصيادين", []),
    ("verb_fatah_is_not_fatah", "فتح المتحف أبوابه للزوار", []),
    ("quoted_name_without_descriptor", 'قالت وكالة "فرانس برس" إن', [("فرانس برس", "organization")]),
    ("guillemets", "ونقلت لوكالة «فرانس برس» أمس", [("فرانس برس", "organization")]),
    ("name_stops_at_punctuation", 'قال أبو نصر"، نهب المسلحون', [("أبو نصر", "person")]),
    ("hashtag_inside_a_name", "إدارة الرئيس الأميركي دونالد #ترمب في جولة", [("دونالد #ترمب", "person")]),
    ("hashtag_joins_a_name", "وصل #فلاديمير_بوتين إلى #هلسنكي", [("فلاديمير_بوتين", "person"), ("هلسنكي", "place")]),
    ("hashtag_joins_a_surname", "العميل السابق #سيرغي_سكريبال وابنته", [("سيرغي_سكريبال", "person")]),
    ("hashtag_before_a_surname", "الجاسوس السابق سيرغي #سكريبال وابنته", [("سيرغي #سكريبال", "person")]),
    ("adjective_is_not_the_country", "وتحسن الوضع المالي للشركة", []),
    ("feminine_adjective_is_not_the_country", "قالت الحكومة السورية إن الجيش دخل حلب", [("حلب", "place")]),
    ("country_without_article", "وصلت القوات إلى مالي", [("مالي", "place")]),
    ("common_word_is_not_the_country", "دفع مبلغ مالي كبير", []),
    ("boys_are_not_benin", "مدارس البنين والبنات", []),
    ("acronym_takes_the_article", "عاقب الفيفا النادي", [("الفيفا", "organization")]),
    ("name_written_with_article", "وصل الوفد بالعراق", [("بالعراق", "place")]),
    ("troupe_is_not_raqqa", "فرقة موسيقية تتألق في المهرجان", []),
    ("paper_is_not_raqqa", "قدم ورقة عمل في المؤتمر", []),
    ("corrupt_is_not_assad", "أقيل المسؤول فاسد الذمة", []),
    ("raqqa_after_a_clitic_keeps_its_article", "دخلت القوات بالرقة", [("بالرقة", "place")]),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in SENTENCES], ids=[c[0] for c in SENTENCES])
def test_extraction(text: str, expected: list[tuple[str, str]]) -> None:
    found = extract_entities(text)
    assert [(m.text, m.type) for m in found] == expected
    assert all(text[m.start : m.end] == m.text for m in found)


SAME = [
    ("ترامب", "ترمب"),
    ("بوتين", "بوتن"),
    ("نتنياهو", "نتانياهو"),
    ("غوتيريس", "غوتيريش"),
    ("كيم جونغ أون", "كيم جونج أون"),
    ("دي ميستورا", "دي مستورا"),
    ("أردوغان", "إردوغان"),
    ("ولافروف", "لافروف"),
    ("أنجيلا ميركل", "أنغيلا ميركل"),  # G as ج or غ
    ("عبدالفتاح السيسي", "عبد الفتاح السيسي"),  # عبد + a name, joined or apart
]
DIFFERENT = [
    ("ترامب", "بوتين"),
    ("مرسي", "ماكرون"),
    ("حسن", "حسين"),
    ("بوتينا", "بوتين"),
    ("ميركل", "ماركل"),  # Merkel, Markle: one skeleton, another vowel
    ("ميغان ماركل", "أنجيلا ميركل"),
]


@pytest.mark.parametrize("a, b", SAME, ids=[f"{a}={b}" for a, b in SAME])
def test_variants_share_a_key(a: str, b: str) -> None:
    assert entity_key(a, "person") == entity_key(b, "person")


@pytest.mark.parametrize("a, b", DIFFERENT, ids=[f"{a}!={b}" for a, b in DIFFERENT])
def test_different_names_do_not(a: str, b: str) -> None:
    assert entity_key(a, "person") != entity_key(b, "person")


SIMILAR = [
    ("غوارديولا", "جوارديولا", True),
    ("انطوان غريزمان", "انطوان جريزمان", True),
    ("مارك زوكربيرغ", "مارك زوكربرج", True),
    ("نتنياهو", "نتانياهو", True),
    ("ميركل", "ماركل", False),  # another vowel, another name
    ("بوتين", "بوتان", False),
    ("بوتينا", "بوتين", False),
    ("غوتيريس", "غوتيريش", False),  # another consonant: the gazetteer lists that one
    # Arabic names write their long vowels: two names the language knows are two names
    ("محمد", "محمود", False),
    ("حسن", "حسين", False),
    ("محمد صلاح", "محمد صالح", False),
    ("عمرو موسى", "عمر موسى", False),
    ("غزة", "جيزة", False),  # two places the gazetteer lists (the G rule would join them)
    ("عمرو أديب", "عمرو دياب", False),  # several words: alike word for word
    ("فرانسوا هولاند", "فرنسوا هولاند", True),
]


@pytest.mark.parametrize("a, b, same", SIMILAR, ids=[f"{a}~{b}" for a, b, _ in SIMILAR])
def test_similar_names_differ_only_in_long_vowels_written_or_not(a: str, b: str, same: bool) -> None:
    a, b = normalize(a), normalize(b)
    assert similar_names(a, b) is same and similar_names(b, a) is same


def test_a_name_nobody_listed_is_found_in_its_other_spellings() -> None:
    """person: finds the spellings of a name the gazetteer does not know, G as غ or ج
    included, at query time; another vowel is another name."""
    e = Engine.in_memory()
    e.add(
        [
            Article("g1", "مدرب", "قال المدرب بيب غوارديولا إن الفريق جاهز."),
            Article("g2", "مدرب", "قال المدرب بيب جوارديولا إن الفريق جاهز."),
            Article("g3", "مدرب", "قال المدرب بيب جوارديالا إن الفريق جاهز."),
        ]
    )
    assert {h.id for h in e.search('person:"بيب غوارديولا"')} == {"g1", "g2"}
    assert {h.id for h in e.search('person:"بيب جوارديولا"')} == {"g1", "g2"}


def test_a_surname_alone_finds_the_full_names_ending_in_it() -> None:
    """person: with a surname alone finds the people of that surname the gazetteer does
    not list, written in full or not; a listed person's surname stays that person.  The
    full names are found by key, not looked for as text: they hold the surname (a first
    name alone, محمد, would spend the query on everyone named after it)."""
    e = Engine.in_memory()
    e.add(
        [
            Article("m1", "زفاف", "حضرت الممثلة ميغان ماركل حفل الزفاف في لندن."),
            Article("m2", "زفاف", "قالت الممثلة ماركل إنها سعيدة."),
            Article("m3", "زيارة", "استقبلت المستشارة أنغيلا ميركل الرئيس في برلين."),
            Article("m4", "زيارة", "قالت إيفانكا ترامب إن الزيارة ناجحة."),
            Article("m5", "زيارة", "قال الرئيس دونالد ترامب إن الزيارة ناجحة."),
        ]
    )
    surname = e.search("person:ماركل")
    assert {h.id for h in surname} == {"m1", "m2"}
    assert "ميغان ماركل" in surname.names[0].keys and surname.names[0].spellings == ["ماركل"]
    assert {h.id for h in e.search('person:"ميغان ماركل"')} == {"m1"}
    assert {h.id for h in e.search("person:ميركل")} == {"m3"}
    assert {h.id for h in e.search("person:ترمب")} == {"m5"}


def test_a_saints_city_is_found_without_the_saints_word() -> None:
    """place:بطرسبرغ is the city the tagger keyed as «سان بطرسبرغ» too; a direction before
    a name makes another place, joined only where most articles writing the name mean it."""
    e = Engine.in_memory()
    sudan = [Article(f"s{i}", "اتفاق", f"وقعت حكومة السودان الاتفاق رقم {i} في الخرطوم.") for i in range(4)]
    e.add(
        [
            Article("p1", "منتدى", "افتتح المنتدى الاقتصادي في مدينة سان بطرسبرغ الروسية أمس."),
            Article("p2", "منتدى", "وصل الوفد إلى بطرسبرغ صباح اليوم."),
            Article("p3", "استفتاء", "أعلنت حكومة جنوب السودان نتائج الاستفتاء."),
            *sudan,
        ]
    )
    city = e.search("place:بطرسبرغ")
    assert {h.id for h in city} == {"p1", "p2"} and "سان بطرسبرغ" in city.names[0].keys
    assert {h.id for h in e.search('place:"سان بطرسبرغ"')} == {"p1"}
    assert "جنوب السودان" not in e.search("place:السودان").names[0].keys


SURNAMES = [
    # (text, the keys of its person mentions)
    ("حضرت ميغان ماركل الحفل. وقالت ماركل إنها سعيدة.", ["ميغان ماركل", "ميغان ماركل"]),
    ("وقالت ماركل إنها سعيدة.", ["ماركل"]),  # no full name to join
    # two full names end in the word: it stays itself
    ("التقى جون سميث وآدم سميث. وقال سميث إن اللقاء مثمر.", ["جون سميث", "ادم سميث", "سميث"]),
]


@pytest.mark.parametrize("text, keys", SURNAMES, ids=range(len(SURNAMES)))
def test_a_surname_alone_is_the_person_named_in_full(text: str, keys: list[str]) -> None:
    assert [m.key for m in extract_entities(text) if m.type == "person"] == keys


def test_a_surname_in_the_title_is_the_person_named_in_full_in_the_body() -> None:
    e = Engine.in_memory()
    e.add([Article("t1", "زيارة سميث إلى لندن", "وصل الكاتب جون سميث إلى لندن أمس.")])
    (hit,) = e.search("id:t1")
    assert {(m["in"], m["key"]) for m in hit.entities if m["type"] == "person"} == {
        ("title", "جون سميث"),
        ("body", "جون سميث"),
    }
    assert [(x.name, x.articles) for x in e.entities(type="person")] == [("جون سميث", 1)]


def test_skeleton_check_is_for_names_only() -> None:
    # ordinary words with one skeleton are not merged unless the subsequence check agrees
    assert skeleton("كتاب") == skeleton("كتب") and not similar_names("كتاب", "كتيب")


ALIASES = [
    ("place", "سورية", "سوريا"),
    ("organization", "تنظيم الدولة", "داعش"),
    ("organization", "جبهة النصرة", "هيئة تحرير الشام"),
    ("place", "أميركا", "الولايات المتحدة"),
    ("person", "أبو مازن", "محمود عباس"),
]


@pytest.mark.parametrize("kind, alias, canonical", ALIASES, ids=[a for _, a, _ in ALIASES])
def test_alias_table(kind: str, alias: str, canonical: str) -> None:
    assert entity_key(alias, kind) == entity_key(canonical, kind)


# the article is dropped only from a name written with it; article forms news uses are listed
ARTICLE_READINGS = [
    ("بالعراق", "العراق"),
    ("والرقة", "الرقة"),
    ("الفيفا", "الاتحاد الدولي لكرة القدم"),
    ("البيرو", "بيرو"),
    ("الحمص", None),  # chickpeas, not Homs
    ("القطر", None),  # the diameter, not Qatar
    ("الجدة", None),  # the grandmother, not Jeddah
    ("اللبنان", None),
    ("المالي", None),  # financial, not Mali
]


@pytest.mark.parametrize("written, canonical", ARTICLE_READINGS, ids=[w for w, _ in ARTICLE_READINGS])
def test_article_is_dropped_only_from_names_written_with_it(written: str, canonical: str | None) -> None:
    found = lookup(normalize(written).split())
    assert (found[1] if found else None) == canonical
    if canonical is None:  # nor does a name the model finds there take the listed name's key
        assert entity_key(written, "place") != entity_key(written[2:], "place")


# a capital is a place of its own: a reader asking for the city gets the city
NOT_ALIASES = [
    ("place", "موسكو", "روسيا"),
    ("place", "واشنطن", "الولايات المتحدة"),
    ("place", "القاهرة", "مصر"),
    ("place", "عمان", "الأردن"),  # Amman, and Oman (عُمان) alike
    ("place", "الدوحة", "قطر"),
]


@pytest.mark.parametrize("kind, a, b", NOT_ALIASES, ids=[f"{a}!={b}" for _, a, b in NOT_ALIASES])
def test_capitals_are_not_their_countries(kind: str, a: str, b: str) -> None:
    assert entity_key(a, kind) != entity_key(b, kind)
    assert lookup(normalize(a).split()) == (kind, a)


DOCS = [
    Article("e1", "ترمب يلتقي بوتن", "قال الرئيس الأمريكي دونالد ترامب إنه سيلتقي فلاديمير بوتين في هلسنكي."),
    Article("e2", "مرسى الصيادين", "افتتح المرسى الجديد للصيادين في الإسكندرية."),
    Article("e3", "الرئيس مرسي", "قال الرئيس المصري محمد مرسي إن الحكومة ستعمل على حل الأزمة."),
    Article("e4", "معارك", "سيطر تنظيم الدولة الإسلامية على قرى في دير الزور السورية."),
    Article("e5", "جنيف", "قال دي مستورا إن المحادثات في جنيف ستستأنف."),
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    e = Engine.in_memory()
    e.add(DOCS)
    return e


QUERIES = [
    ("person_any_spelling", "person:ترمب", {"e1"}),
    ("person_other_spelling", "person:ترامب", {"e1"}),
    ("entity_any_type", "entity:بوتين", {"e1"}),
    ("morsi_not_harbour", "person:مرسي", {"e3"}),
    ("org_alias", "org:داعش", {"e4"}),
    ("two_word_place", 'place:"دير الزور"', {"e4"}),
    ("envoy_variant", 'entity:"دي ميستورا"', {"e5"}),
    ("combined_with_words", "person:ترامب هلسنكي", {"e1"}),
    ("combined_or", "person:مرسي OR org:داعش", {"e3", "e4"}),
]


@pytest.mark.parametrize("query, expected", [c[1:] for c in QUERIES], ids=[c[0] for c in QUERIES])
def test_entity_queries(engine: Engine, query: str, expected: set[str]) -> None:
    assert {h.id for h in engine.search(query)} == expected


@pytest.mark.parametrize("query", ['person:"..."', "person:ـ", 'org:"ـ ـ"'])  # tatweels normalize to nothing
def test_entity_query_needs_a_name(engine: Engine, query: str) -> None:
    with pytest.raises(QueryError, match="needs a name"):
        engine.search(query)


def test_entities_listing_and_hits(engine: Engine) -> None:
    people = engine.entities(type="person")
    trump = next(e for e in people if e.name == "دونالد ترامب")
    assert trump.articles == 1 and {"ترمب", "دونالد ترامب"} <= set(trump.spellings)
    assert engine.entities("جنيف", type="place")[0].name == "جنيف"
    hit = engine.search("id:e3")[0]
    assert {(e["type"], e["text"]) for e in hit.entities} >= {("person", "محمد مرسي")}


@pytest.mark.parametrize("query", [None, "هلسنكي OR مرسي OR جنيف"])
def test_the_listing_counts_every_hit_however_many(engine: Engine, monkeypatch, query: str | None) -> None:
    """Past a few thousand hits the listing counts the entity fields' postings instead of
    reading each article: the same counts and spellings (the whole index, or a query's hits)."""
    read = [(e.key, e.type, e.articles, sorted(e.spellings)) for e in engine.entities(query, top=100)]
    monkeypatch.setattr(entity_counts, "STORED_COUNT", 0)
    counted = [(e.key, e.type, e.articles, sorted(e.spellings)) for e in engine.entities(query, top=100)]
    assert counted == read and read
    people = {e.key: e.articles for e in engine.entities(query, type="person", top=100)}
    assert people == {key: n for key, kind, n, _ in read if kind == "person"}


def test_the_listing_leaves_out_replaced_articles(monkeypatch) -> None:
    e = Engine.in_memory()
    e.add(DOCS)
    e.add([Article("e1", "لقاء في هلسنكي", "التقى الرئيسان في هلسنكي.")])  # e1 no longer names anyone
    for stored_count in (5000, 0):
        monkeypatch.setattr(entity_counts, "STORED_COUNT", stored_count)
        people = {x.name for x in e.entities(type="person")}
        assert "دونالد ترامب" not in people and "محمد مرسي" in people
        places = {x.name: x.articles for x in e.entities("هلسنكي", type="place")}
        assert places == {"هلسنكي": 1}


def test_hits_carry_each_mention_where_it_was_written(engine: Engine) -> None:
    """The stored mentions keep offsets, not text: each hit's mention is its title's or body's slice."""
    where = set()
    for hit in engine.search("entity:ترامب OR entity:مرسي OR place:حلب"):
        assert hit.entities
        doc = engine.doc(hit.id)
        for e in hit.entities:
            written = doc.title if e["in"] == "title" else doc.body
            assert written[e["start"] : e["end"]] == e["text"]
            assert entity_key(e["text"], e["type"]) == e["key"] and e["type"] in TYPES.values()
            where.add(e["in"])
    assert where == {"title", "body"}


@pytest.mark.parametrize("written", ["دونالد #ترمب", "#دونالد_ترمب", "#دونالد_#ترمب"])
def test_a_hashtag_does_not_change_the_key(written: str) -> None:
    (tagged,) = extract_entities(f"إدارة الرئيس الأميركي {written} في جولة")
    (plain,) = extract_entities("إدارة الرئيس الأميركي دونالد ترامب في جولة")
    assert tagged.key == plain.key


# --- the batch decoder gives crfsuite's labels -----------------------------------

TAGGED_TEXTS = [
    "التقى الرئيس الأمريكي دونالد ترامب نظيره الروسي فلاديمير بوتين في هلسنكي",
    "وقال الأمين العام للأمم المتحدة أنطونيو غوتيريش إن الوضع في دير الزور خطير",
    "أعلنت وزارة الخارجية المصرية أن سامح شكري سيزور عمان",
    "فاز فريق ريال مدريد على برشلونة",
    "هطلت أمطار غزيرة",
    "قال",
]


def _crfsuite_tags(words: list[str]) -> list[str]:
    return entities.tagger().tag(entity_features.sequence_features(words))


def test_batch_decoding_gives_crfsuites_labels() -> None:
    sentences = [[normalize(w) for w in s.split()] for s in TAGGED_TEXTS]
    for article in MINI:
        sentences.extend([w for _, _, w in s] for s in sentences_of(article.body))
    assert any(t != "O" for tags in entities.tag_sentences(sentences) for t in tags)
    assert entities.tag_sentences(sentences) == [_crfsuite_tags(s) for s in sentences]
    assert entities.tag_sentences(sentences[:1] + [[]] + sentences[1:2]) == [
        _crfsuite_tags(sentences[0]),
        [],
        _crfsuite_tags(sentences[1]),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(sorted({normalize(w) for s in TAGGED_TEXTS for w in s.split()})), max_size=12)),
    st.sampled_from([0, 3, 64]),
)
def test_batch_decoding_of_any_word_sequences(sentences: list[list[str]], wide_step: int) -> None:
    """Either way of taking a Viterbi step (by numpy's reduction or label by label)
    gives crfsuite's labels."""
    tagger = entities.batch_tagger()
    tagger.wide_step, default = wide_step, tagger.wide_step
    try:
        assert entities.tag_sentences(sentences) == [_crfsuite_tags(s) if s else [] for s in sentences]
    finally:
        tagger.wide_step = default


_PIECES = [*TAGGED_TEXTS, "المالي", "السورية", "بالعراق", "«فرانس برس»", ".", "،", "\n", "#ترمب", "2018", " "]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map(" ".join), max_size=6))
def test_a_batch_finds_what_each_text_alone_finds(texts: list[str]) -> None:
    """Texts decoded together (their sentences pruned and decoded as one batch) give the
    mentions each gives alone, with offsets into its own text."""
    batch = entities.extract_entities_batch([(t, None) for t in texts])
    assert batch == [extract_entities(t) for t in texts]
    assert all(t[m.start : m.end] == m.text for t, found in zip(texts, batch, strict=True) for m in found)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.sampled_from(
            sorted(entity_features.PERSON_TRIGGERS | entity_features.PLACE_TRIGGERS | entity_features.ORG_TRIGGERS)
        ),
        st.sampled_from(sorted({w for words in gazetteer.gazetteer().names for w in words})),
        st.text(alphabet="والبفكلسمنتي0123abc", max_size=9),
    ),
    st.sampled_from(["", "و", "ال", "وبال", "لل"]),
)
def test_the_taggers_rows_are_the_trained_features(word: str, clitic: str) -> None:
    """The tagger's fast feature rows stand for exactly the attributes the model was
    trained with, role by role and in order."""
    word = clitic + word
    tagger = entities.batch_tagger()

    def row(template: str, value: str) -> int:
        return tagger.table(template).get(value, tagger.zero)

    rows = list(tagger._rows_of(word))
    for pairs, width in zip(entity_features.feature_pairs(word), entity_features.ROW_WIDTHS, strict=True):
        ours, rows = rows[:width], rows[width:]
        assert [r for r in ours if r != tagger.zero] == [row(*p) for p in pairs if row(*p) != tagger.zero]
    assert not rows


def test_a_full_score_table_keeps_the_most_used_words_and_the_same_labels() -> None:
    """A tagger whose table holds 40 words evicts half of them again and again."""
    from akhbar.analyzers.crf import BatchTagger

    shipped = entities.batch_tagger()
    small = BatchTagger(entities.tagger(), shipped.path, shipped.word_rows, shipped.widths, max_words=40)
    sentences = [[normalize(w) for w in s.split()] for s in TAGGED_TEXTS]
    for article in MINI:
        sentences.extend([w for _, _, w in s] for s in sentences_of(article.body))
    batches = [sentences[i : i + 3] + sentences[:1] for i in range(0, len(sentences), 3)]
    for batch in batches:
        assert small.tag(batch) == [_crfsuite_tags(s) if s else [] for s in batch]
    # bounded: 40 words, or the 20 kept and the words of the batch that overflowed
    assert len(small._index) <= max(40, 20 + len({w for s in batches[-1] for w in s}))
    assert sentences[0][1] in small._index  # in every batch: kept through the evictions


@pytest.mark.parametrize("mark", ["name starts", "even length"])
def test_the_taggers_word_marks_follow_their_words_through_evictions(mark: str) -> None:
    """The tagger marks words as it scores them (the indexer: those that can begin a
    known name); a table of 40 words moves and drops words again and again, and the
    marks must still name the right positions."""
    from akhbar.analyzers.crf import BatchTagger

    shipped = entities.batch_tagger()
    marks = gazetteer.name_starts().__contains__ if mark == "name starts" else (lambda w: len(w) % 2 == 0)
    small = BatchTagger(
        entities.tagger(), shipped.path, shipped.word_rows, shipped.widths, max_words=40, word_mark=marks
    )
    sentences = [[normalize(w) for w in s.split()] for s in TAGGED_TEXTS]
    for article in MINI:
        sentences.extend([w for _, _, w in s] for s in sentences_of(article.body))
    hot = sentences.pop()  # in every batch, first seen after 20 others: its words move when evicted
    for batch in [sentences[:3] + [hot]] + [[sentence, hot] for sentence in sentences[3:]]:
        words, lengths = [w for s in batch for w in s], np.array([len(s) for s in batch])
        found, marked = small.tag_and_mark(words, lengths)
        assert marked.tolist() == [k for k, w in enumerate(words) if marks(w)]
        assert found == small.tag_words(words, lengths)


def test_forgetting_the_caches_changes_no_mention() -> None:
    text = " ".join(s for s in TAGGED_TEXTS)
    before = extract_entities(text)
    entities.forget_caches()
    assert extract_entities(text) == before


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="وبالفكمنترس", max_size=8))
def test_strip_clitics_takes_the_first_clitic_that_leaves_three_letters(word: str) -> None:
    expected = word
    for c in names.CLITICS:
        if word.startswith(c) and len(word) - len(c) >= 3:
            expected = word[len(c) :]
            break
    assert names.strip_clitics(word) == expected


def test_the_model_file_is_read_as_crfsuite_reads_it(tmp_path) -> None:
    """The tagger reads labels and weights from the model file itself (Tagger.info()
    prints and re-parses the whole model: a seventh of a second in every worker)."""
    from akhbar.analyzers import crf

    shipped = entities.batch_tagger()
    info = entities.tagger().info()
    labels, state, transitions = crf._read_model(shipped.path)
    assert labels == [name for name, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
    assert state == crf._model_weights(shipped.path, info)[0]
    assert transitions == crf._model_weights(shipped.path, info)[1]
    assert {k: round(v, 6) for k, v in state.items()} == pytest.approx(info.state_features, abs=1e-6)
    broken = tmp_path / "broken.crfsuite"
    broken.write_bytes(open(shipped.path, "rb").read()[:5000])
    with pytest.raises(ValueError):
        crf._read_model(str(broken))


# --- a name found as text where the tagger did not key it ----------------------------

NAME_TEXTS = [
    ("z1", "أوكرانيا", "قال الرئيس الأوكراني فولوديمير زيلينسكي إن بلاده لن تتراجع."),
    ("z2", "كييف", "استقبل الرئيس فولوديمير زيلينسكي وفدا أوروبيا في كييف."),
    ("z3", "كييف", "التقى الرئيس الأوكراني فولوديمير زيلينسكي وزير الخارجية الفرنسي."),
    ("z4", "معرض", "صورة زيلينسكي في المعرض."),
    ("z5", "كييف", "مكتب زيلينسكي يرد على الاتهامات."),
    ("s1", "سلام", "دعا الرئيس إلى سلام دائم في المنطقة."),
    ("s2", "سلام", "التقى رئيس الوزراء نواف سلام الوفد."),
    ("s3", "سلام", "لا سلام بلا عدالة، قال المتظاهرون."),
]


@pytest.fixture(scope="module")
def names_engine() -> Engine:
    e = Engine.in_memory()
    e.add([Article(i, t, b) for i, t, b in NAME_TEXTS])
    return e


def _tagged(hit, keys) -> bool:
    return any(m["key"] in keys for m in hit.entities)


def test_a_name_is_found_where_it_is_written_whether_tagged_or_not(names_engine: Engine) -> None:
    results = names_engine.search("person:زيلينسكي", limit=20)
    assert {h.id for h in results} == {"z1", "z2", "z3", "z4", "z5"}
    (name,) = results.names
    tagged = [_tagged(h, set(name.keys)) for h in results]
    assert any(tagged) and not all(tagged), "the corpus has both (the tagger misses the name in z4 and z5)"
    assert tagged == sorted(tagged, reverse=True), "tagged mentions rank above text-only matches"
    for hit in results:
        (found,) = hit.matched
        assert found["query"] == "person:زيلينسكي" and "زيلينسكي" in found["spelling"]
        assert found["tagged"] == _tagged(hit, set(name.keys))
    assert "زيلينسكي" in name.spellings


def test_a_common_word_is_not_taken_for_a_name_without_the_taggers_say(names_engine: Engine) -> None:
    """سلام is a surname (نواف سلام) and "peace": the articles about peace are not his."""
    hits = {h.id for h in names_engine.search("person:سلام", limit=20)}
    assert "s1" not in hits and "s3" not in hits


def test_explain_lists_the_spellings_a_name_query_used(names_engine: Engine, capsys) -> None:
    Renderer(color=False).results(names_engine.search("person:زيلينسكي"), explain=True)
    out = capsys.readouterr().out
    assert "person:زيلينسكي: keys" in out and "as text" in out


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("هاري كين", "هاري كاين", True),  # a long vowel added
        ("شي جين بينغ", "شي جينبينغ", True),  # a space inside a name
        ("كيم جونغ-اون", "كيم جونغ اون", True),  # a hyphen
        ("مون جيه ان", "مون جي ان", True),  # a syllable's يه
        ("فيليب", "فيلليب", True),  # a doubled letter
        ("اتليتكو مدريد", "اتلتيكو مدريد", True),  # the same vowel a place away
        ("الامم", "الام", False),  # a short word's doubled letter is the word's own
        ("غاري لينيكر", "كاري لينيكر", True),  # a foreign G as ك, in a full name
        ("غولن", "كولن", False),  # ... but not in one word: a common word or another name
        ("غينيا", "كينيا", False),
        ("جمال", "كمال", False),  # ج and ك without غ: two Arabic names
        ("ميركل", "ماركل", False),  # another vowel
        ("بوتينا", "بوتين", False),  # another ending
        ("ساو باولو", "ساوباولو", True),  # written as one word, the same letters
        ("طلعت عبد الله", "طلعت عبدالله", True),  # ... a doubled letter read as in the one word
        ("بي بي سي", "بيبسي", False),  # ... but not with a vowel more: BBC is not Pepsi
        ("سيرغي سكريبال", "سيرجي سكريبال", True),  # a G two ways: one name, both first names known
        ("سيرخيو راموس", "سيرجيو راموس", True),  # a Spanish J as خ or ج, in a foreign name
        ("محمد خالد", "محمد جلاد", False),  # ... not in an Arabic one
        ("خالد", "جالد", False),  # ... nor in one word
        ("سعد", "سعاد", False),  # a vowel more in a short word alone: another name
        ("دار", "دوار", False),
        ("داكا", "دكا", False),  # (a place spelled so is left to the gazetteer)
    ],
)
def test_spelling_variants_of_names(a: str, b: str, same: bool) -> None:
    assert similar_names(a, b) is same
    assert similar_names(b, a) is same


def test_a_first_name_and_the_unknown_surname_after_it_are_one_person() -> None:
    """«سيرغي» alone was Skripal, Lavrov and Shoigu at once in the listing."""
    people = [m.key for m in extract_entities("أصيب الجاسوس الروسي السابق سيرغي سكريبال بالتسمم في لندن.")]
    assert people[0] == "سيرغي سكريبال"
    # an ordinary word after a first name is not a surname
    assert [m.text for m in extract_entities("قال جورج إن الوفد وصل.") if m.type == "person"] in ([], ["جورج"])


@pytest.mark.parametrize(
    "text, person",
    [
        # the tagger begins a second person at the father's name: one man
        ("نفى اللواء محمد عبدالقادر جاب الله، رئيس هيئة موانئ البحر الأحمر", "محمد عبدالقادر جاب الله"),
        # a first name after a first name, though ك + وفي reads as a common word
        ("يغيب محمد كوفي، عن فريق بتروجت أمام المقاولون العرب", "محمد كوفي"),
    ],
)
def test_a_run_of_given_names_is_one_person(text: str, person: str) -> None:
    assert [m.text for m in extract_entities(text) if m.type == "person"] == [person]


def test_and_before_a_name_begins_another_person() -> None:
    people = [m.text for m in extract_entities("وصل محمد صلاح وأحمد حجازي إلى القاهرة") if m.type == "person"]
    assert people[0] == "محمد صلاح" and "محمد صلاح وأحمد حجازي" not in people


def test_looking_for_spellings_stops_within_the_query_budget(names_engine: Engine, monkeypatch, capsys) -> None:
    """With no time left for spellings, the query still answers (the tagged articles)
    and says it stopped; nothing half-done is kept, so a query with time finds the rest."""
    import akhbar.search.query as query_module

    fresh = Engine.in_memory(time_limit=0.45)
    fresh.add([Article(i, t, b) for i, t, b in NAME_TEXTS])
    monkeypatch.setattr(query_module, "NAME_SHARE", 0.0)
    hurried = fresh.search("person:زيلينسكي", limit=20)
    assert hurried.names[0].stopped and hurried.names_cut_short == ["person:زيلينسكي"]
    Renderer(color=False).results(hurried)  # the user is told, in every format
    Renderer(color=False).results(hurried, json_lines=True)
    told = capsys.readouterr().err.splitlines()
    assert len(told) == 2 and all("person:زيلينسكي: stopped looking for more spellings" in line for line in told)
    assert {h.id for h in hurried} <= {"z1", "z2", "z3", "z4", "z5"}
    assert all(_tagged(h, set(hurried.names[0].keys)) for h in hurried), "no text-only match without the spellings"
    monkeypatch.setattr(query_module, "NAME_SHARE", 1.0)
    patient = fresh.search("person:زيلينسكي", limit=20)
    assert not patient.names[0].stopped and not patient.names_cut_short
    assert {h.id for h in patient} == {"z1", "z2", "z3", "z4", "z5"}


@pytest.mark.parametrize("query", ["هلسنكي OR مرسي OR جنيف", "NOT هلسنكي", "ترامب"])
def test_search_facets_list_the_hits_people_places_and_organizations(engine: Engine, query: str, monkeypatch) -> None:
    """A search's entity facets are the listing's counts among its hits, whichever way the hits were found."""
    facets = engine.search(query, facets=True).facets
    for kind, listed in (("person", "person"), ("place", "place"), ("organization", "org")):
        assert facets[kind] == {e.name: e.articles for e in engine.entities(query, type=listed, top=10)}
    assert any(facets[kind] for kind in ("person", "place", "organization"))
    monkeypatch.setattr(Engine, "_accumulator", lambda self, searcher: None)  # Whoosh's own matchers
    assert engine.search(query, facets=True).facets == facets


def test_the_stored_tables_are_those_a_query_would_make(tmp_path) -> None:
    """The spelling groups and entity arrays written with each generation are the ones built
    from the index, and an index without them (written before they existed) answers the same."""
    from akhbar.indexer.entity_table import FILE as ENTITY_FILE
    from akhbar.indexer.entity_table import read_arrays, read_from_index
    from akhbar.indexer.name_table import FILE, NameTable

    e = Engine.create(tmp_path / "ix")
    e.add(DOCS)
    folder = e.store.generation_folder(e.store.read_meta())
    stored = NameTable.open(folder)
    assert stored is not None
    reader = e._current().reader()
    built = NameSpellings(reader, e._vocabulary)  # no table: groups made from the vocabulary
    letters = {term.decode("utf-8")[0] for term in reader.lexicon("body_exact")}
    assert len(letters) > 5
    for letter in letters:
        assert stored.letter(letter) == built._bucket(letter)
    stored_arrays = read_arrays(folder, reader.doc_count_all())
    size, from_postings = read_from_index(reader)
    assert stored_arrays is not None and read_arrays(folder, size + 1) is None  # not another index's
    for kind, arrays in from_postings.items():
        assert stored_arrays[kind].keys == arrays.keys and arrays.keys
        assert stored_arrays[kind].key_of.tolist() == arrays.key_of.tolist()
        assert stored_arrays[kind].doc_of.tolist() == arrays.doc_of.tolist()
    queries = ["person:ترامب", "person:مرسي", "place:حلب", 'entity:"دي ميستورا"', "هلسنكي OR مرسي"]
    with_tables = [([h.id for h in e.search(q)], e.search(q, facets=True).facets) for q in queries]
    (folder / FILE).unlink()
    (folder / ENTITY_FILE).unlink()
    without = Engine.open(tmp_path / "ix")
    assert [([h.id for h in without.search(q)], without.search(q, facets=True).facets) for q in queries] == with_tables


# --- a name's key with a preposition the key kept (لريال مدريد) -------------------------

CLUB_TEXTS = [
    ("r1", "الدوري الإسباني", "وقال مدرب ريال مدريد الإسباني إن الفريق جاهز للمباراة."),
    ("r2", "الدوري الإسباني", "وفاز ريال مدريد على مضيفه فياريال بهدفين."),
    ("r3", "انتقالات", "وانتقل اللاعب البرازيلي لريال مدريد الإسباني في صفقة قياسية."),
]


@pytest.fixture(scope="module")
def club_engine() -> Engine:
    e = Engine.in_memory()
    e.add([Article(i, t, b) for i, t, b in CLUB_TEXTS])
    return e


def test_a_name_written_with_a_preposition_is_the_same_entity(club_engine: Engine) -> None:
    """The tagger keys «لريال مدريد» with its ل (names begin with ل too); the index writes
    the club more often without it, so the listing counts one club and its query takes
    that key as the club's own: r3 is a tagged hit, not a text match."""
    (club,) = [e for e in club_engine.entities(type="org") if "مدريد" in e.key]
    assert (club.key, club.articles) == ("ريال مدريد", 3) and "لريال مدريد" in club.spellings
    results = club_engine.search('org:"ريال مدريد"')
    assert {h.id for h in results} == {"r1", "r2", "r3"}
    assert all(h.matched[0]["tagged"] for h in results)
    facets = club_engine.search("الإسباني", facets=True).facets["organization"]
    assert [n for name, n in facets.items() if "مدريد" in name] == [3]


@pytest.mark.parametrize(
    "keys, articles, key, expected",
    [
        (
            ["ريال مدريد", "لريال مدريد", "بريال مدريد"],
            {"ريال مدريد": 90},
            "ريال مدريد",
            {"لريال مدريد", "بريال مدريد"},
        ),
        (["كونغرس", "للكونغرس", "بالكونغرس"], {"كونغرس": 90}, "كونغرس", {"للكونغرس", "بالكونغرس"}),
        (["كين", "بكين"], {"بكين": 90}, "كين", set()),  # Beijing is written more often: not ب + كين
        (["سام", "بسام"], {"سام": 90}, "سام", set()),  # a first name of its own
        (["ابل", "كابل"], {"ابل": 90}, "ابل", set()),  # ك and ف are not taken: Kabul is not Apple
        (["وي", "بوي"], {"وي": 90}, "وي", set()),  # a name of two letters takes none
    ],
)
def test_which_keys_with_a_preposition_are_the_name(
    keys: list[str], articles: dict[str, int], key: str, expected: set[str]
) -> None:
    found = EntityKeys({"org": keys}, lambda field, k: articles.get(k, 10)).with_preposition("org", key)
    assert found == expected
