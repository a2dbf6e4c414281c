"""Command-line interface: ``rankagg demo | rank | compare | bootstrap | robustness | rules | stats | plot``.

Errors in the input end the program with one line on stderr and exit code 2;
an unexpected failure prints one line and exits with 1 (``--traceback`` shows it).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from rankagg import __version__
from rankagg import _cli_sources as _sources
from rankagg._errors import RankaggError
from rankagg._format import fmt_value, latex_bootstrap, latex_comparison, latex_ranking, render_frame
from rankagg.aggregate import aggregate, compare, default_compare_rules
from rankagg.battles import PairwiseProfile
from rankagg.instances import INSTANCE_WEIGHTINGS, InstanceTable
from rankagg.io import read_table
from rankagg.perturb import DEFAULT_RULES, STUDIES, perturbation_studies, summarize_perturbations
from rankagg.results import ComparisonResult, RankingResult
from rankagg.robustness import BootstrapResult, bootstrap
from rankagg.rules import get_rule, list_rules
from rankagg.table import MISSING_POLICIES, ScoreTable

__all__ = ["build_parser", "main"]

FORMATS = ("table", "csv", "json", "markdown")
PAPER_FORMATS = (*FORMATS, "latex")  # rank, compare and bootstrap also write LaTeX (booktabs) tables for papers


class CLIError(RankaggError):
    """A command-line usage error."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        raise CLIError(f"{message} (see `{self.prog} --help`)")


# ---------------------------------------------------------------------------- parsing helpers
def _split_list(values: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _parse_scalar(text: str) -> Any:
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _key_values(values: Sequence[str] | None, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _split_list(values):
        if "=" not in item:
            raise CLIError(f"{option}: expected KEY=VALUE, got {item!r}.")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _add_table_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        nargs="?",
        help="score file: CSV, TSV, Parquet, JSON or JSON lines (long or wide), or a benchmark's output "
        "(see --from); omit it with --dataset",
    )
    g = p.add_argument_group("reading the file")
    g.add_argument(
        "--layout",
        choices=("auto", "long", "wide"),
        default="auto",
        help="long (system, task, score columns) or wide; auto detects a long file",
    )
    g.add_argument(
        "--systems-in",
        choices=("rows", "columns"),
        help="wide files: are systems the rows or the columns? (required for wide files)",
    )
    g.add_argument("--index-col", help="wide files: column holding the row names (default: the first)")
    g.add_argument(
        "--input-format",
        choices=("csv", "tsv", "parquet", "json", "jsonl"),
        help="file format, when the extension does not tell",
    )
    g.add_argument("--system-col", default="system", help="long files: system column (default: system)")
    g.add_argument("--task-col", default="task", help="long files: task column (default: task)")
    g.add_argument("--score-col", default="score", help="long files: score column (default: score)")
    g.add_argument("--metric-col", default="metric", help="long files: metric column, if any (default: metric)")
    g.add_argument(
        "--direction-col",
        default="higher_is_better",
        help="long files: per-row direction column, if any (default: higher_is_better)",
    )
    g = p.add_argument_group("what to rank")
    g.add_argument(
        "--direction", choices=("higher", "lower"), help="direction of every task without one (rankagg never guesses)"
    )
    g.add_argument(
        "--higher-is-better",
        action="append",
        metavar="TASKS",
        help="comma-separated tasks (or patterns) where higher is better",
    )
    g.add_argument(
        "--lower-is-better",
        action="append",
        metavar="TASKS",
        help="comma-separated tasks (or patterns) where lower is better, e.g. perplexity",
    )
    g.add_argument(
        "--metric",
        action="append",
        metavar="TASK=METRIC",
        help="keep one metric for a task (repeatable), or METRIC for every task",
    )
    g.add_argument("--tasks", action="append", metavar="TASKS", help="keep only these tasks (comma-separated)")
    g.add_argument(
        "--where",
        action="append",
        metavar="COLUMN=VALUE",
        help="keep only the rows whose COLUMN holds VALUE, for files that mix settings, e.g. --where constraint=1h "
        "(repeatable; the same column twice keeps either value)",
    )
    g.add_argument("--weights", action="append", metavar="TASK=W", help="task weights, e.g. qa=2,mt=0.5")
    g.add_argument(
        "--include", action="append", metavar="PATTERN", help="keep only systems matching (name or glob; repeatable)"
    )
    g.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERN",
        help="leave out systems matching (name or glob, e.g. '*Human*'; repeatable)",
    )
    g.add_argument(
        "--missing",
        choices=(*MISSING_POLICIES, "drop_instances"),
        default="raise",
        help="missing-score policy (default: raise; drop_instances: instance-level files)",
    )
    g.add_argument(
        "--group",
        type=int,
        metavar="K",
        help="--missing partial: rank only the K-th largest group of systems compared with each other (systems in "
        "different groups share no task or instance; 1 = the largest)",
    )
    g.add_argument("--atol", type=float, default=0.0, help="absolute tie tolerance within a task (default 0)")
    g.add_argument("--rtol", type=float, default=0.0, help="relative tie tolerance within a task (default 0)")
    _sources.add_source_args(p)


