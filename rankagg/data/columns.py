"""Parsing the columns of a long or wide table: booleans, weights, names (whitespace, patterns),
task/metric labels and per-task settings, metric selection, and the duplicate-entries hint.
"""

from __future__ import annotations

import fnmatch
import math
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggWarning, ScoreTableError, did_you_mean, preview

__all__ = ["duplicate_hint", "lookup_setting", "match_patterns", "parse_bool", "strip_names"]


def parse_bool(value: Any) -> bool | None:
    """Parse a direction flag; ``None`` for missing, raise ``ValueError`` for junk."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        if value in (0.0, 1.0):
            return bool(value)
    if isinstance(value, str):
        s = value.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        if s in {"", "nan", "none", "null"}:
            return None
    if value is pd.NA or value is pd.NaT:
        return None
    raise ValueError(value)


def _blank(value: Any) -> bool:
    """Whether a cell is empty (None, NaN, NA or whitespace)."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _numeric_weights(col: pd.Series, name: str) -> np.ndarray:
    """Per-row weights from a weight column; blank cells are NaN, anything else must be a number."""
    num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(num) & ~np.array([_blank(v) for v in col], dtype=bool)
    if bad.any():
        rows = [f"(row {i}: {v!r})" for i, v in zip(col.index[bad], col[bad], strict=True)]
        raise ScoreTableError(
            f"weight: non-numeric values in column {name!r} at {preview(rows)}; weights must be positive "
            "numbers (or pass weight=None to ignore the column)."
        )
    return num


def strip_names(values: pd.Series, param: str) -> pd.Series:
    """Names without surrounding whitespace; warns when that merges names that were written differently.

    ``"gpt-4"`` and ``"gpt-4 "`` are one system after stripping (a trailing
    space is almost always an accident of a spreadsheet), but rankagg says so:
    a :class:`~rankagg.RankaggWarning` lists the names it merged.
    """
    raw = values.astype(str)
    stripped = raw.str.strip()
    changed = (raw != stripped).to_numpy()
    if changed.any():
        variants: dict[str, set[str]] = {}
        for r, s_ in zip(raw.to_numpy(dtype=object), stripped.to_numpy(dtype=object), strict=True):
            variants.setdefault(s_, set()).add(r)
        merged = {k: sorted(v) for k, v in variants.items() if len(v) > 1}
        if merged:
            shown = "; ".join(f"{' and '.join(map(repr, v))} -> {k!r}" for k, v in list(merged.items())[:5])
            more = f" ... and {len(merged) - 5} more" if len(merged) > 5 else ""
            warnings.warn(
                f"{param} names that differ only by surrounding whitespace were merged into one {param}: "
                f"{shown}{more}; rename them in the data if they are different {param}s.",
                RankaggWarning,
                stacklevel=3,
            )
    return stripped


def duplicate_hint(df: pd.DataFrame, rows: Iterable[Any], used: Collection[str]) -> str:
    """The end of a duplicate-entries message: a column that tells the repeated rows apart, and how to keep one.

    Files that mix settings (a time budget, a model revision, a prompt format) repeat each key once per
    setting; the column with the fewest distinct values among those that differ between the repeats is
    the setting to select.
    """
    generic = ", e.g. by averaging or dropping repeats first."
    try:
        sub = df.loc[list(rows)]
    except (KeyError, TypeError):
        return generic
    best: tuple[str, int] | None = None
    for col in df.columns:
        if col in used:
            continue
        if sub[col].astype(str).str.strip().nunique(dropna=False) > 1:
            n_all = int(df[col].astype(str).str.strip().nunique(dropna=False))
            if n_all <= 50 and (best is None or n_all < best[1]):
                best = (str(col), n_all)
    if best is None:
        return generic
    col = best[0]
    values = list(dict.fromkeys(df[col].astype(str).str.strip()))
    return (
        f"; the repeated rows differ in column {col!r} ({preview(values)}): keep one with --where {col}={values[0]} "
        f"(Python: read_table(..., where={{{col!r}: {values[0]!r}}})), or average the repeats first."
    )


def match_patterns(patterns: str | Iterable[str], names: Sequence[str], param: str) -> np.ndarray:
    """Boolean mask of ``names`` matching any of ``patterns`` (exact names or globs)."""
    if isinstance(patterns, str):
        patterns = [patterns]
    patterns = list(patterns)
    mask = np.zeros(len(names), dtype=bool)
    for pat in patterns:
        pat = str(pat)
        hit = np.array([n == pat or fnmatch.fnmatchcase(n, pat) for n in names], dtype=bool)
        if not hit.any():
            raise ScoreTableError(
                f"{param}: {pat!r} matches no system; the systems are {preview(list(names), 8)}."
                f"{did_you_mean(pat, names)} Patterns use shell globs such as 'GPT-*' or '*Human*'."
            )
        mask |= hit
    return mask


