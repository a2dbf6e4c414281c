"""Compatibility rules: the aggregates published leaderboards compute, reproduced exactly.

Each rule follows one upstream definition, cited in its docstring
(repository, file, function), including the way it treats missing scores and
ties, which the boards themselves do not always document:

* ``mteb_borda``: MTEB's ``Rank (Borda)``;
* ``mean_available``: the mean over the scores a system has (WMT's "Ave z");
* ``arena_elo``: Chatbot Arena's Bradley-Terry on the Elo scale.

HELM's mean win rate is the registered rule ``win_rate`` (aliases ``helm``,
``helm_win_rate``): it already computes HELM's ``compute_aggregate_row_win_rates``
(ties count half, columns with fewer than two scores are skipped, the mean is
over the columns a system has); ``tests/test_compat_rules.py`` checks it
against a transcription of HELM's function. The one difference is a system with
no comparable column: HELM shows an empty cell (``None``), rankagg raises an
error naming it. The Open LLM Leaderboard average, GLUE's score and
AlpacaEval's win rate are the rule ``mean`` (GLUE with column weights, see
the README section "Published leaderboards, reproduced").

Bradley-Terry on the Elo scale: a log-strength :math:`\\theta` (natural log
odds) is the rating :math:`R = R_0 + s \\, \\theta / \\ln b` (``initial``
:math:`R_0 = 1000`, ``scale`` :math:`s = 400`, ``base`` :math:`b = 10`), so that
:math:`P(i \\text{ beats } j) = 1 / (1 + b^{(R_j - R_i)/s})`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rankagg._errors import RuleError, did_you_mean, preview
from rankagg.rules.base import RuleInput, RuleOutput, get_rule, register

__all__ = ["anchor_offset", "check_elo_scale", "elo_from_log_strengths", "log_strengths_from_elo"]


def elo_from_log_strengths(
    theta: Any, *, scale: float = 400.0, base: float = 10.0, initial: float = 1000.0
) -> np.ndarray:
    """Elo ratings ``initial + scale * theta / ln(base)`` of natural log-strengths ``theta``.

    Parameters
    ----------
    theta : array_like
        Log-strengths (Bradley-Terry: ``P(i beats j) = 1 / (1 + exp(theta_j - theta_i))``).
    scale, base, initial : float
        The Elo scale: ``scale`` points of rating are a factor ``base`` in the odds;
        ``initial`` is the rating of log-strength 0 (the mean, for sum-to-zero log-strengths).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.rules.compat import elo_from_log_strengths
    >>> elo_from_log_strengths(np.array([np.log(10.0), 0.0])).round(6).tolist()  # odds 10:1 = 400 points
    [1400.0, 1000.0]
    """
    return float(initial) + float(scale) * np.asarray(theta, dtype=np.float64) / math.log(float(base))


def log_strengths_from_elo(
    rating: Any, *, scale: float = 400.0, base: float = 10.0, initial: float = 1000.0
) -> np.ndarray:
    """The inverse of :func:`elo_from_log_strengths`.

    Examples
    --------
    >>> from rankagg.rules.compat import log_strengths_from_elo
    >>> round(float(log_strengths_from_elo(1400.0)), 6)  # ln(10): odds 10 to 1 against a 1000-rated system
    2.302585
    """
    return (np.asarray(rating, dtype=np.float64) - float(initial)) * math.log(float(base)) / float(scale)


def check_elo_scale(scale: Any, base: Any, initial: Any, rule: str = "arena_elo") -> tuple[float, float, float]:
    """Validate the Elo scale parameters; return them as floats (a :class:`~rankagg.RuleError` names a bad one).

    Examples
    --------
    >>> from rankagg.rules.compat import check_elo_scale
    >>> check_elo_scale(400, 10, 1000)
    (400.0, 10.0, 1000.0)
    """
    out = []
    for name, v, ok, hint in (
        ("scale", scale, lambda x: x > 0, "a positive number of rating points per factor `base` (Arena: 400)"),
        ("base", base, lambda x: x > 1, "a number > 1 (Arena: 10)"),
        ("initial", initial, lambda x: True, "a finite rating of the average system (Arena: 1000)"),
    ):
        try:
            x = float(v)
        except (TypeError, ValueError):
            x = float("nan")
        if not (math.isfinite(x) and ok(x)):
            raise RuleError(f"rule {rule!r}: {name}={v!r} must be {hint}.")
        out.append(x)
    return out[0], out[1], out[2]


def anchor_offset(systems: tuple[str, ...], ratings: np.ndarray, anchor: Any, rule: str = "arena_elo") -> float:
    """How much to add to ``ratings`` so that the anchor system ``(name, rating)`` has that rating (0 without one).

    ``ratings`` may be one row per resample (the anchor's column is used).

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.rules.compat import anchor_offset
    >>> float(anchor_offset(("a", "b"), np.array([1100.0, 900.0]), ("b", 1000)))
    100.0
    """
    if anchor is None:
        return 0.0
    try:
        name, value = anchor
        value = float(value)
    except (TypeError, ValueError):
        raise RuleError(
            f"rule {rule!r}: anchor={anchor!r} must be a (system, rating) pair, e.g. "
            "anchor=('mixtral-8x7b-instruct-v0.1', 1114) as on Chatbot Arena."
        ) from None
    if str(name) not in systems:
        raise RuleError(
            f"rule {rule!r}: anchor system {name!r} is not among the systems ({preview(systems, 6)})."
            f"{did_you_mean(str(name), systems)}"
        )
    return value - ratings[..., systems.index(str(name))]


# ----------------------------------------------------------------------------- MTEB Rank (Borda)
def _mteb_points(inp: RuleInput) -> np.ndarray:
    """Per task ``n - average rank`` (``n`` = every model on the board), 0 where a model has no score."""
    r = inp.rankings.ranks
    return np.where(np.isnan(r), 0.0, float(r.shape[0]) - np.nan_to_num(r))


def _mean_available_batch(inp: RuleInput, w: np.ndarray) -> tuple[np.ndarray, bool]:
    mean_available(inp)  # the rule's own checks (one direction, every system scored somewhere) and errors
    x = inp.table.scores
    have = (~np.isnan(x)).astype(np.float64)
    return (w @ np.where(np.isnan(x), 0.0, x).T) / (w @ have.T), bool(inp.table.higher_is_better.all())


@register(
    "mteb_borda",
    family="positional",
    summary="MTEB's Rank (Borda): per task, n_models minus the (average) rank among the scored models; a missing "
    "task scores 0 points; summed over tasks.",
    score_name="Borda points",
    partial_ok=True,
    condorcet_consistent=False,
    rank_only=True,
    aliases=("mteb", "mteb_rank_borda", "borda_points"),
    reference="embeddings-benchmark/mteb, mteb/benchmarks/_create_table.py, _get_borda_rank and _borda_rank_from_long.",
    batch=lambda inp, w: (w @ _mteb_points(inp).T, True),
)
def mteb_borda(inp: RuleInput) -> RuleOutput:
    """MTEB's ``Rank (Borda)``: Borda points summed over tasks, higher is better.

    Upstream (``embeddings-benchmark/mteb``, ``mteb/benchmarks/_create_table.py``,
    ``_get_borda_rank``; long form ``_borda_rank_from_long``): per task,
    ``n - rank`` points, with ``rank`` the average rank (ties share it, 1 =
    best) among the models that have a score for the task and ``n`` the number
    of models on the board (rows of the table, *including* the models without a
    score for that task); a task a model has no score for contributes 0 points
    (polars' ``sum_horizontal`` skips the null); the board's rank is the
    ``min`` rank of the summed points, descending (tied points share the best
    rank: the competition ranks rankagg reports). Task weights multiply the
    points (MTEB has none: leave them at 1).

    Quirks this reproduces, which MTEB does not document on the board: a
    missing task costs a model every point of that task, whatever its score
    elsewhere (a model evaluated on fewer tasks ranks lower; MTEB issue
    #1921: "a model simply gets zero votes"); and a task scored by only a few
    models still hands out up to ``n - 1`` points, so the points of the
    models that ran it are large compared with a fully scored task's average.
    """
    scores = _mteb_points(inp) @ inp.rankings.weights
    return RuleOutput(scores, higher_is_better=True, diagnostics={"n_models": int(inp.n)})


# ----------------------------------------------------------------------------- mean over the scores a system has
@register(
    "mean_available",
    family="mean",
    summary="Mean over the scores each system has (missing scores left out of its mean, not filled): WMT's "
    "'Ave z'; an explicit choice for partial data.",
    score_name="mean of available scores",
    partial_ok=True,
    condorcet_consistent=False,
    rank_only=False,
    aliases=("available_mean", "mean_over_available", "ave_z", "wmt_ave_z", "nanmean"),
    reference="WMT human evaluation, e.g. Kocmi et al., 'Findings of the 2022 Conference on Machine Translation "
    "(WMT22)', 'Ave z': each system's mean over the segments it was rated on; HELM "
    "(stanford-crfm/helm, src/helm/benchmark/presentation/summarize.py, compute_aggregate_row_means) averages "
    "the same way.",
    batch=_mean_available_batch,
)
def mean_available(inp: RuleInput) -> RuleOutput:
    """Weighted mean of each system's scores over the task columns it has a score for.

    Without missing scores this is the rule ``mean``. With missing scores it
    compares systems over different sets of tasks (a system that skipped a hard
    task gains): a choice for boards that publish it (WMT's "Ave z", HELM's
    ``compute_aggregate_row_means``), never rankagg's default (``mean``
    refuses partial tables). All columns must share one direction.
    ``diagnostics["n_scores"]``: how many columns each mean is over.
    """
    hib = inp.table.higher_is_better
    if hib.any() and not hib.all():
        up = [c.label for c in inp.table.columns if c.higher_is_better]
        down = [c.label for c in inp.table.columns if not c.higher_is_better]
        raise RuleError(
            f"rule 'mean_available' averages raw scores, but tasks {preview(up, 3)} are higher-is-better and "
            f"{preview(down, 3)} lower-is-better; rank with a rule that orients each task, e.g. 'win_rate' or "
            "'partial_borda'."
        )
    x = inp.table.scores
    have = ~np.isnan(x)
    w = np.where(have, inp.table.weights[None, :], 0.0)
    total = w.sum(axis=1)
    if np.any(total == 0):
        lost = [inp.table.systems[i] for i in np.nonzero(total == 0)[0]]
        raise RuleError(f"rule 'mean_available': system(s) {preview(lost)} have no score at all; exclude them.")
    scores = (np.where(have, x, 0.0) * w).sum(axis=1) / total
    return RuleOutput(
        scores,
        higher_is_better=bool(hib.all()),
        diagnostics={"n_scores": {s: int(k) for s, k in zip(inp.table.systems, have.sum(axis=1), strict=True)}},
    )


# ----------------------------------------------------------------------------- Chatbot Arena's Elo (Bradley-Terry)
@register(
    "arena_elo",
    family="probabilistic",
    summary="Chatbot Arena's rating: Bradley-Terry maximum likelihood (ties half a win) on the Elo scale "
    "(400 points per factor 10 in the odds, mean 1000).",
    score_name="Elo rating",
    partial_ok=True,
    condorcet_consistent=False,
    rank_only=True,
    aliases=("arena", "chatbot_arena", "elo_mle", "lmsys_elo"),
    reference="lm-sys/FastChat, fastchat/serve/monitor/rating_systems.py, compute_bt / fit_bt / scale_and_offset "
    "(and compute_mle_elo in elo_analysis.py before it).",
    pairwise_ok=True,
)
def arena_elo(
    inp: RuleInput,
    *,
    scale: float = 400.0,
    base: float = 10.0,
    initial: float = 1000.0,
    anchor: tuple[str, float] | None = None,
    prior: float = 0.0,
) -> RuleOutput:
    """Chatbot Arena's Bradley-Terry ratings on the Elo scale, higher is better.

    Upstream (``lm-sys/FastChat``, ``fastchat/serve/monitor/rating_systems.py``,
    ``compute_bt``): the maximum-likelihood Bradley-Terry fit with logits
    ``ln(base) * (r_a - r_b)``, a tie counting as half a win for each side
    (``preprocess_for_bt`` maps a tie to the outcome 0.5), no regularisation,
    started from all-zero ratings by L-BFGS; then ``scale_and_offset``:
    ``rating = scale * r + initial``, shifted so that an anchor model has a
    fixed rating when it is present (upstream: ``mixtral-8x7b-instruct-v0.1``
    at 1114; here ``anchor=(name, rating)``, off by default). L-BFGS started
    at zero keeps the ratings' mean at zero (every gradient sums to zero), so
    without an anchor the mean rating is ``initial``: rankagg fits the same
    likelihood to convergence by Newton's method and reports the sum-to-zero
    log-strengths on that scale (equal to upstream's up to its L-BFGS
    tolerance, ``gtol=1e-6`` with at most 100 iterations).

    The maximum-likelihood ratings are finite only when no group of systems
    never loses to the rest (``prior=0``, upstream's choice, raises an error
    naming them; upstream's L-BFGS stops after 100 iterations at some large
    finite rating instead). ``prior > 0`` adds that many virtual games of each
    system against a reference of average strength, half won (the prior of the
    rule ``bradley_terry``). ``diagnostics``: ``log_strengths`` (sum-to-zero,
    natural log), ``standard_errors`` (of the ratings, from the observed
    information), ``scale``, ``base``, ``initial``, ``anchor``, ``prior``.
    Bootstrap intervals and ``Rank (UB)``: :func:`rankagg.battle_counts.arena_leaderboard`.
    """
    s, b, r0 = check_elo_scale(scale, base, initial)
    alpha = float(prior)
    if not (math.isfinite(alpha) and alpha >= 0):
        raise RuleError(f"rule 'arena_elo': prior={prior!r} must be a finite number >= 0 (0: maximum likelihood).")
    # the Bradley-Terry rule checks connectivity and (prior=0) existence, with errors naming the systems
    try:
        bt = get_rule("bradley_terry").func(inp, ties="half", prior=alpha)
    except RuleError as exc:
        raise RuleError(str(exc).replace("rule 'bradley_terry'", "rule 'arena_elo'")) from None
    theta = np.asarray(bt.scores, dtype=np.float64)
    rating = elo_from_log_strengths(theta, scale=s, base=b, initial=r0)
    systems = tuple(inp.systems)
    rating = rating + anchor_offset(systems, rating, anchor)
    se = bt.diagnostics.get("standard_errors") or {}
    factor = s / math.log(b)
    diag: dict[str, Any] = {
        "log_strengths": dict(bt.diagnostics["log_strengths"]),
        "standard_errors": {k: factor * v for k, v in se.items()} or None,
        "scale": s,
        "base": b,
        "initial": r0,
        "anchor": anchor,
        "prior": alpha,
        "iterations": bt.diagnostics.get("iterations"),
        "converged": bt.diagnostics.get("converged"),
    }
    return RuleOutput(rating, higher_is_better=True, diagnostics=diag)
