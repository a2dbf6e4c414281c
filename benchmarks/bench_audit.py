"""``rankagg.audit`` on real leaderboards: time and peak memory of each part, and the withholding search's
direct rule calls against the same search through ``rankagg.aggregate`` (the plain path), side by side.

Tables (read from ../shared/datasets; skipped when absent): Open LLM Leaderboard v1 (1,192 x 4), MTEB classic
(152 complete models x 56 tasks), MTEB classic under ``missing="partial"`` restricted to the 198 models with at
least 50 of the 56 tasks, GLUE (``missing="drop_systems"``, 97 x 14).

Beside the fast/plain ratio, a plain-numpy baseline of the withholding search where one exists in ten lines:
the mean under ``drop_tasks`` on a complete table of one column per task (GLUE has tasks of two columns):
each system's best rank over the tables without one task, the ranks of all tables at once by broadcasting,
with rankagg's tie tolerance (1e-9 of the largest score); the count of best ranks equal to rankagg's is
printed. The partial policy (win rate on the remaining pairs) has none that short. The summary gives
min / median / max over the tables of each policy.

    python benchmarks/bench_audit.py --boot 1000 --plain-systems 60
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

import rankagg
from rankagg.uncertainty.audit import audit
from rankagg.uncertainty.withholding import _rebuilt, _withholding

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def tables() -> list[tuple[str, rankagg.ScoreTable, str]]:
    out = []
    f = DATA / "open_llm_leaderboard_v1" / "snapshot_20230904.csv"
    if f.exists():
        out.append(("Open LLM v1 (1,192 x 4)", rankagg.read_table(f), "mean"))
    f = DATA / "mteb" / "mteb_eng_classic_56.csv"
    if f.exists():
        out.append(("MTEB classic complete (152 x 56)", rankagg.read_table(f, missing="drop_systems"), "mean"))
        part = rankagg.read_table(f, missing="partial")
        cover = (~np.isnan(np.asarray(part.scores))).sum(axis=1)
        keep = [s for s, c in zip(part.systems, cover, strict=True) if c >= 50]
        out.append(
            (f"MTEB classic partial, >= 50 tasks ({len(keep)} x 56)", part.select_systems(include=keep), "win_rate")
        )
    f = DATA / "glue_superglue_value" / "glue.csv"
    if f.exists():
        glue = rankagg.read_table(f, missing="drop_systems")
        out.append((f"GLUE ({glue.n_systems} x {glue.n_columns})", glue, "mean"))
    return out


def numpy_withholding_mean(scores: np.ndarray, higher_is_better: np.ndarray) -> np.ndarray:
    """Plain numpy: each system's best rank (1 + systems strictly ahead) by the mean, withholding <= 1 task."""
    x = np.where(higher_is_better, scores, -scores)
    n_tasks = x.shape[1]
    # (1 + tasks, systems); each mean computed on its own columns, as rankagg does (a sum minus the withheld
    # column differs in the last bits and breaks exact ties)
    means = np.stack([x.mean(1)] + [np.delete(x, j, axis=1).mean(1) for j in range(n_tasks)])
    tol = 1e-9 * np.abs(means).max(1)[:, None, None]  # rankagg's tie tolerance (levels_from_scores), unchained
    ranks = 1 + (means[:, None, :] - means[:, :, None] > tol).sum(-1)
    return ranks.min(0)


def _mmm(xs: list[float], fmt: str) -> str:
    return " / ".join(format(v, fmt) for v in (min(xs), float(np.median(xs)), max(xs)))


def timed(fn, *a, **kw):
    t0 = time.perf_counter()
    res = fn(*a, **kw)
    return res, time.perf_counter() - t0


