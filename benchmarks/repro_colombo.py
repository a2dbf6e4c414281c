"""Colombo et al. (NeurIPS 2022) on the GLUE and SuperGLUE snapshots: task removal and the x1000 attack.

Usage: python benchmarks/repro_colombo.py [--draws 50] [--seed 0] [--data ../shared/datasets/glue_superglue_value]

Prints, for each leaderboard (human baselines excluded, then included), the mean Kendall tau-b of each
rule's ranking after removing k of the T tasks at random (k = 1..T-1, ``--draws`` draws per k, the same
subsets for every rule) to the rule's full-data ranking, by whole tasks and by task columns; and the
x1000 attack: for each task column, multiply it by 1000 and see whether the winner changes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import rankagg

RULES = ("mean", "zscore_mean", "borda", "copeland", "kemeny")
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "datasets" / "glue_superglue_value"))
    args = ap.parse_args()
    for name in ("glue", "superglue"):
        for exclude in ("*Human Baselines*", None):
            table = rankagg.read_table(Path(args.data) / f"{name}.csv", missing="drop_systems", exclude=exclude)
            who = "without" if exclude else "with"
            print(f"\n== {name}: {table.n_systems} systems ({who} human baselines), {len(table.tasks)} tasks, "
                  f"{table.n_columns} task columns")  # fmt: skip
            for by in ("task", "column"):
                t0 = time.perf_counter()
                df = rankagg.remove_tasks(table, rules=RULES, n_draws=args.draws, by=by, rng=args.seed)
                tau = df.groupby("rule", sort=False)["kendall_tau"].mean()
                top = df.groupby("rule", sort=False)["top1_changed"].mean()
                print(f"remove_tasks by {by:<6} (k = 1..{df['parameter'].max()}, {args.draws} draws per k, "
                      f"{time.perf_counter() - t0:.1f} s): mean tau  "
                      + "  ".join(f"{r} {tau[r]:.4f}" for r in RULES))  # fmt: skip
                print(" " * 26 + "top-1 change rate  " + "  ".join(f"{r} {top[r]:.3f}" for r in RULES))
            df = rankagg.rescale_task(table, rules=RULES, factors=1000)
            changed = df.groupby("rule", sort=False)["top1_changed"].sum()
            tau = df.groupby("rule", sort=False)["kendall_tau"].mean()
            n = table.n_columns
            print(f"x1000 on one task column ({n} columns): winner changes  "
                  + "  ".join(f"{r} {changed[r]}/{n}" for r in RULES))  # fmt: skip
            print(" " * 38 + "mean tau  " + "  ".join(f"{r} {tau[r]:.4f}" for r in RULES))


if __name__ == "__main__":
    main()
