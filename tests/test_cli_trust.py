"""Nothing dropped or lost without a trace (issue: no silent wrong answer on messy data).

Each test here failed on the code before the fix: the dropped systems were said only in the text header (never
with --format csv or json), weights appeared in no output, names differing by surrounding whitespace were merged
in silence, and a duplicated header column was silently read as ``score.1``.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.helpers import run_cli

run = run_cli


@pytest.fixture
def glue(datasets_dir):
    return datasets_dir / "glue_superglue_value" / "glue.csv"


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown", "table"])
def test_dropped_systems_are_said_on_stderr_in_every_format(capsys, glue, fmt):
    code, out, err = run(capsys, "rank", glue, "--missing", "drop_systems", "--format", fmt)
    assert code == 0
    # the systems with a missing GLUE cell, counted from the file itself
    df = pd.read_csv(glue)
    n_tasks = df.groupby(["task", "metric"]).ngroups
    complete = df.dropna(subset=["score"]).groupby("system").size()
    incomplete = sorted(set(df["system"]) - set(complete[complete == n_tasks].index))
    assert incomplete, "GLUE has systems with missing cells"
    notes = [line for line in err.splitlines() if line.startswith("rankagg: note:")]
    assert len(notes) == 1, err
    assert f"dropped {len(incomplete)} systems with missing scores" in notes[0]
    for name in incomplete:
        assert name in notes[0]
        if fmt == "csv":
            assert name not in out


def test_json_records_weights_directions_and_filters(capsys, glue):
    code, out, _ = run(
        capsys,
        "rank",
        glue,
        "--missing",
        "drop_systems",
        "--weights",
        "CoLA=2",
        "--exclude",
        "*Human*",
        "--format",
        "json",
    )
    assert code == 0
    rec = json.loads(out)["input"]
    cols = {c["label"]: c for c in rec["columns"]}
    assert cols["CoLA"]["weight"] == 2.0 and cols["RTE"]["weight"] == 1.0
    assert all(c["higher_is_better"] is True for c in cols.values())
    assert rec["filters"] == {"exclude": ["*Human*"]}
    assert rec["missing_policy"] == "drop_systems" and len(rec["dropped_systems"]) >= 1


@pytest.mark.parametrize("command", [["rank"], ["compare", "--rules", "borda,copeland"], ["bootstrap", "-B", "20"]])
def test_weights_change_the_result_and_are_in_every_json(capsys, tmp_path, command):
    # x ranks A > B, y and z rank B > A: unweighted B wins; with x weighing 3, A wins
    path = tmp_path / "w.csv"
    path.write_text("system,task,score\nA,x,2\nB,x,1\nA,y,1\nB,y,2\nA,z,1\nB,z,2\nC,x,0\nC,y,0\nC,z,0\n")
    code, out, _ = run(capsys, *command, path, "--direction", "higher", "--weights", "x=3", "--format", "json")
    assert code == 0
    payload = json.loads(out)
    weights = {c["label"]: c["weight"] for c in payload["input"]["columns"]}
    assert weights == {"x": 3.0, "y": 1.0, "z": 1.0}


def test_names_differing_by_whitespace_are_merged_with_a_warning(capsys, tmp_path):
    path = tmp_path / "ws.csv"
    path.write_text('system,task,score\nA,x,1\n"A ",y,2\nB,x,2\nB,y,3\n')
    code, out, err = run(capsys, "rank", path, "--direction", "higher", "--format", "csv")
    assert code == 0
    assert err.splitlines() == [
        "rankagg: warning: system names that differ only by surrounding whitespace were merged into one system: "
        "'A' and 'A ' -> 'A'; rename them in the data if they are different systems."
    ]
    assert sorted(pd.read_csv(__import__("io").StringIO(out))["system"]) == ["A", "B"]


def test_whitespace_that_merges_nothing_is_stripped_quietly(capsys, tmp_path):
    path = tmp_path / "ws.csv"
    path.write_text('system,task,score\n"A ",x,1\n"A ",y,2\nB,x,2\nB,y,3\n')
    code, out, err = run(capsys, "rank", path, "--direction", "higher", "--format", "csv")
    assert code == 0 and err == ""
    assert "A," in out


def test_a_duplicated_header_column_is_an_error(capsys, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("system,task,score, score\nA,x,1,5\nB,x,2,0\n")
    code, out, err = run(capsys, "rank", path, "--direction", "higher")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"rankagg: error: {path}: the header names column 'score' twice (columns 3 and 4); rankagg would read only "
        "one of them: rename or remove the other in the file."
    ]


# ---------------------------------------------------------------------------- defaults that work on any valid table
@pytest.fixture
def amlb(datasets_dir):
    return datasets_dir / "amlb2019" / "amlb2019_fold_level.csv"


def test_compare_defaults_work_on_a_table_that_keeps_missing_scores(capsys, glue):
    # GLUE has missing cells; under --missing partial the mean and Borda cannot rank it
    code, out, err = run(capsys, "compare", glue, "--missing", "partial", "--format", "json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["rules"] == ["win_rate", "partial_borda", "copeland", "kemeny"]
    assert payload["reference"] == "win_rate"
    assert err.startswith("rankagg: note: comparing win_rate,partial_borda,copeland,kemeny (the table keeps missing")


def test_a_file_mixing_settings_names_the_column_to_select(capsys, amlb):
    # AMLB 2019 repeats every (framework, dataset, fold) once per time budget
    code, out, err = run(capsys, "rank", amlb)
    assert code == 2 and out == ""
    assert (
        "the repeated rows differ in column 'constraint' ('1h', '4h', '8h'): keep one with --where constraint=1h" in err
    )
    # the fix it names works (with a missing-score policy for the failed runs)
    code, out, err = run(
        capsys, "compare", amlb, "--where", "constraint=1h", "--missing", "partial", "--format", "json"
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["input"]["filters"] == {"where": {"constraint": ["1h"]}}
    assert len(payload["systems"]) == 7


def test_compare_defaults_work_on_mixed_directions(capsys, amlb):
    # AUC (higher is better) and log-loss (lower is better): the raw mean cannot mix them
    code, out, err = run(
        capsys, "compare", amlb, "--where", "constraint=1h", "--missing", "drop_systems", "--format", "json"
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["rules"][0] == "zscore_mean" and payload["reference"] == "zscore_mean"
    assert "tasks have different directions" in err


def test_a_reference_that_cannot_rank_the_table_is_named_with_its_option(capsys, amlb):
    code, _, err = run(
        capsys,
        "compare",
        amlb,
        "--where",
        "constraint=1h",
        "--missing",
        "drop_systems",
        "--rules",
        "borda",
        "--reference",
        "mean",
    )
    assert code == 2
    err = err.splitlines()[-1]  # after the note on the dropped systems
    assert err.startswith("rankagg: error: reference='mean' (CLI: --reference mean) cannot rank this table")
    assert err.rstrip().endswith("Pass another reference, e.g. one of the compared rules (borda).")


def test_where_errors_name_the_column_and_values(capsys, amlb):
    code, _, err = run(capsys, "rank", amlb, "--where", "constrint=1h")
    assert code == 2 and "where: no column 'constrint'" in err and "Did you mean 'constraint'?" in err
    code, _, err = run(capsys, "rank", amlb, "--where", "constraint=2h")
    assert code == 2 and "never holds '2h'; its values are '1h', '4h', '8h'." in err


# ---------------------------------------------------------------------------- systems that never met
def _pooled_glue_value(datasets_dir):
    folder = datasets_dir / "glue_superglue_value"
    return pd.concat([pd.read_csv(folder / "glue.csv"), pd.read_csv(folder / "value.csv")])


def test_pooled_benchmarks_that_share_no_task_are_refused_with_the_groups(datasets_dir):
    import rankagg

    # GLUE (language) and VALUE (video-and-language) pooled in one file share neither a task nor a system
    df = _pooled_glue_value(datasets_dir)
    table = rankagg.ScoreTable.from_long(df, missing="partial")
    groups = rankagg.comparison_groups(table)
    value = pd.read_csv(datasets_dir / "glue_superglue_value" / "value.csv")
    assert [len(g) for g in groups] == [df["system"].nunique() - value["system"].nunique(), value["system"].nunique()]
    assert set(groups[1]) == set(value["system"])
    for rule in ("copeland", "kemeny", "win_rate", "bradley_terry"):
        with pytest.raises(rankagg.ScoreTableError, match=r"the systems fall into 2 groups that share no task"):
            rankagg.aggregate(table, rule)
    with pytest.raises(rankagg.ScoreTableError, match=r"2 groups"):
        rankagg.aggregate(table, "kemeny", pairwise="expected")
    with pytest.raises(rankagg.ScoreTableError, match=r"2 groups"):
        rankagg.compare(table)
    # the fix the message names works: one group at a time equals that benchmark on its own
    only_value = rankagg.select_group(table, groups[1])
    alone = rankagg.ScoreTable.from_long(value, missing="partial")
    got = rankagg.aggregate(only_value, "copeland")
    want = rankagg.aggregate(alone, "copeland")
    assert dict(zip(got.systems, got.ranks, strict=True)) == dict(zip(want.systems, want.ranks, strict=True))


def test_cli_group_option_ranks_one_group(capsys, tmp_path, datasets_dir):
    path = tmp_path / "pooled.csv"
    _pooled_glue_value(datasets_dir).to_csv(path, index=False)
    code, out, err = run(capsys, "rank", path, "--missing", "partial", "--rule", "copeland")
    assert code == 2 and "--group 1 for the largest" in err and len(err.splitlines()) == 1
    code, out, err = run(
        capsys, "rank", path, "--missing", "partial", "--rule", "copeland", "--group", "2", "--format", "csv"
    )
    assert code == 0
    assert "--group 2: ranking 7 systems" in err
    assert len(pd.read_csv(__import__("io").StringIO(out))) == 7


def test_instance_level_design_in_two_groups_is_refused(capsys, tmp_path):
    import rankagg

    # segments each rated for two systems only: A and B meet on s1, s2; C and D on s3, s4; nobody links the pairs
    rows = [("A", "s1", 1), ("B", "s1", 0), ("A", "s2", 0), ("B", "s2", 1), ("C", "s3", 1), ("D", "s3", 0),
            ("C", "s4", 1), ("D", "s4", 0)]  # fmt: skip
    df = pd.DataFrame(rows, columns=["system", "instance", "score"]).assign(task="mt")
    table = rankagg.InstanceTable.from_long(df, higher_is_better=True, missing="partial")
    assert rankagg.comparison_groups(table) == (("A", "B"), ("C", "D"))
    with pytest.raises(rankagg.ScoreTableError, match=r"2 groups that share no instance"):
        rankagg.aggregate(table, "copeland")
    res = rankagg.aggregate(rankagg.select_group(table, ("C", "D")), "copeland")
    assert res.ranking == ["C", "D"]
    path = tmp_path / "segments.csv"
    df.to_csv(path, index=False)
    code, out, err = run(capsys, "rank", path, "--direction", "higher", "--missing", "partial", "--rule", "copeland",
                         "--group", "2", "--format", "csv")  # fmt: skip
    assert code == 0, err
    assert list(pd.read_csv(__import__("io").StringIO(out))["system"]) == ["C", "D"]


# ---------------------------------------------------------------------------- refusals point at a path that works
def _segments(tmp_path):
    """Segment-level human judgments: each segment rated for 3 of 5 systems (as in MQM / DA campaigns)."""
    import numpy as np

    rng = np.random.default_rng(0)
    rows = []
    for seg in range(30):
        for s in rng.choice(list("ABCDE"), size=3, replace=False):
            rows.append((s, "mt", f"seg{seg}", round(float(rng.normal()), 3)))
    path = tmp_path / "segments.csv"
    pd.DataFrame(rows, columns=["system", "task", "instance", "score"]).to_csv(path, index=False)
    return path


def test_missing_data_refusals_on_a_segment_level_file_do_not_send_the_user_in_circles(capsys, tmp_path):
    path = _segments(tmp_path)
    seen = {}
    for policy in ("raise", "partial", "drop_systems", "drop_instances"):
        code, _, err = run(capsys, "rank", path, "--direction", "higher", "--missing", policy)
        assert code == 2
        seen[policy] = err
    # no system has every score and every segment lacks some system: the drop policies cannot work, so no refusal
    # names them; each names partial with a rule that accepts it
    for policy, err in seen.items():
        assert "'drop_systems' (" not in err and "'drop_instances' (" not in err, (policy, err)
    for policy in ("raise", "drop_systems", "drop_instances"):
        assert "missing='partial' with a rule that accepts partial rankings (copeland" in seen[policy]
    assert "use a rule that accepts partial rankings (CLI: --rule, or --rules)" in seen["partial"]
    # and the path they point at works
    code, _, err = run(capsys, "rank", path, "--direction", "higher", "--missing", "partial", "--rule", "copeland")
    assert code == 0, err


def test_level_two_refusal_points_at_an_inner_rule_that_works(capsys, tmp_path):
    path = _segments(tmp_path)
    code, _, err = run(capsys, "rank", path, "--direction", "higher", "--missing", "partial", "--level", "two")
    assert code == 2 and "as the inner rule (inner=...; CLI: --inner RULE)" in err
    code, _, err = run(
        capsys, "rank", path, "--direction", "higher", "--missing", "partial", "--level", "two", "--inner", "copeland"
    )
    assert code == 0, err


def test_every_policy_a_refusal_names_builds_a_table():
    import numpy as np
    from hypothesis import given
    from hypothesis import strategies as st

    import rankagg

    @given(st.integers(2, 5), st.integers(1, 4), st.data())
    def check(n, m, data):
        mask = np.array(data.draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
        if not mask.any() or (mask.all(axis=1)).any() or mask.all(axis=0).any():
            return  # no missing cell, or a system / task with no score at all (refused for that reason)
        scores = np.where(mask, np.nan, np.arange(n * m, dtype=float).reshape(n, m))
        with pytest.raises(rankagg.ScoreTableError) as info:
            rankagg.ScoreTable(
                scores, systems=list("ABCDE"[:n]), tasks=[f"t{j}" for j in range(m)], higher_is_better=True
            )
        message = str(info.value)
        named = [p for p in ("drop_systems", "drop_tasks", "partial") if f"'{p}'" in message]
        for policy in set(("drop_systems", "drop_tasks", "partial")) - set(named):  # what it does not name fails
            with pytest.raises(rankagg.ScoreTableError):
                rankagg.ScoreTable(
                    scores,
                    systems=list("ABCDE"[:n]),
                    tasks=[f"t{j}" for j in range(m)],
                    higher_is_better=True,
                    missing=policy,
                )
        for policy in named:  # and what it names works
            rankagg.ScoreTable(
                scores,
                systems=list("ABCDE"[:n]),
                tasks=[f"t{j}" for j in range(m)],
                higher_is_better=True,
                missing=policy,
            )

    check()


def test_robustness_reads_instance_level_files(capsys, datasets_dir):
    path = datasets_dir / "summeval_realsumm" / "summeval_instances.csv"
    code, out, err = run(
        capsys, "robustness", path, "--studies", "rescale_task", "--rules", "borda", "--format", "json", "--seed", "0"
    )
    assert code == 0, err
    assert "each task's instance scores are summarised by their mean (--inner)" in err
    payload = json.loads(out)
    assert payload["instances_summarised_by"] == "mean"
    assert len(payload["input"]["columns"]) == 17  # the 17 metrics of SummEval, one task column each
    # the summary is the classic leaderboard: a system's mean over the documents
    code, out, _ = run(capsys, "robustness", path, "--studies", "rescale_task", "--rules", "borda", "--inner",
                       "median", "--format", "json", "--seed", "0")  # fmt: skip
    assert code == 0 and json.loads(out)["instances_summarised_by"] == "median"


def test_large_kemeny_scores_are_printed_in_full(capsys, tmp_path):
    # A wins x, B wins y, both weigh 10,000; z (weight 1) ties them. Any order costs 10,000 + 1/2
    path = tmp_path / "weighted.csv"
    path.write_text("system,task,score\nA,x,2\nB,x,1\nA,y,1\nB,y,2\nA,z,1\nB,z,1\n")
    code, out, err = run(
        capsys, "rank", path, "--direction", "higher", "--rule", "kemeny", "--weights", "x=10000,y=10000"
    )
    assert code == 0, err
    assert "Kemeny score: 10000.5 (proven optimal" in out  # was "1e+04": a number no one can check


# ---------------------------------------------------------------------------- reading what users have
def test_a_semicolon_separated_csv_is_read_with_a_warning(capsys, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("system;task;score\nA;x;1\nB;x;2\nA;y;3\nB;y;1\nC;x;0\nC;y;0\n")
    code, out, err = run(capsys, "rank", path, "--direction", "higher", "--rule", "copeland", "--format", "csv")
    assert code == 0, err
    assert "the header is separated by semicolons, not by the commas of a CSV file" in err
    assert list(pd.read_csv(__import__("io").StringIO(out))["system"]) == ["A", "B", "C"]


def test_standard_input_is_read_as_a_file(toy_csv_text):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "rankagg", "rank", "-", "--rule", "borda", "--format", "csv"],
        input=toy_csv_text.encode(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    import rankagg

    want = rankagg.aggregate(rankagg.load_example("toy"), "borda").ranking
    assert list(pd.read_csv(__import__("io").StringIO(proc.stdout.decode()))["system"]) == want
    rows = b"system,task,score\nA,x,1\nA,x,2\nB,x,3\n"
    cmd = [sys.executable, "-m", "rankagg", "rank", "-", "--direction", "higher"]
    dup = subprocess.run(cmd, input=rows, capture_output=True, check=False)
    assert dup.returncode == 2
    assert dup.stderr.decode().startswith("rankagg: error: standard input: data: duplicate entries for ('A', 'x')")
    empty = subprocess.run([sys.executable, "-m", "rankagg", "rank", "-"], input=b"", capture_output=True, check=False)
    assert empty.returncode == 2
    assert empty.stderr.decode().splitlines() == [
        "rankagg: error: FILE '-': standard input is empty; pipe a score file into rankagg, or give its path."
    ]


@pytest.fixture
def toy_csv_text():
    from rankagg.datasets import example_frame

    return example_frame("toy").to_csv(index=False)


def test_kemeny_output_ties_what_the_optimal_rankings_do_not_share(capsys, tmp_path):
    # task x ranks A > B > C, task y ranks C > A > B: A above B in every optimal ranking, but C can be first
    # (C A B), between (A C B) or last (A B C) at the same cost 2, so no step is shared by every optimum
    path = tmp_path / "two.csv"
    path.write_text("system,task,score\nA,x,3\nB,x,2\nC,x,1\nA,y,2\nB,y,1\nC,y,3\n")
    code, out, err = run(capsys, "rank", path, "--direction", "higher", "--rule", "kemeny", "--format", "csv")
    assert code == 0, err
    assert pd.read_csv(__import__("io").StringIO(out))["rank"].tolist() == [1, 1, 1]
    code, out, _ = run(capsys, "rank", path, "--direction", "higher", "--rule", "kemeny")
    assert "Kemeny score: 2 (proven optimal, not unique" in out
    assert "  could swap (some optimal ranking reverses them): " in out
    code, out, _ = run(capsys, "rank", path, "--direction", "higher", "--rule", "kemeny", "--param", "all_optima=true",
                       "--format", "json")  # fmt: skip
    optima = {tuple(o) for o in json.loads(out)["diagnostics"]["all_optima"]}
    assert optima == {("A", "B", "C"), ("A", "C", "B"), ("C", "A", "B")}
