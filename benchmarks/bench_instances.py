"""Benchmark: pairwise win counts and two-level aggregation on a large instance-level table.

A synthetic table of ``--systems`` systems x ``--instances`` instances (split
evenly into ``--tasks`` tasks) of continuous float64 scores (system quality +
Gaussian noise, so almost no ties: the hardest case for the compact rank codes,
which must come from a full sort of every instance). Measured:

1. ``InstanceTable.pairwise(instance_weighting="uniform")``: the wins and ties
   of every pair of systems over every instance.
2. ``aggregate(table, level="two", inner=..., outer=...)``: each task's
   instances aggregated by the inner rule, then the tasks by the outer rule.

Throughput is reported as system-pair comparisons per second with the
convention ``n_systems**2 * n_instances / seconds`` (ordered pairs, the
diagonal included, as the kernel computes them). Peak memory is reported two
ways: tracemalloc's peak of the allocations made during the call (numpy
registers its buffers with tracemalloc), which excludes the input table, and
the process's maximum resident set size (``ru_maxrss``), which includes it.

A plain-numpy baseline sits beside them: the ten-line broadcasting count
(``numpy_pairwise``: wins and ties of every pair, ``x[:, None, :] > x[None, :, :]``
summed over blocks of 1,000 instances) on the first 100,000 instances, with
rankagg's own float64 ``pairwise_counts`` on the same slice. Every figure is
measured on ``--seeds`` tables (default 0, 1, 2; each instance's best of
``--repeat`` for the pairwise count) and the summary gives min / median / max
over the seeds.

Usage::

    python benchmarks/bench_instances.py                      # 100 x 1,000,000, the issue's target case
    python benchmarks/bench_instances.py --instances 100000   # quicker
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rankagg
from rankagg import InstanceTable, aggregate, pairwise_counts


def make_table(n: int, total: int, tasks: int, seed: int) -> InstanceTable:
    rng = np.random.default_rng(seed)
    quality = np.linspace(1.0, 0.0, n)[:, None]
    sizes = [total // tasks + (1 if t < total % tasks else 0) for t in range(tasks)]
    data = {f"task{t}": quality + rng.standard_normal((n, size)) for t, size in enumerate(sizes)}
    return InstanceTable.from_arrays(data, systems=[f"sys{i:03d}" for i in range(n)], higher_is_better=True)


def numpy_pairwise(x: np.ndarray, block: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Plain numpy: wins[i, j] (i scores higher than j) and ties over the instances (columns) of ``x``."""
    n = x.shape[0]
    wins, ties = np.zeros((n, n), np.int64), np.zeros((n, n), np.int64)
    for s in range(0, x.shape[1], block):
        c = x[:, s : s + block]
        wins += (c[:, None, :] > c[None, :, :]).sum(-1)
        ties += (c[:, None, :] == c[None, :, :]).sum(-1)
    return wins, ties


