"""Borda on partial rankings: the estimator of Himmi et al. (Findings of EMNLP 2024).

See :mod:`rankagg.rankings.partial` for the model (uniformly random compatible
completions of each task's partial ranking) and the formulas.
"""

from __future__ import annotations

from rankagg.rankings.partial import expected_ranks
from rankagg.rules.base import RuleInput, RuleOutput, register

__all__: list[str] = []


@register(
    "partial_borda",
    family="positional",
    summary="Borda on partial rankings: weighted mean of each system's expected rank over the compatible "
    "completions of each task's ranking (Himmi et al. 2024); Borda when nothing is missing.",
    score_name="mean expected rank",
    partial_ok=True,
    condorcet_consistent=False,
    rank_only=True,
    aliases=("expected_borda", "borda_partial", "himmi"),
    reference="Himmi, Irurozki, Noiry, Clémençon, Colombo, 'Towards more robust NLP system evaluation: handling "
    "missing scores in benchmarks', Findings of EMNLP 2024.",
)
def partial_borda(inp: RuleInput) -> RuleOutput:
    """Mean expected rank, lower is better.

    In a task scoring ``k`` of the ``n`` systems, a scored system of rank
    ``r`` has expected rank ``r (n + 1) / (k + 1)`` and an unscored one
    ``(n + 1) / 2``, the mean position (:func:`rankagg.rankings.partial.expected_ranks`).
    The score is the weighted mean over tasks; equivalently, ``n`` minus the
    row sums of :func:`rankagg.rankings.partial.expected_pairwise` (wins plus half the
    ties) over the total weight. Without missing scores it is Borda's mean rank.
    """
    e = expected_ranks(inp.rankings.ranks)
    w = inp.rankings.weights
    return RuleOutput((e * w).sum(axis=1) / w.sum(), higher_is_better=False)
