"""Score-based rules: raw mean, z-score mean, min-max mean, geometric mean, median.

These read the scores themselves, so they depend on each metric's scale (the
raw mean most of all): they are here to be compared with rank-based rules.
Rules that average raw scores need every column to share one direction.
"""

from __future__ import annotations

import numpy as np

from rankagg._errors import RuleError, preview
from rankagg.rules.base import RuleInput, RuleOutput, batch_mean, register

__all__: list[str] = []


def _same_direction(inp: RuleInput, rule: str) -> bool:
    hib = inp.table.higher_is_better
    if hib.all():
        return True
    if not hib.any():
        return False
    up = [c.label for c in inp.table.columns if c.higher_is_better]
    down = [c.label for c in inp.table.columns if not c.higher_is_better]
    raise RuleError(
        f"rule {rule!r} averages raw scores, but tasks {preview(up, 3)} are higher-is-better and "
        f"{preview(down, 3)} lower-is-better; use 'zscore_mean' or 'minmax_mean' (which orient each task), "
        "or a rank-based rule such as 'borda'."
    )


def _wmean(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (x * w).sum(axis=1) / w.sum()


# vectorised forms (RuleInfo.batch): the scores of many reweightings of the tasks at once
def _mean_batch(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    return batch_mean(inp.table.scores, w), _same_direction(inp, "mean")


def _zscore_points(inp: RuleInput) -> np.ndarray:
    x = inp.table.oriented_scores()
    sd = x.std(axis=0)
    return np.divide(x - x.mean(axis=0), sd, out=np.zeros_like(x), where=sd > 0)


def _minmax_points(inp: RuleInput) -> np.ndarray:
    x = inp.table.oriented_scores()
    lo = x.min(axis=0)
    span = x.max(axis=0) - lo
    return np.divide(x - lo, span, out=np.full_like(x, 0.5), where=span > 0)


def _geometric_batch(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    geometric_mean(inp)  # the rule's own checks (one direction, positive scores) and errors
    return np.exp(batch_mean(np.log(inp.table.scores), w)), bool(inp.table.higher_is_better.all())


@register(
    "mean",
    family="mean",
    summary="Weighted arithmetic mean of the raw scores (the usual leaderboard average).",
    score_name="mean score",
    partial_ok=False,
    condorcet_consistent=False,
    rank_only=False,
    aliases=("raw_mean", "average", "arithmetic_mean"),
    reference="Standard leaderboard practice (e.g. GLUE score).",
    batch=_mean_batch,
)
def mean_rule(inp: RuleInput) -> RuleOutput:
    """Weighted mean of raw scores; all tasks must share a direction."""
    hib = _same_direction(inp, "mean")
    return RuleOutput(_wmean(inp.table.scores, inp.table.weights), higher_is_better=hib)


@register(
    "zscore_mean",
    family="mean",
    summary="Mean of per-task z-scores (each task standardised, oriented so higher is better).",
    score_name="mean z-score",
    partial_ok=False,
    condorcet_consistent=False,
    rank_only=False,
    aliases=("zscore", "z_score_mean", "standardized_mean"),
    batch=lambda inp, w: (batch_mean(_zscore_points(inp), w), True),
)
def zscore_mean(inp: RuleInput) -> RuleOutput:
    """Per task ``(x - mean) / std`` (population std; a constant task gives 0), then weighted mean."""
    return RuleOutput(_wmean(_zscore_points(inp), inp.table.weights), higher_is_better=True)


@register(
    "minmax_mean",
    family="mean",
    summary="Mean of per-task min-max normalised scores (best = 1, worst = 0).",
    score_name="mean normalised score",
    partial_ok=False,
    condorcet_consistent=False,
    rank_only=False,
    aliases=("minmax", "min_max_mean", "normalized_mean"),
    batch=lambda inp, w: (batch_mean(_minmax_points(inp), w), True),
)
def minmax_mean(inp: RuleInput) -> RuleOutput:
    """Per task ``(x - min) / (max - min)`` oriented so 1 is best (a constant task gives 0.5)."""
    return RuleOutput(_wmean(_minmax_points(inp), inp.table.weights), higher_is_better=True)


@register(
    "geometric_mean",
    family="mean",
    summary="Weighted geometric mean of the raw scores (all scores must be positive).",
    score_name="geometric mean score",
    partial_ok=False,
    condorcet_consistent=False,
    rank_only=False,
    aliases=("geomean", "geometric"),
    batch=_geometric_batch,
)
def geometric_mean(inp: RuleInput) -> RuleOutput:
    """``exp(sum_t w_t log x_t / sum_t w_t)``; all tasks must share a direction."""
    hib = _same_direction(inp, "geometric_mean")
    x = inp.table.scores
    bad = np.argwhere(x <= 0)
    if bad.size:
        cells = [f"({inp.table.systems[i]!r}, {inp.table.labels[j]!r}) = {x[i, j]}" for i, j in bad]
        raise RuleError(
            f"rule 'geometric_mean' needs positive scores, but found {preview(cells, 3)}; "
            "use 'mean', 'minmax_mean' or a rank-based rule."
        )
    w = inp.table.weights
    return RuleOutput(np.exp((np.log(x) * w).sum(axis=1) / w.sum()), higher_is_better=hib)


def weighted_median(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Row-wise weighted median; equals :func:`numpy.median` for equal weights.

    The median is the smallest value whose cumulative weight reaches half the
    total; when the cumulative weight equals exactly half at a value, the
    median is the mean of that value and the next one.
    """
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ws = w[order]
    cw = np.cumsum(ws, axis=1)
    half = w.sum() / 2.0
    tol = 1e-12 * w.sum()
    k = (cw < half - tol).sum(axis=1)  # first index reaching half
    rows = np.arange(x.shape[0])
    at_k = xs[rows, k]
    exact = np.abs(cw[rows, k] - half) <= tol
    nxt = xs[rows, np.minimum(k + 1, x.shape[1] - 1)]
    return np.where(exact, (at_k + nxt) / 2.0, at_k)


@register(
    "median",
    family="mean",
    summary="Weighted median of the raw scores.",
    score_name="median score",
    partial_ok=False,
    condorcet_consistent=False,
    rank_only=False,
    pareto="weak",
    aliases=("median_score",),
)
def median_rule(inp: RuleInput) -> RuleOutput:
    """Weighted median of raw scores; all tasks must share a direction."""
    hib = _same_direction(inp, "median")
    return RuleOutput(weighted_median(inp.table.scores, inp.table.weights), higher_is_better=hib)
