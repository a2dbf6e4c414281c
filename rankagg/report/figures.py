"""The report's figures: :mod:`rankagg.plot` drawn on the report's results, as inline SVG.

matplotlib is imported here, inside the functions, so building a report
without figures (or importing :mod:`rankagg.report`) does not load it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rankagg._errors import RankaggError
from rankagg.uncertainty.stats import friedman_nemenyi

__all__ = ["SCREEN_SCALE", "Figure", "draw_figures", "svg_of"]

#: Figures are drawn at paper size and shown this many times larger on the page.
SCREEN_SCALE = 1.6


@dataclass(frozen=True)
class Figure:
    """One figure of a report: an inline SVG and the words that stand for it.

    Attributes
    ----------
    key : str
        The :mod:`rankagg.plot` function that drew it (``"rank_intervals"`` ...).
    title : str
        Heading shown above the figure.
    alt : str
        Text alternative: what the figure shows, for screen readers and when
        the image cannot be seen (the SVG's ``aria-label`` and ``<title>``).
    svg : str
        The figure as an SVG document (no XML prolog), ready to inline.
    """

    key: str
    title: str
    alt: str
    svg: str = field(repr=False)


def svg_of(fig: Any, *, alt: str, key: str) -> str:
    """``fig`` as an inline SVG element: text kept as text, ids unique to ``key``, ``role="img"``, an
    ``aria-label`` and a ``<title>`` holding ``alt``."""
    import html

    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"rankagg-{key}"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    start = svg.find("<svg")
    svg = svg[start:]
    # ids of one figure must not clash with another's in the same page; a gid that several artists share (a
    # system's name on each of its marks) is not an id but a label: it becomes data-gid
    counts: dict[str, int] = {}
    for m in re.finditer(r'\sid="([^"]+)"', svg):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    svg = re.sub(
        r'(\s)id="([^"]+)"',
        lambda m: (
            f'{m.group(1)}id="{key}-{m.group(2)}"'
            if counts[m.group(2)] == 1
            else f'{m.group(1)}data-gid="{m.group(2)}"'
        ),
        svg,
    )
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{key}-{m.group(1)})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{key}-{m.group(1)}"', svg)
    label = html.escape(alt, quote=True)
    # paper sizes (3.3 or 6.9 inches) read small on a screen: shown SCREEN_SCALE times larger, within the page
    width = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg)
    style = f' style="width: min(100%, {float(width.group(1)) * SCREEN_SCALE:.0f}pt); height: auto"' if width else ""
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{label}"{style}', 1)
    close = svg.find(">") + 1
    return svg[:close] + f"<title>{label}</title>" + svg[close:]


def draw_figures(table: Any, cmp: Any, boot: Any, main: Any, *, top: int | None, notes: list[str]) -> tuple[Any, ...]:
    """Every figure that :mod:`rankagg.plot` can draw for this report (a note in ``notes`` for each one it
    cannot, and why)."""
    import importlib

    try:
        plot = importlib.import_module("rankagg.plot")
    except ImportError as exc:
        fix = "pip install matplotlib" if "matplotlib" in str(exc) else "this rankagg has no rankagg.plot"
        notes.append(f"Figures not drawn: rankagg.plot cannot be imported ({exc}; {fix}).")
        return ()
    import matplotlib.pyplot as plt

    n = table.n_systems
    shown = n if top is None else min(n, top)
    some = "" if shown == n else f" (the best {shown} of {n} systems)"
    conf = f"{100 * boot.confidence:g}%"
    specs: list[tuple[str, str, str, Callable[[], Any]]] = []

    def add(key: str, title: str, alt: str, draw: Callable[[], Any]) -> None:
        specs.append((key, title, alt, draw))

    if hasattr(plot, "rank_intervals"):
        add(
            "rank_intervals",
            f"Rank intervals under {boot.rule}",
            f"Each system's {conf} bootstrap rank interval under {boot.rule} as a horizontal bar with its rank as a "
            f"point, best first{some}; P(top 1) next to each name.",
            lambda: plot.rank_intervals(boot, top=top),
        )
    if hasattr(plot, "bump"):
        add(
            "bump",
            "Ranks across rules",
            f"Bump chart: each system's rank under {', '.join(cmp.rules)}{some}; pairs whose order differs from "
            f"{cmp.reference} are highlighted.",
            lambda: plot.bump(cmp, top=top),
        )
    if hasattr(plot, "agreement"):
        add(
            "agreement",
            "Agreement between rules",
            f"Heatmap of Kendall tau-b between the rankings of {', '.join(cmp.rules)}.",
            lambda: plot.agreement(cmp),
        )
    if hasattr(plot, "rank_probabilities"):
        add(
            "rank_probabilities",
            "Rank probabilities",
            f"Heatmap of the share of bootstrap resamples giving each system{some} each rank under {boot.rule}.",
            lambda: plot.rank_probabilities(boot, top=top),
        )
    if hasattr(plot, "prob_above"):
        add(
            "prob_above",
            "P(ranked above)",
            f"Heatmap of the share of resamples ranking the row system above the column system{some}.",
            lambda: plot.prob_above(_best(boot, shown), top=top),
        )
    # task_ranks orders its rows by solving the rule again, pairwise_margins by solving Kemeny: on boards where
    # that took seconds the report leaves them out rather than double its run time (rankagg plot draws them)
    slow_rule = _seconds(main) > SLOW_SECONDS
    kemeny = cmp.results.get("kemeny")
    slow_kemeny = _seconds(kemeny) > SLOW_SECONDS if kemeny is not None else n > 100
    if slow_rule:
        notes.append(
            f"Figure task_ranks not drawn: it solves {main.rule} again to order its rows, which took "
            f"{_seconds(main):.1f} s on this table; draw it with `rankagg plot task_ranks FILE --top {shown}`."
        )
    if slow_kemeny:
        took = f"took {_seconds(kemeny):.1f} s" if kemeny is not None else f"is slow on {n} systems"
        notes.append(
            f"Figure pairwise_margins not drawn: it solves Kemeny again to order its rows, which {took} on this "
            f"table; draw it with `rankagg plot pairwise_margins FILE --top {shown}`."
        )
    if hasattr(plot, "task_ranks") and not slow_rule:
        add(
            "task_ranks",
            "Per-task ranks",
            f"Heatmap of each system's rank on each task{some}, rows in consensus order; missing scores blank.",
            lambda: plot.task_ranks(table, rule=main.rule, top=top),
        )
    if hasattr(plot, "critical_difference"):

        def cd() -> Any:
            return plot.critical_difference(friedman_nemenyi(table), top=top)

        add(
            "critical_difference",
            "Critical difference diagram",
            f"Demšar's critical difference diagram: mean ranks over the tasks{some} on an axis, the Nemenyi critical "
            "difference as a bar, systems that are not significantly different joined by bars.",
            cd,
        )
    if hasattr(plot, "pairwise_margins") and not slow_kemeny:
        add(
            "pairwise_margins",
            "Pairwise wins",
            f"Heatmap of the tasks each system{some} wins against each other, rows and columns in consensus order.",
            lambda: plot.pairwise_margins(table, top=top),
        )
    missing = [
        k
        for k in (
            "rank_intervals",
            "bump",
            "agreement",
            "rank_probabilities",
            "prob_above",
            "task_ranks",
            "critical_difference",
            "pairwise_margins",
        )
        if not hasattr(plot, k)
    ]
    if missing:
        notes.append(f"Figures not drawn (not in this version of rankagg.plot): {', '.join(missing)}.")
    import warnings

    out = []
    for key, title, alt, draw in specs:
        try:
            with warnings.catch_warnings():
                # the SVG keeps text as text: the browser draws names in scripts matplotlib's font lacks
                warnings.filterwarnings("ignore", message="Glyph .* missing from font")
                ax = draw()
        except RankaggError as exc:
            notes.append(f"Figure {key} not drawn: {' '.join(str(exc).split())}")
            plt.close("all")
            continue
        fig = ax.figure
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Glyph .* missing from font")
                out.append(Figure(key=key, title=title, alt=alt, svg=svg_of(fig, alt=alt, key=key)))
        finally:
            plt.close(fig)
    return tuple(out)


#: A rule solved in more than this many seconds is not solved again for a figure.
SLOW_SECONDS = 2.0


def _seconds(res: Any) -> float:
    """How long a result's rule took (its own record, for the rules that keep one; 0 otherwise)."""
    t = res.diagnostics.get("time_seconds") if res is not None else None
    return float(t) if t is not None else 0.0


def _best(boot: Any, k: int) -> Any:
    """The bootstrap result of the ``k`` best systems only (their ranks among all systems, unchanged): what a
    figure of the top ``k`` reads, without the n x n work of the whole board (P(i above j) depends on i and j
    alone: 1,192 systems, 3.5 s -> 0.01 s)."""
    import dataclasses

    import numpy as np

    if k >= len(boot.systems):
        return boot
    ranks = np.asarray(boot.ranks)
    best_first = np.lexsort((ranks.mean(axis=0), np.asarray(boot.full_ranks)))  # the figures' order (to_frame)
    idx = np.sort(best_first[:k])
    ranks = ranks[:, idx]
    return dataclasses.replace(
        boot, systems=tuple(boot.systems[i] for i in idx), full_ranks=np.asarray(boot.full_ranks)[idx], ranks=ranks
    )