def _add_output_args(p: argparse.ArgumentParser, formats: tuple[str, ...] = FORMATS) -> None:
    p.add_argument("--format", choices=formats, default="table", help="output format (default: table)")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")


def _add_level_args(p: argparse.ArgumentParser) -> None:
    """Options for instance-level files and battle logs (``rank`` and ``compare``)."""
    g = p.add_argument_group("instance-level scores and battles")
    g.add_argument(
        "--instance-col",
        default="instance",
        help="long files: instance column; a long file with this column holds instance-level scores "
        "(default: instance; '' reads every file as task-level)",
    )
    g.add_argument(
        "--level",
        choices=("one", "two"),
        help="instance-level files: 'one' pools every instance as a voter (default), 'two' aggregates each task's "
        "instances with --inner, then the tasks with --outer",
    )
    g.add_argument("--inner", metavar="RULE", help="--level two: rule applied to each task's instances (default: mean)")
    g.add_argument("--outer", metavar="RULE", help="--level two: rule applied to the task rankings (default: --rule)")
    g.add_argument("--inner-param", action="append", metavar="KEY=VALUE", help="--level two: inner rule parameter")
    g.add_argument(
        "--instance-weighting",
        choices=INSTANCE_WEIGHTINGS,
        help="--level one: per_task (default; each task weighs its weight, shared by its instances) or uniform "
        "(each instance weighs its task's weight)",
    )
    g.add_argument(
        "--pairwise",
        choices=("observed", "expected"),
        default="observed",
        help="pairwise matrix of partial rankings: a voter counts for the pairs it ranks (observed, default) or for "
        "every pair, by the probability of each order over its compatible completions (expected; Himmi et al. 2024)",
    )
    g.add_argument(
        "--max-memory",
        type=float,
        metavar="MIB",
        help="instance-level files: working memory bound of the chunked passes in MiB (default 256)",
    )


def _level_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    inner_params = {k: _parse_scalar(v) for k, v in _key_values(args.inner_param, "--inner-param").items()}
    if args.max_memory is not None and not args.max_memory > 0:
        raise CLIError(f"--max-memory: give a positive number of MiB, got {args.max_memory:g}.")
    return {
        "level": args.level,
        "inner": args.inner,
        "inner_params": inner_params or None,
        "instance_weighting": args.instance_weighting,
        "pairwise": args.pairwise,
        "max_memory": None if args.max_memory is None else int(args.max_memory * 2**20),
    }


def _where(args: argparse.Namespace) -> dict[str, list[str]] | None:
    out: dict[str, list[str]] = {}
    for item in getattr(args, "where", None) or []:
        col, sep, value = item.partition("=")
        if not sep or not col.strip():
            raise CLIError(f"--where: expected COLUMN=VALUE, e.g. --where constraint=1h; got {item!r}.")
        out.setdefault(col.strip(), []).append(value.strip())
    return out or None


def _directions(args: argparse.Namespace) -> bool | dict[str, bool] | None:
    up = _split_list(args.higher_is_better)
    down = _split_list(args.lower_is_better)
    clash = sorted(set(up) & set(down))
    if clash:
        raise CLIError(f"--higher-is-better and --lower-is-better both name {clash[0]!r}; give one direction.")
    if not up and not down:
        return None if args.direction is None else args.direction == "higher"
    mapping: dict[str, bool] = {t: True for t in up}
    mapping.update({t: False for t in down})
    if args.direction is not None:
        mapping["*"] = args.direction == "higher"
    return mapping


