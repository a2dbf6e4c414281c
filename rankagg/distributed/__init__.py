"""Stage 6, distributed: the same rankings and bootstraps on data that outgrows one machine, on Dask.

What it owns: lazy reading of instance-level scores and battle logs as Dask collections (a Dask DataFrame,
or a path or glob of partitioned Parquet/CSV files), validated with the local readers' column conventions
(:mod:`~rankagg.distributed.instances`, the partition contract in :mod:`~rankagg.distributed.frames`,
:mod:`~rankagg.distributed.battles`); per-partition reductions (pairwise win/tie counts, per-system sums and counts,
battle pair counts) summed by tree reduction (:mod:`~rankagg.distributed.reduce`) and handed to the existing rules
unchanged (:mod:`~rankagg.distributed.engine`, ``rankagg.aggregate(..., backend="dask")``); the bootstrap with
resamples farmed out to the cluster's workers from spawned seed sequences; the connection to a cluster
(:mod:`~rankagg.distributed.cluster`).

Dask is an optional extra (``pip install rankagg[dask]``): nothing here is imported by ``import rankagg``, and
every module imports ``dask``/``distributed`` inside the functions that use them. Importing this package registers
the ``"dask"`` backend with :mod:`rankagg.aggregation.backends` (``import rankagg`` does it with the first public
name) and imports nothing else: the names below load on first use.

May import: every earlier stage (uncertainty, aggregation, rules, data, rankings) and the shared modules.
"""

from __future__ import annotations

from typing import Any

from rankagg.aggregation.backends import register_backend

_PUBLIC: dict[str, str] = {
    "DistributedInstances": "rankagg.distributed.frames",
    "PartitionBlocks": "rankagg.distributed.frames",
    "read_instances": "rankagg.distributed.instances",
    "DistributedBattles": "rankagg.distributed.battles",
    "read_battles": "rankagg.distributed.battles",
    "instance_stats": "rankagg.distributed.reduce",
    "pairwise": "rankagg.distributed.reduce",
    "distributed_rules": "rankagg.distributed.engine",
    "using_client": "rankagg.distributed.cluster",
    "distributed_bootstrap": "rankagg.distributed.bootstrap",
    "poisson_bootstrap": "rankagg.distributed.poisson",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    import importlib

    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'rankagg.distributed' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def _aggregate(*args: Any, **kwargs: Any) -> Any:
    from rankagg.distributed.cluster import require_dask
    from rankagg.distributed.engine import aggregate_dask

    require_dask("backend='dask'")
    return aggregate_dask(*args, **kwargs)


def _compare(*args: Any, **kwargs: Any) -> Any:
    from rankagg.distributed.cluster import require_dask
    from rankagg.distributed.engine import compare_dask

    require_dask("backend='dask'")
    return compare_dask(*args, **kwargs)


def _accepts(data: Any) -> bool:
    if hasattr(data, "__dask_graph__"):
        return True
    name = type(data).__name__
    return type(data).__module__.startswith("rankagg.distributed") and name in (
        "DistributedInstances",
        "DistributedBattles",
    )


register_backend("dask", aggregate=_aggregate, compare=_compare, accepts=_accepts)
