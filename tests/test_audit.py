"""``rankagg.audit`` and ``rankagg audit``: hand-computed cases, brute force on the withholding, real leaderboards.

Real data: ../shared/datasets (Open LLM Leaderboard v1 snapshot 2023-09-04, MTEB classic English); those
tests skip without it.
"""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rankagg
from rankagg.uncertainty.audit import CONDITIONS, audit
from tests.helpers import run_cli


def _table(rows: dict[str, list[float]], missing: str = "raise") -> rankagg.ScoreTable:
    tasks = [f"t{j + 1}" for j in range(len(next(iter(rows.values()))))]
    return rankagg.ScoreTable(
        list(rows.values()), systems=list(rows), tasks=tasks, higher_is_better=True, missing=missing
    )


# A beats B beats C on every task: nothing is hidden
DOMINANT = {
    "A": [9.0, 8.0, 9.5, 7.0, 8.5, 9.0],
    "B": [5.0, 6.0, 5.5, 6.5, 5.0, 6.0],
    "C": [1.0, 2.0, 1.5, 2.5, 1.0, 2.0],
}
# A leads the mean; C wins task t3 only, and gains by withholding its bad tasks
GAME = {"A": [10.0, 10.0, 1.0], "B": [5.0, 5.0, 5.0], "C": [1.0, 1.0, 10.0]}


def test_toy_hand_checked_figures():
    res = audit(rankagg.load_example("toy"), rules=["mean", "borda"], n_boot=200, seed=0)
    # the mean's winner is Wren by its code score; Osprey beats every other system on 4 of the 5 tasks
    assert res.leader == ("Wren",)
    assert res.condorcet_winner == "Osprey"
    assert res.winners["borda"] == ("Osprey",)
    assert res.conditions["leader-not-condorcet"] and res.conditions["rules-disagree-on-winner"]
    # qa x1000: the mean orders by qa alone (Osprey 78.1 > Heron > Kestrel > Finch > Wren 70.2 > Plover 68.0)
    qa = res.rescaling[(res.rescaling["rule"] == "mean") & (res.rescaling["task"] == "qa")].iloc[0]
    assert qa["winner_after"] == "Osprey" and qa["leader_rank_after"] == 5
    # code x1000: Wren has the best code score, so it stays first
    code = res.rescaling[res.rescaling["task"] == "code"].iloc[0]
    assert not code["winner_changed"]
    assert res.rank_only_rules == ("borda",)
    assert res.withholding is None and "missing='raise'" in res.withholding_note


def test_dominant_table_hides_nothing():
    res = audit(_table(DOMINANT), rules=["mean", "borda", "copeland"], n_boot=300, seed=1, k_withhold=0)
    # A > B > C on every task: every resample keeps the order, so both adjacent pairs are told apart with P = 1
    assert res.adjacent["p_upper_above"].tolist() == [1.0, 1.0]
    assert res.n_separable == 2 and res.groups == (("A",), ("B",), ("C",))
    assert res.condorcet_winner == "A" and res.leader_is_condorcet
    assert not any(res.conditions.values())
    assert set(res.conditions) == set(CONDITIONS)


def test_adjacent_pairs_match_the_bootstrap_pairwise_shares():
    res = audit(rankagg.load_example("toy"), rules=["borda"], n_boot=300, seed=3, k_withhold=0)
    p = res.bootstrap.prob_above()
    for row in res.adjacent.itertuples():
        assert row.p_upper_above == pytest.approx(p.loc[row.upper, row.lower])
        assert row.p_lower_above == pytest.approx(p.loc[row.lower, row.upper])
        assert row.separable == (max(row.p_upper_above, row.p_lower_above) >= 0.95)
    # a pair told apart splits the groups: no group holds both systems of a separable adjacent pair
    for row in res.adjacent[res.adjacent["separable"]].itertuples():
        assert not any(row.upper in g and row.lower in g for g in res.groups)


@pytest.mark.filterwarnings("ignore::rankagg.BootstrapWarning")  # three tasks: the audit notes it
def test_withholding_partial_hand_computed():
    # HELM mean win rate: A 2/3, B 1/2, C 1/3. C withholding t1: A 2/3, B (0 + 1/2 + 1/2) / 3 = 1/3, C (0 + 1) / 2
    t = _table(GAME, missing="partial")
    one = audit(t, rule="win_rate", rules=["win_rate"], n_boot=50, seed=0, k_withhold=1).withholding.set_index("system")
    assert one.loc["C", "rank"] == 3 and one.loc["C", "best_rank"] == 2 and one.loc["C", "withheld"] == ("t1",)
    assert one.loc["A", "gain"] == 0
    # withholding t1 and t2 leaves C with its only win: win rate 1, first
    two = audit(t, rule="win_rate", rules=["win_rate"], n_boot=50, seed=0, k_withhold=2)
    c = two.withholding.set_index("system").loc["C"]
    assert c["best_rank"] == 1 and c["withheld"] == ("t1", "t2") and c["exact"]
    assert two.conditions["withholding-changes-winner"]


