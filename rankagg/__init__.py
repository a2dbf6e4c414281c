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

from rankagg._errors import (
    BootstrapWarning,
    PartialResultWarning,
    RankaggError,
    RankaggWarning,
    RuleError,
    ScoreTableError,
)
from rankagg._version import __version__
from rankagg.aggregation.aggregate import aggregate, compare, default_compare_rules
from rankagg.aggregation.results import ComparisonResult, RankingResult
from rankagg.data.battle_counts import BattleCounts, battle_counts
from rankagg.data.battles import PairwiseProfile, pairwise_from_battles
from rankagg.data.design import comparison_groups, select_group
from rankagg.data.instances import InstanceTable
from rankagg.data.table import MISSING_POLICIES, Column, ScoreTable, rank_table
from rankagg.datasets import load_example
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
    """``rankagg.plot`` is imported on first use, so ``import rankagg`` does not load matplotlib."""
    if name == "plot":
        import importlib

        return importlib.import_module("rankagg.plot")
    raise AttributeError(f"module 'rankagg' has no attribute {name!r}")


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
