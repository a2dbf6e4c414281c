"""Benchmark: the synthetic probe study and decision accuracy (rankagg.probes).

Measured, each with wall time, CPU time of the process (the machine is shared: wall time is an upper bound) and the
process's peak resident set size after the step (ru_maxrss, which includes Python, numpy, pandas and scipy):

1. ``generate()``: the default synthetic study (10 probes x 10 tasks x 10 seeds), one scale and two scales
   (target: < 10 s on 2 cores).
2. The full analysis of the two-scale study: each rule's ranking with B = 1,000 bootstrap resamples over
   tasks and seeds (``study.bootstrap(resample="both")``) at both scales, and decision accuracy small -> large
   for the four default rules with B = 1,000 over tasks and seeds (target: < 30 s).
3. Decision accuracy on more than one table (the synthetic study; DCLM 400M -> 7B and 1B -> 7B when
   ``../shared/datasets`` is present), side by side with the plain approach a user would write without
   rankagg: draw the task indices, re-rank every resample at both scales with ``rankagg.aggregate`` (no
   vectorised or de-duplicated bootstrap), compute the agreement with ``scipy.stats.kendalltau`` per resample.
   The loop is given rankagg's own task draws, and the share of resamples where both give the same decision
   accuracy is reported (Kemeny may return another of several optimal orders: rankagg warm-starts each resample
   from the full-data order); the ratio is loop / rankagg, wall time. Beside it, a plain-numpy baseline for the
   mean and Borda (``numpy_decision``: the same task draws, all resamples at once as one matrix product, ranks
   and the pairwise agreement by broadcasting; Kemeny has no ten-line numpy form). Instances: the synthetic study
   at ``--seeds`` (default 0, 1, 2) and the two DCLM tables; the summary gives min / median / max over them.

Usage::

    python benchmarks/bench_probes.py            # everything (about a minute or two)
    python benchmarks/bench_probes.py --quick    # B = 200
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rankagg
from rankagg.probes import DEFAULT_RULES, CandidateStudy, dclm_study, decision_accuracy, generate
from rankagg.probes.decision import pairwise_agreement

DCLM = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "dclm" / "dclm_evals.csv"


def measure(fn: Any) -> tuple[Any, float, float, float]:
    """Result, wall seconds, CPU seconds of this process, and the process's peak resident set size (MiB) after."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return out, seconds, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def full_analysis(study: CandidateStudy, b: int) -> None:
    """Every rule's ranking, bootstrap rank intervals and P(top 1) at both scales, and decision accuracy."""
    res = decision_accuracy(study, "small", "large", rules=DEFAULT_RULES, resample="both", n_resamples=b, rng=0)
    for rule in DEFAULT_RULES:
        for scale in ("small", "large"):
            boot = res.bootstraps[rule, scale]
            boot.rank_interval(), boot.p_top(1)
    res.to_frame(), res.differences()


def loop_decision(study: CandidateStudy, small: str, target: str, rule: str, all_counts: np.ndarray) -> np.ndarray:
    """What a user writes without rankagg's bootstrap: re-rank each task resample at both scales, in a loop."""
    from scipy.stats import kendalltau

    matched, _ = study.matched(small, target, warn=False)
    ts, tt = matched.table(small), matched.table(target)
    tasks = list(ts.tasks)
    b = all_counts.shape[0]
    out = np.empty((b, 2))
    for k in range(b):
        counts = all_counts[k]
        cols = np.flatnonzero(counts)
        ranks = []
        for t in (ts, tt):
            sub = rankagg.ScoreTable(
                t.scores[:, cols],
                systems=t.systems,
                tasks=[tasks[c] for c in cols],
                higher_is_better={tasks[c]: bool(t.higher_is_better[c]) for c in cols},
                weights=[float(w) for w in counts[cols]],
            )
            ranks.append(rankagg.aggregate(sub, rule=rule).ranks)
        rs, rt = ranks
        out[k, 0] = pairwise_agreement(rs, rt)
        out[k, 1] = kendalltau(rs, rt).statistic
    return out


def numpy_decision(study: CandidateStudy, small: str, target: str, rule: str, counts: np.ndarray) -> np.ndarray:
    """Plain vectorised numpy: decision accuracy (pairwise agreement) of every task resample of a complete table."""
    matched, _ = study.matched(small, target, warn=False)
    ranks = []
    for t in (matched.table(small), matched.table(target)):
        x = np.where(np.asarray(t.higher_is_better, bool), t.scores, -t.scores)  # systems x tasks, higher is better
        if rule == "borda":  # per task: systems beaten + half the ties
            x = (x[:, None, :] > x[None, :, :]).sum(1) + 0.5 * ((x[:, None, :] == x[None, :, :]).sum(1) - 1)
        score = counts @ x.T  # (B, systems); a weighted sum orders as the weighted mean
        ranks.append(1 + (score[:, None, :] > score[:, :, None]).sum(-1))
    s, t = (np.sign(r[:, None, :] - r[:, :, None]) for r in ranks)
    iu = np.triu_indices(s.shape[1], 1)
    s, t = s[:, iu[0], iu[1]], t[:, iu[0], iu[1]]
    decided = t != 0
    return ((s == t) + 0.5 * (s == 0)).sum(1, where=decided) / decided.sum(1)


