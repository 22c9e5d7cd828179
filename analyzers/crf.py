"""Viterbi decoding of the shipped linear-chain CRF, many sentences at once.

python-crfsuite tags one sentence per call, from lists of attribute strings that
it converts and looks up one by one: about 1.5 µs a token for building the
strings and as much again in the tagger.  But the model's features of a token
are the features of three words — the word itself, the word before (its ``-1…``
features) and the word after (``+1…``) — so a token's label scores are the sum of
three vectors that belong to *words*, not tokens: computed once per distinct word
(news vocabulary is Zipfian) and summed for all the tokens of a batch in one numpy
operation.  Most words of news are surely O (:meth:`BatchTagger._open` bounds what
labelling them otherwise could gain); Viterbi runs over the runs of the other words
only, all runs of a batch together, position by position.

The result is what crfsuite's own Viterbi gives (the same weights, read from the
model file as doubles, the same first-maximum tie rule); ``tests/test_entities.py``
compares the two.  One difference: the score table keeps each word's sums as float32
(summed in doubles, rounded once), which halves the memory every token reads (a table of
150,000 words: 12.6 MB instead of 25) — its reads slowed the analysis running beside
extraction.  Labels could differ from crfsuite's only where two paths score within that
rounding (~1e-6 of a score); on 15,000 ANT articles not one of 241,390 mentions changed.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable, Mapping, Sequence

import numpy as np

__all__ = ["BatchTagger", "Rows"]

# a word's rows in the score table: as the token itself, as the previous and as the next
# token; two fixed rows come first
_BOS, _EOS = 0, 1
_FIXED = 2
_PREV, _NEXT = 1, 2  # offsets from a word's first row, its own
_ROLES = 3
_TABLE = np.float32  # the score table's type (see the module docstring); tokens are summed in doubles
_FEATURE = struct.Struct("<iiid")  # crfsuite's feature record: type, source, destination, weight
Pair = tuple[str, str]  # a feature as (template, value); the model's attribute is template + value
# a word's features as rows of the weight table, in one flat sequence: its own, then as the
# previous word, then as the next word, a fixed number for each role (BatchTagger's
# ``widths``); a feature a word does not have is the zero row
Rows = Sequence[int]


def _model_weights(path: str, info) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """The state and transition weights, as the doubles in the model file, named
    through ``Tagger.info()`` (which parses a text dump printed with six decimals).
    Falls back to the dump's values if the file is not laid out as expected."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] != b"lCRF":
            raise ValueError("not a crfsuite model")
        attributes = {int(i): a for a, i in info.attributes.items()}
        labels = {int(i): name for name, i in info.labels.items()}
        state, transitions = _weights(data, struct.unpack_from("<I", data, 28)[0], attributes, labels)
        if len(state) != len(info.state_features) or len(transitions) != len(info.transitions):
            raise ValueError("unexpected feature chunk")
        return state, transitions
    except (OSError, ValueError, KeyError, struct.error):
        return dict(info.state_features), dict(info.transitions)


