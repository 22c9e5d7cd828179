"""A sharded archive built on the workers of a Dask cluster: each shard analysed and
written by the worker that keeps it.

This process reads the corpus, routes every article to its shard (:func:`shard_of`)
and sends it, in batches, to that shard's :class:`ShardBuilder` — a Dask actor that
builds the shard's new generation in its worker, without publishing it.  When every
shard is built and on disk, this process publishes them all at once by replacing the
manifest, as a local write does (:func:`~akhbar.indexer.shards.update_archive`); then
each builder moves its shard's own ``akhbar.json`` forward.  A run that fails
anywhere — a worker lost, a shard that cannot be written, Ctrl-C — publishes nothing:
the archive stays as it was, and the next writer removes the unpublished generations.

The archive's directory is the same path for this process and every worker: a shared
directory (NFS and the like), or this machine's workers.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterable

from akhbar.analyzers import AnalysisSettings
from akhbar.indexer.article import Article, Rejected
from akhbar.indexer.build import BuildReport, update_index
from akhbar.indexer.cluster import connect
from akhbar.indexer.errors import AkhbarError, ClusterUnavailable
from akhbar.indexer.shards import (
    ShardedStore,
    _Feed,
    _plan,
    _Stopped,
    _summed,
    routed_articles,
)
from akhbar.indexer.store import Meta, Store

__all__ = ["ShardBuilder", "update_archive_on_cluster"]

BATCH = 256  # articles a call: fewer calls than one an article, little held per shard
IN_FLIGHT = 4  # batches a shard may have on their way before this process waits for it
ANSWER_TIMEOUT = 600.0  # seconds a builder may take over one call before the run is given up
IDLE_TIMEOUT = 2 * ANSWER_TIMEOUT  # seconds without a call after which a builder's coordinator is taken for gone


class ShardBuilder:
    """One shard's new generation, built in a Dask worker (an actor: its methods run
    there) from the batches of articles it is sent."""

    def __init__(
        self, path: str, rebuild: bool, settings: AnalysisSettings, idle_timeout: float = IDLE_TIMEOUT
    ) -> None:
        self._store = Store(path)
        self._idle_timeout = idle_timeout
        self._failed = threading.Event()
        self._feed = _Feed(self._failed)
        self._said: list[str] = []  # article problems, passed back with the next answer
        self._built: Meta | None = None
        self._ready = threading.Event()  # built and on disk, or failed
        self._verdict: bool | None = None  # publish it (True) or throw it away
        self._decided = threading.Event()
        self._report = BuildReport()
        self._error: BaseException | None = None
        self._last_call = time.monotonic()
        self._abandoned = False
        self._thread = threading.Thread(target=self._build, args=(rebuild, settings), name="akhbar-shard-build")
        self._thread.start()
        threading.Thread(target=self._watch, name="akhbar-shard-build-watch", daemon=True).start()

    def _watch(self) -> None:
        """A coordinator that stopped calling (killed, its machine gone) must not leave
        this worker writing, or holding the shard's lock, for ever: while the shard is
        still fed, the run is given up; once it is built, the new generation is left on
        disk unpublished — the next writer publishes it if the manifest names it, and
        removes it if not (it may be named already: it is never removed here)."""
        while not self._decided.wait(1.0):
            if time.monotonic() - self._last_call > self._idle_timeout:
                self._abandoned = True
                self._failed.set()
                self._decided.set()

    def _build(self, rebuild: bool, settings: AnalysisSettings) -> None:
        def publish(meta: Meta) -> None:
            self._store.sync(meta)  # on disk before the manifest names it
            self._built = meta
            self._ready.set()
            self._decided.wait()
            if self._abandoned:
                return
            if not self._verdict:
                raise _Stopped
            with contextlib.suppress(Exception):  # the manifest rules; the next writer rolls this forward
                self._store.publish(meta)

        try:
            # analysis in this thread: a Dask worker is a daemon process, which may not start others
            self._report = update_index(
                self._store, self._feed, rebuild=rebuild, settings=settings, workers=0,
                report_problem=self._said.append, publish=publish,
            )  # fmt: skip
        except BaseException as e:  # noqa: BLE001 - passed back to the coordinating process
            if not isinstance(e, _Stopped):
                self._error = e
            self._failed.set()
        finally:
            self._ready.set()

    def _check(self) -> list[str]:
        self._last_call = time.monotonic()
        if self._error is not None:
            raise self._error
        said, self._said[:] = list(self._said), []
        return said

    def feed(self, batch: list[Article]) -> list[str]:
        """Add ``batch`` to the shard; the problems said since the last call."""
        self._last_call = time.monotonic()
        for article in batch:
            self._feed.put(article)
        return self._check()

    def built(self) -> tuple[Meta | None, list[str]]:
        """No more articles: the new generation once it is built and on disk."""
        self._last_call = time.monotonic()
        self._feed.close()
        self._ready.wait()
        return self._built, self._check()

    def decide(self, publish: bool) -> BuildReport:
        """Publish the shard's new generation (the manifest names it now) or throw it away."""
        self._verdict = publish
        if not publish:
            self._failed.set()  # a writer still reading its feed stops
        self._decided.set()
        self._thread.join()
        return self._report


