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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError

if TYPE_CHECKING:
    from rankagg.table import ScoreTable

__all__ = [
    "TaskRankings",
    "kendall_distance",
    "kendall_tau_b",
    "pairwise_counts",
    "rank_scores",
    "rank_table",
    "spearman",
    "top_k_overlap",
]


def _check_tol(atol: float, rtol: float) -> None:
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
    _check_tol(atol, rtol)
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


def rank_table(table: ScoreTable, *, atol: float = 0.0, rtol: float = 0.0) -> TaskRankings:
    """Rank the systems of every task column of ``table``, honouring each direction.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    atol, rtol : float, default 0
        Tie tolerances, as in :func:`rank_scores` (the same for every column).

    Returns
    -------
    TaskRankings

    Examples
    --------
    >>> import rankagg
    >>> t = rankagg.ScoreTable([[0.9, 12.0], [0.8, 10.0]], systems=["A", "B"],
    ...                        tasks=["acc", "ppl"], higher_is_better={"acc": True, "ppl": False})
    >>> rankagg.rank_table(t).to_frame()
            acc  ppl
    system
    A       1.0  2.0
    B       2.0  1.0
    """
    _check_tol(atol, rtol)
    scores = table.scores
    ranks = np.empty(scores.shape)
    for j, col in enumerate(table.columns):
        ranks[:, j] = rank_scores(scores[:, j], higher_is_better=col.higher_is_better, atol=atol, rtol=rtol)
    ranks.setflags(write=False)
    w = table.weights
    w.setflags(write=False)
    return TaskRankings(
        systems=table.systems, labels=table.labels, ranks=ranks, weights=w, atol=float(atol), rtol=float(rtol)
    )


_PER_COLUMN_N = 256  # from this many systems, pairwise_counts compares one voter at a time (no 3-D blocks)


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
        ties[:] = (present * w) @ present.T - wins - wins.T
        np.fill_diagonal(ties, 0.0)
        if not unit:  # float weights: what cancels in the subtraction up to rounding is 0
            ties[np.abs(ties) <= 1e-12 * max(float(w.sum()), 1.0)] = 0.0
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


def _as_pair(x: Any, y: Any, who: str) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise RankaggError(
            f"{who}: the two rankings must be 1-D and of equal length (one value per system), "
            f"got shapes {a.shape} and {b.shape}."
        )
    return a, b


def kendall_tau_b(x: Any, y: Any) -> float:
    """Kendall's tau-b between two rank (or score) vectors, over systems ranked in both.

    Ties are handled by the tau-b correction. Systems with NaN in either vector
    are left out. Returns NaN when fewer than two systems remain or one vector
    is constant.

    Examples
    --------
    >>> from rankagg import kendall_tau_b
    >>> kendall_tau_b([1, 2, 3, 4], [1, 2, 4, 3])
    0.6666666666666669
    """
    a, b = _as_pair(x, y, "kendall_tau_b")
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 2:
        return float("nan")
    a, b = a[ok], b[ok]
    if np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    from scipy.stats import kendalltau

    return float(kendalltau(a, b, variant="b").statistic)