def peak_mib(fn, *a, **kw) -> float:
    """Peak traced allocation of one more call (tracemalloc slows allocations, so never on a timed call)."""
    tracemalloc.start()
    fn(*a, **kw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def plain_withholding(table, rule, k, systems, policy):
    """The same search, every withholding ranked by rankagg.aggregate on a rebuilt table (checked path)."""
    sc = np.array(table.scores, dtype=float)
    base = rankagg.aggregate(table, rule=rule)
    best = {}
    for i in systems:
        s = table.systems[i]
        r0 = base.rank_of(s)
        own = [j for j in range(table.n_columns) if not np.isnan(sc[i, j])]
        for size in range(1, min(k, len(own) - 1) + 1):
            for w in itertools.combinations(own, size):
                if policy == "partial":
                    x = sc.copy()
                    x[i, list(w)] = np.nan
                    t = _rebuilt(table, x, range(table.n_columns), "partial")
                else:
                    t = _rebuilt(table, sc, [j for j in range(table.n_columns) if j not in w], "drop_tasks")
                with contextlib.suppress(rankagg.RankaggError):
                    r0 = min(r0, rankagg.aggregate(t, rule=rule).rank_of(s))
        best[s] = r0
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--memory", action="store_true", help="also run each audit once under tracemalloc")
    ap.add_argument("--tables", nargs="*", type=int, help="which tables (0, 1, 2; default all)")
    ap.add_argument("--plain-systems", type=int, default=60, help="systems searched by both paths for the ratio")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"load average {os.getloadavg()[0]:.1f}; numpy {np.__version__}; rankagg {rankagg.__version__}\n")
    print(
        "| table | audit (rules) | withholding | total s | peak MiB (tracemalloc) | withholding s | plain path s "
        "(same systems) | fast s (same systems) | ratio | numpy s (all systems) | withholding / numpy |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary: dict[str, dict[str, list[float]]] = {}
    for k, (name, table, rule) in enumerate(tables()):
        if args.tables and k not in args.tables:
            continue
        for policy in ("partial", "drop_tasks"):
            if policy == "partial" and not rankagg.get_rule(rule).partial_ok:
                wrule = "win_rate"
            else:
                wrule = rule
            if policy == "drop_tasks" and table.has_missing:
                continue
            rules = [wrule, "partial_borda" if table.has_missing else "borda", "copeland"]
            kw = dict(rule=wrule, rules=rules, n_boot=args.boot, seed=0, k_withhold=1, withhold_missing=policy)
            res, total = timed(audit, table, **kw)
            peak = peak_mib(audit, table, **kw) if args.memory else float("nan")
            base = np.array([res.comparison.results[wrule].rank_of(s) for s in table.systems])
            pick = list(range(min(args.plain_systems, table.n_systems)))
            (whole, _), tw = timed(
                _withholding, table, wrule, 1, base, atol=0.0, rtol=0.0, params={}, max_subsets=256, policy=policy
            )
            (fast, _), tf = timed(
                _withholding,
                table,
                wrule,
                1,
                base,
                atol=0.0,
                rtol=0.0,
                params={},
                max_subsets=256,
                policy=policy,
                only=pick,
            )
            plain, tp = timed(plain_withholding, table, wrule, 1, pick, policy)
            assert dict(zip(fast["system"], fast["best_rank"].astype(int))) == plain, "fast and plain paths differ"
            agg = summary.setdefault(policy, {"total": [], "withholding": [], "ratio": [], "numpy_x": []})
            agg["total"].append(total)
            agg["withholding"].append(tw)
            agg["ratio"].append(tp / tf)
            np_cells = "n/a | n/a"
            if policy == "drop_tasks" and wrule == "mean" and table.n_columns == len(table.tasks):
                hib = np.asarray(table.higher_is_better, dtype=bool)
                best, tn = timed(numpy_withholding_mean, np.asarray(table.scores, dtype=float), hib)
                full = dict(zip(whole["system"], whole["best_rank"].astype(int)))
                same = sum(full[s] == int(r) for s, r in zip(table.systems, best, strict=True))
                agg["numpy_x"].append(tw / tn)
                np_cells = f"{tn:.4f} ({same} of {table.n_systems} best ranks equal) | {tw / tn:.2g}x"
            print(
                f"| {name} | {wrule} ({', '.join(rules)}) | k=1, {policy} | {total:.2f} | {peak:.0f} | {tw:.2f} | "
                f"{tp:.2f} ({len(pick)} systems) | {tf:.3f} | {tp / tf:.1f}x | {np_cells} |"
            )
    print(f"\nSummary: min / median / max over the tables (load average {os.getloadavg()[0]:.1f})\n")
    print("| policy | tables | audit total s | withholding s | plain / fast | withholding / numpy |")
    print("|---|---:|---|---|---|---|")
    for policy, agg in summary.items():
        np_x = _mmm(agg["numpy_x"], ".2g") + f" ({len(agg['numpy_x'])} tables)" if agg["numpy_x"] else "n/a"
        print(
            f"| {policy} | {len(agg['total'])} | {_mmm(agg['total'], '.2f')} | {_mmm(agg['withholding'], '.3f')} "
            f"| {_mmm(agg['ratio'], '.1f')} | {np_x} |"
        )


if __name__ == "__main__":
    main()
