"""Arabic text analysis for akhbar: every piece of Arabic knowledge lives here.

The chain (see ``docs/analysis.md``)::

    ArabicTokenizer → NormalizeFilter → ArabicStopFilter → LightStemFilter

``analyze(text)`` shows what the chain does to a text, word by word.
"""

from analyzers.chains import (
    AnalysisSettings,
    ArabicAnalyzer,
    ArabicExactAnalyzer,
    TokenInfo,
    analyze,
)
from analyzers.normalization import NormalizeFilter, Normalizer, normalize
from analyzers.stem import LightStemFilter, LightStemmer
from analyzers.stopwords import ArabicStopFilter, load_stoplist
from analyzers.tokenize import ArabicTokenizer

__all__ = [
    "AnalysisSettings",
    "ArabicAnalyzer",
    "ArabicExactAnalyzer",
    "ArabicStopFilter",
    "ArabicTokenizer",
    "LightStemFilter",
    "LightStemmer",
    "NormalizeFilter",
    "Normalizer",
    "TokenInfo",
    "analyze",
    "load_stoplist",
    "normalize",
]
