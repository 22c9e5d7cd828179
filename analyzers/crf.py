"""Viterbi decoding of the shipped linear-chain CRF, many sentences at once.

python-crfsuite tags one sentence per call, from lists of attribute strings that
it converts and looks up one by one: about 1.5 µs a token for building the
strings and as much again in the tagger.  But the model's features of a token
are the features of at most four words — the word itself, the word before (its
``-1…`` features), the word after (``+1…``) and the word two places back
(``-2w=``) — so a token's label scores are the sum of four vectors that belong to
*words*, not tokens: computed once per distinct word (news vocabulary is Zipfian)
and summed for all the tokens of a batch in one numpy operation.  Most words of
news are surely O (:meth:`BatchTagger._open` bounds what labelling them otherwise
could gain); Viterbi runs over the runs of the other words only, all runs of a
batch together, position by position.

The result is what crfsuite's own Viterbi gives (the same weights, read from the
model file as doubles, the same first-maximum tie rule); ``tests/test_entities.py``
compares the two.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["BatchTagger"]

# a word's four rows in the score table: as the token itself, as the previous, next and
# second-previous token; three fixed rows come first
_BOS, _EOS, _NONE = 0, 1, 2
_OWN, _PREV, _NEXT, _TWO_BACK = 0, 1, 2, 3
_FEATURE = struct.Struct("<iiid")  # crfsuite's feature record: type, source, destination, weight
Pair = tuple[str, str]  # a feature as (template, value); the model's attribute is template + value


def _model_weights(path: str, info) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """The state and transition weights, as the doubles in the model file.

    ``Tagger.info()`` parses a text dump printed with six decimals; the model file
    (crfsuite's ``lCRF`` format) holds the weights themselves.  Falls back to the
    dump's values if the file is not laid out as expected.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] != b"lCRF":
            raise ValueError("not a crfsuite model")
        offset = struct.unpack_from("<I", data, 28)[0]  # header: offset of the FEAT chunk
        magic, _, count = struct.unpack_from("<4sII", data, offset)
        if magic != b"FEAT" or count != len(info.state_features) + len(info.transitions):
            raise ValueError("unexpected feature chunk")
        attributes = {int(i): a for a, i in info.attributes.items()}
        labels = {int(i): name for name, i in info.labels.items()}
        state, transitions = {}, {}
        for kind, source, target, weight in _FEATURE.iter_unpack(
            data[offset + 12 : offset + 12 + _FEATURE.size * count]
        ):
            if kind == 0:
                state[attributes[source], labels[target]] = weight
            else:
                transitions[labels[source], labels[target]] = weight
        return state, transitions
    except (OSError, ValueError, KeyError, struct.error):
        return dict(info.state_features), dict(info.transitions)


def _pair(attribute: str) -> Pair:
    """A model attribute as (template, value): ``"-1w=قال"`` → ``("-1w=", "قال")``,
    ``"al"`` → ``("al", "")``."""
    cut = attribute.find("=") + 1
    return (attribute[:cut], attribute[cut:]) if cut else (attribute, "")


class BatchTagger:
    """The model of a python-crfsuite ``Tagger``, decoding batches of sentences.

    ``word_features(word)`` gives a word's ``(own, as previous, as next, -2w)``
    features — the ones the model was trained with, by role — as ``(template,
    value)`` pairs: lists of them, and one pair for -2w.  The model's attribute is
    ``template + value``; an attribute splits after its first ``=`` (a flag without
    one is all template).
    """

    def __init__(
        self,
        tagger,
        path: str,
        word_features: Callable[[str], tuple[list[Pair], list[Pair], list[Pair], Pair]],
        max_words: int = 150_000,
    ) -> None:
        info = tagger.info()
        self.labels = [name for name, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
        self._outside = self.labels.index("O") if "O" in self.labels else -1
        number = {name: i for i, name in enumerate(self.labels)}
        n = len(self.labels)
        state, transitions = _model_weights(path, info)
        self._attributes: dict[str, int] = {}  # attribute → its row of label weights
        for attribute, _ in state:
            self._attributes.setdefault(attribute, len(self._attributes))
        self._zero = len(self._attributes)  # a row of zeros: no role's sum is empty
        self._pair_rows = {_pair(attribute): row for attribute, row in self._attributes.items()}
        self._weights = np.zeros((self._zero + 1, n))
        for (attribute, label), weight in state.items():
            self._weights[self._attributes[attribute], number[label]] = weight
        self._transitions = np.zeros((n, n))
        for (source, target), weight in transitions.items():
            self._transitions[number[source], number[target]] = weight
        # what a run of labels other than O can gain over O at most, per step inside it and
        # at its two ends (see _open)
        o, t = self._outside, self._transitions
        self._other = [y for y in range(n) if y != o]
        self._inside = t[np.ix_(self._other, self._other)].max() - t[o, o]
        self._into = t[o, self._other].max() - t[o, o]
        self._out_of = t[self._other, o].max() - t[o, o]
        self.path = path
        self._word_features = word_features
        self._max_words = max_words
        self._reset()

    def _reset(self) -> None:
        if not hasattr(self, "_rows"):  # allocated once, at its largest: no copies as it fills
            self._rows = np.zeros((4 * self._max_words + 3, len(self.labels)))
            self._uses = np.zeros(self._max_words, dtype=np.int32)  # batches that used each word
        self._rows[_BOS] = self._weights[self._attributes.get("BOS", self._zero)]
        self._rows[_EOS] = self._weights[self._attributes.get("EOS", self._zero)]
        self._used = 3
        self._index: dict[str, int] = {}  # word → its first row; words in the order of their rows
        self._uses[:] = 0

    def _evict(self) -> None:
        """Keep the scores of the half of the words that the most batches used (news
        vocabulary is Zipfian: dropping them all made the next batches pay again for
        every common word)."""
        words = list(self._index)
        keep = np.sort(np.argsort(-self._uses[: len(words)], kind="stable")[: self._max_words // 2])
        n = len(self.labels)
        self._rows[3 : 3 + 4 * len(keep)] = self._rows[3 : self._used].reshape(-1, 4, n)[keep].reshape(-1, n)
        self._uses[: len(keep)] = self._uses[keep]
        self._uses[len(keep) :] = 0
        self._index = {words[k]: 3 + 4 * i for i, k in enumerate(keep.tolist())}
        self._used = 3 + 4 * len(keep)

    def forget(self) -> None:
        """Drop every word's scores (they are recomputed when next needed)."""
        del self._rows
        self._reset()

    def _add_words(self, words: Sequence[str]) -> None:
        """Score rows for words not seen yet: the summed weights of each role's attributes."""
        # an attribute the model does not know reads the zero row: adding 0.0 changes no sum
        row_of, zero = self._pair_rows.get, self._zero
        zeros = itertools.repeat(zero)
        rows: list[int] = []
        offsets: list[int] = []
        for word in words:
            own, prev, nxt, two_back = self._word_features(word)
            for attributes in (own, prev, nxt):
                offsets.append(len(rows))
                rows += map(row_of, attributes, zeros)
                rows.append(zero)  # no role's sum is empty
            offsets.append(len(rows))
            rows += (row_of(two_back, zero), zero)
        first = self._used
        end = first + 4 * len(words)
        if end > len(self._rows):  # a batch with more new words than the table holds
            self._rows = np.concatenate([self._rows, np.zeros((end - len(self._rows), len(self.labels)))])
        rows_at = np.fromiter(rows, dtype=np.intp, count=len(rows))
        self._rows[first:end] = np.add.reduceat(self._weights[rows_at], offsets, axis=0)
        for k, word in enumerate(words):
            self._index[word] = first + 4 * k
        self._used = end

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """The most likely labels of each sentence (of normalized words)."""
        out = []
        for found, words in zip(self.tag_entities(sentences), sentences, strict=True):
            labels = [self.labels[self._outside]] * len(words)
            for position, label in found or ():
                labels[position] = label
            out.append(labels)
        return out

    def tag_entities(self, sentences: Sequence[Sequence[str]]) -> list[list[tuple[int, str]] | None]:
        """:meth:`tag` as the labels other than outside (``O``): ``(position, label)`` in
        order, None for a sentence without any — most sentences of news name no one,
        and the rest only a few of their words."""
        lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
        return self.tag_words(list(itertools.chain.from_iterable(sentences)), lengths)

    def tag_words(self, words: list[str], lengths: np.ndarray) -> list[list[tuple[int, str]] | None]:
        """:meth:`tag_entities` of sentences given as all their words and each one's length."""
        out: list[list[tuple[int, str]] | None] = [None] * len(lengths)
        if not words:
            return out
        new = list(itertools.filterfalse(self._index.__contains__, dict.fromkeys(words)))
        if new:
            if len(self._index) + len(new) > self._max_words:  # memory stays bounded
                self._evict()
                new = list(itertools.filterfalse(self._index.__contains__, dict.fromkeys(words)))
            self._add_words(new)
        base = np.fromiter(map(self._index.__getitem__, words), dtype=np.int64, count=len(words))
        used = np.zeros(len(self._uses) + 1, dtype=bool)  # the last: words beyond the table's size
        used[np.minimum((base - 3) // 4, len(self._uses))] = True
        self._uses += used[:-1]
        sentence = np.repeat(np.arange(len(lengths)), lengths)
        first = np.repeat(np.cumsum(lengths) - lengths, lengths)
        pos = np.arange(len(base)) - first  # position in the sentence
        last = np.repeat(lengths, lengths) - 1
        # each token's word's four rows in one gather (they lie together), then each role's
        # row moved to the token it scores: the previous word's "-1" row to the next token
        blocks = self._rows[3:].reshape(-1, 4, len(self.labels))[(base - 3) // 4]
        scores = blocks[:, _OWN].copy()
        for role, shift, edge, fixed in (
            (_PREV, 1, pos == 0, _BOS),
            (_NEXT, -1, pos == last, _EOS),
            (_TWO_BACK, 2, pos < 2, _NONE),
        ):
            part = np.roll(blocks[:, role], shift, axis=0)
            part[edge] = self._rows[fixed]
            scores += part
        if self._outside < 0:
            open_ = np.ones(len(base), dtype=bool)
        else:
            open_ = self._open(scores, first, pos, last)
        if not open_.any():
            return out
        # the runs of open words: decoded on their own, between words that are surely O
        begins = np.flatnonzero(open_ & ((pos == 0) | ~np.roll(open_, 1)))
        ends = np.flatnonzero(open_ & ((pos == last) | ~np.roll(open_, -1)))
        sizes = ends - begins + 1
        ranked = np.argsort(-sizes, kind="stable")  # longest first: those still running at t are a prefix
        begins, ends, sizes = begins[ranked], ends[ranked], sizes[ranked]
        count, longest = len(sizes), int(sizes[0])
        outside, transitions = self._outside, self._transitions
        # Viterbi; a run after an O word starts with that transition, one before an O ends with it
        best = scores[begins]
        if outside >= 0:
            best[pos[begins] > 0] += transitions[outside]
        running = np.searchsorted(-sizes, -np.arange(longest)).tolist()  # runs longer than t
        back = []
        for t in range(1, longest):
            k = running[t]
            paths = best[:k, :, None] + transitions  # from label i (axis 1) to label j
            back.append(paths.argmax(axis=1))  # the first maximum, as crfsuite
            best[:k] = paths.max(axis=1) + scores[begins[:k] + t]
        if outside >= 0:
            best[pos[ends] < last[ends]] += transitions[:, outside]
        current = best.argmax(axis=1)
        labels = np.full((count, longest), outside, dtype=np.int8)
        for t in range(longest - 1, 0, -1):
            k = running[t]
            labels[:k, t] = current[:k]
            current[:k] = back[t - 1][np.arange(k), current[:k]]
        labels[:, 0] = current
        rows, steps = np.nonzero(labels != outside)  # past a run's end is outside too
        tokens = begins[rows] + steps
        order = np.argsort(tokens, kind="stable")
        names = self.labels
        for s, position, label in zip(
            sentence[tokens[order]].tolist(),
            pos[tokens[order]].tolist(),
            labels[rows[order], steps[order]].tolist(),
            strict=True,
        ):
            found = out[s]
            if found is None:
                found = out[s] = []
            found.append((position, names[label]))
        return out

    def _open(self, scores: np.ndarray, first: np.ndarray, pos: np.ndarray, last: np.ndarray) -> np.ndarray:
        """The words whose label is not surely O — most words of news are.

        On the best path a run of words not labelled O, with O (or the sentence's end)
        on both sides, must gain over labelling them all O; else the O labels would
        score higher.  Its gain is at most the sum of each word's best label gain
        over O, plus for each step inside it the largest transition between two
        other labels less O→O, plus the transition out of O into it and back.  A word
        that no run of positive bound covers is O: decoding only the runs of the
        other words between such words gives the same labels.
        """
        inside, into, out_of = self._inside, self._into, self._out_of
        gain = scores[:, self._other].max(axis=1) - scores[:, self._outside] + inside
        total = np.cumsum(gain)
        total -= (total - gain)[first]  # summed from the sentence's first word (``first``)
        # the best run through a word: the highest end after it less the lowest start before it
        start = total - gain - into * (pos > 0)
        end = total + out_of * (pos < last)
        # running minimum and maximum within each sentence: an offset per sentence keeps
        # the others' values out of reach
        offset = first * (np.ptp(start) + np.ptp(end) + 1.0)
        lowest = np.minimum.accumulate(start - offset) + offset
        highest = np.maximum.accumulate((end - offset)[::-1])[::-1] + offset
        return highest - lowest - inside >= -1e-6  # rounding may keep a word open, never close one
