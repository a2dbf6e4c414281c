"""Benchmark of ``rankagg report``: time, peak memory and HTML size on real leaderboards.

Usage::

    python benchmarks/bench_report.py [--tables open_llm,glue,mteb] [--resamples 1000] [--jobs 2] [--repeats 1]
        [--write benchmarks/RESULTS_report.md]

For each table, one fresh process runs the command line in-process (``rankagg.cli.main``) and reports its wall
time, its CPU time, the peak resident set size of itself and of its bootstrap workers, and the size of the
HTML it wrote:

    rankagg report FILE --rule kemeny -B 1000 --jobs 2 --seed 0 -o report.html

Side by side, in the same run and on the same table, the two commands a user would otherwise run for the
report's numbers (``rankagg compare FILE --rules mean,borda,copeland,kemeny`` and ``rankagg bootstrap FILE
--rule kemeny -B 1000 --jobs 2 --seed 0``), each in its own process: the ratio report / (compare + bootstrap)
says what the page (figures, HTML) costs on top of its computations, and what solving Kemeny once saves.
The plain baseline, in its own process: the same table as one HTML page with pandas alone (each system's mean
of its oriented scores, its rank, the scores, ``DataFrame.to_html``): what a page costs without any
uncertainty, rule or figure; report / plain is the price of those. At the end, min / median / max over the
tables (and repeats) of every figure, and the slowest table.

Tables (read from ../shared/datasets): the Open LLM Leaderboard v1 snapshot (1,192 x 4), GLUE (100 x 14,
``--missing drop_systems``: 97) and MTEB classic English (``--missing drop_systems``: the 152 complete models
x 56 tasks). The machine is shared: the load average is printed with every run, and times are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
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


def _plain(argv: list[str]) -> None:
    """The plain baseline: the same table as one HTML page with pandas alone (read, one column per task and
    metric, oriented, systems with a hole dropped when the command line drops them, mean, rank, ``to_html``);
    timed after ``import pandas`` as the rankagg worker is after importing its command line."""
    import pandas as pd

    path, out, drop = argv
    t0, c0 = time.perf_counter(), time.process_time()
    df = pd.read_csv(path)
    df["score"] = df["score"].where(df["higher_is_better"].astype(bool), -df["score"])
    wide = df.pivot_table(index="system", columns=["task", "metric"], values="score", aggfunc="mean")
    wide.columns = [f"{t} ({m})" for t, m in wide.columns]
    if drop == "drop":
        wide = wide.dropna()
    board = pd.DataFrame({"mean": wide.mean(axis=1)})
    board["rank"] = board["mean"].rank(ascending=False, method="min").astype(int)
    Path(out).write_text(board.sort_values("rank").join(wide).to_html(float_format="%.3f"), encoding="utf-8")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"code": 0, "wall": wall, "cpu": cpu, "rss_mib": me, "workers_rss_mib": 0.0}))


def _run(argv: list[str], mode: str = "--worker") -> dict:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, mode, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["process"] = time.perf_counter() - t0  # the whole process: interpreter start and imports included
    return res


def spread(xs: list[float], fmt: str) -> str:
    """``min / median / max`` over the tables."""
    return " / ".join(fmt.format(x) for x in (min(xs), statistics.median(xs), max(xs)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--plain", help=argparse.SUPPRESS)
    ap.add_argument("--write", metavar="PATH", help="also write the markdown report here")
    ap.add_argument("--tables", default="open_llm,glue,mteb")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    if args.worker:
        _worker(json.loads(args.worker))
        return
    if args.plain:
        _plain(json.loads(args.plain))
        return
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    say(f"Command: `python {' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}`")
    say(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    say()
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
                p = _run([str(path), str(Path(tmp) / "plain.html"), "drop" if extra else "keep"], "--plain")
                psize = (Path(tmp) / "plain.html").stat().st_size
                rows.append({"name": name, "report": r["wall"], "cpu": r["cpu"], "rss": r["rss_mib"],
                             "workers": r["workers_rss_mib"], "html": size / 2**20, "sum": c["wall"] + b["wall"],
                             "ratio": ratio, "plain": p["wall"], "x_plain": r["wall"] / p["wall"],
                             "proc": r["process"], "plain_proc": p["process"],
                             "x_plain_proc": r["process"] / p["process"]})  # fmt: skip
                say(
                    f"{name} (run {rep + 1}, load {load:.1f}): report {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, "
                    f"peak RSS {r['rss_mib']:.0f} MiB (workers {r['workers_rss_mib']:.0f} MiB), HTML "
                    f"{size / 2**20:.2f} MiB | compare {c['wall']:.1f} s + bootstrap {b['wall']:.1f} s = "
                    f"{c['wall'] + b['wall']:.1f} s | report / (compare + bootstrap) = {ratio:.2f} | plain pandas "
                    f"page {p['wall']:.2f} s ({psize / 2**10:.0f} KiB, peak RSS {p['rss_mib']:.0f} MiB): report "
                    f"{r['wall'] / p['wall']:.0f}x | whole processes (start, imports): report {r['process']:.1f} s, "
                    f"plain {p['process']:.1f} s ({r['process'] / p['process']:.0f}x)"
                )
    if rows:
        say()
        say(f"Over the {len(rows)} runs ({len({x['name'] for x in rows})} tables), min / median / max:")
        say()
        say("| report wall (s) | report CPU (s) | peak RSS (MiB) | workers (MiB) | HTML (MiB) | compare + bootstrap "
            "(s) | report / (compare + bootstrap) | plain pandas page (s) | report / plain | whole processes: "
            "report / plain |")  # fmt: skip
        say("|---|---|---|---|---|---|---|---|---|---|")
        col = {k: [x[k] for x in rows] for k in rows[0] if k != "name"}
        say(f"| {spread(col['report'], '{:.1f}')} | {spread(col['cpu'], '{:.1f}')} | {spread(col['rss'], '{:.0f}')} | "
            f"{spread(col['workers'], '{:.0f}')} | {spread(col['html'], '{:.2f}')} | {spread(col['sum'], '{:.1f}')} | "
            f"{spread(col['ratio'], '{:.2f}')} | {spread(col['plain'], '{:.2f}')} | {spread(col['x_plain'], '{:.0f}')}x"
            f" | {spread(col['x_plain_proc'], '{:.1f}')}x |")  # fmt: skip
        slow = max(rows, key=lambda x: x["report"])
        say(f"Slowest: {slow['name']} ({slow['report']:.1f} s).")
    say()
    say(f"load average {os.getloadavg()[0]:.1f} at the end")
    if args.write:
        Path(args.write).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
