"""The validated score table: systems x task columns, with direction, weights and a missing policy.

A :class:`ScoreTable` is what every rule in rankagg reads. It is built once,
validated once, and never changed afterwards (methods return new tables).

Each *column* of the table is one (task, metric) pair: a task that reports two
metrics (GLUE's MRPC reports F1 and accuracy) gives two ranking columns unless
the caller picks one metric for it. Every column knows whether higher or lower
is better; rankagg never guesses a direction.

Why this module is long: One class, :class:`ScoreTable`, with its two constructors (``from_long``,
``from_wide``) validating every input in one place so that each error names the row and the fix; column parsing
is in :mod:`rankagg.data.columns` and the design checks in :mod:`rankagg.data.design`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from rankagg._errors import ScoreTableError, did_you_mean, preview
from rankagg.data.columns import (
    _blank,
    _check_keys,
    _labels,
    _numeric_weights,
    _optional_column,
    _select_metrics,
    duplicate_hint,
    lookup_setting,
    match_patterns,
    parse_bool,
    strip_names,
)
from rankagg.data.design import _isolated_fixes, missing_fixes
from rankagg.rankings.orders import TaskRankings, check_tol, rank_scores

__all__ = ["MISSING_POLICIES", "Column", "MissingPolicy", "ScoreTable"]

MissingPolicy = Literal["raise", "drop_systems", "drop_tasks", "partial"]
MISSING_POLICIES: tuple[str, ...] = ("raise", "drop_systems", "drop_tasks", "partial")

Direction = bool | Mapping[str, bool] | None
Weights = Mapping[str, float] | Sequence[float] | np.ndarray | None


@dataclass(frozen=True)
class Column:
    """One ranking column of a score table: a task, optionally one of its metrics.

    Attributes
    ----------
    task : str
        Task name.
    metric : str or None
        Metric name, when known.
    higher_is_better : bool
        Direction of the metric.
    weight : float
        Weight of this column in weighted rules (1.0 by default).
    label : str
        Unique name of the column: the task name, or ``"task:metric"`` when the
        task has several metric columns in the table.
    """

    task: str
    metric: str | None
    higher_is_better: bool
    weight: float
    label: str


# text that means "no score" in score files
_MISSING_TEXT = frozenset({"", "nan", "na", "n/a", "null", "none", "-"})


def _check_policy(missing: str) -> None:
    if missing not in MISSING_POLICIES:
        raise ScoreTableError(
            f"missing={missing!r} is not a missing-value policy; use one of "
            f"{', '.join(repr(p) for p in MISSING_POLICIES)}.{did_you_mean(missing, MISSING_POLICIES)}"
        )


class _TableColumns:
    """Accessors shared by :class:`ScoreTable` and :class:`~rankagg.InstanceTable` (their systems and task
    columns); the subclasses set the slots these read."""

    __slots__ = ()
    _systems: tuple[str, ...]
    _columns: tuple[Column, ...]
    _missing: str
    _dropped_systems: tuple[str, ...]

    @property
    def systems(self) -> tuple[str, ...]:
        """System names, in table order."""
        return self._systems

    @property
    def columns(self) -> tuple[Column, ...]:
        """The task columns (task, metric, direction, weight, label)."""
        return self._columns

    @property
    def labels(self) -> tuple[str, ...]:
        """Unique label of each task column."""
        return tuple(c.label for c in self._columns)

    @property
    def tasks(self) -> tuple[str, ...]:
        """Distinct task names, in order of first appearance."""
        return tuple(dict.fromkeys(c.task for c in self._columns))

    @property
    def higher_is_better(self) -> np.ndarray:
        """Boolean direction of each task column."""
        return np.array([c.higher_is_better for c in self._columns], dtype=bool)

    @property
    def weights(self) -> np.ndarray:
        """Weight of each task column."""
        return np.array([c.weight for c in self._columns], dtype=np.float64)

    @property
    def missing_policy(self) -> str:
        """The missing-value policy the table was built with."""
        return self._missing

    @property
    def dropped_systems(self) -> tuple[str, ...]:
        """Systems dropped by the missing policy (``"drop_systems"``)."""
        return self._dropped_systems

    @property
    def n_systems(self) -> int:
        """Number of systems."""
        return len(self._systems)

    @property
    def n_columns(self) -> int:
        """Number of task columns."""
        return len(self._columns)


class ScoreTable(_TableColumns):
    """Scores of systems on task columns, validated, with direction, weights and missing policy.

    Parameters
    ----------
    scores : array_like of shape (n_systems, n_columns)
        Scores; ``NaN`` marks a missing score. Must be finite otherwise.
    systems : sequence of str
        System names, one per row, unique.
    tasks : sequence of str
        Task name of each column.
    metrics : sequence of str or None, optional
        Metric name of each column. Needed when a task has several columns.
    higher_is_better : bool or mapping of str to bool
        Direction of every column (a bool) or per task (a mapping keyed by task
        name, column label or shell-style pattern such as ``"*loss*"`` or
        ``"*"``; exact names take precedence over patterns). Required:
        rankagg never guesses a direction.
    weights : mapping of str to float or sequence of float, optional
        Positive weight per column (sequence) or per task / column label
        (mapping; tasks left out weigh 1). Default: every column weighs 1, so a
        task reported with two metrics counts twice unless one is selected.
    missing : {"raise", "drop_systems", "drop_tasks", "partial"}, default "raise"
        What to do with missing scores: raise an error naming them, drop every
        system with a missing score, drop every task column with a missing
        score, or keep them (systems are then unranked on that column: a
        *partial* ranking, which only some rules accept). The policy, and what
        it dropped, is recorded in the table and in every result.

    Raises
    ------
    ScoreTableError
        On empty input, fewer than two systems, duplicate systems or columns,
        non-finite scores, unknown directions, bad weights, or missing scores
        under ``missing="raise"``.

    See Also
    --------
    ScoreTable.from_long, ScoreTable.from_wide, rankagg.read_table

    Examples
    --------
    >>> import rankagg
    >>> t = rankagg.ScoreTable(
    ...     [[0.9, 12.0], [0.8, 10.0], [0.7, 11.0]],
    ...     systems=["A", "B", "C"], tasks=["accuracy", "perplexity"],
    ...     higher_is_better={"accuracy": True, "perplexity": False},
    ... )
    >>> t
    ScoreTable(3 systems x 2 task columns, missing='raise')
    >>> t.to_wide()
             accuracy  perplexity
    system
    A             0.9        12.0
    B             0.8        10.0
    C             0.7        11.0
    """

    __slots__ = (
        "_columns",
        "_dropped_systems",
        "_dropped_tasks",
        "_missing",
        "_scores",
        "_systems",
    )

    def __init__(
        self,
        scores: Any,
        *,
        systems: Sequence[str],
        tasks: Sequence[str],
        metrics: Sequence[str | None] | None = None,
        higher_is_better: Direction,
        weights: Weights = None,
        missing: MissingPolicy = "raise",
    ) -> None:
        self._init(
            scores,
            systems=systems,
            tasks=tasks,
            metrics=metrics,
            higher_is_better=higher_is_better,
            data_directions=None,
            weights=weights,
            missing=missing,
            dropped_systems=(),
            dropped_tasks=(),
        )

    # ------------------------------------------------------------------ construction
    def _init(
        self,
        scores: Any,
        *,
        systems: Sequence[str],
        tasks: Sequence[str],
        metrics: Sequence[str | None] | None,
        higher_is_better: Direction,
        data_directions: Sequence[bool | None] | None,
        weights: Weights,
        missing: str,
        dropped_systems: tuple[str, ...],
        dropped_tasks: tuple[str, ...],
    ) -> None:
        _check_policy(missing)
        try:
            arr = np.array(scores, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ScoreTableError(
                f"scores: could not read the scores as numbers ({exc}); pass a 2-D array of floats, "
                "with NaN for missing scores."
            ) from None
        if arr.ndim != 2:
            raise ScoreTableError(
                f"scores: expected a 2-D array (systems x task columns), got {arr.ndim} dimension(s)."
            )
        systems = [str(s) for s in systems]
        tasks = [str(t) for t in tasks]
        if arr.size == 0 or arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ScoreTableError(
                f"scores: the table is empty ({arr.shape[0]} systems x {arr.shape[1]} task columns); "
                "give at least two systems and one task."
            )
        if len(systems) != arr.shape[0]:
            raise ScoreTableError(
                f"systems: {len(systems)} names for {arr.shape[0]} rows of scores; give one name per row."
            )
        if len(tasks) != arr.shape[1]:
            raise ScoreTableError(
                f"tasks: {len(tasks)} names for {arr.shape[1]} columns of scores; give one task per column."
            )
        if metrics is None:
            metric_list: list[str | None] = [None] * len(tasks)
        else:
            metric_list = [None if _blank(m) else str(m) for m in metrics]
            if len(metric_list) != len(tasks):
                raise ScoreTableError(
                    f"metrics: {len(metric_list)} metric names for {len(tasks)} columns; give one per column."
                )
        dup_sys = sorted({s for s in systems if systems.count(s) > 1}) if len(set(systems)) < len(systems) else []
        if dup_sys:
            raise ScoreTableError(f"systems: duplicate system names {preview(dup_sys)}; system names must be unique.")
        if arr.shape[0] < 2:
            raise ScoreTableError(
                f"systems: only {arr.shape[0]} system ({preview(systems)}); ranking needs at least two."
            )
        labels = _labels(tasks, metric_list)
        bad = np.isinf(arr)
        if bad.any():
            cells = [f"({systems[i]!r}, {labels[j]!r}) = {arr[i, j]}" for i, j in zip(*np.nonzero(bad), strict=True)]
            raise ScoreTableError(
                f"scores: infinite scores at {preview(cells)}; replace them with finite numbers or NaN (missing)."
            )

        directions = self._directions(higher_is_better, data_directions, labels, tasks)
        weight_arr = self._weights(weights, labels, tasks)

        nan = np.isnan(arr)
        all_nan_cols = np.nonzero(nan.all(axis=0))[0]
        if all_nan_cols.size and missing != "drop_tasks":
            raise ScoreTableError(
                f"scores: task column(s) {preview([labels[j] for j in all_nan_cols])} have no score at all; "
                "remove them, or pass missing='drop_tasks'."
            )
        keep_rows = np.ones(arr.shape[0], dtype=bool)
        keep_cols = np.ones(arr.shape[1], dtype=bool)
        if nan.any():
            if missing == "raise":
                cells = [f"({systems[i]!r}, {labels[j]!r})" for i, j in zip(*np.nonzero(nan), strict=True)]
                raise ScoreTableError(
                    f"missing: {int(nan.sum())} missing score(s), at {preview(cells)}; "
                    f"{missing_fixes(nan, tried='raise', lead='choose a policy: missing=')}."
                )
            if missing == "drop_systems":
                keep_rows = ~nan.any(axis=1)
                if keep_rows.sum() < 2:
                    raise ScoreTableError(
                        f"missing='drop_systems' would leave {int(keep_rows.sum())} system(s) with every "
                        f"score (it drops {preview([s for s, k in zip(systems, keep_rows, strict=True) if not k])}); "
                        f"{missing_fixes(nan, tried='drop_systems')}."
                    )
            elif missing == "drop_tasks":
                keep_cols = ~nan.any(axis=0)
                if not keep_cols.any():
                    raise ScoreTableError(
                        "missing='drop_tasks' would drop every task column (each has a missing score); "
                        f"{missing_fixes(nan, tried='drop_tasks')}."
                    )
            else:  # partial
                empty = np.nonzero(nan.all(axis=1))[0]
                if empty.size:
                    raise ScoreTableError(
                        f"scores: system(s) {preview([systems[i] for i in empty])} have no score on any task; "
                        + _isolated_fixes(nan, empty)
                    )
                present = ~nan
                shared = present & (present.sum(axis=0) >= 2)[None, :]
                alone = np.nonzero(~shared.any(axis=1))[0]
                if alone.size:
                    raise ScoreTableError(
                        f"scores: system(s) {preview([systems[i] for i in alone])} share no task with any other "
                        "system, so nothing compares them; " + _isolated_fixes(nan, alone)
                    )
        new_dropped_systems = tuple(s for s, k in zip(systems, keep_rows, strict=True) if not k)
        new_dropped_tasks = tuple(lab for lab, k in zip(labels, keep_cols, strict=True) if not k)

        arr = arr[np.ix_(keep_rows, keep_cols)].copy()
        arr.setflags(write=False)
        kept_systems = tuple(s for s, k in zip(systems, keep_rows, strict=True) if k)
        kept_idx = np.nonzero(keep_cols)[0]
        kept_tasks = [tasks[j] for j in kept_idx]
        kept_metrics = [metric_list[j] for j in kept_idx]
        kept_labels = _labels(kept_tasks, kept_metrics)
        self._systems = kept_systems
        self._columns = tuple(
            Column(
                task=kept_tasks[k],
                metric=kept_metrics[k],
                higher_is_better=bool(directions[j]),
                weight=float(weight_arr[j]),
                label=kept_labels[k],
            )
            for k, j in enumerate(kept_idx)
        )
        self._scores = arr
        self._missing = missing
        self._dropped_systems = tuple(dropped_systems) + new_dropped_systems
        self._dropped_tasks = tuple(dropped_tasks) + new_dropped_tasks

    @staticmethod
    def _directions(
        higher_is_better: Direction,
        data_directions: Sequence[bool | None] | None,
        labels: Sequence[str],
        tasks: Sequence[str],
    ) -> list[bool]:
        from_data = list(data_directions) if data_directions is not None else [None] * len(labels)
        out: list[bool] = []
        unknown: list[str] = []
        if isinstance(higher_is_better, Mapping):
            _check_keys(higher_is_better, labels, tasks, "higher_is_better")
        elif higher_is_better is not None and not isinstance(higher_is_better, (bool, np.bool_)):
            raise ScoreTableError(
                f"higher_is_better: expected True, False or a mapping {{task: bool}}, got {higher_is_better!r}."
            )
        for label, task, data in zip(labels, tasks, from_data, strict=True):
            given: bool | None
            if isinstance(higher_is_better, Mapping):
                found, value = lookup_setting(higher_is_better, label, task)
                given = None
                if found:
                    try:
                        given = parse_bool(value)
                    except ValueError:
                        given = None
                    if given is None:
                        raise ScoreTableError(
                            f"higher_is_better: the direction of task {label!r} is {value!r}; use True or False."
                        )
            elif higher_is_better is None:
                given = None
            else:
                given = bool(higher_is_better)
            if given is not None and data is not None and given != data:
                raise ScoreTableError(
                    f"higher_is_better: you gave {given} for task {label!r} but the data says "
                    f"higher_is_better={data}; fix the data, or ignore its direction column "
                    "(direction=None; CLI: --direction-col '') to use yours."
                )
            value_out = given if given is not None else data
            if value_out is None:
                unknown.append(label)
                out.append(True)
            else:
                out.append(bool(value_out))
        if unknown:
            raise ScoreTableError(
                f"higher_is_better: the direction of task(s) {preview(unknown)} is unknown and rankagg never "
                "guesses it; pass higher_is_better=True or False for all tasks, or a mapping "
                "{task: True/False} (CLI: --higher-is-better / --lower-is-better TASK,...)."
            )
        return out

    @staticmethod
    def _weights(weights: Weights, labels: Sequence[str], tasks: Sequence[str]) -> np.ndarray:
        m = len(labels)
        if weights is None:
            return np.ones(m)
        if isinstance(weights, Mapping):
            _check_keys(weights, labels, tasks, "weights")
            raw: list[Any] = []
            for label, task in zip(labels, tasks, strict=True):
                found, value = lookup_setting(weights, label, task)
                raw.append(value if found else 1.0)
        else:
            raw = list(np.asarray(weights, dtype=object).ravel())
            if len(raw) != m:
                raise ScoreTableError(
                    f"weights: {len(raw)} weights for {m} task columns; give one per column or a mapping "
                    "{task: weight}."
                )
        out = np.empty(m)
        for j, (label, value) in enumerate(zip(labels, raw, strict=True)):
            try:
                w = float(value)
            except (TypeError, ValueError):
                w = float("nan")
            if not (math.isfinite(w) and w > 0):
                raise ScoreTableError(
                    f"weights: the weight of task {label!r} is {value!r}; weights must be positive finite "
                    "numbers (to leave a task out, exclude it instead)."
                )
            out[j] = w
        return out

    @classmethod
    def _from_parts(
        cls,
        scores: Any,
        *,
        systems: Sequence[str],
        tasks: Sequence[str],
        metrics: Sequence[str | None] | None,
        higher_is_better: Direction,
        data_directions: Sequence[bool | None] | None,
        weights: Weights,
        missing: str,
        dropped_systems: tuple[str, ...] = (),
        dropped_tasks: tuple[str, ...] = (),
    ) -> ScoreTable:
        obj = cls.__new__(cls)
        obj._init(
            scores,
            systems=systems,
            tasks=tasks,
            metrics=metrics,
            higher_is_better=higher_is_better,
            data_directions=data_directions,
            weights=weights,
            missing=missing,
            dropped_systems=dropped_systems,
            dropped_tasks=dropped_tasks,
        )
        return obj

    @classmethod
    def from_long(
        cls,
        data: pd.DataFrame,
        *,
        system: str = "system",
        task: str = "task",
        score: str = "score",
        metric: str | None = "metric",
        direction: str | None = "higher_is_better",
        weight: str | None = "weight",
        higher_is_better: Direction = None,
        metrics: str | Mapping[str, str] | None = None,
        weights: Weights = None,
        include: str | Collection[str] | None = None,
        exclude: str | Collection[str] | None = None,
        missing: MissingPolicy = "raise",
    ) -> ScoreTable:
        """Build a table from a long (tidy) DataFrame, one row per (system, task[, metric]).

        Parameters
        ----------
        data : pandas.DataFrame
            Long data with at least a system, a task and a score column.
        system, task, score : str
            Names of the system, task and score columns.
        metric : str or None, default "metric"
            Name of the metric column. When the default column is absent the
            data is taken to have one metric per task; ``None`` ignores it.
        direction : str or None, default "higher_is_better"
            Name of a column holding each row's direction (True / False,
            "higher" / "lower"). Used when present; ``None`` ignores it.
        weight : str or None, default "weight"
            Name of a column holding each task's weight (as written by
            :meth:`to_long`), constant within a task column. Used when present
            and ``weights`` is not given; ``None`` ignores it.
        higher_is_better : bool or mapping of str to bool, optional
            Direction for all tasks, or per task. Must agree with the data's
            direction column where both are given.
        metrics : str or mapping of str to str, optional
            Keep one metric per task: a metric name for every task, or a
            mapping ``{task: metric}`` for some of them. By default each
            (task, metric) pair is its own column.
        weights : mapping or sequence, optional
            Task weights, as in :class:`ScoreTable`.
        include, exclude : str or collection of str, optional
            System names or shell-style patterns (``"*Human*"``) to keep or
            to leave out, applied before the missing policy.
        missing : {"raise", "drop_systems", "drop_tasks", "partial"}
            Missing-score policy, as in :class:`ScoreTable`.

        Returns
        -------
        ScoreTable

        Raises
        ------
        ScoreTableError
            On missing columns, duplicate (system, task, metric) rows,
            non-numeric or infinite scores, unknown or conflicting directions,
            and every error of :class:`ScoreTable`; the message gives the
            offending rows (by their index in ``data``).

        Examples
        --------
        >>> import pandas as pd, rankagg
        >>> df = pd.DataFrame({
        ...     "system": ["A", "A", "B", "B", "C", "C"],
        ...     "task": ["qa", "mt", "qa", "mt", "qa", "mt"],
        ...     "score": [71.0, 30.1, 68.5, 33.0, 60.2, 25.0],
        ... })
        >>> t = rankagg.ScoreTable.from_long(df, higher_is_better=True)
        >>> t.labels
        ('qa', 'mt')
        """
        if not isinstance(data, pd.DataFrame):
            raise ScoreTableError(f"data: expected a pandas DataFrame, got {type(data).__name__}.")
        _check_policy(missing)
        if len(data) == 0:
            raise ScoreTableError("data: the table is empty (no rows); give at least two systems and one task.")
        cols = list(map(str, data.columns))
        df = data.copy()
        df.columns = cols
        for param, name in (("system", system), ("task", task), ("score", score)):
            if name not in cols:
                raise ScoreTableError(
                    f"{param}: no column {name!r} in the data; its columns are {preview(cols, 10)}."
                    f"{did_you_mean(name, cols)} Pass {param}='<column name>' (CLI: --{param}-col)."
                )
        metric_col = _optional_column(metric, "metric", "metric", cols)
        direction_col = _optional_column(direction, "higher_is_better", "direction", cols)
        weight_col = _optional_column(weight, "weight", "weight", cols)

        # names
        for param, name in (("system", system), ("task", task)):
            null = df[name].isna().to_numpy()
            if null.any():
                rows = list(df.index[null])
                raise ScoreTableError(
                    f"{param}: empty {name!r} in row(s) {preview(rows)}; every row needs a {param} name."
                )
        sys_names = strip_names(df[system], "system")
        task_names = strip_names(df[task], "task")
        if metric_col is not None:
            metric_names = pd.Series(
                [None if _blank(v) else str(v).strip() for v in df[metric_col]], index=df.index, dtype=object
            )
            named = {t for t, m in zip(task_names, metric_names, strict=True) if m is not None}
            unnamed = metric_names.isna().to_numpy() & task_names.isin(named).to_numpy()
            if unnamed.any():
                rows = list(df.index[unnamed])
                raise ScoreTableError(
                    f"metric: row(s) {preview(rows)} have no metric name, but other rows of the same task do; "
                    f"fill in column {metric_col!r} (or drop it with metric=None)."
                )
        else:
            metric_names = pd.Series([None] * len(df), index=df.index, dtype=object)

        # scores
        raw = df[score]
        numeric = pd.to_numeric(raw, errors="coerce").astype(np.float64)
        raw_blank = raw.isna() | raw.astype("string").str.strip().str.lower().isin(_MISSING_TEXT).fillna(True)
        bad = numeric.isna() & ~raw_blank
        if bad.any():
            rows = [f"(row {i}: {raw[i]!r})" for i in df.index[bad.to_numpy()]]
            raise ScoreTableError(
                f"score: non-numeric values in column {score!r} at {preview(rows)}; scores must be numbers "
                "(leave the cell empty, or write NA, for a missing score)."
            )
        infinite = np.isinf(numeric.to_numpy())
        if infinite.any():
            rows = [f"(row {i}: {numeric[i]})" for i in df.index[infinite]]
            raise ScoreTableError(
                f"score: infinite values in column {score!r} at {preview(rows)}; replace them with finite "
                "numbers or leave the cell empty (missing)."
            )

        # directions per row
        row_dir: list[bool | None] = [None] * len(df)
        if direction_col is not None:
            bad_rows = []
            for k, (idx, value) in enumerate(df[direction_col].items()):
                try:
                    row_dir[k] = parse_bool(value)
                except ValueError:
                    bad_rows.append(f"(row {idx}: {value!r})")
            if bad_rows:
                raise ScoreTableError(
                    f"direction: values in column {direction_col!r} at {preview(bad_rows)} are not a "
                    "direction; use True/False (or 'higher'/'lower')."
                )

        # object columns, explicitly: pandas >= 3 would otherwise turn None into NaN in string columns
        frame = pd.DataFrame(
            {
                "system": pd.Series(sys_names.to_numpy(dtype=object), dtype=object),
                "task": pd.Series(task_names.to_numpy(dtype=object), dtype=object),
                "metric": pd.Series(metric_names.to_numpy(dtype=object), dtype=object),
                "score": numeric.to_numpy(),
                "dir": pd.Series(row_dir, dtype=object),
                "row": pd.Series(np.asarray(df.index, dtype=object), dtype=object),
                "w": _numeric_weights(df[weight_col], weight_col)
                if weight_col is not None
                else np.full(len(df), np.nan),
            }
        )

        # metric selection
        if metrics is not None:
            if metric_col is None:
                raise ScoreTableError(
                    "metrics: the data has no metric column to select from; pass metric='<column name>'."
                )
            frame = _select_metrics(frame, metrics)

        # system selection
        all_systems = list(dict.fromkeys(frame["system"]))
        keep = np.ones(len(all_systems), dtype=bool)
        if include is not None:
            keep &= match_patterns(include, all_systems, "include")
        if exclude is not None:
            keep &= ~match_patterns(exclude, all_systems, "exclude")
        kept = {s for s, k in zip(all_systems, keep, strict=True) if k}
        frame = frame[frame["system"].isin(kept)]

        # columns (task, metric) in order of first appearance; systems likewise
        col_keys = list(dict.fromkeys(zip(frame["task"], frame["metric"], strict=True)))
        sys_order = list(dict.fromkeys(frame["system"]))
        if not sys_order:
            raise ScoreTableError(
                f"include/exclude: no system is left after selection (include={include!r}, exclude={exclude!r}); "
                "loosen the patterns."
            )
        sys_index = {s: i for i, s in enumerate(sys_order)}
        col_index = {k: j for j, k in enumerate(col_keys)}
        ii = frame["system"].map(sys_index).to_numpy(dtype=np.intp)
        jj = np.fromiter(
            (col_index[(t, m)] for t, m in zip(frame["task"], frame["metric"], strict=True)),
            dtype=np.intp,
            count=len(frame),
        )
        rows_idx = frame["row"].to_numpy(dtype=object)

        # duplicate (system, task, metric) entries
        cell = ii * len(col_keys) + jj
        _, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
        if (counts > 1).any():
            first_dup = int(np.nonzero(counts > 1)[0][0])
            where = np.nonzero(inverse == first_dup)[0]
            s_name = sys_order[int(ii[where[0]])]
            t_name, m_name = col_keys[int(jj[where[0]])]
            what = f"({s_name!r}, {t_name!r}" + (f", {m_name!r})" if m_name is not None else ")")
            n_keys = int((counts > 1).sum())
            dup_rows = [rows_idx[k] for k in where]
            used = [c for c in (system, task, score, metric_col, direction_col, weight_col) if c is not None]
            raise ScoreTableError(
                f"data: duplicate entries for {what} in rows {preview(dup_rows)}"
                + (f" (and {n_keys - 1} more duplicated key(s))" if n_keys > 1 else "")
                + "; keep one row per (system, task, metric)"
                + duplicate_hint(df, dup_rows, used)
            )

        # one direction per column
        dirs = frame["dir"].to_numpy(dtype=object)
        data_dirs: list[bool | None] = []
        for j, (t, m) in enumerate(col_keys):
            sel = np.nonzero(jj == j)[0]
            vals = {dirs[k] for k in sel if dirs[k] is not None}
            if len(vals) > 1:
                rows_t = [rows_idx[k] for k in sel if dirs[k] is True][:3]
                rows_f = [rows_idx[k] for k in sel if dirs[k] is False][:3]
                name = t if m is None else f"{t}:{m}"
                raise ScoreTableError(
                    f"direction: conflicting directions for task {name!r}: higher_is_better is True in rows "
                    f"{preview(rows_t)} and False in rows {preview(rows_f)}; a metric has one direction."
                )
            data_dirs.append(vals.pop() if vals else None)

        if weight_col is not None and weights is None:
            wcol = frame["w"].to_numpy()
            col_w: list[float] = []
            for j, (t, m) in enumerate(col_keys):
                vals_w = np.unique(wcol[(jj == j) & ~np.isnan(wcol)])
                name = t if m is None else f"{t}:{m}"
                if vals_w.size > 1:
                    raise ScoreTableError(
                        f"weight: task {name!r} has several weights in column {weight_col!r} "
                        f"({preview(vals_w.tolist())}); a task column has one weight."
                    )
                col_w.append(float(vals_w[0]) if vals_w.size else 1.0)
            weights = col_w

        arr = np.full((len(sys_order), len(col_keys)), np.nan)
        arr[ii, jj] = frame["score"].to_numpy()
        return cls._from_parts(
            arr,
            systems=sys_order,
            tasks=[t for t, _ in col_keys],
            metrics=[m for _, m in col_keys],
            higher_is_better=higher_is_better,
            data_directions=data_dirs,
            weights=weights,
            missing=missing,
        )

    @classmethod
    def from_wide(
        cls,
        data: pd.DataFrame,
        *,
        systems_in: Literal["rows", "columns"],
        system: str | None = None,
        tasks: Collection[str] | None = None,
        higher_is_better: Direction = None,
        weights: Weights = None,
        include: str | Collection[str] | None = None,
        exclude: str | Collection[str] | None = None,
        missing: MissingPolicy = "raise",
    ) -> ScoreTable:
        """Build a table from a wide DataFrame (one axis systems, the other tasks).

        Parameters
        ----------
        data : pandas.DataFrame
            Wide scores.
        systems_in : {"rows", "columns"}
            Where the systems are. Required: rankagg does not guess the
            orientation of a table.
        system : str, optional
            With ``systems_in="rows"``, the column that holds the system names
            (default: the index). With ``systems_in="columns"``, the column that
            holds the task names (default: the index).
        tasks : collection of str, optional
            Keep only these task columns (rows when ``systems_in="columns"``).
        higher_is_better, weights, include, exclude, missing
            As in :meth:`from_long`.

        Returns
        -------
        ScoreTable

        Examples
        --------
        >>> import pandas as pd, rankagg
        >>> wide = pd.DataFrame({"qa": [71.0, 68.5], "mt": [30.1, 33.0]}, index=["A", "B"])
        >>> rankagg.ScoreTable.from_wide(wide, systems_in="rows", higher_is_better=True).systems
        ('A', 'B')
        """
        if not isinstance(data, pd.DataFrame):
            raise ScoreTableError(f"data: expected a pandas DataFrame, got {type(data).__name__}.")
        _check_policy(missing)
        if systems_in not in ("rows", "columns"):
            raise ScoreTableError(
                f"systems_in={systems_in!r}: say where the systems are, systems_in='rows' or 'columns'."
            )
        df = data.copy()
        df.columns = [str(c) for c in df.columns]
        if system is not None:
            if system not in df.columns:
                raise ScoreTableError(
                    f"system: no column {system!r} in the data; its columns are {preview(list(df.columns), 10)}."
                    f"{did_you_mean(system, df.columns)} Pass system='<column name>', or leave it out to use "
                    "the index."
                )
            df = df.set_index(system)
        if df.shape[0] == 0 or df.shape[1] == 0:
            raise ScoreTableError(
                f"data: the table is empty ({df.shape[0]} rows x {df.shape[1]} columns); "
                "give at least two systems and one task."
            )
        if systems_in == "columns":
            df = df.T
        df.index = [str(i) for i in df.index]
        df.columns = [str(c) for c in df.columns]
        row_word, col_word = ("row", "column") if systems_in == "rows" else ("column", "row")
        if tasks is not None:
            tasks = [tasks] if isinstance(tasks, str) else list(tasks)
            missing_t = [t for t in tasks if t not in df.columns]
            if missing_t:
                raise ScoreTableError(
                    f"tasks: no task {missing_t[0]!r}.{did_you_mean(missing_t[0], df.columns)} "
                    f"The tasks are {preview(list(df.columns), 8)}."
                )
            df = df[tasks]
        dups = sorted(df.columns[df.columns.duplicated()].unique())  # (a count per name was quadratic)
        if dups:
            raise ScoreTableError(f"data: duplicate task {col_word}s {preview(dups)}; task names must be unique.")
        dup_sys = sorted(df.index[df.index.duplicated()].unique())
        if dup_sys:
            raise ScoreTableError(
                f"data: duplicate system {row_word}s {preview(dup_sys)}; each system must appear once."
            )
        # every cell at once, column by column in memory (a loop over columns took 14 s at 20,000 columns)
        flat = pd.Series(df.to_numpy(dtype=object).ravel(order="F"))
        num = pd.to_numeric(flat, errors="coerce").astype(np.float64)
        blank = flat.isna() | flat.astype("string").str.strip().str.lower().isin(_MISSING_TEXT).fillna(True)
        bad = (num.isna() & ~blank).to_numpy().reshape(df.shape, order="F")
        if bad.any():
            j = int(np.nonzero(bad.any(axis=0))[0][0])
            c, col = df.columns[j], df.iloc[:, j]
            where = [f"({s!r}: {col[s]!r})" for s in df.index[bad[:, j]]]
            raise ScoreTableError(
                f"data: task {col_word} {c!r} has non-numeric values for {preview(where)}; fix them, "
                f"or keep only numeric task {col_word}s (tasks=[...])."
            )
        frame = pd.DataFrame(num.to_numpy().reshape(df.shape, order="F"), index=df.index, columns=df.columns)
        names = list(frame.index)
        keep = np.ones(len(names), dtype=bool)
        if include is not None:
            keep &= match_patterns(include, names, "include")
        if exclude is not None:
            keep &= ~match_patterns(exclude, names, "exclude")
        frame = frame[keep]
        return cls._from_parts(
            frame.to_numpy(dtype=np.float64),
            systems=list(frame.index),
            tasks=list(frame.columns),
            metrics=None,
            higher_is_better=higher_is_better,
            data_directions=None,
            weights=weights,
            missing=missing,
        )

    # ------------------------------------------------------------------ accessors
    @property
    def scores(self) -> np.ndarray:
        """Scores, shape (n_systems, n_columns), read-only; NaN marks missing."""
        return self._scores

    @property
    def dropped_tasks(self) -> tuple[str, ...]:
        """Task column labels dropped by the missing policy (``"drop_tasks"``)."""
        return self._dropped_tasks

    @property
    def has_missing(self) -> bool:
        """Whether some scores are missing (only possible with ``missing="partial"``)."""
        return bool(np.isnan(self._scores).any())

    def oriented_scores(self) -> np.ndarray:
        """Scores with lower-is-better columns negated, so that higher is always better."""
        sign = np.where(self.higher_is_better, 1.0, -1.0)
        return self._scores * sign

    def __len__(self) -> int:
        return self.n_systems

    def __repr__(self) -> str:
        extra = ""
        if self._dropped_systems:
            extra += f", dropped {len(self._dropped_systems)} systems"
        if self._dropped_tasks:
            extra += f", dropped {len(self._dropped_tasks)} task columns"
        return f"ScoreTable({self.n_systems} systems x {self.n_columns} task columns, missing={self._missing!r}{extra})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScoreTable):
            return NotImplemented
        return (
            self._systems == other._systems
            and self._columns == other._columns
            and self._missing == other._missing
            and np.array_equal(self._scores, other._scores, equal_nan=True)
        )

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ conversion
    def to_long(self) -> pd.DataFrame:
        """Return the scores as a long DataFrame.

        Columns: ``system, task, metric, score, higher_is_better, weight``; one
        row per (system, column), missing scores included as NaN.

        Examples
        --------
        >>> import rankagg
        >>> t = rankagg.ScoreTable([[1.0], [2.0]], systems=["A", "B"], tasks=["x"], higher_is_better=True)
        >>> t.to_long()
          system task metric  score  higher_is_better  weight
        0      A    x   None    1.0              True     1.0
        1      B    x   None    2.0              True     1.0
        """
        n, m = self._scores.shape
        return pd.DataFrame(
            {
                "system": np.repeat(np.array(self._systems, dtype=object), m),
                "task": np.tile(np.array([c.task for c in self._columns], dtype=object), n),
                "metric": pd.Series(
                    np.tile(np.array([c.metric for c in self._columns], dtype=object), n), dtype=object
                ),
                "score": self._scores.ravel(),
                "higher_is_better": np.tile(self.higher_is_better, n),
                "weight": np.tile(self.weights, n),
            }
        )

    def to_wide(self, *, systems_in: Literal["rows", "columns"] = "rows") -> pd.DataFrame:
        """Return the scores as a wide DataFrame labelled by system and column label.

        Parameters
        ----------
        systems_in : {"rows", "columns"}, default "rows"
            Put systems in the index (rows) or in the columns.
        """
        if systems_in not in ("rows", "columns"):
            raise ScoreTableError(f"systems_in={systems_in!r}: use 'rows' or 'columns'.")
        df = pd.DataFrame(
            np.array(self._scores), index=pd.Index(self._systems, name="system"), columns=list(self.labels)
        )
        return df if systems_in == "rows" else df.T

    # ------------------------------------------------------------------ derivation
    def _rebuild(self, rows: np.ndarray, cols: np.ndarray, missing: str | None = None) -> ScoreTable:
        cols_obj = [self._columns[j] for j in cols]
        return ScoreTable._from_parts(
            self._scores[np.ix_(rows, cols)],
            systems=[self._systems[i] for i in rows],
            tasks=[c.task for c in cols_obj],
            metrics=[c.metric for c in cols_obj],
            higher_is_better=None,
            data_directions=[c.higher_is_better for c in cols_obj],
            weights=[c.weight for c in cols_obj],
            missing=self._missing if missing is None else missing,
            dropped_systems=self._dropped_systems,
            dropped_tasks=self._dropped_tasks,
        )

    def _reweighted(self, cols: np.ndarray, weights: np.ndarray) -> ScoreTable:
        """Columns ``cols`` with new positive weights, without re-validation (internal: resampling)."""
        obj = ScoreTable.__new__(ScoreTable)
        obj._systems = self._systems
        obj._columns = tuple(
            dataclasses.replace(self._columns[j], weight=float(w)) for j, w in zip(cols, weights, strict=True)
        )
        sc = self._scores[:, cols]
        sc.setflags(write=False)
        obj._scores = sc
        obj._missing = self._missing
        obj._dropped_systems = self._dropped_systems
        obj._dropped_tasks = self._dropped_tasks
        return obj

    def select_systems(
        self,
        *,
        include: str | Collection[str] | None = None,
        exclude: str | Collection[str] | None = None,
    ) -> ScoreTable:
        """Keep systems matching ``include`` and not matching ``exclude``.

        Names or shell-style patterns (``"*Human*"``); a pattern that matches
        no system is an error (a typo must not pass silently).

        Examples
        --------
        >>> import rankagg
        >>> t = rankagg.ScoreTable([[1.0], [2.0], [3.0]], systems=["gpt-a", "gpt-b", "Human"],
        ...                        tasks=["x"], higher_is_better=True)
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
        return self._rebuild(np.nonzero(keep)[0], np.arange(self.n_columns))

    def select_tasks(
        self,
        *,
        include: str | Collection[str] | None = None,
        exclude: str | Collection[str] | None = None,
    ) -> ScoreTable:
        """Keep task columns whose task name or label matches ``include`` and not ``exclude``."""
        names_t = [c.task for c in self._columns]
        names_l = list(self.labels)
        keep = np.ones(self.n_columns, dtype=bool)

        def mask(pats: str | Collection[str], param: str) -> np.ndarray:
            pats = [pats] if isinstance(pats, str) else list(pats)
            out = np.zeros(self.n_columns, dtype=bool)
            for p in pats:
                hit = np.array(
                    [
                        fnmatch.fnmatchcase(a, p) or fnmatch.fnmatchcase(b, p)
                        for a, b in zip(names_t, names_l, strict=True)
                    ]
                )
                if not hit.any():
                    raise ScoreTableError(
                        f"{param}: {p!r} matches no task; the tasks are {preview(names_l, 8)}."
                        f"{did_you_mean(p, names_l)}"
                    )
                out |= hit
            return out

        if include is not None:
            keep &= mask(include, "include")
        if exclude is not None:
            keep &= ~mask(exclude, "exclude")
        if not keep.any():
            raise ScoreTableError(
                f"include/exclude: no task column left after selection (include={include!r}, "
                f"exclude={exclude!r}); loosen the patterns."
            )
        return self._rebuild(np.arange(self.n_systems), np.nonzero(keep)[0])

    def with_missing(self, missing: MissingPolicy) -> ScoreTable:
        """Return the table under another missing policy.

        Only meaningful from a table built with ``missing="partial"`` (which
        keeps every score); from ``"drop_*"`` tables the dropped scores are gone.

        Examples
        --------
        >>> import numpy as np, rankagg
        >>> t = rankagg.ScoreTable([[1.0, np.nan], [2.0, 3.0], [0.5, 1.0]], systems=["A", "B", "C"],
        ...                        tasks=["x", "y"], higher_is_better=True, missing="partial")
        >>> t.with_missing("drop_systems").dropped_systems
        ('A',)
        """
        _check_policy(missing)
        return self._rebuild(np.arange(self.n_systems), np.arange(self.n_columns), missing=missing)

    def rank(self, *, atol: float = 0.0, rtol: float = 0.0) -> TaskRankings:
        """Per-column weak orders of the systems; see :func:`rankagg.rank_table`."""
        return rank_table(self, atol=atol, rtol=rtol)