def kendall_distance(x: Any, y: Any, *, tie_penalty: float = 0.5, normalize: bool = False) -> float:
    """Kendall distance between two weak orders given as rank vectors (lower = better).

    Counts, over pairs of systems ranked in both: 1 for each pair ordered
    oppositely, ``tie_penalty`` for each pair tied in exactly one of the two
    rankings, 0 otherwise (Fagin et al.'s :math:`K^{(p)}`). Pairs involving a
    system unranked (NaN) in either ranking are not counted.

    Parameters
    ----------
    x, y : array_like of shape (n,)
        Rank vectors (lower is better; equal values are ties; NaN unranked).
    tie_penalty : float, default 0.5
        Cost of a pair tied in one ranking but not the other, in [0, 1].
    normalize : bool, default False
        Divide by the number of counted pairs.

    Notes
    -----
    .. math:: K^{(p)}(x, y) = \\sum_{i<j} [\\,s_{ij}(x)\\,s_{ij}(y) < 0\\,]
              + p\\,[\\,s_{ij}(x) s_{ij}(y) = 0,\\ s_{ij}(x) \\ne s_{ij}(y)\\,]

    with :math:`s_{ij}(x) = \\operatorname{sign}(x_i - x_j)`. This is the
    distance whose sum the Kemeny rule minimises (the ties term is constant
    for strict consensus rankings, so it does not change the optimum).

    Examples
    --------
    >>> from rankagg import kendall_distance
    >>> kendall_distance([1, 2, 3], [3, 2, 1])
    3.0
    >>> kendall_distance([1, 2, 3], [1.5, 1.5, 3])
    0.5
    """
    if not 0.0 <= tie_penalty <= 1.0:
        raise RankaggError(f"tie_penalty={tie_penalty!r}: must lie in [0, 1].")
    a, b = _as_pair(x, y, "kendall_distance")
    ok = ~(np.isnan(a) | np.isnan(b))
    a, b = a[ok], b[ok]
    n = a.size
    if n < 2:
        return float("nan") if normalize else 0.0
    sa = np.sign(a[:, None] - a[None, :])
    sb = np.sign(b[:, None] - b[None, :])
    iu = np.triu_indices(n, 1)
    sa, sb = sa[iu], sb[iu]
    prod = sa * sb
    discordant = float(np.count_nonzero(prod < 0))
    half = float(np.count_nonzero((prod == 0) & (sa != sb)))
    d = discordant + tie_penalty * half
    return d / sa.size if normalize else d


def spearman(x: Any, y: Any) -> float:
    """Spearman's rank correlation over systems ranked in both (ties averaged).

    Examples
    --------
    >>> from rankagg import spearman
    >>> spearman([1, 2, 3, 4], [1, 2, 4, 3])
    0.8
    """
    a, b = _as_pair(x, y, "spearman")
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 2:
        return float("nan")
    a, b = a[ok], b[ok]
    if np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def _top_set(r: np.ndarray, k: int) -> set[int]:
    ok = ~np.isnan(r)
    idx = np.nonzero(ok)[0]
    vals = r[ok]
    # systems with fewer than k systems strictly better; ties at the boundary are all in
    better = (vals[None, :] < vals[:, None]).sum(axis=1)
    return set(idx[better < k].tolist())


def top_k_overlap(x: Any, y: Any, k: int) -> float:
    """Overlap of the top-``k`` sets of two rank vectors (lower = better).

    The top-``k`` set holds every system with fewer than ``k`` systems
    strictly ahead of it, so systems tied at the boundary are all in (the set
    can be larger than ``k``). Returns ``|A & B| / max(|A|, |B|)``, which is
    ``|A & B| / k`` when there are no ties at the boundary.

    Examples
    --------
    >>> from rankagg import top_k_overlap
    >>> top_k_overlap([1, 2, 3, 4], [2, 1, 4, 3], k=2)
    1.0
    >>> top_k_overlap([1, 2, 3, 4], [1, 3, 2, 4], k=2)
    0.5
    """
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise RankaggError(f"k={k!r}: must be a positive integer.")
    a, b = _as_pair(x, y, "top_k_overlap")
    sa, sb = _top_set(a, int(k)), _top_set(b, int(k))
    if not sa and not sb:
        return float("nan")
    return len(sa & sb) / max(len(sa), len(sb))


def levels_from_scores(scores: Any, *, higher_is_better: bool, rtol: float = 1e-9) -> np.ndarray:
    """Tier index of each system (0 = best) from rule scores; works row-wise on 2-D input.

    Consecutive scores (in sorted order) closer than ``rtol`` times the largest
    absolute score of the row are one tier. This absorbs the floating-point
    noise of summing the same numbers in another order, and nothing else: rule
    scores that differ for a real reason differ by far more.

    Examples
    --------
    >>> from rankagg.ranking import levels_from_scores
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
    >>> from rankagg.ranking import competition_ranks
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
