"""Perturbation studies that change who is on the board: :func:`remove_tasks`, :func:`remove_systems` and
:func:`add_systems` (copies of existing systems, the independence-of-clones check).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, ScoreTableError, did_you_mean
from rankagg.data.table import ScoreTable, as_table
from rankagg.uncertainty.perturbation_base import (
    RNG,
    Params,
    RuleSpec,
    _compared,
    _positive_int,
    _select_systems,
    _Study,
    _table_like,
)

__all__ = ["add_systems", "remove_systems", "remove_tasks"]


def remove_tasks(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    k: int | Sequence[int] | None = None,
    n_draws: int = 20,
    by: Literal["task", "column"] = "task",
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Leave ``k`` of the ``T`` tasks out at random and compare with the full-data ranking.

    A benchmark is one sample of the tasks it could have contained: a rule
    whose ranking stays close to its full-data ranking when tasks are removed
    depends less on that choice (Colombo et al., NeurIPS 2022).

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rules : str or sequence of str, optional
        Registered rules; default :func:`default_rules` of the table (mean,
        Borda, Kemeny as far as they can rank it).
    k : int or sequence of int, optional
        Numbers of tasks to remove, each between 1 and ``T - 1``; default
        every one of them.
    n_draws : int, default 20
        Random subsets per ``k`` (drawn uniformly without replacement; two
        draws may pick the same subset).
    by : {"task", "column"}, default "task"
        Remove whole tasks (with all their metric columns: GLUE's MRPC F1 and
        accuracy go together) or single task columns.
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Source of the random subsets (and of seeds for randomised rules).
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule, ``k`` and draw: ``study`` ("remove_tasks"),
        ``rule``, ``parameter`` (k), ``draw``, ``kendall_tau`` (to the
        full-data ranking, over the systems still ranked), ``top1_changed``,
        ``n_flips``, ``n_pairs``, ``n_systems``, ``n_tasks`` (task columns
        left), ``top1``, ``removed`` (the removed tasks), ``note``.

    Raises
    ------
    RankaggError
        Fewer than two tasks, ``k`` outside 1..T-1, ``n_draws`` not a positive
        integer, an unknown ``by``.

    Notes
    -----
    On tables with missing scores (``missing="partial"``), a system left
    without a task shared with another system is not ranked in that draw;
    ``n_systems`` says how many were compared.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.remove_tasks(rankagg.load_example("toy"), rules=["mean", "borda"], k=[1, 3], n_draws=10, rng=0)
    >>> df.groupby(["parameter", "rule"])["kendall_tau"].mean().round(2)
    parameter  rule
    1          borda    0.89
               mean     0.89
    3          borda    0.88
               mean     0.67
    Name: kendall_tau, dtype: float64
    """
    table = as_table(table)
    if by not in ("task", "column"):
        raise RankaggError(
            f"by={by!r}: remove whole tasks (by='task') or single task columns (by='column')."
            f"{did_you_mean(str(by), ('task', 'column'))}"
        )
    if by == "task":
        names = list(table.tasks)
        units = [np.array([j for j, c in enumerate(table.columns) if c.task == t]) for t in names]
    else:
        names = list(table.labels)
        units = [np.array([j]) for j in range(table.n_columns)]
    t_units = len(units)
    word = "tasks" if by == "task" else "task columns"
    if t_units < 2:
        raise RankaggError(f"remove_tasks: the table has {t_units} {word[:-1]}; removing tasks needs at least two.")
    if k is None:
        ks = list(range(1, t_units))
    else:
        items = [k] if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else list(k)
        if not items:
            raise RankaggError(f"k: give at least one number of {word} to remove, or k=None for 1..{t_units - 1}.")
        for v in items:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise RankaggError(f"k: {v!r} is not a whole number of {word} to remove; give integers, e.g. k=[1, 2].")
            if not 1 <= v <= t_units - 1:
                raise RankaggError(
                    f"k: {v!r} is out of range; remove between 1 and {t_units - 1} of the {t_units} {word} (by={by!r})."
                )
        ks = sorted({int(v) for v in items})
    n_draws = _positive_int(n_draws, "n_draws")
    st = _Study("remove_tasks", table, rules, params, atol, rtol, rng, progress)
    with st.steps(len(ks) * n_draws) as tick:
        present = ~np.isnan(table.scores)
        for kk in ks:
            for d in range(n_draws):
                tick()
                keep = np.sort(st.gen.choice(t_units, t_units - kk, replace=False))
                cols = np.sort(np.concatenate([units[u] for u in keep]))
                removed = ", ".join(names[u] for u in range(t_units) if u not in set(keep.tolist()))
                ok = _compared(present[:, cols])
                where = f"draw {d} without {removed}"
                if ok.all():
                    after = st.rank_input(st.inp.subset(cols, table.weights[cols]), st.infos, where)
                    for info in st.infos:
                        st.add(info, kk, d, after, n_tasks=cols.size, removed=removed)
                    continue
                rows = np.nonzero(ok)[0]
                if rows.size < 2:
                    for info in st.infos:
                        st.add(info, kk, d, None, common=rows, n_tasks=cols.size, removed=removed,
                               note=f"fewer than two systems share a task once {removed} are removed")  # fmt: skip
                    continue
                sub = table.scores[np.ix_(rows, cols)]
                live = ~np.isnan(sub).all(axis=0)
                after = st.rank(_table_like(table, table.scores, rows=rows, cols=cols[live]), where)
                for info in st.infos:
                    st.add(info, kk, d, after, common=rows, after_index=np.arange(rows.size),
                           systems=[table.systems[i] for i in rows], n_tasks=int(live.sum()),
                           removed=removed)  # fmt: skip
    return st.frame()