def as_table(obj: Any) -> ScoreTable:
    """Accept a :class:`ScoreTable` (returned as is) or fail with a pointer to the constructors."""
    if isinstance(obj, ScoreTable):
        return obj
    hint = ""
    if isinstance(obj, pd.DataFrame):
        hint = (
            " For a DataFrame use rankagg.ScoreTable.from_long(df, ...) or "
            "rankagg.ScoreTable.from_wide(df, systems_in='rows', ...)."
        )
    raise ScoreTableError(f"table: expected a rankagg.ScoreTable, got {type(obj).__name__}.{hint}")


def rank_table(table: ScoreTable, *, atol: float = 0.0, rtol: float = 0.0) -> TaskRankings:
    """Rank the systems of every task column of ``table``, honouring each direction.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    atol, rtol : float, default 0
        Tie tolerances, as in :func:`rank_scores` (the same for every column).

    Returns
    -------
    TaskRankings

    Examples
    --------
    >>> import rankagg
    >>> t = rankagg.ScoreTable([[0.9, 12.0], [0.8, 10.0]], systems=["A", "B"],
    ...                        tasks=["acc", "ppl"], higher_is_better={"acc": True, "ppl": False})
    >>> rankagg.rank_table(t).to_frame()
            acc  ppl
    system
    A       1.0  2.0
    B       2.0  1.0
    """
    check_tol(atol, rtol)
    scores = table.scores
    ranks = np.empty(scores.shape)
    for j, col in enumerate(table.columns):
        ranks[:, j] = rank_scores(scores[:, j], higher_is_better=col.higher_is_better, atol=atol, rtol=rtol)
    ranks.setflags(write=False)
    w = table.weights
    w.setflags(write=False)
    return TaskRankings(
        systems=table.systems, labels=table.labels, ranks=ranks, weights=w, atol=float(atol), rtol=float(rtol)
    )
