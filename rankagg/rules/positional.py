"""Positional rules: Borda (mean rank), Dowdall, plurality, and HELM's mean win rate.

All of them read only each task's ranking (ties averaged), never the scores.
"""

from __future__ import annotations

import numpy as np

from rankagg._errors import RuleError, preview
from rankagg.rules.base import RuleInput, RuleOutput, batch_mean, register

__all__: list[str] = []


def _group_bounds(col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a column of average ranks (NaN allowed): first position and size of each system's tie group."""
    start = np.full(col.shape, np.nan)
    size = np.full(col.shape, np.nan)
    ok = ~np.isnan(col)
    if ok.any():
        _, inv, counts = np.unique(col[ok], return_inverse=True, return_counts=True)
        g = counts[inv].astype(np.float64)
        size[ok] = g
        start[ok] = col[ok] - (g - 1.0) / 2.0
    return start, size


# vectorised forms (RuleInfo.batch): the scores of many reweightings of the tasks at once
def _dowdall_points(r: np.ndarray) -> np.ndarray:
    from scipy.special import digamma

    pts = np.empty(r.shape)
    for j in range(r.shape[1]):
        a, g = _group_bounds(r[:, j])
        b = a + g - 1.0
        # sum_{p=a}^{b} 1/p = digamma(b + 1) - digamma(a)
        pts[:, j] = (digamma(b + 1.0) - digamma(a)) / g
    return pts


def _plurality_points(r: np.ndarray) -> np.ndarray:
    best = r == np.nanmin(r, axis=0, keepdims=True)
    return best / best.sum(axis=0, keepdims=True)


def _win_rate_batch(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    r = inp.rankings.ranks
    present = ~np.isnan(r)
    n_t = present.sum(axis=0).astype(np.float64)
    usable = present & (n_t >= 2)[None, :]
    rate = np.where(usable, (n_t - np.nan_to_num(r)) / np.maximum(n_t - 1.0, 1.0), 0.0)
    return (w @ rate.T) / (w @ usable.T.astype(np.float64)), True


@register(
    "borda",
    family="positional",
    summary="Borda count: weighted mean of each system's rank over tasks (ties share the average rank).",
    score_name="mean rank",
    partial_ok=False,
    condorcet_consistent=False,
    rank_only=True,
    aliases=("borda_count", "mean_rank", "average_rank"),
    reference="Borda (1781); Colombo et al., NeurIPS 2022.",
    batch=lambda inp, w: (batch_mean(inp.rankings.ranks, w), False),
)
def borda(inp: RuleInput) -> RuleOutput:
    """Mean rank, lower is better; equivalent to the Borda count (n - rank points per task)."""
    r = inp.rankings.ranks
    w = inp.rankings.weights
    return RuleOutput((r * w).sum(axis=1) / w.sum(), higher_is_better=False)


@register(
    "dowdall",
    family="positional",
    summary="Dowdall (Nauru) count: weighted mean of 1/position; tied systems share the mean of their 1/position.",
    score_name="mean 1/position",
    partial_ok=False,
    condorcet_consistent=False,
    rank_only=True,
    aliases=("nauru",),
    reference="Fraenkel & Grofman (2014), 'The Borda Count and its real-world alternatives'.",
    batch=lambda inp, w: (batch_mean(_dowdall_points(inp.rankings.ranks), w), True),
)
def dowdall(inp: RuleInput) -> RuleOutput:
    """Positions 1, 2, 3, ... score 1, 1/2, 1/3, ...; a tie group over positions a..b scores mean(1/a..1/b)."""
    w = inp.rankings.weights
    return RuleOutput((_dowdall_points(inp.rankings.ranks) * w).sum(axis=1) / w.sum(), higher_is_better=True)


@register(
    "plurality",
    family="positional",
    summary="Plurality: weighted number of tasks a system wins (systems tied first share the win).",
    score_name="tasks won",
    partial_ok=False,
    condorcet_consistent=False,
    rank_only=True,
    pareto="weak",
    aliases=("first_past_the_post", "wins"),
    batch=lambda inp, w: (w @ _plurality_points(inp.rankings.ranks).T, True),
)
def plurality(inp: RuleInput) -> RuleOutput:
    """Each task gives weight ``w_t / k`` to each of the ``k`` systems ranked first there."""
    w = inp.rankings.weights
    return RuleOutput((_plurality_points(inp.rankings.ranks) * w).sum(axis=1), higher_is_better=True)


@register(
    "win_rate",
    family="positional",
    summary="HELM's mean win rate: per task, the share of other systems beaten (ties count half), averaged.",
    score_name="mean win rate",
    partial_ok=True,
    condorcet_consistent=False,
    rank_only=True,
    aliases=("mean_win_rate", "helm", "helm_win_rate"),
    reference="Liang et al., 'Holistic Evaluation of Language Models' (2022), helm-summarize.",
    batch=_win_rate_batch,
)
def win_rate(inp: RuleInput) -> RuleOutput:
    """Per task with ``n_t >= 2`` scored systems: ``(wins + ties / 2) / (n_t - 1) = (n_t - rank) / (n_t - 1)``.

    The mean is over the tasks where the system has a score (weighted); tasks
    with fewer than two scores are skipped, as in ``helm-summarize``.
    """
    r = inp.rankings.ranks
    w = inp.rankings.weights
    present = ~np.isnan(r)
    n_t = present.sum(axis=0).astype(np.float64)
    usable = n_t >= 2
    rate = np.where(present & usable, (n_t - r) / np.maximum(n_t - 1.0, 1.0), np.nan)
    ww = np.where(np.isnan(rate), 0.0, w)
    total = ww.sum(axis=1)
    if np.any(total == 0):
        lost = [inp.table.systems[i] for i in np.nonzero(total == 0)[0]]
        raise RuleError(
            f"rule 'win_rate': system(s) {preview(lost)} have no task with two or more scored systems, "
            "so no win rate; exclude them or use missing='drop_systems'."
        )
    return RuleOutput(np.nansum(rate * w, axis=1) / total, higher_is_better=True)
