"""Print mentioned-date extraction on a seeded sample of real articles, for checking by
reading: each extracted mention with its context and resolution, and each date-like
phrase a broad pattern finds that extraction left out (to judge recall).

    python -m benchmarks.sample_dates --n 200 > sample.txt
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re

from akhbar.analyzers.dates import month_names
from akhbar.analyzers.mentions import extract_dates
from akhbar.analyzers.normalization import normalize
from benchmarks._shared import SHARED, read_jsonl, require_shared

SOURCES = {"ant_multisource_v2.1.jsonl.gz": 0.35, "ant_jawharafm_v1.1.jsonl.gz": 0.3, "egynews2013.jsonl.gz": 0.35}


def broad_pattern() -> re.Pattern[str]:
    words = sorted({w for name in month_names() for w in name.split() if len(w) > 2}, key=len, reverse=True)
    rel = ["امس", "غدا", "اليوم", "الماضي", "المقبل", "القادم", "الاسبوع", "عام \\d{4}", "\\d{1,2}/\\d{1,2}/\\d{2,4}"]
    return re.compile(r"(?<!\w)(?:\w{0,3})(?:" + "|".join(words + rel) + r")(?!\w)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    require_shared()
    rng = random.Random(args.seed)
    broad = broad_pattern()
    docs = []
    for name, share in SOURCES.items():
        pool = list(read_jsonl(SHARED / "corpora" / name, 20000))
        docs += rng.sample(pool, round(args.n * share))
    found_total = missed_total = 0
    for d in docs:
        published = dt.date.fromisoformat(d["date"]) if d.get("date") else None
        body = d["body"]
        mentions = extract_dates(body, published)
        print(f"## {d['id']} published {published}")
        for m in mentions:
            ctx = body[max(0, m.begin - 25) : m.finish + 25].replace("\n", " ")
            print(f"  + {m.text!r} → {m.start}..{m.end} ({m.kind}) | …{ctx}…")
        found_total += len(mentions)
        norm = normalize(body)
        for c in broad.finditer(norm):
            if not any(m.begin <= c.start() < m.finish + 2 for m in mentions):
                ctx = norm[max(0, c.start() - 25) : c.end() + 25].replace("\n", " ")
                print(f"  ? {c.group()!r} | …{ctx}…")
                missed_total += 1
    print(f"# {len(docs)} articles, {found_total} mentions extracted, {missed_total} broad-pattern candidates left out")


if __name__ == "__main__":
    main()
