"""Published leaderboard snapshots: the Open LLM Leaderboard (v1) and AlpacaEval leaderboards."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from rankagg._errors import ReaderError, did_you_mean, short, where_rows
from rankagg.data.table import MissingPolicy, ScoreTable, Weights
from rankagg.io._common import Notes, check_path, finish, load_json, long_frame, to_float
from rankagg.io.files import read_frame

__all__ = ["OPEN_LLM_V1_TASKS", "read_alpaca_eval", "read_open_llm"]

#: The four tasks of the Open LLM Leaderboard v1 (2023), in the order of the snapshot rows, with the metric and
#: number of shots of each.
OPEN_LLM_V1_TASKS: dict[str, str] = {
    "ARC": "acc_norm (25-shot)",
    "HellaSwag": "acc_norm (10-shot)",
    "MMLU": "acc (5-shot)",
    "TruthfulQA": "mc2 (0-shot)",
}

ALPACA_EVAL_METRICS: dict[str, str | None] = {
    "length_controlled_winrate": "lc_standard_error",
    "win_rate": "standard_error",
    "discrete_win_rate": None,
}


def read_open_llm(
    path: str | os.PathLike[str],
    *,
    duplicates: Literal["first", "raise"] | None = None,
    keep_aggregate_columns: bool = False,
    weights: Weights = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: MissingPolicy = "raise",
    as_frame: bool = False,
) -> ScoreTable | pd.DataFrame:
    """Read an Open LLM Leaderboard (v1) snapshot: a JSON list of rows.

    Each row is ``[model, average, ARC, HellaSwag, MMLU, TruthfulQA]`` (the
    layout of the dated snapshots in github.com/dsdanielpark/open-llm-leaderboard-report,
    ``data/<YYYYMMDD>.json``), ordered as on the leaderboard (best average first).

    Parameters
    ----------
    path : path-like
        The snapshot JSON file.
    duplicates : {"first", "raise"}, optional
        A model listed more than once (several precisions or revisions):
        ``"first"`` keeps its first, higher-ranked row; ``"raise"`` is an
        error. Default ``"first"``, with a :class:`DataNoteWarning` listing the
        repeated models.
    keep_aggregate_columns : bool, default False
        Also rank the leaderboard's "Average" column (the mean of the four
        tasks), which is otherwise left out (and kept in the frame as
        ``leaderboard_average``).
    weights, include, exclude, missing
        As in :meth:`ScoreTable.from_long`.
    as_frame : bool, default False
        Return the long frame instead of a table.

    Returns
    -------
    ScoreTable or pandas.DataFrame
        Long frame columns: ``system, task, metric, score (0-100),
        higher_is_better (True), leaderboard_average, leaderboard_position,
        source_file``. Tasks and metrics: see :data:`OPEN_LLM_V1_TASKS`.

    Raises
    ------
    ReaderError
        On a file that is not a list of 6-item rows, a row whose first item is
        not a model name or whose scores are not numbers, or (with
        ``duplicates="raise"``) a repeated model.

    Examples
    --------
    >>> import json, os, tempfile
    >>> from rankagg.io import read_open_llm
    >>> path = os.path.join(tempfile.mkdtemp(), "20230904.json")
    >>> with open(path, "w") as fh:
    ...     json.dump([["org/big", 70.1, 71.0, 87.0, 69.5, 52.9],
    ...                ["org/small", 50.2, 48.0, 70.1, 40.2, 42.5]], fh)
    >>> t = read_open_llm(path)
    >>> t.labels
    ('ARC', 'HellaSwag', 'MMLU', 'TruthfulQA')
    """
    p = check_path(path, kind="Open LLM Leaderboard snapshot (JSON)")
    if duplicates not in (None, "first", "raise"):
        raise ReaderError(f"duplicates={duplicates!r}: use 'first' or 'raise'.")
    obj = load_json(p, "Open LLM Leaderboard snapshot")
    if not isinstance(obj, list) or not obj:
        raise ReaderError(
            f"{p}: expected a JSON list of rows [model, average, ARC, HellaSwag, MMLU, TruthfulQA], got "
            f"{'an empty list' if isinstance(obj, list) else 'a ' + type(obj).__name__}."
        )
    notes = Notes(str(p))
    tasks = list(OPEN_LLM_V1_TASKS)
    seen: dict[str, int] = {}
    repeated: list[str] = []
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(obj):
        if not isinstance(row, (list, tuple)) or len(row) != 6:
            got = f"{len(row)} items" if isinstance(row, (list, tuple)) else f"a {type(row).__name__}"
            raise ReaderError(
                f"{p}: row [{i}] has {got}; each row must be [model, average, ARC, HellaSwag, MMLU, TruthfulQA]."
            )
        model = row[0]
        if not isinstance(model, str) or not model.strip():
            raise ReaderError(f"{p}: row [{i}]: the first item (the model name) is {model!r}, not a name.")
        values = [to_float(v) for v in row[1:]]
        bad = [(name, v) for name, v, x in zip(["average", *tasks], row[1:], values, strict=True) if x is None]
        if bad:
            raise ReaderError(
                f"{p}: row [{i}] ({model!r}): {bad[0][0]} is {bad[0][1]!r}, not a number; scores must be numbers "
                "(null for a missing score)."
            )
        model = model.strip()
        if model in seen:
            if duplicates == "raise":
                raise ReaderError(
                    f"{p}: model {model!r} is listed twice (rows [{seen[model]}] and [{i}]); pass duplicates='first' "
                    "to keep the first, higher-ranked row."
                )
            repeated.append(model)
            continue
        seen[model] = i
        avg = values[0]
        named = ([("Average", "mean of the 4 tasks", avg)] if keep_aggregate_columns else []) + [
            (t, OPEN_LLM_V1_TASKS[t], x) for t, x in zip(tasks, values[1:], strict=True)
        ]
        for task, metric, x in named:
            rows.append(
                {
                    "system": model,
                    "task": task,
                    "metric": metric,
                    "score": x,
                    "higher_is_better": True,
                    "leaderboard_average": avg,
                    "leaderboard_position": i + 1,
                    "source_file": str(p),
                }
            )
    if repeated:
        notes.add(
            f"{len(repeated)} repeated row(s) of {len(set(repeated))} model(s) left out, keeping each model's first "
            f"(higher-ranked) row: {short(sorted(set(repeated)), 4)}"
            + ("." if duplicates == "first" else "; pass duplicates='first' to accept this, or 'raise'."),
            warn=duplicates is None,
        )
    if keep_aggregate_columns:
        notes.add("ranking the 'Average' column as a task (keep_aggregate_columns=True).", warn=False)
    else:
        notes.add(
            "left out the aggregate 'Average' column (the mean of the 4 tasks; kept as leaderboard_average).",
            warn=False,
        )
    frame = long_frame(rows, extra=["leaderboard_average", "leaderboard_position", "source_file"])
    return finish(frame, notes, as_frame=as_frame, weights=weights, include=include, exclude=exclude, missing=missing)


def read_alpaca_eval(
    path: str | os.PathLike[str],
    *,
    metrics: str | Sequence[str] | None = None,
    task: str = "AlpacaEval",
    modes: str | Collection[str] | None = None,
    weights: Weights = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: MissingPolicy = "raise",
    as_frame: bool = False,
) -> ScoreTable | pd.DataFrame:
    """Read an AlpacaEval leaderboard CSV (``src/alpaca_eval/leaderboards/.../*_leaderboard.csv``).

    The file has one row per model (the model name in the first, unnamed
    column) and the columns ``win_rate, standard_error, n_wins, n_wins_base,
    n_draws, n_total, discrete_win_rate, mode, avg_length`` and, in
    AlpacaEval 2.0, ``length_controlled_winrate, lc_standard_error``.

    Parameters
    ----------
    path : path-like
        The leaderboard CSV.
    metrics : str or sequence of str, optional
        Which rates become ranking columns, among ``length_controlled_winrate``,
        ``win_rate`` and ``discrete_win_rate``. Default: those of them in the
        file. All are percentages against the fixed baseline, higher is better.
    task : str, default "AlpacaEval"
        The task name of the columns.
    modes : str or collection of str, optional
        Keep only models of these ``mode`` values (``"verified"``,
        ``"community"``, ``"minimal"``, ``"dev"``). Default: all.
    weights, include, exclude, missing
        As in :meth:`ScoreTable.from_long`.
    as_frame : bool, default False
        Return the long frame instead of a table.

    Returns
    -------
    ScoreTable or pandas.DataFrame
        Long frame columns: ``system, task, metric, score, higher_is_better,
        stderr, mode, n_wins, n_wins_base, n_draws, n_total, avg_length,
        source_file``; ``stderr`` is ``standard_error`` for the win rate and
        ``lc_standard_error`` for the length-controlled one.

    Raises
    ------
    ReaderError
        On a file without a ``win_rate`` column, an unknown metric or mode, or
        a non-numeric rate.

    Examples
    --------
    >>> import os, tempfile
    >>> from rankagg.io import read_alpaca_eval
    >>> path = os.path.join(tempfile.mkdtemp(), "leaderboard.csv")
    >>> _ = open(path, "w").write(
    ...     ",win_rate,standard_error,n_total,discrete_win_rate,mode,length_controlled_winrate\\n"
    ...     "model-a,30.5,1.4,805,31.0,community,35.2\\n"
    ...     "model-b,22.1,1.3,805,21.9,verified,25.0\\n")
    >>> read_alpaca_eval(path, metrics="length_controlled_winrate").to_wide()
             AlpacaEval
    system
    model-a        35.2
    model-b        25.0
    """
    p = check_path(path, kind="AlpacaEval leaderboard CSV")
    df = read_frame(p)
    notes = Notes(str(p))
    first = df.columns[0]
    if "win_rate" not in df.columns:
        raise ReaderError(
            f"{p}: no column 'win_rate'; an AlpacaEval leaderboard CSV has the model name in its first column and "
            "the columns win_rate, standard_error, ..., length_controlled_winrate; this file has "
            f"{short(df.columns, 8)}."
        )
    available = [m for m in ALPACA_EVAL_METRICS if m in df.columns]
    if metrics is None:
        chosen = available
    else:
        chosen = [metrics] if isinstance(metrics, str) else [str(m) for m in metrics]
        for m in chosen:
            if m not in available:
                raise ReaderError(
                    f"{p}: metrics: no rate {m!r} in the file; the rates are {short(available)}."
                    f"{did_you_mean(m, available)}"
                )
    names = df[first].astype("string").str.strip()
    blank = (names.isna() | (names == "")).to_numpy()
    if blank.any():
        raise ReaderError(f"{p}: empty model name in the first column at {where_rows(df, np.nonzero(blank)[0])}.")
    if names.duplicated().any():
        raise ReaderError(f"{p}: model(s) listed twice: {short(sorted(set(names[names.duplicated()])))}.")
    if modes is not None:
        if "mode" not in df.columns:
            raise ReaderError(f"{p}: modes: the file has no 'mode' column.")
        wanted = [modes] if isinstance(modes, str) else [str(m) for m in modes]
        present = sorted(set(df["mode"].dropna().astype(str)))
        for m in wanted:
            if m not in present:
                raise ReaderError(f"{p}: modes: no model of mode {m!r}; the modes are {short(present)}.")
        keep = df["mode"].astype(str).isin(wanted).to_numpy()
        notes.add(
            f"kept the {int(keep.sum())} model(s) of mode {short(wanted)}, left out {int((~keep).sum())}.", warn=False
        )
        df, names = df[keep], names[keep]
    extras = [c for c in ("mode", "n_wins", "n_wins_base", "n_draws", "n_total", "avg_length") if c in df.columns]
    rows: list[dict[str, Any]] = []
    for pos, (idx, name) in enumerate(zip(df.index, names, strict=True)):
        info: dict[str, Any] = {c: df.at[idx, c] for c in extras}
        for c in ("n_wins", "n_wins_base", "n_draws", "n_total", "avg_length"):
            if c in info:
                v = to_float(info[c])
                info[c] = np.nan if v is None else v
        for m in chosen:
            x = to_float(df.at[idx, m])
            if x is None:
                raise ReaderError(
                    f"{p}: the {m} of {name!r} ({where_rows(df, [pos])}) is {df.at[idx, m]!r}, not a number."
                )
            se_col = ALPACA_EVAL_METRICS[m]
            se = to_float(df.at[idx, se_col]) if se_col and se_col in df.columns else None
            rows.append(
                {
                    "system": str(name),
                    "task": task,
                    "metric": m,
                    "score": x,
                    "higher_is_better": True,
                    "stderr": np.nan if se is None else se,
                    **info,
                    "source_file": str(p),
                }
            )
    frame = long_frame(rows, extra=["stderr", *extras, "source_file"])
    return finish(frame, notes, as_frame=as_frame, weights=weights, include=include, exclude=exclude, missing=missing)
