"""HELM ``helm-summarize`` group tables (``benchmark_output/runs/<suite>/groups/<group>.json``)."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

from rankagg._errors import ReaderError, did_you_mean, short
from rankagg.data.table import MissingPolicy, ScoreTable, Weights
from rankagg.io._common import Notes, check_path, finish, load_json, long_frame, norm_name, to_float
from rankagg.io.wide import AGGREGATE_COLUMN_NAMES

__all__ = ["read_helm"]


def _tables(obj: Any, path: str) -> list[Mapping[str, Any]]:
    if isinstance(obj, Mapping) and "header" in obj:
        obj = [obj]
    if not isinstance(obj, list) or not obj:
        raise ReaderError(
            f"{path}: expected a HELM group file: a JSON list of tables, each with 'title', 'header' and 'rows' "
            "(as written by helm-summarize to runs/<suite>/groups/<group>.json)."
        )
    for i, t in enumerate(obj):
        if not isinstance(t, Mapping):
            raise ReaderError(f"{path}: table [{i}] is a {type(t).__name__}, not an object with 'header' and 'rows'.")
        for key in ("header", "rows"):
            if not isinstance(t.get(key), list):
                raise ReaderError(
                    f"{path}: table [{i}] ({t.get('title', '?')!r}) has no list field {key!r}; every HELM table has "
                    "'header' (a list of cells) and 'rows' (a list of lists of cells)."
                )
    return obj


def read_helm(
    path: str | os.PathLike[str],
    *,
    table: str | int | None = None,
    keep_aggregate_columns: bool = False,
    weights: Weights = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: MissingPolicy = "raise",
    as_frame: bool = False,
) -> ScoreTable | pd.DataFrame:
    """Read a table of a HELM group file written by ``helm-summarize``.

    A group file (``runs/<suite>/groups/<group>.json``, e.g. ``core_scenarios.json``)
    is a JSON list of tables; each has a ``header`` (cells with ``value``,
    ``lower_is_better`` and ``metadata`` ``{"run_group": ..., "metric": ...}``)
    and ``rows`` of cells (the first is the model, the others have ``value``).

    Parameters
    ----------
    path : path-like
        The group JSON file.
    table : str or int, optional
        Which table: its ``name`` (``"accuracy"``), its ``title``
        (``"Accuracy"``) or its position. Default: the first table (the
        group's main table) -- a note lists the others.
    keep_aggregate_columns : bool, default False
        Also rank HELM's own aggregate columns ("Mean win rate", "Mean
        score"), which are otherwise left out with a note.
    weights, include, exclude, missing
        As in :meth:`ScoreTable.from_long`.
    as_frame : bool, default False
        Return the long frame instead of a table.

    Returns
    -------
    ScoreTable or pandas.DataFrame
        Long frame columns: ``system, task, metric, score, higher_is_better,
        column, description, helm_table, source_file``: ``task`` is the run
        group (the scenario) and ``metric`` the metric (with its perturbation,
        e.g. ``"EM (Robustness)"``), both from the header's ``metadata``.

    Raises
    ------
    ReaderError
        On a file that is not a list of HELM tables, an unknown table, a row
        with the wrong number of cells, or a non-numeric score.

    Notes
    -----
    Directions come from the header: ``lower_is_better: true`` columns (ECE,
    inference time...) rank lower first. Columns whose header has no
    ``lower_is_better`` (counts such as "# eval", where HELM says comparisons
    are not meaningful) are left out with a :class:`DataNoteWarning`, since
    rankagg never guesses a direction.

    Examples
    --------
    >>> import json, os, tempfile
    >>> from rankagg.io import read_helm
    >>> head = [{"value": "Model/adapter"},
    ...         {"value": "Mean win rate", "lower_is_better": False, "metadata": {}},
    ...         {"value": "MMLU - EM", "lower_is_better": False, "metadata": {"run_group": "MMLU", "metric": "EM"}},
    ...         {"value": "MMLU - ECE (10-bin)", "lower_is_better": True,
    ...          "metadata": {"run_group": "MMLU", "metric": "ECE (10-bin)"}}]
    >>> rows = [[{"value": "model-a"}, {"value": 0.9}, {"value": 0.61}, {"value": 0.08}],
    ...         [{"value": "model-b"}, {"value": 0.1}, {"value": 0.55}, {"value": 0.21}]]
    >>> path = os.path.join(tempfile.mkdtemp(), "mmlu.json")
    >>> with open(path, "w") as fh:
    ...     json.dump([{"title": "Accuracy", "name": "accuracy", "header": head, "rows": rows}], fh)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     t = read_helm(path)
    >>> [(c.label, c.higher_is_better) for c in t.columns]
    [('MMLU:EM', True), ('MMLU:ECE (10-bin)', False)]
    """
    p = check_path(path, kind="HELM group JSON file")
    if p.is_dir():
        raise ReaderError(f"{p}: give a HELM group file (runs/<suite>/groups/<group>.json), not a directory.")
    notes = Notes(str(p))
    tables = _tables(load_json(p, "HELM group file"), str(p))
    labels = [f"{t.get('name') or ''} ({t.get('title') or ''})" for t in tables]
    if table is None:
        k = 0
        if len(tables) > 1:
            notes.add(
                f"read the first of {len(tables)} tables, {labels[0]}; the others are {short(labels[1:])} "
                "(choose one with table=NAME; CLI: --helm-table NAME).",
                warn=False,
            )
    elif isinstance(table, int) and not isinstance(table, bool):
        if not 0 <= table < len(tables):
            raise ReaderError(f"{p}: table={table}: the file has {len(tables)} tables ({short(labels)}).")
        k = table
    else:
        keys = [str(t.get("name")) for t in tables] + [str(t.get("title")) for t in tables]
        hits = [i for i, t in enumerate(tables) if table in (t.get("name"), t.get("title"))]
        if not hits:
            raise ReaderError(
                f"{p}: table={table!r}: no table of that name or title; the tables are {short(labels, 10)}."
                f"{did_you_mean(str(table), keys)}"
            )
        k = hits[0]
    tab = tables[k]
    tab_label = str(tab.get("name") or tab.get("title") or k)
    header = tab["header"]
    if len(header) < 2:
        raise ReaderError(
            f"{p}: table {tab_label!r} has {len(header)} header cell(s); it needs a model column and scores."
        )
    cols: list[tuple[int, str, str | None, bool, str]] = []  # index, task, metric, higher_is_better, header text
    no_dir: list[str] = []
    aggregates: list[str] = []
    for j, cell in enumerate(header[1:], start=1):
        if not isinstance(cell, Mapping) or "value" not in cell:
            raise ReaderError(f"{p}: table {tab_label!r}: header cell [{j}] has no 'value' (the column name).")
        text = str(cell["value"])
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), Mapping) else {}
        lib = cell.get("lower_is_better")
        if meta.get("run_group") and meta.get("metric"):
            task, metric = str(meta["run_group"]), str(meta["metric"])
            if meta.get("perturbation"):
                metric = f"{metric} ({meta['perturbation']})"
        elif " - " in text:
            task, metric = (s.strip() for s in text.split(" - ", 1))
        else:
            task, metric = text, None
        if not meta and norm_name(text) in AGGREGATE_COLUMN_NAMES and not keep_aggregate_columns:
            aggregates.append(text)
            continue
        if not isinstance(lib, bool):
            no_dir.append(text)
            continue
        cols.append((j, task, metric, not lib, text))
    if aggregates:
        notes.add(
            f"left out aggregate column(s) {short(aggregates)} (HELM's summary of the other columns); pass "
            "keep_aggregate_columns=True to rank them too.",
            warn=True,
        )
    if no_dir:
        notes.add(
            f"left out {len(no_dir)} column(s) without a direction (no lower_is_better in the header; HELM marks "
            f"comparisons on them as not meaningful): {short(no_dir)}.",
            warn=True,
        )
    if not cols:
        raise ReaderError(
            f"{p}: table {tab_label!r} has no column with a direction (lower_is_better) to rank; choose another "
            f"table with table=... (the tables are {short(labels)})."
        )
    rows: list[dict[str, Any]] = []
    for i, row in enumerate(tab["rows"]):
        if not isinstance(row, list) or len(row) != len(header):
            n = len(row) if isinstance(row, list) else "not a list"
            raise ReaderError(
                f"{p}: table {tab_label!r}: row [{i}] has {n} cells for {len(header)} header cells; each row has "
                "one cell per column."
            )
        first = row[0]
        system = first.get("value") if isinstance(first, Mapping) else None
        if not isinstance(system, str) or not system.strip():
            raise ReaderError(f"{p}: table {tab_label!r}: row [{i}] has no model name in its first cell's 'value'.")
        for j, task, metric, hib, text in cols:
            cell = row[j]
            raw = cell.get("value") if isinstance(cell, Mapping) else None
            x = to_float(raw)
            if x is None:
                raise ReaderError(
                    f"{p}: table {tab_label!r}: the cell of {system!r} in column {text!r} has value {raw!r}, not a "
                    "number; fix it or remove the value (an empty cell is a missing score)."
                )
            rows.append(
                {
                    "system": system.strip(),
                    "task": task,
                    "metric": metric,
                    "score": x,
                    "higher_is_better": hib,
                    "column": text,
                    "description": cell.get("description") if isinstance(cell, Mapping) else None,
                    "helm_table": tab_label,
                    "source_file": str(p),
                }
            )
    frame = long_frame(rows, extra=["column", "description", "helm_table", "source_file"])
    return finish(frame, notes, as_frame=as_frame, weights=weights, include=include, exclude=exclude, missing=missing)
