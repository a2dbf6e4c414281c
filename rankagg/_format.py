"""Plain-text renderings of DataFrames: aligned table, CSV, Markdown, LaTeX booktabs (no extra dependency)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["fmt_value", "latex_escape", "mark_ties", "rank_interval_text", "render_frame", "render_latex"]


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
    """Render ``df`` (index ignored) as ``"table"``, ``"csv"``, ``"markdown"`` or ``"latex"`` (booktabs)."""
    if fmt == "csv":
        return df.to_csv(index=False, lineterminator="\n")
    if fmt == "latex":
        return render_latex(df, digits=digits)
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


# ---------------------------------------------------------------------------- LaTeX (booktabs)
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def latex_escape(text: Any) -> str:
    """``text`` with LaTeX's special characters escaped, for a table cell or a caption.

    Examples
    --------
    >>> print(latex_escape("gpt-4_turbo & co (50%)"))
    gpt-4\\_turbo \\& co (50\\%)

    A double hyphen stays two hyphens (LaTeX would print an en dash):

    >>> print(latex_escape("model--v2"))
    model-{}-v2
    """
    out = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
    while "--" in out:
        out = out.replace("--", "-{}-")
    return out


def mark_ties(ranks: Any, mark: str = "=") -> list[str]:
    """Ranks as text, ``mark`` after every rank that more than one system shares.

    Examples
    --------
    >>> mark_ties([1, 2, 2, 4])
    ['1', '2=', '2=', '4']
    """
    values = [int(r) for r in ranks]
    seen: dict[int, int] = {}
    for r in values:
        seen[r] = seen.get(r, 0) + 1
    return [f"{r}{mark}" if seen[r] > 1 else str(r) for r in values]


def rank_interval_text(low: Any, high: Any, dash: str = "\u2013") -> list[str]:
    """Rank intervals as ``a–b`` (one number when ``a == b``); ``dash="--"`` for LaTeX.

    Examples
    --------
    >>> rank_interval_text([1, 2], [3, 2])
    ['1\u20133', '2']
    """
    return [str(int(a)) if int(a) == int(b) else f"{int(a)}{dash}{int(b)}" for a, b in zip(low, high)]


def render_latex(
    df: pd.DataFrame,
    *,
    digits: int = 4,
    comments: list[str] | tuple[str, ...] = (),
    notes: list[str] | tuple[str, ...] = (),
    raw: tuple[str, ...] = (),
) -> str:
    """A booktabs ``tabular`` of ``df`` (index ignored): ``\\toprule``, ``\\midrule``, ``\\bottomrule``.

    Numeric columns and those named in ``raw`` are right-aligned, others
    left-aligned. Every cell and header is escaped (:func:`latex_escape`), except
    the cells of the ``raw`` columns, which are LaTeX already (rank intervals as
    ``1--13``, ranks with tie marks). ``comments``
    become ``%`` lines above the table (what was ranked, and how), ``notes`` rows
    under the bottom rule spanning every column (what a mark means). The table
    needs ``\\usepackage{booktabs}`` in the preamble.

    Examples
    --------
    >>> df = pd.DataFrame({"system": ["A&B", "C"], "rank": [1, 2], "score": [0.5, 0.25]})
    >>> print(render_latex(df), end="")
    % requires \\usepackage{booktabs}
    \\begin{tabular}{lrr}
    \\toprule
    system & rank & score \\\\
    \\midrule
    A\\&B & 1 & 0.5 \\\\
    C & 2 & 0.25 \\\\
    \\bottomrule
    \\end{tabular}
    """
    numeric = [
        (pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])) or c in raw for c in df.columns
    ]
    head = [latex_escape(c) for c in df.columns]
    rows = []
    for row in df.itertuples(index=False, name=None):
        rows.append([str(v) if c in raw else latex_escape(fmt_value(v, digits)) for c, v in zip(df.columns, row)])
    lines = [f"% {' '.join(str(c).split())}" for c in comments]
    lines.append("% requires \\usepackage{booktabs}")
    if any(ord(ch) > 0x24F for r in rows for cell in r for ch in cell):  # beyond Latin: pdflatex stops there
        lines.append(
            "% some names are in scripts beyond Latin: compile with xelatex or lualatex (and a font that has them)"
        )
    lines.append("\\begin{tabular}{" + "".join("r" if n else "l" for n in numeric) + "}")
    lines.append("\\toprule")
    lines.append(" & ".join(head) + " \\\\")
    lines.append("\\midrule")
    lines += [" & ".join(r) + " \\\\" for r in rows]
    lines.append("\\bottomrule")
    for note in notes:
        lines.append(f"\\multicolumn{{{len(head)}}}{{l}}{{\\footnotesize {note}}} \\\\")
    lines.append("\\end{tabular}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- result tables for papers
_TIE_NOTE = "$=$: tied with another system (they share the rank)"


def latex_ranking(res: Any, *, comments: tuple[str, ...] | list[str] = (), digits: int = 4) -> str:
    """A ranking result (``RankingResult``) as a booktabs table: system, rank (ties marked ``=``), score.

    Examples
    --------
    >>> import rankagg
    >>> t = rankagg.ScoreTable([[3.0, 1.0], [1.0, 3.0], [0.0, 0.0]], systems=["A", "B", "C"],
    ...                        tasks=["x", "y"], higher_is_better=True)
    >>> print(latex_ranking(rankagg.aggregate(t, rule="borda")), end="")
    % score: mean rank (lower is better)
    % requires \\usepackage{booktabs}
    \\begin{tabular}{lrr}
    \\toprule
    System & Rank & Mean rank \\\\
    \\midrule
    A & 1= & 1.5 \\\\
    B & 1= & 1.5 \\\\
    C & 3 & 3 \\\\
    \\bottomrule
    \\multicolumn{3}{l}{\\footnotesize $=$: tied with another system (they share the rank)} \\\\
    \\end{tabular}
    """
    df = res.to_frame()
    marked = mark_ties(df["rank"])
    out = pd.DataFrame({"System": df["system"], "Rank": marked, _title(res.score_name): df["score"]})
    notes = [_TIE_NOTE] if any(m.endswith("=") for m in marked) else []
    better = "higher" if res.higher_is_better else "lower"
    comments = [*comments, f"score: {res.score_name} ({better} is better)"]
    return render_latex(out, digits=digits, comments=comments, notes=notes, raw=("Rank",))


def latex_comparison(cmp: Any, *, comments: tuple[str, ...] | list[str] = (), show: int = 10, digits: int = 3) -> str:
    """A comparison (``ComparisonResult``) as booktabs tables: ranks by rule (ties marked), Kendall tau-b
    between the rules, and the first ``show`` pairs that a rule orders opposite to the reference, with their
    head-to-head record over tasks (wins / losses / ties of the system the reference puts above)."""
    ranks = cmp.ranks
    out = pd.DataFrame({"System": list(ranks.index)})
    tie = False
    for r in cmp.rules:
        marked = mark_ties(ranks[r])
        tie = tie or any(m.endswith("=") for m in marked)
        out[_title(r)] = marked
    rank_cols = tuple(_title(r) for r in cmp.rules)
    text = render_latex(
        out,
        comments=[*comments, f"ranks (1 = best) by rule, rows in {cmp.reference} order"],
        notes=[_TIE_NOTE] if tie else [],
        raw=rank_cols,
    )
    agree = cmp.agreement.copy()
    agree.index = [_title(r) for r in agree.index]
    agree.columns = [_title(r) for r in agree.columns]
    text += "\n" + render_latex(
        agree.reset_index(names="Rule"), digits=digits, comments=["Kendall tau-b between the consensus rankings"]
    )
    dis = cmp.disagreements
    if len(dis):
        first = dis.drop_duplicates(["above_in_reference", "below_in_reference"]).head(show)
        rules_of = dis.groupby(["above_in_reference", "below_in_reference"], sort=False)["rule"].agg(
            lambda s: ", ".join(_title(x) for x in s)
        )
        rows = []
        for _, row in first.iterrows():
            a, b = row["above_in_reference"], row["below_in_reference"]
            won_a, won_b, tied = row["tasks_won_by_reference_top"], row["tasks_won_by_rule_top"], row["tasks_tied"]
            rows.append(
                {
                    f"Above by {_title(cmp.reference)}": a,
                    "Below": b,
                    "Rules reversing": rules_of[(a, b)],
                    "Record of above (W/L/T)": f"{fmt_value(won_a)}/{fmt_value(won_b)}/{fmt_value(tied)}",
                }
            )
        more = dis.drop_duplicates(["above_in_reference", "below_in_reference"]).shape[0] - len(rows)
        notes = [f"and {more} more pairs (--format csv/json has them all)"] if more > 0 else []
        text += "\n" + render_latex(
            pd.DataFrame(rows),
            comments=[
                f"pairs ordered opposite to {cmp.reference}, and their head-to-head record over tasks: tasks the "
                "system above wins / loses / ties against the one below"
            ],
            notes=notes,
            raw=("Record of above (W/L/T)",),
        )
    return text


def latex_bootstrap(res: Any, *, top_k: int = 3, comments: tuple[str, ...] | list[str] = (), digits: int = 3) -> str:
    """A bootstrap result (``BootstrapResult``) as a booktabs table: system, rank (ties marked), the rank
    interval as ``a--b``, P(top 1), P(top k) and the mean rank over the resamples.

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.uncertainty.bootstrap_result import BootstrapResult
    >>> r = np.array([[1, 2, 3], [2, 1, 3], [1, 2, 3], [1, 3, 2]])
    >>> res = BootstrapResult("borda", {}, "tasks", ("A", "B", "C"), np.array([1, 2, 3]), r,
    ...                       np.ones((4, 3), int), 0.5, "raise")
    >>> for line in latex_bootstrap(res, top_k=2).splitlines()[3:8]:
    ...     print(line)
    System & Rank & 50\\% interval & P(top 1) & P(top 2) & Mean bootstrap rank \\\\
    \\midrule
    A & 1 & 1--2 & 0.75 & 1 & 1.25 \\\\
    B & 2 & 1--3 & 0.25 & 0.75 & 2 \\\\
    C & 3 & 2--3 & 0 & 0.25 & 2.75 \\\\
    """
    df = res.to_frame(top_k=top_k)
    pct = f"{100 * res.confidence:g}%"
    marked = mark_ties(df["rank"])
    out = pd.DataFrame(
        {
            "System": df["system"],
            "Rank": marked,
            f"{pct} interval": rank_interval_text(df["rank_low"], df["rank_high"], dash="--"),
            "P(top 1)": df["p_top1"],
            f"P(top {top_k})": df[f"p_top{top_k}"],
            "Mean bootstrap rank": df["mean_rank"],
        }
    )
    notes = [_TIE_NOTE] if any(m.endswith("=") for m in marked) else []
    return render_latex(out, digits=digits, comments=comments, notes=notes, raw=("Rank", f"{pct} interval"))


def _title(rule: str) -> str:
    """A rule's name for a table header: ``borda`` -> ``Borda``, ``win_rate`` -> ``Win rate``."""
    return str(rule).replace("_", " ").capitalize()
