"""The analysis chains, built once from the rule modules, shared by indexing and querying.

``ArabicAnalyzer()``      tokenize → normalize → stop words → light stem (emits stems)
``ArabicExactAnalyzer()`` tokenize → normalize → stop words            (emits written forms)
``ArabicRootAnalyzer()``  tokenize → normalize → stop words → light stem → root (emits ISRI roots)
akhbar's index uses the first for its positional ``title``/``body`` fields, the
second for the frequency-only ``title_exact``/``body_exact`` fields and the third for
the frequency-only ``root`` field (a ranking signal, see :mod:`analyzers.roots`).  All
are plain Whoosh analyzers, usable in anyone's Whoosh schema.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from akhbar.analyzers.normalization import DEFAULT_RULES, NormalizeFilter, Normalizer
from akhbar.analyzers.roots import RootFilter
from akhbar.analyzers.stem import LightStemFilter, LightStemmer
from akhbar.analyzers.stopwords import ArabicStopFilter, load_stoplist
from akhbar.analyzers.tokenize import WORD_PATTERN, ArabicTokenizer, iter_words


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


def ArabicRootAnalyzer(settings: AnalysisSettings | None = None):  # noqa: N802
    """tokenize → normalize → stop → light stem → ISRI root of the stem.

    >>> [t.text for t in ArabicRootAnalyzer()("يكتبون في المكتبات")]
    ['كتب', 'كتب']
    """
    settings = settings or AnalysisSettings()
    return _base(settings) | LightStemFilter(settings.make_stemmer()) | RootFilter()


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


class AnalysisCore:
    """Tokenize and normalize a text once for every field that indexes it.

    Holds a word → (normalized, stem) cache (news vocabulary is Zipfian) and the
    last text analysed, so the stemmed, exact and lead fields of one article share
    one pass.  Pickles as its settings only.
    """

    def __init__(self, settings: AnalysisSettings | None = None) -> None:
        self.settings = settings or AnalysisSettings()
        self._setup()

    def _setup(self) -> None:
        self._norm = self.settings.normalizer()
        self._stemmer = self.settings.make_stemmer()
        self._stops = load_stoplist(self._norm) if self.settings.stopwords else frozenset()
        self._words: dict[str, tuple[str, str | None]] = {}
        self._last: tuple[str, list] | None = None

    def __getstate__(self) -> dict:
        return {"settings": self.settings}

    def __setstate__(self, state: dict) -> None:
        self.settings = state["settings"]
        self._setup()

    def forget(self) -> None:
        """Drop the word caches (an indexing worker that has finished analysing)."""
        self._words.clear()
        self._last = None
        cache = getattr(self._stemmer, "_cache", None)
        if cache is not None:
            cache.clear()

    def words(self, text: str) -> list[tuple[str, str, str | None, int, int]]:
        """(original, normalized, stem or None for a stop word, start, end) per word."""
        last = self._last
        if last is not None and last[0] is text:
            return last[1]
        cache = self._words
        norm, stemmer, stops = self._norm, self._stemmer, self._stops
        out = []
        # The words as strings (no match objects), each found from the end of the one
        # before: a word begins with a letter, and what lies between two words holds
        # none that could begin one, so the first occurrence is the word itself.
        find = text.find
        end = 0
        for w in WORD_PATTERN.findall(text):
            start = find(w, end)
            end = start + len(w)
            entry = cache.get(w)
            if entry is None:
                n = norm(w)
                entry = (n, None if (not n or n in stops) else stemmer(n))
                if len(cache) > 150_000:  # bounded memory on 150k-article builds
                    cache.clear()
                cache[w] = entry
            out.append((w, entry[0], entry[1], start, end))
        self._last = (text, out)
        return out


class FastArabicAnalyzer:
    """The same tokens as :func:`ArabicAnalyzer` (``stem=True``) or
    :func:`ArabicExactAnalyzer` (``stem=False``), from one fused loop over
    :meth:`AnalysisCore.words` instead of a chain of generator filters per token.
    akhbar's schema gives all its text fields one shared core; tests check the
    output against the chains on random text.
    """

    is_morph = True

    def __init__(
        self, settings: AnalysisSettings | None = None, *, stem: bool = True, core: AnalysisCore | None = None
    ) -> None:
        self.core = core or AnalysisCore(settings)
        self.stem = stem

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FastArabicAnalyzer)
            and other.stem == self.stem
            and other.core.settings == self.core.settings
        )

    def __hash__(self) -> int:
        return hash((self.core.settings.rules, self.stem))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ):
        from whoosh.analysis import Token

        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        use_stem = self.stem
        for original, n, s, start, end in self.core.words(value):
            if not n:
                continue
            if s is None:  # a stop word: removed, and positions close up over it
                if not removestops:
                    t.text, t.stopped, t.boost = n, True, 1.0
                    if positions:
                        t.pos = pos
                    if chars:
                        t.startchar, t.endchar = start_char + start, start_char + end
                    yield t
                continue
            t.text = s if use_stem else n
            t.stopped = False
            t.boost = 1.0
            if keeporiginal:
                t.original = original
            if positions:
                t.pos = pos
            if chars:
                t.startchar, t.endchar = start_char + start, start_char + end
            pos += 1
            yield t
