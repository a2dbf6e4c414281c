"""The words of a report, shared by its HTML and Markdown renderings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rankagg._format import fmt_value

__all__ = [
    "BoardColumn",
    "board_columns",
    "data_lines",
    "disagreement_rows",
    "footer_items",
    "settings_lines",
    "summary_sentence",
]


@dataclass(frozen=True)
class BoardColumn:
    """A column of the leaderboard: its key in ``Report.leaderboard``, header, whether it holds numbers, help."""

    key: str
    label: str
    numeric: bool
    help: str = ""


def board_columns(rep: Any) -> list[BoardColumn]:
    """The leaderboard's columns, in order: rank, system, interval, P(top 1), score, mean, mean rank, tasks."""
    conf = f"{100 * rep.bootstrap.confidence:g}%"
    better = "higher" if rep.settings["score_higher_is_better"] else "lower"
    cols = [
        BoardColumn("rank", "Rank", True, f"rank under {rep.rule} (1 = best; = marks a tie)"),
        BoardColumn("system", "System", False),
        BoardColumn("interval", f"{conf} rank interval", True, "bootstrap percentile interval of the rank"),
        BoardColumn("p_top1", "P(top 1)", True, "share of resamples ranking the system first"),
        BoardColumn("score", f"{rep.rule} ({rep.settings['score']})", True, f"the rule's score: {better} is better"),
        BoardColumn("mean", "Mean score", True, "mean of the raw scores over the tasks"),
        BoardColumn("mean_rank", "Mean rank", True, "mean of the per-task ranks (1 = best)"),
    ]
    fixed = {"rank", "system", "rank_low", "rank_high", "p_top1", "score", "mean", "mean_rank"}
    for col, name in zip(rep.table.columns, [c for c in rep.leaderboard.columns if c not in fixed]):
        arrow = "\u2191" if col.higher_is_better else "\u2193"
        cols.append(BoardColumn(name, f"{col.label} {arrow}", True, f"{col.label}: raw score, {_dir(col)}"))
    return cols


def _dir(col: Any) -> str:
    return "higher is better" if col.higher_is_better else "lower is better"


def summary_sentence(rep: Any) -> str:
    """One sentence: who wins, how sure, and whether the mean agrees."""
    board = rep.leaderboard
    top = board.iloc[0]
    winners = list(board.loc[board["rank"] == 1, "system"])
    conf = f"{100 * rep.bootstrap.confidence:g}%"
    mean_top = rep.comparison.results[rep.comparison.reference].winners
    who = " and ".join(winners) if len(winners) <= 3 else f"{len(winners)} systems tied"
    text = (
        f"{rep.table.n_systems} systems ranked by {rep.rule} over {rep.table.n_columns} task columns. "
        f"First: {who} (P(top 1) {top['p_top1']:.2f}, {conf} rank interval "
        f"{int(top['rank_low'])}\u2013{int(top['rank_high'])})."
    )
    if rep.comparison.reference != rep.rule:
        same = set(mean_top) == set(winners)
        text += (
            f" The {rep.comparison.reference} puts {' and '.join(mean_top) if len(mean_top) <= 3 else 'a tie'} first"
            + (" too." if same else " instead.")
        )
    return text


def data_lines(rep: Any) -> list[tuple[str, str]]:
    """(term, description) pairs: the data (systems, tasks, directions, weights, missing policy, drops)."""
    t = rep.table
    tasks = "; ".join(
        f"{c.label} ({c.metric + ', ' if c.metric else ''}{_dir(c)}"
        + (f", weight {fmt_value(c.weight)}" if c.weight != 1 else "")
        + ")"
        for c in t.columns
    )
    out = [
        ("Source", rep.source),
        ("Systems", str(t.n_systems)),
        (f"Task columns ({t.n_columns})", tasks),
        (
            "Missing scores",
            f"policy {t.missing_policy!r}" + ("; the table keeps missing scores" if t.has_missing else ""),
        ),
    ]
    if t.dropped_systems:
        out.append((f"Dropped systems ({len(t.dropped_systems)})", ", ".join(t.dropped_systems)))
    if t.dropped_tasks:
        out.append((f"Dropped tasks ({len(t.dropped_tasks)})", ", ".join(t.dropped_tasks)))
    return out


def settings_lines(rep: Any) -> list[tuple[str, str]]:
    """(term, description) pairs: every setting that changes the result."""
    s = rep.settings
    params = ", ".join(f"{k}={v!r}" for k, v in s["params"].items())
    better = "higher" if s["score_higher_is_better"] else "lower"
    return [
        ("Rule", f"{s['rule']} (score: {s['score']}, {better} is better)" + (f"; {params}" if params else "")),
        ("Rules compared", f"{', '.join(s['rules'])} (reference: {s['reference']})"),
        (
            "Bootstrap",
            f"{s['n_resamples']} resamples of the {rep.table.n_columns} task columns with replacement "
            f"({s['n_distinct_resamples']} distinct), {100 * s['confidence']:g}% percentile intervals, "
            f"seed {s['seed']}",
        ),
        ("Tie tolerances", f"atol {s['atol']:g}, rtol {s['rtol']:g}"),
        ("Figures", "every system" if s["top"] is None else f"the best {s['top']} systems (top={s['top']})"),
    ]


def footer_items(rep: Any) -> list[tuple[str, str]]:
    """(term, value) pairs for the footer: version, command, seed, input SHA-256."""
    return [
        ("rankagg", rep.version or "unknown"),
        ("Command", rep.command or "rankagg.report.report(...) from Python"),
        ("Seed", str(rep.seed)),
        ("Input SHA-256", rep.input_sha256 or "no input file (a table built in Python)"),
    ]


def disagreement_rows(rep: Any) -> tuple[list[dict[str, Any]], int]:
    """The first ``settings["show"]`` pairs that some rule orders opposite to the reference, best pairs first
    (by the reference's ranks), with their head-to-head record; and how many more pairs there are."""
    cmp = rep.comparison
    pairs = cmp.disagreeing_pairs()
    ref = cmp.results[cmp.reference]
    rank = {s: int(r) for s, r in zip(ref.systems, ref.ranks)}
    limit = int(rep.settings.get("show", 20))
    out = [
        {
            "above": p["above"],
            "below": p["below"],
            "rules": p["rules"],
            "ranks": f"{cmp.reference} {rank[p['above']]} / {rank[p['below']]}",
            "record": f"{fmt_value(p['won_below'])} / {fmt_value(p['won_above'])} / {fmt_value(p['tied'])}",
            "won_below": float(p["won_below"]),
            "sentence": p["sentence"],
        }
        for p in pairs[:limit]
    ]
    return out, max(0, len(pairs) - limit)