def _read_model(path: str) -> tuple[list[str], dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """The labels (by id), state and transition weights of a crfsuite ``lCRF`` model
    file, read from the file itself: ``Tagger.info()`` prints the whole model as text
    and parses it back (0.14 s, in every process that extracts).  Raises ValueError
    if the file is not laid out as expected."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] != b"lCRF":
            raise ValueError("not a crfsuite model")
        # the header: its feature count is left 0 (the FEAT chunk has it), then the label and
        # attribute counts and the offsets of the features and of both string tables
        n_labels, n_attributes, at_features, at_labels, at_attributes = struct.unpack_from("<5I", data, 20)
        labels, attributes = _strings(data, at_labels), _strings(data, at_attributes)
        if (len(labels), len(attributes)) != (n_labels, n_attributes):
            raise ValueError("unexpected string tables")
        return labels, *_weights(data, at_features, attributes, labels)
    except (OSError, IndexError, UnicodeDecodeError, struct.error) as e:
        raise ValueError(f"unreadable model: {e}") from e


def _weights(
    data: bytes, at: int, attributes: Mapping[int, str] | Sequence[str], labels: Mapping[int, str] | Sequence[str]
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """The FEAT chunk at ``at``: state weights by (attribute, label), transition weights
    by (label, label), the ids named through ``attributes`` and ``labels``."""
    magic, size, count = struct.unpack_from("<4sII", data, at)
    if magic != b"FEAT" or size != 12 + _FEATURE.size * count:
        raise ValueError("unexpected feature chunk")
    state, transitions = {}, {}
    for kind, source, target, weight in _FEATURE.iter_unpack(data[at + 12 : at + size]):
        if kind == 0:
            state[attributes[source], labels[target]] = weight
        else:
            transitions[labels[source], labels[target]] = weight
    return state, transitions


def _strings(data: bytes, at: int) -> list[str]:
    """The strings of the CQDB chunk at ``at`` (crfsuite's string ↔ id table), by id:
    its backward array holds, for each id, where that id's record (id, size, bytes
    ending in NUL) lies."""
    magic, _, _, _, count, backward = struct.unpack_from("<4s5I", data, at)
    if magic != b"CQDB":
        raise ValueError("no CQDB chunk")
    out = []
    for number, where in enumerate(struct.unpack_from(f"<{count}I", data, at + backward)):
        found, size = struct.unpack_from("<2I", data, at + where)
        if not where or found != number:
            raise ValueError("a string table with gaps")
        out.append(data[at + where + 8 : at + where + 7 + size].decode("utf-8"))
    return out


def _pair(attribute: str) -> Pair:
    """A model attribute as (template, value): ``"-1w=قال"`` → ``("-1w=", "قال")``,
    ``"al"`` → ``("al", "")``."""
    cut = attribute.find("=") + 1
    return (attribute[:cut], attribute[cut:]) if cut else (attribute, "")


class _RowIndex(dict):
    """Word → its first row in the score table.  A word looked up for the first time
    gets the next free rows (one per role) and waits in ``new`` until they are scored:
    one pass over a batch's tokens finds both their rows and the words never seen."""

    def __init__(self, rows: dict[str, int] | None = None) -> None:
        super().__init__(rows or {})
        self.free = _FIXED + _ROLES * len(self)  # a word's rows lie together
        self.new: list[str] = []

    def __missing__(self, word: str) -> int:
        row = self[word] = self.free
        self.free += _ROLES
        self.new.append(word)
        return row


class BatchTagger:
    """The model of a python-crfsuite ``Tagger``, decoding batches of sentences.

    ``word_rows(tagger)`` makes the function that gives a word's features — the
    ones the model was trained with, by role — as :data:`Rows`: the rows that
    :meth:`table` gives for them, :attr:`zero` for an attribute the model does not
    know or a feature the word does not have; ``widths`` says how many rows each
    role has.  (Adding the zero row changes no sum, wherever it comes: a word's
    scores are those of its features alone.)  The model's attribute is
    ``template + value``; an attribute splits after its first ``=`` (a flag without
    one is all template, its value "").

    ``word_mark``, if given, marks words (a caller's own yes/no per word, kept beside
    its rows): :meth:`tag_and_mark` also gives the positions of the marked words,
    so the caller need not look every word up again.
    """

    def __init__(
        self,
        tagger,
        path: str,
        word_rows: Callable[[BatchTagger], Callable[[str], Rows]],
        widths: tuple[int, int, int],
        max_words: int = 150_000,
        word_mark: Callable[[str], bool] | None = None,
    ) -> None:
        try:
            self.labels, state, transitions = _read_model(path)
            if sorted(self.labels) != sorted(tagger.labels()):
                raise ValueError("not the tagger's model")
        except ValueError:
            info = tagger.info()
            self.labels = [name for name, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
            state, transitions = _model_weights(path, info)
        self._outside = self.labels.index("O") if "O" in self.labels else -1
        number = {name: i for i, name in enumerate(self.labels)}
        n = len(self.labels)
        self._attributes: dict[str, int] = {}  # attribute → its row of label weights
        for attribute, _ in state:
            self._attributes.setdefault(attribute, len(self._attributes))
        self.zero = len(self._attributes)  # a row of zeros: no role's sum is empty
        self._tables: dict[str, dict[str, int]] = {}  # template → value → row
        for attribute, row in self._attributes.items():
            template, value = _pair(attribute)
            self._tables.setdefault(template, {})[value] = row
        self._weights = np.zeros((self.zero + 1, n))
        for (attribute, label), weight in state.items():
            self._weights[self._attributes[attribute], number[label]] = weight
        self._transitions = np.zeros((n, n))
        for (source, target), weight in transitions.items():
            self._transitions[number[source], number[target]] = weight
        # for each label other than O: the best transition into it (from O or another label)
        # and the one from it back to O, each less O→O (the bound of _open)
        o, t = self._outside, self._transitions
        self._other = [y for y in range(n) if y != o]
        others = t[np.ix_(self._other, self._other)]
        self._enter = np.maximum(t[o, self._other], others.max(axis=0)) - t[o, o]  # into label y, at most
        self._leave = t[self._other, o] - t[o, o]  # from label y back to O
        self.path = path
        self.word_rows = word_rows
        self.widths = widths
        self.word_mark = word_mark
        self.wide_step = 64  # paths from which a Viterbi step loops over labels (see _step)
        self._rows_of = word_rows(self)
        self._max_words = max_words
        self._reset()

    def table(self, template: str) -> dict[str, int]:
        """The rows of the model's attributes ``template + value``, by value (empty for a
        template the model does not have)."""
        return self._tables.get(template, {})

    def _reset(self) -> None:
        if not hasattr(self, "_rows"):  # allocated once, at its largest: no copies as it fills
            self._rows = np.zeros((_ROLES * self._max_words + _FIXED, len(self.labels)), dtype=_TABLE)
            self._uses = np.zeros(self._max_words, dtype=np.int32)  # batches that used each word
            self._marks = np.zeros(self._max_words, dtype=bool)  # see word_mark
        self._rows[_BOS] = self._weights[self._attributes.get("BOS", self.zero)]
        self._rows[_EOS] = self._weights[self._attributes.get("EOS", self.zero)]
        self._index = _RowIndex()
        self._uses[:] = 0

    def _evict(self) -> None:
        """Keep the scores of the half of the words that the most batches used (news
        vocabulary is Zipfian: dropping them all made the next batches pay again for
        every common word)."""
        words = list(self._index)
        keep = np.sort(np.argsort(-self._uses[: len(words)], kind="stable")[: self._max_words // 2])
        n = len(self.labels)
        kept = self._rows[_FIXED : self._index.free].reshape(-1, _ROLES, n)[keep].reshape(-1, n)
        self._rows[_FIXED : _FIXED + len(kept)] = kept
        self._uses[: len(keep)] = self._uses[keep]
        self._uses[len(keep) :] = 0
        self._marks[: len(keep)] = self._marks[keep]
        self._marks[len(keep) :] = False
        self._index = _RowIndex({words[k]: _FIXED + _ROLES * i for i, k in enumerate(keep.tolist())})

    def forget(self) -> None:
        """Drop every word's scores (they are recomputed when next needed)."""
        del self._rows
        self._reset()

    def _score_new_words(self) -> None:
        """Score rows for the words given rows since last time: the summed weights of
        each role's attributes, added one after another as crfsuite adds them."""
        index = self._index
        words, index.new = index.new, []
        n, width = len(words), sum(self.widths)
        features = np.fromiter(
            itertools.chain.from_iterable(map(self._rows_of, words)), dtype=np.intp, count=n * width
        ).reshape(n, width)
        end = index.free
        first = end - _ROLES * n
        if end > len(self._rows):  # a batch with more new words than the table holds
            grow = np.zeros((end - len(self._rows), len(self.labels)), dtype=_TABLE)
            self._rows = np.concatenate([self._rows, grow])
            grown = (end - _FIXED) // _ROLES - len(self._marks)
            self._marks = np.concatenate([self._marks, np.zeros(grown, dtype=bool)])
        scored = self._rows[first:end].reshape(n, _ROLES, len(self.labels))
        weights, column = self._weights, 0
        for role, size in enumerate(self.widths):
            total = weights.take(features[:, column], axis=0)
            for k in range(column + 1, column + size):
                total += weights.take(features[:, k], axis=0)
            scored[:, role] = total
            column += size
        if self.word_mark is not None:
            self._marks[(first - _FIXED) // _ROLES : (end - _FIXED) // _ROLES] = list(map(self.word_mark, words))

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
        return self._decode(self._first_rows(words), lengths)

    def tag_and_mark(
        self, words: list[str], lengths: np.ndarray
    ) -> tuple[list[list[tuple[int, str]] | None], np.ndarray]:
        """:meth:`tag_words`, and the positions among ``words`` of those ``word_mark`` marks."""
        base = self._first_rows(words)
        return self._decode(base, lengths), np.flatnonzero(self._marks[(base - _FIXED) // _ROLES])

    def _first_rows(self, words: list[str]) -> np.ndarray:
        """Each word's first row in the score table; a word not seen yet gets its rows."""
        if len(self._index) + len(words) > self._max_words:  # memory stays bounded
            self._evict()
        base = np.fromiter(map(self._index.__getitem__, words), dtype=np.int64, count=len(words))
        if self._index.new:
            try:
                self._score_new_words()
            except BaseException:
                self.forget()  # no word keeps rows that were never scored
                raise
        return base

    def _decode(self, base: np.ndarray, lengths: np.ndarray) -> list[list[tuple[int, str]] | None]:
        """The labels other than O of sentences given as their words' first rows."""
        out: list[list[tuple[int, str]] | None] = [None] * len(lengths)
        if not len(base):
            return out
        used = np.zeros(len(self._uses) + 1, dtype=bool)  # the last: words beyond the table's size
        used[np.minimum((base - _FIXED) // _ROLES, len(self._uses))] = True
        self._uses += used[:-1]
        sentence = np.repeat(np.arange(len(lengths)), lengths)
        first = np.repeat(np.cumsum(lengths) - lengths, lengths)
        pos = np.arange(len(base)) - first  # position in the sentence
        last = np.repeat(lengths, lengths) - 1
        # a token's scores: its word's own row, plus the row of each neighbour's word for the
        # neighbour's role (the previous word's "-1" row …), or a fixed row past the sentence's edge
        rows = self._rows
        scores = rows.take(base, axis=0).astype(np.float64)
        part = np.empty((len(base), rows.shape[1]), dtype=rows.dtype)
        for role, shift, edge, fixed in ((_PREV, 1, pos == 0, _BOS), (_NEXT, -1, pos == last, _EOS)):
            at = np.roll(base, shift)
            at += role
            at[edge] = fixed
            scores += rows.take(at, axis=0, out=part)
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
            step, came_from = self._step(best[:k])
            back.append(came_from)
            best[:k] = step + scores[begins[:k] + t]
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

    def _step(self, best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One Viterbi step: for each path and next label, the best score over the label
        before and which label that was (the first maximum, as crfsuite)."""
        transitions = self._transitions
        if len(best) < self.wide_step:
            paths = best[:, :, None] + transitions  # from label i (axis 1) to label j
            return paths.max(axis=1), paths.argmax(axis=1)
        # numpy reduces an axis of 7 slowly: for many paths, one label before at a time
        top = best[:, :1] + transitions[0]
        came_from = np.zeros(top.shape, dtype=np.intp)
        for label in range(1, len(transitions)):
            paths = best[:, label, None] + transitions[label]
            better = paths > top  # a tie keeps the first maximum
            np.maximum(top, paths, out=top)
            came_from[better] = label
        return top, came_from

    def _open(self, scores: np.ndarray, first: np.ndarray, pos: np.ndarray, last: np.ndarray) -> np.ndarray:
        """The words whose label is not surely O — most words of news are.

        On the best path a run of words not labelled O, with O (or the sentence's end)
        on both sides, must gain over labelling them all O; else the O labels would
        score higher.  Its gain is at most the sum, over its words, of each word's
        best gain over O for a label, that label's score counted with the best
        transition into it (from O or from another label) less O→O, and for its last
        word also the transition from that label back to O less O→O (no transition
        comes before a sentence's first word or after its last).  A word that no run
        of positive bound covers is O: decoding only the runs of the other words
        between such words gives the same labels.
        """
        other = scores[:, self._other]
        other -= scores[:, self._outside, None]  # each label's gain over O
        entered = other + self._enter
        along = entered.max(axis=1)  # a word inside the run or at its start
        ending = (entered + self._leave).max(axis=1)  # its last word
        at_first = np.flatnonzero(pos == 0)  # nothing enters the sentence's first word
        along[at_first] = other[at_first].max(axis=1)
        ending[at_first] = (other[at_first] + self._leave).max(axis=1)
        at_last = pos == last  # nor leaves its last
        ending[at_last] = along[at_last]
        total = np.cumsum(along)
        total -= (total - along)[first]  # summed from the sentence's first word (``first``)
        # the best run through a word: the highest end after it less the lowest start before it
        start = total - along
        end = start + ending
        # running minimum and maximum within each sentence: an offset per sentence keeps
        # the others' values out of reach
        offset = first * (np.ptp(start) + np.ptp(end) + 1.0)
        lowest = np.minimum.accumulate(start - offset) + offset
        highest = np.maximum.accumulate((end - offset)[::-1])[::-1] + offset
        return highest - lowest >= -1e-6  # rounding may keep a word open, never close one
