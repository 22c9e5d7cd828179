"""The index schema (see ``docs/design.md``, "The index").

``title`` and ``body`` hold stems with positions (:func:`analyzers.ArabicAnalyzer`):
ranking, phrases.  ``title_exact`` and ``body_exact`` hold the normalized written
forms without positions (:func:`analyzers.ArabicExactAnalyzer`): ``=word``, the
exact-match ranking bonus, prefixes, fuzzy terms and spelling suggestions — a
frequency-only field costs far less than a second positional copy.  ``root`` holds
the ISRI roots of the title's and body's stems, for the any-mode root bonus.  Stored
fields keep the text as written, for snippets and ``show``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from whoosh import columns, fields, formats
from whoosh.system import emptybytes

from akhbar.analyzers import AnalysisSettings
from akhbar.analyzers.chains import AnalysisCore, ArabicRootAnalyzer, FastArabicAnalyzer

# 5: weight-only postings in the frequency-only fields; 6: block-compressed stored fields; 7: the root field;
# 8: weight-only postings in the entity keyword fields; 9: entity mentions stored as one string;
# 10: only Whoosh's own classes pickled in the TOC (indexer/whoosh_internals/toc.py)
FORMAT_VERSION: Final = 10
LEAD_MIN: Final = 150
LEAD_MAX: Final = 400


def lead_end(body: str) -> int:
    r"""Where the lead ends in ``body``: its opening paragraph(s), at least LEAD_MIN
    characters, cut at a space before LEAD_MAX; 0 when the body is one paragraph
    (a text without paragraphs has no lead to favour) or the cut finds no space.
    News puts its subject in the lead (the inverted pyramid), so the index holds it
    again for a ranking bonus.  The end is never inside a word, so the lead's words
    are the body's words that end before it.

    >>> body = "بيروت - رويترز\nقال الرئيس إن الهدنة بدأت.\nوأضاف أن ..."
    >>> body[: lead_end(body)]
    'بيروت - رويترز\nقال الرئيس إن الهدنة بدأت.'
    >>> lead_end("فقرة واحدة فقط"), lead_end("\nفقرة واحدة\n\n")
    (0, 0)
    """
    ends = []  # where each non-blank paragraph ends
    offset = 0
    for line in body.split("\n"):
        offset += len(line)
        if line.strip():
            ends.append(offset)
        offset += 1
    if len(ends) < 2:
        return 0
    end = 0
    for end in ends[:-1]:
        if end >= LEAD_MIN:
            break
    if end > LEAD_MAX:
        end = max(body.rfind(" ", 0, LEAD_MAX), 0)
    return end


def lead_of(body: str) -> str:
    """The lead's text (see :func:`lead_end`)."""
    return body[: lead_end(body)]


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


ENTITY_INDEX: Final = {"person": "person", "place": "place", "organization": "org"}
"""The index field holding each entity type's canonical keys."""

_TYPE_LETTER: Final = {"person": "p", "place": "l", "organization": "o"}
_LETTER_TYPE: Final = {letter: kind for kind, letter in _TYPE_LETTER.items()}
StoredMention = tuple[str, str, str, str, int, int]  # type, key, text, "title" or "body", start, end


def pack_mentions(found: Iterable[tuple[str, str, str, int, int]]) -> str:
    r"""An article's entity mentions as ``(type, key, "title" or "body", start, end)``,
    packed for the stored ``entities`` field: a line a mention, its type and field as
    letters, then start, end and key.  The text is not kept: it is the stored title's or
    body's ``[start:end]``.  One string pickles, moves between processes and compresses
    in a fraction of the time of a list of tuples (a news article has a dozen mentions).

    >>> pack_mentions([("person", "دونالد ترامب", "body", 0, 11), ("place", "دمشق", "title", 3, 7)])
    'pb0,11,دونالد ترامب\nlt3,7,دمشق'
    """
    return "\n".join(f"{_TYPE_LETTER[kind]}{where[0]}{start},{end},{key}" for kind, key, where, start, end in found)


def unpack_mentions(packed: str | None, title: str, body: str) -> list[StoredMention]:
    """The mentions :func:`pack_mentions` packed, each with its text from ``title`` or ``body``.

    >>> unpack_mentions("pb0,5,بوتين", "", "بوتين في دمشق")
    [('person', 'بوتين', 'بوتين', 'body', 0, 5)]
    """
    out = []
    for line in packed.split("\n") if packed else ():
        start, end, key = line[2:].split(",", 2)
        a, b = int(start), int(end)
        where, text = ("title", title) if line[1] == "t" else ("body", body)
        out.append((_LETTER_TYPE[line[0]], key, text[a:b], where, a, b))
    return out


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
        root=_weight_only(fields.TEXT(analyzer=ArabicRootAnalyzer(settings), phrase=False)),  # title and body
        date=fields.DATETIME(stored=True, sortable=True),
        mentioned=fields.DATETIME(),
        # weight-only: Whoosh's KEYWORD keeps each posting's frequency again as four value
        # bytes that nothing reads (without them: 2.2G fewer of a 30k build's 423G instructions)
        person=_weight_only(fields.KEYWORD(commas=True)),
        place=_weight_only(fields.KEYWORD(commas=True)),
        org=_weight_only(fields.KEYWORD(commas=True)),
        entities=fields.STORED(),
        mentions=fields.STORED(),
        month=fields.ID(sortable=True),
        source=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        origin=fields.STORED(),
        digest=fields.COLUMN(columns.VarBytesColumn()),  # read by updates, never searched
    )
