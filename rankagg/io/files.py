"""CSV / TSV / Parquet / JSON score files, long or wide."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, ScoreTableError, did_you_mean, preview
from rankagg.data.table import Direction, MissingPolicy, ScoreTable, Weights

__all__ = [
    "FORMATS",
    "Where",
    "compression_of",
    "csv_separator",
    "format_of",
    "read_frame",
    "read_table",
    "select_rows",
]

FORMATS = ("csv", "tsv", "parquet", "json", "jsonl")
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"(\xb5/\xfd", "zstd"),
)


def compression_of(path: str | os.PathLike[str]) -> str | None:
    """The compression of a file read from its first bytes (``"gzip"``, ``"bz2"``, ...), None when it is plain."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
    except OSError:
        return None
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def csv_separator(path: str | os.PathLike[str], fmt: str, compression: str | None = None) -> str:
    """The separator of a CSV / TSV file: ``,`` (CSV) or a tab (TSV), unless the header line has none of it and
    exactly one of ``;``, tab or ``|`` (a "CSV" saved by a spreadsheet in a locale with decimal commas).

    A separator other than the extension's is announced with a :class:`~rankagg.RankaggWarning`.
    """
    default = "," if fmt == "csv" else "\t"
    try:
        with pd.io.common.get_handle(path, "r", compression=compression, encoding="utf-8", errors="replace") as h:
            header = h.handle.readline()
    except (OSError, ValueError, EOFError):
        return default
    if default in header:
        return default
    found = [s for s in (",", ";", "\t", "|") if s != default and s in header]
    if len(found) != 1:
        return default
    import warnings

    from rankagg._errors import RankaggWarning

    name = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'"}[found[0]]
    warnings.warn(
        f"{path}: the header is separated by {name}, not by the {'commas' if fmt == 'csv' else 'tabs'} of a "
        f"{fmt.upper()} file; reading it with that separator.",
        RankaggWarning,
        stacklevel=3,
    )
    return found[0]


def format_of(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise RankaggError(f"format={fmt!r}: use one of {', '.join(FORMATS)}.{did_you_mean(fmt, FORMATS)}")
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".xz", ".zip", ".zst"):
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    table = {
        ".csv": "csv",
        ".tsv": "tsv",
        ".tab": "tsv",
        ".parquet": "parquet",
        ".pq": "parquet",
        ".json": "json",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
    }
    if ext not in table:
        raise RankaggError(
            f"{path}: cannot tell the file format from its extension {ext or '(none)'!r}; "
            f"pass format= one of {', '.join(FORMATS)} (CLI: --input-format)."
        )
    return table[ext]


Where = Mapping[str, "str | Collection[str]"]


def select_rows(df: pd.DataFrame, where: Where | None, source: object) -> pd.DataFrame:
    """Keep the rows whose column ``c`` holds one of the values ``where[c]`` (compared as stripped text).

    Files that mix settings (a time budget, a prompt format, a model revision)
    repeat each (system, task) once per setting; ``where={"constraint": "1h"}``
    keeps one. Every named column and value must exist: a typo never silently
    selects nothing.
    """
    if not where:
        return df
    keep = np.ones(len(df), dtype=bool)
    for col, wanted in where.items():
        if col not in df.columns:
            raise RankaggError(
                f"where: no column {col!r} in {source}; its columns are {preview(list(map(str, df.columns)), 10)}."
                f"{did_you_mean(col, map(str, df.columns))}"
            )
        values = [wanted] if isinstance(wanted, str) else [str(v) for v in wanted]
        text = df[col].astype("string").str.strip()
        present = list(dict.fromkeys(text.dropna()))
        for v in values:
            if v.strip() not in present:
                raise RankaggError(
                    f"where: column {col!r} of {source} never holds {v!r}; its values are {preview(present, 8)}."
                    f"{did_you_mean(v, present)}"
                )
        keep &= text.isin([v.strip() for v in values]).fillna(False).to_numpy(dtype=bool)
    return df[keep]


