"""Issue 19's large-board figures, reproducible: min / median / max over seeds, each beside a plain-numpy baseline.

Usage (from the project root)::

    python benchmarks/bench_large.py                       # everything (about 10 min on 2 idle cores)
    python benchmarks/bench_large.py --quick               # small sizes: a check that the script runs
    python benchmarks/bench_large.py --only aggregate      # one part: aggregate, pairwise or majority

Parts (random tables, seeds 0, 1, 2 unless ``--seeds``; every time is the best of ``--repeat`` runs on one
instance, and the tables give min / median / max over the seeds):

aggregate
    ``rankagg.aggregate(t, rule)`` for the mean and Borda on ``np.random.default_rng(seed).random((n, 20))``,
    n = 2,000 and 5,000 (the issue's 81 s at n = 5,000 came from building the n x n pairwise matrix to report
    the Condorcet winner), beside the ten-line numpy computation of the same ranking (per-task average ranks,
    their mean, ``scipy.stats.rankdata(method="min")``), ranks checked equal.
pairwise
    ``rankagg.pairwise_counts`` on n x 20 rank tables (random scores with ties, 10% unranked), n = 10 to 5,000,
    unit and fractional task weights, beside the plain loop ``W += (c[:, None] < c[None, :]) * w_j`` over the
    columns (wins only; ``rankagg`` also counts ties); wins checked equal (unit weights exactly, fractional
    weights to 1e-12 relative).
majority
    Schulze and ranked pairs on the rule input (pairwise counts built first, as ``aggregate`` builds them) at
    n = 2,000 and 5,000 x 20, and Schulze's plain-numpy baseline (Floyd-Warshall widest paths vectorised over
    one index, ten lines) up to ``--numpy-max-n`` (default 2,000: it is O(n^3) in floats); the baseline's
    relation ``p[i, j] > p[j, i]`` is checked against rankagg's ranks (no system ranked below one it beats).
    Ranked pairs has no ten-line numpy form (each locked pair needs a cycle check): none is given.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import rankagg
from rankagg.rankings.orders import levels_from_scores
from rankagg.rules import majority
from rankagg.rules.base import RuleInput


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def nice(x: float) -> str:
    """Three significant digits without exponents: 0.0159, 1.45, 75.8, 1,302."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def spread(xs: list[float], scale: float = 1.0, fmt: str | None = None, unit: str = " s") -> str:
    """``min / median / max`` over the instances."""
    vals = (scale * x for x in (min(xs), statistics.median(xs), max(xs)))
    return " / ".join(nice(v) if fmt is None else fmt.format(v) for v in vals) + unit


def ratio(a: list[float], b: list[float]) -> str:
    return spread([x / y for x, y in zip(a, b, strict=True)], fmt="{:.2g}", unit="x")


def random_table(n: int, seed: int, m: int = 20) -> rankagg.ScoreTable:
    return rankagg.ScoreTable(
        np.random.default_rng(seed).random((n, m)), systems=[f"s{i}" for i in range(n)],
        tasks=[f"t{j}" for j in range(m)], higher_is_better=True,
    )  # fmt: skip


# ----------------------------------------------------------------------------- aggregate
def numpy_ranking(scores: np.ndarray, rule: str) -> np.ndarray:
    """Ten lines of numpy + scipy: the mean's or Borda's ranking, ties at their best rank."""
    from scipy.stats import rankdata

    if rule == "borda":
        points = rankdata(-scores, method="average", axis=0)  # per-task ranks, ties averaged
        return rankdata(points.mean(axis=1), method="min").astype(np.int64)
    return rankdata(-scores.mean(axis=1), method="min").astype(np.int64)


