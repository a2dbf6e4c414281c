"""Small profiles whose outcome under every rule was worked out by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import rankagg
from rankagg import aggregate
from tests.strategies import make_table


def profile(*orders):
    """A score table from voter orders such as ``"abc"`` (best first); each voter is a task."""
    systems = sorted(set(orders[0]))
    n = len(systems)
    scores = np.array([[n - order.index(s) for order in orders] for s in systems], dtype=float)
    return rankagg.ScoreTable(
        scores, systems=systems, tasks=[f"v{k}" for k in range(len(orders))], higher_is_better=True
    )


# --- Condorcet cycle: a>b>c, b>c>a, c>a>b -------------------------------------------------------
CYCLE = profile("abc", "bca", "cab")


@pytest.mark.parametrize(
    "rule", ["borda", "dowdall", "plurality", "win_rate", "copeland", "minimax", "schulze", "ranked_pairs"]
)
def test_condorcet_cycle_is_a_three_way_tie(rule):
    res = aggregate(CYCLE, rule=rule)
    assert res.order == (("a", "b", "c"),)
    assert list(res.ranks) == [1, 1, 1]
    assert res.diagnostics["condorcet_winner"] is None


def test_ranked_pairs_on_a_cycle_skips_the_equal_strength_pairs_neutrally():
    res = aggregate(CYCLE, rule="ranked_pairs")
    assert res.diagnostics["skipped_equal_strength"] == 3


def test_kemeny_on_a_cycle_has_three_optima_and_says_so():
    res = aggregate(CYCLE, rule="kemeny")
    # each rotation a>b>c, b>c>a, c>a>b costs 4 disagreements; the reversed ones cost 5
    assert res.diagnostics["kemeny_score"] == 4.0
    assert res.diagnostics["optimal"] is True
    assert res.diagnostics["unique"] is False
    assert "".join(res.ranking) in {"abc", "bca", "cab"}


# --- Borda / Condorcet disagreement: 3 x a>b>c, 2 x b>c>a ----------------------------------------
BC = profile("abc", "abc", "abc", "bca", "bca")

EXPECTED_BC = {
    # rule: (ranking, scores in system order a, b, c)
    "borda": ("bac", [1.8, 1.6, 2.6]),  # mean ranks
    "win_rate": ("bac", [0.6, 0.7, 0.2]),
    "dowdall": ("abc", [(3 + 2 / 3) / 5, 3.5 / 5, 2.0 / 5]),
    "plurality": ("abc", [3, 2, 0]),
    "copeland": ("abc", [2, 1, 0]),
    "minimax": ("abc", [-1, 1, 5]),  # largest defeat margin
    "schulze": ("abc", [2, 1, 0]),
    "ranked_pairs": ("abc", [2, 1, 0]),
    "kemeny": ("abc", [1, 2, 3]),
}


@pytest.mark.parametrize("rule", list(EXPECTED_BC))
def test_borda_condorcet_disagreement(rule):
    ranking, scores = EXPECTED_BC[rule]
    res = aggregate(BC, rule=rule)
    assert "".join(res.ranking) == ranking
    np.testing.assert_allclose(res.scores, scores)
    assert res.diagnostics["condorcet_winner"] == "a"


def test_kemeny_score_of_the_borda_condorcet_profile():
    res = aggregate(BC, rule="kemeny")
    # a>b>c: a>b disagrees with 2 voters, a>c with 2, b>c with none
    assert res.diagnostics["kemeny_score"] == 4.0
    assert res.diagnostics["unique"] is True


def test_minimax_winning_votes_variant():
    res = aggregate(BC, rule="minimax", strength="winning_votes")
    # defeats: a none -> 0 ... b beaten by a with 3 votes, c beaten by b with 5 votes
    np.testing.assert_allclose(res.scores, [0, 3, 5])


# --- ties within tasks --------------------------------------------------------------------------
TIES = rankagg.ScoreTable(
    np.array([[0.9, 10.0], [0.9, 12.0], [0.7, 12.0], [0.5, 14.0]]),
    systems=["a", "b", "c", "d"],
    tasks=["acc", "loss"],
    higher_is_better={"acc": True, "loss": False},
)


def test_ties_are_averaged_in_borda_and_share_credit_in_win_rate():
    ranks = TIES.rank().ranks
    np.testing.assert_array_equal(ranks, [[1.5, 1.0], [1.5, 2.5], [3.0, 2.5], [4.0, 4.0]])
    borda = aggregate(TIES, rule="borda")
    np.testing.assert_allclose(borda.scores, [1.25, 2.0, 2.75, 4.0])
    # HELM: (#beaten + #tied / 2) / (n - 1) per task: a: (2.5/3 + 3/3)/2
    wr = aggregate(TIES, rule="win_rate")
    np.testing.assert_allclose(wr.scores, [(2.5 / 3 + 1) / 2, (2.5 / 3 + 1.5 / 3) / 2, (1 / 3 + 1.5 / 3) / 2, 0.0])
    # Dowdall: tie on positions 1-2 shares (1 + 1/2) / 2
    dd = aggregate(TIES, rule="dowdall")
    np.testing.assert_allclose(
        dd.scores,
        [(0.75 + 1) / 2, (0.75 + (1 / 2 + 1 / 3) / 2) / 2, (1 / 3 + (1 / 2 + 1 / 3) / 2) / 2, (1 / 4 + 1 / 4) / 2],
    )
    # plurality: a and b share the win on acc, a wins loss alone
    np.testing.assert_allclose(aggregate(TIES, rule="plurality").scores, [1.5, 0.5, 0.0, 0.0])


def test_tie_tolerance_creates_ties_that_exact_equality_does_not():
    t = make_table(np.array([[0.901], [0.900], [0.800]]), [True])
    assert list(aggregate(t, rule="borda").ranks) == [1, 2, 3]
    assert list(aggregate(t, rule="borda", atol=0.005).ranks) == [1, 1, 3]
    assert aggregate(t, rule="borda", atol=0.005).atol == 0.005


# --- the score-based rules, by hand ---------------------------------------------------------------
SCORES = make_table(np.array([[1.0, 4.0, 16.0], [2.0, 2.0, 2.0], [4.0, 1.0, 8.0]]), [True, True, True])


def test_mean_family_values():
    np.testing.assert_allclose(aggregate(SCORES, rule="mean").scores, [7.0, 2.0, 13 / 3])
    np.testing.assert_allclose(aggregate(SCORES, rule="geometric_mean").scores, [4.0, 2.0, 32 ** (1 / 3)])
    np.testing.assert_allclose(aggregate(SCORES, rule="median").scores, [4.0, 2.0, 4.0])
    # min-max: t0 (1,2,4) -> 0, 1/3, 1; t1 (4,2,1) -> 1, 1/3, 0; t2 (16,2,8) -> 1, 0, 3/7
    np.testing.assert_allclose(
        aggregate(SCORES, rule="minmax_mean").scores, [2 / 3, (1 / 3 + 1 / 3) / 3, (1 + 3 / 7) / 3]
    )
    z = aggregate(SCORES, rule="zscore_mean").scores
    cols = SCORES.scores
    expect = ((cols - cols.mean(0)) / cols.std(0)).mean(1)
    np.testing.assert_allclose(z, expect)


def test_weighted_median_matches_repeated_values():
    t = make_table(np.array([[1.0, 5.0, 9.0], [3.0, 3.0, 3.0]]), [True] * 3, weights=[1, 3, 1])
    np.testing.assert_allclose(aggregate(t, rule="median").scores, [5.0, 3.0])
    t2 = make_table(np.array([[1.0, 5.0], [3.0, 3.0]]), [True] * 2, weights=[1, 1])
    np.testing.assert_allclose(aggregate(t2, rule="median").scores, [3.0, 3.0])


def test_lower_is_better_mean_ranks_the_smallest_first():
    t = make_table(np.array([[10.0, 20.0], [5.0, 6.0], [7.0, 8.0]]), [False, False])
    res = aggregate(t, rule="mean")
    assert res.ranking == ["s1", "s2", "s0"] and res.higher_is_better is False


def test_score_averaging_rules_refuse_mixed_directions():
    t = make_table(np.array([[1.0, 2.0], [2.0, 1.0]]), [True, False])
    for rule in ("mean", "geometric_mean", "median"):
        with pytest.raises(rankagg.RuleError, match=r"higher-is-better.*lower-is-better.*zscore_mean"):
            aggregate(t, rule=rule)
    # s1 is better on both tasks once each is oriented
    assert aggregate(t, rule="zscore_mean").ranks.tolist() == [2, 1]


def test_geometric_mean_refuses_non_positive_scores():
    t = make_table(np.array([[0.0, 2.0], [2.0, 1.0]]), [True, True])
    with pytest.raises(rankagg.RuleError, match=r"needs positive scores.*\('s0', 't0'\) = 0\.0"):
        aggregate(t, rule="geometric_mean")


# --- the mean depends on the scale; rank rules do not ------------------------------------------
def test_rescaling_one_task_changes_the_mean_winner_but_not_rank_rules():
    # task "code" reported in % vs as a fraction
    scores = np.array([[78.0, 89.0, 31.0], [70.0, 84.0, 58.0], [74.0, 87.0, 27.0]])
    pct = make_table(scores, [True] * 3, systems=["A", "B", "C"])
    frac_scores = scores.copy()
    frac_scores[:, 2] /= 100.0
    frac = make_table(frac_scores, [True] * 3, systems=["A", "B", "C"])
    assert aggregate(pct, rule="mean").winners == ("B",)
    assert aggregate(frac, rule="mean").winners == ("A",)
    for rule in ("borda", "copeland", "schulze", "ranked_pairs", "kemeny", "win_rate"):
        before, after = aggregate(pct, rule=rule), aggregate(frac, rule=rule)
        assert before.ranks.tolist() == after.ranks.tolist()
        assert before.winners == after.winners == ("A",)


# --- Kemeny against brute force -----------------------------------------------------------------
def brute_force_kemeny(table):
    ranks = table.rank().ranks
    w = table.weights
    best = None
    for perm in itertools.permutations(range(table.n_systems)):
        pos = np.empty(table.n_systems)
        pos[list(perm)] = np.arange(1, table.n_systems + 1)
        cost = sum(w[j] * rankagg.kendall_distance(pos, ranks[:, j]) for j in range(table.n_columns))
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(25))
def test_kemeny_rule_matches_brute_force_on_random_profiles(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(3, 7), rng.integers(2, 7)
    scores = rng.integers(0, 4, size=(n, m)).astype(float)
    if seed % 3 == 0:
        scores[rng.random((n, m)) < 0.2] = np.nan
        scores[:, 0] = np.arange(n)  # every system keeps a score
    table = make_table(scores, [True] * m, rng.integers(1, 3, m).tolist(), missing="partial")
    res = aggregate(table, rule="kemeny")
    assert res.diagnostics["optimal"]
    assert res.diagnostics["kemeny_score"] == pytest.approx(brute_force_kemeny(table))
    # the reported score is the Kendall-distance sum of the returned ranking (one optimal order)
    pos = np.empty(table.n_systems)
    pos[[table.systems.index(s) for s in res.diagnostics["order"]]] = np.arange(1, table.n_systems + 1)
    recomputed = sum(table.weights[j] * rankagg.kendall_distance(pos, table.rank().ranks[:, j]) for j in range(m))
    assert res.diagnostics["kemeny_score"] == pytest.approx(recomputed)
