"""The akhbar query language: parse a query string, compile it to a Whoosh query.

The reference is :data:`SYNTAX` (``akhbar help-query`` prints it; the README shows examples).

Why not Whoosh's QueryParser: it never fails (an unbalanced quote silently
becomes a word, an unknown field a term), while akhbar must tell the user where
a query is wrong; and each word here compiles to several index terms (see
:func:`Compiler.word`).  The grammar is small enough that a recursive-descent
parser is shorter than the plugins that would bend Whoosh's into shape.

Grammar::

    query    := or_expr
    or_expr  := and_expr (("OR" | "أو" | "|") and_expr)*
    and_expr := unary (["AND" | "&"] unary)*
    unary    := ("NOT" | "-" | "+") unary | primary
    primary  := "(" or_expr ")" | FIELD ":" value | value
    value    := ["="] ('"' text '"' ["~" N] | WORD ["*" | "~" [N]])
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final, Protocol

import numpy as np
from whoosh import query as wq
from whoosh.query import spans

from akhbar.analyzers import AnalysisSettings, Normalizer, normalize
from akhbar.analyzers.chains import shared_core
from akhbar.analyzers.dates import parse_date_range
from akhbar.analyzers.entities import name_lists
from akhbar.analyzers.entity_features import TRIGGERS
from akhbar.analyzers.gazetteer import entity_key, lookup
from akhbar.analyzers.names import saint_named, strip_clitics
from akhbar.analyzers.roots import root
from akhbar.analyzers.stem import LightStemmer
from akhbar.analyzers.stopwords import load_stoplist
from akhbar.analyzers.tokenize import iter_words
from akhbar.indexer.deadline import check as check_deadline
from akhbar.indexer.deadline import paused, time_limit
from akhbar.indexer.deadline import remaining as remaining_time
from akhbar.indexer.errors import QueryError, QueryTimeout
from akhbar.indexer.schema import ENTITY_INDEX
from akhbar.search.accumulate import DocSet
from akhbar.search.entity_keys import EntityKeys
from akhbar.search.name_spellings import (
    MAX_SPELLINGS,
    NAME_SHARE,
    TAGGED_SHARE,
    TAGGED_SHARE_RARE,
    TEXT_SCORE,
    NameMatch,
    NameSpellings,
    listed_forms,
    query_only,
    shortened_name_keys,
    shorter_forms,
)
from akhbar.search.vocabulary import Vocabulary

TEXT_FIELDS: Final = ("title", "body")
KEYWORD_FIELDS: Final = ("source", "id", "category")
DATE_FIELDS: Final = ("date", "mentioned")
ENTITY_FIELDS: Final = {
    "person": ("person",),
    "place": ("place",),
    "org": ("organization",),
    "entity": ("person", "place", "organization"),
}
FIELDS: Final = TEXT_FIELDS + KEYWORD_FIELDS + DATE_FIELDS + tuple(ENTITY_FIELDS)
OR_WORDS: Final = frozenset({"OR", "أو", "او", "|"})
AND_WORDS: Final = frozenset({"AND", "&"})
NOT_WORDS: Final = frozenset({"NOT"})
PROCLITICS: Final = ("ب", "ل", "ك", "ف", "وب", "ول", "وك", "فب", "فل")
"""One-letter prepositions/conjunctions the stemmer cannot strip safely; a query
word also matches its forms with these attached (حلب → بحلب، لحلب، وبحلب)."""
EXACT_SUFFIX: Final = "_exact"
"""``title_exact`` / ``body_exact`` hold the unstemmed normalized forms."""
# Limits: every query is answered or refused quickly, with a message that says what to
# shorten.  Each bounds one way a query's cost grows; Engine(time_limit=…) stops the rest.
MAX_QUERY_CHARS: Final = 1000
"""Characters one query may hold (a headline has ~100, a TREC topic's description ~250)."""
MAX_WORD_CHARS: Final = 50
"""Characters one word may hold (the longest Arabic words, clitics and all, have ~15)."""
MAX_TERMS: Final = 64
"""Words, phrases and field values one query may hold."""
MAX_DEPTH: Final = 32
"""Nesting of parentheses and NOT/+/- one query may hold."""
MAX_EXPANSION: Final = 512
"""Index terms that the prefix and fuzzy words of one query may expand to, together."""
MAX_FUZZY_CHARS: Final = 20
"""Letters of a fuzzy word (its automaton grows with its length)."""
MAX_ENTITIES: Final = 16
"""person:/place:/org:/entity: values one query may hold (each reads the names' vocabulary)."""

SYNTAX: Final = """\
هدنة حلب              all words must match (through the Arabic analyzer)
هدنة OR تهدئة         either word; the Arabic أو works too (هدنة أو تهدئة)
حلب -حمص  حلب NOT حمص  without a word;  +word: required also in --any mode
(هدنة أو تهدئة) حلب    grouping
"هدنة إنسانية"         phrase: the words in order, each through the analyzer;
                       stop words inside do not break it
"هدنة حلب"~3           phrase with up to 3 other words between
=الشاهد  ="قال الشاهد"  exact written form: normalized, not stemmed
حلب*                   prefix (of normalized written forms)
هدنه~  هدنه~2          fuzzy: 1 (or N) letter edits
title:هدنة  body:"…"   one text field (default: title and body)
source:"BBC Arabic"    source (case-insensitive), also id: and category:
date:2016  date:2018-03..2018-05  date:2018-03-01..  date:..2013-01-31
                       publication date; each end a year, month or day, inclusive
date:"تشرين الأول 2016"  date:"من أكتوبر 2016 إلى ديسمبر 2016"  date:"آخر 7 أيام"
                       the same in Arabic, any month system; relative to today
mentioned:2016-10-20  mentioned:2016-10..2016-12
                       dates the article's text mentions (same range syntax)
person:ترمب  place:"دير الزور"  org:داعش  entity:"دي ميستورا"
                       articles that mention the entity, in any spelling or alias
"""
"""The query language, as ``akhbar help-query`` and the REPL's ``:help`` print it."""


# --- syntax tree ---------------------------------------------------------------


@dataclass
class Node:
    pos: int


@dataclass
class Word(Node):
    text: str
    field: str | None = None
    exact: bool = False
    prefix: bool = False
    fuzzy: int = 0


@dataclass
class Phrase(Node):
    text: str
    field: str | None = None
    exact: bool = False
    slop: int = 0


@dataclass
class FieldValue(Node):
    field: str
    value: str


@dataclass
class Bool(Node):
    op: str  # "and" | "or"
    items: list[Node]


@dataclass
class Unary(Node):
    op: str  # "not" | "required"
    item: Node


# --- lexer ---------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<field>[A-Za-z_]+):(?=\S)
  | (?P<prefix>[-+=])(?=[^\s)])
  | (?P<phrase>"[^"]*"(?:~\d+)?)
  | (?P<badquote>")
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass
class Tok:
    kind: str
    text: str
    pos: int


def tokenize(q: str) -> list[Tok]:
    toks: list[Tok] = []
    for m in _TOKEN.finditer(q):
        kind = m.lastgroup
        assert kind is not None
        if kind == "space":
            continue
        if kind == "badquote":
            raise QueryError('unbalanced quote: a phrase needs a closing "', q, m.start())
        text = m.group(kind)
        if kind == "word" and text.startswith("=") is False and text in OR_WORDS | AND_WORDS | NOT_WORDS:
            kind = "op"
        toks.append(Tok(kind, text, m.start()))
    return toks


# --- parser --------------------------------------------------------------------


class Parser:
    def __init__(self, q: str) -> None:
        self.q = q
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query has {len(q):,} characters; shorten it to {MAX_QUERY_CHARS:,} or fewer", q, MAX_QUERY_CHARS
            )
        self.toks = tokenize(q)
        self.i = 0
        self.depth = 0
        self.terms = 0
        self.entities = 0

    def error(self, message: str, pos: int | None = None) -> QueryError:
        return QueryError(message, self.q, len(self.q) if pos is None else pos)

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        if not self.toks:
            return None
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise self.error("unbalanced parenthesis: ')' without '('", tok.pos)
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while (tok := self.peek()) and tok.kind == "op" and tok.text in OR_WORDS:
            self.take()
            if self.peek() is None or self.peek().kind == "rparen":  # type: ignore[union-attr]
                raise self.error(f"'{tok.text}' needs a term after it", tok.pos)
            items.append(self.and_expr())
        items = _distinct(items)
        return items[0] if len(items) == 1 else Bool(items[0].pos, "or", items)

    def and_expr(self) -> Node:
        items = [self.unary()]
        while (tok := self.peek()) and not (tok.kind == "rparen" or (tok.kind == "op" and tok.text in OR_WORDS)):
            if tok.kind == "op" and tok.text in AND_WORDS:
                self.take()
                if self.peek() is None:
                    raise self.error(f"'{tok.text}' needs a term after it", tok.pos)
            items.append(self.unary())
        items = _distinct(items)
        return items[0] if len(items) == 1 else Bool(items[0].pos, "and", items)

    def unary(self) -> Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                tok = self.peek()
                raise self.error(f"the query nests more than {MAX_DEPTH} levels deep", tok.pos if tok else None)
            return self._unary()
        finally:
            self.depth -= 1

    def _unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("the query ends where a term was expected")
        if (tok.kind == "op" and tok.text in NOT_WORDS) or (tok.kind == "prefix" and tok.text in "-+"):
            self.take()
            if self.peek() is None:
                raise self.error(f"'{tok.text}' needs a term after it", tok.pos)
            op = "not" if tok.text in ("NOT", "-") else "required"
            inner = self.unary()
            if isinstance(inner, Unary) and inner.op == op:  # NOT NOT x is x; ++x is +x
                return inner.item if op == "not" else inner
            return Unary(tok.pos, op, inner)
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "lparen":
            if self.peek() is None:
                raise self.error("unbalanced parenthesis: '(' without ')'", tok.pos)
            if self.peek().kind == "rparen":  # type: ignore[union-attr]
                raise self.error("empty parentheses", tok.pos)
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise self.error("unbalanced parenthesis: '(' without ')'", tok.pos)
            self.take()
            return node
        if tok.kind == "rparen":
            raise self.error("unbalanced parenthesis: ')' without '('", tok.pos)
        if tok.kind == "op":
            raise self.error(f"'{tok.text}' needs a term before it", tok.pos)
        if tok.kind == "field":
            name = tok.text.lower()
            if name not in FIELDS:
                raise self.error(f"unknown field '{tok.text}:' (known: {', '.join(f + ':' for f in FIELDS)})", tok.pos)
            value = self.peek()
            if value is None or value.kind not in ("word", "phrase", "prefix"):
                raise self.error(f"'{tok.text}:' needs a value", tok.pos)
            if name in TEXT_FIELDS:
                return self.value(self.take(), name)
            self.take()
            text = value.text
            if value.kind == "prefix":  # date:-2018 and the like are not values
                raise self.error(f"'{tok.text}:' needs a value", value.pos)
            if value.kind == "phrase":
                text = text[1 : text.rindex('"')]
            self.count(tok)
            if name in ENTITY_FIELDS:
                self.entities += 1
                if self.entities > MAX_ENTITIES:
                    raise self.error(f"the query names more than {MAX_ENTITIES} entities; shorten it", tok.pos)
                self.check_words(text, value.pos)
            return FieldValue(tok.pos, name, text)
        return self.value(tok, None)

    def count(self, tok: Tok) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(f"the query has more than {MAX_TERMS} words, phrases and fields; shorten it", tok.pos)

    def check_words(self, text: str, pos: int) -> None:
        """Refuse a word longer than any real one (its analysis and automata grow with it)."""
        for m in re.finditer(r"\S+", text):
            if len(m[0]) > MAX_WORD_CHARS:
                raise self.error(
                    f"a word of {len(m[0]):,} characters; words have at most {MAX_WORD_CHARS}: shorten it",
                    pos + m.start(),
                )

    def value(self, tok: Tok, fieldname: str | None) -> Node:
        self.count(tok)
        self.check_words(tok.text, tok.pos)
        exact = False
        if tok.kind == "prefix" and tok.text == "=":
            exact = True
            nxt = self.peek()
            if nxt is None or nxt.kind not in ("word", "phrase"):
                raise self.error("'=' needs a word or a phrase right after it", tok.pos)
            tok = self.take()
        elif tok.kind == "prefix":
            raise self.error(f"'{tok.text}' needs a term after it", tok.pos)
        if tok.kind == "phrase":
            body, _, slop = tok.text[1:].rpartition('"')
            if not body.strip():
                raise self.error("empty phrase", tok.pos)
            return Phrase(tok.pos, body, fieldname, exact, int(slop[1:]) if slop else 0)
        if tok.kind != "word":
            raise self.error("a term was expected", tok.pos)
        text = tok.text
        fuzzy = 0
        prefix = False
        if m := re.search(r"~(\d*)$", text):
            fuzzy = int(m[1]) if m[1] else 1
            text = text[: m.start()]
            if not 1 <= fuzzy <= 2:
                raise self.error("fuzzy distance must be 1 or 2 (word~ or word~2)", tok.pos)
        elif text.endswith("*"):
            prefix = True
            text = text.rstrip("*")
        if "*" in text or "?" in text:
            raise self.error("wildcards are only supported at the end of a word (word*)", tok.pos)
        if not text:
            raise self.error("a term was expected", tok.pos)
        return Word(tok.pos, text, fieldname, exact, prefix, fuzzy)


