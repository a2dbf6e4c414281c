"""The registry's Kemeny rule: a thin wrapper over :func:`rankagg.rules.kemeny.kemeny`."""

from __future__ import annotations

from typing import Any

import numpy as np

from rankagg.rules.base import RuleInput, RuleOutput, register

__all__: list[str] = []


@register(
    "kemeny",
    family="kemeny",
    summary="Kemeny-Young: the ranking with the least total (weighted) Kendall distance to the task rankings.",
    score_name="consensus position",
    partial_ok=True,
    condorcet_consistent=True,
    rank_only=True,
    aliases=("kemeny_young", "kemeny_consensus"),
    reference="Kemeny (1959); Young & Levenglick (1978); Colombo et al., NeurIPS 2022.",
    pairwise_ok=True,
)
def kemeny_rule(
    inp: RuleInput,
    *,
    method: str = "auto",
    time_limit: float | None = 60.0,
    rng: Any = None,
) -> RuleOutput:
    """Kemeny consensus of the task rankings (a strict order).

    The objective is the weighted sum over tasks of Kendall distances
    :math:`K^{(1/2)}` (a pair ordered oppositely costs 1, a pair tied in the
    task costs 1/2 whatever the consensus does; pairs a task does not rank cost
    nothing). ``diagnostics`` holds ``kemeny_score``, ``lower_bound``, ``gap``
    (0 when proven optimal), ``optimal``, ``unique`` and ``method``.
    """
    from rankagg.rules.kemeny import kemeny

    wins, ties = inp.pairwise
    res = kemeny(wins, method=method, time_limit=time_limit, rng=rng)
    n = wins.shape[0]
    order = np.asarray(res.order, dtype=np.intp)
    position = np.empty(n, dtype=np.float64)
    position[order] = np.arange(1, n + 1)
    tie_cost = 0.5 * float(np.triu(ties, 1).sum())
    diag = {
        "kemeny_score": float(res.score) + tie_cost,
        "lower_bound": float(res.lower_bound) + tie_cost,
        "gap": float(res.gap),
        "optimal": bool(res.optimal),
        "unique": res.unique,
        "method": res.method,
        "time_seconds": float(res.time_seconds),
    }
    return RuleOutput(position, higher_is_better=False, levels=position.astype(np.intp) - 1, diagnostics=diag)
