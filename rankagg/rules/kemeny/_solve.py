"""The :func:`kemeny` driver: validation, decomposition, per-component solve, assembly.

Why this module is long: The driver carries the public :func:`kemeny` docstring (the method, the
certificate and its guarantees, with examples), which is a third of the file.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankagg._errors import RankaggError, RuleError, did_you_mean
from rankagg.rules.kemeny._core import as_wins, check_order, margin_lattice, order_excess, pairs
from rankagg.rules.kemeny._dp import _PERM_MAX, SubsetDP, small_exact
from rankagg.rules.kemeny._graph import strict_components, weak_components
from rankagg.rules.kemeny._heuristics import (
    borda_order,
    canonical_ties,
    copeland_order,
    iterated_local_search,
    kwiksort,
    local_search,
)
from rankagg.rules.kemeny._large import window_search
from rankagg.rules.kemeny._lp import ComponentOutcome, SolveStats, TriangleSolver
from rankagg.rules.kemeny._result import KemenyResult

__all__ = ["BOUNDS", "METHODS", "kemeny"]

METHODS = ("auto", "exact", "local_search", "ils", "kwiksort", "borda", "copeland")
BOUNDS = ("auto", "lp", "trivial")

_DP_MAX = 12  # components up to this size are solved by subset dynamic programming
_LP_MAX = 250  # larger components: window ILPs + partition bound instead of one LP
_WINDOW = 150  # window width for large components
_HEURISTIC_EXACT_MAX = 10  # heuristic methods solve components up to this size exactly (cheaper, and optimal)
_ALL_OPTIMA_MAX = 12  # all_optima: largest block of systems not separated by strict majorities
_FALLBACK_SHARE = 0.1  # auto: share of time_limit kept for the heuristic fallback
_RESTARTS = 16  # KwikSort restarts per component (default)
_KICKS = 38  # iterated local search kicks (default)
_INTEGER_SOLVER = "bb"  # "bb": branch and bound over the LP; "milp": scipy.optimize.milp (for comparison)


@dataclass
class _Options:
    method: str
    bound: str
    restarts: int
    check_unique: bool
    kicks: int
    integer_solver: str
    n_total: int
    dp_max: int
    lp_max: int
    window: int


@dataclass
class _Part:
    order: np.ndarray  # local indices
    excess: float
    lower: float
    optimal: bool
    unique: bool | None
    label: str


def _options(method: str, bound: str, restarts: int, check_unique: bool, kicks: int, n: int) -> _Options:
    eff_bound = ("lp" if method in ("auto", "exact") else "trivial") if bound == "auto" else bound
    return _Options(
        method, eff_bound, int(restarts), bool(check_unique), int(kicks), _INTEGER_SOLVER, n, _DP_MAX, _LP_MAX, _WINDOW
    )


def _check_options(method: Any, time_limit: Any, bound: Any, restarts: Any, kicks: Any, max_optima: Any) -> None:
    if not isinstance(method, str) or method not in METHODS:
        raise RuleError(
            f"method={method!r}: unknown Kemeny method; choose one of {', '.join(map(repr, METHODS))}."
            + did_you_mean(str(method), METHODS)
        )
    if not isinstance(bound, str) or bound not in BOUNDS:
        raise RuleError(
            f"bound={bound!r}: choose one of {', '.join(map(repr, BOUNDS))}." + did_you_mean(str(bound), BOUNDS)
        )
    if time_limit is not None:
        ok = isinstance(time_limit, (int, float, np.integer, np.floating)) and not isinstance(time_limit, bool)
        if not ok or not (float(time_limit) > 0 and math.isfinite(float(time_limit))):
            raise RuleError(f"time_limit={time_limit!r}: must be a positive number of seconds, or None for no limit.")
    for name, v in (("restarts", restarts), ("kicks", kicks), ("max_optima", max_optima)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise RuleError(f"{name}={v!r}: must be a positive integer.")


def _as_rng(rng: Any) -> np.random.Generator:
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise RuleError(f"rng={rng!r}: expected None, an int seed or a numpy.random.Generator ({exc}).") from None


class _LazyRng:
    """``numpy.random.default_rng(seed)``, created on first use (the exact path rarely needs it).

    Seeds that could fail (anything but None, a non-negative int or a
    Generator) are converted at once, so a bad ``rng`` is reported whatever
    the path taken.
    """

    def __init__(self, seed: Any) -> None:
        self._seed = seed
        self._gen: np.random.Generator | None = None
        plain = seed is None or isinstance(seed, np.random.Generator)
        plain = plain or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0)
        if not plain:
            self._gen = _as_rng(seed)

    def __getattr__(self, name: str) -> Any:
        if self._gen is None:
            self._gen = _as_rng(self._seed)
        return getattr(self._gen, name)


def _best(margins: np.ndarray, orders: list[tuple[np.ndarray, str]]) -> tuple[np.ndarray, float, str]:
    vals = [order_excess(margins, o) for o, _ in orders]
    i = int(np.argmin(vals))
    return orders[i][0], vals[i], orders[i][1]


def _kwik(margins: np.ndarray, rng: np.random.Generator, restarts: int, deadline: float | None):
    """``restarts`` KwikSort orders, each improved by local search (fewer if the deadline passes)."""
    out: list[tuple[np.ndarray, str]] = []
    for _ in range(restarts):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        out.append((local_search(margins, kwiksort(margins, rng), deadline=deadline), "kwiksort"))
    return out


def _lp_bound(margins: np.ndarray, order: np.ndarray, deadline: float | None, stats: SolveStats) -> float:
    """Certified LP lower bound on the excess of a component (no integer solve)."""
    k = margins.shape[0]
    if k > _LP_MAX:
        return window_search(margins, order, deadline, stats, width=_WINDOW, max_sweeps=1)[0].lower
    solver = TriangleSolver(margins, margin_lattice(margins), stats)
    return solver.solve(order, deadline, integer=False).lower


def _with_plain_lp(
    margins: np.ndarray,
    out: ComponentOutcome,
    label: str,
    deadline: float | None,
    stats: SolveStats,
    rows: list[np.ndarray] | None = None,
) -> tuple[ComponentOutcome, str]:
    """The window method's outcome on a large component, completed by the plain triangle LP.

    The window method stops when a sweep no longer improves the order, often
    well before the deadline; the triangle LP of the whole component (lazy
    cuts, certified after every round) then gets the time left, starting from
    the windows' rows (``rows``, so that its first bound is already that of
    the windows' LPs), and the larger of the two certified lower bounds is
    kept, with the better order (the LP roundings are improved by local
    search).
    """
    if deadline is not None and time.perf_counter() >= deadline:
        return out, label
    solver = TriangleSolver(margins, margin_lattice(margins), stats)
    if rows:
        solver.add(np.unique(np.concatenate(rows), axis=0))
    if deadline is not None and time.perf_counter() >= deadline:
        return out, label
    lp = solver.solve(out.order, deadline, integer=False)
    if lp.excess < out.excess - solver.tol:
        order, excess, label = lp.order, lp.excess, lp.source
    else:
        order, excess = out.order, out.excess
    lower = min(max(out.lower, lp.lower), excess)
    return ComponentOutcome(order, excess, lower, solver.closed(lower, excess), None), label


def _starts(margins: np.ndarray, deadline: float | None) -> list[tuple[np.ndarray, str]]:
    return [
        (local_search(margins, borda_order(margins), deadline=deadline), "local_search"),
        (local_search(margins, copeland_order(margins), deadline=deadline), "local_search"),
    ]


def _heuristic(
    margins: np.ndarray,
    opts: _Options,
    deadline: float | None,
    rng: np.random.Generator,
    init: np.ndarray | None = None,
) -> tuple[np.ndarray, str]:
    method = opts.method
    if method == "borda":
        return borda_order(margins), "borda"
    if method == "copeland":
        return copeland_order(margins), "copeland"
    if method == "kwiksort":
        order, _, label = _best(margins, _kwik(margins, rng, opts.restarts, deadline))
        return order, label
    starts = _starts(margins, deadline)
    if init is not None:
        starts.append((local_search(margins, init, deadline=deadline), "initial"))
    order, _, label = _best(margins, starts)
    if method == "local_search":
        return order, label
    # iterated local search from the best start
    # the kicks are shared among components in proportion to their size
    kicks = max(1, math.ceil(opts.kicks * margins.shape[0] / max(opts.n_total, 1)))
    return iterated_local_search(margins, order, rng, kicks=kicks, deadline=deadline), "iterated_local_search"


def _solve_part(
    margins: np.ndarray,
    key: np.ndarray,
    opts: _Options,
    deadline: float | None,
    rng: np.random.Generator,
    stats: SolveStats,
    init: np.ndarray | None = None,
) -> _Part:
    k = margins.shape[0]
    if k <= 2:
        order = np.arange(k, dtype=np.intp)
        if k == 2 and (margins[0, 1] < 0 or (margins[0, 1] == 0 and key[1] > key[0])):
            order = order[::-1].copy()
        unique = bool(margins[0, 1] != 0) if k == 2 else True
        return _Part(order, 0.0, 0.0, True, unique, "exact")
    method = opts.method
    tol = 1e-9 * max(1.0, float(np.abs(margins).max()))

    if method in ("local_search", "ils", "kwiksort") and k <= min(_HEURISTIC_EXACT_MAX, opts.dp_max):
        method = "exact"  # a small component: enumeration / DP costs less than the heuristic
    if method not in ("auto", "exact"):
        order, label = _heuristic(margins, opts, deadline, rng, init)
        val = order_excess(margins, order)
        lower = 0.0
        if opts.bound == "lp":
            lower = min(val, _lp_bound(margins, order, deadline, stats))
        return _Part(order, val, lower, val <= lower + tol, None, label)

    if k <= min(_PERM_MAX, opts.dp_max):
        order, value, n_opt = small_exact(margins, tol, key)
        return _Part(order, value, value, True, n_opt == 1 if opts.check_unique else None, "exact")
    if k <= opts.dp_max:
        dp = SubsetDP(margins, tol, count=opts.check_unique)
        order = dp.best(key)
        return _Part(order, dp.value, dp.value, True, dp.n_optima == 1 if opts.check_unique else None, "exact")
    if init is None:
        start, start_val, label = _best(margins, _starts(margins, deadline))
    else:  # warm start (replaces the Borda / Copeland starts); the LP improves it, windows need a local optimum
        start = init if k <= opts.lp_max else local_search(margins, init, deadline=deadline)
        start_val, label = order_excess(margins, start), "initial"
    exact_deadline = deadline
    if method == "auto" and deadline is not None:
        exact_deadline = deadline - _FALLBACK_SHARE * max(0.0, deadline - time.perf_counter())
    solver = None
    if k > opts.lp_max:
        rows: list[np.ndarray] = []
        out, label2 = window_search(margins, start, exact_deadline, stats, width=opts.window, rows=rows)
        if not out.optimal:
            out, label2 = _with_plain_lp(margins, out, label2, exact_deadline, stats, rows)
    else:
        solver = TriangleSolver(margins, margin_lattice(margins), stats, integer_solver=opts.integer_solver)
        out = solver.solve(start, exact_deadline)
        label2 = out.source
    if out.excess < start_val - tol:
        label = label2
    order, val, lower = out.order, out.excess, out.lower
    if out.optimal:
        unique = None
        if solver is not None and opts.check_unique:
            tied = bool(np.any(margins[order[:-1], order[1:]] == 0))
            unique = False if tied else solver.is_unique(order, val, deadline)
        return _Part(order, val, val, True, unique, "exact")
    if method == "auto" and solver is not None:  # heuristic fallback in the reserved time
        cands = [(order, label), *_kwik(margins, rng, opts.restarts, deadline)]
        order, val, label = _best(margins, cands)
        ils = iterated_local_search(margins, order, rng, kicks=opts.kicks, deadline=deadline)
        order, val, label = _best(margins, [(order, label), (ils, "iterated_local_search")])
    return _Part(order, val, min(lower, val), val <= lower + tol, None, label)


def kemeny(
    wins: Any,
    *,
    method: str = "auto",
    time_limit: float | None = 60.0,
    all_optima: bool = False,
    rng: int | np.random.Generator | None = None,
    restarts: int = _RESTARTS,
    kicks: int = _KICKS,
    bound: str = "auto",
    check_unique: bool = True,
    decompose: bool = True,
    max_optima: int = 10_000,
    initial: Any = None,
) -> KemenyResult:
    """Kemeny consensus: the strict order that minimises total pairwise disagreement.

    Parameters
    ----------
    wins : array_like of shape (n, n)
        ``wins[i, j]`` = total (weighted) number of voters ranking system ``i``
        strictly above ``j``; non-negative, zero diagonal. Voters that tie
        ``i`` and ``j`` or do not rank both count in neither ``wins[i, j]``
        nor ``wins[j, i]``. Build it with
        ``rankagg.rankings.pairwise.pairwise_counts(ranks, weights=...)[0]``.
    method : {"auto", "exact", "local_search", "ils", "kwiksort", "borda", "copeland"}
        ``"exact"``: prove optimality within ``time_limit`` (subset dynamic
        programming for components of at most 12 systems, the lazy triangle
        LP and an LP-based branch and bound up to 250, window ILPs with a
        partition lower bound above; see Notes). ``"auto"`` (default): the
        same, keeping 10% of the remaining time for a heuristic fallback
        (KwikSort restarts and iterated local search) when a component is not
        closed. ``"local_search"``: Borda and Copeland starts improved by
        single-system moves (the fastest). ``"ils"``: iterated local search
        from the better of those two: ``kicks`` perturbations, each
        re-sorting ``max(22, k // 6)`` consecutive systems of a component of
        ``k`` (at most half of them) by their net margins among themselves
        plus random noise, followed by local search; a perturbed order is
        kept when it is not worse.
        The heuristic methods solve components of at most 10 systems exactly
        (cheaper than the heuristic there).
        ``"kwiksort"``: ``restarts`` randomised KwikSort runs, each improved
        by local search. ``"borda"``, ``"copeland"``: the starting orders
        alone (baselines).
    time_limit : float or None, default 60
        Wall-clock budget in seconds for the whole call (None = no limit).
        When it runs out, the best order found is returned with
        ``optimal=False`` and its certified ``lower_bound``.
    all_optima : bool, default False
        Also return every optimal order (``method`` "auto" or "exact" only).
        Allowed when every block of systems not separated by strict
        majorities has at most 12 systems (always true for ``n <= 12``) and
        there are at most ``max_optima`` optimal orders.
    rng : int, numpy.random.Generator or None
        Randomness of the heuristics ("ils", "kwiksort", and "auto" when it
        falls back to them); converted once with ``numpy.random.default_rng``.
        The exact path is deterministic whatever ``rng``.
    restarts : int, default 16
        KwikSort restarts per component (methods "kwiksort" and "auto").
    kicks : int, default 38
        Perturbation rounds of the iterated local search (methods "ils" and
        "auto"). With "ils" they are shared among the components in
        proportion to their size (a component of ``k`` of the ``n`` systems
        gets ``ceil(kicks * k / n)``).
    bound : {"auto", "lp", "trivial"}
        Lower bound reported by the heuristic methods: ``"trivial"``
        (:math:`\\sum_{i<j} \\min(w_{ij}, w_{ji})`, the default for
        heuristics) or ``"lp"`` (certified LP relaxation bound per component,
        within ``time_limit``). The exact methods always use the LP/ILP.
    check_unique : bool, default True
        Decide ``unique`` for proven optima (see Notes). When False, only the
        free test (two adjacent tied systems) is made; otherwise ``None``.
    decompose : bool, default True
        Solve the strongly connected components of the strict majority graph
        separately (does not change the optimal score; False is for testing).
    max_optima : int, default 10000
        Largest number of optimal orders ``all_optima=True`` may return.
    initial : array_like of int, optional
        A warm start for the exact methods: an order of all ``n`` systems
        (row indices, best first), e.g. the optimum of a similar profile
        (the bootstrap passes the full-data order to every resample). Each
        component starts from this order instead of the Borda and Copeland
        starts (improved by local search first on components of more than
        250 systems, solved by windows); methods "local_search" and "ils"
        add it to their starts. It changes the work done, never the optimal
        score: a proven result is exact whatever the start.

    Returns
    -------
    KemenyResult
        The order, its score, a certified lower bound and the gap, whether it
        is proven optimal and unique, and solver statistics.

    Raises
    ------
    RankaggError
        Invalid ``wins`` or options, or ``all_optima=True`` on too large an
        instance.

    See Also
    --------
    kemeny_score : Objective of a given order.
    rankagg.rankings.pairwise.pairwise_counts : Build ``wins`` from per-task rankings.

    Notes
    -----
    **Objective.** With :math:`w_{ij}` = ``wins[i, j]``, the Kemeny score of
    a strict order is :math:`\\sum_{a \\succ b} w_{ba}`: the weight of voters
    disagreeing with each pair. For rankings given as rank vectors with ties
    and missing systems this equals the sum of Kendall distances
    :math:`K^{(p)}` (see :func:`rankagg.rankings.distances.kendall_distance`) minus the
    constant :math:`p \\sum_{i<j} t_{ij}` (:math:`t` = tie counts), so it has
    the same minimisers. With margins :math:`M = w - w^T`, score = trivial
    bound :math:`\\sum_{i<j}\\min(w_{ij}, w_{ji})` + *excess*, the sum of
    :math:`M_{ab} > 0` over pairs ranked against their strict majority.

    **Integer program** (per component). One binary variable :math:`y_{ij}` per pair
    :math:`i<j` (:math:`y_{ij} = 1`: :math:`i` above :math:`j`; the reverse
    variable is :math:`1 - y_{ij}`):

    .. math::

        \\min \\sum_{i<j} w_{ij} + (w_{ji} - w_{ij})\\, y_{ij}
        \\quad\\text{s.t.}\\quad
        0 \\le y_{ij} + y_{jk} - y_{ik} \\le 1 \\;\\; (i<j<k),\\quad
        y \\in \\{0, 1\\}

    (the two sides forbid the 3-cycles :math:`i \\succ j \\succ k \\succ i`
    and :math:`i \\succ k \\succ j \\succ i`; excluding all 3-cycles makes a
    tournament transitive). Solving it:

    1. an upper bound from local search started at the Borda and Copeland
       orders;
    2. the LP relaxation (HiGHS, the solver behind ``scipy.optimize.linprog``)
       with the triangle rows added lazily: solve, add the most violated rows
       (at most max(5000, one per pair) in the first round, their number
       doubling each round; every bound is certified, so a round stopped by
       the time limit keeps the last one), drop rows that are slack with a
       zero dual, repeat until none is violated. Each round modifies the
       loaded model, so HiGHS restarts from its last basis. Each LP solution
       is rounded (sort by fractional wins) and improved by local search.
       Stop as soon as the bound meets the incumbent so improved;
    3. if the LP optimum is fractional and the gap is still open: iterated
       local search, then reduced-cost fixing (a variable whose flip would
       provably cost more than the gap is fixed), then a best-first branch
       and bound on the pair variables that re-solves this LP at each node
       (one child of each branched node is solved next, from the basis just
       found), with transitive propagation of the fixed pairs (``scipy.optimize.milp``
       on the same program is available as an alternative; it was 3-8x
       slower on uniform profiles).

    Lower bounds are certified from the LP duals (any :math:`\\lambda \\le 0`
    gives :math:`\\lambda^T b + \\sum \\min_{y \\in box} (c - A^T\\lambda) y`,
    whatever the solver tolerances), and are rounded up to the lattice of
    attainable scores when the margins are integers (e.g. to even numbers
    for an even number of complete rankings). ``optimal=True`` means the
    incumbent meets the bound within ``1e-9`` times the largest margin.

    **Decomposition (extended Condorcet criterion).** Let the strict
    majority graph have an arc :math:`i \\to j` when :math:`M_{ij} > 0`, and
    :math:`C_1, \\dots, C_r` be its strongly connected components listed in a
    topological order. Every pair across components is then either ordered
    by a strict majority in the direction of the list or tied
    (:math:`M_{ij} = 0`). Sorting any order stably by component index
    reverses only cross pairs that were against the list, each of which had
    :math:`M \\ge 0` in favour of the list, so it never increases the score;
    hence some optimal order lists the components in this order, and the
    optimum is the sum of the components' optima (each solved alone;
    components of one system need no solver, and none has exactly two).
    More precisely, the optimal orders are exactly the merges of optimal
    component orders that respect every strict majority between components:
    tied pairs between components may interleave, strict ones may not. The
    decomposition is therefore valid with ties, provided tied pairs are not
    used to order components (they would not be, as they carry no arc).

    **Uniqueness.** From that characterisation, the returned order is the
    unique optimum if and only if (a) no two adjacent systems in it are tied
    (:math:`M_{ab} = 0`: swapping them keeps the score) and (b) each
    component's optimum is unique. (b) is read off the dynamic program (it
    counts optima) for small components; otherwise the program is solved
    again with a *no-good* row excluding exactly the found order
    (:math:`\\sum_{y^*_p = 1} y_p - \\sum_{y^*_p = 0} y_p \\le |y^*| - 1`):
    first its LP relaxation (which settles it when the LP optimum is unique,
    the common case), then the branch and bound, stopped at the first order
    reaching the optimal score. The order is unique iff none does.
    ``unique`` is ``None`` when not proven optimal, when that check runs out
    of time (it shares ``time_limit``), or for windowed components.

    **Large components** (more than 250 systems; e.g. the Open LLM
    Leaderboard with 1,192 models and 4 tasks): the heuristic order is cut
    into windows of 150 consecutive systems, each solved exactly (which
    improves the order: reordering inside a window only changes pairs inside
    it), with windows shifted by half a width between sweeps (at most 4,
    stopping when a sweep brings no improvement; the remaining time is
    shared among the windows). The sum of the windows' lower bounds is a
    valid lower bound, since any order costs at least the optimum of each
    block of a partition of the systems (pairs across blocks cost at least
    0 excess); a window stopped by the time limit contributes its certified
    LP bound so far. When the windows finish before the time limit, the
    triangle LP of the whole component (lazy rows, as above, its roundings
    improved by local search) gets the time left, and the larger of the two
    certified bounds is reported.

    Ties in the returned order are broken deterministically: among optimal
    orders differing by swaps of adjacent tied systems, the one agreeing with
    the net margins (Borda), then with the index order, is returned.

    References
    ----------
    Conitzer, Davenport & Kalagnanam (2006), *Improved bounds for computing
    Kemeny rankings*, AAAI. Ali & Meila (2012), *Experiments with Kemeny
    ranking: What works when?*, Math. Soc. Sci. Truchon (1998), *An extension
    of the Condorcet criterion and Kemeny orders*. Ailon, Charikar & Newman
    (2008), *Aggregating inconsistent information: ranking and clustering*,
    J. ACM.

    Examples
    --------
    Three voters rank systems 0, 1, 2 as (0, 1, 2), (1, 2, 0) and (2, 0, 1):

    >>> import numpy as np
    >>> from rankagg.rules.kemeny import kemeny
    >>> wins = np.array([[0, 2, 1], [1, 0, 2], [2, 1, 0]])
    >>> res = kemeny(wins)
    >>> res.order, res.score, res.optimal, res.unique
    ((0, 1, 2), 4.0, True, False)
    >>> sorted(kemeny(wins, all_optima=True).all_optima)
    [(0, 1, 2), (1, 2, 0), (2, 0, 1)]

    With ties and missing systems, go through per-task rank vectors:

    >>> from rankagg.rankings.pairwise import pairwise_counts
    >>> ranks = np.array([[1, 1.5, 2], [2, 1.5, np.nan], [3, 3, 1]])
    >>> wins, ties = pairwise_counts(ranks)
    >>> res = kemeny(wins)
    >>> res.order, res.score, res.gap
    ((0, 1, 2), 1.0, 0.0)
    """
    t0 = time.perf_counter()
    _check_options(method, time_limit, bound, restarts, kicks, max_optima)
    if all_optima and method not in ("auto", "exact"):
        raise RuleError(f"all_optima=True needs an exact method (method='auto' or 'exact'), got method={method!r}.")
    W = as_wins(wins)
    gen: Any = _LazyRng(rng)
    n = W.shape[0]
    init_pos: np.ndarray | None = None
    if initial is not None:
        init_order = check_order(initial, n, "initial")
        init_pos = np.empty(n, dtype=np.intp)
        init_pos[init_order] = np.arange(n)
    deadline = None if time_limit is None else t0 + float(time_limit)
    M = W - W.T
    key = M.sum(axis=1)
    iu = pairs(n)
    trivial = float(np.minimum(W[iu], W.T[iu]).sum())
    opts = _options(method, bound, restarts, check_unique, kicks, n)
    stats = SolveStats()

    if all_optima:
        blocks = weak_components(M) if decompose else [np.arange(n)]
        big = max((b.size for b in blocks), default=0)
        if big > _ALL_OPTIMA_MAX:
            raise RuleError(
                f"all_optima=True: a block of {big} systems is not separated by strict majorities "
                f"(at most {_ALL_OPTIMA_MAX} allowed, e.g. n <= {_ALL_OPTIMA_MAX}); enumerating its optimal "
                "orders is too costly. Use all_optima=False (the result still says whether the optimum is unique)."
            )

    order, comps, parts = _solve_all(M, key, opts, deadline, gen, stats, init_pos, decompose)
    score = float(np.tril(W.take(order, 0).take(order, 1), -1).sum())  # = kemeny_score(W, order)
    proven = all(p.optimal for _, p in parts)
    lower = score if proven else min(score, trivial + sum(p.lower for _, p in parts))

    # uniqueness: no adjacent tie and every component unique
    unique: bool | None = None
    if proven:
        if n >= 2 and np.any(M[order[:-1], order[1:]] == 0):
            unique = False
        else:
            flags = [p.unique for _, p in parts]
            unique = False if any(f is False for f in flags) else (True if all(flags) else None)

    optima: tuple[tuple[int, ...], ...] | None = None
    if all_optima:
        optima = _all_optima(M, decompose, max_optima)
        unique = len(optima) == 1
        proven = True
        lower = score

    if proven:
        method_used = "exact"
        status = "proven optimal"
    else:
        unproven = [(c.size, p.label) for c, p in parts if not p.optimal]
        method_used = max(unproven)[1]
        stopped = deadline is not None and time.perf_counter() >= deadline
        status = (
            f"not proven optimal ({len(unproven)} of {len(comps)} components open"
            + (", time limit reached" if stopped else "")
            + ")"
        )
    gap = 0.0 if proven else max(0.0, score - lower)
    return KemenyResult(
        order=tuple(int(i) for i in order),
        score=score,
        lower_bound=float(lower),
        gap=float(gap),
        relative_gap=float(gap / max(score, np.finfo(float).tiny)),
        optimal=bool(proven),
        unique=unique,
        all_optima=optima,
        method=method_used,
        time_seconds=time.perf_counter() - t0,
        n_components=len(comps),
        largest_component=max((c.size for c in comps), default=0),
        n_lp_solves=stats.lp_solves,
        n_nodes=stats.nodes,
        n_ilp_solves=stats.ilp_solves,
        n_cuts=stats.cuts,
        n_fixed=stats.fixed,
        trivial_bound=trivial,
        status=status,
    )


def _solve_all(
    M: np.ndarray,
    key: np.ndarray,
    opts: _Options,
    deadline: float | None,
    gen: Any,
    stats: SolveStats,
    init_pos: np.ndarray | None,
    decompose: bool,
) -> tuple[np.ndarray, list[np.ndarray], list[tuple[np.ndarray, _Part]]]:
    """Decompose, solve each component, assemble: ``(order, components, [(component, part), ...])``."""
    n = M.shape[0]
    comps = strict_components(M) if decompose else [np.arange(n, dtype=np.intp)]
    # components of one system (most components of real leaderboards) need nothing: no _Part
    solved: list[_Part | None] = [None] * len(comps)
    for i in sorted((i for i, c in enumerate(comps) if c.size > 1), key=lambda i: comps[i].size):  # small first
        c = comps[i]
        init = None if init_pos is None else np.argsort(init_pos[c], kind="stable").astype(np.intp)
        solved[i] = _solve_part(M.take(c, 0).take(c, 1), key[c], opts, deadline, gen, stats, init)
    parts = [(c, p) for c, p in zip(comps, solved) if p is not None]
    pieces = [c if p is None else c[p.order] for c, p in zip(comps, solved)]
    order = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.intp)
    return canonical_ties(M, order, key), comps, parts


def warm_order(
    wins: np.ndarray,
    initial: np.ndarray,
    *,
    method: str = "auto",
    time_limit: float | None = 60.0,
    rng: Any = None,
    with_status: bool = False,
) -> Any:
    """``kemeny(wins, method=..., time_limit=..., rng=..., initial=initial, check_unique=False).order``
    as an array, for trusted input: ``wins`` a valid float matrix, ``initial`` a permutation, the
    options already validated (the bootstrap calls it once per resample; it skips the validation,
    the bounds and the result object, about a tenth of the time of a resample). ``with_status=True``
    returns ``(order, proven optimal)``."""
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + float(time_limit)
    n = wins.shape[0]
    init_pos = np.empty(n, dtype=np.intp)
    init_pos[initial] = np.arange(n)
    M = wins - wins.T
    opts = _options(method, "auto", _RESTARTS, False, _KICKS, n)
    order, _, parts = _solve_all(M, M.sum(axis=1), opts, deadline, _LazyRng(rng), SolveStats(), init_pos, True)
    if with_status:
        return order, all(part.optimal for _, part in parts)
    return order


def _all_optima(M: np.ndarray, decompose: bool, max_optima: int) -> tuple[tuple[int, ...], ...]:
    """Every optimal order: product over weak-majority blocks of each block's optima (subset DP)."""
    n = M.shape[0]
    blocks = weak_components(M) if decompose else [np.arange(n)]
    per_block: list[list[tuple[int, ...]]] = []
    total = 1
    for b in blocks:
        mb = M.take(b, 0).take(b, 1)
        tol = 1e-9 * max(1.0, float(np.abs(mb).max(initial=0.0)))
        dp = SubsetDP(mb, tol)
        total *= dp.n_optima
        if total > max_optima:
            raise RankaggError(
                f"all_optima=True: there are more than max_optima={max_optima} optimal orders; "
                "raise max_optima or use all_optima=False."
            )
        per_block.append([tuple(int(b[i]) for i in o) for o in dp.all()])
    combos = (tuple(itertools.chain.from_iterable(p)) for p in itertools.product(*per_block))
    return tuple(sorted(combos))
