"""The analysis of a text: one function, :meth:`AnalysisCore.words`, used by indexing,
query compilation, highlighting and :func:`analyze`.

For each word of a text it gives the written form, the normalized form, the light stem
(None for a stop word) and the word's offsets.  The Arabic knowledge itself lives in the
rule modules, one filter per rule (:mod:`akhbar.analyzers.normalization`, ``stopwords``,
``stem``, ``roots``); :func:`rule_chain` composes those filters as a Whoosh chain, and the
tests hold the fused analysis equal to it.  Whoosh sees the analysis through thin
adapters (:class:`FastArabicAnalyzer`):

``ArabicAnalyzer()``      the stems, with positions (akhbar's ``title``/``body`` fields)
``ArabicExactAnalyzer()`` the normalized written forms (``title_exact``/``body_exact``)
``ArabicRootAnalyzer()``  the ISRI roots of the stems (the ``root`` ranking field, see
                          :mod:`akhbar.analyzers.roots`)

All three are ordinary Whoosh analyzers, usable in anyone's Whoosh schema.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from akhbar.analyzers.normalization import DEFAULT_RULES, NormalizeFilter, Normalizer
from akhbar.analyzers.roots import RootFilter, root
from akhbar.analyzers.stem import LightStemFilter, LightStemmer
from akhbar.analyzers.stopwords import ArabicStopFilter, load_stoplist
from akhbar.analyzers.tokenize import WORD_PATTERN, ArabicTokenizer


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


def rule_chain(settings: AnalysisSettings | None = None, *, stem: bool = True, roots: bool = False):
    """The rules as a Whoosh chain of filters, one filter a rule: tokenize → normalize →
    stop words (→ light stem (→ root)).  The reference the fused analysis is tested
    against, and a way to use single rules in a Whoosh schema of one's own.

    >>> [t.text for t in rule_chain()("وأخبارها في الأخبار")]
    ['اخبار', 'اخبار']
    """
    settings = settings or AnalysisSettings()
    chain = ArabicTokenizer() | NormalizeFilter(settings.rules)
    if settings.stopwords:
        chain = chain | ArabicStopFilter(settings.normalizer())
    if stem or roots:
        chain = chain | LightStemFilter(settings.make_stemmer())
    if roots:
        chain = chain | RootFilter()
    return chain


def ArabicAnalyzer(settings: AnalysisSettings | None = None):  # noqa: N802 (Whoosh naming)
    """The stems of a text's words, stop words left out.

    >>> [t.text for t in ArabicAnalyzer()("وأخبارها في الأخبار")]
    ['اخبار', 'اخبار']
    """
    return FastArabicAnalyzer(settings, stem=True)


def ArabicExactAnalyzer(settings: AnalysisSettings | None = None):  # noqa: N802
    """The normalized written forms, unstemmed, stop words left out.

    >>> [t.text for t in ArabicExactAnalyzer()("وأخبارها في الأخبار")]
    ['واخبارها', 'الاخبار']
    """
    return FastArabicAnalyzer(settings, stem=False)


def ArabicRootAnalyzer(settings: AnalysisSettings | None = None):  # noqa: N802
    """The ISRI roots of the stems.

    >>> [t.text for t in ArabicRootAnalyzer()("يكتبون في المكتبات")]
    ['كتب', 'كتب']
    """
    return FastArabicAnalyzer(settings, stem=True, roots=True)


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
    out: list[TokenInfo] = []
    pos = 0
    for original, n, stem, start, end in shared_core(settings).words(text):
        if not n:
            continue
        if stem is None:
            out.append(TokenInfo(original, n, None, start, end, None))
            continue
        out.append(TokenInfo(original, n, stem, start, end, pos))
        pos += 1
    return out


_CORES: dict[str, AnalysisCore] = {}


def shared_core(settings: AnalysisSettings | None = None) -> AnalysisCore:
    """One :class:`AnalysisCore` per settings in this process (its word cache is shared)."""
    settings = settings or AnalysisSettings()
    key = json.dumps(settings.to_json(), sort_keys=True)
    core = _CORES.get(key)
    if core is None:
        core = _CORES.setdefault(key, AnalysisCore(settings))
    return core


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
    """Whoosh's analyzer interface over :meth:`AnalysisCore.words`: stems (``stem=True``),
    written forms (``stem=False``) or roots (``roots=True``), from one loop instead of a
    chain of generator filters per token.  akhbar's schema gives all its text fields
    one shared core; tests check the output against :func:`rule_chain` on random text.
    """

    is_morph = True

    def __init__(
        self,
        settings: AnalysisSettings | None = None,
        *,
        stem: bool = True,
        roots: bool = False,
        core: AnalysisCore | None = None,
    ) -> None:
        self.core = core or AnalysisCore(settings)
        self.stem = stem
        self.roots = roots

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FastArabicAnalyzer)
            and (other.stem, other.roots) == (self.stem, self.roots)
            and other.core.settings == self.core.settings
        )

    def __hash__(self) -> int:
        return hash((self.core.settings.rules, self.stem, self.roots))

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
        roots = self.roots
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
            t.text = root(s) if roots else (s if use_stem else n)
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
