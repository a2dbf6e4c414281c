"""Benchmark of ``rankagg report``: time, peak memory and HTML size on real leaderboards.

Usage::

    python benchmarks/bench_report.py [--tables open_llm,glue,mteb] [--resamples 1000] [--jobs 2] [--repeats 1]

For each table, one fresh process runs the command line in-process (``rankagg.cli.main``) and reports its wall
time, its CPU time, the peak resident set size of itself and of its bootstrap workers, and the size of the
HTML it wrote:

    rankagg report FILE --rule kemeny -B 1000 --jobs 2 --seed 0 -o report.html

Side by side, in the same run and on the same table, the two commands a user would otherwise run for the
report's numbers (``rankagg compare FILE --rules mean,borda,copeland,kemeny`` and ``rankagg bootstrap FILE
--rule kemeny -B 1000 --jobs 2 --seed 0``), each in its own process: the ratio report / (compare + bootstrap)
says what the page (figures, HTML) costs on top of its computations, and what solving Kemeny once saves.

Tables (read from ../shared/datasets): the Open LLM Leaderboard v1 snapshot (1,192 x 4), GLUE (100 x 14,
``--missing drop_systems``: 97) and MTEB classic English (``--missing drop_systems``: the 152 complete models
x 56 tasks). The machine is shared: the load average is printed with every run, and times are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets"
TABLES = {
    "open_llm": (DATA / "open_llm_leaderboard_v1" / "snapshot_20230904.csv", []),
    "glue": (DATA / "glue_superglue_value" / "glue.csv", ["--missing", "drop_systems"]),
    "mteb": (DATA / "mteb" / "mteb_eng_classic_56.csv", ["--missing", "drop_systems"]),
}


def _worker(argv: list[str]) -> None:
    """Run one command in this process; print wall time, CPU time and peak RSS (self and children) as JSON."""
    import warnings

    from rankagg.cli import main

    warnings.simplefilter("ignore")
    t0, c0 = time.perf_counter(), time.process_time()
    code = main(argv)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "code": code,
                "wall": wall,
                "cpu": cpu + kids.ru_utime + kids.ru_stime,
                "rss_mib": me,
                "workers_rss_mib": kids.ru_maxrss / 1024,
            }
        )
    )


def _run(argv: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--tables", default="open_llm,glue,mteb")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    if args.worker:
        _worker(json.loads(args.worker))
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    rows = []
    for name in args.tables.split(","):
        path, extra = TABLES[name]
        if not path.exists():
            print(f"{name}: {path} not found, skipped")
            continue
        common = [str(path), *extra]
        with tempfile.TemporaryDirectory() as tmp:
            html = Path(tmp) / "report.html"
            seed = ["--seed", "0"]
            report = ["report", *common, "--rule", "kemeny", "-B", str(args.resamples), "--jobs", str(args.jobs)]
            for rep in range(args.repeats):
                load = os.getloadavg()[0]
                r = _run([*report, *seed, "-o", str(html)])
                size = html.stat().st_size
                c = _run(["compare", *common, "--rules", "mean,borda,copeland,kemeny", "-o", str(Path(tmp) / "c")])
                boot = ["bootstrap", *common, "--rule", "kemeny", "-B", str(args.resamples), "--jobs", str(args.jobs)]
                b = _run([*boot, *seed, "-o", str(Path(tmp) / "b")])
                ratio = r["wall"] / (c["wall"] + b["wall"])
                rows.append((name, rep, load, r, size, c, b, ratio))
                print(
                    f"{name} (run {rep + 1}, load {load:.1f}): report {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, "
                    f"peak RSS {r['rss_mib']:.0f} MiB (workers {r['workers_rss_mib']:.0f} MiB), HTML "
                    f"{size / 2**20:.2f} MiB | compare {c['wall']:.1f} s + bootstrap {b['wall']:.1f} s = "
                    f"{c['wall'] + b['wall']:.1f} s | report / (compare + bootstrap) = {ratio:.2f}",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
