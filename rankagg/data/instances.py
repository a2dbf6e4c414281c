"""Instance-level scores: systems x task columns x instances, validated like a score table.

Many benchmarks publish a score for every test instance (a summary per
document, a judgment per prompt, a rating per segment). An
:class:`InstanceTable` holds them: one ``(n_systems, n_instances)`` array whose
instances are grouped by *task column* (a task, or a task and one of its
metrics, exactly like the columns of a :class:`~rankagg.ScoreTable`). Tasks may
have different numbers of instances; under ``missing="partial"`` a system may
lack some of them.

:func:`rankagg.aggregate` ranks the systems of an instance table in one of two
ways (``level="one"`` or ``"two"``); :meth:`InstanceTable.task_table` gives the
classic leaderboard (the per-task mean of the instance scores).

Why this module is long: One class, :class:`InstanceTable`, whose constructors validate every input in one place (each
error names the system, task and instance and the fix); column parsing is in :mod:`rankagg.data.columns` and the
chunked counts in :mod:`rankagg.data.instance_counts`. Splitting the constructors from the class would scatter
one validation path over two files.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from rankagg._errors import ScoreTableError, did_you_mean, preview
from rankagg.data.columns import (
    _labels,
    _numeric_weights,
    _optional_column,
    _select_metrics,
    duplicate_hint,
    match_patterns,
    parse_bool,
    strip_names,
)
from rankagg.data.design import _isolated_fixes, missing_fixes
from rankagg.data.table import _MISSING_TEXT, Column, Direction, ScoreTable, Weights, _TableColumns

__all__ = ["INSTANCE_MISSING_POLICIES", "INSTANCE_WEIGHTINGS", "InstanceMissingPolicy", "InstanceTable"]

InstanceMissingPolicy = Literal["raise", "drop_systems", "drop_instances", "partial"]
INSTANCE_MISSING_POLICIES: tuple[str, ...] = ("raise", "drop_systems", "drop_instances", "partial")
#: How instance voters are weighted when they are pooled (``level="one"``).
INSTANCE_WEIGHTINGS: tuple[str, ...] = ("per_task", "uniform")
STATISTICS: tuple[str, ...] = ("mean", "median", "sum")


def _check_policy(missing: str) -> None:
    if missing not in INSTANCE_MISSING_POLICIES:
        hint = (
            " (at instance level, 'drop_instances' drops every instance some system lacks)"
            if missing == ("drop_tasks")
            else ""
        )
        raise ScoreTableError(
            f"missing={missing!r} is not a missing-value policy for instance-level scores{hint}; use one of "
            f"{', '.join(repr(p) for p in INSTANCE_MISSING_POLICIES)}."
            f"{did_you_mean(str(missing), INSTANCE_MISSING_POLICIES)}"
        )


def check_weighting(weighting: str) -> str:
    """Validate an ``instance_weighting`` value."""
    if weighting not in INSTANCE_WEIGHTINGS:
        raise ScoreTableError(
            f"instance_weighting={weighting!r}: use 'per_task' (each task weighs its task weight, shared by its "
            "instances) or 'uniform' (each instance weighs its task weight, so larger tasks count more)."
            f"{did_you_mean(str(weighting), INSTANCE_WEIGHTINGS)}"
        )
    return weighting


def _cell(system: str, label: str, instance: str) -> str:
    return f"({system!r}, {label!r}, instance {instance!r})"


class InstanceTable(_TableColumns):
    """Scores of systems on the instances of task columns, validated, with direction, weights and missing policy.

    Build it with :meth:`from_long` (a long DataFrame, one row per system,
    task, instance and, optionally, metric) or :meth:`from_arrays` (one array
    per task). Like :class:`~rankagg.ScoreTable` it is validated once and never
    changes (methods return new tables).

    Attributes
    ----------
    systems : tuple of str
    columns : tuple of Column
        The task columns (task, metric, direction, weight, label); every
        instance belongs to one.
    scores : numpy.ndarray of shape (n_systems, n_instances_total)
        Instances grouped by column (``offsets``), read-only; NaN = missing.

    Examples
    --------
    >>> import numpy as np, rankagg
    >>> t = rankagg.InstanceTable.from_arrays(
    ...     {"qa": np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), "mt": np.array([[30.1, 25.0], [33.0, 24.0]])},
    ...     systems=["A", "B"], higher_is_better=True,
    ... )
    >>> t
    InstanceTable(2 systems x 2 task columns x 5 instances, missing='raise')
    >>> dict(t.n_instances)
    {'qa': 3, 'mt': 2}
    >>> t.task_table().to_wide()
                  qa    mt
    system
    A       0.666667  27.55
    B       0.333333  28.50
    """

    __slots__ = (
        "_columns",
        "_dropped_instances",
        "_dropped_systems",
        "_has_missing",
        "_ids",
        "_missing",
        "_offsets",
        "_scores",
        "_systems",
    )

    def __init__(self) -> None:
        raise TypeError(
            "build an InstanceTable with InstanceTable.from_long(df, ...) or InstanceTable.from_arrays({task: array}, "
            "systems=..., higher_is_better=...)."
        )

    # ------------------------------------------------------------------ construction
    @classmethod
    def _build(
        cls,
        scores: np.ndarray,
        *,
        systems: Sequence[str],
        tasks: Sequence[str],
        metrics: Sequence[str | None],
        sizes: Sequence[int],
        ids: Sequence[np.ndarray | None],
        higher_is_better: Direction,
        data_directions: Sequence[bool | None] | None,
        weights: Weights,
        missing: str,
        dropped_systems: tuple[str, ...] = (),
        dropped_instances: tuple[tuple[str, str], ...] = (),
    ) -> InstanceTable:
        _check_policy(missing)
        arr = np.asarray(scores, dtype=np.float64)
        systems = [str(s) for s in systems]
        n, total = arr.shape
        assert n == len(systems), "one name per row (the constructors guarantee it)"
        if len(set(systems)) < len(systems):
            uniq, counts = np.unique(np.array(systems, dtype=object).astype(str), return_counts=True)
            dup = uniq[counts > 1].tolist()
            raise ScoreTableError(f"systems: duplicate system names {preview(dup)}; system names must be unique.")
        if n < 2:
            raise ScoreTableError(f"systems: only {n} system ({preview(systems)}); ranking needs at least two.")
        if total == 0:
            raise ScoreTableError(
                "scores: the table has no instance; give at least one task with one instance or more."
            )
        labels = _labels(list(tasks), list(metrics))
        offsets = np.concatenate([[0], np.cumsum(np.asarray(sizes, dtype=np.int64))])
        empty = [labels[j] for j, s in enumerate(sizes) if s == 0]
        if empty:
            raise ScoreTableError(f"scores: task column(s) {preview(empty)} have no instance; remove them.")
        bad = np.isinf(arr)
        if bad.any():
            cells = [
                _cell(systems[i], labels[j], _instance_name(ids, offsets, j, k)) + f" = {arr[i, k]}"
                for i, k, j in _locate(bad, offsets, limit=5)
            ]
            raise ScoreTableError(
                f"scores: infinite scores at {preview(cells)}; replace them with finite numbers or NaN (missing)."
            )
        directions = ScoreTable._directions(higher_is_better, data_directions, labels, list(tasks))
        weight_arr = ScoreTable._weights(weights, labels, list(tasks))

        nan = np.isnan(arr)
        keep_rows = np.ones(n, dtype=bool)
        keep_inst = np.ones(total, dtype=bool)
        if nan.any():
            unscored = np.nonzero(nan.all(axis=0))[0]
            if unscored.size and missing != "drop_instances":
                where = [
                    f"({labels[j]!r}, instance {_instance_name(ids, offsets, j, k)!r})"
                    for k, j in zip(unscored[:5], _column_of(unscored[:5], offsets), strict=True)
                ]
                raise ScoreTableError(
                    f"scores: {unscored.size} instance(s) have no score at all, e.g. {preview(where)}"
                    f"{' ... ' if unscored.size > 5 else ''}; remove them, or pass missing='drop_instances'."
                )
            if missing == "raise":
                count = int(nan.sum())
                cells = [
                    _cell(systems[i], labels[j], _instance_name(ids, offsets, j, k))
                    for i, k, j in _locate(nan, offsets, limit=5)
                ]
                raise ScoreTableError(
                    f"missing: {count} missing score(s), e.g. at {preview(cells)}; "
                    + missing_fixes(nan, offsets, tried="raise", lead="choose a policy: missing=")
                    + "."
                )
            if missing == "drop_systems":
                keep_rows = ~nan.any(axis=1)
                if keep_rows.sum() < 2:
                    raise ScoreTableError(
                        f"missing='drop_systems' would leave {int(keep_rows.sum())} system(s) with every score "
                        f"(it drops {preview([s for s, k in zip(systems, keep_rows, strict=True) if not k])}); "
                        f"{missing_fixes(nan, offsets, tried='drop_systems')}."
                    )
            elif missing == "drop_instances":
                keep_inst = ~nan.any(axis=0)
                kept_per_col = np.add.reduceat(keep_inst.astype(np.int64), offsets[:-1])
                lost = [labels[j] for j in np.nonzero(kept_per_col == 0)[0]]
                if lost:
                    raise ScoreTableError(
                        f"missing='drop_instances' would drop every instance of task column(s) {preview(lost)} "
                        f"(each lacks some system's score); {missing_fixes(nan, offsets, tried='drop_instances')}."
                    )
            else:  # partial
                none = np.nonzero(nan.all(axis=1))[0]
                if none.size:
                    raise ScoreTableError(
                        f"scores: system(s) {preview([systems[i] for i in none])} have no score on any instance; "
                        + _isolated_fixes(nan, none, offsets)
                    )
                present = ~nan
                shared = (present & (present.sum(axis=0) >= 2)[None, :]).any(axis=1)
                alone = np.nonzero(~shared)[0]
                if alone.size:
                    raise ScoreTableError(
                        f"scores: system(s) {preview([systems[i] for i in alone])} share no instance with any other "
                        "system, so nothing compares them; exclude them (exclude=...) or pass missing='drop_systems'."
                    )
        new_dropped_systems = tuple(s for s, k in zip(systems, keep_rows, strict=True) if not k)
        new_dropped_inst: list[tuple[str, str]] = []
        if not keep_inst.all():
            gone = np.nonzero(~keep_inst)[0]
            new_dropped_inst = [
                (labels[j], _instance_name(ids, offsets, j, k))
                for k, j in zip(gone, _column_of(gone, offsets), strict=True)
            ]
        # ``arr`` is always a fresh array built by the constructors: the table takes it over
        out = arr if keep_rows.all() and keep_inst.all() else arr[np.ix_(keep_rows, keep_inst)]
        out = np.ascontiguousarray(out)
        out.setflags(write=False)
        kept_per_col = np.add.reduceat(keep_inst.astype(np.int64), offsets[:-1])
        new_ids: list[np.ndarray | None] = []
        for j in range(len(labels)):
            sel = keep_inst[offsets[j] : offsets[j + 1]]
            if ids[j] is None:
                new_ids.append(None if sel.all() else np.nonzero(sel)[0].astype(str).astype(object))
            else:
                new_ids.append(np.asarray(ids[j], dtype=object)[sel])
        obj = cls.__new__(cls)
        obj._systems = tuple(s for s, k in zip(systems, keep_rows, strict=True) if k)
        obj._columns = tuple(
            Column(
                task=str(tasks[j]),
                metric=metrics[j],
                higher_is_better=bool(directions[j]),
                weight=float(weight_arr[j]),
                label=labels[j],
            )
            for j in range(len(labels))
        )
        obj._scores = out
        obj._has_missing = bool(nan.any()) and missing == "partial"
        obj._offsets = np.concatenate([[0], np.cumsum(kept_per_col)]).astype(np.int64)
        obj._offsets.setflags(write=False)
        obj._ids = tuple(new_ids)
        obj._missing = missing
        obj._dropped_systems = tuple(dropped_systems) + new_dropped_systems
        obj._dropped_instances = tuple(dropped_instances) + tuple(new_dropped_inst)
        return obj

    @classmethod
    def from_arrays(
        cls,
        data: Mapping[str, Any],
        *,
        systems: Sequence[str],
        higher_is_better: Direction,
        weights: Weights = None,
        instances: Mapping[str, Sequence[Any]] | None = None,
        include: str | Collection[str] | None = None,
        exclude: str | Collection[str] | None = None,
        missing: InstanceMissingPolicy = "raise",
    ) -> InstanceTable:
        """Build a table from one array per task.

        Parameters
        ----------
        data : mapping of str to array_like of shape (n_systems, n_instances_of_task)
            Scores of each task (its key is the task name), NaN for missing.
            Tasks may have different numbers of instances.
        systems : sequence of str
            System names, one per row of every array.
        higher_is_better : bool or mapping of str to bool
            Direction of every task, or per task (names or patterns, as in
            :class:`~rankagg.ScoreTable`). Required.
        weights : mapping or sequence, optional
            Task weights (default 1 each).
        instances : mapping of str to sequence, optional
            Instance ids of some tasks (read as strings; unique within a
            task). Default ``"0"``, ``"1"``, ... in column order.
        include, exclude : str or collection of str, optional
            Systems (names or shell-style patterns) to keep or leave out.
        missing : {"raise", "drop_systems", "drop_instances", "partial"}
            What to do with missing scores: raise an error naming them, drop
            systems with a missing score, drop instances that some system
            lacks, or keep them (each instance then ranks the systems it
            scores: a partial ranking).

        Returns
        -------
        InstanceTable

        Examples
        --------
        >>> import numpy as np, rankagg
        >>> t = rankagg.InstanceTable.from_arrays({"qa": np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]])},
        ...                                       systems=["A", "B", "C"], higher_is_better=True,
        ...                                       missing="drop_instances")
        >>> t.instances("qa"), t.dropped_instances
        (('0',), (('qa', '1'),))
        """
        if not isinstance(data, Mapping) or not data:
            raise ScoreTableError(
                f"data: expected a non-empty mapping {{task: array of shape (n_systems, n_instances)}}, got "
                f"{type(data).__name__}."
            )
        _check_policy(missing)
        systems = [str(s) for s in systems]
        blocks: list[np.ndarray] = []
        tasks: list[str] = []
        ids: list[np.ndarray | None] = []
        sizes: list[int] = []
        instances = dict(instances or {})
        unknown = [k for k in instances if k not in data]
        if unknown:
            raise ScoreTableError(
                f"instances: unknown task {unknown[0]!r}.{did_you_mean(str(unknown[0]), list(data))} "
                f"The tasks are {preview(list(data), 8)}."
            )
        for task, values in data.items():
            try:
                a = np.asarray(values, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ScoreTableError(
                    f"data: the scores of task {task!r} are not numbers ({exc}); pass a 2-D float array "
                    "(systems x instances), NaN for missing."
                ) from None
            if a.ndim != 2 or a.shape[0] != len(systems):
                raise ScoreTableError(
                    f"data: task {task!r} has shape {a.shape}; expected ({len(systems)}, n_instances): one row per "
                    "system, one column per instance."
                )
            if task in instances:
                tid = np.array([str(x) for x in instances[task]], dtype=object)
                if tid.shape != (a.shape[1],):
                    raise ScoreTableError(
                        f"instances: {tid.size} ids for the {a.shape[1]} instances of task {task!r}; give one per "
                        "column."
                    )
                uniq, counts = np.unique(tid.astype(str), return_counts=True)
                if (counts > 1).any():
                    raise ScoreTableError(
                        f"instances: task {task!r} has duplicate instance ids {preview(uniq[counts > 1].tolist())}; "
                        "ids must be unique within a task."
                    )
                ids.append(tid)
            else:
                ids.append(None)
            blocks.append(a)
            tasks.append(str(task))
            sizes.append(a.shape[1])
        keep = np.ones(len(systems), dtype=bool)
        if include is not None:
            keep &= match_patterns(include, systems, "include")
        if exclude is not None:
            keep &= ~match_patterns(exclude, systems, "exclude")
        # one copy of the scores, whatever the number of tasks
        arr = np.empty((int(keep.sum()), sum(sizes)), dtype=np.float64)
        start = 0
        for a in blocks:
            arr[:, start : start + a.shape[1]] = a if keep.all() else a[keep]
            start += a.shape[1]
        del blocks
        systems = [s for s, k in zip(systems, keep, strict=True) if k]
        return cls._build(
            arr,
            systems=systems,
            tasks=tasks,
            metrics=[None] * len(tasks),
            sizes=sizes,
            ids=ids,
            higher_is_better=higher_is_better,
            data_directions=None,
            weights=weights,
            missing=missing,
        )

    @classmethod
    def from_long(
        cls,
        data: pd.DataFrame,
        *,
        system: str = "system",
        task: str = "task",
        instance: str = "instance",
        score: str = "score",
        metric: str | None = "metric",
        direction: str | None = "higher_is_better",
        weight: str | None = "weight",
        higher_is_better: Direction = None,
        metrics: str | Mapping[str, str] | None = None,
        weights: Weights = None,
        include: str | Collection[str] | None = None,
        exclude: str | Collection[str] | None = None,
        missing: InstanceMissingPolicy = "raise",
    ) -> InstanceTable:
        """Build a table from a long DataFrame, one row per (system, task[, metric], instance).

        Parameters
        ----------
        data : pandas.DataFrame
            Long data with a system, task, instance and score column.
        system, task, instance, score : str
            Names of those columns. Instance ids are read as strings.
        metric, direction, weight : str or None
            Optional metric, direction (``higher_is_better``) and task-weight
            columns, used when present; ``None`` ignores one. As in
            :meth:`rankagg.ScoreTable.from_long`.
        higher_is_better : bool or mapping of str to bool, optional
            Direction for all tasks or per task; must agree with the data's
            direction column where both are given.
        metrics : str or mapping of str to str, optional
            Keep one metric per task (default: every (task, metric) pair is a
            task column with its own instances).
        weights : mapping or sequence, optional
            Task-column weights.
        include, exclude : str or collection of str, optional
            Systems to keep or leave out (names or shell-style patterns).
        missing : {"raise", "drop_systems", "drop_instances", "partial"}
            Missing-score policy, see :meth:`from_arrays`. A system without a
            row for an instance that other systems have is missing there.

        Returns
        -------
        InstanceTable

        Raises
        ------
        ScoreTableError
            On missing columns, empty names, non-numeric or infinite scores,
            duplicate (system, task, metric, instance) rows, unknown or
            conflicting directions, and missing scores under
            ``missing="raise"``; the message gives the offending rows (their
            index in ``data``).

        Examples
        --------
        >>> import pandas as pd, rankagg
        >>> df = pd.DataFrame({"system": ["A", "B", "A", "B", "A", "B"], "task": ["qa"] * 4 + ["mt"] * 2,
        ...                    "instance": [1, 1, 2, 2, 1, 1], "score": [1, 0, 1, 1, 0.3, 0.4]})
        >>> t = rankagg.InstanceTable.from_long(df, higher_is_better=True)
        >>> t.labels, dict(t.n_instances), t.instances("qa")
        (('qa', 'mt'), {'qa': 2, 'mt': 1}, ('1', '2'))
        """
        if not isinstance(data, pd.DataFrame):
            raise ScoreTableError(f"data: expected a pandas DataFrame, got {type(data).__name__}.")
        _check_policy(missing)
        if len(data) == 0:
            raise ScoreTableError("data: the table is empty (no rows); give at least two systems and one instance.")
        cols = [str(c) for c in data.columns]
        df = data.copy(deep=False)
        df.columns = cols
        rows = np.asarray(df.index, dtype=object)  # errors name rows by their index in ``data``
        for param, name in (("system", system), ("task", task), ("instance", instance), ("score", score)):
            if name not in cols:
                raise ScoreTableError(
                    f"{param}: no column {name!r} in the data; its columns are {preview(cols, 10)}."
                    f"{did_you_mean(name, cols)} Pass {param}='<column name>' (CLI: --{param}-col)."
                )
        metric_col = _optional_column(metric, "metric", "metric", cols)
        direction_col = _optional_column(direction, "higher_is_better", "direction", cols)
        weight_col = _optional_column(weight, "weight", "weight", cols)

        for param, name in (("system", system), ("task", task), ("instance", instance)):
            null = df[name].isna().to_numpy()
            if null.any():
                raise ScoreTableError(
                    f"{param}: empty {name!r} in row(s) {preview(list(rows[null]))}; every row needs a {param}."
                )
        sys_names = strip_names(df[system], "system").to_numpy(dtype=object)
        task_names = strip_names(df[task], "task").to_numpy(dtype=object)
        inst_names = strip_names(df[instance], "instance").to_numpy(dtype=object)
        if metric_col is not None:
            raw_m = df[metric_col]
            blank_m = raw_m.isna().to_numpy() | (raw_m.astype(str).str.strip() == "").to_numpy()
            metric_names = np.where(blank_m, None, raw_m.astype(str).str.strip().to_numpy(dtype=object)).astype(object)
            named_tasks = set(task_names[~blank_m])
            unnamed = blank_m & np.isin(task_names, list(named_tasks))
            if unnamed.any():
                raise ScoreTableError(
                    f"metric: row(s) {preview(list(rows[unnamed]))} have no metric name, but other rows of the same "
                    f"task do; fill in column {metric_col!r} (or drop it with metric=None)."
                )
        else:
            metric_names = np.full(len(df), None, dtype=object)

        raw = df[score]
        numeric = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        if np.isnan(numeric).any():
            texty = raw.astype("string").str.strip().str.lower()
            blank = (raw.isna() | texty.isin(_MISSING_TEXT).fillna(True)).to_numpy()
            bad = np.isnan(numeric) & ~blank
            if bad.any():
                where = [f"(row {r}: {v!r})" for r, v in zip(rows[bad][:5], raw.to_numpy()[bad][:5], strict=True)]
                raise ScoreTableError(
                    f"score: non-numeric values in column {score!r} at {preview(where)}"
                    f"{f' ({int(bad.sum())} rows)' if bad.sum() > 5 else ''}; scores must be numbers (leave the "
                    "cell empty, or write NA, for a missing score)."
                )
        infinite = np.isinf(numeric)
        if infinite.any():
            where = [f"(row {r}: {v})" for r, v in zip(rows[infinite][:5], numeric[infinite][:5], strict=True)]
            raise ScoreTableError(
                f"score: infinite values in column {score!r} at {preview(where)}; replace them with finite numbers "
                "or leave the cell empty (missing)."
            )

        row_dir = np.full(len(df), -1, dtype=np.int8)  # -1 unknown, 0 lower, 1 higher
        if direction_col is not None:
            codes, uniques = pd.factorize(df[direction_col], use_na_sentinel=True)
            parsed = np.empty(len(uniques), dtype=np.int8)
            bad_vals = []
            for u, value in enumerate(uniques):
                try:
                    b = parse_bool(value)
                except ValueError:
                    bad_vals.append(u)
                    b = None
                parsed[u] = -1 if b is None else int(b)
            if bad_vals:
                bad_rows = np.isin(codes, bad_vals)
                where = [
                    f"(row {r}: {v!r})"
                    for r, v in zip(rows[bad_rows][:5], df[direction_col].to_numpy()[bad_rows][:5], strict=True)
                ]
                raise ScoreTableError(
                    f"direction: values in column {direction_col!r} at {preview(where)} are not a direction; use "
                    "True/False (or 'higher'/'lower')."
                )
            row_dir = np.where(codes >= 0, parsed[np.maximum(codes, 0)], -1).astype(np.int8)

        frame = pd.DataFrame(
            {
                "task": pd.Series(task_names, dtype=object),
                "metric": pd.Series(metric_names, dtype=object),
            }
        )
        keep_rows = np.ones(len(df), dtype=bool)
        if metrics is not None:
            if metric_col is None:
                raise ScoreTableError(
                    "metrics: the data has no metric column to select from; pass metric='<column name>'."
                )
            pairs = frame.drop_duplicates()
            pairs_sel = _select_metrics(pairs.reset_index(drop=True), metrics)
            allowed = set(zip(pairs_sel["task"], pairs_sel["metric"], strict=True))
            keep_rows &= np.fromiter(
                ((t, m) in allowed for t, m in zip(task_names, metric_names, strict=True)), dtype=bool, count=len(df)
            )

        all_systems = list(pd.unique(sys_names[keep_rows]))
        keep_sys = np.ones(len(all_systems), dtype=bool)
        if include is not None:
            keep_sys &= match_patterns(include, all_systems, "include")
        if exclude is not None:
            keep_sys &= ~match_patterns(exclude, all_systems, "exclude")
        kept = [s for s, k in zip(all_systems, keep_sys, strict=True) if k]
        if not kept:
            raise ScoreTableError(
                f"include/exclude: no system is left after selection (include={include!r}, exclude={exclude!r}); "
                "loosen the patterns."
            )
        keep_rows &= np.isin(sys_names, kept)

        sel = np.nonzero(keep_rows)[0]
        s_codes, s_uniques = pd.factorize(sys_names[sel], sort=False)
        t_codes, t_uniques = pd.factorize(task_names[sel], sort=False)
        m_codes, m_uniques = pd.factorize(metric_names[sel], sort=False, use_na_sentinel=True)
        tm = t_codes.astype(np.int64) * (len(m_uniques) + 1) + (m_codes.astype(np.int64) + 1)
        c_codes, c_uniques = pd.factorize(tm, sort=False)
        i_codes, i_uniques = pd.factorize(inst_names[sel], sort=False)
        key = c_codes.astype(np.int64) * len(i_uniques) + i_codes.astype(np.int64)
        ukeys, inst_global = np.unique(key, return_inverse=True)
        inst_global = inst_global.ravel()
        n_cols = len(c_uniques)
        col_of_inst = ukeys // len(i_uniques)
        sizes = np.bincount(col_of_inst, minlength=n_cols)
        col_task = [str(t_uniques[int(c) // (len(m_uniques) + 1)]) for c in c_uniques]
        col_metric: list[str | None] = []
        for c in c_uniques:
            mc = int(c) % (len(m_uniques) + 1) - 1
            col_metric.append(None if mc < 0 else str(m_uniques[mc]))
        ids = []
        offs = np.concatenate([[0], np.cumsum(sizes)])
        inst_local = ukeys % len(i_uniques)
        for j in range(n_cols):
            ids.append(np.asarray(i_uniques, dtype=object)[inst_local[offs[j] : offs[j + 1]]])

        n_sys = len(s_uniques)
        total = len(ukeys)
        cell = s_codes.astype(np.int64) * total + inst_global
        order = np.argsort(cell, kind="stable")
        sc = cell[order]
        dup_pos = np.nonzero(sc[1:] == sc[:-1])[0]
        if dup_pos.size:
            first = sc[dup_pos[0]]
            where_rows = rows[sel][order[sc == first]]
            i = int(first // total)
            k = int(first % total)
            j = int(col_of_inst[k])
            what = (
                f"({s_uniques[i]!r}, {col_task[j]!r}"
                + (f", {col_metric[j]!r}" if col_metric[j] is not None else "")
                + f", instance {str(ids[j][k - offs[j]])!r})"
            )
            n_keys = int(np.unique(sc[dup_pos]).size)
            raise ScoreTableError(
                f"data: duplicate entries for {what} in rows {preview(list(where_rows))}"
                + (f" (and {n_keys - 1} more duplicated key(s))" if n_keys > 1 else "")
                + "; keep one row per (system, task, metric, instance)"
                + duplicate_hint(
                    df, list(where_rows), [system, task, instance, score, metric_col, direction_col, weight_col]
                )
            )

        dirs = row_dir[sel]
        has_t = np.bincount(c_codes, weights=(dirs == 1).astype(np.float64), minlength=n_cols) > 0
        has_f = np.bincount(c_codes, weights=(dirs == 0).astype(np.float64), minlength=n_cols) > 0
        clash = np.nonzero(has_t & has_f)[0]
        if clash.size:
            j = int(clash[0])
            name = col_task[j] if col_metric[j] is None else f"{col_task[j]}:{col_metric[j]}"
            rows_t = list(rows[sel][(c_codes == j) & (dirs == 1)][:3])
            rows_f = list(rows[sel][(c_codes == j) & (dirs == 0)][:3])
            raise ScoreTableError(
                f"direction: conflicting directions for task {name!r}: higher_is_better is True in rows "
                f"{preview(rows_t)} and False in rows {preview(rows_f)}; a metric has one direction."
            )
        data_dirs: list[bool | None] = [
            True if t else (False if f else None) for t, f in zip(has_t, has_f, strict=True)
        ]

        if weight_col is not None and weights is None:
            wcol = _numeric_weights(df[weight_col].iloc[sel], weight_col)
            col_w: list[float] = []
            for j in range(n_cols):
                vals = np.unique(wcol[(c_codes == j) & ~np.isnan(wcol)])
                name = col_task[j] if col_metric[j] is None else f"{col_task[j]}:{col_metric[j]}"
                if vals.size > 1:
                    raise ScoreTableError(
                        f"weight: task {name!r} has several weights in column {weight_col!r} "
                        f"({preview(vals.tolist())}); a task column has one weight."
                    )
                col_w.append(float(vals[0]) if vals.size else 1.0)
            weights = col_w

        arr = np.full((n_sys, total), np.nan)
        arr[s_codes, inst_global] = numeric[sel]
        return cls._build(
            arr,
            systems=[str(s) for s in s_uniques],
            tasks=col_task,
            metrics=col_metric,
            sizes=sizes.tolist(),
            ids=ids,
            higher_is_better=higher_is_better,
            data_directions=data_dirs,
            weights=weights,
            missing=missing,
        )

    # ------------------------------------------------------------------ accessors
    @property
    def scores(self) -> np.ndarray:
        """Scores, shape (n_systems, n_instances_total), read-only; instances grouped by column."""
        return self._scores

    @property
    def offsets(self) -> np.ndarray:
        """Start of each task column's instances in :attr:`scores` (and the total at the end)."""
        return self._offsets

    @property
    def column_index(self) -> np.ndarray:
        """Task column of every instance (shape ``(n_instances_total,)``)."""
        return np.repeat(np.arange(self.n_columns), np.diff(self._offsets))

    @property
    def n_instances(self) -> Mapping[str, int]:
        """Number of instances of each task column, by label."""
        sizes = np.diff(self._offsets)
        return MappingProxyType({c.label: int(s) for c, s in zip(self._columns, sizes, strict=True)})

    @property
    def n_instances_total(self) -> int:
        """Number of instances over all task columns."""
        return int(self._offsets[-1])

    @property
    def dropped_instances(self) -> tuple[tuple[str, str], ...]:
        """``(task column label, instance id)`` pairs dropped by ``missing="drop_instances"``."""
        return self._dropped_instances

    @property
    def dropped_tasks(self) -> tuple[str, ...]:
        """Always empty: instance tables drop instances, not whole tasks (for symmetry with ScoreTable)."""
        return ()

    @property
    def has_missing(self) -> bool:
        """Whether some scores are missing (only possible with ``missing="partial"``)."""
        return self._has_missing

    def instances(self, label: str) -> tuple[str, ...]:
        """Instance ids of one task column (by label or task name)."""
        j = self._column(label)
        return tuple(_ids_of(self._ids[j], int(self._offsets[j + 1] - self._offsets[j])))

    def column_scores(self, label: str) -> np.ndarray:
        """Scores of one task column: a read-only view of shape (n_systems, n_instances of that column)."""
        j = self._column(label)
        return self._scores[:, self._offsets[j] : self._offsets[j + 1]]

    def _column(self, label: str) -> int:
        labels = self.labels
        if label in labels:
            return labels.index(label)
        hits = [j for j, c in enumerate(self._columns) if c.task == label]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise ScoreTableError(
                f"label: task {label!r} has several metric columns ({preview([labels[j] for j in hits])}); "
                "name one by its label."
            )
        raise ScoreTableError(
            f"label: no task column {label!r}.{did_you_mean(str(label), labels)} The columns are "
            f"{preview(list(labels), 8)}."
        )

    def __len__(self) -> int:
        return self.n_systems

    def __repr__(self) -> str:
        extra = ""
        if self._dropped_systems:
            extra += f", dropped {len(self._dropped_systems)} systems"
        if self._dropped_instances:
            extra += f", dropped {len(self._dropped_instances)} instances"
        return (
            f"InstanceTable({self.n_systems} systems x {self.n_columns} task columns x {self.n_instances_total} "
            f"instances, missing={self._missing!r}{extra})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InstanceTable):
            return NotImplemented
        return (
            self._systems == other._systems
            and self._columns == other._columns
            and self._missing == other._missing
            and np.array_equal(self._offsets, other._offsets)
            and all(self.instances(lab) == other.instances(lab) for lab in self.labels)
            and np.array_equal(self._scores, other._scores, equal_nan=True)
        )

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ conversion
    def to_long(self) -> pd.DataFrame:
        """The scores as a long DataFrame: ``system, task, metric, instance, score, higher_is_better, weight``.

        One row per (system, instance), missing scores included as NaN;
        :meth:`from_long` reads it back.

        Examples
        --------
        >>> import numpy as np, rankagg
        >>> t = rankagg.InstanceTable.from_arrays({"qa": np.array([[1.0, 0.0], [0.0, 1.0]])}, systems=["A", "B"],
        ...                                       higher_is_better=True)
        >>> t.to_long()
          system task metric instance  score  higher_is_better  weight
        0      A   qa   None        0    1.0              True     1.0
        1      A   qa   None        1    0.0              True     1.0
        2      B   qa   None        0    0.0              True     1.0
        3      B   qa   None        1    1.0              True     1.0
        """
        n, total = self._scores.shape
        col = self.column_index
        ids = np.concatenate(
            [
                np.asarray(_ids_of(self._ids[j], int(self._offsets[j + 1] - self._offsets[j])), dtype=object)
                for j in range(self.n_columns)
            ]
        )
        return pd.DataFrame(
            {
                "system": np.repeat(np.array(self._systems, dtype=object), total),
                "task": np.tile(np.array([c.task for c in self._columns], dtype=object)[col], n),
                "metric": pd.Series(
                    np.tile(np.array([c.metric for c in self._columns], dtype=object)[col], n), dtype=object
                ),
                "instance": np.tile(ids, n),
                "score": self._scores.ravel(),
                "higher_is_better": np.tile(self.higher_is_better[col], n),
                "weight": np.tile(self.weights[col], n),
            }
        )

    def task_table(self, statistic: str = "mean") -> ScoreTable:
        """The classic leaderboard: one score per system and task column, a statistic of its instance scores.

        Parameters
        ----------
        statistic : {"mean", "median", "sum"}, default "mean"
            Computed over the instances a system is scored on. A system with no
            score on any instance of a column is missing there (the table is
            then built with ``missing="partial"``).

        Returns
        -------
        ScoreTable
            Same systems, task columns, directions and weights.

        Examples
        --------
        >>> import numpy as np, rankagg
        >>> t = rankagg.InstanceTable.from_arrays({"qa": np.array([[1.0, 0.0], [0.0, 0.0]])}, systems=["A", "B"],
        ...                                       higher_is_better=True)
        >>> t.task_table().scores
        array([[0.5],
               [0. ]])
        """
        if statistic not in STATISTICS:
            raise ScoreTableError(
                f"statistic={statistic!r}: use one of {', '.join(repr(s) for s in STATISTICS)}."
                f"{did_you_mean(str(statistic), STATISTICS)}"
            )
        out = np.empty((self.n_systems, self.n_columns))
        for j in range(self.n_columns):
            block = self._scores[:, self._offsets[j] : self._offsets[j + 1]]
            present = ~np.isnan(block)
            cnt = present.sum(axis=1)
            if statistic == "median":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: NaN, handled below
                    out[:, j] = np.nanmedian(block, axis=1)
            else:
                tot = np.where(present, block, 0.0).sum(axis=1)
                if statistic == "sum":
                    out[:, j] = np.where(cnt > 0, tot, np.nan)
                else:
                    out[:, j] = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
        policy = "partial" if np.isnan(out).any() else ("raise" if self._missing != "partial" else "partial")
        return ScoreTable._from_parts(
            out,
            systems=self._systems,
            tasks=[c.task for c in self._columns],
            metrics=[c.metric for c in self._columns],
            higher_is_better=None,
            data_directions=[c.higher_is_better for c in self._columns],
            weights=[c.weight for c in self._columns],
            missing=policy,
            dropped_systems=self._dropped_systems,
        )

    def instance_weights(self, weighting: str = "per_task") -> np.ndarray:
        """Weight of every instance voter when instances are pooled (``level="one"``).

        ``"per_task"``: the task weight divided by the task's number of
        instances (every task counts as much as its weight, however many
        instances it has); ``"uniform"``: the task weight (every instance
        counts the same, so tasks with more instances count more).
        """
        check_weighting(weighting)
        sizes = np.diff(self._offsets).astype(np.float64)
        per = self.weights / sizes if weighting == "per_task" else self.weights
        return np.repeat(per, np.diff(self._offsets))

    def pairwise(
        self,
        *,
        instance_weighting: str = "per_task",
        atol: float = 0.0,
        rtol: float = 0.0,
        pairwise: str = "observed",
        chunk_size: int | None = None,
        max_memory: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Weighted pairwise wins and ties over the instance voters (what ``level="one"`` rules read).

        Every instance is ranked (ties within ``atol + rtol * |leader|``, as in
        :func:`rankagg.rank_scores`) and compared for every pair of systems, in
        chunks of instances whose working memory stays below ``max_memory``
        bytes (default 256 MiB) whatever the size of the table.

        Parameters
        ----------
        instance_weighting : {"per_task", "uniform"}
            Weight of each instance (see :meth:`instance_weights`); with
            ``"uniform"`` and unit task weights the counts are numbers of instances.
        atol, rtol : float
            Tie tolerance within an instance.
        pairwise : {"observed", "expected"}
            ``"expected"``: an instance that does not score both systems of a
            pair counts with the probability of each order over the compatible
            completions of its partial ranking (:mod:`rankagg.rankings.partial`).
        chunk_size, max_memory : int, optional
            Instances per chunk, or a bound in bytes on the working memory.

        Returns
        -------
        wins, ties : numpy.ndarray of shape (n_systems, n_systems)
            ``wins[i, j]``: weight of the instances ranking ``i`` strictly
            above ``j``; ``ties[i, j]``: weight of those tying them.

        Examples
        --------
        >>> import numpy as np, rankagg
        >>> t = rankagg.InstanceTable.from_arrays({"qa": np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])},
        ...                                       systems=["A", "B"], higher_is_better=True)
        >>> wins, ties = t.pairwise(instance_weighting="uniform")
        >>> wins.tolist(), ties.tolist()
        ([[0.0, 1.0], [0.0, 0.0]], [[0.0, 2.0], [2.0, 0.0]])
        """
        from rankagg.data.instance_counts import pooled_pairwise

        return pooled_pairwise(
            self,
            instance_weighting=check_weighting(instance_weighting),
            atol=atol,
            rtol=rtol,
            pairwise=pairwise,
            chunk_size=chunk_size,
            max_memory=max_memory,
        )

    def voter_table(self, instance_weighting: str = "per_task") -> ScoreTable:
        """A :class:`~rankagg.ScoreTable` whose columns are the instances (one-level aggregation's voters).

        Every registered rule works on it unchanged; ``aggregate(table,
        level="one")`` computes the same thing, with chunked fast paths for the
        rules that must scale. Column labels are ``"label[instance]"``; weights
        follow ``instance_weighting`` (see :meth:`instance_weights`).

        Examples
        --------
        >>> import numpy as np, rankagg
        >>> t = rankagg.InstanceTable.from_arrays({"qa": np.array([[1.0, 0.0], [0.0, 1.0]])}, systems=["A", "B"],
        ...                                       higher_is_better=True)
        >>> t.voter_table().labels, t.voter_table().weights.tolist()
        (('qa[0]', 'qa[1]'), [0.5, 0.5])
        """
        w = self.instance_weights(instance_weighting)
        cols = []
        for j, c in enumerate(self._columns):
            for inst, wk in zip(self.instances(c.label), w[self._offsets[j] : self._offsets[j + 1]], strict=True):
                cols.append(dataclasses.replace(c, weight=float(wk), label=f"{c.label}[{inst}]"))
        obj = ScoreTable.__new__(ScoreTable)
        obj._systems = self._systems
        obj._columns = tuple(cols)
        obj._scores = self._scores
        obj._missing = self._missing if self._missing == "partial" else "raise"
        obj._dropped_systems = self._dropped_systems
        obj._dropped_tasks = ()
        return obj

    # ------------------------------------------------------------------ derivation
    def select_systems(
        self,
        *,
        include: str | Collection[str] | None = None,
        exclude: str | Collection[str] | None = None,
    ) -> InstanceTable:
        """Keep systems matching ``include`` and not matching ``exclude`` (names or shell-style patterns).

        Examples
        --------
        >>> import numpy as np, rankagg
        >>> t = rankagg.InstanceTable.from_arrays({"qa": np.eye(3)}, systems=["gpt-a", "gpt-b", "Human"],
        ...                                       higher_is_better=True)
        >>> t.select_systems(exclude="Human").systems
        ('gpt-a', 'gpt-b')
        """
        keep = np.ones(self.n_systems, dtype=bool)
        if include is not None:
            keep &= match_patterns(include, self._systems, "include")
        if exclude is not None:
            keep &= ~match_patterns(exclude, self._systems, "exclude")
        if keep.sum() < 2:
            raise ScoreTableError(
                f"include/exclude: {int(keep.sum())} system(s) left after selection; ranking needs at least two."
            )
        return self._rebuild(np.nonzero(keep)[0], self._missing)

    def with_missing(self, missing: InstanceMissingPolicy) -> InstanceTable:
        """The table under another missing policy (meaningful from a ``missing="partial"`` table)."""
        _check_policy(missing)
        return self._rebuild(np.arange(self.n_systems), missing)

    def _rebuild(self, rows: np.ndarray, missing: str) -> InstanceTable:
        sizes = np.diff(self._offsets)
        return InstanceTable._build(
            self._scores[rows],
            systems=[self._systems[i] for i in rows],
            tasks=[c.task for c in self._columns],
            metrics=[c.metric for c in self._columns],
            sizes=sizes.tolist(),
            ids=[
                None if self._ids[j] is None else np.asarray(self._ids[j], dtype=object) for j in range(self.n_columns)
            ],
            higher_is_better=None,
            data_directions=[c.higher_is_better for c in self._columns],
            weights=[c.weight for c in self._columns],
            missing=missing,
            dropped_systems=self._dropped_systems,
            dropped_instances=self._dropped_instances,
        )


# ---------------------------------------------------------------------- helpers
def _ids_of(ids: np.ndarray | None, size: int) -> list[str]:
    if ids is None:
        return [str(k) for k in range(size)]
    return [str(x) for x in ids]


def _instance_name(ids: Sequence[np.ndarray | None], offsets: np.ndarray, j: int, k: int) -> str:
    local = int(k - offsets[j])
    col = ids[j]
    return str(local) if col is None else str(col[local])


def _column_of(k: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return np.searchsorted(offsets, k, side="right") - 1


def _locate(mask: np.ndarray, offsets: np.ndarray, *, limit: int) -> list[tuple[int, int, int]]:
    """First ``limit`` (row, instance, column) positions where ``mask`` is True."""
    flat = np.flatnonzero(mask)[:limit]
    i, k = np.divmod(flat, mask.shape[1])
    j = _column_of(k, offsets)
    return [(int(a), int(b), int(c)) for a, b, c in zip(i, k, j, strict=True)]
