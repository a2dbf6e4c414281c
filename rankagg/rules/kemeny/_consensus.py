"""What every optimal Kemeny ranking agrees on: tied systems, and which adjacent pairs could swap.

The engine returns one optimal order. When several orders are optimal, that
one is a choice, and showing it as a strict ranking states more than the data
say. :func:`consensus` turns it into

* tiers (a weak order) such that every optimal ranking puts every system of a
  tier above every system of the later tiers, where that is proven;
* a status for each pair of consecutive systems in the order:
  ``"fixed"`` (every optimal ranking puts the first above the second),
  ``"swappable"`` (some optimal ranking puts the second above the first) or
  ``"unknown"`` (not decided within the time budget, or the order is not
  proven optimal).

Facts used (``M = wins - wins.T``):

* systems with identical pairwise rows and columns and a zero margin between
  them (*twins*) are interchangeable: relabelling them maps optimal orders to
  optimal orders. They are moved next to each other (a move that never
  increases the score) and always share a tier;
* every optimal order lists the weak-majority components
  (:func:`rankagg.rules.kemeny._graph.weak_components`) in their order, so a
  step between two components is fixed;
* inside a component of at most ``_DP_MAX`` systems, the subset dynamic
  program gives every optimal *prefix set* ``S`` (``f(S) + f(rest) +
  cross(S) = optimum``): a step after the first ``c`` systems holds in every
  optimal order iff exactly one optimal prefix set has ``c`` systems, and
  ``b`` can be above ``a`` iff some optimal prefix set holds ``b`` and not
  ``a`` (exact);
* inside a larger component, an adjacent pair ``a`` above ``b`` with margin
  0 can swap (the swap keeps the score); otherwise the component is solved
  again with ``b`` forced above ``a`` (a penalty on the reverse larger than
  any score difference): the pair can swap iff that optimum equals the
  original one. A step is kept between ``a`` and ``b`` when the pair is fixed
  and none of the alternative optimal orders found crosses it; such steps are
  proven for the adjacent pair only (reported by ``tiers_exact=False``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from rankagg.rules.kemeny._dp import SubsetDP, _layout
from rankagg.rules.kemeny._graph import weak_components

__all__ = ["Consensus", "consensus", "twin_classes"]

_DP_MAX = 12


@dataclass(frozen=True)
class Consensus:
    """Tiers of a Kemeny order and the status of its adjacent pairs (see the module docstring)."""

    order: np.ndarray  # the order, twins made adjacent (same score or better)
    level: np.ndarray  # tier of each system (0 = best), indexed by system
    status: tuple[str, ...]  # status of (order[i], order[i + 1])
    twins: tuple[tuple[int, ...], ...]  # classes of interchangeable systems (2 or more)
    exact: bool  # every step between tiers is proven to hold in every optimal order
    n_alternatives: int  # alternative optimal orders found by the swap tests


def twin_classes(wins: np.ndarray, tol: float) -> np.ndarray:
    """Label of each system's class of interchangeable systems (the smallest index in it).

    ``i`` and ``j`` are twins when ``wins[i, j] == wins[j, i]`` and
    ``wins[i, k] == wins[j, k]``, ``wins[k, i] == wins[k, j]`` for every other
    ``k`` (within ``tol``): swapping their labels leaves ``wins`` unchanged.
    That is an equivalence relation, so each system is compared with one
    member of each class already found with the same sorted row and column.
    """
    n = wins.shape[0]
    label = np.arange(n)
    groups: dict[bytes, list[int]] = {}
    sig = np.round(np.concatenate((np.sort(wins, axis=1), np.sort(wins, axis=0).T), axis=1) / max(tol, 1e-300))
    for i in range(n):
        reps = groups.setdefault(sig[i].tobytes(), [])
        for r in reps:
            keep = np.ones(n, dtype=bool)
            keep[[i, r]] = False
            if (
                abs(wins[i, r] - wins[r, i]) <= tol
                and np.all(np.abs(wins[i, keep] - wins[r, keep]) <= tol)
                and np.all(np.abs(wins[keep, i] - wins[keep, r]) <= tol)
            ):
                label[i] = r
                break
        else:
            reps.append(i)
    return label


def _gather(margins: np.ndarray, order: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Move the twins of each class next to each other without increasing the score.

    Moving ``j`` up past the systems ``K`` between it and its twin block
    changes the score by ``s = sum_{k in K} M[k, j]``; moving the block down
    past them changes it by ``-|block| * s`` (twins have the same margins).
    The move with the non-positive change is made.
    """
    out = [int(x) for x in order]
    for c in np.unique(label[np.bincount(label, minlength=label.size)[label] > 1]):
        while True:
            pos = [p for p, x in enumerate(out) if label[x] == c]
            gaps = [q for q in range(1, len(pos)) if pos[q] != pos[q - 1] + 1]
            if not gaps:
                break
            q = gaps[0]
            start, end, j = pos[0], pos[q - 1], out[pos[q]]  # block out[start..end], next twin j
            between = out[end + 1 : pos[q]]
            if float(margins[between, j].sum()) <= 0:  # j up, just below the block
                del out[pos[q]]
                out.insert(end + 1, j)
            else:  # the block down, just above j
                block = out[start : end + 1]
                del out[start : end + 1]
                at = out.index(j)
                out[at:at] = block
    return np.asarray(out, dtype=np.intp)


