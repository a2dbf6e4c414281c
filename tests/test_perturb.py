"""Perturbation studies: what each row means (checked against aggregate()), invariances, errors, real data.

The real-data tests reproduce, on the GLUE and SuperGLUE snapshots of ../shared/datasets/glue_superglue_value,
the two findings of Colombo et al. (NeurIPS 2022) that a perturbation study can check:

* rank aggregation is unaffected by reporting one task x1000, while the mean's winner changes;
* under random removal of tasks, Borda and Kemeny stay closer to their full-data ranking than the mean.

The human baselines are excluded: they are reference points, not submissions, and the GLUE one was not
evaluated like the systems (a subset of each test set). With them the figures barely move (see
benchmarks/repro_colombo.py, which prints both). The second finding holds on GLUE and does *not* on this
SuperGLUE snapshot (21 systems): there the three rules are about equally stable, which is pinned as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rankagg
from rankagg import (
    RULES,
    RankaggError,
    RuleError,
    ScoreTable,
    ScoreTableError,
    add_noise,
    add_systems,
    aggregate,
    kendall_tau_b,
    mask_cells,
    perturbation_studies,
    read_table,
    remove_systems,
    remove_tasks,
    rescale_task,
    summarize_perturbations,
)
from rankagg.uncertainty.perturbation_base import COLUMNS, STUDIES
from tests.helpers import pin

COMMON = ["kendall_tau", "top1_changed", "n_flips", "n_pairs", "n_systems", "n_tasks", "top1", "note"]


@pytest.fixture(scope="module")
def toy() -> ScoreTable:
    return rankagg.load_example("toy")


def _random_table(seed: int, n: int = 7, m: int = 5, *, missing: bool = False) -> ScoreTable:
    rng = np.random.default_rng(seed)
    scores = rng.integers(1, 8, size=(n, m)).astype(float)
    if missing:
        mask = rng.random((n, m)) < 0.2
        mask[:, 0] = False
        scores[mask] = np.nan
    return ScoreTable(scores, systems=[f"s{i}" for i in range(n)], tasks=[f"t{j}" for j in range(m)],
                      higher_is_better=True, missing="partial" if missing else "raise")  # fmt: skip


def _check(df: pd.DataFrame, before: np.ndarray, after: np.ndarray, row: pd.Series, names) -> None:
    """One row's measures, recomputed from two rank vectors over the same systems."""
    assert row["kendall_tau"] == pytest.approx(kendall_tau_b(before, after), abs=1e-12, nan_ok=True)
    flips = sum(
        (before[i] - before[j]) * (after[i] - after[j]) < 0
        for i in range(len(before))
        for j in range(i + 1, len(before))
    )
    assert row["n_flips"] == flips
    assert row["n_pairs"] == len(before) * (len(before) - 1) // 2
    assert row["n_systems"] == len(before)
    assert bool(row["top1_changed"]) == (
        set(np.flatnonzero(before == before.min())) != set(np.flatnonzero(after == after.min()))
    )
    assert row["top1"] == " = ".join(names[i] for i in np.flatnonzero(after == after.min()))


