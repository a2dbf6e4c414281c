"""Heuristic Kemeny orders: Borda/Copeland starts, insertion local search, KwikSort.

All functions work on a margin matrix ``M = wins - wins.T`` (antisymmetric)
and return an order as an ``intp`` array of row indices, best first.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

__all__ = [
    "borda_order",
    "canonical_ties",
    "copeland_order",
    "iterated_local_search",
    "kwiksort",
    "local_search",
]


def _tol(margins: np.ndarray) -> float:
    return 1e-9 * max(1.0, float(np.abs(margins).max(initial=0.0)))


def borda_order(margins: np.ndarray) -> np.ndarray:
    """Order by net margin ``sum_j M[i, j]`` (Borda score for complete rankings), then Copeland, then index."""
    net = margins.sum(axis=1)
    cop = np.sign(margins).sum(axis=1)
    return np.lexsort((np.arange(net.size), -cop, -net)).astype(np.intp)


def copeland_order(margins: np.ndarray) -> np.ndarray:
    """Order by Copeland score ``sum_j sign(M[i, j])``, then net margin, then index."""
    net = margins.sum(axis=1)
    cop = np.sign(margins).sum(axis=1)
    return np.lexsort((np.arange(net.size), -net, -cop)).astype(np.intp)


def local_search(
    margins: np.ndarray, order: np.ndarray, *, max_passes: int = 10_000, deadline: float | None = None
) -> np.ndarray:
    """Insertion local search: move single systems to their best position until none improves.

    For the system ``e`` at position ``p``, with margin row ``r = M[e, order]``
    and ``C = [0, cumsum(r)]``, moving it so that exactly ``t`` other systems
    stay above it changes the objective by ``C[t] - C[p]`` (each system it
    jumps over flips one pair). So the best position of one system costs O(n)
    and that of all systems O(n^2) (row-wise cumulative sums of the permuted
    margin matrix). Up to 300 systems, each round computes every system's
    best move at once and applies, greedily by gain, the improving moves
    whose position ranges do not overlap (their gains then add up exactly);
    above, systems are moved one at a time (O(n) memory). Rounds repeat until
    no system moves (a local optimum for single-system moves, hence also for
    adjacent swaps), or until ``deadline`` (a ``time.perf_counter`` value).
    """
    order = np.array(order, dtype=np.intp)
    n = order.size
    if n < 3:
        if n == 2 and margins[order[1], order[0]] > 0:
            order = order[::-1].copy()
        return order
    if n > _MATRIX_MAX:
        return _local_search_rowwise(margins, order, max_passes, deadline)
    return _matrix_search(margins, order, _tol(margins), max_passes, deadline)[0]


def _matrix_search(
    margins: np.ndarray,
    order: np.ndarray,
    tol: float,
    max_passes: int,
    deadline: float | None,
    systems: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """:func:`local_search` up to 300 systems; also returns the total decrease of the objective.

    With ``systems``, only those systems are moved (a partial search, not a
    local optimum: the kicks of :func:`iterated_local_search` repair the
    systems they shuffled first, which costs a fraction of a full round).
    """
    n = order.size
    ar = np.arange(n)
    total = 0.0
    for _ in range(max_passes * n):
        if systems is None:
            rows = ar
            block = margins.take(order, 0).take(order, 1)
        else:
            inv = np.empty(n, dtype=np.intp)
            inv[order] = ar
            rows = np.sort(inv[systems])
            block = margins.take(order[rows], 0).take(order, 1)
        csum = np.zeros((rows.size, n + 1))
        np.cumsum(block, axis=1, out=csum[:, 1:])
        r = np.arange(rows.size)
        t = np.argmin(csum, axis=1)
        gain = csum[r, rows] - csum[r, t]
        cand = np.flatnonzero(gain > tol)
        if cand.size == 0:
            break
        cand = cand[np.argsort(-gain[cand], kind="stable")]
        busy = np.zeros(n, dtype=bool)
        new = order.copy()
        for i in cand.tolist():
            p, q = int(rows[i]), int(t[i])
            lo, hi = (q, p) if q <= p else (p, q - 1)
            if busy[lo : hi + 1].any():
                continue
            busy[lo : hi + 1] = True
            total += float(gain[i])
            if q <= p:  # up: lands at position q
                new[q + 1 : p + 1] = order[q:p]
                new[q] = order[p]
            else:  # down: q - 1 systems stay above it once it is removed
                new[p : q - 1] = order[p + 1 : q]
                new[q - 1] = order[p]
        order = new
        if deadline is not None and time.perf_counter() >= deadline:
            break
    return order, total


_MATRIX_MAX = 300


def _local_search_rowwise(
    margins: np.ndarray, order: np.ndarray, max_passes: int, deadline: float | None
) -> np.ndarray:
    """:func:`local_search` one system at a time (for large n)."""
    tol = _tol(margins)
    pos = np.empty(order.size, dtype=np.intp)
    pos[order] = np.arange(order.size)
    for _ in range(max_passes):
        moved = _rowwise_pass(margins, order, pos, order.copy(), tol) > 0
        if not moved or (deadline is not None and time.perf_counter() >= deadline):
            break
    return order


def _rowwise_pass(margins: np.ndarray, order: np.ndarray, pos: np.ndarray, systems: Any, tol: float) -> float:
    """Move each of ``systems`` in turn to its best position (O(n) each), updating ``order`` and ``pos``
    (``pos[order] == arange(n)``) in place; returns the total decrease of the objective."""
    n = order.size
    csum = np.zeros(n + 1)
    total = 0.0
    for e in systems:
        p = int(pos[e])
        np.cumsum(margins[e, order], out=csum[1:])
        t = int(np.argmin(csum))
        if csum[t] < csum[p] - tol:
            total += float(csum[p] - csum[t])
            if t <= p:  # up: e lands at position t
                order[t + 1 : p + 1] = order[t:p]
                order[t] = e
                pos[order[t : p + 1]] = np.arange(t, p + 1)
            else:  # down: t - 1 systems stay above e once it is removed
                order[p : t - 1] = order[p + 1 : t]
                order[t - 1] = e
                pos[order[p:t]] = np.arange(p, t)
    return total


def kwiksort(margins: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Randomised KwikSort (Ailon, Charikar & Newman 2008) on the majority tournament.

    A random pivot splits the other systems into those with a positive margin
    over it (placed above), negative (below) and tied (each side with
    probability 1/2), recursively.
    """
    n = margins.shape[0]
    out: list[int] = []
    stack: list[np.ndarray | int] = [np.arange(n, dtype=np.intp)]
    while stack:
        item = stack.pop()
        if isinstance(item, (int, np.integer)):
            out.append(int(item))
            continue
        if item.size <= 1:
            out.extend(item.tolist())
            continue
        k = int(rng.integers(item.size))
        piv = int(item[k])
        rest = np.delete(item, k)
        m = margins[rest, piv]
        tie = m == 0
        coin = rng.random(rest.size) < 0.5
        above = (m > 0) | (tie & coin)
        stack.append(rest[~above])
        stack.append(piv)
        stack.append(rest[above])
    return np.asarray(out, dtype=np.intp)


