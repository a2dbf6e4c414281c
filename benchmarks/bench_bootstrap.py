"""Benchmark of rankagg.bootstrap against a straightforward per-resample loop.

Usage::

    python benchmarks/bench_bootstrap.py [--quick] [--repeats 3] [--write benchmarks/RESULTS_bootstrap.md]

(a) 10,000 task-resamples of Borda and of the mean on a random 200 systems x 50 tasks table: the
    vectorised fast path of ``rankagg.bootstrap`` against a plain loop that builds each resampled table
    (the drawn columns, weights multiplied by the counts) and calls ``rankagg.aggregate``. The loop is
    timed on a subset of the resamples and extrapolated (it is linear in their number); its ranks are
    checked equal to the bootstrap's on that subset.
(b) 1,000 task-resamples of exact Kemeny on five GLUE-size real tables (tidy GLUE and the raw
    vote_and_rank GLUE snapshot, each with missing="drop_systems" and "partial", and SuperGLUE) with
    ``rankagg.bootstrap(..., n_jobs=2)`` and ``n_jobs=1`` against re-solving each resample from scratch in
    the plain loop over ``aggregate`` (one process; it also resolves large components' tiers, which the
    bootstrap skips) and against a same-work loop (build, solve from scratch, the bootstrap's tie pass);
    min / median / max over the tables. Check: on the loop's resamples the bootstrap's strict order and
    the loop's have the same Kemeny score on that resample's pairwise counts, and the bootstrap's ranks
    are a coarsening of its order; unproven solves counted on both sides. Set ``--loop-b`` to time the
    loop on fewer resamples and extrapolate.

(c) 1,000 task-resamples of exact Kemeny (n_jobs=1) on several GLUE-size tables: the tidy GLUE file
    (``missing="drop_systems"`` and ``"partial"``) and the raw vote_and_rank GLUE snapshot read with
    rankagg's wide reader (13 task columns without the diagnostic AX, both missing policies). For each,
    where the time goes: each distinct resample's warm-started solve timed alone (median, 90th
    percentile, max) and the size of its largest strongly connected component of the strict-majority
    graph (what the exact solver must prove with the LP).
(d) The instance-level bootstrap (default resampling) on real instance tables: AMLB 2019 fold level
    (7 frameworks x 39 tasks x 10 folds, 4h budget, failed runs missing), SummEval (16 systems x 17
    metrics x 100 documents), AlpacaEval 2.0 (52 complete models x 5 subsets, 805 prompts), and a random
    table of the shape the issue reports (13 systems x 104 tasks x 10 folds = 1,040 folds): the
    vectorised path (``fast=True``) against the per-resample loop it replaced (``fast=False``: rebuild
    each resample's table and aggregate it), the loop timed on fewer resamples and extrapolated; ranks
    checked equal on those resamples.

Each timing is repeated (``--repeats``) and the best and median runs are reported. Peak memory is
measured in a separate run of each case: tracemalloc (Python and numpy allocations of this process) and
``resource.getrusage`` (peak resident set size of this process and of the worker processes).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import rankagg
from rankagg import ScoreTable, aggregate, bootstrap
from rankagg.data.table import rank_table
from rankagg.rules.kemeny import kemeny, kemeny_score
from rankagg.rules.kemeny._solve import warm_order

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets"
GLUE = DATA / "glue_superglue_value" / "glue.csv"
RAW_GLUE = DATA / "raw/github/PragmaticsLab/vote_and_rank/6d9cbe37600ada4ff2e448a6cac87098a46f32a6/tables"


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def resampled_table(table: ScoreTable, c: np.ndarray) -> ScoreTable:
    """The table of one resample: the drawn columns, weights multiplied by the draw counts."""
    cols = np.nonzero(c)[0]
    return ScoreTable(
        table.scores[:, cols],
        systems=table.systems,
        tasks=[table.labels[j] for j in cols],
        higher_is_better={table.labels[j]: bool(table.higher_is_better[j]) for j in cols},
        weights=list(table.weights[cols] * c[cols]),
        missing=table.missing_policy,
    )


def loop_ranks(table: ScoreTable, rule: str, counts: np.ndarray, **params: Any) -> np.ndarray:
    """The straightforward loop: build each resampled table and aggregate it."""
    out = np.empty((counts.shape[0], table.n_systems), dtype=np.int64)
    for b, c in enumerate(counts):
        out[b] = aggregate(resampled_table(table, c), rule, **params).ranks
    return out


def loop_parts(table: ScoreTable, counts: np.ndarray, initial: np.ndarray) -> tuple[float, float, float]:
    """Seconds per resample of the loop's parts: building the resampled table and its pairwise counts; the
    exact Kemeny solve from scratch (``kemeny(wins, method="exact")``) and the tie pass the bootstrap's
    resamples run (``consensus(..., resolve=False)``); and the bootstrap's warm-started solve of the same
    counts with the same tie pass (what each worker does per resample, in this process)."""
    from rankagg.rules.kemeny._consensus import consensus

    prep = scratch = warm = 0.0
    for c in counts:
        t0 = time.perf_counter()
        wins = rank_table(resampled_table(table, c)).pairwise()[0]
        t1 = time.perf_counter()
        res = kemeny(wins, method="exact")
        n = wins.shape[0]
        tol = 1e-9 * max(float(wins.sum() + wins.T.sum()) / max(n * (n - 1), 1), 1.0)
        consensus(wins, np.asarray(res.order, dtype=np.intp), res.optimal, None, tol, resolve=False)
        t2 = time.perf_counter()
        order, proven = warm_order(wins, initial, method="exact", with_status=True)
        consensus(wins, order, proven, None, tol, resolve=False)
        t3 = time.perf_counter()
        prep, scratch, warm = prep + t1 - t0, scratch + t2 - t1, warm + t3 - t2
    k = max(1, counts.shape[0])
    return prep / k, scratch / k, warm / k


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def peak_memory(fn: Callable[[], Any]) -> tuple[float, float, float]:
    """(tracemalloc peak MiB, ru_maxrss self MiB, ru_maxrss children MiB) around one call."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return peak / 2**20, self_rss, child_rss


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its finished worker processes."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def fmt_times(ts: list[float]) -> str:
    return f"best {min(ts):.3f} s, median {statistics.median(ts):.3f} s (n={len(ts)})"


