"""Reaching the Dask cluster whose workers build or score a sharded archive's shards."""

from __future__ import annotations

import contextlib

from akhbar.indexer.errors import ClusterUnavailable

__all__ = ["CONNECT_TIMEOUT", "PROTOCOL", "connect", "dask_available"]

CONNECT_TIMEOUT = 5.0  # seconds to reach a scheduler before saying it cannot be reached
PROTOCOL = 3  # changes when the actors' methods do: a worker running another akhbar is refused


def _fingerprint() -> int:
    """Run on each worker: the shard protocol its akhbar speaks."""
    return PROTOCOL


def dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def connect(cluster):
    """A Dask client of ``cluster`` (a scheduler's address, or a ``LocalCluster``) whose
    workers run this akhbar; :class:`ClusterUnavailable` says what is wrong, at once."""
    if not dask_available():
        raise ClusterUnavailable("working on a Dask cluster needs Dask: pip install 'akhbar[cluster]'")
    from distributed import Client

    where = cluster if isinstance(cluster, str) else "this machine"
    try:
        client = Client(cluster, timeout=CONNECT_TIMEOUT) if isinstance(cluster, str) else Client(cluster)
    except (OSError, TimeoutError) as e:
        raise ClusterUnavailable(
            f"cannot reach the Dask scheduler at {cluster} ({type(e).__name__}: {e}); "
            f"start one with: dask scheduler, and workers with: dask worker {cluster}"
        ) from None
    if not client.scheduler_info()["workers"]:
        client.close()
        raise ClusterUnavailable(f"the Dask scheduler at {where} has no workers: start some with: dask worker ADDRESS")
    try:
        speaks = set(client.run(_fingerprint).values())
    except Exception as e:  # noqa: BLE001 - a worker that cannot even load this function
        speaks = {f"{type(e).__name__}: {e}"}
    if speaks != {PROTOCOL}:
        with contextlib.suppress(Exception):
            client.close()
        raise ClusterUnavailable(
            f"the Dask workers of {where} run another version of akhbar; "
            f"install this one where they run and restart them (dask worker ADDRESS)"
        )
    return client
