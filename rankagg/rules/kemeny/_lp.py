"""Exact Kemeny on one component: triangle LP with lazy cuts, then branch and bound.

Variables ``y[p]``, one per pair ``i < j`` of the component (``y = 1``: ``i``
above ``j``; ``x[j, i] = 1 - y`` is substituted away). The excess cost over
the trivial bound is ``sum_{i<j} max(0, M[i, j]) - M[i, j] * y[i, j]``.
Transitivity is the family of 3-cycle (triangle) inequalities, for
``i < j < k``: ``0 <= y[i, j] + y[j, k] - y[i, k] <= 1``; they are added
lazily, only when violated by the current LP solution, and while solving the
root LP the slack rows with a zero dual value are dropped again (they come
back if violated later), which keeps each LP small (about 2x faster on
uniform profiles).

Every lower bound reported is *certified*: it is recomputed from the LP dual
values ``lam <= 0`` as ``lam @ b + sum(min over the box of (c - A.T @ lam) * y)``,
a bound on the objective of every 0/1 point satisfying the rows in the LP (a
relaxation of the Kemeny problem), whatever the solver's tolerances.

When the LP optimum is fractional, the integer program is solved by a
best-first branch and bound over the pair variables, with plunging (one child
of each branched node is solved next, from the basis just found: at n = 90
about half the CPU time per node of pure best-first), that reuses this LP (one
HiGHS LP solve per node and cut round; each modifies the model loaded for the
component, new rows or bounds, so HiGHS restarts from its last basis; a node
taken from the heap instead restarts from its parent's basis, saved when the
parent was branched: on uniform profiles n = 80-100 about twice the nodes per
second, with the closure below), with
transitive propagation of the fixed pairs and reduced-cost fixing; the
alternative (``integer_solver="milp"``) hands the program with the current
cut pool to ``scipy.optimize.milp`` and re-separates its solutions.

Why this module is long: One solver object (:class:`TriangleSolver`) whose LP, cut loop and branch and
bound share state (the current LP, its cuts and the incumbent) step by step.
"""

from __future__ import annotations

import heapq
import importlib
import itertools
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from rankagg._errors import RankaggWarning
from rankagg.rules.kemeny._core import order_excess, pairs, transitive_closure
from rankagg.rules.kemeny._heuristics import iterated_local_search, local_search

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["ComponentOutcome", "SolveStats", "TriangleSolver"]

_EPS = 1e-6  # violation threshold for triangle rows (y in [0, 1])
_FIRST_CUTS_MIN = 5000  # the first separation round adds at least this many rows (all violated ones if fewer)
_GROWTH = 2.0  # the number of cuts added per LP round grows geometrically
_ALL_CUTS_MAX = 20_000  # up to this many pairs (k <= 200), the first separation round adds one row per pair
_ILS_KICKS = 300  # iterated local search before branching ...
_ILS_SECONDS = 0.3  # ... within this many seconds (at most 10% of the remaining time)
INTEGER_SOLVERS = ("bb", "milp")
_PLUNGE = True  # branch and bound: solve one child of each branched node next (else pure best-first) ...
_PLUNGE_SHARE = 0.5  # ... when the node's bound is within this share of the gap above the best open bound


def _scipy_highs() -> Any:
    """The HiGHS bindings scipy ships (``scipy.optimize._highspy._core``, scipy >= 1.15), or None.

    This private module is the same HiGHS solver ``scipy.optimize.linprog``
    wraps, with the API of the official ``highspy`` package. Calling it
    directly, on one reused instance without presolve, makes the many small
    LPs of the lazy-cut loop 3-5x faster than ``linprog`` (which validates its
    inputs and rebuilds the solver at every call). The standalone ``highspy``
    package is not used: its HiGHS library clashes with the copy bundled by
    other packages (e.g. ortools) loaded in the same process. When the module
    is missing or lacks a name used here, ``linprog`` is used (same results);
    when a call fails later (a changed signature, a renamed method or enum
    member), the LP is solved again through ``linprog``, which then solves
    every LP of the process (see :func:`_give_up_bindings`); a status other
    than optimal, infeasible or the time limit re-solves that LP only. The
    basis calls of the branch and bound (``getBasis``, ``setBasis``,
    ``HighsBasis``, ``HighsBasisStatus``) only make nodes restart from their
    parent's basis: when one fails, that restart is switched off and the LPs
    stay with HiGHS (same results). tests/test_kemeny_highs_guard.py
    simulates each change.
    """
    try:
        core = importlib.import_module(_CORE_MODULE)
    except ImportError:  # scipy < 1.15, or a release that moved the module
        return None
    ok = all(hasattr(core, a) for a in _NEEDED)
    ok = ok and all(hasattr(getattr(core, e), v) for e, vs in _NEEDED_ENUMS.items() for v in vs)
    return core if ok else None


_CORE_MODULE = "scipy.optimize._highspy._core"
_NEEDED = ("_Highs", "HighsLp", "MatrixFormat", "HighsModelStatus", "HighsStatus", "ObjSense", "kHighsInf")
_NEEDED_ENUMS = {
    "HighsModelStatus": ("kOptimal", "kInfeasible"),
    "HighsStatus": ("kOk",),
    "MatrixFormat": ("kRowwise",),
    "ObjSense": ("kMinimize",),
}
# what a scipy release changing the private bindings raises at call time (a changed signature, a renamed
# method or enum value, a rejected argument): the LPs then go through the public linprog
_BINDING_ERRORS = (AttributeError, TypeError, ValueError, RuntimeError)


