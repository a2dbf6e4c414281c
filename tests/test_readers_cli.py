"""The command line reads benchmark outputs and published leaderboards: --from, --benchmark, --split-compound..."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from rankagg.cli import main

DATA = Path(__file__).parent / "data"
RAW = "raw/github"
MTEB = f"{RAW}/embeddings-benchmark/results/f4cc6c8b365a3c779dbc708d6affe0b0355b2ddf/results"
GLUE = f"{RAW}/PragmaticsLab/vote_and_rank/6d9cbe37600ada4ff2e448a6cac87098a46f32a6/tables/leaderboards - GLUE.csv"
SNAPSHOT = f"{RAW}/dsdanielpark/open-llm-leaderboard-report/42a5fcd5bbde9bed98f434c495bd63ee8d95a878/data/20230904.json"
AE2 = (
    f"{RAW}/tatsu-lab/alpaca_eval/cd543a149df89434d8a54582c0151c0b945c3d20/src/alpaca_eval/leaderboards/"
    "data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv"
)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def test_lm_eval_directory_is_detected_and_perplexity_ranks_lowest_first(capsys):
    code, out, err = run(capsys, "rank", DATA / "lm_eval", "--tasks", "wikitext", "--rule", "borda", "--format", "csv")
    assert code == 0
    assert csv(out)["system"].tolist() == ["EleutherAI/pythia-410m", "EleutherAI/pythia-160m", "gpt2"]
    notes = err.splitlines()
    assert notes[0].startswith("rankagg: note: used the latest results file for 1 (model, task) pair(s)")
    assert (
        notes[-1] == "rankagg: note: metric per task (default: the task's primary metric): 'wikitext=word_perplexity'."
    )


def test_lm_eval_metric_option_and_explicit_from(capsys):
    code, out, _ = run(
        capsys, "rank", "--from", "lm-eval", DATA / "lm_eval", "--metric", "wikitext=bits_per_byte,*=acc_norm",
        "--tasks", "arc_easy,wikitext", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert '"tasks": [\n    "arc_easy",\n    "wikitext"\n  ]' in out


def test_mteb_folder_with_the_classic_benchmark(datasets_dir, capsys):
    code, out, _ = run(
        capsys, "rank", "--from", "mteb", datasets_dir / MTEB, "--benchmark", "mteb-eng-classic", "--rule", "mean",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    df = csv(out)
    assert df["system"].tolist()[0] == "intfloat/e5-mistral-7b-instruct"
    assert round(df.set_index("system").loc["sentence-transformers/all-MiniLM-L6-v2", "score"] * 100, 2) == 56.1
    code, out, _ = run(capsys, "compare", datasets_dir / MTEB, "--benchmark", "mteb-eng-classic")  # auto-detected
    assert code == 0 and "3 systems x 56 task columns" in out


def test_helm_group_file_is_detected(capsys):
    code, out, err = run(capsys, "rank", DATA / "helm" / "core_scenarios.json", "--helm-table", "calibration")
    assert code == 0
    assert "Table: " in out and "4 systems x 2 task columns" in out
    code, out, err = run(
        capsys, "rank", DATA / "helm" / "core_scenarios.json", "--missing", "drop_systems", "--format", "csv"
    )
    assert code == 0 and "rankagg: note: left out aggregate column(s) 'Mean win rate'" in err
    code, out, err = run(
        capsys,
        "rank",
        DATA / "helm" / "core_scenarios.json",
        "--keep-aggregate-columns",
        "--missing",
        "partial",
        "--rule",
        "win_rate",
    )
    assert code == 0 and "4 systems x 4 task columns" in out


def test_open_llm_and_alpaca_eval_files_are_detected(datasets_dir, capsys):
    code, out, err = run(capsys, "rank", datasets_dir / SNAPSHOT, "--rule", "mean", "--format", "csv")
    assert code == 0 and len(csv(out)) == 1192
    assert "rankagg: note: 99 repeated row(s) of 81 model(s) left out" in err
    code, out, _ = run(
        capsys, "rank", datasets_dir / AE2, "--metric", "length_controlled_winrate", "--rule", "mean", "--format", "csv"
    )
    assert code == 0 and len(csv(out)) == 223


def test_wide_leaderboard_with_compound_cells(datasets_dir, tmp_path, capsys):
    board = tmp_path / "board.csv"
    board.write_text("Model,Score,CoLA,MRPC\nA,80.1,60.5,90.1/86.0\nB,79.0,58.0,88.0/87.5\nC,70.2,40.0,85.0/80.5\n")
    code, out, err = run(
        capsys, "rank", board, "--systems-in", "rows", "--split-compound", "MRPC=f1/accuracy", "--direction",
        "higher", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert '"CoLA",\n    "MRPC:f1",\n    "MRPC:accuracy"' in out
    assert "rankagg: note: left out 1 aggregate column(s) 'Score'" in err
    code, out, err = run(
        capsys, "rank", datasets_dir / GLUE, "--systems-in", "rows", "--index-col", "Model", "--split-compound",
        "--aggregate-columns", "Rank,Score", "--direction", "higher", "--missing", "drop_systems", "--format", "csv",
    )  # fmt: skip
    assert code == 2
    assert err.strip().splitlines()[-1].startswith("rankagg: error: ") and "duplicate system names" in err


def test_source_errors_are_one_line_exit_2(tmp_path, capsys):
    cases = [
        (["rank"], "rankagg: error: give a score file (FILE) or --dataset NAME (the registry: `rankagg datasets`)."),
        (["rank", "x.csv", "--dataset", "glue"], "rankagg: error: give a score file or --dataset glue, not both"),
        (
            ["rank", DATA / "lm_eval", "--benchmark", "mteb-eng-classic"],
            "rankagg: error: --benchmark is for MTEB results folders (--from mteb), not for a lm-eval source.",
        ),
        (
            ["rank", DATA / "lm_eval", "--split-compound"],
            "rankagg: error: --split-compound / --aggregate-columns / --keep-aggregate-columns are for wide tables",
        ),
        (["rank", "--dataset", "glue", "--from", "mteb"], "rankagg: error: --from mteb reads FILE; --dataset glue"),
        (["rank", "--from", "helm", DATA / "lm_eval"], "rankagg: error: "),
        (["rank", tmp_path], "rankagg: error: " + f"{tmp_path}: a directory, but neither lm-evaluation-harness"),
    ]
    for argv, start in cases:
        code, _, err = run(capsys, *argv)
        lines = err.strip().splitlines()
        assert code == 2, argv
        assert len(lines) == 1 and lines[0].startswith(start), (argv, err)
    board = tmp_path / "b.csv"
    board.write_text("m,x\nA,1/2\nB,3/4\n")
    code, _, err = run(capsys, "rank", board, "--split-compound", "x", "--systems-in", "rows")
    assert code == 2 and err.startswith("rankagg: error: --split-compound: expected COLUMN=METRIC1/METRIC2, got 'x'.")
    code, _, err = run(capsys, "rank", board, "--split-compound")
    assert code == 2 and "say where the systems are with --systems-in rows|columns" in err


@pytest.mark.parametrize("command", ["rank", "compare"])
def test_missing_file_keeps_the_table_reader_message(tmp_path, capsys, command):
    code, _, err = run(capsys, command, tmp_path / "nope.csv")
    assert code == 2 and err == f"rankagg: error: path: no such file {str(tmp_path / 'nope.csv')!r}.\n"
