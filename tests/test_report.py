"""``rankagg.report`` and ``rankagg report``: the leaderboard page and its Markdown.

Facts checked: the leaderboard's mean and mean rank are those computed by hand from the score file (pandas), its
intervals and P(top 1) those of :func:`rankagg.bootstrap` on the same seed; the disagreements are the lines
``rankagg compare`` prints; the footer's SHA-256 is the file's and its command makes the same report again; user
strings are escaped; the page asks for nothing from the network; on the 1,192-system Open LLM Leaderboard the page
holds every system and stays under 5 MB.
"""

from __future__ import annotations

import hashlib
import html
import re
import shlex
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rankagg
from rankagg.report import report
from tests.helpers import run_cli

TOY = "rankagg/datasets/examples/toy.csv"


class _Page(HTMLParser):
    """Collects tags, attributes and the text of table cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: dict[str, list[list[str]]] = {}
        self._table: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self._table.append(a.get("id") or f"table{len(self.rows)}")
            self.rows.setdefault(self._table[-1], [])
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows[self._table[-1]].append(self._row)
            self._row = None
        elif tag == "table" and self._table:
            self._table.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(text: str) -> _Page:
    p = _Page()
    p.feed(text)
    return p


@pytest.fixture(scope="module")
def toy_report():
    return report(rankagg.load_example("toy"), rule="borda", n_resamples=300, rng=5, figures=False)


def test_leaderboard_against_the_file_by_hand(toy_report):
    wide = pd.read_csv(TOY).pivot(index="system", columns="task", values="score")
    board = toy_report.to_frame().set_index("system")
    # the mean of the raw scores, and the mean of the per-task ranks (1 = best, ties averaged)
    assert np.allclose(board["mean"], wide.mean(axis=1).loc[board.index])
    per_task = wide.rank(ascending=False, method="average")
    assert np.allclose(board["mean_rank"], per_task.mean(axis=1).loc[board.index])
    for task in wide.columns:  # the raw scores, untouched
        assert np.allclose(board[task], wide[task].loc[board.index])
    # rows best first under the rule, and the interval / P(top 1) of the bootstrap on the same seed
    assert list(board["rank"]) == sorted(board["rank"])
    boot = rankagg.bootstrap(rankagg.load_example("toy"), "borda", n_resamples=300, rng=5).to_frame()
    boot = boot.set_index("system").loc[board.index]
    assert (board["rank_low"] == boot["rank_low"]).all() and (board["rank_high"] == boot["rank_high"]).all()
    assert np.allclose(board["p_top1"], boot["p_top1"])


def test_html_tables_rows_and_disagreements_match_compare(capsys, toy_report):
    page = _parse(toy_report.to_html())
    rows = page.rows["leaderboard-table"]
    assert len(rows) == 1 + 6  # the header and one row per system
    assert [r[1] for r in rows[1:]] == list(toy_report.to_frame()["system"])
    # the pairs in words are the lines `rankagg compare` prints for the same rules
    rules = ",".join(toy_report.comparison.rules)
    _, out, _ = run_cli(capsys, "compare", TOY, "--rules", rules, "--show", 100)
    said = [x.strip() for x in out.splitlines() if x.startswith("  mean puts")]
    listed = re.findall(r"<li>(.*?)</li>", toy_report.to_html().split('id="disagreements-list"')[1].split("</ol>")[0])
    assert [html.unescape(x) for x in listed] == said and said


def test_markdown_has_the_same_leaderboard(toy_report):
    md = toy_report.to_markdown()
    table = [x for x in md.splitlines() if x.startswith("| ")]
    systems = list(toy_report.to_frame()["system"])
    assert [x.split(" | ")[1] for x in table[1 : 1 + len(systems)]] == systems
    assert "- mean puts Wren above Osprey; borda, copeland, kemeny put Osprey above" in md


def test_page_asks_nothing_from_the_network(toy_report):
    text = toy_report.to_html()
    page = _parse(text)
    assert not re.search(r"https?://", text)
    assert not [a for t, a in page.tags if a.get("src") or (t == "link" and a.get("href"))]
    csp = [a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0].startswith("default-src 'none'")


@pytest.fixture
def odd(tmp_path):
    """Names with HTML in them, a lower-is-better task, a missing score."""
    names = ["<script>alert(1)</script>", "Beta & Co", 'Gamma "q"', "Delta", "Eps'ilon", "Zeta"]
    rng = np.random.default_rng(3)
    rows = [
        (s, t, float(np.round(rng.uniform(10, 90), 1)), hib)
        for s in names
        for t, hib in [("qa", True), ("nli", True), ("mt", True), ("latency <ms>", False), ("sum", True)]
        if not (s == "Delta" and t == "mt")
    ]
    p = tmp_path / "odd <&>.csv"
    pd.DataFrame(rows, columns=["system", "task", "score", "higher_is_better"]).to_csv(p, index=False)
    return p


def test_user_strings_are_escaped_and_the_footer_regenerates(capsys, odd, tmp_path):
    out = tmp_path / "r.html"
    code, _, err = run_cli(capsys, "report", odd, "--missing", "partial", "--rule", "copeland", "-B", 100, "-o", out)
    assert code == 0, err
    text = out.read_text()
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert text.count("<script>") == 1  # the page's own sorting script only
    page = _parse(text)
    assert "Beta & Co" in [r[1] for r in page.rows["leaderboard-table"][1:]]
    assert "latency <ms> \u2193" in page.rows["leaderboard-table"][0]  # the direction of every task is shown
    foot = {k: html.unescape(v) for k, v in re.findall(r"<dt>(.*?)</dt><dd><code>(.*?)</code></dd>", text)}
    assert foot["Input SHA-256"] == hashlib.sha256(odd.read_bytes()).hexdigest()
    assert foot["rankagg"] == rankagg.__version__
    # the footer's command, seed included, makes the same report
    argv = shlex.split(foot["Command"])
    assert argv[:2] == ["rankagg", "report"] and "--seed" in argv and foot["Seed"] == argv[argv.index("--seed") + 1]
    again = tmp_path / "again.html"
    argv[argv.index("--output") + 1] = str(again)
    code, _, err = run_cli(capsys, *argv[1:])
    assert code == 0, err
    assert again.read_text().replace(str(again), str(out)) == text


def test_figures_have_alt_text_and_unique_ids(toy_report):
    pytest.importorskip("matplotlib")
    rep = report(rankagg.load_example("toy"), rule="borda", n_resamples=100, rng=0)
    assert {"rank_intervals", "bump", "critical_difference"} <= {f.key for f in rep.figures}
    page = _parse(rep.to_html())
    svgs = [a for t, a in page.tags if t == "svg"]
    assert len(svgs) == len(rep.figures)
    assert all(a.get("role") == "img" and a.get("aria-label") for a in svgs)
    ids = [a["id"] for _, a in page.tags if a.get("id")]
    assert len(ids) == len(set(ids))  # figures inlined side by side share no id
    assert rep.to_html().count("<title>") == 1 + len(rep.figures)


def test_markdown_format_from_the_extension(capsys, tmp_path):
    out = tmp_path / "board.md"
    code, _, err = run_cli(capsys, "report", TOY, "--rule", "borda", "-B", 50, "--seed", 1, "-o", out)
    assert code == 0, err
    text = out.read_text()
    assert text.startswith("# Leaderboard: ") and "<svg" not in text


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--rule", "nope"], "unknown rule 'nope'"),
        (["--top", "-1"], "--top"),
        (["-B", "0"], "-B/--resamples"),
        (["--confidence", "1.5"], "--confidence"),
        (["--param", "rng=3"], "--seed"),
        (["-o", "/no/such/dir/r.html"], "--output"),
        (["--format", "pdf"], "--format"),
    ],
)
def test_bad_input_one_line(capsys, argv, says):
    code, out, err = run_cli(capsys, "report", TOY, "-B", 20, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err


def test_report_refuses_instance_and_battle_data():
    from rankagg.data.battles import pairwise_from_battles

    battles = pd.DataFrame({"model_a": ["x", "y"], "model_b": ["y", "z"], "winner": ["model_a", "model_b"]})
    with pytest.raises(rankagg.RankaggError, match="battle logs"):
        report(pairwise_from_battles(battles), figures=False)


def test_bootstrap_full_is_checked_and_changes_nothing():
    t = rankagg.load_example("toy")
    full = rankagg.aggregate(t, rule="borda")
    a = rankagg.bootstrap(t, "borda", n_resamples=200, rng=1)
    b = rankagg.bootstrap(t, "borda", n_resamples=200, rng=1, full=full)
    assert (a.ranks == b.ranks).all() and (a.full_ranks == b.full_ranks).all()
    with pytest.raises(rankagg.RankaggError, match="rule 'copeland'"):
        rankagg.bootstrap(t, "borda", n_resamples=10, rng=1, full=rankagg.aggregate(t, rule="copeland"))
    with pytest.raises(rankagg.RankaggError, match="atol"):
        rankagg.bootstrap(t, "borda", n_resamples=10, rng=1, atol=0.5, full=full)


@given(st.lists(st.integers(0, 12), min_size=1, max_size=25), st.sampled_from([0.0, 0.5, 1.0, 2.5, 6.0]))
def test_nemenyi_groups_one_pass_equals_the_definition(values, cd):
    """The one-pass groups of the Friedman result equal the maximal runs checked pair by pair."""
    from rankagg.uncertainty.stats import _groups, _threshold_groups

    v = np.asarray(values, dtype=float) / 2.0
    order = list(np.argsort(v, kind="stable"))
    same = np.abs(v[:, None] - v[None, :]) <= cd
    assert _threshold_groups(v, cd) == _groups(order, same)


def test_open_llm_1192_systems_page_under_5_mb(datasets_dir, tmp_path):
    """Every one of the 1,192 systems is a row; figures drawn with top=30; the page stays under 5 MB."""
    pytest.importorskip("matplotlib")
    path = datasets_dir / "open_llm_leaderboard_v1" / "snapshot_20230904.csv"
    table = rankagg.read_table(path)
    with pytest.warns(rankagg.BootstrapWarning):  # 4 tasks: the intervals understate the uncertainty
        rep = report(table, rule="borda", rules=["mean", "borda"], n_resamples=200, rng=0, input_file=path)
    text = rep.to_html()
    assert len(text.encode()) < 5 * 2**20
    page = _parse(text)
    assert len(page.rows["leaderboard-table"]) == 1 + 1192
    assert len(rep.figures) >= 5
    # the mean's winner on the real board, by hand from the file
    df = pd.read_csv(path).pivot(index="system", columns="task", values="score").mean(axis=1)
    assert rep.comparison.results["mean"].winners == (df.idxmax(),)


def test_figures_of_the_best_read_the_same_probabilities():
    """The P(above) figure of the best k reads a bootstrap cut to them: the same P(i above j), the same systems."""
    from rankagg.report.figures import _best

    boot = rankagg.bootstrap(rankagg.load_example("toy"), "borda", n_resamples=200, rng=2)
    cut = _best(boot, 3)
    best = list(boot.to_frame()["system"][:3])
    assert sorted(cut.systems) == sorted(best)
    assert np.array_equal(cut.prob_above().to_numpy(), boot.prob_above().loc[cut.systems, cut.systems].to_numpy())
    assert list(cut.to_frame()["system"]) == best


def test_alpaca_eval_instance_level_is_summarised_by_task_means(capsys, datasets_dir, tmp_path):
    """An instance-level file: each task's score is the mean of its instances (pandas, from the file)."""
    path = datasets_dir / "alpaca_eval" / "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz"
    out = tmp_path / "alpaca.md"
    argv = ["report", path, "--missing", "drop_systems", "--rule", "borda", "-B", 100, "--seed", 0, "-o", out]
    code, _, err = run_cli(capsys, *argv)
    assert code == 0, err
    text = out.read_text()
    assert "each task column's score is the mean of its instances" in text
    df = pd.read_csv(path, dtype={"instance": str})
    n = df.groupby("system")["score"].count()  # a missing score is a missing row or an empty cell
    df = df[df["system"].isin(n[n == n.max()].index)]  # --missing drop_systems
    means = df.groupby(["system", "task"])["score"].mean().unstack()
    board = text.split("## Leaderboard")[1].split("\n## ")[0]
    unescape = lambda x: re.sub(r"\\(.)", r"\1", x)  # Markdown's escapes (helpful\_base)  # noqa: E731
    rows = [[unescape(c) for c in x.split(" | ")] for x in board.splitlines() if x.startswith("| ")]
    head = [h.strip("| ") for h in rows[0]]
    body = {r[1]: r for r in rows[1:]}  # (the alignment line starts "|:")
    assert len(body) == len(means) == 52
    col = head.index("helpful_base \u2191")
    for system in ("gpt4_1106_preview", "NullModel"):
        assert float(body[system][col].strip("| ")) == pytest.approx(means.loc[system, "helpful_base"], abs=5e-4)


