"""Benchmark of rankagg.bootstrap against a straightforward per-resample loop.

Usage::

    python benchmarks/bench_bootstrap.py [--quick] [--repeats 3] [--write benchmarks/RESULTS_bootstrap.md]

(a) 10,000 task-resamples of Borda and of the mean on a random 200 systems x 50 tasks table: the
    vectorised fast path of ``rankagg.bootstrap`` against a plain loop that builds each resampled table
    (the drawn columns, weights multiplied by the counts) and calls ``rankagg.aggregate``. The loop is
    timed on a subset of the resamples and extrapolated (it is linear in their number); its ranks are
    checked equal to the bootstrap's on that subset.
(b) 1,000 task-resamples of exact Kemeny on GLUE (all 14 task columns, missing="drop_systems": 97
    systems) with ``rankagg.bootstrap(..., n_jobs=2)`` against re-solving each resample from scratch in
    the same plain loop (one process). Set ``--loop-b`` to time the loop on fewer resamples and
    extrapolate.

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


def same_kemeny_scores(table: ScoreTable, counts: np.ndarray, a: np.ndarray, b: np.ndarray) -> int:
    """On how many resamples the two strict rankings have the same Kemeny score (both optimal)."""
    same = 0
    for c, ra, rb in zip(counts, a, b):
        wins = rank_table(resampled_table(table, c)).pairwise()[0]
        sa, sb = (kemeny_score(wins, np.argsort(r, kind="stable")) for r in (ra, rb))
        same += abs(sa - sb) <= 1e-9 * max(1.0, sa)
    return same


def loop_ranks(table: ScoreTable, rule: str, counts: np.ndarray, **params: Any) -> np.ndarray:
    """The straightforward loop: build each resampled table and aggregate it."""
    out = np.empty((counts.shape[0], table.n_systems), dtype=np.int64)
    for b, c in enumerate(counts):
        out[b] = aggregate(resampled_table(table, c), rule, **params).ranks
    return out


def loop_parts(table: ScoreTable, counts: np.ndarray, initial: np.ndarray) -> tuple[float, float, float]:
    """Seconds per resample of the loop's parts: building the resampled table and its pairwise counts; the
    exact Kemeny solve from scratch (``kemeny(wins, method="exact")``); and the bootstrap's warm-started
    solve of the same counts (what each worker does per resample, in this process)."""
    prep = scratch = warm = 0.0
    for c in counts:
        t0 = time.perf_counter()
        wins = rank_table(resampled_table(table, c)).pairwise()[0]
        t1 = time.perf_counter()
        kemeny(wins, method="exact")
        t2 = time.perf_counter()
        warm_order(wins, initial, method="exact")
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


def case_b(n_resamples: int, n_loop: int, repeats: int, jobs: int) -> list[str]:
    if not GLUE.is_file():
        return [f"### (b) skipped: {GLUE} not found", ""]
    table = rankagg.read_table(GLUE, missing="drop_systems")
    params = {"method": "exact"}
    full = aggregate(table, "kemeny", **params)
    lines = [
        f"### (b) {n_resamples:,} task-resamples of exact Kemeny on GLUE ({table.n_systems} systems x "
        f"{table.n_columns} task columns, missing='drop_systems')",
        "",
        f"Full data: Kemeny score {full.diagnostics['kemeny_score']:g}, optimal {full.diagnostics['optimal']}, "
        f"method {full.diagnostics['method']}.",
        "",
    ]
    c0 = cpu_seconds()
    ts, res = timed(lambda: bootstrap(table, "kemeny", n_resamples=n_resamples, n_jobs=jobs, rng=1, **params), repeats)
    cpu_par = (cpu_seconds() - c0) / repeats
    c0 = cpu_seconds()
    ts1, res1 = timed(lambda: bootstrap(table, "kemeny", n_resamples=n_resamples, n_jobs=1, rng=1, **params), 1)
    cpu_one = cpu_seconds() - c0
    assert np.array_equal(res.ranks, res1.ranks), "n_jobs changes the result"
    sub = res.counts[:n_loop]
    c0 = cpu_seconds()
    loop_ranks(table, "kemeny", sub[:2], **params)  # warm-up: first-call costs are not the loop's
    tl, ranks = timed(lambda: loop_ranks(table, "kemeny", sub, **params), max(1, repeats - 1))
    cpu_loop = (cpu_seconds() - c0) / max(1, repeats - 1) / n_loop * n_resamples
    same = int((ranks == res.ranks[:n_loop]).all(axis=1).sum())
    same_score = same_kemeny_scores(table, sub, ranks, res.ranks[:n_loop])
    per = min(tl) / n_loop
    # the bootstrap's warm start: the full-data Kemeny order
    prep, scratch, warm = loop_parts(table, sub, np.argsort(np.asarray(full.ranks), kind="stable"))
    extrap = per * n_resamples
    tm, rss, child = peak_memory(
        lambda: bootstrap(table, "kemeny", n_resamples=n_resamples, n_jobs=jobs, rng=1, **params)
    )
    loop_what = "all" if n_loop == n_resamples else f"{n_loop}, extrapolated"
    lines += [
        "| | time | per resample |",
        "|---|---|---|",
        f"| rankagg.bootstrap, n_jobs={jobs} | {fmt_times(ts)} | {1000 * min(ts) / n_resamples:.1f} ms |",
        f"| rankagg.bootstrap, n_jobs=1 | {fmt_times(ts1)} | {1000 * min(ts1) / n_resamples:.1f} ms |",
        f"| plain loop ({loop_what}) | {extrap:.1f} s ({fmt_times(tl)} on {n_loop}) | {1000 * per:.1f} ms |",
        "",
        f"Speed-up of bootstrap(n_jobs={jobs}) over the loop: **{extrap / min(ts):.1f}x**; of n_jobs=1: "
        f"{extrap / min(ts1):.1f}x. Distinct resamples: {res.n_distinct} of {n_resamples}. Loop ranks equal to "
        f"the bootstrap's on {same} of {n_loop} resamples; their Kemeny scores are equal on {same_score} of "
        f"{n_loop} (both proven optimal: Kemeny optima are often not unique, and the warm-started bootstrap and "
        "the loop's Borda / Copeland starts may reach different optimal orders).",
        f"CPU time (this process and its workers, per run): bootstrap n_jobs={jobs} {cpu_par:.1f} s, n_jobs=1 "
        f"{cpu_one:.1f} s, loop {cpu_loop:.1f} s (extrapolated): the work saved, whatever the load; the wall-clock "
        f"gain of the workers is at most min(n_jobs, idle cores).",
        f"Where a resample's time goes, in this process (means over the loop's {n_loop} resamples): building the "
        f"resampled table and its pairwise counts {1000 * prep:.2f} ms; `kemeny(wins, method='exact')` from scratch "
        f"{1000 * scratch:.2f} ms; the bootstrap's warm-started solve of the same counts {1000 * warm:.2f} ms. With "
        f"{jobs} workers the bootstrap can at best divide its per-resample time by {jobs}: against this loop, a "
        f"ceiling of about {jobs * (prep + scratch) / warm:.1f}x while both solve each resample's LP proof.",
        f"Peak memory: tracemalloc {tm:.0f} MiB, ru_maxrss {rss:.0f} MiB (this process), {child:.0f} MiB "
        "(largest worker).",
        "",
    ]
    for x in lines[-9:]:
        print(x, flush=True)
    return lines


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