def _same(node: Node) -> tuple:
    """What a node means, without where it stands in the query."""
    if isinstance(node, Bool):
        return ("bool", node.op, tuple(_same(i) for i in node.items))
    if isinstance(node, Unary):
        return ("unary", node.op, _same(node.item))
    return (type(node).__name__, *(getattr(node, f) for f in node.__dataclass_fields__ if f != "pos"))


def _distinct(items: list[Node]) -> list[Node]:
    """``items`` without repeats: a clause said twice means what it means once."""
    seen: set[tuple] = set()
    out = []
    for item in items:
        key = _same(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def parse(q: str) -> Node | None:
    """The syntax tree of ``q`` (None for an empty query); raises :class:`QueryError`."""
    return Parser(q).parse()


# --- compiler --------------------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """How matches are weighted; each field is also an :class:`~akhbar.search.engine.Engine`
    keyword argument.  Defaults chosen on the evaluation sets (benchmarks/eval_retrieval.py)."""

    title_boost: float = 2.0  # a title match against a body match
    exact_boost: float = 1.0  # the article has the query word in exactly the written form
    lead_boost: float = 1.0  # the word is in the article's opening paragraph(s)
    proximity: float = 0.0  # consecutive query words within proximity_window words (+0.002, 2.3x slower)
    proximity_window: int = 4
    proclitics: bool = True  # حلب also matches بحلب، لحلب، وبحلب
    # match="any": an article whose words share the query words' roots (هجوم / هاجم) gains
    # this boost on the root field (0: none); 1.0 and 2.0 within 0.002 on both evaluation sets
    root_boost: float = 2.0
    k1: float = 1.2  # BM25
    b: float = 0.75


@dataclass
class Highlights:
    """What to mark in a hit's text: stems, exact normalized forms, prefixes."""

    stems: set[str] = field(default_factory=set)
    exact: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.stems or self.exact or self.prefixes)


