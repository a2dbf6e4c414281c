"""Heuristic Kemeny orders: Borda/Copeland starts, insertion local search, KwikSort.

All functions work on a margin matrix ``M = wins - wins.T`` (antisymmetric)
and return an order as an ``intp`` array of row indices, best first.
"""

from __future__ import annotations

import numpy as np

__all__ = ["borda_order", "canonical_ties", "copeland_order", "kwiksort", "local_search"]


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
    margins: np.ndarray, order: np.ndarray, *, block: int = 3, max_rounds: int = 100_000
) -> np.ndarray:
    """Insertion local search: move systems (or short blocks) to their best position until none improves.

    For the system at position ``p`` with margin row ``r = M[e, order]`` and
    ``C = [0, cumsum(r)]``, moving it so that exactly ``t`` other systems stay
    above it changes the objective by ``C[t] - C[p]`` (each system it jumps
    over changes one pair). So the best move of every system is found at once
    from the row-wise cumulative sums of the permuted margin matrix, O(n^2)
    with numpy per round; a block of ``L`` consecutive systems moves with the
    sum of its rows' ``C`` (O(L n^2) for all blocks up to length ``block``).
    Each round applies, greedily by gain, a set of improving moves whose
    position ranges do not overlap (their gains then add up exactly). The
    result is a local optimum for single-system and block moves (so in
    particular for adjacent swaps).
    """
    order = np.array(order, dtype=np.intp)
    n = order.size
    if n < 2:
        return order
    if n > 2000:
        return _local_search_rowwise(margins, order)
    tol = _tol(margins)
    csum = np.zeros((n, n + 1))
    cols = np.arange(n + 1)
    lengths = range(1, min(block, n - 1) + 1)
    for _ in range(max_rounds):
        np.cumsum(margins[np.ix_(order, order)], axis=1, out=csum[:, 1:])
        acc = np.zeros((n + 1, n + 1))
        np.cumsum(csum, axis=0, out=acc[1:])
        moves = []  # (gain, lo, hi, p, L, t)
        for L in lengths:
            S = acc[L:] - acc[:-L]  # S[p] = sum of C rows p..p+L-1, shape (n-L+1, n+1)
            p = np.arange(n - L + 1)
            up = S[p, p][:, None]
            down = S[p, p + L][:, None]
            delta = np.where(cols[None, :] <= p[:, None], S - up, np.where(cols[None, :] >= (p + L)[:, None], S - down, 0.0))
            t = np.argmin(delta, axis=1)
            gain = -delta[p, t]
            ok = np.flatnonzero(gain > tol)
            for q in ok.tolist():
                tq = int(t[q])
                lo, hi = (tq, q + L - 1) if tq <= q else (q, tq - 1)
                moves.append((float(gain[q]), lo, hi, q, L, tq))
        if not moves:
            break
        moves.sort(key=lambda mv: -mv[0])
        busy = np.zeros(n, dtype=bool)
        new = order.copy()
        for _g, lo, hi, p0, L, tq in moves:
            if busy[lo : hi + 1].any():
                continue
            busy[lo : hi + 1] = True
            blk = order[p0 : p0 + L]
            if tq <= p0:  # block moves up: order[tq:p0] shifts down by L
                new[tq + L : p0 + L] = order[tq:p0]
                new[tq : tq + L] = blk
            else:  # block moves down below order[p0+L : tq]
                new[p0 : tq - L] = order[p0 + L : tq]
                new[tq - L : tq] = blk
        order = new
    return order


def _local_search_rowwise(margins: np.ndarray, order: np.ndarray, max_passes: int = 1000) -> np.ndarray:
    """Same local search, one system at a time (O(n) memory per step, for very large n)."""
    n = order.size
    tol = _tol(margins)
    pos = np.empty(n, dtype=np.intp)
    pos[order] = np.arange(n)
    csum = np.zeros(n + 1)
    for _ in range(max_passes):
        moved = False
        for e in order.copy():
            p = int(pos[e])
            np.cumsum(margins[e, order], out=csum[1:])
            t = int(np.argmin(csum))
            if csum[t] < csum[p] - tol:
                moved = True
                if t <= p:
                    order[t + 1 : p + 1] = order[t:p]
                    order[t] = e
                    pos[order[t : p + 1]] = np.arange(t, p + 1)
                else:
                    order[p : t - 1] = order[p + 1 : t]
                    order[t - 1] = e
                    pos[order[p:t]] = np.arange(p, t)
        if not moved:
            break
    return order


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
    tied = margins[order[:-1], order[1:]] == 0
    if not tied.any():
        return order
    changed = True
    while changed:
        changed = False
        for p in range(n - 1):
            a, b = order[p], order[p + 1]
            if margins[a, b] == 0 and (key[b], -b) > (key[a], -a):
                order[p], order[p + 1] = b, a
                changed = True
    return order
