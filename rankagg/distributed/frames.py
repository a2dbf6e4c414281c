"""Instance-level scores as a validated Dask collection (:class:`DistributedInstances`): the partition contract.

The partition contract (what every distributed computation on instance-level scores reads; stable):

* A :class:`DistributedInstances` knows, on the client, everything but the scores: the ``systems`` (in order of
  first appearance, after ``include`` / ``exclude`` and the missing policy), the task ``columns``
  (:class:`~rankagg.data.table.Column`: task, metric, direction, weight, label; the order of
  :meth:`rankagg.InstanceTable.from_long`), the number of instances of each column (``sizes``, after the missing
  policy), the policy (``missing``), whether scores are missing (``has_missing``) and what was dropped.
* Its scores stay on the cluster as ``npartitions`` *blocks*: :meth:`DistributedInstances.map_partitions` calls
  ``func(part, *args, **kwargs)`` once per partition, lazily (a list of ``dask.delayed`` objects), where ``part`` is
  a :class:`PartitionBlocks`: ``part.index`` (the partition, ``0 .. npartitions - 1``), and for every task column
  ``j`` with instances in that partition ``part.blocks[j]``, a float64 array of shape ``(n_systems, k)`` (rows in
  the order of ``systems``, NaN = missing, only possible under ``missing="partial"``) and ``part.instances[j]``,
  the ``k`` instance ids (strings, sorted). Every instance of the collection is in exactly one block, whole (every
  system's score of it): what a per-instance ranking needs. Blocks are deterministic (the same data give the same
  partitions, in the same order, with the same instances), so a computation may key randomness on
  ``(part.index, j)``. :meth:`DistributedInstances.reduce` maps and sums by tree reduction;
  :meth:`DistributedInstances.compute` runs delayed objects on the collection's cluster.

Partition layout (:func:`~rankagg.distributed.instances.read_instances`). ``layout="wide"`` (one row per task
and instance, one column per system: a per-sample "details" dump, a generated benchmark) keeps the input
partitions: a row is a whole instance. ``layout="long"`` (one row per system, task, instance and score, the local
readers' convention) may spread an instance's rows over partitions, so the rows are validated where they are
(errors name the partition, its file and the row) and then grouped by (task column, instance) with a Dask shuffle:
the blocks are the shuffled partitions. Duplicate (system, task, metric, instance) rows are an error naming the
rows (partition and row) wherever they are. Under ``missing="drop_systems"`` / ``"drop_instances"`` the blocks
hold only the kept systems / instances.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from rankagg.data.instances import InstanceTable
from rankagg.data.table import Column
from rankagg.distributed.cluster import using_client

__all__ = ["DistributedInstances", "PartitionBlocks", "tree_reduce"]


@dataclass(frozen=True)
class PartitionBlocks:
    """The instances of one partition: per task column, the ``(n_systems, k)`` scores and the ``k`` instance ids.

    Attributes
    ----------
    index : int
        The partition (``0 .. npartitions - 1``).
    blocks : mapping of int to numpy.ndarray
        Task column index -> float64 scores of shape ``(n_systems, k)`` (rows: the collection's systems; NaN:
        missing). Only the columns with instances in this partition.
    instances : mapping of int to numpy.ndarray
        Task column index -> the ``k`` instance ids (str, sorted), in the order of the block's columns.
    """

    index: int
    blocks: Mapping[int, np.ndarray]
    instances: Mapping[int, np.ndarray]

    @property
    def size(self) -> int:
        """Instances in this partition, over all task columns."""
        return int(sum(b.shape[1] for b in self.blocks.values()))


def tree_reduce(parts: Sequence[Any], combine: Callable[[list[Any]], Any], *, split_every: int = 8) -> Any:
    """Sum ``dask.delayed`` values by a tree reduction: ``combine`` receives lists of at most ``split_every``."""
    import dask

    if not parts:
        raise ValueError("tree_reduce: nothing to reduce")
    level = list(parts)
    while len(level) > 1:
        level = [
            dask.delayed(combine, pure=True)(level[i : i + split_every]) for i in range(0, len(level), split_every)
        ]
    if not hasattr(level[0], "dask"):
        return dask.delayed(lambda x: x)(level[0])
    return level[0]


@dataclass(frozen=True, eq=False)
class DistributedInstances:
    """Instance-level scores validated on a Dask cluster, the scores staying there (see the module docstring).

    Built by :func:`read_instances`; :func:`rankagg.aggregate` (``backend="dask"``) and
    :func:`rankagg.distributed.instance_stats` read it. It has the attributes of an
    :class:`~rankagg.InstanceTable` that do not hold scores (``systems``, ``columns``, ``labels``,
    ``higher_is_better``, ``weights``, ``offsets``, ``n_instances``, ...).
    """

    systems: tuple[str, ...]
    columns: tuple[Column, ...]
    sizes: tuple[int, ...]
    missing: str
    has_missing: bool
    npartitions: int
    layout: str = "long"
    source: str = ""
    dropped_systems: tuple[str, ...] = ()
    dropped_instances: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = ()
    scheduler: Any = field(default=None, repr=False)
    parts: tuple[Any, ...] = field(default=(), repr=False)  # dask.delayed -> PartitionBlocks, one per partition

    # ------------------------------------------------------------------ the InstanceTable-like metadata
    @property
    def n_systems(self) -> int:
        """Number of systems."""
        return len(self.systems)

    @property
    def n_columns(self) -> int:
        """Number of task columns."""
        return len(self.columns)

    @property
    def labels(self) -> tuple[str, ...]:
        """Task column labels."""
        return tuple(c.label for c in self.columns)

    @property
    def higher_is_better(self) -> np.ndarray:
        """Direction of every task column."""
        return np.array([c.higher_is_better for c in self.columns], dtype=bool)

    @property
    def weights(self) -> np.ndarray:
        """Weight of every task column."""
        return np.array([c.weight for c in self.columns], dtype=np.float64)

    @property
    def offsets(self) -> np.ndarray:
        """Cumulative instance counts of the task columns (as :attr:`rankagg.InstanceTable.offsets`)."""
        return np.concatenate([[0], np.cumsum(np.asarray(self.sizes, dtype=np.int64))])

    @property
    def n_instances(self) -> Mapping[str, int]:
        """Instances of each task column, by label."""
        return MappingProxyType({c.label: int(s) for c, s in zip(self.columns, self.sizes, strict=True)})

    @property
    def n_instances_total(self) -> int:
        """Instances over all task columns."""
        return int(sum(self.sizes))

    @property
    def missing_policy(self) -> str:
        """The missing-score policy."""
        return self.missing

    @property
    def dropped_tasks(self) -> tuple[str, ...]:
        """Always empty (instances are dropped, not tasks)."""
        return ()

    def __repr__(self) -> str:
        extra = f", dropped {len(self.dropped_systems)} systems" if self.dropped_systems else ""
        if self.dropped_instances:
            extra += f", dropped {len(self.dropped_instances)} instances"
        return (
            f"DistributedInstances({self.n_systems} systems x {self.n_columns} task columns x "
            f"{self.n_instances_total} instances in {self.npartitions} partitions, layout={self.layout!r}, "
            f"missing={self.missing!r}{extra})"
        )

    # ------------------------------------------------------------------ computing on the blocks
    def map_partitions(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Any]:
        """``func(part, *args, **kwargs)`` for every partition's :class:`PartitionBlocks`, as ``dask.delayed``."""
        import dask

        return [dask.delayed(func, pure=True)(p, *args, **kwargs) for p in self.parts]

    def reduce(
        self,
        func: Callable[..., Any],
        combine: Callable[[list[Any]], Any],
        *args: Any,
        split_every: int = 8,
        **kwargs: Any,
    ) -> Any:
        """:meth:`map_partitions` then a tree reduction with ``combine`` (a list of partial results -> one)."""
        return tree_reduce(self.map_partitions(func, *args, **kwargs), combine, split_every=split_every)

    def compute(self, *values: Any, scheduler: Any = None) -> tuple[Any, ...]:
        """Compute ``dask.delayed`` values on ``scheduler`` (default: the one this collection was read with)."""
        with using_client(self.scheduler if scheduler is None else scheduler) as client:
            return tuple(client.compute(list(values), sync=True))

    def to_instance_table(self, *, scheduler: Any = None) -> InstanceTable:
        """Gather every score into one process's memory: a local :class:`~rankagg.InstanceTable` (small data only).

        Each task column becomes a task named by its label (``"task:metric"`` when the task has several metrics),
        with its direction and weight; instances keep their ids.
        """
        (parts,) = self.compute(self.map_partitions(_identity), scheduler=scheduler)
        data: dict[str, list[np.ndarray]] = {c.label: [] for c in self.columns}
        ids: dict[str, list[np.ndarray]] = {c.label: [] for c in self.columns}
        for p in parts:
            for j, b in p.blocks.items():
                data[self.columns[j].label].append(b)
                ids[self.columns[j].label].append(p.instances[j])
        return InstanceTable.from_arrays(
            {k: np.concatenate(v, axis=1) for k, v in data.items()},
            systems=self.systems,
            higher_is_better={c.label: c.higher_is_better for c in self.columns},
            weights={c.label: c.weight for c in self.columns},
            instances={k: np.concatenate(v) for k, v in ids.items()},
            missing="partial" if self.has_missing else "raise",
        )


def _identity(x: Any) -> Any:
    return x