@dataclass(frozen=True)
class TaggedDocs:
    """Where the tagger keyed a name: in any entity field (its say on a spelling), and
    in the fields the query asks (the articles its keys score)."""

    anywhere: np.ndarray
    asked: np.ndarray
    fields: tuple[str, ...]  # the asked fields


def _fields_of(q: wq.Query) -> tuple[str, ...]:
    return tuple(sorted({fieldname for fieldname, _ in q.iter_all_terms()}))


class DocsOf(Protocol):
    """The articles a query matches (of those in ``within``, ascending, if given), as
    ascending document numbers; None when they cannot be read without Whoosh's matchers."""

    def __call__(self, q: wq.Query, within: np.ndarray | None = None) -> np.ndarray | None: ...


class Compiler:
    """Turns a syntax tree into a Whoosh query against one index reader."""

    def __init__(
        self,
        q: str,
        reader,
        settings: AnalysisSettings,
        *,
        ranking: Ranking | None = None,
        today: dt.date | None = None,
        known_values: dict[str, list[str]] | None = None,
        vocabulary: Vocabulary | None = None,
        cache: dict | None = None,
        names: NameSpellings | None = None,
        docs_of: DocsOf | None = None,
    ) -> None:
        """:param vocabulary: the reader's written forms for fuzzy words (one per index
            generation, kept by the Engine; a new one when not given)
        :param cache: per-generation results of costly expansions (person-name variants)
        :param names: the reader's written forms by name skeleton, and ``docs_of`` the
            articles a query matches: with both, entity queries also search the text
            for the name's spellings (:mod:`akhbar.search.name_spellings`)"""
        ranking = ranking or Ranking()
        self.q = q
        self.reader = reader
        self.core = shared_core(settings)  # the analysis of a text, as at index time
        self.norm = Normalizer(settings.rules)  # single forms: a prefix, a word with a proclitic added
        self.stemmer = LightStemmer(**settings.stemmer)
        self.title_boost = ranking.title_boost
        self.exact_boost = ranking.exact_boost
        self.lead_boost = ranking.lead_boost
        self.bonus: list[wq.Query] = []  # ranking bonuses, see Compiled
        self._field_bonus: list[wq.Query] = []
        self.proclitics = ranking.proclitics
        self.today = today
        self.known_values = known_values or {}
        self.vocabulary = vocabulary or Vocabulary(reader)
        self.cache = cache if cache is not None else {}
        self.names = names
        self.docs_of = docs_of
        self.entity_keys: EntityKeys | None = None
        self.name_matches: list[NameMatch] = []
        self.names_left: float | None = None  # seconds the query's names may still spend on spellings
        self.expanded = 0  # index terms the prefix and fuzzy words have expanded to
        self.expanded_words = 0  # prefix and fuzzy words seen
        self.highlights = Highlights()
        self.dropped: list[str] = []

    def error(self, message: str, node: Node) -> QueryError:
        return QueryError(message, self.q, node.pos)

    def analyse(self, text: str, *, note_dropped: bool = True) -> list[tuple[str, str]]:
        """``(normalized, stem)`` of each word of ``text`` that is not a stop word; the
        stop words are noted as dropped (once: a bonus analysing the words again does not)."""
        out = []
        for original, n, stem, _, _ in self.core.words(text):
            if not n:
                continue
            if stem is None:
                if note_dropped:
                    self.dropped.append(original)
                continue
            out.append((n, stem))
        return out

    def has(self, fieldname: str, term: str) -> bool:
        return (fieldname, term) in self.reader

    def stem_terms(self, fieldname: str, norm: str, stem: str) -> list[str]:
        """Stems in ``fieldname`` that mean "this word, any affixes": its stem, and
        the stems of its forms with a lone proclitic (حلب → بحلب، لحلب، وبحلب)."""
        stems = {stem}
        for p in PROCLITICS if self.proclitics else ():
            stems.add(self.stemmer(p + norm))
        # A query word that itself starts with a proclitic also matches the bare
        # form when the index has the bare form more often (بحلب → حلب, not بلد → لد).
        if len(norm) > 3 and norm[0] in "بلكف":
            bare = self.stemmer(norm[1:])
            if self.reader.doc_frequency(fieldname, bare) > self.reader.doc_frequency(fieldname, stem):
                stems.add(bare)
        self.highlights.stems |= stems
        found = [s for s in sorted(stems) if self.has(fieldname, s)]
        if stem in found:  # the word's own stem first: phrases and ranking lean on it
            found.remove(stem)
            found.insert(0, stem)
        return found

    def expand(self, node: Node, alone: str) -> None:
        """Count one more index term from a prefix or fuzzy word; refuse past the query's budget."""
        self.expanded += 1
        if self.expanded > MAX_EXPANSION:
            if self.expanded_words > 1:
                alone = (
                    f"the prefix and fuzzy words of this query match more than {MAX_EXPANSION} words together; "
                    "use fewer of them, or longer ones"
                )
            raise self.error(alone, node)
        if self.expanded % 64 == 0:
            check_deadline()

    def word_query(self, fieldname: str, norm: str, stem: str, node: Word) -> wq.Query:
        exact_field = fieldname + EXACT_SUFFIX
        if node.exact:
            self.highlights.exact.add(norm)
            return wq.Term(exact_field, norm)
        if node.prefix:
            self.highlights.prefixes.add(norm)
            expanded = []
            for t in self.reader.expand_prefix(exact_field, norm):
                expanded.append(t.decode("utf-8") if isinstance(t, bytes) else t)
                self.expand(node, f"'{node.text}' matches more than {MAX_EXPANSION} words; use a longer prefix")
            return wq.Or([wq.Term(exact_field, t) for t in expanded]) if expanded else wq.NullQuery
        if node.fuzzy:
            if len(norm) > MAX_FUZZY_CHARS:
                raise self.error(f"a fuzzy word has at most {MAX_FUZZY_CHARS} letters; shorten it or drop the ~", node)
            words = self.vocabulary.within(exact_field, norm, node.fuzzy)
            for _ in words:
                self.expand(node, f"'{node.text}' matches more than {MAX_EXPANSION} words; use a longer word")
            self.highlights.exact.update(words)
            return wq.Or([wq.Term(exact_field, t) for t in words]) if words else wq.NullQuery
        terms = self.stem_terms(fieldname, norm, stem)
        if not terms:
            return wq.Term(fieldname, stem)  # matches nothing, keeps AND honest
        subs: list[wq.Query] = [wq.Term(fieldname, t) for t in terms]
        if self.exact_boost and self.has(exact_field, norm):
            self._field_bonus.append(wq.Term(exact_field, norm, boost=self.exact_boost))
        return subs[0] if len(subs) == 1 else wq.Or(subs)

    def phrase_query(self, fieldname: str, tokens: list[tuple[str, str]], slop: int, exact: bool) -> wq.Query:
        """Words in order (with ``slop`` others between), each through the stemmer.
        An exact phrase also requires each written form in the article."""
        parts: list[list[str]] = []
        for norm, stem in tokens:
            terms = self.stem_terms(fieldname, norm, stem)
            if not terms:
                return wq.NullQuery  # a word absent from this field: the phrase cannot match
            parts.append([stem] if exact and stem in terms else terms)
        if all(len(p) == 1 for p in parts):
            q: wq.Query = wq.Phrase(fieldname, [p[0] for p in parts], slop=slop + 1)
        else:
            spans_ = [
                wq.Term(fieldname, p[0]) if len(p) == 1 else _SpanOr([wq.Term(fieldname, t) for t in p]) for p in parts
            ]
            q = spans.SpanNear2(spans_, slop=slop + 1, ordered=True)
        if exact:
            self.highlights.exact.update(n for n, _ in tokens)
            exact_terms = [wq.Term(fieldname + EXACT_SUFFIX, n) for n, _ in tokens]
            q = wq.And([q, *exact_terms])
        return q

    def root_bonus(self, items: list[Node], boost: float) -> list[wq.Query]:
        """The roots of the query's plain words, each a bonus on the ``root`` field (see
        :mod:`analyzers.roots`); fielded, exact, prefix, fuzzy and negated words give none."""
        roots: dict[str, None] = {}
        for item in items:
            if isinstance(item, Unary) and item.op == "required":
                item = item.item
            if not isinstance(item, Word | Phrase) or item.field is not None or item.exact:
                continue
            if isinstance(item, Word) and (item.prefix or item.fuzzy):
                continue
            for _, stem in self.analyse(item.text, note_dropped=False):
                roots.setdefault(root(stem))
        return [wq.Term("root", r, boost=boost) for r in roots if self.has("root", r)]

    def proximity(self, items: list[Node], *, window: int, weight: float) -> list[wq.Query]:
        """Ranking bonus for consecutive query words found near each other, in
        order (the ordered-window part of Metzler & Croft's sequential dependence
        model): a headline's words tend to stand together in its article."""
        stems: list[str | None] = []
        for item in items:
            if (
                isinstance(item, Word)
                and not (item.exact or item.prefix or item.fuzzy)
                and item.field in (None, "body", "title")
            ):
                stems.extend(stem for _, stem in self.analyse(item.text))
            else:
                stems.append(None)  # a break in the sequence
        bonus: list[wq.Query] = []
        for a, b in zip(stems, stems[1:], strict=False):
            if a is None or b is None:
                continue
            for fieldname, boost in (("title", self.title_boost), ("body", 1.0)):
                if self.has(fieldname, a) and self.has(fieldname, b):
                    bonus.append(wq.Phrase(fieldname, [a, b], slop=window, boost=weight * boost))
        return bonus

    def fields_of(self, node: Word | Phrase) -> list[tuple[str, float]]:
        return [(node.field, 1.0)] if node.field else [("title", self.title_boost), ("body", 1.0)]

    def text_node(self, node: Word | Phrase) -> wq.Query | None:
        tokens = self.analyse(node.text)
        if isinstance(node, Word) and node.prefix:
            n = self.norm(node.text)
            tokens = [(n, n)] if n else []
        if isinstance(node, Word) and (node.prefix or node.fuzzy):
            self.expanded_words += 1
        if not tokens:
            return None
        per_field = []
        for fieldname, boost in self.fields_of(node):
            self._field_bonus = []
            if isinstance(node, Word) and len(tokens) == 1:
                q = self.word_query(fieldname, tokens[0][0], tokens[0][1], node)
            else:
                slop = node.slop if isinstance(node, Phrase) else 0
                q = self.phrase_query(fieldname, tokens, slop, node.exact)
            self.bonus.extend(_boosted(b, boost) if boost != 1.0 else b for b in self._field_bonus)
            if boost != 1.0:
                q = _boosted(q, boost)
            if q is not wq.NullQuery:
                per_field.append(q)
        if (
            self.lead_boost
            and isinstance(node, Word)
            and node.field is None
            and not (node.exact or node.prefix or node.fuzzy)
            and len(tokens) == 1
            and self.has("lead", tokens[0][1])
        ):
            self.bonus.append(wq.Term("lead", tokens[0][1], boost=self.lead_boost))
        if not per_field:
            return wq.NullQuery
        return per_field[0] if len(per_field) == 1 else wq.Or(per_field)

    def _key_variants(self, fieldname: str, key: str) -> tuple[set[str], set[str]]:
        """The indexed keys of ``fieldname`` that are spelling variants of ``key`` — names
        the gazetteer does not know, or knows in fewer spellings (بايرن ميونخ, جوجل) —
        and the keys that are not the name's spelling but find its articles: the name
        with a preposition its key kept (لريال مدريد, see
        :meth:`~akhbar.search.entity_keys.EntityKeys.with_preposition`) and, for a
        person's surname alone of someone it does not list, the full names ending in it:
        ``person:ماركل`` also finds «ميغان ماركل» (a listed name is its person alone:
        ``person:ترمب`` is not Ivanka Trump).  As (variants, other keys)."""
        cached = self.cache.get((fieldname, key))
        if cached is not None:
            return cached
        keys = self._keys()
        surname = fieldname == "person" and " " not in key and lookup([key]) is None
        alike = keys.alike(fieldname, key)
        found = (
            alike,
            (keys.same_name(fieldname, key) - alike) | (keys.ending_alike(fieldname, key) if surname else set()),
        )
        if len(self.cache) < 4096:
            self.cache[(fieldname, key)] = found
        return found

    def _keys(self) -> EntityKeys:
        """The generation's entity keys (read on first use)."""
        if self.entity_keys is None:
            self.entity_keys = self.names.keys if self.names is not None else EntityKeys.of_reader(self.reader)
        return self.entity_keys

    def _longer_keys(self, key: str, kinds: tuple[str, ...]) -> set[str]:
        """The keys that ``key`` is a shorter form of: a listed name of three or more words
        without its first or last (صندوق النقد for صندوق النقد الدولي), where the tagger
        agrees (it keyed the longer name in at least :data:`TAGGED_SHARE` of the articles
        that write ``key``: not الجيش السوري for الجيش السوري الحر); and for a place, the
        indexed places of two words ending in it — a saint's city always (بطرسبرغ for سان
        بطرسبرغ, see :func:`~akhbar.analyzers.names.saint_named`), the others where the
        tagger agrees (not السودان for جنوب السودان).  A person's surname finds its full
        names by :meth:`_key_variants`."""
        if self.names is None or self.docs_of is None:
            return set()
        listed = shortened_name_keys(tuple(key.split()))
        saints, places = set(), []
        if " " not in key and "place" in kinds and ENTITY_INDEX["place"] in self.reader.schema:
            for k in self._keys().ending_alike(ENTITY_INDEX["place"], key):
                words = k.split()
                if saint_named(words):
                    saints.add(k)
                elif len(words) == 2:
                    places.append(k)
        longer = sorted(listed) + sorted(places)
        if not longer:
            return saints
        q, _, _ = self._spelling_query(tuple((w,) for w in key.split()))
        written = self.docs_of(q) if q is not None else None
        if written is None or not len(written):
            return saints

        out = set(saints)
        for long_key in longer:
            tagged = self.docs_of(wq.Or([wq.Term(ENTITY_INDEX[kind], long_key) for kind in kinds]))
            if tagged is not None and len(np.intersect1d(written, tagged)) >= TAGGED_SHARE * len(written):
                out.add(long_key)
        return out

    def name_in_text(
        self, value: str, keys: list[str], spelled: list[str], tagged: wq.Query, match: NameMatch
    ) -> wq.Query | None:
        """The text query of a name's spellings that the tagger agrees are this name
        (see :mod:`akhbar.search.name_spellings`); notes them in ``match``.  ``keys`` are
        the name's and those of longer names ending in it (``person:ماركل``: «ميغان
        ماركل»), ``spelled`` the name's own: only these are looked for as text — the
        longer names' articles hold the name itself, and a first name would otherwise
        spend the query's time on everyone whose name ends in it (محمد)."""
        if self.names is None or self.docs_of is None:
            return None
        fields = _fields_of(tagged)
        cache_key = ("text", value, tuple(keys), fields)
        cached = self.cache.get(cache_key)
        if cached is None:
            cached, complete = self._name_in_text(value, keys, spelled, tagged, fields)
            if complete and len(self.cache) < 4096:  # a later query may find the rest
                self.cache[cache_key] = cached
            match.stopped = not complete
        query, spellings, left_out, starts = cached
        match.spellings, match.left_out, match.starts = spellings, left_out, starts
        self.highlights.exact |= set(starts)
        return query

    def _name_in_text(
        self, value: str, keys: list[str], spelled: list[str], tagged: wq.Query, fields: tuple[str, ...]
    ) -> tuple[tuple[wq.Query | None, list[str], list[str], dict[str, int]], bool]:
        """The untagged articles the name's text spellings found (a :class:`DocSet`),
        the spellings used and left out, their first words; and whether the search for
        them finished in its time (else: what was found)."""
        assert self.names is not None and self.docs_of is not None
        # the tagger's say: articles where it keyed the name, whatever type it gave
        # (a club is tagged as a place as often as an organization: تشلسي)
        anywhere = wq.Or([wq.Term(f, k) for f in ENTITY_INDEX.values() if f in self.reader.schema for k in keys])
        try:
            tagged_docs = self.docs_of(anywhere)
            asked_docs = self.docs_of(tagged)  # tagged in the asked fields: their keys score them
        except QueryTimeout:
            return (None, [], [], {}), False
        none = np.zeros(0, dtype=np.int64)
        tagged_in = TaggedDocs(
            anywhere=none if tagged_docs is None else tagged_docs,
            asked=none if asked_docs is None else asked_docs,
            fields=fields,
        )
        common = name_lists()[1]
        candidates: dict[tuple[str, ...], None] = {}
        own = [n for _, n, stem, _, _ in self.core.words(value) if n and stem]  # stop words are not indexed
        if own:
            candidates[tuple(own)] = None  # as the user wrote it: بوتين starts with no clitic
        for key in spelled:
            forms = listed_forms(key)
            candidates.update(dict.fromkeys(forms))  # the listed forms first, then their shorter forms
            for form in forms:
                for shorter in shorter_forms(list(form)):
                    candidates.setdefault(tuple(shorter))
            if lookup(key.split()) is None:  # an unlisted name's key is its clitic-free spelling
                candidates.setdefault(tuple(key.split()))
        # a one-word name's variants each count on their own (a common word among them must
        # not ride on the name's share); a longer name's are tried together
        tried: dict[tuple[tuple[str, ...], ...], tuple[str, ...]] = {}  # variants → the spelling they came from
        stop = load_stoplist()
        found_sets, spellings, left_out, starts = [], [], [], {}
        # the variants come from the vocabulary's words by skeleton, grouped once per letter and
        # generation; the articles of each spelling are read under a budget (when the query has
        # a time limit), each spelling's verdict kept for the next query of the generation
        with paused():  # the written forms by skeleton: once per letter and generation
            self._spellings_tried(candidates, stop, common, tried)
        # all the query's names together get a share of its time: the rest is for ranking
        # them with the query's other parts (many names each taking half of what is left
        # would leave nothing)
        left = remaining_time()
        if left is not None and self.names_left is None:
            self.names_left = NAME_SHARE * left
        started = time.monotonic()
        try:
            with time_limit(None if left is None else min(left, self.names_left or 0.0), "finding a name's spellings"):
                self._spellings_used(keys, tried, tagged_in, common, found_sets, spellings, left_out, starts)
            complete = True
        except QueryTimeout:
            complete = False
        finally:
            if self.names_left is not None:
                self.names_left = max(0.0, self.names_left - (time.monotonic() - started))
        # the text matches as the articles they found (none tagged in the asked fields):
        # matched again without reading a posting
        query = None
        if found_sets:
            found = np.unique(np.concatenate(found_sets))
            if len(found):
                query = DocSet(found, TEXT_SCORE, "the name as text, untagged")
        return (query, spellings, left_out, starts), complete

    def _spellings_tried(
        self, candidates: Iterable[tuple[str, ...]], stop: frozenset[str], common: frozenset[str], tried: dict
    ) -> None:
        """Each candidate spelling with its words' variants, into ``tried``."""
        assert self.names is not None
        for words in candidates:
            words = tuple(w for w in words if w not in stop)
            if not words or query_only(words):
                continue
            if len(words) == 1:
                variants = [v for v in self.names.variants(words[0]) if not query_only((v,))] or [words[0]]
                for v in variants:
                    tried.setdefault(((v,),), (v,))
            else:
                # a word of a longer name takes no variant that is a common word (جيه is not كي)
                tried.setdefault(
                    tuple(tuple(v for v in self.names.variants(w) if v == w or v not in common) or (w,) for w in words),
                    words,
                )

    def _spellings_used(
        self,
        keys: list[str],
        tried: dict,
        tagged: TaggedDocs,
        common: frozenset[str],
        found_sets: list[np.ndarray],
        spellings: list[str],
        left_out: list[str],
        starts: dict[str, int],
    ) -> None:
        """The spellings the tagger agrees are this name, the articles they are in (untagged
        in the asked fields) into ``found_sets``."""
        assert self.names is not None and self.docs_of is not None
        for variants, words in list(tried.items())[:MAX_SPELLINGS]:
            verdict_key = ("spelling", variants, tuple(keys), tagged.fields)
            verdict = self.cache.get(verdict_key)
            if verdict is None:
                check_deadline()  # (a verdict kept from an earlier query costs nothing)
                verdict = self._verdict(keys, variants, words, tagged, common)
                if len(self.cache) < 4096:
                    self.cache[verdict_key] = verdict
            found, forms, use = verdict
            if found is None:
                continue
            (spellings if use else left_out).append(" ".join(words))
            if use:
                found_sets.append(found)
                for form in forms:
                    starts.setdefault(form, len(words))

    def _verdict(
        self,
        keys: list[str],
        variants: tuple[tuple[str, ...], ...],
        words: tuple[str, ...],
        tagged: TaggedDocs,
        common: frozenset[str],
    ) -> tuple[np.ndarray | None, set[str], bool]:
        """The articles that hold a spelling and are not tagged in the asked fields, its
        first word's written forms, and whether the tagger agrees it is this name (None
        for a spelling no article holds)."""
        assert self.names is not None and self.docs_of is not None
        q, loose, forms = self._spelling_query(variants)
        if q is None or loose is None:
            return None, set(), False
        # not where the spelling is part of another name the tagger keyed; a key whose
        # other words are descriptors (منظمة, نادي) or none is this name, not another
        spelled = {v for vs in variants for v in vs}
        others = {
            (f, k)
            for v in words
            for f, k in self.names.keys_with(v)
            if k not in keys and not set(k.split()) - spelled <= TRIGGERS
        }
        candidates = self.docs_of(loose)  # the words there, in any order
        if candidates is None:
            return None, set(), False
        if others and len(candidates):
            keyed = wq.Or([wq.Term(f, k) for f, k in sorted(others)])
            elsewhere = self.docs_of(keyed)
            if elsewhere is None:
                q = loose = wq.AndNot(q, keyed)  # (read whole, positions and all)
                candidates = self.docs_of(q)
                if candidates is None:
                    return None, set(), False
            else:
                candidates = np.setdiff1d(candidates, elsewhere, assume_unique=True)
        # a common word needs the tagger's say in most articles; a rarer word in some;
        # several words, at least half of them rare, are a name by themselves (مون جيه
        # إن: the tagger never keys it)
        rare = [not (w in common or strip_clitics(w) in common) for w in words]
        if len(words) > 1:
            share = 0.0 if 2 * sum(rare) >= len(words) else TAGGED_SHARE
        else:
            share = TAGGED_SHARE_RARE if rare[0] else TAGGED_SHARE
        # the articles untagged in the asked fields are read whole (they are the text
        # matches); those tagged there only until the share is certain: where the words
        # must stand in order, each costs a read of positions
        inside = np.isin(candidates, tagged.asked, assume_unique=True)
        outside = candidates[~inside] if q is loose else self.docs_of(q, candidates[~inside])
        if outside is None:
            return None, set(), False
        keyed_elsewhere = int(np.isin(outside, tagged.anywhere, assume_unique=True).sum())
        untagged = len(outside) - keyed_elsewhere

        def agreed(keyed_here: int) -> bool:
            total = keyed_here + keyed_elsewhere + untagged
            return total > 0 and (keyed_here + keyed_elsewhere) / total >= share

        keyed_here = self._count_until(None if q is loose else q, candidates[inside], agreed)
        if keyed_here is None or not keyed_here + len(outside):
            return None, set(), False
        return outside, forms, agreed(keyed_here)

    def _count_until(self, q: wq.Query | None, candidates: np.ndarray, enough: Callable[[int], bool]) -> int | None:
        """How many of ``candidates`` ``q`` matches (all of them when ``q`` is None),
        counted a growing slice at a time until ``enough`` of them: exact when that is
        never reached, a lower bound past it.  None when ``q`` cannot be read so."""
        assert self.docs_of is not None
        if q is None:
            return len(candidates)
        count, start, size = 0, 0, 16
        while start < len(candidates) and not enough(count):
            found = self.docs_of(q, candidates[start : start + size])
            if found is None:
                return None
            count += len(found)
            start += size
            size *= 4
        return count

    def _spelling_query(
        self, variants: tuple[tuple[str, ...], ...]
    ) -> tuple[wq.Query | None, wq.Query | None, set[str]]:
        """One spelling of a name in the title or body, given each word's variants:
        each word in any of its variants and written forms; several words all present,
        and as a phrase of their stems when one of them is a common word.  Also the
        same without the phrase (the very query when it has none: no positions to
        read), and the written forms of its first word."""
        assert self.names is not None
        per_field, loose, forms = [], [], set()
        for fieldname in ("title", "body"):
            exact_field = fieldname + EXACT_SUFFIX
            written = [
                [f for v in vs for f in self.names.written(exact_field, v, i == 0)] for i, vs in enumerate(variants)
            ]
            if not all(written):
                continue
            forms.update(written[0])
            required = [
                wq.Term(exact_field, w[0]) if len(w) == 1 else wq.Or([wq.Term(exact_field, f) for f in w])
                for w in written
            ]
            if len(variants) == 1:
                per_field.append(required[0])
                loose.append(required[0])
                continue
            common = name_lists()[1]
            if not any(v in common for vs in variants for v in vs):
                # rare words found together are the name: no positions to read (a name's
                # words apart in one article are rarer than the cost of a phrase on each query)
                per_field.append(wq.And(required))
                loose.append(per_field[-1])
                continue
            positions = []
            for w in written:
                stems = sorted({s for f in w for _, _, s, _, _ in self.core.words(f) if s and self.has(fieldname, s)})
                if stems:  # a stop word inside a name is not indexed: the phrase closes up
                    positions.append(
                        wq.Term(fieldname, stems[0])
                        if len(stems) == 1
                        else _SpanOr([wq.Term(fieldname, s) for s in stems])
                    )
            if not positions:
                continue
            phrase = positions[0] if len(positions) == 1 else spans.SpanNear2(positions, slop=1, ordered=True)
            per_field.append(wq.And([phrase, *required]))
            loose.append(wq.And(required))
        if not per_field:
            return None, None, forms
        q = per_field[0] if len(per_field) == 1 else wq.Or(per_field)
        if all(a is b for a, b in zip(per_field, loose, strict=True)):
            return q, q, forms
        return q, loose[0] if len(loose) == 1 else wq.Or(loose), forms

    def field_value(self, node: FieldValue) -> wq.Query:
        if node.field in ENTITY_FIELDS:
            value = node.value.strip()
            # words that normalize to something: tatweels alone are no name
            if not any(True for _ in iter_words(value)) or not normalize(value).split():
                raise self.error(f"'{node.field}:' needs a name", node)
            own = entity_key(value, "person")  # (a key does not depend on the type)
            keys = {own, *self._longer_keys(own, ENTITY_FIELDS[node.field])}
            spelled = set(keys)  # the name's own spellings (keys adds the full names ending in it)
            for kind in ENTITY_FIELDS[node.field]:
                if ENTITY_INDEX[kind] in self.reader.schema:
                    for k in list(keys):
                        alike, longer = self._key_variants(ENTITY_INDEX[kind], k)
                        if k in spelled:
                            spelled |= alike
                        keys |= alike | longer
            # entity: looks in the three type fields, each with every key
            terms = [wq.Term(ENTITY_INDEX[kind], k) for kind in ENTITY_FIELDS[node.field] for k in sorted(keys)]
            tagged = terms[0] if len(terms) == 1 else wq.Or(terms)
            label = f'{node.field}:"{value}"' if " " in value else f"{node.field}:{value}"  # as a query writes it
            match = NameMatch(label, sorted(keys))
            self.name_matches.append(match)
            text = self.name_in_text(value, sorted(keys), sorted(spelled), tagged, match)
            return tagged if text is None else wq.Or([tagged, text])
        if node.field in DATE_FIELDS:
            try:
                start, stop = parse_date_range(node.value, today=self.today)
            except ValueError as e:
                raise self.error(f"bad date: {e}", node) from None
            return wq.DateRange(
                node.field,
                dt.datetime.combine(start, dt.time.min) if start else None,
                dt.datetime.combine(stop, dt.time.max) if stop else None,
            )
        value = node.value.strip()
        if node.field in self.known_values:
            folded = value.casefold()
            for known in self.known_values[node.field]:
                if known.casefold() == folded:
                    value = known
                    break
        return wq.Term(node.field, value)

    def compile(self, node: Node) -> wq.Query | None:
        """The Whoosh query of a subtree (nested ANDs always need all their items)."""
        if isinstance(node, (Word, Phrase)):
            return self.text_node(node)
        if isinstance(node, FieldValue):
            return self.field_value(node)
        if isinstance(node, Unary):
            inner = self.compile(node.item)
            if inner is None:
                return None
            return wq.Not(inner) if node.op == "not" else _Required(inner)
        assert isinstance(node, Bool)
        items = [q for q in (self.compile(i) for i in node.items) if q is not None]
        if not items:
            return None
        if node.op == "or":
            return wq.Or([_unwrap(q) for q in items]) if len(items) > 1 else _unwrap(items[0])
        return combine_and(items, match="all")[0]