def measure(label: str, fn: Any, n: int, instances: int) -> dict[str, Any]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    rate = n * n * instances / seconds
    print(
        f"{label:<58s} {seconds:8.2f} s  {rate:10.3g} comparisons/s  tracemalloc peak {peak / 2**20:8.1f} MiB  "
        f"max RSS {rss:8.1f} MiB",
        flush=True,
    )
    return {"label": label, "seconds": seconds, "rate": rate, "peak_mib": peak / 2**20, "rss_mib": rss, "out": out}


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:  # pragma: no cover
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--systems", type=int, default=100)
    ap.add_argument("--instances", type=int, default=1_000_000)
    ap.add_argument("--tasks", type=int, default=10)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--max-memory", type=float, nargs="+", default=[64.0, 256.0], metavar="MIB")
    ap.add_argument("--repeat", type=int, default=2, help="repetitions of the pairwise count (best is reported)")
    ap.add_argument("--skip-two-level", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    versions = f"rankagg {rankagg.__version__}, numpy {np.__version__}, Python {platform.python_version()}"
    print(f"{versions}, {platform.machine()}")
    print(f"CPU cores: {os.cpu_count()}; before: {uptime()}")
    print("throughput = n_systems**2 * n_instances / seconds (ordered pairs, diagonal included)")
    per_label: dict[str, list[dict[str, Any]]] = {}
    for seed in args.seeds:
        print(f"\n## seed {seed}", flush=True)
        for label, r in run_seed(args, seed):
            per_label.setdefault(label, []).append(r)
        print(f"after seed {seed}: {uptime()}", flush=True)
    print(f"\n## Summary: min / median / max over {len(args.seeds)} seeds (seeds {args.seeds})\n")
    print("| what | seconds | comparisons/s | tracemalloc peak MiB |")
    print("|---|---|---|---|")
    for label, rs in per_label.items():
        sec = [r["seconds"] for r in rs]
        rate = [r["rate"] for r in rs]
        peak = [r["peak_mib"] for r in rs]
        print(
            f"| {label} | {' / '.join(f'{v:.2f}' for v in _mmm(sec))} | {' / '.join(f'{v:.3g}' for v in _mmm(rate))} "
            f"| {' / '.join(f'{v:.1f}' for v in _mmm(peak))} |"
        )
    print(f"\nafter: {uptime()}")
    return 0


def _mmm(xs: list[float]) -> tuple[float, float, float]:
    return min(xs), float(np.median(xs)), max(xs)


def run_seed(args: argparse.Namespace, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """Every measurement on the table of one seed: (label, result) pairs."""
    n, total = args.systems, args.instances
    t0 = time.perf_counter()
    table = make_table(n, total, args.tasks, seed)
    built = time.perf_counter() - t0
    print(f"table: {table!r} ({table.scores.nbytes / 2**20:.0f} MiB of scores), built in {built:.1f} s")

    results = []
    for mib in args.max_memory:
        budget = int(mib * 2**20)
        best = None
        label = f"pairwise counts, max_memory={mib:g} MiB (best of {args.repeat})"
        for _ in range(args.repeat):
            r = measure(
                label,
                lambda b=budget: table.pairwise(instance_weighting="uniform", max_memory=b),
                n,
                total,
            )
            best = r if best is None or r["seconds"] < best["seconds"] else best
        results.append((label, best))
    wins, ties = results[-1][1]["out"]
    assert np.allclose(wins + wins.T + ties + np.eye(n) * total, total), "every pair is counted once per instance"

    # baselines on a slice of the table: rankagg's float64 broadcasting pairwise_counts, and plain numpy
    part = min(total, 100_000)
    block = -table.scores[:, :part]  # lower is better for pairwise_counts
    label = f"baseline: float64 pairwise_counts on {part:,} instances"
    results.append((label, measure(label, lambda: pairwise_counts(block), n, part)))
    label = f"baseline: plain numpy broadcasting count on {part:,} instances"
    r = measure(label, lambda: numpy_pairwise(table.scores[:, :part]), n, part)
    w_np, t_np = r["out"]
    ours = InstanceTable.from_arrays({"t": table.scores[:, :part]}, systems=table.systems, higher_is_better=True)
    w_ours, t_ours = ours.pairwise(instance_weighting="uniform")
    assert np.allclose(w_np, w_ours) and np.allclose(t_np - np.eye(n) * part, t_ours), "numpy and rankagg differ"
    del ours
    results.append((label, r))

    if not args.skip_two_level:
        budget = int(args.max_memory[-1] * 2**20)
        for inner, outer in (("borda", "kemeny"), ("copeland", "kemeny"), ("mean", "mean")):
            label = f"two-level aggregate, inner {inner}, outer {outer}"
            r = measure(
                label,
                lambda i=inner, o=outer: aggregate(table, level="two", inner=i, outer=o, max_memory=budget),
                n,
                total,
            )
            results.append((label, r))
            res = r["out"]
            print(f"    winner {res.winners}, last {res.order[-1]}", flush=True)
        label = "one-level aggregate, rule borda (per_task weighting)"
        r = measure(label, lambda: aggregate(table, rule="borda", level="one", max_memory=budget), n, total)
        results.append((label, r))
    for _, r in results:
        r.pop("out", None)
    return results


if __name__ == "__main__":
    sys.exit(main())
