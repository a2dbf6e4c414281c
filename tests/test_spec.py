"""Leaderboard spec files (rankagg.spec) and ``rankagg run``: validation messages, the mapping to the command
line's options, relative paths, several input files, and the README's example spec run as written."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rankagg
from rankagg.cli.spec import SpecError, load_spec, parse_spec
from rankagg.datasets import example_frame
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]


def _error(data) -> str:
    with pytest.raises(SpecError) as exc:
        parse_spec(data)
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"input": {"example": "toy"}, "tasks": {"mmlu": {"direction": "up"}}},
            "spec: tasks.mmlu.direction: expected 'higher' or 'lower', got 'up'",
        ),
        (
            {"input": {"example": "toy"}, "tasks": {"mmlu": {"wieght": 2}}},
            "spec: tasks.mmlu.wieght: unknown key 'wieght'. Did you mean 'weight'? Valid keys here: metric, "
            "direction, weight.",
        ),
        ({"input": {"example": "toy"}, "rules": ["bordaa"]}, "spec: rules: no rule 'bordaa'. Did you mean 'borda'?"),
        ({"input": {"path": "a.csv", "layuot": "wide"}}, "spec: input.layuot: unknown key 'layuot'. Did you mean"),
        ({"input": {"example": "toy"}, "missing": "drop"}, "spec: missing: expected 'raise', 'drop_systems'"),
        ({"input": {"example": "toy"}, "bootstrap": {"confidence": 1.5}}, "spec: bootstrap.confidence: "),
        ({"input": {"example": "toy"}, "tasks": {"qa": {"weight": 0}}}, "spec: tasks.qa.weight: "),
        ({"input": {}}, "spec: input: give exactly one of path, dataset or example"),
        ({"title": "x"}, "spec: input: required key missing"),
        ({"input": {"example": "toyy"}}, "Did you mean 'toy'?"),
    ],
)
def test_one_line_errors_with_location_and_fix(data, expected):
    assert _error(data).startswith(expected) or expected in _error(data)


def test_cli_args_are_the_command_line_options():
    spec = parse_spec(
        {
            "input": {"path": "scores/board.tsv", "format": "tsv", "system_col": "model", "where": {"split": "test"}},
            "tasks": {"mmlu": {"metric": "acc", "weight": 2}, "ppl": {"direction": "lower"}},
            "direction": "higher",
            "exclude": "*Human*",
            "missing": "partial",
            "atol": 0.001,
        },
        base_dir="/data/boards",
    )
    assert spec.cli_args() == [
        "/data/boards/scores/board.tsv",
        "--input-format",
        "tsv",
        "--system-col",
        "model",
        "--where",
        "split=test",
        "--tasks",
        "mmlu,ppl",
        "--metric",
        "mmlu=acc",
        "--weights",
        "mmlu=2.0",
        "--lower-is-better",
        "ppl",
        "--direction",
        "higher",
        "--exclude",
        "*Human*",
        "--missing",
        "partial",
        "--atol",
        "0.001",
    ]
    # every argument is one the command line accepts, with the meaning it has there
    from rankagg.cli.options import _add_table_args, _Parser

    p = _Parser(prog="x")
    _add_table_args(p)
    ns = p.parse_args(spec.cli_args())
    assert ns.lower_is_better == ["ppl"] and ns.missing == "partial" and ns.system_col == "model"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.filterwarnings("ignore::rankagg.BootstrapWarning")  # three tasks: said on stderr by the command
def test_run_matches_compare_and_bootstrap(capsys, tmp_path):
    # the board equals what rankagg.compare and rankagg.bootstrap give for the same table and settings
    (tmp_path / "data").mkdir()
    example_frame("toy").to_csv(tmp_path / "data" / "toy.csv", index=False)
    spec = _write(
        tmp_path,
        "board.toml",
        'rules = ["mean", "borda"]\n[input]\npath = "data/toy.csv"\n[tasks]\nqa = {weight = 2}\nnli = {}\ncode = {}\n'
        '[bootstrap]\nresamples = 300\nseed = 4\n[output]\nformat = "csv"\n',
    )
    code, out, _ = run_cli(capsys, "run", spec)  # the relative path resolves against the spec's folder
    assert code == 0
    board = pd.read_csv(io.StringIO(out))
    t = rankagg.read_table(tmp_path / "data" / "toy.csv", tasks=["qa", "nli", "code"], weights={"qa": 2})
    cmp = rankagg.compare(t, ["mean", "borda"])
    boot = rankagg.bootstrap(t, "mean", n_resamples=300, rng=4).to_frame().set_index("system")
    assert list(board["system"]) == list(cmp.ranks.index)
    assert board["rank_borda"].tolist() == cmp.ranks["borda"].tolist()
    # the weighted mean, by hand: (2 qa + nli + code) / 4
    wide = t.to_wide()
    by_hand = (2 * wide["qa"] + wide["nli"] + wide["code"]) / 4
    np.testing.assert_allclose(board["mean score"], by_hand.loc[board["system"]].to_numpy())
    assert board["rank_low"].tolist() == boot.loc[board["system"], "rank_low"].tolist()
    assert board["p_top1"].tolist() == pytest.approx(boot.loc[board["system"], "p_top1"].tolist())


def test_run_several_files_and_output_path(capsys, tmp_path):
    df = example_frame("toy")
    df[df["task"].isin(["qa", "nli"])].to_csv(tmp_path / "a.csv", index=False)
    df[~df["task"].isin(["qa", "nli"])].to_csv(tmp_path / "b.csv", index=False)
    spec = _write(
        tmp_path,
        "board.json",
        json.dumps(
            {
                "input": {"path": ["a.csv", "b.csv"]},
                "rules": ["borda"],
                "bootstrap": {"resamples": 0},
                "output": {"format": "json", "path": "out/board.json"},
            }
        ),
    )
    (tmp_path / "out").mkdir()
    code, out, _ = run_cli(capsys, "run", spec)
    assert code == 0 and out == ""
    got = json.loads((tmp_path / "out" / "board.json").read_text())
    ref = rankagg.aggregate(rankagg.load_example("toy"), rule="borda")
    assert [r["system"] for r in got["board"]] == ref.ranking and got["bootstrap"] is None
    assert sorted(got["tasks"]) == sorted(["qa", "nli", "summarization", "translation", "code"])


def test_run_errors_are_one_line(capsys, tmp_path):
    spec = _write(tmp_path, "bad.toml", '[input]\nexample = "toy"\n[tasks.qa]\ndirection = "up"\n')
    code, out, err = run_cli(capsys, "run", spec)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "tasks.qa.direction: expected 'higher' or 'lower', got 'up'" in err and str(spec) in err
    code, _, err = run_cli(capsys, "run", _write(tmp_path, "bad2.toml", "[input\n"))
    assert code == 2 and "not valid TOML" in err and err.count("\n") == 1
    code, _, err = run_cli(capsys, "run", _write(tmp_path, "s.ini", "x"))
    assert code == 2 and ".toml, .json or .yaml" in err
    code, _, err = run_cli(capsys, "run", _write(tmp_path, "m.toml", '[input]\npath = "nowhere.csv"\n'))
    assert code == 2 and "nowhere.csv" in err and err.count("\n") == 1


def test_yaml_needs_pyyaml_or_reads_it(capsys, tmp_path):
    spec = _write(tmp_path, "b.yaml", "input:\n  example: toy\nrules: [borda]\nbootstrap:\n  resamples: 0\n")
    try:
        import yaml  # noqa: F401
    except ImportError:
        with pytest.raises(SpecError, match="pyyaml"):
            load_spec(spec)
    else:
        assert load_spec(spec).rules == ["borda"]


def test_shipped_example_spec_runs(capsys):
    code, out, _ = run_cli(capsys, "run", ROOT / "examples" / "leaderboard.toml")
    assert code == 0 and "Toy leaderboard" in out and "kemeny_rank_low" in out


def test_readme_example_spec_runs(capsys, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Auditing a leaderboard") :]
    toml = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    spec = _write(tmp_path, "leaderboard.toml", toml)
    code, out, _ = run_cli(capsys, "run", spec)
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| system")]
    # the toy example's mean with qa weighted twice puts Wren first; Borda, Copeland and Kemeny put Osprey first
    assert rows[0].startswith("| Wren | 1 |")
    assert re.match(r"\| Osprey \| 2 \| [\d.]+ \| 1 \| 1 \| 1 \|", rows[1])


def test_run_builds_the_leaderboard_page_in_the_spec_order(capsys, tmp_path):
    # format = "html": the page of `rankagg report`, rows in the order of the spec's reference (here borda), its
    # intervals those of the same bootstrap, the spec named in the footer; without a path it is a one-line error
    example_frame("toy").to_csv(tmp_path / "toy.csv", index=False)
    body = (
        'rules = ["mean", "borda"]\nreference = "borda"\n[input]\npath = "toy.csv"\n'
        '[bootstrap]\nresamples = 200\nseed = 3\n[output]\nformat = "html"\n'
    )
    spec = _write(tmp_path, "board.toml", body + 'path = "board.html"\n')
    code, out, err = run_cli(capsys, "run", spec)
    assert code == 0 and out == "" and "wrote the leaderboard page" in err
    page = (tmp_path / "board.html").read_text()
    t = rankagg.read_table(tmp_path / "toy.csv")
    order = rankagg.aggregate(t, rule="borda").ranking
    rows = re.findall(r"<tr[^>]*>\s*<td[^>]*>[^<]*</td>\s*<t[hd][^>]*>([^<]+)</t[hd]>", page)
    assert rows[: len(order)] == order
    assert f"rankagg run {spec}" in page
    code, _, err = run_cli(capsys, "run", _write(tmp_path, "nopath.toml", body))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "-o board.html" in err