class _SpanOr(spans.SpanOr):
    """Whoosh's SpanOr lacks the size estimate that And/SpanNear2 ask for, and does not
    list its parts as children (so ``iter_all_terms`` missed a phrase's first word)."""

    def children(self):
        return iter(self.subqs)

    def estimate_size(self, ixreader) -> int:
        return sum(q.estimate_size(ixreader) for q in self.subqs)

    def estimate_min_size(self, ixreader) -> int:
        return min(q.estimate_min_size(ixreader) for q in self.subqs)


def _boosted(q: wq.Query, boost: float) -> wq.Query:
    if not hasattr(q, "boost"):  # span queries (phrases) carry no boost in Whoosh
        return q
    q = q.copy()
    q.boost = q.boost * boost
    return q


class _Required(wq.WrappingQuery):
    """Marks a +term; only matters in "any words" mode."""


def _unwrap(q: wq.Query) -> wq.Query:
    return q.child if isinstance(q, _Required) else q


@dataclass
class Compiled:
    """A compiled query: what matches and scores, which documents may be hits
    (None: all that match), ranking bonuses (queries whose scores are added for
    the best candidates only: each can only match where ``query`` does), what to
    highlight, and the stop words that were left out."""

    query: wq.Query
    hits: wq.Query | None
    highlights: Highlights
    dropped: list[str]
    bonus: list[wq.Query] = field(default_factory=list)
    ranges: list[wq.Query] = field(default_factory=list)  # date ranges the hits must fall in
    names: list[NameMatch] = field(default_factory=list)  # how each entity value was searched

    @property
    def restricted(self) -> wq.Query:
        """``query`` with the date ranges applied, as one query."""
        return wq.And([self.query, *self.ranges]) if self.ranges else self.query


