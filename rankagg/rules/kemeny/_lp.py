"""Exact Kemeny on one component: triangle LP/ILP with lazy cuts (scipy.optimize / HiGHS).

Variables ``y[p]``, one per pair ``i < j`` of the component (``y = 1``: ``i``
above ``j``; ``x[j, i] = 1 - y`` is substituted away). The excess cost over
the trivial bound is ``sum_{i<j} max(0, M[i, j]) - M[i, j] * y[i, j]``.
Transitivity is the family of 3-cycle (triangle) inequalities, for
``i < j < k``: ``0 <= y[i, j] + y[j, k] - y[i, k] <= 1``; they are added
lazily, only when violated by the current LP or ILP solution.

Every lower bound reported is *certified*: it is recomputed from the LP dual
values ``lam <= 0`` as ``lam @ b + sum(min(0, c - A.T @ lam))``, which bounds
the objective of every 0/1 point satisfying the rows in the pool (a
relaxation of the Kemeny problem), whatever the solver's tolerances.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, vstack

from rankagg.rules.kemeny._core import order_excess
from rankagg.rules.kemeny._heuristics import local_search

__all__ = ["SolveStats", "TriangleSolver"]

_EPS = 1e-6  # violation threshold for triangle rows (scaled units: y in [0, 1])


@dataclass
class SolveStats:
    """Counters of the work done by the exact solver."""

    lp_solves: int = 0
    ilp_solves: int = 0
    cuts: int = 0
    fixed: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class ComponentOutcome:
    """Result of solving one component."""

    order: np.ndarray
    excess: float
    lower: float
    optimal: bool
    unique: bool | None
    source: str = "local_search"


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


class TriangleSolver:
    """Lazy-cut LP/ILP for one strongly connected component.

    Parameters
    ----------
    margins : ndarray (k, k)
        Antisymmetric margins of the component.
    lattice : float
        Every order's excess is a multiple of ``lattice`` (0 when unknown).
    stats : SolveStats
        Counters, updated in place.
    cuts_per_round : int, optional
        Most violated triangle rows added per separation round.
    """

    def __init__(self, margins: np.ndarray, lattice: float, stats: SolveStats, cuts_per_round: int | None = None):
        k = margins.shape[0]
        self.k = k
        self.margins = margins
        self.stats = stats
        self.lattice = lattice
        self.iu = np.triu_indices(k, 1)
        self.n_var = self.iu[0].size
        self.idx = np.full((k, k), -1, dtype=np.int64)
        self.idx[self.iu] = np.arange(self.n_var)
        m = margins[self.iu]
        self.offset = float(np.clip(m, 0.0, None).sum())
        self.scale = float(max(np.abs(m).max(initial=0.0), 1e-300))
        self.c = -m / self.scale
        self.tol = 1e-9 * max(1.0, self.scale)
        self.cuts_per_round = cuts_per_round if cuts_per_round is not None else max(200, 2 * k)
        # cut pool: triples (i < j < l) and side (+1: y_ij + y_jl - y_il <= 1, -1: -y_ij - y_jl + y_il <= 0)
        self._seen: set[int] = set()
        self._rows: list[np.ndarray] = []
        self._A: csr_matrix | None = None
        self._b = np.zeros(0)
        self.lb_lp = 0.0  # best certified bound (excess units)
        self._last_dual: tuple[np.ndarray, float] | None = None  # reduced costs, bound (scaled)
        self.lower = np.zeros(self.n_var)
        self.upper = np.ones(self.n_var)

    # ------------------------------------------------------------------ helpers
    def rounded(self, lb: float) -> float:
        """Round a lower bound up to the lattice of attainable values (if known)."""
        if self.lattice > 0:
            return self.lattice * np.ceil(lb / self.lattice - 1e-6)
        return lb

    def closed(self, lb: float, ub: float) -> bool:
        return ub <= self.rounded(lb) + self.tol

    def y_of(self, order: np.ndarray) -> np.ndarray:
        pos = np.empty(self.k, dtype=np.intp)
        pos[order] = np.arange(self.k)
        return (pos[self.iu[0]] < pos[self.iu[1]]).astype(np.float64)

    def order_of(self, y: np.ndarray) -> np.ndarray:
        x = np.zeros((self.k, self.k))
        x[self.iu] = y
        x[self.iu[1], self.iu[0]] = 1.0 - y
        return np.lexsort((np.arange(self.k), -x.sum(axis=1))).astype(np.intp)

    def separate(self, y: np.ndarray, limit: int | None) -> np.ndarray:
        """Triangle rows violated by ``y``: array (r, 4) of (i, j, l, side), most violated first."""
        k = self.k
        Y = np.zeros((k, k))
        Y[self.iu] = y
        found = []
        viol = []
        for j in range(1, k - 1):
            t = Y[:j, j][:, None] + Y[j, j + 1 :][None, :] - Y[:j, j + 1 :]
            for side, v in ((1, t - 1.0), (-1, -t)):
                ii, ll = np.nonzero(v > _EPS)
                if ii.size:
                    found.append(np.column_stack((ii, np.full(ii.size, j), ll + j + 1, np.full(ii.size, side))))
                    viol.append(v[ii, ll])
        if not found:
            return np.zeros((0, 4), dtype=np.int64)
        cand = np.concatenate(found).astype(np.int64)
        v = np.concatenate(viol)
        codes = ((cand[:, 0] * k + cand[:, 1]) * k + cand[:, 2]) * 2 + (cand[:, 3] > 0)
        fresh = np.fromiter((cd not in self._seen for cd in codes.tolist()), dtype=bool, count=codes.size)
        cand, v = cand[fresh], v[fresh]
        if limit is not None and cand.shape[0] > limit:
            # prefer large violations, then cheap triangles (small total |margin|)
            w = np.abs(self.c)
            cheap = w[self.idx[cand[:, 0], cand[:, 1]]] + w[self.idx[cand[:, 1], cand[:, 2]]]
            cheap = cheap + w[self.idx[cand[:, 0], cand[:, 2]]]
            pick = np.lexsort((cheap, -np.round(v, 6)))[:limit]
            cand = cand[pick]
        return cand

    def add(self, cuts: np.ndarray) -> None:
        if cuts.shape[0] == 0:
            return
        k = self.k
        codes = ((cuts[:, 0] * k + cuts[:, 1]) * k + cuts[:, 2]) * 2 + (cuts[:, 3] > 0)
        self._seen.update(codes.tolist())
        self._rows.append(cuts)
        self.stats.cuts += cuts.shape[0]
        self._A = None

    def matrix(self) -> tuple[csr_matrix, np.ndarray]:
        if self._A is None:
            cuts = np.concatenate(self._rows) if self._rows else np.zeros((0, 4), dtype=np.int64)
            r = cuts.shape[0]
            s = cuts[:, 3].astype(np.float64)
            cols = np.concatenate(
                (self.idx[cuts[:, 0], cuts[:, 1]], self.idx[cuts[:, 1], cuts[:, 2]], self.idx[cuts[:, 0], cuts[:, 2]])
            )
            vals = np.concatenate((s, s, -s))
            rows = np.tile(np.arange(r), 3)
            self._A = csr_matrix((vals, (rows, cols)), shape=(r, self.n_var))
            self._b = np.where(s > 0, 1.0, 0.0)
        return self._A, self._b

    # ------------------------------------------------------------------ LP
    def _lp(self, deadline: float | None, extra: tuple[np.ndarray, float] | None = None):
        """Solve the LP relaxation; return ``(x, lower_bound, reduced_costs, scaled_bound)``.

        Returns the string ``"infeasible"`` when the LP has no solution and
        ``None`` when it was stopped (deadline) or failed.
        """
        A, b = self.matrix()
        if extra is not None:
            A = vstack([A, csr_matrix(extra[0][None, :])]).tocsr()
            b = np.append(b, extra[1])
        opts: dict = {"presolve": True}
        rem = _remaining(deadline)
        if rem is not None:
            if rem <= 0:
                return None
            opts["time_limit"] = rem
        self.stats.lp_solves += 1
        has_rows = A.shape[0] > 0
        res = linprog(
            self.c,
            A_ub=A if has_rows else None,
            b_ub=b if has_rows else None,
            bounds=np.column_stack((self.lower, self.upper)),
            method="highs",
            options=opts,
        )
        if res.status == 2:
            return "infeasible"
        if res.status != 0:
            return None
        lam = np.minimum(res.ineqlin.marginals, 0.0) if has_rows else np.zeros(0)
        red = self.c - (A.T @ lam if has_rows else 0.0)
        # certified bound: lam @ b + min over the box of red @ y
        box = np.where(red > 0, red * self.lower, red * self.upper)
        bound_s = float(lam @ b) + float(box.sum())
        lb = self.offset + self.scale * bound_s - 1e-12 * self.scale * self.n_var
        return res.x, lb, red, bound_s

    def _fix_by_reduced_cost(self, red: np.ndarray, bound_s: float, ub: float) -> None:
        """Fix variables whose flip provably costs more than the incumbent ``ub``."""
        free = self.lower < self.upper
        gain = np.abs(red)
        flip_lb = self.offset + self.scale * (bound_s + gain) - 1e-12 * self.scale * self.n_var
        if self.lattice > 0:
            flip_lb = self.lattice * np.ceil(flip_lb / self.lattice - 1e-6)
        fix = free & (flip_lb > ub + self.tol) & (gain > 1e-9)
        to0 = fix & (red > 0)
        to1 = fix & (red < 0)
        self.upper[to0] = 0.0
        self.lower[to1] = 1.0
        self.stats.fixed += int(fix.sum())

    # ------------------------------------------------------------------ MIP
    def _mip(self, deadline: float | None, extra: tuple[np.ndarray, float] | None = None):
        A, b = self.matrix()
        rows = [A]
        ub_rows = [b]
        if extra is not None:
            rows.append(csr_matrix(extra[0][None, :]))
            ub_rows.append(np.array([extra[1]]))
        AA = vstack(rows).tocsr() if len(rows) > 1 else A
        bb = np.concatenate(ub_rows)
        opts: dict = {"mip_rel_gap": 0.0, "presolve": True}
        rem = _remaining(deadline)
        if rem is not None:
            if rem <= 0:
                return None
            opts["time_limit"] = rem
        self.stats.ilp_solves += 1
        cons = LinearConstraint(AA, -np.inf, bb) if AA.shape[0] else None
        res = milp(
            self.c,
            integrality=np.ones(self.n_var),
            bounds=Bounds(self.lower, self.upper),
            constraints=cons,
            options=opts,
        )
        return res

    # ------------------------------------------------------------------ driver
    def solve(self, order: np.ndarray, deadline: float | None, *, integer: bool = True) -> ComponentOutcome:
        """Prove ``order`` optimal or improve it; stop at ``deadline`` with the best bound.

        With ``integer=False`` only the LP rounds are run (for a lower bound).
        """
        M = self.margins
        best = np.array(order, dtype=np.intp)
        ub = order_excess(M, best)
        lb = 0.0
        source = "local_search"

        def improve(cand: np.ndarray, label: str = "lp_rounding") -> None:
            nonlocal best, ub, source
            cand = local_search(M, cand)
            v = order_excess(M, cand)
            if v < ub - self.tol:
                best, ub, source = cand, v, label

        def done(optimal: bool) -> ComponentOutcome:
            if optimal:
                return ComponentOutcome(best, ub, ub, True, None, source)
            return ComponentOutcome(best, ub, min(self.rounded(lb), ub), self.closed(lb, ub), None, source)

        # --- LP rounds
        lp_done = False
        last = None
        while True:
            if self.closed(lb, ub):
                return done(True)
            out = self._lp(deadline)
            if out is None or isinstance(out, str):
                break
            y, lb_r, red, bound_s = out
            last = (red, bound_s)
            lb = max(lb, lb_r)
            cuts = self.separate(y, self.cuts_per_round)
            integral = bool(np.all(np.abs(y - np.round(y)) < 1e-6))
            if cuts.shape[0] == 0 and integral:
                cand = self.order_of(np.round(y))
                v = order_excess(M, cand)
                if v < ub - self.tol:
                    best, ub, source = cand, v, "lp_rounding"
                return done(True)
            improve(self.order_of(y))
            if cuts.shape[0] == 0:
                lp_done = True
                break
            self.add(cuts)
        self.lb_lp = lb
        if not lp_done or not integer or self.closed(lb, ub):
            return done(self.closed(lb, ub))
        if last is not None:
            self._fix_by_reduced_cost(last[0], last[1], ub)
        # --- ILP rounds
        while True:
            res = self._mip(deadline)
            if res is None:
                break
            if res.status == 0:
                lb = max(lb, self.offset + self.scale * float(res.fun) - self.tol)
                y = np.round(res.x)
                cuts = self.separate(y, None)
                cand = self.order_of(y)
                if cuts.shape[0] == 0:
                    v = order_excess(M, cand)
                    if v < ub - self.tol:
                        best, ub, source = cand, v, "lp_rounding"
                    return done(True)
                improve(cand)
                if self.closed(lb, ub):
                    return done(True)
                self.add(cuts)
                continue
            # time limit or other stop: keep the solver's dual bound and incumbent
            if res.mip_dual_bound is not None and np.isfinite(res.mip_dual_bound):
                lb = max(lb, self.offset + self.scale * float(res.mip_dual_bound) - self.tol)
            if res.x is not None:
                improve(self.order_of(np.round(res.x)))
            break
        return done(self.closed(lb, ub))

    def is_unique(self, order: np.ndarray, value: float, deadline: float | None) -> bool | None:
        """Whether ``order`` (of excess ``value``, proven optimal) is the only optimal order.

        Solves the program again with a *no-good* row that excludes exactly
        ``order``: ``sum_{p: y*_p = 1} y_p - sum_{p: y*_p = 0} y_p <= |y*| - 1``.
        The order is unique iff that program's optimum exceeds ``value``. The
        LP relaxation is tried first (it settles the common case where the LP
        optimum is unique); ``None`` when the deadline passes first.
        """
        ystar = self.y_of(order)
        if np.any((ystar < self.lower) | (ystar > self.upper)):  # pragma: no cover - fixing keeps optima
            return None
        row = np.where(ystar > 0.5, 1.0, -1.0)
        extra = (row, float(ystar.sum()) - 1.0)
        out = self._lp(deadline, extra)
        if out is None:
            return None
        if isinstance(out, str):  # infeasible: no other order survives the fixing
            return True
        if self.rounded(out[1]) > value + self.tol:
            return True
        while True:
            res = self._mip(deadline, extra)
            if res is None:
                return None
            if res.status != 0:
                if res.status == 2:  # infeasible: no other order survives the fixing
                    return True
                db = res.mip_dual_bound
                if db is not None and np.isfinite(db):
                    if self.rounded(self.offset + self.scale * float(db) - self.tol) > value + self.tol:
                        return True
                return None
            lbv = self.offset + self.scale * float(res.fun) - self.tol
            if self.rounded(lbv) > value + self.tol:
                return True
            y = np.round(res.x)
            cuts = self.separate(y, None)
            if cuts.shape[0] == 0:
                return order_excess(self.margins, self.order_of(y)) > value + self.tol
            self.add(cuts)

