"""Index build speed, peak memory and size: akhbar against a plain Whoosh
StandardAnalyzer index of the same articles, built in the same run; then a
per-stage profile of akhbar's pipeline run serially on a sample.

Each build runs in its own child process; its peak RSS is sampled over the
whole process tree (akhbar's analysis workers included), summed.  Each akhbar
build also reports the CPU time its processes spent preparing articles, and of
that in analysis and in entity extraction (far steadier than wall time here).

    python -m benchmarks.bench_index --sizes 1000 10000 30337 --json results/index-ant.json
    python -m benchmarks.bench_index --sizes 30337 --repeat 3 --without entities   # medians of 3 rounds
    python -m benchmarks.bench_index --sizes 30337 --repeat 6 --without entities --no-baseline --profile 0
    python -m benchmarks.bench_index --sizes 30337 --without entities --no-baseline --profile 0 --instructions
    python -m benchmarks.bench_index --corpus ../shared/corpora/egynews2013.jsonl.gz --sizes 150098
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._shared import ROOT, SHARED, require_shared, write_result

CHILD = r"""
import itertools, json, sys, time
from pathlib import Path
kind, corpus, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
started = time.perf_counter()
if kind == "akhbar":
    from akhbar.indexer import Article, read_corpus
    from akhbar.search import Engine
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
import resource
own = resource.getrusage(resource.RUSAGE_SELF)  # the writing process alone
print(json.dumps({"seconds": time.perf_counter() - started, "articles": count, "writer_cpu": own.ru_utime + own.ru_stime}))
"""


def dir_size(path: Path) -> int:
    total = 0
    for f in path.rglob("*"):
        try:
            total += f.stat().st_size if f.is_file() else 0
        except OSError:  # removed while we looked
            pass
    return total


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in KiB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


# With --without: a sitecustomize on the child's PYTHONPATH (inherited by akhbar's analysis
# workers) replaces stages with no-ops before indexer.prepare imports them.
STUBS = {
    # prepare binds the extractors when it is imported (from-imports): both names are replaced;
    # the tables written beside each generation for entity queries are entity work too
    "entities": "import akhbar.analyzers.entities as m, akhbar.indexer.prepare as p, akhbar.indexer.build as b; "
    "m.extract_entities = p.extract_entities = lambda text, words=None: []; "
    "m.extract_entities_batch = p.extract_entities_batch = lambda texts: [[] for _ in texts]; "
    "b.build_table = lambda reader: {}; b.read_from_index = lambda reader: (reader.doc_count_all(), {})",
    "dates": "import akhbar.analyzers.mentions as m, akhbar.indexer.prepare as p; "
    "m.extract_dates = p.extract_dates = lambda text, published, words=None: []",
    # extraction runs, but nothing it finds reaches the index: what the entity fields cost
    "entity-fields": "import akhbar.indexer.prepare as p; p._add_entities = lambda doc, in_title, in_body: None",
    # the entity fields one part at a time: the stored mentions, the keyword fields
    "entity-store": "import akhbar.indexer.prepare as p; _a = p._add_entities; "
    "p._add_entities = lambda doc, t, b: (_a(doc, t, b), doc.pop('entities', None))",
    "entity-keys": "import akhbar.indexer.prepare as p; _a = p._add_entities; "
    "p._add_entities = lambda doc, t, b: (_a(doc, t, b), [doc.pop(f, None) for f in ('person', 'place', 'org')])",
}
"""Stages a build can leave out (``--without``).  They patch the installed package, ``akhbar.*``:
the repository's folders imported by their own names would be other module objects."""


