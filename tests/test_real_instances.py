"""Real instance-level data end to end: SummEval, REALSumm, AlpacaEval 1.0 / 2.0, and MTEB with its real holes.

The files live in ../shared/datasets (see its README and each PROVENANCE.md); every test skips without them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rankagg import InstanceTable, RuleError, ScoreTableError, aggregate, compare, kendall_tau_b, read_table
from tests.helpers import pin


def read_instances(path, **kw):
    return InstanceTable.from_long(pd.read_csv(path, dtype={"instance": str}), **kw)


@pytest.fixture(scope="module")
def summeval(datasets_dir):
    return read_instances(datasets_dir / "summeval_realsumm" / "summeval_instances.csv")


@pytest.fixture(scope="module")
def realsumm(datasets_dir):
    return read_instances(datasets_dir / "summeval_realsumm" / "realsumm_instances.csv")


@pytest.fixture(scope="module")
def alpaca2(datasets_dir):
    return pd.read_csv(
        datasets_dir / "alpaca_eval" / "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz", dtype={"instance": str}
    )


# ---------------------------------------------------------------------------- SummEval and REALSumm
@pytest.mark.parametrize(("name", "systems", "metrics"), [("summeval", 16, 17), ("realsumm", 25, 15)])
def test_summarisation_benchmarks_aggregate_end_to_end_at_both_levels(request, name, systems, metrics):
    t = request.getfixturevalue(name)
    assert (t.n_systems, t.n_columns) == (systems, metrics)
    assert set(t.n_instances.values()) == {100} and t.n_instances_total == 100 * metrics
    assert t.instances(t.labels[0])[:3] == ("0", "1", "2")
    for rule in ("borda", "copeland", "kemeny", "bradley_terry", "plackett_luce", "win_rate"):
        one = aggregate(t, rule=rule)
        assert sorted(one.ranking) == sorted(t.systems) and one.level == "one"
    two = aggregate(t, level="two", inner="borda", outer="kemeny")
    assert two.diagnostics["optimal"] and two.inner == "borda" and two.outer == "kemeny"
    assert set(two.diagnostics["inner_ranks"]) == set(t.labels)
    cmp = compare(t, ["borda", "copeland", "kemeny"], reference="borda", level="two", inner="borda")
    assert cmp.level == "two" and cmp.agreement.loc["borda", "kemeny"] > 0.5
    # one level and two levels with an inner Borda rank the systems alike, not identically
    assert (
        kendall_tau_b(aggregate(t, rule="borda").ranks, aggregate(t, level="two", inner="borda", outer="borda").ranks)
        > 0.8
    )


def test_summeval_human_judgments_alone(datasets_dir):
    df = pd.read_csv(datasets_dir / "summeval_realsumm" / "summeval_instances.csv", dtype={"instance": str})
    human = InstanceTable.from_long(df[df["is_human_judgment"]])
    assert human.labels == (
        "SummEval:H:coherence",
        "SummEval:H:consistency",
        "SummEval:H:fluency",
        "SummEval:H:relevance",
    )
    # Likert scores tie a lot: ties count half, and Kemeny's certificate still holds
    res = aggregate(human, level="two", inner="copeland", outer="kemeny")
    assert res.diagnostics["optimal"]
    wins, ties = human.pairwise(instance_weighting="uniform")
    assert ties.sum() > 0.2 * (wins.sum() + ties.sum() / 2)


def test_two_levels_ignore_a_monotone_transform_of_every_instance_of_a_metric_the_mean_does_not(summeval):
    rng = np.random.default_rng(0)
    data = {lab: summeval.column_scores(lab).copy() for lab in summeval.labels}
    bleu = data["SummEval:BLEU"]
    # each document's BLEU scores go through their own strictly increasing map
    bleu[:] = np.exp(bleu / 10.0 * rng.uniform(0.5, 3.0, size=bleu.shape[1])) * rng.uniform(1, 100, bleu.shape[1])
    moved = InstanceTable.from_arrays(data, systems=summeval.systems, higher_is_better=True)
    for inner, outer in (("borda", "borda"), ("borda", "kemeny"), ("copeland", "copeland")):
        a = aggregate(summeval, level="two", inner=inner, outer=outer)
        b = aggregate(moved, level="two", inner=inner, outer=outer)
        np.testing.assert_array_equal(a.ranks, b.ranks)
    # the mean of the instance scores over all metrics moves with it
    assert not np.array_equal(aggregate(summeval, rule="mean").ranks, aggregate(moved, rule="mean").ranks)


# ---------------------------------------------------------------------------- AlpacaEval
def test_alpaca_eval_2_mean_of_instance_scores_is_the_official_win_rate(datasets_dir, alpaca2):
    t = InstanceTable.from_long(alpaca2, missing="partial")
    assert (t.n_systems, t.n_columns, t.n_instances_total) == (58, 5, 805)
    assert dict(t.n_instances) == {"helpful_base": 129, "koala": 156, "oasst": 188, "selfinstruct": 252, "vicuna": 80}
    # the file has 46,680 rows for 58 x 805 cells: 10 prompts lack an annotation for some model
    assert int(np.isnan(t.scores).sum()) == 10 and len(alpaca2) == 46_680
    board = pd.read_csv(datasets_dir / "alpaca_eval" / "leaderboards_task_level.csv")
    official = board[(board["task"] == "AlpacaEval2.0") & (board["metric"] == "win_rate")].set_index("system")["score"]
    ours = pd.Series(np.nanmean(t.scores, axis=1) * 100, index=t.systems)
    common = ours.index.intersection(official.index)
    assert len(common) == 57  # every model but one is on the official board
    assert (ours[common] - official[common]).abs().max() < 1e-8
    # the same through aggregate: uniform weighting of the instances, systems with a hole dropped
    complete = InstanceTable.from_long(alpaca2, missing="drop_systems")
    res = aggregate(complete, rule="mean", instance_weighting="uniform")
    got = pd.Series(res.scores * 100, index=res.systems)
    keep = got.index.intersection(official.index)
    assert len(keep) >= 50 and (got[keep] - official[keep]).abs().max() < 1e-8
    # and the leaderboard order is the mean's order
    ranked = pd.Series(res.ranks, index=res.systems)[keep]
    assert kendall_tau_b(ranked.to_numpy(), -official[keep].to_numpy()) == pytest.approx(1.0)


def test_alpaca_eval_2_rules_at_both_levels(alpaca2):
    t = InstanceTable.from_long(alpaca2, missing="partial")
    for rule in ("partial_borda", "win_rate", "copeland", "bradley_terry"):
        res = aggregate(t, rule=rule)
        assert sorted(res.ranking) == sorted(t.systems) and res.missing_policy == "partial"
    kem = aggregate(t, rule="kemeny", pairwise="expected")
    assert kem.diagnostics["optimal"]
    two = aggregate(t, level="two", inner="partial_borda", outer="kemeny")
    assert two.diagnostics["optimal"] and two.level == "two"
    with pytest.raises(
        RuleError,
        match=pin("rule 'borda' does not accept partial rankings, and this instance table has missing scores"),
    ):
        aggregate(t, rule="borda")
    dropped = InstanceTable.from_long(alpaca2, missing="drop_instances")
    assert len(dropped.dropped_instances) == 8 and dropped.n_instances_total == 797  # 10 holes in 8 prompts
    assert aggregate(dropped, rule="borda").diagnostics["dropped_instances"][0].startswith("koala[")


def test_alpaca_eval_1_null_preferences(datasets_dir):
    df = pd.read_csv(datasets_dir / "alpaca_eval" / "instances_alpacaeval1_gpt4.csv.gz", dtype={"instance": str})
    with pytest.raises(ScoreTableError, match=pin("missing: ", "missing score(s), e.g. at")):
        InstanceTable.from_long(df)
    t = InstanceTable.from_long(df, missing="partial")
    assert t.n_systems == 53 and t.has_missing
    assert aggregate(t, rule="partial_borda").ranking[0] == aggregate(t, rule="win_rate").ranking[0]


# ---------------------------------------------------------------------------- MTEB with its real holes
def test_mteb_classic_with_its_holes(datasets_dir):
    path = datasets_dir / "mteb" / "mteb_eng_classic_56.csv"
    part = read_table(path, missing="partial")
    assert part.n_systems == 333 and part.n_columns == 56 and part.has_missing
    full = part.with_missing("drop_systems")
    assert full.n_systems == 152
    for rule in ("partial_borda", "win_rate", "copeland", "bradley_terry"):
        res = aggregate(part, rule=rule)
        assert sorted(res.ranking) == sorted(part.systems)
    # on the complete systems, the partial-ranking rule on the whole board orders them much like Borda on them alone
    pb = aggregate(part, rule="partial_borda")
    rank_pb = pd.Series(pb.ranks, index=pb.systems)[list(full.systems)].rank().to_numpy()
    assert kendall_tau_b(rank_pb, aggregate(full, rule="borda").ranks) > 0.9


def test_mteb_sparse_stress_case(datasets_dir):
    path = datasets_dir / "mteb" / "mteb_all_tasks_sparse.csv.gz"
    with pytest.raises(
        ScoreTableError,
        match=pin(
            "scores: system(s) 'Singaraj/morisien-embed' share no task with any "
            "other system, so nothing compares them; exclude them"
        ),
    ):
        read_table(path, missing="partial")
    t = read_table(path, missing="partial", exclude="Singaraj/morisien-embed")
    assert (t.n_systems, t.n_columns) == (667, 1559)
    assert 0.09 < float((~np.isnan(t.scores)).mean()) < 0.11
    pb = aggregate(t, rule="partial_borda")
    cop = aggregate(t, rule="copeland", pairwise="expected")
    assert sorted(pb.ranking) == sorted(t.systems) and cop.pairwise == "expected"
    # Borda and Copeland over the same completions broadly agree
    assert kendall_tau_b(pb.ranks, cop.ranks) > 0.8
