"""Paper-grade defaults shared by every figure: sizes, palette, style, name shortening, figure creation.

matplotlib is imported inside the functions that draw, so importing this module does not load it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from typing import Any

from rankagg._errors import RankaggError

__all__ = [
    "OKABE_ITO",
    "ONE_COLUMN",
    "TWO_COLUMN",
    "label_names",
    "new_axes",
    "paper_style",
    "short_names",
    "shorten",
    "wrong_kind",
]

#: Width of a one-column figure in a two-column paper (inches).
ONE_COLUMN = 3.3
#: Width of a figure spanning both columns (inches).
TWO_COLUMN = 6.9

#: Okabe & Ito's colour-blind-safe palette (black last: it is the colour of reference lines).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
GREY = "#BBBBBB"
# sequential / diverging colour maps readable in greyscale and by colour-blind readers
SEQUENTIAL = "Blues"
DIVERGING = "PuOr"

FONT_SIZE = 7.0  # points: the size of a paper's figure text at one-column width
ROW_HEIGHT = 0.15  # inches per system row in the row-per-system figures
MAX_HEIGHT = 9.0  # inches: a figure taller than a page is not a figure
ELLIPSIS = "…"

_RC: dict[str, Any] = {
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE - 0.5,
    "ytick.labelsize": FONT_SIZE - 0.5,
    "legend.fontsize": FONT_SIZE - 0.5,
    "legend.frameon": False,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.2,
    "lines.markersize": 4.0,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
    "pdf.fonttype": 42,  # TrueType in PDF/PS: editable text, accepted by publishers
    "ps.fonttype": 42,
    "svg.fonttype": "none",  # text stays text in SVG (searchable, selectable)
    "figure.dpi": 150,
}

_WIDTH: contextvars.ContextVar[float | None] = contextvars.ContextVar("rankagg_plot_width", default=None)


def rc_params() -> dict[str, Any]:
    """The matplotlib settings of :func:`paper_style` (a copy)."""
    return dict(_RC)


def _check_width(width: Any) -> float | None:
    if width is None:
        return None
    if isinstance(width, str):
        key = width.strip().lower()
        if key in ("one", "1", "one-column", "single"):
            return ONE_COLUMN
        if key in ("two", "2", "two-column", "double"):
            return TWO_COLUMN
        raise RankaggError(f"width={width!r}: give 'one' (3.3 in), 'two' (6.9 in) or a number of inches.")
    try:
        w = float(width)
    except (TypeError, ValueError):
        w = float("nan")
    if not 0.5 <= w <= 40:
        raise RankaggError(f"width={width!r}: give a figure width in inches between 0.5 and 40, e.g. 3.3 or 6.9.")
    return w


@contextlib.contextmanager
def paper_style(width: float | str | None = None) -> Iterator[None]:
    """Context manager: paper-grade matplotlib settings, and the width of figures created inside it.

    Parameters
    ----------
    width : float or {"one", "two"}, optional
        Width in inches of the figures the plot functions create when no
        ``ax`` is given: ``"one"`` = :data:`ONE_COLUMN` (3.3 in),
        ``"two"`` = :data:`TWO_COLUMN` (6.9 in). Default: each figure's own
        (one column for most; two for the wide matrices).

    Notes
    -----
    The settings: 7 pt text (the size of a caption at one-column width),
    thin axes, no top/right spines, TrueType fonts in PDF (editable, accepted
    by publishers), text kept as text in SVG, 300 dpi raster output, tight
    bounding boxes. The plot functions draw with them whether or not this
    context is active; the output settings (fonts in PDF, text in SVG, dpi,
    bounding box) are read by matplotlib when a figure is saved, so call
    ``savefig`` inside the context to get them (``rankagg plot`` does). Use
    it also to style your own figures the same way, or to choose the width.

    Examples
    --------
    >>> import rankagg
    >>> import rankagg.plot as rp
    >>> with rp.paper_style(width="two"):
    ...     ax = rp.rank_intervals(rankagg.bootstrap(rankagg.load_example("toy"), n_resamples=50, rng=0))
    >>> float(ax.figure.get_figwidth())
    6.9
    """
    import matplotlib as mpl

    token = _WIDTH.set(_check_width(width))
    try:
        with mpl.rc_context(_RC):
            yield
    finally:
        _WIDTH.reset(token)


def current_width(default: float) -> float:
    """The width chosen by an enclosing :func:`paper_style`, else ``default``."""
    w = _WIDTH.get()
    return default if w is None else w


def new_axes(ax: Any, *, width: float, height: float) -> tuple[Any, bool]:
    """``ax`` itself (``False``), or the Axes of a new paper-styled figure of ``width`` x ``height`` in (``True``)."""
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            raise RankaggError(f"ax: expected a matplotlib Axes (or None for a new figure), got {type(ax).__name__}.")
        return ax, False
    import matplotlib.pyplot as plt

    with plt.rc_context(_RC):
        fig = plt.figure(figsize=(current_width(width), min(MAX_HEIGHT, max(1.0, height))))
        ax = fig.add_subplot()
    return ax, True


def styled() -> Any:
    """A context applying the paper style while artists are created (fonts, line widths)."""
    import matplotlib as mpl

    return mpl.rc_context(_RC)


def shorten(name: str, max_chars: int = 28) -> str:
    """Shorten a long system name with a middle ellipsis, keeping its beginning and end.

    Hugging Face names keep their organisation and the end of the model
    name, which is where versions and sizes are written.

    Examples
    --------
    >>> from rankagg.plot import shorten
    >>> shorten("sentence-transformers/all-MiniLM-L12-v2", 24)
    'sentence-tra…niLM-L12-v2'
    >>> shorten("BERT", 24)
    'BERT'
    """
    name = str(name)
    if max_chars < 5:
        raise RankaggError(f"max_chars={max_chars!r}: keep at least 5 characters of a name.")
    if len(name) <= max_chars:
        return name
    keep = max_chars - 1
    head = (keep + 1) // 2
    tail = keep - head
    return name[:head].rstrip() + ELLIPSIS + name[len(name) - tail :].lstrip()


def short_names(names: Sequence[str], max_chars: int = 28) -> list[str]:
    """:func:`shorten` each name, lengthening the shortened ones that would collide until they are distinct."""
    names = [str(n) for n in names]
    out = [shorten(n, max_chars) for n in names]
    limit = max_chars
    while len(set(out)) < len(out) and limit < max(map(len, names), default=0):
        limit += 2
        seen: dict[str, int] = {}
        for s in out:
            seen[s] = seen.get(s, 0) + 1
        out = [shorten(n, limit) if seen[s] > 1 else s for n, s in zip(names, out, strict=True)]
    return out


def label_names(texts: Sequence[Any], names: Sequence[str]) -> None:
    """Keep each full name on its (possibly shortened) label: as the Text's ``gid`` (an ``id`` in SVG output)
    and in its URL-free metadata, so :func:`full_name` can map it back."""
    for t, n in zip(texts, names, strict=True):
        t.set_gid(str(n))


def full_name(text: Any) -> str:
    """The full system name behind a (possibly shortened) label drawn by :mod:`rankagg.plot`."""
    gid = text.get_gid()
    return gid if gid is not None else text.get_text()


def set_row_labels(
    ax: Any, axis: str, positions: Sequence[float], names: Sequence[str], *, max_chars: int
) -> list[str]:
    """Tick labels at ``positions`` on ``axis`` ("x" or "y") with shortened names whose ``gid`` is the full name.

    When there are too many rows for the labels to be legible (rows closer
    than the font), every k-th row is labelled; the ticks stay at every row.
    """
    shown = short_names(names, max_chars)
    setter = ax.set_yticks if axis == "y" else ax.set_xticks
    setter(list(positions))
    step = _label_step(ax, axis, len(positions))
    labels = [s if i % step == 0 else "" for i, s in enumerate(shown)]
    if axis == "y":
        texts = ax.set_yticklabels(labels)
    else:
        texts = ax.set_xticklabels(labels, rotation=90)
    label_names(texts, names)
    return shown


def _label_step(ax: Any, axis: str, n: int) -> int:
    """Label every ``step``-th row so labels (about FONT_SIZE pt tall) do not overlap."""
    if n <= 1:
        return 1
    fig = ax.figure
    bbox = ax.get_position()
    inches = bbox.height * fig.get_figheight() if axis == "y" else bbox.width * fig.get_figwidth()
    pitch_pt = inches * 72.0 / n
    need = FONT_SIZE * 1.05
    return max(1, int(-(-need // pitch_pt))) if pitch_pt < need else 1


# which figures draw a result of each kind (for the error on a result of the wrong kind)
_DRAWN_BY = {
    "BootstrapResult": "rank_intervals, rank_probabilities or prob_above",
    "ComparisonResult": "bump or agreement",
    "FriedmanResult": "critical_difference",
    "ScoreTable": "critical_difference, task_ranks, bump_tasks or pairwise_margins",
    "PairwiseProfile": "pairwise_margins",
    "DataFrame": "perturbation (the rows of a perturbation study)",
}


def roomy(ax: Any, n: int, m: int) -> bool:
    """Whether the cells of an ``n`` x ``m`` matrix on ``ax`` can hold a 5.5 pt number (about 15 x 8 points)."""
    bbox = ax.get_position()
    w = bbox.width * ax.figure.get_figwidth() * 72.0 / max(m, 1)
    h = bbox.height * ax.figure.get_figheight() * 72.0 / max(n, 1)
    return w >= 15.0 and h >= 8.0


def wrong_kind(func: str, wants: str, got: Any) -> RankaggError:
    """The one-line error for a result of the wrong kind: names the function, what it takes, and what draws ``got``."""
    name = type(got).__name__
    other = _DRAWN_BY.get(name)
    hint = f", which {other} draw" if other and func not in other else ""
    return RankaggError(f"{func} takes {wants}; got {name}{hint}.")


def check_top(top: Any, n: int, func: str) -> int:
    """``top`` validated: None -> every system (``n``)."""
    if top is None:
        return n
    if isinstance(top, bool) or (not isinstance(top, int) and not hasattr(top, "__index__")):
        raise RankaggError(f"{func}: top={top!r}: give a positive number of systems to show, e.g. top=20.")
    t = int(top)
    if t < 1:
        raise RankaggError(f"{func}: top={top!r}: give a positive number of systems to show, e.g. top=20.")
    return min(t, n)


def finish(ax: Any, created: bool) -> Any:
    """Lay out a figure this module created (a tight layout that leaves room for the labels)."""
    if created:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ax.figure.tight_layout(pad=0.3)
    return ax