@pytest.mark.filterwarnings("ignore::rankagg.BootstrapWarning")
def test_withholding_drop_tasks_hand_computed():
    # means: A 7, B 5, C 4; withholding t1 drops it for everyone: A 5.5, B 5, C 5.5, so C shares the lead
    res = audit(_table(GAME, missing="drop_tasks"), rules=["mean"], n_boot=50, seed=0)
    w = res.withholding.set_index("system")
    assert w.loc["C", "best_rank"] == 1 and w.loc["C", "withheld"] == ("t1",)
    assert w.loc["B", "best_rank"] == 2  # dropping t3 (its tie-breaker) or t1/t2 never lifts B over A
    assert res.conditions["withholding-changes-winner"]


@pytest.mark.filterwarnings("ignore::rankagg.BootstrapWarning")
def test_withhold_missing_audits_another_policy():
    # a complete table audited for the partial policy: the same withholdings as the table built with it
    got = audit(_table(GAME), rule="win_rate", rules=["win_rate"], n_boot=50, seed=0, withhold_missing="partial")
    ref = audit(_table(GAME, missing="partial"), rule="win_rate", rules=["win_rate"], n_boot=50, seed=0)
    pd.testing.assert_frame_equal(got.withholding, ref.withholding)
    assert got.withholding_policy == "partial" and got.missing_policy == "raise"
    with pytest.raises(rankagg.RankaggError, match=r"withhold_missing.*Did you mean 'partial'"):
        audit(_table(GAME), withhold_missing="partail")
    holes = _table({**GAME, "D": [np.nan, 2.0, 2.0]}, missing="partial")
    with pytest.raises(rankagg.RankaggError, match=r"withhold_missing='drop_tasks'.*missing='drop_tasks'"):
        audit(holes, withhold_missing="drop_tasks")


@pytest.mark.filterwarnings("ignore::rankagg.BootstrapWarning")
def test_withholding_not_applicable_under_raise_and_drop_systems():
    assert audit(_table(GAME), rules=["mean"], n_boot=50, seed=0).withholding is None
    res = audit(_table(GAME, missing="drop_systems"), rules=["mean"], n_boot=50, seed=0)
    assert res.withholding is None and "dropped" in res.withholding_note
    assert not res.conditions["withholding-changes-winner"]


def _brute_best(table: rankagg.ScoreTable, rule: str, k: int) -> dict[str, int]:
    """Best rank of each system over every withholding, each ranked by rankagg.aggregate (the checked path)."""
    sc = np.array(table.scores)
    base = rankagg.aggregate(table, rule=rule)
    best = {s: base.rank_of(s) for s in table.systems}
    for i, s in enumerate(table.systems):
        own = [j for j in range(table.n_columns) if not np.isnan(sc[i, j])]
        for size in range(1, min(k, len(own) - 1) + 1):
            for w in itertools.combinations(own, size):
                x = sc.copy()
                x[i, list(w)] = np.nan
                try:
                    t = rankagg.ScoreTable(
                        x,
                        systems=list(table.systems),
                        tasks=list(table.labels),
                        higher_is_better=True,
                        missing="partial",
                    )
                    r = rankagg.aggregate(t, rule=rule).rank_of(s)
                except rankagg.RankaggError:
                    continue
                best[s] = min(best[s], r)
    return best


@settings(max_examples=30)
@given(
    st.lists(st.lists(st.integers(0, 4), min_size=4, max_size=4), min_size=4, max_size=5),
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), max_size=4),
    st.sampled_from(["win_rate", "copeland", "partial_borda"]),
)
def test_withholding_partial_equals_brute_force(rows, holes, rule):
    sc = np.array(rows, dtype=float)
    for i, j in holes:
        if i < sc.shape[0]:
            sc[i, j] = np.nan
    names = [f"S{i}" for i in range(sc.shape[0])]
    try:
        t = rankagg.ScoreTable(sc, systems=names, tasks=["a", "b", "c", "d"], higher_is_better=True, missing="partial")
        rankagg.aggregate(t, rule=rule)
    except rankagg.RankaggError:
        return  # a table the rule cannot rank at all
    from rankagg.uncertainty.withholding import (
        _withholding,  # the withholding alone (no bootstrap): the property is about it
    )

    base = np.array([rankagg.aggregate(t, rule=rule).rank_of(s) for s in names])
    df, _ = _withholding(t, rule, 2, base, atol=0.0, rtol=0.0, params={}, max_subsets=256, policy="partial")
    got = dict(zip(df["system"], df["best_rank"]))
    assert got == _brute_best(t, rule, 2)


