"""An interrupted build leaves the previous index searchable (SIGKILL and Ctrl-C)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from akhbar.search import Engine
from tests.conftest import ROOT

CHILD = """
import sys, time, datetime as dt
from akhbar.indexer import Article
from akhbar.search import Engine

def slow():
    for i in range(100000):
        if i == 50:
            print("started", flush=True)
        if i >= 50:
            time.sleep(0.001)
        yield Article(f"new{i}", f"خبر جديد {i}", f"زلزال يضرب المدينة رقم {i} " * 20, dt.date(2020, 1, 1))

Engine.open(sys.argv[1]).add(slow())
"""


def snapshot(path: Path) -> dict[str, list[str]]:
    with Engine.open(path, time_limit=None) as engine:  # consistency under load, not speed
        return {q: [h.id for h in engine.search(q, limit=50)] for q in ("هدنة", "حلب OR القاهرة", "زلزال")}


def start_child(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    time.sleep(0.3)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_build_leaves_previous_index(tmp_index: Path, sig: int) -> None:
    before = snapshot(tmp_index)
    proc = start_child(tmp_index)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert snapshot(tmp_index) == before
    # the next writer cleans up and completes normally
    report = Engine.open(tmp_index).add([])
    assert report.total == 8
    current = json.loads((tmp_index / "akhbar.json").read_text())["generation"]
    gens = sorted(p.name for p in tmp_index.glob("gen-*"))
    assert current in gens and len(gens) <= 2  # the current and the previous generation only


def test_concurrent_writer_is_refused_while_a_build_runs(tmp_index: Path) -> None:
    proc = start_child(tmp_index)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "akhbar", "index", str(ROOT / "corpus"), "--index", str(tmp_index)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert "being updated by another process" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_ctrl_c_in_cli_says_nothing_was_committed(tmp_index: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as f:
        for i in range(20000):
            f.write(
                json.dumps({"id": f"b{i}", "title": "عنوان", "body": f"نص طويل {i} " * 50}, ensure_ascii=False) + "\n"
            )
    proc = subprocess.Popen(
        [sys.executable, "-m", "akhbar", "index", str(big), "--index", str(tmp_index)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "nothing from this run was committed" in err and "(8 articles)" in err
    assert Engine.open(tmp_index).search("نص").total == 0


WRITER = """
import sys, datetime as dt
from akhbar.indexer import Article
from akhbar.search import Engine
Engine.open(sys.argv[1]).add(
    Article(f"q{i}", f"زلزال {i}", f"ضرب زلزال المدينة رقم {i} " * 30, dt.date(2020, 1, 1)) for i in range(int(sys.argv[2]))
)
"""


def test_searchers_see_the_old_or_the_new_index_never_a_mix(tmp_index: Path) -> None:
    """4 threads search while another process adds 400 articles: no error, and each query
    sees either none of them or all of them (a generation is published whole)."""
    import threading

    n = 400
    engine = Engine.open(tmp_index, time_limit=None)  # consistency under load, not speed
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                seen.append(engine.search("زلزال", limit=1).total)
                assert engine.search("هدنة").total == 2
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    writer = subprocess.run([sys.executable, "-c", WRITER, str(tmp_index), str(n)], cwd=ROOT, timeout=120)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert writer.returncode == 0 and errors == []
    assert set(seen) <= {0, n} and seen[-1] == n and len(seen) > 20
