"""Plain-text renderings of DataFrames: aligned table, CSV, Markdown (no extra dependency)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["fmt_value", "render_frame"]


def fmt_value(v: Any, digits: int = 4) -> str:
    """Short, stable text for a cell."""
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if math.isnan(x):
            return ""
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        if abs(x) >= 1e15 or abs(x) < 1e-3:
            return f"{x:.{digits}g}"
        # large values (Kemeny scores, counts of battles) keep every integer digit: 67042.5, not 6.704e+04
        decimals = digits if abs(x) < 1e4 else 2
        return f"{x:.{decimals}f}".rstrip("0").rstrip(".")
    return str(v)


def _cells(df: pd.DataFrame, digits: int) -> tuple[list[str], list[list[str]]]:
    head = [str(c) for c in df.columns]
    rows = [[fmt_value(v, digits) for v in row] for row in df.itertuples(index=False, name=None)]
    return head, rows


def render_frame(df: pd.DataFrame, fmt: str, *, digits: int = 4) -> str:
    """Render ``df`` (index ignored) as ``"table"``, ``"csv"`` or ``"markdown"``."""
    if fmt == "csv":
        return df.to_csv(index=False, lineterminator="\n")
    head, rows = _cells(df, digits)
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    if fmt == "markdown":
        esc = [[c.replace("|", "\\|") for c in r] for r in [head, *rows]]
        lines = ["| " + " | ".join(esc[0]) + " |"]
        lines.append("|" + "|".join("---:" if n else ":---" for n in numeric) + "|")
        lines += ["| " + " | ".join(r) + " |" for r in esc[1:]]
        return "\n".join(lines) + "\n"
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h) for k, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        out = []
        for k, c in enumerate(cells):
            out.append(c.rjust(widths[k]) if numeric[k] else c.ljust(widths[k]))
        return "  ".join(out).rstrip()

    return "\n".join([line(head), *(line(r) for r in rows)]) + "\n"
