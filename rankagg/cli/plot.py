"""``rankagg plot KIND FILE -o fig.pdf``: the figures of :mod:`rankagg.plot` from the command line.

Used by :mod:`rankagg.cli`, which passes its own argument groups, loader and
writer (the pattern of :mod:`rankagg._cli_stats`). matplotlib is imported
only when this command runs, with the Agg backend (no display needed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rankagg._errors import RankaggError, did_you_mean

__all__ = ["add_plot_command"]

#: Kinds of ``rankagg plot``, each a function of :mod:`rankagg.plot` (listed here so that ``--help`` does not
#: import matplotlib); what each needs computed from the table.
KINDS: dict[str, str] = {
    "critical_difference": "Demšar's critical difference diagram (Friedman / Nemenyi; --cliques wilcoxon-holm)",
    "rank_intervals": "bootstrap rank intervals and P(top 1) (--rule, -B, --seed)",
    "rank_probabilities": "systems x rank positions from the bootstrap (--style heatmap|blob)",
    "prob_above": "P(row system ranked above column system) from the bootstrap",
    "bump": "ranks across rules (--rules), pairs disagreeing with the reference highlighted",
    "bump_tasks": "ranks across the tasks, ending at the consensus under --rule",
    "task_ranks": "systems x tasks heatmap of per-task ranks, rows in --rule order",
    "agreement": "Kendall tau between the rules of a comparison (--rules)",
    "pairwise_margins": "the pairwise record of every pair, in Kemeny order",
    "perturbation": "a perturbation study (--study remove_tasks|rescale_task|add_noise|mask_cells)",
}
BOOTSTRAP_KINDS = ("rank_intervals", "rank_probabilities", "prob_above")
SIZES = ("one", "two")
STUDIES = ("remove_tasks", "rescale_task", "add_noise", "mask_cells")


class PlotError(RankaggError):
    """A ``rankagg plot`` usage error."""


def add_plot_command(
    sub: Any,
    add_table_args: Callable[[argparse.ArgumentParser], None],
    add_output_args: Callable[[argparse.ArgumentParser], None],
    load: Callable[[argparse.Namespace], Any],
    emit: Callable[[str, argparse.Namespace], None],
) -> None:
    """``rankagg plot KIND FILE -o fig.pdf``: one paper figure of a score table.

    ``add_output_args`` and ``emit`` are not used: a figure is written by
    matplotlib to ``-o`` (its format from the extension), not as text.
    """
    del add_output_args, emit
    kinds = "; ".join(f"{k}: {v}" for k, v in KINDS.items())
    p = sub.add_parser(
        "plot",
        help="draw a paper figure (critical difference, rank intervals, bump chart, ...) to PDF, PNG or SVG",
        description=f"Draw one figure of a score table with rankagg.plot and write it to -o (PDF, SVG, PNG...: the "
        f"extension says which). Kinds: {kinds}. Dashes may replace underscores (rank-intervals).",
    )
    p.add_argument("kind", metavar="KIND", help=f"the figure: {', '.join(KINDS)}")
    add_table_args(p)
    p.add_argument(
        "--instance-col",
        default="instance",
        help="long files: instance column; an instance-level file is bootstrapped over its instances, and summarised "
        "by each task's mean for the task-level figures (default: instance; '' reads every file as task-level)",
    )
    g = p.add_argument_group("figure")
    g.add_argument("-o", "--output", required=True, help="the figure file: .pdf, .svg, .png, .eps ... (required)")
    g.add_argument(
        "--size", choices=SIZES, help="one-column (3.3 in) or two-column (6.9 in) width (default: each figure's own)"
    )
    g.add_argument("--top", type=int, metavar="N", help="show only the best N systems (1,000-system boards)")
    g = p.add_argument_group("rules, tests and resampling (as they apply to KIND)")
    g.add_argument(
        "--rule",
        help="bootstrap kinds: the rule resampled (default borda; bradley_terry for battle logs); bump_tasks, "
        "task_ranks: the consensus rule (default kemeny)",
    )
    g.add_argument("--rules", action="append", metavar="RULES", help="bump, agreement, perturbation: rules to compare")
    g.add_argument("--reference", help="bump, agreement: the reference rule (default: the first of --rules)")
    g.add_argument("-B", "--resamples", type=int, default=1000, help="bootstrap kinds: resamples (default 1000)")
    g.add_argument("--confidence", type=float, default=0.95, help="rank_intervals: interval level (default 0.95)")
    g.add_argument("--resample", help="bootstrap kinds: what to resample (as in `rankagg bootstrap`)")
    g.add_argument("--jobs", type=int, default=1, help="bootstrap kinds: worker processes (-1: all cores)")
    g.add_argument("--style", choices=("heatmap", "blob"), default="heatmap", help="rank_probabilities: the style")
    g.add_argument("--alpha", type=float, default=0.05, help="critical_difference: significance level (default 0.05)")
    g.add_argument(
        "--cliques", choices=("nemenyi", "wilcoxon-holm"), default="nemenyi", help="critical_difference: the cliques"
    )
    g.add_argument("--study", choices=STUDIES, default="remove_tasks", help="perturbation: the study (default k tasks)")
    g.add_argument("--draws", type=int, default=20, help="perturbation: random draws per setting (default 20)")
    g.add_argument("--seed", type=int, help="random seed (bootstrap, perturbation draws, randomised rules)")
    p.set_defaults(func=lambda args: _cmd_plot(args, load))


def _kind(text: str) -> str:
    key = str(text).strip().lower().replace("-", "_")
    if key not in KINDS:
        raise PlotError(
            f"KIND {text!r}: not a figure rankagg draws; use one of {', '.join(KINDS)}.{did_you_mean(key, KINDS)}"
        )
    return key


def _format(output: str) -> str:
    """The output format from the file extension, checked against what matplotlib can write."""
    from matplotlib.figure import Figure

    writable = sorted(Figure().canvas.get_supported_filetypes())
    ext = Path(output).suffix.lower().lstrip(".")
    if not ext:
        raise PlotError(
            f"-o {output!r}: give the file an extension that says the format, e.g. fig.pdf; matplotlib writes "
            f"{', '.join(writable)}."
        )
    if ext not in writable:
        raise PlotError(
            f"-o {output!r}: matplotlib cannot write .{ext} files; use one of {', '.join(writable)} (e.g. fig.pdf, "
            "fig.svg for vector output, fig.png)."
        )
    folder = Path(output).parent
    if not folder.is_dir():
        raise PlotError(f"-o {output!r}: the folder {str(folder)!r} does not exist; create it or give another path.")
    return ext


def _split(values: list[str] | None) -> list[str] | None:
    out = [x.strip() for v in values or [] for x in v.split(",") if x.strip()]
    return out or None


def _check_numbers(args: argparse.Namespace) -> None:
    if args.top is not None and args.top < 1:
        raise PlotError(f"--top {args.top}: give a positive number of systems to show, e.g. --top 20.")
    if args.resamples < 1:
        raise PlotError(f"-B/--resamples: the number of resamples must be a positive integer, got {args.resamples}.")
    if not 0.0 < args.confidence < 1.0:
        raise PlotError(f"--confidence: must lie strictly between 0 and 1 (e.g. 0.95), got {args.confidence:g}.")
    if not 0.0 < args.alpha < 1.0:
        raise PlotError(f"--alpha: must lie strictly between 0 and 1 (e.g. 0.05), got {args.alpha:g}.")
    if args.draws < 1:
        raise PlotError(f"--draws: the number of random draws must be a positive integer, got {args.draws}.")
    if args.jobs == 0 or args.jobs < -1:
        raise PlotError(f"--jobs: give a positive number of worker processes, or -1 for all cores (got {args.jobs}).")


def _score_table(table: Any, kind: str) -> Any:
    """A task-level table for the figures that need one: instance-level data summarised by each task's mean."""
    from rankagg.data.battles import PairwiseProfile
    from rankagg.data.instances import InstanceTable

    if isinstance(table, InstanceTable):
        sys.stderr.write(
            f"rankagg: note: {kind} draws task-level scores: each task's instance scores are summarised by their mean "
            "(one score per system and task column)\n"
        )
        return table.task_table("mean")
    if isinstance(table, PairwiseProfile) and kind != "pairwise_margins":
        raise PlotError(
            f"{kind} needs scores per task; a battle log has pairwise results only: draw pairwise_margins or a "
            "bootstrap kind (rank_intervals, rank_probabilities, prob_above) from it."
        )
    return table