_TRIPLES_MAX = 150  # up to this many systems, separation checks every triple at once (<= 551k triples, 9 MB)


@lru_cache(maxsize=32)
def _pair_index(k: int) -> np.ndarray:
    """``idx[i, j]``: position of the pair ``i < j`` among ``triu_indices(k, 1)`` (-1 elsewhere; read-only)."""
    idx = np.full((k, k), -1, dtype=np.int64)
    iu = pairs(k)
    idx[iu] = np.arange(iu[0].size)
    idx.setflags(write=False)
    return idx


@lru_cache(maxsize=32)
def _triples(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All triples ``i < j < l`` of ``k`` systems and the indices of pairs ij, jl, il among ``triu_indices(k, 1)``."""
    i, j = pairs(k)
    cnt = k - 1 - j  # number of l > j for each pair (i, j)
    total = int(cnt.sum())
    start = np.repeat(np.cumsum(cnt) - cnt, cnt)
    J = np.repeat(j, cnt)
    tri = np.column_stack((np.repeat(i, cnt), J, J + 1 + (np.arange(total) - start))).astype(np.int64)

    idx = _pair_index(k)
    out = (tri, idx[tri[:, 0], tri[:, 1]], idx[tri[:, 1], tri[:, 2]], idx[tri[:, 0], tri[:, 2]])
    for arr in out:
        arr.setflags(write=False)
    return out


_UNSET: Any = object()
_CORE: Any = _UNSET  # the HiGHS bindings (or None), looked up at the first LP: importing scipy.optimize is slow


def _core() -> Any:
    global _CORE
    if _CORE is _UNSET:
        _CORE = _scipy_highs()
    return _CORE


def _give_up_bindings(exc: BaseException) -> None:
    """Switch every later LP of this process to ``linprog`` after the private bindings failed at call time.

    The LP that failed is solved again through ``linprog`` by the caller, so
    no answer depends on the failed call; one warning says why it is slower.
    """
    global _CORE
    if _CORE is None:
        return
    _CORE = None
    _HIGHS.h = None
    warnings.warn(
        f"scipy's private HiGHS bindings ({_CORE_MODULE}) failed ({type(exc).__name__}: {exc}); the Kemeny "
        "LPs of this process now go through scipy.optimize.linprog (same results, about 3-5x slower). "
        "Report it to rankagg with your scipy version.",
        RankaggWarning,
        stacklevel=3,
    )


_HIGHS = threading.local()  # one HiGHS instance per thread, reused across LP solves
_TOKENS = itertools.count()


def _highs() -> Any:
    h = getattr(_HIGHS, "h", None)
    if h is None or getattr(_HIGHS, "core", None) is not _core():
        h = _core()._Highs()
        h.setOptionValue("output_flag", False)
        # the LPs here are small and sparse: presolve costs more than it saves (about 2x per solve)
        h.setOptionValue("presolve", "off")
        _HIGHS.h, _HIGHS.core, _HIGHS.owner = h, _core(), None
    return h


_NODE_BASES = [True]  # whether nodes of the branch and bound restart from their parent's basis (False once a
# call of the basis bindings failed: the LPs are then solved from HiGHS's last basis, same results)


def _get_basis(h: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The basis HiGHS holds, as two int8 arrays (column, row statuses), or None."""
    if not _NODE_BASES[0]:
        return None
    try:
        b = h.getBasis()
        if not b.valid:
            return None
        cols = np.fromiter(map(int, b.col_status), np.int8, len(b.col_status))
        return cols, np.fromiter(map(int, b.row_status), np.int8, len(b.row_status))
    except _BINDING_ERRORS:
        _NODE_BASES[0] = False
        return None


def _set_basis(h: Any, basis: tuple[np.ndarray, np.ndarray], n_rows: int) -> None:
    """Restore ``basis`` in HiGHS, whose model has ``n_rows >= len(basis[1])`` rows (the later rows basic)."""
    if not _NODE_BASES[0] or basis[1].size > n_rows:  # (rows are never removed while a solver owns the model)
        return
    try:
        status = _core().HighsBasisStatus
        by_value = {int(m): m for m in status.__members__.values()}
        cols, rows = basis
        hb = _core().HighsBasis()
        hb.col_status = [by_value[v] for v in cols.tolist()]
        hb.row_status = [by_value[v] for v in rows.tolist()] + [status.kBasic] * (n_rows - rows.size)
        hb.valid = True
        if h.setBasis(hb) != _core().HighsStatus.kOk:
            _NODE_BASES[0] = False
    except _BINDING_ERRORS:
        _NODE_BASES[0] = False


@dataclass(frozen=True)
class _Rows:
    """Constraint rows ``A @ y <= b`` in CSR form (plain arrays: no scipy.sparse overhead per LP)."""

    indptr: np.ndarray  # int32, size r + 1
    indices: np.ndarray  # int32
    data: np.ndarray  # float64
    b: np.ndarray  # float64, size r

    @property
    def n_rows(self) -> int:
        return self.b.size

    def rmatvec(self, lam: np.ndarray, n_var: int) -> np.ndarray:
        """``A.T @ lam``."""
        per_row = np.repeat(lam, np.diff(self.indptr))
        return np.bincount(self.indices, weights=self.data * per_row, minlength=n_var)

    def with_row(self, row: np.ndarray, rhs: float) -> _Rows:
        """These rows and one more (dense) row ``row @ y <= rhs``."""
        nz = np.flatnonzero(row)
        return _Rows(
            np.append(self.indptr, self.indptr[-1] + nz.size).astype(np.int32),
            np.concatenate((self.indices, nz.astype(np.int32))),
            np.concatenate((self.data, row[nz])),
            np.append(self.b, rhs),
        )

    def csr(self, n_var: int) -> csr_matrix:
        from scipy.sparse import csr_matrix

        return csr_matrix((self.data, self.indices, self.indptr), shape=(self.n_rows, n_var))


def _solve_lp(
    c: np.ndarray, A: _Rows, lo: np.ndarray, up: np.ndarray, time_limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | str | None:
    """``min c @ y`` s.t. ``A @ y <= A.b``, ``lo <= y <= up`` with HiGHS.

    Returns ``(y, row_duals, row_values)`` (row duals <= 0, as
    ``scipy.optimize.linprog`` reports them), ``"infeasible"``, or None when
    stopped by ``time_limit`` or on any other solver status.
    """
    if _core() is not None:
        try:
            h = _highs()
            _HIGHS.owner = None
            _load(h, c, A, lo, up)
            return _run(h, time_limit, lo, up)
        except _UnexpectedStatus:
            pass
        except _BINDING_ERRORS as exc:
            _give_up_bindings(exc)
    return _solve_lp_linprog(c, A, lo, up, time_limit)


def _load(h: Any, c: np.ndarray, A: _Rows, lo: np.ndarray, up: np.ndarray) -> None:
    """Replace the model of the HiGHS instance ``h`` (its basis is discarded).

    Passes the arrays straight to ``Highs::passModel`` (about 20 us), or,
    where the binding lacks that overload, through a ``HighsLp`` object
    (about 100 us: every attribute assignment copies).
    """
    r = A.n_rows
    if _PASS_ARRAYS[0]:
        try:
            rowwise, minimize = int(_core().MatrixFormat.kRowwise.value), int(_core().ObjSense.kMinimize.value)
            status = h.passModel(
                c.size, r, A.indices.size, rowwise, minimize, 0.0, c, lo, up, np.full(r, -_core().kHighsInf),
                A.b, A.indptr[:-1], A.indices, A.data, _continuous(c.size),
            )  # fmt: skip
            if status == _core().HighsStatus.kOk:
                return
        except (TypeError, AttributeError):
            pass
        _PASS_ARRAYS[0] = False
    h.clearModel()
    lp = _core().HighsLp()
    lp.num_col_ = c.size
    lp.col_cost_ = c
    lp.col_lower_ = lo
    lp.col_upper_ = up
    if r:
        lp.num_row_ = r
        lp.row_lower_ = np.full(r, -_core().kHighsInf)
        lp.row_upper_ = A.b
        lp.a_matrix_.format_ = _core().MatrixFormat.kRowwise
        lp.a_matrix_.start_ = A.indptr
        lp.a_matrix_.index_ = A.indices
        lp.a_matrix_.value_ = A.data
    h.passModel(lp)


_PASS_ARRAYS = [True]  # whether passModel takes plain arrays (set to False at the first failure)


@lru_cache(maxsize=64)
def _arange32(n: int) -> np.ndarray:
    out = np.arange(n, dtype=np.int32)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=64)
def _continuous(n: int) -> np.ndarray:
    """Integrality array of ``n`` continuous columns (HiGHS wants one entry per column)."""
    out = np.zeros(n, dtype=np.int32)
    out.setflags(write=False)
    return out


def _run(
    h: Any, time_limit: float | None, lo: np.ndarray, up: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | str | None:
    """Solve the loaded model (from the basis of the last solve, if HiGHS kept one); see :func:`_solve_lp`."""
    # HiGHS compares time_limit with the run time accumulated by this instance over all its solves
    limit = float("inf") if time_limit is None else h.getRunTime() + max(float(time_limit), 1e-3)
    h.setOptionValue("time_limit", limit)
    h.run()
    status = h.getModelStatus()
    if status == _core().HighsModelStatus.kInfeasible:
        return "infeasible"
    if status != _core().HighsModelStatus.kOptimal:
        if status == getattr(_core().HighsModelStatus, "kTimeLimit", None) or h.getRunTime() >= limit:
            return None  # stopped by the time limit
        raise _UnexpectedStatus(status)  # the caller solves this LP again through linprog
    sol = h.getSolution()
    x = np.clip(np.asarray(sol.col_value, dtype=np.float64), lo, up)
    return x, np.asarray(sol.row_dual, dtype=np.float64), np.asarray(sol.row_value, dtype=np.float64)


class _UnexpectedStatus(Exception):
    """HiGHS stopped before the time limit without an optimal or infeasible status (not a binding failure)."""


def _solve_lp_linprog(
    c: np.ndarray, A: _Rows, lo: np.ndarray, up: np.ndarray, time_limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | str | None:
    """:func:`_solve_lp` through the public ``scipy.optimize.linprog`` (the fallback)."""
    from scipy.optimize import linprog

    opts: dict[str, Any] = {"presolve": False}
    if time_limit is not None:
        opts["time_limit"] = max(float(time_limit), 1e-3)
    r = A.n_rows
    b = A.b
    res = linprog(
        c,
        A_ub=A.csr(c.size) if r else None,
        b_ub=b if r else None,
        bounds=np.column_stack((lo, up)),
        method="highs",
        options=opts,
    )
    if res.status == 2:
        return "infeasible"
    if res.status != 0:
        return None
    if not r:
        return res.x, np.zeros(0), np.zeros(0)
    return res.x, np.asarray(res.ineqlin.marginals), b - np.asarray(res.ineqlin.residual)


@dataclass
class SolveStats:
    """Counters of the work done by the exact solver."""

    lp_solves: int = 0
    ilp_solves: int = 0
    nodes: int = 0
    cuts: int = 0
    fixed: int = 0


@dataclass
class ComponentOutcome:
    """Result of solving one component."""

    order: np.ndarray
    excess: float
    lower: float
    optimal: bool
    unique: bool | None
    source: str = "local_search"


@dataclass
class _Relax:
    """A solved LP relaxation (after the cut loop)."""

    y: np.ndarray
    lb: float  # certified, excess units
    red: np.ndarray  # reduced costs (scaled units)
    bound_s: float  # certified bound in scaled units (without offset)
    exact: bool  # no triangle row violated (the LP over all triangles was solved)


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() >= deadline


class TriangleSolver:
    """Lazy-cut LP and branch and bound for one component.

    Parameters
    ----------
    margins : ndarray (k, k)
        Antisymmetric margins of the component.
    lattice : float
        Every order's excess is a multiple of ``lattice`` (0 when unknown).
    stats : SolveStats
        Counters, updated in place.
    cuts_per_round : int, optional
        Most violated triangle rows added in the first separation round
        (growing by 50% per round).
    integer_solver : {"bb", "milp"}
        Branch and bound over the LP (default) or ``scipy.optimize.milp``.
    """

    def __init__(
        self,
        margins: np.ndarray,
        lattice: float,
        stats: SolveStats,
        cuts_per_round: int | None = None,
        integer_solver: str = "bb",
    ):
        k = margins.shape[0]
        self.k = k
        self.margins = margins
        self.stats = stats
        self.lattice = lattice
        self.integer_solver = integer_solver
        self.plunge = _PLUNGE
        self.iu = pairs(k)
        self.n_var = self.iu[0].size
        self.idx = _pair_index(k)
        m = margins[self.iu]
        self.offset = float(np.clip(m, 0.0, None).sum())
        self.scale = float(max(np.abs(m).max(initial=0.0), 1e-300))
        self.c = -m / self.scale
        self.tol = 1e-9 * max(1.0, self.scale)
        # a first batch of most violated rows that doubles every round: max(5000, one per pair) up to
        # _ALL_CUTS_MAX pairs (k <= 200), else max(200, 2k). Every violated row at once made the first LP of
        # uniform profiles too large: at n = 130 (46,444 rows) it did not finish in 60 s (no bound but the
        # trivial one); with one row per pair first, the root LP takes 18 s of CPU there, and 0.6-0.75x the
        # CPU time at n = 90-120; below 5000 (k <= 100) it would only add LP rounds (2x the CPU at n = 60)
        first = max(_FIRST_CUTS_MIN, self.n_var) if self.n_var <= _ALL_CUTS_MAX else max(200, 2 * k)
        self.first_cuts = int(cuts_per_round if cuts_per_round is not None else first)
        self.growth = 1.0 if cuts_per_round is not None else _GROWTH
        # cut pool: rows (i < j < l, side); side +1: y_ij + y_jl - y_il <= 1, side -1: -y_ij - y_jl + y_il <= 0
        self.pool = np.zeros((0, 4), dtype=np.int64)
        self._A: _Rows | None = None
        self.at_root = True  # rows are dropped only while solving the root LP
        self.last_duals = np.zeros(0)  # duals and slacks of the pool rows at the last LP solve
        self.last_slack = np.zeros(0)
        self._token = next(_TOKENS)  # which solver's model this thread's HiGHS instance holds
        self._hrows = -1  # pool rows loaded in that model (-1: none)
        self._hlo = self._hup = np.zeros(0)  # column bounds loaded

    # ------------------------------------------------------------------ helpers
    def rounded(self, lb: float) -> float:
        """Round a lower bound up to the lattice of attainable values (if known)."""
        if self.lattice > 0:
            return float(self.lattice * np.ceil(lb / self.lattice - 1e-6))
        return lb

    def closed(self, lb: float, ub: float) -> bool:
        """Whether no order can be better than ``ub`` given the lower bound ``lb``."""
        return ub <= self.rounded(lb) + self.tol

    def y_of(self, order: np.ndarray) -> np.ndarray:
        pos = np.empty(self.k, dtype=np.intp)
        pos[order] = np.arange(self.k)
        return (pos[self.iu[0]] < pos[self.iu[1]]).astype(np.float64)

    def order_of(self, y: np.ndarray) -> np.ndarray:
        """Order by number of (fractional) wins in ``y``; exact inverse of :meth:`y_of` on orders."""
        x = np.zeros((self.k, self.k))
        x[self.iu] = y
        x[self.iu[1], self.iu[0]] = 1.0 - y
        return np.lexsort((np.arange(self.k), -x.sum(axis=1))).astype(np.intp)

    def separate(self, y: np.ndarray, limit: int | None) -> np.ndarray:
        """Triangle rows violated by ``y``: array (r, 4) of (i, j, l, side), most violated first."""
        k = self.k
        if k <= _TRIPLES_MAX:
            tri, pij, pjl, pil = _triples(k)
            t = y[pij] + y[pjl] - y[pil]
            over, under = t - 1.0, -t
            a, b = np.flatnonzero(over > _EPS), np.flatnonzero(under > _EPS)
            if a.size + b.size == 0:
                return np.zeros((0, 4), dtype=np.int64)
            cand = np.empty((a.size + b.size, 4), dtype=np.int64)
            cand[: a.size, :3] = tri[a]
            cand[: a.size, 3] = 1
            cand[a.size :, :3] = tri[b]
            cand[a.size :, 3] = -1
            return self._most_violated(cand, np.concatenate((over[a], under[b])), limit)
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
        return self._most_violated(np.concatenate(found).astype(np.int64), np.concatenate(viol), limit)

    def _most_violated(self, cand: np.ndarray, v: np.ndarray, limit: int | None) -> np.ndarray:
        if limit is not None and cand.shape[0] > limit:
            # prefer large violations, then cheap triangles (small total |margin|)
            w = np.abs(self.c)
            cheap = w[self.idx[cand[:, 0], cand[:, 1]]] + w[self.idx[cand[:, 1], cand[:, 2]]]
            cheap = cheap + w[self.idx[cand[:, 0], cand[:, 2]]]
            pick = np.lexsort((cheap, -np.round(v, 6)))[:limit]
            cand = cand[pick]
        return cand

    def add(self, cuts: np.ndarray) -> None:
        if cuts.shape[0]:
            self.pool = np.concatenate((self.pool, cuts))
            self.stats.cuts += cuts.shape[0]
            self._A = None

    def drop(self, keep: np.ndarray) -> None:
        if not keep.all():
            d = self.last_duals.size  # the last LP's duals are of the pool's first d rows: keep them aligned
            if d <= keep.size:
                self.last_duals, self.last_slack = self.last_duals[keep[:d]], self.last_slack[keep[:d]]
            else:
                self.last_duals, self.last_slack = np.zeros(0), np.zeros(0)
            if self._owns_highs():  # delete the rows from the loaded model too (its basis stays valid:
                # dropped rows have a zero dual, so they are basic)
                gone = np.flatnonzero(~keep[: self._hrows]).astype(np.int32)
                if gone.size:
                    try:
                        ok = _highs().deleteRows(gone.size, gone) == _core().HighsStatus.kOk
                    except _BINDING_ERRORS as exc:
                        _give_up_bindings(exc)
                        ok = False
                    self._hrows = self._hrows - gone.size if ok else -1  # -1: reload at the next solve
            self.pool = self.pool[keep]
            self._A = None

    def _owns_highs(self) -> bool:
        return _core() is not None and self._hrows >= 0 and getattr(_HIGHS, "owner", None) == self._token

    def _solve_lp(self, lo: np.ndarray, up: np.ndarray, time_limit: float | None):
        """:func:`_solve_lp` on the pool's rows, modifying the model this solver loaded last time
        (new rows and bounds; HiGHS then restarts from the last basis: 2-5x fewer simplex iterations
        than from scratch) unless another solver used this thread's HiGHS instance since."""
        if _core() is not None:
            try:
                return self._solve_lp_highs(lo, up, time_limit)
            except _UnexpectedStatus:
                return _solve_lp_linprog(self.c, self.matrix(), lo, up, time_limit)
            except _BINDING_ERRORS as exc:
                _give_up_bindings(exc)
                self._hrows = -1
        return _solve_lp(self.c, self.matrix(), lo, up, time_limit)

    def _solve_lp_highs(self, lo: np.ndarray, up: np.ndarray, time_limit: float | None):
        h = _highs()
        r = self.pool.shape[0]
        if not self._owns_highs():
            _load(h, self.c, self.matrix(), lo, up)
            _HIGHS.owner = self._token
            self._hrows, self._hlo, self._hup = r, lo.copy(), up.copy()
        else:
            ok = True
            if r > self._hrows:
                new = self._rows(self.pool[self._hrows :])
                n = new.n_rows
                inf = np.full(n, -_core().kHighsInf)
                status = h.addRows(n, inf, new.b, new.indices.size, new.indptr[:-1], new.indices, new.data)
                ok = status == _core().HighsStatus.kOk
                self._hrows = r
            if ok and not (np.array_equal(lo, self._hlo) and np.array_equal(up, self._hup)):
                ok = h.changeColsBounds(self.n_var, _arange32(self.n_var), lo, up) == _core().HighsStatus.kOk
                self._hlo, self._hup = lo.copy(), up.copy()
            if not ok:  # out of step with the pool: load it afresh
                self._hrows = -1
                return self._solve_lp_highs(lo, up, time_limit)
        return _run(h, time_limit, lo, up)

    def matrix(self) -> _Rows:
        """The pool's rows (cached until the pool changes)."""
        if self._A is None:
            self._A = self._rows(self.pool)
        return self._A

    def _rows(self, cuts: np.ndarray) -> _Rows:
        r = cuts.shape[0]
        s = cuts[:, 3].astype(np.float64)
        # row (i, j, l, side): side * (y_ij - y_il + y_jl); columns in increasing order ij < il < jl
        cols = np.column_stack(
            (self.idx[cuts[:, 0], cuts[:, 1]], self.idx[cuts[:, 0], cuts[:, 2]], self.idx[cuts[:, 1], cuts[:, 2]])
        ).ravel()
        vals = np.column_stack((s, -s, s)).ravel()
        return _Rows(np.arange(0, 3 * r + 1, 3, dtype=np.int32), cols.astype(np.int32), vals, np.where(s > 0, 1.0, 0.0))

    def propagate(self, lo: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Transitive closure of the fixed pairs; None if they contain a cycle."""
        a, b = self.iu
        one, zero = lo > 0.5, up < 0.5
        if not (one.any() or zero.any()):
            return lo, up
        f = np.zeros((self.k, self.k), dtype=bool)
        f[a[one], b[one]] = True
        f[b[zero], a[zero]] = True
        f = transitive_closure(f)
        np.fill_diagonal(f, False)
        if np.any(f & f.T):
            return None
        lo = lo.copy()
        up = up.copy()
        lo[f[a, b]] = 1.0
        up[f[b, a]] = 0.0
        return lo, up

    # ------------------------------------------------------------------ LP
    def _lp(self, lo: np.ndarray, up: np.ndarray, deadline: float | None, extra=None):
        """One LP solve: ``(x, lb, red, bound_s, pool_duals)``, ``"infeasible"`` or None (stopped)."""
        A = self.matrix()
        if extra is not None:
            A = A.with_row(extra[0], extra[1])
        rem = _remaining(deadline)
        if rem is not None and rem <= 0:
            return None
        self.stats.lp_solves += 1
        has_rows = A.n_rows > 0
        res = self._solve_lp(lo, up, rem) if extra is None else _solve_lp(self.c, A, lo, up, rem)
        if res is None or isinstance(res, str):
            return res
        x, row_dual, row_value = res
        b = A.b
        lam = np.minimum(row_dual, 0.0) if has_rows else np.zeros(0)
        red = self.c - A.rmatvec(lam, self.n_var) if has_rows else self.c.copy()
        box = np.where(red > 0, red * lo, red * up)  # min over the box of red @ y
        bound_s = float(lam @ b) + float(box.sum())
        lb = self.offset + self.scale * bound_s - 1e-12 * self.scale * self.n_var
        r = self.pool.shape[0]
        return x, lb, red, bound_s, lam[:r], b[:r] - row_value[:r]

    def relax(
        self,
        lo: np.ndarray,
        up: np.ndarray,
        deadline: float | None,
        *,
        stop_at: float | Callable[[], float] | None = None,
        extra=None,
        on_round: Callable[[np.ndarray], None] | None = None,
    ) -> _Relax | str | None:
        """LP relaxation with the lazy triangle loop.

        Stops early (returning the current, valid, bound with ``exact=False``)
        once the rounded bound reaches ``stop_at`` (a value, or a function
        returning the current incumbent's value, which ``on_round`` may
        improve). Returns ``"infeasible"``, or None when stopped by the
        deadline before any LP was solved.
        """
        limit = float(self.first_cuts) * (self.growth if self.pool.shape[0] else 1.0)
        best: _Relax | None = None
        stalled = 0
        while True:
            out = self._lp(lo, up, deadline, extra)
            if out is None:
                return best
            if isinstance(out, str):
                return out
            y, lb, red, bound_s, duals, slack = out
            improved = best is None or lb > best.lb + self.tol
            stalled = 0 if improved else stalled + 1
            cuts = self.separate(y, int(limit))
            limit *= self.growth
            best = _Relax(y, lb, red, bound_s, cuts.shape[0] == 0)
            self.last_duals, self.last_slack = duals, slack
            if cuts.shape[0] == 0 or self._reached(lb, stop_at):
                return best
            if on_round is not None:
                on_round(y)  # may improve the incumbent, hence lower a callable stop_at
                if self._reached(lb, stop_at):
                    return best
            if self.at_root and stalled < 3:
                # drop slack rows with a zero dual (they come back if violated again); not inside the
                # branch and bound, where re-separating them at every node costs more than it saves
                self.drop((np.abs(duals) > 1e-12) | (slack < 1e-9))
            self.add(cuts)
            if _expired(deadline):
                return best

    def _reached(self, lb: float, stop_at: float | Callable[[], float] | None) -> bool:
        if stop_at is None:
            return False
        return self.rounded(lb) >= (stop_at() if callable(stop_at) else stop_at) - self.tol

    # ------------------------------------------------------------------ driver
    def solve(self, order: np.ndarray, deadline: float | None, *, integer: bool = True) -> ComponentOutcome:
        """Prove ``order`` optimal or improve it; stop at ``deadline`` with the best bound.

        With ``integer=False`` only the root LP is solved (for a lower bound).
        """
        M = self.margins
        best = np.array(order, dtype=np.intp)
        ub = order_excess(M, best)
        source = "local_search"
        lb = 0.0

        def offer(cand: np.ndarray, label: str) -> None:
            nonlocal best, ub, source
            v = order_excess(M, cand)
            if v < ub - self.tol:
                best, ub, source = cand, v, label

        def outcome() -> ComponentOutcome:
            if self.closed(lb, ub):
                return ComponentOutcome(best, ub, ub, True, None, source)
            return ComponentOutcome(best, ub, min(self.rounded(lb), ub), False, None, source)

        lo, up = np.zeros(self.n_var), np.ones(self.n_var)
        if self.closed(lb, ub):
            return outcome()
        # the LP without rows is solved by the majority relation: separate it directly (saves one LP)
        m = self.margins[self.iu]
        self.add(self.separate(np.where(m > 0, 1.0, np.where(m < 0, 0.0, 0.5)), self.first_cuts))
        # the bound is checked against the incumbent as the LP roundings improve it (often one LP suffices)
        root = self.relax(
            lo,
            up,
            deadline,
            stop_at=lambda: ub,
            on_round=lambda y: offer(local_search(M, self.order_of(y)), "lp_rounding"),
        )
        if root is None or isinstance(root, str):
            return outcome()
        lb = max(lb, root.lb)
        if self.closed(lb, ub):  # the incumbent (improved by the roundings) meets the bound
            return outcome()
        if root.exact and np.all(np.abs(root.y - np.round(root.y)) < 1e-6):
            offer(self.order_of(np.round(root.y)), "lp_rounding")
            lb = max(lb, ub)  # the LP optimum is an order: it is optimal
            return outcome()
        offer(local_search(M, self.order_of(root.y)), "lp_rounding")
        if self.closed(lb, ub) or not integer or not root.exact:
            return outcome()
        # a stronger incumbent may close the gap with the (lattice-rounded) LP bound, and fixes more variables;
        # segments of the default size (22, or k // 6): on the uniform profiles of bench_kemeny (n = 80-120,
        # m = 50) they found orders 2-20 better than segments of 8 in the same time (at n = 80 the optimum,
        # which the branch and bound then proved in 47 s where it had not in 60 s)
        rem = _remaining(deadline)
        budget = _ILS_SECONDS if rem is None else min(_ILS_SECONDS, 0.1 * rem)
        cand = iterated_local_search(
            M, best, np.random.default_rng(0), kicks=_ILS_KICKS, deadline=time.perf_counter() + budget
        )
        offer(cand, "iterated_local_search")
        if self.closed(lb, ub):
            return outcome()
        self.at_root = False
        self.drop((np.abs(self.last_duals) > 1e-12) | (self.last_slack < 1e-9))
        if self.integer_solver == "milp":
            best2, ub2, lb2 = self._milp_loop(root, best, ub, deadline)
        else:
            best2, ub2, lb2 = self._branch_and_bound(root, best, ub, deadline)
        if ub2 < ub - self.tol:
            best, ub, source = best2, ub2, "branch_and_bound"
        lb = max(lb, lb2)
        return outcome()

    def _fix(self, lo, up, red, bound_s, threshold) -> tuple[np.ndarray, np.ndarray]:
        """Reduced-cost fixing: flip a variable only if that provably reaches ``threshold``."""
        gain = np.abs(red)
        flip_lb = self.rounded_vec(self.offset + self.scale * (bound_s + gain) - 1e-12 * self.scale * self.n_var)
        free = lo < up
        fix = free & (flip_lb >= threshold - self.tol) & (gain > 1e-9)
        if fix.any():
            lo = lo.copy()
            up = up.copy()
            up[fix & (red > 0)] = 0.0
            lo[fix & (red < 0)] = 1.0
            self.stats.fixed += int(fix.sum())
        return lo, up

    def rounded_vec(self, v: np.ndarray) -> np.ndarray:
        if self.lattice > 0:
            return self.lattice * np.ceil(v / self.lattice - 1e-6)
        return v

    def _search(
        self,
        root: _Relax,
        threshold: float,
        deadline: float | None,
        found: Callable[[np.ndarray, float], float | None],
        extra=None,
    ) -> tuple[bool, float]:
        """Best-first branch and bound for orders with excess below ``threshold``.

        ``found(order, value)`` is called for each order found with value
        ``< threshold``; it returns the new threshold, or None to stop the
        search. Returns ``(finished, lower_bound_of_the_open_nodes)``, the
        bound being ``threshold`` when the tree was exhausted.
        """
        M = self.margins
        heap: list[tuple] = []  # (bound, tie-breaker, lo, up, the parent's basis)
        counter = 0
        lo0, up0 = self._fix(np.zeros(self.n_var), np.ones(self.n_var), root.red, root.bound_s, threshold)
        heap.append((root.lb, counter, lo0.astype(np.int8), up0.astype(np.int8), None))
        first = root
        dive: tuple | None = None  # the child solved next (plunging)
        while heap or dive is not None:
            if _expired(deadline):
                if dive is not None:
                    heapq.heappush(heap, dive)
                return False, min(threshold, min(h[0] for h in heap))
            if dive is not None and self.plunge:
                node_lb, _, lo8, up8, _ = dive  # solved from the basis just found (its parent's)
                dive = None
                basis = None
            else:
                node_lb, _, lo8, up8, basis = heapq.heappop(heap)
            if self.rounded(node_lb) >= threshold - self.tol:
                continue
            prop = self.propagate(lo8.astype(np.float64), up8.astype(np.float64))
            if prop is None:
                continue
            lo, up = prop
            self.stats.nodes += 1
            if first is not None:
                rel: _Relax | str | None = first
                first = None
            else:
                if basis is not None and extra is None and self._owns_highs():
                    # restart from the parent's basis, not from the last node's (in another part of the tree):
                    # a node popped from the heap then takes about as few simplex iterations as a plunge
                    _set_basis(_highs(), basis, self._hrows)
                rel = self.relax(lo, up, deadline, stop_at=threshold, extra=extra)
            if rel is None:  # deadline
                counter += 1  # unique tie-breaker: arrays are never compared
                heapq.heappush(heap, (node_lb, counter, lo8, up8, basis))
                return False, min(threshold, min(h[0] for h in heap))
            if isinstance(rel, str):
                continue
            if self.rounded(rel.lb) >= threshold - self.tol:
                continue
            if not rel.exact:  # stopped by the deadline inside the cut loop
                counter += 1
                heapq.heappush(heap, (max(node_lb, rel.lb), counter, lo8, up8, basis))
                return False, min(threshold, min(h[0] for h in heap))
            y = rel.y
            frac = np.minimum(y, 1.0 - y)
            if frac.max() < 1e-6:
                cand = self.order_of(np.round(y))
                v = order_excess(M, cand)
                if v < threshold - self.tol:
                    t = found(cand, v)
                    if t is None:
                        return True, threshold
                    threshold = t
                continue
            cand = local_search(M, self.order_of(y))
            v = order_excess(M, cand)
            if v < threshold - self.tol and (extra is None or extra[0] @ self.y_of(cand) <= extra[1] + 0.5):
                t = found(cand, v)
                if t is None:
                    return True, threshold
                threshold = t
                if self.rounded(rel.lb) >= threshold - self.tol:
                    continue
            lo, up = self._fix(lo, up, rel.red, rel.bound_s, threshold)
            free = lo < up
            score = np.where(free, frac * np.abs(self.c), -1.0)
            p = int(np.argmax(score))
            node_basis = _get_basis(_highs()) if extra is None and self._owns_highs() else None
            if score[p] <= 0:  # every fractional variable is fixed: re-solve the node
                heapq.heappush(heap, (rel.lb, counter, lo.astype(np.int8), up.astype(np.int8), node_basis))
                counter += 1
                continue
            for val in (1, 0) if y[p] >= 0.5 else (0, 1):
                lo_c, up_c = lo.astype(np.int8), up.astype(np.int8)
                lo_c[p] = val
                up_c[p] = val
                counter += 1
                if dive is None and self.plunge and self._dive_ok(rel.lb, heap, threshold):
                    # the child nearer the LP optimum: solved next, from the basis just found
                    dive = (rel.lb, counter, lo_c, up_c, None)
                else:
                    heapq.heappush(heap, (rel.lb, counter, lo_c, up_c, node_basis))
        return True, threshold

    @staticmethod
    def _dive_ok(lb: float, heap: list, threshold: float) -> bool:
        """Plunge only from nodes in the better half of the open gap: deep dives into weak subtrees would
        leave the best open bound (the bound stated at the time limit) behind."""
        best_open = heap[0][0] if heap else lb
        return lb <= best_open + _PLUNGE_SHARE * max(0.0, threshold - best_open)

    def _branch_and_bound(self, root: _Relax, best: np.ndarray, ub: float, deadline: float | None):
        state = {"order": best, "ub": ub}

        def found(order: np.ndarray, value: float) -> float:
            state["order"], state["ub"] = order, value
            return value

        finished, lb = self._search(root, ub, deadline, found)
        return state["order"], state["ub"], (state["ub"] if finished else lb)

    # ------------------------------------------------------------------ scipy.optimize.milp alternative
    def _mip(self, deadline: float | None, extra=None):
        rows = self.matrix()
        if extra is not None:
            rows = rows.with_row(extra[0], extra[1])
        A, b = rows.csr(self.n_var), rows.b
        opts: dict = {"mip_rel_gap": 0.0, "presolve": True}
        rem = _remaining(deadline)
        if rem is not None:
            if rem <= 0:
                return None
            opts["time_limit"] = rem
        self.stats.ilp_solves += 1
        from scipy.optimize import Bounds, LinearConstraint, milp

        cons = LinearConstraint(A, -np.inf, b) if A.shape[0] else None
        return milp(
            self.c,
            integrality=np.ones(self.n_var),
            bounds=Bounds(self.lo_fix, self.up_fix),
            constraints=cons,
            options=opts,
        )

    def _milp_loop(self, root: _Relax, best: np.ndarray, ub: float, deadline: float | None):
        self.lo_fix, self.up_fix = self._fix(np.zeros(self.n_var), np.ones(self.n_var), root.red, root.bound_s, ub)
        lb = root.lb
        M = self.margins
        while True:
            res = self._mip(deadline)
            if res is None:
                return best, ub, lb
            if res.status == 0:
                lb = max(lb, self.offset + self.scale * float(res.fun) - self.tol)
                y = np.round(res.x)
                cuts = self.separate(y, None)
                cand = self.order_of(y)
                if cuts.shape[0] == 0:
                    v = order_excess(M, cand)
                    if v < ub - self.tol:
                        best, ub = cand, v
                    return best, ub, ub
                cand = local_search(M, cand)
                v = order_excess(M, cand)
                if v < ub - self.tol:
                    best, ub = cand, v
                if self.closed(lb, ub):
                    return best, ub, ub
                self.add(cuts)
                continue
            if res.mip_dual_bound is not None and np.isfinite(res.mip_dual_bound):
                lb = max(lb, self.offset + self.scale * float(res.mip_dual_bound) - self.tol)
            if res.x is not None:
                cand = local_search(M, self.order_of(np.round(res.x)))
                v = order_excess(M, cand)
                if v < ub - self.tol:
                    best, ub = cand, v
            return best, ub, lb

    # ------------------------------------------------------------------ uniqueness
    def is_unique(self, order: np.ndarray, value: float, deadline: float | None) -> bool | None:
        """Whether ``order`` (of excess ``value``, proven optimal) is the only optimal order.

        Searches again with a *no-good* row that excludes exactly ``order``:
        ``sum_{p: y*_p = 1} y_p - sum_{p: y*_p = 0} y_p <= |y*| - 1``. The
        order is unique iff no order satisfying that row reaches ``value``.
        The LP relaxation settles the common case (its optimum is unique);
        otherwise the branch and bound runs with the row. ``None`` when the
        deadline passes first.
        """
        ystar = self.y_of(order)
        row = np.where(ystar > 0.5, 1.0, -1.0)
        extra = (row, float(ystar.sum()) - 1.0)
        threshold = value + (self.lattice if self.lattice > 0 else 2 * self.tol)
        lo, up = np.zeros(self.n_var), np.ones(self.n_var)
        rel = self.relax(lo, up, deadline, stop_at=threshold, extra=extra)
        if isinstance(rel, str):
            return True
        if rel is None:
            return None
        if self.rounded(rel.lb) >= threshold - self.tol:
            return True
        if not rel.exact:
            return None
        hits: list[np.ndarray] = []

        def found(order: np.ndarray, value: float) -> None:
            hits.append(order)

        finished, _ = self._search(rel, threshold, deadline, found, extra=extra)
        if hits:
            return False
        return True if finished else None
