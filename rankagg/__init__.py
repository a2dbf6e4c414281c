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

from rankagg._errors import RankaggError, RuleError, ScoreTableError
from rankagg.aggregate import aggregate, compare
from rankagg.datasets import load_example
from rankagg.io import read_table
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
from rankagg.table import MISSING_POLICIES, Column, ScoreTable

__version__ = "0.1.0.dev0"

__all__ = [
    "MISSING_POLICIES",
    "RULES",
    "BootstrapResult",
    "Column",
    "ComparisonResult",
    "RankaggError",
    "RankingResult",
    "RuleError",
    "RuleInfo",
    "ScoreTable",
    "ScoreTableError",
    "TaskRankings",
    "__version__",
    "aggregate",
    "bootstrap",
    "compare",
    "get_rule",
    "kendall_distance",
    "kendall_tau_b",
    "list_rules",
    "load_example",
    "pairwise_counts",
    "rank_scores",
    "rank_table",
    "read_table",
    "register",
    "spearman",
    "top_k_overlap",
]
