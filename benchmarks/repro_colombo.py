"""Colombo et al. (NeurIPS 2022) on the GLUE and SuperGLUE snapshots: task removal and the x1000 attack.

Usage: python benchmarks/repro_colombo.py [--draws 50] [--seed 0] [--data ../shared/datasets/glue_superglue_value]
       [--write benchmarks/RESULTS_colombo.md]

For each leaderboard (human baselines excluded, then included), each rule's Kendall tau-b after removing k of
the T tasks at random (k = 1..T-1, ``--draws`` draws per k, the same subsets for every rule) to the rule's
full-data ranking, by whole tasks and by task columns: the mean over the draws, the min / median / max over
the draws (every k pooled: the worst draw first), the mean of the worst k, the top-1 change rate, and, draw by
draw on the same subsets, on how many draws the rule is closer to its full-data ranking than the mean is to
its own (ties counted apart). Then the x1000 attack: for each task column, multiply it by 1000 and see whether
the winner changes. At the end, min / median / max over the 4 boards (2 leaderboards x with / without human
baselines) of each rule's mean tau and of its draw-by-draw share against the mean.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import rankagg

RULES = ("mean", "zscore_mean", "borda", "copeland", "kemeny")
ROOT = Path(__file__).resolve().parents[1]


def spread(xs: list[float], fmt: str = "{:.3f}") -> str:
    return " / ".join(fmt.format(x) for x in (min(xs), statistics.median(xs), max(xs)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "datasets" / "glue_superglue_value"))
    ap.add_argument("--write", metavar="PATH", help="also write the markdown report here")
    args = ap.parse_args()
    out: list[str] = [f"Command: `python {' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}`"]

    def say(text: str = "") -> None:
        print(text, flush=True)
        out.append(text)

    # (by, rule) -> per board: (mean tau, share of draws closer than the mean)
    over: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for name in ("glue", "superglue"):
        for exclude in ("*Human Baselines*", None):
            table = rankagg.read_table(Path(args.data) / f"{name}.csv", missing="drop_systems", exclude=exclude)
            who = "without" if exclude else "with"
            say(f"\n### {name}: {table.n_systems} systems ({who} human baselines), {len(table.tasks)} tasks, "
                f"{table.n_columns} task columns\n")  # fmt: skip
            for by in ("task", "column"):
                t0 = time.perf_counter()
                df = rankagg.remove_tasks(table, rules=RULES, n_draws=args.draws, by=by, rng=args.seed)
                tau = df.pivot_table(index=["parameter", "draw"], columns="rule", values="kendall_tau")
                top = df.groupby("rule", sort=False)["top1_changed"].mean()
                by_k = df.groupby(["rule", "parameter"])["kendall_tau"].mean()
                say(f"remove_tasks by {by} (k = 1..{df['parameter'].max()}, {args.draws} draws per k, {len(tau)} "
                    f"draws per rule, {time.perf_counter() - t0:.1f} s):\n")  # fmt: skip
                say("| rule | mean tau | min / median / max over the draws | worst k: mean tau | top-1 change rate "
                    "| draws closer than the mean / as close / farther |")  # fmt: skip
                say("|---|---:|---|---|---:|---|")
                for r in RULES:
                    x = tau[r].to_numpy()
                    worst_k = by_k[r].idxmin()
                    d = x - tau["mean"].to_numpy()
                    closer, same = int((d > 1e-12).sum()), int((np.abs(d) <= 1e-12).sum())
                    vs = "-" if r == "mean" else f"{closer} / {same} / {x.size - closer - same}"
                    say(f"| {r} | {x.mean():.4f} | {np.min(x):.3f} / {np.median(x):.3f} / {np.max(x):.3f} | "
                        f"{by_k[r].min():.3f} (k = {worst_k}) | {top[r]:.3f} | {vs} |")  # fmt: skip
                    over.setdefault((by, r), []).append((float(x.mean()), closer / x.size))
                say()
            df = rankagg.rescale_task(table, rules=RULES, factors=1000)
            changed = df.groupby("rule", sort=False)["top1_changed"].sum()
            tau = df.groupby("rule", sort=False)["kendall_tau"]
            n = table.n_columns
            say(f"x1000 on one task column ({n} columns): winner changes  "
                + "  ".join(f"{r} {changed[r]}/{n}" for r in RULES))  # fmt: skip
            lo, mid, hi = tau.min(), tau.median(), tau.max()
            say("tau after x1000, min / median / max over the columns:  "
                + "  ".join(f"{r} {lo[r]:.3f} / {mid[r]:.3f} / {hi[r]:.3f}" for r in RULES))  # fmt: skip
    say("\n### Over the 4 boards (GLUE, SuperGLUE; without, with human baselines): min / median / max\n")
    say("| removal | rule | mean tau | share of draws closer to its full-data ranking than the mean |")
    say("|---|---|---|---|")
    for (by, r), vals in over.items():
        share = "-" if r == "mean" else spread([v[1] for v in vals], "{:.2f}")
        say(f"| by {by} | {r} | {spread([v[0] for v in vals])} | {share} |")
    if args.write:
        Path(args.write).write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
