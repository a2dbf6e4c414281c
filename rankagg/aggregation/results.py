"""Frozen result objects returned to users."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ComparisonResult", "RankingResult"]


@dataclass(frozen=True, eq=False)
class RankingResult:
    """The consensus ranking produced by one rule on one table.

    Attributes
    ----------
    rule : str
        Canonical rule name.
    params : Mapping[str, Any]
        Every rule parameter used (defaults included).
    systems : tuple of str
        Systems, in table order.
    scores : numpy.ndarray
        Per-system score of the rule (see ``score_name`` and ``higher_is_better``).
    score_name : str
        What the score is (``"mean rank"``, ``"mean score"`` ...).
    higher_is_better : bool
        Whether a higher score ranks a system higher.
    ranks : numpy.ndarray of int
        Consensus rank of each system: 1 = best, tied systems share a rank
        (standard competition ranking: 1, 2, 2, 4).
    missing_policy : str
        The table's missing-value policy.
    dropped_systems, dropped_tasks : tuple of str
        What the missing policy dropped before ranking.
    tasks : tuple of str
        The task columns that were aggregated.
    atol, rtol : float
        Tie tolerances used to rank each task (each instance, for
        instance-level data).
    diagnostics : Mapping[str, Any]
        Rule-specific information, plus ``condorcet_winner`` (name or None).
    level : str
        What was aggregated: ``"task"`` (a score table's task columns),
        ``"one"`` (instance-level data, every instance a voter),
        ``"two"`` (instance-level data, instances aggregated per task by
        ``inner``, then tasks by ``outer``) or ``"battles"`` (pairwise data).
    inner, outer : str or None
        With ``level="two"``: the rule applied to each task's instances, and
        the rule applied to the resulting task rankings (``rule`` is
        ``outer``). None otherwise.
    instance_weighting : str or None
        With ``level="one"``: how instance voters were weighted
        (``"per_task"`` or ``"uniform"``). None otherwise.
    pairwise : str
        How the pairwise matrix treated a voter that does not rank both
        systems of a pair: ``"observed"`` (it does not count) or
        ``"expected"`` (the probability over the compatible completions of its
        partial ranking, :mod:`rankagg.rankings.partial`).
    """

    rule: str
    params: Mapping[str, Any]
    systems: tuple[str, ...]
    scores: np.ndarray = field(repr=False)
    score_name: str
    higher_is_better: bool
    ranks: np.ndarray = field(repr=False)
    missing_policy: str
    dropped_systems: tuple[str, ...] = ()
    dropped_tasks: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    atol: float = 0.0
    rtol: float = 0.0
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
    level: str = "task"
    inner: str | None = None
    outer: str | None = None
    instance_weighting: str | None = None
    pairwise: str = "observed"

    @property
    def order(self) -> tuple[tuple[str, ...], ...]:
        """The consensus as tiers of tied systems, best tier first."""
        tiers: dict[int, list[str]] = {}
        for s, r in zip(self.systems, self.ranks, strict=True):
            tiers.setdefault(int(r), []).append(s)
        return tuple(tuple(tiers[r]) for r in sorted(tiers))

    @property
    def ranking(self) -> list[str]:
        """Systems best first (tied systems in table order)."""
        return [s for tier in self.order for s in tier]

    @property
    def winners(self) -> tuple[str, ...]:
        """The system(s) ranked first."""
        return self.order[0]

    def rank_of(self, system: str) -> int:
        """Consensus rank of ``system``."""
        try:
            return int(self.ranks[self.systems.index(system)])
        except ValueError:
            from rankagg._errors import RankaggError, did_you_mean

            raise RankaggError(
                f"system: no system {system!r} in the result.{did_you_mean(system, self.systems)}"
            ) from None

    def to_frame(self) -> pd.DataFrame:
        """One row per system, best first: ``system, rank, score``.

        Examples
        --------
        >>> import rankagg
        >>> t = rankagg.ScoreTable([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]], systems=["A", "B", "C"],
        ...                        tasks=["x", "y"], higher_is_better=True)
        >>> rankagg.aggregate(t, rule="borda").to_frame()
          system  rank  score
        0      A     1    2.0
        1      B     1    2.0
        2      C     1    2.0
        """
        df = pd.DataFrame({"system": list(self.systems), "rank": self.ranks.astype(int), "score": self.scores})
        return df.sort_values("rank", kind="stable").reset_index(drop=True)

    def __str__(self) -> str:
        head = f"{self.rule} ({self.score_name}; missing={self.missing_policy!r}"
        if self.level == "two":
            head += f"; level two: inner {self.inner}, outer {self.outer}"
        elif self.level == "one":
            head += f"; level one, instances weighted {self.instance_weighting}"
        elif self.level == "battles":
            head += "; from battles"
        if self.pairwise != "observed":
            head += f"; pairwise={self.pairwise!r}"
        return head + ")\n" + self.to_frame().to_string(index=False)


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """Several rules applied to one table, side by side.

    Attributes
    ----------
    rules : tuple of str
        Rules compared (canonical names), reference first.
    reference : str
        The rule others are compared against (the mean by default).
    results : Mapping[str, RankingResult]
        Full result of each rule.
    ranks : pandas.DataFrame
        Systems x rules consensus ranks (1 = best), rows sorted by the reference.
    agreement : pandas.DataFrame
        Rules x rules Kendall tau-b between the consensus rankings.
    top_k : int
        ``k`` used for ``top_k_agreement``.
    top_k_agreement : pandas.DataFrame
        Rules x rules overlap of the top-``k`` sets.
    disagreements : pandas.DataFrame
        One row per (rule, pair of systems) that the rule orders strictly
        opposite to the reference: ``rule, above_in_reference, below_in_reference,
        reference_ranks, rule_ranks`` and the head-to-head record of the pair
        over tasks (``tasks_won_by_reference_top``, ``tasks_won_by_rule_top``,
        ``tasks_tied``), which says *why* the rules disagree.
    missing_policy : str
        The table's missing-value policy.
    level : str
        ``"task"``, ``"one"``, ``"two"`` or ``"battles"``, as in
        :class:`RankingResult`.
    inner : str or None
        With ``level="two"``: the rule applied to each task's instances (the
        compared rules are the outer rules).
    """

    rules: tuple[str, ...]
    reference: str
    results: Mapping[str, RankingResult] = field(repr=False)
    ranks: pd.DataFrame = field(repr=False)
    agreement: pd.DataFrame = field(repr=False)
    top_k: int
    top_k_agreement: pd.DataFrame = field(repr=False)
    disagreements: pd.DataFrame = field(repr=False)
    missing_policy: str
    level: str = "task"
    inner: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """Systems x rules ranks with a ``system`` column (the CSV layout of ``rankagg compare``)."""
        return self.ranks.reset_index()

    def n_disagreements(self) -> pd.Series:
        """Number of pairs each rule orders opposite to the reference."""
        counts = self.disagreements.groupby("rule").size() if len(self.disagreements) else pd.Series(dtype=int)
        return pd.Series({r: int(counts.get(r, 0)) for r in self.rules if r != self.reference}, name="pairs_reversed")

    def disagreeing_pairs(self) -> list[dict[str, Any]]:
        """The pairs some rule orders opposite to the reference, best pairs first (by the reference's ranks).

        Each pair once: ``above`` and ``below`` (its order under the reference), ``rules`` (the rules that
        reverse it), the head-to-head record over the tasks (``won_above``, ``won_below``, ``tied``), and the
        ``sentence`` that ``rankagg compare`` and ``rankagg report`` print.

        Examples
        --------
        >>> import rankagg
        >>> cmp = rankagg.compare(rankagg.load_example("toy"), ["mean", "borda"])
        >>> cmp.disagreeing_pairs()[0]["sentence"]
        'mean puts Wren above Osprey; borda put Osprey above: Osprey wins 4 of 5 tasks against Wren'
        """
        from rankagg._format import fmt_value

        dis = self.disagreements
        if not len(dis):
            return []
        ref = self.results[self.reference]
        rank = dict(zip(ref.systems, np.asarray(ref.ranks).tolist(), strict=True))
        # one pass over plain lists (a board of thousands has tens of thousands of reversed pairs)
        cols = [
            dis[c].tolist()
            for c in (
                "above_in_reference",
                "below_in_reference",
                "rule",
                "tasks_won_by_reference_top",
                "tasks_won_by_rule_top",
                "tasks_tied",
            )
        ]
        groups: dict[tuple[str, str], tuple[int, list[str]]] = {}
        for k, (a, b, rule) in enumerate(zip(cols[0], cols[1], cols[2], strict=True)):
            if (a, b) in groups:
                groups[(a, b)][1].append(rule)
            else:
                groups[(a, b)] = (k, [rule])
        out = []
        for (a, b), (k, rule_list) in sorted(groups.items(), key=lambda kv: (rank[kv[0][0]], rank[kv[0][1]])):
            rules, won_a, won_b, tied = ", ".join(rule_list), cols[3][k], cols[4][k], cols[5][k]
            tie_txt = f", {fmt_value(tied)} tied" if tied else ""
            out.append(
                {
                    "above": a,
                    "below": b,
                    "rules": rules,
                    "won_above": won_a,
                    "won_below": won_b,
                    "tied": tied,
                    "sentence": f"{self.reference} puts {a} above {b}; {rules} put {b} above: {b} wins "
                    f"{fmt_value(won_b)} of {fmt_value(won_a + won_b + tied)} tasks against {a}{tie_txt}",
                }
            )
        return out
