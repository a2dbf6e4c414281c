"""Schulze and ranked pairs at leaderboard scale, side by side with pref_voting.

Random tables of n systems x 20 tasks (uniform scores, seed n) and the Open LLM Leaderboard v1 snapshot
(1,192 x 4, many ties). rankagg's rules are timed on their rule input (pairwise counts built first, as
`aggregate` builds them); pref_voting's Schulze and ranked pairs winners are timed on the same margin graph
(`beat_path`, and `ranked_pairs_tb` with one tie-breaking order: its `ranked_pairs` tries every order) where
they finish (small n), and the ratio is printed. Each figure is the best of `--repeat` runs.

    python benchmarks/bench_majority.py                      # n = 500 1000 2000 and Open LLM
    python benchmarks/bench_majority.py --n 30 60 --peers    # with pref_voting at small n
"""

from __future__ import annotations

import argparse
import os
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[500, 1000, 2000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers", action="store_true", help="also time pref_voting (small n only)")
    ap.add_argument("--no-real", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat}")
    print("| table | n | Schulze | ranked pairs | pref_voting Schulze | pref_voting ranked pairs |")
    print("|---|---|---|---|---|---|")
    cases = []
    for n in args.n:
        rng = np.random.default_rng(n)
        t = rankagg.ScoreTable(
            rng.random((n, 20)), systems=[f"s{i}" for i in range(n)], tasks=[f"t{j}" for j in range(20)],
            higher_is_better=True,
        )  # fmt: skip
        cases.append(("random x 20", t))
    snap = DATA / "open_llm_leaderboard_v1" / "snapshot_20230904.csv"
    if not args.no_real and snap.exists():
        cases.append(("Open LLM v1", rankagg.read_table(snap, missing="drop_systems")))
    for name, t in cases:
        inp = rule_input(t)
        s = best_of(lambda inp=inp: majority.schulze(inp), args.repeat)
        r = best_of(lambda inp=inp: majority.ranked_pairs(inp), args.repeat)
        peers = peer_times(t, args.repeat) if args.peers else {}
        cell = {
            k: (f"{peers[k]:.3g} s ({peers[k] / v:.2g}x)" if k in peers else "")
            for k, v in (("schulze", s), ("ranked_pairs", r))
        }
        print(f"| {name} | {t.n_systems} | {s:.3g} s | {r:.3g} s | {cell['schulze']} | {cell['ranked_pairs']} |")


if __name__ == "__main__":
    main()