def combine_and(
    items: list[wq.Query], *, match: str, split_ranges: bool = False
) -> tuple[wq.Query, wq.Query | None, list[wq.Query]]:
    """AND (or, with ``match="any"``, ranked OR) of ``items``; Not items subtract.

    Returns the scoring query; when the hits are fewer than the scored documents
    (``+required`` words among optional ones), a filter query for the hits; and,
    with ``split_ranges``, the date ranges beside the words, which restrict the hits
    (in both modes) without ranking them — the Engine applies them as cached
    filters.  Whoosh's AndMaybe would say the first in one query, but with matcher
    replacement it loses hits, so a filter it is.
    """
    negatives = [q.query for q in items if isinstance(q, wq.Not)]
    positives = [q for q in items if not isinstance(q, wq.Not)]
    ranges = [_unwrap(q) for q in positives if isinstance(_unwrap(q), wq.NumericRange)] if split_ranges else []
    if len(ranges) == len(positives):
        ranges = []  # nothing else to match: the ranges are the query
    positives = [q for q in positives if _unwrap(q) not in ranges]
    required = [_unwrap(q) for q in positives if isinstance(q, _Required)]
    optional = [q for q in positives if not isinstance(q, _Required)]
    hits: wq.Query | None = None
    if match == "any":
        if required and optional:
            hits = _and(required)
            base: wq.Query = wq.Or([hits, wq.Or(optional) if len(optional) > 1 else optional[0]])
        elif required:
            base = _and(required)
        else:
            base = wq.Or(optional) if len(optional) > 1 else (optional[0] if optional else wq.Every())
    else:
        allq = required + optional
        base = _and(allq) if allq else wq.Every()
    if negatives:
        base = wq.AndNot(base, wq.Or(negatives) if len(negatives) > 1 else negatives[0])
    return base, hits, ranges


