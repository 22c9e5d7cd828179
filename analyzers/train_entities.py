"""Train the entity CRF shipped as ``analyzers/models/entities.crfsuite``.

    python -m analyzers.train_entities ../shared/eval/ner/anercorp_train.conll

Trains on every sentence of a CoNLL file (``token TAG`` lines, B-/I- PERS, LOC, ORG,
MISC; MISC is dropped): the shipped model learns from all the annotated text there is,
and its quality is measured by cross-validation (``benchmarks/eval_entities.py --folds
5``), each fold scored by a model trained without it.  Punctuation tokens are removed,
as the indexer's tokenizer removes them.  L1 regularization keeps the model small.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from importlib import resources
from pathlib import Path

from akhbar.analyzers.entities import MODEL, NAMES_SUFFIX
from akhbar.analyzers.entity_features import sequence_features
from akhbar.analyzers.names import strip_clitics
from akhbar.analyzers.normalization import normalize
from akhbar.analyzers.tokenize import iter_words


def read_conll(path: Path) -> list[list[tuple[str, str]]]:
    """Sentences of (normalized word, tag); punctuation-only tokens dropped, MISC → O."""
    sentences, current = [], []
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) < 2:
            if current:
                sentences.append(current)
            current = []
            continue
        token, tag = parts[0], parts[-1]
        if not any(True for _ in iter_words(token)):
            continue
        if tag.endswith("MISC") or tag not in {"O", "B-PERS", "I-PERS", "B-LOC", "I-LOC", "B-ORG", "I-ORG"}:
            tag = "O"
        word = normalize(token)
        if word:
            current.append((word, tag))
    if current:
        sentences.append(current)
    return sentences


def split(sentences: list, held_out: float) -> tuple[list, list]:
    """The first ``1 - held_out`` of the sentences, and the rest."""
    cut = int(len(sentences) * (1 - held_out))
    return sentences[:cut], sentences[cut:]


def folds(sentences: list, k: int) -> list[tuple[list, list]]:
    """``k`` (train, test) pairs: each test part a contiguous fifth (for k=5) of the
    file — contiguous, so that an article's sentences are not split between the two.

    >>> [(len(a), len(b)) for a, b in folds(list(range(10)), 5)][:2]
    [(8, 2), (8, 2)]
    """
    bounds = [len(sentences) * i // k for i in range(k + 1)]
    return [
        (sentences[: bounds[i]] + sentences[bounds[i + 1] :], sentences[bounds[i] : bounds[i + 1]]) for i in range(k)
    ]


def name_lists(sentences: list) -> tuple[set[str], set[str]]:
    """From tagged sentences: first names (a word that begins a person's name of two or
    more words) and common words (seen twice or more outside names, and more often so
    than in a person's name: سلام is "peace" more often than Salam), both without clitics — what :func:`akhbar.analyzers.entities.extract_entities` needs to
    tell a first name's unknown surname from an ordinary word after it.

    >>> first, common = name_lists([[("قال", "O"), ("سيرغي", "B-PERS"), ("لافروف", "I-PERS")]] * 2)
    >>> sorted(first), sorted(common)
    (['سيرغي'], ['قال'])
    """
    first: set[str] = set()
    seen: dict[str, int] = {}
    in_names: dict[str, int] = {}
    for sentence in sentences:
        for i, (word, tag) in enumerate(sentence):
            bare = strip_clitics(word)
            if tag == "B-PERS" and i + 1 < len(sentence) and sentence[i + 1][1] == "I-PERS":
                first.add(bare)
            if tag.endswith("PERS"):
                in_names[bare] = in_names.get(bare, 0) + 1
            elif tag == "O":
                seen[bare] = seen.get(bare, 0) + 1
    return first, {w for w, n in seen.items() if n >= 2 and n > in_names.get(w, 0)}


def write_name_lists(sentences: list, path: Path) -> None:
    """:func:`name_lists` beside a model (``MODEL`` + ``.names``), one ``F``/``C`` and a word per line."""
    first, common = name_lists(sentences)
    lines = [f"F\t{w}" for w in sorted(first)] + [f"C\t{w}" for w in sorted(common)]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def train(sentences: list, out: Path, *, c1: float = 0.05, c2: float = 0.1, iterations: int = 150) -> None:
    """Train a CRF on ``sentences`` (of (word, tag)) and write it to ``out``, its name
    lists beside it (:func:`write_name_lists`)."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for sentence in sentences:
        trainer.append(sequence_features([w for w, _ in sentence]), [t for _, t in sentence])
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True})
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    write_name_lists(sentences, Path(str(out) + NAMES_SUFFIX))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("conll", type=Path)
    ap.add_argument("--out", type=Path, default=Path(str(resources.files("akhbar.analyzers").joinpath(MODEL))))
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.1)
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--held-out", type=float, default=0.0, help="the file's last share kept out of training")
    args = ap.parse_args(argv)
    sentences, _ = split(read_conll(args.conll), args.held_out)
    train(sentences, args.out, c1=args.c1, c2=args.c2, iterations=args.iterations)
    print(
        f"trained on {len(sentences)} sentences → {args.out} ({args.out.stat().st_size // 1024} KiB)", file=sys.stderr
    )


if __name__ == "__main__":
    main()
