"""A leaderboard report: one ranking with its uncertainty, the rules side by side, and where they disagree.

:func:`report` runs what a leaderboard page needs on one score table (the
chosen rule with bootstrap rank intervals, :func:`rankagg.compare` against the
mean, the figures of :mod:`rankagg.plot`) and returns a frozen :class:`Report`
that renders as one self-contained HTML page (:meth:`Report.to_html`: inline
CSS, inline SVG figures, a few lines of inline JavaScript to sort the table; no
network access) or as Markdown (:meth:`Report.to_markdown`).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError
from rankagg.aggregation.aggregate import aggregate, compare, default_compare_rules
from rankagg.aggregation.results import ComparisonResult
from rankagg.data.battles import PairwiseProfile
from rankagg.data.instances import InstanceTable
from rankagg.data.table import ScoreTable, as_table, rank_table
from rankagg.report.figures import Figure, draw_figures
from rankagg.report.render_html import render_html
from rankagg.report.render_markdown import render_markdown
from rankagg.rules import get_rule
from rankagg.uncertainty.bootstrap import bootstrap
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.resampling import check_rng

__all__ = ["FORMATS", "Figure", "Report", "file_sha256", "report"]

#: Output formats of :meth:`Report.render` (and of ``rankagg report --format``).
FORMATS = ("html", "markdown")


@dataclass(frozen=True, eq=False)
class Report:
    """Everything a leaderboard report shows; render it with :meth:`to_html` or :meth:`to_markdown`.

    Attributes
    ----------
    source : str
        What was ranked (a file name, a dataset name), as shown in the header.
    table : ScoreTable
        The scores.
    rule : str
        The rule of the leaderboard (canonical name).
    comparison : ComparisonResult
        The rules side by side, the mean first (the reference).
    bootstrap : BootstrapResult
        The leaderboard rule over task resamples: rank intervals, P(top 1).
    leaderboard : pandas.DataFrame
        One row per system, best first (see :meth:`to_frame`).
    settings : Mapping[str, Any]
        Every setting that changes the result (rule, rules, resamples,
        confidence, seed, tolerances, figure ``top``).
    figures : tuple of Figure
        The figures drawn (empty with ``figures=False``).
    notes : tuple of str
        What the report could not show, and why (a figure a table cannot have,
        a mean that cannot be taken), and the bootstrap's own note.
    command : str or None
        The command line that made the report, when it came from the CLI.
    input_sha256 : str or None
        SHA-256 of the input file, when there was one.
    version : str
        The rankagg version that made it.
    """

    source: str
    table: ScoreTable = field(repr=False)
    rule: str
    comparison: ComparisonResult = field(repr=False)
    bootstrap: BootstrapResult = field(repr=False)
    leaderboard: pd.DataFrame = field(repr=False)
    settings: Mapping[str, Any] = field(repr=False)
    figures: tuple[Figure, ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = ()
    command: str | None = None
    input_sha256: str | None = None
    version: str = ""

    @property
    def seed(self) -> Any:
        """The seed of the bootstrap (pass it back as ``rng`` to make the same report)."""
        return self.settings.get("seed")

    def to_frame(self) -> pd.DataFrame:
        """The leaderboard: one row per system, best first.

        Columns: ``rank`` (under the rule), ``system``, ``rank_low`` and
        ``rank_high`` (the bootstrap interval), ``p_top1``, ``score`` (the
        rule's score), ``mean`` (mean score, NaN where a mean of raw scores
        means nothing), ``mean_rank`` (mean of the per-task ranks), then one
        column per task with the raw scores.
        """
        return self.leaderboard.copy()

    def to_html(self) -> str:
        """The report as one self-contained HTML page (no network access needed to open it)."""
        return render_html(self)

    def to_markdown(self) -> str:
        """The report as Markdown (the tables and text; figures are in the HTML report)."""
        return render_markdown(self)

    def render(self, format: str = "html") -> str:
        """The report as ``"html"`` or ``"markdown"`` text."""
        if format == "html":
            return self.to_html()
        if format == "markdown":
            return self.to_markdown()
        raise RankaggError(f"format={format!r}: a report renders as 'html' or 'markdown'.")

    def save(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the report to ``path``; the format follows the extension (``.md``: Markdown) unless given."""
        path = Path(path)
        if format is None:
            format = "markdown" if path.suffix.lower() in (".md", ".markdown") else "html"
        path.write_text(self.render(format), encoding="utf-8")
        return path


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def report(
    table: Any,
    *,
    rule: str = "kemeny",
    rules: Sequence[str] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Mapping[str, Any] | None = None,
    figures: bool = True,
    top: int | None = 30,
    show: int = 20,
    n_jobs: int = 1,
    progress: bool | None = False,
    source: str | None = None,
    input_file: str | Path | None = None,
    command: str | None = None,
    inner: str = "mean",
    rng: int | np.random.Generator | None = None,
) -> Report:
    """Build a leaderboard report: the rule's ranking with rank intervals, the rules side by side, the figures.

    Parameters
    ----------
    table : ScoreTable or InstanceTable
        Task-level scores (one per system and task column), or
        instance-level scores, summarised per task by ``inner`` (said in
        the report's notes).
    rule : str, default "kemeny"
        The rule of the leaderboard; the table's rows are in its order.
    rules : sequence of str, optional
        Rules to compare with the mean (the reference). Default: those of
        :func:`rankagg.default_compare_rules` for the table, plus ``rule``.
    n_resamples : int, default 1000
        Bootstrap resamples of the tasks for the rank intervals and P(top 1).
    confidence : float, default 0.95
        Level of the rank intervals.
    atol, rtol : float
        Tie tolerances within a task.
    params : mapping, optional
        Parameters of ``rule`` (e.g. ``{"time_limit": 10}`` for Kemeny).
    figures : bool, default True
        Draw the figures (needs matplotlib; :mod:`rankagg.plot`).
    top : int or None, default 30
        Figures show the ``top`` best systems (None: all); the leaderboard
        table always holds every system.
    show : int, default 20
        Pairs where a rule disagrees with the mean listed in the report.
    n_jobs : int, default 1
        Worker processes for the bootstrap of a rule solved per resample.
    progress : bool or None, default False
        Progress bar of the bootstrap on stderr.
    source : str, optional
        What the table is, for the header (default: ``input_file``'s name).
    input_file : str or Path, optional
        The file the table was read from: its SHA-256 goes in the footer.
    command : str, optional
        The command that made the report, for the footer.
    inner : {"mean", "median", "sum"}, default "mean"
        Instance-level tables: the statistic of each task's instance scores.
    rng : int or numpy.random.Generator, optional
        Seed of the bootstrap (and of randomised rules). None draws one and
        records it in the report's footer (``Report.seed``).

    Returns
    -------
    Report

    Examples
    --------
    >>> import rankagg
    >>> from rankagg.report import report
    >>> rep = report(rankagg.load_example("toy"), rule="borda", n_resamples=200, figures=False, rng=0)
    >>> rep.to_frame()[["rank", "system", "rank_low", "rank_high", "p_top1", "mean_rank"]].head(3)
       rank   system  rank_low  rank_high  p_top1  mean_rank
    0     1   Osprey         1          2   0.925        1.4
    1     2    Heron         1          2   0.070        2.0
    2     3  Kestrel         3          4   0.000        3.3
    >>> html = rep.to_html()
    >>> html.startswith("<!DOCTYPE html>") and "http://" not in html and "https://" not in html
    True
    """
    notes: list[str] = []
    if isinstance(table, InstanceTable):  # the classic leaderboard: one statistic of each task's instance scores
        if inner not in ("mean", "median", "sum"):
            raise RankaggError(f"inner={inner!r}: summarise each task's instance scores by 'mean', 'median' or 'sum'.")
        notes.append(
            f"Instance-level scores: each task column's score is the {inner} of its instances "
            f"({table.n_instances_total} instances in all); the rules and the bootstrap read those task scores. "
            "For uncertainty over the instances use `rankagg bootstrap FILE --resample instances`."
        )
        table = table.task_table(inner)
    elif inner != "mean":
        raise RankaggError("inner: summarises the instances of instance-level scores; this table is task-level.")
    if isinstance(table, PairwiseProfile):
        raise RankaggError(
            "table: a report ranks score tables (one score per system and task); for battle logs use "
            "`rankagg bootstrap` and `rankagg compare`, which read them."
        )
    table = as_table(table)
    info = get_rule(rule)
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise RankaggError(f"top={top!r}: give a positive number of systems for the figures, or None for all.")
    if isinstance(show, bool) or not isinstance(show, (int, np.integer)) or show < 0:
        raise RankaggError(f"show={show!r}: give the number of disagreeing pairs to list (0 or more).")
    gen, seed = check_rng(rng)
    if not isinstance(seed, int):  # a Generator: draw the run's seed from it, and record that (it can be replayed)
        seed = int(gen.integers(0, 2**63 - 1))
    run_seed = seed

    defaults, _why = default_compare_rules(table)
    names = [get_rule(r).name for r in (rules if rules is not None else defaults)]
    reference = names[0]
    if info.name not in names:
        names.append(info.name)
    per_rule: dict[str, dict[str, Any]] = {info.name: dict(params or {})}
    for r in names:
        if "rng" in get_rule(r).params:
            per_rule.setdefault(r, {}).setdefault("rng", run_seed)
    cmp = compare(table, names, reference=reference, atol=atol, rtol=rtol, params=per_rule)
    main = cmp.results[info.name]
    notes.extend(filter(None, (_unproven(cmp.results[r]) for r in cmp.rules)))
    boot = bootstrap(
        table,
        info.name,
        n_resamples=n_resamples,
        confidence=confidence,
        atol=atol,
        rtol=rtol,
        n_jobs=n_jobs,
        progress=progress,
        full=main,
        rng=run_seed,
        **{k: v for k, v in (params or {}).items() if k != "rng"},
    )
    if boot.note:
        notes.append(f"Bootstrap: {boot.note}")
    board = _leaderboard(table, main, boot, atol=atol, rtol=rtol, notes=notes)
    settings = {
        "rule": info.name,
        "score": main.score_name,
        "score_higher_is_better": main.higher_is_better,
        "rules": tuple(cmp.rules),
        "reference": cmp.reference,
        "params": {k: v for k, v in main.params.items() if k != "rng"},
        "n_resamples": boot.n_resamples,
        "n_distinct_resamples": boot.n_distinct,
        "resample": boot.resample,
        "confidence": boot.confidence,
        "seed": seed,
        "atol": atol,
        "rtol": rtol,
        "top": top,
        "show": int(show),
    }
    figs: tuple[Figure, ...] = ()
    if figures:
        figs = draw_figures(table, cmp, boot, main, top=top, notes=notes)
    sha = file_sha256(input_file) if input_file is not None else None
    version = getattr(sys.modules.get("rankagg"), "__version__", "")
    return Report(
        source=source or (Path(input_file).name if input_file is not None else "score table"),
        table=table,
        rule=info.name,
        comparison=cmp,
        bootstrap=boot,
        leaderboard=board,
        settings=MappingProxyType(settings),
        figures=figs,
        notes=tuple(notes),
        command=command,
        input_sha256=sha,
        version=version,
    )