def _load(args: argparse.Namespace) -> Any:
    """The input: a ScoreTable; with ``rank`` / ``compare`` also an InstanceTable or a PairwiseProfile."""
    levels = hasattr(args, "instance_col")  # rank and compare read instance-level files and battle logs
    if args.file == "-":
        args.file = _stdin_to_file(args)
    kind = _sources.source_kind(args)
    if kind == "battles":
        return _sources.load_battles(args)
    table = _load_table(args, kind, levels)
    _note_dropped(table)
    if getattr(args, "group", None) is not None:
        table = _select_group(table, args.group)
    return table


def _select_group(table: Any, k: int) -> Any:
    """``--group K``: keep the K-th largest group of systems compared with each other (said on stderr)."""
    from rankagg.table import comparison_groups, select_group

    groups = comparison_groups(table)
    if not 1 <= k <= len(groups):
        raise CLIError(f"--group {k}: the systems form {len(groups)} group(s); give a number from 1 to {len(groups)}.")
    if len(groups) > 1:
        left = sum(len(g) for g in groups) - len(groups[k - 1])
        sys.stderr.write(
            f"rankagg: note: --group {k}: ranking {len(groups[k - 1])} systems compared with each other; "
            f"{left} systems of the other {len(groups) - 1} group(s) left out\n"
        )
    return select_group(table, groups[k - 1])


def _stdin_to_file(args: argparse.Namespace) -> str:
    """``FILE`` given as ``-``: standard input, kept in a temporary file (the readers look at a file more than once)."""
    import atexit
    import shutil
    import tempfile

    from rankagg.io.pairwise import content_format

    data = sys.stdin.buffer.read()
    if not data.strip():
        raise CLIError("FILE '-': standard input is empty; pipe a score file into rankagg, or give its path.")
    folder = tempfile.mkdtemp(prefix="rankagg-stdin-")
    atexit.register(shutil.rmtree, folder, True)
    path = Path(folder) / "stdin"
    path.write_bytes(data)
    fmt = args.input_format or content_format(path)
    if fmt is None:
        raise CLIError("FILE '-': cannot tell the format of standard input; pass --input-format csv|tsv|json|jsonl.")
    named = path.with_name(f"stdin.{fmt}")
    path.rename(named)
    args.label = "standard input"
    args.stdin_path = str(named)
    return str(named)


def _note_dropped(table: Any) -> None:
    """Say on stderr what the missing-score policy dropped, whatever the output format."""
    policy = getattr(table, "missing_policy", None)
    for what, names in (
        ("systems", getattr(table, "dropped_systems", ())),
        ("tasks", getattr(table, "dropped_tasks", ())),
    ):
        if names:
            names = list(names)
            more = len(names) - _DROPPED_SHOWN
            shown = ", ".join(names[:_DROPPED_SHOWN]) + (
                f", ... and {more} more (--format json lists them all)" if more > 0 else ""
            )
            noun = what if len(names) > 1 else what[:-1]
            text = f"--missing {policy} dropped {len(names)} {noun} with missing scores: {shown}"
            sys.stderr.write(f"rankagg: note: {text}\n")
    inst = getattr(table, "dropped_instances", ())
    if inst:
        sys.stderr.write(
            f"rankagg: note: --missing {policy} dropped {len(inst)} instances that some system has no score on "
            "(--format json lists them)\n"
        )


