"""Entity search across spelling variants: for each variant group, how many articles
``person:``/``place:``/``entity:`` returns for each spelling, against the articles that
contain any spelling of the group (a regex over the raw text, clitic prefixes allowed).

    python -m benchmarks.eval_variants --index INDEX_OF_ANT_V2.1
    python -m benchmarks.eval_variants --index INDEX_OF_ANT_V2.1 --groups groups.tsv

Recall: of the articles that contain any spelling, the share each spelling's query finds
(a group's figure: the mean over its spellings).  Precision: of the hits, the share that
contain a spelling (a group's figure: its lowest spelling's).
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from akhbar.analyzers.normalization import normalize
from akhbar.search import Engine
from benchmarks._shared import SHARED, read_jsonl, require_shared

GROUPS = [
    ("person", ["ترامب", "ترمب"]),
    ("person", ["بوتين", "بوتن"]),
    ("person", ["نتنياهو", "نتانياهو"]),
    ("person", ["غوتيريس", "غوتيريش"]),
    ("person", ["كيم جونغ أون", "كيم جونج أون"]),
    ("place", ["سوريا", "سورية"]),
]
# clitics, not the article: these names do not take it, and with it the letters are the
# adjective («السورية», Syrian; «المالي», financial or Malian), which extraction does not
# count as the place (ARTICLE=True counts it, as sessions before 6 did)
PREFIX = r"(?:و|ف|ب|ل|ك|وب|ول|فب|فل)?"
PREFIX_WITH_ARTICLE = r"(?:و|ف|ب|ل|ك|وب|ول|فب|فل|ال|وال|بال|لل)?"


def pattern(spellings: list[str], article: bool = False) -> re.Pattern[str]:
    alts = "|".join(re.escape(normalize(s)) for s in spellings)
    prefix = PREFIX_WITH_ARTICLE if article else PREFIX
    return re.compile(rf"(?<![\w]){prefix}(?:{alts})(?![\w])")


def read_groups(path: Path) -> list[tuple[str, list[str]]]:
    """Groups from a file: one per line, ``type<TAB>spelling|spelling|…`` (# comments)."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, spellings = line.split("\t")[:2]
            out.append((kind.strip(), [s.strip() for s in spellings.split("|") if s.strip()]))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument(
        "--groups", type=Path, help="groups to measure (type<TAB>spelling|spelling…); default: the six above"
    )
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz")
    ap.add_argument("--sample", type=int, default=5, help="hits outside the regex to print for reading")
    args = ap.parse_args(argv)
    require_shared()
    groups = read_groups(args.groups) if args.groups else GROUPS
    texts = {d["id"]: normalize(f"{d.get('title') or ''}\n{d['body']}") for d in read_jsonl(args.corpus)}
    engine = Engine.open(args.index, time_limit=None)
    rng = random.Random(1)
    print("| group | query | articles with any spelling (regex) | hits | recall | precision |")
    print("|---|---|---|---|---|---|")
    recalls, precisions = [], []
    for kind, spellings in groups:
        any_re = pattern(spellings)
        truth = {i for i, t in texts.items() if any_re.search(t)}
        field = {"person": "person", "place": "place", "organization": "org"}.get(kind, "entity")
        group_recall, group_precision = [], []
        for s in spellings:
            with engine.iter_hits(f'{field}:"{s}"') as stream:
                hits = {h.id for h in stream}
            recall = len(hits & truth) / max(1, len(truth))
            precision = len(hits & truth) / max(1, len(hits))
            group_recall.append(recall)
            group_precision.append(precision)
            print(
                f"| {' / '.join(spellings)} | {field}:{s} | {len(truth)} | {len(hits)} | {recall:.3f} | {precision:.3f} |"
            )
            outside = sorted(hits - truth)
            for i in rng.sample(outside, min(args.sample, len(outside))):
                doc = engine.doc(i)
                print(f"    outside regex: {i}: {doc.title[:80] if doc else ''}")
        recalls.append(sum(group_recall) / len(group_recall))
        precisions.append(min(group_precision))
    print(
        f"\n{len(groups)} groups: mean recall {sum(recalls) / len(recalls):.3f} (lowest group {min(recalls):.3f}); "
        f"lowest precision {min(precisions):.3f}"
    )


if __name__ == "__main__":
    main()
