"""``rankagg stats``: Friedman test with the Nemenyi critical difference, pairwise Wilcoxon-Holm tests.

Used by :mod:`rankagg.cli`, which passes its own argument groups, loader and
writer (the pattern of :func:`rankagg.cli.sources.add_datasets_command`).
The tests themselves are :mod:`rankagg.uncertainty.stats`.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from rankagg._format import render_frame

__all__ = ["add_stats_command"]

TESTS = ("both", "friedman", "wilcoxon")
ZERO_METHODS = ("wilcox", "pratt", "zsplit")


def add_stats_command(
    sub: Any,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    add_output_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> None:
    """``rankagg stats FILE``: the Friedman / Nemenyi and Wilcoxon-Holm tests over the tasks of a score table."""
    p = sub.add_parser(
        "stats",
        help="statistical tests over tasks: Friedman with the Nemenyi critical difference, pairwise Wilcoxon-Holm",
        description="Tasks are the independent blocks (Demšar 2006). Friedman: do the systems' mean ranks differ "
        "at all; Nemenyi: which mean ranks are within the critical difference (CD) of each other; Wilcoxon "
        "signed-rank tests on the score differences of every pair, Holm-corrected. The table must be complete "
        "(--missing drop_systems or drop_tasks). --format csv writes one row per system with --test friedman, "
        "otherwise one row per pair; json has everything.",
    )
    add_table_args(p)
    g = p.add_argument_group("tests")
    g.add_argument("--test", choices=TESTS, default="both", help="which tests to run (default: both)")
    g.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    g.add_argument(
        "--zero-method",
        choices=ZERO_METHODS,
        default="wilcox",
        help="Wilcoxon: a task where two systems tie is dropped (wilcox, default), ranked but unsigned (pratt) or "
        "split between the signs (zsplit)",
    )
    add_output_args(p)
    p.set_defaults(func=lambda args: _cmd_stats(args, load, emit))


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _finite(v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in df.to_dict("records")]


def _pairs_frame(fried: Any, wil: Any) -> pd.DataFrame:
    """One row per pair: the Wilcoxon-Holm columns, and with Friedman the two mean ranks and the Nemenyi verdict."""
    if wil is not None:
        df = wil.pairs.copy()
    else:
        names = list(fried.mean_ranks.index)
        df = pd.DataFrame(
            [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]], columns=["system_a", "system_b"]
        )
    if fried is not None:
        r = fried.mean_ranks
        df["mean_rank_a"] = r.loc[df["system_a"]].to_numpy()
        df["mean_rank_b"] = r.loc[df["system_b"]].to_numpy()
        df["nemenyi_different"] = (df["mean_rank_a"] - df["mean_rank_b"]).abs() > fried.critical_difference
    return df


def _cmd_stats(
    args: argparse.Namespace,
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> int:
    from rankagg.uncertainty.stats import friedman_nemenyi, wilcoxon_holm

    table = load(args)
    fried = wil = None
    if args.test in ("both", "friedman"):
        fried = friedman_nemenyi(table, alpha=args.alpha, atol=args.atol, rtol=args.rtol)
    if args.test in ("both", "wilcoxon"):
        wil = wilcoxon_holm(table, alpha=args.alpha, zero_method=args.zero_method)
    fmt = args.format
    if fmt == "csv":
        emit(render_frame(fried.to_frame() if wil is None else _pairs_frame(fried, wil), "csv"), args)
        return 0
    if fmt == "json":
        payload: dict[str, Any] = {
            "n_systems": table.n_systems,
            "n_tasks": table.n_columns,
            "tasks": list(table.tasks),
            "missing_policy": table.missing_policy,
            "dropped_systems": list(table.dropped_systems),
            "dropped_tasks": list(table.dropped_tasks),
            "alpha": args.alpha,
        }
        if fried is not None:
            payload["friedman"] = {
                "statistic": _finite(fried.statistic),
                "pvalue": _finite(fried.pvalue),
                "iman_davenport": _finite(fried.iman_davenport),
                "pvalue_iman_davenport": _finite(fried.pvalue_iman_davenport),
                "critical_difference": fried.critical_difference,
                "mean_ranks": _records(fried.to_frame()),
                "groups": [list(g) for g in fried.groups],
            }
        if wil is not None:
            payload["wilcoxon_holm"] = {
                "zero_method": args.zero_method,
                "pairs": _records(wil.pairs),
                "groups": [list(g) for g in wil.groups],
            }
        emit(json.dumps(payload, indent=2) + "\n", args)
        return 0
    md = fmt == "markdown"
    source = str(getattr(args, "dataset", None) or args.file)
    out = [f"Table: {source}: {table.n_systems} systems x {table.n_columns} task columns (the blocks of the tests)"]
    for what, names in (("systems", table.dropped_systems), ("tasks", table.dropped_tasks)):
        if names:
            out.append(f"Dropped {what} (missing scores): {len(names)}")
    if fried is not None:
        out.append(
            f"Friedman chi-square {fried.statistic:.4g} (df {fried.n_systems - 1}), p = {fried.pvalue:.3g}; "
            f"Iman-Davenport F {fried.iman_davenport:.4g}, p = {fried.pvalue_iman_davenport:.3g}"
        )
        out.append(
            f"Nemenyi critical difference at alpha {args.alpha:g}: {fried.critical_difference:.4g} (mean ranks "
            "closer than this cannot be told apart)"
        )
    if wil is not None:
        sig = int(wil.pairs["significant"].sum())
        methods = ", ".join(f"{m} {c}" for m, c in wil.pairs["method"].value_counts().items())
        out.append(
            f"Wilcoxon signed-rank, Holm-corrected at alpha {args.alpha:g}: {sig} of {len(wil.pairs)} pairs differ "
            f"(p-values: {methods}; zero_method {args.zero_method})"
        )
    text = "\n".join(f"{x}  " if md else x for x in out) + "\n"
    if fried is not None:
        text += "\n" + ("**Mean ranks** " if md else "Mean ranks ") + "(1 = best; groups: Nemenyi groups)\n\n"
        text += render_frame(fried.to_frame(), fmt)
    if wil is not None:
        text += "\n" + ("**Pairs**" if md else "Pairs") + "\n\n" + render_frame(_pairs_frame(fried, wil), fmt)
    emit(text, args)
    return 0
