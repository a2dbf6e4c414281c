"""Kemeny consensus engine: exact (LP/ILP with lazy 3-cycle cuts) and heuristic.

The Kemeny rule returns the strict order of the systems that minimises the
total (weighted) number of voter-pair disagreements, given the pairwise
``wins`` matrix of a profile (``wins[i, j]`` = weight of voters ranking ``i``
strictly above ``j``; ties and unranked systems count in neither direction).

Public API
----------
kemeny
    Compute a Kemeny order with a certified lower bound, optimality and
    uniqueness flags (exact within a time limit, heuristic fallback).
kemeny_score
    The objective of a given order.
KemenyResult
    The frozen result dataclass.
METHODS
    Valid ``method`` names.
"""

from rankagg.rules.kemeny._core import kemeny_score
from rankagg.rules.kemeny._result import KemenyResult
from rankagg.rules.kemeny._solve import BOUNDS, METHODS, kemeny

__all__ = ["BOUNDS", "METHODS", "KemenyResult", "kemeny", "kemeny_score"]
