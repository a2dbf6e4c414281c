"""The comparison design of a table: which systems are compared with each other (connected groups,
:func:`comparison_groups`, :func:`select_group`), and the advice on missing scores (which policies would leave a
rankable table, and how to rebuild it).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from rankagg._errors import ScoreTableError, preview

__all__ = [
    "NO_POLICY",
    "PARTIAL_EXAMPLES",
    "check_comparison_design",
    "comparison_groups",
    "missing_fixes",
    "select_group",
    "viable_policies",
]


def comparison_groups(table: Any, *, chunk: int = 65536) -> tuple[tuple[str, ...], ...]:
    """The groups of systems that are compared with each other, directly or through others.

    Two systems are compared when some voter (a task column of a
    :class:`ScoreTable`, an instance of an :class:`~rankagg.InstanceTable`)
    scores both. On a complete table every system is in one group; under
    ``missing="partial"`` the systems can fall into groups that share no voter,
    and no rule can order systems across groups from the data (every pair
    across them would count as a tie, or follow an assumption about the
    missing scores). Largest group first.

    Examples
    --------
    >>> import numpy as np, rankagg
    >>> t = rankagg.ScoreTable([[1.0, np.nan], [2.0, np.nan], [np.nan, 3.0], [np.nan, 4.0]],
    ...                        systems=["A", "B", "C", "D"], tasks=["x", "y"], higher_is_better=True,
    ...                        missing="partial")
    >>> rankagg.comparison_groups(t)
    (('A', 'B'), ('C', 'D'))
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    scores = np.asarray(table.scores)
    n = scores.shape[0]
    linked = np.zeros((n, n), dtype=bool)
    for s0 in range(0, scores.shape[1], chunk):
        present = ~np.isnan(scores[:, s0 : s0 + chunk])
        cols = np.nonzero(present.sum(axis=0) >= 2)[0]
        if cols.size == 0:
            continue
        present = present[:, cols]
        first = np.argmax(present, axis=0)  # every scored system is linked with the voter's first scored system
        sys_idx, col_idx = np.nonzero(present)
        linked[first[col_idx], sys_idx] = True
    i, j = np.nonzero(linked)
    graph = coo_matrix((np.ones(i.size, dtype=np.int8), (i, j)), shape=(n, n))
    k, labels = connected_components(graph, directed=False)
    groups = [tuple(table.systems[x] for x in np.nonzero(labels == c)[0]) for c in range(k)]
    groups.sort(key=len, reverse=True)
    return tuple(groups)


def select_group(table: Any, group: Collection[str]) -> Any:
    """The table restricted to one group of :func:`comparison_groups`: its systems, and the task columns
    (instances) that score at least one of them.

    Examples
    --------
    >>> import numpy as np, rankagg
    >>> t = rankagg.ScoreTable([[1.0, np.nan], [2.0, np.nan], [np.nan, 3.0], [np.nan, 4.0]],
    ...                        systems=["A", "B", "C", "D"], tasks=["x", "y"], higher_is_better=True,
    ...                        missing="partial")
    >>> rankagg.select_group(t, rankagg.comparison_groups(t)[1])
    ScoreTable(2 systems x 1 task columns, missing='partial')
    """
    names = set(group)
    rows = np.array([s in names for s in table.systems])
    if hasattr(table, "n_instances_total"):  # an InstanceTable: rebuilt from its long form, other groups left out
        long = table.to_long()
        return type(table).from_long(long[long["system"].isin(names) & long["score"].notna()], missing="partial")
    cols = np.nonzero((~np.isnan(table.scores[rows])).any(axis=0))[0]
    return table._rebuild(np.nonzero(rows)[0], cols)


def check_comparison_design(table: Any) -> None:
    """Refuse a table whose systems fall into groups that share no task or instance, naming the groups."""
    if not table.has_missing:
        return
    groups = comparison_groups(table)
    if len(groups) <= 1:
        return
    voter = "instance" if hasattr(table, "n_instances_total") else "task"
    shown = "; ".join(f"{{{preview(list(g), 4)}}}" for g in groups[:3]) + (
        f"; ... ({len(groups)} groups)" if len(groups) > 3 else ""
    )
    raise ScoreTableError(
        f"data: the systems fall into {len(groups)} groups that share no {voter}, directly or through others: "
        f"{shown}. No rule can order systems across groups from these scores; rank one group at a time "
        "(groups = rankagg.comparison_groups(table); rankagg.select_group(table, groups[0]) keeps the largest; "
        "CLI: --group 1 for the largest, --group 2 for the next...), or add scores that link the groups."
    )


def viable_policies(nan: np.ndarray, offsets: np.ndarray | None = None) -> list[str]:
    """The missing-score policies that leave something to rank, for this mask of missing cells.

    ``nan`` is the systems x voters mask (voters: task columns, or instances with the column ``offsets`` of an
    instance table): ``drop_systems`` needs two complete systems, ``drop_tasks`` a complete task column,
    ``drop_instances`` a complete instance in every task column, ``partial`` every system sharing a voter
    with another. A refusal names only these, so it never sends the user to a policy that refuses in turn.
    """
    out = []
    if int((~nan.any(axis=1)).sum()) >= 2:
        out.append("drop_systems")
    complete_voter = ~nan.any(axis=0)
    if offsets is None:
        if complete_voter.any():
            out.append("drop_tasks")
    elif (np.add.reduceat(complete_voter.astype(np.int64), offsets[:-1]) > 0).all():
        out.append("drop_instances")
    present = ~nan
    if (present & (present.sum(axis=0) >= 2)[None, :]).any(axis=1).all():  # each shares a voter with another
        out.append("partial")
    return out


def missing_fixes(
    nan: np.ndarray, offsets: np.ndarray | None = None, *, tried: str | None = None, lead: str = "use missing="
) -> str:
    """:func:`viable_policies` other than ``tried``, as advice (``lead`` + the policies), or :data:`NO_POLICY`."""
    options = [_POLICY_TEXT[p] for p in viable_policies(nan, offsets) if p != tried]
    if not options:
        return NO_POLICY
    return lead + " or ".join(options) + (" instead" if tried != "raise" else "") + " (CLI: --missing POLICY)"


def _isolated_fixes(nan: np.ndarray, alone: np.ndarray, offsets: np.ndarray | None = None) -> str:
    """Advice for systems nothing compares under ``partial``: leave them out when that leaves a rankable table."""
    rest = np.setdiff1d(np.arange(nan.shape[0]), alone)
    options = []
    if rest.size >= 2 and "partial" in viable_policies(nan[rest], offsets):
        options.append("exclude them (exclude=...; CLI: --exclude NAME)")
    if set(viable_policies(nan, offsets)) - {"partial"}:
        options.append(missing_fixes(nan, offsets, tried="partial", lead="pass missing="))
    return (" or ".join(options) or NO_POLICY) + "."


PARTIAL_EXAMPLES = "copeland, kemeny, partial_borda, win_rate"  # rules that accept partial rankings (see RULES)


NO_POLICY = "no missing-score policy leaves two systems that share a task or instance here: add the missing scores"


_POLICY_TEXT = {
    "drop_systems": "'drop_systems' (drop systems with a missing score)",
    "drop_tasks": "'drop_tasks' (drop task columns with a missing score)",
    "drop_instances": "'drop_instances' (drop instances some system lacks)",
    "partial": f"'partial' with a rule that accepts partial rankings ({PARTIAL_EXAMPLES}...)",
}