def _load_table(args: argparse.Namespace, kind: str, levels: bool) -> Any:
    metric_items = _split_list(args.metric)
    metrics: str | dict[str, str] | None
    if not metric_items:
        metrics = None
    elif len(metric_items) == 1 and "=" not in metric_items[0]:
        metrics = metric_items[0]
    else:
        metrics = _key_values(args.metric, "--metric")
    weights_kv = _key_values(args.weights, "--weights")
    weights: dict[str, float] | None = None
    if weights_kv:
        weights = {}
        for k, v in weights_kv.items():
            try:
                weights[k] = float(v)
            except ValueError:
                raise CLIError(f"--weights: the weight of {k!r} is {v!r}, not a number.") from None
    tasks = _split_list(args.tasks) or None
    where = _where(args)
    if where and kind not in ("table", "battles"):
        raise CLIError(
            f"--where selects rows of a table file (CSV, TSV, Parquet, JSON); this source is read as {kind}: "
            "select with --tasks, --include or --exclude."
        )
    if levels and kind == "table" and not _sources.wide_options(args):
        inst = _sources.load_instances(
            args,
            higher_is_better=_directions(args),
            metrics=metrics,
            tasks=tasks,
            weights=weights,
            missing=args.missing,
        )
        if inst is not None:
            return inst
    if args.missing == "drop_instances":
        raise CLIError(
            "--missing drop_instances is for instance-level files (a long file with an instance column, "
            "--instance-col); this file is task-level: use drop_systems, drop_tasks or partial."
        )
    if kind != "table" or _sources.wide_options(args):
        return _sources.load_source(
            args,
            kind,
            higher_is_better=_directions(args),
            metrics=metrics,
            tasks=tasks,
            weights=weights,
            missing=args.missing,
        )
    return read_table(
        args.file,
        layout=args.layout,
        format=args.input_format,
        systems_in=args.systems_in,
        index_col=args.index_col,
        system=args.system_col,
        task=args.task_col,
        score=args.score_col,
        metric=args.metric_col if args.metric_col else None,
        direction=args.direction_col if args.direction_col else None,
        higher_is_better=_directions(args),
        metrics=metrics,
        tasks=tasks,
        weights=weights,
        include=args.include,
        exclude=args.exclude,
        missing=args.missing,
        where=where,
    )


def _rule_params(args: argparse.Namespace, rule: str) -> dict[str, Any]:
    info = get_rule(rule)
    params = {k: _parse_scalar(v) for k, v in _key_values(args.param, "--param").items()}
    if getattr(args, "seed", None) is not None and "rng" in info.params:
        params["rng"] = args.seed
    return params


def _emit(text: str, args: argparse.Namespace) -> None:
    if getattr(args, "output", None):
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CLIError(
                f"--output: cannot write {str(args.output)!r} ({exc.strerror or exc}); give a path in an existing, "
                "writable folder."
            ) from None
    else:
        sys.stdout.write(text)


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
        if isinstance(table, InstanceTable):
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
    if isinstance(table, InstanceTable):
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


_DROPPED_SHOWN = 12  # names listed in the text header; --format json lists them all


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
    dis = cmp.disagreements
    if not len(dis):
        return [f"Every rule agrees with {cmp.reference} on the order of every pair."]
    grouped = dis.groupby(["above_in_reference", "below_in_reference"], sort=False)
    lines = [f"Where the rules disagree with {cmp.reference} (the pair, and its head-to-head record over tasks):"]
    ref = cmp.results[cmp.reference]
    rank = {s: int(r) for s, r in zip(ref.systems, ref.ranks, strict=True)}
    pairs = sorted(grouped, key=lambda kv: (rank[kv[0][0]], rank[kv[0][1]]))
    for shown, ((a, b), g) in enumerate(pairs):
        if shown >= limit:
            lines.append(f"  ... and {len(pairs) - shown} more pairs (--format csv/json has them all)")
            break
        row = g.iloc[0]
        won_a, won_b, tied = row["tasks_won_by_reference_top"], row["tasks_won_by_rule_top"], row["tasks_tied"]
        total = won_a + won_b + tied
        tie_txt = f", {fmt_value(tied)} tied" if tied else ""
        lines.append(
            f"  {cmp.reference} puts {a} above {b}; {', '.join(g['rule'])} put {b} above: "
            f"{b} wins {fmt_value(won_b)} of {fmt_value(total)} tasks against {a}{tie_txt}"
        )
    return lines


