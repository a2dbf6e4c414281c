"""Every notebook runs top to bottom, and every number its text states is the number it computes.

A notebook (``notebooks/*.py``, jupytext percent format) states its figures in bold in its markdown cells
(``**12**``) and records each with ``_stated.state`` in the order the text states them; run with
``RANKAGG_NOTEBOOK_OUT`` set, it writes them to ``<out>/<name>.json``. The test runs each notebook in a
subprocess (headless matplotlib) and requires the bold figures of its text, in order, to be exactly the
recorded ones, and no other number in its text (settings go in backticks; years of references are allowed). So a
notebook whose story stops being true fails here. The notebooks read ``../shared/datasets`` and skip without it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
BOLD = re.compile(r"\*\*(.+?)\*\*")
CODE = re.compile(r"`[^`]*`")
LINK_URL = re.compile(r"\]\([^)]*\)")
YEAR = re.compile(r"\b(19|20)\d\d[a-z]?\b")
#: Names that contain digits (a benchmark's version, a metric's order, a model scale), not figures.
NAME = re.compile(r"AlpacaEval \d\.\d|\b(JS|ROUGE)-\d\b|\bv\d\b|\btop-1\b|\b\d+[BM]\b")
DIGIT = re.compile(r"\d")


def markdown_cells(source: str) -> list[str]:
    """The text of the ``# %% [markdown]`` cells, without the comment prefix."""
    cells, cur = [], None
    for line in source.splitlines():
        if line.startswith("# %%"):
            if cur is not None:
                cells.append("\n".join(cur))
            cur = [] if "[markdown]" in line else None
        elif cur is not None:
            cur.append(line[2:] if line.startswith("# ") else line.lstrip("#"))
    if cur is not None:
        cells.append("\n".join(cur))
    return cells


def stated_in_text(source: str) -> tuple[list[str], list[str]]:
    """(the bold figures in order, the stray numbers outside bold and code spans)."""
    bold, stray = [], []
    for cell in markdown_cells(source):
        cell = LINK_URL.sub("]()", CODE.sub("", cell))
        bold += BOLD.findall(cell)
        rest = NAME.sub("", YEAR.sub("", BOLD.sub("", cell)))
        stray += [line.strip() for line in rest.splitlines() if DIGIT.search(line) and not line.startswith("#")]
    return bold, stray


def test_the_text_convention_is_read_as_intended():
    src = "# %% [markdown]\n# Kemeny and the mean disagree on **12** of **91** pairs (`B=200`, 2022).\n# %%\nx = 3\n"
    assert stated_in_text(src) == (["12", "91"], [])
    assert stated_in_text("# %% [markdown]\n# 12 of **91**\n")[1] == ["12 of"]


def test_every_notebook_is_found():
    names = {p.stem for p in NOTEBOOKS}
    assert {"01_quickstart", "02_best_systems", "03_instance_level", "04_uncertainty", "05_training_data"} <= names
    assert "06_paper_figures" in names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_states_what_it_computes(notebook, datasets_dir, tmp_path):
    if "import rankagg.plot" in notebook.read_text() and importlib.util.find_spec("rankagg.plot") is None:
        pytest.skip(f"{notebook.name} draws with rankagg.plot, which is not in this tree (branch plot not merged)")
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "RANKAGG_NOTEBOOK_OUT": str(tmp_path),
        "RANKAGG_DATASETS": str(datasets_dir),
    }
    proc = subprocess.run(
        [sys.executable, str(notebook)], cwd=notebook.parent, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"{notebook.name} failed:\n{proc.stderr[-3000:]}"
    recorded = [text for _, text in json.loads((tmp_path / f"{notebook.stem}.json").read_text())]
    bold, stray = stated_in_text(notebook.read_text())
    assert not stray, f"{notebook.name}: numbers in the text that nothing checks (bold them and state() them): {stray}"
    assert bold == recorded, f"{notebook.name}: the text states {bold}, the notebook computes {recorded}"
