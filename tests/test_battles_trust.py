"""Battle logs done right (issue 18, case 3): one reader for every layout, filters that apply or fail loudly,
detection by content, a bootstrap that resamples battles, and perturbation studies that make sense for battles."""

from __future__ import annotations

import bz2
import gzip
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom

import rankagg
from rankagg.data.battles import BattleError, PairwiseProfile, pairwise_from_battles
from rankagg.io import DataNoteWarning, read_battles
from rankagg.uncertainty.battles import battle_perturbations, bootstrap_battles
from tests.helpers import pin, run_cli

DATA = Path(__file__).parent / "data" / "battles"
ARENA = DATA / "arena_battles.csv"


run = run_cli


def ok(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out, err


def fails(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "", (code, out, err)
    *notes, last = err.splitlines()  # notes first (what a filter dropped), then the one-line error
    assert last.startswith("rankagg: error: ") and all(x.startswith("rankagg: note: ") for x in notes), err
    return last


def simulated_log(strengths, n_battles, *, seed=0, tasks=("qa", "code")):
    """Battles between random pairs, won with the Bradley-Terry probability of the log-strengths; 10% ties."""
    rng = np.random.default_rng(seed)
    names = list(strengths)
    rows = []
    for _ in range(n_battles):
        a, b = rng.choice(names, 2, replace=False)
        p = 1.0 / (1.0 + np.exp(strengths[b] - strengths[a]))
        w = "tie" if rng.random() < 0.1 else ("model_a" if rng.random() < p else "model_b")
        rows.append((a, b, w, rng.choice(list(tasks))))
    return pd.DataFrame(rows, columns=["model_a", "model_b", "winner", "category"])


def repeat(a, b, winner, k):
    return pd.DataFrame({"model_a": [a] * k, "model_b": [b] * k, "winner": [winner] * k})


def ranking(out):
    """system -> rank from a `rankagg rank` table."""
    lines = out.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("system"))
    return {x.split()[0]: int(x.split()[1]) for x in lines[start + 1 :] if x.strip()}


# ------------------------------------------------------------------------------------------ 1. one reader
def test_read_battles_reads_every_layout_the_cli_reads(tmp_path):
    raw = read_battles(ARENA)
    own = raw[["system_a", "system_b", "winner"]]  # rankagg's layout: system_a, system_b, winner in a/b/tie
    path = tmp_path / "own.csv"
    own.to_csv(path, index=False)
    for source in (own, path):
        back = read_battles(source)
        assert back[["system_a", "system_b", "winner"]].equals(own)
    # case and spaces of the winner values, and a `task` column when there is no `category`
    mixed = pd.DataFrame({"system_a": ["x", "y"], "system_b": ["y", "z"], "winner": [" A", "Tie"], "task": ["m", "c"]})
    assert read_battles(mixed)[["winner", "task"]].values.tolist() == [["a", "m"], ["tie", "c"]]
    # aggregate reads a raw Chatbot Arena frame as a battle log, through the same reader
    arena = pd.read_csv(ARENA)
    assert rankagg.aggregate(arena, rule="copeland").ranks.tolist() == (
        rankagg.aggregate(pairwise_from_battles(ARENA), rule="copeland").ranks.tolist()
    )


@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 4), st.sampled_from(["a", "b", "tie"]), st.sampled_from([1, 2])),
        min_size=1,
        max_size=30,
    ).filter(lambda rows: any(a != b for a, b, _, _ in rows))
)
def test_profile_counts_and_its_battles_agree_and_exclude_counts_the_battles_left(rows):
    rows = [r for r in rows if r[0] != r[1]]
    names = [f"s{a}" for a, _, _, _ in rows], [f"s{b}" for _, b, _, _ in rows]
    log = pd.DataFrame({"system_a": names[0], "system_b": names[1], "winner": [r[2] for r in rows]})
    log["w"] = [float(r[3]) for r in rows]
    p = pairwise_from_battles(log, weight="w")
    index = {s: i for i, s in enumerate(p.systems)}
    wins, ties = np.zeros((p.n, p.n)), np.zeros((p.n, p.n))
    for a, b, w, wt in zip(names[0], names[1], log["winner"], log["w"], strict=True):
        i, j = index[a], index[b]
        if w == "tie":
            ties[i, j] += wt
            ties[j, i] += wt
        else:
            wins[(i, j) if w == "a" else (j, i)] += wt
    assert np.array_equal(p.wins, wins) and np.array_equal(p.ties, ties)
    assert p.cells["count"].sum() == p.n_battles == len(rows)
    if p.n >= 3:  # leaving one system out leaves exactly the battles that do not involve it
        gone = p.systems[0]
        q = p.select_systems(exclude=[gone]) if "*" not in gone else None
        left = sum(1 for a, b in zip(*names, strict=True) if gone not in (a, b))
        assert q.n_battles == left and q.cells["count"].sum() == left
        assert q.total_weight == pytest.approx(
            sum(w for a, b, w in zip(*names, log["w"], strict=True) if gone not in (a, b))
        )
        assert f"{len(rows) - left} of {len(rows)} battles dropped" in q.notes[-1]


