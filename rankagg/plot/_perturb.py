"""Figures of the perturbation studies (:mod:`rankagg.uncertainty.perturbations`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, did_you_mean
from rankagg.plot._style import (
    FONT_SIZE,
    OKABE_ITO,
    ONE_COLUMN,
    TWO_COLUMN,
    finish,
    new_axes,
    set_row_labels,
    short_names,
    styled,
    wrong_kind,
)

__all__ = ["perturbation"]

_TAKES = "the DataFrame of a perturbation study (rankagg.remove_tasks, rankagg.perturbation_studies, ...)"
#: Studies drawn as Kendall tau against a numeric parameter (x label), with a band over the draws.
CURVES = {
    "remove_tasks": "tasks removed (k)",
    "add_noise": "noise (share of each task's standard deviation)",
    "mask_cells": "share of scores hidden",
}
#: The study drawn when a frame holds several, in this order of preference.
PREFERENCE = ("remove_tasks", "rescale_task", "add_noise", "mask_cells")
BAND = (0.1, 0.9)  # quantiles of the band over draws


def _curves(df: pd.DataFrame, study: str, ax: Any, kwargs: dict[str, Any]) -> None:
    """Mean Kendall tau over the draws against the parameter, one line per rule (and policy), with a 10-90% band."""
    keys = ["rule", "policy"] if study == "mask_cells" and "policy" in df and df["policy"].notna().any() else ["rule"]
    d = df.assign(x=pd.to_numeric(df["parameter"], errors="coerce"))
    styles = ("-", "--", ":", "-.")
    for i, (key, g) in enumerate(d.groupby(keys, sort=False)):
        key = key if isinstance(key, tuple) else (key,)
        stats = g.groupby("x")["kendall_tau"]
        x = np.array(sorted(g["x"].dropna().unique()), dtype=float)
        mean = stats.mean().reindex(x).to_numpy(dtype=float)
        low = stats.quantile(BAND[0]).reindex(x).to_numpy(dtype=float)
        high = stats.quantile(BAND[1]).reindex(x).to_numpy(dtype=float)
        colour = OKABE_ITO[i % 7]
        label = " / ".join(str(v) for v in key)
        opts = {"color": colour, "linestyle": styles[(i // 7) % 4], "marker": "o", "markersize": 2.5}
        opts.update(kwargs)
        ax.plot(x, mean, label=label, **opts)
        band = ax.fill_between(x, low, high, color=colour, alpha=0.18, linewidth=0)
        band.set_gid(f"band:{label}")
    ax.set_xlabel(CURVES[study])
    ax.set_ylabel("Kendall tau-b to full-data ranking")
    if study == "remove_tasks":
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="lower left", handlelength=1.8)
    n_draws = int(df.groupby(["rule", "parameter"], sort=False).size().max()) if len(df) else 0
    ax.set_title(f"mean over {n_draws} draws; band: {BAND[0]:.0%}–{BAND[1]:.0%} of draws", loc="left")
    ax.grid(color="#EEEEEE", linewidth=0.5)
    ax.set_axisbelow(True)


def _rescale(df: pd.DataFrame, ax: Any, kwargs: dict[str, Any]) -> None:
    """Tasks x rules: the share of rescaling factors that change the winner, the new winner written when one factor."""
    rules = list(dict.fromkeys(df["rule"]))
    tasks = list(dict.fromkeys(df["task"]))
    changed = df.assign(c=df["top1_changed"].astype("Float64")).pivot_table(
        index="task", columns="rule", values="c", aggfunc="mean"
    )
    rate = changed.reindex(index=tasks, columns=rules).to_numpy(dtype=float)
    opts = {"cmap": "Oranges", "vmin": 0.0, "vmax": 1.0, "aspect": "auto", "interpolation": "none"}
    opts.update(kwargs)
    im = ax.imshow(np.ma.masked_invalid(rate), **opts)
    im.set_gid("winner-changes")
    factors = list(dict.fromkeys(df["parameter"]))
    if len(factors) == 1 and len(tasks) <= 40:
        winners = {(t, r): w for t, r, w in zip(df["task"], df["rule"], df["top1"], strict=True)}
        for i, t in enumerate(tasks):
            for j, r in enumerate(rules):
                if rate[i, j] > 0:
                    w = short_names([str(winners[t, r])], 14)[0]
                    colour = "white" if rate[i, j] > 0.6 else "black"
                    ax.text(j, i, w, ha="center", va="center", fontsize=FONT_SIZE - 2, color=colour)
    ax.set_xticks(np.arange(len(rules)))
    ax.set_xticklabels(rules)
    ax.xaxis.tick_top()
    set_row_labels(ax, "y", np.arange(len(tasks)), [str(t) for t in tasks], max_chars=24)
    ax.tick_params(axis="both", length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    what = f"x {float(factors[0]):g}" if len(factors) == 1 else f"{len(factors)} factors"
    ax.set_xlabel(
        f"one task rescaled ({what})\ncoloured: the winner changes (to the one written)", fontsize=FONT_SIZE - 1
    )


def perturbation(robustness_result: pd.DataFrame, *, ax: Any = None, study: str | None = None, **kwargs: Any) -> Any:
    """The result of a perturbation study: Kendall tau against its strength per rule, or the rescaling attack.

    Parameters
    ----------
    robustness_result : pandas.DataFrame
        Rows of :func:`rankagg.remove_tasks`, :func:`rankagg.add_noise`,
        :func:`rankagg.mask_cells`, :func:`rankagg.rescale_task` or
        :func:`rankagg.perturbation_studies` (what ``rankagg robustness
        --format csv`` writes).
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new one-column figure.
    study : str, optional
        Which study to draw when the frame holds several; default the first
        of remove_tasks, rescale_task, add_noise, mask_cells present.
    **kwargs
        Passed to the lines (:meth:`~matplotlib.axes.Axes.plot`) or to the
        rescaling matrix (:meth:`~matplotlib.axes.Axes.imshow`).

    Returns
    -------
    matplotlib.axes.Axes
        remove_tasks, add_noise, mask_cells: x = the study's parameter (k
        tasks removed, noise level, share hidden), y = the mean Kendall tau-b
        over the draws, one line per rule (per rule and policy for
        mask_cells), a band from the 10th to the 90th percentile of the
        draws. rescale_task: tasks x rules, the share of the factors that
        change the winner (the new winner written in the cell when one factor).

    Examples
    --------
    >>> import rankagg, rankagg.plot
    >>> df = rankagg.remove_tasks(rankagg.load_example("toy"), rules="mean,kemeny", n_draws=10, rng=0)
    >>> ax = rankagg.plot.perturbation(df)
    >>> [line.get_label() for line in ax.lines]
    ['mean', 'kemeny']
    """
    df = robustness_result
    if not isinstance(df, pd.DataFrame) or not {"study", "rule", "parameter", "kendall_tau"} <= set(df.columns):
        raise wrong_kind("perturbation", _TAKES, df)
    present = list(dict.fromkeys(df["study"]))
    drawable = [s for s in PREFERENCE if s in present]
    if study is None:
        if not drawable:
            raise RankaggError(
                f"perturbation: draws the studies {', '.join(PREFERENCE)}; this frame holds "
                f"{', '.join(present) or 'no rows'} "
                "(their rows are summarised by rankagg.summarize_perturbations)."
            )
        study = drawable[0]
    elif study not in present or study not in PREFERENCE:
        raise RankaggError(
            f"perturbation: study={study!r}: choose one of the studies in the frame that can be drawn: "
            f"{', '.join(drawable) or 'none'}.{did_you_mean(str(study), drawable)}"
        )
    rows = df[df["study"] == study]
    if study == "rescale_task":
        n_tasks = rows["task"].nunique()
        ax, created = new_axes(ax, width=ONE_COLUMN if n_tasks <= 20 else TWO_COLUMN, height=0.9 + 0.16 * n_tasks)
    else:
        ax, created = new_axes(ax, width=ONE_COLUMN, height=2.4)
    with styled():
        if study == "rescale_task":
            _rescale(rows, ax, kwargs)
        else:
            _curves(rows, study, ax, kwargs)
    return finish(ax, created)
