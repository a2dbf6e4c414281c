"""Command-line interface: ``rankagg demo | rank | compare | bootstrap | robustness | rules``.

Errors in the input end the program with one line on stderr and exit code 2;
an unexpected failure prints one line and exits with 1 (``--traceback`` shows it).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from rankagg._errors import RankaggError
from rankagg._version import __version__
from rankagg.cli import sources as _sources
from rankagg.cli.options import (
    FORMATS,
    PAPER_FORMATS,
    _add_backend_args,
    _add_level_args,
    _add_output_args,
    _add_table_args,
    _emit,
    _load,
    _Parser,
    _uses_dask,
)
from rankagg.uncertainty.names import DEFAULT_RULES, STUDIES

__all__ = ["build_parser", "main"]


# ---------------------------------------------------------------------------- entry point


def _handler(module: str, name: str) -> Any:
    """The command function ``name`` of ``rankagg.cli.<module>``, imported when the command runs (so that
    ``rankagg --help`` and each command load only the stages they use)."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(f"rankagg.cli.{module}"), name)(args)

    run.__name__ = name
    return run


_cmd_demo = _handler("demo", "_cmd_demo")
_cmd_rank = _handler("commands", "_cmd_rank")
_cmd_compare = _handler("commands", "_cmd_compare")
_cmd_bootstrap = _handler("commands", "_cmd_bootstrap")
_cmd_robustness = _handler("commands", "_cmd_robustness")
_cmd_rules = _handler("commands", "_cmd_rules")


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
    _add_backend_args(p)
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
    _add_backend_args(p)
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
    _add_backend_args(p)
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
    from rankagg.cli.stats import add_stats_command

    add_stats_command(sub, _add_table_args, _add_output_args, _load, _emit)
    from rankagg.cli.report import add_report_command

    add_report_command(sub, _add_table_args, _add_output_args, _load, _emit)
    from rankagg.cli.plot import add_plot_command

    add_plot_command(sub, _add_table_args, _add_output_args, _load, _emit)
    from rankagg.cli.arena import add_arena_command

    add_arena_command(sub, _add_table_args, _add_output_args, _load, _emit)
    from rankagg.cli.audit import add_audit_command

    add_audit_command(sub, _add_table_args, _add_output_args, _load, _emit)
    from rankagg.cli.run import add_run_command

    add_run_command(sub, _add_table_args, _add_output_args, _load, _emit)
    from rankagg.cli.probes import add_probes_command

    add_probes_command(sub, _add_table_args, _add_output_args, _load, _emit)
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
        if _uses_dask(args):  # one cluster connection for the whole command (a local cluster is started once)
            from rankagg.distributed.cluster import using_client

            with using_client(args.scheduler) as client:
                args.scheduler = client
                return int(args.func(args))
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
