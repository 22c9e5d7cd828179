"""A sharded archive: routing, atomic publishing, and the same answers as one index."""

import gzip
import itertools
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import akhbar.search.engine
import akhbar.search.entity_counts
from akhbar.indexer import Article, read_corpus
from akhbar.indexer.shards import MANIFEST, ShardedStore, shard_of
from akhbar.search import Engine, IndexLocked, NotAnIndex, cli
from akhbar.search.cli import app
from tests.conftest import MINI, ROOT, SHARED, needs_shared

SHARD_COUNTS = [1, 2, 3, 7]


@pytest.fixture(autouse=True)
def every_query_on_the_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test archives are small: every query reads fewer postings than make the shards'
    workers score it (SHARDS_FROM), so their scoring is asked for every query here."""
    monkeypatch.setattr(akhbar.search.engine, "SHARDS_FROM", 0)


MINI_QUERIES = [
    "حلب",
    "هدنة حلب",
    "الهدنة",
    "في OR على OR الرئيس",
    '"وزارة الخارجية"',
    "=القاهرة",
    "الأمط*",
    "date:2016 حلب",
]

REAL_QUERIES = [
    "حلب",
    "ترامب",
    "الاقتصاد المصري",
    "الحكومة الجديدة الانتخابات",
    '"وزير الخارجية"',
    '"الأمم المتحدة" سوريا',
    "=مصر",
    "سوري*",
    "اقتصاد~",
    "person:ترامب",
    "place:سوريا",
    "org:الأمم المتحدة",
    "entity:بوتين",
    "date:2018-03 حلب",
    "القدس OR غزة",
    "النفط -السعودية",
    "title:ترامب",
]


def _same_hits(a, b) -> None:
    assert a.total == b.total
    assert [h.id for h in a] == [h.id for h in b]
    for x, y in zip(a, b, strict=True):
        assert math.isclose(x.score, y.score, rel_tol=1e-6, abs_tol=1e-9), (x.id, x.score, y.score)


def assert_same_answers(single: Engine, sharded: Engine, queries: list[str], some_id: str) -> None:
    for q in queries:
        for options in (
            {},
            {"match": "any"},
            {"sort": "newest", "page": 2, "limit": 5},
            {"sort": "oldest"},
            {"date_from": "2016", "date_to": "2018-06"},
        ):
            a, b = single.search(q, limit=options.pop("limit", 20), **options), None
            b = sharded.search(q, limit=a.limit, **options)
            _same_hits(a, b)
            assert a.suggestion == b.suggestion
        a, b = single.search(q, facets=True), sharded.search(q, facets=True)
        assert a.facets == b.facets
        assert single.timeline(q) == sharded.timeline(q)
        assert single.entities(q, top=10) == sharded.entities(q, top=10)
        with single.iter_hits(q) as x, sharded.iter_hits(q) as y:
            assert x.total == y.total
            assert [(h.id, round(h.score, 6)) for h in x] == [(h.id, round(h.score, 6)) for h in y]
    assert single.entities(top=15) == sharded.entities(top=15)
    _same_hits(single.similar(some_id), sharded.similar(some_id))
    assert single.doc(some_id, query=queries[0]) == sharded.doc(some_id, query=queries[0])
    assert len(single) == len(sharded)
    assert single.values("source") == sharded.values("source")


def build(path: Path, articles: list[Article], shards: int | None = None) -> Engine:
    engine = Engine.at(path, shards=shards, time_limit=None, processes=0)  # equality, not speed
    engine.add(articles, workers=0)
    return engine


def shipped() -> list[Article]:
    return [a for a in read_corpus([ROOT / "corpus"]) if isinstance(a, Article)]


def assert_same_in_every_mode(single: Engine, path: Path, queries: list[str], some_id: str) -> None:
    """The archive at ``path`` answers as ``single`` does, read in this process and with
    its shards scored by Dask worker processes (a LocalCluster on loopback)."""
    for processes in (0, None):
        with Engine.open(path, processes=processes, time_limit=None) as sharded:
            assert_same_answers(single, sharded, queries, some_id)
            parallel = sharded._pool is not None
            assert parallel == (processes is None and sharded._meta.shards > 1)
            assert not parallel or sharded._pool.fallbacks == 0  # the shards scored every query


@pytest.mark.parametrize("shards", SHARD_COUNTS)
def test_a_sharded_archive_answers_as_one_index(tmp_path: Path, shards: int) -> None:
    articles = MINI + shipped()
    single = build(tmp_path / "one", articles)
    sharded = build(tmp_path / "sharded", articles, shards)
    assert isinstance(sharded.store, ShardedStore)
    manifest = json.loads((tmp_path / "sharded" / MANIFEST).read_text())
    assert manifest["shards"] == shards and sum(manifest["counts"]) == len(articles)
    assert_same_in_every_mode(single, tmp_path / "sharded", MINI_QUERIES, "m01")


@pytest.fixture(scope="module")
def real_articles() -> list[Article]:
    with gzip.open(SHARED / "corpora" / "ant_multisource_v2.1.jsonl.gz", "rt", encoding="utf-8") as f:
        lines = list(itertools.islice(f, 0, 30000, 12))  # 2,500 spread over every source and month
    path = Path(f"/tmp/akhbar-shards-{id(lines)}.jsonl")
    path.write_text("".join(lines), encoding="utf-8")
    try:
        return [a for a in read_corpus([path]) if isinstance(a, Article)]
    finally:
        path.unlink()


@pytest.fixture(scope="module")
def real_single(real_articles, tmp_path_factory) -> Engine:
    return build(tmp_path_factory.mktemp("single") / "ix", real_articles)


@needs_shared
@pytest.mark.parametrize("shards", SHARD_COUNTS)
def test_real_articles_in_shards_give_the_same_answers(real_articles, real_single, tmp_path: Path, shards) -> None:
    build(tmp_path / "sharded", real_articles, shards)
    assert_same_in_every_mode(real_single, tmp_path / "sharded", REAL_QUERIES, real_articles[7].id)


def test_an_archive_reads_the_tables_its_shards_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name groups and entity arrays written beside each shard's generation are read
    as the archive's — the same as built from the archive as one index — rather than
    built again from every shard's postings (seconds for a large archive)."""
    from akhbar.indexer.name_table import ShardNameTables, build_table

    articles = MINI + shipped()
    single = build(tmp_path / "one", articles)
    build(tmp_path / "sharded", articles, 3)

    def not_from_the_postings(reader):
        raise AssertionError("the entity arrays were read from the postings")

    monkeypatch.setattr(akhbar.search.entity_counts, "read_from_index", not_from_the_postings)
    with Engine.open(tmp_path / "sharded", processes=0, time_limit=None) as sharded:
        assert single.entities(top=30) == sharded.entities(top=30)
        for q in ("person:بوتين", 'person:"دونالد ترامب"', "place:حلب", "entity:روسيا"):
            _same_hits(single.search(q, limit=50), sharded.search(q, limit=50))
        table = sharded._names._table
        assert isinstance(table, ShardNameTables)
        whole = build_table(sharded._searcher.reader())
        assert whole and all(table.letter(letter) == groups for letter, groups in whole.items())