# ------------------------------------------------------------------------------------------ 2. filters
@pytest.fixture
def tasks_log(tmp_path):
    log = simulated_log({"alpha": 1.0, "beta": 0.5, "gamma": 0.0, "delta": -1.0}, 200, seed=3)
    path = tmp_path / "tasks.csv"
    log.to_csv(path, index=False)
    return log, path


def test_tasks_filter_applies_to_battle_logs(capsys, tasks_log):
    log, path = tasks_log
    n_qa = int((log["category"] == "qa").sum())
    out, err = ok(capsys, "rank", path, "--tasks", "qa", "--rule", "copeland")
    assert f"{n_qa} battles between 4 systems" in out
    assert f"rankagg: note: tasks: {len(log) - n_qa} of {len(log)} battles dropped (kept the tasks 'qa')." in err
    # the same ranking as the log cut by hand
    expected = rankagg.aggregate(pairwise_from_battles(log[log["category"] == "qa"]), rule="copeland")
    assert ranking(out) == dict(zip(expected.systems, expected.ranks.tolist(), strict=True))
    line = fails(capsys, "rank", path, "--tasks", "qaa")
    assert "tasks: no task 'qaa' in the battle log; its tasks are 'qa', 'code'. Did you mean 'qa'?" in line


def test_tasks_on_a_log_without_task_column_names_the_columns_and_the_hint_works(capsys):
    line = fails(capsys, "rank", ARENA, "--tasks", "English")
    assert (
        "tasks: the battle log has no task column; its columns are 'model_a', 'model_b', 'winner', 'language'" in line
    )
    assert "--task-col COLUMN" in line
    # following it: without the German battle (vicuna-13b vs gpt-4) the log falls into two groups, said so (case 4)
    line = fails(capsys, "rank", ARENA, "--tasks", "English", "--task-col", "language")
    assert "the systems fall into 2 groups that never met" in line and "{'gpt-4', 'claude-v1'}" in line
    out, err = ok(capsys, "rank", ARENA, "--tasks", "English", "--task-col", "language", "--include", "gpt-4",
                  "--include", "claude-v1")  # fmt: skip
    assert "1 battles between 2 systems" in out and ranking(out) == {"gpt-4": 1, "claude-v1": 2}
    assert "tasks: 1 of 3 battles dropped" in err and "include/exclude: 1 of 2 battles dropped" in err


def test_include_exclude_say_how_many_battles_they_drop(capsys, tasks_log):
    log, path = tasks_log
    gone = int(((log["model_a"] == "delta") | (log["model_b"] == "delta")).sum())
    out, err = ok(capsys, "rank", path, "--exclude", "delta")
    assert f"{len(log) - gone} battles between 3 systems" in out
    assert f"include/exclude: {gone} of {len(log)} battles dropped: they involve the systems left out ('delta')" in err