def spread(xs: list[float], fmt: str = "{:.3f}", unit: str = " s") -> str:
    """``min / median / max`` of a figure over the instances."""
    return " / ".join(fmt.format(x) for x in (min(xs), statistics.median(xs), max(xs))) + unit


def best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    ts, out = timed(fn, repeats)
    return min(ts), out


def numpy_loop(points: np.ndarray, counts: np.ndarray, lower_is_better: bool) -> np.ndarray:
    """The plain-numpy loop of the issue: each resample's mean points, ranked with ties at their best rank."""
    from scipy.stats import rankdata

    out = np.empty((counts.shape[0], points.shape[0]), dtype=np.int64)
    for r, c in enumerate(counts):
        s = points @ c / c.sum()
        out[r] = rankdata(s if lower_is_better else -s, method="min")
    return out


def numpy_vectorised(points: np.ndarray, counts: np.ndarray, lower_is_better: bool) -> np.ndarray:
    """The same in one product and one ``rankdata`` over the rows (what a numpy user would write next)."""
    from scipy.stats import rankdata

    s = (counts @ points.T) / counts.sum(axis=1, keepdims=True)
    return rankdata(s if lower_is_better else -s, method="min", axis=1).astype(np.int64)


def random_table(seed: int, n: int = 200, m: int = 50) -> ScoreTable:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.normal(size=(n, m)) + rng.normal(size=(n, 1)), 2)  # system effect + noise, ties
    return ScoreTable(scores, systems=[f"sys{i:03d}" for i in range(n)], tasks=[f"task{j:02d}" for j in range(m)],
                      higher_is_better=True)  # fmt: skip


def a_instances(quick: bool) -> dict[str, ScoreTable]:
    out = {f"random 200 x 50, seed {s}": random_table(s) for s in (0, 1, 2)}
    if quick:
        return out
    real = {
        "GLUE (drop_systems)": (GLUE, "drop_systems"),
        "SuperGLUE (drop_systems)": (DATA / "glue_superglue_value" / "superglue.csv", "drop_systems"),
        "MTEB classic (drop_systems)": (DATA / "mteb" / "mteb_eng_classic_56.csv", "drop_systems"),
        "Open LLM v1 2023-09-04": (DATA / "open_llm_leaderboard_v1" / "snapshot_20230904.csv", "raise"),
    }
    for name, (path, missing) in real.items():
        if path.is_file():
            out[name] = rankagg.read_table(path, missing=missing)
    return out


