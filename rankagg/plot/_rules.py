"""Figures comparing rules and tasks: bump charts, per-task rank heatmap, rule agreement, pairwise margins."""

from __future__ import annotations

from typing import Any

import numpy as np

from rankagg._errors import RankaggError
from rankagg.aggregation.aggregate import aggregate
from rankagg.aggregation.results import ComparisonResult
from rankagg.data.battles import PairwiseProfile
from rankagg.data.table import ScoreTable, rank_table
from rankagg.plot._style import (
    DIVERGING,
    FONT_SIZE,
    GREY,
    OKABE_ITO,
    ONE_COLUMN,
    ROW_HEIGHT,
    TWO_COLUMN,
    check_top,
    current_width,
    finish,
    label_names,
    new_axes,
    roomy,
    set_row_labels,
    short_names,
    styled,
    wrong_kind,
)
from rankagg.rankings.orders import rank_scores
from rankagg.rankings.pairwise import pairwise_counts

__all__ = ["agreement", "bump", "bump_tasks", "pairwise_margins", "task_ranks"]

_CMP = "a comparison result (rankagg.compare)"
_TABLE = "a ScoreTable (rankagg.read_table)"
_STYLES = ("-", "--", ":", "-.")
_COLOURS = OKABE_ITO[:7]  # black is kept for reference marks


def _chars(width: float) -> int:
    return 16 if width < 4.5 else 28


def _spread(y: np.ndarray, gap: float) -> np.ndarray:
    """Label positions near ``y`` (ascending after sorting) at least ``gap`` apart, pushed downwards."""
    order = np.argsort(y, kind="stable")
    out = np.array(y, dtype=float)
    last = -np.inf
    for i in order:
        out[i] = max(out[i], last + gap)
        last = out[i]
    return out


def _end_labels(ax: Any, x: float, y: np.ndarray, names: list[str], colours: list[str], *, side: str) -> None:
    """Names at one end of a bump chart, spread so that tied ranks do not overprint."""
    fig = ax.figure
    y0, y1 = ax.get_ylim()
    inches = ax.get_position().height * fig.get_figheight()
    per_unit = inches / max(abs(y0 - y1), 1e-9)
    gap = (FONT_SIZE * 1.05 / 72.0) / per_unit
    pos = _spread(y, gap)
    short = short_names(names, _chars(fig.get_figwidth()))
    texts = []
    for yy, s, c in zip(pos, short, colours, strict=True):
        texts.append(
            ax.text(
                x,
                yy,
                s,
                ha="right" if side == "left" else "left",
                va="center",
                fontsize=FONT_SIZE - 0.5,
                color=c if c != GREY else "#666666",
                clip_on=False,
            )
        )
    label_names(texts, names)


