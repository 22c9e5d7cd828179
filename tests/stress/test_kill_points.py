"""Crash safety: ``akhbar index`` killed (SIGKILL) or interrupted (SIGINT) at many points
of a rebuild and of an incremental update — while reading and analysing, during
Whoosh's commit, around the publish — leaves an index that opens and answers
exactly as before the run (or, past the publish, as after it); Ctrl-C says which;
re-running the same command completes the update.

CI runs 6 kill points; ``pytest --stress tests/stress`` runs 24.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from akhbar.search import Engine
from tests.conftest import ROOT
from tests.stress.corpus import article, write_jsonl

# The CLI, with markers on stdout when the commit and the publish begin (the test
# kills relative to them); the production code is unchanged.
CHILD = """
import sys, time
from akhbar.indexer import store
from akhbar.indexer.whoosh_internals import writer
def marked(name, f):
    def call(*args, **kwargs):
        print(name, time.monotonic(), flush=True)
        return f(*args, **kwargs)
    return call
writer.BulkSegmentWriter.commit = marked("commit", writer.BulkSegmentWriter.commit)
store.Store.publish = marked("publish", store.Store.publish)
from akhbar.search import engine
engine.Engine.add = marked("add", engine.Engine.add)
from akhbar.search.cli import main
sys.argv = ["akhbar", *sys.argv[1:]]
main()
"""

QUERIES = ("قديم", "محدث", "جديد", "الحكومة", "date:2020-03")


def snapshot(path: Path) -> dict:
    with Engine.open(path, time_limit=None) as engine:  # consistency under load, not speed
        state = {q: sorted(h.id for h in engine.search(q, limit=1000)) for q in QUERIES}
        state["articles"] = len(engine)
    return state


@dataclass
class Scenario:
    name: str
    args: list[str]
    before: dict
    after: dict
    pristine: Path  # the index before the run
    seconds: float  # an uninterrupted run
    add_at: float  # seconds from start to Engine.add (imports done)
    commit_at: float  # seconds from start to the commit marker


def run_child(index: Path, args: list[str], kill: tuple[int, str, float] | None = None):
    """Run ``akhbar index`` (markers on stdout); optionally send ``signal`` at ``delay``
    seconds after ``phase`` ("start", "add", "commit" or "publish")."""
    started = time.monotonic()
    errfile = tempfile.TemporaryFile("w+", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, "index", *args, "--index", str(index)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=errfile,
        text=True,
    )
    marks: dict[str, float] = {"start": started}
    seen = threading.Event()

    def read_marks() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            name, _, at = line.partition(" ")
            marks.setdefault(name, float(at) if at else 0.0)
            seen.set()

    reader = threading.Thread(target=read_marks, daemon=True)
    reader.start()
    if kill is not None:
        sig, phase, delay = kill
        while phase not in marks and proc.poll() is None:
            seen.wait(0.005)
            seen.clear()
        if phase in marks:
            time.sleep(max(0.0, marks[phase] + delay - time.monotonic()))
            if proc.poll() is None:
                proc.send_signal(sig)
    proc.wait(timeout=300)
    reader.join(timeout=5)
    errfile.seek(0)
    err = errfile.read()
    errfile.close()
    return proc.returncode, err, marks, time.monotonic() - started


def workers_of_dead_parents() -> list[int]:
    """Analysis workers whose writer is gone (they must exit on their own)."""
    orphans = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            cmd = (p / "cmdline").read_bytes()
            ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"akhbar.indexer.prepare import serve" in cmd and ppid == 1:
            orphans.append(int(p.name))
    return orphans


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> list[Scenario]:
    rng = random.Random(7)
    tmp = tmp_path_factory.mktemp("kill")
    base = [article(rng, f"b{i}", "قديم") for i in range(300)]
    update = [article(rng, f"b{i}", "محدث") for i in range(150)] + [article(rng, f"n{i}", "جديد") for i in range(450)]
    base_file, update_file = write_jsonl(tmp / "base.jsonl", base), write_jsonl(tmp / "update.jsonl", update)
    all_file = write_jsonl(tmp / "all.jsonl", base[250:] + update)
    pristine = tmp / "pristine"
    Engine.create(pristine).add(_rows(base_file), workers=0)
    before = snapshot(pristine)
    out = []
    for name, args in (("update", [str(update_file)]), ("rebuild", [str(all_file), "--rebuild"])):
        ref = tmp / f"ref-{name}"
        shutil.copytree(pristine, ref)
        code, err, marks, seconds = run_child(ref, args)
        assert code == 0 and "commit" in marks, (marks, err)
        at = {mark: marks[mark] - marks["start"] for mark in ("add", "commit")}
        out.append(Scenario(name, args, before, snapshot(ref), pristine, seconds, at["add"], at["commit"]))
    return out


def _rows(path: Path):
    from akhbar.indexer import read_corpus

    return read_corpus([path])


def kill_points(scenario: Scenario, full: bool, seed: int) -> list[tuple[int, str, float]]:
    rng = random.Random(seed)
    tail = max(0.05, scenario.seconds - scenario.commit_at)  # commit, publish, exit
    anytime = [(signal.SIGKILL, "start", rng.uniform(0.05, scenario.seconds)) for _ in range(4 if full else 1)]
    # Ctrl-C while Python is still importing is Python's own traceback, not akhbar's: from Engine.add on
    anytime += [
        (signal.SIGINT, "add", rng.uniform(0, scenario.seconds - scenario.add_at)) for _ in range(2 if full else 0)
    ]
    commit = [(signal.SIGKILL, "commit", rng.uniform(0, tail)) for _ in range(3 if full else 1)]
    commit += [(signal.SIGINT, "commit", rng.uniform(0, tail)) for _ in range(1)]
    publish = [(signal.SIGKILL, "publish", 0.0), (signal.SIGINT, "publish", 0.002)] if full else []
    return anytime + commit + publish


def test_killed_runs_leave_the_index_as_before_or_after(
    scenarios: list[Scenario], tmp_path: Path, stress: bool
) -> None:
    tried = []
    for number, scenario in enumerate(scenarios):
        for point, (sig, phase, delay) in enumerate(kill_points(scenario, stress, seed=number)):
            index = tmp_path / f"{scenario.name}-{point}"
            shutil.copytree(scenario.pristine, index)
            code, err, _, _ = run_child(index, scenario.args, (sig, phase, delay))
            what = f"{scenario.name}: {signal.Signals(sig).name} at {phase}+{delay:.3f}s (exit {code})"
            assert "Traceback" not in err, f"{what}\n{err}"
            state = snapshot(index)  # the index opens and answers
            if code == 0 or "akhbar: read" in err:  # finished (a late signal can only end the exit)
                assert state == scenario.after, what
            elif sig == signal.SIGINT:
                assert code == 130, f"{what}\n{err}"
                if "nothing from this run was committed" in err:
                    assert state == scenario.before, what
                else:
                    assert "interrupted after this run was committed" in err, f"{what}\n{err}"
                    assert state == scenario.after, what
            else:
                assert state in (scenario.before, scenario.after), what
            # the same command again completes the run
            code, err, _, _ = run_child(index, scenario.args)
            assert code == 0, f"{what}; re-run failed:\n{err}"
            assert snapshot(index) == scenario.after, what
            assert len(list(index.glob("gen-*"))) <= 2, what
            tried.append(f"{what}: index as {'before' if state == scenario.before else 'after'}")
    deadline = time.monotonic() + 15
    while workers_of_dead_parents() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert workers_of_dead_parents() == []
    assert len(tried) >= (24 if stress else 6)
    print("\n" + "\n".join(tried))
