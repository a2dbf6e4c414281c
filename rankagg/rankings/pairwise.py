"""Weighted pairwise win and tie counts of per-voter rankings (what the majority rules, Kemeny and
Bradley-Terry read), by blocks of voters or, on large boards, one voter at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rankagg._errors import RankaggError
from rankagg._threads import one_blas_thread

__all__ = ["pairwise_counts"]


_PER_COLUMN_N = 48  # from this many systems, pairwise_counts compares one voter at a time (no 3-D blocks)
# (measured: 3-D blocks are 2-3x faster at n = 10, equal near 30-40, 3x slower at n = 100; benchmarks/bench_large.py)


def pairwise_counts(
    ranks: Any,
    *,
    weights: Any = None,
    chunk_size: int = 50_000_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted pairwise preference and tie counts of a profile of weak orders.

    Parameters
    ----------
    ranks : array_like of shape (n_systems, n_voters)
        Rank vectors, one per column (voter); lower is better, NaN = unranked.
    weights : array_like of shape (n_voters,), optional
        Voter (task) weights; default 1 each.
    chunk_size : int
        Upper bound on the number of booleans materialised at once
        (``n_systems**2 * voters_per_chunk``); bounds memory on wide tables.

    Returns
    -------
    wins : numpy.ndarray of shape (n, n)
        ``wins[i, j]`` = total weight of voters ranking ``i`` strictly above ``j``.
    ties : numpy.ndarray of shape (n, n)
        ``ties[i, j]`` = total weight of voters ranking ``i`` and ``j`` equal
        (both ranked); zero on the diagonal. A voter that does not rank both
        ``i`` and ``j`` contributes to neither matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg import pairwise_counts
    >>> wins, ties = pairwise_counts(np.array([[1.0, 1.5], [2.0, 1.5], [3.0, np.nan]]))
    >>> wins
    array([[0., 1., 1.],
           [0., 0., 1.],
           [0., 0., 0.]])
    >>> float(ties[0, 1])
    1.0
    """
    r = np.asarray(ranks, dtype=np.float64)
    if r.ndim != 2:
        raise RankaggError(f"ranks: expected a 2-D array (systems x voters), got {r.ndim} dimension(s).")
    n, m = r.shape
    w = np.ones(m) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (m,):
        raise RankaggError(f"weights: expected {m} weights (one per voter), got shape {w.shape}.")
    wins = np.zeros((n, n))
    ties = np.zeros((n, n))
    if n == 0 or m == 0:
        return wins, ties
    unit = bool(np.all(w == 1.0))
    if n >= _PER_COLUMN_N:  # large boards: one (n, n) comparison per voter, accumulated in place
        # ties = (weight of voters ranking both) - wins - wins.T: one product instead of a second comparison
        present = (~np.isnan(r)).astype(np.float64)
        if unit:  # integer counts, exact
            acc = np.zeros((n, n), dtype=np.int32)
            for j in range(m):
                col = r[:, j]
                acc += col[:, None] < col[None, :]  # NaN compares False: unranked pairs never count
            wins[:] = acc
        else:
            for j in range(m):
                col = r[:, j]
                wins += (col[:, None] < col[None, :]) * w[j]
        with one_blas_thread():  # a spinning second BLAS thread slowed the comparisons around it 2-4x
            both = (present * w) @ present.T
        np.subtract(both, wins, out=ties)
        ties -= wins.T
        np.fill_diagonal(ties, 0.0)
        if not unit:  # float weights: what cancels in the subtraction up to rounding is 0 (ties are >= 0 exactly)
            ties[ties <= 1e-12 * max(float(w.sum()), 1.0)] = 0.0
        return wins, ties
    step = max(1, int(chunk_size // max(1, n * n)))
    for start in range(0, m, step):
        block = r[:, start : start + step]
        a = block[:, None, :]
        b = block[None, :, :]
        less = a < b  # NaN compares False: unranked pairs never count
        eq = a == b
        if unit:
            wins += less.sum(axis=2)
            ties += eq.sum(axis=2)
        else:
            wb = w[start : start + step]
            wins += less.astype(np.float64) @ wb
            ties += eq.astype(np.float64) @ wb
    np.fill_diagonal(ties, 0.0)
    return wins, ties
