"""``rankagg demo``: the whole pipeline on the built-in toy table, printed as a short tour."""

from __future__ import annotations

import argparse

from rankagg._format import render_frame
from rankagg.cli.options import _emit
from rankagg.cli.probes import probes_demo_lines
from rankagg.cli.render import _describe_diag, _disagreement_lines

__all__ = []


def _cmd_demo(args: argparse.Namespace) -> int:
    from rankagg.aggregation.aggregate import aggregate, compare
    from rankagg.data.table import ScoreTable
    from rankagg.datasets import EXAMPLES, example_frame, load_example
    from rankagg.uncertainty.bootstrap import bootstrap

    table = load_example("toy")
    rules = ["mean", "zscore_mean", "borda", "win_rate", "copeland", "schulze", "kemeny"]
    cmp = compare(table, rules, reference="mean")
    out: list[str] = []
    out.append("rankagg demo: the whole pipeline on a built-in example")
    out.append("")
    out.append("toy: " + EXAMPLES["toy"])
    out.append("Scores (every task higher-is-better):")
    wide = table.to_wide().reset_index()
    out.append(render_frame(wide, "table"))
    out.append("Consensus ranks under several rules (1 = best; tied systems share a rank):")
    out.append(render_frame(cmp.ranks.reset_index(), "table"))
    agree = ", ".join(f"{r} {cmp.agreement.loc['mean', r]:.2f}" for r in cmp.rules if r != "mean")
    out.append(f"Kendall tau-b with the mean: {agree}")
    out.append("")
    out += _disagreement_lines(cmp, limit=10)
    km = cmp.results["kemeny"]
    out.append("")
    out.append("Kemeny consensus: " + " > ".join(km.ranking))
    out += ["  " + x for x in _describe_diag(km)]
    # the scale attack: the same results, with 'code' reported as a fraction instead of a percentage
    df = example_frame("toy")
    df.loc[df["task"] == "code", "score"] = df.loc[df["task"] == "code", "score"] / 100.0
    rescaled = ScoreTable.from_long(df)
    before = {r: cmp.results[r].winners for r in ("mean", "borda", "kemeny")}
    after = {r: aggregate(rescaled, rule=r).winners for r in ("mean", "borda", "kemeny")}
    out.append("")
    out.append("Report 'code' as a fraction (x 0.01) instead of a percentage, same results:")
    for r in before:
        moved = "changes" if before[r] != after[r] else "stays"
        out.append(f"  {r:<7} winner {moved}: {', '.join(before[r])} -> {', '.join(after[r])}")
    # how sure: the Kemeny ranking over resamples of the tasks
    boot = bootstrap(table, "kemeny", n_resamples=1000, rng=0)
    frame = boot.to_frame(top_k=3)
    out.append("")
    out.append(
        f"How sure is the Kemeny ranking? Resampling the {table.n_columns} tasks with replacement, 1000 times "
        "(seed 0): 95% interval of each system's rank, share of resamples ranking it first"
    )
    out.append(render_frame(frame[["system", "rank", "rank_low", "rank_high", "p_top1"]], "table").rstrip("\n"))
    tied = [" = ".join(g) for g in boot.groups() if len(g) > 1]
    out.append(
        "Cannot be told apart at 95%: "
        + ("; ".join(tied) if tied else "none")
        + f". With {table.n_columns} tasks the intervals are wide: a benchmark's task set is a small sample."
    )
    out.append("")
    out += [*probes_demo_lines(), ""]
    out.append(
        "Next: `rankagg rank FILE --rule kemeny`, `rankagg compare FILE --rules mean,borda,kemeny`, "
        "`rankagg bootstrap FILE --rule kemeny --seed 0`, `rankagg rules`, "
        "`rankagg probes decide --dataset dclm --small 400M --target 7B`."
    )
    _emit("\n".join(out) + "\n", args)
    return 0