# ------------------------------------------------------------------------------------------ rescale
def test_rescale_rows_are_what_aggregate_says(toy):
    df = rescale_task(toy, rules=["mean", "borda", "median"], factors=[0.01, 1000])
    assert list(df.columns) == ["study", "rule", "parameter", "task", "draw", *COMMON]
    assert len(df) == 3 * 2 * toy.n_columns and (df["study"] == "rescale_task").all() and (df["draw"] == 0).all()
    for _, row in df.iterrows():
        wide = toy.to_wide()
        wide[row["task"]] = wide[row["task"]] * row["parameter"]
        t2 = ScoreTable.from_wide(wide, systems_in="rows", higher_is_better=True)
        _check(df, aggregate(toy, row["rule"]).ranks, aggregate(t2, row["rule"]).ranks, row, toy.systems)
    # the x1000 attack: the mean's winner is Wren (by its code score); qa x1000 hands it to Osprey
    mean = df[(df["rule"] == "mean") & (df["parameter"] == 1000)].set_index("task")
    assert aggregate(toy, "mean").winners == ("Wren",)
    assert mean.loc["qa", "top1"] == "Osprey" and mean.loc["qa", "top1_changed"]
    assert not mean.loc["code", "top1_changed"]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rules_invariant_to_positive_rescaling(rule):
    table = _random_table(3)
    df = rescale_task(table, rules=rule, factors=[1e-3, 7.5, 1000.0])
    invariant = RULES[rule].rank_only or rule in ("zscore_mean", "minmax_mean", "geometric_mean")
    if invariant:
        assert (df["kendall_tau"] == 1.0).all() and (df["n_flips"] == 0).all() and not df["top1_changed"].any()
    else:  # mean and median read the raw scale: some rescaling moves them
        assert (df["n_flips"] > 0).any()


def test_rescale_selected_tasks_by_name_label_or_pattern():
    glue_like = ScoreTable([[1.0, 2.0, 3.0], [2.0, 1.0, 1.0], [3.0, 3.0, 2.0]], systems=["a", "b", "c"],
                           tasks=["MRPC", "MRPC", "RTE"], metrics=["f1", "accuracy", None],
                           higher_is_better=True)  # fmt: skip
    assert list(rescale_task(glue_like, rules="mean", tasks="MRPC")["task"]) == ["MRPC:f1", "MRPC:accuracy"]
    assert list(rescale_task(glue_like, rules="mean", tasks=["RTE", "MRPC:acc*"])["task"]) == ["MRPC:accuracy", "RTE"]


# ------------------------------------------------------------------------------------------ noise
def test_noise_rows_and_levels(toy):
    df = add_noise(toy, rules="mean,borda", levels=[0.0, 0.1, 1.0], n_draws=4, rng=0)
    assert list(df.columns) == ["study", "rule", "parameter", "draw", *COMMON]
    assert len(df) == 2 * 3 * 4
    zero = df[df["parameter"] == 0.0]
    assert (zero["kendall_tau"] == 1.0).all() and (zero["n_flips"] == 0).all()
    big = df[df["parameter"] == 1.0]
    assert big["kendall_tau"].mean() < df[df["parameter"] == 0.1]["kendall_tau"].mean() <= 1.0
    again = add_noise(toy, rules="mean,borda", levels=[0.0, 0.1, 1.0], n_draws=4, rng=0)
    pd.testing.assert_frame_equal(df, again)
    assert not df.equals(add_noise(toy, rules="mean,borda", levels=[0.0, 0.1, 1.0], n_draws=4, rng=1))


def test_noise_is_relative_to_each_tasks_spread(toy):
    # rescaling a task rescales its noise: rank rules see exactly the same perturbed rankings
    wide = toy.to_wide()
    wide["summarization"] *= 1000
    big = ScoreTable.from_wide(wide, systems_in="rows", higher_is_better=True)
    a = add_noise(toy, rules="borda,kemeny", levels=[0.3], n_draws=6, rng=2)
    b = add_noise(big, rules="borda,kemeny", levels=[0.3], n_draws=6, rng=2)
    pd.testing.assert_frame_equal(a, b)


# ------------------------------------------------------------------------------------------ remove tasks
def test_remove_tasks_rows_are_what_aggregate_says(toy):
    df = remove_tasks(toy, rules=["mean", "borda", "kemeny"], k=[1, 2, 4], n_draws=3, rng=0)
    assert list(df.columns) == ["study", "rule", "parameter", "draw", *COMMON[:-1], "removed", "note"]
    assert len(df) == 3 * 3 * 3
    for _, row in df.iterrows():
        removed = row["removed"].split(", ")
        assert len(removed) == row["parameter"] and row["n_tasks"] == toy.n_columns - row["parameter"]
        sub = toy.select_tasks(exclude=removed)
        _check(df, aggregate(toy, row["rule"]).ranks, aggregate(sub, row["rule"]).ranks, row, toy.systems)


