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
from rankagg.aggregate import aggregate, compare, default_compare_rules
from rankagg.battles import PairwiseProfile, pairwise_from_battles
from rankagg.datasets import load_example
from rankagg.instances import InstanceTable
from rankagg.io import read_table
from rankagg.perturb import (
    add_noise,
    add_systems,
    mask_cells,
    perturbation_studies,
    remove_systems,
    remove_tasks,
    rescale_task,
    summarize_perturbations,
)
from rankagg.ranking import (
    TaskRankings,
    kendall_distance,
    kendall_tau_b,
    pairwise_counts,
    rank_scores,
    rank_table,
    spearman,
    top_k_overlap,
)
from rankagg.results import ComparisonResult, RankingResult
from rankagg.robustness import BootstrapResult, bootstrap
from rankagg.rules import RULES, RuleInfo, get_rule, list_rules, register
from rankagg.table import MISSING_POLICIES, Column, ScoreTable, comparison_groups, select_group

__version__ = "0.1.0.dev0"


def __getattr__(name: str) -> object:
    """``rankagg.plot`` is imported on first use, so ``import rankagg`` does not load matplotlib."""
    if name == "plot":
        import importlib

        return importlib.import_module("rankagg.plot")
    raise AttributeError(f"module 'rankagg' has no attribute {name!r}")

__all__ = [
    "MISSING_POLICIES",
    "RULES",
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
    "bootstrap",
    "compare",
    "comparison_groups",
    "default_compare_rules",
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
    "read_table",
    "register",
    "remove_systems",
    "remove_tasks",
    "rescale_task",
    "select_group",
    "spearman",
    "summarize_perturbations",
    "top_k_overlap",
]
