"""An interrupted build leaves the previous index searchable (SIGKILL and Ctrl-C)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from akhbar.indexer import Article
from akhbar.indexer.shards import MANIFEST
from akhbar.search import Engine
from tests.conftest import MINI, ROOT

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


@pytest.fixture(params=["index", "archive"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The hand corpus as one index, and as an archive of 3 shards."""
    path = tmp_path / request.param
    Engine.at(path, shards=3 if request.param == "archive" else None).add(MINI, workers=0)
    return path


def generations(path: Path) -> list[tuple[str, list[str]]]:
    """(the published generation, the generations on disk) of an index, or of each shard of an archive."""
    if (path / MANIFEST).is_file():
        named = json.loads((path / MANIFEST).read_text())["generations"]
        return [(g, sorted(p.name for p in (path / f"shard-{k:03d}").glob("gen-*"))) for k, g in enumerate(named)]
    current = json.loads((path / "akhbar.json").read_text())["generation"]
    return [(current, sorted(p.name for p in path.glob("gen-*")))]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_build_leaves_previous_index(target: Path, sig: int) -> None:
    before = snapshot(target)
    proc = start_child(target)
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert snapshot(target) == before
    # the next writer cleans up and completes normally
    report = Engine.open(target).add([])
    assert report.total == 8
    for current, gens in generations(target):
        assert current in gens and len(gens) <= 2  # the current and the previous generation only


@pytest.mark.parametrize("shards", [None, 3])
def test_a_first_build_killed_can_be_run_again(tmp_path: Path, shards: int | None) -> None:
    """A first build killed before it published leaves only akhbar's own folders: the
    same command run again builds the index (it is not taken for someone else's directory)."""
    path = tmp_path / "new"
    first = CHILD.replace("Engine.open(sys.argv[1])", f"Engine.at(sys.argv[1], shards={shards})")
    proc = subprocess.Popen([sys.executable, "-c", first, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    time.sleep(0.3)
    proc.kill()
    proc.wait(timeout=30)
    assert list(path.rglob("gen-*")) and not (path / "akhbar.json").exists() and not (path / MANIFEST).exists()
    Engine.at(path, shards=shards).add(MINI, workers=0)
    with Engine.open(path, processes=0) as engine:
        assert len(engine) == len(MINI) and engine.search("هدنة").total == 2
    for current, gens in generations(path):
        assert gens == [current]


KILLED_AFTER_MANIFEST = """
import os, sys, datetime as dt
from akhbar.indexer import Article, shards
from akhbar.search import Engine

publish = shards.ShardedStore.publish
def publish_and_die(self, meta):
    publish(self, meta)
    os._exit(9)  # the manifest names the new generations; no shard's akhbar.json does yet
shards.ShardedStore.publish = publish_and_die
Engine.open(sys.argv[1]).add(Article(f"z{i}", "زلزال", f"زلزال رقم {i}", dt.date(2020, 1, 1)) for i in range(30))
"""


def test_an_archive_killed_after_its_manifest_is_new_and_rolled_forward(tmp_path: Path) -> None:
    path = tmp_path / "archive"
    Engine.at(path, shards=3).add(MINI, workers=0)
    child = subprocess.run([sys.executable, "-c", KILLED_AFTER_MANIFEST, str(path)], cwd=ROOT, timeout=120)
    assert child.returncode == 9
    assert Engine.open(path).search("زلزال").total == 30  # the manifest rules: the run is published
    behind = [
        k
        for k, (g, _) in enumerate(generations(path))
        if json.loads((path / f"shard-{k:03d}" / "akhbar.json").read_text())["generation"] != g
    ]
    assert behind  # the shards' own akhbar.json were not moved forward before the kill
    Engine.open(path).add([Article("z-last", "زلزال", "زلزال أخير")])  # the next writer rolls them forward
    assert Engine.open(path).search("زلزال").total == 31
    for k, (current, gens) in enumerate(generations(path)):
        assert json.loads((path / f"shard-{k:03d}" / "akhbar.json").read_text())["generation"] == current
        assert current in gens and len(gens) <= 2


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


def test_searchers_see_the_old_or_the_new_index_never_a_mix(target: Path) -> None:
    """4 threads search while another process adds 400 articles: no error, and each query
    sees either none of them or all of them (a generation — every shard's — is published whole)."""
    import threading

    n = 400
    engine = Engine.open(target, time_limit=None)  # consistency under load, not speed
    engine.search("زلزال")  # workers started and shards open before the write begins
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
    before = len(seen)
    writer = subprocess.run([sys.executable, "-c", WRITER, str(target), str(n)], cwd=ROOT, timeout=120)
    during = len(seen) - before
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert writer.returncode == 0 and errors == []
    # Queries ran while the writer did: the test saw the switch, not only its two sides.
    assert set(seen) <= {0, n} and seen[-1] == n and during > 20


def test_ctrl_c_after_publishing_leaves_the_new_index(tmp_path: Path) -> None:
    """An interrupt that comes once the new generation is published (a late Ctrl-C) must
    not take it away: the index is the new one, and it opens."""
    from akhbar.indexer.build import update_index
    from akhbar.indexer.store import Store

    path = tmp_path / "ix"
    Engine.create(path).add(MINI[:2])
    store = Store(path)

    def publish_then_interrupt(meta) -> None:
        store.publish(meta)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index(
            store, [Article("late", "خبر متأخر", "وصل الخبر المتأخر قبل الإغلاق.")], publish=publish_then_interrupt
        )
    engine = Engine.open(path)
    assert "late" in {h.id for h in engine.search("المتأخر")}