@pytest.mark.parametrize(
    "option",
    [
        ["--direction", "higher"],
        ["--weights", "qa=2"],
        ["--atol", "0.1"],
        ["--missing", "drop_systems"],
        ["--metric", "acc"],
        ["--lower-is-better", "qa"],
    ],
)
def test_score_table_options_are_refused_on_battle_logs_not_ignored(capsys, tasks_log, option):
    line = fails(capsys, "rank", tasks_log[1], *option)
    assert f"{option[0]}: this option applies to score tables" in line and "leave it out" in line


# ------------------------------------------------------------------------------------------ 3. detection by content
@pytest.mark.parametrize(
    ("name", "fmt", "opener"),
    [
        ("log.csv.gz", "csv", gzip.open),  # compressed, said by the extension
        ("log.csv", "csv", gzip.open),  # gzip bytes under a plain name
        ("log.data", "jsonl", gzip.open),  # neither the name nor the compression tell: the content does
        ("log.json", "json", bz2.open),
    ],
)
def test_a_compressed_battle_log_is_recognised_by_its_content(capsys, tmp_path, name, fmt, opener):
    frame = pd.read_csv(ARENA)
    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "jsonl":
        text = frame.to_json(orient="records", lines=True)
    else:
        text = json.dumps(frame.to_dict(orient="records"))
    path = tmp_path / name
    with opener(path, "wt") as fh:
        fh.write(text)
    out, _ = ok(capsys, "rank", path, "--rule", "copeland")
    assert "3 battles between 4 systems" in out
    plain, _ = ok(capsys, "rank", ARENA, "--rule", "copeland")
    assert ranking(out) == ranking(plain)
    assert read_battles(path)["winner"].tolist() == ["a", "b", "tie"]


def test_a_log_with_other_column_names_gets_a_hint_that_works(capsys, tmp_path):
    path = tmp_path / "log.csv"
    pd.read_csv(ARENA).rename(columns={"model_a": "left", "model_b": "right"}).to_csv(path, index=False)
    line = fails(capsys, "rank", path, "--from", "battles")
    assert "no column 'model_a'" in line and "rename the file's columns to model_a, model_b, winner" in line
    pd.read_csv(path).rename(columns={"left": "model_a", "right": "model_b"}).to_csv(path, index=False)
    out, _ = ok(capsys, "rank", path)  # detected by its columns, no --from needed
    assert "3 battles between 4 systems" in out


# ------------------------------------------------------------------------------------------ 4. bootstrap
def test_bootstrap_battles_is_reproducible_and_rankagg_bootstrap_dispatches_to_it():
    log = simulated_log({"a": 1.0, "b": 0.3, "c": 0.0, "d": -0.5}, 300, seed=1)
    one = bootstrap_battles(log, "bradley_terry", n_resamples=60, rng=7)
    two = rankagg.bootstrap(pairwise_from_battles(log), "bradley_terry", n_resamples=60, rng=7, n_jobs=2)
    assert one.resample == two.resample == "battles" and one.systems == two.systems
    assert np.array_equal(one.ranks, two.ranks) and np.array_equal(one.counts, two.counts)
    # every resample draws as many battles as the log holds; counts reused give the same ranks with another rule
    assert (one.counts.sum(axis=1) == 300).all()
    again = bootstrap_battles(log, "bradley_terry", counts=one.counts)
    assert np.array_equal(again.ranks, one.ranks)
    other = bootstrap_battles(log, "bradley_terry", n_resamples=60, rng=8)
    assert not np.array_equal(other.counts, one.counts)
    with pytest.raises(rankagg.RankaggError, match=pin("atol, rtol, level", "leave them out")):
        rankagg.bootstrap(log, "bradley_terry", atol=0.1)
    with pytest.raises(BattleError, match=pin("holds pairwise counts, not the battles behind them")):
        bootstrap_battles(PairwiseProfile(("x", "y"), np.array([[0, 2.0], [1, 0]]), np.zeros((2, 2)), 3.0))


