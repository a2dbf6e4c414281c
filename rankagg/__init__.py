"""rankagg: rank systems from benchmark results with social-choice rules.

The pipeline, as data flows through it::

    files / DataFrames -> ScoreTable -> per-task rankings -> rule -> RankingResult
                                                           -> compare -> ComparisonResult

Examples
--------
>>> import rankagg
>>> table = rankagg.load_example("toy")
>>> rankagg.aggregate(table, rule="kemeny").winners
('Osprey',)
"""

from typing import TYPE_CHECKING

from rankagg._errors import (
    BootstrapWarning,
    PartialResultWarning,
    RankaggError,
    RankaggWarning,
    RuleError,
    ScoreTableError,
)
from rankagg._version import __version__

# The public names, each imported from its stage on first use (PEP 562), so that `import rankagg` and the command
# line's start pay only for what they use; rankagg.io is imported with the first name, because it registers the
# battle-log readers with the data stage, and so is rankagg.distributed (light), which registers backend="dask".
_PUBLIC: dict[str, str] = {
    "aggregate": "rankagg.aggregation.aggregate",
    "compare": "rankagg.aggregation.aggregate",
    "default_compare_rules": "rankagg.aggregation.aggregate",
    "ComparisonResult": "rankagg.aggregation.results",
    "RankingResult": "rankagg.aggregation.results",
    "BattleCounts": "rankagg.data.battle_counts",
    "battle_counts": "rankagg.data.battle_counts",
    "PairwiseProfile": "rankagg.data.battles",
    "pairwise_from_battles": "rankagg.data.battles",
    "comparison_groups": "rankagg.data.design",
    "select_group": "rankagg.data.design",
    "InstanceTable": "rankagg.data.instances",
    "Column": "rankagg.data.table",
    "MISSING_POLICIES": "rankagg.data.table",
    "ScoreTable": "rankagg.data.table",
    "rank_table": "rankagg.data.table",
    "load_example": "rankagg.datasets",
    "read_table": "rankagg.io",
    "read_battle_counts": "rankagg.io.battle_counts",
    "kendall_distance": "rankagg.rankings.distances",
    "kendall_tau_b": "rankagg.rankings.distances",
    "spearman": "rankagg.rankings.distances",
    "top_k_overlap": "rankagg.rankings.distances",
    "TaskRankings": "rankagg.rankings.orders",
    "rank_scores": "rankagg.rankings.orders",
    "pairwise_counts": "rankagg.rankings.pairwise",
    "RULES": "rankagg.rules",
    "RuleInfo": "rankagg.rules",
    "get_rule": "rankagg.rules",
    "list_rules": "rankagg.rules",
    "register": "rankagg.rules",
    "fit_bt_counts": "rankagg.rules.bt_counts",
    "ArenaLeaderboard": "rankagg.uncertainty.arena",
    "arena_leaderboard": "rankagg.uncertainty.arena",
    "bootstrap_bt_counts": "rankagg.uncertainty.arena",
    "AuditResult": "rankagg.uncertainty.audit",
    "audit": "rankagg.uncertainty.audit",
    "battle_perturbations": "rankagg.uncertainty.battles",
    "bootstrap_battles": "rankagg.uncertainty.battles",
    "bootstrap": "rankagg.uncertainty.bootstrap",
    "distributed_bootstrap": "rankagg.distributed.bootstrap",
    "poisson_bootstrap": "rankagg.distributed.poisson",
    "BootstrapResult": "rankagg.uncertainty.bootstrap_result",
    "add_systems": "rankagg.uncertainty.membership",
    "remove_systems": "rankagg.uncertainty.membership",
    "remove_tasks": "rankagg.uncertainty.membership",
    "add_noise": "rankagg.uncertainty.perturbations",
    "mask_cells": "rankagg.uncertainty.perturbations",
    "perturbation_studies": "rankagg.uncertainty.perturbations",
    "rescale_task": "rankagg.uncertainty.perturbations",
    "summarize_perturbations": "rankagg.uncertainty.perturbations",
    "friedman_nemenyi": "rankagg.uncertainty.stats",
    "wilcoxon_holm": "rankagg.uncertainty.stats",
}

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from rankagg.aggregation.aggregate import aggregate, compare, default_compare_rules
    from rankagg.aggregation.results import ComparisonResult, RankingResult
    from rankagg.data.battle_counts import BattleCounts, battle_counts
    from rankagg.data.battles import PairwiseProfile, pairwise_from_battles
    from rankagg.data.design import comparison_groups, select_group
    from rankagg.data.instances import InstanceTable
    from rankagg.data.table import MISSING_POLICIES, Column, ScoreTable, rank_table
    from rankagg.datasets import load_example
    from rankagg.distributed.bootstrap import distributed_bootstrap
    from rankagg.distributed.poisson import poisson_bootstrap
    from rankagg.io import read_table
    from rankagg.io.battle_counts import read_battle_counts
    from rankagg.rankings.distances import kendall_distance, kendall_tau_b, spearman, top_k_overlap
    from rankagg.rankings.orders import TaskRankings, rank_scores
    from rankagg.rankings.pairwise import pairwise_counts
    from rankagg.rules import RULES, RuleInfo, get_rule, list_rules, register
    from rankagg.rules.bt_counts import fit_bt_counts
    from rankagg.uncertainty.arena import ArenaLeaderboard, arena_leaderboard, bootstrap_bt_counts
    from rankagg.uncertainty.audit import AuditResult, audit
    from rankagg.uncertainty.battles import battle_perturbations, bootstrap_battles
    from rankagg.uncertainty.bootstrap import bootstrap
    from rankagg.uncertainty.bootstrap_result import BootstrapResult
    from rankagg.uncertainty.membership import add_systems, remove_systems, remove_tasks
    from rankagg.uncertainty.perturbations import (
        add_noise,
        mask_cells,
        perturbation_studies,
        rescale_task,
        summarize_perturbations,
    )
    from rankagg.uncertainty.stats import friedman_nemenyi, wilcoxon_holm


