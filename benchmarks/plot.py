"""One picture of how akhbar grows with the archive: build time and warm query
p50 (1-3 words) against corpus size, akhbar beside plain Whoosh, from the JSON
files of ``bench_index`` and ``bench_query``.  Needs matplotlib
(``pip install '.[bench]'``).

    python -m benchmarks.plot --index results/index-ant.json results/index-egy.json \\
        --query results/query-ant.json results/query-egy.json --out results/scaling.png
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, nargs="+", required=True, help="bench_index --json files")
    ap.add_argument("--query", type=Path, nargs="*", default=[], help="bench_query --json files")
    ap.add_argument("--out", type=Path, default=Path("scaling.png"))
    args = ap.parse_args(argv)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("plotting needs matplotlib: pip install '.[bench]'") from None

    builds = [row for path in args.index for row in json.loads(path.read_text())["builds"]]
    queries = [json.loads(path.read_text()) for path in args.query]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for kind, style in (("akhbar", "o-"), ("whoosh", "s--")):
        label = "akhbar" if kind == "akhbar" else "plain Whoosh"
        by_size: dict[int, list[float]] = {}
        for r in builds:
            if r["kind"] == kind:
                by_size.setdefault(r["n"], []).append(r["seconds"])
        rows = sorted((n, statistics.median(seconds)) for n, seconds in by_size.items())  # rounds: the median
        left.plot([n for n, _ in rows], [s for _, s in rows], style, label=label)
        points = sorted(
            (q["articles"], q["sets"]["1-3 words"][kind]["p50"]) for q in queries if q["sets"]["1-3 words"].get(kind)
        )
        if points:
            right.plot([n for n, _ in points], [p for _, p in points], style, label=label)
    left.set(xlabel="articles", ylabel="build time (s)", title="Index build")
    right.set(xlabel="articles", ylabel="p50 latency (ms)", title="Warm query, 1-3 words")
    for ax in (left, right):
        ax.xaxis.set_major_formatter(lambda x, _: f"{x / 1000:.0f}k")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
