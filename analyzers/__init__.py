"""Arabic text analysis for akhbar: every piece of Arabic knowledge lives here.

The chain (see "The analysis chain" in ``docs/design.md``)::

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
from analyzers.entities import EntityMention, extract_entities
from analyzers.mentions import DateMention, extract_dates
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
    "DateMention",
    "EntityMention",
    "LightStemFilter",
    "LightStemmer",
    "NormalizeFilter",
    "Normalizer",
    "TokenInfo",
    "analyze",
    "extract_dates",
    "extract_entities",
    "load_stoplist",
    "normalize",
]
