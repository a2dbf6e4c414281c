"""The report as Markdown: the header, the leaderboard, the rules side by side, the disagreements, the footer."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rankagg._format import rank_interval_text, render_frame
from rankagg.report.text import (
    board_columns,
    data_lines,
    disagreement_rows,
    footer_items,
    settings_lines,
    summary_sentence,
)

__all__ = ["render_markdown"]


def _md(text: Any) -> str:
    """Text for a Markdown paragraph: characters that would start markup escaped."""
    out = str(text)
    for ch in ("\\", "`", "*", "_", "[", "]", "<", ">", "|"):
        out = out.replace(ch, "\\" + ch)
    return out


def _escape_cells(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = [_md(x).replace("\\|", "|") for x in df[c]]  # render_frame escapes the pipes itself
    df.columns = [_md(c).replace("\\|", "|") for c in df.columns]
    return df


def render_markdown(rep: Any) -> str:
    """The :class:`rankagg.report.Report` as Markdown."""
    board = rep.leaderboard
    cols = board_columns(rep)
    ties = board["rank"].duplicated(keep=False).to_numpy()
    out = pd.DataFrame()
    for c in cols:
        if c.key == "rank":
            out[c.label] = [f"{int(r)}{'=' if t else ''}" for r, t in zip(board["rank"], ties)]
        elif c.key == "interval":
            out[c.label] = rank_interval_text(board["rank_low"], board["rank_high"])
        elif c.key == "p_top1":
            out[c.label] = [f"{x:.3f}" for x in board["p_top1"]]
        else:
            out[c.label] = board[c.key].to_numpy()
    lines = [f"# Leaderboard: {_md(rep.source)}", "", _md(summary_sentence(rep)), "", "## Data", ""]
    lines += [f"- **{_md(k)}**: {_md(v)}" for k, v in data_lines(rep)]
    lines += ["", "## Settings", ""]
    lines += [f"- **{_md(k)}**: {_md(v)}" for k, v in settings_lines(rep)]
    lines += ["", "## Leaderboard", "", "`=` marks tied ranks.", ""]
    text = "\n".join(lines) + "\n" + render_frame(_escape_cells(out), "markdown")
    rest: list[str] = []
    if rep.notes:
        rest += ["", "## Notes", ""] + [f"- {_md(n)}" for n in rep.notes]
    cmp = rep.comparison
    agree = cmp.agreement.round(3).reset_index(names="rule")
    n_dis = cmp.n_disagreements()
    agree[f"pairs reversed vs {cmp.reference}"] = [int(n_dis.get(r, 0)) for r in agree["rule"]]
    rest += ["", "## Rules side by side", "", "Kendall tau-b between the consensus rankings:", ""]
    rest.append(render_frame(_escape_cells(agree), "markdown").rstrip("\n"))
    rest += ["", f"## Where the rules disagree with {_md(cmp.reference)}", ""]
    rows, more = disagreement_rows(rep)
    if not rows:
        rest.append(f"Every rule agrees with {_md(cmp.reference)} on the order of every pair.")
    else:
        rest.append(
            f"Where the rules disagree with {_md(cmp.reference)} (the pair, and its head-to-head record over tasks):"
        )
        rest.append("")
        rest += [f"- {_md(r['sentence'])}" for r in rows]
        if more:
            rest.append(f"- ... and {more} more pairs (`rankagg compare --format csv` lists them all)")
    if rep.figures:
        rest += [
            "",
            f"Figures ({', '.join(f.key for f in rep.figures)}): in the HTML report (`rankagg report -o FILE.html`).",
        ]
    rest += ["", "---", ""]
    rest += [f"- {_md(k)}: `{v}`" for k, v in footer_items(rep)]
    return text + "\n".join(rest) + "\n"
