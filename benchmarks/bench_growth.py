"""How an archive's cost grows with its size, from a thousand articles to a million:
build time, size on disk, peak memory of every process, and warm query latency by query
set at each size, all in one run (the smallest size is the baseline of the ratios).

Articles: the shared corpora one after another (egynews, ANT, Jawhara FM: 190k); past
their end they are read again under new ids (``…~2``, ``…~3``), so a 1M archive holds
each article about five times.  That is fair for cost — the postings and stored text
grow as they would — but not for relevance (every word's document frequency is
multiplied alike).  Every size is built from nothing in its own process, and searched
in another (peak memory is then that size's); an archive of several shards is searched
in parallel by Dask workers, as ``Engine.open`` does.

    python -m benchmarks.bench_growth --sizes 1000 10000 100000 1000000 --shards 2 \\
        --keep /tmp/growth --json results/growth.json --plot results/growth.png
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from akhbar.search.engine import TIME_LIMIT
from benchmarks._shared import ROOT, SHARED, read_jsonl, require_shared, write_result

CORPORA = ("egynews2013.jsonl.gz", "ant_multisource_v2.1.jsonl.gz", "ant_jawharafm_v1.1.jsonl.gz")


def articles(n: int) -> Iterator:
    """The first ``n`` articles of the shared corpora, read again under new ids past their end."""
    from akhbar.indexer import Article, read_corpus

    def stream():
        for copy in itertools.count(1):
            for record in read_corpus([SHARED / "corpora" / name for name in CORPORA]):
                if isinstance(record, Article):
                    yield record if copy == 1 else dataclasses.replace(record, id=f"{record.id}~{copy}")

    return itertools.islice(stream(), n)


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def build_one(path: Path, n: int, shards: int) -> dict:
    """Run in a child process: build ``path`` with ``n`` articles; its own figures."""
    from akhbar.search import Engine

    started = time.perf_counter()
    report = Engine.at(path, shards=shards if shards > 1 else None).add(articles(n), rebuild=True)
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return {
        "articles": report.added,
        "build_seconds": seconds,
        "size_mb": size / 2**20,
        "build_peak_mb": {
            "writer": _peak_mb(resource.RUSAGE_SELF),
            "analysis processes": _peak_mb(resource.RUSAGE_CHILDREN),
        },
    }


def _worker_peak_mb() -> float:
    return _peak_mb(resource.RUSAGE_SELF)


def search_one(path: Path, sets: dict[str, list[str]], rounds: int) -> dict:
    """Run in a child process: warm query latency on ``path``, and peak memory."""
    from akhbar.indexer import AkhbarError
    from akhbar.search import Engine
    from benchmarks.bench_query import percentiles

    engine = Engine.open(path)
    started = time.perf_counter()
    engine.prepare()
    opening = time.perf_counter() - started
    for queries in sets.values():
        for q in queries[:20]:  # warm what each generation reads once
            with contextlib.suppress(AkhbarError):
                engine.search(q)
    samples: dict[str, list[float]] = {name: [] for name in sets}
    stopped = 0  # stopped at the time limit (timed too)
    for _ in range(rounds):
        for name, queries in sets.items():
            for q in queries:
                t = time.perf_counter()
                try:
                    engine.search(q)
                except AkhbarError:
                    stopped += 1
                samples[name].append(time.perf_counter() - t)
    peaks = {"coordinator": _peak_mb(resource.RUSAGE_SELF)}
    if engine._pool is not None:  # the Dask workers that scored the shards
        workers = engine._pool._client.run(_worker_peak_mb)
        peaks |= {f"worker {i}": mb for i, mb in enumerate(workers.values())}
    engine.close()
    return {
        "open_seconds": opening,
        "stopped_at_time_limit": stopped,
        "latency_ms": {name: percentiles(v) for name, v in samples.items()},
        "search_peak_mb": peaks,
    }


def _child(*args: str) -> dict:
    """Run this module in a fresh process with ``args``; its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_growth", *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> dict:
    from akhbar.search import Engine
    from benchmarks.bench_query import entity_queries, query_sets

    work = Path(args.keep or tempfile.mkdtemp(prefix="akhbar-growth-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        paths = {n: work / f"{n}-{args.shards}" for n in args.sizes}
        for n, path in paths.items():
            figures = path.with_name(path.name + ".build.json")
            if not figures.exists():  # kept from an earlier run: not built again
                figures.write_text(json.dumps(_child("build", str(path), str(n), str(args.shards))))
            rows.append({"size": n, **json.loads(figures.read_text())})
            print(f"built {n}: {rows[-1]['build_seconds']:.1f} s, {rows[-1]['size_mb']:.0f} MB", flush=True)
        # the same queries at every size: words of the first articles' titles, and the
        # entities most mentioned in the smallest archive of at least 10k articles
        sets = query_sets(list(read_jsonl(SHARED / "corpora" / CORPORA[0], 3000)))
        source = min((n for n in args.sizes if n >= 10_000), default=max(args.sizes))
        with Engine.open(paths[source], processes=0) as engine:
            sets["entities"] = entity_queries(engine)
        queries = work / "queries.json"
        queries.write_text(json.dumps(sets, ensure_ascii=False))
        for row, path in zip(rows, paths.values(), strict=True):
            row |= _child("search", str(path), str(queries), str(args.rounds))
            print(f"searched {row['size']}: {json.dumps(row['latency_ms'])}", flush=True)
        base = rows[0]
        for row in rows:
            row["build_ratio"] = row["build_seconds"] / base["build_seconds"]
            for name, p in row["latency_ms"].items():
                p["p50_ratio"] = p["p50"] / base["latency_ms"][name]["p50"]
                p["p95_ratio"] = p["p95"] / base["latency_ms"][name]["p95"]
        return {
            "shards": args.shards,
            "corpora": list(CORPORA),
            "rounds": args.rounds,
            "time_limit_ms": TIME_LIMIT * 1000,
            "sizes": rows,
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def plot(result: dict, out: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("plotting needs matplotlib: pip install '.[bench]'") from None
    rows = result["sizes"]
    sizes = [r["size"] for r in rows]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 4))
    left.plot(sizes, [r["build_seconds"] for r in rows], "o-")
    left.set(title="build", ylabel="seconds")
    for name in rows[0]["latency_ms"]:
        middle.plot(sizes, [r["latency_ms"][name]["p50"] for r in rows], "o-", label=name)
        right.plot(sizes, [r["latency_ms"][name]["p95"] for r in rows], "o-", label=name)
    for ax in (middle, right):  # a query is stopped there: a p95 on this line is capped by it
        ax.axhline(result["time_limit_ms"], color="grey", linestyle="--", label="time limit")
    middle.set(title="warm query p50", ylabel="ms")
    right.set(title="warm query p95", ylabel="ms")
    right.legend(fontsize="small")
    for ax in (left, middle, right):
        ax.set(xscale="log", yscale="log", xlabel="articles")
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"akhbar, {result['shards']} shard(s) on this machine: cost against archive size")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("build", "search"):  # a child of run()
        if sys.argv[1] == "build":
            answer = build_one(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        else:
            sets = json.loads(Path(sys.argv[3]).read_text())
            answer = search_one(Path(sys.argv[2]), sets, int(sys.argv[4]))
        print(json.dumps(answer))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the archives in this folder")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--plot", type=Path, help="a PNG of the figures (needs matplotlib)")
    ap.add_argument("--replot", type=Path, help="only draw --plot from this --json result")
    args = ap.parse_args()
    if args.replot:
        plot(json.loads(args.replot.read_text()), args.plot or args.replot.with_suffix(".png"))
        return
    require_shared()
    args.sizes.sort()
    result = run(args)
    for row in result["sizes"]:
        peaks = ", ".join(f"{k} {v:.0f}" for k, v in {**row["build_peak_mb"], **row["search_peak_mb"]}.items())
        print(
            f"{row['size']:>9} articles: build {row['build_seconds']:7.1f} s (x{row['build_ratio']:.1f}), "
            f"{row['size_mb']:6.0f} MB, stopped {row['stopped_at_time_limit']}, peak MB {peaks}"
        )
        for name, p in row["latency_ms"].items():
            print(
                f"{'':>20}{name:18} p50 {p['p50']:7.1f} (x{p['p50_ratio']:.1f})  p95 {p['p95']:7.1f} (x{p['p95_ratio']:.1f}) ms"
            )
    if args.json:
        write_result(args.json, result)
    if args.plot:
        plot(result, args.plot)


if __name__ == "__main__":
    main()