def part_aggregate(ns: list[int], seeds: list[int], repeat: int) -> list[str]:
    lines = [
        "### aggregate, score-based rules, random n x 20",
        "",
        "| n | rule | rankagg.aggregate | ten-line numpy | aggregate / numpy (> 1: numpy faster) | ranks equal |",
        "|---|---|---|---|---|---|",
    ]
    numpy_ranking(np.random.default_rng(0).random((5, 3)), "borda")  # warm-up (scipy.stats import)
    for n in ns:
        for rule in ("mean", "borda"):
            ta, tn, same = [], [], 0
            for seed in seeds:
                t = random_table(n, seed)
                rankagg.aggregate(t, rule)  # warm-up
                a, res = best_of(lambda t=t, r=rule: rankagg.aggregate(t, r), repeat)
                b, ref = best_of(lambda t=t, r=rule: numpy_ranking(t.scores, r), repeat)
                ta.append(a)
                tn.append(b)
                same += bool(np.array_equal(np.asarray(res.ranks), ref))
            lines.append(
                f"| {n:,} | {rule} | {spread(ta, 1e3, '{:.1f}', ' ms')} | {spread(tn, 1e3, '{:.1f}', ' ms')} | "
                f"{ratio(ta, tn)} | {same} of {len(seeds)} |"
            )
            print(lines[-1], flush=True)
    return [*lines, ""]


