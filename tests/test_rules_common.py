"""One suite over every registered rule: the axioms each rule must satisfy.

Like scikit-learn's common estimator checks: a rule added to the registry is
tested here without writing a line.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import rankagg
from rankagg import RULES, aggregate
from rankagg.rules.majority import condorcet_winner
from tests.strategies import make_table, score_arrays

# arena_elo is bradley_terry(prior=0) on the Elo scale: by default (maximum likelihood, as upstream) it refuses the
# small random tables whose MLE does not exist; tests/test_compat_rules.py checks it against bradley_terry
ALL = [r for r in RULES if r != "arena_elo"]
# rules that average raw scores need one direction for all tasks
SAME_DIRECTION = {"mean", "geometric_mean", "median", "mean_available"}
PARTIAL = [r for r, info in RULES.items() if info.partial_ok and r in ALL]
RANK_ONLY = [r for r, info in RULES.items() if info.rank_only and r in ALL]
CONDORCET = [r for r, info in RULES.items() if info.condorcet_consistent]


def _prepare(rule, arrays):
    scores, hib, weights = arrays
    if rule in SAME_DIRECTION:
        hib = [hib[0]] * len(hib)
    return scores, hib, weights


def _same_outcome(rule, a, b, perm_systems=None):
    """Whether results ``a`` and ``b`` are the same ranking (``b``'s systems possibly permuted).

    Kemeny may have several optimal rankings; then both must be optimal with the same score.
    """
    ra = np.asarray(a.ranks)
    rb = np.asarray(b.ranks)
    if perm_systems is not None:
        rb = rb[np.argsort(perm_systems)]
    if rule == "kemeny" and not (a.diagnostics["unique"] and b.diagnostics["unique"]):
        assert a.diagnostics["optimal"] and b.diagnostics["optimal"]
        assert a.diagnostics["kemeny_score"] == pytest.approx(b.diagnostics["kemeny_score"])
        return
    np.testing.assert_array_equal(ra, rb)


@pytest.mark.parametrize("rule", ALL)
@given(arrays=score_arrays())
def test_complete_weak_order_over_the_input_systems(rule, arrays):
    scores, hib, weights = _prepare(rule, arrays)
    table = make_table(scores, hib, weights)
    res = aggregate(table, rule=rule)
    assert res.systems == table.systems
    assert sorted(s for tier in res.order for s in tier) == sorted(table.systems)
    # competition ranks: rank = 1 + number of systems strictly ahead
    ranks = np.asarray(res.ranks)
    ahead = (ranks[None, :] < ranks[:, None]).sum(axis=1)
    np.testing.assert_array_equal(ranks, ahead + 1)
    # ranks agree with the scores' direction (ties in rank <=> equal score tier), except Kemeny's explicit order
    if rule != "kemeny":
        s = res.scores if res.higher_is_better else -res.scores
        for i, j in itertools.permutations(range(len(ranks)), 2):
            if ranks[i] < ranks[j]:
                assert s[i] > s[j]


@pytest.mark.parametrize("rule", ALL)
@given(arrays=score_arrays(), data=st.data())
def test_anonymity_permuting_tasks_changes_nothing(rule, arrays, data):
    scores, hib, weights = _prepare(rule, arrays)
    m = scores.shape[1]
    perm = data.draw(st.permutations(range(m)))
    table = make_table(scores, hib, weights)
    w2 = None if weights is None else [weights[j] for j in perm]
    # permuted columns keep their own names, directions and weights
    permuted = rankagg.ScoreTable(
        scores[:, perm],
        systems=list(table.systems),
        tasks=[f"t{j}" for j in perm],
        higher_is_better={f"t{j}": bool(hib[j]) for j in perm},
        weights=None if w2 is None else list(map(float, w2)),
    )
    _same_outcome(rule, aggregate(table, rule=rule), aggregate(permuted, rule=rule))


@pytest.mark.parametrize("rule", ALL)
@given(arrays=score_arrays(), data=st.data())
def test_neutrality_renaming_systems_renames_the_result(rule, arrays, data):
    scores, hib, weights = _prepare(rule, arrays)
    n = scores.shape[0]
    perm = np.array(data.draw(st.permutations(range(n))))
    names = [f"sys_{i}" for i in range(n)]
    a = aggregate(make_table(scores, hib, weights, systems=names), rule=rule)
    # rows shuffled and systems given unrelated new names
    new_names = [f"z{(7 * k + 3) % 101}_{names[i]}" for k, i in enumerate(perm)]
    b = aggregate(make_table(scores[perm], hib, weights, systems=new_names), rule=rule)
    _same_outcome(rule, a, b, perm_systems=perm)


@pytest.mark.parametrize("rule", ALL)
@given(arrays=score_arrays(min_n=3), data=st.data())
def test_pareto_a_system_better_on_every_task_is_ranked_above(rule, arrays, data):
    scores, hib, weights = _prepare(rule, arrays)
    n, _m = scores.shape
    a, b = data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
    sign = np.where(hib, 1.0, -1.0)
    scores = scores.copy()
    # make `a` strictly better than `b` on every task (keep scores positive)
    scores[a] = scores[b] + sign * data.draw(st.integers(1, 3))
    scores[a] = np.where(scores[a] <= 0, scores[b] / 2.0, scores[a])
    res = aggregate(make_table(scores, hib, weights), rule=rule)
    if RULES[rule].pareto == "strict":
        assert res.ranks[a] < res.ranks[b]
    else:
        assert res.ranks[a] <= res.ranks[b]


@pytest.mark.parametrize("rule", RANK_ONLY)
@given(arrays=score_arrays(), data=st.data())
def test_rank_only_rules_ignore_monotone_transforms_of_a_task(rule, arrays, data):
    scores, hib, weights = _prepare(rule, arrays)
    j = data.draw(st.integers(0, scores.shape[1] - 1))
    transformed = scores.copy()
    # strictly increasing, keeps exact ties exact
    transformed[:, j] = 1000.0 * scores[:, j] ** 3 + np.exp(scores[:, j])
    a = aggregate(make_table(scores, hib, weights), rule=rule)
    b = aggregate(make_table(transformed, hib, weights), rule=rule)
    _same_outcome(rule, a, b)


@pytest.mark.parametrize("rule", CONDORCET)
@given(arrays=score_arrays(min_n=3, max_m=7))
def test_condorcet_consistent_rules_rank_the_condorcet_winner_first(rule, arrays):
    scores, hib, weights = _prepare(rule, arrays)
    table = make_table(scores, hib, weights)
    wins, _ = table.rank().pairwise()
    cw = condorcet_winner(wins - wins.T)
    assume(cw is not None)
    res = aggregate(table, rule=rule)
    assert res.winners == (table.systems[cw],)
    assert res.diagnostics["condorcet_winner"] == table.systems[cw]


@pytest.mark.parametrize("rule", ALL)
@given(arrays=score_arrays(max_m=4), data=st.data())
def test_weight_two_equals_a_duplicated_task(rule, arrays, data):
    scores, hib, _ = _prepare(rule, arrays)
    m = scores.shape[1]
    j = data.draw(st.integers(0, m - 1))
    weights = [1.0] * m
    weights[j] = 2.0
    a = aggregate(make_table(scores, hib, weights), rule=rule)
    dup = np.column_stack([scores, scores[:, j]])
    b = aggregate(make_table(dup, [*hib, hib[j]]), rule=rule)
    _same_outcome(rule, a, b)


@pytest.mark.parametrize("rule", PARTIAL)
@given(arrays=score_arrays(missing=True), data=st.data())
def test_partial_rules_give_a_complete_order_and_are_anonymous(rule, arrays, data):
    scores, hib, weights = _prepare(rule, arrays)
    table = make_table(scores, hib, weights, missing="partial")
    res = aggregate(table, rule=rule)
    assert sorted(res.ranking) == sorted(table.systems)
    perm = data.draw(st.permutations(range(scores.shape[1])))
    permuted = rankagg.ScoreTable(
        scores[:, perm],
        systems=list(table.systems),
        tasks=[f"t{j}" for j in perm],
        higher_is_better={f"t{j}": bool(hib[j]) for j in perm},
        weights=None if weights is None else [float(weights[j]) for j in perm],
        missing="partial",
    )
    _same_outcome(rule, res, aggregate(permuted, rule=rule))


@pytest.mark.parametrize("rule", ALL)
@given(arrays=score_arrays())
def test_partial_policy_without_missing_cells_equals_full_data(rule, arrays):
    scores, hib, weights = _prepare(rule, arrays)
    full = aggregate(make_table(scores, hib, weights), rule=rule)
    part = aggregate(make_table(scores, hib, weights, missing="partial"), rule=rule)
    _same_outcome(rule, full, part)
    assert part.missing_policy == "partial" and full.missing_policy == "raise"


@pytest.mark.parametrize("rule", [r for r in ALL if r not in PARTIAL])
def test_rules_without_partial_support_refuse_partial_tables_and_name_the_way_out(rule):
    table = make_table(np.array([[1.0, np.nan], [2.0, 3.0], [3.0, 1.0]]), [True, True], missing="partial")
    with pytest.raises(rankagg.RuleError, match=r"does not accept partial rankings.*copeland.*drop_systems"):
        aggregate(table, rule=rule)


def test_registry_metadata_is_complete():
    for name, info in RULES.items():
        assert info.name == name
        assert info.family in {"mean", "positional", "majority", "kemeny", "probabilistic", "two-level"}
        assert info.summary and info.score_name
        assert info.pareto in {"strict", "weak"}
        assert info.func.__doc__, f"rule {name} has no docstring"
    expected = {
        "mean",
        "zscore_mean",
        "minmax_mean",
        "geometric_mean",
        "median",
        "win_rate",
        "borda",
        "dowdall",
        "plurality",
        "copeland",
        "minimax",
        "schulze",
        "ranked_pairs",
        "kemeny",
    }
    assert expected <= set(RULES)
