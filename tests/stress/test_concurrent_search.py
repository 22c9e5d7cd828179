"""Concurrency: while one process updates the index in several runs, searcher
processes (each with two threads sharing one Engine) keep querying.  No query
fails, and every answer is the answer of one published index — never a mix.

CI runs 4 processes × 2 threads through 3 updates; ``--stress`` through 24 (a few thousand queries).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from akhbar.indexer import read_corpus
from akhbar.search import Engine
from tests.conftest import ROOT
from tests.stress.corpus import article, write_jsonl

SEARCHER = """
import json, sys, threading, time
from akhbar.search import Engine
from pathlib import Path
path, stop = sys.argv[1], Path(sys.argv[2])
engine = Engine.open(path, time_limit=None)  # this test is about consistency under load, not speed
seen, errors = [], []
def loop():
    last = False
    while not last:
        last = stop.exists()  # one more round after the writer has finished
        try:
            seen.append((engine.search("زلزال", limit=1).total, engine.search("قديم OR محدث", limit=1).total))
        except Exception as e:
            errors.append(repr(e))
threads = [threading.Thread(target=loop) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"seen": seen, "errors": errors}))
"""

WRITER = """
import sys
from akhbar.indexer import read_corpus
from akhbar.search import Engine
for path in sys.argv[2:]:
    Engine.open(sys.argv[1]).add(read_corpus([path]))
"""


def test_searcher_processes_see_whole_indexes_while_a_writer_updates(tmp_path: Path, stress: bool) -> None:
    rng = random.Random(3)
    base = [article(rng, f"b{i}", "قديم") for i in range(300)]
    Engine.create(tmp_path / "ix").add(read_corpus([write_jsonl(tmp_path / "base.jsonl", base)]), workers=0)
    # updates, each adding 200 articles about an earthquake (زلزال) and rewriting 100 old ones
    updates, expected = [], [(0, 300)]
    for k in range(3 if not stress else 24):
        rows = [article(rng, f"q{k}-{i}", "زلزال") for i in range(200)]
        rows += [article(rng, f"b{i % 300}", "محدث") for i in range(k * 100, k * 100 + 100)]
        updates.append(str(write_jsonl(tmp_path / f"u{k}.jsonl", rows)))
        expected.append((200 * (k + 1), 300))
    stop = tmp_path / "writer-done"
    searchers = [
        subprocess.Popen(
            [sys.executable, "-c", SEARCHER, str(tmp_path / "ix"), str(stop)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    writer = subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "ix"), *updates], cwd=ROOT, timeout=600)
    stop.touch()
    results = [json.loads(p.communicate(timeout=120)[0]) for p in searchers]
    assert writer.returncode == 0
    assert [r["errors"] for r in results] == [[]] * 4
    seen = [tuple(s) for r in results for s in r["seen"]]
    assert set(seen) <= set(expected), set(seen) - set(expected)
    print(f"{2 * len(seen)} queries by 4 processes x 2 threads, {len(set(seen))} distinct answers")
    assert 2 * len(seen) >= (2000 if stress else 400)
    # with the writer done, every searcher saw the last index in the end
    assert all(tuple(r["seen"][-1]) == expected[-1] for r in results)
