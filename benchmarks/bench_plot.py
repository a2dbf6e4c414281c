"""Time and memory of every rankagg.plot figure on real boards, against a plain matplotlib figure and scikit-posthocs.

For each table (GLUE 96 systems x 14 task columns, MTEB classic 152 x 56, SuperGLUE 22 x 14 by default) and each
kind, the result the figure draws is computed once (bootstrap B = 1,000 with Borda, compare, Friedman, perturbation
draws), then the figure is drawn and saved as PDF into memory ``--repeat`` times (inside ``paper_style()``:
TrueType fonts embedded, as publishers require and as ``rankagg plot`` saves); the figure is the median CPU time of
draw + save (matplotlib draws in one thread; CPU time is steadier than wall time on a shared machine), with the CPU
time of computing its input beside it, and the peak Python memory (tracemalloc) of one draw + save. Side by side in
the same run: a plain matplotlib figure of the same board (a horizontal bar chart of each system's mean score with
its name: what a script draws without rankagg), and, when installed (the ``bench`` extra), scikit-posthocs'
``critical_difference_diagram`` on the same mean ranks and Nemenyi verdicts. Ratios are to the plain figure and to
scikit-posthocs' diagram of the same table; at the end, each figure's time, ratios and peak memory as min / median
/ max over the tables, with the slowest table named.

    python benchmarks/bench_plot.py --repeat 5 --write benchmarks/RESULTS_plot.md
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
    "superglue": ("glue_superglue_value/superglue.csv", {"missing": "drop_systems"}),
    "open_llm": ("open_llm_leaderboard_v1/snapshot_20230904.csv", {}),
}


def spread(xs: list[float], fmt: str) -> str:
    """``min / median / max`` of a figure over the tables."""
    return " / ".join(fmt.format(x) for x in (min(xs), statistics.median(xs), max(xs)))


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
    ap.add_argument("--tables", nargs="+", default=["glue", "mteb", "superglue"], choices=list(TABLES))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("-B", type=int, default=1000)
    ap.add_argument("--top", type=int, default=None, help="top= of every figure (default: all systems)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", metavar="PATH", help="also write the markdown report here")
    args = ap.parse_args()
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    say(f"Command: `python {' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}`")
    say(f"python {sys.version.split()[0]}, matplotlib {matplotlib.__version__}, load {os.getloadavg()[0]:.1f}")
    say(f"median CPU time of {args.repeat} draw + save (PDF, in memory); peak Python memory of one (tracemalloc)\n")
    # per figure: (table, time, ratio to plain, ratio to scikit-posthocs, peak MiB) over the tables
    rows: dict[str, list[tuple[str, float, float, float | None, float]]] = {}
    for name in args.tables:
        rel, kw = TABLES[name]
        if not (DATA / rel).exists():
            say(f"{name}: {DATA / rel} not found, skipped")
            continue
        table = rankagg.read_table(DATA / rel, **kw)
        save(plain(table))  # warm up fonts and caches once
        inp = inputs(table, name, args.B, args.seed)
        base_t, base_m = measure(lambda t=table: plain(t), args.repeat)
        say(f"## {name}: {table.n_systems} systems x {table.n_columns} task columns (top={args.top})\n")
        say("| figure | input computed in | draw + save | ratio to plain | ratio to scikit-posthocs | peak memory |")
        say("|---|---|---|---|---|---|")
        say(f"| plain matplotlib (barh of means) | - | {base_t:.3f} s | 1.00x | | {base_m:.1f} MiB |")
        rows.setdefault("plain matplotlib (barh of means)", []).append((name, base_t, 1.0, None, base_m))
        fried = inp["friedman"][1]
        ph_t = None
        if posthocs(fried) is not None:
            ph_t, m = measure(lambda f=fried: posthocs(f), args.repeat)
            say(f"| scikit-posthocs CD diagram (all systems) | - | {ph_t:.3f} s | {ph_t / base_t:.2f}x | 1.00x | "
                f"{m:.1f} MiB |")  # fmt: skip
            rows.setdefault("scikit-posthocs CD diagram", []).append((name, ph_t, ph_t / base_t, 1.0, m))
        for kind, (key, draw) in kinds(inp, args.top).items():
            cost, x = inp[key]
            t, m = measure(lambda d=draw, v=x: d(v), args.repeat)
            vs_ph = None if ph_t is None else t / ph_t
            say(f"| {kind} | {cost:.3f} s ({key}) | {t:.3f} s | {t / base_t:.2f}x | "
                f"{'' if vs_ph is None else f'{vs_ph:.2f}x'} | {m:.1f} MiB |")  # fmt: skip
            rows.setdefault(kind, []).append((name, t, t / base_t, vs_ph, m))
        say()
    if rows:
        n = max(len(v) for v in rows.values())
        say(f"## Over the {n} tables ({', '.join(args.tables)}): min / median / max\n")
        say("| figure | tables | draw + save (s) | ratio to plain | ratio to scikit-posthocs | peak memory (MiB) | "
            "slowest table |")  # fmt: skip
        say("|---|---|---|---|---|---|---|")
        for kind, vals in rows.items():
            ph = [v[3] for v in vals if v[3] is not None]
            slow = max(vals, key=lambda v: v[1])[0]
            say(f"| {kind} | {len(vals)} | {spread([v[1] for v in vals], '{:.3f}')} | "
                f"{spread([v[2] for v in vals], '{:.2f}')}x | {spread(ph, '{:.2f}') + 'x' if ph else ''} | "
                f"{spread([v[4] for v in vals], '{:.1f}')} | {slow} |")  # fmt: skip
        say()
    say(f"load at the end {os.getloadavg()[0]:.1f}")
    if args.write:
        Path(args.write).write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
