"""Tests of the Kemeny engine (rankagg.rules.kemeny).

The exact solver is checked against a vectorised brute force over all
permutations on thousands of small random profiles (complete rankings, ties,
missing systems, non-integer weights), through the dynamic-programming path
and, with the dynamic program switched off, through the LP / branch-and-bound
path; heuristics, bounds and gaps are recomputed independently; real
leaderboards from ../shared/datasets are solved (skipped when absent).
"""

from __future__ import annotations

import itertools
import time
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankagg.rules.kemeny._lp as lp_module
import rankagg.rules.kemeny._solve as kemeny_solve
from rankagg._errors import RankaggError
from rankagg.rankings.distances import kendall_distance
from rankagg.rankings.orders import rank_scores
from rankagg.rankings.pairwise import pairwise_counts
from rankagg.rules.kemeny import METHODS, KemenyResult, kemeny, kemeny_score

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"

HEURISTICS = ("local_search", "ils", "kwiksort", "borda", "copeland")


# ----------------------------------------------------------------------------- helpers
@cache
def _perm_table(n: int) -> tuple[np.ndarray, np.ndarray]:
    """All permutations of range(n) and, per permutation, which pair (i<j) has i above j."""
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.intp).reshape(-1, n)
    pos = np.argsort(perms, axis=1)
    iu = np.triu_indices(n, 1)
    above = pos[:, iu[0]] < pos[:, iu[1]]
    return perms, above.astype(np.float64)


def brute_force_many(wins_list: list[np.ndarray]) -> list[tuple[float, set[tuple[int, ...]]]]:
    """Optimal score and the set of optimal orders of each (n, n) wins matrix (all of one size)."""
    n = wins_list[0].shape[0]
    perms, above = _perm_table(n)
    iu = np.triu_indices(n, 1)
    lower = np.stack([w.T[iu] for w in wins_list], axis=1)  # cost when i above j: wins[j, i]
    upper = np.stack([w[iu] for w in wins_list], axis=1)
    scores = above @ lower + (1.0 - above) @ upper  # (n!, batch)
    out = []
    for b in range(len(wins_list)):
        s = scores[:, b]
        best = s.min()
        hit = np.abs(s - best) <= 1e-9 * max(1.0, abs(best))
        out.append((float(best), {tuple(int(i) for i in p) for p in perms[hit]}))
    return out


