"""The bootstrap with its resamples farmed out to a Dask cluster: the same result as :func:`rankagg.bootstrap`.

:func:`distributed_bootstrap` runs the local bootstrap (score tables, instance tables, battle logs) under
:func:`rankagg.uncertainty.resampling.farm_resamples`: the resamples are drawn, the seeds of randomised rules
spawned and the work cut into jobs in this process exactly as the local run does, and the jobs are sent in
chunks to the cluster's workers (what every job reads is scattered to the workers once). So the ranks are
identical to the local run for the same seed, whatever the number of workers or the chunk size; only where
the work runs changes.

What stays in this process: the draws (an ``(n_resamples, n_tasks)`` or ``(n_resamples, n_cells)`` count
matrix; for instance tables, the generator is only advanced past each block's draws, which the worker redraws
from the block's starting state) and the full-data ranking. For instance data that does not fit in this
process's memory, see :func:`rankagg.distributed.poisson.poisson_bootstrap`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rankagg._errors import RankaggError
from rankagg.distributed.cluster import require_dask, using_client

__all__ = ["DaskMapper", "battle_counts_dask", "distributed_bootstrap"]


def _run_chunk(func: Callable[[Any, Any], Any], shared: Any, jobs: Sequence[Any]) -> list[Any]:
    """Run a chunk of jobs on a worker, with one BLAS thread (many small products; the workers use the cores)."""
    from rankagg._threads import one_blas_thread

    with one_blas_thread():
        return [func(shared, job) for job in jobs]


class DaskMapper:
    """A :data:`~rankagg.uncertainty.resampling.ResampleMapper` that runs chunks of jobs on a Dask cluster.

    Parameters
    ----------
    client : distributed.Client
        The cluster to run on.
    chunk_size : int, optional
        Jobs per Dask task. Default: the jobs split into about four tasks per worker thread (at least one job
        each), so that a slow last task is short. The result does not depend on it.

    Attributes
    ----------
    n_tasks : int
        Dask tasks submitted so far (for tests and progress reports).
    """

    def __init__(self, client: Any, *, chunk_size: int | None = None) -> None:
        if chunk_size is not None and (
            isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1
        ):
            raise RankaggError(f"chunk_size={chunk_size!r}: give a positive number of resample jobs per Dask task.")
        self.client = client
        self.chunk_size = chunk_size
        self.n_tasks = 0

    def __call__(self, func: Callable[[Any, Any], Any], shared: Any, jobs: Sequence[Any]) -> list[Any]:
        jobs = list(jobs)
        if not jobs:
            return []
        size = self.chunk_size
        if size is None:
            threads = max(1, sum(self.client.nthreads().values()))
            size = max(1, math.ceil(len(jobs) / (4 * threads)))
        chunks = [jobs[a : a + size] for a in range(0, len(jobs), size)]
        # sent once to every worker (not pickled into each task); hash=False: no hashing of large arrays
        [shared_f] = self.client.scatter([shared], broadcast=True, hash=False)
        futures = [self.client.submit(_run_chunk, func, shared_f, c, pure=False) for c in chunks]
        self.n_tasks += len(futures)
        out: list[Any] = []
        try:
            for f in futures:  # in order: the k-th result belongs to the k-th job
                out.extend(f.result())
        finally:
            self.client.cancel([*futures, shared_f])
        return out


def distributed_bootstrap(
    table: Any,
    rule: str = "borda",
    *,
    n_resamples: int = 1000,
    rng: int | np.random.Generator | None = None,
    scheduler: Any = None,
    chunk_size: int | None = None,
    **options: Any,
) -> Any:
    """:func:`rankagg.bootstrap` with the resamples solved on a Dask cluster: the same result for the same seed.

    The resamples are drawn here exactly as the local bootstrap draws them (task multiplicities; instances
    stratified by task; battles as a multinomial redraw of the distinct outcomes' counts), the seeds of
    randomised rules (Kemeny) are spawned per resample as locally, and the work is cut into the local
    bootstrap's jobs; chunks of jobs run on the workers. ``result.ranks`` is therefore identical to
    ``rankagg.bootstrap(table, rule, n_resamples=..., rng=...)`` whatever the number of workers or
    ``chunk_size``.

    Parameters
    ----------
    table : ScoreTable, InstanceTable, PairwiseProfile, BattleCounts, battle-log DataFrame or Dask DataFrame
        What :func:`rankagg.bootstrap` takes, in memory here; a Dask DataFrame is read as a battle log
        (columns ``model_a, model_b, winner``), reduced to the counts of its distinct outcomes partition by
        partition on the cluster (:func:`battle_counts_dask`), so the log itself never comes here.
    rule : str, default "borda"
        Registered rule name.
    n_resamples : int, default 1000
        Number of resamples.
    rng : int or numpy.random.Generator, optional
        Seed of the resamples (and of randomised rules); None draws one and records it in ``result.seed``.
    scheduler : str, distributed.Client or None
        Where to run: a client, a scheduler address (``"tcp://10.0.0.5:8786"``), or None: the current client,
        else ``DASK_SCHEDULER_ADDRESS``, else a local cluster (see
        :func:`rankagg.distributed.cluster.using_client`).
    chunk_size : int, optional
        Resample jobs per Dask task (see :class:`DaskMapper`); the result does not depend on it.
    **options
        Every other option of :func:`rankagg.bootstrap` (``resample``, ``confidence``, ``atol``, ``rtol``,
        ``fast``, ``level``, ``inner``, ``outer``, ``instance_weighting``, ``inner_params``, ``max_memory``,
        ``counts``, ``full``, ``progress``) and rule parameters. ``n_jobs`` is refused: the cluster's workers
        are the parallelism.

    Returns
    -------
    BootstrapResult
        As :func:`rankagg.bootstrap`; only ``time_seconds`` differs from the local run.

    Raises
    ------
    RankaggError
        Dask not installed, an unreachable scheduler, ``n_jobs`` given, and every error of the local bootstrap.

    Notes
    -----
    Rules with a vectorised batch form (the mean family, positional rules, Copeland on score tables) are
    farmed out in blocks of 2,048 resamples; they take milliseconds per thousand resamples, so shipping them
    costs more than it saves, and the local bootstrap is the faster choice for them on data that fits. The
    cluster pays off for rules solved per resample (Kemeny, Schulze, Bradley-Terry, ...) and many resamples.

    Examples
    --------
    >>> import rankagg
    >>> import distributed
    >>> table = rankagg.load_example("toy")
    >>> with distributed.LocalCluster(processes=False, n_workers=1, dashboard_address=":0") as cluster:
    ...     with distributed.Client(cluster) as client:
    ...         res = rankagg.distributed_bootstrap(table, "kemeny", n_resamples=100, rng=0, scheduler=client)
    >>> local = rankagg.bootstrap(table, "kemeny", n_resamples=100, rng=0)
    >>> bool((res.ranks == local.ranks).all())
    True
    """
    require_dask("rankagg.distributed_bootstrap")
    from rankagg.uncertainty.bootstrap import bootstrap as local_bootstrap
    from rankagg.uncertainty.resampling import farm_resamples

    if "n_jobs" in options:
        raise RankaggError(
            "n_jobs: the distributed bootstrap runs on the cluster's workers; leave n_jobs out (the number of "
            "workers is the cluster's: dask worker --nworkers, or LocalCluster(n_workers=...))."
        )
    with using_client(scheduler) as client:
        if _is_dask_frame(table):
            table = battle_counts_dask(table, scheduler=client).to_profile()
        else:
            from rankagg.data.battle_counts import BattleCounts

            if isinstance(table, BattleCounts):
                table = table.to_profile()
        mapper = DaskMapper(client, chunk_size=chunk_size)
        with farm_resamples(mapper):
            return local_bootstrap(table, rule, n_resamples=n_resamples, rng=rng, **options)


def _is_dask_frame(obj: Any) -> bool:
    mod = type(obj).__module__ or ""
    return mod.startswith("dask") and hasattr(obj, "to_delayed") and hasattr(obj, "columns")


# ----------------------------------------------------------------------------- battle logs on the cluster
def battle_counts_dask(battles: Any, *, scheduler: Any = None, source: str = "dask") -> Any:
    """Count the distinct outcomes of a battle log held as a Dask DataFrame, partition by partition.

    The reduction of :func:`rankagg.distributed.read_battles` (:meth:`DistributedBattles.counts`): each
    partition is counted on a worker and the partial counts are merged in partition order, so the systems are
    numbered by first appearance over the whole log and the result equals
    :func:`rankagg.data.battle_counts.battle_counts` of the log read in one piece.

    Parameters
    ----------
    battles : dask.dataframe.DataFrame
        Columns ``model_a, model_b, winner`` (or ``system_a, system_b, winner``).
    scheduler : str, distributed.Client or None
        As in :func:`distributed_bootstrap`.
    source : str, default "dask"
        Recorded in ``BattleCounts.source``.

    Returns
    -------
    rankagg.data.battle_counts.BattleCounts
    """
    require_dask("battle_counts_dask")
    from rankagg.distributed.battles import read_battles

    counts = read_battles(battles, scheduler=scheduler).counts(scheduler=scheduler)
    name = source if source != "dask" else f"Dask DataFrame ({battles.npartitions} partitions)"
    return dataclasses.replace(counts, source=name)