def _mmm(xs: list[float], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in (min(xs), float(np.median(xs)), max(xs)))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="B = 200 instead of 1,000")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2], help="seeds of the synthetic study")
    args = ap.parse_args()
    b = 200 if args.quick else 1000
    print(f"# bench_probes.py ({'quick' if args.quick else 'full'}), B = {b}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("## Synthetic study: generation and full analysis")
    print()
    print("| step | wall s | CPU s | peak RSS MiB | target |")
    print("|---|---|---|---|---|")
    _, s1, c1, m1 = measure(lambda: generate(rng=0))
    print(f"| generate(): 10 probes x 10 tasks x 10 seeds, one scale | {s1:.2f} | {c1:.2f} | {m1:.0f} | < 10 s |")
    study, s2, c2, m2 = measure(lambda: generate(scales=("small", "large"), rng=0))
    print(f"| generate(): the same at two scales (2,000 scores) | {s2:.2f} | {c2:.2f} | {m2:.0f} | < 10 s |")
    _, s3, c3, m3 = measure(lambda: full_analysis(study, b))
    print(
        f"| full analysis: 4 rules x 2 scales bootstrapped (B = {b}, tasks and seeds) + decision accuracy of the "
        f"4 rules (B = {b}, tasks and seeds) | {s3:.2f} | {c3:.2f} | {m3:.0f} | < 30 s |"
    )
    print()
    print(f"## Decision accuracy over task resamples (B = {b}): rankagg vs a per-resample loop and plain numpy")
    print()
    print(
        "| table | rule | rankagg s | loop s | loop / rankagg | resamples with the same value | numpy s | "
        "rankagg / numpy | same value as numpy |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    tables: list[tuple[str, CandidateStudy, str, str]] = [
        (f"synthetic small -> large, seed {seed}", generate(scales=("small", "large"), rng=seed), "small", "large")
        for seed in args.seeds
    ]
    if DCLM.is_file():
        import pandas as pd

        d = dclm_study(pd.read_csv(DCLM))
        tables += [("DCLM 400M -> 7B (12 x 49)", d, "400M", "7B"), ("DCLM 1B -> 7B (15 x 49)", d, "1B", "7B")]
    else:
        print(f"(DCLM tables skipped: {DCLM} not found)")
    summary: dict[str, dict[str, list[float]]] = {}
    for name, st, small, target in tables:
        for rule in ("mean", "borda", "kemeny"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res, t_ours, _, _ = measure(
                    lambda st=st, small=small, target=target, rule=rule: decision_accuracy(
                        st, small, target, rules=(rule,), n_resamples=b, rng=7
                    )
                )
                counts = np.asarray(res.bootstraps[rule, small].counts)
                loop, t_loop, _, _ = measure(
                    lambda st=st, small=small, target=target, rule=rule, counts=counts: loop_decision(
                        st, small, target, rule, counts
                    )
                )
            same = float(np.mean(np.isclose(res.samples[rule][:, 0], loop[:, 0])))
            agg = summary.setdefault(rule, {"ours": [], "loop_x": [], "numpy": [], "numpy_x": [], "same": []})
            agg["ours"].append(t_ours)
            agg["loop_x"].append(t_loop / t_ours)
            agg["same"].append(same)
            np_cells = "n/a (no ten-line numpy Kemeny) | | "
            if rule != "kemeny":
                vec, t_np, _, _ = measure(
                    lambda st=st, small=small, target=target, rule=rule, counts=counts: numpy_decision(
                        st, small, target, rule, counts
                    )
                )
                same_np = float(np.mean(np.isclose(res.samples[rule][:, 0], vec)))
                agg["numpy"].append(t_np)
                agg["numpy_x"].append(t_ours / t_np)
                np_cells = f"{t_np:.3f} | {t_ours / t_np:.1f}x | {same_np:.1%}"
            print(
                f"| {name} | {rule} | {t_ours:.2f} | {t_loop:.2f} | {t_loop / t_ours:.1f}x | {same:.1%} | {np_cells} |"
            )
    print()
    print(f"## Summary: min / median / max over the {len(tables)} tables (load average {os.getloadavg()[0]:.1f})")
    print()
    print("| rule | rankagg s | loop / rankagg | rankagg / numpy | numpy s | resamples with the loop's value (min) |")
    print("|---|---|---|---|---|---|")
    for rule, agg in summary.items():
        np_s = _mmm(agg["numpy"], ".3f") if agg["numpy"] else "n/a"
        np_x = _mmm(agg["numpy_x"], ".1f") if agg["numpy_x"] else "n/a"
        print(
            f"| {rule} | {_mmm(agg['ours'], '.2f')} | {_mmm(agg['loop_x'], '.1f')} | {np_x} | {np_s} "
            f"| {min(agg['same']):.1%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
