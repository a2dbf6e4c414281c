"""The registry's Kemeny rule: a thin wrapper over :func:`rankagg.rules.kemeny.kemeny`."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rankagg._errors import RuleError
from rankagg.rules.base import RuleInput, RuleOutput, register

__all__: list[str] = []


def _kemeny_warm(wins: np.ndarray, full: Any, **params: Any) -> np.ndarray:
    """The Kemeny tiers of a resample's ``wins`` (RuleInfo.warm), started from ``full``'s optimal order.

    Same objective and options as the rule; the full-data order replaces the Borda / Copeland starts and
    uniqueness is not checked (a proven optimum is exact whatever the start). The ranks tie what the
    resample's optima do not share, as the rule does, where that is cheap and exact (blocks of up to 12
    systems, interchangeable systems, zero-margin neighbours); larger blocks keep the order found.
    """
    from rankagg.rules.kemeny._consensus import consensus
    from rankagg.rules.kemeny._solve import warm_order

    index = {s: i for i, s in enumerate(full.systems)}
    initial = np.array([index[s] for s in full.diagnostics["order"]], dtype=np.intp)
    run = {k: v for k, v in params.items() if k in ("method", "time_limit", "rng")}
    order, optimal = warm_order(wins, initial, with_status=True, **run)
    tol = 1e-9 * max(float(wins.sum() + wins.T.sum()) / max(wins.shape[0] * (wins.shape[0] - 1), 1), 1.0)
    return np.asarray(consensus(wins, order, optimal, None, tol, resolve=False).level, dtype=np.int64)


@register(
    "kemeny",
    family="kemeny",
    summary="Kemeny-Young: the ranking with the least total (weighted) Kendall distance to the task rankings.",
    score_name="consensus position",
    partial_ok=True,
    condorcet_consistent=True,
    rank_only=True,
    pareto="weak",  # every optimal ranking is Pareto; the tiers they share may tie a dominated pair (see below)
    aliases=("kemeny_young", "kemeny_consensus"),
    reference="Kemeny (1959); Young & Levenglick (1978); Colombo et al., NeurIPS 2022.",
    pairwise_ok=True,
    warm=_kemeny_warm,
)
def kemeny_rule(
    inp: RuleInput,
    *,
    method: str = "auto",
    time_limit: float | None = 60.0,
    rng: Any = None,
    all_optima: bool = False,
    swap_time_limit: float | None = 10.0,
) -> RuleOutput:
    """Kemeny consensus of the task rankings, with the ties every optimal ranking shares.

    The objective is the weighted sum over tasks of Kendall distances
    :math:`K^{(1/2)}` (a pair ordered oppositely costs 1, a pair tied in the
    task costs 1/2 whatever the consensus does; pairs a task does not rank cost
    nothing). ``diagnostics`` holds ``kemeny_score``, ``lower_bound``, ``gap``
    (0 when proven optimal), ``optimal``, ``unique`` and ``method``.

    Several rankings are often optimal. The engine returns one
    (``diagnostics["order"]``); the ranks show the tiers that every optimal
    ranking agrees with: two systems get different ranks only when every
    optimal ranking puts the better one's tier above the other's (exact for
    components of up to 12 systems not separated by strict majorities; for
    larger ones, proven for the adjacent pair and checked against the
    alternative optima found, ``diagnostics["tiers_exact"]`` is then False).
    Systems the data cannot tell apart (identical pairwise records, margin 0
    between them, ``diagnostics["indistinguishable"]``) always share a rank,
    so the ranks do not depend on the order of the rows.
    ``diagnostics["adjacent_pairs"]`` lists each pair of consecutive systems
    of ``order`` with ``"fixed"`` (every optimal ranking keeps it),
    ``"swappable"`` (some optimal ranking reverses it) or ``"unknown"`` (not
    decided within ``swap_time_limit`` seconds, or the order is not proven
    optimal: then the ranks are the order found, only indistinguishable
    systems tied). ``all_optima=True`` also lists every optimal ranking in
    ``diagnostics["all_optima"]`` (small inputs only, see
    :func:`rankagg.rules.kemeny.kemeny`).

    Examples
    --------
    Two voters disagree on every pair: every ranking of the three systems
    agrees with each voter as often, so nothing separates them.

    >>> import rankagg
    >>> t = rankagg.ScoreTable([[3, 1], [2, 2], [1, 3]], systems=["a", "b", "c"], tasks=["x", "y"],
    ...                        higher_is_better=True)
    >>> res = rankagg.aggregate(t, "kemeny")
    >>> res.ranks.tolist(), res.diagnostics["adjacent_pairs"]
    ([1, 1, 1], (('a', 'b', 'swappable'), ('b', 'c', 'swappable')))
    >>> len(rankagg.aggregate(t, "kemeny", all_optima=True).diagnostics["all_optima"])
    6
    """
    from rankagg.rules.kemeny import kemeny
    from rankagg.rules.kemeny._consensus import consensus

    if not isinstance(all_optima, (bool, np.bool_)):
        raise RuleError(f"rule 'kemeny': all_optima={all_optima!r} must be True or False.")
    if swap_time_limit is not None and not (
        isinstance(swap_time_limit, (int, float)) and not isinstance(swap_time_limit, bool) and swap_time_limit >= 0
    ):
        raise RuleError(
            f"rule 'kemeny': swap_time_limit={swap_time_limit!r} must be a number of seconds >= 0 "
            "(0 skips the swap tests on large components), or None for no limit."
        )
    wins, ties = inp.pairwise
    res = kemeny(wins, method=method, time_limit=time_limit, rng=rng, all_optima=bool(all_optima))
    n = wins.shape[0]
    tol = 1e-9 * max(inp.total_weight, 1.0)
    deadline = None if swap_time_limit is None else time.perf_counter() + float(swap_time_limit)
    con = consensus(wins, np.asarray(res.order, dtype=np.intp), res.optimal, deadline, tol)
    order = con.order
    position = np.empty(n, dtype=np.float64)
    position[order] = np.arange(1, n + 1)
    # the score of a tier is its mean position in the order
    score = np.bincount(con.level, weights=position)[con.level] / np.bincount(con.level)[con.level] if n else position
    names = inp.systems
    tie_cost = 0.5 * float(np.triu(ties, 1).sum())
    diag = {
        "kemeny_score": float(np.tril(wins.take(order, 0).take(order, 1), -1).sum()) + tie_cost,
        "lower_bound": float(res.lower_bound) + tie_cost,
        "gap": float(res.gap),
        "optimal": bool(res.optimal),
        "unique": res.unique,
        "method": res.method,
        "time_seconds": float(res.time_seconds),
        "order": tuple(names[i] for i in order),
        "adjacent_pairs": tuple((names[a], names[b], s) for a, b, s in zip(order[:-1], order[1:], con.status)),
        "indistinguishable": tuple(tuple(names[i] for i in c) for c in con.twins),
        "tiers_exact": con.exact,
        "tie_break": None
        if con.exact
        else (
            "order not proven optimal: ranks follow the order found, only indistinguishable systems tied"
            if not res.optimal
            else "tiers inside components of more than 12 systems: a step is proven for the adjacent pair "
            "and not crossed by the alternative optimal rankings found; 'unknown' pairs are tied"
        ),
    }
    if all_optima:
        diag["all_optima"] = tuple(tuple(names[i] for i in o) for o in res.all_optima or ())
    return RuleOutput(score, higher_is_better=False, levels=con.level, diagnostics=diag)
