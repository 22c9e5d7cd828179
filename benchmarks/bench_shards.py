"""One index against the same articles in N shards: build time, and warm query latency
by query set, all measured in the same run (figures as ratios; machines are noisy).

Modes: the single index (the baseline); the archive read in this process
(``processes=0``); the archive's shards scored in parallel by Dask worker processes (a
LocalCluster on this machine, one worker a shard up to the cores); and the same through a
scheduler named by address, as ``--cluster tcp://…`` does (a LocalCluster of as many
workers, started by this script: the cluster path's own cost against local processes); and that
path again with every query scored on the workers (the others score a query that reads few
postings in this process, :data:`~akhbar.search.engine.SHARDS_FROM`).  Query sets as
:mod:`benchmarks.bench_query`'s (1-3 words, TREC titles, phrases, word + date range,
entities); the modes take turns, ``--rounds`` times, so that drift hits them alike.

    python -m benchmarks.bench_shards --corpus ../shared/corpora/egynews2013.jsonl.gz --shards 2
    python -m benchmarks.bench_shards --limit 5000 --json results.json   # a quicker run
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import tempfile
import time
from pathlib import Path

from akhbar.indexer import AkhbarError, read_corpus
from akhbar.search import Engine
from benchmarks._shared import SHARED, read_jsonl, require_shared, write_result
from benchmarks.bench_query import entity_queries, percentiles, query_sets


def build(path: Path, corpus: Path, limit: int | None, shards: int | None) -> float:
    """Seconds to build ``path`` (if it is there already: as measured when it was built)."""
    timing = path.with_name(path.name + ".seconds")
    if path.exists() and timing.exists():
        return float(timing.read_text())
    started = time.perf_counter()
    records = read_corpus([corpus])
    Engine.at(path, shards=shards).add(itertools.islice(records, limit) if limit else records, rebuild=True)
    seconds = time.perf_counter() - started
    timing.write_text(f"{seconds}\n")
    return seconds


def run(args: argparse.Namespace) -> dict:
    work = Path(args.keep or tempfile.mkdtemp(prefix="akhbar-shards-"))
    work.mkdir(parents=True, exist_ok=True)
    single_path, sharded_path = work / "single", work / f"shards-{args.shards}"
    try:
        builds = {
            "single": build(single_path, args.corpus, args.limit, None),
            f"{args.shards} shards": build(sharded_path, args.corpus, args.limit, args.shards),
        }
        docs = list(itertools.islice(read_jsonl(args.corpus), 3000))
        from distributed import LocalCluster

        workers = min(args.shards, os.cpu_count() or 1)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        engines = {
            "single": Engine.open(single_path),
            "shards, in process": Engine.open(sharded_path, processes=0),
            "shards, parallel": Engine.open(sharded_path),
            "shards, scheduler": Engine.open(sharded_path, cluster=cluster.scheduler_address),
            "shards, scheduler, every query": Engine.open(sharded_path, cluster=cluster.scheduler_address),
        }
        # the same path, with every query scored on the workers however few postings it reads
        engines["shards, scheduler, every query"].shards_from = 0
        sets = query_sets(docs)
        sets["entities"] = entity_queries(engines["single"])
        started = time.perf_counter()
        engines["shards, parallel"].prepare()  # starts the Dask workers
        startup = time.perf_counter() - started
        for engine in engines.values():
            engine.prepare()
            for queries in sets.values():
                for q in queries[:20]:  # warm the caches each mode keeps
                    with contextlib.suppress(AkhbarError):  # a cold query may be stopped at the time limit
                        engine.search(q)
        samples: dict[str, dict[str, list[float]]] = {m: {s: [] for s in sets} for m in engines}
        stopped = {m: 0 for m in engines}  # queries stopped at the time limit (timed too)
        totals_differ = 0  # among queries every mode answered
        for _ in range(args.rounds):
            for name, queries in sets.items():
                for q in queries:
                    totals = set()
                    for mode, engine in engines.items():
                        t = time.perf_counter()
                        try:
                            totals.add(engine.search(q).total)
                        except AkhbarError:
                            stopped[mode] += 1
                            totals.add(None)
                        samples[mode][name].append(time.perf_counter() - t)
                    totals_differ += None not in totals and len(totals) > 1
        fallbacks = engines["shards, parallel"]._pool.fallbacks if engines["shards, parallel"]._pool else None
        for engine in engines.values():
            engine.close()
        cluster.close()
        result = {
            "corpus": args.corpus.name,
            "articles": len(engines["single"]),
            "shards": args.shards,
            "build_seconds": builds,
            "dask_startup_seconds": startup,
            "queries_with_different_totals": totals_differ,
            "stopped_at_time_limit": stopped,
            "parallel_fallbacks": fallbacks,
            "latency_ms": {m: {s: percentiles(v) for s, v in by_set.items()} for m, by_set in samples.items()},
        }
        for name in sets:
            base = result["latency_ms"]["single"][name]
            for mode in (
                "shards, in process",
                "shards, parallel",
                "shards, scheduler",
                "shards, scheduler, every query",
            ):
                got = result["latency_ms"][mode][name]
                got["p50_ratio"] = got["p50"] / base["p50"]
                got["p95_ratio"] = got["p95"] / base["p95"]
        for name in sets:  # the scheduler path against local worker processes
            got, local = result["latency_ms"]["shards, scheduler"][name], result["latency_ms"]["shards, parallel"][name]
            got["p50_vs_local"] = got["p50"] / local["p50"]
            got["p95_vs_local"] = got["p95"] / local["p95"]
        return result
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "egynews2013.jsonl.gz")
    ap.add_argument("--limit", type=int, default=None, help="index only the first N articles")
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the indexes in this folder")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    require_shared()
    result = run(args)
    print(
        f"{result['articles']} articles; build s: {result['build_seconds']}; dask start {result['dask_startup_seconds']:.1f} s"
    )
    print(f"answered by every mode with different totals: {result['queries_with_different_totals']}")
    print(f"stopped at the time limit: {result['stopped_at_time_limit']}")
    for mode, by_set in result["latency_ms"].items():
        for name, p in by_set.items():
            ratio = f"  p50 x{p['p50_ratio']:.2f} p95 x{p['p95_ratio']:.2f}" if "p50_ratio" in p else ""
            if "p50_vs_local" in p:
                ratio += f" (vs local workers: p50 x{p['p50_vs_local']:.2f} p95 x{p['p95_vs_local']:.2f})"
            print(f"{mode:20} {name:18} p50 {p['p50']:7.1f}  p95 {p['p95']:7.1f}  p99 {p['p99']:7.1f} ms{ratio}")
    if args.json:
        write_result(args.json, result)


if __name__ == "__main__":
    main()