def test_remove_tasks_by_task_or_by_column():
    t = ScoreTable(np.arange(12.0).reshape(4, 3) % 5, systems=list("abcd"), tasks=["MRPC", "MRPC", "RTE"],
                   metrics=["f1", "accuracy", None], higher_is_better=True)  # fmt: skip
    by_task = remove_tasks(t, rules="borda", n_draws=5, rng=0)
    assert set(by_task["parameter"]) == {1} and set(by_task["removed"]) <= {"MRPC", "RTE"}
    assert set(by_task["n_tasks"]) <= {1, 2}
    by_col = remove_tasks(t, rules="borda", n_draws=5, by="column", rng=0)
    assert set(by_col["parameter"]) == {1, 2}
    assert set(by_col["removed"]) <= {"MRPC:f1", "MRPC:accuracy", "RTE", "MRPC:f1, MRPC:accuracy",
                                      "MRPC:f1, RTE", "MRPC:accuracy, RTE"}  # fmt: skip


def test_remove_tasks_on_partial_tables_ranks_the_systems_still_compared():
    # s3 is scored only on t2: removing t2 leaves it out of that draw's ranking
    scores = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 1.0], [3.0, 1.0, 2.0], [np.nan, np.nan, 5.0]])
    t = ScoreTable(scores, systems=["s0", "s1", "s2", "s3"], tasks=["t0", "t1", "t2"], higher_is_better=True,
                   missing="partial")  # fmt: skip
    df = remove_tasks(t, rules="kemeny,copeland", k=1, n_draws=12, rng=0)
    without_t2 = df[df["removed"] == "t2"]
    assert len(without_t2) and (without_t2["n_systems"] == 3).all() and (without_t2["n_pairs"] == 3).all()
    assert (df[df["removed"] != "t2"]["n_systems"] == 4).all()
    for _, row in without_t2.iterrows():
        sub = ScoreTable(scores[:3, :2], systems=["s0", "s1", "s2"], tasks=["t0", "t1"], higher_is_better=True)
        full = aggregate(t, row["rule"]).ranks[:3]
        _check(df, full, aggregate(sub, row["rule"]).ranks, row, ["s0", "s1", "s2"])


def test_remove_tasks_records_draws_that_leave_nothing_to_rank():
    scores = np.array([[1.0, np.nan], [2.0, np.nan], [np.nan, 1.0], [np.nan, 2.0]])
    t = ScoreTable(scores, systems=list("abcd"), tasks=["x", "y"], higher_is_better=True, missing="partial")
    df = remove_tasks(t, rules="kemeny", k=1, n_draws=4, rng=0)
    # full data: b above a and d above c in every optimal Kemeny ranking, but no step between tiers is
    # shared by all of them (a and d, b and c are never compared), so Kemeny ties all four: tau-b undefined
    assert (df["n_systems"] == 2).all() and df["kendall_tau"].isna().all()


# ------------------------------------------------------------------------------------------ systems
def test_remove_systems_counts_flips_among_the_others():
    # three tasks A > B > C, two B > C > A: Borda ranks B first, but without C, A
    t = ScoreTable([[3, 3, 3, 1, 1], [2, 2, 2, 3, 3], [1, 1, 1, 2, 2]], systems=["A", "B", "C"],
                   tasks=["t1", "t2", "t3", "t4", "t5"], higher_is_better=True)  # fmt: skip
    df = remove_systems(t, rules=["mean", "borda", "kemeny"])
    assert list(df.columns) == ["study", "rule", "parameter", "draw", *COMMON]
    c = df[df["parameter"] == "C"].set_index("rule")
    assert c.loc["borda", "n_flips"] == 1 and c.loc["borda", "top1_changed"] and c.loc["borda", "top1"] == "A"
    assert c.loc["kemeny", "n_flips"] == 0 and c.loc["mean", "n_flips"] == 0
    assert (df["n_pairs"] == 1).all() and (df["n_systems"] == 2).all()
    assert list(remove_systems(t, rules="borda", systems="A")["parameter"]) == ["A"]


