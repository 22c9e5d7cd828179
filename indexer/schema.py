"""The index schema (see ``docs/index.md``).

``title`` and ``body`` hold stems with positions (:func:`analyzers.ArabicAnalyzer`):
ranking, phrases.  ``title_exact`` and ``body_exact`` hold the normalized written
forms without positions (:func:`analyzers.ArabicExactAnalyzer`): ``=word``, the
exact-match ranking bonus, prefixes, fuzzy terms and spelling suggestions — a
frequency-only field costs far less than a second positional copy.  Stored
fields keep the text as written, for snippets and ``show``.
"""

from __future__ import annotations

from typing import Final

from whoosh import columns, fields, formats
from whoosh.system import emptybytes

from analyzers import AnalysisSettings
from analyzers.chains import AnalysisCore, FastArabicAnalyzer

FORMAT_VERSION: Final = 6  # 5: weight-only postings in the frequency-only fields; 6: block-compressed stored fields
LEAD_MIN: Final = 150
LEAD_MAX: Final = 400


def lead_of(body: str) -> str:
    r"""The lead: the body's opening paragraph(s), at least LEAD_MIN characters,
    cut at a word after LEAD_MAX; empty when the body is one paragraph (a text
    without paragraphs has no lead to favour).  News puts its subject in the lead
    (the inverted pyramid), so the index holds it again for a ranking bonus.

    >>> lead_of("بيروت - رويترز\nقال الرئيس إن الهدنة بدأت.\nوأضاف أن ...")[:14]
    'بيروت - رويترز'
    >>> lead_of("فقرة واحدة فقط")
    ''
    """
    paragraphs = [p for p in body.split("\n") if p.strip()]
    if len(paragraphs) < 2:
        return ""
    lead = ""
    for p in paragraphs[:-1]:
        lead = f"{lead}\n{p}" if lead else p
        if len(lead) >= LEAD_MIN:
            break
    if len(lead) > LEAD_MAX:
        cut = lead.rfind(" ", 0, LEAD_MAX)
        lead = lead[: cut if cut > 0 else LEAD_MAX]
    return lead


class WeightOnly(formats.Frequency):
    """Whoosh's frequency format without the per-posting value bytes.

    ``Frequency`` stores each posting's frequency twice, as its weight (what BM25F
    reads) and again as four value bytes (read by nothing akhbar does): 37.8 → 34.2 MB
    for 3,000 articles without them.
    """

    def word_values(self, value, analyzer, **kwargs):
        for word, freq, weight, _ in super().word_values(value, analyzer, **kwargs):
            yield word, freq, weight, emptybytes

    def fixed_value_size(self) -> int:
        return 0

    def decode_frequency(self, valuestring: bytes) -> int:
        raise NotImplementedError("weight-only postings: read the posting's weight")

    decode_weight = decode_frequency


def _weight_only(field: fields.FieldType) -> fields.FieldType:
    field.format = WeightOnly()
    return field


def make_schema(settings: AnalysisSettings | None = None) -> fields.Schema:
    core = AnalysisCore(settings)  # one pass over each text for all fields
    stemmed = FastArabicAnalyzer(stem=True, core=core)
    exact = FastArabicAnalyzer(stem=False, core=core)
    return fields.Schema(
        id=fields.ID(unique=True, stored=True, sortable=True),
        title=fields.TEXT(analyzer=stemmed, stored=True, phrase=True),
        body=fields.TEXT(analyzer=stemmed, stored=True, phrase=True),
        lead=_weight_only(fields.TEXT(analyzer=stemmed, phrase=False)),
        title_exact=_weight_only(fields.TEXT(analyzer=exact, phrase=False)),
        body_exact=_weight_only(fields.TEXT(analyzer=exact, phrase=False)),
        date=fields.DATETIME(stored=True, sortable=True),
        mentioned=fields.DATETIME(),
        person=fields.KEYWORD(commas=True),
        place=fields.KEYWORD(commas=True),
        org=fields.KEYWORD(commas=True),
        entities=fields.STORED(),
        mentions=fields.STORED(),
        month=fields.ID(sortable=True),
        source=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        origin=fields.STORED(),
        digest=fields.COLUMN(columns.VarBytesColumn()),  # read by updates, never searched
    )
