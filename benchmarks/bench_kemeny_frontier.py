"""The exact-Kemeny frontier on uniform profiles: this engine against its previous rules, side by side.

Run from the repository root::

    python benchmarks/bench_kemeny_frontier.py --out benchmarks/RESULTS_kemeny_frontier.md

Instances: uniform profiles (``m`` random permutations of ``n`` systems), the
seeds of ``bench_kemeny.py --full`` (``default_rng([seed, n, m, rep, 3])``; 3
instances up to n = 80, 2 above). Each instance is solved by
``kemeny(wins, method="exact", time_limit=...)`` twice in one process, in
alternating order (the machine is shared: a load change then hits both):

* ``now``: the engine as it is;
* ``before``: rules this engine replaced, restored by monkeypatching; which
  ones is chosen with ``--before``:

  - ``bases`` (default; the changes of 2026-12-04, late): nodes taken from the
    heap solved from HiGHS's last basis (another node's) instead of their
    parent's, the transitive closure by BLAS squaring up to 100 systems (not
    64), and the iterated local search before branching on segments of 8;
  - ``cuts`` (the changes of 2026-12-04, early): every violated triangle row
    added in the first separation round, and pure best-first branch and bound
    (no plunging).

Wall and CPU time (``time.process_time``) are reported, with whether the
optimum is proven and the certified gap; where both are proven their scores
must be equal (the script stops otherwise). The time limit is wall-clock, so
on a loaded machine a call gets less CPU than its limit: read the CPU column.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_kemeny import FAMILIES, profile, ranks_of

import rankagg.rules.kemeny._core as core_module
import rankagg.rules.kemeny._lp as lp_module
from rankagg.rankings.pairwise import pairwise_counts
from rankagg.rules.kemeny import kemeny

_INIT = lp_module.TriangleSolver.__init__


def _all_rows_first(self, *args, **kwargs):
    _INIT(self, *args, **kwargs)
    if self.n_var <= lp_module._ALL_CUTS_MAX:
        self.first_cuts = 10**9


_ILS = lp_module.iterated_local_search
_CLOSURE = lp_module.transitive_closure


def _ils_segments_of_8(*args, **kwargs):
    return _ILS(*args, **{**kwargs, "segment": 8})


def _closure_squaring_below_100(adj: np.ndarray) -> np.ndarray:
    n = adj.shape[0]
    if n >= 100:
        return _CLOSURE(adj)
    f = (adj | np.eye(n, dtype=bool)).astype(np.float32)
    count = int(f.sum())
    while True:
        f = (f @ f > 0).astype(np.float32)
        if int(f.sum()) == count:
            return f > 0
        count = int(f.sum())


BEFORE = "bases"


def configure(name: str) -> None:
    cuts = name == "before" and BEFORE == "cuts"
    bases = name == "before" and BEFORE == "bases"
    lp_module._PLUNGE = not cuts
    lp_module.TriangleSolver.__init__ = _all_rows_first if cuts else _INIT
    lp_module._NODE_BASES[0] = not bases
    lp_module.iterated_local_search = _ils_segments_of_8 if bases else _ILS
    lp_module.transitive_closure = _closure_squaring_below_100 if bases else _CLOSURE
    assert core_module.transitive_closure is _CLOSURE


def solve(wins: np.ndarray, name: str, limit: float) -> dict:
    configure(name)
    try:
        t, c = time.perf_counter(), time.process_time()
        res = kemeny(wins, method="exact", time_limit=limit)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
    finally:
        configure("now")
    return {"wall": wall, "cpu": cpu, "proven": res.optimal, "gap": res.relative_gap, "score": res.score,
            "nodes": res.n_nodes, "load": os.getloadavg()[0]}  # fmt: skip


def fmt(t: float) -> str:
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.1f} s"


def spread(xs: list[float]) -> str:
    return " / ".join(fmt(x) for x in (min(xs), statistics.median(xs), max(xs)))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, nargs="+", default=[80, 90, 100, 120])
    p.add_argument("--m", type=int, default=50)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--time-limit", type=float, default=60.0)
    p.add_argument("--out", type=Path)
    p.add_argument("--before", choices=("bases", "cuts"), default="bases", help="which replaced rules to restore")
    args = p.parse_args(argv)
    global BEFORE
    BEFORE = args.before
    started = time.perf_counter()
    kemeny(pairwise_counts(ranks_of(profile("uniform", 30, 10, np.random.default_rng(0))))[0], method="exact")
    rows = []
    for n in args.n:
        for rep in range(3 if n <= 80 else 2):
            rng = np.random.default_rng([args.seed, n, args.m, rep, FAMILIES.index("uniform")])
            wins = pairwise_counts(ranks_of(profile("uniform", n, args.m, rng)))[0]
            names = ("now", "before") if (len(rows) % 2 == 0) else ("before", "now")
            out = {name: solve(wins, name, args.time_limit) for name in names}
            a, b = out["now"], out["before"]
            if a["proven"] and b["proven"] and a["score"] != b["score"]:
                raise SystemExit(f"n={n} rep={rep}: proven scores differ: {a['score']} vs {b['score']}")
            rows.append((n, rep, out))
            print(n, rep, {k: {kk: round(vv, 5) for kk, vv in v.items()} for k, v in out.items()}, flush=True)
    load = os.getloadavg()
    lines = [
        f"Command: `{' '.join([Path(sys.executable).name, *sys.argv])}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy "
        f"{np.__version__}; load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; total wall "
        f"time {(time.perf_counter() - started) / 60:.1f} min; time limit {args.time_limit:g} s (wall) per call; "
        f"`before` = the `{args.before}` rules.",
        "",
        "| n | m | rep | now: wall / CPU | proven | gap | nodes | before: wall / CPU | proven | gap | nodes | load |",
        "|" + "---|" * 12,
    ]
    for n, rep, out in rows:
        a, b = out["now"], out["before"]
        lines.append(
            f"| {n} | {args.m} | {rep} | {fmt(a['wall'])} / {fmt(a['cpu'])} | {a['proven']} | {100 * a['gap']:.4f}% | "
            f"{a['nodes']} | {fmt(b['wall'])} / {fmt(b['cpu'])} | {b['proven']} | {100 * b['gap']:.4f}% | "
            f"{b['nodes']} | {a['load']:.1f} |"
        )
    lines += [
        "",
        ("| n | instances | now: CPU min / median / max | unproven | before: CPU min / median / max | unproven |"),
    ]
    lines.append("|" + "---|" * 6)
    for n in args.n:
        sel = [out for nn, _, out in rows if nn == n]
        cells = []
        for name in ("now", "before"):
            cpu = [o[name]["cpu"] for o in sel]
            gaps = [o[name]["gap"] for o in sel if not o[name]["proven"]]
            unp = f"{len(gaps)}" + (f" (gaps {', '.join(f'{100 * g:.4f}%' for g in sorted(gaps))})" if gaps else "")
            cells += [spread(cpu), unp]
        lines.append(f"| {n} | {len(sel)} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
