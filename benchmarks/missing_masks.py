"""Masking experiment: how far do rankings move when scores go missing, per way of handling them?

Take a complete real leaderboard, hide a random share of its cells, rank the
systems with each way of handling the holes, and measure Kendall's tau-b
between that ranking and the same method's ranking of the complete table
(over the systems the method still ranks), over many random masks: the mean
± standard error, the min / median / max over the masks (the worst mask
first), and, mask by mask, how often ``partial_borda`` is closer than each
other method and its smallest margin.

Methods:

* ``partial_borda``: Borda over the compatible completions of each task's
  partial ranking (Himmi et al., Findings of EMNLP 2024; ``rankagg.rankings.partial``).
* ``kemeny (expected)``, ``copeland (expected)``: the same completions fed to
  the pairwise rules (``pairwise="expected"``).
* ``kemeny (observed)``, ``copeland (observed)``, ``win_rate``: partial rankings
  where a task only counts for the systems it scores.
* ``borda, drop_systems``: drop every system with a hole (tau over the rest;
  the share of systems lost is printed too).
* ``borda, drop_tasks``: drop every task with a hole (fails when none is left).
* ``borda, fill task mean`` / ``borda, fill worst``: impute the task's mean of
  the observed scores, or its worst observed score, then rank.
* ``mean of observed``: the usual leaderboard fallback, the mean over the scores
  a system has (compared with the mean of the complete table).

Usage::

    python benchmarks/missing_masks.py                 # MTEB 152 x 56, GLUE and SuperGLUE (drop_systems), 100 masks
    python benchmarks/missing_masks.py --masks 20 --rates 0.1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rankagg import ScoreTable, aggregate, kendall_tau_b, read_table
from rankagg._errors import RankaggError

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def complete_mteb(data: Path = DATA) -> ScoreTable:
    """The classic English MTEB table restricted to its 152 systems with all 56 tasks."""
    t = read_table(data / "mteb" / "mteb_eng_classic_56.csv", missing="drop_systems")
    return t


def complete_glue(data: Path = DATA) -> ScoreTable:
    """GLUE without the systems that miss a score (drop_systems), human baselines included."""
    return read_table(data / "glue_superglue_value" / "glue.csv", missing="drop_systems")


def complete_superglue(data: Path = DATA) -> ScoreTable:
    """SuperGLUE without the systems that miss a score (drop_systems), human baselines included."""
    return read_table(data / "glue_superglue_value" / "superglue.csv", missing="drop_systems")


TABLES = {
    "mteb": ("MTEB classic, 152 complete systems x 56 tasks", complete_mteb),
    "glue": ("GLUE, drop_systems", complete_glue),
    "superglue": ("SuperGLUE, drop_systems", complete_superglue),
}


def _table(scores: np.ndarray, like: ScoreTable, missing: str) -> ScoreTable:
    return ScoreTable(
        scores,
        systems=like.systems,
        tasks=[c.task for c in like.columns],
        metrics=[c.metric for c in like.columns],
        higher_is_better={c.label: c.higher_is_better for c in like.columns},
        missing=missing,
    )


def _mask(rng: np.random.Generator, shape: tuple[int, int], rate: float) -> np.ndarray:
    """Hide ``rate`` of the cells at random, keeping every system with two scores and every task with two."""
    while True:
        hide = rng.random(shape) < rate
        ok = ((~hide).sum(axis=1) >= 2).all() and ((~hide).sum(axis=0) >= 2).all()
        if ok:
            return hide


def _tau_on(systems_a: tuple[str, ...], ranks_a: np.ndarray, ref: dict[str, float]) -> float:
    return kendall_tau_b(np.asarray(ranks_a, dtype=float), np.array([ref[s] for s in systems_a]))


METHODS = (
    "partial_borda",
    "kemeny (expected)",
    "copeland (expected)",
    "kemeny (observed)",
    "copeland (observed)",
    "win_rate",
    "borda, drop_systems",
    "borda, drop_tasks",
    "borda, fill task mean",
    "borda, fill worst",
    "mean of observed",
)


def run(table: ScoreTable, *, rates: list[float], masks: int, seed: int, kemeny_limit: float = 10.0) -> pd.DataFrame:
    """Mean (and standard error) of Kendall tau-b to the full-data ranking, per method and masking rate."""
    full = table.scores
    oriented = table.oriented_scores()
    ref = {
        "borda": aggregate(table, rule="borda"),
        "kemeny": aggregate(table, rule="kemeny", time_limit=kemeny_limit),
        "copeland": aggregate(table, rule="copeland"),
        "win_rate": aggregate(table, rule="win_rate"),
        "mean": aggregate(table, rule="mean") if table.higher_is_better.all() else None,
    }
    ref_ranks = {k: dict(zip(table.systems, v.ranks.astype(float), strict=True)) for k, v in ref.items() if v}
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for rate in rates:
        taus: dict[str, list[float]] = {m: [] for m in METHODS}
        lost: list[float] = []
        failed: dict[str, int] = dict.fromkeys(METHODS, 0)
        for _ in range(masks):
            hide = _mask(rng, full.shape, rate)
            holed = np.where(hide, np.nan, full)
            part = _table(holed, table, "partial")

            def record(name: str, res: Any, against: str, taus: dict[str, list[float]] = taus) -> None:
                taus[name].append(_tau_on(res.systems, res.ranks, ref_ranks[against]))

            record("partial_borda", aggregate(part, rule="partial_borda"), "borda")
            record(
                "kemeny (expected)",
                aggregate(part, rule="kemeny", pairwise="expected", time_limit=kemeny_limit),
                "kemeny",
            )
            record("copeland (expected)", aggregate(part, rule="copeland", pairwise="expected"), "copeland")
            record("kemeny (observed)", aggregate(part, rule="kemeny", time_limit=kemeny_limit), "kemeny")
            record("copeland (observed)", aggregate(part, rule="copeland"), "copeland")
            record("win_rate", aggregate(part, rule="win_rate"), "win_rate")
            try:
                ds = part.with_missing("drop_systems")
                lost.append(len(ds.dropped_systems) / table.n_systems)
                record("borda, drop_systems", aggregate(ds, rule="borda"), "borda")
            except RankaggError:
                failed["borda, drop_systems"] += 1
                lost.append(1.0)
            try:
                record("borda, drop_tasks", aggregate(part.with_missing("drop_tasks"), rule="borda"), "borda")
            except RankaggError:
                failed["borda, drop_tasks"] += 1
            obs = np.where(hide, np.nan, oriented)
            col_mean = np.nanmean(obs, axis=0)
            col_worst = np.nanmin(obs, axis=0)
            for name, fill in (("borda, fill task mean", col_mean), ("borda, fill worst", col_worst)):
                filled = np.where(hide, fill[None, :], oriented)
                t2 = ScoreTable(filled, systems=table.systems, tasks=list(table.labels), higher_is_better=True)
                record(name, aggregate(t2, rule="borda"), "borda")
            if "mean" in ref_ranks:
                mean_obs = np.nanmean(holed, axis=1)
                taus["mean of observed"].append(
                    kendall_tau_b(-mean_obs, np.array([ref_ranks["mean"][s] for s in table.systems]))
                )
        pb = np.array(taus["partial_borda"], dtype=float)
        for name in METHODS:
            vals = np.array(taus[name], dtype=float)
            rows.append(
                {
                    "rate": rate,
                    "method": name,
                    "mean_tau": float(np.mean(vals)) if vals.size else np.nan,
                    "min_tau": float(np.min(vals)) if vals.size else np.nan,
                    "median_tau": float(np.median(vals)) if vals.size else np.nan,
                    "max_tau": float(np.max(vals)) if vals.size else np.nan,
                    # paired, mask by mask: partial_borda's tau minus this method's (same masks)
                    "pb_wins": int((pb > vals).sum()) if vals.size == pb.size and name != "partial_borda" else -1,
                    "pb_diff_min": float(np.min(pb - vals)) if vals.size == pb.size else np.nan,
                    "se": float(np.std(vals, ddof=1) / np.sqrt(vals.size)) if vals.size > 1 else np.nan,
                    "masks": int(vals.size),
                    "failed": failed[name],
                    "systems_lost": float(np.mean(lost)) if name == "borda, drop_systems" else np.nan,
                }
            )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--masks", type=int, default=100)
    ap.add_argument("--rates", type=float, nargs="+", default=[0.05, 0.1, 0.2, 0.3])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    ap.add_argument("--write", metavar="PATH", help="also write the markdown report here")
    args = ap.parse_args(argv)
    out: list[str] = [f"Command: `python {' '.join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])}`"]

    def say(text: str) -> None:
        print(text, flush=True)
        out.append(text)

    md = _has_tabulate()
    for key in args.tables:
        name, loader = TABLES[key]
        t0 = time.perf_counter()
        table = loader(args.data)
        df = run(table, rates=args.rates, masks=args.masks, seed=args.seed)
        say(
            f"\n## {name}: {table.n_systems} systems x {table.n_columns} task columns, {args.masks} masks per rate "
            f"({time.perf_counter() - t0:.0f} s)\n"
        )
        wide = df.pivot(index="method", columns="rate", values="mean_tau").reindex(list(METHODS))
        se = df.pivot(index="method", columns="rate", values="se").reindex(list(METHODS))
        cells = wide.map(lambda v: "fails" if np.isnan(v) else f"{v:.3f}") + se.map(
            lambda v: "" if np.isnan(v) else f" ± {v:.4f}"
        )
        cells.columns = [f"{100 * r:g}% hidden" for r in wide.columns]
        say("Mean ± standard error of Kendall tau-b over the masks:\n")
        say(cells.to_markdown() if md else cells.to_string())
        spread = df.set_index(["method", "rate"])
        cells = pd.DataFrame(
            {
                f"{100 * r:g}% hidden": [
                    "fails"
                    if np.isnan(spread.loc[(m, r), "min_tau"])
                    else " / ".join(f"{spread.loc[(m, r), k]:.3f}" for k in ("min_tau", "median_tau", "max_tau"))
                    + ("" if spread.loc[(m, r), "failed"] == 0 else f" ({spread.loc[(m, r), 'failed']} failed)")
                    for m in METHODS
                ]
                for r in args.rates
            },
            index=list(METHODS),
        )
        say("\nMin / median / max of Kendall tau-b over the masks (the worst mask first):\n")
        say(cells.to_markdown() if md else cells.to_string())
        paired = {
            f"{100 * r:g}% hidden": [
                f"{spread.loc[(m, r), 'pb_wins']} of {spread.loc[(m, r), 'masks']}; "
                f"{spread.loc[(m, r), 'pb_diff_min']:+.3f}"
                if spread.loc[(m, r), "pb_wins"] >= 0 and spread.loc[(m, r), "masks"] == args.masks
                else "-"
                for m in METHODS[1:]
            ]
            for r in args.rates
        }
        say(
            "\nMask by mask, partial_borda against each method: on how many masks its tau is higher, and the "
            "smallest difference (partial_borda's tau minus the method's; negative: the method was closer on "
            "that mask):\n"
        )
        frame = pd.DataFrame(paired, index=list(METHODS[1:]))
        say(frame.to_markdown() if md else frame.to_string())
        lost = df[df["method"] == "borda, drop_systems"].set_index("rate")["systems_lost"]
        say(
            "\nshare of systems lost by drop_systems: "
            + ", ".join(f"{100 * r:g}%: {100 * v:.0f}%" for r, v in lost.items())
        )
    if args.write:
        Path(args.write).write_text("\n".join(out) + "\n", encoding="utf-8")
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
