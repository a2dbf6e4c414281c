"""``rankagg audit FILE``: what a leaderboard's order hides, with ``--fail-on`` for CI.

Used by :mod:`rankagg.cli`, which passes its own argument groups, loader and
writer (the pattern of :mod:`rankagg._cli_stats`). The audit itself is
:func:`rankagg.audit`.

Exit status: 0, or :data:`FAIL_STATUS` (3) when ``--fail-on`` names a
condition that holds; 2 is an input or usage error (as for every command).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from rankagg._errors import RankaggError, did_you_mean
from rankagg._format import render_frame
from rankagg.uncertainty.names import CONDITIONS, MAX_SUBSETS

__all__ = ["FAIL_STATUS", "add_audit_command"]

#: Exit status of ``rankagg audit`` when a ``--fail-on`` condition holds (2 stays "bad input or usage").
FAIL_STATUS = 3


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _parse_params(values: list[str] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in _split(values):
        key, sep, value = item.partition("=")
        if not sep or "." not in key:
            raise RankaggError(f"--param: expected RULE.KEY=VALUE, e.g. kemeny.time_limit=10; got {item!r}.")
        rule, name = key.split(".", 1)
        out.setdefault(rule.strip(), {})[name.strip()] = _scalar(value.strip())
    return out


def _scalar(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def check_conditions(values: list[str] | None) -> list[str]:
    """``--fail-on`` names, checked before any work (one line listing the valid ones otherwise)."""
    names = _split(values)
    for c in names:
        if c not in CONDITIONS:
            raise RankaggError(
                f"--fail-on: unknown condition {c!r}; give one or more of {', '.join(CONDITIONS)} "
                f"(comma-separated).{did_you_mean(c, CONDITIONS)}"
            )
    return names


def add_audit_command(
    sub: Any,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    add_output_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> None:
    """``rankagg audit FILE``: one report of what a leaderboard's order hides."""
    conds = "; ".join(f"{k}: {v}" for k, v in CONDITIONS.items())
    p = sub.add_parser(
        "audit",
        help="what a leaderboard's order hides: tied groups, separable pairs, Condorcet, rule disagreements, "
        "x1000 rescaling, gaming by withholding tasks",
        description="Audit the order of a leaderboard (--rule, default the mean): the groups of systems a bootstrap "
        "of the tasks cannot tell apart at --confidence, how many adjacent pairs are separable, whether the leader "
        "is the Condorcet winner, where the rules (--rules) disagree with it, how far the winner moves when one "
        "task is reported x1000, and the best rank each system could reach by withholding up to --withhold tasks "
        "under the --missing policy (partial: its own scores become missing; drop_tasks: the withheld tasks are "
        "dropped for everyone; raise, drop_systems: not applicable). Exit status 0; with --fail-on, "
        f"{FAIL_STATUS} when a named condition holds (2: bad input).",
        epilog=f"Conditions for --fail-on: {conds}.",
    )
    add_table_args(p)
    g = p.add_argument_group("audit")
    g.add_argument(
        "--rule",
        help="the board's rule, whose order is audited (default: mean, or a substitute the "
        "table needs: zscore_mean for mixed directions, win_rate with --missing partial)",
    )
    g.add_argument(
        "--rules",
        action="append",
        metavar="RULES",
        help="comma-separated rules compared with it "
        "(default: mean,borda,copeland,kemeny or the substitutes the table needs)",
    )
    g.add_argument("-B", "--resamples", type=int, default=1000, help="bootstrap resamples of the tasks (default 1000)")
    g.add_argument("--confidence", type=float, default=0.95, help="level of groups and separability (default 0.95)")
    g.add_argument("--seed", type=int, help="bootstrap seed (default: one is drawn and printed)")
    g.add_argument(
        "--withhold",
        type=int,
        default=1,
        metavar="K",
        help="gaming: each system may withhold up to K of its tasks (default 1; 0 skips)",
    )
    g.add_argument(
        "--withhold-missing",
        choices=("partial", "drop_tasks", "drop_systems", "raise"),
        help="withholding: the missing-score policy a withheld score meets (default: --missing); e.g. audit a "
        "complete table for what a system could gain if the board used partial or drop_tasks",
    )
    g.add_argument(
        "--max-subsets",
        type=int,
        default=MAX_SUBSETS,
        metavar="N",
        help=f"withholding: above N subsets per system, a greedy search (default {MAX_SUBSETS})",
    )
    g.add_argument(
        "--param", action="append", metavar="RULE.KEY=VALUE", help="rule parameter, e.g. kemeny.time_limit=10"
    )
    g.add_argument(
        "--fail-on",
        action="append",
        metavar="CONDITIONS",
        help=f"exit with status {FAIL_STATUS} when one of these comma-separated conditions holds: "
        f"{', '.join(CONDITIONS)}",
    )
    g.add_argument("--show", type=int, default=20, help="systems listed in table/markdown output (default 20)")
    add_output_args(p)
    p.set_defaults(func=lambda args: _cmd_audit(args, load, emit))


def _cmd_audit(
    args: argparse.Namespace,
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> int:
    from rankagg.uncertainty.audit import audit

    fail_on = check_conditions(args.fail_on)
    if args.resamples < 1:
        raise RankaggError(f"-B/--resamples: a positive number of resamples, got {args.resamples}.")
    if not 0.0 < args.confidence < 1.0:
        raise RankaggError(f"--confidence: must lie strictly between 0 and 1 (e.g. 0.95), got {args.confidence:g}.")
    if args.withhold < 0:
        raise RankaggError(f"--withhold: the number of tasks a system may withhold, 0 or more; got {args.withhold}.")
    if args.max_subsets < 1:
        raise RankaggError(f"--max-subsets: a positive number, got {args.max_subsets}.")
    table = load(args)
    from rankagg.data.table import ScoreTable

    if not isinstance(table, ScoreTable):
        raise RankaggError(
            f"audit reads task-level score tables; {getattr(args, 'file', None) or 'the input'} was read as "
            f"{type(table).__name__} (a battle log): rank it with `rankagg bootstrap` or `rankagg compare`."
        )
    res = audit(
        table,
        rule=args.rule,
        rules=_split(args.rules) or None,
        confidence=args.confidence,
        n_boot=args.resamples,
        seed=args.seed,
        k_withhold=args.withhold,
        withhold_missing=args.withhold_missing,
        max_subsets=args.max_subsets,
        atol=args.atol,
        rtol=args.rtol,
        params=_parse_params(args.param),
    )
    fmt = args.format
    if fmt == "json":
        payload = res.to_dict()
        payload["source"] = str(getattr(args, "dataset", None) or args.file)
        payload["fail_on"] = fail_on
        payload["failed"] = res.failing(fail_on)
        import json

        text = json.dumps(payload, indent=2) + "\n"
    elif fmt == "csv":
        text = render_frame(res.to_frame(), "csv")
    else:
        source = str(getattr(args, "dataset", None) or args.file)
        text = f"Source: {source}" + ("  \n" if fmt == "markdown" else "\n")
        text += res.to_text(show=args.show, markdown=fmt == "markdown")
    emit(text, args)
    failed = res.failing(fail_on)
    if failed:
        sys.stderr.write(f"rankagg: audit failed on: {', '.join(failed)} (exit status {FAIL_STATUS})\n")
        return FAIL_STATUS
    return 0