def random_ranks(rng: np.random.Generator, n: int, m: int, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A profile of ``m`` rank vectors over ``n`` systems (1 = best; ties averaged; NaN = unranked)."""
    ranks = np.empty((n, m))
    for t in range(m):
        scores = rng.permutation(n).astype(float)
        if kind in ("ties", "mixed"):
            scores = np.floor(scores / rng.integers(1, 4))  # buckets of 1-3 systems tie
        if kind in ("missing", "mixed"):
            scores[rng.random(n) < 0.25] = np.nan
        ranks[:, t] = rank_scores(scores)
    weights = rng.random(m) * 3 if kind in ("weighted", "mixed") else None
    return ranks, weights


def order_ranks(order: tuple[int, ...]) -> np.ndarray:
    r = np.empty(len(order))
    r[list(order)] = np.arange(1, len(order) + 1)
    return r


def kendall_sum(ranks: np.ndarray, weights: np.ndarray | None, order: tuple[int, ...], p: float) -> float:
    c = order_ranks(order)
    w = np.ones(ranks.shape[1]) if weights is None else weights
    return float(sum(w[t] * kendall_distance(c, ranks[:, t], tie_penalty=p) for t in range(ranks.shape[1])))


def make_profiles(seed: int, count: int, sizes: range, kinds: tuple[str, ...]):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        n = int(rng.choice(sizes))
        m = int(rng.integers(1, 8))
        kind = kinds[i % len(kinds)]
        ranks, weights = random_ranks(rng, n, m, kind)
        wins, ties = pairwise_counts(ranks, weights=weights)
        out.append((ranks, weights, wins, ties))
    return out


def check_against_brute_force(profiles, *, all_optima: bool = False, **kwargs) -> int:
    """Solve each profile and compare with brute force; return the number of unique optima seen."""
    by_n: dict[int, list[int]] = {}
    for i, (_, _, wins, _) in enumerate(profiles):
        by_n.setdefault(wins.shape[0], []).append(i)
    n_unique = 0
    for n, idx in by_n.items():
        truth = brute_force_many([profiles[i][2] for i in idx]) if n > 0 else [(0.0, {()})] * len(idx)
        for i, (best, optima) in zip(idx, truth):
            ranks, weights, wins, ties = profiles[i]
            res = kemeny(wins, all_optima=all_optima, **kwargs)
            assert res.optimal, (i, res)
            assert res.score == pytest.approx(best, abs=1e-9), (i, res, best)
            assert res.order in optima, (i, res.order, optima)
            assert res.unique == (len(optima) == 1), (i, res, len(optima))
            assert res.gap == 0.0 and res.lower_bound == res.score
            if all_optima:
                assert set(res.all_optima) == optima and len(res.all_optima) == len(optima)
            n_unique += res.unique
            if ranks is not None and ranks.shape[1] and n >= 2:
                iu = np.triu_indices(n, 1)
                assert kendall_sum(ranks, weights, res.order, 0.5) == pytest.approx(
                    res.score + 0.5 * ties[iu].sum(), abs=1e-9
                )
    return n_unique


# ----------------------------------------------------------------------------- exact vs brute force
KINDS = ("strict", "ties", "missing", "weighted", "mixed")


@pytest.mark.parametrize("kind", KINDS)
def test_exact_equals_brute_force(kind):
    """~2000 profiles in total (400 per kind), n <= 8, through the default (DP + LP) path."""
    profiles = make_profiles(seed=KINDS.index(kind), count=400, sizes=range(0, 9), kinds=(kind,))
    n_unique = check_against_brute_force(profiles)
    assert n_unique > 0
    if kind != "weighted":  # random real weights make ties between orders unlikely
        assert n_unique < len(profiles)  # both unique and non-unique optima occur


@pytest.mark.parametrize("kind", ["strict", "ties", "mixed"])
def test_lp_branch_and_bound_path_equals_brute_force(kind, monkeypatch):
    """Same check with the dynamic program disabled, so every component goes through LP + B&B."""
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
    profiles = make_profiles(seed=7 + len(kind), count=150, sizes=range(5, 9), kinds=(kind,))
    check_against_brute_force(profiles)


@pytest.mark.parametrize("dp_max", [12, 0])
def test_warm_start_never_changes_the_optimal_score(dp_max, monkeypatch):
    """Any ``initial`` order (random, reversed optimum, optimum) gives the brute-force optimum."""
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", dp_max)
    rng = np.random.default_rng(31)
    profiles = make_profiles(seed=31, count=120, sizes=range(3, 9), kinds=("strict", "ties", "mixed"))
    by_n: dict[int, list[int]] = {}
    for i, p in enumerate(profiles):
        by_n.setdefault(p[2].shape[0], []).append(i)
    for n, idx in by_n.items():
        truth = brute_force_many([profiles[i][2] for i in idx])
        for i, (best, optima) in zip(idx, truth):
            wins = profiles[i][2]
            some_optimum = sorted(optima)[0]
            for initial in (rng.permutation(n), some_optimum[::-1], some_optimum):
                res = kemeny(wins, initial=initial, check_unique=False)
                assert res.optimal and res.score == pytest.approx(best, abs=1e-9), (i, initial, res)
                assert res.order in optima
            heur = kemeny(wins, method="local_search", initial=some_optimum)
            assert heur.score == pytest.approx(best, abs=1e-9)  # local search cannot leave an optimum


def test_warm_start_errors():
    wins = np.array([[0, 2, 1], [1, 0, 2], [2, 1, 0]], dtype=float)
    with pytest.raises(RankaggError, match=r"initial: must be a permutation of 0\.\.2"):
        kemeny(wins, initial=[0, 0, 1])
    with pytest.raises(RankaggError, match=r"initial: expected a sequence of the 3 system indices"):
        kemeny(wins, initial=[0, 1])


def random_wins(rng: np.random.Generator, n: int, integer: bool) -> np.ndarray:
    """A random weighted tournament-like wins matrix (not necessarily from a profile)."""
    w = rng.integers(0, 4, size=(n, n)).astype(float) if integer else rng.random((n, n))
    np.fill_diagonal(w, 0.0)
    return w


def test_uniqueness_search_equals_brute_force(monkeypatch):
    """Integer random wins (many alternative optima): the no-good LP/B&B uniqueness test agrees with brute force."""
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
    rng = np.random.default_rng(2024)
    profiles = [(None, None, random_wins(rng, int(n), True), None) for n in rng.integers(6, 9, size=120)]
    nodes = sum(kemeny(p[2], decompose=False).n_nodes for p in profiles)
    assert nodes > 0  # some uniqueness questions needed branching
    check_against_brute_force(profiles, decompose=False)
    check_against_brute_force(profiles)


def _fractional_instances(count: int, monkeypatch) -> list[np.ndarray]:
    """Real-weighted random instances of 14-16 systems whose triangle LP is fractional (branching needed)."""
    monkeypatch.setattr(lp_module, "_ILS_KICKS", 0)  # no iterated local search: let the B&B find the optimum
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
    rng = np.random.default_rng(77)
    found = []
    while len(found) < count:
        w = random_wins(rng, int(rng.integers(14, 17)), False)
        if kemeny(w, decompose=False, check_unique=False).n_nodes > 0:
            found.append(w)
    return found


@pytest.mark.parametrize("solver", ["bb", "milp"])
def test_integer_stage_equals_dynamic_programming(solver, monkeypatch):
    """Branch and bound (default) and scipy.optimize.milp against the independent subset DP (itself checked above)."""
    instances = _fractional_instances(6, monkeypatch)
    monkeypatch.setattr(kemeny_solve, "_INTEGER_SOLVER", solver)
    for w in instances:
        res = kemeny(w, decompose=False, time_limit=None)
        assert res.n_nodes + res.n_ilp_solves > 0
        monkeypatch.setattr(kemeny_solve, "_DP_MAX", 16)
        ref = kemeny(w, decompose=False, time_limit=None)
        monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
        assert res.optimal and ref.optimal and ref.n_lp_solves == 0
        assert res.score == pytest.approx(ref.score, rel=1e-12)
        assert res.unique == ref.unique
        assert kemeny_score(w, res.order) == pytest.approx(ref.score, rel=1e-12)


@pytest.mark.parametrize("kind", ["strict", "ties", "mixed"])
def test_all_optima_equal_brute_force(kind):
    profiles = make_profiles(seed=11 + len(kind), count=200, sizes=range(1, 9), kinds=(kind,))
    check_against_brute_force(profiles, all_optima=True)


# ----------------------------------------------------------------------------- decomposition
@pytest.mark.parametrize("kind", ["strict", "ties", "mixed"])
def test_decomposition_never_changes_the_optimal_score(kind, monkeypatch):
    """Decomposed vs one undecomposed program (LP/B&B, no DP) on profiles beyond brute-force size."""
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
    rng = np.random.default_rng(5 + len(kind))
    n_split = 0
    for _ in range(30):
        n = int(rng.integers(9, 19))
        ranks, weights = random_ranks(rng, n, int(rng.integers(2, 9)), kind)
        wins, _ = pairwise_counts(ranks, weights=weights)
        a = kemeny(wins, time_limit=None)
        b = kemeny(wins, time_limit=None, decompose=False)
        assert a.optimal and b.optimal
        assert a.score == pytest.approx(b.score, abs=1e-9)
        assert b.n_components == 1
        if a.unique is not None and b.unique is not None:
            assert a.unique == b.unique
        n_split += a.n_components > 1
    assert n_split > 5  # the decomposition did something


def test_components_are_ordered_by_strict_majorities():
    # 0 beats everyone, {1, 2, 3} form a cycle, 4 loses to everyone; 5 ties with 4
    wins = np.zeros((6, 6))
    for j in range(1, 6):
        wins[0, j] = 3
    wins[1, 2] = wins[2, 3] = wins[3, 1] = 2
    wins[2, 1] = wins[3, 2] = wins[1, 3] = 1
    for i in (1, 2, 3):
        wins[i, 4] = wins[i, 5] = 3
    res = kemeny(wins)
    assert res.order[0] == 0 and set(res.order[1:4]) == {1, 2, 3} and set(res.order[4:]) == {4, 5}
    assert res.n_components == 4  # {0}, {1,2,3}, {4}, {5}
    assert res.unique is False  # 4 and 5 tie, and the 3-cycle has three optimal rotations
    assert len(kemeny(wins, all_optima=True).all_optima) == 6


# ----------------------------------------------------------------------------- Condorcet
def test_condorcet_winner_and_loser():
    rng = np.random.default_rng(3)
    seen = 0
    for _ in range(300):
        n = int(rng.integers(3, 30))
        ranks, weights = random_ranks(rng, n, int(rng.integers(1, 10)), "mixed")
        wins, _ = pairwise_counts(ranks, weights=weights)
        M = wins - wins.T
        np.fill_diagonal(M, 1.0)
        winners = np.flatnonzero((M > 0).all(axis=1))
        np.fill_diagonal(M, -1.0)
        losers = np.flatnonzero((M < 0).all(axis=1))
        if winners.size == 0 and losers.size == 0:
            continue
        res = kemeny(wins, time_limit=None)
        assert res.optimal
        if winners.size:
            assert res.order[0] == winners[0]
            seen += 1
        if losers.size:
            assert res.order[-1] == losers[0]
    assert seen > 50


# ----------------------------------------------------------------------------- heuristics and bounds
@pytest.mark.parametrize("method", HEURISTICS)
@pytest.mark.parametrize("bound", ["trivial", "lp"])
def test_heuristics_never_beat_the_optimum_and_gaps_are_consistent(method, bound):
    rng = np.random.default_rng(17)
    for _ in range(25):
        n = int(rng.integers(3, 40))
        ranks, weights = random_ranks(rng, n, int(rng.integers(1, 12)), "mixed")
        wins, _ = pairwise_counts(ranks, weights=weights)
        exact = kemeny(wins, time_limit=None)
        assert exact.optimal
        res = kemeny(wins, method=method, bound=bound, rng=1)
        score = kemeny_score(wins, res.order)
        assert res.score == pytest.approx(score, abs=1e-9)
        assert res.score >= exact.score - 1e-9
        assert res.lower_bound <= exact.score + 1e-9
        assert res.lower_bound >= res.trivial_bound - 1e-9
        assert res.gap == pytest.approx(res.score - res.lower_bound, abs=1e-9)
        assert res.relative_gap == pytest.approx(res.gap / res.score if res.score else 0.0)
        if res.optimal:
            assert res.gap == 0.0 and res.score == pytest.approx(exact.score)
        else:
            assert res.unique is None


@pytest.mark.parametrize("n, kicks", [(45, 38), (320, 4)])  # the matrix rounds, and one system at a time above 300
@pytest.mark.parametrize("integral", [True, False])
def test_iterated_local_search_never_loses_and_ends_at_a_local_optimum(n, kicks, integral):
    """Whatever kicks it drops or keeps (its objective is tracked from gains, not re-scored), the ILS returns
    a permutation no worse than the local optimum it starts from, that single-system moves cannot improve,
    and the same one for the same seed."""
    from rankagg.rules.kemeny._core import order_excess
    from rankagg.rules.kemeny._heuristics import borda_order, iterated_local_search, local_search

    rng = np.random.default_rng(n)
    ranks, weights = random_ranks(rng, n, 9, "mixed")  # ties and unranked systems
    wins, _ = pairwise_counts(ranks, weights=weights if not integral else None)  # integral: counts of rankings
    margins = wins - wins.T
    start = borda_order(margins)[::-1].copy()  # a poor start: the search has work to do
    base = order_excess(margins, local_search(margins, start))
    out = iterated_local_search(margins, start, np.random.default_rng(3), kicks=kicks)
    assert sorted(out.tolist()) == list(range(n))
    value = order_excess(margins, out)
    assert value <= base + 1e-9 * max(1.0, base)
    assert order_excess(margins, local_search(margins, out)) == pytest.approx(value, abs=1e-9 * max(1.0, value))
    again = iterated_local_search(margins, start, np.random.default_rng(3), kicks=kicks)
    assert np.array_equal(out, again)


def test_trivial_bound_is_sum_of_pairwise_minima():
    rng = np.random.default_rng(8)
    wins = rng.integers(0, 5, size=(7, 7)).astype(float)
    np.fill_diagonal(wins, 0)
    res = kemeny(wins, method="borda", bound="trivial")
    iu = np.triu_indices(7, 1)
    assert res.trivial_bound == pytest.approx(np.minimum(wins[iu], wins.T[iu]).sum())
    assert res.lower_bound == pytest.approx(min(res.score, res.trivial_bound))


@settings(derandomize=True, max_examples=150, deadline=None)
@given(
    st.integers(2, 12).flatmap(
        lambda n: st.lists(
            st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=n, max_size=n), min_size=1, max_size=6
        )
    ),
    st.sampled_from([0.0, 0.25, 0.5, 1.0]),
)
def test_score_equals_kendall_distance_sum(columns, p):
    """Hypothesis profiles: integer scores with ties and missing values, any tie penalty."""
    scores = np.array([[np.nan if v is None else v for v in col] for col in columns], dtype=float).T
    ranks = np.column_stack([rank_scores(scores[:, t]) for t in range(scores.shape[1])])
    wins, ties = pairwise_counts(ranks)
    res = kemeny(wins)
    n = wins.shape[0]
    iu = np.triu_indices(n, 1)
    assert res.optimal
    assert kendall_sum(ranks, None, res.order, p) == pytest.approx(res.score + p * ties[iu].sum(), abs=1e-9)
    for method in ("local_search", "kwiksort"):
        h = kemeny(wins, method=method, rng=0)
        assert h.score >= res.score - 1e-9
        assert kendall_sum(ranks, None, h.order, p) == pytest.approx(h.score + p * ties[iu].sum(), abs=1e-9)


# ----------------------------------------------------------------------------- invariances, determinism, limits
def test_relabelling_and_scaling_invariance():
    rng = np.random.default_rng(21)
    for _ in range(20):
        n = int(rng.integers(4, 25))
        ranks, weights = random_ranks(rng, n, 6, "mixed")
        wins, _ = pairwise_counts(ranks, weights=weights)
        base = kemeny(wins)
        perm = rng.permutation(n)
        moved = kemeny(wins[np.ix_(perm, perm)])
        assert moved.score == pytest.approx(base.score, abs=1e-9)
        assert moved.unique == base.unique
        scaled = kemeny(wins * 2.5)
        assert scaled.score == pytest.approx(2.5 * base.score)
        assert scaled.order == base.order


def test_exact_path_is_deterministic():
    rng = np.random.default_rng(4)
    ranks, _ = random_ranks(rng, 30, 5, "ties")
    wins, _ = pairwise_counts(ranks)
    orders = {kemeny(wins, rng=seed).order for seed in (None, 0, 1, np.random.default_rng(5))}
    assert len(orders) == 1


def test_kwiksort_uses_only_the_given_rng():
    rng = np.random.default_rng(6)
    ranks, _ = random_ranks(rng, 40, 3, "strict")
    wins, _ = pairwise_counts(ranks)
    a = kemeny(wins, method="kwiksort", rng=123, restarts=3)
    b = kemeny(wins, method="kwiksort", rng=np.random.default_rng(123), restarts=3)
    assert a.order == b.order


def test_time_limit_returns_best_order_with_a_valid_bound():
    """A uniform profile of 45 systems is not solved in 0.03 s: the answer is a heuristic order with an honest gap."""
    rng = np.random.default_rng(0)
    ranks = np.column_stack([rng.permutation(45) + 1.0 for _ in range(50)])
    wins, _ = pairwise_counts(ranks)
    t = time.perf_counter()
    quick = kemeny(wins, time_limit=0.03)
    elapsed = time.perf_counter() - t
    assert elapsed < 1.0
    full = kemeny(wins, time_limit=None, check_unique=False)
    assert full.optimal
    assert quick.lower_bound <= full.score + 1e-9 <= quick.score + 1e-9
    assert quick.gap == pytest.approx(quick.score - quick.lower_bound)
    if not quick.optimal:
        assert quick.method != "exact" and "not proven" in quick.status


def test_check_unique_false_only_uses_the_free_test():
    wins = np.array([[0, 2, 1], [1, 0, 2], [2, 1, 0]], dtype=float)  # a 3-cycle: solved by DP, count known
    assert kemeny(wins, check_unique=False).unique is None
    tie = np.array([[0, 1], [1, 0]], dtype=float)
    assert kemeny(tie, check_unique=False).unique is False


def test_edge_cases():
    empty = kemeny(np.zeros((0, 0)))
    assert empty.order == () and empty.score == 0.0 and empty.optimal and empty.unique is True
    one = kemeny(np.zeros((1, 1)), all_optima=True)
    assert one.order == (0,) and one.unique is True and one.all_optima == ((0,),)
    flat = kemeny(np.zeros((5, 5)))  # everything tied: every order is optimal, ties broken by index
    assert flat.order == (0, 1, 2, 3, 4) and flat.optimal and flat.unique is False
    assert len(kemeny(np.zeros((5, 5)), all_optima=True).all_optima) == 120
    res = kemeny(np.array([[0, 1.5], [0.5, 0]]))
    assert res.order == (0, 1) and res.score == 0.5 and res.unique is True
    assert isinstance(res, KemenyResult) and "KemenyResult(order=(0, 1)" in repr(res)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("wins", "match"),
    [
        (np.zeros((2, 3)), "square"),
        (np.zeros(3), "square"),
        (np.array([[0, -1.0], [1, 0]]), ">= 0"),
        (np.array([[0, np.nan], [1, 0]]), "finite"),
        (np.array([[0, np.inf], [1, 0]]), "finite"),
        (np.array([[1.0, 0], [1, 0]]), "diagonal"),
        ([["a", "b"], ["c", "d"]], "float"),
    ],
)
def test_bad_wins(wins, match):
    with pytest.raises(RankaggError, match=match):
        kemeny(wins)


def test_bad_options():
    wins = np.zeros((3, 3))
    with pytest.raises(RankaggError, match=r"method='exactt'.*Did you mean 'exact'"):
        kemeny(wins, method="exactt")
    with pytest.raises(ValueError, match="local_search"):  # RankaggError is a ValueError; lists the choices
        kemeny(wins, method="simulated_annealing")
    for bad in (0, -1.0, float("nan"), float("inf"), "10", True):
        with pytest.raises(RankaggError, match="time_limit"):
            kemeny(wins, time_limit=bad)
    with pytest.raises(RankaggError, match="bound"):
        kemeny(wins, bound="lpp")
    with pytest.raises(RankaggError, match="restarts"):
        kemeny(wins, restarts=0)
    with pytest.raises(RankaggError, match="rng"):
        kemeny(wins, rng="seed")
    with pytest.raises(RankaggError, match="all_optima=True needs an exact method"):
        kemeny(wins, method="kwiksort", all_optima=True)
    with pytest.raises(RankaggError, match="at most 12"):
        kemeny(np.zeros((13, 13)), all_optima=True)
    with pytest.raises(RankaggError, match="max_optima"):
        kemeny(np.zeros((8, 8)), all_optima=True, max_optima=100)
    assert set(METHODS) >= {"auto", "exact", "local_search", "kwiksort"}


def test_kemeny_score_checks_the_order():
    wins = np.array([[0, 2, 3], [1, 0, 2], [0, 1, 0]], dtype=float)
    assert kemeny_score(wins, (0, 1, 2)) == 2.0
    assert kemeny_score(wins, np.array([2, 1, 0])) == 7.0
    for bad in ((0, 1), (0, 1, 1), (0, 1, 3), (0.0, 1.0, 2.0), ((0, 1), (2, 0))):
        with pytest.raises(RankaggError, match="order"):
            kemeny_score(wins, bad)


# ----------------------------------------------------------------------------- real leaderboards
def _leaderboard(relpath: str, *, complete: bool = False) -> tuple[np.ndarray, np.ndarray]:
    path = DATASETS / relpath
    if not path.exists():
        pytest.skip(f"{path} not available")
    df = pd.read_csv(path)
    df["column"] = df["task"].astype(str) + " | " + df["metric"].astype(str)
    wide = df.pivot_table(index="system", columns="column", values="score", aggfunc="first")
    if complete:
        wide = wide.dropna()
    hib = df.groupby("column")["higher_is_better"].first()
    ranks = np.column_stack([rank_scores(wide[c].to_numpy(), higher_is_better=bool(hib[c])) for c in wide.columns])
    return ranks, pairwise_counts(ranks)[0]


def _check_real(ranks: np.ndarray, wins: np.ndarray, res: KemenyResult) -> None:
    n = wins.shape[0]
    assert sorted(res.order) == list(range(n))
    assert res.score == pytest.approx(kemeny_score(wins, res.order))
    ties = pairwise_counts(ranks)[1]
    iu = np.triu_indices(n, 1)
    assert kendall_sum(ranks, None, res.order, 0.5) == pytest.approx(res.score + 0.5 * ties[iu].sum())
    assert res.trivial_bound - 1e-9 <= res.lower_bound <= res.score + 1e-9
    assert res.gap == pytest.approx(res.score - res.lower_bound)


def test_glue_solves_exactly():
    ranks, wins = _leaderboard("glue_superglue_value/glue.csv")
    assert ranks.shape == (100, 14) and np.isnan(ranks).sum() == 3
    compared = wins + wins.T + pairwise_counts(ranks)[1]
    assert (compared[np.triu_indices(100, 1)] < 14).any()  # pairs left uncompared by the missing cells
    res = kemeny(wins, time_limit=30)
    _check_real(ranks, wins, res)
    assert res.optimal and res.method == "exact" and res.gap == 0.0
    assert res.unique is not None
    assert res.time_seconds < 10


@pytest.mark.slow
def test_mteb_152_complete_models():
    ranks, wins = _leaderboard("mteb/mteb_eng_classic_56.csv", complete=True)
    assert ranks.shape == (152, 56)
    res = kemeny(wins, time_limit=30)
    _check_real(ranks, wins, res)
    assert res.optimal or res.relative_gap < 0.01, res.status


@pytest.mark.slow
def test_open_llm_leaderboard_v1_with_a_stated_gap():
    ranks, wins = _leaderboard("open_llm_leaderboard_v1/snapshot_20230904.csv")
    assert ranks.shape == (1192, 4)
    t = time.perf_counter()
    res = kemeny(wins, time_limit=10)
    assert time.perf_counter() - t < 20
    _check_real(ranks, wins, res)
    assert res.largest_component > 1000
    assert res.lower_bound > res.trivial_bound  # the window bound certifies more than the trivial one
    assert res.relative_gap < 0.01, res.status


def test_linprog_fallback_equals_brute_force(monkeypatch):
    """Without scipy's private HiGHS bindings, the public ``linprog`` path gives the same optima."""
    monkeypatch.setattr(lp_module, "_CORE", None)
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
    profiles = make_profiles(seed=99, count=60, sizes=range(5, 9), kinds=("strict", "ties", "mixed"))
    check_against_brute_force(profiles)


def test_both_lp_backends_give_the_same_certified_bound():
    """The HiGHS bindings and ``linprog`` solve the same root LP: equal certified bounds on a hard instance."""
    if lp_module._CORE is None:
        pytest.skip("scipy without its HiGHS bindings module")
    rng = np.random.default_rng(8)
    ranks = np.column_stack([rng.permutation(40) + 1.0 for _ in range(50)])
    wins = pairwise_counts(ranks)[0]
    fast = kemeny(wins, method="local_search", bound="lp")
    core = lp_module._CORE
    try:
        lp_module._CORE = None
        slow = kemeny(wins, method="local_search", bound="lp")
    finally:
        lp_module._CORE = core
    assert fast.score == slow.score and fast.lower_bound < fast.score
    assert fast.lower_bound == pytest.approx(slow.lower_bound, rel=1e-9)


def test_highs_model_object_path_equals_brute_force(monkeypatch):
    """Where scipy's binding lacks the plain-array ``passModel``, the ``HighsLp`` route gives the same optima."""
    if lp_module._CORE is None:
        pytest.skip("scipy without its HiGHS bindings module")
    monkeypatch.setattr(lp_module, "_PASS_ARRAYS", [False])
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
    profiles = make_profiles(seed=98, count=60, sizes=range(5, 9), kinds=("strict", "ties", "mixed"))
    check_against_brute_force(profiles)


def test_hot_started_lps_equal_lps_from_scratch(monkeypatch):
    """Modifying the loaded model (new rows, bounds; HiGHS restarts from its last basis) gives the same
    certified bound and optimum as loading every LP afresh, on instances needing cut rounds and branching."""
    if lp_module._CORE is None:
        pytest.skip("scipy without its HiGHS bindings module")
    rng = np.random.default_rng(21)
    profiles = [np.column_stack([rng.permutation(n) + 1.0 for _ in range(m)]) for n, m in ((30, 50), (24, 9))]
    cases = [pairwise_counts(ranks)[0] for ranks in profiles]
    hot = [kemeny(w, method="exact", check_unique=True) for w in cases]
    hot_lp = [kemeny(w, method="local_search", bound="lp") for w in cases]
    monkeypatch.setattr(lp_module.TriangleSolver, "_owns_highs", lambda self: False)
    cold = [kemeny(w, method="exact", check_unique=True) for w in cases]
    cold_lp = [kemeny(w, method="local_search", bound="lp") for w in cases]
    for h, c in zip(hot, cold):
        assert h.optimal and c.optimal and h.score == c.score and h.unique == c.unique
    assert any(h.n_nodes > 0 for h in hot)  # the branch and bound ran (bounds changed between LPs)
    for h, c in zip(hot_lp, cold_lp):
        assert h.lower_bound == pytest.approx(c.lower_bound, rel=1e-9)
    assert any(h.lower_bound < h.score for h in hot_lp)  # a fractional LP optimum: the bound is the LP's


def test_a_solver_reloads_its_model_after_another_used_the_solver_instance():
    """Two components' solvers alternate on the thread's one HiGHS instance: each LP still solves its own model."""
    if lp_module._CORE is None:
        pytest.skip("scipy without its HiGHS bindings module")
    rng = np.random.default_rng(4)
    margins = []
    for n in (18, 22):
        w = pairwise_counts(np.column_stack([rng.permutation(n) + 1.0 for _ in range(15)]))[0]
        margins.append(w - w.T)
    solvers = [lp_module.TriangleSolver(m, 2.0, lp_module.SolveStats()) for m in margins]
    fresh = [lp_module.TriangleSolver(m, 2.0, lp_module.SolveStats()) for m in margins]
    for s in (*solvers, *fresh):
        s.add(s.separate(np.full(s.n_var, 0.5), None))
    for _ in range(2):  # alternate: each call finds the other's model loaded
        for s, f in zip(solvers, fresh):
            lo, up = np.zeros(s.n_var), np.ones(s.n_var)
            a = s.relax(lo, up, None)
            f._hrows = -1  # always from scratch
            b = f.relax(lo, up, None)
            assert a.lb == pytest.approx(b.lb, rel=1e-9) and a.exact and b.exact


def test_warm_order_is_the_order_kemeny_returns():
    """The bootstrap's lean entry point returns exactly ``kemeny(..., initial=..., check_unique=False).order``."""
    rng = np.random.default_rng(12)
    for kind in ("strict", "ties", "mixed"):
        for n in (1, 2, 7, 15, 30):
            ranks, weights = random_ranks(rng, n, 9, kind)
            wins = pairwise_counts(ranks, weights=weights)[0]
            initial = rng.permutation(n)
            for method in ("exact", "auto", "ils"):
                want = kemeny(wins, method=method, initial=initial, check_unique=False, rng=3).order
                got = kemeny_solve.warm_order(wins, initial, method=method, rng=3)
                assert tuple(int(i) for i in got) == want, (kind, n, method)


def test_subset_dp_without_counting_finds_the_same_optimum():
    """``count=False`` (used when uniqueness is not asked) still returns a brute-force optimum, the same
    order as with counting; only the number of optima is unavailable."""
    from rankagg.rules.kemeny._dp import SubsetDP

    profiles = make_profiles(seed=5, count=60, sizes=range(2, 9), kinds=("strict", "ties", "mixed"))
    by_n: dict[int, list[np.ndarray]] = {}
    for _, _, wins, _ in profiles:
        by_n.setdefault(wins.shape[0], []).append(wins)
    for group in by_n.values():
        for wins, (best, optima) in zip(group, brute_force_many(group)):
            M = wins - wins.T
            key = M.sum(axis=1)
            full, lean = SubsetDP(M, 1e-9), SubsetDP(M, 1e-9, count=False)
            order = lean.best(key)
            assert tuple(int(i) for i in order) in optima
            assert kemeny_score(wins, order) == pytest.approx(best, abs=1e-9)
            assert np.array_equal(order, full.best(key)) and full.n_optima == len(optima)
            with pytest.raises(ValueError, match="count=False"):
                _ = lean.n_optima
