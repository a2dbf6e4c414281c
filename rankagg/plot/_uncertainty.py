"""Figures of a bootstrap: rank intervals, rank probabilities (heatmap / blob), P(i ranked above j)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rankagg._errors import RankaggError, did_you_mean
from rankagg.plot._style import (
    DIVERGING,
    FONT_SIZE,
    OKABE_ITO,
    ONE_COLUMN,
    ROW_HEIGHT,
    SEQUENTIAL,
    TWO_COLUMN,
    check_top,
    current_width,
    finish,
    new_axes,
    roomy,
    set_row_labels,
    styled,
    wrong_kind,
)
from rankagg.uncertainty.bootstrap_result import BootstrapResult

__all__ = ["prob_above", "rank_intervals", "rank_probabilities"]

_BOOT = "a bootstrap result (rankagg.bootstrap)"
_UNITS = {
    "tasks": "the tasks",
    "instances": "the instances",
    "both": "tasks and instances",
    "seeds": "the seeds",
    "battles": "the battles",
    "battles_by_pair": "each pair's battles",
}


def _boot(boot: Any, func: str) -> BootstrapResult:
    if not isinstance(boot, BootstrapResult):
        raise wrong_kind(func, _BOOT, boot)
    return boot


def _order(boot: BootstrapResult, top: Any, func: str) -> tuple[list[int], Any]:
    """Indices of the shown systems, best first (full-data rank, then mean bootstrap rank), and the frame."""
    frame = boot.to_frame()
    k = check_top(top, len(frame), func)
    index = {s: i for i, s in enumerate(boot.systems)}
    shown = [index[s] for s in frame["system"].iloc[:k]]
    return shown, frame.iloc[:k].reset_index(drop=True)


def _name_chars(width: float) -> int:
    return 22 if width < 4.5 else 34


def rank_intervals(boot: BootstrapResult, *, ax: Any = None, top: int | None = None, **kwargs: Any) -> Any:
    """Each system's bootstrap rank interval and full-data rank, best first, with P(top 1).

    Parameters
    ----------
    boot : BootstrapResult
        What :func:`rankagg.bootstrap` returns.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new one-column figure, one row per system.
    top : int, optional
        Show only the best ``top`` systems (by full-data rank); default all.
    **kwargs
        Passed to the interval lines (:meth:`~matplotlib.axes.Axes.hlines`),
        e.g. ``color``, ``linewidth``.

    Returns
    -------
    matplotlib.axes.Axes
        Rows top to bottom in rank order; the horizontal bar of a row spans
        ``rank_low`` .. ``rank_high`` (the interval at ``boot.confidence``),
        the dot is the full-data rank, and the right margin gives P(top 1).
        Two systems whose bars do not overlap are told apart at that level.

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> boot = rankagg.bootstrap(rankagg.load_example("toy"), "kemeny", n_resamples=200, rng=0)
    >>> ax = rankagg.plot.rank_intervals(boot)
    >>> [t.get_text() for t in ax.get_yticklabels()][:2]
    ['Osprey', 'Heron']
    """
    boot = _boot(boot, "rank_intervals")
    shown, frame = _order(boot, top, "rank_intervals")
    n = len(shown)
    ax, created = new_axes(ax, width=ONE_COLUMN, height=0.55 + ROW_HEIGHT * n)
    y = np.arange(n)
    lo = frame["rank_low"].to_numpy(dtype=float)
    hi = frame["rank_high"].to_numpy(dtype=float)
    point = frame["rank"].to_numpy(dtype=float)
    p1 = frame["p_top1"].to_numpy(dtype=float)
    with styled():
        opts = {"color": OKABE_ITO[0], "linewidth": 2.2 if n <= 40 else 1.2, "capstyle": "round"}
        opts.update(kwargs)
        bars = ax.hlines(y, lo, hi, **opts)
        bars.set_gid("rank-intervals")
        dots = ax.plot(point, y, "o", color="black", markersize=3.0 if n <= 40 else 1.8, zorder=3)[0]
        dots.set_gid("ranks")
        ax.set_ylim(n - 0.5, -0.5)
        right = max(float(hi.max()) if n else 1.0, 1.0)
        ax.set_xlim(0.5, right + 0.5)
        set_row_labels(ax, "y", y, list(frame["system"]), max_chars=_name_chars(ax.figure.get_figwidth()))
        ax.tick_params(axis="y", length=0)
        pct = round(100 * boot.confidence)
        ax.set_xlabel(
            f"rank under {boot.rule} (dot: full data)\n"
            f"{pct}% interval, {boot.n_resamples} resamples of {_UNITS.get(boot.resample, boot.resample)}",
            loc="right",
        )
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="x", color="#E5E5E5", linewidth=0.5, zorder=0)
        ax.set_axisbelow(True)
        # P(top 1) in the right margin, one per row, in axes-x / data-y coordinates
        trans = ax.get_yaxis_transform()
        labelled = {i for i, t in enumerate(ax.get_yticklabels()) if t.get_text()} if n > 1 else {0}
        for i in range(n):
            if i in labelled:
                ax.text(
                    1.02, i, f"{p1[i]:.2f}", transform=trans, va="center", ha="left", fontsize="small", gid="p_top1"
                )
        ax.annotate(
            "P(top 1)",
            (1.02, 1.0),
            xycoords="axes fraction",
            xytext=(0, 2),
            textcoords="offset points",
            va="bottom",
            ha="left",
            fontsize="small",
        )
    return finish(ax, created)


def _dist(boot: BootstrapResult, shown: list[int], n_cols: int) -> tuple[np.ndarray, list[str]]:
    """Rows of the rank distribution for ``shown``; columns 1..n_cols, the rest summed in a last "> n_cols"."""
    full = boot.rank_distribution().to_numpy()[shown]
    n = full.shape[1]
    if n_cols >= n:
        return full, [str(r) for r in range(1, n + 1)]
    rest = full[:, n_cols:].sum(axis=1, keepdims=True)
    return np.hstack([full[:, :n_cols], rest]), [*(str(r) for r in range(1, n_cols + 1)), f">{n_cols}"]


def rank_probabilities(
    boot: BootstrapResult, *, ax: Any = None, style: str = "heatmap", top: int | None = None, **kwargs: Any
) -> Any:
    """Systems x rank positions: the share of resamples that give each system each rank.

    Parameters
    ----------
    boot : BootstrapResult
        What :func:`rankagg.bootstrap` returns.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    style : {"heatmap", "blob"}, default "heatmap"
        ``"heatmap"``: one coloured cell per system and rank (white = never);
        ``"blob"``: challengeR's blob plot, a disc per system and rank with an
        area proportional to the probability, and a cross at the full-data rank.
    top : int, optional
        Show the best ``top`` systems (by full-data rank) and rank positions
        1..``top``; the probability of every rank below ``top`` is summed in a
        last column ``>top`` (nothing is dropped: rows still sum to 1).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.imshow` (heatmap) or
        :meth:`~matplotlib.axes.Axes.scatter` (blob), e.g. ``cmap``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> boot = rankagg.bootstrap(rankagg.load_example("toy"), "borda", n_resamples=200, rng=0)
    >>> ax = rankagg.plot.rank_probabilities(boot)
    >>> ax.images[0].get_array().shape  # 6 systems x 6 ranks
    (6, 6)
    """
    boot = _boot(boot, "rank_probabilities")
    if style not in ("heatmap", "blob"):
        raise RankaggError(
            f"rank_probabilities: style={style!r}: use 'heatmap' or 'blob'."
            f"{did_you_mean(str(style), ('heatmap', 'blob'))}"
        )
    shown, frame = _order(boot, top, "rank_probabilities")
    n = len(shown)
    p, cols = _dist(boot, shown, n if top is not None else len(boot.systems))
    m = p.shape[1]
    side = max(ROW_HEIGHT * max(n, 4), 1.2)
    default_w = ONE_COLUMN if m <= 16 else TWO_COLUMN
    ax, created = new_axes(ax, width=default_w, height=0.9 + side)
    with styled():
        if style == "heatmap":
            opts = {"cmap": SEQUENTIAL, "vmin": 0.0, "vmax": 1.0, "aspect": "auto", "interpolation": "none"}
            opts.update(kwargs)
            im = ax.imshow(p, **opts)
            im.set_gid("rank-probabilities")
            cb = ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
            cb.set_label("share of resamples")
            cb.outline.set_linewidth(0.4)
            _annotate(ax, p, im)
            for side_ in ("left", "bottom"):
                ax.spines[side_].set_visible(False)
        else:
            yy, xx = np.nonzero(p > 0)
            vals = p[yy, xx]
            cell = _cell_points(ax, n, m)
            opts = {"s": vals * cell**2, "color": OKABE_ITO[0], "alpha": 0.85, "linewidths": 0}
            opts.update(kwargs)
            sc = ax.scatter(xx, yy, **opts)
            sc.set_gid("rank-probabilities")
            full = frame["rank"].to_numpy(dtype=float) - 1.0
            full = np.minimum(full, m - 1)  # a system ranked below top: its cross in the last column
            ax.plot(full, np.arange(n), "x", color="black", markersize=3.0, markeredgewidth=0.8, gid="ranks")
            ax.set_xlim(-0.6, m - 0.4)
            ax.set_ylim(n - 0.5, -0.5)
            ax.grid(color="#EEEEEE", linewidth=0.4)
            ax.set_axisbelow(True)
        ax.set_xticks(np.arange(m))
        step = 1 if m <= 12 else 5
        ax.set_xticklabels(
            [
                c if i == 0 or c.startswith(">") or ((i + 1) % step == 0 and (step == 1 or i != m - 2)) else ""
                for i, c in enumerate(cols)
            ]
        )
        set_row_labels(ax, "y", np.arange(n), list(frame["system"]), max_chars=_name_chars(current_width(default_w)))
        ax.tick_params(axis="both", length=0)
        ax.set_xlabel("rank")
        ax.set_title(f"{boot.rule}, {boot.n_resamples} resamples", loc="left", fontsize=FONT_SIZE)
    return finish(ax, created)


def _cell_points(ax: Any, n: int, m: int) -> float:
    """The side of one cell in points (for blob areas: a probability of 1 fills the cell)."""
    bbox = ax.get_position()
    w = bbox.width * ax.figure.get_figwidth() * 72.0 / max(m, 1)
    h = bbox.height * ax.figure.get_figheight() * 72.0 / max(n, 1)
    return 0.95 * min(w, h)


def _annotate(ax: Any, p: np.ndarray, im: Any, *, fmt: str = "{:.2f}", limit: int = 12) -> None:
    """Write each cell's value in it when the matrix is small enough to read (skips masked / NaN cells)."""
    n, m = p.shape
    if n > limit or m > limit or not roomy(ax, n, m):
        return
    cmap, norm = im.get_cmap(), im.norm
    for i in range(n):
        for j in range(m):
            v = p[i, j]
            if np.ma.is_masked(v) or not np.isfinite(v):
                continue
            r, g, b, _ = cmap(norm(v))
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            text = fmt.format(v)
            if text.startswith("0.") and fmt == "{:.2f}":
                text = text[1:]
            ax.text(j, i, text, ha="center", va="center", fontsize=5.5, color="white" if dark else "black")


def prob_above(boot: BootstrapResult, *, ax: Any = None, top: int | None = None, **kwargs: Any) -> Any:
    """The matrix P(row system ranked strictly above column system) over the resamples, in rank order.

    Parameters
    ----------
    boot : BootstrapResult
        What :func:`rankagg.bootstrap` returns.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    top : int, optional
        Show only the best ``top`` systems (by full-data rank).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.imshow`.

    Returns
    -------
    matplotlib.axes.Axes
        A diverging colour map centred on 0.5; the diagonal is blank. A pair
        whose cell is below ``1 - confidence`` or above ``confidence`` is told
        apart by the bootstrap.

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> boot = rankagg.bootstrap(rankagg.load_example("toy"), "borda", n_resamples=200, rng=0)
    >>> ax = rankagg.plot.prob_above(boot, top=3)
    >>> ax.images[0].get_array().shape
    (3, 3)
    """
    boot = _boot(boot, "prob_above")
    shown, frame = _order(boot, top, "prob_above")
    n = len(shown)
    if n < len(boot.systems):  # only the pairs shown: B x top x top comparisons, not B x n x n
        r = boot.ranks[:, shown]
        p = np.count_nonzero(r[:, :, None] < r[:, None, :], axis=0) / r.shape[0]
    else:
        p = boot.prob_above().to_numpy()[np.ix_(shown, shown)]
    data = np.ma.masked_array(p, mask=np.eye(n, dtype=bool))
    side = max(ROW_HEIGHT * n, 1.4)
    default_w = ONE_COLUMN if n <= 18 else TWO_COLUMN
    ax, created = new_axes(ax, width=default_w, height=0.9 + side)
    with styled():
        opts = {"cmap": DIVERGING, "vmin": 0.0, "vmax": 1.0, "aspect": "auto", "interpolation": "none"}
        opts.update(kwargs)
        im = ax.imshow(data, **opts)
        im.set_gid("prob-above")
        cb = ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.02)
        cb.set_label("P(row ranked above column)")
        cb.outline.set_linewidth(0.4)
        _annotate(ax, data, im)
        names = list(frame["system"])
        chars = _name_chars(current_width(default_w))
        set_row_labels(ax, "y", np.arange(n), names, max_chars=chars)
        set_row_labels(ax, "x", np.arange(n), names, max_chars=chars)
        ax.tick_params(axis="both", length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        ax.set_title(f"{boot.rule}, {boot.n_resamples} resamples", loc="left", fontsize=FONT_SIZE)
    return finish(ax, created)
