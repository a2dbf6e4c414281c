"""The rule registry: every aggregation rule rankagg knows, with its metadata.

Importing this package registers the built-in rules (in family order).
"""

# isort: skip_file
from rankagg.rules import mean, positional, majority, kemeny_rule, probabilistic, partial_borda, compat  # noqa: F401  (registration order)
from rankagg.rules.base import RULES, RuleInfo, RuleInput, RuleOutput, get_rule, list_rules, register

__all__ = ["RULES", "RuleInfo", "RuleInput", "RuleOutput", "get_rule", "list_rules", "register"]