def test_greedy_reaches_what_it_reports():
    rng = np.random.default_rng(5)
    sc = rng.normal(size=(8, 6))
    sc[rng.random(sc.shape) < 0.15] = np.nan
    t = rankagg.ScoreTable(
        sc,
        systems=[f"S{i}" for i in range(8)],
        tasks=[f"t{j}" for j in range(6)],
        higher_is_better=True,
        missing="partial",
    )
    exact = audit(t, rule="win_rate", rules=["win_rate"], n_boot=50, seed=0, k_withhold=2).withholding
    greedy = audit(t, rule="win_rate", rules=["win_rate"], n_boot=50, seed=0, k_withhold=2, max_subsets=1).withholding
    assert not greedy["exact"].any() and exact["exact"].all()
    # greedy never claims better than the exact search, and its withholding really reaches its rank
    assert (greedy["best_rank"] >= exact["best_rank"]).all()
    for row in greedy[greedy["gain"] > 0].itertuples():
        x = np.array(t.scores)
        x[list(t.systems).index(row.system), [list(t.labels).index(c) for c in row.withheld]] = np.nan
        tt = rankagg.ScoreTable(
            x, systems=list(t.systems), tasks=list(t.labels), higher_is_better=True, missing="partial"
        )
        assert rankagg.aggregate(tt, rule="win_rate").rank_of(row.system) == row.best_rank


def test_bad_arguments_name_the_parameter():
    t = rankagg.load_example("toy")
    with pytest.raises(rankagg.RankaggError, match="k_withhold"):
        audit(t, k_withhold=-1)
    with pytest.raises(rankagg.RankaggError, match=r"unknown condition 'leader'.*leader-not-separable"):
        audit(t, rules=["mean"], n_boot=20, seed=0, k_withhold=0).failing(["leader"])


def test_result_renderings_carry_the_figures():
    res = audit(rankagg.load_example("toy"), rules=["mean", "borda"], n_boot=200, seed=0)
    d = json.loads(json.dumps(res.to_dict()))
    assert d["leader"] == ["Wren"] and d["condorcet_winner"] == "Osprey" and d["seed"] == 0
    assert d["n_separable_adjacent_pairs"] == res.n_separable and d["n_adjacent_pairs"] == 5
    frame = res.to_frame()
    assert frame["system"].iloc[0] == "Wren" and "rank_borda" in frame
    md = res.to_markdown()
    assert "| system |" in md and "Condorcet winner: Osprey" in md


# ------------------------------------------------------------------------------------------------- CLI
def test_cli_fail_on_exit_status(capsys, tmp_path):
    toy = tmp_path / "toy.csv"
    rankagg.datasets.example_frame("toy").to_csv(toy, index=False)
    code, out, err = run_cli(capsys, "audit", toy, "-B", "100", "--seed", "0", "--fail-on", "leader-not-condorcet")
    assert code == 3 and "Condorcet winner: Osprey" in out and "leader-not-condorcet" in err
    code, out, _ = run_cli(capsys, "audit", toy, "-B", "100", "--seed", "0", "--fail-on", "withholding-changes-winner")
    assert code == 0
    code, out, err = run_cli(capsys, "audit", toy, "--fail-on", "leader-not-separble")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "Did you mean 'leader-not-separable'" in err and "rules-disagree-on-winner" in err


def test_cli_json_and_dominant_table_passes(capsys, tmp_path):
    f = tmp_path / "dom.csv"
    pd.DataFrame(
        [(s, f"t{j + 1}", v) for s, vals in DOMINANT.items() for j, v in enumerate(vals)],
        columns=["system", "task", "score"],
    ).to_csv(f, index=False)
    code, out, _ = run_cli(
        capsys,
        "audit",
        f,
        "--direction",
        "higher",
        "--rules",
        "mean,borda",
        "-B",
        "200",
        "--seed",
        "0",
        "--format",
        "json",
        "--fail-on",
        ",".join(CONDITIONS),
    )
    assert code == 0
    d = json.loads(out)
    assert d["failed"] == [] and d["leader_is_condorcet"] and d["n_separable_adjacent_pairs"] == 2


