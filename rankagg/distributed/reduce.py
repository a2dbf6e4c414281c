"""Distributed reductions of instance-level scores: the per-task-column statistics every fast rule reads.

Each partition's blocks go through the local kernels (:class:`~rankagg.data.instance_counts.InstancePass`:
the chunked ranking and pairwise counting of :mod:`rankagg.rankings.kernels`, no new counting code), giving one
:class:`~rankagg.data.instance_counts.ColumnStats` per task column; these are sums over instances, so they are added
up by a tree reduction (integer counts stay int64: the pairwise wins and "both scored" counts are exact) and handed
to the unchanged rules as a pass (:class:`ReducedPass`) with the interface of ``InstancePass``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankagg._errors import RankaggError
from rankagg.data.instance_counts import ColumnStats, InstancePass, pooled_counts
from rankagg.data.instances import check_weighting
from rankagg.data.table import Column
from rankagg.distributed.frames import DistributedInstances, PartitionBlocks
from rankagg.rankings.orders import check_tol
from rankagg.rankings.partial import check_pairwise_mode

__all__ = ["ReducedPass", "add_stats", "instance_stats", "pairwise", "partition_stats"]


@dataclass
class _Block:
    """One partition's blocks as the table an :class:`InstancePass` reads (every task column, maybe empty)."""

    n_systems: int
    scores: np.ndarray
    offsets: np.ndarray
    weights: np.ndarray
    columns: Sequence[Column]


def partition_stats(
    part: PartitionBlocks,
    n_systems: int,
    columns: Sequence[Column],
    *,
    atol: float,
    rtol: float,
    expected: bool,
    chunk_size: int | None = None,
    max_memory: int | None = None,
) -> dict[int, ColumnStats]:
    """The statistics of each task column with instances in one partition (``{column index: ColumnStats}``)."""
    m = len(columns)
    widths = [part.blocks[j].shape[1] if j in part.blocks else 0 for j in range(m)]
    scores = np.empty((n_systems, int(sum(widths))))
    start = 0
    for j in range(m):
        if widths[j]:
            scores[:, start : start + widths[j]] = part.blocks[j]
            start += widths[j]
    offsets = np.concatenate([[0], np.cumsum(np.asarray(widths, dtype=np.int64))])
    block = _Block(n_systems, scores, offsets, np.ones(m), columns)
    run = InstancePass(block, atol=atol, rtol=rtol, chunk_size=chunk_size, max_memory=max_memory)
    return {j: run.stats(j, expected=expected) for j in range(m) if widths[j]}


def add_stats(items: list[dict[int, ColumnStats]]) -> dict[int, ColumnStats]:
    """Sum per-column statistics (one mapping per partition or partial sum; a column absent from one counts 0)."""
    out = dict(items[0])
    for other in items[1:]:
        for j, st in other.items():
            out[j] = _add(out[j], st) if j in out else st
    return out


def _add(a: ColumnStats, b: ColumnStats) -> ColumnStats:
    def opt(x: np.ndarray | None, y: np.ndarray | None) -> np.ndarray | None:
        return None if x is None or y is None else x + y

    return ColumnStats(
        wins=a.wins + b.wins,
        both=a.both + b.both,
        rank_sum=a.rank_sum + b.rank_sum,
        score_sum=a.score_sum + b.score_sum,
        scored=a.scored + b.scored,
        exp_ratio=a.exp_ratio + b.exp_ratio,
        exp_wins=opt(a.exp_wins, b.exp_wins),
        exp_ties=opt(a.exp_ties, b.exp_ties),
        size=a.size + b.size,
    )


