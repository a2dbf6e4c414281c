"""Distances and correlations between two rankings: Kendall tau-b, the Kendall distance with a tie
penalty, Spearman's rho and top-k overlap; systems unranked in either are left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rankagg._errors import RankaggError

__all__ = ["kendall_distance", "kendall_tau_b", "spearman", "top_k_overlap"]


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