def update_archive_on_cluster(
    store: ShardedStore,
    records: Iterable[Article | Rejected],
    cluster: str,
    *,
    rebuild: bool = False,
    settings: AnalysisSettings | None = None,
    report_problem: Callable[[str], None] | None = None,
) -> BuildReport:
    """As :func:`~akhbar.indexer.shards.update_archive`, each shard built by an actor on
    a worker of the Dask scheduler at ``cluster`` (shard ``k`` on the ``k``-th worker,
    round the workers)."""
    say = report_problem or (lambda message: None)
    with store.lock():
        plan = _plan(store, rebuild, settings)
        with connect(cluster) as client:
            workers = sorted(client.scheduler_info()["workers"])
            placed = [workers[k % len(workers)] for k in range(plan.shards)]  # shard k's worker
            futures = [
                client.submit(
                    ShardBuilder,
                    str(store.shard_path(k)),
                    plan.rebuild,
                    plan.settings,
                    actor=True,
                    workers=[placed[k]],
                    allow_other_workers=False,
                    pure=False,
                )
                for k in range(plan.shards)
            ]
            builders = []
            try:
                builders = [_answer(f, k, placed[k]) for k, f in enumerate(futures)]
                return _run(store, plan, records, builders, placed, say)
            except BaseException:
                for builder in builders:  # nothing was published: every shard throws its generation away
                    with contextlib.suppress(Exception):
                        builder.decide(False).result(timeout=ANSWER_TIMEOUT)
                raise


def _answer(future, k: int, worker: str, seconds: float = ANSWER_TIMEOUT):
    """A builder's answer; a lost worker or one that does not answer ends the run with
    an error that names the shard, not a wait without end."""
    try:
        return future.result(timeout=seconds)
    except AkhbarError:
        raise
    except Exception as e:  # noqa: BLE001 - a lost worker, a broken connection
        raise ClusterUnavailable(
            f"the Dask worker {worker} building shard {k} failed ({type(e).__name__}: {e}); nothing was "
            f"published and the archive is as it was: run the same command again"
        ) from None


def _run(store, plan, records, builders, placed, say) -> BuildReport:
    """Route ``records`` to the builders (shard ``k``'s on worker ``placed[k]``), then
    publish every shard at once."""
    shards = plan.shards
    batches: list[list[Article]] = [[] for _ in range(shards)]
    sent: list[collections.deque] = [collections.deque() for _ in range(shards)]

    def settle(k: int, call) -> None:
        for message in _answer(call, k, placed[k]):
            say(message)

    def send(k: int) -> None:
        while len(sent[k]) >= IN_FLIGHT:  # the shard's worker is behind: wait for it, hold no more
            settle(k, sent[k].popleft())
        sent[k].append(builders[k].feed(batches[k]))
        batches[k] = []

    routed = BuildReport()
    for k, article in routed_articles(records, shards, routed, say):
        batches[k].append(article)
        if len(batches[k]) >= BATCH:
            send(k)
    for k in range(shards):
        if batches[k]:
            send(k)
        while sent[k]:
            settle(k, sent[k].popleft())
    built = [builder.built() for builder in builders]
    metas = []
    for k, call in enumerate(built):
        meta, said = _answer(call, k, placed[k])
        for message in said:
            say(message)
        metas.append(meta)
    store.publish(plan.manifest(metas))
    reports = [builder.decide(True) for builder in builders]
    done = []
    for k, call in enumerate(reports):
        with contextlib.suppress(ClusterUnavailable):  # published: the next writer rolls a shard forward
            done.append(_answer(call, k, placed[k]))
    plan.remove_unnamed_shards(store)
    return _summed(done, routed)
