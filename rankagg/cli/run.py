"""``rankagg run SPEC``: build the leaderboard a spec file describes (:mod:`rankagg.cli.spec`).

Used by :mod:`rankagg.cli`, which passes its own argument groups, loader and
writer (the pattern of :mod:`rankagg._cli_stats`). The spec's reading options
are turned into the command line's own table arguments
(:meth:`rankagg.cli.spec.LeaderboardSpec.cli_args`) and read by the same loader as
``rankagg rank``, so a spec reads a file exactly as the command line does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rankagg._format import render_frame

if TYPE_CHECKING:
    from rankagg.cli.spec import LeaderboardSpec
    from rankagg.data.table import ScoreTable

__all__ = ["add_run_command", "board_frame"]


def add_run_command(
    sub: Any,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    add_output_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> None:
    """``rankagg run SPEC``: the board of a leaderboard spec file (TOML, JSON, or YAML with pyyaml)."""
    p = sub.add_parser(
        "run",
        help="build the leaderboard a spec file describes (TOML, JSON, YAML): ranks under the rules, rank intervals",
        description="Read a leaderboard spec (input files and how to read them, tasks with metric, direction and "
        "weight, include/exclude, missing policy, rules, bootstrap, output; see the README) and print the board: "
        "each system's rank under every rule, its score under the reference rule and its bootstrap rank interval. "
        "--format and --output override the spec's [output].",
    )
    p.add_argument("spec", help="the spec file: .toml, .json, or .yaml/.yml (needs pyyaml)")
    p.add_argument(
        "--format",
        choices=("table", "csv", "json", "markdown", "html"),
        help="output format (default: the spec's); html: the leaderboard page of `rankagg report`, written to -o",
    )
    p.add_argument("-o", "--output", help="write to this file (default: the spec's output.path, else standard output)")
    p.set_defaults(func=lambda args: _cmd_run(args, add_table_args, load, emit))


def _table_namespace(
    spec: LeaderboardSpec, path: str | None, add_table_args: Callable[[argparse.ArgumentParser], None]
) -> argparse.Namespace:
    """The spec's reading options parsed by the command line's own table arguments."""
    from rankagg.cli.spec import SpecError

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> Any:  # a spec value the command line refuses: one line
            raise SpecError(f"spec: {message}")

    parser = _Parser(prog="rankagg run", add_help=False)
    add_table_args(parser)
    return parser.parse_args(spec.cli_args(path))


def _load_table(
    spec: LeaderboardSpec,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
) -> tuple[ScoreTable, str]:
    from rankagg.cli.spec import SpecError
    from rankagg.data.table import ScoreTable

    paths = spec.input.paths
    if len(paths) <= 1:
        args = _table_namespace(spec, None, add_table_args)
        table = load(args)
        if spec.input.dataset:
            label = f"dataset {spec.input.dataset}"
        else:
            label = f"example {spec.input.example}" if spec.input.example else str(args.file)
    else:
        # several files: each read with the same options, keeping every score (missing='partial', no system
        # filter), then one table built from all their scores, where include/exclude and the policy apply
        frames = []
        for path in paths:
            one = spec.model_copy(update={"missing": "partial", "include": None, "exclude": None, "group": None})
            t = load(_table_namespace(one, path, add_table_args))
            long = t.to_long()
            frames.append(long[long["score"].notna()])
        frame = pd.concat(frames, ignore_index=True)
        table = ScoreTable.from_long(
            frame,
            include=spec.include,
            exclude=spec.exclude,
            missing=spec.missing,  # type: ignore[arg-type]
        )
        for what, names in (("systems", table.dropped_systems), ("tasks", table.dropped_tasks)):
            if names:
                sys.stderr.write(
                    f"rankagg: note: missing={spec.missing!r} dropped {len(names)} {what} with missing scores: "
                    f"{', '.join(list(names)[:12])}{' ...' if len(names) > 12 else ''}\n"
                )
        label = f"{len(paths)} files"
    if not isinstance(table, ScoreTable):
        raise SpecError(
            f"spec: input: {label} was read as {type(table).__name__}; a leaderboard spec ranks task-level score "
            "tables (instance-level files: `rankagg rank --level`; battle logs: `rankagg rank --rule bradley_terry`)."
        )
    return table, label


def board_frame(cmp: Any, boot: Any) -> pd.DataFrame:
    """One row per system in the reference's order: ranks under every rule, the reference's score, the interval."""
    ref = cmp.reference
    ranks = cmp.ranks
    res = cmp.results[ref]
    score = dict(zip(res.systems, res.scores, strict=True))
    df = pd.DataFrame({"system": list(ranks.index), "rank": ranks[ref].to_numpy()})
    df[res.score_name if res.score_name not in df else f"{ref}_score"] = [score[s] for s in df["system"]]
    for r in cmp.rules:
        if r != ref:
            df[f"rank_{r}"] = ranks[r].to_numpy()
    if boot is not None:  # the interval of the bootstrapped rule's rank: its columns say which rule when not the order
        b = boot.to_frame(top_k=1).set_index("system")
        pre = "" if boot.rule == ref else f"{boot.rule}_"
        for col in ("rank_low", "rank_high", "p_top1"):
            df[pre + col] = b.loc[df["system"], col].to_numpy()
    return df


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def _cmd_run(
    args: argparse.Namespace,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> int:
    from rankagg.aggregation.aggregate import compare, default_compare_rules
    from rankagg.cli.spec import load_spec  # pydantic is imported by `rankagg run` only, not by `rankagg --help`
    from rankagg.rules import get_rule
    from rankagg.uncertainty.bootstrap import bootstrap

    spec = load_spec(args.spec)
    table, label = _load_table(spec, add_table_args, load)
    fmt = args.format or spec.output.format
    out_path = args.output or (spec.resolve(spec.output.path) if spec.output.path else None)
    if fmt == "html":
        return _page(spec, table, label, out_path, args)
    rules = list(spec.rules) if spec.rules else list(default_compare_rules(table)[0])
    reference = spec.reference or rules[0]
    cmp = compare(table, rules, reference=reference, params=spec.params, atol=spec.atol, rtol=spec.rtol)
    bs = spec.bootstrap
    boot = None
    if bs.resamples > 0:
        rule = bs.rule or cmp.reference
        rule_params = {k: v for k, v in (spec.params or {}).get(get_rule(rule).name, {}).items() if k != "rng"}
        boot = bootstrap(
            table,
            rule,
            n_resamples=bs.resamples,
            confidence=bs.confidence,
            rng=bs.seed,
            atol=spec.atol,
            rtol=spec.rtol,
            **rule_params,
        )
    df = board_frame(cmp, boot)
    emit_args = argparse.Namespace(output=out_path)
    if fmt == "csv":
        emit(render_frame(df, "csv"), emit_args)
        return 0
    boot_line = ""
    if boot is not None:
        pre = "" if boot.rule == cmp.reference else boot.rule + "_"
        boot_line = (
            f"{pre}rank_low..rank_high: {100 * boot.confidence:g}% interval of the {boot.rule} rank over "
            f"{boot.n_resamples} resamples of the {table.n_columns} task columns (seed {boot.seed}); "
            "p_top1: share ranked first"
        )
    if fmt == "json":
        payload = {
            "title": spec.title,
            "spec": str(args.spec),
            "input": label,
            "n_systems": table.n_systems,
            "tasks": list(table.labels),
            "weights": [float(w) for w in table.weights],
            "missing_policy": table.missing_policy,
            "dropped_systems": list(table.dropped_systems),
            "dropped_tasks": list(table.dropped_tasks),
            "reference": cmp.reference,
            "rules": list(cmp.rules),
            "agreement_kendall_tau_b": {r: _plain(cmp.agreement.loc[cmp.reference, r]) for r in cmp.rules},
            "bootstrap": None
            if boot is None
            else {
                "rule": boot.rule,
                "resamples": boot.n_resamples,
                "seed": boot.seed if isinstance(boot.seed, (int, type(None))) else str(boot.seed),
                "confidence": boot.confidence,
                "groups": [list(g) for g in boot.groups()],
            },
            "board": [{k: _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")],
        }
        emit(json.dumps(payload, indent=2) + "\n", emit_args)
        return 0
    md = fmt == "markdown"
    lines = []
    if spec.title:
        lines.append(f"# {spec.title}" if md else spec.title)
        lines.append("")
    head = [
        f"Input: {label}: {table.n_systems} systems x {table.n_columns} task columns; missing={table.missing_policy!r}",
        f"Order: {cmp.reference}; ranks under " + ", ".join(r for r in cmp.rules if r != cmp.reference),
        "Agreement with the order (Kendall tau-b): "
        + ", ".join(f"{r} {cmp.agreement.loc[cmp.reference, r]:.3f}" for r in cmp.rules if r != cmp.reference),
    ]
    if boot_line:
        head.append(boot_line)
    lines += [f"{x}  " if md else x for x in head]
    text = "\n".join(lines) + "\n\n" + render_frame(df, "markdown" if md else "table")
    emit(text, emit_args)
    return 0


def _page(spec: Any, table: Any, label: str, out_path: Any, args: argparse.Namespace) -> int:
    """``format = "html"``: the board as the self-contained page of ``rankagg report`` (rankagg.report): ranked by
    the spec's ``reference`` (the board's order; default the bootstrap's rule), with that rule's bootstrap intervals,
    the spec's rules compared, and the spec file named in the footer."""
    from rankagg.cli.sources import CLIError
    from rankagg.report import report
    from rankagg.rules import get_rule

    if out_path is None:
        raise CLIError(
            "output: format 'html' writes a page to a file; give [output] path = \"board.html\" in the spec, or -o "
            "board.html."
        )
    bs = spec.bootstrap
    rule = get_rule(spec.reference or bs.rule or (spec.rules[0] if spec.rules else "kemeny")).name
    page = report(
        table,
        rule=rule,
        rules=list(spec.rules) if spec.rules else None,
        n_resamples=max(int(bs.resamples), 1),
        confidence=bs.confidence,
        atol=spec.atol,
        rtol=spec.rtol,
        params=dict((spec.params or {}).get(rule, {})),
        source=spec.title or label,
        input_file=args.spec,
        command=f"rankagg run {args.spec}",
        rng=bs.seed,
    )
    path = page.save(out_path, format="html")
    sys.stderr.write(f"rankagg: wrote the leaderboard page {path}\n")
    return 0
