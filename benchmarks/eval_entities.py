"""Entity extraction: precision, recall, F1 per type on the held-out 20% of ANERcorp
(exact span match; MISC ignored), and extraction speed on real articles.

    python -m benchmarks.eval_entities
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from akhbar.analyzers.entities import extract_entities, extract_entities_batch, forget_caches
from akhbar.analyzers.train_entities import read_conll, split
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


def main() -> None:
    shared = require_shared()
    _, held = split(read_conll(shared / "eval" / "ner" / "anercorp_train.conll"))
    tp, fp, fn = Counter(), Counter(), Counter()
    missed: Counter = Counter()
    for sentence in held:
        text, gold = gold_spans(sentence)
        found = {(m.start, m.end, m.type) for m in extract_entities(text)}
        for s in found & gold:
            tp[s[2]] += 1
        for s in found - gold:
            fp[s[2]] += 1
        for s in gold - found:
            fn[s[2]] += 1
            missed[text[s[0] : s[1]]] += 1
    print(f"held-out ANERcorp: {len(held)} sentences")
    print("| type | precision | recall | F1 | gold |")
    print("|---|---|---|---|---|")
    for kind in ("person", "place", "organization", "all"):
        t = sum(tp.values()) if kind == "all" else tp[kind]
        p_ = sum(fp.values()) if kind == "all" else fp[kind]
        n = sum(fn.values()) if kind == "all" else fn[kind]
        prec, rec = t / max(1, t + p_), t / max(1, t + n)
        f1 = 2 * prec * rec / max(1e-9, prec + rec)
        print(f"| {kind} | {prec:.3f} | {rec:.3f} | {f1:.3f} | {t + n} |")
    print("most missed:", ", ".join(f"{w} ({c})" for w, c in missed.most_common(12)), file=sys.stderr)
    docs = list(read_jsonl(SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz", 6000))
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