def _dp_block(mb: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact analysis of a small component in its order: ``(cut after c systems?, can[b, a])``."""
    k = mb.shape[0]
    dp = SubsetDP(mb, tol, count=False)
    bits = _layout(k)[0]
    below = np.clip(mb, 0.0, None)
    cross = bits @ below.sum(axis=0) - (bits * dp.place).sum(axis=1)
    full = (1 << k) - 1
    idx = np.arange(1 << k)
    optimal = dp.f + dp.f[full ^ idx] + cross <= dp.f[full] + tol
    ob = bits[optimal]
    per_size = np.bincount(ob.sum(axis=1).astype(np.intp), minlength=k + 1)
    can = (ob.T @ (1.0 - ob)) > 0  # can[y, x]: some optimal prefix set holds y and not x
    return per_size[1:k] == 1, can


def consensus(
    wins: np.ndarray, order: np.ndarray, optimal: bool, deadline: float | None, tol: float, *, resolve: bool = True
) -> Consensus:
    """Tiers and adjacent-pair statuses of ``order`` (see the module docstring).

    ``resolve=False`` (the bootstrap's resamples) skips the re-solves of large components: there a pair with
    a zero margin is swappable and tied, and any other adjacent pair keeps the order found (status
    ``"unresolved"``, a step between tiers): exact for blocks of up to ``_DP_MAX`` systems and for twins,
    a tie-break elsewhere, deterministic and without extra solves.
    """
    from rankagg.rules.kemeny._solve import kemeny

    n = wins.shape[0]
    M = wins - wins.T
    label = twin_classes(wins, tol)
    order = _gather(M, order, label) if n > 1 else np.asarray(order, dtype=np.intp)
    twins = tuple(tuple(int(i) for i in np.flatnonzero(label == c)) for c in np.unique(label) if (label == c).sum() > 1)
    status = ["unknown"] * max(n - 1, 0)
    cut = np.zeros(max(n - 1, 0), dtype=bool)  # a step between order[i] and order[i + 1]
    same_twin = label[order[:-1]] == label[order[1:]]
    exact = True
    found = 0
    pos = np.empty(n, dtype=np.intp)
    pos[order] = np.arange(n)
    blocks = sorted((np.sort(pos[b]) for b in weak_components(M)), key=lambda p: p[0]) if n else []
    contiguous = all(p[-1] - p[0] == p.size - 1 for p in blocks)
    if optimal and contiguous:
        for p in blocks:
            if p[0] > 0:
                status[p[0] - 1], cut[p[0] - 1] = "fixed", True  # separated by strict majorities
            k = p.size
            if k == 1:
                continue
            loc = order[p[0] : p[0] + k]
            mb = M.take(loc, 0).take(loc, 1)
            if k <= _DP_MAX:
                cuts, can = _dp_block(mb, tol)
                cut[p[0] : p[0] + k - 1] = cuts
                for i in range(k - 1):
                    status[p[0] + i] = "swappable" if can[i + 1, i] else "fixed"
                continue
            exact = False
            wb = wins.take(loc, 0).take(loc, 1)
            big = float(np.abs(mb).sum()) + 1.0
            best = float(np.tril(wb, -1).sum())
            witnesses = []
            for i in range(k - 1):
                if mb[i, i + 1] <= tol:
                    status[p[0] + i] = "swappable"
                    continue
                if not resolve:
                    status[p[0] + i] = "unresolved"
                    continue
                if deadline is not None and time.perf_counter() >= deadline:
                    break
                forced = wb.copy()
                forced[i + 1, i] += big  # ranking i above i + 1 now costs more than any order
                start = np.arange(k)
                start[[i, i + 1]] = i + 1, i
                left = None if deadline is None else max(deadline - time.perf_counter(), 1e-3)
                res = kemeny(forced, method="exact", time_limit=left, check_unique=False, initial=start)
                if not res.optimal:
                    continue
                alt = np.asarray(res.order)
                if float(np.tril(wb.take(alt, 0).take(alt, 1), -1).sum()) <= best + tol:
                    status[p[0] + i] = "swappable"
                    witnesses.append(alt)
                else:
                    status[p[0] + i] = "fixed"
            found += len(witnesses)
            for i in range(k - 1):
                if status[p[0] + i] == "unresolved":
                    cut[p[0] + i] = True
                    continue
                ok = status[p[0] + i] == "fixed"
                head = set(range(i + 1))
                cut[p[0] + i] = ok and all(set(w[: i + 1].tolist()) == head for w in witnesses)
    else:
        exact = False
        for i in np.flatnonzero(same_twin):
            status[i] = "swappable"
        cut[:] = ~same_twin  # not proven optimal: the order as found, twins tied
    cut &= ~same_twin
    lev = np.concatenate(([0], np.cumsum(cut))) if n else np.zeros(0, dtype=np.intp)
    level = np.empty(n, dtype=np.intp)
    level[order] = lev
    return Consensus(order, level, tuple(status), twins, bool(exact and optimal), found)
