"""The commands ``rank``, ``compare``, ``bootstrap``, ``robustness`` and ``rules``: each loads the input,
calls the library and renders the result in the chosen format.
"""

from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from typing import Any

import pandas as pd

from rankagg._format import render_frame
from rankagg.aggregation.aggregate import aggregate, compare, default_compare_rules
from rankagg.cli import sources as _sources
from rankagg.cli.options import (
    _emit,
    _key_values,
    _level_kwargs,
    _load,
    _parse_scalar,
    _rule_params,
    _split_list,
    _uses_dask,
)
from rankagg.cli.render import _header, _input_record, _jsonable, _render_bootstrap, _render_comparison, _render_ranking
from rankagg.cli.sources import CLIError
from rankagg.data.battles import PairwiseProfile
from rankagg.data.instances import InstanceTable
from rankagg.rules import get_rule, list_rules
from rankagg.uncertainty.bootstrap import bootstrap
from rankagg.uncertainty.perturbation_base import STUDIES
from rankagg.uncertainty.perturbations import perturbation_studies, summarize_perturbations

__all__ = []


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
        if hasattr(table, "npartitions"):  # --backend dask: the defaults that run there
            from rankagg.distributed.engine import distributed_rules

            kept = [r for r in rules if get_rule(r).name in distributed_rules()]
            if kept != rules:
                left = sorted(set(rules) - set(kept))
                why = f"{why + '; ' if why else ''}{', '.join(left)} cannot run on the Dask backend"
                rules = kept
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


def _cmd_bootstrap(args: argparse.Namespace, *, dask_client: Any = None, loaded: Any = None) -> int:
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
    if _uses_dask(args):
        return _bootstrap_on_dask(args, params)
    table = _load(args) if loaded is None else loaded
    battles = isinstance(table, PairwiseProfile)  # a battle log: resample the battles, a pairwise rule by default
    args.rule = args.rule or ("bradley_terry" if battles else "borda")
    from rankagg.data.instances import InstanceTable

    level_kw: dict[str, Any] = {}
    if isinstance(table, InstanceTable):
        lk = _level_kwargs(args)
        level_kw = {k: lk[k] for k in ("level", "inner", "inner_params", "instance_weighting") if lk[k] is not None}
        if args.outer is not None:
            level_kw["outer"] = args.outer
    if dask_client is None:
        run = bootstrap
    else:
        from rankagg.distributed import distributed_bootstrap

        run = partial(distributed_bootstrap, scheduler=dask_client)
    jobs = {} if dask_client is not None else {"n_jobs": args.jobs}
    with _sources.notes_to_stderr():  # e.g. battle resamples drawn again
        res = run(
            table,
            args.rule,
            resample=args.resample,
            **level_kw,
            n_resamples=args.resamples,
            confidence=args.confidence,
            atol=args.atol,
            rtol=args.rtol,
            **jobs,
            progress=args.progress,
            rng=args.seed,
            **params,
        )
    _emit(_render_bootstrap(res, table, args), args)
    return 0


def _bootstrap_on_dask(args: argparse.Namespace, params: dict[str, Any]) -> int:
    """``rankagg bootstrap --backend dask``: one file is read here and its resamples solved on the cluster (the
    local result, exactly); a directory or glob of instance-level files is bootstrapped where it lies, with the
    streaming Poisson bootstrap (said on stderr); a battle log's outcomes are counted on the cluster."""
    from rankagg.distributed import poisson_bootstrap

    if args.jobs != 1:
        raise CLIError("--jobs: with --backend dask the cluster's workers solve the resamples; leave --jobs out.")
    client = args.scheduler
    if not _sources.many_files(args.file):
        args.backend, args.scheduler = "local", None  # read here, as without Dask
        try:
            return _cmd_bootstrap(args, dask_client=client)
        finally:
            args.scheduler = client
    data = _load(args)
    if isinstance(data, PairwiseProfile):
        args.backend, args.scheduler = "local", None
        return _cmd_bootstrap(args, dask_client=client, loaded=data)
    if args.resample not in (None, "instances"):
        raise CLIError(
            f"--resample {args.resample}: a directory or glob of instance-level files is bootstrapped where it lies, "
            "by resampling its instances (a Poisson bootstrap); pass --resample instances, or give one file to "
            "resample it as without Dask."
        )
    lk = _level_kwargs(args)
    if lk["instance_weighting"] not in (None, "per_task") or lk["inner_params"]:
        raise CLIError(
            "--instance-weighting / --inner-param: not available in the Poisson bootstrap of --backend dask "
            "(instances are weighted per task); leave them out, or give one file."
        )
    level = lk["level"] or "one"
    rule = args.rule or "borda"
    if level == "two":
        rule, outer = lk["inner"] or "mean", args.outer or args.rule or "borda"
    else:
        outer = None
    sys.stderr.write(
        "rankagg: note: the files are bootstrapped where they lie, with a Poisson bootstrap: each instance is drawn "
        "a Poisson(1) number of times per resample (not exactly once per draw, as in the local stratified "
        "bootstrap); the spread agrees asymptotically\n"
    )
    res = poisson_bootstrap(
        data,
        rule,
        n_resamples=args.resamples,
        rng=args.seed,
        level=level,
        outer=outer,
        confidence=args.confidence,
        atol=args.atol,
        rtol=args.rtol,
        scheduler=client,
        **params,
    )
    args.rule = res.rule
    _emit(_render_bootstrap(res, data, args), args)
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