@pytest.mark.parametrize("seed", range(4))
def test_score_based_rules_never_flip_when_a_system_comes_or_goes(seed):
    table = _random_table(seed)
    for df in (remove_systems(table, rules="mean,median"), add_systems(table, rules="mean,median")):
        assert (df["n_flips"] == 0).all()
    for _, row in remove_systems(table, rules="borda,schulze", systems=["s1", "s4"]).iterrows():
        others = [s for s in table.systems if s != row["parameter"]]
        sub = table.select_systems(include=others)
        _check(None, aggregate(table, row["rule"]).ranks[[table.systems.index(s) for s in others]],
               aggregate(sub, row["rule"]).ranks, row, others)  # fmt: skip


def test_add_systems_exact_and_perturbed_copies(toy):
    df = add_systems(toy, rules=["mean", "borda", "kemeny"])
    assert list(df.columns) == ["study", "rule", "parameter", "noise", "draw", *COMMON]
    assert len(df) == 3 * toy.n_systems and (df["noise"] == 0.0).all() and (df["n_systems"] == toy.n_systems).all()
    # a clone of Heron (2nd in Borda) pushes everyone below it down: Borda's order of the others moves
    for _, row in df.iterrows():
        wide = toy.to_wide()
        wide.loc[f"{row['parameter']} (copy)"] = wide.loc[row["parameter"]]
        t2 = ScoreTable.from_wide(wide, systems_in="rows", higher_is_better=True)
        _check(df, aggregate(toy, row["rule"]).ranks, aggregate(t2, row["rule"]).ranks[: toy.n_systems], row,
               toy.systems)  # fmt: skip
    assert df[df["rule"] == "borda"]["n_flips"].sum() > 0
    noisy = add_systems(toy, rules="borda", systems=["Osprey", "Hero*"], noise=0.2, n_draws=3, rng=0)
    assert list(noisy["parameter"]) == ["Osprey"] * 3 + ["Heron"] * 3 and (noisy["noise"] == 0.2).all()


def test_copy_names_do_not_collide():
    t = ScoreTable([[1.0], [2.0], [3.0]], systems=["a", "a (copy)", "b"], tasks=["x"], higher_is_better=True)
    df = add_systems(t, rules="borda", systems="a")
    assert df.loc[0, "n_systems"] == 3


# ------------------------------------------------------------------------------------------ masking
def test_mask_rows_policies_and_fraction_zero(toy):
    df = mask_cells(toy, rules=["mean", "kemeny"], fractions=[0.0, 0.2], n_draws=3, rng=0)
    assert list(df.columns) == ["study", "rule", "parameter", "policy", "draw", *COMMON]
    # the mean does not accept partial rankings: it is ranked only under the drop policies
    assert set(df[df["rule"] == "mean"]["policy"]) == {"drop_systems", "drop_tasks"}
    assert set(df[df["rule"] == "kemeny"]["policy"]) == {"drop_systems", "drop_tasks", "partial"}
    zero = df[df["parameter"] == 0.0]
    assert (zero["kendall_tau"] == 1.0).all() and (zero["n_systems"] == 6).all() and (zero["n_tasks"] == 5).all()
    part = df[(df["policy"] == "partial") & (df["parameter"] == 0.2)]
    assert (part["n_systems"] == 6).all()  # 6 of 30 scores hidden: every system still compared