# ---------------------------------------------------------------------------- commands
def _cmd_rank(args: argparse.Namespace) -> int:
    table = _load(args)
    default = "bradley_terry" if isinstance(table, PairwiseProfile) else "borda"
    rule = args.outer or args.rule or default
    if args.outer and args.rule and get_rule(args.outer).name != get_rule(args.rule).name:
        raise CLIError(
            f"--rule {args.rule} and --outer {args.outer}: with --level two the rule is the outer rule; give one."
        )
    res = aggregate(table, rule=rule, atol=args.atol, rtol=args.rtol, **_level_kwargs(args), **_rule_params(args, rule))
    _emit(_render_ranking(res, table, args), args)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    table = _load(args)
    if args.outer:
        raise CLIError("--outer: with compare, the compared rules (--rules) are the outer rules.")
    if args.rules is None:
        defaults, why = default_compare_rules(table)
        rules = list(defaults)
        if why:
            sys.stderr.write(
                f"rankagg: note: comparing {','.join(rules)} ({why}); choose with --rules and --reference\n"
            )
    else:
        rules = _split_list(args.rules)
    if not rules:
        raise CLIError("--rules: give at least one rule, e.g. --rules mean,borda,kemeny.")
    if args.reference is None:
        args.reference = rules[0]
    params: dict[str, dict[str, Any]] = {}
    for k, v in _key_values(args.param, "--param").items():
        if "." not in k:
            raise CLIError(f"--param: with compare, name the rule: RULE.PARAM=VALUE (got {k!r}).")
        rname, pname = k.split(".", 1)
        params.setdefault(rname, {})[pname] = _parse_scalar(v)
    if args.seed is not None:
        for r in [args.reference, *rules]:
            info = get_rule(r)
            if "rng" in info.params:
                params.setdefault(info.name, {}).setdefault("rng", args.seed)
    cmp = compare(
        table,
        rules,
        reference=args.reference,
        top_k=args.top_k,
        atol=args.atol,
        rtol=args.rtol,
        params=params,
        **_level_kwargs(args),
    )
    _emit(_render_comparison(cmp, table, args), args)
    return 0


