"""Per-task weak orders, pairwise counts, and distances between rankings.

Conventions used throughout rankagg:

* A *rank vector* gives the position of each system, ``1`` = best. Tied
  systems share the average of the positions they occupy (``1, 2.5, 2.5, 4``);
  ``NaN`` marks a system that is unranked (its score is missing there), which
  is *not* the same as last.
* Ties are decided explicitly: exact equality by default, or within a tolerance
  ``atol + rtol * |leader|`` of the best score of the tie group (groups are
  formed from the best score down, each anchored on its first member, so a
  long chain of small gaps does not collapse into one tie).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError
from rankagg.rankings.pairwise import pairwise_counts

__all__ = ["TaskRankings", "check_tol", "competition_ranks", "levels_from_scores", "rank_scores"]


def check_tol(atol: float, rtol: float) -> None:
    for name, value in (("atol", atol), ("rtol", rtol)):
        try:
            ok = float(value) >= 0 and np.isfinite(float(value))
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise RankaggError(f"{name}={value!r}: tie tolerances must be finite numbers >= 0 (0 = exact ties only).")


def _average_ranks(vals: np.ndarray) -> np.ndarray:
    """Rank 1 for the largest value, equal values sharing the mean of their positions (``scipy.stats.rankdata``
    of ``-vals`` with ``method="average"``, without importing scipy.stats, ~0.3 s of a command's start)."""
    order = np.argsort(-vals, kind="stable")
    sv = vals[order]
    new = np.empty(sv.size, dtype=bool)
    new[:1] = True
    new[1:] = sv[1:] != sv[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], sv.size)
    ranks = np.empty(sv.size)
    ranks[order] = ((starts + ends + 1) / 2.0)[np.cumsum(new) - 1]
    return ranks


def rank_scores(
    scores: Any,
    *,
    higher_is_better: bool = True,
    atol: float = 0.0,
    rtol: float = 0.0,
) -> np.ndarray:
    """Rank scores into a weak order: 1 = best, ties averaged, NaN = unranked.

    Parameters
    ----------
    scores : array_like of shape (n,)
        Scores of ``n`` systems; NaN marks a missing score.
    higher_is_better : bool, default True
        Direction of the scores.
    atol, rtol : float, default 0
        Tie tolerance. Scores are grouped from the best down; a score ties
        with the best score ``b`` of the current group when it lies within
        ``atol + rtol * |b|`` of it. With both 0, only exactly equal scores tie.

    Returns
    -------
    numpy.ndarray of float
        Rank of each system (average ranks for ties; NaN where the score is NaN).

    Examples
    --------
    >>> from rankagg import rank_scores
    >>> rank_scores([0.9, 0.7, 0.9, float("nan")])
    array([1.5, 3. , 1.5, nan])
    >>> rank_scores([10.0, 10.4, 12.0], higher_is_better=False, atol=0.5)
    array([1.5, 1.5, 3. ])
    """
    check_tol(atol, rtol)
    v = np.asarray(scores, dtype=np.float64)
    if v.ndim != 1:
        raise RankaggError(f"scores: expected a 1-D array, got {v.ndim} dimension(s).")
    out = np.full(v.shape, np.nan)
    present = ~np.isnan(v)
    vals = v[present] if higher_is_better else -v[present]
    if vals.size == 0:
        return out
    if atol == 0 and rtol == 0:
        out[present] = _average_ranks(vals)
        return out
    order = np.argsort(-vals, kind="stable")
    sv = vals[order]
    group = np.empty(sv.size, dtype=np.intp)
    g = 0
    leader = sv[0]
    for k in range(sv.size):
        if leader - sv[k] > atol + rtol * abs(leader):
            g += 1
            leader = sv[k]
        group[k] = g
    # average position within each group
    positions = np.arange(1, sv.size + 1, dtype=np.float64)
    sums = np.bincount(group, weights=positions)
    counts = np.bincount(group)
    ranks_sorted = (sums / counts)[group]
    r = np.empty(sv.size)
    r[order] = ranks_sorted
    out[present] = r
    return out


@dataclass(frozen=True)
class TaskRankings:
    """Per-column weak orders of the systems of a score table.

    Attributes
    ----------
    systems : tuple of str
        System names (rows).
    labels : tuple of str
        Task column labels.
    ranks : numpy.ndarray of shape (n_systems, n_columns)
        Rank of each system in each column (1 = best, ties averaged, NaN = unranked).
    weights : numpy.ndarray of shape (n_columns,)
        Column weights.
    atol, rtol : float
        Tie tolerances used.
    """

    systems: tuple[str, ...]
    labels: tuple[str, ...]
    ranks: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    atol: float = 0.0
    rtol: float = 0.0

    def pairwise(self, *, chunk_size: int = 50_000_000) -> tuple[np.ndarray, np.ndarray]:
        """Weighted pairwise counts; see :func:`pairwise_counts`."""
        return pairwise_counts(self.ranks, weights=self.weights, chunk_size=chunk_size)

    def to_frame(self) -> pd.DataFrame:
        """Ranks as a DataFrame, systems x task columns."""
        return pd.DataFrame(self.ranks, index=pd.Index(self.systems, name="system"), columns=list(self.labels))


def levels_from_scores(scores: Any, *, higher_is_better: bool, rtol: float = 1e-9) -> np.ndarray:
    """Tier index of each system (0 = best) from rule scores; works row-wise on 2-D input.

    Consecutive scores (in sorted order) closer than ``rtol`` times the largest
    absolute score of the row are one tier. This absorbs the floating-point
    noise of summing the same numbers in another order, and nothing else: rule
    scores that differ for a real reason differ by far more.

    Examples
    --------
    >>> from rankagg.rankings.orders import levels_from_scores
    >>> levels_from_scores([2.0, 3.0, 2.0 + 1e-15, 1.0], higher_is_better=True)
    array([1, 0, 1, 2])
    """
    v = np.asarray(scores, dtype=np.float64)
    one = v.ndim == 1
    v = np.atleast_2d(v)
    v = v if higher_is_better else -v
    order = np.argsort(-v, axis=1, kind="stable")
    sv = np.take_along_axis(v, order, axis=1)
    scale = np.max(np.abs(v), axis=1, keepdims=True)
    gap = sv[:, :-1] - sv[:, 1:]
    step = gap > rtol * np.maximum(scale, np.finfo(np.float64).tiny)
    lev_sorted = np.concatenate([np.zeros((v.shape[0], 1), dtype=np.intp), np.cumsum(step, axis=1)], axis=1)
    lev = np.empty_like(lev_sorted)
    np.put_along_axis(lev, order, lev_sorted, axis=1)
    return lev[0] if one else lev


def competition_ranks(levels: Any) -> np.ndarray:
    """Standard competition ranks (1, 2, 2, 4) from tier indices (0 = best); row-wise on 2-D input.

    Examples
    --------
    >>> from rankagg.rankings.orders import competition_ranks
    >>> competition_ranks([0, 1, 1, 2])
    array([1, 2, 2, 4])
    """
    lev = np.asarray(levels, dtype=np.int64)
    one = lev.ndim == 1
    lev = np.atleast_2d(lev)
    b, n = lev.shape
    keyed = lev + (np.arange(b, dtype=np.int64) * (n + 1))[:, None]
    flat = np.sort(keyed, axis=None)
    pos = np.searchsorted(flat, keyed.ravel(), side="left").reshape(b, n)
    ranks = pos - (np.arange(b, dtype=np.int64) * n)[:, None] + 1
    return ranks[0] if one else ranks
