"""Entity extraction: precision, recall, F1 per type on ANERcorp's training file by
cross-validation (exact span match; MISC ignored), and extraction speed on real articles.

    python -m benchmarks.eval_entities --folds 5    # 5-fold cross-validation on the training file
    python -m benchmarks.eval_entities              # the shipped model's speed

The shipped model is trained on the whole file (``analyzers/train_entities.py``), so
no part of it is held out from that model: its quality is the cross-validated one.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from akhbar.analyzers.entities import extract_entities, extract_entities_batch, forget_caches, use_model
from akhbar.analyzers.train_entities import folds, read_conll, train
from benchmarks._shared import SHARED, read_jsonl, require_shared

TYPES = {"PERS": "person", "LOC": "place", "ORG": "organization"}


def gold_spans(sentence: list[tuple[str, str]]) -> tuple[str, set[tuple[int, int, str]]]:
    text, spans, offsets = "", set(), []
    for word, _ in sentence:
        start = len(text) + (1 if text else 0)
        text = f"{text} {word}" if text else word
        offsets.append((start, len(text)))
    i = 0
    while i < len(sentence):
        tag = sentence[i][1]
        if tag.startswith("B-") or tag.startswith("I-"):
            kind = tag[2:]
            j = i + 1
            while j < len(sentence) and sentence[j][1] == "I-" + kind:
                j += 1
            spans.add((offsets[i][0], offsets[j - 1][1], TYPES[kind]))
            i = j
        else:
            i += 1
    return text, spans


def score(sentences: list) -> dict[str, tuple[float, float, float, int]]:
    """(precision, recall, F1, gold spans) per type and for "all", exact span match."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for sentence in sentences:
        text, gold = gold_spans(sentence)
        found = {(m.start, m.end, m.type) for m in extract_entities(text)}
        for s in found & gold:
            tp[s[2]] += 1
        for s in found - gold:
            fp[s[2]] += 1
        for s in gold - found:
            fn[s[2]] += 1
    out = {}
    for kind in ("person", "place", "organization", "all"):
        t = sum(tp.values()) if kind == "all" else tp[kind]
        p_ = sum(fp.values()) if kind == "all" else fp[kind]
        n = sum(fn.values()) if kind == "all" else fn[kind]
        prec, rec = t / max(1, t + p_), t / max(1, t + n)
        out[kind] = (prec, rec, 2 * prec * rec / max(1e-9, prec + rec), t + n)
    return out


def cross_validate(sentences: list, k: int) -> None:
    """Train on k-1 contiguous parts of the file, score on the k-th, for each part."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (train_part, test_part) in enumerate(folds(sentences, k), start=1):
            model = Path(tmp) / f"fold{i}.crfsuite"
            train(train_part, model)
            use_model(str(model))
            rows.append(score(test_part))
            p, r, f, _ = rows[-1]["all"]
            print(f"fold {i}: {len(test_part)} sentences held out, P {p:.3f} R {r:.3f} F1 {f:.3f}", flush=True)
    use_model(None)
    print(f"\n{k}-fold cross-validation (each fold scored by a model trained on the other {k - 1}):")
    print("| type | F1 mean | spread (min–max) | precision mean | recall mean |")
    print("|---|---|---|---|---|")
    for kind in ("person", "place", "organization", "all"):
        f1s = [row[kind][2] for row in rows]
        print(
            f"| {kind} | {statistics.mean(f1s):.3f} | {min(f1s):.3f}–{max(f1s):.3f} "
            f"| {statistics.mean(row[kind][0] for row in rows):.3f} | {statistics.mean(row[kind][1] for row in rows):.3f} |"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=0, help="cross-validate on the training file with this many folds")
    args = ap.parse_args(argv)
    shared = require_shared()
    if args.folds:
        cross_validate(read_conll(shared / "eval" / "ner" / "anercorp_train.conll"), args.folds)
        return
    docs = list(read_jsonl(SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz", 6000))
    extract_entities(docs[0]["body"])  # the model and its tables load once, not in the timing
    forget_caches()
    started = time.perf_counter()
    for d in docs[:1000]:
        extract_entities(d["body"])
    took = time.perf_counter() - started
    print(f"extraction speed, one text at a time: {1000 / took:.0f} articles/s on one core (1000 ANT v2.1 bodies)")
    # as the indexer does: titles and bodies of 64 articles at once, caches filled as they go
    forget_caches()
    started = time.perf_counter()
    for i in range(0, len(docs), 64):
        extract_entities_batch([(t, None) for d in docs[i : i + 64] for t in (d.get("title") or "", d["body"])])
    took = time.perf_counter() - started
    print(
        f"extraction speed, 64 articles at a time: {len(docs) / took:.0f} articles/s on one core "
        f"({len(docs)} ANT v2.1 titles and bodies, from empty caches)"
    )


if __name__ == "__main__":
    main()
