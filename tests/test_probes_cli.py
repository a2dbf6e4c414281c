"""``rankagg probes``: generate (and the committed datasets/), rank, decide; the demo's probes part."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from rankagg.cli import main
from rankagg.probes import CandidateStudy, decision_accuracy, generate

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "datasets" / "probes_study.csv"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_committed_datasets_regenerate_byte_for_byte(capsys, tmp_path):
    """The command in datasets/README.md writes exactly the committed files."""
    readme = (ROOT / "datasets" / "README.md").read_text()
    cmd = (
        "rankagg probes generate --scales small,large --seeds 10 --seed 0 --truth datasets/probes_truth.csv "
        "-o datasets/probes_study.csv"
    )
    assert cmd in readme
    argv = cmd.split()[1:]
    argv[argv.index("datasets/probes_truth.csv")] = str(tmp_path / "truth.csv")
    argv[argv.index("datasets/probes_study.csv")] = str(tmp_path / "study.csv")
    code, out, err = run(capsys, *argv)
    assert code == 0 and out == ""
    assert "10 probes x 10 tasks x 10 seeds" in err
    assert (tmp_path / "study.csv").read_bytes() == STUDY.read_bytes()
    assert (tmp_path / "truth.csv").read_bytes() == (ROOT / "datasets" / "probes_truth.csv").read_bytes()


def test_rank_prints_each_rule_with_intervals(capsys):
    code, out, err = run(
        capsys,
        "probes",
        "rank",
        STUDY,
        "--scale",
        "large",
        "--rules",
        "mean,borda",
        "-B",
        "200",
        "--seed",
        "0",
        "--format",
        "csv",
    )
    assert code == 0, err
    df = pd.read_csv(pd.io.common.StringIO(out))
    assert list(df.columns) == ["rule", "candidate", "rank", "score", "rank_low", "rank_high", "p_top1"]
    borda = df[df.rule == "borda"].set_index("candidate")
    assert borda.loc["clean", "rank"] == 1
    assert (df["rank_low"] <= df["rank"]).all() and (df["rank"] <= df["rank_high"]).all()
    # the same figures as the library
    res = CandidateStudy.read(STUDY).rank("large", rule="borda")
    assert dict(zip(res.systems, res.ranks)) == borda["rank"].to_dict()


def test_decide_table_and_json(capsys):
    code, out, err = run(
        capsys,
        "probes",
        "decide",
        STUDY,
        "--small",
        "small",
        "--target",
        "large",
        "--rules",
        "mean,borda",
        "-B",
        "200",
        "--seed",
        "1",
    )
    assert code == 0, err
    assert out.startswith("small -> large: 10 candidates (45 pairs) on 10 tasks")
    assert "Paired difference with mean" in out and "Beyond the interval" in out
    code, out, _ = run(
        capsys,
        "probes",
        "decide",
        STUDY,
        "--small",
        "small",
        "--target",
        "large",
        "--rules",
        "mean,borda",
        "-B",
        "200",
        "--seed",
        "1",
        "--format",
        "json",
    )
    payload = json.loads(out)
    lib = decision_accuracy(
        CandidateStudy.read(STUDY), "small", "large", rules=("mean", "borda"), n_resamples=200, rng=1
    )
    row = next(r for r in payload["rows"] if r["rule"] == "borda" and r["measure"] == "decision_accuracy")
    assert row["value"] == pytest.approx(lib.point.loc["borda", "decision_accuracy"])
    assert payload["seed"] == 1 and len(payload["candidates"]) == 10


def test_errors_are_one_line_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "probes", "rank", tmp_path / "none.csv")
    assert code == 2 and err.count("\n") == 1 and err.startswith("rankagg: error: FILE: no file")
    code, _, err = run(capsys, "probes", "rank", STUDY, "-B", "0")
    assert code == 2 and "--scale: the study has scales large, small" in err
    code, _, err = run(capsys, "probes", "decide", STUDY, "--small", "tiny", "--target", "large", "-B", "5")
    assert code == 2 and "no scale 'tiny'" in err and err.count("\n") == 1
    bad = tmp_path / "bad.csv"
    generate(n_seeds=1, rng=0).frame.drop(columns="higher_is_better").to_csv(bad, index=False)
    code, _, err = run(capsys, "probes", "rank", bad, "-B", "0")
    assert code == 2 and "does not guess" in err


def test_demo_has_the_probes_part(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0
    part = out[out.index("Which training data is best?") :]
    lines = {
        ln.split()[0]: ln.split()
        for ln in part.splitlines()
        if ln.split() and ln.split()[0] in ("mean", "borda", "kemeny")
    }
    assert lines["borda"][1] == "clean" and lines["kemeny"][1] == "clean"
    assert lines["mean"][1] != "clean"
    assert "log-perplexity" in part


def test_the_probe_commands_default_rules_are_the_librarys():
    # rankagg.cli.probes writes them out so that `rankagg --help` does not import rankagg.probes
    from rankagg.cli.probes import PROBE_RULES
    from rankagg.probes import DEFAULT_RULES

    assert PROBE_RULES == DEFAULT_RULES