def _and(qs: list[wq.Query]) -> wq.Query:
    return qs[0] if len(qs) == 1 else wq.And(qs)


def compile_query(
    q: str,
    reader,
    settings: AnalysisSettings,
    *,
    match: str = "all",
    ranking: Ranking | None = None,
    today: dt.date | None = None,
    known_values: dict[str, list[str]] | None = None,
    vocabulary: Vocabulary | None = None,
    cache: dict | None = None,
    names: NameSpellings | None = None,
    docs_of: DocsOf | None = None,
) -> Compiled:
    """Parse ``q`` and compile it against ``reader``.  Raises :class:`QueryError`."""
    if match not in ("all", "any"):
        raise QueryError(f"match must be 'all' or 'any', not {match!r}")
    node = parse(q)
    if node is None:
        raise QueryError("empty query: type one or more words")
    ranking = ranking or Ranking()
    compiler = Compiler(
        q,
        reader,
        settings,
        ranking=ranking,
        today=today,
        known_values=known_values,
        vocabulary=vocabulary,
        cache=cache,
        names=names,
        docs_of=docs_of,
    )
    hits: wq.Query | None = None
    ranges: list[wq.Query] = []
    if isinstance(node, Bool) and node.op == "and":
        items = [c for c in (compiler.compile(i) for i in node.items) if c is not None]
        result, hits, ranges = combine_and(items, match=match, split_ranges=True) if items else (None, None, [])
        if result is not None and ranking.proximity:
            compiler.bonus += compiler.proximity(node.items, window=ranking.proximity_window, weight=ranking.proximity)
    else:
        result = compiler.compile(node)
        if isinstance(result, wq.Not):
            result = wq.AndNot(wq.Every(), result.query)
        elif result is not None:
            result = _unwrap(result)
    if result is not None and match == "any" and ranking.root_boost:
        items = node.items if isinstance(node, Bool) and node.op == "and" else [node]
        compiler.bonus += compiler.root_bonus(items, ranking.root_boost)
    if result is None:
        if not compiler.dropped:
            raise QueryError("the query has no words to search for (only marks or symbols)")
        words = "، ".join(compiler.dropped)
        raise QueryError(
            f"the query has only stop words ({words}), which are not indexed; add a word that carries meaning"
        )
    return Compiled(result, hits, compiler.highlights, compiler.dropped, compiler.bonus, ranges, compiler.name_matches)