def _per_rule_params(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    params: dict[str, dict[str, Any]] = {}
    for k, v in _key_values(args.param, "--param").items():
        if "." not in k:
            raise CLIError(f"--param: name the rule: RULE.PARAM=VALUE, e.g. kemeny.time_limit=10 (got {k!r}).")
        rname, pname = k.split(".", 1)
        params.setdefault(rname, {})[pname] = _parse_scalar(v)
    return params


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


def _cmd_bootstrap(args: argparse.Namespace) -> int:
    if args.resamples < 1:
        raise CLIError(f"-B/--resamples: the number of resamples must be a positive integer, got {args.resamples}.")
    if not 0.0 < args.confidence < 1.0:
        raise CLIError(f"--confidence: must lie strictly between 0 and 1 (e.g. 0.95), got {args.confidence:g}.")
    if args.jobs == 0 or args.jobs < -1:
        raise CLIError(f"--jobs: give a positive number of worker processes, or -1 for all cores (got {args.jobs}).")
    if args.top_k < 1:
        raise CLIError(f"--top-k: must be a positive integer, got {args.top_k}.")
    params = {k: _parse_scalar(v) for k, v in _key_values(args.param, "--param").items()}
    if "rng" in params:
        raise CLIError("--param rng: the bootstrap seeds randomised rules itself; use --seed.")
    if args.rule:
        get_rule(args.rule)
    table = _load(args)
    battles = isinstance(table, PairwiseProfile)  # a battle log: resample the battles, a pairwise rule by default
    args.rule = args.rule or ("bradley_terry" if battles else "borda")
    from rankagg.instances import InstanceTable

    level_kw: dict[str, Any] = {}
    if isinstance(table, InstanceTable):
        lk = _level_kwargs(args)
        level_kw = {k: lk[k] for k in ("level", "inner", "inner_params", "instance_weighting") if lk[k] is not None}
        if args.outer is not None:
            level_kw["outer"] = args.outer
    with _sources.notes_to_stderr():  # e.g. battle resamples drawn again
        res = bootstrap(
            table,
            args.rule,
            resample=args.resample,
            **level_kw,
            n_resamples=args.resamples,
            confidence=args.confidence,
            atol=args.atol,
            rtol=args.rtol,
            n_jobs=args.jobs,
            progress=args.progress,
            rng=args.seed,
            **params,
        )
    _emit(_render_bootstrap(res, table, args), args)
    return 0


def _cmd_robustness(args: argparse.Namespace) -> int:
    rules: list[str] | None = _split_list(args.rules) or None
    studies = _split_list(args.studies) or list(STUDIES)
    if args.draws < 1:
        raise CLIError(f"--draws: the number of random draws must be a positive integer, got {args.draws}.")
    for r in rules or []:
        get_rule(r)
    table = _load(args)
    studies_of = perturbation_studies
    if isinstance(table, PairwiseProfile):  # a battle log: the studies that apply to battles
        rules, studies, studies_of = _sources.battle_studies(args)
    elif isinstance(table, InstanceTable):
        inner = args.inner or "mean"
        sys.stderr.write(
            f"rankagg: note: the perturbation studies perturb task-level scores: each task's instance scores are "
            f"summarised by their {inner} (--inner), one score per system and task column; for uncertainty over "
            "the instances use `rankagg bootstrap --resample instances`\n"
        )
        table = table.task_table(inner)
        args.inner_used = inner
    elif args.inner is not None:
        raise CLIError("--inner summarises the instances of instance-level files; this file is task-level.")
    df = studies_of(
        table,
        rules=rules,
        studies=studies,
        n_draws=args.draws,
        atol=args.atol,
        rtol=args.rtol,
        params=_per_rule_params(args),
        rng=args.seed,
        **({"progress": args.progress} if studies_of is perturbation_studies else {}),
    )
    seed = df.attrs.get("seed", args.seed)
    complete = df.attrs.get("complete", True)
    rules = list(dict.fromkeys(df["rule"])) if len(df) else list(rules or [])
    if args.rules is None and studies_of is perturbation_studies and len(df):
        sys.stderr.write(f"rankagg: note: rules {','.join(rules)} (the defaults that can rank this table; --rules)\n")
    fmt = args.format
    if fmt == "csv":
        text = render_frame(df, "csv")
    elif fmt == "json":
        payload = {
            "rules": [get_rule(r).name for r in rules],
            "studies": list(dict.fromkeys(df["study"])),
            "n_draws": args.draws,
            "seed": seed,
            "complete": complete,
            "missing_policy": getattr(table, "missing_policy", None),
            "dropped_systems": list(getattr(table, "dropped_systems", ())),
            "dropped_tasks": list(getattr(table, "dropped_tasks", ())),
            "input": _input_record(table, args),
            "instances_summarised_by": getattr(args, "inner_used", None),
            "rows": [
                {k: (None if v is pd.NA else v) for k, v in row.items()}
                for row in df.astype(object).where(df.notna(), None).to_dict(orient="records")
            ],
        }
        text = json.dumps(_jsonable(payload), indent=2) + "\n"
    else:
        md = fmt == "markdown"
        summary = summarize_perturbations(df)
        lines = [
            *_header(table, _sources.source_label(args)),
            f"Perturbation studies ({args.draws} draws per setting of the random ones, seed {seed}); each row "
            "averages the draws: Kendall tau-b to the rule's full-data ranking, share of draws changing the winner, "
            "pairs flipped (--format csv has every draw)",
        ]
        text = "\n".join(f"{x}  " if md else x for x in lines) + "\n\n" + render_frame(summary, fmt)
    _emit(text, args)
    return 0 if complete else 130


def _cmd_rules(args: argparse.Namespace) -> int:
    df = list_rules().reset_index()
    if args.format == "json":
        _emit(json.dumps(_jsonable(df.to_dict(orient="records")), indent=2) + "\n", args)
    elif args.format == "table":
        cols = ["rule", "family", "partial_ok", "pairwise_ok", "condorcet_consistent", "rank_only", "pareto", "summary"]
        _emit(render_frame(df[cols], "table"), args)
    else:
        _emit(render_frame(df, args.format), args)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from rankagg.datasets import EXAMPLES, example_frame, load_example

    table = load_example("toy")
    rules = ["mean", "zscore_mean", "borda", "win_rate", "copeland", "schulze", "kemeny"]
    cmp = compare(table, rules, reference="mean")
    out: list[str] = []
    out.append("rankagg demo: the whole pipeline on a built-in example")
    out.append("")
    out.append("toy: " + EXAMPLES["toy"])
    out.append("Scores (every task higher-is-better):")
    wide = table.to_wide().reset_index()
    out.append(render_frame(wide, "table"))
    out.append("Consensus ranks under several rules (1 = best; tied systems share a rank):")
    out.append(render_frame(cmp.ranks.reset_index(), "table"))
    agree = ", ".join(f"{r} {cmp.agreement.loc['mean', r]:.2f}" for r in cmp.rules if r != "mean")
    out.append(f"Kendall tau-b with the mean: {agree}")
    out.append("")
    out += _disagreement_lines(cmp, limit=10)
    km = cmp.results["kemeny"]
    out.append("")
    out.append("Kemeny consensus: " + " > ".join(km.ranking))
    out += ["  " + x for x in _describe_diag(km)]
    # the scale attack: the same results, with 'code' reported as a fraction instead of a percentage
    df = example_frame("toy")
    df.loc[df["task"] == "code", "score"] = df.loc[df["task"] == "code", "score"] / 100.0
    rescaled = ScoreTable.from_long(df)
    before = {r: cmp.results[r].winners for r in ("mean", "borda", "kemeny")}
    after = {r: aggregate(rescaled, rule=r).winners for r in ("mean", "borda", "kemeny")}
    out.append("")
    out.append("Report 'code' as a fraction (x 0.01) instead of a percentage, same results:")
    for r in before:
        moved = "changes" if before[r] != after[r] else "stays"
        out.append(f"  {r:<7} winner {moved}: {', '.join(before[r])} -> {', '.join(after[r])}")
    # how sure: the Kemeny ranking over resamples of the tasks
    boot = bootstrap(table, "kemeny", n_resamples=1000, rng=0)
    frame = boot.to_frame(top_k=3)
    out.append("")
    out.append(
        f"How sure is the Kemeny ranking? Resampling the {table.n_columns} tasks with replacement, 1000 times "
        "(seed 0): 95% interval of each system's rank, share of resamples ranking it first"
    )
    out.append(render_frame(frame[["system", "rank", "rank_low", "rank_high", "p_top1"]], "table").rstrip("\n"))
    tied = [" = ".join(g) for g in boot.groups() if len(g) > 1]
    out.append(
        "Cannot be told apart at 95%: "
        + ("; ".join(tied) if tied else "none")
        + f". With {table.n_columns} tasks the intervals are wide: a benchmark's task set is a small sample."
    )
    out.append("")
    out.append(
        "Next: `rankagg rank FILE --rule kemeny`, `rankagg compare FILE --rules mean,borda,kemeny`, "
        "`rankagg bootstrap FILE --rule kemeny --seed 0`, `rankagg rules`."
    )
    _emit("\n".join(out) + "\n", args)
    return 0


# ---------------------------------------------------------------------------- entry point
def build_parser() -> argparse.ArgumentParser:
    """The ``rankagg`` argument parser."""
    parser = _Parser(
        prog="rankagg",
        description="Rank systems from benchmark results with social-choice rules, side by side with the mean.",
    )
    parser.add_argument("--version", action="version", version=f"rankagg {__version__}")
    parser.add_argument("--traceback", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("demo", help="run the whole pipeline on a built-in example")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("rank", help="rank the systems of a score file with one rule")
    _add_table_args(p)
    _add_level_args(p)
    p.add_argument(
        "--rule", default=None, help="rule name (see `rankagg rules`; default: borda, bradley_terry for battle logs)"
    )
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="rule parameter, e.g. time_limit=10")
    p.add_argument("--seed", type=int, help="random seed for rules that use randomness")
    _add_output_args(p, PAPER_FORMATS)
    p.set_defaults(func=_cmd_rank)

    p = sub.add_parser("compare", help="rank with several rules and show where they disagree with the mean")
    _add_table_args(p)
    _add_level_args(p)
    p.add_argument(
        "--rules",
        action="append",
        default=None,
        metavar="RULES",
        help="comma-separated rules (default: mean,borda,copeland,kemeny; on battle logs, tables with mixed "
        "directions or kept missing scores, substitutes that work there, said on stderr)",
    )
    p.add_argument("--reference", default=None, help="rule the others are compared with (default: the first rule)")
    p.add_argument("--top-k", type=int, help="k for top-k agreement (default: 3)")
    p.add_argument("--show", type=int, default=10, help="disagreeing pairs to print in table format (default 10)")
    p.add_argument(
        "--param", action="append", metavar="RULE.KEY=VALUE", help="rule parameter, e.g. kemeny.time_limit=10"
    )
    p.add_argument("--seed", type=int, help="random seed for rules that use randomness")
    _add_output_args(p, PAPER_FORMATS)
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser(
        "bootstrap",
        help="how sure is a ranking: rank intervals and P(top 1) from resampling the tasks",
        description="Resample the tasks with replacement, rank each resample with the rule, and report each "
        "system's rank interval, P(top 1) and P(top k), and the groups of systems that cannot be told apart.",
    )
    _add_table_args(p)
    _add_level_args(p)
    p.add_argument(
        "--rule", default=None, help="rule name (see `rankagg rules`; default: borda, bradley_terry for battle logs)"
    )
    p.add_argument(
        "--resample",
        default=None,
        help="what to resample with replacement: tasks (default for task-level files); instance-level files: "
        "instances (stratified by task; default with fewer than 5 task columns), both (tasks, then their instances; "
        "default otherwise) or seeds (instances that are seeds or folds); battle logs: battles (default) or "
        "battles_by_pair (each pair keeps its number of battles). A unit that cannot vary is refused",
    )
    p.add_argument("-B", "--resamples", type=int, default=1000, help="number of resamples (default 1000)")
    p.add_argument("--confidence", type=float, default=0.95, help="level of the rank intervals (default 0.95)")
    p.add_argument("--top-k", type=int, default=3, help="also report P(top k) (default 3)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for rules solved per resample (-1: all)")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only on a terminal, for runs longer than 2 s)",
    )
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="rule parameter, e.g. time_limit=10")
    p.add_argument("--seed", type=int, help="random seed (resamples, and randomised rules)")
    _add_output_args(p, PAPER_FORMATS)
    p.set_defaults(func=_cmd_bootstrap)

    p = sub.add_parser(
        "robustness",
        help="perturbation studies: rescaling, noise, removing tasks or systems, clones, missing scores",
        description="Perturb the table in several ways and measure how far each rule's ranking moves (Kendall "
        "tau-b to its full-data ranking, winner changes, flipped pairs). One row per rule, setting and draw.",
    )
    _add_table_args(p)
    p.add_argument(
        "--rules",
        action="append",
        metavar="RULES",
        help=f"comma-separated rules (default: {','.join(DEFAULT_RULES)}, those that can rank the table)",
    )
    p.add_argument(
        "--studies",
        action="append",
        metavar="STUDIES",
        help=f"comma-separated studies among {', '.join(STUDIES)} (default: all)",
    )
    g = p.add_argument_group("instance-level files")
    g.add_argument(
        "--instance-col",
        default="instance",
        help="long files: instance column; an instance-level file is summarised into one score per system and task "
        "before the studies (default: instance)",
    )
    g.add_argument(
        "--inner",
        choices=("mean", "median", "sum"),
        help="instance-level files: statistic of each task's instance scores (default: mean, the classic leaderboard)",
    )
    p.add_argument("--draws", type=int, default=20, help="random draws per setting (default 20)")
    p.add_argument(
        "--seed", type=int, help="random seed (default: one is drawn and printed, so the run can be repeated)"
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress with elapsed time and time left on stderr (default: only on a terminal, for runs over 2 s); "
        "Ctrl-C writes the rows finished and exits with status 130",
    )
    p.add_argument(
        "--param", action="append", metavar="RULE.KEY=VALUE", help="rule parameter, e.g. kemeny.time_limit=10"
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="csv (default) or json: every row; table or markdown: averages over the draws",
    )
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.set_defaults(func=_cmd_robustness)

    p = sub.add_parser("rules", help="list the registered rules and their properties")
    _add_output_args(p)
    p.set_defaults(func=_cmd_rules)

    _sources.add_datasets_command(sub, _add_output_args, _emit)
    from rankagg._cli_stats import add_stats_command

    add_stats_command(sub, _add_table_args, _add_output_args, _load, _emit)
    from rankagg._cli_report import add_report_command

    add_report_command(sub, _add_table_args, _add_output_args, _load, _emit)
    from rankagg._cli_plot import add_plot_command

    add_plot_command(sub, _add_table_args, _add_output_args, _load, _emit)
    return parser


def _show_warning(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
    """Warnings as one line on stderr: ``rankagg: note: ...`` (what a reader left out) or ``rankagg: warning: ...``."""
    from rankagg.io import DataNoteWarning

    kind = "note" if issubclass(category, DataNoteWarning) else "warning"
    sys.stderr.write(f"rankagg: {kind}: {' '.join(str(message).split())}\n")


def _run(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except RankaggError as exc:
        temp = getattr(args, "stdin_path", None)
        if temp is None or temp not in str(exc):
            raise
        raise type(exc)(str(exc).replace(temp, "standard input")) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    traceback = "--traceback" in argv
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return _run(parser, argv)
    except (RankaggError, OSError) as exc:
        if traceback:
            raise
        msg = " ".join(str(exc).split())
        sys.stderr.write(f"rankagg: error: {msg}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("rankagg: interrupted\n")
        return 130
    except Exception as exc:  # pragma: no cover - last resort, still one line
        if traceback:
            raise
        msg = " ".join(str(exc).split())
        sys.stderr.write(f"rankagg: internal error: {type(exc).__name__}: {msg} (rerun with --traceback)\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
