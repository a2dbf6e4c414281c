"""Benchmark of rankagg's Kemeny engine against pref_voting and corankco.

Run from the repository root, with the peers installed in the same environment
so that rankagg and the peers run under the same interpreter::

    pip install -e ".[bench]"
    python benchmarks/bench_kemeny.py --quick
    python benchmarks/bench_kemeny.py --full --out benchmarks/RESULTS_kemeny.md

Profiles (complete strict rankings, so that every library optimises the same
objective): Mallows with dispersion ``phi`` in {0.5, 0.8, 0.95, 1.0 (uniform)}
and *benchmark-like* profiles (system skill ~ N(0, 1) plus per-task noise
N(0, 0.5^2)); real leaderboards from ``../shared/datasets`` (GLUE, MTEB-152,
Open LLM Leaderboard v1) for rankagg alone.

rankagg runs in this process; its time includes building the pairwise
``wins`` matrix from the rankings. Each peer call runs in a forked child
process (its own process group, killed at the time limit, since neither peer
can be interrupted); the time is measured inside the child around the call.
A peer is skipped at larger sizes of a (profile, m) series once it failed the
limit. Every order returned (rankagg's and the peers') is re-scored with
:func:`rankagg.rules.kemeny.kemeny_score`, and the optimum / gaps come from
rankagg's certified bounds. The ratio columns ("corankco exact / rankagg",
"pref_voting / rankagg") are min / median / max over the instances of a row of
the per-instance ratio (peer time / rankagg exact time on the same profile),
over the instances where rankagg proved the optimum and the peer finished
within the limit; an instance where the peer hit the limit gives only a lower
bound (limit / rankagg time), shown apart. A peer's order whose score differs
from rankagg's proven optimum, or falls below its certified lower bound, is
logged with the instance's seed.

Memory: the peak of Python-level allocations (``tracemalloc``, numpy
included, HiGHS internals not) of one extra untimed rankagg exact call, and
the process peak RSS (``resource.getrusage``) at the end; for peers the
child's peak RSS growth (CBC runs as a grandchild; its RSS is included).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing as mp
import os
import platform
import resource
import signal
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from rankagg.rankings.orders import rank_scores
from rankagg.rankings.pairwise import pairwise_counts
from rankagg.rules.kemeny import kemeny, kemeny_score

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"

FAMILIES = ("mallows-0.5", "mallows-0.8", "mallows-0.95", "uniform", "benchmark")
HEURISTICS = ("local_search", "ils", "kwiksort")


# ----------------------------------------------------------------------------- profiles
def mallows(n: int, m: int, phi: float, rng: np.random.Generator) -> np.ndarray:
    """``m`` Mallows permutations (best first) around the identity, by repeated insertion."""
    out = np.empty((m, n), dtype=np.intp)
    for v in range(m):
        if phi >= 1.0:
            out[v] = rng.permutation(n)
            continue
        perm: list[int] = []
        for i in range(n):
            w = phi ** np.arange(i, -1, -1.0)  # inserting at position j adds i - j inversions
            perm.insert(int(rng.choice(i + 1, p=w / w.sum())), i)
        out[v] = perm
    return out


def benchmark_like(n: int, m: int, rng: np.random.Generator, noise: float = 0.5) -> np.ndarray:
    """``m`` task rankings of systems with a latent skill plus independent per-task noise."""
    scores = rng.normal(size=n)[None, :] + noise * rng.normal(size=(m, n))
    return np.argsort(-scores, axis=1)


def profile(family: str, n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    if family == "benchmark":
        return benchmark_like(n, m, rng)
    if family == "uniform":
        return mallows(n, m, 1.0, rng)
    return mallows(n, m, float(family.split("-")[1]), rng)


def ranks_of(perms: np.ndarray) -> np.ndarray:
    m, n = perms.shape
    ranks = np.empty((n, m))
    for v in range(m):
        ranks[perms[v], v] = np.arange(1, n + 1)
    return ranks


# ----------------------------------------------------------------------------- peers (run in a child process)
def _peer_pref_voting(perms: np.ndarray) -> tuple[int, ...]:
    from pref_voting.other_methods import kemeny_young_rankings
    from pref_voting.profiles import Profile

    rankings, _ = kemeny_young_rankings(Profile([[int(x) for x in p] for p in perms]))
    return tuple(int(x) for x in rankings[0])


def _corankco_dataset(perms: np.ndarray):
    from corankco.dataset import Dataset

    return Dataset.from_raw_list([[{int(x)} for x in p] for p in perms])


def _corankco_order(consensus, n: int) -> tuple[int, ...]:
    ranking = consensus.consensus_rankings[0]
    order: list[int] = []
    for bucket in ranking:  # a bucket (tie) is broken by index; it never happens with this scoring scheme
        order.extend(sorted(int(str(e)) for e in bucket))
    assert sorted(order) == list(range(n))
    return tuple(order)


_SCHEME = [[0.0, 1.0, 1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 1.0, 1.0, 0.0]]  # Kemeny, strict consensus


def _peer_corankco_exact(perms: np.ndarray) -> tuple[int, ...]:
    from corankco.algorithms.exact.exactalgorithmpulp import ExactAlgorithmPulp
    from corankco.scoringscheme import ScoringScheme

    c = ExactAlgorithmPulp().compute_consensus_rankings(_corankco_dataset(perms), ScoringScheme(_SCHEME), True)
    return _corankco_order(c, perms.shape[1])


def _peer_bioconsert(perms: np.ndarray) -> tuple[int, ...]:
    from corankco.algorithms.bioconsert.bioconsert import BioConsert
    from corankco.scoringscheme import ScoringScheme

    c = BioConsert().compute_consensus_rankings(_corankco_dataset(perms), ScoringScheme(_SCHEME), True)
    return _corankco_order(c, perms.shape[1])


# calls faster than _REPEAT_BELOW are timed as the best of at least _REPEATS runs that fill _REPEAT_FOR seconds
# (rankagg's and the peers' alike, like timeit's autorange): a few sub-millisecond calls mostly measure the
# caches and the clock speed left by the previous (peer) process. --repeat-for 0 gives the best of 3.
_REPEAT_BELOW = 0.1
_REPEATS = 3
_REPEAT_FOR = 0.2

PEERS = {
    "pref_voting": ("pref_voting", _peer_pref_voting),
    "corankco_exact": ("corankco", _peer_corankco_exact),
    "corankco_bioconsert": ("corankco", _peer_bioconsert),
}


def _child(fn, perms, conn) -> None:
    os.setsid()  # own process group: the parent can kill us together with CBC
    try:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        order = fn(perms)
        elapsed = time.perf_counter() - t
        start, runs = time.perf_counter(), 1
        # quick calls: best of at least 3 runs filling _REPEAT_FOR seconds, as for rankagg
        while elapsed < _REPEAT_BELOW and (runs < _REPEATS or time.perf_counter() - start < _REPEAT_FOR):
            t = time.perf_counter()
            fn(perms)
            elapsed = min(elapsed, time.perf_counter() - t)
            runs += 1
        peak = max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        )
        conn.send(("ok", elapsed, order, peak / 1024.0))
    except Exception as exc:  # report, do not hang the parent
        conn.send(("error", 0.0, repr(exc), 0.0))
    finally:
        conn.close()


def run_peer(name: str, perms: np.ndarray, limit: float) -> dict:
    """Run a peer in a forked child with a hard time limit."""
    _, fn = PEERS[name]
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, perms, send))
    proc.start()
    send.close()
    ready = recv.poll(limit + 5.0)  # small grace for imports; the time itself is measured in the child
    if not ready:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.join()
        return {"status": "timeout", "time": math.inf}
    status, elapsed, order, mem = recv.recv()
    proc.join()
    if status != "ok":
        return {"status": f"error {order}", "time": math.nan}
    if elapsed > limit:
        return {"status": "timeout", "time": math.inf}
    return {"status": "ok", "time": elapsed, "order": order, "mem_mb": mem}


def available_peers() -> dict[str, str]:
    """Peer name -> '' if importable, else the reason."""
    out = {}
    for name, (module, _) in PEERS.items():
        try:
            __import__(module)
            out[name] = ""
        except ImportError as exc:  # pragma: no cover - depends on the environment
            out[name] = f"not importable ({exc})"
    return out


# ----------------------------------------------------------------------------- rankagg
def run_rankagg(perms_or_ranks: np.ndarray, method: str, limit: float, *, is_ranks: bool = False) -> dict:
    def call():
        ranks = perms_or_ranks if is_ranks else ranks_of(perms_or_ranks)
        wins, _ = pairwise_counts(ranks)
        return wins, kemeny(wins, method=method, time_limit=limit, rng=0)

    t, c = time.perf_counter(), time.process_time()
    wins, res = call()
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    start, runs = time.perf_counter(), 1
    # quick calls: best of at least 3 runs filling _REPEAT_FOR seconds (same result every run)
    while elapsed < _REPEAT_BELOW and (runs < _REPEATS or time.perf_counter() - start < _REPEAT_FOR):
        t = time.perf_counter()
        call()
        elapsed = min(elapsed, time.perf_counter() - t)
        runs += 1
    return {"status": "ok", "time": elapsed, "cpu": cpu, "order": res.order, "res": res, "wins": wins}


def rankagg_peak_mb(wins: np.ndarray, limit: float) -> float:
    tracemalloc.start()
    kemeny(wins, method="exact", time_limit=limit)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


# ----------------------------------------------------------------------------- experiment
def fmt_time(t: float) -> str:
    if math.isinf(t):
        return "timeout"
    if math.isnan(t):
        return "error"
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def fmt_spread(spread: tuple[float, float, float]) -> str:
    """min / median / max over the instances (one figure when there is one instance)."""
    lo, med, hi = spread
    return fmt_time(med) if lo == hi else f"{fmt_time(lo)} / {fmt_time(med)} / {fmt_time(hi)}"


def mem_cell(mb: float) -> str:
    return "-" if math.isnan(mb) else f"{mb:.2f}"


def unproven_cell(row: dict) -> str:
    gaps = row["exact_unproven_gaps"]
    return "0" if not gaps else f"{len(gaps)} (gaps {', '.join(pct(g) for g in sorted(gaps))})"


def pct(x: float) -> str:
    return "0" if x == 0 else f"{100 * x:.3f}%"


def synthetic(args, peers_ok: dict[str, str], log) -> list[dict]:
    rows = []
    failed: dict[tuple[str, str, int], int] = {}  # (peer, family, m) -> smallest n that failed
    for family in args.families:
        for m in args.m:
            for n in args.n:
                reps = args.reps if n <= 80 else max(1, args.reps - 1)
                rec: dict[str, list] = defaultdict(list)
                for rep in range(reps):
                    rng = np.random.default_rng([args.seed, n, m, rep, FAMILIES.index(family)])
                    perms = profile(family, n, m, rng)
                    ex = run_rankagg(perms, "exact", args.time_limit)
                    res = ex["res"]
                    wins = ex["wins"]
                    best_lb = res.lower_bound
                    rec["exact_time"].append(ex["time"])
                    rec["exact_cpu"].append(ex["cpu"])
                    rec["exact_proven"].append(res.optimal)
                    rec["exact_gap"].append(res.relative_gap)
                    rec["exact_nodes"].append(res.n_nodes)
                    if rep == 0 and not args.no_mem:
                        rec["exact_mem"].append(rankagg_peak_mb(wins, args.time_limit))
                    for h in HEURISTICS:
                        out = run_rankagg(perms, h, args.time_limit)
                        s = kemeny_score(wins, out["order"])
                        rec[f"{h}_time"].append(out["time"])
                        rec[f"{h}_excess"].append((s - best_lb) / s)
                    for peer in args.peers:
                        if peers_ok.get(peer):
                            continue
                        if peer == "pref_voting" and n > args.pref_voting_max_n:
                            continue
                        if failed.get((peer, family, m), math.inf) <= n:
                            rec[f"{peer}_time"].append(math.nan)
                            rec[f"{peer}_skipped"].append(True)
                            continue
                        out = run_peer(peer, perms, args.time_limit)
                        if out["status"] not in ("ok", "timeout"):
                            log(f"{peer} failed on {family} n={n} m={m} rep={rep}: {out['status']}")
                        if out["status"] != "ok":
                            failed[(peer, family, m)] = min(failed.get((peer, family, m), math.inf), n)
                            rec[f"{peer}_time"].append(out["time"])
                            if math.isinf(out["time"]) and res.optimal:  # the peer is at least limit / rankagg
                                rec[f"{peer}_ratio_lb"].append(args.time_limit / ex["time"])
                            continue
                        s = kemeny_score(wins, out["order"])
                        rec[f"{peer}_time"].append(out["time"])
                        rec[f"{peer}_excess"].append((s - best_lb) / s)
                        rec[f"{peer}_mem"].append(out["mem_mb"])
                        seed = [args.seed, n, m, rep, FAMILIES.index(family)]
                        where = f"{family} n={n} m={m} rep={rep} (rng seed {seed})"
                        if s < best_lb - 1e-9 * max(1.0, s):
                            log(f"BUG? {peer} scores {s} below rankagg's certified lower bound {best_lb} on {where}")
                        if res.optimal:  # per-instance ratio where both finished: peer time / rankagg time
                            rec[f"{peer}_ratio"].append(out["time"] / ex["time"])
                        if peer != "corankco_bioconsert" and res.optimal:
                            agree = abs(s - res.score) <= 1e-9 * max(1.0, s)
                            rec[f"{peer}_agree"].append(agree)
                            if not agree:
                                log(f"DISAGREE: {peer} scores {s}, rankagg's proven optimum {res.score} on {where}")
                row = summarise(family, n, m, rec)
                rows.append(row)
                log(row)
    return rows


def _median(xs: list[float]) -> float:
    xs = [x for x in xs if not math.isnan(x)]
    return statistics.median(xs) if xs else math.nan


def _spread(xs: list[float]) -> tuple[float, float, float]:
    """(min, median, max) over the instances."""
    xs = [x for x in xs if not math.isnan(x)]
    return (min(xs), statistics.median(xs), max(xs)) if xs else (math.nan,) * 3


def summarise(family: str, n: int, m: int, rec: dict[str, list]) -> dict:
    row = {"profile": family, "n": n, "m": m, "reps": len(rec["exact_time"])}
    row["exact_time"] = _median(rec["exact_time"])
    row["exact_spread"] = _spread(rec["exact_time"])
    row["exact_cpu_max"] = max(rec["exact_cpu"])
    row["exact_unproven"] = sum(not p for p in rec["exact_proven"])
    row["exact_unproven_gaps"] = [g for g, p in zip(rec["exact_gap"], rec["exact_proven"]) if not p]
    row["exact_proven"] = f"{sum(rec['exact_proven'])}/{len(rec['exact_proven'])}"
    row["exact_gap"] = max(rec["exact_gap"])
    row["exact_nodes"] = max(rec["exact_nodes"])
    row["exact_mem"] = rec["exact_mem"][0] if rec["exact_mem"] else math.nan
    for h in HEURISTICS:
        row[f"{h}_time"] = _median(rec[f"{h}_time"])
        row[f"{h}_spread"] = _spread(rec[f"{h}_time"])
        row[f"{h}_excess"] = max(rec[f"{h}_excess"])
    for peer in PEERS:
        times = rec.get(f"{peer}_time", [])
        row[f"{peer}_ratio_spread"] = _spread(rec.get(f"{peer}_ratio", []))
        row[f"{peer}_n_ratio"] = len(rec.get(f"{peer}_ratio", []))
        row[f"{peer}_ratio_lb"] = min(rec.get(f"{peer}_ratio_lb", [math.inf]))
        row[f"{peer}_n_ratio_lb"] = len(rec.get(f"{peer}_ratio_lb", []))
        if not times:
            row[f"{peer}_time"] = None
            continue
        finished = [t for t in times if math.isfinite(t)]
        # over the limit here, or skipped after failing it here or at a smaller n of the series
        row[f"{peer}_n_over"] = len(times) - len(finished)
        if not finished:
            row[f"{peer}_time"] = (
                "skipped" if rec.get(f"{peer}_skipped") and not any(map(math.isinf, times)) else math.inf
            )
            continue
        row[f"{peer}_time"] = _median(finished)
        row[f"{peer}_spread"] = _spread(finished)
        row[f"{peer}_excess"] = max(rec.get(f"{peer}_excess", [math.nan]))
        row[f"{peer}_agree"] = all(rec.get(f"{peer}_agree", [True]))
        row[f"{peer}_mem"] = max(rec.get(f"{peer}_mem", [math.nan]))
    return row


def load_leaderboard(relpath: str, complete: bool = False) -> np.ndarray:
    df = pd.read_csv(DATASETS / relpath)
    df["column"] = df["task"].astype(str) + " | " + df["metric"].astype(str)
    wide = df.pivot_table(index="system", columns="column", values="score", aggfunc="first")
    if complete:
        wide = wide.dropna()
    hib = df.groupby("column")["higher_is_better"].first()
    return np.column_stack([rank_scores(wide[c].to_numpy(), higher_is_better=bool(hib[c])) for c in wide.columns])


REAL = (
    ("GLUE (100 x 14, 3 missing)", "glue_superglue_value/glue.csv", False),
    ("MTEB classic, 152 complete x 56", "mteb/mteb_eng_classic_56.csv", True),
    ("Open LLM v1 (1,192 x 4, ties)", "open_llm_leaderboard_v1/snapshot_20230904.csv", False),
)


def real(args, log) -> list[dict]:
    rows = []
    if not DATASETS.exists():
        log(f"(real leaderboards skipped: {DATASETS} not found)")
        return rows
    for label, rel, complete in REAL:
        ranks = load_leaderboard(rel, complete)
        limit = args.real_time_limit
        out = run_rankagg(ranks, "auto", limit, is_ranks=True)
        res = out["res"]
        row = {
            "dataset": label,
            "n": ranks.shape[0],
            "time": out["time"],
            "optimal": res.optimal,
            "unique": res.unique,
            "gap": res.relative_gap,
            "method": res.method,
            "components": f"{res.n_components} (largest {res.largest_component})",
            "mem": rankagg_peak_mb(out["wins"], limit) if ranks.shape[0] < 500 else math.nan,
        }
        for h in ("local_search", "ils"):
            o = run_rankagg(ranks, h, limit, is_ranks=True)
            s = kemeny_score(out["wins"], o["order"])
            row[f"{h}_time"] = o["time"]
            row[f"{h}_excess"] = (s - res.lower_bound) / s
        rows.append(row)
        log(row)
    return rows


# ----------------------------------------------------------------------------- report
def peer_cell(row: dict, peer: str) -> str:
    t = row.get(f"{peer}_time")
    if t is None:
        return "-"
    if t == "skipped":
        return "skipped"
    cell = fmt_spread(row[f"{peer}_spread"]) if f"{peer}_spread" in row else fmt_time(t)
    if not math.isinf(t) and peer == "corankco_bioconsert":
        cell += f" / {pct(row[f'{peer}_excess'])}"
    elif not math.isinf(t) and not row.get(f"{peer}_agree", True):
        cell += " (score differs!)"
    if not math.isinf(t) and row.get(f"{peer}_n_over"):
        cell += f" ({row[f'{peer}_n_over']} of {row['reps']} over the limit)"
    return cell


def _x(r: float) -> str:
    return f"{r:,.0f}x" if r >= 10 else f"{r:.1f}x"


def ratio(row: dict, peer: str, limit: float) -> str:
    """min / median / max over the instances of (peer time / rankagg exact time on the same instance).

    Only instances where rankagg proved the optimum and the peer finished within the limit; instances where
    the peer hit the limit give a lower bound (limit / rankagg time), whose smallest value is shown.
    """
    t = row.get(f"{peer}_time")
    if t is None or t == "skipped":
        return "-"
    parts = []
    k = row[f"{peer}_n_ratio"]
    if k:
        lo, med, hi = row[f"{peer}_ratio_spread"]
        cell = _x(med) if k == 1 else f"{_x(lo)} / {_x(med)} / {_x(hi)}"
        if k < row["reps"]:
            cell += f" ({k} of {row['reps']})"
        parts.append(cell)
    j = row[f"{peer}_n_ratio_lb"]
    if j:
        parts.append(f"> {_x(row[f'{peer}_ratio_lb'])} on {j} over the limit")
    return "; ".join(parts) or "-"


def report(args, syn: list[dict], rw: list[dict], peers_ok: dict[str, str], started: float) -> str:
    lines = []
    load = os.getloadavg()
    lines.append(f"Command: `{' '.join([Path(sys.executable).name, *sys.argv])}`  ")
    lines.append(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; "
        f"total wall time {(time.perf_counter() - started) / 60:.1f} min; time limit {args.time_limit:g} s per call; "
        f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB."
    )
    lines.append("")
    for peer, why in peers_ok.items():
        if why:
            lines.append(f"- {peer}: skipped, {why}")
    if syn:
        lines.append(
            "| profile | n | m | instances | rankagg exact, min / median / max | max CPU | unproven (their gaps) | "
            "B&B nodes (max) | peak MB | local_search / excess | ils / excess | kwiksort / excess | pref_voting | "
            "corankco exact | BioConsert / excess | corankco exact / rankagg | pref_voting / rankagg |"
        )
        lines.append("|" + "---|" * 18)
        for r in syn:
            lines.append(
                f"| {r['profile']} | {r['n']} | {r['m']} | {r['reps']} | {fmt_spread(r['exact_spread'])} | "
                f"{fmt_time(r['exact_cpu_max'])} | {unproven_cell(r)} | {r['exact_nodes']} | "
                f"{mem_cell(r['exact_mem'])} | "
                + " | ".join(f"{fmt_spread(r[f'{h}_spread'])} / {pct(r[f'{h}_excess'])}" for h in HEURISTICS)
                + f" | {peer_cell(r, 'pref_voting')} | {peer_cell(r, 'corankco_exact')} | "
                f"{peer_cell(r, 'corankco_bioconsert')} | {ratio(r, 'corankco_exact', args.time_limit)} | "
                f"{ratio(r, 'pref_voting', args.time_limit)} |"
            )
        lines.append("")
    if rw:
        lines.append(
            "| dataset | n | rankagg auto | proven | unique | gap | method | components | peak MB | "
            "local_search / excess | ils / excess |"
        )
        lines.append("|" + "---|" * 11)
        for r in rw:
            mem = "-" if math.isnan(r["mem"]) else f"{r['mem']:.1f}"
            lines.append(
                f"| {r['dataset']} | {r['n']} | {fmt_time(r['time'])} | {r['optimal']} | {r['unique']} | "
                f"{pct(r['gap'])} | {r['method']} | {r['components']} | {mem} | "
                f"{fmt_time(r['local_search_time'])} / {pct(r['local_search_excess'])} | "
                f"{fmt_time(r['ils_time'])} / {pct(r['ils_excess'])} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small grid, 1 repetition, 20 s limit (default)")
    mode.add_argument("--full", action="store_true", help="full grid, 3 repetitions, 60 s limit")
    p.add_argument("--n", type=int, nargs="+", help="numbers of systems")
    p.add_argument("--m", type=int, nargs="+", help="numbers of voters (tasks)")
    p.add_argument("--families", nargs="+", choices=FAMILIES, help="profile families")
    p.add_argument("--reps", type=int, help="repetitions per configuration")
    p.add_argument("--time-limit", type=float, help="seconds per call (rankagg and peers)")
    p.add_argument("--real-time-limit", type=float, default=60.0, help="seconds per real-leaderboard call")
    p.add_argument("--peers", nargs="*", default=list(PEERS), choices=list(PEERS), help="peers to run")
    p.add_argument("--pref-voting-max-n", type=int, default=8, help="pref_voting enumerates n! orders")
    p.add_argument("--no-real", action="store_true", help="skip the real leaderboards")
    p.add_argument("--no-synthetic", action="store_true", help="skip the synthetic profiles")
    p.add_argument("--no-mem", action="store_true", help="skip the extra untimed exact call measuring memory")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument(
        "--repeat-for", type=float, default=_REPEAT_FOR, help="seconds of repeats for calls under 0.1 s (default 0.2)"
    )
    p.add_argument("--out", type=Path, help="write the markdown tables there")
    args = p.parse_args(argv)
    globals()["_REPEAT_FOR"] = args.repeat_for  # read by run_rankagg and by the forked peer children
    if args.full:
        args.n = args.n or [8, 15, 30, 40, 60, 80, 120, 200]
        args.m = args.m or [10, 50]
        args.reps = args.reps or 3
        args.time_limit = args.time_limit or 60.0
    else:
        args.n = args.n or [8, 15, 30, 60, 80]
        args.m = args.m or [10, 50]
        args.reps = args.reps or 1
        args.time_limit = args.time_limit or 20.0
        args.real_time_limit = min(args.real_time_limit, 30.0)
    args.families = args.families or list(FAMILIES)
    started = time.perf_counter()
    kemeny(np.array([[0.0, 2, 1], [1, 0, 2], [2, 1, 0]]))  # warm-up: imports and first-call costs
    kemeny(pairwise_counts(ranks_of(profile("uniform", 12, 5, np.random.default_rng(0))))[0], method="exact")
    # and an LP (its first call imports scipy.optimize: about 1 s, which the first timed instance paid before)
    kemeny(pairwise_counts(ranks_of(profile("uniform", 30, 10, np.random.default_rng(0))))[0], method="exact")
    peers_ok = available_peers() if args.peers else {}

    def log(row) -> None:
        if isinstance(row, dict):
            row = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
        print(row, flush=True)

    syn = [] if args.no_synthetic else synthetic(args, peers_ok, log)
    rw = [] if args.no_real else real(args, log)
    text = report(args, syn, rw, peers_ok, started)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
