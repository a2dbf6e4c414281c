"""Input checks, the Kemeny objective and small shared helpers."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from rankagg._errors import RankaggError

__all__ = [
    "as_wins",
    "check_order",
    "kemeny_score",
    "margin_lattice",
    "order_excess",
    "pairs",
    "transitive_closure",
]


@lru_cache(maxsize=64)
def pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``numpy.triu_indices(n, 1)``, cached per ``n`` (read-only arrays)."""
    i, j = np.triu_indices(n, 1)
    i.setflags(write=False)
    j.setflags(write=False)
    return i, j


def as_wins(wins: Any) -> np.ndarray:
    """Validate a pairwise-wins matrix and return it as a C-contiguous float64 array.

    Raises
    ------
    RankaggError
        If ``wins`` is not a square 2-D array of finite, non-negative numbers
        with a zero diagonal.
    """
    try:
        w = np.array(wins, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise RankaggError(
            f"wins: could not convert to a float array ({exc}); pass an (n, n) array of pairwise win counts."
        ) from None
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise RankaggError(
            f"wins: expected a square (n, n) matrix with wins[i, j] = weight of voters ranking i above j, "
            f"got shape {w.shape}. Build it with rankagg.rankings.pairwise.pairwise_counts(ranks)[0]."
        )
    if not np.all(np.isfinite(w)):
        bad = np.argwhere(~np.isfinite(w))[0]
        raise RankaggError(
            f"wins: all entries must be finite; wins[{bad[0]}, {bad[1]}] = {w[bad[0], bad[1]]}. "
            "Missing comparisons are encoded as 0 in both wins[i, j] and wins[j, i], not as NaN."
        )
    if np.any(w < 0):
        bad = np.argwhere(w < 0)[0]
        raise RankaggError(
            f"wins: entries are (weighted) voter counts and must be >= 0; wins[{bad[0]}, {bad[1]}] = "
            f"{w[bad[0], bad[1]]}. Use non-negative voter weights."
        )
    d = np.diagonal(w)
    if np.any(d != 0):
        k = int(np.flatnonzero(d)[0])
        raise RankaggError(
            f"wins: the diagonal must be zero (no system is ranked above itself); wins[{k}, {k}] = {d[k]}. "
            "Set it to 0 with numpy.fill_diagonal(wins, 0)."
        )
    return np.ascontiguousarray(w)


def check_order(order: Any, n: int, param: str = "order") -> np.ndarray:
    """Check that ``order`` is a permutation of ``range(n)``; return it as an intp array."""
    try:
        o = np.asarray(order)
    except (TypeError, ValueError):  # pragma: no cover - numpy converts almost anything
        o = np.asarray([], dtype=object)
    if o.ndim != 1 or o.size != n or (o.size and not np.issubdtype(o.dtype, np.integer)):
        raise RankaggError(
            f"{param}: expected a sequence of the {n} system indices 0..{n - 1} (best first), "
            f"got {o.size if o.ndim == 1 else o.shape} item(s) of dtype {o.dtype}."
        )
    o = o.astype(np.intp)
    if n and (o.min() < 0 or o.max() >= n or np.unique(o).size != n):
        missing = sorted(set(range(n)) - set(o.tolist()))
        raise RankaggError(
            f"{param}: must be a permutation of 0..{n - 1} (each system exactly once); "
            f"missing or repeated indices (missing: {missing[:5]})."
        )
    return o


def kemeny_score(wins: Any, order: Sequence[int] | np.ndarray) -> float:
    """Kemeny objective of a strict order: total weight of voters disagreeing with it.

    Parameters
    ----------
    wins : array_like of shape (n, n)
        ``wins[i, j]`` = total weight of voters ranking system ``i`` strictly
        above system ``j`` (see :func:`rankagg.rankings.pairwise.pairwise_counts`).
    order : sequence of int
        A permutation of ``0..n-1``, best system first.

    Returns
    -------
    float
        :math:`\\sum_{a \\text{ above } b} \\mathrm{wins}[b, a]`, the quantity
        :func:`kemeny` minimises. For a profile with ties, adding
        ``tie_penalty * ties[np.triu_indices(n, 1)].sum()`` gives the sum of
        Kendall distances :func:`rankagg.rankings.distances.kendall_distance` of the
        voters to ``order``.

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.rules.kemeny import kemeny_score
    >>> wins = np.array([[0, 2, 3], [1, 0, 2], [0, 1, 0]])
    >>> kemeny_score(wins, [0, 1, 2])
    2.0
    >>> kemeny_score(wins, [2, 1, 0])
    7.0
    """
    w = as_wins(wins)
    o = check_order(order, w.shape[0])
    return float(np.tril(w.take(o, 0).take(o, 1), -1).sum())


def order_excess(margins: np.ndarray, order: np.ndarray) -> float:
    """Excess cost of ``order`` over the trivial bound: sum of positive margins it reverses."""
    p = margins.take(order, 0).take(order, 1)
    return float(np.clip(np.tril(p, -1), 0.0, None).sum())


def margin_lattice(margins: np.ndarray) -> float:
    """Step ``g`` such that every order's excess is a multiple of ``g`` (0 if unknown).

    When all margins are integers, every excess (a sum of absolute margins) is
    a multiple of their greatest common divisor, so lower bounds can be
    rounded up to that lattice.
    """
    a = np.abs(margins).ravel()  # antisymmetric: each pair twice, the diagonal 0
    a = a[a > 0]
    if a.size == 0 or a.max() > 2.0**52 or not np.all(a == np.round(a)):
        return 0.0
    return float(np.gcd.reduce(a.astype(np.int64)))


def transitive_closure(adj: np.ndarray) -> np.ndarray:
    """Reflexive-transitive closure of a boolean adjacency matrix (``reach[i, j]``: j reachable from i).

    Small matrices use repeated squaring with a float32 matrix product; from
    64 nodes on, a Warshall sweep (one vectorised rank-1 update per node),
    which avoids the thread start-up cost of multi-threaded BLAS on mid-size
    products (at 90 nodes on a busy 2-core machine, 0.5-35 ms instead of
    about 1 ms; the branch and bound calls it at every node).
    """
    n = adj.shape[0]
    reach = adj.astype(bool, copy=True)
    np.fill_diagonal(reach, True)
    if n < 64:
        f = reach.astype(np.float32)
        count = int(reach.sum())
        while True:
            f = (f @ f > 0).astype(np.float32)
            new = int(f.sum())
            if new == count:
                return f > 0
            count = new
    for k in range(n):
        col = reach[:, k]
        reach[col] |= reach[k]
    return reach
