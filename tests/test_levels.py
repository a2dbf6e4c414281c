"""Aggregating instance-level tables: one level, two levels, the chunked fast paths, and every error of _levels.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import rankagg
from rankagg import RULES, InstanceTable, RankaggError, RuleError, ScoreTable, aggregate, compare
from tests.helpers import pin
from tests.strategies import score_arrays

NAN = np.nan
# arena_elo is bradley_terry(prior=0) on the Elo scale: by default (maximum likelihood, as upstream) it refuses the
# small tables whose MLE does not exist; tests/test_compat_rules.py checks it against bradley_terry
ALL = [r for r in RULES if r != "arena_elo"]
PARTIAL = [r for r, info in RULES.items() if info.partial_ok and r in ALL]
SAME_DIRECTION = {"mean", "geometric_mean", "median", "mean_available"}


def same_outcome(rule, a, b):
    """The same ranking, or (Kemeny with several optima) two optimal rankings of the same score."""
    if rule == "kemeny" and not (a.diagnostics["unique"] and b.diagnostics["unique"]):
        assert a.diagnostics["optimal"] and b.diagnostics["optimal"]
        assert a.diagnostics["kemeny_score"] == pytest.approx(b.diagnostics["kemeny_score"])
        return
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-9, atol=1e-9)


def random_instances(seed, *, n=6, tasks=3, missing=False, levels=4, same_direction=False):
    rng = np.random.default_rng(seed)
    data = {}
    for j in range(tasks):
        x = rng.integers(0, levels, size=(n, int(rng.integers(2, 9)))).astype(float) + 1.0
        if missing:
            x[rng.random(x.shape) < 0.25] = NAN
            x[:, 0] = np.arange(1, n + 1, dtype=float)[rng.permutation(n)]  # every system scored somewhere
        data[f"t{j}"] = x
    hib = {f"t{j}": bool(rng.integers(0, 2)) for j in range(tasks)}
    if same_direction:  # rules that average raw scores need one direction
        hib = dict.fromkeys(hib, True)
    return InstanceTable.from_arrays(
        data,
        systems=[f"s{i}" for i in range(n)],
        higher_is_better=hib,
        weights=[float(w) for w in rng.integers(1, 3, size=tasks)],
        missing="partial" if missing else "raise",
    )


# ---------------------------------------------------------------------------- one instance per task = task level
@pytest.mark.parametrize("rule", ALL)
@settings(max_examples=12)
@given(arrays=score_arrays(max_m=5))
def test_one_instance_per_task_one_and_two_levels_equal_task_level(rule, arrays):
    scores, hib, weights = arrays
    if rule in SAME_DIRECTION:
        hib = [hib[0]] * len(hib)
    n, m = scores.shape
    tasks = [f"t{j}" for j in range(m)]
    direction = {t: bool(h) for t, h in zip(tasks, hib, strict=True)}
    w = None if weights is None else [float(x) for x in weights]
    systems = [f"s{i}" for i in range(n)]
    table = ScoreTable(scores, systems=systems, tasks=tasks, higher_is_better=direction, weights=w)
    inst = InstanceTable.from_arrays(
        {t: scores[:, [j]] for j, t in enumerate(tasks)}, systems=systems, higher_is_better=direction, weights=w
    )
    task_level = aggregate(table, rule=rule)
    for weighting in ("per_task", "uniform"):
        same_outcome(rule, task_level, aggregate(inst, rule=rule, level="one", instance_weighting=weighting))
    two = aggregate(inst, rule=rule, level="two")  # inner mean: the instance score itself
    same_outcome(rule, task_level, two)
    assert two.level == "two" and two.inner == "mean" and two.outer == rule and task_level.level == "task"
    if RULES[rule].rank_only:  # any inner rule that reproduces a single ranking will do for rank-only outer rules
        same_outcome(rule, task_level, aggregate(inst, level="two", inner="borda", outer=rule))


@pytest.mark.parametrize("rule", PARTIAL)
def test_one_instance_per_task_with_missing_scores_equals_the_partial_task_table(rule):
    scores = np.array([[1.0, NAN, 5.0], [2.0, 3.0, 4.0], [0.5, 1.0, NAN], [3.0, 2.0, 1.0]])
    kw = {"systems": ["A", "B", "C", "D"], "higher_is_better": True, "missing": "partial"}
    table = ScoreTable(scores, tasks=["x", "y", "z"], **kw)
    inst = InstanceTable.from_arrays({t: scores[:, [j]] for j, t in enumerate("xyz")}, **kw)
    same_outcome(rule, aggregate(table, rule=rule), aggregate(inst, rule=rule, level="one"))
    for pairwise in ("observed", "expected") if RULES[rule].pairwise_ok else ("observed",):
        same_outcome(
            rule, aggregate(table, rule=rule, pairwise=pairwise), aggregate(inst, rule=rule, pairwise=pairwise)
        )


# ---------------------------------------------------------------------------- fast paths = the voter table
@pytest.mark.parametrize("rule", ALL)
@pytest.mark.parametrize("weighting", ["per_task", "uniform"])
def test_level_one_equals_every_rule_on_the_table_of_instance_voters(rule, weighting):
    for seed in range(4):
        inst = random_instances(seed)
        if rule in SAME_DIRECTION:
            inst = InstanceTable.from_arrays(
                {lab: inst.column_scores(lab) for lab in inst.labels}, systems=inst.systems, higher_is_better=True
            )
        a = aggregate(inst, rule=rule, instance_weighting=weighting)
        b = aggregate(inst.voter_table(weighting), rule=rule)
        same_outcome(rule, a, b)
        assert a.diagnostics["condorcet_winner"] == b.diagnostics["condorcet_winner"]
        assert (a.level, a.instance_weighting, a.tasks) == ("one", weighting, inst.labels)


@pytest.mark.parametrize("rule", PARTIAL)
def test_level_one_on_partial_instances_equals_the_voter_table_observed_and_expected(rule):
    for seed in range(3):
        inst = random_instances(seed, missing=True, same_direction=rule in SAME_DIRECTION)
        same_outcome(rule, aggregate(inst, rule=rule), aggregate(inst.voter_table(), rule=rule))
        if RULES[rule].pairwise_ok:
            a = aggregate(inst, rule=rule, pairwise="expected", chunk_size=3)
            same_outcome(rule, a, aggregate(inst.voter_table(), rule=rule, pairwise="expected"))
            assert a.pairwise == "expected"


def test_results_do_not_depend_on_the_chunk_size_and_record_the_tolerance():
    inst = random_instances(11, missing=True)
    for rule in ("win_rate", "partial_borda", "copeland", "kemeny", "bradley_terry"):
        ref = aggregate(inst, rule=rule, atol=0.6)
        for chunk in (1, 2, 5):
            same_outcome(rule, ref, aggregate(inst, rule=rule, atol=0.6, chunk_size=chunk, max_memory=10**6))
        same_outcome(rule, ref, aggregate(inst.voter_table(), rule=rule, atol=0.6))
        assert ref.atol == 0.6


# ---------------------------------------------------------------------------- two levels
@pytest.mark.parametrize("outer", ALL)
def test_two_levels_with_inner_mean_is_the_outer_rule_on_the_classic_leaderboard(outer):
    inst = random_instances(3)
    if outer in SAME_DIRECTION:
        inst = InstanceTable.from_arrays(
            {lab: inst.column_scores(lab) for lab in inst.labels}, systems=inst.systems, higher_is_better=True
        )
    res = aggregate(inst, level="two", inner="mean", outer=outer)
    same_outcome(outer, res, aggregate(inst.task_table(), rule=outer))
    assert (res.level, res.inner, res.outer, res.rule, res.instance_weighting) == ("two", "mean", outer, outer, None)
    assert set(res.diagnostics["inner_ranks"]) == set(inst.labels)


def test_two_levels_inner_results_become_task_columns_with_the_inner_direction():
    inst = random_instances(4)
    res = aggregate(inst, level="two", inner="borda", outer="mean")  # mean of mean ranks: lower is better
    ranks = inst.voter_table().rank().ranks
    offs = inst.offsets
    mean_ranks = np.column_stack([ranks[:, offs[j] : offs[j + 1]].mean(axis=1) for j in range(inst.n_columns)])
    expected = (mean_ranks * inst.weights).sum(axis=1) / inst.weights.sum()
    np.testing.assert_allclose(res.scores, expected)
    assert res.higher_is_better is False
    # the rule name is the outer one, given as rule= or outer=
    a = aggregate(inst, rule="copeland", level="two", inner="borda")
    b = aggregate(inst, level="two", inner="borda", outer="copeland")
    np.testing.assert_array_equal(a.ranks, b.ranks)
    assert a.rule == b.rule == a.outer == "copeland"


def test_two_levels_is_invariant_to_monotone_transforms_of_each_instance_where_the_mean_is_not():
    # BLEU-like scores of three systems on three segments: A > B > C, C > B > A, B > A > C
    x = np.array([[0.95, 0.10, 0.40], [0.50, 0.45, 0.45], [0.30, 0.60, 0.10]])
    kw = {"systems": ["A", "B", "C"], "higher_is_better": True}
    before = InstanceTable.from_arrays({"bleu": x}, **kw)
    # a different strictly increasing transform of each segment (scale, shift and cube, exponential)
    y = x.copy()
    y[:, 0] = y[:, 0] / 10.0
    y[:, 1] = 5.0 + y[:, 1] ** 3
    y[:, 2] = np.exp(4 * y[:, 2])
    after = InstanceTable.from_arrays({"bleu": y}, **kw)
    for inner, outer in (("borda", "borda"), ("borda", "kemeny"), ("copeland", "kemeny"), ("kemeny", "borda")):
        a = aggregate(before, level="two", inner=inner, outer=outer)
        b = aggregate(after, level="two", inner=inner, outer=outer)
        assert a.ranking == b.ranking, (inner, outer)
    # the mean of the instance scores is not: A wins before, B after (one level, and two levels with an inner mean)
    assert aggregate(before, rule="mean").winners == ("A",)
    assert aggregate(after, rule="mean").winners == ("B",)
    assert aggregate(before, level="two", inner="mean", outer="mean").winners == ("A",)
    assert aggregate(after, level="two", inner="mean", outer="mean").winners == ("B",)


def test_per_task_weighting_keeps_a_large_task_from_dominating_uniform_does_not():
    # task 'big' (10 instances) prefers B, tasks 'a' and 'b' (one instance each) prefer A
    big = np.tile([[0.0], [1.0]], (1, 10))
    one = np.array([[1.0], [0.0]])
    inst = InstanceTable.from_arrays({"big": big, "a": one, "b": one}, systems=["A", "B"], higher_is_better=True)
    assert aggregate(inst, rule="borda").winners == ("A",)  # per_task: 1 vote for B, 2 for A
    assert aggregate(inst, rule="borda", instance_weighting="uniform").winners == ("B",)  # 10 votes for B, 2 for A
    # ... unless the user weighs the tasks so
    heavy = InstanceTable.from_arrays(
        {"big": big, "a": one, "b": one}, systems=["A", "B"], higher_is_better=True, weights={"big": 10.0}
    )
    assert aggregate(heavy, rule="borda").winners == ("B",)


def test_ties_at_instance_level_count_half_a_win_or_follow_a_tolerance():
    x = np.array([[0.50, 0.50, 0.90], [0.50, 0.52, 0.10]])
    inst = InstanceTable.from_arrays({"q": x}, systems=["A", "B"], higher_is_better=True)
    wins, ties = inst.pairwise(instance_weighting="uniform")
    assert (wins[0, 1], wins[1, 0], ties[0, 1]) == (1.0, 1.0, 1.0)
    wins, ties = inst.pairwise(instance_weighting="uniform", atol=0.05)
    assert (wins[0, 1], wins[1, 0], ties[0, 1]) == (1.0, 0.0, 2.0)
    res = aggregate(inst, rule="bradley_terry", instance_weighting="uniform", atol=0.05, prior=0.0)
    # Bradley-Terry with half wins: A has 1 + 2/2 = 2 of 3, so P(A beats B) = 2/3
    s = res.diagnostics["strengths"]
    assert s["A"] / (s["A"] + s["B"]) == pytest.approx(2 / 3)


def test_compare_at_both_levels():
    inst = random_instances(7)
    cmp = compare(inst, ["borda", "copeland", "kemeny"], reference="borda")
    assert cmp.level == "one" and cmp.inner is None and cmp.rules == ("borda", "copeland", "kemeny")
    for n in cmp.rules:
        np.testing.assert_array_equal(cmp.results[n].ranks, aggregate(inst, rule=n).ranks)
        assert cmp.results[n].level == "one"
    two = compare(inst, ["borda", "copeland"], reference="borda", level="two", inner="borda")
    assert two.level == "two" and two.inner == "borda" and two.missing_policy == "raise"
    for n in two.rules:
        r = two.results[n]
        assert (r.level, r.inner, r.outer) == ("two", "borda", n)
        np.testing.assert_array_equal(r.ranks, aggregate(inst, level="two", inner="borda", outer=n).ranks)
    part = random_instances(1, missing=True)
    c2 = compare(part, ["copeland", "kemeny"], reference="partial_borda", pairwise="expected")
    assert c2.results["kemeny"].pairwise == "expected" and c2.missing_policy == "partial"


def test_dropped_instances_are_recorded_in_the_diagnostics():
    data = {"q": np.array([[1.0, NAN, 0.0], [0.0, 1.0, 1.0], [2.0, 0.0, 3.0]])}
    inst = InstanceTable.from_arrays(data, systems=["A", "B", "C"], higher_is_better=True, missing="drop_instances")
    res = aggregate(inst, rule="borda")
    assert res.missing_policy == "drop_instances" and res.diagnostics["dropped_instances"] == ["q[1]"]
    assert "level one, instances weighted per_task" in str(res).splitlines()[0]
    two = aggregate(inst, level="two", inner="borda", outer="borda")
    assert two.diagnostics["dropped_instances"] == ["q[1]"]
    assert "level two: inner borda, outer borda" in str(two).splitlines()[0]


# ---------------------------------------------------------------------------- errors
def test_level_errors():
    inst = random_instances(0)
    part = random_instances(0, missing=True)
    table = inst.task_table()
    cases = [
        (
            lambda: aggregate(inst, level="three"),
            RankaggError,
            "level='three': use 'one' (every instance a voter) or 'two' (instances -> tasks -> overall).",
        ),
        (
            lambda: aggregate(inst, level="task"),
            RankaggError,
            "level='task': use 'one' (every instance a voter) or 'two' (instances -> tasks -> overall) ('task' is for "
            "score tables; an instance table is aggregated at level 'one' or 'two').",
        ),
        (
            lambda: aggregate(inst, inner="borda"),
            RankaggError,
            "inner/outer: only used with level='two' (instances -> tasks -> overall); with level='one' pass the rule "
            "as rule=...",
        ),
        (
            lambda: aggregate(inst, inner_params={"x": 1}),
            RankaggError,
            "inner_params: only used with level='two'; pass the rule's parameters as keywords.",
        ),
        (
            lambda: aggregate(inst, level="two", instance_weighting="uniform"),
            RankaggError,
            "instance_weighting: only used with level='one' (with level='two' each task's instances are aggregated by "
            "the inner rule, and tasks weigh their task weight).",
        ),
        (
            lambda: aggregate(inst, instance_weighting="equal"),
            rankagg.ScoreTableError,
            "instance_weighting='equal': use 'per_task'",
        ),
        (
            lambda: aggregate(inst, pairwise="maybe"),
            RankaggError,
            "pairwise='maybe': use 'observed' (a voter counts for the pairs it ranks) or 'expected' (over the "
            "compatible completions of partial rankings, Himmi et al. 2024).",
        ),
        (
            lambda: aggregate(inst, rule="borda", pairwise="expected"),
            RuleError,
            "pairwise='expected' changes the pairwise matrix, which rule 'borda' does not read; use it with copeland, "
            "minimax, schulze, ranked_pairs, kemeny or bradley_terry, or use rule 'partial_borda'",
        ),
        (
            lambda: aggregate(part, rule="borda"),
            RuleError,
            "rule 'borda' does not accept partial rankings, and this instance table has missing scores "
            "(missing='partial'); use a rule that accepts partial rankings (CLI: --rule, or --rules): "
            "win_rate, copeland",
        ),
        (
            lambda: aggregate(part, level="two", inner="borda"),
            RuleError,
            "rule 'borda' does not accept partial rankings, and task column 't0' has missing scores",
        ),
        (lambda: aggregate(inst, rule="mean"), RuleError, "rule 'mean' averages raw scores, but tasks"),
        (
            lambda: aggregate(inst, level="two", inner="borda", outer="kemeny", inner_params={"time_limit": 1}),
            RuleError,
            "rule 'borda' has no parameter 'time_limit'",
        ),
        (
            lambda: aggregate(table, level="two"),
            RankaggError,
            "level='two': levels 'one' and 'two' aggregate instance-level scores; this input is a score table (one "
            "score per system and task). Build an InstanceTable (rankagg.InstanceTable.from_long(df, instance='...'); "
            "CLI: a long file with an instance column, --instance-col) to aggregate instances.",
        ),
        (
            lambda: aggregate(table, inner="borda"),
            RankaggError,
            "inner: only used with instance-level data (an InstanceTable, level='one' or 'two'); this input is a score "
            "table.",
        ),
        (
            lambda: compare(table, ["borda"], instance_weighting="uniform"),
            RankaggError,
            "instance_weighting: only used with instance-level data",
        ),
        (
            lambda: compare(inst, ["borda"], reference="borda", level="two", instance_weighting="uniform"),
            RankaggError,
            "instance_weighting: only used with level='one'.",
        ),
        (
            lambda: compare(inst, ["borda"], reference="borda", inner_params={"a": 1}),
            RankaggError,
            "inner_params: only used with level='two'.",
        ),
        (
            lambda: compare(part, ["borda", "copeland"], reference="copeland"),
            RuleError,
            "rule 'borda' does not accept partial rankings, and this instance table has missing scores",
        ),
        (lambda: inst.pairwise(pairwise="expectd"), RankaggError, "pairwise='expectd': use 'observed'"),
    ]
    for call, exc, message in cases:
        with pytest.raises(exc, match=pin(message)):
            call()


def test_two_levels_refuse_a_task_that_scores_a_single_system():
    data = {"x": np.array([[1.0, 2.0], [NAN, NAN], [NAN, NAN]]), "y": np.array([[1.0], [2.0], [3.0]])}
    inst = InstanceTable.from_arrays(data, systems=["A", "B", "C"], higher_is_better=True, missing="partial")
    with pytest.raises(RankaggError, match=pin("level='two': task column 'x' scores only 'A', so it ranks nothing")):
        aggregate(inst, level="two", inner="win_rate", outer="copeland")
    assert aggregate(inst, rule="copeland").level == "one"
