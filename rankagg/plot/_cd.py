"""Demšar's critical difference diagram."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from rankagg._errors import RankaggError, did_you_mean
from rankagg.data.table import ScoreTable
from rankagg.plot._style import (
    FONT_SIZE,
    OKABE_ITO,
    ONE_COLUMN,
    TWO_COLUMN,
    check_top,
    current_width,
    finish,
    label_names,
    new_axes,
    short_names,
    styled,
    wrong_kind,
)
from rankagg.uncertainty.stats import (
    FriedmanResult,
    WilcoxonResult,
    friedman_nemenyi,
    nemenyi_critical_value,
    wilcoxon_holm,
)

__all__ = ["critical_difference"]

CLIQUES = ("nemenyi", "wilcoxon-holm")
_TAKES = (
    "a Friedman/Nemenyi result (rankagg.stats.friedman_nemenyi), a ScoreTable, or a pair "
    "(friedman_nemenyi(table), wilcoxon_holm(table))"
)
_ROW_IN = 0.125  # inches per label row
_CHAR_IN = FONT_SIZE * 0.55 / 72.0  # average width of a character of the label font, inches
_ELBOW_IN = 0.12  # horizontal run of an elbow line, inches


def _runs(order: list[str], same: dict[tuple[str, str], bool]) -> list[tuple[str, ...]]:
    """Maximal runs of consecutive systems (in ``order``) no two of which differ significantly."""
    runs: list[tuple[str, ...]] = []
    n = len(order)
    for start in range(n):
        end = start
        while end + 1 < n and all(same[order[a], order[end + 1]] for a in range(start, end + 1)):
            end += 1
        run = tuple(order[start : end + 1])
        if len(run) > 1 and not any(set(run) <= set(r) for r in runs):
            runs.append(run)
    return runs


def _inputs(result: Any, alpha: float, cliques: str) -> tuple[FriedmanResult, float, list[tuple[str, ...]], str]:
    """Mean ranks (a Friedman result), the CD at ``alpha``, the cliques, and how they were found."""
    if cliques not in CLIQUES:
        raise RankaggError(
            f"critical_difference: cliques={cliques!r}: use 'nemenyi' or 'wilcoxon-holm'."
            f"{did_you_mean(str(cliques), CLIQUES)}"
        )
    wil: WilcoxonResult | None = None
    if isinstance(result, ScoreTable):
        fried = friedman_nemenyi(result, alpha=alpha)
        if cliques == "wilcoxon-holm":
            wil = wilcoxon_holm(result, alpha=alpha)
    elif isinstance(result, FriedmanResult):
        fried = result
        if cliques == "wilcoxon-holm":
            raise RankaggError(
                "critical_difference: cliques='wilcoxon-holm' needs the Wilcoxon-Holm tests, which a Friedman result "
                "does not hold: pass the ScoreTable, or the pair (friedman_nemenyi(table), wilcoxon_holm(table))."
            )
    elif (
        isinstance(result, tuple)
        and len(result) == 2
        and isinstance(result[0], FriedmanResult)
        and isinstance(result[1], WilcoxonResult)
    ):
        fried, wil = result
    else:
        raise wrong_kind("critical_difference", _TAKES, result)
    k, n = fried.n_systems, fried.n_tasks
    if math.isclose(alpha, fried.alpha):
        cd = fried.critical_difference
    else:  # the diagram's alpha, not the test's
        cd = nemenyi_critical_value(k, alpha=alpha) * math.sqrt(k * (k + 1) / (6.0 * n))
    order = list(fried.mean_ranks.index)
    if cliques == "nemenyi":
        if math.isclose(alpha, fried.alpha):
            groups = [tuple(g) for g in fried.groups]
        else:
            r = fried.mean_ranks
            same = {(a, b): abs(float(r[a]) - float(r[b])) <= cd for a in order for b in order}
            groups = _runs(order, same)
        how = f"Nemenyi, α = {alpha:g}"
    else:
        assert wil is not None
        if math.isclose(alpha, wil.alpha):
            groups = [tuple(g) for g in wil.groups]
        else:
            same = {(a, a): True for a in order}
            for a, b, p in zip(wil.pairs["system_a"], wil.pairs["system_b"], wil.pairs["pvalue_holm"], strict=True):
                same[a, b] = same[b, a] = not p < alpha
            groups = _runs(order, same)
        how = f"Wilcoxon-Holm, α = {alpha:g}"
    return fried, cd, groups, how


def _pack(spans: list[tuple[float, float]], gap: float) -> list[int]:
    """Row of each bar so that bars in one row do not touch (greedy, in the given order)."""
    ends: list[float] = []
    rows = []
    for lo, hi in spans:
        for i, e in enumerate(ends):
            if lo > e + gap:
                ends[i] = hi
                rows.append(i)
                break
        else:
            ends.append(hi)
            rows.append(len(ends) - 1)
    return rows


def critical_difference(
    result: Any,
    *,
    ax: Any = None,
    alpha: float = 0.05,
    cliques: str = "nemenyi",
    top: int | None = None,
    **kwargs: Any,
) -> Any:
    """Demšar's critical difference diagram: mean ranks over tasks, the CD bar, and cliques of systems.

    Parameters
    ----------
    result : FriedmanResult, ScoreTable or (FriedmanResult, WilcoxonResult)
        What :func:`rankagg.stats.friedman_nemenyi` returns, or a complete
        table (the tests are run on it), or that result with
        :func:`rankagg.stats.wilcoxon_holm`'s for Wilcoxon-Holm cliques.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure (one column up to 10 systems, two
        columns beyond).
    alpha : float, default 0.05
        Significance level of the CD bar and of the cliques (when the result
        was computed at another level, the CD and the cliques are recomputed
        at this one).
    cliques : {"nemenyi", "wilcoxon-holm"}, default "nemenyi"
        Systems joined by a bar are not significantly different: their mean
        ranks are within the critical difference (Nemenyi), or no pair of them
        differs by the Holm-corrected Wilcoxon signed-rank test.
    top : int, optional
        Draw only the best ``top`` systems (by mean rank; the test and the CD
        are those of every system, the cliques are cut to the systems shown).
    **kwargs
        Passed to the clique bars (:meth:`~matplotlib.axes.Axes.hlines`),
        e.g. ``color``, ``linewidth``.

    Returns
    -------
    matplotlib.axes.Axes
        The rank axis runs left (rank 1, best) to right, in data coordinates
        (the CD bar is ``critical_difference`` data units long; its Line2D
        has ``gid="cd-bar"``, the clique bars ``gid="cliques"``). A CD longer
        than the axis (few tasks, or ``top``) is drawn to the end of the axis
        with an arrow (``gid="cd-bar-truncated"``), its value written above.

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> from rankagg.uncertainty.stats import friedman_nemenyi
    >>> res = friedman_nemenyi(rankagg.load_example("toy"))
    >>> ax = rankagg.plot.critical_difference(res)
    >>> bar = next(a for a in ax.lines if a.get_gid() == "cd-bar")
    >>> round(float(bar.get_xdata()[1] - bar.get_xdata()[0]), 3), round(res.critical_difference, 3)
    (3.372, 3.372)
    """
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        a = float("nan")
    if not 0.0 < a < 1.0:
        raise RankaggError(f"critical_difference: alpha={alpha!r}: give a significance level between 0 and 1.")
    fried, cd, groups, how = _inputs(result, a, cliques)
    ranks = fried.mean_ranks
    k_all = fried.n_systems
    k = check_top(top, len(ranks), "critical_difference")
    names = [str(s) for s in ranks.index[:k]]
    r = ranks.to_numpy(dtype=float)[:k]
    shown = set(names)
    cut = []
    for g in groups:
        part = tuple(s for s in g if s in shown)
        if len(part) > 1 and not any(set(part) <= set(c) for c in cut):
            cut.append(part)
    # the rank axis: 1 .. k systems (all of them, or up to the last rank shown with top)
    lo = 1.0
    hi = float(k_all) if k == len(ranks) else float(max(math.ceil(r.max()), 2))
    span = hi - lo
    n_left = (k + 1) // 2
    left, right = list(range(n_left)), list(range(k - 1, n_left - 1, -1))
    default_w = ONE_COLUMN if k <= 10 else TWO_COLUMN
    width = current_width(default_w) if ax is None else ax.figure.get_figwidth() * ax.get_position().width
    max_chars = max(8, int((0.3 * width - _ELBOW_IN) / _CHAR_IN))
    short = short_names(names, max_chars)
    pad_in = max(len(s) for s in short) * _CHAR_IN + _ELBOW_IN + 0.05
    pad = pad_in * span / max(width - 2 * pad_in, 0.2 * width)
    elbow = _ELBOW_IN * span / max(width - 2 * pad_in, 0.2 * width)
    # a CD longer than the axis shown (few tasks, or top=) is drawn to the axis end with an arrow, its value written
    cd_end = lo + cd
    truncated = cd_end > hi
    if truncated:
        cd_end = hi
    x_max = hi + pad
    # vertical layout in label-row units (y grows downwards)
    spans = [(float(ranks[g[0]]), float(ranks[g[-1]])) for g in cut]
    rows = _pack(spans, gap=0.02 * span)
    n_clique_rows = max(rows) + 1 if rows else 0
    clique_y = [0.9 + 0.6 * row for row in rows]
    first_label = 0.9 + 0.6 * n_clique_rows + 0.5
    n_rows = max(len(left), len(right))
    more = f"; best {k} of {k_all} shown" if k < k_all else ""
    caption = textwrap.wrap(
        f"mean rank over N = {fried.n_tasks} tasks; bars: no significant difference ({how}){more}",
        max(30, int(width / 0.042)),
    )
    y_top, y_bottom = -4.3 - 0.9 * (len(caption) - 1), first_label + n_rows - 0.4
    ax, created = new_axes(ax, width=default_w, height=(y_bottom - y_top) * _ROW_IN + 0.1)
    with styled():
        ax.set_axis_off()
        ax.set_xlim(lo - pad, x_max)
        ax.set_ylim(y_bottom, y_top)
        # rank axis with integer ticks
        ax.plot([lo, hi], [0, 0], color="black", linewidth=0.7, gid="rank-axis")
        axis_in = width - 2 * pad_in  # a tick label every 0.22 in at most
        step = max(1, int(np.ceil(span * 0.22 / max(axis_in, 0.1))))
        for nice in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
            if nice >= step:
                step = nice
                break
        inner = [float(t) for t in np.arange(step, hi + 0.5, step) if t - lo >= 0.6 * step and hi - t >= 0.6 * step]
        ticks = [lo, *inner, hi] if step > 1 else list(np.arange(lo, hi + 0.5, 1.0))
        for t in ticks:
            ax.plot([t, t], [0, -0.35], color="black", linewidth=0.6)
            ax.text(t, -0.5, f"{t:g}", ha="center", va="bottom", fontsize=FONT_SIZE - 1)
        # the CD bar, from rank 1, above the axis
        ax.plot(
            [lo, cd_end],
            [-2.3, -2.3],
            color="black",
            linewidth=1.0,
            gid="cd-bar-truncated" if truncated else "cd-bar",
            solid_capstyle="butt",
        )
        ax.plot([lo, lo], [-2.55, -2.05], color="black", linewidth=0.7)
        if truncated:
            ax.plot([cd_end], [-2.3], marker=">", color="black", markersize=3.5)
        else:
            ax.plot([cd_end, cd_end], [-2.55, -2.05], color="black", linewidth=0.7)
        more_cd = " (longer than the axis)" if truncated else ""
        ax.text((lo + cd_end) / 2, -2.6, f"CD = {cd:.2f}{more_cd}", ha="center", va="bottom", fontsize=FONT_SIZE - 1)
        # cliques below the axis
        opts = {"color": OKABE_ITO[0], "linewidth": 1.6}
        opts.update(kwargs)
        if cut:
            bars = ax.hlines(clique_y, [s[0] for s in spans], [s[1] for s in spans], **opts)
            bars.set_gid("cliques")
        # each system: a vertical from the axis down to its label row, then across to its label
        texts = []
        for row, i in enumerate(left):
            y = first_label + row
            ax.plot([r[i], r[i], lo - elbow], [0, y, y], color="#444444", linewidth=0.6)
            texts.append(ax.text(lo - elbow * 1.3, y, short[i], ha="right", va="center", fontsize=FONT_SIZE))
        for row, i in enumerate(right):
            y = first_label + row
            ax.plot([r[i], r[i], hi + elbow], [0, y, y], color="#444444", linewidth=0.6)
            texts.append(ax.text(hi + elbow * 1.3, y, short[i], ha="left", va="center", fontsize=FONT_SIZE))
        label_names(texts, [names[i] for i in left + right])
        for t in texts:
            t.set_clip_on(False)
        ax.text(
            lo - pad,
            y_top,
            "\n".join(caption),
            ha="left",
            va="top",
            fontsize=FONT_SIZE - 1.5,
            color="#555555",
        )
    return finish(ax, created)
