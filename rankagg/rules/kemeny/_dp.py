"""Exact Kemeny by dynamic programming over subsets (small instances).

``f(S)`` is the least excess cost of ranking the set ``S`` of systems (the
pairs inside ``S`` only); placing ``e`` on top of ``S`` costs the positive
margins ``M[r, e]`` of the systems ``r`` in ``S`` it beats against the
majority: ``f(S) = min_e [ sum_{r in S} max(0, M[r, e]) + f(S - e) ]``.
Time and memory are O(2^k k); used for k <= 16 or so.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

__all__ = ["SubsetDP", "small_exact"]


@lru_cache(maxsize=20)
def _layout(k: int) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """What the DP on ``k`` systems shares whatever the margins (computed once per ``k``; read-only).

    ``bits[S, e]``: 1.0 if ``e`` is in subset ``S``. Per subset size ``c``:
    the subsets ``S`` of that size, and for each ``(S, e in S)``, listed
    subset by subset (``c`` entries each), the flat index ``S * k + e`` of
    ``place[S, e]`` and the subset ``S - e``.
    """
    size = 1 << k
    masks = np.arange(size, dtype=np.int64)
    bits = ((masks[:, None] >> np.arange(k)) & 1).astype(np.float64)  # (2^k, k)
    popc = bits.sum(axis=1).astype(np.int64)
    layers = []
    for c in range(1, k + 1):
        layer = masks[popc == c]
        row, e = np.nonzero(bits[layer])  # row-major: each subset's c members, in increasing order
        s = layer[row]
        flat = s * k + e
        prev = s ^ (np.int64(1) << e)
        for a in (layer, flat, prev):
            a.setflags(write=False)
        layers.append((layer, flat, prev))
    bits.setflags(write=False)
    return bits, layers


class SubsetDP:
    """Optimal value, one optimum, the number of optima and all optima of a small instance."""

    def __init__(self, margins: np.ndarray, tol: float, *, count: bool = True) -> None:
        k = margins.shape[0]
        self.k = k
        self.tol = tol
        size = 1 << k
        bits, layers = _layout(k)
        below = np.clip(margins, 0.0, None)  # below[r, e] = cost of e above r
        # place[S, e] = sum_{r in S} max(0, M[r, e])
        self.place = bits @ below
        f = np.full(size, np.inf)
        f[0] = 0.0
        counts = np.zeros(size if count else 0, dtype=np.float64)  # number of optimal orders of each subset
        if count:
            counts[0] = 1.0
        flat_place = self.place.ravel()
        for c, (layer, flat, prev) in enumerate(layers, start=1):
            cand = (flat_place[flat] + f[prev]).reshape(-1, c)
            best = cand.min(axis=1)
            f[layer] = best
            if count:
                hit = cand <= best[:, None] + tol
                counts[layer] = (counts[prev].reshape(-1, c) * hit).sum(axis=1)
        self.f = f
        self.count = counts
        self.full = size - 1

    @property
    def value(self) -> float:
        """Optimal excess cost."""
        return float(self.f[self.full])

    @property
    def n_optima(self) -> int:
        """Number of optimal orders (exact up to 2**53; built with ``count=True``)."""
        if not self.count.size:
            raise ValueError("SubsetDP(..., count=False) does not count the optima")
        return int(self.count[self.full])

    def _choices(self, s: int) -> list[int]:
        out = []
        for e in range(self.k):
            if s >> e & 1:
                prev = s ^ (1 << e)
                if self.place[s, e] + self.f[prev] <= self.f[s] + self.tol:
                    out.append(e)
        return out

    def best(self, key: np.ndarray) -> np.ndarray:
        """One optimal order; at each step the optimal choice with the largest ``key`` goes next."""
        s = self.full
        out = []
        while s:
            ch = self._choices(s)
            e = max(ch, key=lambda i: (key[i], -i))
            out.append(e)
            s ^= 1 << e
        return np.asarray(out, dtype=np.intp)

    def all(self) -> Iterator[tuple[int, ...]]:
        """Every optimal order (lexicographic by index), best first."""
        stack: list[tuple[int, tuple[int, ...]]] = [(self.full, ())]
        while stack:
            s, prefix = stack.pop()
            if s == 0:
                yield prefix
                continue
            for e in reversed(self._choices(s)):
                stack.append((s ^ (1 << e), (*prefix, e)))


_PERM_MAX = 6  # up to this size, every order is scored at once (faster than the subset DP)


@lru_cache(maxsize=8)
def _perm_layout(k: int) -> tuple[np.ndarray, np.ndarray]:
    """All orders of ``k`` items in lexicographic order, and ``before[p, u * k + v]`` = 1.0 if ``u`` precedes ``v``."""
    perms = np.array(list(itertools.permutations(range(k))), dtype=np.intp).reshape(-1, k)
    pos = np.argsort(perms, axis=1)  # pos[p, u]: position of u in order p
    before = (pos[:, :, None] < pos[:, None, :]).reshape(perms.shape[0], k * k).astype(np.float64)
    perms.setflags(write=False)
    before.setflags(write=False)
    return perms, before


def small_exact(margins: np.ndarray, tol: float, key: np.ndarray) -> tuple[np.ndarray, float, int]:
    """Optimal order, optimal excess and number of optima of at most ``_PERM_MAX`` systems, by enumeration.

    Returns the same order as ``SubsetDP(margins, tol).best(key)``: among the
    optimal orders, the lexicographically first once systems are ranked by
    decreasing ``key``, then increasing index (the DP's greedy choice).
    """
    k = margins.shape[0]
    sigma = np.lexsort((np.arange(k), -key))  # sigma[r]: the system of preference rank r
    perms, before = _perm_layout(k)
    mr = margins.take(sigma, 0).take(sigma, 1)
    # u above v costs max(0, M[v, u])
    cost = before @ np.clip(mr, 0.0, None).T.ravel()
    value = float(cost.min())
    hit = cost <= value + tol
    first = int(np.argmax(hit))
    return sigma[perms[first]].astype(np.intp), value, int(hit.sum())
