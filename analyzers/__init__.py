"""Arabic text analysis for akhbar: every piece of Arabic knowledge lives here.

The chain (see "The analysis chain" in ``docs/design.md``)::

    ArabicTokenizer → NormalizeFilter → ArabicStopFilter → LightStemFilter

``analyze(text)`` shows what the chain does to a text, word by word.
"""

from akhbar.analyzers.chains import (
    AnalysisSettings,
    ArabicAnalyzer,
    ArabicExactAnalyzer,
    TokenInfo,
    analyze,
)
from akhbar.analyzers.entities import EntityMention, extract_entities
from akhbar.analyzers.mentions import DateMention, extract_dates
from akhbar.analyzers.normalization import NormalizeFilter, Normalizer, normalize
from akhbar.analyzers.stem import LightStemFilter, LightStemmer
from akhbar.analyzers.stopwords import ArabicStopFilter, load_stoplist
from akhbar.analyzers.tokenize import ArabicTokenizer

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