def test_each_article_lives_in_the_shard_its_id_routes_to_and_updates_stay_there(tmp_path: Path) -> None:
    path = tmp_path / "archive"
    engine = build(path, MINI, 3)
    changed = [Article(MINI[0].id, "عنوان جديد", "نص جديد عن الهدنة", MINI[0].date, MINI[0].source)]
    report = engine.add(changed + [Article("x1", "خبر", "زلزال")])
    assert (report.updated, report.added, report.total) == (1, 1, len(MINI) + 1)
    for k in range(3):
        with Engine.open(path / f"shard-{k:03d}") as shard:  # each shard is a complete index
            for a in [*MINI, Article("x1", "", "")]:
                assert (shard.doc(a.id) is not None) == (shard_of(a.id, 3) == k)
    assert [h.id for h in engine.search("عنوان جديد")] == [MINI[0].id]
    assert engine.doc(MINI[0].id).title == "عنوان جديد"


def test_an_archive_keeps_its_shard_count_and_says_how_to_reshard(tmp_path: Path) -> None:
    path = tmp_path / "archive"
    build(path, MINI, 2)
    with pytest.raises(NotAnIndex, match=r"has 2 shards, not 3; to re-shard.*--rebuild --shards 3"):
        Engine.at(path, shards=3).add([])
    Engine.at(path).add([Article("x1", "خبر", "زلزال")])  # no count: the archive's own
    Engine.at(path, shards=3).add(MINI, rebuild=True)
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["shards"] == 3 and manifest["articles"] == len(MINI)
    single = tmp_path / "single"
    build(single, MINI)
    with pytest.raises(NotAnIndex, match="is a single index.*--shards 2 --index NEW_DIR"):
        Engine.at(single, shards=2).add([])


