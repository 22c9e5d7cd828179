"""Index build speed, peak memory and size: akhbar against a plain Whoosh
StandardAnalyzer index of the same articles, built in the same run.

Each build runs in its own child process so that its peak RSS is its own.

    python -m benchmarks.bench_index --sizes 1000 10000 30337
    python -m benchmarks.bench_index --corpus ../shared/corpora/egynews2013.jsonl.gz --sizes 150098
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._shared import ROOT, SHARED, require_shared

CHILD = r"""
import itertools, json, sys, time
from pathlib import Path
kind, corpus, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
started = time.perf_counter()
if kind == "akhbar":
    from indexer import Article, read_corpus
    from search import Engine
    arts = (r for r in read_corpus([corpus]) if isinstance(r, Article))
    report = Engine.at(out).add(itertools.islice(arts, n))
    count = report.added
else:
    from whoosh import fields, index
    from whoosh.analysis import StandardAnalyzer
    from benchmarks._shared import read_jsonl
    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           title=fields.TEXT(analyzer=StandardAnalyzer(), stored=True),
                           body=fields.TEXT(analyzer=StandardAnalyzer(), stored=True))
    out.mkdir(parents=True)
    ix = index.create_in(str(out), schema)
    w = ix.writer(limitmb=256)
    count = 0
    for d in read_jsonl(Path(corpus), n):
        w.add_document(id=d["id"], title=d.get("title") or "", body=d["body"])
        count += 1
    w.commit()
print(json.dumps({"seconds": time.perf_counter() - started, "articles": count}))
"""


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build(kind: str, corpus: Path, n: int, out: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(corpus), str(n), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the largest so far; a smaller child than an earlier one reads as the earlier
    result["peak_rss_mb"] = peak / 1024 if peak > before else None
    result["size_mb"] = dir_size(out) / 2**20
    result["per_second"] = result["articles"] / result["seconds"]
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    require_shared()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # largest first, so that each child's peak RSS is readable (ru_maxrss only grows)
        for n in sorted(args.sizes, reverse=True):
            for kind in ("akhbar", "whoosh"):
                out = Path(tmp) / f"{kind}-{n}"
                r = build(kind, args.corpus, n, out)
                rows.append({"kind": kind, "n": n, **r})
                shutil.rmtree(out, ignore_errors=True)
                print(
                    f"{kind} {n}: {r['seconds']:.1f} s, {r['per_second']:.0f} articles/s, {r['size_mb']:.0f} MB",
                    file=sys.stderr,
                )
    print(
        "| articles | akhbar art/s | whoosh art/s | speed ratio | akhbar MB | whoosh MB | size ratio | akhbar peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in sorted(args.sizes):
        a = next(r for r in rows if r["kind"] == "akhbar" and r["n"] == n)
        w = next(r for r in rows if r["kind"] == "whoosh" and r["n"] == n)
        rss = f"{a['peak_rss_mb']:.0f}" if a["peak_rss_mb"] else "n/a"
        print(
            f"| {a['articles']} | {a['per_second']:.0f} | {w['per_second']:.0f} | {a['per_second'] / w['per_second']:.2f} | "
            f"{a['size_mb']:.0f} | {w['size_mb']:.0f} | {a['size_mb'] / w['size_mb']:.2f} | {rss} |"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
