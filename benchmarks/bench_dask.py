"""Dask: instance-level rankings and the streaming Poisson bootstrap of data larger than a worker's memory, with the
local in-memory path side by side on the part that fits.

The data: ``--systems`` x ``--instances`` float32 scores (default 200 x 5,000,000: 10^9 scores, 3.7 GiB) written
as Parquet files of ``--rows-per-file`` rows (one row per instance: ``task, instance`` and one column per system;
five tasks, a file's rows all of one task), generated file by file so that generating stays small in memory.
Scores are sigmoids of system ability minus instance difficulty plus noise, rounded to 2 decimals (ties, as in
accuracy-like metrics); higher is better.

What runs (each on a ``LocalCluster`` of 2 worker processes, 1 thread each, ``memory_limit=--memory-limit``):

* ``dask pass, B``: :func:`rankagg.poisson_bootstrap` with ``rankings=`` one-level Borda, one-level Kemeny,
  two-level Borda (inner Borda, outer Borda) and two-level Kemeny (inner Borda, outer Kemeny), all from one pass
  over the files, for ``B`` = 1 and ``--resamples``: the full-data rankings plus B Poisson resamples;
* ``local``: the same rankings with :func:`rankagg.aggregate` and the stratified instance bootstrap
  (:func:`rankagg.bootstrap`, ``resample="instances"``, one-level Borda and Kemeny) of an in-memory
  :class:`~rankagg.InstanceTable` of the first ``--local-instances`` instances, in a subprocess (its peak RSS is
  its own); the Dask pass runs on the same files for the ratio.

Peak memory: the largest resident set of each worker process (psutil, sampled every 0.2 s) and of the local
subprocess (``ru_maxrss``). The crossover (from which size only the Dask path fits on this machine) is
extrapolated from the local path's measured bytes per score; it is stated as an extrapolation.

    python benchmarks/bench_dask.py --instances 200000 --local-instances 100000       # a small run, ~1 min
    python benchmarks/bench_dask.py                                                  # the full run, ~20 min
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

TASKS = 5


def generate(path: Path, n: int, rows: int, per_file: int) -> list[Path]:
    """Write the Parquet files (skipped when a complete set with the same shape is there)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = path / "_shape.json"
    want = {"systems": n, "instances": rows, "rows_per_file": per_file, "version": 1}
    files = [path / f"part-{k:05d}.parquet" for k in range(-(-rows // per_file))]
    if meta.exists() and json.loads(meta.read_text()) == want and all(f.exists() for f in files):
        return files
    need = 4.2 * n * rows
    free = shutil.disk_usage(path.parent if not path.exists() else path).free
    if need > 0.8 * free:
        sys.exit(f"--path {path}: about {need / 2**30:.1f} GiB needed, {free / 2**30:.1f} GiB free; use a smaller "
                 "--instances or another --path.")  # fmt: skip
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    g = np.random.default_rng(20261204)
    ability = np.linspace(-1.0, 1.0, n, dtype=np.float32)
    names = [f"s{i:03d}" for i in range(n)]
    t0 = time.perf_counter()
    for k, f in enumerate(files):
        a, b = k * per_file, min((k + 1) * per_file, rows)
        d = g.normal(0.0, 1.5, b - a).astype(np.float32)
        noise = g.normal(0.0, 1.0, (b - a, n)).astype(np.float32)
        x = 1.0 / (1.0 + np.exp(-(ability[None, :] - d[:, None] + noise)))
        x = np.round(x, 2).astype(np.float32)
        cols = {"task": pa.array([f"t{k % TASKS}"] * (b - a)), "instance": pa.array(np.arange(a, b, dtype=np.int64))}
        cols.update({s: pa.array(x[:, i]) for i, s in enumerate(names)})
        pq.write_table(pa.table(cols), f, row_group_size=per_file)
    meta.write_text(json.dumps(want))
    print(f"generated {rows:,} x {n} in {len(files)} files, {time.perf_counter() - t0:.0f} s", flush=True)
    return files


class PeakRSS:
    """Largest resident set of each of some processes, sampled every 0.2 s in a thread."""

    def __init__(self, pids: dict[str, int]) -> None:
        import psutil

        self.procs = {k: psutil.Process(p) for k, p in pids.items()}
        self.peak = dict.fromkeys(pids, 0)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            for k, p in self.procs.items():
                with contextlib.suppress(Exception):  # a worker restarted: its old pid is gone
                    self.peak[k] = max(self.peak[k], p.memory_info().rss)
            self.stop.wait(0.2)

    def __enter__(self) -> PeakRSS:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


RANKINGS = [
    "borda",
    "kemeny",
    {"rule": "borda", "level": "two", "outer": "borda"},
    {"rule": "borda", "level": "two", "outer": "kemeny"},
]

LOCAL = r"""
import json, resource, sys, time
import numpy as np, pyarrow.parquet as pq
import rankagg
files, n_res = json.loads(sys.argv[1]), int(sys.argv[2])
parts = {}
for f in files:
    t = pq.read_table(f)
    task = t.column("task")[0].as_py()
    parts.setdefault(task, []).append(np.column_stack([t.column(c).to_numpy() for c in t.column_names[2:]]).T)
systems = pq.read_table(files[0]).column_names[2:]
data = {k: np.concatenate(v, axis=1).astype(np.float64) for k, v in parts.items()}
table = rankagg.InstanceTable.from_arrays(data, systems=systems, higher_is_better=True)
del data, parts
out = {"scores": int(table.scores.size), "rss_loaded": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
t0 = time.perf_counter()
rankagg.aggregate(table, rule="borda")
out["borda_seconds"] = time.perf_counter() - t0
t0 = time.perf_counter()
ranks = {
    "borda": rankagg.aggregate(table, rule="borda").ranks.tolist(),
    "kemeny": rankagg.aggregate(table, rule="kemeny").ranks.tolist(),
    "borda -> borda": rankagg.aggregate(table, level="two", inner="borda", outer="borda").ranks.tolist(),
    "borda -> kemeny": rankagg.aggregate(table, level="two", inner="borda", outer="kemeny").ranks.tolist(),
}
out["rank_seconds"] = time.perf_counter() - t0
out["ranks"] = ranks
t0 = time.perf_counter()
for rule in ("borda", "kemeny"):
    rankagg.bootstrap(table, rule, resample="instances", n_resamples=n_res, rng=0)
out["boot_seconds"] = time.perf_counter() - t0
out["rss_peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(out))
"""


def dask_pass(client, files, n_resamples, memory):
    import dask.dataframe as dd

    import rankagg

    pids = client.run(os.getpid)
    ddf = dd.read_parquet([str(f) for f in files])
    with PeakRSS(pids) as rss:
        t0 = time.perf_counter()
        res = rankagg.poisson_bootstrap(ddf, rankings=RANKINGS, higher_is_better=True, n_resamples=n_resamples,
                                        rng=0, scheduler=client)  # fmt: skip
        sec = time.perf_counter() - t0
    return res, sec, max(rss.peak.values()), ddf.npartitions


def dask_aggregate(client, files, systems, *, persist=True):
    """One-level Borda through ``rankagg.aggregate(..., backend="dask")`` (helper A's ranking pass): reading and
    validating the wide files included, then once more from blocks persisted in the workers' memory."""
    import rankagg
    from rankagg.distributed import read_instances

    pids = client.run(os.getpid)
    out = {}
    with PeakRSS(pids) as rss:
        t0 = time.perf_counter()
        data = read_instances([str(f) for f in files], layout="wide", systems=systems, higher_is_better=True,
                              scheduler=client)  # fmt: skip
        res = rankagg.aggregate(data, "borda", scheduler=client)
        out["cold_seconds"] = time.perf_counter() - t0
        if not persist:  # data larger than the workers' memory: nothing to keep
            out["peak_worker_rss"] = 0
            out["ranks"] = res.ranks.tolist()
            return out
        t0 = time.perf_counter()
        kept = read_instances([str(f) for f in files], layout="wide", systems=systems, higher_is_better=True,
                              scheduler=client, persist=True)  # fmt: skip
        out["persist_seconds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = rankagg.aggregate(kept, "borda", scheduler=client)
        out["warm_seconds"] = time.perf_counter() - t0
    out["peak_worker_rss"] = max(rss.peak.values())
    out["ranks"] = res.ranks.tolist()
    assert again.ranks.tolist() == out["ranks"]
    return out


def aggregate_only(args, files) -> None:
    """``--aggregate-only``: one ranking of every file through ``aggregate(backend="dask")``, nothing else."""
    import distributed

    from rankagg.distributed import read_instances

    systems = [f"s{i:03d}" for i in range(args.systems)]
    print(f"load average at start: {os.getloadavg()}", flush=True)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=args.memory_limit,
                                 dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        pids = client.run(os.getpid)
        with PeakRSS(pids) as rss:
            agg = dask_aggregate(client, files, systems, persist=False)
        peak = max(rss.peak.values())
        n_inst = len(files) * args.rows_per_file
        print(f"aggregate(backend='dask') one-level Borda, {args.systems} x {n_inst:,} ({len(files)} files): "
              f"{agg['cold_seconds']:.1f} s reading included, {n_inst / agg['cold_seconds']:,.0f} instances/s, "
              f"peak worker RSS {peak / 2**20:.0f} MiB, load {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    del read_instances


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--systems", type=int, default=200)
    ap.add_argument("--instances", type=int, default=5_000_000)
    ap.add_argument("--rows-per-file", type=int, default=25_000)
    ap.add_argument("--local-instances", type=int, default=500_000)
    ap.add_argument("--resamples", type=int, default=8)
    ap.add_argument("--memory-limit", default="1GiB")
    ap.add_argument("--path", type=Path, default=Path("/tmp/rankagg_bench_dask"))
    ap.add_argument("--skip-full", action="store_true", help="only the part that fits in memory")
    ap.add_argument(
        "--aggregate-only",
        action="store_true",
        help="only one ranking of every file through aggregate(backend='dask')",
    )
    args = ap.parse_args()
    import distributed

    files = generate(args.path, args.systems, args.instances, args.rows_per_file)
    if args.aggregate_only:
        aggregate_only(args, files)
        return
    k_local = -(-min(args.local_instances, args.instances) // args.rows_per_file)
    local_files = files[:k_local]
    n = args.systems
    print(f"load average at start: {os.getloadavg()}", flush=True)

    # the local in-memory path, in its own process (its peak RSS is its own)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LOCAL, json.dumps([str(f) for f in local_files]),
                           str(args.resamples)], capture_output=True, text=True, check=True)  # fmt: skip
    local = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"local: {time.perf_counter() - t0:.0f} s including reading", flush=True)

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       memory_limit=args.memory_limit, dashboard_address=":0")  # fmt: skip
    client = distributed.Client(cluster)
    rows = []
    try:
        for label, fs in (("fits", local_files), ("full", files)):
            if label == "full" and args.skip_full:
                continue
            for b in (1, args.resamples):
                res, sec, peak, nparts = dask_pass(client, fs, b, args.memory_limit)
                inst = len(fs) * args.rows_per_file if label == "fits" else args.instances
                rows.append({"data": label, "instances": inst, "partitions": nparts, "B": b, "seconds": sec,
                             "peak_worker_rss": peak, "load": os.getloadavg()[0]})  # fmt: skip
                print(json.dumps(rows[-1]), flush=True)
                if label == "fits" and b == 1:  # the same full-data rankings as the in-memory aggregation
                    for name, r in res.items():
                        same = r.full_ranks.tolist() == local["ranks"][name]
                        print(f"  {name}: full-data ranks equal to the local aggregate: {same}", flush=True)
        systems = [f"s{i:03d}" for i in range(n)]
        agg = dask_aggregate(client, local_files, systems)
        print(json.dumps({k: v for k, v in agg.items() if k != "ranks"}), flush=True)
        print(f"  aggregate(backend='dask') Borda: ranks equal to the local aggregate: "
              f"{agg['ranks'] == local['ranks']['borda']}", flush=True)  # fmt: skip
    finally:
        client.close()
        cluster.close()

    # report
    inst_local = rows[0]["instances"]
    by = {(r["data"], r["B"]): r for r in rows}
    bps = local["rss_peak"] / local["scores"]
    print()
    print(f"local in-memory ({n} x {inst_local:,}): rankings (4, one pass each) {local['rank_seconds']:.1f} s, "
          f"bootstrap Borda + Kemeny B={args.resamples} {local['boot_seconds']:.1f} s, peak RSS "
          f"{local['rss_peak'] / 2**30:.2f} GiB ({bps:.1f} bytes per score)")  # fmt: skip
    for r in rows:
        per = r["instances"] / r["seconds"]
        print(f"dask {r['data']} ({n} x {r['instances']:,}, {r['partitions']} partitions) B={r['B']}: "
              f"{r['seconds']:.1f} s, {per:,.0f} instances/s, peak worker RSS {r['peak_worker_rss'] / 2**20:.0f} MiB, "
              f"load {r['load']:.2f}")  # fmt: skip
    f1 = by[("fits", 1)]
    print(f"ratio, rankings on the part that fits: local {inst_local / local['rank_seconds']:,.0f} instances/s "
          f"(4 aggregations) vs dask {inst_local / f1['seconds']:,.0f} instances/s (one pass, + 1 resample): "
          f"{local['rank_seconds'] / f1['seconds']:.2f}x; local one-level Borda alone {local['borda_seconds']:.1f} s: "
          f"dask pass / local Borda throughput {local['borda_seconds'] / f1['seconds']:.2f}x")  # fmt: skip
    print(f"one ranking, aggregate(backend='dask') one-level Borda on the part that fits: {agg['cold_seconds']:.1f} s "
          f"reading the files included (local aggregate alone {local['borda_seconds']:.1f} s: "
          f"{local['borda_seconds'] / agg['cold_seconds']:.2f}x its throughput); blocks persisted in "
          f"{agg['persist_seconds']:.1f} s, then {agg['warm_seconds']:.1f} s "
          f"({local['borda_seconds'] / agg['warm_seconds']:.2f}x); peak worker RSS "
          f"{agg['peak_worker_rss'] / 2**20:.0f} MiB")  # fmt: skip
    fb = by[("fits", args.resamples)]
    print(f"ratio, bootstrap B={args.resamples}: local stratified (Borda + Kemeny) {local['boot_seconds']:.1f} s vs "
          f"dask Poisson (4 rankings) {fb['seconds']:.1f} s: {local['boot_seconds'] / fb['seconds']:.2f}x")  # fmt: skip
    mem = 23 * 2**30
    print(f"crossover (extrapolated from {bps:.1f} bytes per score of the local path): about "
          f"{mem / bps / n:,.0f} instances of {n} systems fill this machine's 23 GiB")  # fmt: skip


if __name__ == "__main__":
    main()
