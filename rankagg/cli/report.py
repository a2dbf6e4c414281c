"""``rankagg report FILE -o report.html``: a leaderboard page (or Markdown) with uncertainty and the rules side by side.

Used by :mod:`rankagg.cli`, which passes its own argument groups, loader and
writer (the pattern of :mod:`rankagg._cli_stats`). The report itself is
:mod:`rankagg.report`.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rankagg._errors import RankaggError
from rankagg.cli.sources import source_label

__all__ = ["add_report_command"]

REPORT_FORMATS = ("html", "markdown")


class ReportUsageError(RankaggError):
    """A ``rankagg report`` option that cannot be used as given."""


def add_report_command(
    sub: Any,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    add_output_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> None:
    """``rankagg report FILE``: one self-contained HTML page (or Markdown) for a leaderboard."""
    p = sub.add_parser(
        "report",
        help="a leaderboard page: ranking, rank intervals, the rules side by side, figures (HTML or Markdown)",
        description="One self-contained HTML file that opens from disk with no network access (inline CSS and "
        "SVG figures): the data and settings, the leaderboard under --rule with its bootstrap rank intervals and "
        "P(top 1), the mean and mean rank for contrast and the per-task scores (sortable by clicking a column "
        "header), the rules side by side with the pairs where they disagree with the mean and their head-to-head "
        "record, the figures, and a footer with the rankagg version, the command, the seed and the input's "
        "SHA-256. --format markdown writes the same without figures.",
    )
    add_table_args(p)
    g = p.add_argument_group("report")
    g.add_argument("--rule", default="kemeny", help="rule of the leaderboard (default: kemeny; see `rankagg rules`)")
    g.add_argument(
        "--rules",
        action="append",
        metavar="RULES",
        help="comma-separated rules to compare, the reference first (default: mean,borda,copeland,kemeny or the "
        "substitutes `rankagg compare` uses for the table; --rule is added)",
    )
    g.add_argument("--param", action="append", metavar="KEY=VALUE", help="parameter of --rule, e.g. time_limit=10")
    g.add_argument("-B", "--resamples", type=int, default=1000, help="bootstrap resamples of the tasks (default 1000)")
    g.add_argument("--confidence", type=float, default=0.95, help="level of the rank intervals (default 0.95)")
    g.add_argument("--seed", type=int, help="seed of the bootstrap (default: one is drawn and written in the footer)")
    g.add_argument("--jobs", type=int, default=1, help="worker processes for the bootstrap (-1: all cores)")
    g.add_argument(
        "--top", type=int, default=30, help="figures show the best N systems (default 30; 0: all); the table has all"
    )
    g.add_argument("--show", type=int, default=20, help="pairs disagreeing with the mean to list (default 20)")
    g.add_argument("--no-figures", action="store_true", help="leave the figures out (no matplotlib needed)")
    g = p.add_argument_group("instance-level files")
    g.add_argument(
        "--instance-col",
        default="instance",
        help="long files: instance column; an instance-level file is summarised into one score per system and task "
        "(default: instance; '' reads every file as task-level)",
    )
    g.add_argument(
        "--inner",
        choices=("mean", "median", "sum"),
        default="mean",
        help="instance-level files: statistic of each task's instance scores (default: mean, the classic leaderboard)",
    )
    p.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        default=None,
        help="html (default) or markdown; by default markdown when --output ends in .md",
    )
    p.add_argument("-o", "--output", help="write to this file (e.g. report.html) instead of standard output")
    p.set_defaults(func=lambda args: _cmd_report(args, p, load, emit))


def _check(args: argparse.Namespace) -> None:
    if args.resamples < 1:
        raise ReportUsageError(f"-B/--resamples: give a positive number of resamples, got {args.resamples}.")
    if not 0.0 < args.confidence < 1.0:
        raise ReportUsageError(f"--confidence: must lie strictly between 0 and 1 (e.g. 0.95), got {args.confidence:g}.")
    if args.jobs == 0 or args.jobs < -1:
        raise ReportUsageError(f"--jobs: give a positive number of worker processes, or -1 (got {args.jobs}).")
    if args.top < 0:
        raise ReportUsageError(f"--top: give a number of systems for the figures, or 0 for all (got {args.top}).")
    if args.show < 0:
        raise ReportUsageError(f"--show: give a number of pairs (0 or more), got {args.show}.")


def _params(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in args.param or []:
        for kv in item.split(","):
            if not kv.strip():
                continue
            if "=" not in kv:
                raise ReportUsageError(f"--param: expected KEY=VALUE, e.g. --param time_limit=10; got {kv!r}.")
            k, v = kv.split("=", 1)
            out[k.strip()] = _scalar(v.strip())
    if "rng" in out:
        raise ReportUsageError("--param rng: the report seeds randomised rules itself; use --seed.")
    return out


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _command(parser: argparse.ArgumentParser, args: argparse.Namespace, seed: Any) -> str:
    """The command line that makes this report again: every option that differs from its default, and the seed."""
    words = ["rankagg", "report"]
    for action in parser._actions:
        dest = action.dest
        if dest in ("help", "func", "seed") or not hasattr(args, dest):
            continue
        value = getattr(args, dest)
        if dest == "file":
            value = (getattr(args, "label", None) == "standard input" and "-") or value
        if value is None or value == action.default or value is False:
            continue
        if not action.option_strings:
            words.append(str(value))
            continue
        flag = action.option_strings[-1]
        if value is True:
            words.append(flag)
        elif isinstance(value, list):
            for v in value:
                words += [flag, str(v)]
        else:
            words += [flag, str(value)]
    words += ["--seed", str(seed)]  # last, given or drawn: the same command gives the same footer
    return shlex.join(words)


def _cmd_report(
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> int:
    from rankagg.report import file_sha256, report
    from rankagg.rules import get_rule
    from rankagg.uncertainty.resampling import check_rng

    _check(args)
    get_rule(args.rule)  # an unknown rule is refused before the file is read
    params = _params(args)
    fmt = args.format
    if fmt is None:
        out = str(args.output or "")
        fmt = "markdown" if out.lower().endswith((".md", ".markdown")) else "html"
    table = load(args)
    if args.inner != "mean" and not _is_instances(table):
        raise ReportUsageError("--inner summarises the instances of instance-level files; this file is task-level.")
    rules = None
    if args.rules:
        rules = [r.strip() for item in args.rules for r in item.split(",") if r.strip()]
        if not rules:
            raise ReportUsageError("--rules: give at least one rule, e.g. --rules mean,borda,kemeny.")
    _, seed = check_rng(args.seed)
    path = getattr(args, "stdin_path", None) or args.file
    sha = file_sha256(path) if path and Path(path).is_file() else None
    rep = report(
        table,
        rule=args.rule,
        rules=rules,
        n_resamples=args.resamples,
        confidence=args.confidence,
        atol=args.atol,
        rtol=args.rtol,
        params=params,
        figures=not args.no_figures and fmt == "html",
        top=args.top or None,
        show=args.show,
        n_jobs=args.jobs,
        progress=None,
        source=source_label(args),
        command=_command(parser, args, seed),
        inner=args.inner if _is_instances(table) else "mean",
        rng=seed,
    )
    rep = _with_sha(rep, sha)
    emit(rep.render(fmt), args)
    return 0


def _with_sha(rep: Any, sha: str | None) -> Any:
    import dataclasses

    return dataclasses.replace(rep, input_sha256=sha)


def _is_instances(table: Any) -> bool:
    from rankagg.data.instances import InstanceTable

    return isinstance(table, InstanceTable)
