"""Tables for papers: ``--format latex`` (booktabs) and ``--format markdown`` on rank, compare and bootstrap.

Facts checked: LaTeX's special characters never reach a cell unescaped (any text); every row has as many cells
as the header; tied ranks are marked on the systems that share a rank (a hand-made tie); the rank intervals of
the LaTeX table are those of ``--format csv`` of the same run; the head-to-head record of the toy board's
disagreements is the one counted by hand from its scores.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rankagg._format import latex_escape, mark_ties, rank_interval_text, render_latex
from tests.helpers import run_cli

TOY = "rankagg/datasets/examples/toy.csv"
SPECIAL = set("\\&%$#_{}~^<>")
ESCAPES = {
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textless{}": "<",
    r"\textgreater{}": ">",
    r"\&": "&",
    r"\%": "%",
    r"\$": "$",
    r"\#": "#",
    r"\_": "_",
    r"\{": "{",
    r"\}": "}",
    "{}": "",  # an empty group prints nothing (it only parts two hyphens)
}
_TOKEN = re.compile("|".join(re.escape(e) for e in ESCAPES) + "|(.)", re.S)


def _read_latex(text: str) -> str:
    """What LaTeX prints for an escaped text (the escapes read back, left to right)."""
    return "".join(m.group(1) if m.group(1) is not None else ESCAPES[m.group(0)] for m in _TOKEN.finditer(text))


@given(st.text(max_size=40))
def test_latex_escape_leaves_no_special_character_bare(text):
    out = latex_escape(text)
    bare = re.sub("|".join(re.escape(e) for e in ESCAPES), "", out)
    assert not (set(bare) & SPECIAL)  # every special character is inside an escape
    assert "--" not in out  # a double hyphen would print as an en dash
    assert _read_latex(out) == text  # and the name LaTeX prints is the name


def _cells(line: str) -> list[str]:
    """Cells of a tabular row: split on the ampersands that are not escaped."""
    return re.split(r"(?<!\\)&", line.removesuffix(r"\\").strip())


def test_render_latex_is_booktabs_with_one_cell_per_column():
    df = pd.DataFrame({"system": ["A & B", "50% C_1", "{D}"], "rank": [1, 2, 3], "score": [0.5, 0.25, 0.125]})
    lines = render_latex(df).splitlines()
    assert lines[0] == r"% requires \usepackage{booktabs}"
    assert lines[1] == r"\begin{tabular}{lrr}"  # text left, numbers right
    body = lines[lines.index(r"\midrule") + 1 : lines.index(r"\bottomrule")]
    assert lines.index(r"\toprule") < lines.index(r"\midrule") < lines.index(r"\bottomrule")
    assert [len(_cells(x)) for x in body] == [3, 3, 3]
    assert [_cells(x)[0].strip() for x in body] == [r"A \& B", r"50\% C\_1", r"\{D\}"]


def test_mark_ties_and_intervals_by_hand():
    assert mark_ties([1, 1, 3, 4, 4, 4]) == ["1=", "1=", "3", "4=", "4=", "4="]
    assert rank_interval_text([1, 3], [2, 3], dash="--") == ["1--2", "3"]


@pytest.fixture
def tied(tmp_path):
    """A and B each win one task against the other and both beat C on both: Borda ties A and B at rank 1."""
    p = tmp_path / "tied.csv"
    rows = [
        ("A_1", "x", 3.0),
        ("A_1", "y", 1.0),
        ("B&B", "x", 1.0),
        ("B&B", "y", 3.0),
        ("C", "x", 0.0),
        ("C", "y", 0.0),
    ]
    pd.DataFrame(rows, columns=["system", "task", "score"]).assign(higher_is_better=True).to_csv(p, index=False)
    return p


def _body(text: str, start: int = 0) -> list[list[str]]:
    lines = text.splitlines()
    mid = lines.index(r"\midrule", start)
    end = lines.index(r"\bottomrule", mid)
    return [[c.strip() for c in _cells(x)] for x in lines[mid + 1 : end]]


def test_rank_latex_marks_the_tie_and_escapes_names(capsys, tied):
    code, out, err = run_cli(capsys, "rank", tied, "--rule", "borda", "--format", "latex")
    assert code == 0, err
    rows = _body(out)
    assert rows == [[r"A\_1", "1=", "1.5"], [r"B\&B", "1=", "1.5"], ["C", "3", "3"]]
    assert r"$=$: tied with another system" in out
    assert "% Rule: borda (score = mean rank, lower is better)" in out  # what was ranked, as LaTeX comments


def test_rank_latex_without_ties_has_no_tie_note(capsys):
    code, out, _ = run_cli(capsys, "rank", TOY, "--rule", "borda", "--format", "latex")
    assert code == 0
    assert "=" not in "".join(r[1] for r in _body(out)) and "tied with another" not in out


def test_bootstrap_latex_intervals_are_those_of_the_csv(capsys):
    args = ("bootstrap", TOY, "--rule", "borda", "-B", 300, "--seed", 4)
    _, csv, _ = run_cli(capsys, *args, "--format", "csv")
    code, tex, _ = run_cli(capsys, *args, "--format", "latex")
    assert code == 0
    df = pd.read_csv(pd.io.common.StringIO(csv))
    want = [
        [s, str(r), f"{lo}--{hi}" if lo != hi else str(lo)]
        for s, r, lo, hi in zip(df["system"], df["rank"], df["rank_low"], df["rank_high"])
    ]
    assert [row[:3] for row in _body(tex)] == want
    assert r"95\% interval" in tex and "P(top 3)" in tex


def test_compare_latex_ranks_and_head_to_head(capsys):
    code, tex, _ = run_cli(capsys, "compare", TOY, "--rules", "mean,borda", "--format", "latex")
    assert code == 0
    ranks = _body(tex)
    assert ranks[0] == ["Wren", "1", "5"]  # the mean's winner is Borda's fifth
    # third table: the disagreements; Wren beats Osprey on code only (58.3 vs 31.0) and loses the other 4 tasks
    lines = tex.splitlines()
    third = [i for i, x in enumerate(lines) if x.startswith(r"\begin{tabular}")][2]
    dis = _body(tex, third)
    assert dis[0] == ["Wren", "Osprey", "Borda", "1/4/0"]
    toy = pd.read_csv(TOY).pivot(index="system", columns="task", values="score")
    assert int((toy.loc["Wren"] > toy.loc["Osprey"]).sum()) == 1


def test_compare_markdown_lists_the_pairs(capsys):
    code, md, _ = run_cli(capsys, "compare", TOY, "--rules", "mean,borda", "--format", "markdown")
    assert code == 0
    items = [x for x in md.splitlines() if x.startswith("- mean puts")]
    assert items[0] == "- mean puts Wren above Osprey; borda put Osprey above: Osprey wins 4 of 5 tasks against Wren"
    assert len(items) == 4  # Wren above the four systems Borda puts above it


def test_bootstrap_markdown_groups_are_a_list(capsys):
    code, md, _ = run_cli(capsys, "bootstrap", TOY, "-B", 200, "--seed", 0, "--format", "markdown")
    assert code == 0
    assert "- Osprey = Heron" in md.splitlines()


@pytest.mark.parametrize("command", ["rules", "stats"])
def test_latex_is_refused_where_it_is_not_offered(capsys, command):
    argv = [command] if command == "rules" else [command, TOY]
    code, out, err = run_cli(capsys, *argv, "--format", "latex")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--format" in err and "'latex'" in err


def test_latex_says_when_names_need_xelatex():
    """pdflatex stops at a CJK name (checked by hand with TeX Live: "Unicode character ... not set up")."""
    latin = render_latex(pd.DataFrame({"system": ["Müller-Łódź"], "rank": [1]}))
    cjk = render_latex(pd.DataFrame({"system": ["\u5ed6\u4ebf"], "rank": [1]}))
    assert "xelatex" not in latin and "% some names are in scripts beyond Latin: compile with xelatex" in cjk


def test_latex_tables_compile_with_pdflatex(capsys, tied, tmp_path):
    """The three commands' LaTeX, names full of special characters, compiles (skipped without TeX Live)."""
    import shutil
    import subprocess

    if shutil.which("pdflatex") is None or shutil.which("kpsewhich") is None:
        pytest.skip("pdflatex not found (apt-get install texlive-latex-recommended)")
    if not subprocess.run(["kpsewhich", "booktabs.sty"], capture_output=True, text=True).stdout.strip():
        pytest.skip("booktabs.sty not found (apt-get install texlive-latex-recommended)")
    odd = tmp_path / "odd.csv"
    names = ["A_1 & B", "50% {x}", "#3 ~y^2", "back\\slash", "model--v2", "<tag> $5"]
    rows = [(s, t, float(i * 7 % 5 + j)) for i, s in enumerate(names) for j, t in enumerate(["u_1", "v%", "w"])]
    pd.DataFrame(rows, columns=["system", "task", "score"]).assign(higher_is_better=True).to_csv(odd, index=False)
    parts = []
    for argv in (["rank", odd, "--rule", "borda"], ["compare", odd], ["bootstrap", odd, "-B", 50, "--seed", 0]):
        code, out, err = run_cli(capsys, *argv, "--format", "latex")
        assert code == 0, err
        parts.append(out)
    (tmp_path / "body.tex").write_text("\n".join(parts), encoding="utf-8")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{booktabs}"
        "\\begin{document}\\input{body}\\end{document}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]  # an unescaped & or % breaks the rows: "Extra alignment tab"
    if shutil.which("pdftotext"):  # and the names print as they are
        text = subprocess.run(["pdftotext", "doc.pdf", "-"], cwd=tmp_path, capture_output=True, text=True).stdout
        for name in ("A_1 & B", "50% {x}", "model--v2", "<tag> $5", "back\\slash"):
            assert name in text