def test_mask_rows_are_what_aggregate_says():
    table = _random_table(6, n=8, m=6)
    df = mask_cells(table, rules="borda,copeland", fractions=0.1, n_draws=4, rng=3)
    ranked = df[df["kendall_tau"].notna()]
    assert len(ranked) > 0
    gen = np.random.default_rng(3)  # neither rule takes an rng: the study's stream draws the masks only
    for d in range(4):
        hidden = gen.choice(np.flatnonzero(~np.isnan(table.scores)), 5, replace=False)
        sc = np.array(table.scores)
        sc.flat[hidden] = np.nan
        for pol in ("drop_systems", "drop_tasks", "partial"):
            rows = df[(df["draw"] == d) & (df["policy"] == pol)]
            try:
                masked = ScoreTable(sc, systems=table.systems, tasks=table.labels, higher_is_better=True, missing=pol)
            except ScoreTableError:
                assert rows["kendall_tau"].isna().all() and (rows["note"] != "").all()
                continue
            for _, row in rows.iterrows():
                idx = [table.systems.index(s) for s in masked.systems]
                _check(df, aggregate(table, row["rule"]).ranks[idx], aggregate(masked, row["rule"]).ranks, row,
                       masked.systems)  # fmt: skip


def test_mask_records_policies_that_leave_nothing():
    table = _random_table(1, n=4, m=3)
    df = mask_cells(table, rules="kemeny", fractions=0.9, policies=["drop_systems", "drop_tasks"], n_draws=2, rng=0)
    assert df["kendall_tau"].isna().all() and df["top1_changed"].isna().all()
    assert set(df["note"]) <= {"drop_systems leaves 0 system(s) to rank", "drop_systems leaves 1 system(s) to rank",
                               "drop_tasks leaves no task column"}  # fmt: skip
    s = summarize_perturbations(df)
    assert (s["n_ranked"] == 0).all() and (s["n"] == 2).all()


# ------------------------------------------------------------------------------------------ together
def test_perturbation_studies_stack_the_studies_in_a_fixed_order(toy):
    df = perturbation_studies(toy, rules="mean,borda", n_draws=2, rng=0)
    assert list(df.columns) == list(COLUMNS)
    assert list(dict.fromkeys(df["study"])) == list(STUDIES)
    # each study has its own stream: running one alone gives the same rows
    alone = perturbation_studies(toy, rules="mean,borda", studies="remove_tasks", n_draws=2, rng=0)
    both = df[df["study"] == "remove_tasks"][alone.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, both, check_dtype=False)  # parameter: int alone, object when stacked


def test_summary(toy):
    df = remove_tasks(toy, rules="mean,borda", k=[1, 2], n_draws=5, rng=0)
    s = summarize_perturbations(df)
    assert list(s.columns) == ["study", "rule", "parameter", "n", "n_ranked", "mean_kendall_tau", "min_kendall_tau",
                               "top1_change_rate", "mean_flips"]  # fmt: skip
    assert len(s) == 4 and (s["n"] == 5).all()
    g = df.groupby(["rule", "parameter"])
    for _, row in s.iterrows():
        part = g.get_group((row["rule"], row["parameter"]))
        assert row["mean_kendall_tau"] == pytest.approx(part["kendall_tau"].mean())
        assert row["top1_change_rate"] == pytest.approx(part["top1_changed"].astype(float).mean())


def test_full_data_rankings_are_aggregates_for_every_rule(toy):
    # zero perturbation: every rule's study ranking equals its aggregate() ranking (tau 1, no flips)
    df = mask_cells(
        toy,
        rules=list(RULES),
        fractions=0.0,
        policies="drop_tasks",
        n_draws=1,
        rng=0,
        params={"arena_elo": {"prior": 1.0}},
    )  # maximum likelihood does not exist on the toy table
    assert len(df) == len(RULES) and (df["n_flips"] == 0).all() and not df["top1_changed"].any()


