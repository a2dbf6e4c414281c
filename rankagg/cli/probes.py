"""``rankagg probes``: generate a synthetic probe study, rank training-data candidates, decision accuracy.

Used by :mod:`rankagg.cli`, which passes its own argument groups, loader and
writer (the pattern of :mod:`rankagg._cli_stats`). The library side is
:mod:`rankagg.probes`. Also :func:`probes_demo_lines`, the probes part of
``rankagg demo``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError
from rankagg._format import render_frame

if TYPE_CHECKING:
    from rankagg.probes import CandidateStudy

# rankagg.probes.DEFAULT_RULES, written out so that `rankagg --help` does not import the probes (a test checks it)
PROBE_RULES = ("mean", "borda", "kemeny", "bradley_terry")

__all__ = ["add_probes_command", "probes_demo_lines"]

STUDY_HELP = (
    "study file: CSV/TSV/Parquet with columns candidate, task, seed, [scale], score, higher_is_better "
    "[, random_baseline] (as written by `rankagg probes generate`)"
)


_UNITS = {"tasks": "tasks", "seeds": "seeds", "both": "tasks and seeds"}


class ProbesCLIError(RankaggError):
    """Bad options of ``rankagg probes``."""


def add_probes_command(
    sub: Any,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    add_output_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> None:
    """``rankagg probes generate|rank|decide``: which training data is best, and does a small scale predict it?"""
    p = sub.add_parser(
        "probes",
        help="rank training-data candidates (probe datasets, DCLM): generate, rank, decision accuracy",
        description="Models trained on different training sets (candidates), evaluated on tasks, per seed and "
        "model scale. `generate` writes a synthetic probe study; `rank` ranks the candidates at one scale under "
        "several rules with bootstrap intervals; `decide` measures how well each rule's ranking at a small scale "
        "predicts the ranking at a target scale (DataDecide's decision accuracy).",
    )
    ps = p.add_subparsers(dest="probes_command", metavar="SUBCOMMAND")
    p.set_defaults(func=lambda args: _no_subcommand(p))

    g = ps.add_parser(
        "generate",
        help="write a synthetic probe study (CSV), deterministic from --seed",
        description="K probe training sets sampled from known Markov-chain processes (knobs: token noise, "
        "duplication, domain skew, entropy, size), a smoothed bigram model fitted per seed, ten exact diagnostics "
        "on different scales (all lower-is-better). The same --seed writes the same file, byte for byte.",
    )
    g.add_argument("--seeds", type=int, default=10, help="training seeds per probe and scale (default 10)")
    g.add_argument("--scales", default="large", help="comma-separated: small, large (default: large)")
    g.add_argument("--seed", type=int, default=0, help="seed of the world and of every sample (default 0)")
    g.add_argument("--truth", metavar="FILE", help="also write the ground truth (each probe's knobs) to this CSV")
    g.add_argument("-o", "--output", help="write the study CSV to this file instead of standard output")
    g.set_defaults(func=lambda args: _cmd_generate(args, emit))

    r = ps.add_parser(
        "rank",
        help="rank the candidates at one scale under several rules, with bootstrap rank intervals and P(top 1)",
        description="Seeds are averaged per task, the candidates ranked under each rule; the bootstrap "
        "(rankagg.bootstrap) resamples tasks, seeds or both.",
    )
    _add_source_args(r)
    r.add_argument("--scale", help="which scale (required when the study has several)")
    r.add_argument("--rules", default="mean,borda,kemeny", help="comma-separated rules (centered_mean too)")
    _add_boot_args(r)
    add_output_args(r)
    r.set_defaults(func=lambda args: _cmd_rank(args, emit))

    d = ps.add_parser(
        "decide",
        help="decision accuracy: does each rule's ranking at --small predict the ranking at --target?",
        description="Per rule: the share of candidate pairs ordered alike at both scales (DataDecide's decision "
        "accuracy; pairs tied at the target left out, ties at the small scale count 1/2), Kendall tau-b and top-1 "
        "agreement, with percentile bootstrap intervals (the same task draws at both scales and for every rule), "
        "and each rule's paired difference with the first rule. Candidates and tasks not evaluated at both scales "
        "are left out (said on stderr).",
    )
    _add_source_args(d)
    d.add_argument("--small", required=True, help="the scale whose ranking predicts")
    d.add_argument("--target", required=True, help="the scale to predict")
    d.add_argument(
        "--rules", default=",".join(PROBE_RULES), help=f"comma-separated rules (default {','.join(PROBE_RULES)})"
    )
    d.add_argument(
        "--target-mode",
        choices=("resampled", "fixed"),
        default="resampled",
        help="resampled (default): the target is re-ranked on each resample's tasks; fixed: its full-data ranking",
    )
    _add_boot_args(d)
    add_output_args(d)
    d.set_defaults(func=lambda args: _cmd_decide(args, emit))


def _no_subcommand(p: argparse.ArgumentParser) -> int:
    p.print_help()
    return 0


def _add_source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", help=STUDY_HELP)
    p.add_argument(
        "--dataset",
        choices=("dclm",),
        help="use a registry dataset instead of a file: dclm (DataComp-LM; scales 400M, 1B, 7B)",
    )
    p.add_argument("--cache-dir", metavar="DIR", help="--dataset: cache folder (default: $RANKAGG_DATA_DIR)")
    p.add_argument("--mirror", metavar="URL", help="--dataset: base URL replacing https://raw.githubusercontent.com")


def _add_boot_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-B", "--resamples", type=int, default=1000, help="bootstrap resamples (default 1000; 0: none)")
    p.add_argument(
        "--resample", choices=("tasks", "seeds", "both"), default="tasks", help="what to resample (default tasks)"
    )
    p.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for rules solved per resample")
    p.add_argument("--seed", type=int, help="bootstrap seed (default: one is drawn and printed)")


def _note(text: str) -> None:
    sys.stderr.write(f"rankagg: note: {' '.join(text.split())}\n")


def _study(args: argparse.Namespace) -> CandidateStudy:
    from rankagg.probes import CandidateStudy, dclm_study

    if args.dataset and args.file:
        raise ProbesCLIError("give a study FILE or --dataset, not both.")
    if args.dataset == "dclm":
        from rankagg.datasets import load

        frame = load("dclm", cache_dir=args.cache_dir, mirror=args.mirror, as_frame=True)
        study = dclm_study(frame)
    elif args.file:
        if not Path(args.file).is_file():
            raise ProbesCLIError(f"FILE: no file {args.file!r}; give a study file ({STUDY_HELP}).")
        study = CandidateStudy.read(args.file)
    else:
        raise ProbesCLIError(f"give a study FILE ({STUDY_HELP}) or --dataset dclm.")
    for n in study.notes:
        _note(n)
    return study


def _rules(text: str) -> list[str]:
    rules = [r.strip() for r in text.split(",") if r.strip()]
    if not rules:
        raise ProbesCLIError("--rules: give at least one rule, e.g. --rules mean,borda,kemeny.")
    return rules


def _seed(args: argparse.Namespace) -> int:
    if args.seed is not None:
        return int(args.seed)
    seed = int(np.random.SeedSequence().entropy % (2**31))
    _note(f"bootstrap seed {seed} (pass --seed {seed} to repeat the run)")
    return seed


def _finite(v: Any) -> Any:
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _finite(v) for k, v in r.items()} for r in df.to_dict("records")]


# ---------------------------------------------------------------------------- commands
def _cmd_generate(args: argparse.Namespace, emit: Callable[[str, argparse.Namespace], None]) -> int:
    from rankagg.probes import generate

    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    study = generate(n_seeds=args.seeds, scales=scales, rng=args.seed)
    import io

    buf = io.StringIO()
    study.to_csv(buf)
    emit(buf.getvalue(), args)
    if args.truth:
        assert study.truth is not None
        study.truth.to_csv(args.truth, index=False, float_format="%.17g", lineterminator="\n")
    s = study.summary()
    _note(
        f"probe study: {int(s['candidates'].max())} probes x {int(s['tasks'].max())} tasks x {args.seeds} seeds at "
        f"scale(s) {', '.join(study.scales)}; all diagnostics lower-is-better"
    )
    return 0


def _cmd_rank(args: argparse.Namespace, emit: Callable[[str, argparse.Namespace], None]) -> int:
    study = _study(args)
    rules = _rules(args.rules)
    scale = args.scale
    if scale is None and len(study.scales) > 1:
        raise ProbesCLIError(f"--scale: the study has scales {', '.join(study.scales)}; name one.")
    study.candidates(scale)  # an unknown scale is refused before anything is drawn
    seed = _seed(args) if args.resamples > 0 else None
    frames = []
    for rule in rules:
        res = study.rank(scale, rule=rule)
        df = pd.DataFrame({"rule": rule, "candidate": res.systems, "rank": res.ranks, "score": res.scores})
        if args.resamples > 0:
            boot = study.bootstrap(
                scale,
                rule,
                resample=args.resample,
                n_resamples=args.resamples,
                rng=seed,
                confidence=args.confidence,
                n_jobs=args.jobs,
            )
            lo, hi = boot.rank_interval()
            df["rank_low"], df["rank_high"], df["p_top1"] = lo, hi, boot.p_top(1)
        frames.append(df.sort_values(["rank", "candidate"], kind="stable"))
    out = pd.concat(frames, ignore_index=True)
    if args.format == "json":
        payload = {
            "study": study.name,
            "scale": scale,
            "resample": args.resample if args.resamples > 0 else None,
            "n_resamples": args.resamples,
            "seed": seed,
            "notes": list(study.notes),
            "rows": _records(out),
        }
        emit(json.dumps(payload, indent=2) + "\n", args)
    elif args.format in ("table", "markdown"):
        text = []
        for rule, df in out.groupby("rule", sort=False):
            text.append(f"{rule}:")
            text.append(render_frame(df.drop(columns="rule").round(4), args.format).rstrip("\n"))
        if args.resamples > 0:
            text.append(
                f"Intervals: {args.confidence:.0%} percentile interval of each rank over {args.resamples} resamples of "
                f"the {_UNITS[args.resample]} (seed {seed}); p_top1: share of resamples ranking it first."
            )
        emit("\n".join(text) + "\n", args)
    else:
        emit(render_frame(out, args.format), args)
    return 0


def _cmd_decide(args: argparse.Namespace, emit: Callable[[str, argparse.Namespace], None]) -> int:
    from rankagg.probes import decision_accuracy

    study = _study(args)
    rules = _rules(args.rules)
    if args.resamples < 1:
        raise ProbesCLIError("-B/--resamples: decision accuracy needs at least 1 resample for its intervals.")
    for scale in (args.small, args.target):
        study.candidates(scale)  # an unknown scale is refused before anything is drawn
    seed = _seed(args)
    res = decision_accuracy(
        study,
        args.small,
        args.target,
        rules=rules,
        resample=args.resample,
        target_mode=args.target_mode,
        n_resamples=args.resamples,
        confidence=args.confidence,
        n_jobs=args.jobs,
        rng=seed,
    )
    frame = res.to_frame()
    diffs = res.differences(reference=res.rules[0]) if len(res.rules) > 1 else pd.DataFrame()
    if args.format == "json":
        payload = {
            "small": res.small,
            "target": res.target,
            "candidates": list(res.candidates),
            "tasks": list(res.tasks),
            "dropped": {k: {s: list(v) for s, v in per.items()} for k, per in res.dropped.items()},
            "resample": res.resample,
            "target_mode": res.target_mode,
            "n_resamples": res.n_resamples,
            "confidence": res.confidence,
            "seed": seed,
            "notes": list(study.notes),
            "rows": _records(frame),
            "differences": _records(diffs),
        }
        emit(json.dumps(payload, indent=2) + "\n", args)
        return 0
    if args.format in ("csv", "tsv"):
        emit(render_frame(frame, args.format), args)
        return 0
    wide = frame.pivot(index="rule", columns="measure", values=["value", "low", "high"]).loc[list(res.rules)]
    rows = pd.DataFrame(index=wide.index)
    for m in ("decision_accuracy", "kendall_tau", "top1"):
        rows[m] = [
            f"{v:.3f} [{lo:.3f}, {hi:.3f}]" for v, lo, hi in zip(wide["value", m], wide["low", m], wide["high", m])
        ]
    text = [
        f"{res.small} -> {res.target}: {len(res.candidates)} candidates ({math.comb(len(res.candidates), 2)} pairs) "
        f"on {len(res.tasks)} tasks; {res.confidence:.0%} intervals over {res.n_resamples} resamples of the "
        f"{_UNITS[res.resample]} (target {res.target_mode}, seed {seed})",
        render_frame(rows.reset_index(), args.format).rstrip("\n"),
    ]
    if len(diffs):
        ref = res.rules[0]
        text.append(f"Paired difference with {ref} (decision accuracy):")
        shown = diffs[["rule", "value", "low", "high", "p_better"]].round(3)
        text.append(render_frame(shown, args.format).rstrip("\n"))
        beat = [r for r, lo in zip(diffs["rule"], diffs["low"]) if lo > 0]
        worse = [r for r, hi in zip(diffs["rule"], diffs["high"]) if hi < 0]
        text.append(
            f"Beyond the interval: better than {ref}: {', '.join(beat) or 'none'}; worse: {', '.join(worse) or 'none'}."
        )
    emit("\n".join(text) + "\n", args)
    return 0


# ---------------------------------------------------------------------------- demo
def probes_demo_lines(*, n_resamples: int = 500, seed: int = 0) -> list[str]:
    """The probes part of ``rankagg demo``: which training data is best, by the mean and by rank rules."""
    from rankagg.probes import generate

    study = generate(rng=seed)
    rows = []
    for rule in ("mean", "borda", "kemeny"):
        res = study.rank(rule=rule)
        boot = study.bootstrap(rule=rule, resample="both", n_resamples=n_resamples, rng=seed)
        lo, hi = boot.rank_interval()
        p1 = boot.p_top(1)
        best = int(np.argmin(res.ranks))
        clean = res.systems.index("clean")
        rows.append(
            {
                "rule": rule,
                "pick": res.systems[best],
                "P(top 1)": round(float(p1[best]), 2),
                "rank of clean": f"{res.ranks[clean]} [{lo[clean]}, {hi[clean]}]",
                "clean P(top 1)": round(float(p1[clean]), 2),
            }
        )
    logged = study.with_scores("ood_perplexity", np.log)
    moved = {r: logged.rank(rule=r).winners[0] for r in ("mean", "borda", "kemeny")}
    return [
        "Which training data is best? A synthetic probe study (rankagg probes generate): 10 training sets drawn",
        "from known processes (clean; token noise 10/30/60%; 50/90% duplicates; domain skew; a quarter of the",
        "tokens; higher / lower entropy), a bigram model fitted on each, 10 seeds, 10 error measures on different",
        "scales. By construction 'clean' is the best set (the closest to the test processes).",
        f"Picks, with {n_resamples} bootstrap resamples of the tasks and seeds (seed {seed}): 95% interval of the "
        "clean set's rank, P(top 1)",
        render_frame(pd.DataFrame(rows), "table").rstrip("\n"),
        "Report out-of-domain perplexity as log-perplexity: "
        + ", ".join(f"{r} picks {moved[r]}" for r in moved)
        + " (the mean follows the units; rank rules do not).",
    ]