def _unproven(res: Any) -> str:
    """What a rule solved within a time limit (Kemeny) says when its ranking is not proven optimal ('' if it
    is, or if the rule solves nothing)."""
    d = res.diagnostics
    if d.get("optimal", True):
        return ""
    score, lower, gap = d.get("kemeny_score"), d.get("lower_bound"), d.get("gap")
    rel = f", {100 * gap / score:.3g}% of the score" if score else ""
    method = (res.params or {}).get("method", "auto")
    if method in ("auto", "exact"):
        took = d.get("time_seconds")
        why = f"not proven optimal within its time limit ({took:.1f} s)" if took is not None else "not proven optimal"
        fix = "A longer time limit (--param time_limit=SECONDS) can close the gap."
    else:
        why = f"the {method} heuristic's (method={method!r}), not proven optimal"
        fix = "--param method=exact proves it where it can within the time limit."
    return (
        f"{res.rule}: the ranking is {why}: its score is {score:g}, a certified lower bound {lower:g} (gap "
        f"{gap:g}{rel}), so an optimal ranking may differ from it; ranks follow the order found. {fix}"
    )


def _leaderboard(
    table: ScoreTable, main: Any, boot: BootstrapResult, *, atol: float, rtol: float, notes: list[str]
) -> pd.DataFrame:
    """One row per system, best first, with the interval, P(top 1), the mean and mean rank, and the task scores."""
    lo, hi = boot.rank_interval()
    ranks = rank_table(table, atol=atol, rtol=rtol).ranks  # systems x columns, ties averaged, NaN unranked
    w = np.broadcast_to(table.weights[None, :], ranks.shape)
    seen = ~np.isnan(ranks)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_rank = np.where(seen, ranks * w, 0.0).sum(axis=1) / np.where(seen, w, 0.0).sum(axis=1)
    try:
        mean = aggregate(table, rule="mean", atol=atol, rtol=rtol)
        mean_score = np.asarray(mean.scores, dtype=float)
    except RankaggError as exc:
        mean_score = np.full(table.n_systems, np.nan)
        why = " ".join(str(exc).split()).split(";")[0]
        notes.append(f"Mean score not shown: {why}.")
    df = pd.DataFrame(
        {
            "rank": np.asarray(main.ranks, dtype=int),
            "system": list(table.systems),
            "rank_low": lo,
            "rank_high": hi,
            "p_top1": boot.p_top(1),
            "score": np.asarray(main.scores, dtype=float),
            "mean": mean_score,
            "mean_rank": mean_rank,
        }
    )
    labels = [f"task:{x}" if x in df.columns else x for x in table.labels]  # a task named "mean" keeps its own column
    scores = pd.DataFrame(np.asarray(table.scores, dtype=float), columns=labels)
    df = pd.concat([df, scores], axis=1)
    mean_boot = boot.ranks.mean(axis=0)
    order = np.lexsort((mean_boot, df["rank"].to_numpy()))
    return df.iloc[order].reset_index(drop=True)