def test_a_ranking_not_proven_optimal_is_said_so_with_its_certificate(toy_report):
    """A Kemeny order the solver could not prove (here a heuristic's, on a table with many 3-cycles) is stated
    as such in the notes, with the score, the certified bound and the gap of the result; a proven one is not."""
    rng = np.random.default_rng(4)
    scores = pd.DataFrame(rng.random((25, 15)), index=[f"s{i}" for i in range(25)])
    table = rankagg.ScoreTable.from_wide(scores, systems_in="rows", higher_is_better=True)
    rep = report(table, params={"method": "local_search"}, n_resamples=5, figures=False, rng=0)
    d = rep.comparison.results["kemeny"].diagnostics
    assert not d["optimal"] and d["gap"] > 0
    said = [n for n in rep.notes if "not proven optimal" in n]
    assert len(said) == 1
    assert f"its score is {d['kemeny_score']:g}" in said[0] and f"lower bound {d['lower_bound']:g}" in said[0]
    assert "local_search heuristic" in said[0] and "method=exact" in said[0]  # the fix for a heuristic's order
    assert "not proven optimal" in rep.to_html() and "not proven optimal" in rep.to_markdown()
    # the exact path stopped by its time limit (1 ms: the first LP of 60 systems alone takes tens of ms)
    wide = pd.DataFrame(rng.random((60, 40)), index=[f"s{i}" for i in range(60)])
    hard = rankagg.ScoreTable.from_wide(wide, systems_in="rows", higher_is_better=True)
    timed = report(hard, params={"time_limit": 0.001}, n_resamples=3, figures=False, rng=0)
    assert not timed.comparison.results["kemeny"].diagnostics["optimal"]
    assert any("within its time limit" in n and "time_limit=SECONDS" in n for n in timed.notes)
    assert toy_report.comparison.results["kemeny"].diagnostics["optimal"]
    assert not [n for n in toy_report.notes if "not proven optimal" in n]
