"""Partial rankings, aggregated honestly: expected ranks and pairwise preferences over compatible completions.

When a system has no score on a task, the task still ranks the systems it
scored: a *partial* ranking. Following Himmi et al. (Findings of EMNLP 2024),
rankagg treats it as the set of its *compatible completions*: every full
ranking of all ``n`` systems that keeps the observed order of the scored
systems (ties among them broken either way), each equally likely. For a task
that scores ``k`` systems, where a scored system ``i`` has average rank ``r_i``
(1 = best) among them:

* two scored systems keep their observed relation: ``P(i above j) = 1``, ``0``,
  or a tie;
* a scored ``i`` and an unscored ``j``: ``j`` falls into each of the ``k + 1``
  gaps around the scored systems with the same probability, so
  ``P(i above j) = (k + 1 - r_i) / (k + 1)`` and ``P(j above i) = r_i / (k + 1)``;
* two unscored systems: ``1/2`` each way, which rankagg records as a tie.

Summed over tasks (with their weights), this gives a complete pairwise matrix
in which every pair of systems is compared by every task
(``wins[i, j] + wins[j, i] + ties[i, j]`` = total weight). Its row sums give
the *expected rank* of each system under the completions,

.. math:: E[\\mathrm{rank}_i] = r_i \\, \\frac{n + 1}{k + 1} \\ \\text{if scored}, \\qquad
          \\frac{n + 1}{2} \\ \\text{if not},

and the rule ``partial_borda`` ranks systems by their (weighted) mean expected
rank: Borda on the completions, the estimator of Himmi et al. With no missing
score both reduce to the ordinary pairwise counts and to Borda exactly.
``aggregate(..., pairwise="expected")`` feeds the same matrix to the rules that
read pairwise preferences (Copeland, minimax, Schulze, ranked pairs, Kemeny,
Bradley-Terry).

References
----------
A. Himmi, E. Irurozki, N. Noiry, S. Clémençon, P. Colombo. *Towards more robust
NLP system evaluation: handling missing scores in benchmarks.* Findings of
EMNLP 2024 (arXiv:2305.10284).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rankagg._errors import RankaggError, did_you_mean
from rankagg.rankings.pairwise import pairwise_counts

__all__ = ["PAIRWISE_MODES", "expected_pairwise", "expected_ranks"]

#: How the pairwise matrix treats a task that does not score both systems of a pair.
PAIRWISE_MODES: tuple[str, ...] = ("observed", "expected")


def _as_ranks(ranks: Any) -> np.ndarray:
    r = np.asarray(ranks, dtype=np.float64)
    if r.ndim != 2:
        raise RankaggError(f"ranks: expected a 2-D array (systems x voters), got {r.ndim} dimension(s).")
    return r


def expected_ranks(ranks: Any) -> np.ndarray:
    """Expected rank of every system in every column under the uniform compatible completions.

    Parameters
    ----------
    ranks : array_like of shape (n_systems, n_voters)
        Average ranks among the scored systems (1 = best), NaN where a system
        is not scored (as in :class:`rankagg.TaskRankings`).

    Returns
    -------
    numpy.ndarray of shape (n_systems, n_voters)
        ``r * (n + 1) / (k + 1)`` for a scored system of rank ``r`` in a column
        scoring ``k`` of the ``n`` systems, ``(n + 1) / 2`` for an unscored one.

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.rankings.partial import expected_ranks
    >>> expected_ranks(np.array([[1.0], [2.0], [np.nan]]))  # C unscored: the middle; A and B spread out
    array([[1.33333333],
           [2.66666667],
           [2.        ]])
    """
    r = _as_ranks(ranks)
    n = r.shape[0]
    obs = ~np.isnan(r)
    k = obs.sum(axis=0).astype(np.float64)
    return np.where(obs, r * (n + 1.0) / (k + 1.0), (n + 1.0) / 2.0)


def expected_pairwise(ranks: Any, *, weights: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise preferences expected under the uniform compatible completions of partial rankings.

    Parameters
    ----------
    ranks : array_like of shape (n_systems, n_voters)
        Ranks (1 = best, ties averaged), NaN where a system is not ranked.
    weights : array_like of shape (n_voters,), optional
        Voter (task) weights; default 1 each.

    Returns
    -------
    wins : numpy.ndarray of shape (n, n)
        ``wins[i, j]`` = weighted sum over voters of the probability that
        ``i`` ranks strictly above ``j`` in a uniformly random completion
        (observed pairs count 1 or 0 as usual).
    ties : numpy.ndarray of shape (n, n)
        Weight of the voters that tie ``i`` and ``j`` (both ranked and equal)
        or rank neither of them (``1/2`` each way, recorded as a tie).

    Notes
    -----
    With :math:`o_{it}` = 1 when voter :math:`t` ranks :math:`i`,
    :math:`k_t` the number it ranks and :math:`r_{it}` the rank of :math:`i`:

    .. math:: W_{ij} = \\sum_t w_t \\Big( o_{it} o_{jt} [r_{it} < r_{jt}]
              + o_{it} (1 - o_{jt}) \\frac{k_t + 1 - r_{it}}{k_t + 1}
              + (1 - o_{it}) o_{jt} \\frac{r_{jt}}{k_t + 1} \\Big)

    and every pair is accounted for by every voter:
    :math:`W_{ij} + W_{ji} + T_{ij} = \\sum_t w_t`. Without missing ranks this
    is :func:`rankagg.pairwise_counts`.

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.rankings.partial import expected_pairwise
    >>> wins, ties = expected_pairwise(np.array([[1.0], [2.0], [np.nan]]))
    >>> wins  # C is unscored: it lands above A with probability 1/3, above B with 2/3
    array([[0.        , 1.        , 0.66666667],
           [0.        , 0.        , 0.33333333],
           [0.33333333, 0.66666667, 0.        ]])
    """
    r = _as_ranks(ranks)
    m = r.shape[1]
    w = np.ones(m) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (m,):
        raise RankaggError(f"weights: expected {m} weights (one per voter), got shape {w.shape}.")
    wins, ties = pairwise_counts(r, weights=w)
    obs = ~np.isnan(r)
    if obs.all():
        return wins, ties
    k = obs.sum(axis=0).astype(np.float64)
    unobs = (~obs).astype(np.float64)
    above = np.where(obs, (k + 1.0 - r) / (k + 1.0), 0.0) * w  # scored i above an unscored j
    below = np.where(obs, r / (k + 1.0), 0.0) * w  # an unscored j above scored i
    wins = wins + above @ unobs.T + unobs @ below.T
    ties = ties + (unobs * w) @ unobs.T
    np.fill_diagonal(ties, 0.0)
    return wins, ties


def check_pairwise_mode(pairwise: str) -> None:
    """``pairwise`` is ``"observed"`` or ``"expected"`` (:data:`PAIRWISE_MODES`), else a one-line error naming both."""
    if pairwise not in PAIRWISE_MODES:
        raise RankaggError(
            f"pairwise={pairwise!r}: use 'observed' (a voter counts for the pairs it ranks) or 'expected' (over the "
            "compatible completions of partial rankings, Himmi et al. 2024)."
            f"{did_you_mean(str(pairwise), PAIRWISE_MODES)}"
        )
