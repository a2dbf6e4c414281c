"""The command line on instance-level files and battle logs: --level, --inner, --outer, --from battles, errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rankagg import InstanceTable, aggregate
from tests.helpers import run_cli

DATA = Path(__file__).parent / "data" / "battles"


run = run_cli


def ok(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return out


def fails(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rankagg: error: "), err
    return lines[0]


def instance_frame():
    rng = np.random.default_rng(0)
    rows = []
    quality = {"A": 0.7, "B": 0.5, "C": 0.4, "D": 0.2}
    for task, size in (("qa", 6), ("mt", 3)):
        for k in range(size):
            for s, q in quality.items():
                rows.append((s, task, f"{task}-{k}", round(q + rng.normal(0, 0.3), 2), True))
    return pd.DataFrame(rows, columns=["system", "task", "instance", "score", "higher_is_better"])


@pytest.fixture
def inst_csv(tmp_path):
    path = tmp_path / "instances.csv"
    instance_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def battles_csv(tmp_path):
    path = tmp_path / "battles.csv"
    pd.DataFrame(
        {
            "model_a": ["x", "x", "y", "z", "x"],
            "model_b": ["y", "z", "z", "x", "y"],
            "winner": ["model_a", "model_a", "model_b", "tie", "model_b"],
        }
    ).to_csv(path, index=False)
    return path


def csv_frame(text):
    return pd.read_csv(io.StringIO(text))


def test_rank_an_instance_file_at_level_one(capsys, inst_csv):
    out = ok(capsys, "rank", inst_csv, "--rule", "copeland")
    lines = out.splitlines()
    assert lines[0] == "Rule: copeland (score = pairwise wins, higher is better)"
    assert lines[1].endswith("4 systems x 2 task columns x 9 instances; missing='raise'")
    assert lines[2] == "Aggregation: level one, every instance a voter (weighted per_task)"
    expected = aggregate(InstanceTable.from_long(instance_frame()), rule="copeland")
    df = csv_frame(ok(capsys, "rank", inst_csv, "--rule", "copeland", "--format", "csv"))
    assert list(df["system"]) == expected.ranking


def test_rank_at_level_two_json_records_the_levels(capsys, inst_csv):
    payload = json.loads(
        ok(capsys, "rank", inst_csv, "--level", "two", "--inner", "borda", "--outer", "kemeny", "--format", "json")
    )
    assert (payload["level"], payload["inner"], payload["outer"], payload["rule"]) == (
        "two",
        "borda",
        "kemeny",
        "kemeny",
    )
    assert payload["missing_policy"] == "raise" and payload["instance_weighting"] is None
    assert set(payload["diagnostics"]["inner_ranks"]) == {"qa", "mt"}
    out = ok(capsys, "rank", inst_csv, "--level", "two", "--rule", "copeland")
    assert "Aggregation: level two, inner mean on each task's instances, outer copeland on the tasks" in out
    uniform = json.loads(
        ok(capsys, "rank", inst_csv, "--instance-weighting", "uniform", "--format", "json", "--max-memory", "1")
    )
    assert uniform["instance_weighting"] == "uniform" and uniform["level"] == "one"


def test_compare_an_instance_file_at_both_levels(capsys, inst_csv):
    out = ok(capsys, "compare", inst_csv, "--rules", "borda,copeland", "--reference", "borda")
    assert "Aggregation: level one, every instance a voter (weighted per_task)" in out
    payload = json.loads(
        ok(
            capsys,
            "compare",
            inst_csv,
            "--rules",
            "copeland,kemeny",
            "--reference",
            "borda",
            "--level",
            "two",
            "--inner",
            "borda",
            "--format",
            "json",
        )
    )
    assert (
        payload["level"] == "two"
        and payload["inner"] == "borda"
        and payload["rules"] == ["borda", "copeland", "kemeny"]
    )


def test_missing_instances_and_the_pairwise_option(capsys, tmp_path):
    df = instance_frame()
    df = df.drop(index=[0, 5])  # A lacks qa-0, B lacks qa-1
    path = tmp_path / "holes.csv"
    df.to_csv(path, index=False)
    line = fails(capsys, "rank", path)
    assert "missing: 2 missing score(s)" in line and "--missing POLICY" in line
    out = ok(capsys, "rank", path, "--missing", "drop_instances", "--format", "json")
    assert json.loads(out)["diagnostics"]["dropped_instances"] == ["qa[qa-0]", "qa[qa-1]"]
    res = json.loads(
        ok(
            capsys,
            "rank",
            path,
            "--missing",
            "partial",
            "--rule",
            "kemeny",
            "--pairwise",
            "expected",
            "--format",
            "json",
        )
    )
    assert res["pairwise"] == "expected" and res["missing_policy"] == "partial"
    text = ok(capsys, "rank", path, "--missing", "partial", "--rule", "partial_borda")
    assert "missing='partial'" in text


def test_an_instance_column_can_be_ignored_and_renamed(capsys, tmp_path):
    df = instance_frame().rename(columns={"instance": "doc"})
    path = tmp_path / "docs.csv"
    df.to_csv(path, index=False)
    # without the instance column the rows repeat (system, task): a task-level reader refuses them
    assert "duplicate entries" in fails(capsys, "rank", path)
    out = ok(capsys, "rank", path, "--instance-col", "doc")
    assert "x 9 instances" in out
    task_level = instance_frame().groupby(["system", "task"], as_index=False)["score"].mean()
    task_level["instance"] = "all"
    p2 = tmp_path / "task_level.csv"
    task_level.to_csv(p2, index=False)
    assert "x 2 task columns; missing" in ok(capsys, "rank", p2, "--instance-col", "", "--direction", "higher")


def test_rank_and_compare_battle_logs(capsys, battles_csv):
    out = ok(capsys, "rank", battles_csv)  # detected from the columns; bradley_terry by default
    assert out.splitlines()[0] == "Rule: bradley_terry (score = log-strength, higher is better)"
    assert "Battles: " in out and "5 battles between 3 systems" in out
    assert "Aggregation: pairwise battles" in out
    payload = json.loads(ok(capsys, "rank", battles_csv, "--from", "battles", "--rule", "copeland", "--format", "json"))
    assert payload["level"] == "battles" and payload["rule"] == "copeland"
    cmp = ok(capsys, "compare", battles_csv)  # default rules and reference: the pairwise ones
    assert "bradley_terry" in cmp and "kemeny" in cmp
    davidson = json.loads(ok(capsys, "rank", battles_csv, "--param", "ties=davidson", "--format", "json"))
    assert davidson["diagnostics"]["ties"] == "davidson"
    # a log written with rankagg's own column names
    own = ok(
        capsys, "rank", DATA / "mt_bench_human_judgments.json", "--exclude", "alpaca-13b", "--exclude", "llama-13b"
    )
    assert "battles between 4 systems" in own


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["rank", "{inst}", "--level", "two", "--rule", "borda", "--outer", "kemeny"],
            "--rule borda and --outer kemeny: with --level two the rule is the outer rule; give one.",
        ),
        (
            ["compare", "{inst}", "--outer", "kemeny"],
            "--outer: with compare, the compared rules (--rules) are the outer rules.",
        ),
        (["rank", "{inst}", "--max-memory", "0"], "--max-memory: give a positive number of MiB, got 0."),
        (
            ["rank", "{inst}", "--missing", "drop_tasks"],
            "missing='drop_tasks' is not a missing-value policy for instance-level scores (at instance level, "
            "'drop_instances' drops every instance some system lacks)",
        ),
        (["rank", "{inst}", "--tasks", "qaa"], "--tasks: no task 'qaa' in"),
        (
            ["rank", "{task}", "--missing", "drop_instances"],
            "--missing drop_instances is for instance-level files (a long file with an instance column, "
            "--instance-col); this file is task-level: use drop_systems, drop_tasks or partial.",
        ),
        (
            ["rank", "{task}", "--level", "two"],
            "level='two': levels 'one' and 'two' aggregate instance-level scores; this input is a score table",
        ),
        (
            ["rank", "{battles}", "--rule", "borda"],
            "rule 'borda' needs scores or full rankings, and battle data gives only pairwise preferences; use a rule "
            "that reads pairwise preferences: copeland, minimax, schulze, ranked_pairs, kemeny, bradley_terry, "
            "arena_elo.",
        ),
        (  # bootstrap resamples battles (tests/test_battles_trust.py); resampling tasks is refused, not ignored
            ["bootstrap", "{battles}", "--from", "battles", "--resample", "tasks"],
            "--resample tasks: a battle log is resampled over battles (the default: every battle drawn with "
            "replacement) or battles_by_pair",
        ),
    ],
)
def test_errors(capsys, inst_csv, battles_csv, tmp_path, args, message):
    task = tmp_path / "task.csv"
    task.write_text("system,task,score\nA,x,3\nA,y,2\nB,x,2\nB,y,3\nC,x,1\nC,y,1\n")
    argv = [a.format(inst=inst_csv, task=task, battles=battles_csv) for a in args]
    if args[1] == "{task}":
        argv += ["--direction", "higher"]
    line = fails(capsys, *argv)
    assert message in line, line


def test_tasks_option_selects_tasks_of_an_instance_file(capsys, inst_csv):
    out = ok(capsys, "rank", inst_csv, "--tasks", "mt")
    assert "x 1 task columns x 3 instances" in out
