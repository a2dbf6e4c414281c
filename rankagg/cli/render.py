"""Rendering results for the terminal and for JSON: the header that says what was read and dropped, the
rule's diagnostics, rankings, comparisons with their disagreements, bootstrap intervals.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rankagg._format import fmt_value, latex_bootstrap, latex_comparison, latex_ranking, render_frame
from rankagg.aggregation.results import ComparisonResult, RankingResult
from rankagg.cli import sources as _sources
from rankagg.cli.options import _DROPPED_SHOWN, _split_list
from rankagg.cli.sources import _where
from rankagg.data.battles import PairwiseProfile
from rankagg.data.instances import InstanceTable
from rankagg.data.table import ScoreTable
from rankagg.uncertainty.bootstrap_result import BootstrapResult

__all__ = []


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        x = float(v)
        return None if math.isnan(x) else x
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if v is None or isinstance(v, (str, int, bool)):
        return v
    return str(v)


def _json_diagnostics(res: RankingResult) -> dict[str, Any]:
    """A result's diagnostics for JSON, without the n x n covariance of Bradley-Terry / Plackett-Luce (its
    standard errors stay; the matrix is ``result.diagnostics["covariance"]`` in Python)."""
    return {k: v for k, v in res.diagnostics.items() if k != "covariance"}


def _input_record(table: Any, args: argparse.Namespace) -> dict[str, Any]:
    """What was ranked and every setting that changes the result, for ``--format json``."""
    rec: dict[str, Any] = {"source": _sources.source_label(args)}
    if isinstance(table, PairwiseProfile):
        rec.update(n_battles=table.n_battles, systems=list(table.systems))
    else:
        rec.update(
            missing_policy=table.missing_policy,
            columns=[
                {
                    "label": c.label,
                    "task": c.task,
                    "metric": c.metric,
                    "higher_is_better": c.higher_is_better,
                    "weight": c.weight,
                }
                for c in table.columns
            ],
            dropped_systems=list(table.dropped_systems),
            dropped_tasks=list(getattr(table, "dropped_tasks", ())),
        )
        if isinstance(table, InstanceTable) or hasattr(table, "n_instances_total"):
            rec["instances"] = dict(table.n_instances)
            rec["dropped_instances"] = [list(x) for x in table.dropped_instances]
    filters = {
        "include": getattr(args, "include", None),
        "exclude": getattr(args, "exclude", None),
        "tasks": _split_list(getattr(args, "tasks", None)) or None,
        "metric": _split_list(getattr(args, "metric", None)) or None,
        "where": _where(args),
    }
    rec["filters"] = {k: v for k, v in filters.items() if v}
    rec["atol"], rec["rtol"] = getattr(args, "atol", 0.0), getattr(args, "rtol", 0.0)
    return rec


def _header(table: Any, source: str) -> list[str]:
    if isinstance(table, PairwiseProfile):
        return [f"Battles: {source}: {table.n_battles} battles between {table.n} systems"]
    if isinstance(table, InstanceTable) or hasattr(table, "n_instances_total"):
        lines = [
            f"Table: {source}: {table.n_systems} systems x {table.n_columns} task columns x "
            f"{table.n_instances_total} instances; missing={table.missing_policy!r}"
        ]
        if table.dropped_systems:
            lines.append(_dropped("systems", table.dropped_systems))
        if table.dropped_instances:
            lines.append(f"Dropped instances (missing scores): {len(table.dropped_instances)}")
        return lines
    lines = [
        f"Table: {source}: {table.n_systems} systems x {table.n_columns} task columns; missing={table.missing_policy!r}"
    ]
    if table.dropped_systems:
        lines.append(_dropped("systems", table.dropped_systems))
    if table.dropped_tasks:
        lines.append(_dropped("tasks", table.dropped_tasks))
    return lines


def _dropped(what: str, names: Sequence[str]) -> str:
    shown = ", ".join(names[:_DROPPED_SHOWN])
    more = len(names) - _DROPPED_SHOWN
    tail = f", ... and {more} more (--format json lists them all)" if more > 0 else ""
    return f"Dropped {what} (missing scores): {len(names)}: {shown}{tail}"


def _describe_diag(res: RankingResult) -> list[str]:
    d = res.diagnostics
    out = []
    cw = d.get("condorcet_winner")
    out.append(f"Condorcet winner: {cw if cw is not None else 'none'}")
    if res.rule == "kemeny":
        if d.get("optimal"):
            status = "proven optimal"
        else:
            gap, score = d.get("gap") or 0.0, d.get("kemeny_score") or 0.0
            rel = f" = {100 * gap / score:.3g}% of the score" if score > 0 else ""
            status = f"not proven optimal: gap {fmt_value(gap)}{rel}, lower bound {fmt_value(d.get('lower_bound'))}"
        uniq = d.get("unique")
        u = "unique" if uniq else ("not unique" if uniq is False else "uniqueness unknown")
        out.append(
            f"Kemeny score: {fmt_value(d.get('kemeny_score'))} ({status}, {u}; method {d.get('method')}, "
            f"{fmt_value(d.get('time_seconds'), 3)} s)"
        )
        pairs = d.get("adjacent_pairs") or ()
        swap = [f"{a} / {b}" for a, b, s in pairs if s == "swappable"]
        unknown = [f"{a} / {b}" for a, b, s in pairs if s == "unknown"]
        if swap or unknown:
            out.append(
                "Tied in the ranks: what the optimal rankings do not agree on (--format json: diagnostics.order, "
                "one optimal ranking; adjacent_pairs)"
            )
        if swap:
            out.append(f"  could swap (some optimal ranking reverses them): {_shortlist(swap)}")
        if unknown:
            out.append(f"  undecided within swap_time_limit: {_shortlist(unknown)}")
        twins = [" = ".join(c) for c in d.get("indistinguishable") or ()]
        if twins:
            out.append(f"  indistinguishable (identical records against everyone): {_shortlist(twins)}")
    if d.get("tie_break"):
        out.append(f"Note: {d['tie_break']}")
    return out


def _shortlist(items: Sequence[str], limit: int = 12) -> str:
    more = len(items) - limit
    return "; ".join(items[:limit]) + (f"; ... and {more} more" if more > 0 else "")


def _level_line(level: str, inner: str | None, outer: str | None, weighting: str | None, pairwise: str) -> list[str]:
    if level == "one":
        text = f"Aggregation: level one, every instance a voter (weighted {weighting})"
    elif level == "two":
        text = f"Aggregation: level two, inner {inner} on each task's instances, outer {outer} on the tasks"
    elif level == "battles":
        text = "Aggregation: pairwise battles"
    else:
        text = ""
    if pairwise != "observed":
        text = (text + "; " if text else "Aggregation: ") + f"pairwise={pairwise} (compatible completions)"
    return [text] if text else []


def _render_ranking(res: RankingResult, table: ScoreTable, args: argparse.Namespace) -> str:
    df = res.to_frame()
    fmt = args.format
    if fmt == "csv":
        return render_frame(df, "csv")
    if fmt == "json":
        payload = {
            "rule": res.rule,
            "params": {k: v for k, v in res.params.items() if k != "rng"},
            "score": res.score_name,
            "score_higher_is_better": res.higher_is_better,
            "missing_policy": res.missing_policy,
            "level": res.level,
            "inner": res.inner,
            "outer": res.outer,
            "instance_weighting": res.instance_weighting,
            "pairwise": res.pairwise,
            "dropped_systems": list(res.dropped_systems),
            "dropped_tasks": list(res.dropped_tasks),
            "tasks": list(res.tasks),
            "atol": res.atol,
            "rtol": res.rtol,
            "diagnostics": _json_diagnostics(res),
            "input": _input_record(table, args),
            "ranking": df.to_dict(orient="records"),
        }
        return json.dumps(_jsonable(payload), indent=2) + "\n"
    better = "higher" if res.higher_is_better else "lower"
    lines = [f"Rule: {res.rule} (score = {res.score_name}, {better} is better)"]
    lines += _header(table, _sources.source_label(args))
    lines += _level_line(res.level, res.inner, res.outer, res.instance_weighting, res.pairwise)
    lines += _describe_diag(res)
    if fmt == "latex":
        return latex_ranking(res, comments=lines)
    if fmt == "markdown":
        return "\n".join(f"{x}  " for x in lines) + "\n\n" + render_frame(df, "markdown")
    return "\n".join(lines) + "\n\n" + render_frame(df, "table")


def _render_comparison(cmp: ComparisonResult, table: ScoreTable, args: argparse.Namespace) -> str:
    ref = cmp.results[cmp.reference]
    ranks = cmp.ranks
    fmt = args.format
    if fmt == "csv":
        df = pd.DataFrame({"system": list(ranks.index)})
        df["rank"] = ranks[cmp.reference].to_numpy()
        score_of = dict(zip(ref.systems, ref.scores, strict=True))
        df["score"] = [score_of[s] for s in df["system"]]
        for r in cmp.rules:
            df[f"rank_{r}"] = ranks[r].to_numpy()
        for r in cmp.rules:
            sc = dict(zip(cmp.results[r].systems, cmp.results[r].scores, strict=True))
            df[f"score_{r}"] = [sc[s] for s in df["system"]]
        return render_frame(df, "csv")
    if fmt == "json":
        payload = {
            "reference": cmp.reference,
            "rules": list(cmp.rules),
            "missing_policy": cmp.missing_policy,
            "level": cmp.level,
            "inner": cmp.inner,
            "pairwise": ref.pairwise,
            "dropped_systems": list(getattr(table, "dropped_systems", ())),
            "dropped_tasks": list(getattr(table, "dropped_tasks", ())),
            "systems": [
                {
                    "system": s,
                    "ranks": {r: int(ranks.loc[s, r]) for r in cmp.rules},
                    "scores": {r: float(cmp.results[r].scores[cmp.results[r].systems.index(s)]) for r in cmp.rules},
                }
                for s in ranks.index
            ],
            "agreement_kendall_tau_b": cmp.agreement.to_dict(),
            "top_k": cmp.top_k,
            "top_k_agreement": cmp.top_k_agreement.to_dict(),
            "diagnostics": {r: _json_diagnostics(cmp.results[r]) for r in cmp.rules},
            "disagreements": cmp.disagreements.to_dict(orient="records"),
            "input": _input_record(table, args),
        }
        return json.dumps(_jsonable(payload), indent=2) + "\n"
    md = fmt == "markdown"
    out: list[str] = []
    head = _header(table, _sources.source_label(args))
    head += _level_line(cmp.level, cmp.inner, "each rule", ref.instance_weighting, ref.pairwise)
    if fmt == "latex":
        return latex_comparison(cmp, comments=head, show=getattr(args, "show", 10))
    out += [f"{x}  " if md else x for x in head]
    out.append("")
    out.append(("**Ranks** " if md else "Ranks ") + f"(1 = best; tied systems share a rank), by {cmp.reference}:")
    out.append(render_frame(ranks.reset_index(), "markdown" if md else "table"))
    agree = cmp.agreement.round(3).reset_index(names="rule")
    out.append(("**Agreement** " if md else "Agreement ") + "(Kendall tau-b between consensus rankings):")
    out.append(render_frame(agree, "markdown" if md else "table"))
    out.append(
        f"Pairs ordered opposite to {cmp.reference}: " + ", ".join(f"{r} {n}" for r, n in cmp.n_disagreements().items())
    )
    dis_lines = _disagreement_lines(cmp, limit=getattr(args, "show", 10))
    if md:  # the pairs as a Markdown list, not one run-on paragraph
        dis_lines = [f"- {x.strip()}" if x.startswith("  ") else x for x in dis_lines]
    out += dis_lines
    return "\n".join(out).rstrip("\n") + "\n"


def _disagreement_lines(cmp: ComparisonResult, *, limit: int) -> list[str]:
    pairs = cmp.disagreeing_pairs()
    if not pairs:
        return [f"Every rule agrees with {cmp.reference} on the order of every pair."]
    lines = [f"Where the rules disagree with {cmp.reference} (the pair, and its head-to-head record over tasks):"]
    lines += [f"  {p['sentence']}" for p in pairs[:limit]]
    if len(pairs) > limit:
        lines.append(f"  ... and {len(pairs) - limit} more pairs (--format csv/json has them all)")
    return lines


def _render_bootstrap(res: BootstrapResult, table: ScoreTable, args: argparse.Namespace) -> str:
    df = res.to_frame(top_k=args.top_k)
    fmt = args.format
    if fmt == "csv":
        return render_frame(df, "csv")
    groups = [list(g) for g in res.groups()]
    stability = res.stability()
    mean_tau = float(np.nanmean(stability)) if np.isfinite(stability).any() else float("nan")
    if fmt == "json":
        payload = {
            "rule": res.rule,
            "params": dict(res.params),
            "resample": res.resample,
            "n_units": getattr(res, "n_units", None),
            "note": getattr(res, "note", "") or None,
            "n_resamples": res.n_resamples,
            "n_distinct_resamples": res.n_distinct,
            "confidence": res.confidence,
            "seed": res.seed,
            "missing_policy": res.missing_policy,
            "dropped_systems": list(getattr(table, "dropped_systems", ())),
            "dropped_tasks": list(getattr(table, "dropped_tasks", ())),
            "tasks": list(getattr(table, "labels", ())),
            "atol": args.atol,
            "rtol": args.rtol,
            "mean_kendall_tau_to_full_ranking": mean_tau,
            "groups": groups,
            "input": _input_record(table, args),
            "ranking": df.to_dict(orient="records"),
        }
        return json.dumps(_jsonable(payload), indent=2) + "\n"
    md = fmt == "markdown"
    pct = f"{100 * res.confidence:g}%"
    lines = [
        f"Rule: {res.rule}; bootstrap over {res.resample}: {res.n_resamples} resamples "
        + (
            f"of the {table.n_battles} battles with replacement"
            + (" within each pair" if res.resample == "battles_by_pair" else "")
            + f" ({res.n_distinct} distinct)"
            if res.resample.startswith("battles")
            else f"of the {table.n_columns} task columns with replacement ({res.n_distinct} distinct)"
            if res.resample == "tasks"
            else "(each instance weighted by a Poisson(1) draw)"
            if res.resample == "instances (Poisson)"
            else "(the instances of each task drawn with replacement"
            + (", after drawing the tasks)" if res.resample == "both" else ")")
        )
        + f", seed {res.seed}"
        + (
            f"; level {res.params['level']}" + (f", inner {res.params['inner']}" if res.params.get("inner") else "")
            if res.params.get("level")
            else ""
        ),
        *_header(table, _sources.source_label(args)),
        f"rank_low..rank_high: {pct} percentile interval of the rank; p_top1, p_top{args.top_k}: share of "
        f"resamples ranking the system first, in the top {args.top_k} (a system tied for a place counts as in it)",
        f"Stability: mean Kendall tau-b of a resample's ranking to the full-data ranking {fmt_value(mean_tau, 3)}",
    ]
    note = getattr(res, "note", "")
    if note:
        lines.append(f"Note: {note}")
    if fmt == "latex":
        return latex_bootstrap(res, top_k=args.top_k, comments=lines)
    out = [f"{x}  " if md else x for x in lines]
    out += ["", render_frame(df, "markdown" if md else "table").rstrip("\n"), ""]
    tied = [g for g in groups if len(g) > 1]
    if tied:
        out.append(
            f"Systems that cannot be told apart at {pct} (neither is ranked above the other in {pct} of resamples):"
        )
        out += [f"{'- ' if md else '  '}{' = '.join(g)}" for g in tied]
    else:
        out.append(
            f"Every pair of consecutive systems is told apart at {pct}" + (" (read the note above)." if note else ".")
        )
    return "\n".join(out) + "\n"
