"""Entity search across spelling variants: for each variant group, how many articles
``person:``/``place:``/``entity:`` returns for each spelling, against the articles that
contain any spelling of the group (a regex over the raw text, clitic prefixes allowed).

    python -m benchmarks.eval_variants --index INDEX_OF_ANT_V2.1
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--sample", type=int, default=10, help="hits outside the regex to print for reading")
    args = ap.parse_args(argv)
    require_shared()
    texts = {
        d["id"]: normalize(f"{d.get('title') or ''}\n{d['body']}")
        for d in read_jsonl(SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz")
    }
    engine = Engine.open(args.index, time_limit=None)
    rng = random.Random(1)
    print(
        "| group | spelling | articles with it (regex) | any spelling (regex) | field: hits | recall | entity: hits "
        "| any spelling, ال forms too | recall against those |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, spellings in GROUPS:
        any_re = pattern(spellings)
        truth = {i for i, t in texts.items() if any_re.search(t)}
        with_article = pattern(spellings, article=True)
        truth_article = {i for i, t in texts.items() if with_article.search(t)}
        field = "person" if kind == "person" else "place"
        for s in spellings:
            own = {i for i, t in texts.items() if pattern([s]).search(t)}
            first = engine.search(f'{field}:"{s}"', limit=1000, snippet_width=0, suggest=False)
            total, hits = first.total, {h.id for h in first.hits}
            for page in range(2, first.pages + 1):
                more = engine.search(f'{field}:"{s}"', limit=1000, page=page, snippet_width=0, suggest=False)
                hits |= {h.id for h in more.hits}
            ent = engine.search(f'entity:"{s}"', limit=1).total
            recall = len(hits & truth) / max(1, len(truth))
            recall_article = len(hits & truth_article) / max(1, len(truth_article))
            print(
                f"| {' / '.join(spellings)} | {s} | {len(own)} | {len(truth)} | {total} | {recall:.3f} | {ent} "
                f"| {len(truth_article)} | {recall_article:.3f} |"
            )
            outside = sorted(hits - truth)
            for i in rng.sample(outside, min(args.sample, len(outside))):
                doc = engine.doc(i)
                print(f"    outside regex: {i}: {doc.title[:80] if doc else ''}")


if __name__ == "__main__":
    main()