def test_a_shard_that_fails_leaves_the_whole_archive_as_it_was(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "archive"
    engine = build(path, MINI, 3)
    before = (path / MANIFEST).read_text()
    failing = next(a for a in MINI if shard_of(a.id, 3) == 1)
    from akhbar.indexer import build as build_module

    real_write = build_module._write

    def write(writer, prepared, report, say):
        for item in prepared:
            if item[0][0].id == failing.id:
                raise OSError("disk full")
            real_write(writer, [item], report, say)

    monkeypatch.setattr(build_module, "_write", write)
    with pytest.raises(OSError, match="disk full"):
        engine.add([Article(a.id, a.title + " جديد", a.body, a.date, a.source) for a in MINI])
    assert (path / MANIFEST).read_text() == before
    monkeypatch.undo()
    assert engine.search("جديد").total == 0 and len(engine) == len(MINI)
    engine.add([])  # the next writer removes what the failed run left
    for k in range(3):
        gens = list((path / f"shard-{k:03d}").glob("gen-*"))
        assert len(gens) <= 2


def test_a_second_writer_of_an_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archive"
    build(path, MINI, 2)
    store = ShardedStore(path)
    with store.lock(), pytest.raises(IndexLocked, match="archive at .* is being updated"):
        Engine.open(path).add([])


def test_the_cli_builds_updates_and_searches_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "archive"
    runner = CliRunner()
    result = runner.invoke(app, ["index", str(ROOT / "corpus"), "--index", str(path), "--shards", "3"])
    assert result.exit_code == 0, result.output
    assert "index holds" in result.output
    result = runner.invoke(app, ["search", "حلب", "--index", str(path), "--json"])
    assert result.exit_code == 0 and json.loads(result.output.splitlines()[0])["id"]
    result = runner.invoke(app, ["index", str(ROOT / "corpus"), "--index", str(path), "--shards", "2"])
    assert result.exit_code == 2 and "to re-shard" in result.output and "Traceback" not in result.output


@needs_shared
def test_queries_from_many_threads_at_once_on_parallel_shards(real_articles, real_single, tmp_path: Path) -> None:
    import concurrent.futures

    build(tmp_path / "sharded", real_articles, 2)
    expected = {q: [(h.id, round(h.score, 6)) for h in real_single.search(q)] for q in REAL_QUERIES}
    with Engine.open(tmp_path / "sharded", time_limit=None) as sharded:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = pool.map(lambda q: (q, [(h.id, round(h.score, 6)) for h in sharded.search(q)]), REAL_QUERIES * 3)
            for q, found in answers:
                assert found == expected[q], q


def test_a_query_reading_few_postings_is_scored_here_with_the_same_answers(tmp_path: Path) -> None:
    """Below SHARDS_FROM postings the coordinator scores a query itself: an actor call to
    every shard costs more than it shares out; the answers are the same either way."""
    articles = MINI + shipped()
    single = build(tmp_path / "one", articles)
    build(tmp_path / "sharded", articles, 3)
    with Engine.open(tmp_path / "sharded", time_limit=None) as sharded:
        sharded.prepare()
        pool = sharded._pool
        assert pool is not None
        asked = {}
        for shards_from in (10**9, 0):
            sharded.shards_from = shards_from
            before = pool.queries
            for q in MINI_QUERIES:
                _same_hits(single.search(q), sharded.search(q))
            asked[shards_from] = pool.queries - before
        assert asked[10**9] == 0 and asked[0] >= len(MINI_QUERIES) - 1


def test_shards_scored_through_a_dask_scheduler_give_the_same_answers(tmp_path: Path) -> None:
    from distributed import LocalCluster

    articles = MINI + shipped()
    single = build(tmp_path / "one", articles)
    build(tmp_path / "sharded", articles, 3)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Engine.open(tmp_path / "sharded", cluster=cluster.scheduler_address, time_limit=None) as sharded:
            for q in MINI_QUERIES:
                _same_hits(single.search(q), sharded.search(q))
            assert sharded._pool is not None and sharded._pool.fallbacks == 0


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path: Path) -> None:
    build(tmp_path / "archive", MINI, 2)
    result = CliRunner().invoke(
        app, ["search", "حلب", "--index", str(tmp_path / "archive"), "--cluster", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in lines[0]


def test_a_worker_killed_during_a_run_of_queries_fails_or_changes_no_query(tmp_path: Path) -> None:

    from distributed import LocalCluster

    articles = MINI + shipped()
    single = build(tmp_path / "one", articles)
    build(tmp_path / "sharded", articles, 3)
    expected = {q: [(h.id, round(h.score, 6)) for h in single.search(q)] for q in MINI_QUERIES}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Engine.open(tmp_path / "sharded", cluster=cluster.scheduler_address, time_limit=None) as sharded:
            sharded.prepare()
            after = _queries_while_a_worker_dies(sharded, next(iter(cluster.workers.values())).process.pid, expected)
    assert after >= len(MINI_QUERIES)


def _queries_while_a_worker_dies(engine: Engine, victim: int, expected: dict) -> int:
    """Ask ``expected``'s queries while process ``victim`` is killed after 0.5 s, for 4 s
    and at least a round after the kill (at most 60 s); every answer is the expected
    one; how many were answered after the kill."""
    import os
    import signal
    import threading
    import time

    killer = threading.Timer(0.5, os.kill, (victim, signal.SIGKILL))
    killer.start()
    after, started = 0, time.monotonic()
    while (time.monotonic() - started < 4 or after < len(expected)) and time.monotonic() - started < 60:
        for q, hits in expected.items():
            assert [(h.id, round(h.score, 6)) for h in engine.search(q)] == hits, q
            after += killer.finished.is_set()
    killer.join()
    return after


def _pids(cluster) -> dict[str, int]:
    """Each worker's process id, by address."""
    import os

    from distributed import Client

    with Client(cluster) as client:
        return client.run(os.getpid)


def test_a_lost_worker_is_replaced_by_its_replica_without_a_pause(tmp_path: Path) -> None:
    """Each shard on two of three workers: a worker killed during a run of queries
    fails or changes none, its shards' other copies answer (no restart), and they are
    given a second copy again on the workers left."""
    import time

    from distributed import LocalCluster

    articles = MINI + shipped()
    single = build(tmp_path / "one", articles)
    build(tmp_path / "sharded", articles, 3)
    expected = {q: [(h.id, round(h.score, 6)) for h in single.search(q)] for q in MINI_QUERIES}
    with LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Engine.open(tmp_path / "sharded", cluster=cluster.scheduler_address, replicas=2, time_limit=None) as e:
            e.prepare()
            pool = e._pool
            assert [len({c.worker for c in copies}) for copies in pool.copies] == [2, 2, 2]
            victim = pool.copies[0][0].worker
            after = _queries_while_a_worker_dies(e, _pids(cluster)[victim], expected)
            assert e._pool is pool and pool.failovers >= 1  # the copies answered: no pool made again
            # the shards that lost a copy get a second one again, on the live workers, as queries go on
            started = time.monotonic()
            while any(len(copies) < 2 for copies in pool.copies) and time.monotonic() - started < 30:
                for q, hits in expected.items():
                    assert [(h.id, round(h.score, 6)) for h in e.search(q)] == hits, q
                time.sleep(0.1)
            live = set(_pids(cluster))
            assert victim not in live
            assert all(len({c.worker for c in copies} & live) == 2 for copies in pool.copies)
    assert after >= len(MINI_QUERIES)


def test_a_shard_with_every_copy_gone_is_named_or_left_out_when_allowed(tmp_path: Path, monkeypatch) -> None:
    """Shard 1's workers die and no live worker holds it: a clear error naming it, or with
    allow_partial the other shards' hits, in the archive's order and scores, marked partial."""
    import os
    import signal
    import time

    from distributed import LocalCluster

    from akhbar.search import ShardUnavailable

    articles = MINI + shipped()
    build(tmp_path / "sharded", articles, 3)
    with build(tmp_path / "sharded", [], None) as whole:
        expected = {q: whole.search(q, limit=1000) for q in MINI_QUERIES}
    shard_1 = ShardedStore(tmp_path / "sharded").shard_path(1)
    with LocalCluster(n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        strict = Engine.open(tmp_path / "sharded", cluster=address, replicas=2, time_limit=None)
        lenient = Engine.open(tmp_path / "sharded", cluster=address, replicas=2, allow_partial=True, time_limit=None)
        with strict, lenient:
            strict.prepare(), lenient.prepare()
            holders = {c.worker for c in strict._pool.copies[1]} | {c.worker for c in lenient._pool.copies[1]}
            shard_1.rename(shard_1.with_name("elsewhere"))  # the disks that kept it are gone with their workers
            try:
                pids = _pids(cluster)
                for worker in holders:
                    os.kill(pids[worker], signal.SIGKILL)
                time.sleep(0.5)
                for q in MINI_QUERIES:
                    with pytest.raises(ShardUnavailable, match="shard 1 .*no live copy.*allow-partial") as raised:
                        strict.search(q)
                    assert raised.value.shards == [1]
                    got, want = lenient.search(q, limit=1000), expected[q]
                    others = [h for h in want if shard_of(h.id, 3) != 1]
                    assert got.partial and got.missing_shards == [1]
                    assert got.total == len(others)
                    assert [(h.id, round(h.score, 6)) for h in got] == [(h.id, round(h.score, 6)) for h in others]
                # the command line over the same engines (a new one could not open the archive here:
                # the coordinator reads every shard, and shard 1 is gone from this disk)
                command = ["search", "حلب", "--index", str(tmp_path / "sharded"), "--cluster", address]
                monkeypatch.setattr(
                    cli, "open_engine", lambda *a, allow_partial, **k: lenient if allow_partial else strict
                )
                refused = CliRunner().invoke(app, command)
                assert refused.exit_code == 2 and refused.stdout == ""
                assert refused.stderr.count("\n") == 1 and "shard 1 " in refused.stderr
                shown = CliRunner().invoke(app, [*command, "--allow-partial", "--json"])
                assert shown.exit_code == 0 and "partial results: shard 1 had no live copy" in shown.stderr
                ids = [json.loads(line)["id"] for line in shown.stdout.splitlines()]
                assert ids == [h.id for h in expected["حلب"] if shard_of(h.id, 3) != 1][:10]
            finally:
                shard_1.with_name("elsewhere").rename(shard_1)


def test_shards_built_on_dask_workers_answer_as_one_index(tmp_path: Path) -> None:
    """akhbar index --shards 3 --cluster: each shard analysed and written by a worker;
    an update through the cluster lands where its ids live; the answers are one index's."""
    from distributed import LocalCluster

    single = build(tmp_path / "one", MINI + shipped())
    path = tmp_path / "built"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        command = ["index", str(ROOT / "corpus"), "--index", str(path), "--shards", "3", "--cluster", address]
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
        assert f"added {len(shipped())}," in result.stderr
        report = Engine.at(path, cluster=address).add(MINI)
        assert report.added == len(MINI)
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["shards"] == 3 and manifest["generation"] == "epoch-000002"
    assert_same_answers(single, Engine.open(path, processes=0, time_limit=None), MINI_QUERIES, "m01")


def test_a_worker_lost_while_building_publishes_nothing(tmp_path: Path) -> None:
    import os
    import signal

    import dask
    from distributed import LocalCluster

    from akhbar.search import ClusterUnavailable

    path = tmp_path / "built"
    articles = shipped()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        Engine.at(path, shards=2, cluster=address).add(MINI)
        victim = _pids(cluster)[sorted(_pids(cluster))[0]]

        def records():
            for n, article in enumerate(articles):
                if n == len(articles) // 2:
                    os.kill(victim, signal.SIGKILL)
                yield article

        # Dask says a worker it did not yet know lost is unreachable after its connect timeout
        with dask.config.set({"distributed.comm.timeouts.connect": "3s"}):
            with pytest.raises(ClusterUnavailable, match="shard 0 failed.*nothing was published"):
                Engine.at(path, cluster=address).add(records())
        with Engine.open(path, processes=0) as archive:
            assert len(archive) == len(MINI) and archive.search("هدنة").total == 2
        cluster.wait_for_workers(2)
        Engine.at(path, cluster=address).add(articles)  # the next run cleans up and lands
    with Engine.open(path, processes=0) as archive:
        assert len(archive) == len(MINI) + len(articles)
    assert all(len(list(ShardedStore(path).shard_path(k).glob("gen-*"))) <= 2 for k in range(2))


@pytest.mark.parametrize("built", [False, True])
def test_a_shard_builder_left_without_its_coordinator_lets_go(tmp_path: Path, built: bool) -> None:
    """A builder whose coordinator stops calling gives up the shard's lock: while fed, its
    generation is thrown away; once built, it is left for the next writer (which publishes
    it if the manifest names it) — never removed by the builder itself."""
    import time

    from akhbar.analyzers import AnalysisSettings
    from akhbar.indexer import Store, update_index
    from akhbar.indexer.cluster_build import ShardBuilder

    shard = Store(tmp_path / "shard")
    update_index(shard, MINI[:1], workers=0)
    before = shard.read_meta().generation
    builder = ShardBuilder(str(tmp_path / "shard"), False, AnalysisSettings(), idle_timeout=1.0)
    builder.feed(MINI)
    if built:
        meta, _ = builder.built()
        assert (tmp_path / "shard" / meta.generation).is_dir()
    builder._thread.join(timeout=30)
    assert not builder._thread.is_alive()
    left = [p.name for p in (tmp_path / "shard").glob("gen-*") if p.name != before]
    assert left == ([meta.generation] if built else [])
    assert shard.read_meta().generation == before  # nothing published by the builder
    time.sleep(0.1)
    update_index(shard, MINI[:2], workers=0)  # the lock is free
    assert shard.read_meta().articles == 2
