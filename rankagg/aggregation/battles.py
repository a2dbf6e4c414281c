"""Rules run on battle data: which rules read pairwise counts only (``pairwise_ok``), the refusal of a
comparison graph in pieces, and the ranking result of a pairwise profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from rankagg._errors import RuleError, preview
from rankagg.aggregation.results import RankingResult
from rankagg.data.battles import BattleError, PairwiseProfile
from rankagg.rankings.orders import competition_ranks, levels_from_scores
from rankagg.rules import RULES, RuleInfo, get_rule
from rankagg.rules.majority import condorcet_winner, margins

__all__ = [
    "BATTLE_RULES",
    "aggregate_profile",
    "check_connected",
    "check_pairwise_rule",
    "finish_result",
    "run_pairwise_rule",
]


#: The default rules of battle studies, and the perturbation studies that apply to battle logs.
BATTLE_RULES: tuple[str, ...] = ("bradley_terry", "copeland", "kemeny")


# ----------------------------------------------------------------------------- ranking a profile
def _pairwise_rules() -> list[str]:
    return [name for name, info in RULES.items() if info.pairwise_ok]


def check_pairwise_rule(info: RuleInfo, what: str = "battle data") -> None:
    """Refuse a rule that needs scores or full rankings, naming the rules that read pairwise data only."""
    if not info.pairwise_ok:
        raise RuleError(
            f"rule {info.name!r} needs scores or full rankings, and {what} gives only pairwise preferences; use a "
            f"rule that reads pairwise preferences: {', '.join(_pairwise_rules())}."
        )


def check_connected(profile: PairwiseProfile) -> None:
    """Refuse a profile whose comparison graph is in several pieces, naming the groups."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    games = profile.wins + profile.wins.T + profile.ties
    k, lab = connected_components(csr_matrix(games > 0), directed=False)
    if k <= 1:
        return
    groups = [[profile.systems[i] for i in np.nonzero(lab == c)[0]] for c in range(k)]
    groups.sort(key=len, reverse=True)
    shown = "; ".join(f"{{{preview(g, 4)}}}" for g in groups[:3]) + (f"; ... ({k} groups)" if k > 3 else "")
    raise BattleError(
        f"battles: the systems fall into {k} groups that never met, directly or through others: {shown}. No rule "
        "can order systems across groups; rank one group at a time (include=... / exclude=...; CLI: --include, "
        "--exclude), or add battles between them."
    )


def run_pairwise_rule(
    profile: PairwiseProfile,
    info: RuleInfo,
    params: Mapping[str, Any],
    **fields: Any,
) -> RankingResult:
    """Apply a pairwise-only rule to a profile and package the :class:`~rankagg.RankingResult`.

    ``fields`` fill the result's bookkeeping (``missing_policy``, ``tasks``,
    ``level``...); defaults describe a battle log.
    """
    check_pairwise_rule(info, fields.pop("what", "battle data"))
    full = info.check_params(params)
    out = info.func(profile, **dict(params))
    return finish_result(profile.systems, info, full, out, margins(profile), **fields)


def finish_result(
    systems: tuple[str, ...],
    info: RuleInfo,
    full_params: Mapping[str, Any],
    out: Any,
    margin: np.ndarray,
    **fields: Any,
) -> RankingResult:
    """A :class:`~rankagg.RankingResult` from a rule's output (the scores checked, the ranks derived)."""
    scores = np.asarray(out.scores, dtype=np.float64)
    if scores.shape != (len(systems),) or not np.all(np.isfinite(scores)):
        raise RuleError(f"rule {info.name!r} returned invalid scores {scores!r}; this is a bug in the rule.")
    levels = out.levels if out.levels is not None else levels_from_scores(scores, higher_is_better=out.higher_is_better)
    ranks = competition_ranks(np.asarray(levels))
    scores.setflags(write=False)
    ranks.setflags(write=False)
    cw = condorcet_winner(margin)
    diagnostics = {"condorcet_winner": None if cw is None else systems[cw]}
    diagnostics.update(out.diagnostics)
    defaults: dict[str, Any] = {
        "missing_policy": "raise",
        "dropped_systems": (),
        "dropped_tasks": (),
        "tasks": (),
        "atol": 0.0,
        "rtol": 0.0,
        "level": "battles",
    }
    defaults.update(fields)
    return RankingResult(
        rule=info.name,
        params=MappingProxyType(dict(full_params)),
        systems=tuple(systems),
        scores=scores,
        score_name=info.score_name,
        higher_is_better=out.higher_is_better,
        ranks=ranks,
        diagnostics=MappingProxyType(diagnostics),
        **defaults,
    )


def aggregate_profile(profile: PairwiseProfile, rule: str, params: Mapping[str, Any]) -> RankingResult:
    """Rank a battle profile with one pairwise rule (what :func:`rankagg.aggregate` does with battles)."""
    info = get_rule(rule)
    check_pairwise_rule(info)
    check_connected(profile)
    return run_pairwise_rule(profile, info, params)
