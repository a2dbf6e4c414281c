"""Bradley-Terry at Chatbot Arena scale: rankagg vs evalica and choix, one fit and 100 bootstrap fits.

Usage::

    python benchmarks/bench_arena.py [--quick] [--rounds 2] [--repeats 2] [--choix-boot 1] [--seeds 0 1 2]

Tables (battles ``model_a, model_b, winner``; ties are half a win in every tool):

* ``uniform``: 1,000,000 battles among 150 models, pairs drawn uniformly, strengths ~ N(0, 1)
  (one instance per seed of ``--seeds``), 15 % ties, the others won with the Bradley-Terry probability;
* ``skewed``: the same, but model popularity follows a Zipf-like law (the most popular model is in
  ~50x more battles than the least), as on the real Arena;
* ``alpaca_eval_1``: the real AlpacaEval 1.0 battles of ../shared/datasets/alpaca_eval (52 models
  against text_davinci_003, 42,604 battles; skipped when absent).

Tools, each in its own subprocess (so the peak resident set size is its own):

* rankagg: ``battle_counts`` (pandas factorize + bincount) then ``fit_bt_counts`` (Newton on the
  pair counts); bootstrap: ``bootstrap_bt_counts`` (multinomial draws of the outcome counts, each
  refitted warm-started); also ``read_battle_counts`` of the same battles from a Parquet file;
* numpy: the plain-numpy baseline (``numpy_cells`` + ``numpy_bt``, about ten lines: pandas factorizes the
  names, one ``bincount`` into dense (model_a, model_b, outcome) cells, Newton's method on the dense win
  matrix with one system pinned; bootstrap: the same multinomial draws of the cells, each refitted warm-started);
* evalica ``bradley_terry`` (Rust, Newman's iteration, tolerance 1e-6 by default: run here with
  tolerance 1e-10 and limit 10,000 so that it converges like the others); bootstrap: 100 calls on
  multinomially reweighted distinct outcomes (``weights=``), the fastest way evalica offers
  (``evalica.bootstrap`` re-fits on resampled battles, which is slower);
* choix ``ilsr_pairwise`` (Python) on (winner, loser) pairs, a tie entered as one win each way and
  a win twice (half a win each); bootstrap timed on ``--choix-boot`` resamples and extrapolated to
  100 (linear in their number), said so in the table.

Each tool runs ``--repeats`` times in a subprocess, once per round (``--rounds``; every tool in turn, so a
change of load on a shared machine hits all of them alike; choix in the first round only). Reported: the
best and median wall time over all those runs, the ratio to rankagg, the load average, the peak RSS of the
subprocess above its RSS with the battles in memory (Linux: the peak is reset through
``/proc/self/clear_refs`` once the battles are built, then read from ``VmHWM``), the largest
difference of centred log-strengths to rankagg's, and the Spearman correlation with the true
strengths (synthetic tables); then min / median / max over the instances (seeds) of each table. evalica and
choix are left out, with a note on stderr, when not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets"
N_RESAMPLES = 100


def make_table(name: str, quick: bool, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The battles of a table (``seed`` draws a synthetic one), and the true log-strengths (None for real data)."""
    if name == "alpaca_eval_1":
        path = DATA / "alpaca_eval" / "instances_alpacaeval1_gpt4.csv.gz"
        df = pd.read_csv(path, usecols=["system", "score", "baseline"]).dropna(subset=["score"])
        df = df[df["system"] != df["baseline"]]
        win = np.where(df["score"] > 0.5, "model_a", np.where(df["score"] < 0.5, "model_b", "tie"))
        out = pd.DataFrame({"model_a": df["system"].to_numpy(), "model_b": df["baseline"].to_numpy(), "winner": win})
        return out, None
    rng = np.random.default_rng(seed)
    n_models, n_battles = 150, (100_000 if quick else 1_000_000)
    theta = rng.normal(0.0, 1.0, n_models)
    if name == "uniform":
        pop = np.ones(n_models)
    else:
        pop = 1.0 / np.arange(1, n_models + 1) ** 0.8
    pop = pop / pop.sum()
    a = rng.choice(n_models, n_battles, p=pop)
    b = rng.choice(n_models, n_battles, p=pop)
    same = a == b
    while same.any():
        b[same] = rng.choice(n_models, int(same.sum()), p=pop)
        same = a == b
    p = 1.0 / (1.0 + np.exp(-(theta[a] - theta[b])))
    u = rng.random(n_battles)
    tie = rng.random(n_battles) < 0.15
    win = np.where(tie, "tie", np.where(u < p, "model_a", "model_b"))
    names = np.array([f"model-{k:03d}" for k in range(n_models)], dtype=object)
    return pd.DataFrame({"model_a": names[a], "model_b": names[b], "winner": win}), theta


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def _reset_peak() -> float:
    """Reset the peak RSS (Linux: /proc/self/clear_refs) and return the current RSS in MiB."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    now = _status_mib("VmRSS")
    return now if now is not None else _maxrss_mib()


def _peak_mib() -> float:
    peak = _status_mib("VmHWM")
    return peak if peak is not None else _maxrss_mib()


def _maxrss_mib() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024.0 if sys.platform != "darwin" else r / 2**20


def _centred(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x - x.mean()


def numpy_cells(df: pd.DataFrame) -> tuple[np.ndarray, int, np.ndarray]:
    """Plain-numpy counting of the battles: counts of the (model_a, model_b, outcome) cells.

    The names are factorized by pandas, as rankagg does (numpy's ``unique`` sorts the strings, 10x slower).
    """
    m = len(df)
    codes, uniq = pd.factorize(pd.concat([df["model_a"], df["model_b"]], ignore_index=True))
    n = len(uniq)
    w = df["winner"].to_numpy()
    o = np.where(w == "model_a", 0, np.where(w == "model_b", 1, 2))
    return np.bincount((codes[:m] * n + codes[m:]) * 3 + o, minlength=3 * n * n), n, np.asarray(uniq)


def numpy_bt(
    cells: np.ndarray, n: int, theta0: np.ndarray | None = None, tol: float = 1e-10
) -> tuple[np.ndarray, bool]:
    """Ten-line numpy Bradley-Terry (ties half a win): Newton's method on the dense pair counts, one system pinned."""
    c = cells.reshape(n, n, 3).astype(np.float64)
    wins = c[:, :, 0] + c[:, :, 1].T + 0.5 * (c[:, :, 2] + c[:, :, 2].T)  # wins[i, j]: i over j
    games = wins + wins.T
    th = np.zeros(n) if theta0 is None else np.array(theta0, dtype=np.float64)
    for _ in range(100):
        s = 1.0 / (1.0 + np.exp(th[None, :] - th[:, None]))
        h = games * s * s.T
        step = np.linalg.solve(np.diag(h.sum(1))[1:, 1:] - h[1:, 1:], (wins.sum(1) - (games * s).sum(1))[1:])
        th[1:] += step
        th -= th.mean()
        if np.max(np.abs(step)) < tol:
            return th, True
    return th, False


def worker(
    tool: str, table: str, quick: bool, repeats: int, parquet: str | None, choix_boot: int, seed: int = 0
) -> dict[str, Any]:
    df, truth = make_table(table, quick, seed)
    import gc

    gc.collect()
    base_rss = _reset_peak()  # the peak from here on is the tool's, over the battles already in memory
    out: dict[str, Any] = {"tool": tool, "table": table, "battles": len(df)}
    fit_times: list[float] = []
    boot_times: list[float] = []
    systems: list[str] = []
    theta = np.zeros(0)
    if tool in ("rankagg", "rankagg_parquet"):
        from rankagg.data.battle_counts import battle_counts
        from rankagg.io.battle_counts import read_battle_counts
        from rankagg.rules.bt_counts import fit_bt_counts
        from rankagg.uncertainty.arena import bootstrap_bt_counts

        for _ in range(repeats):
            t = time.perf_counter()
            counts = read_battle_counts(parquet) if tool == "rankagg_parquet" else battle_counts(df)
            theta = fit_bt_counts(counts)
            fit_times.append(time.perf_counter() - t)
        systems = list(counts.systems)
        if tool == "rankagg":
            for r in range(repeats):
                t = time.perf_counter()
                _, _, deg, _ = bootstrap_bt_counts(counts, n_resamples=N_RESAMPLES, rng=r, theta0=theta)
                boot_times.append(time.perf_counter() - t)
            out["degenerate"] = int(deg.sum())
    elif tool == "numpy":
        unconverged = 0
        for _ in range(repeats):
            t = time.perf_counter()
            cells, n, uniq = numpy_cells(df)
            theta, ok = numpy_bt(cells, n)
            fit_times.append(time.perf_counter() - t)
            unconverged += not ok
        systems = [str(x) for x in uniq]
        for r in range(repeats):
            gen = np.random.default_rng(r)
            t = time.perf_counter()
            draws = gen.multinomial(int(cells.sum()), cells / cells.sum(), size=N_RESAMPLES)
            for k in range(N_RESAMPLES):
                _, ok = numpy_bt(draws[k], n, theta0=theta)
                unconverged += not ok
            boot_times.append(time.perf_counter() - t)
        out["unconverged"] = unconverged
    elif tool == "evalica":
        import evalica

        win = df["winner"].map({"model_a": evalica.Winner.X, "model_b": evalica.Winner.Y, "tie": evalica.Winner.Draw})
        xs, ys, ws = df["model_a"], df["model_b"], win.tolist()
        for _ in range(repeats):
            t = time.perf_counter()
            res = evalica.bradley_terry(xs, ys, ws, tolerance=1e-10, limit=10_000)
            fit_times.append(time.perf_counter() - t)
        systems = [str(s) for s in res.scores.index]
        theta = np.log(res.scores.to_numpy())
        # bootstrap: distinct outcomes reweighted by multinomial counts (the fastest evalica offers)
        cells = pd.DataFrame({"a": xs, "b": ys, "w": df["winner"]}).value_counts().reset_index()
        cw = cells["w"].map({"model_a": evalica.Winner.X, "model_b": evalica.Winner.Y, "tie": evalica.Winner.Draw})
        idx = pd.Index(systems)
        for r in range(repeats):
            gen = np.random.default_rng(r)
            t = time.perf_counter()
            counts = gen.multinomial(len(df), cells["count"].to_numpy() / len(df), size=N_RESAMPLES)
            for k in range(N_RESAMPLES):
                evalica.bradley_terry(
                    cells["a"],
                    cells["b"],
                    cw.tolist(),
                    index=idx,
                    weights=counts[k].astype(float),
                    tolerance=1e-10,
                    limit=10_000,
                )
            boot_times.append(time.perf_counter() - t)
    elif tool == "choix":
        import choix

        codes, uniq = pd.factorize(pd.concat([df["model_a"], df["model_b"]], ignore_index=True))
        m = len(df)
        ia, ib = codes[:m], codes[m:]
        w = df["winner"].to_numpy()
        wa, wb, tie = w == "model_a", w == "model_b", w == "tie"
        data = np.concatenate(
            [
                np.repeat(np.column_stack([ia[wa], ib[wa]]), 2, axis=0),
                np.repeat(np.column_stack([ib[wb], ia[wb]]), 2, axis=0),
                np.column_stack([ia[tie], ib[tie]]),
                np.column_stack([ib[tie], ia[tie]]),
            ]
        )
        pairs = [tuple(x) for x in data.tolist()]
        for _ in range(repeats):
            t = time.perf_counter()
            theta = choix.ilsr_pairwise(len(uniq), pairs, alpha=0.0, tol=1e-10, max_iter=1000)
            fit_times.append(time.perf_counter() - t)
        systems = [str(s) for s in uniq]
        gen = np.random.default_rng(0)
        t = time.perf_counter()
        for _ in range(choix_boot):
            pick = gen.integers(0, len(pairs), len(pairs))
            choix.ilsr_pairwise(len(uniq), [pairs[k] for k in pick], alpha=0.0, tol=1e-10, max_iter=1000)
        per = (time.perf_counter() - t) / max(choix_boot, 1)
        boot_times.append(per * N_RESAMPLES)
        out["boot_extrapolated_from"] = choix_boot
    out["fit_best"] = min(fit_times)
    out["fit_median"] = statistics.median(fit_times)
    if boot_times:
        out["boot_best"] = min(boot_times)
        out["boot_median"] = statistics.median(boot_times)
    out["rss_base_mib"] = base_rss
    out["rss_peak_mib"] = _peak_mib()
    order = np.argsort(systems)
    out["systems"] = [systems[k] for k in order]
    out["theta"] = _centred(theta)[order].tolist()
    if truth is not None:
        from scipy.stats import spearmanr

        idx = [int(s.split("-")[1]) for s in out["systems"]]
        out["spearman_truth"] = float(spearmanr(np.asarray(out["theta"]), truth[idx]).statistic)
    return out


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def _mmm(xs: list[float], fmt: str) -> str:
    """min / median / max of ``xs`` formatted with ``fmt``."""
    return " / ".join(format(v, fmt) for v in (min(xs), statistics.median(xs), max(xs)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100,000 battles instead of 1,000,000")
    ap.add_argument("--repeats", type=int, default=2, help="timed runs per tool per round")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of every tool in turn (choix: one)")
    ap.add_argument("--choix-boot", type=int, default=1, help="choix bootstrap fits timed (extrapolated to 100)")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2], help="seeds of each synthetic table")
    ap.add_argument("--tables", nargs="*", default=["uniform", "skewed", "alpaca_eval_1"])
    ap.add_argument("--tools", nargs="*", default=["rankagg", "numpy", "rankagg_parquet", "evalica", "choix"])
    ap.add_argument("--worker", nargs=2, metavar=("TOOL", "TABLE"), help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--parquet", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        res = worker(args.worker[0], args.worker[1], args.quick, args.repeats, args.parquet, args.choix_boot, args.seed)
        print(json.dumps(res))
        return
    import importlib.util

    tools = []
    for tool in args.tools:
        if tool in ("evalica", "choix") and importlib.util.find_spec(tool) is None:
            print(f"{tool} is not installed: left out (pip install {tool})", file=sys.stderr)
            continue
        tools.append(tool)
    versions = []
    for peer in ("evalica", "choix"):
        if peer in tools:
            from importlib.metadata import version

            versions.append(f"{peer} {version(peer)}")
        else:
            versions.append(f"{peer} not installed")
    print(
        f"# bench_arena: {platform.platform()}, python {platform.python_version()}, {os.cpu_count()} cores, "
        f"{', '.join(versions)}, numpy {np.__version__}"
    )
    print(f"command: python benchmarks/bench_arena.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"load average at start: {_loadavg()}")
    tables = [t for t in args.tables if t != "alpaca_eval_1" or (DATA / "alpaca_eval").is_dir()]
    instances = [(t, s) for t in tables for s in ([0] if t == "alpaca_eval_1" else args.seeds)]
    # per table family and tool: each instance's best fit, best bootstrap, and ratios to rankagg in that instance
    summary: dict[str, dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for table, seed in instances:
            df, _ = make_table(table, args.quick, seed)
            pq = str(Path(tmp) / f"{table}_{seed}.parquet")
            df.to_parquet(pq)
            n_sys = len(pd.unique(df[["model_a", "model_b"]].to_numpy().ravel()))
            del df
            # rounds: every tool once per round, in turn, so that a change of load on a shared machine hits all
            # tools alike; the figures are each tool's best (and median) over its runs of every round
            runs: dict[str, list[dict[str, Any]]] = {t: [] for t in tools}
            for rnd in range(args.rounds):
                for tool in tools:
                    if tool == "choix" and rnd > 0:
                        continue  # minutes per round; one round says how far behind it is
                    cmd = [sys.executable, __file__, "--worker", tool, table, "--repeats", str(args.repeats),
                           "--parquet", pq, "--choix-boot", str(args.choix_boot), "--seed", str(seed)]  # fmt: skip
                    if args.quick:
                        cmd.append("--quick")
                    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                    if proc.returncode:
                        print(f"{tool} on {table} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                        continue
                    runs[tool].append(json.loads(proc.stdout.strip().splitlines()[-1]))
            results = []
            for rs in runs.values():
                if not rs:
                    continue
                r = dict(rs[0])
                r["fit_best"] = min(x["fit_best"] for x in rs)
                r["fit_median"] = statistics.median(x["fit_median"] for x in rs)
                if "boot_best" in r:
                    r["boot_best"] = min(x["boot_best"] for x in rs)
                r["rss_peak_mib"] = max(x["rss_peak_mib"] - x["rss_base_mib"] for x in rs)
                r["rss_base_mib"] = 0.0
                r["runs"] = len(rs)
                if "unconverged" in r:
                    r["unconverged"] = sum(x["unconverged"] for x in rs)
                results.append(r)
            ref = next(r for r in results if r["tool"] == "rankagg")
            label = table if table == "alpaca_eval_1" else f"{table}, seed {seed}"
            print(f"\n### {label}: {ref['battles']:,} battles, {n_sys} systems\n")
            print(
                "| tool | fit best (s) | fit median (s) | x rankagg | 100 bootstrap fits (s) | x rankagg | "
                "peak RSS above data (MiB) | max diff of log-strengths vs rankagg | Spearman vs truth |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            fam = summary.setdefault(table, {})
            for r in results:
                diff = float(np.max(np.abs(np.asarray(r["theta"]) - np.asarray(ref["theta"]))))
                boot = r.get("boot_best")
                extra = r.get("boot_extrapolated_from")
                note = "" if extra is None else f" (from {extra}, extrapolated)"
                boot_s = "" if boot is None else f"{boot:.2f}{note}"
                boot_x = "" if boot is None else f"{boot / ref['boot_best']:.1f}"
                sp = f"{r['spearman_truth']:.4f}" if "spearman_truth" in r else "n/a"
                ratio = r["fit_best"] / ref["fit_best"]
                rss = r["rss_peak_mib"] - r["rss_base_mib"]
                print(
                    f"| {r['tool']} | {r['fit_best']:.3f} | {r['fit_median']:.3f} | {ratio:.1f} | {boot_s} | {boot_x} "
                    f"| {rss:.0f} | {diff:.1e} | {sp} |"
                )
                agg = fam.setdefault(r["tool"], {"fit": [], "fit_x": [], "boot": [], "boot_x": [], "diff": []})
                agg["fit"].append(r["fit_best"])
                agg["fit_x"].append(ratio)
                agg["diff"].append(diff)
                if boot is not None:
                    agg["boot"].append(boot)
                    agg["boot_x"].append(boot / ref["boot_best"])
            if "degenerate" in ref:
                print(f"\nrankagg: {ref['degenerate']} degenerate resample(s) of {N_RESAMPLES}.")
            npy = next((r for r in results if r["tool"] == "numpy"), None)
            if npy is not None:
                print(f"numpy baseline: {npy['unconverged']} fit(s) not converged in 100 Newton steps (all its runs).")
            per = ", ".join(f"{r['tool']} {r['runs']} x {args.repeats}" for r in results)
            print(f"runs per tool: {per}; load average after: {_loadavg()}")
    print("\n### Summary: min / median / max over the instances of each table (each instance: a tool's best run)\n")
    print(
        "| table | instances | tool | fit (s) | x rankagg | 100 bootstrap fits (s) | x rankagg | max diff vs rankagg |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for table, fam in summary.items():
        for tool, agg in fam.items():
            boot = _mmm(agg["boot"], ".2f") if agg["boot"] else ""
            boot_x = _mmm(agg["boot_x"], ".1f") if agg["boot_x"] else ""
            print(
                f"| {table} | {len(agg['fit'])} | {tool} | {_mmm(agg['fit'], '.3f')} | {_mmm(agg['fit_x'], '.1f')} "
                f"| {boot} | {boot_x} | {max(agg['diff']):.1e} |"
            )
    print(f"\nload average at the end: {_loadavg()}")


if __name__ == "__main__":
    main()
