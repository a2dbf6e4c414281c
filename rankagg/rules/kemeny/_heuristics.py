"""Heuristic Kemeny orders: Borda/Copeland starts, insertion local search, KwikSort.

All functions work on a margin matrix ``M = wins - wins.T`` (antisymmetric)
and return an order as an ``intp`` array of row indices, best first.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from rankagg.rules.kemeny._core import order_excess

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
    work, tol = _integral(margins)
    return _matrix_search(work, order, tol, max_passes, deadline)[0]


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
    Pass integer ``margins`` when they are integral (see :func:`_integral`):
    numpy's cumulative sums, the bulk of a round, are about 4x cheaper on
    int64 than on float64.
    """
    n = order.size
    ar = np.arange(n)
    total = 0.0
    csum = np.zeros((n if systems is None else len(systems), n + 1), dtype=margins.dtype)
    tail, flat = csum[:, 1:], csum.reshape(-1)
    offsets = np.arange(0, csum.size, n + 1)  # flat index of each row's start
    for _ in range(max_passes * n):
        if systems is None:
            rows = ar
            np.cumsum(margins.take(order, 0).take(order, 1), axis=1, out=tail)
            here = csum.diagonal()  # csum[i, i]: row i stays where it is
        else:
            inv = np.empty(n, dtype=np.intp)
            inv[order] = ar
            rows = inv[systems]
            rows.sort()
            np.cumsum(margins.take(order.take(rows), 0).take(order, 1), axis=1, out=tail)
            here = csum[ar[: rows.size], rows]
        t = csum.argmin(axis=1)
        gain = here - flat.take(t + offsets)
        cand = (gain > tol).nonzero()[0]
        if cand.size == 0:
            break
        if cand.size > 1:
            cand = cand[(-gain[cand]).argsort(kind="stable")]
        # apply, greedily by gain, the moves whose position ranges do not overlap (plain lists: a few
        # numpy calls per move would cost more than the round itself)
        o = order.tolist()
        new = o[:]
        busy = bytearray(n)
        for p, q, g in zip(rows[cand].tolist(), t[cand].tolist(), gain[cand].tolist()):
            lo, hi = (q, p + 1) if q <= p else (p, q)
            if busy.find(1, lo, hi) >= 0:
                continue
            busy[lo:hi] = b"\x01" * (hi - lo)
            total += g
            if q <= p:  # up: lands at position q
                new[q + 1 : p + 1] = o[q:p]
                new[q] = o[p]
            else:  # down: q - 1 systems stay above it once it is removed
                new[p : q - 1] = o[p + 1 : q]
                new[q - 1] = o[p]
        order = np.array(new, dtype=np.intp)
        if deadline is not None and time.perf_counter() >= deadline:
            break
    return order, float(total)


def _integral(margins: np.ndarray) -> tuple[np.ndarray, float]:
    """``margins`` as int64 with tolerance 0 when they are integers (e.g. counts of rankings), else as they are
    with :func:`_tol`; the searches then run on exact integer sums, which numpy accumulates faster."""
    if margins.dtype.kind in "iu":
        return margins.astype(np.int64, copy=False), 0.0
    if margins.size and float(np.abs(margins).max()) * margins.shape[0] < 2.0**52:
        as_int = margins.astype(np.int64)
        if np.array_equal(as_int, margins):
            return as_int, 0.0
    return margins, _tol(margins)


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
    kicks: int = 30,
    segment: int = 32,
    deadline: float | None = None,
) -> np.ndarray:
    """Iterated local search: re-sort a random segment with noise, re-optimise, keep if not worse.

    Starting from a local optimum, each of ``kicks`` rounds takes ``segment``
    consecutive systems (at most half of them) at a random place and
    re-sorts them by their net margin within the segment plus Gaussian noise
    (``0.8`` times the standard deviation of those net margins; a random
    shuffle when they are all equal). Such a kick reorders a whole region,
    long enough to leave deep local optima, yet lands nearer a local optimum
    than a uniform shuffle of the segment would, so the repair that follows
    takes few rounds: the perturbed systems move to their best positions,
    then :func:`local_search` runs (skipped when the repair restores the
    current order). The new order is kept when its objective is not worse
    (accepting equal moves lets the search drift across plateaus). The
    objective is tracked from the segment's change and the moves' gains (no
    full re-evaluation per kick); integral margins are searched as integers
    (exact, and faster). Never returns an order worse than ``order``.
    """
    n = len(order)
    if n <= _MATRIX_MAX:
        margins, tol = _integral(margins)  # once: local_search keeps integer margins as they are
    else:
        tol = _tol(margins)
    best = local_search(margins, order, deadline=deadline)
    if n < 3:
        return best
    seg = min(segment, max(3, n // 2))
    cur, cur_v = best, order_excess(margins, best)
    best_v = cur_v
    i, j = np.tril_indices(seg, -1)
    lower = i * seg + j  # flat indices of the pairs (i below j) of a segment
    for _ in range(kicks):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        cand = cur.copy()
        a = int(rng.integers(0, n - seg + 1))
        old = cand[a : a + seg]
        block = margins.take(old, 0).take(old, 1)
        perm = _noisy_sort(block, rng)
        cand[a : a + seg] = old.take(perm)
        # the kick changes only pairs inside the segment: the excess sum(max(0, M[lower, upper])) changes by half
        # the change of sum(M[lower, upper]) (sum |M| over the pairs does not depend on the order). Then repair:
        # the kicked systems move first (cheap, one row each), then full rounds to a local optimum; the
        # objective is tracked by the gains.
        v = cur_v + 0.5 * float(block.take(perm, 0).take(perm, 1).take(lower).sum() - block.take(lower).sum())
        if n > _MATRIX_MAX:
            pos = np.empty(n, dtype=np.intp)
            pos[cand] = np.arange(n)
            _rowwise_pass(margins, cand, pos, cand[a : a + seg].tolist(), tol)
            cand = _local_search_rowwise(margins, cand, 10_000, deadline)
            v = order_excess(margins, cand)
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


_KICK_NOISE = 0.8  # noise of a kick, relative to the spread of the segment's net margins


def _noisy_sort(block: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Permutation sorting the rows of a margin ``block`` by decreasing net margin plus Gaussian noise
    (``_KICK_NOISE`` times the spread of the net margins; a random permutation if they are all equal)."""
    net = block.sum(axis=1)
    dev = net - net.sum() / net.size
    spread = math.sqrt(float(dev @ dev) / net.size)  # the standard deviation (net.std() costs more)
    if not spread > 0:
        return rng.permutation(net.size)
    return (-(net + _KICK_NOISE * spread * rng.standard_normal(net.size))).argsort(kind="stable")