class ReducedPass:
    """The statistics of every task column, reduced on the cluster: what the rules read of an ``InstancePass``.

    ``table`` is the :class:`~rankagg.distributed.frames.DistributedInstances`; ``stats(j)`` the column's summed
    :class:`~rankagg.data.instance_counts.ColumnStats`. The instance rankings themselves stay on the cluster, so
    ``voter_ranks`` (what rules without a fast path read) refuses.
    """

    def __init__(
        self, table: DistributedInstances, stats: Sequence[ColumnStats], *, atol: float, rtol: float, expected: bool
    ) -> None:
        self.table = table
        self.atol = float(atol)
        self.rtol = float(rtol)
        self.expected = expected
        self._stats = list(stats)

    def stats(self, j: int, *, expected: bool = False) -> ColumnStats:
        """The summed statistics of task column ``j`` (with the expected counts when the pass counted them)."""
        if expected and not self.expected:
            raise RankaggError("pairwise='expected': this pass counted observed pairs only; reduce with expected=True.")
        return self._stats[j]

    @property
    def voter_ranks(self) -> np.ndarray:
        raise RankaggError(
            "this rule reads every instance's ranking, which stays on the cluster; use a rule with a distributed "
            "path (see rankagg.distributed.DISTRIBUTED_RULES)."
        )


def instance_stats(
    data: DistributedInstances,
    *,
    atol: float = 0.0,
    rtol: float = 0.0,
    pairwise: str = "observed",
    chunk_size: int | None = None,
    max_memory: int | None = None,
    split_every: int = 8,
    scheduler: Any = None,
) -> ReducedPass:
    """Count the per-task-column statistics of distributed instance-level scores (one pass over the data).

    Parameters
    ----------
    data : DistributedInstances
        From :func:`rankagg.distributed.read_instances`.
    atol, rtol : float
        Tie tolerance within an instance (as :func:`rankagg.aggregate`).
    pairwise : {"observed", "expected"}
        Whether to also count the expected pairwise outcomes of partial rankings.
    chunk_size, max_memory : int, optional
        Chunking of each partition's counting (as the local path).
    split_every : int, default 8
        Fan-in of the tree reduction.
    scheduler : str or distributed.Client, optional
        Default: the one ``data`` was read with.

    Returns
    -------
    ReducedPass
        ``.stats(j)``: the summed :class:`~rankagg.data.instance_counts.ColumnStats` of task column ``j``, equal
        to the local ``InstancePass`` (counts exactly; float sums to rounding).
    """
    check_tol(atol, rtol)
    check_pairwise_mode(pairwise)
    expected = pairwise == "expected"
    total = data.reduce(
        partition_stats,
        add_stats,
        data.n_systems,
        data.columns,
        atol=atol,
        rtol=rtol,
        expected=expected,
        chunk_size=chunk_size,
        max_memory=max_memory,
        split_every=split_every,
    )
    (stats,) = data.compute(total, scheduler=scheduler)
    absent = [data.labels[j] for j in range(data.n_columns) if j not in stats]
    if absent:  # read_instances refuses empty task columns, so the blocks lost instances on the way
        raise RankaggError(f"instance_stats: no instance of task column(s) {absent} reached the workers' counts.")
    return ReducedPass(data, [stats[j] for j in range(data.n_columns)], atol=atol, rtol=rtol, expected=expected)


def pairwise(
    data: DistributedInstances | ReducedPass,
    *,
    instance_weighting: str = "per_task",
    atol: float = 0.0,
    rtol: float = 0.0,
    pairwise: str = "observed",
    scheduler: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted pairwise wins and ties over the instance voters, as :meth:`rankagg.InstanceTable.pairwise`.

    ``data`` may be a pass already reduced by :func:`instance_stats` (then ``atol``, ``rtol`` are its own).
    """
    check_weighting(instance_weighting)
    run = (
        data
        if isinstance(data, ReducedPass)
        else instance_stats(data, atol=atol, rtol=rtol, pairwise=pairwise, scheduler=scheduler)
    )
    t = run.table
    sizes = np.asarray(t.sizes, dtype=np.float64)
    per = t.weights / sizes if instance_weighting == "per_task" else t.weights
    return pooled_counts(run, per, pairwise)  # type: ignore[arg-type]
