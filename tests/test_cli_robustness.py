"""`rankagg bootstrap` and `rankagg robustness`: outputs equal the Python API, options, one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import rankagg
from rankagg.datasets import example_frame
from rankagg.uncertainty.perturbation_base import COLUMNS, STUDIES
from tests.helpers import run_cli

run = run_cli


def ok(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert err == ""
    return out


def fails(capsys, *argv):
    """Exit code 2, nothing on stdout, exactly one line on stderr starting with 'rankagg: error:'."""
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rankagg: error: ")
    return lines[0]


def csv_frame(text):
    return pd.read_csv(io.StringIO(text))


@pytest.fixture
def toy(tmp_path):
    path = tmp_path / "toy.csv"
    example_frame("toy").to_csv(path, index=False)
    return path


@pytest.fixture
def partial(tmp_path):
    path = tmp_path / "partial.csv"
    path.write_text("system,task,score\nA,x,3\nA,y,2\nB,x,2\nB,y,3\nC,x,1\nC,y,\nD,x,0\nD,y,1\n")
    return path


# ------------------------------------------------------------------------------------------ bootstrap
def test_bootstrap_csv_equals_the_python_api(capsys, toy):
    out = ok(capsys, "bootstrap", toy, "--rule", "kemeny", "--resample", "tasks", "-B", 100, "--seed", 0,
             "--format", "csv")  # fmt: skip
    df = csv_frame(out)
    assert list(df.columns) == ["system", "rank", "rank_low", "rank_high", "p_top1", "p_top3", "mean_rank"]
    expected = rankagg.bootstrap(rankagg.load_example("toy"), "kemeny", n_resamples=100, rng=0).to_frame()
    pd.testing.assert_frame_equal(df, expected, check_dtype=False)
    assert (df["rank_low"] <= df["rank_high"]).all() and df["p_top1"].sum() == pytest.approx(1.0)


def test_bootstrap_options(capsys, toy):
    base = ("bootstrap", toy, "-B", 60, "--seed", 3, "--format", "csv")
    df = csv_frame(ok(capsys, *base, "--confidence", 0.5, "--top-k", 2, "--exclude", "Plover"))
    assert list(df.columns) == ["system", "rank", "rank_low", "rank_high", "p_top1", "p_top2", "mean_rank"]
    assert "Plover" not in set(df["system"]) and len(df) == 5
    t = rankagg.load_example("toy").select_systems(exclude="Plover")
    res = rankagg.bootstrap(t, "borda", n_resamples=60, rng=3, confidence=0.5)
    assert list(df["rank_low"]) == list(res.to_frame(top_k=2)["rank_low"])
    # same seed, same output; workers do not change it
    one = ok(capsys, *base, "--rule", "schulze")
    assert ok(capsys, *base, "--rule", "schulze", "--jobs", 2) == one
    assert ok(capsys, *base, "--rule", "schulze") == one
    assert ok(capsys, "bootstrap", toy, "-B", 60, "--seed", 4, "--format", "csv", "--rule", "schulze") != one
    # rule parameters
    tie0 = csv_frame(ok(capsys, *base, "--rule", "copeland", "--param", "tie_score=0"))
    res = rankagg.bootstrap(rankagg.load_example("toy"), "copeland", n_resamples=60, rng=3, tie_score=0.0)
    assert list(tie0["mean_rank"]) == pytest.approx(list(res.to_frame()["mean_rank"]))


def test_bootstrap_table_markdown_json(capsys, toy):
    text = ok(capsys, "bootstrap", toy, "-B", 200, "--seed", 0)
    assert text.startswith("Rule: borda; bootstrap over tasks: 200 resamples of the 5 task columns")
    assert "95% percentile interval" in text and "Stability: mean Kendall tau-b" in text
    assert "Systems that cannot be told apart at 95%" in text and "  Osprey = Heron" in text
    md = ok(capsys, "bootstrap", toy, "-B", 200, "--seed", 0, "--format", "markdown")
    assert "| system | rank | rank_low | rank_high | p_top1 | p_top3 | mean_rank |" in md
    payload = json.loads(ok(capsys, "bootstrap", toy, "-B", 200, "--seed", 0, "--format", "json"))
    assert payload["rule"] == "borda" and payload["n_resamples"] == 200 and payload["seed"] == 0
    assert payload["resample"] == "tasks" and payload["confidence"] == 0.95
    assert payload["groups"][0] == ["Osprey", "Heron"]
    assert [r["system"] for r in payload["ranking"]][:2] == ["Osprey", "Heron"]
    assert set(payload["ranking"][0]) == {"system", "rank", "rank_low", "rank_high", "p_top1", "p_top3", "mean_rank"}


def test_bootstrap_progress_bar(capsys, toy):
    code, out, err = run(capsys, "bootstrap", toy, "--rule", "schulze", "-B", 50, "--seed", 0, "--progress")
    assert code == 0 and "bootstrap schulze [" in err
    assert ok(capsys, "bootstrap", toy, "--rule", "schulze", "-B", 50, "--seed", 0, "--no-progress") == out


def test_bootstrap_output_file(capsys, toy, tmp_path):
    dest = tmp_path / "boot.csv"
    assert ok(capsys, "bootstrap", toy, "-B", 20, "--seed", 0, "--format", "csv", "-o", dest) == ""
    assert csv_frame(dest.read_text())["system"].iloc[0] == "Osprey"


def test_bootstrap_partial_tables(capsys, partial):
    # C is scored on x only: a quarter of the resamples leave it out, too many to draw again
    line = fails(capsys, "bootstrap", partial, "--direction", "higher", "--missing", "partial", "--rule", "kemeny",
                 "-B", 30, "--seed", 0)  # fmt: skip
    assert "fewest tasks: C (1)" in line and "--exclude" in line
    code, out, err = run(capsys, "bootstrap", partial, "--direction", "higher", "--missing", "partial", "--rule",
                         "kemeny", "-B", 30, "--seed", 0, "--format", "csv", "--exclude", "C")  # fmt: skip
    assert code == 0
    assert set(csv_frame(out)["system"]) == {"A", "B", "D"}
    # two task columns: the bootstrap says its intervals understate the uncertainty
    assert err.startswith("rankagg: warning: bootstrap: only 2 task columns to resample") and len(err.splitlines()) == 1
    line = fails(capsys, "bootstrap", partial, "--direction", "higher", "--missing", "partial", "-B", 10)
    assert "rule 'borda' does not accept partial rankings" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-B", 0), "-B/--resamples: the number of resamples must be a positive integer, got 0."),
        (("--confidence", 1.5), "--confidence: must lie strictly between 0 and 1 (e.g. 0.95), got 1.5."),
        (("--jobs", 0), "--jobs: give a positive number of worker processes, or -1 for all cores (got 0)."),
        (("--top-k", 0), "--top-k: must be a positive integer, got 0."),
        (("--resample", "instances"), "resample='instances' (resamples the instances of each task"),
        (("--resample", "task"), "resample='task': unknown; a ScoreTable can be resampled over 'tasks'. Did you"),
        (("--rule", "kemenyy"), "unknown rule 'kemenyy'. Did you mean 'kemeny'?"),
        (("--rule", "kemeny", "--param", "rng=1"), "--param rng: the bootstrap seeds randomised rules itself"),
        (("--param", "tie_score=1"), "rule 'borda' has no parameter 'tie_score'"),
        (("--param", "tie_score"), "--param: expected KEY=VALUE, got 'tie_score'."),
        (("-B", "many"), "argument -B/--resamples: invalid int value: 'many'"),
    ],
)
def test_bootstrap_errors(capsys, toy, args, message):
    assert message in fails(capsys, "bootstrap", toy, *args)


def test_bootstrap_errors_from_the_table(capsys, tmp_path, toy):
    assert "no such file" in fails(capsys, "bootstrap", tmp_path / "nope.csv").lower()
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("system,task,score,higher_is_better\nA,x,1,True\nA,y,2,False\nB,x,2,True\nB,y,1,False\n")
    assert "rule 'mean' averages raw scores" in fails(capsys, "bootstrap", mixed, "--rule", "mean")


# ------------------------------------------------------------------------------------------ robustness
def test_robustness_csv_equals_the_python_api(capsys, toy):
    out = ok(capsys, "robustness", toy, "--rules", "mean,borda,kemeny", "--draws", 3, "--seed", 0)
    df = csv_frame(out)
    assert list(df.columns) == list(COLUMNS)
    assert list(dict.fromkeys(df["study"])) == list(STUDIES)
    expected = rankagg.perturbation_studies(rankagg.load_example("toy"), rules="mean,borda,kemeny", n_draws=3, rng=0)
    assert len(df) == len(expected)
    np.testing.assert_allclose(df["kendall_tau"], expected["kendall_tau"].astype(float))
    assert list(df["rule"]) == list(expected["rule"]) and list(df["top1"].fillna("")) == list(expected["top1"])


def test_robustness_options(capsys, toy, tmp_path):
    dest = tmp_path / "out.csv"
    assert ok(capsys, "robustness", toy, "--studies", "remove_tasks,rescale_task", "--draws", 4, "--seed", 1,
              "--rules", "borda", "--rules", "copeland", "-o", dest) == ""  # fmt: skip
    df = csv_frame(dest.read_text())
    assert list(dict.fromkeys(df["study"])) == ["rescale_task", "remove_tasks"]
    assert set(df["rule"]) == {"borda", "copeland"}
    assert (df[df["study"] == "remove_tasks"].groupby("parameter").size() == 4 * 2).all()
    again = ok(capsys, "robustness", toy, "--studies", "remove_tasks,rescale_task", "--draws", 4, "--seed", 1,
               "--rules", "borda,copeland")  # fmt: skip
    assert again == dest.read_text()
    tie = csv_frame(ok(capsys, "robustness", toy, "--studies", "remove_tasks", "--draws", 2, "--rules", "copeland",
                       "--param", "copeland.tie_score=0", "--seed", 0))  # fmt: skip
    assert len(tie) == 2 * 4
    excl = csv_frame(ok(capsys, "robustness", toy, "--studies", "remove_systems", "--rules", "mean",
                        "--exclude", "Plover"))  # fmt: skip
    assert set(excl["parameter"]) == {"Osprey", "Heron", "Kestrel", "Wren", "Finch"}


def test_robustness_summary_formats(capsys, toy):
    text = ok(capsys, "robustness", toy, "--studies", "rescale_task", "--rules", "mean,borda", "--format", "table")
    assert "Perturbation studies" in text and "mean_kendall_tau" in text and "top1_change_rate" in text
    md = ok(capsys, "robustness", toy, "--studies", "rescale_task", "--rules", "mean,borda", "--format", "markdown")
    assert "| study | rule | parameter | task |" in md
    payload = json.loads(ok(capsys, "robustness", toy, "--studies", "mask_cells", "--rules", "kemeny", "--draws", 2,
                            "--seed", 0, "--format", "json"))  # fmt: skip
    assert payload["rules"] == ["kemeny"] and payload["studies"] == ["mask_cells"] and payload["n_draws"] == 2
    assert {r["policy"] for r in payload["rows"]} == {"drop_systems", "drop_tasks", "partial"}
    assert all(r["top1_changed"] in (True, False, None) for r in payload["rows"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--draws", 0), "--draws: the number of random draws must be a positive integer, got 0."),
        (("--studies", "noise"), "studies: unknown 'noise'; choose from 'rescale_task'"),
        (("--rules", "mean,bordaa"), "unknown rule 'bordaa'. Did you mean 'borda'?"),
        (("--param", "tie_score=1"), "--param: name the rule: RULE.PARAM=VALUE, e.g. kemeny.time_limit=10"),
        (("--param", "copeland.tie_score=1"), "params: rule 'copeland' is not among the rules studied"),
        (("--format", "xml"), "argument --format: invalid choice: 'xml'"),
    ],
)
def test_robustness_errors(capsys, toy, args, message):
    assert message in fails(capsys, "robustness", toy, *args)


def test_robustness_error_partial_table_with_the_mean(capsys, partial):
    # the defaults leave the mean out of a partial table (said on stderr); asked for, it is refused naming --rules
    code, _, err = run(capsys, "robustness", partial, "--direction", "higher", "--missing", "partial")
    assert code == 0 and "rankagg: note: rules partial_borda,kemeny" in err
    line = fails(capsys, "robustness", partial, "--direction", "higher", "--missing", "partial", "--rules", "mean")
    assert "rule 'mean' does not accept partial rankings" in line


def test_process_exit_code_and_one_line(toy):
    proc = subprocess.run([sys.executable, "-m", "rankagg", "bootstrap", str(toy), "-B", "0"],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "rankagg: error: -B/--resamples: the number of resamples must be a positive integer, got 0."
    ]
