"""Tokenization that keeps Arabic words whole and offsets true to the original.

Python's ``\\w`` does not match Arabic combining marks, so Whoosh's default
pattern splits a vocalized word such as الرَّئيسُ at every haraka.  The pattern
here accepts letters and digits of any script plus the Arabic marks and tatweel
inside a word; normalization happens later, in a filter, so ``startchar`` and
``endchar`` point into the text as written and highlights show it unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from whoosh.analysis import Token, Tokenizer

from akhbar.analyzers import letters

# A word: letters/digits of any script (``[^\W_]``), or an Arabic mark/tatweel
# that follows one.  Underscores split words (#جوني_هاليداي is two words).
WORD_PATTERN: Final = re.compile(rf"[^\W_](?:[^\W_]|[{letters.MARKS}{letters.TATWEEL}])*")


def iter_words(text: str) -> Iterator[re.Match[str]]:
    """Yield a match for each word of ``text`` (the one tokenization rule).

    >>> [m.group() for m in iter_words("قالَ الرَّئيسُ: 2018 و٢٠١٨ BBC")]
    ['قالَ', 'الرَّئيسُ', '2018', 'و٢٠١٨', 'BBC']
    """
    return WORD_PATTERN.finditer(text)


class ArabicTokenizer(Tokenizer):
    """Whoosh tokenizer over :data:`WORD_PATTERN`.

    >>> [(t.text, t.startchar, t.endchar) for t in ArabicTokenizer()("وَالأخبـارُ اليوم", chars=True)]
    [('وَالأخبـارُ', 0, 11), ('اليوم', 12, 17)]
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ArabicTokenizer)

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
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for match in WORD_PATTERN.finditer(value):
            t.text = match.group()
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t
