"""Load on ``akhbar serve``: concurrent clients asking real queries for a fixed time,
beside the same queries through the Python API in one process, measured in the same run.

The server runs as ``akhbar serve`` would (``--workers`` processes, its default time
limit); each client is a thread with its own keep-alive HTTP connection, asking the
queries of :mod:`benchmarks.bench_query` (1-3 words, TREC titles, phrases, word + date,
entities) in its own seeded order, as fast as answers come.  ``--endpoint api`` asks
``/api/search`` (a page of 10 hits as JSON); ``page`` asks ``/search`` (the web page:
hits, facets of every kind and the month chart).  Every answer must be 200, or 400 for
a query stopped at the time limit (counted apart); anything else is an error.

The baseline is one Engine in this process answering the same queries in turn
(``Engine.search``, the same page size, facets as the endpoint has them).

    python -m benchmarks.bench_serve --index /tmp/ix/akhbar-30337 --clients 8 --seconds 60
    python -m benchmarks.bench_serve --index /tmp/ix/akhbar-30337 --endpoint page --json serve.json
"""

from __future__ import annotations

import argparse
import itertools
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from akhbar.search import Engine
from benchmarks._shared import SHARED, read_jsonl, require_shared, run_label, write_result
from benchmarks.bench_query import entity_queries, percentiles, query_sets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: Path, port: int, workers: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "akhbar", "serve", "--index", str(index), "--port", str(port)]
    server = subprocess.Popen([*cmd, "--workers", str(workers)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {server.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "حلب"}, timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not answer within 120 s")


def load(base: str, path: str, queries: list[str], clients: int, seconds: float, facets: bool) -> dict:
    """``clients`` threads asking ``queries`` for ``seconds``: latencies and statuses."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        order = queries[:]
        random.Random(seed).shuffle(order)
        with httpx.Client(base_url=base, timeout=30) as http:
            for q in itertools.cycle(order):
                if time.monotonic() >= stop:
                    return
                params = {"q": q, "limit": 10} | ({"facets": "true"} if facets and path.startswith("/api") else {})
                t = time.perf_counter()
                try:
                    status = http.get(path, params=params).status_code
                except httpx.HTTPError as e:
                    status = 0
                    failures.append(f"{q}: {e}")
                took = time.perf_counter() - t
                with lock:
                    latencies.append(took)
                    statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    errors = sum(n for status, n in statuses.items() if status not in (200, 400))
    return {
        "requests": len(latencies),
        "requests_per_s": len(latencies) / elapsed,
        "latency_ms": percentiles(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
        "failures": failures[:5],
    }


def in_process(index: Path, queries: list[str], seconds: float, facets: bool) -> dict:
    """The same queries through one Engine in this process, one at a time."""
    engine = Engine.open(index)
    for q in queries:  # warm, as the server is
        try:
            engine.search(q, limit=10, facets=facets)
        except Exception:
            pass
    latencies, refused = [], 0
    stop = time.monotonic() + seconds
    started = time.monotonic()
    order = queries[:]
    random.Random(0).shuffle(order)
    for q in itertools.cycle(order):
        if time.monotonic() >= stop:
            break
        t = time.perf_counter()
        try:
            engine.search(q, limit=10, facets=facets)
        except Exception:
            refused += 1
        latencies.append(time.perf_counter() - t)
    elapsed = time.monotonic() - started
    return {
        "requests": len(latencies),
        "requests_per_s": len(latencies) / elapsed,
        "latency_ms": percentiles(latencies),
        "refused": refused,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="an akhbar index (e.g. of the 30k ANT corpus)")
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2, help="server processes")
    ap.add_argument("--endpoint", choices=("api", "page"), default="api")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    require_shared()
    sets = query_sets(list(read_jsonl(args.corpus, 3000)))
    with Engine.open(args.index) as engine:
        sets["entities"] = entity_queries(engine)
    queries = [q for qs in sets.values() for q in qs]
    facets = args.endpoint == "page"
    path = "/search" if facets else "/api/search"

    port = free_port()
    server = start_server(args.index, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        # warm: enough rounds that every worker process has met every query before the clock runs
        load(base, path, queries, args.workers, len(queries) * args.workers * 0.05, facets)
        served = load(base, path, queries, args.clients, args.seconds, facets)
    finally:
        server.terminate()
        server.wait(30)
    baseline = in_process(args.index, queries, args.seconds, facets)
    result = {
        "label": run_label(),
        "index": str(args.index),
        "endpoint": path,
        "queries": len(queries),
        "clients": args.clients,
        "workers": args.workers,
        "seconds": args.seconds,
        "served": served,
        "python_api_one_process": baseline,
        "throughput_ratio": served["requests_per_s"] / baseline["requests_per_s"],
    }
    for name, r in (("served", served), ("python API, one process", baseline)):
        lat = r["latency_ms"]
        print(
            f"{name:>24}: {r['requests_per_s']:7.1f} req/s  p50 {lat['p50']:6.1f} ms  p95 {lat['p95']:6.1f} ms  "
            f"p99 {lat['p99']:6.1f} ms  ({r['requests']} requests)"
        )
    print(f"statuses {served['statuses']}, errors {served['errors']}; throughput {result['throughput_ratio']:.2f}×")
    if args.json:
        write_result(args.json, result)


if __name__ == "__main__":
    main()
