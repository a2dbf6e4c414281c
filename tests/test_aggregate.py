"""aggregate() and compare(): the result objects, and the comparison checked against brute force."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import rankagg
from rankagg import RULES, RankaggError, RuleError, ScoreTable, ScoreTableError, aggregate, compare
from rankagg.rankings.distances import kendall_tau_b, top_k_overlap
from rankagg.rules.base import _REGISTRY, RuleInfo, RuleOutput
from tests.helpers import pin
from tests.strategies import make_table, score_arrays

NAN = np.nan


@pytest.fixture
def tied():
    """A and B tie under Borda (ranks 1,2 / 2,1); C is last on both tasks."""
    return ScoreTable(
        [[3.0, 2.0], [2.0, 3.0], [1.0, 1.0]], systems=["A", "B", "C"], tasks=["x", "y"], higher_is_better=True
    )


@pytest.fixture
def toy():
    return rankagg.load_example("toy")


def partial_table():
    return ScoreTable(
        [[1.0, NAN, 5.0], [2.0, 3.0, 4.0], [0.5, 1.0, NAN], [3.0, 2.0, 1.0]],
        systems=["A", "B", "C", "D"],
        tasks=["x", "y", "z"],
        higher_is_better=True,
        missing="partial",
    )


# ---------------------------------------------------------------------------- RankingResult
def test_result_is_frozen_and_its_arrays_read_only(tied):
    res = aggregate(tied, rule="borda")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.rule = "mean"
    with pytest.raises(ValueError, match="read-only"):
        res.ranks[0] = 3
    with pytest.raises(ValueError, match="read-only"):
        res.scores[0] = 0.0
    with pytest.raises(TypeError):
        res.params["x"] = 1
    with pytest.raises(TypeError):
        res.diagnostics["x"] = 1


def test_result_frame_order_winners_and_rank_of(tied):
    res = aggregate(tied, rule="borda")
    assert res.rule == "borda" and res.score_name == "mean rank" and res.higher_is_better is False
    np.testing.assert_array_equal(res.scores, [1.5, 1.5, 3.0])
    frame = res.to_frame()
    assert list(frame.columns) == ["system", "rank", "score"]
    assert frame.values.tolist() == [["A", 1, 1.5], ["B", 1, 1.5], ["C", 3, 3.0]]
    assert res.order == (("A", "B"), ("C",))
    assert res.ranking == ["A", "B", "C"]
    assert res.winners == ("A", "B")
    assert (res.rank_of("A"), res.rank_of("B"), res.rank_of("C")) == (1, 1, 3)
    assert res.tasks == ("x", "y") and res.systems == ("A", "B", "C")
    assert str(res).splitlines()[0] == "borda (mean rank; missing='raise')"
    with pytest.raises(RankaggError, match=pin("system: no system 'AA' in the result. Did you mean 'A'?")):
        res.rank_of("AA")


def test_result_frame_is_sorted_by_rank_whatever_the_table_order(toy):
    res = aggregate(toy, rule="mean")
    frame = res.to_frame()
    assert frame["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert frame["system"].iloc[0] == "Wren"  # carried by one high-variance task
    assert frame["score"].is_monotonic_decreasing  # mean score: higher is better


def test_params_include_defaults(tied):
    assert dict(aggregate(tied, rule="copeland").params) == {"tie_score": 0.5}
    assert dict(aggregate(tied, rule="copeland", tie_score=0).params) == {"tie_score": 0}
    assert dict(aggregate(tied, rule="schulze").params) == {"strength": "margins"}
    assert dict(aggregate(tied, rule="borda").params) == {}
    km = aggregate(tied, rule="kemeny", time_limit=5)
    assert set(km.params) >= {"method", "time_limit", "rng"} and km.params["time_limit"] == 5


def test_tolerances_are_recorded_and_used(tied):
    res = aggregate(tied, rule="borda", atol=2.0)
    assert (res.atol, res.rtol) == (2.0, 0.0)
    # every task's scores lie within 2 of its best: all systems tie everywhere
    np.testing.assert_array_equal(res.scores, [2.0, 2.0, 2.0])
    assert res.winners == ("A", "B", "C")
    # within 1 point of the leader: x groups {A, B} {C}, y groups {B, A} {C}: the same as exact ranks here
    np.testing.assert_array_equal(aggregate(tied, rule="borda", atol=1.0).scores, [1.5, 1.5, 3.0])
    # mean-family rules read the raw scores: tolerances do not change them
    np.testing.assert_array_equal(aggregate(tied, rule="mean", atol=2.0).scores, [2.5, 2.5, 1.0])


def test_aliases_resolve_to_the_canonical_rule(tied):
    assert aggregate(tied, rule="Mean-Rank").rule == "borda"
    assert aggregate(tied, rule="beatpath").rule == "schulze"
    assert aggregate(tied, rule="HELM").rule == "win_rate"


@pytest.mark.parametrize(
    ("policy", "dropped_systems", "dropped_tasks", "systems"),
    [
        ("drop_systems", ("A", "C"), (), ("B", "D")),
        ("drop_tasks", (), ("y", "z"), ("A", "B", "C", "D")),
        ("partial", (), (), ("A", "B", "C", "D")),
    ],
)
def test_missing_policy_and_drops_are_recorded_in_results(policy, dropped_systems, dropped_tasks, systems):
    table = partial_table().with_missing(policy)
    res = aggregate(table, rule="copeland")
    assert res.missing_policy == policy
    assert res.dropped_systems == dropped_systems and res.dropped_tasks == dropped_tasks
    assert res.systems == systems
    cmp = compare(table, ["win_rate", "copeland"], reference="win_rate")
    assert cmp.missing_policy == policy
    assert cmp.results["copeland"].dropped_systems == dropped_systems


def test_raise_policy_is_recorded(tied):
    res = aggregate(tied, rule="borda")
    assert res.missing_policy == "raise" and res.dropped_systems == () and res.dropped_tasks == ()


# ---------------------------------------------------------------------------- aggregate errors
def test_unknown_rule_suggests_the_closest(tied):
    with pytest.raises(RuleError, match=pin("unknown rule 'bordaa'. Did you mean 'borda'? See `rankagg rules`")):
        aggregate(tied, rule="bordaa")
    with pytest.raises(RuleError, match=pin("unknown rule 'copland'. Did you mean 'copeland'?")):
        compare(tied, ["mean", "copland"])
    with pytest.raises(RuleError, match=pin("rule: expected a rule name, got int.")):
        aggregate(tied, rule=3)


def test_unknown_parameter_names_the_valid_ones(tied):
    with pytest.raises(
        RuleError,
        match=pin("rule 'schulze' has no parameter 'strenght'; its parameters are: strength. Did you mean 'strength'?"),
    ):
        aggregate(tied, rule="schulze", strenght="margins")
    with pytest.raises(
        RuleError, match=pin("rule 'kemeny' has no parameter 'seed'; its parameters are: method,", "time_limit", "rng")
    ):
        aggregate(tied, rule="kemeny", seed=1)
    with pytest.raises(RuleError, match=pin("rule 'borda' has no parameter 'x'; its parameters are: none.")):
        aggregate(tied, rule="borda", x=1)


def test_partial_table_with_a_rule_refusing_partial_rankings():
    with pytest.raises(
        RuleError,
        match=pin(
            "rule 'borda' does not accept partial rankings, and this table keeps missing scores "
            "(missing='partial'); use a rule that accepts partial rankings (CLI: --rule, or --rules): "
            "win_rate, copeland",
            "or rebuild the table (table.with_missing(...)): use missing='drop_systems'",
        ),
    ):
        aggregate(partial_table(), rule="borda")


def test_aggregate_needs_a_score_table(tied):
    with pytest.raises(ScoreTableError, match=pin("table: expected a rankagg.ScoreTable, got DataFrame.")):
        aggregate(tied.to_wide(), rule="borda")


def test_a_rule_returning_invalid_scores_is_reported_as_a_bug(tied, monkeypatch):
    def broken(inp):
        return RuleOutput(np.array([1.0, NAN, 2.0]), higher_is_better=True)

    info = RuleInfo(
        name="broken",
        func=broken,
        family="mean",
        summary="",
        score_name="x",
        partial_ok=False,
        condorcet_consistent=False,
        rank_only=False,
    )
    monkeypatch.setitem(_REGISTRY, "broken", info)
    with pytest.raises(RuleError, match=pin("rule 'broken' returned invalid scores", "this is a bug in the rule.")):
        aggregate(tied, rule="broken")


# ---------------------------------------------------------------------------- compare
def test_compare_adds_the_reference_first(toy):
    # without a reference, the first compared rule is the reference (no hidden rule that may not fit the table)
    first = compare(toy, ["borda", "copeland"])
    assert first.rules == ("borda", "copeland") and first.reference == "borda"
    cmp = compare(toy, ["borda", "copeland"], reference="mean")
    assert cmp.rules == ("mean", "borda", "copeland") and cmp.reference == "mean"
    assert list(cmp.ranks.columns) == ["mean", "borda", "copeland"]
    assert compare(toy, "borda, copeland", reference="mean").rules == ("mean", "borda", "copeland")  # a string
    assert compare(toy, ["mean", "borda", "mean_rank"]).rules == ("mean", "borda")  # aliases deduplicated
    assert compare(toy, ["mean"], reference="borda").rules == ("borda", "mean")
    frame = cmp.to_frame()
    assert list(frame.columns) == ["system", "mean", "borda", "copeland"]
    assert frame["mean"].is_monotonic_increasing  # rows sorted by the reference


def test_compare_on_the_toy_example(toy):
    cmp = compare(toy, ["mean", "borda", "copeland", "kemeny"])
    assert cmp.ranks.loc["Wren"].tolist() == [1, 5, 5, 5]
    assert cmp.n_disagreements().to_dict() == {"borda": 4, "copeland": 4, "kemeny": 4}
    # 4 of 15 pairs reversed, no ties: tau = 1 - 2 * 4 / 15
    assert cmp.agreement.loc["mean", "kemeny"] == pytest.approx(7 / 15)
    assert cmp.results["kemeny"].diagnostics["optimal"]
    assert cmp.top_k == 3
    # top 3: mean {Wren, Osprey, Heron}, the others {Osprey, Heron, Kestrel}
    assert cmp.top_k_agreement.loc["mean", "borda"] == pytest.approx(2 / 3)


def test_compare_params_per_rule(tied):
    cmp = compare(
        tied,
        ["copeland", "schulze"],
        reference="mean",
        params={"copeland": {"tie_score": 0}, "beatpath": {"strength": "winning_votes"}},
    )
    assert dict(cmp.results["copeland"].params) == {"tie_score": 0}
    assert dict(cmp.results["schulze"].params) == {"strength": "winning_votes"}
    assert dict(cmp.results["mean"].params) == {}
    np.testing.assert_array_equal(cmp.results["copeland"].scores, [1.0, 1.0, 0.0])


def test_compare_errors(tied):
    with pytest.raises(
        RuleError,
        match=pin(
            "params: rule 'kemeny' is not among the rules compared (mean, borda); add it to the rules, or drop "
            "its parameters."
        ),
    ):
        compare(tied, ["borda"], reference="mean", params={"kemeny": {"time_limit": 1}})
    with pytest.raises(RuleError, match=pin("top_k=0: must be a positive integer.")):
        compare(tied, ["borda"], top_k=0)
    with pytest.raises(RuleError, match=pin("rule 'copeland' has no parameter 'x'")):
        compare(tied, ["copeland"], params={"copeland": {"x": 1}})


def test_compare_on_a_partial_table_names_every_refusing_rule():
    with pytest.raises(
        RuleError,
        match=pin(
            "rule(s) 'mean', 'borda' do not accept partial rankings",
            "missing='drop_systems'",
            "compare only rules that accept partial rankings: win_rate, copeland",
            "reference='win_rate'",
        ),
    ):
        compare(partial_table(), ["borda", "copeland"], reference="mean")
    with pytest.raises(RuleError, match=pin("rule(s) 'borda' do not accept partial rankings")) as info:
        compare(partial_table(), ["borda", "copeland"], reference="win_rate")
    assert "reference=" not in str(info.value)  # the reference is fine here
    cmp = compare(partial_table(), ["copeland", "schulze", "kemeny"], reference="win_rate")
    assert cmp.rules == ("win_rate", "copeland", "schulze", "kemeny")


def brute_force_checks(table, cmp):
    """Check agreement, top-k and disagreements of ``cmp`` against loops over pairs of systems."""
    names = list(cmp.rules)
    systems = list(table.systems)
    ranks = {n: np.asarray(cmp.results[n].ranks, dtype=float) for n in names}
    # agreement: symmetric, unit diagonal, Kendall tau-b of the consensus ranks
    a = cmp.agreement
    assert list(a.index) == names and list(a.columns) == names
    np.testing.assert_allclose(a.to_numpy(), a.to_numpy().T, equal_nan=True)
    np.testing.assert_array_equal(np.diag(a.to_numpy()), np.ones(len(names)))
    for x, y in itertools.combinations(names, 2):
        np.testing.assert_allclose(a.loc[x, y], kendall_tau_b(ranks[x], ranks[y]), equal_nan=True)
        assert cmp.top_k_agreement.loc[x, y] == pytest.approx(top_k_overlap(ranks[x], ranks[y], cmp.top_k))
    # disagreements: exactly the pairs a rule orders strictly opposite to the reference
    ref = ranks[cmp.reference]
    expected = set()
    for n in names[1:]:
        for i, j in itertools.permutations(range(len(systems)), 2):
            if ref[i] < ref[j] and ranks[n][i] > ranks[n][j]:
                expected.add((n, systems[i], systems[j]))
    dis = cmp.disagreements
    got = set(zip(dis["rule"], dis["above_in_reference"], dis["below_in_reference"]))
    assert got == expected and len(dis) == len(expected)
    counts = pd.Series([n for n, _, _ in expected], dtype=object).value_counts()
    assert cmp.n_disagreements().to_dict() == {n: int(counts.get(n, 0)) for n in names[1:]}
    # head-to-head record of each pair, counted task by task from the scores
    s = table.oriented_scores()
    w = table.weights
    for _, row in dis.iterrows():
        i, j = systems.index(row["above_in_reference"]), systems.index(row["below_in_reference"])
        assert row["tasks_won_by_reference_top"] == pytest.approx(w[s[i] > s[j]].sum())
        assert row["tasks_won_by_rule_top"] == pytest.approx(w[s[j] > s[i]].sum())
        assert row["tasks_tied"] == pytest.approx(w[s[i] == s[j]].sum())
        rule = row["rule"]
        assert row["reference_ranks"] == f"{int(ref[i])} > {int(ref[j])}"
        assert row["rule_ranks"] == f"{int(ranks[rule][i])} < {int(ranks[rule][j])}"


def test_compare_against_brute_force_on_the_toy_example(toy):
    brute_force_checks(toy, compare(toy, ["mean", "median", "borda", "plurality", "copeland", "kemeny"]))


@settings(max_examples=40)
@given(arrays=score_arrays(min_n=3), top_k=st.integers(1, 4))
def test_compare_against_brute_force(arrays, top_k):
    scores, hib, weights = arrays
    table = make_table(scores, [hib[0]] * len(hib), weights)  # one direction: the mean needs it
    cmp = compare(table, ["borda", "plurality", "copeland", "minimax", "ranked_pairs", "kemeny"], top_k=top_k)
    assert cmp.top_k == top_k
    brute_force_checks(table, cmp)


def test_every_registered_rule_runs_in_compare(toy):
    # arena_elo is maximum likelihood by default (Chatbot Arena's), which does not exist on the toy table: a prior
    cmp = compare(toy, list(RULES), params={"arena_elo": {"prior": 1.0}})
    assert set(cmp.rules) == set(RULES)
    for n in RULES:
        assert sorted(cmp.results[n].ranks) == sorted(cmp.ranks[n])


def test_register_refuses_taken_names_and_bad_pareto():
    def rule(inp):  # never registered: both calls fail before touching the registry
        return RuleOutput(np.zeros(inp.n), higher_is_better=True)

    kw = {"family": "mean", "summary": "", "score_name": "x", "partial_ok": False, "condorcet_consistent": False}
    with pytest.raises(RuleError, match=pin("register: the rule name 'borda' is already taken.")):
        rankagg.register("borda", rank_only=True, **kw)(rule)
    with pytest.raises(RuleError, match=pin("register: the rule name 'beatpath' is already taken.")):
        rankagg.register("new_rule", rank_only=True, aliases=("beatpath",), **kw)(rule)
    with pytest.raises(RuleError, match=pin("register: pareto must be 'strict' or 'weak', got 'always'.")):
        rankagg.register("new_rule", rank_only=True, pareto="always", **kw)(rule)
    assert "new_rule" not in RULES


@given(st.integers(2, 7), st.integers(1, 5), st.integers(0, 10_000), st.booleans())
def test_condorcet_winner_without_the_pairwise_matrix_equals_the_matrix_one(n, m, seed, holes):
    # aggregate reports the Condorcet winner of every rule; for rules that do not read the pairwise matrix it is
    # found in O(n x m) without building the matrix, and must be the same system (or none)
    from rankagg.data.table import rank_table
    from rankagg.rules.base import RuleInput
    from rankagg.rules.majority import condorcet_winner, condorcet_winner_of, margins

    g = np.random.default_rng(seed)
    x = g.integers(0, 3, size=(n, m)).astype(float)  # many ties
    if holes:
        x[g.random((n, m)) < 0.25] = np.nan
    assume(not np.isnan(x).all(axis=0).any() and not np.isnan(x).all(axis=1).any())
    policy = "partial" if np.isnan(x).any() else "raise"
    try:
        w = list(g.integers(1, 4, size=m).astype(float))
        names = {"systems": [f"s{i}" for i in range(n)], "tasks": [f"t{j}" for j in range(m)]}
        t = ScoreTable(x, **names, higher_is_better=True, missing=policy, weights=w)
    except rankagg.ScoreTableError:
        assume(False)
    fresh = RuleInput(table=t, rankings=rank_table(t))
    assert "pairwise" not in fresh.__dict__
    assert condorcet_winner_of(fresh) == condorcet_winner(margins(RuleInput(table=t, rankings=rank_table(t))))
    assert "pairwise" not in fresh.__dict__  # the matrix was not built


@pytest.mark.parametrize("pairwise_rule", [False, True], ids=["score_rules_only", "with_a_pairwise_rule"])
@given(arrays=score_arrays(min_n=3, max_n=9, max_m=6, missing=True))
@settings(max_examples=40)
def test_disagreement_records_are_the_pairs_head_to_head(pairwise_rule, arrays):
    """Each reversed pair's record (tasks won by either side, tied) is the pair's weighted count over the task
    rankings, as rankagg.pairwise_counts gives it, whether or not a compared rule counted every pair (with and
    without missing scores)."""
    scores, _, weights = arrays
    hib = [True] * scores.shape[1]  # the mean family needs one direction
    t = make_table(scores, hib, weights, missing="partial" if np.isnan(scores).any() else "raise")
    rules = ["mean_available", "partial_borda"] if t.has_missing else ["minmax_mean", "borda"]
    rules += ["copeland"] if pairwise_rule else []
    cmp = compare(t, rules, reference=rules[0])
    r = t.rank()
    wins, ties = rankagg.pairwise_counts(r.ranks, weights=r.weights)
    index = {s: k for k, s in enumerate(t.systems)}
    for row in cmp.disagreements.itertuples(index=False):
        i, j = index[row.above_in_reference], index[row.below_in_reference]
        assert row.tasks_won_by_reference_top == pytest.approx(wins[i, j], abs=1e-12)
        assert row.tasks_won_by_rule_top == pytest.approx(wins[j, i], abs=1e-12)
        assert row.tasks_tied == pytest.approx(ties[i, j], abs=1e-12)
