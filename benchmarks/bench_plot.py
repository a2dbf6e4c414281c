"""Time and memory of every rankagg.plot figure on real boards, against a plain matplotlib figure and scikit-posthocs.

For each table (GLUE 96 systems x 14 task columns, MTEB classic 152 x 56 by default) and each kind, the result
the figure draws is computed once (bootstrap B = 1,000 with Borda, compare, Friedman, perturbation draws), then
the figure is drawn and saved as PDF into memory ``--repeat`` times (inside ``paper_style()``: TrueType fonts
embedded, as publishers require and as ``rankagg plot`` saves); the figure is the median CPU time of
draw + save (matplotlib draws in one thread; CPU time is steadier than wall time on a shared machine), with
the CPU time of computing its input beside it, and the peak Python memory (tracemalloc) of one draw + save.
Side by side in the same run: a plain matplotlib figure of the same board (a horizontal bar chart of each
system's mean score with its name: what a script draws without rankagg), and, when installed (the ``bench``
extra), scikit-posthocs' ``critical_difference_diagram`` on the same mean ranks and Nemenyi verdicts.
Ratios are to the plain figure.

    python benchmarks/bench_plot.py --repeat 5
    python benchmarks/bench_plot.py --tables glue mteb open_llm --top 30
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import rankagg
import rankagg.plot as rp
from rankagg.uncertainty.stats import friedman_nemenyi

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
TABLES = {
    "glue": ("glue_superglue_value/glue.csv", {"missing": "drop_systems", "exclude": "*Human Baselines*"}),
    "mteb": ("mteb/mteb_eng_classic_56.csv", {"missing": "drop_systems"}),
    "open_llm": ("open_llm_leaderboard_v1/snapshot_20230904.csv", {}),
}


def save(ax) -> int:
    """Save as PDF in memory with the paper settings (TrueType fonts embedded, as `rankagg plot` does)."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), rp.paper_style():
        warnings.simplefilter("ignore", UserWarning)  # glyphs of CJK model names missing from DejaVu Sans
        ax.figure.savefig(buf, format="pdf")
    plt.close(ax.figure)
    return buf.tell()


def plain(table) -> object:
    """The baseline: each system's mean score as a horizontal bar with its name, one-column wide."""
    means = np.nanmean(table.oriented_scores(), axis=1)
    order = np.argsort(-means)
    _, ax = plt.subplots(figsize=(3.3, min(9.0, 0.6 + 0.15 * table.n_systems)))
    ax.barh(np.arange(table.n_systems), means[order])
    ax.set_yticks(np.arange(table.n_systems))
    ax.set_yticklabels([table.systems[i] for i in order])
    ax.invert_yaxis()
    return ax


def posthocs(fried) -> object | None:
    try:
        import scikit_posthocs as sp
    except ImportError:
        return None
    diff = fried.different()
    sig = diff.astype(float).map(lambda d: 0.0 if d else 1.0)
    _, ax = plt.subplots(figsize=(6.9, 3.0))
    sp.critical_difference_diagram(fried.mean_ranks, sig, cd=fried.critical_difference, ax=ax)
    return ax


def inputs(table, name: str, b: int, seed: int) -> dict[str, tuple[float, object]]:
    """Each figure's input, with the time it took to compute."""
    out: dict[str, tuple[float, object]] = {}

    def timed(key, f):
        t0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rankagg.BootstrapWarning)
            v = f()
        out[key] = (time.process_time() - t0, v)

    timed("friedman", lambda: friedman_nemenyi(table))
    timed("bootstrap", lambda: rankagg.bootstrap(table, "borda", n_resamples=b, rng=seed))
    rules = ["mean", "borda", "copeland"] + (["kemeny"] if name != "open_llm" else [])
    timed("compare", lambda: rankagg.compare(table, rules))
    timed("remove_tasks", lambda: rankagg.remove_tasks(table, rules="mean,borda", n_draws=20, rng=seed))
    timed("table", lambda: table)
    return out


def kinds(inp, top):
    consensus = "kemeny" if inp["table"][1].n_systems <= 200 else "borda"
    return {
        "critical_difference": ("friedman", lambda x: rp.critical_difference(x, top=top)),
        "rank_intervals": ("bootstrap", lambda x: rp.rank_intervals(x, top=top)),
        "rank_probabilities": ("bootstrap", lambda x: rp.rank_probabilities(x, top=top)),
        "rank_probabilities (blob)": ("bootstrap", lambda x: rp.rank_probabilities(x, style="blob", top=top)),
        "prob_above": ("bootstrap", lambda x: rp.prob_above(x, top=top)),
        "bump": ("compare", lambda x: rp.bump(x, top=top)),
        "agreement": ("compare", lambda x: rp.agreement(x)),
        "bump_tasks": ("table", lambda x: rp.bump_tasks(x, rule=consensus, top=top or 15)),
        "task_ranks": ("table", lambda x: rp.task_ranks(x, rule=consensus, top=top)),
        "pairwise_margins": ("table", lambda x: rp.pairwise_margins(x, top=top)),
        "perturbation": ("remove_tasks", lambda x: rp.perturbation(x)),
    }


def measure(f, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        save(f())
        times.append(time.process_time() - t0)
    tracemalloc.start()
    save(f())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", nargs="+", default=["glue", "mteb"], choices=list(TABLES))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("-B", type=int, default=1000)
    ap.add_argument("--top", type=int, default=None, help="top= of every figure (default: all systems)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, matplotlib {matplotlib.__version__}, load {os.getloadavg()[0]:.1f}")
    print(f"median CPU time of {args.repeat} draw + save (PDF, in memory); peak Python memory of one (tracemalloc)\n")
    for name in args.tables:
        rel, kw = TABLES[name]
        if not (DATA / rel).exists():
            print(f"{name}: {DATA / rel} not found, skipped")
            continue
        table = rankagg.read_table(DATA / rel, **kw)
        save(plain(table))  # warm up fonts and caches once
        inp = inputs(table, name, args.B, args.seed)
        base_t, base_m = measure(lambda t=table: plain(t), args.repeat)
        print(f"## {name}: {table.n_systems} systems x {table.n_columns} task columns (top={args.top})\n")
        print("| figure | input computed in | draw + save | ratio to plain | peak memory |")
        print("|---|---|---|---|---|")
        print(f"| plain matplotlib (barh of means) | - | {base_t:.3f} s | 1.00x | {base_m:.1f} MiB |")
        fried = inp["friedman"][1]
        if posthocs(fried) is not None:
            t, m = measure(lambda f=fried: posthocs(f), args.repeat)
            print(f"| scikit-posthocs CD diagram (all systems) | - | {t:.3f} s | {t / base_t:.2f}x | {m:.1f} MiB |")
        for kind, (key, draw) in kinds(inp, args.top).items():
            cost, x = inp[key]
            t, m = measure(lambda d=draw, v=x: d(v), args.repeat)
            print(f"| {kind} | {cost:.3f} s ({key}) | {t:.3f} s | {t / base_t:.2f}x | {m:.1f} MiB |")
        print()


if __name__ == "__main__":
    main()