def read_frame(path: str | os.PathLike[str], *, format: str | None = None, where: Where | None = None) -> pd.DataFrame:
    """Read a score file into a DataFrame, as stored (no validation).

    Parameters
    ----------
    path : path-like
        CSV, TSV, Parquet, JSON (a list of records, a mapping of columns, or a
        mapping ``{row: {column: value}}``) or JSON lines; ``.gz`` etc. allowed.
    format : str, optional
        Override the format guessed from the extension.
    where : mapping of column to value(s), optional
        Keep only the rows whose column holds one of the values, e.g.
        ``{"constraint": "1h"}`` (:func:`select_rows`); rows keep their line
        numbers in error messages.

    Returns
    -------
    pandas.DataFrame
    """
    p = Path(path)
    if not p.exists():
        raise RankaggError(f"path: no such file {str(p)!r}.")
    if p.is_dir():
        raise RankaggError(f"path: {str(p)!r} is a directory; give a score file (CSV, Parquet or JSON).")
    fmt = format_of(p, format)
    compression = compression_of(p)  # by content: a gzip file is read as one whatever its name
    sep = csv_separator(p, fmt, compression) if fmt in ("csv", "tsv") else ","
    try:
        if fmt in ("csv", "tsv"):
            df = pd.read_csv(
                p,
                compression=compression,
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skipinitialspace=True,
            )
        elif fmt == "parquet":
            try:
                df = pd.read_parquet(p)
                if not isinstance(df.index, pd.RangeIndex):
                    # pandas stores a DataFrame's index in the file (e.g. system names of a wide table): it is data
                    df = df.reset_index()
            except ImportError as exc:
                raise RankaggError(
                    f"{p}: reading Parquet needs pyarrow; install it with `pip install 'rankagg[parquet]'` ({exc})."
                ) from None
        elif fmt == "jsonl":
            df = pd.read_json(p, lines=True, dtype=False, compression=compression)
        else:
            with pd.io.common.get_handle(p, "r", compression=compression) as h:
                obj = json.load(h.handle)
            df = _json_frame(obj, p)
    except RankaggError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RankaggError(f"{p}: could not read it as {fmt.upper()} ({first}).") from None
    if fmt in ("csv", "tsv"):
        _check_header(p, sep, compression)
    df.columns = [str(c).strip() for c in df.columns]
    if df.shape[0] == 0:
        raise ScoreTableError(f"{p}: the file has no rows of scores.")
    if fmt in ("csv", "tsv", "jsonl"):
        # label rows by their line in the file, so that errors point where the user can look
        first = 2 if fmt != "jsonl" else 1
        df.index = pd.RangeIndex(first, first + len(df), name="line")
    return select_rows(df, where, p)


def _check_header(p: Path, sep: str, compression: str | None) -> None:
    """Refuse a header that names a column twice (pandas would silently rename the second ``name.1``)."""
    raw = pd.read_csv(
        p,
        sep=sep,
        header=None,
        nrows=1,
        dtype=str,
        keep_default_na=False,
        compression=compression,
    )
    names = [str(c).strip() for c in raw.iloc[0].tolist()] if len(raw) else []
    seen: dict[str, int] = {}
    for k, name in enumerate(names, start=1):
        if name in seen:
            raise RankaggError(
                f"{p}: the header names column {name!r} twice (columns {seen[name]} and {k}); rankagg would read "
                "only one of them: rename or remove the other in the file."
            )
        seen[name] = k


def _json_frame(obj: Any, p: Path) -> pd.DataFrame:
    if isinstance(obj, list):
        if not obj or not all(isinstance(r, Mapping) for r in obj):
            raise RankaggError(f"{p}: a JSON score file must be a list of objects (one per row).")
        return pd.DataFrame.from_records(obj)
    if isinstance(obj, Mapping):
        vals = list(obj.values())
        if vals and all(isinstance(v, list) for v in vals):
            return pd.DataFrame(obj)
        if vals and all(isinstance(v, Mapping) for v in vals):
            df = pd.DataFrame.from_dict(obj, orient="index")
            df.index.name = "_row"
            return df.reset_index()
    raise RankaggError(
        f"{p}: unrecognised JSON layout; use a list of row objects, a mapping of columns to lists, "
        "or a mapping {row name: {column: value}}."
    )


def _is_long(df: pd.DataFrame, names: Collection[str]) -> bool:
    return all(n in df.columns for n in names)


