"""Shared machinery of the benchmark-format readers: errors, notes, the long frame, the final table.

Every reader builds a *long frame*: one row per (system, task, metric) with the
columns ``system, task, metric, score, higher_is_better`` and, after them, the
reader's provenance columns (``source_file``, revision, split, stderr...). With
``as_frame=True`` the reader returns that frame; otherwise it validates it into
a :class:`~rankagg.ScoreTable` with :meth:`ScoreTable.from_long`.

Never dropping data silently
----------------------------
Whatever a reader leaves out (an official "Average" column, a group aggregate,
a superseded result, a column without a direction...) is written down as a
*note*. Notes are kept in ``frame.attrs["notes"]`` of the long frame, and a
note about something the reader decided by itself (a detection or a default
the caller did not state) is also issued as a :class:`DataNoteWarning`. A
choice the caller made explicitly (``aggregate_columns=["Score"]``) is recorded
in the notes but not warned about. Silence the warnings with
``warnings.simplefilter("ignore", rankagg.io.DataNoteWarning)``; the command
line prints them as ``rankagg: note: ...`` lines on standard error.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import warnings
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import DataNoteWarning, ReaderError
from rankagg.data.columns import lookup_setting, parse_bool
from rankagg.data.table import Direction, MissingPolicy, ScoreTable, Weights

__all__ = ["LONG_COLUMNS", "Notes"]

LONG_COLUMNS: tuple[str, ...] = ("system", "task", "metric", "score", "higher_is_better")


class Notes:
    """What a reader left out or decided: kept in the frame, warned about when the reader chose by itself."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []
        self._warn: list[str] = []

    def add(self, message: str, *, warn: bool) -> None:
        """Record ``message``; also issue it as a :class:`DataNoteWarning` when ``warn``."""
        self.items.append(message)
        if warn:
            self._warn.append(message)

    def emit(self) -> None:
        for message in self._warn:
            warnings.warn(f"{self.source}: {message}", DataNoteWarning, stacklevel=4)
        self._warn = []


def norm_name(name: str) -> str:
    """Lower-case alphanumerics only: ``"Meta-Ave"`` -> ``"metaave"``."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def to_float(value: Any) -> float | None:
    """A finite-or-NaN float, or ``None`` when ``value`` is not a number (bools are not numbers)."""
    if value is None:
        return float("nan")
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        s = value.strip()
        if s == "":
            return float("nan")
        try:
            return float(s)
        except ValueError:
            return None
    return None


def load_json(path: Path, what: str) -> Any:
    """Parse a JSON file, or raise a :class:`ReaderError` naming it."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise ReaderError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); a {what} must be a "
            "JSON file as written by the tool."
        ) from None
    except UnicodeDecodeError:
        raise ReaderError(f"{path}: not a UTF-8 text file; a {what} must be a JSON file.") from None


def check_path(path: str | os.PathLike[str], *, kind: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise ReaderError(f"path: no such file or directory {str(p)!r}; give the {kind}.")
    return p


def match_names(patterns: str | Collection[str] | None, names: Sequence[str]) -> set[str]:
    """Names matching any pattern (exact or shell glob); all names when ``patterns`` is None."""
    if patterns is None:
        return set(names)
    pats = [patterns] if isinstance(patterns, str) else [str(p) for p in patterns]
    return {n for n in names if any(n == p or fnmatch.fnmatchcase(n, p) for p in pats)}


def lookup(mapping: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """Exact key first, then the first shell-glob key that matches."""
    if key in mapping:
        return True, mapping[key]
    for k, v in mapping.items():
        if fnmatch.fnmatchcase(key, str(k)):
            return True, v
    return False, None


def direction_of(higher_is_better: Direction, task: str, metric: str | None) -> bool | None:
    """The caller's direction for one column (bool, or mapping keyed by task / ``task:metric`` / glob)."""
    if higher_is_better is None:
        return None
    if isinstance(higher_is_better, Mapping):
        label = f"{task}:{metric}" if metric is not None else task
        found, value = lookup_setting(higher_is_better, label, task)
        if not found:
            return None
        try:
            return parse_bool(value)
        except ValueError:
            raise ReaderError(
                f"higher_is_better: the direction of task {label!r} is {value!r}; use True or False."
            ) from None
    return bool(higher_is_better)


def long_frame(rows: list[dict[str, Any]], extra: Sequence[str] = ()) -> pd.DataFrame:
    """Build the long frame with the standard columns first."""
    cols = list(LONG_COLUMNS) + [c for c in extra if c not in LONG_COLUMNS]
    frame = pd.DataFrame.from_records(rows, columns=cols) if rows else pd.DataFrame(columns=cols)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype(np.float64)
    for c in ("system", "task", "metric"):
        frame[c] = frame[c].astype(object)
    frame["higher_is_better"] = frame["higher_is_better"].astype(object)
    return frame


def finish(
    frame: pd.DataFrame,
    notes: Notes,
    *,
    as_frame: bool,
    higher_is_better: Direction = None,
    metrics: str | Mapping[str, str] | None = None,
    weights: Weights = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
    missing: MissingPolicy = "raise",
) -> ScoreTable | pd.DataFrame:
    """Attach the notes, warn, and return the frame or the validated table."""
    frame = frame.reset_index(drop=True)
    frame.attrs["notes"] = list(notes.items)
    frame.attrs["source"] = notes.source
    notes.emit()
    if as_frame:
        return frame
    if len(frame) == 0:
        raise ReaderError(f"{notes.source}: no scores were read; check the file and the selection options.")
    # only the standard columns: provenance columns must not be taken for from_long's optional ones
    return ScoreTable.from_long(
        frame[list(LONG_COLUMNS)],
        system="system",
        task="task",
        score="score",
        metric="metric",
        direction="higher_is_better",
        higher_is_better=higher_is_better,
        metrics=metrics,
        weights=weights,
        include=include,
        exclude=exclude,
        missing=missing,
    )
