"""The task bootstrap: fast paths equal a plain loop, summaries equal their definitions, determinism, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rankagg
from rankagg import RULES, RankaggError, RuleError, ScoreTable, aggregate, bootstrap, kendall_tau_b
from rankagg.rankings.orders import competition_ranks, levels_from_scores
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.resampling import _ranks_from_scores, resample_counts
from tests.helpers import pin

# rules whose fast path reads raw scores need one direction (and positive scores: geometric mean)
SAME_DIRECTION = {"mean", "geometric_mean", "median", "mean_available"}


def _table(seed: int, n: int = 7, m: int = 6, *, mixed: bool = True, missing: bool = False) -> ScoreTable:
    """Small integer-valued scores (ties happen), positive, non-uniform weights."""
    rng = np.random.default_rng(seed)
    scores = rng.integers(1, 6, size=(n, m)).astype(float)
    if missing:
        mask = rng.random((n, m)) < 0.25
        mask[:, 0] = False  # every system is compared on the first task
        scores[mask] = np.nan
    hib = [bool(h) for h in rng.integers(0, 2, size=m)] if mixed else [True] * m
    return ScoreTable(
        scores,
        systems=[f"s{i}" for i in range(n)],
        tasks=[f"t{j}" for j in range(m)],
        higher_is_better=dict(zip([f"t{j}" for j in range(m)], hib, strict=True)),
        weights=list(rng.integers(1, 4, size=m).astype(float)),
        missing="partial" if missing else "raise",
    )


def _loop_ranks(table: ScoreTable, rule: str, counts: np.ndarray, **params) -> np.ndarray:
    """The plain loop: aggregate() on the table with the drawn columns, weights multiplied by the counts."""
    out = []
    for c in counts:
        cols = np.nonzero(c)[0]
        sub = ScoreTable(
            table.scores[:, cols],
            systems=table.systems,
            tasks=[table.labels[j] for j in cols],
            higher_is_better={table.labels[j]: bool(table.higher_is_better[j]) for j in cols},
            weights=list(table.weights[cols] * c[cols]),
            missing=table.missing_policy,
        )
        out.append(aggregate(sub, rule, **params).ranks)
    return np.array(out)


# ------------------------------------------------------------------------------------------- fast paths
FAST_PATHS = sorted(name for name, info in RULES.items() if info.batch is not None)


def test_the_rules_that_own_a_batch_form():
    assert (
        sorted(
            [
                "mean",
                "zscore_mean",
                "minmax_mean",
                "geometric_mean",
                "borda",
                "dowdall",
                "plurality",
                "win_rate",
                "copeland",
                "mteb_borda",
                "mean_available",
            ]
        )
        == FAST_PATHS
    )
    assert [name for name, info in RULES.items() if info.warm is not None] == ["kemeny"]


def test_a_new_rule_with_a_batch_form_is_bootstrapped_through_it_unchanged():
    """A rule registered with ``batch=`` gets the vectorised bootstrap without any change to the bootstrap."""
    from rankagg.rules import RuleOutput, register
    from rankagg.rules.base import _REGISTRY, batch_mean

    calls = {"func": 0, "batch": 0}

    def batch(inp, w):
        calls["batch"] += 1
        return batch_mean(inp.rankings.ranks**2, w), False

    @register("toy_squared_rank", family="positional", summary="Mean squared rank (a test rule).",
              score_name="mean squared rank", partial_ok=False, condorcet_consistent=False, rank_only=True,
              batch=batch)  # fmt: skip
    def toy(inp):
        calls["func"] += 1
        r, w = inp.rankings.ranks, inp.rankings.weights
        return RuleOutput((r**2 * w).sum(axis=1) / w.sum(), higher_is_better=False)

    try:
        table = _table(2)
        res = bootstrap(table, "toy_squared_rank", n_resamples=200, rng=0)
        assert calls == {"func": 1, "batch": 1}  # the full data once, then every resample in one batch call
        # and the batch gives what the rule gives on each resample
        assert np.array_equal(res.ranks, _loop_ranks(table, "toy_squared_rank", res.counts))
        assert calls["batch"] == 1
    finally:
        _REGISTRY.pop("toy_squared_rank")


@pytest.mark.parametrize("rule", FAST_PATHS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_path_equals_a_plain_loop_exactly(rule, seed):
    table = _table(seed, mixed=rule not in SAME_DIRECTION)
    res = bootstrap(table, rule, n_resamples=40, rng=seed)
    assert np.array_equal(res.ranks, _loop_ranks(table, rule, res.counts))
    # and the generic path (each distinct resample solved by the rule itself) agrees too
    assert np.array_equal(bootstrap(table, rule, counts=res.counts, fast=False).ranks, res.ranks)


@pytest.mark.parametrize("rule", [name for name in FAST_PATHS if RULES[name].partial_ok])
def test_fast_path_equals_a_plain_loop_on_partial_tables(rule):
    table = _table(5, n=8, m=7, missing=True, mixed=rule not in SAME_DIRECTION)
    assert table.has_missing
    res = bootstrap(table, rule, n_resamples=40, rng=3)
    assert np.array_equal(res.ranks, _loop_ranks(table, rule, res.counts))


def test_fast_path_passes_rule_parameters():
    table = _table(4)
    res = bootstrap(table, "copeland", n_resamples=30, rng=0, tie_score=0.0)
    assert res.params["tie_score"] == 0.0
    assert np.array_equal(res.ranks, _loop_ranks(table, "copeland", res.counts, tie_score=0.0))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_all_weight_on_the_original_data_reproduces_the_full_ranking(rule):
    table = _table(7, mixed=rule not in SAME_DIRECTION)
    ones = np.ones((3, table.n_columns), dtype=int)
    for fast in (True, False):
        res = bootstrap(table, rule, counts=ones, fast=fast, rng=0)
        assert np.array_equal(res.full_ranks, aggregate(table, rule).ranks)
        assert (res.ranks == res.full_ranks[None, :]).all()
    # doubling every task is the same data
    assert (bootstrap(table, rule, counts=2 * ones, rng=0).ranks == res.full_ranks[None, :]).all()


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_system_better_on_every_task_is_always_first(rule):
    rng = np.random.default_rng(11)
    scores = rng.uniform(1.0, 50.0, size=(6, 8))
    scores[2] = scores.max(axis=0) + rng.uniform(0.5, 3.0, size=8)  # s2 dominates
    table = ScoreTable(scores, systems=[f"s{i}" for i in range(6)], tasks=[f"t{j}" for j in range(8)],
                       higher_is_better=True)  # fmt: skip
    # arena_elo (maximum likelihood by default) refuses this table by design: s2 never loses; with a prior it ranks
    res = bootstrap(table, rule, n_resamples=15, rng=1, **({"prior": 1.0} if rule == "arena_elo" else {}))
    p1 = res.p_top(1)
    assert p1[2] == 1.0
    assert res.to_frame()["system"].iloc[0] == "s2"


@pytest.mark.parametrize("scale", [1.0, 0.1, 1e6])
def test_one_sort_ranking_equals_competition_ranks_of_levels(scale):
    rng = np.random.default_rng(int(scale * 10) % 7)
    for _ in range(100):
        b, n = rng.integers(1, 20), rng.integers(1, 10)
        x = rng.integers(-3, 4, size=(b, n)).astype(float) * scale
        x[: b // 2] += rng.normal(size=(b // 2, n)) * 1e-13 * scale  # float noise within the tie tolerance
        for hib in (True, False):
            expected = competition_ranks(levels_from_scores(x, higher_is_better=hib))
            assert np.array_equal(_ranks_from_scores(x, higher_is_better=hib), expected)


# ------------------------------------------------------------------------------------------- summaries
@pytest.fixture(scope="module")
def res() -> BootstrapResult:
    return bootstrap(_table(9, n=9, m=5), "borda", n_resamples=300, rng=4)


def test_summaries_equal_their_definitions(res):
    r, n = res.ranks, len(res.systems)
    # P(i above j), by a loop over pairs
    p = res.prob_above().to_numpy()
    for i in range(n):
        for j in range(n):
            assert p[i, j] == np.mean(r[:, i] < r[:, j])
    assert np.allclose(p + p.T + np.array([[np.mean(r[:, i] == r[:, j]) for j in range(n)] for i in range(n)]), 1.0)
    # rank distribution
    dist = res.rank_distribution()
    assert np.allclose(dist.sum(axis=1), 1.0)
    for i in range(n):
        for k in range(1, n + 1):
            assert dist.iloc[i, k - 1] == np.mean(r[:, i] == k)
    assert np.array_equal(res.p_top(1), dist[1].to_numpy())
    assert np.allclose(res.p_top(3), dist[[1, 2, 3]].sum(axis=1).to_numpy())
    # stability: tau-b of each resample to the full ranking (scipy's, up to rounding)
    expected = [kendall_tau_b(res.full_ranks, row) for row in r]
    np.testing.assert_allclose(res.stability(), expected, rtol=1e-12, atol=1e-12)
    # percentile interval
    lo, hi = res.rank_interval(0.9)
    assert np.array_equal(lo, np.quantile(r, 0.05, axis=0, method="lower").astype(int))
    assert np.array_equal(hi, np.quantile(r, 0.95, axis=0, method="higher").astype(int))
    assert (lo <= hi).all()


def test_stability_is_nan_against_a_constant_ranking():
    t = ScoreTable([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], systems=["a", "b", "c"], tasks=["x", "y"],
                   higher_is_better=True)  # fmt: skip
    res = bootstrap(t, "borda", n_resamples=5, rng=0)
    assert np.isnan(res.stability()).all()
    assert (res.ranks == 1).all()
    assert res.groups() == (("a", "b", "c"),)


def _groups_by_definition(res: BootstrapResult, c: float) -> tuple[tuple[str, ...], ...]:
    p = res.prob_above().to_numpy()
    apart = np.maximum(p, p.T) >= c
    order = list(np.argsort(res.full_ranks, kind="stable"))
    out: list[tuple[str, ...]] = []
    for s in range(len(order)):
        e = s
        while e + 1 < len(order) and not any(apart[order[a], order[e + 1]] for a in range(s, e + 1)):
            e += 1
        run = tuple(res.systems[i] for i in order[s : e + 1])
        if not any(set(run) <= set(g) for g in out):
            out.append(run)
    return tuple(out)


@pytest.mark.parametrize("c", [0.5, 0.8, 0.95, 0.99])
def test_groups_are_the_maximal_runs_of_systems_not_told_apart(res, c):
    groups = res.groups(c)
    assert groups == _groups_by_definition(res, c)
    assert groups[0][0] == res.to_frame()["system"].iloc[0]
    assert set().union(*map(set, groups)) == set(res.systems)


def test_groups_by_hand():
    # s0 beats everyone on every task; s1 and s2 swap places; s3 is last everywhere
    t = ScoreTable([[9, 9, 9, 9], [5, 6, 5, 6], [6, 5, 6, 5], [1, 1, 1, 1]], systems=["s0", "s1", "s2", "s3"],
                   tasks=["a", "b", "c", "d"], higher_is_better=True)  # fmt: skip
    res = bootstrap(t, "borda", n_resamples=200, rng=0)
    assert res.groups() == (("s0",), ("s1", "s2"), ("s3",))
    df = res.to_frame()
    assert list(df.columns) == ["system", "rank", "rank_low", "rank_high", "p_top1", "p_top3", "mean_rank"]
    assert df.loc[0, "p_top1"] == 1.0 and df.loc[3, "rank_low"] == 4


# ------------------------------------------------------------------------------------------- determinism
def test_same_rng_same_result_and_counts_are_draws_with_replacement():
    table = _table(2)
    a = bootstrap(table, "borda", n_resamples=50, rng=123)
    b = bootstrap(table, "borda", n_resamples=50, rng=np.random.default_rng(123))
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.ranks, b.ranks)
    assert (a.counts.sum(axis=1) == table.n_columns).all()
    c = bootstrap(table, "borda", n_resamples=50, rng=124)
    assert not np.array_equal(a.counts, c.counts)
    assert a.seed == 123 and b.seed == "Generator"


@pytest.mark.parametrize("rule", ["schulze", "kemeny"])
def test_parallel_workers_give_identical_results(rule):
    table = _table(8, n=8, m=6)
    one = bootstrap(table, rule, n_resamples=60, rng=7, n_jobs=1)
    two = bootstrap(table, rule, n_resamples=60, rng=7, n_jobs=2)
    assert one.n_distinct >= 4  # enough distinct resamples for the pool to be used
    assert np.array_equal(one.ranks, two.ranks)
    assert np.array_equal(one.counts, two.counts)


def test_warm_started_kemeny_reaches_the_same_tiers():
    """fast=True (warm start from the full-data order) and fast=False (the rule from scratch): with 12 systems the
    tiers every optimal order shares are exact on both paths (subset DP), so the ranks are equal, ties included."""
    from rankagg.data.table import rank_table
    from rankagg.rules.kemeny import kemeny, kemeny_score

    table = _table(21, n=12, m=7, missing=True)
    warm = bootstrap(table, "kemeny", n_resamples=40, rng=3)
    cold = bootstrap(table, "kemeny", n_resamples=40, rng=3, fast=False)
    assert np.array_equal(warm.counts, cold.counts)
    assert np.array_equal(warm.ranks, cold.ranks)
    rk = rank_table(table)
    tied = 0
    for c, rw in zip(warm.counts, warm.ranks):
        cols = np.nonzero(c)[0]
        wins = rankagg.pairwise_counts(rk.ranks[:, cols], weights=table.weights[cols] * c[cols])[0]
        best = kemeny(wins, all_optima=True)
        # two systems in different tiers are in that order in every optimal ranking
        for order in best.all_optima:
            assert kemeny_score(wins, np.asarray(order)) == pytest.approx(best.score, rel=1e-12)
            pos = np.argsort(order)
            assert np.all((rw[:, None] < rw[None, :]) <= (pos[:, None] < pos[None, :]))
        tied += len(set(rw.tolist())) < 12
    assert tied > 0  # some resample has alternative optima, shown as ties


def test_randomised_rule_is_reproducible():
    table = _table(8, n=8, m=6)
    a = bootstrap(table, "kemeny", n_resamples=20, rng=5, method="kwiksort")
    b = bootstrap(table, "kemeny", n_resamples=20, rng=5, method="kwiksort", n_jobs=2)
    assert np.array_equal(a.ranks, b.ranks) and np.array_equal(a.full_ranks, b.full_ranks)


def test_resample_counts_are_valid_draws():
    gen = np.random.default_rng(0)
    c = resample_counts(5, 2000, rng=gen)
    assert c.shape == (2000, 5) and (c.sum(axis=1) == 5).all() and c.min() >= 0
    assert abs(c.mean() - 1.0) < 0.05  # each task is drawn once per resample on average


def test_partial_tables_refuse_resamples_that_cannot_be_ranked_when_they_are_many():
    # s3 is compared with another system only on task t2: (2/3)^3 = 30% of the resamples leave it out
    scores = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 1.0], [3.0, 1.0, 2.0], [np.nan, np.nan, 5.0]])
    t = ScoreTable(scores, systems=["s0", "s1", "s2", "s3"], tasks=["t0", "t1", "t2"], higher_is_better=True,
                   missing="partial")  # fmt: skip
    with pytest.raises(RankaggError, match=pin("task resamples (", "fewest tasks: s3 (1)", "exclude=")):
        bootstrap(t, "copeland", n_resamples=100, rng=0)
    # the fix it names works
    with pytest.warns(rankagg.BootstrapWarning, match="only 3 task columns"):
        bootstrap(t.select_systems(exclude="s3"), "copeland", n_resamples=100, rng=0)


def test_partial_tables_redraw_rare_resamples_that_cannot_be_ranked_and_say_so():
    # s3 is scored on 3 of 30 tasks: (27/30)^30 = 4.2% of the resamples draw none of them
    g = np.random.default_rng(0)
    scores = g.normal(size=(4, 30))
    scores[3, 3:] = np.nan
    t = ScoreTable(scores, systems=["s0", "s1", "s2", "s3"], tasks=[f"t{j}" for j in range(30)],
                   higher_is_better=True, missing="partial")  # fmt: skip
    with pytest.warns(rankagg.BootstrapWarning, match=r"of 1000 task resamples left the systems in groups"):
        res = bootstrap(t, "copeland", n_resamples=1000, rng=0)
    assert (res.counts[:, :3].sum(axis=1) > 0).all()  # every resample ranks s3 with the others


# ------------------------------------------------------------------------------------------- progress
def test_progress_bar_on_request_and_silent_otherwise(capsys):
    table = _table(3)
    bootstrap(table, "schulze", n_resamples=30, rng=0, progress=True)
    err = capsys.readouterr().err
    assert "bootstrap schulze [" in err and err.endswith("\n")
    assert f"{bootstrap(table, 'schulze', n_resamples=30, rng=0).n_distinct}/" in err
    bootstrap(table, "schulze", n_resamples=30, rng=0)  # not a terminal: no bar
    bootstrap(table, "schulze", n_resamples=30, rng=0, progress=False)
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------------------------------- errors
def test_errors_name_the_parameter_and_the_fix():
    t = rankagg.load_example("toy")
    with pytest.raises(
        RankaggError, match=pin("resample='instances'", "needs instance-level scores", "use resample='tasks'")
    ):
        bootstrap(t, "borda", resample="instances")
    with pytest.raises(RankaggError, match=pin("resample='seeds'", "seeds or folds", "resample='tasks'")):
        bootstrap(t, "borda", resample="seeds")
    with pytest.raises(RankaggError, match=pin("resample='task': unknown", "Did you mean 'tasks'?")):
        bootstrap(t, "borda", resample="task")
    with pytest.raises(RankaggError, match=pin("n_resamples=0: must be a positive integer")):
        bootstrap(t, "borda", n_resamples=0)
    with pytest.raises(RankaggError, match=pin("n_resamples=True: must be a positive integer")):
        bootstrap(t, "borda", n_resamples=True)
    with pytest.raises(RankaggError, match=pin("confidence=1.5: must lie strictly between 0 and 1")):
        bootstrap(t, "borda", confidence=1.5)
    with pytest.raises(RankaggError, match=pin("n_jobs=0: use a positive number of processes, or -1")):
        bootstrap(t, "borda", n_jobs=0)
    with pytest.raises(RuleError, match=pin("unknown rule 'bordo'", "Did you mean 'borda'?")):
        bootstrap(t, "bordo")
    with pytest.raises(RuleError, match=pin("rule 'borda' has no parameter 'tie_score'")):
        bootstrap(t, "borda", tie_score=0.5)
    with pytest.raises(RankaggError, match=pin("table: expected a rankagg.ScoreTable, got DataFrame")):
        bootstrap(pd.DataFrame({"a": [1]}), "borda")


def test_counts_errors():
    t = rankagg.load_example("toy")
    with pytest.raises(
        RankaggError, match=pin("counts: expected an array of shape (n_resamples, 5)", "got shape (2, 4)")
    ):
        bootstrap(t, "borda", counts=np.ones((2, 4)))
    with pytest.raises(RankaggError, match=pin("counts: multiplicities must be integers >= 0")):
        bootstrap(t, "borda", counts=[[1, 1, 1, 1, -1]])
    with pytest.raises(RankaggError, match=pin("counts: multiplicities must be integers >= 0")):
        bootstrap(t, "borda", counts=[[1, 1, 1, 1, 0.5]])
    with pytest.raises(RankaggError, match=pin("counts: resample(s) 1 draw no task at all")):
        bootstrap(t, "borda", counts=[[1, 1, 1, 1, 1], [0, 0, 0, 0, 0]])
    scores = np.array([[1.0, 2.0], [2.0, 1.0], [np.nan, 3.0]])
    p = ScoreTable(scores, systems=["a", "b", "c"], tasks=["x", "y"], higher_is_better=True, missing="partial")
    with pytest.raises(RankaggError, match=pin("counts: in resample(s) 0 some system shares no drawn task")):
        bootstrap(p, "copeland", counts=[[2, 0]])


def test_result_method_errors(res):
    with pytest.raises(RankaggError, match=pin("confidence=2: must lie strictly between 0 and 1")):
        res.rank_interval(2)
    with pytest.raises(RankaggError, match=pin("confidence='high': must lie strictly between 0 and 1")):
        res.groups("high")
    with pytest.raises(RankaggError, match=pin("k=0: must be a positive integer")):
        res.p_top(0)
    with pytest.raises(RankaggError, match=pin("top_k=0: must be a positive integer")):
        res.to_frame(top_k=0)


def test_resample_counts_gives_up_on_impossible_tables():
    with pytest.raises(RankaggError, match=pin("5 of 5 task resamples (100%)", "missing='drop_systems'")):
        resample_counts(3, 5, rng=np.random.default_rng(0), valid=lambda c: np.zeros(len(c), dtype=bool))


def test_mean_on_mixed_directions_raises_the_rules_own_error():
    t = _table(0, mixed=True)
    assert t.higher_is_better.any() and not t.higher_is_better.all()
    with pytest.raises(RuleError, match=pin("rule 'mean' averages raw scores", "zscore_mean")):
        bootstrap(t, "mean", n_resamples=5, rng=0)