def remove_systems(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    systems: str | Sequence[str] | None = None,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Leave one system out and count how many pairs of the *other* systems change order.

    Independence of irrelevant alternatives in practice: whether A is above B
    should not depend on whether C took part. Score-based rules (the mean
    family) never flip a pair; Borda and Kemeny can.

    Parameters
    ----------
    table : ScoreTable
        The scores (at least three systems).
    rules : str or sequence of str, optional
        Registered rules; default :func:`default_rules` of the table (mean,
        Borda, Kemeny as far as they can rank it).
    systems : str or sequence of str, optional
        The systems to remove, one at a time (names or shell-style patterns);
        default each system in turn.
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Seeds randomised rules; the study itself is deterministic.
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule and removed system: ``study`` ("remove_systems"),
        ``rule``, ``parameter`` (the removed system), ``draw`` (0),
        ``kendall_tau``, ``top1_changed`` (the best of the others changed),
        ``n_flips`` (pairs of other systems ordered oppositely), ``n_pairs``,
        ``n_systems``, ``n_tasks``, ``top1``, ``note``.

    Raises
    ------
    RankaggError
        Fewer than three systems, or a name that matches no system.

    Examples
    --------
    Three tasks rank A > B > C and two rank B > C > A: Borda puts B first
    (mean rank 1.6 against A's 1.8), but without C, A is first.

    >>> import rankagg
    >>> t = rankagg.ScoreTable([[3, 3, 3, 1, 1], [2, 2, 2, 3, 3], [1, 1, 1, 2, 2]], systems=["A", "B", "C"],
    ...                        tasks=["t1", "t2", "t3", "t4", "t5"], higher_is_better=True)
    >>> df = rankagg.remove_systems(t, rules=["mean", "borda", "kemeny"])
    >>> df.loc[df["parameter"] == "C", ["rule", "n_flips", "top1_changed", "top1"]]
         rule  n_flips  top1_changed top1
    6    mean        0         False    B
    7   borda        1          True    A
    8  kemeny        0         False    A
    """
    table = as_table(table)
    if table.n_systems < 3:
        raise RankaggError(
            f"remove_systems: the table has {table.n_systems} systems; removing one must leave at least two."
        )
    chosen = _select_systems(table, systems)
    st = _Study("remove_systems", table, rules, params, atol, rtol, rng, progress)
    with st.steps(len(chosen)) as tick:
        all_cols = np.arange(table.n_columns)
        for i in chosen:
            tick()
            name = table.systems[i]
            others = np.array([r for r in range(table.n_systems) if r != i])
            try:
                sub = table._rebuild(others, all_cols)
            except ScoreTableError as exc:  # partial tables: a system may lose its only comparison
                for info in st.infos:
                    st.add(info, name, 0, None, common=others, note=f"cannot rank without {name!r}: {exc}")
                continue
            after = st.rank(sub, f"the table without {name!r}")
            for info in st.infos:
                st.add(info, name, 0, after, common=others, after_index=np.arange(others.size), systems=sub.systems)
    return st.frame()


def _copy_name(name: str, taken: Sequence[str]) -> str:
    new, k = f"{name} (copy)", 2
    while new in taken:
        new, k = f"{name} (copy {k})", k + 1
    return new


def add_systems(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    systems: str | Sequence[str] | None = None,
    noise: float = 0.0,
    n_draws: int = 1,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Add a copy of one system and count how many pairs of the original systems change order.

    A clone (``noise=0``) ties with its original on every task; a perturbed
    copy (``noise > 0``) adds Gaussian noise of ``noise`` times each task's
    standard deviation, so that it lands just around its original. The raw
    mean and median never reorder the original systems; Borda does (on each
    task the copy pushes everything ranked below the original one step
    further down), and Kemeny can (the pairs involving the original now
    count twice). Schulze and ranked pairs are designed to be independent of
    clones.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rules : str or sequence of str, optional
        Registered rules; default :func:`default_rules` of the table (mean,
        Borda, Kemeny as far as they can rank it).
    systems : str or sequence of str, optional
        The systems to copy, one at a time (names or shell-style patterns);
        default each system in turn.
    noise : float, default 0.0
        Noise of the copy, relative to each task's standard deviation (>= 0;
        0 = an exact clone).
    n_draws : int, default 1
        Perturbed copies per system (more than one needs ``noise > 0``).
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Source of the noise (and of seeds for randomised rules).
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule, copied system and draw: ``study`` ("add_systems"),
        ``rule``, ``parameter`` (the copied system), ``noise``, ``draw``,
        ``kendall_tau``, ``top1_changed``, ``n_flips``, ``n_pairs``,
        ``n_systems`` (originals compared), ``n_tasks``, ``top1`` (the winner
        among the originals), ``note``.

    Raises
    ------
    RankaggError
        A negative noise, ``n_draws`` not a positive integer, several draws of
        an exact clone, or a name that matches no system.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.add_systems(rankagg.load_example("toy"), rules=["mean", "borda", "kemeny"])
    >>> df.groupby("rule")["n_flips"].sum()
    rule
    borda     2
    kemeny    0
    mean      0
    Name: n_flips, dtype: Int64
    """
    table = as_table(table)
    try:
        nz = float(noise)
    except (TypeError, ValueError):
        nz = float("nan")
    if not (math.isfinite(nz) and nz >= 0):
        raise RankaggError(
            f"noise={noise!r}: the copy's noise is a multiple of each task's standard deviation, a number >= 0 "
            "(0 = an exact clone)."
        )
    n_draws = _positive_int(n_draws, "n_draws")
    if nz == 0 and n_draws > 1:
        raise RankaggError(
            f"n_draws={n_draws} with noise=0: an exact clone is the same in every draw; give noise > 0 for "
            "perturbed copies, or n_draws=1."
        )
    chosen = _select_systems(table, systems)
    st = _Study("add_systems", table, rules, params, atol, rtol, rng, progress)
    with st.steps(len(chosen) * n_draws) as tick:
        sd = np.nanstd(table.scores, axis=0)
        n = table.n_systems
        originals = np.arange(n)
        for i in chosen:
            name = table.systems[i]
            copy = _copy_name(name, table.systems)
            for d in range(n_draws):
                tick()
                row = table.scores[i] + (nz * sd * st.gen.standard_normal(table.n_columns) if nz > 0 else 0.0)
                sc = np.vstack([table.scores, row[None, :]])
                after = st.rank(_table_like(table, sc, systems=[*table.systems, copy]), f"the table with {copy!r}")
                for info in st.infos:
                    st.add(info, name, d, after, common=originals, noise=nz)
    return st.frame()
