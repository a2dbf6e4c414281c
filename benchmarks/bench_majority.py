"""Schulze and ranked pairs at leaderboard scale, side by side with pref_voting.

Random tables of n systems x 20 tasks (uniform scores, one table per seed of `--seeds`, default 0 1 2) and
the Open LLM Leaderboard v1 snapshot (1,192 x 4, many ties). rankagg's rules are timed on their rule input
(pairwise counts built first, as `aggregate` builds them); pref_voting's Schulze and ranked pairs winners are
timed on the same margin graph (`beat_path`, and `ranked_pairs_tb` with one tie-breaking order: its
`ranked_pairs` tries every order) where they finish (small n), and the ratio is printed. Each time is the best
of `--repeat` runs on one table; a row gives min / median / max over the seeds' tables (ratios: per table).
Plain-numpy baselines of Schulze, and the larger boards: `bench_large.py`.

    python benchmarks/bench_majority.py                      # n = 500 1000 2000 and Open LLM
    python benchmarks/bench_majority.py --n 30 60 --peers    # with pref_voting at small n
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

import rankagg
from rankagg.rules import majority
from rankagg.rules.base import RuleInput

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def best_of(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def rule_input(table: rankagg.ScoreTable) -> RuleInput:
    inp = RuleInput(table=table, rankings=rankagg.rank_table(table))
    inp.pairwise  # noqa: B018 - built once, outside the timing, as aggregate does
    return inp


def peer_times(table: rankagg.ScoreTable, repeat: int) -> dict[str, float]:
    try:
        from pref_voting.voting_methods import beat_path, ranked_pairs_tb
        from pref_voting.weighted_majority_graphs import MarginGraph
    except ImportError:
        return {}
    wins, _ = rule_input(table).pairwise
    m = np.round(wins - wins.T, 9)
    n = m.shape[0]
    graph = MarginGraph(list(range(n)), [(i, j, float(m[i, j])) for i in range(n) for j in range(n) if m[i, j] > 0])
    return {  # the same margins; ranked pairs with one tie-breaking order (pref_voting's ranked_pairs tries them all)
        "schulze": best_of(lambda: beat_path(graph), repeat),
        "ranked_pairs": best_of(lambda: ranked_pairs_tb(graph), repeat),
    }


def nice(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def spread(xs: list[float], scale: float = 1e3, unit: str = " ms") -> str:
    """min / median / max (times in ms by default; ratios with ``scale=1, unit="x"``)."""
    return " / ".join(nice(scale * x) for x in (min(xs), statistics.median(xs), max(xs))) + unit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[500, 1000, 2000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", action="store_true", help="also time pref_voting (small n only)")
    ap.add_argument("--no-real", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat} per table; min / median / max over seeds "
          f"{args.seeds}")  # fmt: skip
    print(
        "| table | n | Schulze | ranked pairs | pref_voting Schulze (x rankagg) | pref_voting ranked pairs "
        "(x rankagg) |"
    )
    print("|---|---|---|---|---|---|")
    cases = []
    for n in args.n:
        tables = []
        for seed in args.seeds:
            rng = np.random.default_rng(seed)
            tables.append(rankagg.ScoreTable(
                rng.random((n, 20)), systems=[f"s{i}" for i in range(n)], tasks=[f"t{j}" for j in range(20)],
                higher_is_better=True,
            ))  # fmt: skip
        cases.append(("random x 20", tables))
    snap = DATA / "open_llm_leaderboard_v1" / "snapshot_20230904.csv"
    if not args.no_real and snap.exists():
        cases.append(("Open LLM v1", [rankagg.read_table(snap, missing="drop_systems")]))
    for name, tables in cases:
        got: dict[str, list[float]] = {"schulze": [], "ranked_pairs": [], "p_schulze": [], "p_ranked_pairs": []}
        for t in tables:
            inp = rule_input(t)
            got["schulze"].append(best_of(lambda inp=inp: majority.schulze(inp), args.repeat))
            got["ranked_pairs"].append(best_of(lambda inp=inp: majority.ranked_pairs(inp), args.repeat))
            peers = peer_times(t, args.repeat) if args.peers else {}
            for k, v in peers.items():
                got[f"p_{k}"].append(v)
        cell = {}
        for k in ("schulze", "ranked_pairs"):
            p = got[f"p_{k}"]
            ratios = [a / b for a, b in zip(p, got[k], strict=False)]
            cell[k] = f"{spread(p)} ({spread(ratios, 1.0, 'x')})" if p else ""
        print(
            f"| {name} | {tables[0].n_systems} | {spread(got['schulze'])} | {spread(got['ranked_pairs'])} | "
            f"{cell['schulze']} | {cell['ranked_pairs']} |"
        )


if __name__ == "__main__":
    main()
