"""Exceptions raised by rankagg.

Every error rankagg raises on bad input is a :class:`RankaggError` (a
``ValueError``), so callers can catch one type; the message names the
parameter, the offending system / task / row, and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BootstrapWarning",
    "PartialResultWarning",
    "RankaggError",
    "RankaggWarning",
    "RuleError",
    "ScoreTableError",
    "did_you_mean",
    "preview",
]


class RankaggError(ValueError):
    """Base class of every input error rankagg raises."""


class RankaggWarning(UserWarning):
    """rankagg changed or left out something on its own; the message says what (the CLI prints it on stderr)."""


class ScoreTableError(RankaggError):
    """The scores given to build a :class:`~rankagg.ScoreTable` are invalid."""


class RuleError(RankaggError):
    """A rule was asked for something it cannot do (unknown name, bad parameter...)."""


class BootstrapWarning(RankaggWarning):
    """A bootstrap ran, but its uncertainty estimate is weak (e.g. very few units to resample); read the message."""


class PartialResultWarning(RankaggWarning):
    """A long run was interrupted (Ctrl-C) and returns what it finished; the result says it is incomplete."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def preview(items: Sequence[object], limit: int = 5) -> str:
    """Format the first ``limit`` items and say how many more there are."""
    items = list(items)
    shown = ", ".join(str(x) if isinstance(x, str) and x.startswith("(") else repr(x) for x in items[:limit])
    if len(items) > limit:
        shown += f" ... and {len(items) - limit} more"
    return shown


class ReaderError(RankaggError):
    """A file in a benchmark format is malformed; the message names the file, the field and the fix."""


class DataNoteWarning(UserWarning):
    """A reader left data out or made a choice on the caller's behalf; the message says what and how to change it."""


def short(values: Iterable[Any], limit: int = 6) -> str:
    """``'a', 'b' ... and 3 more`` (quoted)."""
    vals = list(values)
    text = ", ".join(repr(v) for v in vals[:limit])
    if len(vals) > limit:
        text += f" ... and {len(vals) - limit} more"
    return text


def where_rows(df: pd.DataFrame, positions: Iterable[int]) -> str:
    """``"line(s) 3, 7"`` for a frame read from a file with line-labelled rows, else ``"row(s) 1, 5"`` (positions)."""
    pos = list(positions)
    if df.index.name == "line":
        return f"line(s) {', '.join(str(int(df.index[i])) for i in pos[:6])}" + (
            f" ... and {len(pos) - 6} more" if len(pos) > 6 else ""
        )
    return f"row(s) {', '.join(str(i) for i in pos[:6])}" + (f" ... and {len(pos) - 6} more" if len(pos) > 6 else "")


def row_label(df: pd.DataFrame, pos: int) -> str:
    """``"line 3"`` (file line) or ``"row 1"`` (position) of one row, as in :func:`where_rows`."""
    return f"line {int(df.index[pos])}" if df.index.name == "line" else f"row {pos}"