# ----------------------------------------------------------------------------- pairwise counts
def rank_columns(n: int, seed: int, m: int = 20) -> np.ndarray:
    """n x m per-task ranks: scores rounded to 1/(n/4) (ties), 10% missing (NaN = unranked)."""
    rng = np.random.default_rng(seed)
    s = np.round(rng.random((n, m)) * max(2, n // 4)) / max(2, n // 4)
    s[rng.random((n, m)) < 0.1] = np.nan
    return np.column_stack([rankagg.rank_scores(s[:, j]) for j in range(m)])


def loop_wins(ranks: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The plain loop over the columns (NaN compares False: unranked pairs never count)."""
    n, m = ranks.shape
    wins = np.zeros((n, n))
    for j in range(m):
        c = ranks[:, j]
        wins += (c[:, None] < c[None, :]) * w[j]
    return wins


def loop_wins_ties(ranks: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plain loop computing what pairwise_counts returns (wins and ties)."""
    n, m = ranks.shape
    wins = np.zeros((n, n))
    ties = np.zeros((n, n))
    for j in range(m):
        c = ranks[:, j]
        wins += (c[:, None] < c[None, :]) * w[j]
        ties += (c[:, None] == c[None, :]) * w[j]
    np.fill_diagonal(ties, 0.0)
    return wins, ties


def part_pairwise(ns: list[int], seeds: list[int], repeat: int) -> list[str]:
    lines = [
        "### pairwise_counts, n x 20 rank tables (ties, 10% unranked)",
        "",
        "| n | weights | rankagg.pairwise_counts (wins and ties) | plain loop (wins) | rankagg / loop (< 1: rankagg "
        "faster) | plain loop (wins and ties) | rankagg / that loop | wins and ties equal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in ns:
        for kind in ("unit", "fractional"):
            tr, tl, t2, same = [], [], [], 0
            for seed in seeds:
                r = rank_columns(n, seed)
                w = np.ones(20) if kind == "unit" else np.random.default_rng(seed + 100).uniform(0.1, 2.0, 20)
                rankagg.pairwise_counts(r[: min(n, 50)], weights=w)  # warm-up
                a, (wins, _) = best_of(lambda r=r, w=w: rankagg.pairwise_counts(r, weights=w), repeat)
                b, _ = best_of(lambda r=r, w=w: loop_wins(r, w), repeat)
                c, (ref_w, ref_t) = best_of(lambda r=r, w=w: loop_wins_ties(r, w), repeat)
                ties = rankagg.pairwise_counts(r, weights=w)[1]
                tr.append(a)
                tl.append(b)
                t2.append(c)
                if kind == "unit":
                    ok = np.array_equal(wins, ref_w) and np.array_equal(ties, ref_t)
                else:
                    ok = np.allclose(wins, ref_w, rtol=1e-12, atol=1e-12) and np.allclose(ties, ref_t, atol=1e-12)
                same += bool(ok)
            lines.append(
                f"| {n:,} | {kind} | {spread(tr, 1e3, unit=' ms')} | {spread(tl, 1e3, unit=' ms')} | "
                f"{ratio(tr, tl)} | {spread(t2, 1e3, unit=' ms')} | {ratio(tr, t2)} | {same} of {len(seeds)} |"
            )
            print(lines[-1], flush=True)
    return [*lines, ""]


# ----------------------------------------------------------------------------- Schulze and ranked pairs
def numpy_schulze(wins: np.ndarray) -> np.ndarray:
    """Ten lines of numpy: widest-path strengths over the positive margins (Floyd-Warshall, one index a step)."""
    d = wins - wins.T
    p = np.where(d > 0, d, 0.0)
    for k in range(p.shape[0]):
        np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]), out=p)
    return p


def part_majority(ns: list[int], seeds: list[int], repeat: int, numpy_max_n: int) -> list[str]:
    lines = [
        "### Schulze and ranked pairs, random n x 20 (pairwise counts built first, as aggregate does)",
        "",
        "| n | Schulze | ten-line numpy Schulze | Schulze / numpy | numpy relation respected | ranked pairs |",
        "|---|---|---|---|---|---|",
    ]
    for n in ns:
        ts, tn, tr, consistent = [], [], [], 0
        for seed in seeds:
            t = random_table(n, seed)
            inp = RuleInput(table=t, rankings=rankagg.rank_table(t))
            wins, _ = inp.pairwise  # built once, outside the timing, as aggregate does
            rep = repeat if n <= 2000 else 1
            a, out = best_of(lambda inp=inp: majority.schulze(inp), rep)
            r, _ = best_of(lambda inp=inp: majority.ranked_pairs(inp), rep)
            ts.append(a)
            tr.append(r)
            if n <= numpy_max_n:
                b, p = best_of(lambda w=wins: numpy_schulze(w), 1)
                tn.append(b)
                beats = p > p.T
                if out.levels is not None:
                    levels = np.asarray(out.levels)
                else:
                    levels = levels_from_scores(np.asarray(out.scores), higher_is_better=out.higher_is_better)
                i, j = np.nonzero(beats)
                consistent += bool((levels[i] < levels[j]).all())  # whoever beats is in an earlier tier
        numpy_cells = (
            f"{spread(tn)} | {ratio(ts, tn)} | {consistent} of {len(seeds)}"
            if tn
            else f"not run (n > --numpy-max-n {numpy_max_n}) | | "
        )
        lines.append(f"| {n:,} | {spread(ts)} | {numpy_cells} | {spread(tr)} |")
        print(lines[-1], flush=True)
    return [*lines, ""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a check that the script runs)")
    ap.add_argument("--only", choices=("aggregate", "pairwise", "majority"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs per instance, the best kept (majority above n = 2,000: 1)"
    )
    ap.add_argument("--numpy-max-n", type=int, default=2000)
    ap.add_argument("--write", metavar="PATH", help="also write the markdown report here")
    args = ap.parse_args()
    q = args.quick
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    head = [
        "## Large boards (issue 19)",
        "",
        f"Command: `{cmd}` (from the project root)",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, rankagg {rankagg.__version__}; seeds {args.seeds}; best of {args.repeat} per "
        "instance; min / median / max over the seeds",
        f"Load before: `{uptime()}`",
        "",
    ]
    print("\n".join(head), flush=True)
    body: list[str] = []
    if args.only in (None, "aggregate"):
        body += part_aggregate([200, 500] if q else [2000, 5000], args.seeds, args.repeat)
    if args.only in (None, "pairwise"):
        body += part_pairwise(
            [10, 100, 300] if q else [10, 30, 60, 100, 300, 1000, 2000, 5000], args.seeds, args.repeat
        )
    if args.only in (None, "majority"):
        ns = [100, 300] if q else [2000, 5000]
        body += part_majority(ns, args.seeds, args.repeat, args.numpy_max_n)
    tail = [f"Load after: `{uptime()}`", ""]
    print(tail[0])
    if args.write:
        Path(args.write).write_text("\n".join(head + body + tail), encoding="utf-8")


if __name__ == "__main__":
    main()
