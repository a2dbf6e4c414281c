"""The bootstrap never states more certainty than the data has (issue 18, cases 1 and 5).

A resampling unit with one level is refused (every resample would be the full data), few units warn, the
default resampling of instance-level data varies, a run that cannot fit is refused before drawing, a bad
``rng`` gets a clear error, the seed of every run is recorded, and the vectorised instance-level path gives
the ranks of a plain loop over the same draws.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rankagg
from rankagg import BootstrapWarning, InstanceTable, RankaggError, ScoreTable, aggregate, bootstrap
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.resampling import MIN_UNITS, resample_counts
from tests.helpers import pin


def _scores(seed: int, n: int, m: int) -> np.ndarray:
    g = np.random.default_rng(seed)
    return np.linspace(1.0, 0.0, n)[:, None] + g.normal(scale=0.7, size=(n, m))


def _instances(seed: int, n: int = 5, sizes: tuple[int, ...] = (30, 20, 25), *, missing: bool = False,
               ints: bool = False) -> InstanceTable:  # fmt: skip
    g = np.random.default_rng(seed)
    skill = np.linspace(1.0, 0.0, n)[:, None]
    data = {}
    for j, k in enumerate(sizes):
        a = g.integers(0, 3, size=(n, k)).astype(float) if ints else skill + g.normal(scale=0.8, size=(n, k))
        if missing:
            a[2:, 1:][g.random((n - 2, k - 1)) < 0.2] = np.nan  # s0, s1 and every first instance stay complete
        data[f"t{j}"] = a
    return InstanceTable.from_arrays(data, systems=[f"s{i}" for i in range(n)], higher_is_better=True,
                                     missing="partial" if missing else "raise")  # fmt: skip


def _one_task_table() -> ScoreTable:
    return ScoreTable(_scores(0, 4, 1), systems=["A", "B", "C", "D"], tasks=["only"], higher_is_better=True)


# ---------------------------------------------------------------------------- one level: refuse, name what varies
def test_a_one_task_score_table_is_refused_not_reported_as_certainty():
    # before: every resample was the full table, rank intervals of width 0, "every pair told apart at 95%"
    with pytest.raises(RankaggError, match=pin("resample='tasks' cannot vary", "only 1 task column ('only')",
                                               "resample='instances'")):  # fmt: skip
        bootstrap(_one_task_table(), "borda", n_resamples=50, rng=0)


def test_a_one_task_instance_table_resamples_its_instances_by_default():
    t = _instances(1, sizes=(60,))
    res = bootstrap(t, "borda", n_resamples=200, rng=0)
    assert res.resample == "instances" and res.n_units == 60 and res.note == ""
    lo, hi = res.rank_interval()
    assert (hi > lo).any()  # the instances vary: the intervals are not points
    with pytest.raises(RankaggError, match=pin("only 1 task column ('t0')", "use resample='instances' (its 60")):
        bootstrap(t, "borda", resample="tasks", n_resamples=50, rng=0)


def test_instance_tables_default_to_both_from_five_task_columns():
    five, four = _instances(2, sizes=(8,) * MIN_UNITS), _instances(2, sizes=(8,) * (MIN_UNITS - 1))
    assert bootstrap(five, "borda", n_resamples=20, rng=0).resample == "both"
    assert bootstrap(four, "borda", n_resamples=20, rng=0).resample == "instances"


def test_one_instance_per_task_cannot_be_resampled_by_instance():
    t = _instances(3, sizes=(1,) * 6)
    fix = "use resample='tasks' (its 6 task columns vary; CLI: --resample tasks)"
    with pytest.raises(RankaggError, match=pin("resample='instances' cannot vary", "single instance", fix)):
        bootstrap(t, "borda", resample="instances", n_resamples=20, rng=0)
    assert bootstrap(t, "borda", n_resamples=20, rng=0).resample == "both"  # the default varies the tasks


def test_few_units_warn_and_are_recorded():
    t = ScoreTable(_scores(4, 5, 3), systems=list("ABCDE"), tasks=["x", "y", "z"], higher_is_better=True)
    with pytest.warns(BootstrapWarning, match=pin("only 3 task columns", "at most 10 distinct resamples",
                                                  "understate")):  # fmt: skip
        res = bootstrap(t, "borda", n_resamples=100, rng=0)
    assert res.n_units == 3 and "only 3 task columns" in res.note
    # 10 distinct resamples: the count is right (C(2k - 1, k) multisets of k tasks out of k)
    assert np.unique(resample_counts(3, 5000, rng=np.random.default_rng(0)), axis=0).shape[0] == 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        five = ScoreTable(_scores(4, 5, MIN_UNITS), systems=list("ABCDE"), higher_is_better=True,
                          tasks=[f"t{j}" for j in range(MIN_UNITS)])  # fmt: skip
        ok = bootstrap(five, "borda", n_resamples=50, rng=0)
    assert ok.note == "" and ok.n_units == MIN_UNITS


# ---------------------------------------------------------------------------- up-front refusal, rng, seeds
def test_a_run_that_cannot_fit_is_refused_before_drawing():
    t = ScoreTable([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]], systems=["A", "B", "C"], tasks=["x", "y"],
                   higher_is_better=True)  # fmt: skip
    with pytest.raises(RankaggError, match=pin("n_resamples=1,000,000,000", "GiB of memory", "max_memory=4.0 GiB",
                                               "use fewer resamples (n_resamples=")):  # fmt: skip
        bootstrap(t, "borda", n_resamples=1_000_000_000, rng=0)
    with pytest.raises(RankaggError, match=pin("n_resamples=100,000", "max_memory=0.0 GiB")):
        bootstrap(_instances(0), "copeland", n_resamples=100_000, rng=0, max_memory=2**20)
    with pytest.raises(RankaggError, match=pin("max_memory='a lot'", "positive number of bytes")):
        bootstrap(t, "borda", n_resamples=10, rng=0, max_memory="a lot")


@pytest.mark.parametrize("bad", ["a", 1.5, -3, True, [object()]])
def test_a_bad_rng_is_a_clear_error(bad):
    t = rankagg.load_example("toy")
    with pytest.raises(RankaggError, match=pin(f"rng={bad!r}", "integer seed", "numpy.random.Generator")):
        bootstrap(t, "borda", n_resamples=10, rng=bad)
    with pytest.raises(RankaggError, match=pin(f"rng={bad!r}")):
        bootstrap(_instances(0), "borda", n_resamples=10, rng=bad)


@pytest.mark.parametrize("make", [lambda: rankagg.load_example("toy"), lambda: _instances(5)])
def test_the_seed_drawn_without_rng_is_recorded_and_repeats_the_run(make):
    t = make()
    a = bootstrap(t, "copeland", n_resamples=50)
    assert isinstance(a.seed, int)
    b = bootstrap(t, "copeland", n_resamples=50, rng=a.seed)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.counts, b.counts)


# ---------------------------------------------------------------------------- P(top k) and ties
def _result(ranks) -> BootstrapResult:
    r = np.asarray(ranks)
    return BootstrapResult("borda", {}, "tasks", tuple("ABCD")[: r.shape[1]], r[0], r,
                           np.ones((r.shape[0], 2), dtype=int), 0.95, "raise")  # fmt: skip


def test_p_top_counts_ties_fully_or_shares_them():
    res = _result([[1, 1, 1, 4], [1, 2, 3, 4], [2, 1, 3, 3]])
    # count: a system tied for first is first; the column sums above 1 when resamples tie at the top
    np.testing.assert_allclose(res.p_top(1), [2 / 3, 2 / 3, 1 / 3, 0.0])
    # share: a tie of three at the top counts 1/3 each; two tied for third share position 3 for k = 3
    np.testing.assert_allclose(res.p_top(1, ties="share"), [(1 / 3 + 1) / 3, (1 / 3 + 1) / 3, 1 / 9, 0.0])
    np.testing.assert_allclose(res.p_top(3, ties="share"), [1.0, 1.0, (1 + 1 + 0.5) / 3, 0.5 / 3])
    with pytest.raises(RankaggError, match=pin("ties='shared'", "'count'", "'share'", "Did you mean 'share'?")):
        res.p_top(1, ties="shared")


@given(st.integers(0, 10_000), st.integers(2, 7), st.integers(1, 7))
def test_shared_p_top_sums_to_k(seed, n, k):
    g = np.random.default_rng(seed)
    levels = g.integers(0, 3, size=(30, n))  # many ties
    from rankagg.rankings.orders import competition_ranks

    res = _result(competition_ranks(levels))
    assert np.isclose(res.p_top(k, ties="share").sum(), min(k, n))
    assert (res.p_top(k, ties="share") <= res.p_top(k) + 1e-12).all()


# ---------------------------------------------------------------------------- the property of the issue
@st.composite
def designs(draw):
    seed = draw(st.integers(0, 10_000))
    kind = draw(st.sampled_from(["tasks", "instances"]))
    n = draw(st.integers(2, 6))
    missing = draw(st.booleans())
    g = np.random.default_rng(seed)
    systems = [f"s{i}" for i in range(n)]
    if kind == "tasks":
        m = draw(st.integers(1, 7))
        x = np.linspace(1.0, 0.0, n)[:, None] * draw(st.sampled_from([0.0, 1.0, 5.0])) + g.normal(size=(n, m))
        if missing and m > 1:
            x[2:, 1:][g.random((n - 2, m - 1)) < 0.25] = np.nan
        table = ScoreTable(x, systems=systems, tasks=[f"t{j}" for j in range(m)], higher_is_better=True,
                           missing="partial" if np.isnan(x).any() else "raise")  # fmt: skip
        return table, "tasks"
    sizes = tuple(draw(st.lists(st.integers(1, 12), min_size=1, max_size=4)))
    table = _instances(seed, n=n, sizes=sizes, missing=missing and max(sizes) > 1, ints=draw(st.booleans()))
    return table, draw(st.sampled_from([None, "tasks", "instances", "both"]))


@given(designs(), st.sampled_from([0.5, 0.8, 0.95]))
def test_separations_hold_in_the_stated_share_and_one_level_is_never_certainty(design, confidence):
    table, resample = design
    sizes = np.diff(table.offsets) if isinstance(table, InstanceTable) else None
    m = table.n_columns
    one_level = {
        "tasks": m == 1,
        "instances": sizes is not None and sizes.max() == 1,
        "both": sizes is not None and m == 1 and sizes.max() == 1,
        None: sizes is not None and sizes.max() == 1 and m < MIN_UNITS,
    }[resample]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BootstrapWarning)
        if one_level:
            with pytest.raises(RankaggError, match="cannot vary"):
                bootstrap(table, "copeland", resample=resample, n_resamples=60, confidence=confidence, rng=0)
            return
        try:
            res = bootstrap(table, "copeland", resample=resample, n_resamples=60, confidence=confidence, rng=0)
        except RankaggError as exc:  # a resample too sparse to rank is refused, never silently ranked
            assert any(x in str(exc) for x in ("could not", "task resamples (", "groups that share no")), exc
            return
    r = res.ranks
    order = np.argsort(res.full_ranks, kind="stable")
    groups = res.groups()
    for a, b in itertools.pairwise(order):
        sa, sb = res.systems[a], res.systems[b]
        if any(sa in g and sb in g for g in groups):
            continue
        # reported as told apart: one is strictly above the other in at least `confidence` of the resamples
        share = max(np.mean(r[:, a] < r[:, b]), np.mean(r[:, b] < r[:, a]))
        assert share >= confidence


# ---------------------------------------------------------------------------- the vectorised instance path
def _loop_ranks(table: InstanceTable, rule: str, resample: str, b: int, seed: int, **kw) -> np.ndarray:
    """A plain loop: draw each resample as the bootstrap documents it, rebuild its table, aggregate it."""
    gen = np.random.default_rng(seed)
    if "rng" in rankagg.get_rule(rule).params:
        gen.integers(0, 2**63 - 1)  # the seed of the randomised rule's streams is drawn first
    m, sizes = table.n_columns, np.diff(table.offsets)
    tc = resample_counts(m, b, rng=gen) if resample in ("tasks", "both") else np.ones((b, m), dtype=np.int64)
    out = np.empty((b, table.n_systems), dtype=np.int64)
    for r in range(b):
        data, weights = {}, {}
        for j, col in enumerate(table.columns):
            if not tc[r, j]:
                continue
            x = table.column_scores(col.label)
            if resample != "tasks":
                x = x[:, np.sort(gen.integers(0, sizes[j], size=sizes[j]))]
            data[col.label] = x
            weights[col.label] = col.weight * tc[r, j]
        sub = InstanceTable.from_arrays(data, systems=list(table.systems), higher_is_better=True, weights=weights,
                                        missing=table.missing_policy)  # fmt: skip
        out[r] = aggregate(sub, rule=rule, **kw).ranks
    return out


@pytest.mark.parametrize("resample", ["instances", "both", "tasks"])
@pytest.mark.parametrize(
    ("rule", "kw"),
    [
        ("copeland", {}),
        ("borda", {}),
        ("mean", {"instance_weighting": "uniform"}),
        ("schulze", {}),
        ("kemeny", {"level": "two", "inner": "mean"}),
        ("copeland", {"level": "two", "inner": "borda"}),
    ],
)
@pytest.mark.parametrize("ints", [False, True])
def test_the_vectorised_instance_bootstrap_equals_a_plain_loop(resample, rule, kw, ints):
    t = _instances(7, n=6, sizes=(9, 5, 12, 4, 7), ints=ints)
    res = bootstrap(t, rule, resample=resample, n_resamples=25, rng=11, **kw)
    np.testing.assert_array_equal(res.ranks, _loop_ranks(t, rule, resample, 25, 11, **kw))
    slow = bootstrap(t, rule, resample=resample, n_resamples=25, rng=11, fast=False, **kw)
    np.testing.assert_array_equal(res.ranks, slow.ranks)


@pytest.mark.parametrize("rule", ["copeland", "partial_borda", "kemeny"])
def test_the_vectorised_instance_bootstrap_equals_the_loop_on_partial_tables(rule):
    t = _instances(8, n=6, sizes=(10, 6, 8, 9, 5), missing=True)
    for resample in ("instances", "both"):
        fast = bootstrap(t, rule, resample=resample, n_resamples=30, rng=2)
        slow = bootstrap(t, rule, resample=resample, n_resamples=30, rng=2, fast=False)
        np.testing.assert_array_equal(fast.ranks, slow.ranks)


# ---------------------------------------------------------------------------- progress
def test_progress_on_request_shows_elapsed_time_and_an_estimate(capsys):
    bootstrap(_instances(0), "copeland", n_resamples=30, rng=0, progress=True)
    err = capsys.readouterr().err
    assert "bootstrap copeland [" in err and "30/30" in err and "elapsed" in err
    bootstrap(_instances(0), "copeland", n_resamples=30, rng=0, progress=False)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------- real data
def test_alpaca_eval_as_one_task_is_resampled_by_prompt(datasets_dir):
    """AlpacaEval 2.0 read as one task of 805 prompts: the default resamples prompts, and the ranks move."""
    df = pd.read_csv(datasets_dir / "alpaca_eval" / "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz",
                     dtype={"instance": str})  # fmt: skip
    df = df.assign(instance=df["task"] + "/" + df["instance"], task="alpaca_eval")
    t = InstanceTable.from_long(df[["system", "task", "instance", "score", "higher_is_better"]],
                                missing="drop_systems")  # fmt: skip
    assert (t.n_systems, t.n_instances_total) == (52, 805)
    with pytest.raises(RankaggError, match=pin("only 1 task column ('alpaca_eval')", "its 805 instances vary")):
        bootstrap(t, "mean", resample="tasks", n_resamples=10, rng=0)
    res = bootstrap(t, "mean", n_resamples=200, rng=0)
    lo, hi = res.rank_interval()
    assert res.resample == "instances" and res.n_units == 805
    assert int((hi > lo).sum()) == 49 and int((hi - lo).max()) == 13  # figures of this run (rng=0)


# ---------------------------------------------------------------------------- perturbation studies
def _amlb_tasks(datasets_dir) -> ScoreTable:
    df = pd.read_csv(datasets_dir / "amlb2019" / "amlb2019_fold_level.csv")
    df = df[df["constraint"] == "4h"][["system", "task", "instance", "metric", "score", "higher_is_better"]]
    return InstanceTable.from_long(df, missing="partial").task_table()


def test_perturbation_defaults_rank_a_real_table_with_holes_and_mixed_directions(datasets_dir):
    """AMLB 2019 (4h): 39 tasks, AUC up and log loss down, failed runs missing: the mean cannot rank it."""
    t = _amlb_tasks(datasets_dir)
    assert t.has_missing and 0 < t.higher_is_better.sum() < t.n_columns
    df = rankagg.perturbation_studies(t, studies="remove_tasks,rescale_task", n_draws=3, rng=0)
    assert set(df["rule"]) == {"partial_borda", "kemeny"} and df.attrs == {"seed": 0, "complete": True}
    assert rankagg.uncertainty.perturbation_base.default_rules(t) == ("partial_borda", "kemeny")
    # a rule asked for explicitly that cannot rank the table: the error names the option that carries it
    with pytest.raises(RankaggError, match=pin("rules: rule 'mean' does not accept partial rankings",
                                               "remove 'mean' from rules=")):  # fmt: skip
        rankagg.remove_tasks(t, rules="mean,kemeny", n_draws=2, rng=0)


def test_perturbation_studies_record_the_seed_they_draw_and_repeat_with_it():
    t = rankagg.load_example("toy")
    a = rankagg.perturbation_studies(t, rules="borda", studies="add_noise,remove_tasks", n_draws=3)
    assert isinstance(a.attrs["seed"], int)
    b = rankagg.perturbation_studies(t, rules="borda", studies="add_noise,remove_tasks", n_draws=3,
                                     rng=a.attrs["seed"])  # fmt: skip
    pd.testing.assert_frame_equal(a, b)
    c = rankagg.add_noise(t, rules="borda", levels=0.5, n_draws=4)
    pd.testing.assert_frame_equal(c, rankagg.add_noise(t, rules="borda", levels=0.5, n_draws=4, rng=c.attrs["seed"]))
    with pytest.raises(RankaggError, match=pin("rng='a'", "integer seed")):
        rankagg.remove_tasks(t, rules="borda", rng="a")


def test_an_interrupted_robustness_run_returns_the_rows_it_finished(monkeypatch):
    t = rankagg.load_example("toy")
    calls = {"n": 0}
    rank = rankagg.uncertainty.perturbation_base._Study.rank

    def stop_on_the_fourth(self, *a, **k):  # Ctrl-C while the fourth perturbed table is ranked
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return rank(self, *a, **k)

    monkeypatch.setattr(rankagg.uncertainty.perturbation_base._Study, "rank", stop_on_the_fourth)
    with pytest.warns(rankagg.PartialResultWarning, match=pin("add_noise: interrupted after 3 of 8 perturbed tables",
                                                              "returning the 6 rows")):  # fmt: skip
        df = rankagg.perturbation_studies(t, rules="mean,borda", studies="add_noise,remove_systems", n_draws=2, rng=0)
    assert df.attrs["complete"] is False and len(df) == 6 and set(df["study"]) == {"add_noise"}


def test_perturbation_progress_on_request(capsys):
    rankagg.add_noise(rankagg.load_example("toy"), rules="borda", n_draws=2, rng=0, progress=True)
    err = capsys.readouterr().err
    assert "add_noise [" in err and "8/8" in err and "elapsed" in err


# ---------------------------------------------------------------------------- resamples whose systems never met
def _linked_pairs(n_links: int, per_pair: int) -> InstanceTable:
    """Segments each rated for two systems: A-B on `per_pair`, C-D on `per_pair`, B-C on `n_links` (the only link)."""
    rows = []
    for k in range(per_pair):
        rows += [("A", f"ab{k}", k % 2), ("B", f"ab{k}", 1 - k % 2), ("C", f"cd{k}", k % 2), ("D", f"cd{k}", 1 - k % 2)]
    for k in range(n_links):
        rows += [("B", f"bc{k}", 1), ("C", f"bc{k}", 0)]
    df = pd.DataFrame(rows, columns=["system", "instance", "score"]).assign(task="mt")
    return InstanceTable.from_long(df, higher_is_better=True, missing="partial")


@pytest.mark.parametrize("fast", [True, False])
def test_instance_resamples_whose_systems_never_met_are_never_ranked_as_one_list(fast):
    # one linking segment among 5: (4/5)^5 = 33% of the resamples draw no link (A, B never meet C, D there)
    table = _linked_pairs(1, 2)
    assert len(rankagg.comparison_groups(table)) == 1
    with pytest.raises(RankaggError, match=r"of 200 resamples \(\d+%\) leave the systems in groups .* Fewest scored"):
        bootstrap(table, "copeland", n_resamples=200, rng=0, fast=fast)


@pytest.mark.parametrize("fast", [True, False])
def test_rare_unrankable_instance_resamples_are_left_out_and_said(fast):
    # 4 links among 60 segments: (56/60)^60 = 1.6% of the resamples draw none
    table = _linked_pairs(4, 28)
    with pytest.warns(BootstrapWarning, match=r"of 1000 resamples left the systems in groups .* were left out"):
        res = bootstrap(table, "copeland", n_resamples=1000, rng=0, fast=fast)
    assert 950 <= res.n_resamples < 1000 and (res.ranks >= 1).all()


def test_kemeny_resamples_say_where_their_strict_order_is_a_choice(datasets_dir):
    # GLUE has blocks of more than 12 systems not separated by strict majorities: there a resample's neighbours
    # with a nonzero margin keep the order found, and the result says so; the toy example has no such block
    glue = rankagg.read_table(datasets_dir / "glue_superglue_value" / "glue.csv", missing="drop_systems")
    assert rankagg.aggregate(glue, "kemeny").diagnostics["tiers_exact"] is False
    assert "blocks of more than 12 systems" in bootstrap(glue, "kemeny", n_resamples=20, rng=0).note
    assert bootstrap(rankagg.load_example("toy"), "kemeny", n_resamples=20, rng=0).note == ""