def test_cli_refuses_battle_logs(capsys, tmp_path):
    f = tmp_path / "battles.csv"
    pd.DataFrame({"model_a": ["x", "y"], "model_b": ["y", "z"], "winner": ["model_a", "model_b"]}).to_csv(
        f, index=False
    )
    code, _, err = run_cli(capsys, "audit", f)
    assert code == 2 and "battle log" in err and err.count("\n") == 1


# ------------------------------------------------------------------------------------------------- real data
def _independent_mean_rank(wide: pd.DataFrame, system: str) -> int:
    mean = wide.mean(axis=1)
    return int((mean > mean[system]).sum()) + 1


def test_open_llm_v1_figures(datasets_dir):
    t = rankagg.read_table(datasets_dir / "open_llm_leaderboard_v1" / "snapshot_20230904.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rankagg.BootstrapWarning)  # 4 tasks: the audit says so in its notes
        res = audit(t, rules=["mean", "borda"], n_boot=200, seed=0, k_withhold=0)
    wide = t.to_wide()
    assert res.leader == (wide.mean(axis=1).idxmax(),) == ("uni-tianyan/Uni-TianYan",)
    # no Condorcet winner: every system loses to some other on a majority (3 or 4) of the 4 tasks
    x = wide.to_numpy()
    beats = (x[:, None, :] > x[None, :, :]).sum(axis=2)
    assert not any((np.delete(beats[i], i) >= 3).all() for i in range(len(x)))
    assert res.condorcet_winner is None and res.conditions["leader-not-condorcet"]
    # HellaSwag x1000: the mean is the HellaSwag order; the leader's rank there, by hand
    hs = res.rescaling[(res.rescaling["rule"] == "mean") & (res.rescaling["task"] == "HellaSwag")].iloc[0]
    resc = wide.copy()
    resc["HellaSwag"] *= 1000
    assert hs["leader_rank_after"] == _independent_mean_rank(resc, "uni-tianyan/Uni-TianYan")
    assert hs["winner_after"] == resc.mean(axis=1).idxmax()
    assert res.n_adjacent == 1191 and res.n_separable < 50 and "4 task columns" in res.notes[0]


def test_mteb_classic_withholding_drop_tasks(datasets_dir):
    t = rankagg.read_table(datasets_dir / "mteb" / "mteb_eng_classic_56.csv", missing="drop_systems")
    res = audit(t, rules=["mean"], n_boot=200, seed=0, k_withhold=1, withhold_missing="drop_tasks")
    assert res.withholding_policy == "drop_tasks" and res.n_systems == 152
    wide = t.to_wide()
    w = res.withholding.set_index("system")
    # dropping one task for everyone: the best rank of a few systems, by hand over the 56 leave-one-out means
    for s in list(w.index[:3]) + list(w.index[-2:]):
        best = min(_independent_mean_rank(wide.drop(columns=c), s) for c in wide.columns)
        assert w.loc[s, "best_rank"] == min(best, w.loc[s, "rank"])
    assert res.leader == (wide.mean(axis=1).idxmax(),)


def test_drop_tasks_withholding_one_metric_of_a_two_metric_task():
    """Withholding one column of a task with two metric columns is searched (it was counted as unrankable).

    Hand-computed, mean of the columns: S0 (0.9 + 0.9 + 0.1) / 3 = 0.633 is ahead of S1 (0.5 + 0.5 + 0.8) / 3
    = 0.6; without one of X's columns S1 has (0.5 + 0.8) / 2 = 0.65 against S0's (0.9 + 0.1) / 2 = 0.5, so S1's
    best rank is 1. The rebuilt table labels the remaining X column "X", not "X:m1" (the bug: a direction keyed
    by the old label raised, and every such withholding was skipped as if the table could not be ranked).
    """
    from rankagg.uncertainty.withholding import _withholding

    sc = np.array([[0.9, 0.9, 0.1], [0.5, 0.5, 0.8], [0.0, 0.0, 0.0]])
    t = rankagg.ScoreTable(
        sc, systems=["S0", "S1", "S2"], tasks=["X", "X", "Y"], metrics=["m1", "m2", "acc"], higher_is_better=True
    )
    base = np.array([rankagg.aggregate(t, rule="mean").rank_of(s) for s in t.systems])
    assert base.tolist() == [1, 2, 3]
    df, _ = _withholding(t, "mean", 1, base, atol=0.0, rtol=0.0, params={}, max_subsets=256, policy="drop_tasks")
    got = df.set_index("system")
    assert got.loc["S1", "best_rank"] == 1
    assert got.loc["S1", "withheld"] in (("X:m1",), ("X:m2",))
