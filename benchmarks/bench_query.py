"""Query latency of one long-lived Engine, with a plain Whoosh index as the baseline
measured in the same run (figures as ratios; machines are noisy).

Query sets: 1-3 word queries drawn (seeded) from the corpus's own headlines, the 50 TREC
2002 Arabic topic titles, 2-word phrases, entity queries (person:/place:/org: for the
index's most mentioned entities), and date-range queries.  Snippets are on.  "Cold" is
opening the index and answering the first query; the sets run warm, on one Engine.

    python -m benchmarks.bench_query --corpus ../shared/corpora/ant_multisource_v2.1.jsonl.gz
    python -m benchmarks.bench_query --limit 5000 --json results.json   # a quicker run
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from whoosh import fields, index, qparser, scoring
from whoosh.analysis import StandardAnalyzer

from akhbar.analyzers import analyze
from akhbar.indexer import Article, read_corpus
from akhbar.search import Engine
from benchmarks._shared import SHARED, read_jsonl, read_tsv, require_shared, write_result


def percentiles(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)

    def pct(p: float) -> float:
        return s[min(len(s) - 1, int(p * len(s)))] * 1000

    return {"p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "n": len(s)}


def query_sets(docs: list[dict], seed: int = 42) -> dict[str, list[str]]:
    rng = random.Random(seed)
    words = [t.original for d in docs[:3000] for t in analyze(d.get("title") or "") if t.stem and len(t.original) > 2]
    short = [" ".join(rng.sample(words, k)) for k in (1, 2, 3) for _ in range(100)]
    trec = [r[1] for r in read_tsv(SHARED / "eval" / "trec02ar_topics_ar.tsv")]
    phrases = []
    for d in rng.sample(docs[:3000], 100):
        toks = [t.original for t in analyze(d.get("title") or "") if t.stem]
        if len(toks) >= 2:
            i = rng.randrange(len(toks) - 1)
            phrases.append(f'"{toks[i]} {toks[i + 1]}"')
    # a month the corpus itself covers (ANT: 2015-2019, egynews: 2013)
    months = sorted({str(d["date"])[:7] for d in docs[:3000] if str(d.get("date") or "")[:4].isdigit()}) or ["2018-05"]
    dated = [f"{w} date:{rng.choice(months)}" for w in rng.sample(words, 50)]
    return {"1-3 words": short, "TREC titles": trec, "phrases": phrases, "word + date range": dated}


def entity_queries(engine: Engine, n: int = 50) -> list[str]:
    """person:/place:/org: queries for the index's most mentioned entities (no baseline)."""
    prefix = {"person": "person", "place": "place", "organization": "org"}
    queries = []
    for kind in prefix:
        for e in engine.entities(type=kind, top=n // 3 + 1):
            if '"' not in e.name:
                queries.append(f"{prefix[kind]}:{e.name}" if " " not in e.name else f'{prefix[kind]}:"{e.name}"')
    return queries[:n]


def build_whoosh(docs: Iterable[dict], path: Path):
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=StandardAnalyzer(), stored=True),
        body=fields.TEXT(analyzer=StandardAnalyzer(), stored=True),
    )
    ix = index.create_in(str(path), schema)
    w = ix.writer(limitmb=256)
    for d in docs:
        w.add_document(id=d["id"], title=d.get("title") or "", body=d["body"])
    w.commit()
    return ix


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz")
    ap.add_argument("--limit", type=int, default=None, help="index only the first N articles")
    ap.add_argument("--index", type=Path, help="reuse this akhbar index (built if missing)")
    ap.add_argument("--baseline", type=Path, help="reuse this plain Whoosh index (built if missing)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    require_shared()
    sets = query_sets(list(read_jsonl(args.corpus, min(args.limit or 3000, 3000))))
    report: dict = {"corpus": str(args.corpus), "sets": {}}
    with tempfile.TemporaryDirectory() as tmp:
        path = args.index or Path(tmp) / "akhbar"
        if not (path / "akhbar.json").exists():
            shutil.rmtree(path, ignore_errors=True)
            arts = (r for r in read_corpus([args.corpus]) if isinstance(r, Article))
            if args.limit:
                arts = (a for i, a in zip(range(args.limit), arts, strict=False))
            Engine.at(path).add(arts)
        if args.baseline and index.exists_in(str(args.baseline)):
            wix = index.open_dir(str(args.baseline))
        else:
            target = args.baseline or Path(tmp) / "whoosh"
            target.mkdir(parents=True, exist_ok=True)
            wix = build_whoosh(read_jsonl(args.corpus, args.limit), target)
        parser = qparser.MultifieldParser(["title", "body"], wix.schema)
        started = time.perf_counter()
        engine = Engine.open(path, time_limit=None)  # measure every query to its end
        engine.search("حلب")
        report["open_and_first_query_ms"] = (time.perf_counter() - started) * 1000
        report["articles"] = len(engine)
        sets["entities"] = entity_queries(engine)
        with wix.searcher(weighting=scoring.BM25F()) as ws:
            for name, queries in sets.items():
                ours, base = [], []
                for q in queries:
                    t = time.perf_counter()
                    engine.search(q, limit=10, suggest=False)
                    ours.append(time.perf_counter() - t)
                    if name == "entities":
                        continue  # plain Whoosh has no entities to compare with
                    t = time.perf_counter()
                    results = ws.search(parser.parse(q.split(" date:")[0]), limit=10)
                    for hit in results:
                        hit.highlights("body")
                    base.append(time.perf_counter() - t)
                report["sets"][name] = {"akhbar": percentiles(ours), "whoosh": percentiles(base) if base else None}
    print(f"{report['articles']} articles; open + first query {report['open_and_first_query_ms']:.0f} ms")
    print("| query set | akhbar p50 | p95 | p99 | whoosh p50 | p95 | p50 ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, r in report["sets"].items():
        a, w = r["akhbar"], r["whoosh"]
        base = f"{w['p50']:.1f} ms | {w['p95']:.1f} | {a['p50'] / w['p50']:.2f}" if w else "– | – | –"
        print(f"| {name} ({a['n']}) | {a['p50']:.1f} ms | {a['p95']:.1f} | {a['p99']:.1f} | {base} |")
    if args.json:
        write_result(args.json, report)


if __name__ == "__main__":
    sys.exit(main())