@pytest.mark.parametrize("rule", ["bradley_terry", "copeland", "kemeny"])
def test_bootstrap_of_two_systems_is_the_binomial(rule):
    """x won 60 of 100 battles: a resample ranks x first alone or tied when it wins >= 50 of 100 draws."""
    log = pd.concat([repeat("x", "y", "model_a", 60), repeat("x", "y", "model_b", 40)])
    res = bootstrap_battles(log, rule, n_resamples=4000, rng=0)
    p_x, p_y = res.p_top(1)
    x_ahead, tie = binom.sf(50, 100, 0.6), binom.pmf(50, 100, 0.6)  # 0.9729, 0.0103
    # a 50-50 draw ties them, both first (Kemeny too: both orders are optimal, and it ties what its optima do not share)
    assert abs(p_x - (x_ahead + tie)) < 0.007 and abs(p_y - (1 - x_ahead)) < 0.009  # 3.5 standard errors
    assert abs(p_x - 0.9794) < 0.015  # the normal approximation P(p_hat > 0.5) = Phi(0.1 / sqrt(0.24 / 100))


def test_bootstrap_intervals_are_narrow_where_battles_are_many_and_wide_where_few():
    many = [repeat("A", "B", "model_a", 90), repeat("A", "B", "model_b", 10)]
    many += [repeat("B", "C", "model_a", 90), repeat("B", "C", "model_b", 10)]
    few = [repeat("D", "C", "model_a", 3), repeat("D", "B", "model_b", 3)]  # D: 6 battles, 3 won
    log = pd.concat(many + few)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataNoteWarning)  # D drops out of fewer than 1% of draws: none here
        res = bootstrap_battles(log, "bradley_terry", n_resamples=400, rng=0)
    frame = res.to_frame().set_index("system")
    assert frame.loc["A", ["rank_low", "rank_high"]].tolist() == [1, 1]
    assert frame.loc["C", "rank_high"] == 4
    low, high = frame.loc["D", ["rank_low", "rank_high"]]
    assert high - low >= 1 and frame.loc["D", "mean_rank"] not in (1.0, 2.0, 3.0, 4.0)


def test_a_log_too_sparse_to_bootstrap_is_refused_and_the_hint_works(capsys):
    """The arena fixture: 3 battles in a chain; most draws miss one and split the systems."""
    with pytest.raises(BattleError, match=pin("leave the comparison graph in pieces", "Fewest battles: claude-v1 (1)")):
        bootstrap_battles(ARENA, n_resamples=100, rng=0)
    line = fails(capsys, "bootstrap", ARENA, "-B", "100", "--seed", "0")
    assert "--resample battles_by_pair" in line
    out, err = ok(capsys, "bootstrap", ARENA, "-B", "100", "--seed", "0", "--resample", "battles_by_pair")
    assert "resamples of the 3 battles with replacement within each pair" in out
    assert "3 of 3 pairs met in a single battle; drawing within each pair cannot vary them" in err


def test_rare_disconnected_draws_are_drawn_again_and_said():
    log = pd.concat([repeat("A", "B", "model_a", 30), repeat("B", "C", "model_a", 30), repeat("C", "D", "tie", 4)])
    # D has 4 of 64 battles: a draw misses all four with probability (60/64)^64 = 1.6%
    with pytest.warns(DataNoteWarning, match=pin("draws of the battles", "were drawn again")) as rec:
        res = bootstrap_battles(log, "copeland", n_resamples=1000, rng=0)
    k = int(str(rec[0].message).split("bootstrap: ")[1].split(" of ")[0])
    assert 4 <= k <= 35  # 16 expected
    d_cells = np.flatnonzero(pairwise_from_battles(log).cells["b"] == 3)  # D is the fourth system
    assert (res.counts[:, d_cells].sum(axis=1) > 0).all()  # no resample ranks D without a battle


