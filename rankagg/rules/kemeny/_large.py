"""Large components: window ILPs along a heuristic order, and their partition lower bound.

Reordering the systems inside a *contiguous window* of an order changes only
the pairs inside the window, so solving each window exactly improves the
order. The same solves give a lower bound: for any partition of the systems
into blocks, every order costs at least the sum over blocks of the optimal
cost of the block alone (pairs across blocks cost at least 0 excess). The
windows are shifted by half their width between sweeps, so pairs cut by one
partition are inside a block of the next.
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from rankagg.rules.kemeny._core import margin_lattice, order_excess
from rankagg.rules.kemeny._heuristics import local_search
from rankagg.rules.kemeny._lp import ComponentOutcome, SolveStats, TriangleSolver

__all__ = ["window_search"]


def window_search(
    margins: np.ndarray,
    order: np.ndarray,
    deadline: float | None,
    stats: SolveStats,
    *,
    width: int = 150,
    max_sweeps: int = 4,
    rows: list[np.ndarray] | None = None,
) -> tuple[ComponentOutcome, str]:
    """Improve ``order`` by exact window solves; return it with the best partition lower bound.

    ``rows``, when given, receives the triangle rows binding at each window's
    last LP (nonzero dual), in the component's indices (an array (r, 4) of ``(i, j, l, side)`` per
    window, as in :meth:`TriangleSolver.separate`), to seed an LP of the
    whole component.
    """
    k = margins.shape[0]
    order = np.array(order, dtype=np.intp)
    ub = order_excess(margins, order)
    lb = 0.0
    label = "local_search"
    for sweep in range(max_sweeps):
        shift = (sweep % 2) * (width // 2)
        cuts = sorted({0, k, *range(shift or width, k, width)})
        segs = list(itertools.pairwise(cuts))
        part_lb = 0.0
        complete = True
        new = order.copy()
        for s, (a, b) in enumerate(segs):
            now = time.perf_counter()
            if deadline is not None and now >= deadline:
                complete = False
                break
            seg_deadline = None if deadline is None else now + (deadline - now) / (len(segs) - s)
            sub = new[a:b]
            if sub.size < 3:  # optimal excess of 1-2 systems is 0: order them by majority
                if sub.size == 2 and margins[sub[0], sub[1]] < 0:
                    new[a:b] = sub[::-1]
                continue
            ms = margins.take(sub, 0).take(sub, 1)
            solver = TriangleSolver(ms, margin_lattice(ms), stats)
            out = solver.solve(np.arange(sub.size), seg_deadline)
            duals = solver.last_duals  # of the pool's first rows (rows added since come after them)
            if rows is not None and duals.size <= solver.pool.shape[0]:  # the rows binding at the last LP
                binding = solver.pool[: duals.size][np.abs(duals) > 1e-12]
                if binding.shape[0]:
                    rows.append(_relabel(binding, sub))
            new[a:b] = sub[out.order]
            part_lb += out.lower
        if complete:
            lb = max(lb, part_lb)
        if not (deadline is not None and time.perf_counter() >= deadline):
            new = local_search(margins, new)
        v = order_excess(margins, new)
        if v < ub - 1e-9 * max(1.0, ub):
            order, ub, label = new, v, "window_ilp"
        elif sweep >= 1:
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
    lb = min(lb, ub)
    return ComponentOutcome(order, ub, lb, ub <= lb, None), label


def _relabel(pool: np.ndarray, sub: np.ndarray) -> np.ndarray:
    """Triangle rows ``(i, j, l, side)`` of systems ``0..len(sub)-1`` as rows of the systems ``sub``.

    A row forbids one directed 3-cycle: side +1 forbids ``i > j > l > i``
    (``>``: ranked above), side -1 forbids ``i > l > j > i``. The cycle is
    relabelled, rotated to start at its smallest system ``p``, and written
    back as the row of the sorted triple.
    """
    i, j, k, side = pool.T
    cyc = sub[np.where(side[:, None] > 0, np.column_stack((i, j, k)), np.column_stack((i, k, j)))]
    start = np.argmin(cyc, axis=1)
    idx = (start[:, None] + np.arange(3)[None, :]) % 3
    p, s, t = np.take_along_axis(cyc, idx, axis=1).T
    return np.column_stack((p, np.minimum(s, t), np.maximum(s, t), np.where(s < t, 1, -1))).astype(np.int64)
