"""`rankagg stats` (Friedman / Nemenyi, Wilcoxon-Holm) and the exact Wilcoxon p-values behind it."""

from __future__ import annotations

import io
import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import rankagg
from rankagg.datasets import example_frame
from rankagg.uncertainty.stats import friedman_nemenyi, wilcoxon_holm
from tests.helpers import pin, run_cli
from tests.strategies import make_table

run = run_cli


def ok(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert all(line.startswith("rankagg: note: ") for line in err.splitlines()), err  # e.g. what was dropped
    return out


def fails(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def toy(tmp_path):
    path = tmp_path / "toy.csv"
    example_frame("toy").to_csv(path, index=False)
    return path


def pair_table(d):
    """Two systems whose score differences over the tasks are ``d``."""
    d = np.asarray(d, dtype=float)
    return make_table(np.vstack([d, np.zeros_like(d)]), [True] * d.size, systems=["A", "B"])


# ---------------------------------------------------------------------------- Wilcoxon: how each p-value is computed
def test_wilcoxon_exact_p_value_with_ties_by_hand():
    # |d| ranks: 1.5, 1.5, 4, 4, 4, 6 (the -3), 7, 8. Under H0 each sign is a fair coin; T- <= 6 for 14 of the
    # 256 sign patterns ({}, {1.5} x2, {1.5, 1.5}, {4} x3, {1.5, 4} x6, {6}), so p = 2 * 14 / 256.
    res = wilcoxon_holm(pair_table([1, 1, 2, 2, 2, -3, 4, 5]))
    row = res.pairs.iloc[0]
    assert row["method"] == "exact"
    assert row["statistic"] == 6.0
    assert row["pvalue"] == pytest.approx(28 / 256, rel=1e-12)
    # the normal approximation would state more certainty on these eight tasks
    assert stats.wilcoxon([1, 1, 2, 2, 2, -3, 4, 5], method="asymptotic").pvalue < 0.095 < 28 / 256


@settings(max_examples=40)
@given(
    d=st.lists(st.integers(-4, 4), min_size=2, max_size=10).filter(lambda v: any(v)),
    zero_method=st.sampled_from(["wilcox", "pratt", "zsplit"]),
)
def test_wilcoxon_exact_agrees_with_scipys_exhaustive_permutation_test(d, zero_method):
    # on up to 13 tasks with ties or zeros scipy's method="auto" enumerates all 2**n sign flips: the exact answer
    ref = stats.wilcoxon(d, zero_method=zero_method)
    if np.isnan(ref.pvalue):
        return
    row = wilcoxon_holm(pair_table(d), zero_method=zero_method).pairs.iloc[0]
    assert row["method"] == "exact"
    assert row["pvalue"] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)
    assert row["statistic"] == pytest.approx(ref.statistic)


def test_wilcoxon_exact_beyond_thirteen_tied_tasks_matches_full_enumeration():
    # 16 tasks with ties: scipy's "auto" switches to the normal approximation here; the exact p-value comes from
    # enumerating the 2**16 sign patterns
    d = np.array([3, 3, -1, 2, 2, 2, 5, -5, 1, 4, 4, 6, 2, -2, 7, 1], dtype=float)
    r = stats.rankdata(np.abs(d))
    signs = (np.arange(2**16)[:, None] >> np.arange(16)) & 1
    t_plus = signs @ r
    obs = r[d > 0].sum()
    expect = min(1.0, 2 * min(np.mean(t_plus <= obs + 1e-9), np.mean(t_plus >= obs - 1e-9)))
    row = wilcoxon_holm(pair_table(d)).pairs.iloc[0]
    assert row["method"] == "exact"
    assert row["pvalue"] == pytest.approx(expect, rel=1e-12)
    assert abs(stats.wilcoxon(d).pvalue - expect) > 1e-3  # what "auto" gave instead


def test_wilcoxon_above_fifty_tasks_is_the_tie_corrected_normal_approximation():
    rng = np.random.default_rng(0)
    d = rng.integers(-3, 6, size=60).astype(float)
    row = wilcoxon_holm(pair_table(d)).pairs.iloc[0]
    assert row["method"] == "asymptotic"
    assert row["pvalue"] == pytest.approx(stats.wilcoxon(d, method="asymptotic").pvalue, rel=1e-12)


def test_wilcoxon_zero_method_is_checked():
    with pytest.raises(rankagg.RankaggError, match=pin("zero_method='prat' is not a way", "Did you mean 'pratt'?")):
        wilcoxon_holm(pair_table([1, 2, 3]), zero_method="prat")


# ---------------------------------------------------------------------------- the command
def test_stats_command_on_the_toy_example(capsys, toy):
    out = json.loads(ok(capsys, "stats", toy, "--format", "json"))
    table = rankagg.load_example("toy")
    scores = table.oriented_scores()
    ref = stats.friedmanchisquare(*(-scores))  # scipy ranks ascending: negate so the best gets rank 1
    fr = out["friedman"]
    assert fr["statistic"] == pytest.approx(ref.statistic) and fr["pvalue"] == pytest.approx(ref.pvalue)
    k, n = scores.shape
    assert fr["critical_difference"] == pytest.approx(2.850 * np.sqrt(k * (k + 1) / (6 * n)), abs=2e-3)
    assert [r["system"] for r in fr["mean_ranks"]] == ["Osprey", "Heron", "Kestrel", "Finch", "Wren", "Plover"]
    assert fr["groups"] == [["Osprey", "Heron", "Kestrel", "Finch", "Wren"], ["Kestrel", "Finch", "Wren", "Plover"]]
    pairs = pd.DataFrame(out["wilcoxon_holm"]["pairs"])
    api = wilcoxon_holm(table).pairs
    np.testing.assert_allclose(pairs["pvalue_holm"], api["pvalue_holm"])
    assert set(pairs["method"]) == {"exact"} and len(pairs) == 15

    text = ok(capsys, "stats", toy)
    assert f"Friedman chi-square {ref.statistic:.4g} (df 5)" in text and "Nemenyi critical difference" in text
    assert "0 of 15 pairs differ (p-values: exact 15; zero_method wilcox)" in text
    assert "| system | mean_rank | groups |" in ok(capsys, "stats", toy, "--format", "markdown")


def test_stats_command_csv(capsys, toy):
    per_system = pd.read_csv(io.StringIO(ok(capsys, "stats", toy, "--test", "friedman", "--format", "csv")))
    assert list(per_system.columns) == ["system", "mean_rank", "groups"] and len(per_system) == 6
    per_pair = pd.read_csv(io.StringIO(ok(capsys, "stats", toy, "--format", "csv")))
    assert len(per_pair) == 15
    res = friedman_nemenyi(rankagg.load_example("toy"))
    # Osprey (1.4) and Plover (6.0) are more than the CD (3.37) apart; no other pair is
    diff = per_pair[per_pair["nemenyi_different"]]
    assert diff[["system_a", "system_b"]].values.tolist() == [["Osprey", "Plover"], ["Heron", "Plover"]]
    assert (diff["mean_rank_b"] - diff["mean_rank_a"] > res.critical_difference).all()
    only_w = pd.read_csv(io.StringIO(ok(capsys, "stats", toy, "--test", "wilcoxon", "--format", "csv")))
    assert "nemenyi_different" not in only_w.columns and "method" in only_w.columns


def test_stats_command_errors(capsys, tmp_path, toy):
    holes = tmp_path / "holes.csv"
    holes.write_text("system,task,score\nA,x,1\nA,y,2\nB,x,2\nC,x,3\nC,y,1\nB,z,1\n")
    assert "--missing POLICY" in fails(capsys, "stats", holes, "--direction", "higher")
    line = fails(capsys, "stats", holes, "--direction", "higher", "--missing", "partial")
    assert "'A', 'B', 'C' lack scores on 'y', 'z'" in line and "--missing drop_systems" in line, line
    assert "alpha=1.5" in fails(capsys, "stats", toy, "--alpha", "1.5")


def test_stats_command_on_glue(capsys, datasets_dir):
    path = datasets_dir / "glue_superglue_value" / "glue.csv"
    args = ("stats", path, "--missing", "drop_systems", "--exclude", "*Human*")
    out = json.loads(ok(capsys, *args, "--format", "json"))
    table = rankagg.read_table(path, missing="drop_systems", exclude="*Human*")
    assert out["n_systems"] == table.n_systems == 96 and out["n_tasks"] == 14
    ref = stats.friedmanchisquare(*(-table.oriented_scores()))  # tie-corrected, as rankagg's
    assert out["friedman"]["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert out["friedman"]["pvalue"] == pytest.approx(ref.pvalue, rel=1e-6)
    pairs = pd.DataFrame(out["wilcoxon_holm"]["pairs"])
    assert len(pairs) == 96 * 95 // 2 and set(pairs["method"]) == {"exact"}
    # 14 tasks: the smallest two-sided exact p-value is 2 / 2**14, and Holm multiplies by up to 4,560
    assert pairs["pvalue"].min() >= 2 / 2**14 - 1e-15 and not pairs["significant"].any()
    # spot-check one pair against the exhaustive enumeration of its 2**14 sign patterns
    a, b = table.systems[0], table.systems[50]
    x = table.oriented_scores()
    d = x[0] - x[50]
    d = d[d != 0]
    r = stats.rankdata(np.abs(d))
    signs = (np.arange(2**d.size)[:, None] >> np.arange(d.size)) & 1
    obs = r[d > 0].sum()
    t_plus = signs @ r
    expect = min(1.0, 2 * min(np.mean(t_plus <= obs + 1e-9), np.mean(t_plus >= obs - 1e-9)))
    row = pairs[(pairs["system_a"] == a) & (pairs["system_b"] == b)].iloc[0]
    assert row["pvalue"] == pytest.approx(expect, rel=1e-12)
    assert list(itertools.islice(pairs["system_a"], 1)) == [table.systems[0]]