# ------------------------------------------------------------------------------------------ errors
def test_errors_name_the_parameter_and_the_fix(toy):
    cases = [
        (lambda: rescale_task(toy, factors=[0]), pin("factors: 0.0 is out of range", "positive finite factors")),
        (lambda: rescale_task(toy, factors=[float("inf")]), pin("factors: inf is out of range")),
        (lambda: rescale_task(toy, factors="big"), pin("factors='big': expected a number or a list of numbers")),
        (lambda: rescale_task(toy, factors=[]), pin("factors: give at least one value")),
        (lambda: rescale_task(toy, tasks="q*a*z"), pin("tasks: 'q*a*z' matches no task column", "the columns are")),
        (lambda: rescale_task(toy, tasks="sumarization"), pin("Did you mean 'summarization'?")),
        (lambda: rescale_task(toy, tasks=[]), pin("tasks: give at least one task name or pattern")),
        (lambda: add_noise(toy, levels=[-0.1]), pin("levels: -0.1 is out of range", ">= 0")),
        (lambda: add_noise(toy, n_draws=0), pin("n_draws=0: must be a positive integer")),
        (lambda: remove_tasks(toy, k=5), pin("k: 5 is out of range; remove between 1 and 4 of the 5 tasks")),
        (lambda: remove_tasks(toy, k=[]), pin("k: give at least one number of tasks to remove")),
        (lambda: remove_tasks(toy, k=[1.5]), pin("k: 1.5 is not a whole number of tasks to remove")),
        (lambda: remove_tasks(toy, k=0, by="column"), pin("k: 0 is out of range", "5 task columns (by='column')")),
        (lambda: perturbation_studies(toy, studies=""), pin("studies: give at least one of 'rescale_task'")),
        (lambda: remove_tasks(toy, by="metric"), pin("by='metric': remove whole tasks (by='task')")),
        (lambda: remove_tasks(toy.select_tasks(include="qa")), pin("remove_tasks: the table has 1 task;")),
        (lambda: remove_systems(toy.select_systems(include=["Osprey", "Heron"])), pin("must leave at least two")),
        (lambda: remove_systems(toy, systems="Eagle"), pin("systems: 'Eagle' matches no system")),
        (lambda: remove_systems(toy, systems=[]), pin("systems: give at least one system name or pattern")),
        (lambda: add_systems(toy, noise=-1), pin("noise=-1: the copy's noise", ">= 0")),
        (lambda: add_systems(toy, n_draws=3), pin("n_draws=3 with noise=0: an exact clone is the same")),
        (lambda: mask_cells(toy, fractions=[1.0]), pin("fractions: 1.0 is out of range", "in [0, 1)")),
        (lambda: mask_cells(toy, policies=["raise"]), pin("policies: unknown 'raise'; choose from")),
        (lambda: mask_cells(toy, policies=[]), pin("policies: give at least one of")),
        (lambda: mask_cells(toy, rules="mean,borda", policies="partial"), pin("none of the rules mean, borda")),
        (lambda: perturbation_studies(toy, studies="noise"), pin("studies: unknown 'noise'", "'add_noise'")),
        (lambda: perturbation_studies(toy, n_draws=-1), pin("n_draws=-1: must be a positive integer")),
        (lambda: summarize_perturbations(toy.to_wide()), pin("results: expected the DataFrame of a perturbation")),
    ]
    for call, pattern in cases:
        with pytest.raises(RankaggError, match=pattern):
            call()


def test_rule_errors(toy):
    with pytest.raises(RuleError, match=pin("rules: give at least one rule")):
        remove_tasks(toy, rules="")
    with pytest.raises(RuleError, match=pin("unknown rule 'bordo'", "Did you mean 'borda'?")):
        remove_tasks(toy, rules="mean,bordo")
    with pytest.raises(RuleError, match=pin("params: rule 'copeland' is not among the rules studied (mean, borda)")):
        remove_tasks(toy, rules="mean,borda", params={"copeland": {"tie_score": 0}})
    with pytest.raises(RuleError, match=pin("rule 'borda' has no parameter 'x'")):
        remove_tasks(toy, rules="borda", params={"borda": {"x": 1}})
    partial = _random_table(0, missing=True)
    with pytest.raises(RuleError, match=pin("rule 'mean' does not accept partial rankings", "drop_systems")):
        remove_tasks(partial, rules="mean,kemeny")
    # a rule failing on a perturbed table says where
    near_zero = ScoreTable([[0.01, 0.02], [0.02, 0.01], [0.03, 0.03]], systems=["a", "b", "c"], tasks=["x", "y"],
                           higher_is_better=True)  # fmt: skip
    with pytest.raises(
        RuleError, match=pin("add_noise: rule 'geometric_mean' failed on draw", "needs positive scores")
    ):
        add_noise(near_zero, rules="geometric_mean", levels=[3.0], n_draws=5, rng=0)