def test_cli_bootstrap_of_a_battle_log_prints_rank_intervals(capsys, tasks_log):
    out, _ = ok(capsys, "bootstrap", tasks_log[1], "--rule", "bradley_terry", "-B", "200", "--seed", "0")
    assert "bootstrap over battles: 200 resamples of the 200 battles with replacement" in out
    assert "Battles: " in out and "200 battles between 4 systems" in out
    csv, _ = ok(capsys, "bootstrap", tasks_log[1], "-B", "50", "--seed", "0", "--format", "csv")
    frame = pd.read_csv(__import__("io").StringIO(csv))
    assert list(frame.columns) == ["system", "rank", "rank_low", "rank_high", "p_top1", "p_top3", "mean_rank"]
    assert (frame["rank_low"] <= frame["rank"]).all() and (frame["rank"] <= frame["rank_high"]).all()
    payload = json.loads(ok(capsys, "bootstrap", tasks_log[1], "-B", "20", "--seed", "0", "--format", "json")[0])
    assert payload["resample"] == "battles" and payload["rule"] == "bradley_terry"
    line = fails(capsys, "bootstrap", tasks_log[1], "--resample", "instances")
    assert "--resample instances: a battle log is resampled over battles" in line


# ------------------------------------------------------------------------------------------ 5. robustness
def test_remove_systems_on_battles_catches_a_violation_of_independence_of_irrelevant_alternatives():
    """A beats B 3-0, B beats C 2-0, C beats A 1-0: Kemeny ranks A > B > C (it overrules the weakest
    majority, C over A); without B, only C beats A, so A and C swap."""
    log = pd.concat([repeat("A", "B", "model_a", 3), repeat("B", "C", "model_a", 2), repeat("C", "A", "model_a", 1)])
    df = battle_perturbations(log, rules=["kemeny", "bradley_terry"], studies="remove_systems")
    cols = ["study", "rule", "parameter", "draw", "kendall_tau", "top1_changed", "n_flips", "n_pairs", "n_systems"]
    assert list(df.columns) == [*cols, "n_tasks", "top1", "note"]
    row = df[(df["rule"] == "kemeny") & (df["parameter"] == "B")].iloc[0]
    assert row["n_flips"] == 1 and row["kendall_tau"] == -1.0 and bool(row["top1_changed"]) and row["top1"] == "C"
    # leaving A out: B over C stays
    assert df[(df["rule"] == "kemeny") & (df["parameter"] == "A")]["n_flips"].tolist() == [0]
    assert rankagg.summarize_perturbations(df)["n"].sum() == len(df)


def test_subsample_battles_draws_without_replacement_and_does_not_rank_a_split_log():
    log = simulated_log({"a": 2.0, "b": 0.0, "c": -2.0}, 600, seed=2)
    df = battle_perturbations(log, rules="bradley_terry", studies="subsample_battles", fractions=0.9, n_draws=5, rng=0)
    assert df["kendall_tau"].tolist() == [1.0] * 5  # strengths 2 apart, 540 battles: the order never moves
    sparse = pd.concat([repeat("A", "B", "model_a", 20), repeat("B", "C", "model_a", 1)])
    df = battle_perturbations(sparse, rules="copeland", studies="subsample_battles", fractions=0.5, n_draws=10, rng=0)
    split = df["kendall_tau"].isna()
    assert split.any() and df.loc[split, "note"].str.contains("groups that never met").all()
    with pytest.raises(
        BattleError, match=pin("'add_noise' perturbs scores or tasks", "remove_systems, subsample_battles")
    ):
        battle_perturbations(log, studies="add_noise")


def test_cli_robustness_on_a_battle_log(capsys, tasks_log):
    out, _ = ok(capsys, "robustness", tasks_log[1], "--draws", "3", "--seed", "0", "--format", "table")
    assert "200 battles between 4 systems" in out and "subsample_battles" in out and "remove_systems" in out
    csv, _ = ok(capsys, "robustness", tasks_log[1], "--draws", "2", "--seed", "0", "--rules", "copeland")
    frame = pd.read_csv(__import__("io").StringIO(csv))
    assert set(frame["study"]) == {"remove_systems", "subsample_battles"} and set(frame["rule"]) == {"copeland"}
    line = fails(capsys, "robustness", tasks_log[1], "--studies", "rescale_task")
    assert "'rescale_task' perturbs scores or tasks" in line and "remove_systems, subsample_battles" in line