# Every akhbar build: each process that prepares articles (the workers, and the writer for
# the first batch) adds up the CPU time of preparing, of analysing and of extracting entities,
# and writes it after each batch (workers leave through os._exit: no atexit).  Per-process CPU
# is far steadier than a whole build's wall time (±2% where builds varied by 10%).
ACCOUNT = """
import json, os, time
import akhbar.indexer.prepare as _p
_spent = {"prepare": 0.0, "analysis": 0.0, "entities": 0.0, "batches": 0, "process": 0.0}
def _timed(f, key):
    def run(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            _spent[key] += time.process_time() - t
    return run
_p._analysed = _timed(_p._analysed, "analysis")
_p.extract_entities_batch = _timed(_p.extract_entities_batch, "entities")
_prepare = _timed(_p.prepare_batch, "prepare")
def _prepare_batch(*a, **k):
    out = _prepare(*a, **k)
    _spent["batches"] += 1
    _spent["process"] = time.process_time()  # all of this process so far (reading, pickling, collecting)
    with open(os.path.join(os.environ["AKHBAR_BENCH_ACCOUNT"], f"{os.getpid()}.json"), "w") as f:
        json.dump(_spent, f)
    return out
_p.prepare_batch = _prepare_batch
"""


# perf stat's counters over a build's processes: instruction counts repeat to ~0.05% where
# time on a shared machine moved by up to 60% within the hour
COUNTERS = ("instructions", "cycles")


