"""Wide leaderboard tables as published: compound cells (``93.9/91.8``), official aggregate columns, labels."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from rankagg._errors import ReaderError, did_you_mean, short, where_rows
from rankagg.data.table import Direction, MissingPolicy, ScoreTable, Weights
from rankagg.io._common import Notes, direction_of, finish, long_frame, norm_name
from rankagg.io.files import read_frame

__all__ = ["AGGREGATE_COLUMN_NAMES", "DEFAULT_NA_VALUES", "read_wide"]

#: Column names (compared lower-case, letters and digits only) taken for official aggregates of
#: the task columns -- an average, a rank -- rather than tasks: "Score", "Average", "Meta-Ave",
#: "Mean-Rank", "Rank", "Mean win rate", ...
AGGREGATE_COLUMN_NAMES: frozenset[str] = frozenset(
    {
        "score",
        "scores",
        "overall",
        "overallscore",
        "total",
        "totalscore",
        "average",
        "averagescore",
        "avg",
        "avgscore",
        "mean",
        "meanscore",
        "macroavg",
        "macroaverage",
        "metaave",
        "metaavg",
        "metaaverage",
        "meanrank",
        "averagerank",
        "avgrank",
        "rank",
        "ranking",
        "position",
        "meanwinrate",
    }
)

#: Cell texts read as a missing score.
DEFAULT_NA_VALUES: tuple[str, ...] = ("", "-", "--", "—", "–", "NaN", "nan", "N/A", "n/a", "NA", "null", "None")


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NA:
        return None
    return str(value).strip()


def _number(text: str | None, na: set[str]) -> float | None:
    """NaN for missing, the float, or None when not a number."""
    if text is None or text in na:
        return float("nan")
    try:
        x = float(text)
    except ValueError:
        return None
    return x


def read_wide(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    systems_in: Literal["rows", "columns"],
    system: str | None = None,
    tasks: Collection[str] | None = None,
    split_compound: Mapping[str, Sequence[str]] | bool | None = None,
    compound_sep: str = "/",
    metric_names: str | Mapping[str, str] | None = None,
    aggregate_columns: Collection[str] | None = None,
    keep_aggregate_columns: bool = False,
    label_columns: Collection[str] | None = None,
    na_values: Collection[str] = DEFAULT_NA_VALUES,
    format: str | None = None,
    higher_is_better: Direction = None,
    metrics: str | Mapping[str, str] | None = None,
    weights: Weights = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: MissingPolicy = "raise",
    as_frame: bool = False,
) -> ScoreTable | pd.DataFrame:
    """Read a wide leaderboard table as published: compound cells, aggregate and label columns.

    The table's columns are sorted into the system column, *aggregate* columns
    (an official "Score", "Average", "Meta-Ave", "Rank"... computed from the
    tasks, so not a task), *label* columns (text such as a team name or a URL)
    and task columns. Aggregate and label columns are left out of the ranking
    but kept in the long frame, and reported (see *Notes*).

    Parameters
    ----------
    source : path-like or pandas.DataFrame
        A CSV / TSV / Parquet / JSON file (read as text, as in :func:`read_frame`)
        or a DataFrame.
    systems_in : {"rows", "columns"}
        Where the systems are. Required: rankagg does not guess the orientation.
        With ``"columns"`` the table is transposed first, and everything said
        below about columns applies to its rows.
    system : str, optional
        The column with the system names (with ``systems_in="columns"``: the
        column with the task names). Default: the first column.
    tasks : collection of str, optional
        The task columns, by name; every other column is then left out (and
        recorded). Default: every column that is neither the system column, an
        aggregate, nor a label column.
    split_compound : mapping of str to sequence of str, or bool, optional
        How to split compound cells such as ``93.9/91.8`` (two metrics of one
        task in one cell): a mapping ``{column: (metric1, metric2, ...)}`` in
        the order the numbers appear, e.g. ``{"MRPC": ("f1", "accuracy")}``;
        ``True`` names the parts ``part1``, ``part2``, ...  A column with
        compound cells not covered here is an error (rankagg does not guess
        which number is which metric).
    compound_sep : str, default "/"
        The separator inside compound cells.
    metric_names : str or mapping of str to str, optional
        Metric name of the non-compound task columns (one name for all, or per
        column); default none.
    aggregate_columns : collection of str, optional
        The aggregate columns, by name. Default: detected by name (see
        :data:`AGGREGATE_COLUMN_NAMES`), with a :class:`DataNoteWarning` saying
        which columns were taken for aggregates.
    keep_aggregate_columns : bool, default False
        Rank the aggregate columns as tasks too.
    label_columns : collection of str, optional
        Text columns to keep as labels. Default: every column whose filled cells
        are mostly not numbers (a warning lists them); in a task column, a cell
        that is not a number is an error.
    na_values : collection of str
        Cell texts that mean "no score" (default ``""``, ``"-"``, ``"NaN"``,
        ``"N/A"``...), also inside compound cells (``NaN/99.8``).
    format : str, optional
        File format when the extension does not tell.
    higher_is_better, metrics, weights, include, exclude, missing
        As in :meth:`ScoreTable.from_long` (``metrics`` picks one metric per
        task, e.g. ``{"MRPC": "f1"}``).
    as_frame : bool, default False
        Return the long frame instead of a table.

    Returns
    -------
    ScoreTable or pandas.DataFrame
        The long frame has the columns ``system, task, metric, score,
        higher_is_better, column, cell, source_file`` followed by the label and
        aggregate columns (one value per system); ``column`` is the original
        column and ``cell`` its text. ``frame.attrs["notes"]`` lists what was
        left out.

    Raises
    ------
    ReaderError
        On a missing or duplicate system name, a non-numeric cell in a task
        column, a compound column without metric names, a compound cell with
        the wrong number of parts, or an unknown column name in the options.

    Notes
    -----
    Nothing is dropped silently: aggregate, label and empty columns are listed
    in ``frame.attrs["notes"]``; when the reader detected them itself (you did
    not pass ``aggregate_columns`` / ``label_columns`` / ``tasks``) it also
    issues a :class:`DataNoteWarning`.

    Examples
    --------
    >>> import io, warnings, pandas as pd, rankagg
    >>> from rankagg.io import read_wide
    >>> raw = pd.read_csv(io.StringIO(
    ...     "Model,Score,CoLA,MRPC\\n"
    ...     "A,80.1,60.5,90.1/86.0\\n"
    ...     "B,79.0,58.0,-\\n"
    ...     "C,70.2,40.0,85.0/80.5\\n"), dtype=str)
    >>> t = read_wide(raw, systems_in="rows", split_compound={"MRPC": ("f1", "accuracy")},
    ...               aggregate_columns=["Score"], higher_is_better=True, missing="partial")
    >>> t.labels
    ('CoLA', 'MRPC:f1', 'MRPC:accuracy')
    >>> t.to_wide().loc["C", "MRPC:accuracy"]
    np.float64(80.5)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     frame = read_wide(raw, systems_in="rows", split_compound=True, as_frame=True)
    >>> print(caught[0].message)
    data: left out 1 aggregate column(s) 'Score' (detected by name; official averages or ranks, not tasks);
    pass keep_aggregate_columns=True to rank them too, or aggregate_columns=[...] to name them yourself.
    >>> frame.attrs["notes"][0].startswith("left out 1 aggregate")
    True
    """
    if systems_in not in ("rows", "columns"):
        raise ReaderError(f"systems_in={systems_in!r}: say where the systems are, systems_in='rows' or 'columns'.")
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        name = "data"
        source_file = None
    else:
        df = read_frame(source, format=format)
        name = str(source)
        source_file = str(source)
    notes = Notes(name)
    df.columns = [str(c).strip() for c in df.columns]
    word = "column" if systems_in == "rows" else "row"
    if df.shape[1] < 2 or df.shape[0] == 0:
        raise ReaderError(f"{name}: a wide table needs a name column and at least one score column.")
    key = system if system is not None else df.columns[0]
    if key not in df.columns:
        raise ReaderError(
            f"{name}: system: no column {key!r}; the columns are {short(df.columns, 10)}."
            f"{did_you_mean(key, df.columns)}"
        )
    if systems_in == "columns":
        names_col = df[key].map(_cell_text)
        blank = (names_col.isna() | (names_col == "")).to_numpy()
        if blank.any():
            raise ReaderError(f"{name}: empty task name in column {key!r} at {where_rows(df, np.nonzero(blank)[0])}.")
        body = df.drop(columns=[key])
        body.index = list(names_col)
        dup = sorted(body.index[body.index.duplicated()].unique())
        if dup:
            raise ReaderError(f"{name}: duplicate task rows {short(dup)}; each task must appear once.")
        t = body.T
        t.index.name = "system"
        df = t.reset_index()
        key = "system"
    sys_names = [_cell_text(v) for v in df[key]]
    empty = [i for i, s in enumerate(sys_names) if not s]
    if empty:
        where = where_rows(df, empty) if systems_in == "rows" else f"column(s) {short([df.index[i] for i in empty])}"
        raise ReaderError(
            f"{name}: empty system name in {word} {key!r} at {where}; every system needs a name "
            "(drop unnamed rows first)."
        )
    dup_sys = sorted({s for s, k in Counter(sys_names).items() if k > 1})
    if dup_sys:
        raise ReaderError(
            f"{name}: duplicate system names {short(dup_sys)}; each system must appear once "
            "(rename the repeats, e.g. with a ' (rank N)' suffix, or drop them first)."
        )

    others = [c for c in df.columns if c != key]
    na = {str(v).strip() for v in na_values}

    def check_names(given: Collection[str] | None, param: str) -> list[str]:
        if given is None:
            return []
        given = [given] if isinstance(given, str) else [str(c) for c in given]
        for c in given:
            if c not in others:
                raise ReaderError(
                    f"{name}: {param}: no {word} {c!r}; the {word}s are {short(others, 10)}.{did_you_mean(c, others)}"
                )
        return given

    explicit_tasks = check_names(tasks, "tasks")
    explicit_agg = check_names(aggregate_columns, "aggregate_columns")
    explicit_labels = check_names(label_columns, "label_columns")
    if isinstance(split_compound, Mapping):
        check_names(list(split_compound), "split_compound")
    if isinstance(metric_names, Mapping):
        check_names(list(metric_names), "metric_names")

    texts = {c: [_cell_text(v) for v in df[c]] for c in others}

    def is_empty(c: str) -> bool:
        return all(t is None or t in na for t in texts[c])

    def is_compound(t: str | None) -> bool:
        if t is None or compound_sep not in t:
            return False
        parts = [p.strip() for p in t.split(compound_sep)]
        return all(_number(p, na) is not None for p in parts) and any(p not in na for p in parts)

    def is_number(t: str) -> bool:
        return is_compound(t) or _number(t, na) is not None

    def mostly_text(c: str) -> bool:
        """Most non-empty cells are not numbers (a label column such as a team name or a URL)."""
        filled = [t for t in texts[c] if t is not None and t not in na]
        n_text = sum(not is_number(t) for t in filled)
        return bool(filled) and n_text * 2 > len(filled)

    # classify the columns
    if aggregate_columns is not None:
        agg = list(explicit_agg)
    else:
        agg = [c for c in others if norm_name(c) in AGGREGATE_COLUMN_NAMES and c not in explicit_tasks]
    if explicit_tasks:
        task_cols = list(explicit_tasks) + (
            [c for c in agg if c not in explicit_tasks] if keep_aggregate_columns else []
        )
        left = [c for c in others if c not in task_cols and c not in agg]
        labels = [c for c in left if c in explicit_labels or mostly_text(c)]
        unused = [c for c in left if c not in labels]
        if unused:
            notes.add(f"left out {word}(s) {short(unused)} (not in tasks=[...]).", warn=False)
    else:
        rest = [c for c in others if c not in agg]
        empties = [c for c in rest if is_empty(c) and c not in explicit_labels]
        if label_columns is not None:
            labels = list(explicit_labels)
        else:
            labels = [c for c in rest if c not in empties and mostly_text(c)]
        task_cols = [c for c in rest if c not in labels and c not in empties]
        if empties:
            notes.add(f"left out empty {word}(s) {short(empties)} (no value in any cell).", warn=True)
        if labels and label_columns is None:
            notes.add(
                f"kept {word}(s) {short(labels)} as labels, not tasks (mostly text); pass "
                "label_columns=[...] or tasks=[...] to say which is which.",
                warn=True,
            )
        if keep_aggregate_columns:
            task_cols = [c for c in others if c in task_cols or c in agg]
    if agg:
        how = "named by you" if aggregate_columns is not None else "detected by name"
        if keep_aggregate_columns:
            notes.add(f"ranking aggregate {word}(s) {short(agg)} as tasks (keep_aggregate_columns=True).", warn=False)
        else:
            notes.add(
                f"left out {len(agg)} aggregate {word}(s) {short(agg)} ({how}; official averages or ranks, not "
                "tasks); pass keep_aggregate_columns=True to rank them too, or aggregate_columns=[...] to name "
                "them yourself.",
                warn=aggregate_columns is None and not explicit_tasks,
            )
    if not task_cols:
        raise ReaderError(
            f"{name}: no task {word} left: aggregate {short(agg) or 'none'}, labels {short(labels) or 'none'}; "
            "name the task columns with tasks=[...]."
        )

    rows: list[dict[str, Any]] = []
    extra_cols = [c for c in others if c not in task_cols]
    reserved = {"system", "task", "metric", "score", "higher_is_better", "column", "cell", "source_file"}
    extra_names = {c: (f"{c}_column" if c in reserved else c) for c in extra_cols}
    for c in task_cols:
        cells = texts[c]
        compound = any(is_compound(t) for t in cells)
        parts_names: Sequence[str] | None = None
        if isinstance(split_compound, Mapping) and c in split_compound:
            parts_names = [str(m) for m in split_compound[c]]
            if len(parts_names) < 2:
                raise ReaderError(
                    f"{name}: split_compound[{c!r}] = {split_compound[c]!r}; give two or more metric names, in "
                    "the order of the numbers in the cells."
                )
        if compound and parts_names is None:
            if split_compound is True:
                k = max(len(t.split(compound_sep)) for t in cells if is_compound(t))
                parts_names = [f"part{i + 1}" for i in range(k)]
            else:
                example = next(t for t in cells if is_compound(t))
                raise ReaderError(
                    f"{name}: {word} {c!r} holds compound cells such as {example!r} (several metrics in one cell); "
                    f"name the parts in order, split_compound={{{c!r}: ('metric1', 'metric2')}}, or pass "
                    "split_compound=True to call them part1, part2 (CLI: --split-compound)."
                )
        if isinstance(metric_names, Mapping):
            single_metric = metric_names.get(c)
        else:
            single_metric = metric_names
        for sname, t in zip(sys_names, cells, strict=True):
            base = {"system": sname, "task": c, "column": c, "cell": t, "source_file": source_file}
            if parts_names is not None:
                if t is None or t in na:
                    values: list[float] = [float("nan")] * len(parts_names)
                else:
                    pieces = [p.strip() for p in t.split(compound_sep)]
                    if len(pieces) != len(parts_names):
                        raise ReaderError(
                            f"{name}: the cell of {sname!r} in {word} {c!r} is {t!r}: {len(pieces)} part(s) where "
                            f"split_compound gives {len(parts_names)} metric names {tuple(parts_names)}; fix the "
                            "cell or the names."
                        )
                    values = []
                    for p in pieces:
                        x = _number(p, na)
                        if x is None:
                            raise ReaderError(
                                f"{name}: the cell of {sname!r} in {word} {c!r} is {t!r}: {p!r} is not a number; "
                                f"fix it, or add it to na_values to read it as missing."
                            )
                        values.append(x)
                for m, x in zip(parts_names, values, strict=True):
                    rows.append({**base, "metric": m, "score": x})
            else:
                x = _number(t, na)
                if x is None:
                    raise ReaderError(
                        f"{name}: the cell of {sname!r} in task {word} {c!r} is {t!r}, not a number; fix it, add "
                        f"it to na_values to read it as missing, or keep {c!r} out of the tasks "
                        "(label_columns=[...] / tasks=[...])."
                    )
                rows.append({**base, "metric": single_metric, "score": x})
    frame = long_frame(rows, extra=["column", "cell", "source_file"])
    frame["higher_is_better"] = [
        direction_of(higher_is_better, t, m) for t, m in zip(frame["task"], frame["metric"], strict=True)
    ]
    if extra_cols:
        per_system = {extra_names[c]: dict(zip(sys_names, texts[c], strict=True)) for c in extra_cols}
        for col, mapping in per_system.items():
            frame[col] = frame["system"].map(mapping).astype(object)
    return finish(
        frame,
        notes,
        as_frame=as_frame,
        higher_is_better=higher_is_better,
        metrics=metrics,
        weights=weights,
        include=include,
        exclude=exclude,
        missing=missing,
    )