def canonical_ties(margins: np.ndarray, order: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Sort runs connected by adjacent tied pairs by ``key`` (higher first), keeping the objective.

    Swapping two adjacent systems with ``M[a, b] == 0`` does not change the
    objective, so among the orders reachable by such swaps we return the one
    that agrees best with ``key`` (a bubble sort restricted to tied adjacent
    pairs). This makes results independent of solver internals when several
    orders are optimal.
    """
    order = np.array(order, dtype=np.intp)
    n = order.size
    if n < 2:
        return order
    while True:
        a, b = order[:-1], order[1:]
        # adjacent pairs that are tied and against the key (the common case: none)
        due = (margins[a, b] == 0) & ((key[b] > key[a]) | ((key[b] == key[a]) & (b < a)))
        flagged = np.flatnonzero(due).tolist()
        if not flagged:
            return order
        # one bubble pass, left to right, visiting only where a swap can happen: the flagged
        # positions and the position after each swap (the moved system meets a new neighbour)
        o = order.tolist()
        i, p = 0, flagged[0]
        while True:
            x, y = o[p], o[p + 1]
            nxt = None
            if margins[x, y] == 0 and (key[y], -y) > (key[x], -x):
                o[p], o[p + 1] = y, x
                nxt = p + 1 if p + 2 < n else None
            while i < len(flagged) and flagged[i] <= p:
                i += 1
            cand = flagged[i] if i < len(flagged) else None
            if nxt is not None and (cand is None or nxt <= cand):
                p = nxt
            elif cand is not None:
                p = cand
            else:
                break
        order = np.asarray(o, dtype=np.intp)


def iterated_local_search(
    margins: np.ndarray,
    order: np.ndarray,
    rng: np.random.Generator,
    *,
    kicks: int = 40,
    segment: int = 16,
    deadline: float | None = None,
) -> np.ndarray:
    """Iterated local search: shuffle a random segment, re-optimise, keep if not worse.

    Starting from a local optimum, each of ``kicks`` rounds shuffles
    ``segment`` consecutive systems (at most a third of them) at a random
    place, moves the shuffled systems to their best positions, then runs
    :func:`local_search` (skipped when the repair restores the current
    order); the new order is kept when its objective is not worse (accepting
    equal moves lets the search drift across plateaus). The objective is
    tracked from the segment's change and the moves' gains (no full
    re-evaluation per kick).
    """
    best = local_search(margins, order, deadline=deadline)
    n = best.size
    if n < 3:
        return best
    seg = min(segment, max(3, n // 3))
    tol = _tol(margins)
    cur, cur_v = best, _excess(margins, best)
    best_v = cur_v
    for _ in range(kicks):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        cand = cur.copy()
        a = int(rng.integers(0, n - seg + 1))
        old = cand[a : a + seg].copy()
        cand[a : a + seg] = rng.permutation(old)
        # the shuffle changes only pairs inside the segment; then repair: the shuffled systems move first
        # (cheap, one row each), then full rounds to a local optimum. The objective is tracked by the gains.
        v = cur_v + _excess(margins, cand[a : a + seg]) - _excess(margins, old)
        if n > _MATRIX_MAX:
            pos = np.empty(n, dtype=np.intp)
            pos[cand] = np.arange(n)
            _rowwise_pass(margins, cand, pos, cand[a : a + seg].tolist(), tol)
            cand = _local_search_rowwise(margins, cand, 10_000, deadline)
            v = _excess(margins, cand)
        else:
            cand, g1 = _matrix_search(margins, cand, tol, 10_000, deadline, systems=cand[a : a + seg].copy())
            if np.array_equal(cand, cur):  # the repair undid the kick: cur is a local optimum already
                continue
            cand, g2 = _matrix_search(margins, cand, tol, 10_000, deadline)
            v -= g1 + g2
        if v <= cur_v + tol:
            cur, cur_v = cand, v
            if v < best_v - tol:
                best, best_v = cand, v
    return best


def _excess(margins: np.ndarray, order: np.ndarray) -> float:
    p = margins.take(order, 0).take(order, 1)
    return float(np.clip(np.tril(p, -1), 0.0, None).sum())
