"""Chunked per-task-column statistics of an instance table (pairwise wins and ties, rank and score sums),
counted once and shared by every rule of a call; :meth:`InstanceTable.pairwise` and one-level aggregation read
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from rankagg.rankings.kernels import chunk_columns, code_dtype, count_codes, iter_chunks, rank_codes
from rankagg.rankings.orders import check_tol
from rankagg.rankings.partial import check_pairwise_mode


class Instances(Protocol):
    """What the counting reads of an :class:`~rankagg.data.instances.InstanceTable` (which imports this module)."""

    n_systems: int
    scores: np.ndarray
    offsets: np.ndarray
    weights: np.ndarray
    columns: Sequence[Any]


__all__ = ["ColumnStats", "InstancePass", "pooled_counts", "pooled_pairwise"]


@dataclass
class ColumnStats:
    """What one pass over a task column's instances accumulates (unweighted sums over its instances)."""

    wins: np.ndarray  # (n, n) int64: instances where i ranks strictly above j
    both: np.ndarray  # (n, n) int64: instances scoring both
    rank_sum: np.ndarray  # (n,) sum of ranks where scored
    score_sum: np.ndarray  # (n,) sum of raw scores where scored
    scored: np.ndarray  # (n,) instances scored
    exp_ratio: np.ndarray  # (n,) sum over scored instances of rank / (k + 1)
    exp_wins: np.ndarray | None  # (n, n) expected wins involving an unscored system (pairwise="expected")
    exp_ties: np.ndarray | None  # (n, n) instances scoring neither
    size: int

    @property
    def ties(self) -> np.ndarray:
        t = (self.both - self.wins - self.wins.T).astype(np.float64)
        np.fill_diagonal(t, 0.0)
        return t


def _column_stats(table: Instances, j: int, *, atol: float, rtol: float, chunk: int, expected: bool) -> ColumnStats:
    n = table.n_systems
    a0, b0 = int(table.offsets[j]), int(table.offsets[j + 1])
    sign = 1.0 if table.columns[j].higher_is_better else -1.0
    dtype = code_dtype(n)
    wins = np.zeros((n, n), dtype=np.int64)
    both = np.zeros((n, n), dtype=np.int64)
    rank_sum = np.zeros(n)
    score_sum = np.zeros(n)
    scored = np.zeros(n, dtype=np.int64)
    exp_ratio = np.zeros(n)
    exp_wins = np.zeros((n, n)) if expected else None
    exp_ties = np.zeros((n, n)) if expected else None
    for a, b in iter_chunks(a0, b0, chunk):
        block = table.scores[:, a:b]
        codes = rank_codes(block, sign, atol=atol, rtol=rtol, dtype=dtype)
        count_codes(codes, wins, both)
        width = b - a
        if bool(codes.all()):  # every system scored on every instance of the chunk: sums straight from the codes
            chunk_ranks = ((2 * n + 2) * width - codes.sum(axis=1, dtype=np.int64)) / 2.0
            rank_sum += chunk_ranks
            score_sum += block.sum(axis=1)
            scored += width
            exp_ratio += chunk_ranks / (n + 1.0)
            continue
        present = codes > 0
        ranks = np.where(present, (2 * n + 2 - codes.astype(np.float64)) / 2.0, 0.0)
        rank_sum += ranks.sum(axis=1)
        score_sum += np.where(present, block, 0.0).sum(axis=1)
        scored += present.sum(axis=1)
        k = present.sum(axis=0).astype(np.float64)
        exp_ratio += (ranks / (k + 1.0)).sum(axis=1)
        if expected:
            unscored = (~present).astype(np.float64)
            above = np.where(present, (k + 1.0 - ranks) / (k + 1.0), 0.0)
            below = np.where(present, ranks / (k + 1.0), 0.0)
            exp_wins += above @ unscored.T + unscored @ below.T
            exp_ties += unscored @ unscored.T
    if exp_ties is not None:
        np.fill_diagonal(exp_ties, 0.0)
    return ColumnStats(wins, both, rank_sum, score_sum, scored, exp_ratio, exp_wins, exp_ties, b0 - a0)


class InstancePass:
    """The statistics of every task column, computed lazily once and shared by all rules of a call."""

    def __init__(
        self, table: Instances, *, atol: float, rtol: float, chunk_size: int | None, max_memory: int | None
    ) -> None:
        check_tol(atol, rtol)
        self.table = table
        self.atol = float(atol)
        self.rtol = float(rtol)
        self.chunk = chunk_columns(table.n_systems, chunk_size=chunk_size, max_memory=max_memory)
        self._stats: dict[tuple[int, bool], ColumnStats] = {}

    def stats(self, j: int, *, expected: bool = False) -> ColumnStats:
        key = (j, expected)
        if key not in self._stats:
            if not expected and (j, True) in self._stats:
                return self._stats[(j, True)]
            self._stats[key] = _column_stats(
                self.table, j, atol=self.atol, rtol=self.rtol, chunk=self.chunk, expected=expected
            )
        return self._stats[key]

    @cached_property
    def voter_ranks(self) -> np.ndarray:
        """Ranks of every instance voter (n, N); NaN where unscored. Materialised only for rules without a fast path."""
        t = self.table
        n = t.n_systems
        out = np.empty(t.scores.shape)
        for j, col in enumerate(t.columns):
            sign = 1.0 if col.higher_is_better else -1.0
            for a, b in iter_chunks(int(t.offsets[j]), int(t.offsets[j + 1]), self.chunk):
                codes = rank_codes(t.scores[:, a:b], sign, atol=self.atol, rtol=self.rtol, dtype=code_dtype(n))
                r = (2 * n + 2 - codes.astype(np.float64)) / 2.0
                r[codes == 0] = np.nan
                out[:, a:b] = r
        out.setflags(write=False)
        return out


def pooled_pairwise(
    table: Instances,
    *,
    instance_weighting: str,
    atol: float,
    rtol: float,
    pairwise: str,
    chunk_size: int | None,
    max_memory: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`InstanceTable.pairwise`: the weighted pairwise counts of the pooled instance voters."""
    check_pairwise_mode(pairwise)
    run = InstancePass(table, atol=atol, rtol=rtol, chunk_size=chunk_size, max_memory=max_memory)
    sizes = np.diff(table.offsets).astype(np.float64)
    per = table.weights / sizes if instance_weighting == "per_task" else table.weights
    return pooled_counts(run, per, pairwise)


def pooled_counts(run: InstancePass, per: np.ndarray, pairwise: str) -> tuple[np.ndarray, np.ndarray]:
    t = run.table
    n = t.n_systems
    wins = np.zeros((n, n))
    ties = np.zeros((n, n))
    expected = pairwise == "expected"
    for j, w in enumerate(per):
        st = run.stats(j, expected=expected)
        wins += w * st.wins
        ties += w * st.ties
        if expected and st.exp_wins is not None:
            wins += w * st.exp_wins
            ties += w * st.exp_ties
    return wins, ties