def build(kind: str, corpus: Path, n: int, out: Path, without: tuple[str, ...] = (), count: bool = False) -> dict:
    """One build in a child process; ``count``: under ``perf stat`` (its counters in the result)."""
    site = Path(tempfile.mkdtemp())
    accounts = site / "accounts"
    accounts.mkdir()
    code = [STUBS[s] for s in without] + ([ACCOUNT] if kind == "akhbar" else [])
    (site / "sitecustomize.py").write_text("\n".join(code) + "\n")
    path = f"{site}{os.pathsep}{ROOT}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, "-c", CHILD, kind, str(corpus), str(n), str(out)]
    if count:
        command = ["perf", "stat", "-x,", "-e", ",".join(COUNTERS), *command]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": path, "AKHBAR_BENCH_ACCOUNT": str(accounts)},
    )
    peak = disk = 0
    ticks = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kb(proc.pid))
        if ticks % 10 == 0:  # the index directory, temporary runs included
            disk = max(disk, dir_size(out) if out.exists() else 0)
        ticks += 1
        time.sleep(0.2)
    stdout, stderr = proc.communicate()
    if proc.returncode:
        sys.exit(f"{kind} build failed:\n{stderr}")
    result = json.loads(stdout.strip().splitlines()[-1])
    for line in stderr.splitlines() if count else ():  # perf -x, lines: value,unit,event,...
        value, _, event, *_ = [*line.split(","), "", ""]
        if event in COUNTERS and value.isdigit():
            result[event] = int(value)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the build and the workers it waited for: steadier than wall time on a shared machine
    result["cpu_seconds"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    result["peak_rss_mb"] = peak / 1024
    result["peak_disk_mb"] = disk / 2**20
    result["size_mb"] = dir_size(out) / 2**20
    result["per_second"] = result["articles"] / result["seconds"]
    if kind == "akhbar":  # summed over the processes that prepared articles
        spent = [json.loads(f.read_text()) for f in accounts.glob("*.json")]
        result["prepare_cpu"] = {
            k: sum(s.get(k, 0.0) for s in spent) for k in ("prepare", "analysis", "entities", "process")
        }
    shutil.rmtree(site, ignore_errors=True)
    return result


def profile(corpus: Path, n: int) -> dict[str, float]:
    """Seconds per stage for the first ``n`` articles, serially in this process (the
    writer's commit encodes its terms here too; a build shares that with the workers)."""
    import itertools

    from akhbar.analyzers import AnalysisSettings
    from akhbar.analyzers.chains import AnalysisCore
    from akhbar.analyzers.entities import extract_entities_batch
    from akhbar.analyzers.mentions import extract_dates
    from akhbar.indexer import Article, read_corpus
    from akhbar.indexer.prepare import BATCH, _fields, document
    from akhbar.indexer.schema import lead_end
    from akhbar.indexer.store import Store
    from akhbar.indexer.whoosh_internals.writer import BulkSegmentWriter

    stages = dict.fromkeys(("reading", "analysis", "entities", "dates", "writer add", "writer commit"), 0.0)
    t = time.perf_counter()
    articles = [r for r in itertools.islice(read_corpus([corpus]), n) if isinstance(r, Article)]
    stages["reading"] = time.perf_counter() - t
    core = AnalysisCore()
    for start in range(0, len(articles), BATCH):  # as the workers do: entities a batch at a time
        texts = []
        for a in articles[start : start + BATCH]:
            t0 = time.perf_counter()
            roots: dict[str, int] = {}
            _, _, title, _ = _fields(core, a.title, roots)
            _, _, body, _ = _fields(core, a.body, roots, lead_end(a.body))
            t1 = time.perf_counter()
            extract_dates(a.body, a.date, body[1])
            stages["analysis"] += t1 - t0
            stages["dates"] += time.perf_counter() - t1
            texts += [title, body]
        t = time.perf_counter()
        extract_entities_batch(texts)
        stages["entities"] += time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "ix")
        with store.lock(), store.new_generation(rebuild=True, settings=AnalysisSettings()) as (ix, _):
            docs = [document(a, a.digest(), core) for a in articles]
            writer = BulkSegmentWriter(ix, limitmb=256)
            t = time.perf_counter()
            for doc in docs:
                writer.add_document(**doc)
            stages["writer add"] = time.perf_counter() - t
            t = time.perf_counter()
            writer.commit()
            stages["writer commit"] = time.perf_counter() - t
    return stages


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--profile", type=int, default=2000, help="articles in the per-stage profile (0: none)")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--keep", type=Path, help="keep the indexes built here (for bench_query --index/--baseline)")
    ap.add_argument(
        "--without",
        nargs="+",
        choices=sorted(STUBS),
        default=[],
        help="also build with these stages switched off, to see what each costs",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of builds, akhbar and Whoosh alternating; figures are medians, each ratio "
        "taken within a round (this machine's speed drifts by 10-20%% between minutes)",
    )
    ap.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the Whoosh builds (with --without: only what the stages cost)",
    )
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="count each build's instructions and cycles with perf stat (needs perf): what a "
        "stage costs, steady where times swing",
    )
    args = ap.parse_args(argv)
    require_shared()
    if args.instructions and not shutil.which("perf"):
        sys.exit("--instructions needs perf (Debian: apt install linux-perf)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(args.sizes, reverse=True):
            for round_ in range(1, args.repeat + 1):
                for kind in ("akhbar",) if args.no_baseline else ("akhbar", "whoosh"):
                    out = (args.keep or Path(tmp)) / f"{kind}-{n}"
                    shutil.rmtree(out, ignore_errors=True)
                    r = build(kind, args.corpus, n, out, count=args.instructions)
                    rows.append({"kind": kind, "n": n, "round": round_, **r})
                    if not args.keep or round_ < args.repeat:
                        shutil.rmtree(out, ignore_errors=True)
                    print(
                        f"{kind} {n} (round {round_}): {r['seconds']:.1f} s, {r['per_second']:.0f} articles/s, "
                        f"{r['size_mb']:.0f} MB",
                        file=sys.stderr,
                    )
                for stage in args.without:
                    with tempfile.TemporaryDirectory() as scratch:
                        r = build("akhbar", args.corpus, n, Path(scratch) / "ix", (stage,), count=args.instructions)
                    rows.append({"kind": f"akhbar without {stage}", "n": n, "round": round_, **r})
                    print(
                        f"akhbar without {stage} {n} (round {round_}): {r['seconds']:.1f} s, {r['cpu_seconds']:.1f} s CPU",
                        file=sys.stderr,
                    )

    def runs(kind: str, n: int) -> list[dict]:
        return [r for r in rows if r["kind"] == kind and r["n"] == n]

    def spread(values: list[float], digits: int = 2) -> str:
        """The median, and the range when there are several rounds."""
        middle = f"{statistics.median(values):.{digits}f}"
        return middle if len(values) == 1 else f"{middle} ({min(values):.{digits}f}–{max(values):.{digits}f})"

    if not args.no_baseline:
        print(
            "| articles | akhbar art/s | whoosh art/s | speed ratio | akhbar MB | whoosh MB | size ratio "
            "| akhbar peak RSS MB | whoosh peak RSS MB | akhbar peak disk MB |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
    for n in sorted(args.sizes) if not args.no_baseline else ():
        a, w = runs("akhbar", n), runs("whoosh", n)
        ratios = [x["per_second"] / y["per_second"] for x, y in zip(a, w, strict=True)]
        print(
            f"| {a[0]['articles']} | {statistics.median(x['per_second'] for x in a):.0f} "
            f"| {statistics.median(y['per_second'] for y in w):.0f} | {spread(ratios)} "
            f"| {a[-1]['size_mb']:.0f} | {w[-1]['size_mb']:.0f} | {a[-1]['size_mb'] / w[-1]['size_mb']:.2f} "
            f"| {max(x['peak_rss_mb'] for x in a):.0f} | {max(y['peak_rss_mb'] for y in w):.0f} "
            f"| {max(x['peak_disk_mb'] for x in a):.0f} |"
        )

    def stage_cells(full: list[dict], cut: list[dict], key: str, scale: float = 1.0, digits: int = 0) -> str:
        """A measure of the builds without a stage (and of the full ones), and what the stage adds."""
        added = [f[key] / c[key] - 1 for f, c in zip(full, cut, strict=True)]
        return (
            f"{spread([c[key] * scale for c in cut], 1)} (full: {spread([f[key] * scale for f in full], 1)}) "
            f"| {spread([100 * x for x in added], digits)}%"
        )

    tables = [("seconds | the stage adds | CPU seconds | the stage adds to CPU", ("seconds", "cpu_seconds"), 1.0, 0)]
    if args.instructions:
        tables.append(("instructions (G) | the stage adds | cycles (G) | the stage adds", COUNTERS, 1e-9, 1))
    for header, keys, scale, digits in tables if args.without else ():
        print(f"\n| articles | build | {header} |")
        print("|---|---|---|---|---|---|")
        for n in sorted(args.sizes):
            full = runs("akhbar", n)
            for stage in args.without:
                cut = runs(f"akhbar without {stage}", n)
                cells = " | ".join(stage_cells(full, cut, key, scale, digits) for key in keys)
                print(f"| {n} | akhbar without {stage} | {cells} |")
    print(
        "\n| articles | build | preparing, CPU s (all processes) | of which analysis | of which entities "
        "| those processes in all (to their last batch) | the writing process |"
    )
    print("|---|---|---|---|---|---|---|")
    for n in sorted(args.sizes):
        for kind in ["akhbar"] + [f"akhbar without {stage}" for stage in args.without]:
            cpu = [r["prepare_cpu"] for r in runs(kind, n)]
            print(
                f"| {n} | {kind} | {spread([c['prepare'] for c in cpu], 1)} | {spread([c['analysis'] for c in cpu], 1)} "
                f"| {spread([c['entities'] for c in cpu], 1)} | {spread([c.get('process', 0.0) for c in cpu], 1)} "
                f"| {spread([r.get('writer_cpu', 0.0) for r in runs(kind, n)], 1)} |"
            )
    stages = profile(args.corpus, args.profile) if args.profile else {}
    if stages:
        total = sum(stages.values())
        print(f"\nPer-stage profile, serial, first {args.profile} articles ({total:.1f} s):\n")
        print("| stage | seconds | share |")
        print("|---|---|---|")
        for name, seconds in stages.items():
            print(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
    if args.json:
        write_result(args.json, {"corpus": args.corpus.name, "builds": rows, "profile": stages})


if __name__ == "__main__":
    main()
