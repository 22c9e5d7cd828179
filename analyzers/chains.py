"""The analysis chains, built once from the rule modules, shared by indexing and querying.

``ArabicAnalyzer()``      tokenize → normalize → stop words → light stem (emits stems)
``ArabicExactAnalyzer()`` tokenize → normalize → stop words            (emits written forms)
akhbar's index uses the first for its positional ``title``/``body`` fields and the
second for the frequency-only ``title_exact``/``body_exact`` fields.  Both are plain
Whoosh analyzers, usable in anyone's Whoosh schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from analyzers.normalization import DEFAULT_RULES, NormalizeFilter, Normalizer
from analyzers.stem import LightStemFilter, LightStemmer
from analyzers.stopwords import ArabicStopFilter, load_stoplist
from analyzers.tokenize import ArabicTokenizer, iter_words


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything that decides which terms a text produces; stored with an index
    so that queries are analysed exactly as the documents were."""

    rules: tuple[str, ...] = DEFAULT_RULES
    stemmer: dict = field(default_factory=dict)
    stopwords: bool = True

    def normalizer(self) -> Normalizer:
        return Normalizer(self.rules)

    def make_stemmer(self) -> LightStemmer:
        return LightStemmer(**self.stemmer)

    def to_json(self) -> dict:
        return asdict(self) | {"rules": list(self.rules)}

    @classmethod
    def from_json(cls, data: dict) -> AnalysisSettings:
        return cls(rules=tuple(data["rules"]), stemmer=dict(data["stemmer"]), stopwords=data["stopwords"])


def _base(settings: AnalysisSettings):
    chain = ArabicTokenizer() | NormalizeFilter(settings.rules)
    if settings.stopwords:
        chain = chain | ArabicStopFilter(settings.normalizer())
    return chain


def ArabicAnalyzer(settings: AnalysisSettings | None = None):  # noqa: N802 (Whoosh naming)
    """tokenize → normalize → stop → light stem.

    >>> [t.text for t in ArabicAnalyzer()("وأخبارها في الأخبار")]
    ['اخبار', 'اخبار']
    """
    settings = settings or AnalysisSettings()
    return _base(settings) | LightStemFilter(settings.make_stemmer())


def ArabicExactAnalyzer(settings: AnalysisSettings | None = None):  # noqa: N802
    """tokenize → normalize → stop: written forms, unstemmed.

    >>> [t.text for t in ArabicExactAnalyzer()("وأخبارها في الأخبار")]
    ['واخبارها', 'الاخبار']
    """
    return _base(settings or AnalysisSettings())


@dataclass(frozen=True)
class TokenInfo:
    """One word of :func:`analyze`'s answer."""

    original: str
    normalized: str
    stem: str | None  # None for a stop word
    start: int
    end: int
    position: int | None  # None for a stop word


def analyze(text: str, settings: AnalysisSettings | None = None) -> list[TokenInfo]:
    """Every word of ``text`` as the index sees it: written form, normalized form,
    stem (None for a stop word), character offsets into ``text``, position.

    >>> [(t.original, t.normalized, t.stem) for t in analyze("وَالأخبارُ في حلب")]
    [('وَالأخبارُ', 'والاخبار', 'اخبار'), ('في', 'في', None), ('حلب', 'حلب', 'حلب')]
    """
    settings = settings or AnalysisSettings()
    norm = settings.normalizer()
    stem = settings.make_stemmer()
    stops = load_stoplist(norm) if settings.stopwords else frozenset()
    out: list[TokenInfo] = []
    pos = 0
    for m in iter_words(text):
        n = norm(m.group())
        if not n:
            continue
        if n in stops:
            out.append(TokenInfo(m.group(), n, None, m.start(), m.end(), None))
            continue
        out.append(TokenInfo(m.group(), n, stem(n), m.start(), m.end(), pos))
        pos += 1
    return out


def terms(text: str, settings: AnalysisSettings | None = None) -> Iterable[str]:
    """The stems of ``text``'s words, stop words removed (for scripts)."""
    return [t.stem for t in analyze(text, settings) if t.stem]