def _line_style(i: int) -> tuple[str, str]:
    return _COLOURS[i % len(_COLOURS)], _STYLES[(i // len(_COLOURS)) % len(_STYLES)]


def bump(
    comparison: ComparisonResult, *, ax: Any = None, top: int | None = None, highlight: bool = True, **kwargs: Any
) -> Any:
    """Ranks of every system under every rule of a comparison, as a bump chart.

    Parameters
    ----------
    comparison : ComparisonResult
        What :func:`rankagg.compare` returns; the reference rule is the first column.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new one-column figure.
    top : int, optional
        Show only the systems ranked within the best ``top`` by at least one
        rule (a system that enters the top under another rule is shown).
    highlight : bool, default True
        Colour the systems of the pairs that some rule orders opposite to the
        reference (``comparison.disagreements``), grey the others.
    **kwargs
        Passed to every system's line (:meth:`~matplotlib.axes.Axes.plot`).

    Returns
    -------
    matplotlib.axes.Axes
        One Line2D per system, labelled with the system's name; its y-values
        are the system's ranks under the rules (x = 0, 1, ... in
        ``comparison.rules`` order).

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> cmp = rankagg.compare(rankagg.load_example("toy"), ["mean", "borda", "kemeny"])
    >>> ax = rankagg.plot.bump(cmp)
    >>> line = next(a for a in ax.lines if a.get_label() == "Osprey")
    >>> line.get_ydata().tolist(), cmp.ranks.loc["Osprey"].tolist()
    ([2.0, 1.0, 1.0], [2, 1, 1])
    """
    if not isinstance(comparison, ComparisonResult):
        raise wrong_kind("bump", _CMP, comparison)
    ranks = comparison.ranks
    rules = list(comparison.rules)
    n_all = len(ranks)
    k = check_top(top, n_all, "bump")
    keep = ranks.min(axis=1) <= k if k < n_all else np.ones(n_all, dtype=bool)
    r = ranks[keep]
    names = [str(s) for s in r.index]
    flagged: set[str] = set()
    if highlight and len(comparison.disagreements):
        d = comparison.disagreements
        for a, b in zip(d["above_in_reference"], d["below_in_reference"], strict=True):
            if a in names and b in names:
                flagged.update((a, b))
    n = len(names)
    m = len(rules)
    width = ONE_COLUMN if m <= 5 else TWO_COLUMN
    ax, created = new_axes(ax, width=width, height=0.8 + ROW_HEIGHT * max(n, 6))
    fig_w = ax.figure.get_figwidth()
    colours: dict[str, str] = {}
    with styled():
        x = np.arange(m, dtype=float)
        c_i = 0
        for s in names:
            y = r.loc[s, rules].to_numpy(dtype=float)
            if s in flagged:
                colour, ls = _line_style(c_i)
                c_i += 1
                opts = {"color": colour, "linestyle": ls, "linewidth": 1.4, "marker": "o", "markersize": 3, "zorder": 3}
            else:
                colour = GREY
                opts = {"color": GREY, "linewidth": 0.8, "marker": "o", "markersize": 2, "zorder": 2}
            opts.update(kwargs)
            ax.plot(x, y, label=s, **opts)
            colours[s] = colour
        ymax = float(r[rules].to_numpy().max()) if n else 1.0
        ax.set_ylim(ymax + 0.5, 0.5)
        ax.set_xlim(-0.08, m - 1 + 0.08)
        ax.set_xticks(x)
        # rule names on top, slanted when the axes leave less than their width per rule
        per_rule = 0.3 * fig_w / max(m - 1, 1)
        slant = max(len(str(r)) for r in rules) * 0.055 > per_rule
        ax.set_xticklabels(rules, rotation=45 if slant else 0, ha="left" if slant else "center")
        ax.xaxis.tick_top()
        ax.tick_params(axis="x", length=0)
        ax.set_yticks([])
        for side in ("left", "right", "bottom", "top"):
            ax.spines[side].set_visible(False)
        for xx in x:
            ax.axvline(xx, color="#DDDDDD", linewidth=0.5, zorder=0)
        finish(ax, created)  # lay out before placing the end labels: their spacing depends on the axes' height
        first = r[rules[0]].to_numpy(dtype=float)
        last = r[rules[-1]].to_numpy(dtype=float)
        _end_labels(ax, -0.15, first, names, [colours[s] for s in names], side="left")
        if m > 1:
            _end_labels(ax, m - 1 + 0.15, last, names, [colours[s] for s in names], side="right")
        note = f"coloured: pairs ordered opposite to {comparison.reference}" if flagged else ""
        if k < n_all:
            note = (note + "; " if note else "") + f"systems in any rule's top {k} of {n_all}"
        if note:
            ax.set_xlabel(note, fontsize=FONT_SIZE - 1, color="#555555")
    return finish(ax, created)


def _table(table: Any, func: str) -> ScoreTable:
    if not isinstance(table, ScoreTable):
        hint = ""
        if type(table).__name__ == "InstanceTable":
            hint = " (for instance-level data pass table.task_table('mean'), one score per system and task)"
        raise RankaggError(f"{func} takes {_TABLE}{hint}; got {type(table).__name__}.")
    return table


def bump_tasks(
    table: ScoreTable, *, rule: str = "kemeny", ax: Any = None, top: int | None = None, **kwargs: Any
) -> Any:
    """Each system's rank on every task, as a bump chart, ending at its consensus rank under ``rule``.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rule : str, default "kemeny"
        The consensus rule: the last column, and the order of the systems.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    top : int, optional
        Show only the best ``top`` systems under ``rule``; their ranks on the
        tasks are then their positions among the systems shown (a system
        ranked 85th on one task would flatten the chart), the last column
        their consensus ranks among all systems.
    **kwargs
        Passed to every system's line (:meth:`~matplotlib.axes.Axes.plot`).

    Returns
    -------
    matplotlib.axes.Axes
        One Line2D per system (its label is the name), y = its rank on each
        task column (1 = best; tied systems share the mean of their
        positions; a missing score leaves a gap), then its consensus rank.

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> ax = rankagg.plot.bump_tasks(rankagg.load_example("toy"), rule="borda")
    >>> [t.get_text() for t in ax.get_xticklabels()][-1]
    'borda'
    """
    table = _table(table, "bump_tasks")
    res = aggregate(table, rule=rule)
    ranking = res.ranking
    k = check_top(top, len(ranking), "bump_tasks")
    shown = ranking[:k]
    idx = {s: i for i, s in enumerate(table.systems)}
    rows = [idx[s] for s in shown]
    if k < len(ranking):  # positions among the systems shown, so that one bad task does not flatten the chart
        sc = table.scores[rows]
        task_r = np.column_stack(
            [rank_scores(sc[:, j], higher_is_better=c.higher_is_better) for j, c in enumerate(table.columns)]
        )
    else:
        task_r = rank_table(table).ranks[rows]
    consensus = np.array([res.rank_of(s) for s in shown], dtype=float)
    labels = [*table.labels, res.rule]
    m = len(labels)
    width = ONE_COLUMN if m <= 7 else TWO_COLUMN
    ax, created = new_axes(ax, width=width, height=0.9 + ROW_HEIGHT * max(k, 6))
    with styled():
        x = np.arange(m, dtype=float)
        colours = []
        for i, s in enumerate(shown):
            colour, ls = _line_style(i)
            colours.append(colour)
            y = np.append(task_r[i], consensus[i])
            opts = {"color": colour, "linestyle": ls, "linewidth": 1.0, "marker": "o", "markersize": 2.5}
            opts.update(kwargs)
            ax.plot(x, y, label=s, **opts)
        finite = task_r[np.isfinite(task_r)]
        ymax = max(float(finite.max()) if finite.size else 1.0, float(consensus.max()))
        ax.set_ylim(ymax + 0.5, 0.5)
        ax.set_xlim(-0.2, m - 1 + 0.1)
        ax.set_xticks(x)
        crowded = sum(len(str(lb)) for lb in labels) * 0.055 > 0.8 * current_width(width)
        ax.set_xticklabels(labels, rotation=90 if crowded else 0)
        ax.axvline(m - 1.5, color="#999999", linewidth=0.6, linestyle=":")
        among = f" among the {k} shown" if k < len(ranking) else ""
        ax.set_ylabel(f"rank on task{among} (1 = best)")
        ax.yaxis.get_major_locator().set_params(integer=True)
        finish(ax, created)
        _end_labels(ax, m - 1 + 0.25, consensus, list(shown), colours, side="right")
        if k < len(ranking):
            ax.set_title(f"best {k} of {len(ranking)} systems under {res.rule}", loc="left")
    return finish(ax, created)


def task_ranks(
    table: ScoreTable, *, rule: str = "kemeny", ax: Any = None, top: int | None = None, **kwargs: Any
) -> Any:
    """Heatmap of each system's rank on each task; rows in consensus order under ``rule``; missing scores blank.

    Parameters
    ----------
    table : ScoreTable
        The scores (missing scores allowed with ``missing="partial"``).
    rule : str, default "kemeny"
        The rule whose consensus orders the rows (best at the top).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    top : int, optional
        Show only the best ``top`` systems under ``rule`` (ranks stay those
        among all systems).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.imshow`, e.g. ``cmap``.

    Returns
    -------
    matplotlib.axes.Axes
        The image's array is masked where a score is missing (nothing is
        drawn there: the cell stays blank, it is not coloured as a value).

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> ax = rankagg.plot.task_ranks(rankagg.load_example("toy"), rule="borda")
    >>> ax.images[0].get_array().shape  # 6 systems x 5 tasks
    (6, 5)
    """
    table = _table(table, "task_ranks")
    res = aggregate(table, rule=rule)
    ranking = res.ranking
    k = check_top(top, len(ranking), "task_ranks")
    shown = ranking[:k]
    idx = {s: i for i, s in enumerate(table.systems)}
    r = rank_table(table).ranks[[idx[s] for s in shown]]
    data = np.ma.masked_invalid(r)
    m = r.shape[1]
    width = ONE_COLUMN if m <= 10 else TWO_COLUMN
    ax, created = new_axes(ax, width=width, height=1.1 + ROW_HEIGHT * max(k, 5))
    with styled():
        opts = {"cmap": "viridis", "aspect": "auto", "interpolation": "none", "vmin": 1, "vmax": table.n_systems}
        opts.update(kwargs)
        im = ax.imshow(data, **opts)
        im.set_gid("task-ranks")
        ax.set_facecolor("white")
        cb = ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
        cb.set_label("rank on task (1 = best)")
        cb.outline.set_linewidth(0.4)
        cb.ax.invert_yaxis()
        if k <= 30 and m <= 16 and roomy(ax, k, m):
            cmap, norm = im.get_cmap(), im.norm
            for i in range(k):
                for j in range(m):
                    if data.mask is not np.ma.nomask and data.mask[i, j]:
                        continue
                    v = float(r[i, j])
                    rr, gg, bb, _ = cmap(norm(v))
                    dark = 0.299 * rr + 0.587 * gg + 0.114 * bb < 0.5
                    ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=5.5, color="white" if dark else "black")
        chars = _chars(current_width(width))
        set_row_labels(ax, "y", np.arange(k), list(shown), max_chars=chars)
        set_row_labels(ax, "x", np.arange(m), list(table.labels), max_chars=24)
        ax.tick_params(axis="both", length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        n_missing = int(np.isnan(r).sum())
        note = f"; {n_missing} missing scores blank" if n_missing else ""
        more = f"best {k} of {len(ranking)} " if k < len(ranking) else ""
        ax.set_title(f"{more}systems in {res.rule} order{note}", loc="left", fontsize=FONT_SIZE)
    return finish(ax, created)


def agreement(comparison: ComparisonResult, *, ax: Any = None, **kwargs: Any) -> Any:
    """Kendall tau-b between the consensus rankings of the rules of a comparison, as an annotated matrix.

    Parameters
    ----------
    comparison : ComparisonResult
        What :func:`rankagg.compare` returns.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new one-column figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.imshow`.

    Returns
    -------
    matplotlib.axes.Axes
        Cell values are ``comparison.agreement`` (a diverging map from -1 to 1).

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> cmp = rankagg.compare(rankagg.load_example("toy"), ["mean", "borda", "kemeny"])
    >>> ax = rankagg.plot.agreement(cmp)
    >>> bool((ax.images[0].get_array() == cmp.agreement.to_numpy()).all())
    True
    """
    if not isinstance(comparison, ComparisonResult):
        raise wrong_kind("agreement", _CMP, comparison)
    a = comparison.agreement
    rules = [str(r) for r in a.index]
    m = len(rules)
    ax, created = new_axes(ax, width=ONE_COLUMN, height=max(1.6, 0.9 + 0.3 * m))
    with styled():
        opts = {"cmap": DIVERGING, "vmin": -1.0, "vmax": 1.0, "interpolation": "none"}
        opts.update(kwargs)
        vals = a.to_numpy(dtype=float)
        im = ax.imshow(vals, **opts)
        im.set_gid("agreement")
        cb = ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
        cb.set_label("Kendall tau-b")
        cb.outline.set_linewidth(0.4)
        if m <= 14:
            for i in range(m):
                for j in range(m):
                    v = vals[i, j]
                    if not np.isfinite(v):
                        continue
                    dark = abs(v) > 0.6
                    ax.text(
                        j, i, f"{v:.2f}", ha="center", va="center", fontsize=5.5, color="white" if dark else "black"
                    )
        ax.set_xticks(np.arange(m))
        ax.set_xticklabels(rules, rotation=45, ha="right", rotation_mode="anchor")
        ax.set_yticks(np.arange(m))
        ax.set_yticklabels(rules)
        ax.tick_params(axis="both", length=0)
        for s in ax.spines.values():
            s.set_visible(False)
    return finish(ax, created)


def pairwise_margins(table_or_result: Any, *, ax: Any = None, top: int | None = None, **kwargs: Any) -> Any:
    """The pairwise record of every pair of systems, in Kemeny order.

    Parameters
    ----------
    table_or_result : ScoreTable or PairwiseProfile
        Scores (each task column a voter, with its weight) or pairwise data
        (:func:`rankagg.pairwise_from_battles`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    top : int, optional
        Show only the best ``top`` systems of the Kemeny order.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.imshow`.

    Returns
    -------
    matplotlib.axes.Axes
        Rows and columns in the order of an optimal Kemeny ranking (best
        first). Cell (row i, column j): colour = the margin
        ``(wins[i, j] - wins[j, i]) / (wins + losses + ties)`` from -1 to 1,
        text (small matrices) = ``wins[i, j]``, the weight of the voters
        (tasks) ranking i above j. Blank: the diagonal, and pairs never
        compared. Below the diagonal a Kemeny order leaves few positive cells.

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> ax = rankagg.plot.pairwise_margins(rankagg.load_example("toy"))
    >>> [t.get_text() for t in ax.get_yticklabels()][0]
    'Osprey'
    """
    if isinstance(table_or_result, PairwiseProfile):
        systems = list(table_or_result.systems)
        wins, ties = np.asarray(table_or_result.wins, float), np.asarray(table_or_result.ties, float)
    elif isinstance(table_or_result, ScoreTable):
        systems = list(table_or_result.systems)
        tr = rank_table(table_or_result)
        wins, ties = pairwise_counts(tr.ranks, weights=tr.weights)
    else:
        raise wrong_kind(
            "pairwise_margins", "a ScoreTable or a PairwiseProfile (rankagg.pairwise_from_battles)", table_or_result
        )
    res = aggregate(table_or_result, rule="kemeny")
    order = list(res.diagnostics.get("order") or res.ranking)
    k = check_top(top, len(order), "pairwise_margins")
    idx = {s: i for i, s in enumerate(systems)}
    sel = [idx[s] for s in order[:k]]
    w = wins[np.ix_(sel, sel)]
    lost = w.T
    t = ties[np.ix_(sel, sel)]
    total = w + lost + t
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = np.where(total > 0, (w - lost) / total, np.nan)
    mask = ~np.isfinite(margin) | np.eye(k, dtype=bool)
    data = np.ma.masked_array(margin, mask=mask)
    width = ONE_COLUMN if k <= 15 else TWO_COLUMN
    ax, created = new_axes(ax, width=width, height=1.0 + ROW_HEIGHT * max(k, 6))
    with styled():
        opts = {"cmap": DIVERGING, "vmin": -1.0, "vmax": 1.0, "aspect": "auto", "interpolation": "none"}
        opts.update(kwargs)
        im = ax.imshow(data, **opts)
        im.set_gid("pairwise-margins")
        cb = ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
        cb.set_label("margin (row vs column)")
        cb.outline.set_linewidth(0.4)
        if k <= 12 and roomy(ax, k, k):
            for i in range(k):
                for j in range(k):
                    if mask[i, j]:
                        continue
                    dark = abs(margin[i, j]) > 0.6
                    ax.text(
                        j, i, f"{w[i, j]:g}", ha="center", va="center", fontsize=5.5, color="white" if dark else "black"
                    )
        names = order[:k]
        chars = _chars(current_width(width))
        set_row_labels(ax, "y", np.arange(k), names, max_chars=chars)
        set_row_labels(ax, "x", np.arange(k), names, max_chars=chars)
        ax.tick_params(axis="both", length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        more = f", best {k} of {len(order)}" if k < len(order) else ""
        ax.set_title(f"Kemeny order{more}", loc="left", fontsize=FONT_SIZE)
    return finish(ax, created)
