"""The wider exact-Kemeny frontier (issue 19, item 5) changes no answer.

Four changes make the exact path faster or its bounds stronger: the first
separation round adds at most one triangle row per pair (the first LP of a
uniform profile of 130 systems had not finished in 60 s), the branch and
bound solves one child of each branched node next (plunging, from the basis
just found), it restarts the nodes taken from its heap from their parent's
basis, and components above ``_LP_MAX`` systems give the time the window
method leaves to the plain triangle LP, keeping the larger certified bound.
Each is checked here against the path it replaces or against brute force:
same optimal scores, bounds never above the optimum, orders scored truly.
"""

from __future__ import annotations

import numpy as np
import pytest

import rankagg.rules.kemeny._lp as lp_module
import rankagg.rules.kemeny._solve as kemeny_solve
from rankagg.rankings.pairwise import pairwise_counts
from rankagg.rules.kemeny import kemeny, kemeny_score
from tests.test_kemeny_engine import brute_force_many, make_profiles


def _uniform(seed: int, n: int, m: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return pairwise_counts(np.column_stack([rng.permutation(n) + 1.0 for _ in range(m)]))[0]


HARD = [(3, 40, 11), (5, 40, 11), (6, 45, 50), (3, 25, 9)]  # 5-10 branch-and-bound nodes each (7 for the last)


def test_plunging_gives_the_optima_of_pure_best_first(monkeypatch):
    plunged = [kemeny(_uniform(*c), method="exact") for c in HARD]
    monkeypatch.setattr(lp_module, "_PLUNGE", False)
    best_first = [kemeny(_uniform(*c), method="exact") for c in HARD]
    assert sum(r.n_nodes > 1 for r in plunged) >= 3  # the branch and bound really ran
    for a, b in zip(plunged, best_first):
        assert a.optimal and b.optimal
        assert a.score == b.score and a.unique == b.unique


def test_parent_bases_give_the_optima_of_the_last_basis(monkeypatch):
    """Nodes restarted from their parent's basis, against nodes solved from HiGHS's last basis (another
    node's): same optimal scores and uniqueness; both proven."""
    fast = [kemeny(_uniform(*c), method="exact", time_limit=None) for c in HARD]
    monkeypatch.setattr(lp_module, "_NODE_BASES", [False])
    plain = [kemeny(_uniform(*c), method="exact", time_limit=None) for c in HARD]
    assert sum(r.n_nodes > 3 for r in fast) >= 2  # nodes popped from the heap, not only plunges
    for c, a, b in zip(HARD, fast, plain):
        assert a.optimal and b.optimal
        assert a.score == b.score == kemeny_score(_uniform(*c), a.order) and a.unique == b.unique


def test_capped_first_cut_round_gives_the_bound_of_all_rows_at_once(monkeypatch):
    """The LP optimum over all triangle rows does not depend on the order the rows come in."""
    cases = [_uniform(s, n, m) for s, n, m in ((8, 40, 50), (4, 45, 50), (6, 35, 20))]
    capped = [kemeny(w, method="local_search", bound="lp") for w in cases]
    real_init = lp_module.TriangleSolver.__init__

    def all_at_once(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.first_cuts = 10**9  # every violated row in the first round (the previous rule)

    monkeypatch.setattr(lp_module.TriangleSolver, "__init__", all_at_once)
    full = [kemeny(w, method="local_search", bound="lp") for w in cases]
    assert any(r.lower_bound < r.score for r in capped)  # fractional LPs: the bounds are the LPs' own
    for a, b in zip(capped, full):
        assert a.score == b.score and a.lower_bound == pytest.approx(b.lower_bound, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_large_component_bounds_are_valid_and_never_weaker(seed, monkeypatch):
    """Components above _LP_MAX (shrunk to 12, windows of 8): the stated bound is <= the optimum
    (from the LP / branch-and-bound path), at least the window method's own bound, and the order's score true."""
    rng = np.random.default_rng(seed)
    cases = [_uniform(int(rng.integers(1 << 30)), int(rng.integers(16, 26)), int(m)) for m in (5, 9, 50)]
    optimum = [kemeny(w, method="exact") for w in cases]
    monkeypatch.setattr(kemeny_solve, "_LP_MAX", 12)
    monkeypatch.setattr(kemeny_solve, "_WINDOW", 8)
    both = [kemeny(w, method="exact", time_limit=None) for w in cases]
    monkeypatch.setattr(kemeny_solve, "_with_plain_lp", lambda margins, out, label, *rest: (out, label))
    windows_only = [kemeny(w, method="exact", time_limit=None) for w in cases]
    assert any(r.largest_component > 12 for r in both)
    for w, opt, r, win in zip(cases, optimum, both, windows_only):
        assert opt.optimal
        assert r.score == kemeny_score(w, r.order) >= opt.score
        assert r.lower_bound <= opt.score + 1e-9
        assert r.optimal == (r.score == r.lower_bound) and (not r.optimal or r.score == opt.score)
        assert r.lower_bound >= win.lower_bound - 1e-9 and r.score <= win.score
    assert any(r.lower_bound > win.lower_bound for r, win in zip(both, windows_only))  # the LP adds something


def test_large_component_path_against_brute_force(monkeypatch):
    """Windows of 3 systems on components above 4 (DP off): bounds <= the brute-force optimum; proven means optimal."""
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
    monkeypatch.setattr(kemeny_solve, "_LP_MAX", 4)
    monkeypatch.setattr(kemeny_solve, "_WINDOW", 3)
    profiles = make_profiles(seed=96, count=40, sizes=range(6, 9), kinds=("strict", "ties", "missing", "mixed"))
    by_n: dict[int, list[np.ndarray]] = {}
    for _, _, wins, _ in profiles:
        by_n.setdefault(wins.shape[0], []).append(wins)
    n_proven = 0
    for group in by_n.values():
        for wins, (best, optima) in zip(group, brute_force_many(group)):
            res = kemeny(wins, method="exact", time_limit=None)
            assert res.score == pytest.approx(kemeny_score(wins, res.order), abs=1e-9)
            assert res.lower_bound <= best + 1e-9 <= res.score + 2e-9
            if res.optimal:
                assert res.score == pytest.approx(best, abs=1e-9) and res.order in optima
                n_proven += 1
    assert n_proven > 0


def test_window_rows_relabelled_forbid_the_same_cycles():
    """A window's triangle row, relabelled into the component's indices, is violated by exactly the orders
    whose restriction to the window violates the original row (all triples, both sides, random orders)."""
    from rankagg.rules.kemeny._large import _relabel

    rng = np.random.default_rng(5)
    k, n = 6, 11
    sub = rng.permutation(n)[:k]
    i, j, h = (a.ravel() for a in np.meshgrid(*[np.arange(k)] * 3, indexing="ij"))
    keep = (i < j) & (j < h)
    tri = np.column_stack((i[keep], j[keep], h[keep]))
    pool = np.concatenate([np.column_stack((tri, np.full(len(tri), s))) for s in (1, -1)])
    rows = _relabel(pool, sub)
    assert np.all((rows[:, 0] < rows[:, 1]) & (rows[:, 1] < rows[:, 2])) and set(rows[:, 3]) == {1, -1}

    def violated(rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
        above = lambda a, b: (pos[a] < pos[b]).astype(int)  # noqa: E731
        t = above(rows[:, 0], rows[:, 1]) + above(rows[:, 1], rows[:, 2]) - above(rows[:, 0], rows[:, 2])
        return np.where(rows[:, 3] > 0, t > 1, t < 0)

    for _ in range(200):
        pos = rng.permutation(n)  # pos[s]: position of system s in a random order of the component
        local_pos = np.argsort(np.argsort(pos[sub]))  # the order restricted to the window
        np.testing.assert_array_equal(violated(rows, pos), violated(pool, local_pos))


def test_last_duals_stay_aligned_with_the_pool_when_rows_are_dropped():
    """The rows the windows hand to the plain LP are read through the last LP's duals: after a drop the
    duals still belong to the rows they were computed for."""
    w = _uniform(8, 40, 50)
    solver = lp_module.TriangleSolver(w - w.T, 2.0, lp_module.SolveStats())
    solver.add(solver.separate(np.full(solver.n_var, 0.5), None))
    lo, up = np.zeros(solver.n_var), np.ones(solver.n_var)
    assert solver.relax(lo, up, None) is not None
    pool, duals = solver.pool.copy(), solver.last_duals.copy()
    keep = np.arange(pool.shape[0]) % 3 != 0
    solver.add(solver.separate(np.full(solver.n_var, 0.5), 50))  # rows added after the last LP, then a drop
    solver.drop(np.concatenate((keep, np.ones(solver.pool.shape[0] - keep.size, dtype=bool))))
    d = solver.last_duals.size
    np.testing.assert_array_equal(solver.pool[:d], pool[keep])
    np.testing.assert_array_equal(solver.last_duals, duals[keep])


@pytest.mark.parametrize("n", [5, 40, 63, 64, 90, 130])
def test_transitive_closure_is_reachability(n):
    """Both branches of the closure (squaring below 64 systems, Warshall from 64) against reachability by
    scipy's breadth-first search, on sparse, dense and cyclic random relations."""
    from scipy.sparse.csgraph import breadth_first_order

    from rankagg.rules.kemeny._core import transitive_closure

    rng = np.random.default_rng(n)
    for density in (1.5 / n, 0.05, 0.3):
        adj = rng.random((n, n)) < density
        reach = np.zeros((n, n), dtype=bool)
        for i in range(n):
            reach[i, breadth_first_order(adj.astype(np.int8), i, directed=True, return_predecessors=False)] = True
        np.testing.assert_array_equal(transitive_closure(adj), reach)