def test_rule_params_and_seeds_reach_the_rules(toy):
    a = remove_tasks(toy, rules="kemeny", params={"kemeny": {"method": "kwiksort"}}, k=2, n_draws=4, rng=1)
    b = remove_tasks(toy, rules="kemeny", params={"kemeny": {"method": "kwiksort"}}, k=2, n_draws=4, rng=1)
    pd.testing.assert_frame_equal(a, b)
    c = remove_tasks(toy, rules="copeland", params={"copeland": {"tie_score": 0.0}}, k=1, n_draws=2, rng=0)
    assert len(c) == 2


# ------------------------------------------------------------------------------------------ real data
@pytest.fixture(scope="module")
def leaderboards(datasets_dir):
    folder = datasets_dir / "glue_superglue_value"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return {
        name: read_table(folder / f"{name}.csv", missing="drop_systems", exclude="*Human Baselines*")
        for name in ("glue", "superglue")
    }


@pytest.mark.parametrize(("name", "mean_changes"), [("glue", 11), ("superglue", 8)])
def test_x1000_attack_moves_the_mean_and_not_rank_aggregation(leaderboards, name, mean_changes):
    table = leaderboards[name]
    df = rescale_task(table, rules="mean,borda,kemeny", factors=1000)
    changed = df.groupby("rule")["top1_changed"].sum()
    # 14 task columns; x1000 on 11 (GLUE) / 8 (SuperGLUE) of them hands the mean's first place to another system
    assert changed["mean"] == mean_changes
    assert changed["borda"] == 0 and changed["kemeny"] == 0
    rank_rules = df[df["rule"] != "mean"]
    assert (rank_rules["kendall_tau"] == 1.0).all() and (rank_rules["n_flips"] == 0).all()
    assert df[df["rule"] == "mean"]["kendall_tau"].mean() < 0.8  # 0.789 (GLUE), 0.713 (SuperGLUE)


def test_glue_rank_aggregation_is_more_stable_than_the_mean_under_task_removal(leaderboards):
    # k = 1..10 of the 11 GLUE tasks, 5 draws per k (the direction holds for every seed 0..19 we tried)
    df = remove_tasks(leaderboards["glue"], rules="mean,borda,kemeny", n_draws=5, rng=0)
    tau = df.groupby("rule")["kendall_tau"].mean()
    # seed 0: mean 0.878, borda 0.890, kemeny 0.905 (50 draws per k: 0.881, 0.894, 0.909)
    assert tau["borda"] > tau["mean"] + 0.005
    assert tau["kemeny"] > tau["mean"] + 0.015


def test_superglue_rules_are_about_equally_stable_under_task_removal(leaderboards):
    # The direction does not reproduce on this SuperGLUE snapshot (21 systems): with 50 draws per k the
    # mean is at 0.875, Borda 0.868, Kemeny 0.871; here (seed 0, 20 draws per k) 0.877, 0.885, 0.886; over
    # seeds 0..19 Borda beats the mean in 8 and Kemeny in 12: the sign of the difference is noise.
    df = remove_tasks(leaderboards["superglue"], rules="mean,borda,kemeny", n_draws=20, rng=0)
    tau = df.groupby("rule")["kendall_tau"].mean()
    assert abs(tau["borda"] - tau["mean"]) < 0.03
    assert abs(tau["kemeny"] - tau["mean"]) < 0.03
