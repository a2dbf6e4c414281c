"""The command line, run in-process (and twice as a real process): outputs, options, and one-line errors."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import rankagg
from rankagg import RULES, aggregate
from rankagg.cli import main
from rankagg.datasets import example_frame
from tests.helpers import run_cli

run = run_cli


def ok(capsys, *argv):
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert err == ""
    return out


def noted(capsys, *argv):
    """Exit code 0; stderr holds only ``rankagg: note:`` lines (returned with stdout)."""
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert err and all(line.startswith("rankagg: note: ") for line in err.splitlines()), err
    return out, err


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
def tied(tmp_path):
    """A and B tie under Borda (ranks 1,2 and 2,1); C is last everywhere."""
    path = tmp_path / "tied.csv"
    path.write_text("system,task,score\nA,x,3\nA,y,2\nB,x,2\nB,y,3\nC,x,1\nC,y,1\n")
    return path


@pytest.fixture
def partial(tmp_path):
    path = tmp_path / "partial.csv"
    path.write_text("system,task,score\nA,x,1\nA,y,\nB,x,2\nB,y,3\nC,x,0\nC,y,1\n")
    return path


@pytest.fixture
def wide(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("model,qa,mt\nA,71,30\nB,68,33\nC,60,25\n")
    return path


# ---------------------------------------------------------------------------- rules
def test_rules_table_lists_every_rule(capsys):
    out = ok(capsys, "rules")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["rule", "family", "partial_ok"]
    assert [ln.split()[0] for ln in lines[1:]] == list(rankagg.list_rules().index)
    assert set(rankagg.list_rules().index) == set(RULES)


def test_rules_csv_json_markdown(capsys):
    df = csv_frame(ok(capsys, "rules", "--format", "csv"))
    assert set(df["rule"]) == set(RULES)
    assert df.set_index("rule").loc["copeland", "condorcet_consistent"]
    assert not df.set_index("rule").loc["borda", "partial_ok"]
    records = json.loads(ok(capsys, "rules", "--format", "json"))
    assert {r["rule"] for r in records} == set(RULES)
    assert next(r for r in records if r["rule"] == "kemeny")["family"] == "kemeny"
    md = ok(capsys, "rules", "--format", "markdown").splitlines()
    assert md[0].startswith("| rule | family |") and md[1].startswith("|:---|")
    assert len(md) == 2 + len(RULES)


# ---------------------------------------------------------------------------- rank
def test_rank_csv_columns_ranks_and_scores(capsys, toy):
    df = csv_frame(ok(capsys, "rank", toy, "--rule", "borda", "--format", "csv"))
    assert list(df.columns[:3]) == ["system", "rank", "score"]
    assert df["rank"].is_monotonic_increasing
    api = aggregate(rankagg.load_example("toy"), rule="borda").to_frame()
    pd.testing.assert_frame_equal(df, api, check_dtype=False)
    assert df["system"].iloc[0] == "Osprey" and df["score"].iloc[0] == pytest.approx(1.4)  # ranks 1,1,1,2,2


def test_rank_tied_systems_share_the_rank(capsys, tied):
    df = csv_frame(ok(capsys, "rank", tied, "--rule", "borda", "--direction", "higher", "--format", "csv"))
    assert dict(zip(df["system"], df["rank"])) == {"A": 1, "B": 1, "C": 3}
    assert df["score"].tolist() == [1.5, 1.5, 3.0]


def test_rank_json(capsys, toy):
    payload = json.loads(ok(capsys, "rank", toy, "--rule", "copeland", "--format", "json"))
    assert payload["rule"] == "copeland" and payload["params"] == {"tie_score": 0.5}
    assert payload["score"] == "pairwise wins" and payload["score_higher_is_better"] is True
    assert payload["missing_policy"] == "raise" and payload["dropped_systems"] == []
    assert payload["tasks"] == ["qa", "nli", "summarization", "translation", "code"]
    assert payload["diagnostics"]["condorcet_winner"] == "Osprey"
    ranking = pd.DataFrame(payload["ranking"])
    assert list(ranking.columns) == ["system", "rank", "score"]
    # Osprey beats all 5 others head to head, Plover none
    assert ranking.iloc[0].tolist() == ["Osprey", 1, 5.0] and ranking.iloc[-1].tolist() == ["Plover", 6, 0.0]


def test_rank_table_and_markdown(capsys, toy):
    out = ok(capsys, "rank", toy, "--rule", "borda")
    assert out.startswith("Rule: borda (score = mean rank, lower is better)\n")
    assert f"Table: {toy}: 6 systems x 5 task columns; missing='raise'" in out
    assert "Condorcet winner: Osprey" in out
    assert out.splitlines()[4].split() == ["system", "rank", "score"]
    md = ok(capsys, "rank", toy, "--rule", "borda", "--format", "markdown")
    assert "| system | rank | score |" in md and "| Osprey | 1 | 1.4 |" in md


def test_output_file(capsys, toy, tmp_path):
    target = tmp_path / "out.csv"
    assert ok(capsys, "rank", toy, "--format", "csv", "-o", target) == ""
    assert target.read_text() == ok(capsys, "rank", toy, "--format", "csv")
    target2 = tmp_path / "cmp.json"
    assert ok(capsys, "compare", toy, "--rules", "mean,borda", "--format", "json", "--output", target2) == ""
    assert json.loads(target2.read_text())["rules"] == ["mean", "borda"]


# ---------------------------------------------------------------------------- compare
def test_compare_csv_columns(capsys, toy):
    df = csv_frame(ok(capsys, "compare", toy, "--rules", "mean,borda,copeland", "--format", "csv"))
    assert list(df.columns[:6]) == ["system", "rank", "score", "rank_mean", "rank_borda", "rank_copeland"]
    assert (df["rank"] == df["rank_mean"]).all()  # the reference is the mean
    # rows in the reference's order: Wren wins on the mean (carried by one task), is 5th by rank rules
    assert df["system"].tolist() == ["Wren", "Osprey", "Heron", "Kestrel", "Finch", "Plover"]
    assert df.set_index("system").loc["Wren", ["rank_mean", "rank_borda", "rank_copeland"]].tolist() == [1, 5, 5]
    mean = example_frame("toy").groupby("system")["score"].mean()
    assert df.set_index("system")["score"].to_dict() == pytest.approx(mean.to_dict())


def test_compare_reference_is_added_when_not_listed(capsys, toy):
    df = csv_frame(ok(capsys, "compare", toy, "--rules", "borda", "--reference", "mean", "--format", "csv"))
    assert list(df.columns[:5]) == ["system", "rank", "score", "rank_mean", "rank_borda"]
    df = csv_frame(ok(capsys, "compare", toy, "--rules", "borda,mean", "--format", "csv"))  # reference: the first
    assert list(df.columns[:5]) == ["system", "rank", "score", "rank_borda", "rank_mean"]
    df = csv_frame(ok(capsys, "compare", toy, "--rules", "mean", "--reference", "borda", "--format", "csv"))
    assert list(df.columns[:5]) == ["system", "rank", "score", "rank_borda", "rank_mean"]


def test_compare_table_lists_the_disagreements(capsys, toy):
    out = ok(capsys, "compare", toy, "--rules", "mean,borda,copeland")
    assert "Ranks (1 = best; tied systems share a rank), by mean:" in out
    assert "Pairs ordered opposite to mean: borda 4, copeland 4" in out
    for other in ("Osprey", "Heron", "Kestrel", "Finch"):
        assert (
            f"mean puts Wren above {other}; borda, copeland put {other} above: {other} wins 4 of 5 tasks against Wren"
            in out
        )
    limited = ok(capsys, "compare", toy, "--rules", "mean,borda", "--show", "1")
    assert "  ... and 3 more pairs (--format csv/json has them all)" in limited


def test_compare_json_and_markdown(capsys, toy):
    payload = json.loads(ok(capsys, "compare", toy, "--rules", "mean,borda", "--format", "json", "--top-k", "2"))
    assert payload["reference"] == "mean" and payload["top_k"] == 2
    assert payload["agreement_kendall_tau_b"]["mean"]["borda"] == pytest.approx(7 / 15)  # 4 of 15 pairs reversed
    assert len(payload["disagreements"]) == 4
    assert {d["above_in_reference"] for d in payload["disagreements"]} == {"Wren"}
    md = ok(capsys, "compare", toy, "--rules", "mean,borda", "--format", "markdown")
    assert "| system | mean | borda |" in md and "**Ranks**" in md


def test_compare_agreeing_rules(capsys, toy):
    out = ok(capsys, "compare", toy, "--rules", "borda,copeland", "--reference", "borda")
    assert "Every rule agrees with borda on the order of every pair." in out


# ---------------------------------------------------------------------------- options
def test_direction_flags(capsys, wide):
    base = ["rank", wide, "--systems-in", "rows", "--format", "csv", "--rule", "borda"]
    up = csv_frame(ok(capsys, *base, "--direction", "higher"))
    assert up["system"].tolist() == ["A", "B", "C"]  # A 1st/2nd, B 2nd/1st (tie), C last
    assert up["rank"].tolist() == [1, 1, 3]
    down = csv_frame(ok(capsys, *base, "--direction", "lower"))
    assert down["system"].tolist()[0] == "C"
    # mt lower-is-better: A 1st on qa and 2nd on mt; C is 3rd on qa and 1st on mt
    mixed = csv_frame(ok(capsys, *base, "--direction", "higher", "--lower-is-better", "mt"))
    assert dict(zip(mixed["system"], mixed["score"])) == {"A": 1.5, "C": 2.0, "B": 2.5}
    same = csv_frame(ok(capsys, *base, "--higher-is-better", "qa", "--lower-is-better", "mt"))
    pd.testing.assert_frame_equal(same, mixed)


def test_direction_column_can_be_ignored(capsys, toy):
    err = fails(capsys, "rank", toy, "--lower-is-better", "qa")
    assert "you gave False for task 'qa' but the data says higher_is_better=True" in err
    assert "CLI: --direction-col ''" in err
    out = ok(
        capsys,
        "rank",
        toy,
        "--direction-col",
        "",
        "--lower-is-better",
        "qa",
        "--direction",
        "higher",
        "--format",
        "json",
    )
    borda = {r["system"]: r["score"] for r in json.loads(out)["ranking"]}
    assert borda["Osprey"] == pytest.approx((6 + 1 + 1 + 2 + 2) / 5)  # best on qa, now last there


def test_metric_option(capsys, tmp_path):
    path = tmp_path / "glue.csv"
    path.write_text(
        "system,task,metric,score\n"
        "A,MRPC,f1,90\nA,MRPC,accuracy,80\nA,RTE,accuracy,70\n"
        "B,MRPC,f1,85\nB,MRPC,accuracy,88\nB,RTE,accuracy,60\n"
    )
    both = json.loads(ok(capsys, "rank", path, "--direction", "higher", "--format", "json"))
    assert both["tasks"] == ["MRPC:f1", "MRPC:accuracy", "RTE"]
    f1 = json.loads(ok(capsys, "rank", path, "--direction", "higher", "--metric", "MRPC=f1", "--format", "json"))
    assert f1["tasks"] == ["MRPC", "RTE"]
    assert f1["ranking"][0] == {"system": "A", "rank": 1, "score": 1.0}
    acc = json.loads(ok(capsys, "rank", path, "--direction", "higher", "--metric", "accuracy", "--format", "json"))
    assert acc["tasks"] == ["MRPC", "RTE"]
    assert [r["score"] for r in acc["ranking"]] == [1.5, 1.5]  # A and B split MRPC accuracy and RTE


def test_weights_option(capsys, toy):
    df = csv_frame(ok(capsys, "rank", toy, "--rule", "borda", "--weights", "code=3", "--format", "csv"))
    # Wren ranks 5th on qa, nli, summarization, translation and 1st on code: (4 * 5 + 3 * 1) / 7
    assert df.set_index("system").loc["Wren", "score"] == pytest.approx(23 / 7)
    two = csv_frame(ok(capsys, "rank", toy, "--rule", "borda", "--weights", "code=3,qa=2", "--format", "csv"))
    assert two.set_index("system").loc["Wren", "score"] == pytest.approx((2 * 5 + 3 * 5 + 3 * 1) / 8)


def test_include_exclude_options(capsys, toy):
    df = csv_frame(ok(capsys, "rank", toy, "--rule", "mean", "--exclude", "Wren", "--format", "csv"))
    assert "Wren" not in set(df["system"]) and df["system"].iloc[0] == "Osprey"
    df = csv_frame(ok(capsys, "rank", toy, "--include", "*e*", "--exclude", "Heron", "--format", "csv"))
    assert set(df["system"]) == {"Osprey", "Kestrel", "Wren", "Plover"}
    df = csv_frame(ok(capsys, "rank", toy, "--include", "Osprey", "--include", "Wren", "--format", "csv"))
    assert set(df["system"]) == {"Osprey", "Wren"}


def test_missing_option(capsys, partial):
    text, err = noted(capsys, "rank", partial, "--direction", "higher", "--missing", "drop_systems", "--format", "json")
    out = json.loads(text)
    assert err == "rankagg: note: --missing drop_systems dropped 1 system with missing scores: A\n"
    assert out["missing_policy"] == "drop_systems" and out["dropped_systems"] == ["A"]
    assert [r["system"] for r in out["ranking"]] == ["B", "C"]
    out = json.loads(
        noted(capsys, "rank", partial, "--direction", "higher", "--missing", "drop_tasks", "--format", "json")[0]
    )
    assert out["dropped_tasks"] == ["y"] and out["tasks"] == ["x"]
    out = json.loads(
        ok(
            capsys,
            "rank",
            partial,
            "--direction",
            "higher",
            "--missing",
            "partial",
            "--rule",
            "copeland",
            "--format",
            "json",
        )
    )
    assert out["missing_policy"] == "partial" and [r["system"] for r in out["ranking"]] == ["B", "A", "C"]
    text, _ = noted(capsys, "rank", partial, "--direction", "higher", "--missing", "drop_systems")
    assert "Dropped systems (missing scores): 1: A" in text


def test_atol_option(capsys, tmp_path):
    path = tmp_path / "close.csv"
    path.write_text("system,task,score\nA,x,10\nB,x,9.6\nC,x,9.2\n")
    exact = csv_frame(ok(capsys, "rank", path, "--direction", "higher", "--format", "csv"))
    assert exact["rank"].tolist() == [1, 2, 3]
    tol = csv_frame(ok(capsys, "rank", path, "--direction", "higher", "--atol", "0.5", "--format", "csv"))
    assert dict(zip(tol["system"], tol["rank"])) == {"A": 1, "B": 1, "C": 3}  # anchored on A, not chained
    assert (
        json.loads(ok(capsys, "rank", path, "--direction", "higher", "--atol", "0.5", "--format", "json"))["atol"]
        == 0.5
    )


def test_param_option(capsys, tied):
    base = ["rank", tied, "--direction", "higher", "--rule", "copeland", "--format", "json"]
    # A and B tie head to head (1 task each): a pairwise tie is worth tie_score
    half = json.loads(ok(capsys, *base))
    zero = json.loads(ok(capsys, *base, "--param", "tie_score=0"))
    assert zero["params"] == {"tie_score": 0}
    assert [r["score"] for r in half["ranking"]] == [1.5, 1.5, 0.0]
    assert [r["score"] for r in zero["ranking"]] == [1.0, 1.0, 0.0]
    cmp = json.loads(
        ok(
            capsys,
            "compare",
            tied,
            "--direction",
            "higher",
            "--rules",
            "copeland",
            "--param",
            "copeland.tie_score=1",
            "--format",
            "json",
        )
    )
    assert cmp["systems"][0]["scores"]["copeland"] == 2.0


def test_seed_reaches_rules_with_an_rng(capsys, toy, monkeypatch):
    seen = {}
    real = rankagg.cli.commands.aggregate

    def spy(table, rule, **kw):
        seen[rule] = kw.get("rng")
        return real(table, rule, **kw)

    monkeypatch.setattr(rankagg.cli.commands, "aggregate", spy)
    ok(capsys, "rank", toy, "--rule", "kemeny", "--seed", "7", "--format", "csv")
    ok(capsys, "rank", toy, "--rule", "borda", "--seed", "7", "--format", "csv")  # no rng: accepted, unused
    assert seen == {"kemeny": 7, "borda": None}
    monkeypatch.undo()
    # the exact Kemeny consensus does not depend on the seed
    a = ok(capsys, "rank", toy, "--rule", "kemeny", "--seed", "1", "--format", "csv")
    b = ok(capsys, "rank", toy, "--rule", "kemeny", "--seed", "2", "--format", "csv")
    assert a == b


@pytest.mark.parametrize("systems_in", ["rows", "columns"])
def test_wide_files(capsys, tmp_path, systems_in):
    wide = pd.DataFrame({"qa": [71, 68, 60], "mt": [30, 33, 25]}, index=pd.Index(["A", "B", "C"], name="model"))
    path = tmp_path / "wide.csv"
    (wide if systems_in == "rows" else wide.T.rename_axis("task")).to_csv(path)
    df = csv_frame(
        ok(
            capsys,
            "rank",
            path,
            "--systems-in",
            systems_in,
            "--direction",
            "higher",
            "--rule",
            "mean",
            "--format",
            "csv",
        )
    )
    assert df["system"].tolist() == ["A", "B", "C"]
    assert df["score"].tolist() == [50.5, 50.5, 42.5]
    assert df["rank"].tolist() == [1, 1, 3]


def test_no_command_prints_help(capsys):
    code, out, err = run(capsys)
    assert code == 0 and "usage: rankagg" in out and err == ""


# ---------------------------------------------------------------------------- errors: one line, exit 2
def test_error_unknown_rule(capsys, toy):
    line = fails(capsys, "rank", toy, "--rule", "bordaa")
    assert line == "rankagg: error: unknown rule 'bordaa'. Did you mean 'borda'? See `rankagg rules` for the list."
    assert "Did you mean 'copeland'?" in fails(capsys, "compare", toy, "--rules", "mean,copland")


def test_error_missing_file(capsys, tmp_path):
    path = tmp_path / "nope.csv"
    assert fails(capsys, "rank", path) == f"rankagg: error: path: no such file {str(path)!r}."


def test_error_ambiguous_layout(capsys, wide, toy):
    line = fails(capsys, "rank", wide)
    assert "cannot tell whether this table is long or wide" in line and "--systems-in rows|columns" in line
    line = fails(capsys, "rank", toy, "--systems-in", "rows")
    assert "the file has the columns of a long table" in line and "(CLI: --layout)" in line


def test_error_missing_scores_under_raise(capsys, partial):
    line = fails(capsys, "rank", partial, "--direction", "higher")
    assert "missing: 1 missing score(s), at ('A', 'y'); choose a policy" in line
    assert line.endswith("(CLI: --missing POLICY).")


def test_error_unknown_direction(capsys, partial):
    line = fails(capsys, "rank", partial, "--missing", "partial", "--rule", "copeland")
    assert "the direction of task(s) 'x', 'y' is unknown and rankagg never guesses it" in line
    assert "(CLI: --higher-is-better / --lower-is-better TASK,...)" in line


def test_error_conflicting_direction_flags(capsys, toy):
    assert fails(capsys, "rank", toy, "--higher-is-better", "qa,nli", "--lower-is-better", "nli") == (
        "rankagg: error: --higher-is-better and --lower-is-better both name 'nli'; give one direction."
    )


def test_error_bad_param(capsys, toy):
    assert fails(capsys, "rank", toy, "--rule", "copeland", "--param", "tie_scor=1") == (
        "rankagg: error: rule 'copeland' has no parameter 'tie_scor'; its parameters are: tie_score. "
        "Did you mean 'tie_score'?"
    )
    assert fails(capsys, "rank", toy, "--param", "foo=1") == (
        "rankagg: error: rule 'borda' has no parameter 'foo'; its parameters are: none."
    )
    assert fails(capsys, "rank", toy, "--param", "foo") == "rankagg: error: --param: expected KEY=VALUE, got 'foo'."
    assert fails(capsys, "compare", toy, "--rules", "mean,copeland", "--param", "tie_score=1") == (
        "rankagg: error: --param: with compare, name the rule: RULE.PARAM=VALUE (got 'tie_score')."
    )
    assert fails(capsys, "compare", toy, "--rules", "mean,borda", "--param", "copeland.tie_score=1") == (
        "rankagg: error: params: rule 'copeland' is not among the rules compared (mean, borda); add it to the "
        "rules, or drop its parameters."
    )


def test_error_bad_weights(capsys, toy):
    assert fails(capsys, "rank", toy, "--weights", "qa=abc") == (
        "rankagg: error: --weights: the weight of 'qa' is 'abc', not a number."
    )
    assert fails(capsys, "rank", toy, "--weights", "qa") == "rankagg: error: --weights: expected KEY=VALUE, got 'qa'."
    assert "weights: the weight of task 'qa' is -1.0; weights must be positive" in fails(
        capsys, "rank", toy, "--weights", "qa=-1"
    )
    assert "weights: unknown task 'qaa'. Did you mean 'qa'?" in fails(capsys, "rank", toy, "--weights", "qaa=2")


def test_error_unknown_option_and_bad_values(capsys, toy):
    assert fails(capsys, "rank", toy, "--bogus") == (
        "rankagg: error: unrecognized arguments: --bogus (see `rankagg --help`)"
    )
    assert "argument --format: invalid choice: 'xml'" in fails(capsys, "rank", toy, "--format", "xml")
    assert "argument --atol: invalid float value: 'abc'" in fails(capsys, "rank", toy, "--atol", "abc")
    assert "atol=-1.0: tie tolerances must be finite numbers >= 0" in fails(capsys, "rank", toy, "--atol", "-1")
    assert "argument COMMAND: invalid choice: 'rnak'" in fails(capsys, "rnak", toy)
    assert "file" in fails(capsys, "rank").lower()  # a score file is needed (or a dataset, see --help)
    assert "--rules: give at least one rule" in fails(capsys, "compare", toy, "--rules", ",")
    assert "top_k=0: must be a positive integer." in fails(capsys, "compare", toy, "--top-k", "0")


def test_error_partial_table_with_a_rule_refusing_partial_rankings(capsys, partial):
    line = fails(capsys, "rank", partial, "--direction", "higher", "--missing", "partial", "--rule", "borda")
    assert "rule 'borda' does not accept partial rankings" in line
    assert "(CLI: --rule, or --rules): win_rate, copeland" in line and "use missing='drop_systems'" in line
    line = fails(
        capsys,
        "compare",
        partial,
        "--direction",
        "higher",
        "--missing",
        "partial",
        "--rules",
        "borda,copeland",
        "--reference",
        "mean",
    )
    assert "rule(s) 'mean', 'borda' do not accept partial rankings" in line
    assert "CLI: --reference win_rate" in line
    # the fix the message gives works
    out = ok(
        capsys,
        "compare",
        partial,
        "--direction",
        "higher",
        "--missing",
        "partial",
        "--rules",
        "copeland",
        "--reference",
        "win_rate",
        "--format",
        "csv",
    )
    assert list(csv_frame(out).columns[:5]) == ["system", "rank", "score", "rank_win_rate", "rank_copeland"]


def test_error_rule_refusing_the_data(capsys, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("system,task,score\nA,acc,0.9\nA,ppl,12\nB,acc,0.8\nB,ppl,10\n")
    line = fails(capsys, "rank", path, "--higher-is-better", "acc", "--lower-is-better", "ppl", "--rule", "mean")
    assert "rule 'mean' averages raw scores" in line and "'zscore_mean'" in line


# ---------------------------------------------------------------------------- demo and real processes
def test_demo(capsys):
    out = ok(capsys, "demo")
    assert out.startswith("rankagg demo: the whole pipeline on a built-in example\n")
    assert "system   mean  zscore_mean  borda  win_rate  copeland  schulze  kemeny" in out
    assert "Wren        1            5      5         5         5        5       5" in out
    assert "mean puts Wren above Osprey;" in out and "Osprey wins 4 of 5 tasks against Wren" in out
    assert "Kemeny consensus: Osprey > Heron > Kestrel > Finch > Wren > Plover" in out
    assert "Kemeny score: 5.5 (proven optimal, unique;" in out
    assert "  mean    winner changes: Wren -> Osprey" in out
    assert "  borda   winner stays: Osprey -> Osprey" in out
    assert "  kemeny  winner stays: Osprey -> Osprey" in out
    # how sure: Plover is last on every task, so last in every resample (a Pareto-dominated system never moves)
    assert "How sure is the Kemeny ranking? Resampling the 5 tasks with replacement, 1000 times" in out
    assert "Plover      6         6          6       0" in out
    assert "Cannot be told apart at 95%: Osprey = Heron" in out


def test_demo_output_file(capsys, tmp_path):
    target = tmp_path / "demo.txt"
    assert ok(capsys, "demo", "-o", target) == ""
    assert "Kemeny consensus:" in target.read_text()


def test_python_m_rankagg_version():
    proc = subprocess.run([sys.executable, "-m", "rankagg", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"rankagg {rankagg.__version__}"


def test_console_script_demo():
    script = Path(sys.executable).parent / "rankagg"
    if not script.exists():
        found = shutil.which("rankagg")
        if found is None:
            pytest.skip("the rankagg console script is not installed")
        script = Path(found)
    proc = subprocess.run([str(script), "demo"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "Kemeny consensus: Osprey > Heron > Kestrel > Finch > Wren > Plover" in proc.stdout


def test_process_error_is_one_line_with_exit_code_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "rankagg", "rank", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [f"rankagg: error: path: no such file {str(tmp_path / 'nope.csv')!r}."]


def test_error_unwritable_output(capsys, toy, tmp_path):
    target = tmp_path / "no_such_folder" / "out.csv"
    assert fails(capsys, "rank", toy, "-o", target) == (
        f"rankagg: error: --output: cannot write {str(target)!r} (No such file or directory); give a path in an "
        "existing, writable folder."
    )


def test_error_long_file_with_a_differently_named_column(capsys, toy):
    line = fails(capsys, "rank", toy, "--layout", "long", "--score-col", "value")
    assert "score: no column 'value' in the data" in line and "(CLI: --score-col)." in line


def test_long_lists_of_dropped_systems_are_shortened_in_text_but_complete_in_json(capsys, tmp_path):
    rows = [f"S{i:02d},t1,{i}\nS{i:02d},t2,{i}" for i in range(20)]
    rows += [f"G{i:02d},t1,{i}" for i in range(15)]  # 15 systems without a t2 score
    path = tmp_path / "holes.csv"
    path.write_text("system,task,score\n" + "\n".join(rows) + "\n")
    assert main(["rank", str(path), "--direction", "higher", "--missing", "drop_systems"]) == 0
    text = capsys.readouterr().out
    line = next(x for x in text.splitlines() if x.startswith("Dropped systems"))
    assert line.startswith("Dropped systems (missing scores): 15: G00, G01,")
    assert line.endswith("G11, ... and 3 more (--format json lists them all)")
    assert main(["rank", str(path), "--direction", "higher", "--missing", "drop_systems", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["dropped_systems"] == [f"G{i:02d}" for i in range(15)]