def _draw(kind: str, table: Any, args: argparse.Namespace) -> Any:
    import rankagg.plot as rp
    from rankagg.aggregation.aggregate import compare, default_compare_rules
    from rankagg.data.battles import PairwiseProfile
    from rankagg.uncertainty.bootstrap import bootstrap
    from rankagg.uncertainty.perturbations import perturbation_studies

    top = args.top
    if kind in BOOTSTRAP_KINDS:
        rule = args.rule or ("bradley_terry" if isinstance(table, PairwiseProfile) else "borda")
        boot = bootstrap(
            table,
            rule,
            resample=args.resample,
            n_resamples=args.resamples,
            confidence=args.confidence,
            atol=args.atol,
            rtol=args.rtol,
            n_jobs=args.jobs,
            rng=args.seed,
        )
        if kind == "rank_intervals":
            return rp.rank_intervals(boot, top=top)
        if kind == "rank_probabilities":
            return rp.rank_probabilities(boot, style=args.style, top=top)
        return rp.prob_above(boot, top=top)
    if kind in ("bump", "agreement"):
        rules = _split(args.rules)
        if rules is None:
            defaults, why = default_compare_rules(table)
            rules = list(defaults)
            if why:
                sys.stderr.write(f"rankagg: note: comparing {','.join(rules)} ({why}); choose with --rules\n")
        cmp = compare(table, rules, reference=args.reference or rules[0], atol=args.atol, rtol=args.rtol)
        return rp.bump(cmp, top=top) if kind == "bump" else rp.agreement(cmp)
    table = _score_table(table, kind)
    if kind == "critical_difference":
        return rp.critical_difference(table, alpha=args.alpha, cliques=args.cliques, top=top)
    if kind == "bump_tasks":
        return rp.bump_tasks(table, rule=args.rule or "kemeny", top=top)
    if kind == "task_ranks":
        return rp.task_ranks(table, rule=args.rule or "kemeny", top=top)
    if kind == "pairwise_margins":
        return rp.pairwise_margins(table, top=top)
    df = perturbation_studies(table, rules=_split(args.rules), studies=[args.study], n_draws=args.draws, rng=args.seed)
    return rp.perturbation(df)


def _cmd_plot(args: argparse.Namespace, load: Callable[[argparse.Namespace], Any]) -> int:
    import rankagg.plot as rp

    kind = _kind(args.kind)
    _check_numbers(args)
    import matplotlib

    matplotlib.use("Agg", force=True)
    fmt = _format(args.output)
    import matplotlib.pyplot as plt

    table = load(args)
    width = {"one": rp.ONE_COLUMN, "two": rp.TWO_COLUMN}.get(args.size or "")
    with rp.paper_style(width=width):
        ax = _draw(kind, table, args)
        fig = ax.figure
        try:
            fig.savefig(args.output, format=fmt)
        except OSError as exc:
            raise PlotError(
                f"-o {args.output!r}: cannot write it ({exc.strerror or exc}); give a path in a writable folder."
            ) from None
        finally:
            w, h = fig.get_size_inches()
            plt.close(fig)
    sys.stderr.write(f"rankagg: note: wrote {args.output} ({kind}, {w:.2f} x {h:.2f} in)\n")
    return 0
