"""``rankagg plot KIND FILE -o fig``: the files written, and one-line errors naming the fix."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import rankagg
from rankagg.datasets import example_frame
from rankagg.uncertainty.stats import friedman_nemenyi
from tests.helpers import run_cli


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture()
def toy_csv(tmp_path):
    path = tmp_path / "toy.csv"
    example_frame("toy").to_csv(path, index=False)
    return path


def _svg_texts(path) -> list[str]:
    """The text elements of an SVG written with svg.fonttype 'none' (text kept as text)."""
    return re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("ext", "magic"), [("pdf", b"%PDF"), ("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_writes_the_format_of_the_extension(capsys, toy_csv, tmp_path, ext, magic):
    out = tmp_path / f"fig.{ext}"
    code, stdout, err = run_cli(capsys, "plot", "rank_intervals", toy_csv, "--seed", "0", "-B", "50", "-o", out)
    assert code == 0, err
    assert out.read_bytes()[:5].startswith(magic)
    assert stdout == "" and f"wrote {out}" in err


def test_svg_keeps_the_system_names_as_text_in_rank_order(capsys, toy_csv, tmp_path):
    out = tmp_path / "cd.svg"
    code, _, err = run_cli(capsys, "plot", "critical-difference", toy_csv, "-o", out)
    assert code == 0, err
    texts = _svg_texts(out)
    order = list(friedman_nemenyi(rankagg.load_example("toy")).mean_ranks.index)
    assert set(order) <= set(texts)
    assert any(t.startswith("CD = 3.37") for t in texts)


def test_top_keeps_the_best_systems(capsys, toy_csv, tmp_path):
    out = tmp_path / "tr.svg"
    code, _, err = run_cli(capsys, "plot", "task_ranks", toy_csv, "--rule", "borda", "--top", "2", "-o", out)
    assert code == 0, err
    best = rankagg.aggregate(rankagg.load_example("toy"), rule="borda").ranking
    texts = set(_svg_texts(out))
    assert set(best[:2]) <= texts and not set(best[2:]) & texts


def test_size_one_and_two_columns(capsys, toy_csv, tmp_path):
    from PIL import Image

    widths = {}
    for size in ("one", "two"):
        out = tmp_path / f"{size}.png"
        code, _, err = run_cli(capsys, "plot", "task_ranks", toy_csv, "--rule", "borda", "--size", size, "-o", out)
        assert code == 0, err
        widths[size] = Image.open(out).size[0] / 300  # savefig at 300 dpi, tight bounding box
    assert widths["one"] <= 3.3 + 0.05 and 5.0 < widths["two"] <= 6.9 + 0.05


@pytest.mark.parametrize(
    ("argv", "fix"),
    [
        (["plot", "rank_interval", "{f}", "-o", "{d}/x.pdf"], "use one of critical_difference, rank_intervals"),
        (["plot", "bump", "{f}", "-o", "{d}/x.docx"], "matplotlib cannot write .docx files; use one of"),
        (["plot", "bump", "{f}", "-o", "{d}/x"], "give the file an extension that says the format"),
        (["plot", "bump", "{f}", "-o", "{d}/missing/x.pdf"], "does not exist; create it"),
        (["plot", "bump", "{f}", "--top", "0", "-o", "{d}/x.pdf"], "--top 0: give a positive number"),
        (["plot", "task_ranks", "{f}", "--rule", "bord", "-o", "{d}/x.pdf"], "bord"),
    ],
)
def test_errors_are_one_line_with_the_fix(capsys, toy_csv, tmp_path, argv, fix):
    argv = [a.format(f=toy_csv, d=tmp_path) for a in argv]
    code, stdout, err = run_cli(capsys, *argv)
    assert code == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("rankagg: error: ") and "Traceback" not in err
    assert fix in err


def test_unknown_kind_suggests_the_closest(capsys, toy_csv, tmp_path):
    _, _, err = run_cli(capsys, "plot", "rank_interval", toy_csv, "-o", tmp_path / "x.pdf")
    assert "Did you mean 'rank_intervals'?" in err


def test_glue_figure_from_the_command_line(capsys, datasets_dir, tmp_path):
    glue = datasets_dir / "glue_superglue_value" / "glue.csv"
    out = tmp_path / "cd.pdf"
    code, _, err = run_cli(
        capsys, "plot", "critical_difference", glue, "--missing", "drop_systems", "--top", "10", "-o", out
    )
    assert code == 0, err
    assert "dropped 3 systems with missing scores" in err  # what was dropped is said, not silent
    assert out.read_bytes()[:4] == b"%PDF"


def test_battle_log_draws_pairwise_margins_and_refuses_task_figures(capsys, tmp_path):
    battles = tmp_path / "battles.csv"
    rows = ["model_a,model_b,winner"] + ["A,B,model_a"] * 3 + ["B,A,model_b"] + ["B,C,model_a"] * 2 + ["A,C,tie"]
    battles.write_text("\n".join(rows) + "\n")
    out = tmp_path / "pm.svg"
    code, _, err = run_cli(capsys, "plot", "pairwise_margins", battles, "-o", out)
    assert code == 0, err
    assert {"A", "B", "C"} <= set(_svg_texts(out))
    assert "4" in _svg_texts(out)  # A beat B in 4 battles (3 as model_a, 1 as model_b)
    code, _, err = run_cli(capsys, "plot", "task_ranks", battles, "-o", tmp_path / "tr.pdf")
    assert code == 2 and err.count("\n") == 1 and "a battle log has pairwise results only" in err


def test_instance_level_file_is_bootstrapped_over_its_instances(capsys, datasets_dir, tmp_path):
    path = datasets_dir / "alpaca_eval" / "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz"
    out = tmp_path / "ri.svg"
    argv = ["plot", "rank_intervals", path, "--missing", "drop_instances", "--rule", "mean", "--resample", "instances"]
    argv += ["-B", "50", "--seed", "0", "--top", "5"]
    code, _, err = run_cli(capsys, *argv, "-o", out)
    assert code == 0, err
    texts = _svg_texts(out)
    assert any("50 resamples of the instances" in t for t in texts)
    assert "NullModel" in texts  # the adversarial entry tops the mean of win probabilities (see PROVENANCE.md)