def __getattr__(name: str) -> object:
    """Import a public name from its stage on first use; ``rankagg.plot`` and ``rankagg.report`` load matplotlib
    only when a figure is drawn."""
    import importlib

    if name in ("plot", "report"):
        return importlib.import_module(f"rankagg.{name}")
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'rankagg' has no attribute {name!r}")
    importlib.import_module("rankagg.io")
    importlib.import_module("rankagg.distributed")  # registers backend="dask"; imports no Dask
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC, "plot", "report"})


__all__ = [
    "MISSING_POLICIES",
    "RULES",
    "ArenaLeaderboard",
    "AuditResult",
    "BattleCounts",
    "BootstrapResult",
    "BootstrapWarning",
    "Column",
    "ComparisonResult",
    "InstanceTable",
    "PairwiseProfile",
    "PartialResultWarning",
    "RankaggError",
    "RankaggWarning",
    "RankingResult",
    "RuleError",
    "RuleInfo",
    "ScoreTable",
    "ScoreTableError",
    "TaskRankings",
    "__version__",
    "add_noise",
    "add_systems",
    "aggregate",
    "arena_leaderboard",
    "audit",
    "battle_counts",
    "battle_perturbations",
    "bootstrap",
    "bootstrap_battles",
    "bootstrap_bt_counts",
    "compare",
    "comparison_groups",
    "default_compare_rules",
    "distributed_bootstrap",
    "fit_bt_counts",
    "friedman_nemenyi",
    "get_rule",
    "kendall_distance",
    "kendall_tau_b",
    "list_rules",
    "load_example",
    "mask_cells",
    "pairwise_counts",
    "pairwise_from_battles",
    "perturbation_studies",
    "poisson_bootstrap",
    "rank_scores",
    "rank_table",
    "read_battle_counts",
    "read_table",
    "register",
    "remove_systems",
    "remove_tasks",
    "rescale_task",
    "select_group",
    "spearman",
    "summarize_perturbations",
    "top_k_overlap",
    "wilcoxon_holm",
]
