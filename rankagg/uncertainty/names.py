"""The names of the uncertainty stage's options (perturbation studies, default rules, audit conditions), in a
module that imports nothing heavy, so that the command line can list them in its help without loading the stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["CONDITIONS", "DEFAULT_RULES", "MAX_SUBSETS", "STUDIES"]


#: Conditions ``rankagg audit --fail-on`` can test, and what each means when it holds.
CONDITIONS: Mapping[str, str] = MappingProxyType(
    {
        "leader-not-separable": "the leader is not told apart from #2 at the confidence level (bootstrap of the tasks)",
        "leader-not-condorcet": "the leader is not the Condorcet winner (or there is none, or the top is tied)",
        "rules-disagree-on-winner": "the compared rules do not all name the same winner(s)",
        "rescaling-changes-winner": "reporting one task x1000 changes the audited rule's winner",
        "withholding-changes-winner": "some other system takes (or shares) the lead by withholding up to k tasks",
    }
)


#: Default bound on the withholding subsets tried per system before the greedy search is used.
MAX_SUBSETS = 256


DEFAULT_RULES: tuple[str, ...] = ("mean", "borda", "kemeny")


STUDIES: tuple[str, ...] = (
    "rescale_task",
    "add_noise",
    "remove_tasks",
    "remove_systems",
    "add_systems",
    "mask_cells",
)
