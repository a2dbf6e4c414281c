"""The HTML report in a real headless browser: the operating system's Chromium driven by Playwright.

The page is opened from disk (file://) as a user would: no console error, no request but the file itself; one
table row per system; clicking a column header re-orders the rows by that column's values in the data (missing
values last either way); each figure paints more than one colour; the table has a caption and header cells and
every figure a text alternative.

Skipped without /usr/bin/chromium or the playwright package (`apt-get install chromium`, `pip install playwright`;
never `playwright install`, which downloads a browser).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import rankagg
from rankagg.report import report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW = "install the browser and its driver: `apt-get install chromium` and `pip install playwright`"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: {HOW}")
    sync_api = pytest.importorskip("playwright.sync_api", reason=f"playwright is not installed: {HOW}")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """A report on 8 systems whose names hold HTML, with a lower-is-better task and one missing score."""
    pytest.importorskip("matplotlib")
    names = ["Alpha <b>", "Beta & Co", 'Gamma "q"', "Delta", "Eps'ilon", "Zeta", "Eta", "Theta"]
    rng = np.random.default_rng(3)
    rows = [
        (s, t, float(np.round(rng.uniform(10, 90), 1)), hib)
        for s in names
        for t, hib in [("qa", True), ("nli", True), ("sum", True), ("mt", True), ("latency", False)]
        if not (s == "Delta" and t == "mt")
    ]
    df = pd.DataFrame(rows, columns=["system", "task", "score", "higher_is_better"])
    table = rankagg.ScoreTable.from_long(df, missing="partial")
    rep = report(table, rule="copeland", n_resamples=200, rng=0, source="odd names")
    path = tmp_path_factory.mktemp("report") / "report.html"
    rep.save(path)
    return rep, path


@pytest.fixture
def page(browser, board):
    rep, path = board
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    seen: dict[str, list[str]] = {"errors": [], "requests": []}
    pg.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: seen["errors"].append(str(e)))
    pg.on("request", lambda r: seen["requests"].append(r.url))
    pg.goto(path.as_uri())
    pg.wait_for_load_state("load")
    yield pg, rep, path, seen
    context.close()


def _systems(pg) -> list[str]:
    return pg.eval_on_selector_all("#leaderboard-table tbody tr", "rows => rows.map(r => r.cells[1].textContent)")


def _sort(pg, label: str) -> str:
    th = pg.locator("#leaderboard-table thead th", has_text=label)
    th.locator("button").click()
    return th.get_attribute("aria-sort")


def test_loads_from_disk_with_no_console_error_and_no_network(page):
    pg, _, path, seen = page
    assert seen["errors"] == []
    assert seen["requests"] == [path.as_uri()]
    assert pg.title() == "Leaderboard report: odd names"


def test_one_row_per_system_in_the_rule_order(page):
    pg, rep, _, _ = page
    assert _systems(pg) == list(rep.to_frame()["system"])  # names with <, & and quotes shown as they are
    assert pg.locator("#leaderboard-table tbody tr").count() == rep.table.n_systems == 8


def test_clicking_a_header_sorts_by_the_data(page):
    pg, rep, _, _ = page
    data = rep.to_frame().set_index("system")
    assert _sort(pg, "Mean rank") == "ascending"
    shown = [data.loc[s, "mean_rank"] for s in _systems(pg)]
    assert shown == sorted(shown) and _systems(pg) != list(data.index)
    assert _sort(pg, "Mean rank") == "descending"
    assert [data.loc[s, "mean_rank"] for s in _systems(pg)] == sorted(shown, reverse=True)
    # the rank header lost its sort state
    assert pg.locator("#leaderboard-table thead th", has_text="Rank").first.get_attribute("aria-sort") == "none"
    # a task with a missing score: numbers in order, the missing one last, both ways
    for direction in ("ascending", "descending"):
        assert _sort(pg, "mt") == direction
        names = _systems(pg)
        values = [data.loc[s, "mt"] for s in names]
        assert names[-1] == "Delta" and np.isnan(values[-1])
        assert values[:-1] == sorted(values[:-1], reverse=direction == "descending")


def test_figures_render(page):
    from PIL import Image

    pg, rep, _, _ = page
    figs = pg.locator("figure.figure svg")
    assert figs.count() == len(rep.figures) >= 4
    for i in range(figs.count()):
        shot = Image.open(io.BytesIO(figs.nth(i).screenshot())).convert("RGB")
        assert shot.width > 50 and shot.height > 50
        assert len(shot.getcolors(maxcolors=1 << 20) or []) > 1  # not blank


def test_table_and_figures_are_accessible(page):
    pg, rep, _, _ = page
    caption = pg.locator("#leaderboard-table caption").inner_text()
    assert caption.startswith("Leaderboard under copeland: 8 systems")
    n_cols = 7 + rep.table.n_columns
    assert pg.locator("#leaderboard-table thead th[scope=col]").count() == n_cols
    assert pg.locator("#leaderboard-table tbody th[scope=row]").count() == 8
    for svg in pg.locator("figure svg").all():
        assert svg.get_attribute("role") == "img"
        label = svg.get_attribute("aria-label")
        assert label and svg.locator("title").first.text_content() == label