def _labels(tasks: Sequence[str], metrics: Sequence[str | None]) -> list[str]:
    counts: dict[str, int] = {}
    for t in tasks:
        counts[t] = counts.get(t, 0) + 1
    labels = []
    for t, m in zip(tasks, metrics, strict=True):
        if counts[t] == 1:
            labels.append(t)
        else:
            if m is None:
                raise ScoreTableError(
                    f"tasks: task {t!r} appears in {counts[t]} columns without metric names to tell "
                    "them apart; give each column a metric or a distinct task name."
                )
            labels.append(f"{t}:{m}")
    seen: dict[str, int] = {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
    dup = sorted(lab for lab, k in seen.items() if k > 1)  # (labels.count per label was quadratic)
    if dup:
        raise ScoreTableError(
            f"tasks: duplicate task columns {preview(dup)}; each (task, metric) pair must appear once."
        )
    return labels


def lookup_setting(mapping: Mapping[str, Any], label: str, task: str) -> tuple[bool, Any]:
    """Find the value for a column: exact label, then exact task, then the first matching glob pattern."""
    if label in mapping:
        return True, mapping[label]
    if task in mapping:
        return True, mapping[task]
    # patterns; the catch-all "*" only as the default, when no other pattern matches
    hits = [
        k for k in mapping if k != "*" and (fnmatch.fnmatchcase(label, str(k)) or fnmatch.fnmatchcase(task, str(k)))
    ]
    values = {repr(mapping[k]) for k in hits}
    if len(values) > 1:
        raise ScoreTableError(
            f"patterns {preview(hits)} all match task {label!r} but give it different values "
            f"({', '.join(sorted(values))}); name the task exactly to settle it."
        )
    if hits:
        return True, mapping[hits[0]]
    if "*" in mapping:
        return True, mapping["*"]
    return False, None


def _check_keys(mapping: Mapping[str, Any], labels: Sequence[str], tasks: Sequence[str], param: str) -> None:
    known = set(labels) | set(tasks)
    unknown = [k for k in mapping if k not in known and not any(fnmatch.fnmatchcase(n, str(k)) for n in known)]
    if unknown:
        raise ScoreTableError(
            f"{param}: unknown task {unknown[0]!r}.{did_you_mean(unknown[0], known)} "
            f"The tasks are {preview(sorted(known), 8)}."
        )


def _optional_column(value: str | None, default: str, param: str, cols: Sequence[str]) -> str | None:
    if value is None:
        return None
    if value in cols:
        return value
    if value == default:
        return None
    raise ScoreTableError(
        f"{param}: no column {value!r} in the data; its columns are {preview(list(cols), 10)}."
        f"{did_you_mean(value, cols)} Pass {param}=None to go without."
    )


def _select_metrics(frame: pd.DataFrame, metrics: str | Mapping[str, str]) -> pd.DataFrame:
    available: dict[str, list[str]] = {}
    for t, m in zip(frame["task"], frame["metric"], strict=True):
        lst = available.setdefault(t, [])
        if m is not None and m not in lst:
            lst.append(m)
    if isinstance(metrics, str):
        choice = {t: metrics for t in available}
    elif isinstance(metrics, Mapping):
        choice = {str(k): str(v) for k, v in metrics.items()}
        unknown = [t for t in choice if t not in available]
        if unknown:
            raise ScoreTableError(
                f"metrics: unknown task {unknown[0]!r}.{did_you_mean(unknown[0], available)} "
                f"The tasks are {preview(list(available), 8)}."
            )
    else:
        raise ScoreTableError(f"metrics: expected a metric name or a mapping {{task: metric}}, got {metrics!r}.")
    for t, m in choice.items():
        if m not in available[t]:
            raise ScoreTableError(
                f"metrics: task {t!r} has no metric {m!r}; its metrics are {preview(available[t])}."
                f"{did_you_mean(m, available[t])}"
            )
    keep = np.array(
        [t not in choice or m == choice[t] for t, m in zip(frame["task"], frame["metric"], strict=True)], dtype=bool
    )
    return frame[keep]


_TRUE = {"true", "t", "yes", "y", "1", "1.0", "higher", "max"}


_FALSE = {"false", "f", "no", "n", "0", "0.0", "lower", "min"}
