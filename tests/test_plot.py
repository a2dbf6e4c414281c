"""rankagg.plot under the Agg backend, checked through the artists against facts computed independently.

Hand-made bootstrap results (known rank distributions), Demšar's table of Nemenyi critical values, head-to-head
counts from the raw scores, and the real GLUE, MTEB classic, Open LLM v1 and AlpacaEval 2.0 boards
(../shared/datasets; those tests skip without it).
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

import rankagg
import rankagg.plot as rp
from rankagg import RankaggError, ScoreTable
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.stats import friedman_nemenyi, wilcoxon_holm
from tests.helpers import pin

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def toy():
    return rankagg.load_example("toy")


def _boot(ranks: list[list[int]], systems=("A", "B", "C"), full=None) -> BootstrapResult:
    """A bootstrap result with the given ranks per resample (rows) and system (columns)."""
    r = np.array(ranks)
    full = np.array(full if full is not None else r[0])
    return BootstrapResult("borda", {}, "tasks", tuple(systems), full, r, np.ones((len(r), 2), int), 0.95, "raise")


def _line(ax, gid):
    return next(a for a in ax.lines if a.get_gid() == gid)


def _collection(ax, gid):
    return next(c for c in ax.collections if c.get_gid() == gid)


def _ytick_names(ax) -> list[str]:
    return [rp.full_name(t) for t in ax.get_yticklabels()]


# ------------------------------------------------------------------------------------------- lazy import
def test_import_rankagg_and_other_commands_do_not_load_matplotlib():
    code = (
        "import sys, rankagg, rankagg.plot\n"
        "assert 'matplotlib' not in sys.modules, 'import'\n"
        "from rankagg.cli import main\n"
        "try:\n    main(['rank', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'matplotlib' not in sys.modules, 'rank --help'\n"
        "assert main(['demo']) == 0 and 'matplotlib' not in sys.modules, 'demo'\n"
        "try:\n    main(['plot', '--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'matplotlib' not in sys.modules, 'plot --help'\n"
        "assert rankagg.plot.rank_intervals.__module__ == 'rankagg.plot._uncertainty'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr


def test_rankagg_plot_is_a_lazy_attribute():
    code = "import sys, rankagg\nassert 'rankagg.plot' not in sys.modules\nprint(rankagg.plot.ONE_COLUMN)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "3.3", out.stderr
    with pytest.raises(AttributeError, match="no attribute 'plots'"):
        _ = rankagg.plots


# ------------------------------------------------------------------------------------------- critical difference
def test_cd_bar_is_demsars_critical_difference_on_the_axis(toy):
    # Demšar (2006), Table 5(a): q_0.05 = 2.850 and q_0.10 = 2.589 for k = 6 systems; N = 5 tasks
    res = friedman_nemenyi(toy)
    for alpha, q in ((0.05, 2.850), (0.10, 2.589)):
        ax = rp.critical_difference(res, alpha=alpha)
        x = _line(ax, "cd-bar").get_xdata()
        assert x[1] - x[0] == pytest.approx(q * np.sqrt(6 * 7 / (6 * 5)), abs=2e-3)
        assert any(f"CD = {q * np.sqrt(1.4):.2f}" in t.get_text() for t in ax.texts)


def test_cd_cliques_are_the_maximal_runs_within_the_cd(toy):
    res = friedman_nemenyi(toy)
    r = res.mean_ranks
    ax = rp.critical_difference(res)
    segs = sorted((s[0][0], s[1][0]) for s in _collection(ax, "cliques").get_segments())
    # independently: runs of systems (by mean rank) whose extreme mean ranks are within CD, not inside another run
    v = r.to_numpy()
    runs = []
    for i in range(len(v)):
        j = max(j for j in range(i, len(v)) if v[j] - v[i] <= res.critical_difference)
        if j > i and not any(a <= i and j <= b for a, b in runs):
            runs.append((i, j))
    assert segs == sorted((v[i], v[j]) for i, j in runs)
    assert segs == sorted(zip(res.groups_frame()["low"], res.groups_frame()["high"], strict=True))
    # every system is labelled by its name, at the end of an elbow from its mean rank on the axis
    named = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    assert set(named) == set(toy.systems)
    elbows = [ln for ln in ax.lines if len(ln.get_xdata()) == 3]
    assert sorted(ln.get_xdata()[0] for ln in elbows) == pytest.approx(sorted(v))


def test_cd_wilcoxon_holm_cliques_are_the_tests_groups(toy):
    wil = wilcoxon_holm(toy)
    ax = rp.critical_difference(toy, cliques="wilcoxon-holm")
    r = friedman_nemenyi(toy).mean_ranks
    segs = sorted((s[0][0], s[1][0]) for s in _collection(ax, "cliques").get_segments())
    assert segs == sorted((r[g[0]], r[g[-1]]) for g in wil.groups)
    pair = rp.critical_difference((friedman_nemenyi(toy), wil), cliques="wilcoxon-holm")
    assert sorted(tuple(s[:, 0]) for s in _collection(pair, "cliques").get_segments()) == segs
    with pytest.raises(RankaggError, match=pin("cliques='wilcoxon-holm'", "pass the ScoreTable")):
        rp.critical_difference(friedman_nemenyi(toy), cliques="wilcoxon-holm")
    with pytest.raises(RankaggError, match="use 'nemenyi' or 'wilcoxon-holm'"):
        rp.critical_difference(toy, cliques="holm")


def test_cd_top_cuts_the_cliques_and_says_a_longer_cd_is_cut(toy):
    res = friedman_nemenyi(toy)
    ax = rp.critical_difference(res, top=3)
    named = [t.get_gid() for t in ax.texts if t.get_gid()]
    assert sorted(named) == sorted(res.mean_ranks.index[:3])
    # the axis of the three best runs from 1 to the ceiling of the third's mean rank (3.3): the CD (3.37) is longer
    # than that, so it is drawn to the axis end and its value written
    assert res.mean_ranks.iloc[2] == pytest.approx(3.3)
    x = _line(ax, "cd-bar-truncated").get_xdata()
    assert (x[0], x[1]) == (1.0, 4.0)
    assert any("CD = 3.37 (longer than the axis)" in t.get_text() for t in ax.texts)
    segs = [tuple(s[:, 0]) for s in _collection(ax, "cliques").get_segments()]
    assert segs == [(res.mean_ranks.iloc[0], res.mean_ranks.iloc[2])]


# ------------------------------------------------------------------------------------------- bootstrap figures
def test_rank_intervals_span_exactly_rank_low_to_rank_high():
    # A first in 60 of 100 resamples, second in 40: its 95% interval is 1..2; C always third
    ranks = [[1, 2, 3]] * 60 + [[2, 1, 3]] * 38 + [[1, 1, 3]] * 2
    boot = _boot(ranks, full=[1, 2, 3])
    ax = rp.rank_intervals(boot)
    segs = _collection(ax, "rank-intervals").get_segments()
    got = {_ytick_names(ax)[int(s[0][1])]: (s[0][0], s[1][0]) for s in segs}
    assert got == {"A": (1, 2), "B": (1, 2), "C": (3, 3)}
    assert _ytick_names(ax) == ["A", "B", "C"]  # by full-data rank
    assert list(_line(ax, "ranks").get_xdata()) == [1, 2, 3]
    p1 = [t.get_text() for t in ax.texts if t.get_gid() == "p_top1"]
    assert p1 == ["0.62", "0.40", "0.00"]  # ties at the top count for both (p_top ties="count")


def test_rank_intervals_on_a_real_bootstrap_match_the_result(toy):
    boot = rankagg.bootstrap(toy, "kemeny", n_resamples=300, rng=1)
    ax = rp.rank_intervals(boot, color="red")
    frame = boot.to_frame()
    lc = _collection(ax, "rank-intervals")
    segs = sorted(lc.get_segments(), key=lambda s: s[0][1])
    assert [(s[0][0], s[1][0]) for s in segs] == list(zip(frame["rank_low"], frame["rank_high"], strict=True))
    assert _ytick_names(ax) == list(frame["system"])
    assert tuple(lc.get_colors()[0][:3]) == (1.0, 0.0, 0.0)  # kwargs reach the main artist


def test_rank_probabilities_cells_are_the_bootstrap_probabilities():
    ranks = [[1, 2, 3]] * 3 + [[2, 1, 3]] + [[3, 1, 2]] * 4
    boot = _boot(ranks, full=[1, 2, 3])
    ax = rp.rank_probabilities(boot)
    arr = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(arr, [[3 / 8, 1 / 8, 4 / 8], [5 / 8, 3 / 8, 0], [0, 4 / 8, 4 / 8]])
    # top=2: ranks 1..2, the rest of each row summed in a last column; rows still sum to 1
    top = rp.rank_probabilities(boot, top=2)
    arr = np.asarray(top.images[0].get_array())
    np.testing.assert_allclose(arr, [[3 / 8, 1 / 8, 4 / 8], [5 / 8, 3 / 8, 0]])
    assert [t.get_text() for t in top.get_xticklabels()] == ["1", "2", ">2"]


def test_blob_areas_are_proportional_to_the_probabilities():
    ranks = [[1, 2, 3]] * 3 + [[2, 1, 3]] + [[3, 1, 2]] * 4
    boot = _boot(ranks, full=[1, 2, 3])
    ax = rp.rank_probabilities(boot, style="blob")
    sc = next(c for c in ax.collections if isinstance(c, PathCollection))
    xy = sc.get_offsets()
    sizes = sc.get_sizes()
    dist = boot.rank_distribution().to_numpy()
    p = np.array([dist[int(y), int(x)] for x, y in xy])
    assert (p > 0).all() and len(p) == int((dist > 0).sum())  # a disc for every nonzero cell, none for zero
    np.testing.assert_allclose(sizes / sizes.max(), p / p.max())
    with pytest.raises(RankaggError, match="use 'heatmap' or 'blob'"):
        rp.rank_probabilities(boot, style="blobs")


def test_prob_above_cells_and_blank_diagonal():
    ranks = [[1, 2, 3]] * 3 + [[2, 1, 3]] + [[1, 1, 3]] * 2  # A above B in 3 of 6, B above A in 1, tied in 2
    boot = _boot(ranks, full=[1, 2, 3])
    ax = rp.prob_above(boot)
    arr = ax.images[0].get_array()
    assert arr.mask.diagonal().all()
    assert arr[0, 1] == pytest.approx(3 / 6) and arr[1, 0] == pytest.approx(1 / 6)
    assert arr[0, 2] == 1.0 and arr[2, 0] == 0.0
    assert [rp.full_name(t) for t in ax.get_xticklabels()] == ["A", "B", "C"]
    top = rp.prob_above(boot, top=2).images[0].get_array()  # the pairs shown, counted on their own
    np.testing.assert_allclose(top.filled(np.nan), [[np.nan, 3 / 6], [1 / 6, np.nan]])


# ------------------------------------------------------------------------------------------- rules and tasks
def test_bump_y_values_are_the_compare_ranks_and_disagreements_are_coloured(toy):
    cmp = rankagg.compare(toy, ["mean", "borda", "copeland", "kemeny"])
    ax = rp.bump(cmp)
    lines = {ln.get_label(): ln for ln in ax.lines if not ln.get_label().startswith("_")}
    assert set(lines) == set(toy.systems)
    for s, ln in lines.items():
        assert list(ln.get_ydata()) == list(cmp.ranks.loc[s, list(cmp.rules)])
        assert list(ln.get_xdata()) == [0, 1, 2, 3]
    d = cmp.disagreements
    flagged = set(d["above_in_reference"]) | set(d["below_in_reference"])
    coloured = {s for s, ln in lines.items() if matplotlib.colors.to_hex(ln.get_color()) != "#bbbbbb"}
    assert coloured == flagged and flagged  # the toy's mean puts Wren first, every other rule does not
    plain = rp.bump(cmp, highlight=False)
    assert {matplotlib.colors.to_hex(ln.get_color()) for ln in plain.lines if ln.get_label()[0] != "_"} == {"#bbbbbb"}


def test_bump_top_keeps_systems_entering_the_top_under_any_rule(toy):
    cmp = rankagg.compare(toy, ["mean", "borda"])
    ax = rp.bump(cmp, top=1)
    names = {ln.get_label() for ln in ax.lines if not ln.get_label().startswith("_")}
    assert names == {"Wren", "Osprey"}  # the mean's winner and Borda's


def test_task_ranks_rows_in_consensus_order_and_missing_cells_not_drawn():
    scores = [[0.9, 0.8, np.nan], [0.7, 0.9, 0.6], [0.5, 0.4, 0.9], [0.2, 0.1, 0.3]]
    t = ScoreTable(
        scores, systems=["A", "B", "C", "D"], tasks=["x", "y", "z"], higher_is_better=True, missing="partial"
    )
    ax = rp.task_ranks(t, rule="copeland")
    order = rankagg.aggregate(t, rule="copeland").ranking
    assert _ytick_names(ax) == order
    im = ax.images[0]
    arr = im.get_array()
    a_row = order.index("A")
    assert arr.mask[a_row, 2] and int(arr.mask.sum()) == 1
    np.testing.assert_array_equal(arr.filled(np.nan)[order.index("C")], [3, 3, 1])
    # rendered: the missing cell shows the white background, every other cell a colour of the map
    fig = ax.figure
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    h = rgba.shape[0]

    def pixel(col, row):
        x, y = ax.transData.transform((col - 0.3, row - 0.3))  # off the cell's centre, clear of its number
        return tuple(rgba[int(h - y), int(x), :3])

    assert pixel(2, a_row) == (255, 255, 255)
    assert all(pixel(j, i) != (255, 255, 255) for i in range(4) for j in range(3) if (i, j) != (a_row, 2))
    # no number is written in the missing cell
    assert not [tx for tx in ax.texts if tx.get_position() == (2, a_row)]


def test_bump_tasks_lines_are_the_per_task_ranks_then_the_consensus(toy):
    ax = rp.bump_tasks(toy, rule="borda")
    res = rankagg.aggregate(toy, rule="borda")
    ranks = rankagg.rank_table(toy).to_frame()
    for ln in ax.lines:
        s = ln.get_label()
        if s.startswith("_"):
            continue
        assert list(ln.get_ydata()) == [*ranks.loc[s], res.rank_of(s)]
    assert [t.get_text() for t in ax.get_xticklabels()] == [*toy.labels, "borda"]


def test_agreement_cells_are_kendall_tau_between_the_rules(toy):
    cmp = rankagg.compare(toy, ["mean", "borda", "kemeny"])
    ax = rp.agreement(cmp)
    arr = np.asarray(ax.images[0].get_array())
    r = cmp.ranks
    for i, a in enumerate(cmp.rules):
        for j, b in enumerate(cmp.rules):
            assert arr[i, j] == pytest.approx(rankagg.kendall_tau_b(r[a], r[b]))


def test_pairwise_margins_count_the_tasks_each_system_wins_in_kemeny_order(toy):
    ax = rp.pairwise_margins(toy)
    order = list(rankagg.aggregate(toy, rule="kemeny").diagnostics["order"])
    assert _ytick_names(ax) == order
    x = toy.scores
    idx = {s: i for i, s in enumerate(toy.systems)}
    arr = ax.images[0].get_array()
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            if i == j:
                assert arr.mask[i, j]
                continue
            won = int((x[idx[a]] > x[idx[b]]).sum())
            lost = int((x[idx[a]] < x[idx[b]]).sum())
            assert arr[i, j] == pytest.approx((won - lost) / x.shape[1])
            assert any(t.get_text() == str(won) and t.get_position() == (j, i) for t in ax.texts)


def test_pairwise_margins_from_battles():
    from rankagg.data.battles import PairwiseProfile

    prof = PairwiseProfile(("A", "B", "C"), np.array([[0, 3, 4], [1, 0, 2], [0, 2, 0.0]]), np.zeros((3, 3)), 12.0)
    ax = rp.pairwise_margins(prof)
    assert _ytick_names(ax) == ["A", "B", "C"]
    assert ax.images[0].get_array()[0, 1] == pytest.approx((3 - 1) / 4)
    assert ax.images[0].get_array()[1, 2] == pytest.approx(0.0)


def test_perturbation_lines_are_the_mean_tau_with_a_band_over_draws(toy):
    df = rankagg.remove_tasks(toy, rules="mean,kemeny", n_draws=15, rng=3)
    ax = rp.perturbation(df)
    for ln in ax.lines:
        rows = df[df["rule"] == ln.get_label()]
        g = rows.groupby(rows["parameter"].astype(float))["kendall_tau"]
        np.testing.assert_allclose(ln.get_xdata(), g.mean().index)
        np.testing.assert_allclose(ln.get_ydata(), g.mean().to_numpy())
        band = _collection(ax, f"band:{ln.get_label()}")
        ys = band.get_paths()[0].vertices[:, 1]
        np.testing.assert_allclose(ys.min(), g.quantile(0.1).min())
        np.testing.assert_allclose(ys.max(), g.quantile(0.9).max())


def test_perturbation_rescale_shows_the_winner_changes_per_task(toy):
    # rescale_task's own example: x1000 on any of four tasks changes the mean's winner, never Borda's
    df = rankagg.rescale_task(toy, rules=["mean", "borda"], factors=1000)
    ax = rp.perturbation(df)
    arr = np.asarray(ax.images[0].get_array())
    assert arr[:, 0].sum() == 4 and arr[:, 1].sum() == 0
    assert {t.get_text() for t in ax.texts} == {"Osprey", "Heron"}  # the new winners, written in their cells
    both = pd.concat([df, rankagg.remove_tasks(toy, rules="mean", k=1, n_draws=2, rng=0)])
    assert rp.perturbation(both, study="rescale_task").images
    with pytest.raises(RankaggError, match=pin("study='add_noise'", "rescale_task")):
        rp.perturbation(both, study="add_noise")
    with pytest.raises(RankaggError, match="this frame holds add_systems"):
        rp.perturbation(rankagg.add_systems(toy, rules="mean"))


# ------------------------------------------------------------------------------------------- errors and style
@pytest.mark.parametrize(
    ("func", "wants"),
    [
        (rp.rank_intervals, "rank_intervals takes a bootstrap result (rankagg.bootstrap); got ComparisonResult"),
        (rp.rank_probabilities, "rank_probabilities takes a bootstrap result (rankagg.bootstrap); got Comparison"),
        (rp.prob_above, "prob_above takes a bootstrap result (rankagg.bootstrap); got ComparisonResult"),
        (rp.critical_difference, "critical_difference takes a Friedman/Nemenyi result"),
        (rp.task_ranks, "task_ranks takes a ScoreTable (rankagg.read_table); got ComparisonResult"),
        (rp.bump_tasks, "bump_tasks takes a ScoreTable"),
        (rp.pairwise_margins, "pairwise_margins takes a ScoreTable or a PairwiseProfile"),
        (rp.perturbation, "perturbation takes the DataFrame of a perturbation study"),
    ],
)
def test_a_result_of_the_wrong_kind_names_the_function_and_what_it_takes(toy, func, wants):
    cmp = rankagg.compare(toy, ["mean", "borda"])
    with pytest.raises(RankaggError, match=pin(wants)):
        func(cmp)


def test_the_wrong_kind_error_says_which_figures_draw_what_was_given(toy):
    boot = rankagg.bootstrap(toy, n_resamples=20, rng=0)
    with pytest.raises(RankaggError, match=pin("got BootstrapResult, which rank_intervals, rank_probabilities")):
        rp.bump(boot)
    with pytest.raises(RankaggError, match=pin("got FriedmanResult, which critical_difference draw")):
        rp.rank_intervals(friedman_nemenyi(toy))


def test_bump_and_agreement_take_a_comparison(toy):
    res = rankagg.aggregate(toy, rule="borda")
    for func in (rp.bump, rp.agreement):
        with pytest.raises(RankaggError, match=pin(f"{func.__name__} takes a comparison result (rankagg.compare)")):
            func(res)
    with pytest.raises(RankaggError, match="top=0: give a positive number"):
        rp.bump(rankagg.compare(toy, ["mean", "borda"]), top=0)
    with pytest.raises(RankaggError, match="ax: expected a matplotlib Axes"):
        rp.task_ranks(toy, ax="left")


def test_given_axes_are_drawn_on_and_returned(toy):
    fig, (a, b) = plt.subplots(1, 2)
    assert rp.task_ranks(toy, rule="borda", ax=b) is b
    assert b.images and not a.images and len(fig.axes) == 3  # the two, and b's colour bar


def test_paper_sizes_and_style(toy):
    boot = rankagg.bootstrap(toy, n_resamples=20, rng=0)
    assert rp.rank_intervals(boot).figure.get_figwidth() == rp.ONE_COLUMN == 3.3
    with rp.paper_style(width="two"):
        assert rp.rank_intervals(boot).figure.get_figwidth() == rp.TWO_COLUMN == 6.9
        assert matplotlib.rcParams["pdf.fonttype"] == 42
    with rp.paper_style(width=5):
        assert rp.prob_above(boot).figure.get_figwidth() == 5
    with pytest.raises(RankaggError, match="width='three'"):
        rp.paper_style(width="three").__enter__()
    assert len(set(rp.OKABE_ITO)) == 8


def test_shortened_names_keep_both_ends_and_map_back():
    full = "DeBERTa / TuringNLRv4 [DeBERTa Team - Microsoft]"
    s = rp.shorten(full, 20)
    assert len(s) <= 20 and s.startswith("DeBERTa /") and s.endswith("icrosoft]") and "…" in s
    assert rp.shorten("BERT", 20) == "BERT"
    from rankagg.plot._style import short_names

    a, b = "organisation/model-base-2024-v1", "organisation/model-base-2023-v1"
    assert len(set(short_names([a, b], 12))) == 2  # colliding shortenings are lengthened until distinct


# ------------------------------------------------------------------------------------------- real boards
@pytest.fixture(scope="module")
def glue(datasets_dir):
    return rankagg.read_table(
        datasets_dir / "glue_superglue_value" / "glue.csv", missing="drop_systems", exclude="*Human Baselines*"
    )


def _no_overlap(ax, texts) -> bool:
    fig = ax.figure
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in texts if t.get_text() and t.get_visible()]
    return not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def test_glue_cd_diagram_long_names_are_labels_that_map_back(glue):
    res = friedman_nemenyi(glue)
    ax = rp.critical_difference(res, top=12)
    labels = [t for t in ax.texts if t.get_gid()]
    assert [t.get_gid() for t in labels[:6]] == list(res.mean_ranks.index[:6])
    shortened = [t for t in labels if t.get_text() != t.get_gid()]
    assert shortened  # GLUE names carry their team: 'DeBERTa / TuringNLRv4 [DeBERTa Team - Microsoft]'
    for t in shortened:
        head, tail = t.get_text().split("…")
        assert t.get_gid().startswith(head) and t.get_gid().endswith(tail)
    assert _no_overlap(ax, labels)


def test_glue_figures_readable_at_one_column(glue):
    boot = rankagg.bootstrap(glue, "borda", n_resamples=200, rng=0)
    ax = rp.rank_intervals(boot, top=20)
    assert ax.figure.get_figwidth() == 3.3 and len(ax.get_yticklabels()) == 20
    assert _no_overlap(ax, ax.get_yticklabels())
    fig = ax.figure
    fig.canvas.draw()
    # tick labels, the x label and the P(top 1) column stay inside the 3.3 in figure
    inside = fig.bbox.padded(1)
    for t in [*ax.get_yticklabels(), ax.xaxis.label, *ax.texts]:
        bb = t.get_window_extent()
        assert inside.x0 <= bb.x0 and bb.x1 <= inside.x1, t.get_text()


def test_mteb_classic_152_models_cd_and_task_ranks(datasets_dir):
    t = rankagg.read_table(datasets_dir / "mteb" / "mteb_eng_classic_56.csv", missing="drop_systems")
    assert t.n_systems == 152
    res = friedman_nemenyi(t)
    ax = rp.critical_difference(res, top=30)
    cd = res.critical_difference
    q = cd / np.sqrt(152 * 153 / (6 * 56))
    assert 3.5 < q < 4.5  # the studentized range at k = 152, divided by sqrt(2)
    bar = next(ln for ln in ax.lines if ln.get_gid() in ("cd-bar", "cd-bar-truncated"))
    x = bar.get_xdata()
    if bar.get_gid() == "cd-bar":
        assert x[1] - x[0] == pytest.approx(cd)
    else:
        assert x[1] - x[0] < cd and any(f"CD = {cd:.2f}" in tx.get_text() for tx in ax.texts)
    heat = rp.task_ranks(t, rule="borda", top=25)
    assert _ytick_names(heat) == rankagg.aggregate(t, rule="borda").ranking[:25]
    assert heat.images[0].get_array().shape == (25, 56)


def test_open_llm_1192_models_with_top(datasets_dir):
    t = rankagg.read_table(datasets_dir / "open_llm_leaderboard_v1" / "snapshot_20230904.csv")
    assert t.n_systems == 1192
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rankagg.BootstrapWarning)  # four tasks: few distinct resamples
        boot = rankagg.bootstrap(t, "borda", n_resamples=100, rng=0)
    ax = rp.rank_intervals(boot, top=25)
    assert _ytick_names(ax) == list(boot.to_frame()["system"][:25])
    assert ax.figure.get_figheight() < 5
    everyone = rp.rank_intervals(boot)  # all 1,192: a page-high figure, every k-th row named, no overprinting
    assert everyone.figure.get_figheight() <= 9.0
    named = [t for t in everyone.get_yticklabels() if t.get_text()]
    assert 20 < len(named) < 1192
    assert _no_overlap(everyone, named)
    cmp = rankagg.compare(t, ["mean", "borda", "copeland"])
    bump = rp.bump(cmp, top=10)
    assert {ln.get_label() for ln in bump.lines if not ln.get_label().startswith("_")} == set(
        cmp.ranks.index[(cmp.ranks <= 10).any(axis=1)]
    )


def test_alpaca_eval_instance_level_bootstrap(datasets_dir):
    from rankagg import InstanceTable

    df = pd.read_csv(
        datasets_dir / "alpaca_eval" / "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz", dtype={"instance": str}
    )
    inst = InstanceTable.from_long(df, missing="drop_instances")
    boot = rankagg.bootstrap(inst, "mean", n_resamples=100, rng=0)
    ax = rp.rank_probabilities(boot, top=10)
    arr = np.asarray(ax.images[0].get_array())
    assert arr.shape == (10, 11)
    np.testing.assert_allclose(arr.sum(axis=1), 1.0)  # the ranks below 10 summed in the last column
    dist = boot.rank_distribution()
    names = _ytick_names(ax)
    np.testing.assert_allclose(arr[:, :10], dist.loc[names].to_numpy()[:, :10])