def read_table(
    path: str | os.PathLike[str],
    *,
    layout: Literal["auto", "long", "wide"] = "auto",
    format: str | None = None,
    systems_in: Literal["rows", "columns"] | None = None,
    index_col: str | None = None,
    system: str = "system",
    task: str = "task",
    score: str = "score",
    metric: str | None = "metric",
    direction: str | None = "higher_is_better",
    higher_is_better: Direction = None,
    metrics: str | Mapping[str, str] | None = None,
    tasks: Collection[str] | None = None,
    weights: Weights = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: MissingPolicy = "raise",
    where: Where | None = None,
) -> ScoreTable:
    """Read a score file (long or wide) into a validated :class:`~rankagg.ScoreTable`.

    Parameters
    ----------
    path : path-like
        CSV / TSV / Parquet / JSON / JSON-lines file (optionally compressed).
    layout : {"auto", "long", "wide"}, default "auto"
        ``"auto"`` reads the file as long when it has the ``system``, ``task``
        and ``score`` columns, as wide when ``systems_in`` is given, and
        otherwise raises an error asking which it is.
    format : str, optional
        File format, when the extension does not tell.
    systems_in : {"rows", "columns"}, optional
        Wide files only: where the systems are (required for wide files).
    index_col : str, optional
        Wide files only: the column with the row names (default: the first column).
    system, task, score, metric, direction : str
        Long files only: column names, as in :meth:`ScoreTable.from_long`.
    higher_is_better, metrics, weights, include, exclude, missing
        As in :meth:`ScoreTable.from_long`.
    tasks : collection of str, optional
        Keep only these tasks.
    where : mapping of column to value(s), optional
        Keep only the rows whose column holds one of the values, e.g.
        ``{"constraint": "1h"}`` for a file that mixes settings (CLI:
        ``--where constraint=1h``).

    Returns
    -------
    ScoreTable

    Examples
    --------
    >>> import rankagg, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "wide.csv")
    >>> _ = open(path, "w").write("model,qa,mt\\nA,71.0,30.1\\nB,68.5,33.0\\n")
    >>> rankagg.read_table(path, systems_in="rows", higher_is_better=True)
    ScoreTable(2 systems x 2 task columns, missing='raise')
    """
    if layout not in ("auto", "long", "wide"):
        raise RankaggError(f"layout={layout!r}: use 'auto', 'long' or 'wide'.")
    df = read_frame(path, format=format, where=where)
    long_names = (system, task, score)
    looks_long = _is_long(df, long_names)
    if layout == "auto":
        if looks_long and systems_in is not None:
            raise RankaggError(
                f"{path}: the file has the columns of a long table ({', '.join(long_names)}) but systems_in "
                "was given, which is for wide tables; say which it is with layout='long' or layout='wide' "
                "(CLI: --layout)."
            )
        if looks_long:
            layout = "long"
        elif systems_in is not None:
            layout = "wide"
        else:
            absent = [n for n in long_names if n not in df.columns]
            raise RankaggError(
                f"{path}: cannot tell whether this table is long or wide: it has no column(s) "
                f"{preview(absent)} of a long table (system, task, score). If it is wide, say where the "
                "systems are with systems_in='rows' or 'columns' (CLI: --systems-in rows|columns); if it is "
                "long, name its columns (CLI: --system-col, --task-col, --score-col)."
            )
    if layout == "long":
        if tasks is not None:
            if task not in df.columns:
                raise ScoreTableError(
                    f"task: no column {task!r} in {path}; its columns are {preview(list(df.columns), 10)}."
                    f"{did_you_mean(task, df.columns)} Pass task='<column name>' (CLI: --task-col)."
                )
            wanted = [tasks] if isinstance(tasks, str) else list(tasks)
            present = set(df[task].astype(str).str.strip())
            absent_t = [t for t in wanted if t not in present]
            if absent_t:
                raise ScoreTableError(
                    f"tasks: no task {absent_t[0]!r} in {path}.{did_you_mean(absent_t[0], present)} "
                    f"The tasks are {preview(sorted(present), 8)}."
                )
            df = df[df[task].astype(str).str.strip().isin(wanted)]
        try:
            return ScoreTable.from_long(
                df,
                system=system,
                task=task,
                score=score,
                metric=metric,
                direction=direction,
                higher_is_better=higher_is_better,
                metrics=metrics,
                weights=weights,
                include=include,
                exclude=exclude,
                missing=missing,
            )
        except ScoreTableError as exc:
            if df.index.name != "line":
                raise
            # the frame's rows are labelled by file line: say so
            msg = re.sub(r"\brow(s?)\b", r"line\1", str(exc)).replace("line(s)", "line(s)")
            raise ScoreTableError(f"{path}: {msg}") from None
    if systems_in is None:
        raise RankaggError(
            f"{path}: for a wide table say where the systems are: systems_in='rows' or 'columns' "
            "(CLI: --systems-in rows|columns)."
        )
    if metrics is not None:
        raise RankaggError("metrics: selecting metrics needs a long table with a metric column.")
    idx = index_col if index_col is not None else df.columns[0]
    if idx not in df.columns:
        raise RankaggError(
            f"index_col: no column {idx!r} in {path}; its columns are {preview(list(df.columns), 10)}."
            f"{did_you_mean(idx, df.columns)}"
        )
    if df[idx].isna().any():
        rows = list(df.index[df[idx].isna()])
        raise ScoreTableError(
            f"{path}: empty row name in column {idx!r} at line(s) {preview(rows)}; give every row a name, "
            "or name the column that holds them with index_col= (CLI: --index-col)."
        )
    wide = df.set_index(idx)
    return ScoreTable.from_wide(
        wide,
        systems_in=systems_in,
        tasks=tasks,
        higher_is_better=higher_is_better,
        weights=weights,
        include=include,
        exclude=exclude,
        missing=missing,
    )