def case_a(n_resamples: int, n_loop: int, repeats: int, quick: bool = False) -> list[str]:
    """Vectorised Borda / mean bootstrap against its bounds, the previous ranking step, two plain-numpy
    baselines and the per-resample loop over ``aggregate``, on every instance; min / median / max over them."""
    import warnings

    from rankagg.uncertainty.resampling import (
        _n_distinct_rows,
        _one_blas_thread,
        _ranks_from_scores,
        _ranks_from_scores_argsort,
    )

    lines = [
        f"### (a) {n_resamples:,} task-resamples of Borda and of the mean, vectorised, on several tables",
        "",
        "Per instance (best of the repeats): `rankagg.bootstrap`; the bound pieces measured in the same run, the "
        "float64 product of the count matrix and the per-task points (`counts @ points.T`, the faster of one and two "
        "BLAS threads) and one `np.sort` / "
        "`np.argsort` of each resample's scores; the ranking step before (argsort path) and now; a ten-line numpy "
        "loop over the resamples and its vectorised form (`scipy.stats.rankdata(..., method='min', axis=1)`), on "
        "the bootstrap's own counts; and the per-resample loop over `rankagg.aggregate`, timed on "
        f"{n_loop} resamples and extrapolated.",
        "",
        "| table | rule | bootstrap | product | + np.sort | + np.argsort | bootstrap / product | bootstrap / "
        "(product + sort) | ranking step before / now | distinct: np.unique / hash | numpy loop | numpy "
        "vectorised | aggregate loop (extrap.) | x numpy loop | x numpy vect. | x aggregate loop | ranks equal "
        "(numpy; aggregate loop) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows: dict[str, list[dict[str, float]]] = {"borda": [], "mean": []}
    for name, table in a_instances(quick).items():
        for rule in ("borda", "mean"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Open LLM: 4 task columns (BootstrapWarning)
                bootstrap(table, rule, n_resamples=100, rng=1)  # warm-up
                tb, res = best(lambda t=table, r=rule: bootstrap(t, r, n_resamples=n_resamples, rng=1), repeats)
            counts = res.counts
            points = rank_table(table).ranks if rule == "borda" else table.scores
            lower = rule == "borda"
            w = counts * table.weights[None, :]
            tp2, prod = best(lambda w=w, p=points: w @ p.T, repeats)
            with _one_blas_thread():
                tp1, _ = best(lambda w=w, p=points: w @ p.T, repeats)
            tp = min(tp1, tp2)  # the product with one BLAS thread (as the bootstrap runs it) or two, the faster
            scores = prod / w.sum(axis=1, keepdims=True)
            ts, _ = best(lambda s=scores: np.sort(s, axis=1), repeats)
            tas, _ = best(lambda s=scores: np.argsort(s, axis=1), repeats)
            t_old, r_old = best(
                lambda s=scores, h=not lower: _ranks_from_scores_argsort(s, higher_is_better=h), repeats
            )
            t_new, r_new = best(lambda s=scores, h=not lower: _ranks_from_scores(s, higher_is_better=h), repeats)
            assert np.array_equal(r_old, r_new) and np.array_equal(r_new, res.ranks), f"{name} {rule}: ranks differ"
            tu, nu = best(lambda c=counts: np.unique(c, axis=0).shape[0], repeats)
            th, nh = best(lambda c=counts: _n_distinct_rows(c), repeats)
            assert nu == nh == res.n_distinct
            numpy_loop(points, counts[:2], lower)  # warm-up (scipy.stats import)
            tnl, rl = best(lambda p=points, c=counts[: n_loop * 5], lo=lower: numpy_loop(p, c, lo), 1)
            tnl = tnl / min(n_loop * 5, n_resamples) * n_resamples
            tnv, rv = best(lambda p=points, c=counts, lo=lower: numpy_vectorised(p, c, lo), repeats)
            sub = counts[:n_loop]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loop_ranks(table, rule, sub[:2])  # warm-up: first-call costs are not the loop's
                tl, lr = best(lambda t=table, r=rule, c=sub: loop_ranks(t, r, c), 1)
            loop_equal = np.array_equal(lr, res.ranks[:n_loop])
            eq_loop = int((rl == res.ranks[: rl.shape[0]]).all(axis=1).sum())
            eq_vec = int((rv == res.ranks).all(axis=1).sum())
            tal = tl / n_loop * n_resamples
            d = {"boot": tb, "prod": tp, "sort": ts, "argsort": tas, "old": t_old, "new": t_new, "unique": tu,
                 "hash": th, "nloop": tnl, "nvec": tnv, "aloop": tal}  # fmt: skip
            rows[rule].append(d)
            lines.append(
                f"| {name} ({table.n_systems} x {table.n_columns}) | {rule} | {tb:.3f} s | {1e3 * tp:.1f} ms | "
                f"{1e3 * ts:.1f} ms | {1e3 * tas:.1f} ms | {tb / tp:.1f}x | {tb / (tp + ts):.1f}x | "
                f"{1e3 * t_old:.1f} / {1e3 * t_new:.1f} ms | {1e3 * tu:.1f} / {1e3 * th:.2f} ms | {tnl:.2f} s | "
                f"{tnv:.3f} s | {tal:.1f} s | {tnl / tb:.0f}x | {tnv / tb:.1f}x | {tal / tb:.0f}x | "
                f"{eq_loop:,} of {rl.shape[0]:,}, {eq_vec:,} of {n_resamples:,}; "
                f"{'all' if loop_equal else 'NOT all'} {n_loop} |"
            )
            print(lines[-1], flush=True)
    lines += [
        "",
        "Over the instances, min / median / max:",
        "",
        "| rule | bootstrap | product | bootstrap / product | bootstrap / (product + np.sort) | bootstrap / "
        "(product + np.argsort) | ranking step before / now | x numpy loop | x numpy vectorised | x aggregate loop |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rule, ds in rows.items():
        if not ds:
            continue
        col = {k: [d[k] for d in ds] for k in ds[0]}
        lines.append(
            f"| {rule} | {spread(col['boot'])} | {spread([1e3 * x for x in col['prod']], '{:.1f}', ' ms')} | "
            f"{spread([d['boot'] / d['prod'] for d in ds], '{:.1f}', 'x')} | "
            f"{spread([d['boot'] / (d['prod'] + d['sort']) for d in ds], '{:.1f}', 'x')} | "
            f"{spread([d['boot'] / (d['prod'] + d['argsort']) for d in ds], '{:.1f}', 'x')} | "
            f"{spread([d['old'] / d['new'] for d in ds], '{:.1f}', 'x')} | "
            f"{spread([d['nloop'] / d['boot'] for d in ds], '{:.0f}', 'x')} | "
            f"{spread([d['nvec'] / d['boot'] for d in ds], '{:.1f}', 'x')} | "
            f"{spread([d['aloop'] / d['boot'] for d in ds], '{:.0f}', 'x')} |"
        )
        print(lines[-1], flush=True)
    return [*lines, ""]


def raw_glue(missing: str) -> ScoreTable:
    """The raw vote_and_rank GLUE snapshot through rankagg's wide reader: 'Model [Team]' rows, compound cells
    split (MRPC, QQP: F1 / accuracy; STS-B: Pearson / Spearman), 13 task columns (AX, a diagnostic, left out)."""
    import warnings

    from rankagg.io import read_frame, read_wide

    raw = read_frame(RAW_GLUE / "leaderboards - GLUE.csv").drop(columns=["AX"])
    team = raw["Name"].fillna("").str.strip()
    names = [f"{m.strip()} [{t}]" if t else m.strip() for m, t in zip(raw["Model"], team, strict=True)]
    raw.insert(0, "system", [f"{x} (rank {r})" if names.count(x) > 1 else x for x, r in zip(names, raw["Rank"])])
    single = dict.fromkeys(("SST-2", "MNLI-m", "MNLI-mm", "QNLI", "RTE", "WNLI"), "accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reader's notes: aggregate and label columns left out
        compound = {"MRPC": ("f1", "accuracy"), "STS-B": ("pearson", "spearman"), "QQP": ("f1", "accuracy")}
        frame = read_wide(raw, systems_in="rows", system="system", higher_is_better=True, as_frame=True,
                          split_compound=compound, metric_names={"CoLA": "matthews_corr", **single})  # fmt: skip
    return ScoreTable.from_long(frame, missing=missing)


def case_c(n_resamples: int, repeats: int) -> list[str]:
    from rankagg.rules.kemeny._graph import strict_components
    from rankagg.uncertainty.resampling import _one_blas_thread, _task_wins

    if not GLUE.is_file():
        return [f"### (c) skipped: {GLUE} not found", ""]
    tables = {
        "GLUE tidy, drop_systems": rankagg.read_table(GLUE, missing="drop_systems"),
        "GLUE tidy, partial": rankagg.read_table(GLUE, missing="partial"),
        "GLUE raw (vote_and_rank), 13 columns, drop_systems": raw_glue("drop_systems"),
        "GLUE raw (vote_and_rank), 13 columns, partial": raw_glue("partial"),
    }
    lines = [
        f"### (c) {n_resamples:,} task-resamples of exact Kemeny (n_jobs=1) on several GLUE-size tables",
        "",
        "Kemeny has no ten-line numpy form (its plain baseline is the loop of (b)). Unproven: distinct resamples whose "
        "warm-started exact solve, rerun alone with its status, did not prove its order optimal.",
        "",
        "| table | systems x columns | bootstrap | per distinct resample: median / p90 / max | largest strongly "
        "connected component: median / max | unproven resamples |",
        "|---|---|---|---|---|---|",
    ]
    boot, per = [], []
    for name, table in tables.items():
        ts, res = timed(lambda t=table: bootstrap(t, "kemeny", n_resamples=n_resamples, rng=1, method="exact"),
                        repeats)  # fmt: skip
        full = aggregate(table, "kemeny", method="exact")
        init = np.argsort(np.asarray(full.ranks), kind="stable")
        task_wins, n = _task_wins(rank_table(table).ranks), table.n_systems
        times, comps, unproven = [], [], 0
        with _one_blas_thread():
            for c in np.unique(res.counts, axis=0):
                wins = (task_wins @ (table.weights * c)).reshape(n, n)
                t0 = time.perf_counter()
                _, proven = warm_order(wins, init, method="exact", with_status=True)
                times.append(time.perf_counter() - t0)
                unproven += not proven
                comps.append(max(len(x) for x in strict_components(wins - wins.T)))
        tm = 1000 * np.array(times)
        boot.append(min(ts))
        per.append(float(np.median(tm)))
        lines.append(
            f"| {name} | {n} x {table.n_columns} | {fmt_times(ts)} | {np.median(tm):.1f} / "
            f"{np.quantile(tm, 0.9):.1f} / {tm.max():.0f} ms | {np.median(comps):.0f} / {max(comps)} | "
            f"{unproven} of {len(times)} |"
        )
        print(lines[-1], flush=True)
    lines.append(
        f"| min / median / max over the {len(boot)} tables | | {spread(boot)} (best of each) | "
        f"{spread(per, '{:.1f}', ' ms')} (medians) | | |"
    )
    print(lines[-1], flush=True)
    return [*lines, ""]


def b_tables() -> dict[str, ScoreTable]:
    """The GLUE-size real tables of (b): tidy GLUE and the raw vote_and_rank snapshot (both missing policies),
    and SuperGLUE, all present in /work/shared/datasets (a missing file is left out and said)."""
    out: dict[str, ScoreTable] = {}
    if GLUE.is_file():
        out["GLUE tidy, drop_systems"] = rankagg.read_table(GLUE, missing="drop_systems")
        out["GLUE tidy, partial"] = rankagg.read_table(GLUE, missing="partial")
    if RAW_GLUE.is_dir():
        out["GLUE raw (vote_and_rank), 13 columns, drop_systems"] = raw_glue("drop_systems")
        out["GLUE raw (vote_and_rank), 13 columns, partial"] = raw_glue("partial")
    superglue = DATA / "glue_superglue_value" / "superglue.csv"
    if superglue.is_file():
        out["SuperGLUE, drop_systems"] = rankagg.read_table(superglue, missing="drop_systems")
    return out


def check_scores(table: ScoreTable, counts: np.ndarray, boot_ranks: np.ndarray, loop_orders: list[np.ndarray],
                 loop_optimal: list[bool], initial: np.ndarray) -> dict[str, int]:  # fmt: skip
    """The check of (b), true whatever optimum each side reaches. Per resample: its pairwise counts ``wins``;
    the bootstrap's strict order (the warm-started exact solve its worker runs, from the full-data order,
    then the tie pass it applies); ``kemeny_score(wins, .)`` of that order and of the loop's order
    (``diagnostics['order']`` of ``aggregate``). Counts: resamples whose returned bootstrap ranks are a
    coarsening of that strict order (its tiers come from it), whose two scores are equal, and whose orders
    are proven optimal on each side."""
    from rankagg.rules.kemeny._consensus import consensus

    out = {"coarsening": 0, "equal": 0, "boot_unproven": 0, "loop_unproven": 0}
    for c, ranks, lo, lopt in zip(counts, boot_ranks, loop_orders, loop_optimal):
        wins = rank_table(resampled_table(table, c)).pairwise()[0]
        order, proven = warm_order(wins, initial, method="exact", with_status=True)
        n = wins.shape[0]
        tol = 1e-9 * max(float(wins.sum() + wins.T.sum()) / max(n * (n - 1), 1), 1.0)
        order = np.asarray(consensus(wins, order, proven, None, tol, resolve=False).order, dtype=np.intp)
        out["coarsening"] += bool(np.all(np.diff(ranks[order]) >= 0))
        sb, sl = kemeny_score(wins, order), kemeny_score(wins, lo)
        out["equal"] += abs(sb - sl) <= 1e-9 * max(1.0, sl)
        out["boot_unproven"] += not proven
        out["loop_unproven"] += not lopt
    return out


def loop_kemeny(table: ScoreTable, counts: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[bool]]:
    """The loop of (b): each resample's table through ``aggregate(..., 'kemeny', method='exact')``; its ranks,
    strict orders (``diagnostics['order']``) and proven-optimal flags."""
    index = {s: i for i, s in enumerate(table.systems)}
    ranks = np.empty((counts.shape[0], table.n_systems), dtype=np.int64)
    orders, optimal = [], []
    for b, c in enumerate(counts):
        r = aggregate(resampled_table(table, c), "kemeny", method="exact")
        ranks[b] = r.ranks
        orders.append(np.array([index[s] for s in r.diagnostics["order"]], dtype=np.intp))
        optimal.append(bool(r.diagnostics["optimal"]))
    return ranks, orders, optimal


def case_b(n_resamples: int, n_loop: int, repeats: int, jobs: int) -> list[str]:
    """Exact-Kemeny bootstrap against re-solving each resample through ``aggregate``, on every table of
    :func:`b_tables`; min / median / max over them."""
    tables = b_tables()
    if not tables:
        return [f"### (b) skipped: no table found under {DATA}", ""]
    loop_what = "all" if n_loop == n_resamples else f"{n_loop}, extrapolated"
    lines = [
        f"### (b) {n_resamples:,} task-resamples of exact Kemeny against re-solving each resample, on "
        f"{len(tables)} tables",
        "",
        f"Per table: `rankagg.bootstrap(..., 'kemeny', method='exact')` with n_jobs={jobs} (best of {repeats}) and "
        f"n_jobs=1 (one run, same ranks asserted); the plain loop over `rankagg.aggregate` (each resampled table "
        f"solved from scratch, one process; {loop_what}, after a 2-resample warm-up). Kemeny has no ten-line numpy "
        "form: the loop over `aggregate` is the plain baseline. Check (on the loop's resamples): the bootstrap's "
        "strict order for the resample (its worker's warm-started exact solve and tie pass, rerun here) and the "
        "loop's `diagnostics['order']` have equal `kemeny_score` on that resample's pairwise counts, and the "
        "bootstrap's returned ranks are a coarsening of that order. Unproven: the bootstrap's solves (every "
        "distinct resample, rerun alone with its status) and the loop's that did not prove optimality. Where a "
        "resample's time goes (loop's resamples, this process): building the resampled table and its pairwise "
        "counts (build), `kemeny(wins, method='exact')` from scratch and the bootstrap's tie pass (scratch), "
        "the bootstrap's warm-started solve and its tie pass (warm). The loop over `aggregate` also resolves "
        "the tiers of large components by re-solves (`swap_time_limit`), which the bootstrap's resamples skip "
        "(they keep the order found there): its "
        "time beyond build + scratch is that extra work. So a second baseline does the same work as the "
        "bootstrap: the same-work loop, build + scratch per resample (x same-work). With n_jobs workers the "
        "bootstrap can at best divide its per-resample time by n_jobs: against the same-work loop, a ceiling "
        "of n_jobs x (build + scratch) / warm.",
        "",
        f"| table | systems x columns | bootstrap n_jobs={jobs} | n_jobs=1 | loop (extrap.) | x loop "
        f"(n_jobs={jobs} / 1) | x same-work loop (n_jobs={jobs} / 1) | CPU s: boot / loop | build / scratch / warm ms "
        "| ceiling | scores equal | ranks "
        "coarsen the order | ranks "
        "equal to the loop's | unproven: bootstrap (distinct) / loop | peak MiB: tracemalloc / RSS / worker |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    summ: dict[str, list[float]] = {
        k: [] for k in ("par", "one", "loop", "xpar", "xone", "ceil", "per", "spar", "sone")
    }
    totals = {"unproven": 0, "distinct": 0, "loop_unproven": 0, "bad": 0}
    from rankagg.uncertainty.resampling import _one_blas_thread, _task_wins

    params = {"method": "exact"}
    for name, table in tables.items():
        full = aggregate(table, "kemeny", **params)
        index = {s: i for i, s in enumerate(table.systems)}
        initial = np.array([index[s] for s in full.diagnostics["order"]], dtype=np.intp)
        bootstrap(table, "kemeny", n_resamples=20, n_jobs=1, rng=2, **params)  # warm-up
        c0 = cpu_seconds()
        ts, res = timed(lambda t=table: bootstrap(t, "kemeny", n_resamples=n_resamples, n_jobs=jobs, rng=1, **params),
                        repeats)  # fmt: skip
        cpu_par = (cpu_seconds() - c0) / repeats
        ts1, res1 = timed(lambda t=table: bootstrap(t, "kemeny", n_resamples=n_resamples, n_jobs=1, rng=1, **params),
                          1)  # fmt: skip
        assert np.array_equal(res.ranks, res1.ranks), f"{name}: n_jobs changes the result"
        sub = res.counts[:n_loop]
        loop_kemeny(table, sub[:2])  # warm-up: first-call costs are not the loop's
        c0 = cpu_seconds()
        tl, (lranks, lorders, lopt) = timed(lambda t=table, s=sub: loop_kemeny(t, s), 1)
        cpu_loop = (cpu_seconds() - c0) / n_loop * n_resamples
        extrap = min(tl) / n_loop * n_resamples
        chk = check_scores(table, sub, res.ranks[:n_loop], lorders, lopt, initial)
        same_ranks = int((lranks == res.ranks[:n_loop]).all(axis=1).sum())
        task_wins, n = _task_wins(rank_table(table).ranks), table.n_systems
        uniq = np.unique(res.counts, axis=0)
        unproven = 0
        with _one_blas_thread():
            for c in uniq:
                valid = table.weights * c
                wins = (task_wins @ valid).reshape(n, n)
                unproven += not warm_order(wins, initial, method="exact", with_status=True)[1]
        with _one_blas_thread():  # as the bootstrap's workers and `aggregate` run (BLAS threads only compete)
            prep, scratch, warm = loop_parts(table, sub, initial)
        ceil = jobs * (prep + scratch) / warm
        tm, rss, child = peak_memory(
            lambda t=table: bootstrap(t, "kemeny", n_resamples=n_resamples, n_jobs=jobs, rng=1, **params)
        )
        bad = (n_loop - chk["equal"]) + (n_loop - chk["coarsening"])
        totals["unproven"] += unproven
        totals["distinct"] += uniq.shape[0]
        totals["loop_unproven"] += chk["loop_unproven"]
        totals["bad"] += bad
        for k, v in (("par", min(ts)), ("one", min(ts1)), ("loop", extrap), ("xpar", extrap / min(ts)),
                     ("xone", extrap / min(ts1)), ("ceil", ceil), ("per", 1000 * min(ts1) / n_resamples)):  # fmt: skip
            summ[k].append(v)
        same_work = (prep + scratch) * n_resamples
        summ["spar"].append(same_work / min(ts))
        summ["sone"].append(same_work / min(ts1))
        lines.append(
            f"| {name} | {n} x {table.n_columns} | {fmt_times(ts)} | {min(ts1):.2f} s | {extrap:.1f} s | "
            f"{extrap / min(ts):.1f}x / {extrap / min(ts1):.1f}x | {summ['spar'][-1]:.1f}x / {summ['sone'][-1]:.1f}x | "
            f"{cpu_par:.1f} / {cpu_loop:.1f} | "
            f"{1e3 * prep:.2f} / {1e3 * scratch:.2f} / {1e3 * warm:.2f} | {ceil:.1f}x | {chk['equal']} of {n_loop} | "
            f"{chk['coarsening']} of {n_loop} | {same_ranks} of {n_loop} | {unproven} of {uniq.shape[0]} / "
            f"{chk['loop_unproven']} of {n_loop} | {tm:.0f} / {rss:.0f} / {child:.0f} |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        f"Over the {len(tables)} tables, min / median / max: bootstrap n_jobs={jobs} {spread(summ['par'])}, n_jobs=1 "
        f"{spread(summ['one'])} ({spread(summ['per'], '{:.1f}', ' ms')} per resample); the loop "
        f"{spread(summ['loop'], '{:.1f}')}; **x loop {spread(summ['xpar'], '{:.1f}', 'x')}** (n_jobs={jobs}), "
        f"{spread(summ['xone'], '{:.1f}', 'x')} (n_jobs=1); x the same-work loop "
        f"{spread(summ['spar'], '{:.1f}', 'x')} (n_jobs={jobs}), {spread(summ['sone'], '{:.1f}', 'x')} (n_jobs=1); "
        "ceiling of the comparison "
        f"{spread(summ['ceil'], '{:.1f}', 'x')}. Unproven: {totals['unproven']} of {totals['distinct']} distinct "
        f"bootstrap resamples, {totals['loop_unproven']} of {len(tables) * n_loop} loop solves. Check failures "
        f"(scores differ or ranks not a coarsening): {totals['bad']}.",
        "",
    ]
    print("\n".join(lines[-2:]), flush=True)
    return lines


def amlb_instances() -> Any:
    import pandas as pd

    df = pd.read_csv(DATA / "amlb2019" / "amlb2019_fold_level.csv")
    df = df[df["constraint"] == "4h"][["system", "task", "instance", "metric", "score", "higher_is_better"]]
    return rankagg.InstanceTable.from_long(df, missing="partial")


def instance_tables() -> dict[str, tuple[Any, list[tuple[str, dict[str, Any]]]]]:
    import pandas as pd

    g = np.random.default_rng(0)
    folds = {f"d{j}": g.normal(size=(13, 10)) + np.linspace(1, 0, 13)[:, None] for j in range(104)}
    out: dict[str, tuple[Any, list[tuple[str, dict[str, Any]]]]] = {
        "random 13 x 104 tasks x 10 folds": (
            rankagg.InstanceTable.from_arrays(folds, systems=[f"s{i}" for i in range(13)], higher_is_better=True),
            [("borda", {}), ("copeland", {}), ("kemeny", {"method": "exact"})],
        )
    }
    if (DATA / "amlb2019").is_dir():
        out["AMLB 2019 fold level, 4h"] = (amlb_instances(), [("partial_borda", {}), ("copeland", {}),
                                                               ("kemeny", {"method": "exact"})])  # fmt: skip
    if (DATA / "summeval_realsumm").is_dir():
        se = pd.read_csv(DATA / "summeval_realsumm" / "summeval_instances.csv", dtype={"instance": str})
        rules = [("copeland", {}), ("kemeny", {"method": "exact"}), ("kemeny", {"level": "two", "inner": "mean"})]
        out["SummEval"] = (rankagg.InstanceTable.from_long(se), rules)
    if (DATA / "alpaca_eval").is_dir():
        al = pd.read_csv(DATA / "alpaca_eval" / "instances_alpacaeval2_weighted_gpt4_turbo.csv.gz",
                         dtype={"instance": str})  # fmt: skip
        out["AlpacaEval 2.0"] = (rankagg.InstanceTable.from_long(al, missing="drop_systems"),
                                 [("mean", {}), ("copeland", {}), ("kemeny", {"method": "exact"})])  # fmt: skip
    return out


def case_d(n_resamples: int, n_loop: int, repeats: int) -> list[str]:
    lines = [
        f"### (d) {n_resamples:,} instance-level resamples (default resampling), vectorised against the "
        "per-resample loop it replaced",
        "",
        "| table | rule | resample | vectorised (fast=True) | per-resample loop (fast=False), extrapolated | "
        "speed-up | ranks equal |",
        "|---|---|---|---|---|---|---|",
    ]
    summary: dict[str, list[tuple[float, float]]] = {}
    for name, (table, rules) in instance_tables().items():
        for rule, kw in rules:
            label = rule + (f" ({kw['inner']} inside)" if "inner" in kw else "")
            ts, res = timed(lambda t=table, r=rule, k=kw: bootstrap(t, r, n_resamples=n_resamples, rng=1, **k),
                            repeats)  # fmt: skip
            tl, slow = timed(lambda t=table, r=rule, k=kw: bootstrap(t, r, n_resamples=n_loop, rng=1, fast=False,
                                                                     **k), 1)  # fmt: skip
            same = np.array_equal(slow.ranks, bootstrap(table, rule, n_resamples=n_loop, rng=1, **kw).ranks)
            extrap = min(tl) / n_loop * n_resamples
            lines.append(
                f"| {name} ({table.n_systems} x {table.n_columns} x {table.n_instances_total:,}) | {label} | "
                f"{res.resample} | {fmt_times(ts)} | {extrap:.1f} s ({min(tl):.2f} s on {n_loop}) | "
                f"{extrap / min(ts):.1f}x | {'yes' if same else 'NO'} |"
            )
            print(lines[-1], flush=True)
            family = "kemeny" if rule == "kemeny" else ("copeland" if rule == "copeland" else "scores")
            summary.setdefault(family, []).append((min(ts), extrap / min(ts)))
    lines += [
        "",
        "Over the tables (min / median / max; Borda, partial Borda and the mean together as score-based):",
        "",
        "| rules | tables x rules | vectorised | speed-up over the per-resample loop |",
        "|---|---|---|---|",
    ]
    for family, vals in summary.items():
        lines.append(f"| {family} | {len(vals)} | {spread([v[0] for v in vals])} | "
                     f"{spread([v[1] for v in vals], '{:.1f}', 'x')} |")  # fmt: skip
        print(lines[-1], flush=True)
    return [*lines, ""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a check that the script runs)")
    ap.add_argument("--repeats", type=int, default=3, help="timing repeats (default 3)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for (b) (default 2)")
    ap.add_argument("--loop-a", type=int, default=None, help="resamples the loop runs in (a) (default 200)")
    ap.add_argument("--loop-b", type=int, default=None, help="resamples the loop runs in (b) (default 200)")
    ap.add_argument("--loop-d", type=int, default=None, help="resamples the loop runs in (d) (default 100)")
    ap.add_argument("--only", choices=("a", "b", "c", "d"), nargs="+", help="run these cases only")
    ap.add_argument("--write", metavar="PATH", help="also write the markdown report here")
    args = ap.parse_args()
    na, nb = (1000, 100) if args.quick else (10_000, 1000)
    la = args.loop_a or (50 if args.quick else 200)
    lb = args.loop_b or (30 if args.quick else 200)
    ld = args.loop_d or (10 if args.quick else 100)
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    head = [
        "## Bootstrap benchmark",
        "",
        f"Command: `{cmd}` (from the project root)",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, rankagg {rankagg.__version__}",
        f"Load before: `{uptime()}`",
        "",
    ]
    print("\n".join(head), flush=True)
    body: list[str] = []
    if args.only is None or "a" in args.only:
        body += [*case_a(na, la, args.repeats, args.quick), ""]
    if args.only is None or "b" in args.only:
        body += case_b(nb, lb, args.repeats, args.jobs)
    if args.only is None or "c" in args.only:
        body += case_c(nb, args.repeats)
    if args.only is None or "d" in args.only:
        body += case_d(100 if args.quick else 1000, ld, args.repeats)
    tail = [f"Load after: `{uptime()}`", ""]
    print(tail[0])
    if args.write:
        Path(args.write).write_text("\n".join(head + body + tail), encoding="utf-8")


if __name__ == "__main__":
    main()
