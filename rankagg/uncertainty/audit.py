"""What a leaderboard's order hides: one audit of a score table.

:func:`audit` puts together what rankagg already computes, on one table:

* the **groups of systems that cannot be told apart** and how many **adjacent
  pairs are separable**, from a bootstrap of the tasks
  (:func:`rankagg.bootstrap`, :meth:`rankagg.BootstrapResult.groups`);
* whether the **leader is the Condorcet winner** (the diagnostic of
  :func:`rankagg.aggregate`);
* where **the mean and the rank rules disagree** (:func:`rankagg.compare`:
  the pairs ordered oppositely and the head-to-head record of each);
* how far the **winner moves when one task is reported x1000**
  (:func:`rankagg.rescale_task`);
* for missing data, the **best rank each system could reach by withholding
  up to k of its tasks** under the table's missing-score policy (new here;
  defined in :func:`audit`).

The result, :class:`AuditResult`, renders as text, Markdown or JSON, and says
which CI conditions (:data:`CONDITIONS`) hold, for ``rankagg audit --fail-on``.

Why this module is long: the result renders itself as text, Markdown, JSON and a frame, each listing every
finding with its wording; the computations are in the earlier stages and :mod:`rankagg.uncertainty.withholding`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, did_you_mean
from rankagg._format import fmt_value, render_frame
from rankagg.aggregation.aggregate import aggregate, compare, default_compare_rules
from rankagg.aggregation.results import ComparisonResult
from rankagg.data.table import MISSING_POLICIES, ScoreTable
from rankagg.rules import get_rule
from rankagg.uncertainty.bootstrap import bootstrap
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.names import CONDITIONS, MAX_SUBSETS
from rankagg.uncertainty.perturbations import rescale_task
from rankagg.uncertainty.withholding import _ranks_of, _rebuilt, _withholding

__all__ = ["CONDITIONS", "AuditResult", "audit"]


@dataclass(frozen=True, eq=False)
class AuditResult:
    """What a leaderboard's order hides (see :func:`audit`).

    Attributes
    ----------
    rule : str
        The rule whose order is audited (the board's order), canonical name.
    rules : tuple of str
        The rules compared with it (``rule`` first).
    leader : tuple of str
        The audited rule's winner(s) on the full data.
    runner_up : str or None
        The system ranked second (in the rule's order, ties broken as the
        bootstrap breaks them).
    confidence : float
        Level of the bootstrap groups and of separability.
    n_boot : int
        Bootstrap resamples (of the task columns); ``seed`` repeats them.
    seed : object
    groups : tuple of tuple of str
        Maximal runs of systems, in the rule's order, that cannot be told
        apart (:meth:`rankagg.BootstrapResult.groups`); two maximal runs
        may overlap.
    adjacent : pandas.DataFrame
        One row per pair of consecutive systems in the rule's order:
        ``upper, lower, p_upper_above, p_lower_above, separable`` (told apart:
        one is ranked strictly above the other in at least ``confidence`` of
        the resamples, the definition of the groups).
    condorcet_winner : str or None
        The system that beats every other on a weighted majority of tasks.
    winners : Mapping[str, tuple of str]
        Each compared rule's winner(s).
    rescaling : pandas.DataFrame
        One row per rule that reads scores and task column rescaled x1000:
        ``rule, task, winner_changed, winner_after, leader_rank_after,
        kendall_tau``. Rules that use ranks only are invariant by construction
        and listed in ``rank_only_rules``.
    withholding : pandas.DataFrame or None
        One row per system: ``system, rank, best_rank, gain, withheld,
        exact``; None when the missing policy allows no withholding (see
        ``withholding_note``).
    withholding_k : int
    withholding_policy : str
    withholding_note : str
    conditions : Mapping[str, bool]
        Every condition of :data:`CONDITIONS` and whether it holds.
    notes : tuple of str
        What the reader should know (weak bootstrap, a Kemeny ranking not
        proven optimal...).
    bootstrap : BootstrapResult
    comparison : ComparisonResult
    """

    rule: str
    rules: tuple[str, ...]
    leader: tuple[str, ...]
    runner_up: str | None
    confidence: float
    n_boot: int
    seed: Any
    n_systems: int
    n_tasks: int
    tasks: tuple[str, ...]
    missing_policy: str
    dropped_systems: tuple[str, ...]
    dropped_tasks: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    adjacent: pd.DataFrame = field(repr=False)
    condorcet_winner: str | None = None
    winners: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    rank_only_rules: tuple[str, ...] = ()
    rescaling: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    withholding: pd.DataFrame | None = field(default=None, repr=False)
    withholding_k: int = 1
    withholding_policy: str = "raise"
    withholding_note: str = ""
    conditions: Mapping[str, bool] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    bootstrap: BootstrapResult | None = field(default=None, repr=False)
    comparison: ComparisonResult | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ figures
    @property
    def n_adjacent(self) -> int:
        """Number of adjacent pairs in the rule's order (``n_systems - 1``)."""
        return len(self.adjacent)

    @property
    def n_separable(self) -> int:
        """Adjacent pairs told apart at ``confidence``."""
        return int(self.adjacent["separable"].sum()) if len(self.adjacent) else 0

    @property
    def leader_separable(self) -> bool:
        """Whether the first adjacent pair (leader, #2) is told apart at ``confidence``."""
        return bool(len(self.adjacent)) and bool(self.adjacent["separable"].iloc[0]) and len(self.leader) == 1

    @property
    def leader_is_condorcet(self) -> bool:
        """Whether the leader is alone at the top and is the Condorcet winner."""
        return self.condorcet_winner is not None and self.leader == (self.condorcet_winner,)

    @property
    def n_disagreements(self) -> Mapping[str, int]:
        """Pairs each compared rule orders opposite to the audited rule."""
        if self.comparison is None:
            return {}
        return {str(k): int(v) for k, v in self.comparison.n_disagreements().items()}

    def failing(self, conditions: Sequence[str]) -> list[str]:
        """The conditions among ``conditions`` that hold (unknown names are an error)."""
        out = []
        for c in conditions:
            if c not in CONDITIONS:
                raise RankaggError(
                    f"fail_on: unknown condition {c!r}; the conditions are {', '.join(CONDITIONS)}."
                    f"{did_you_mean(c, CONDITIONS)}"
                )
            if self.conditions.get(c):
                out.append(c)
        return out

    # ------------------------------------------------------------------ renderings
    def to_frame(self) -> pd.DataFrame:
        """One row per system, in the audited rule's order.

        Columns: ``system, rank`` (the audited rule), ``rank_low, rank_high,
        p_top1`` (bootstrap), ``group`` (the first of :attr:`groups` holding
        the system, 1 = the top group; groups are maximal runs and may
        overlap), ``rank_<rule>`` for each compared rule, and with withholding
        ``best_rank, withheld``.
        """
        assert self.bootstrap is not None and self.comparison is not None
        df = self.bootstrap.to_frame(top_k=1)[["system", "rank", "rank_low", "rank_high", "p_top1"]]
        group_of: dict[str, int] = {}
        for k, g in enumerate(self.groups):  # groups are maximal runs and may overlap: the first one counts
            for s in g:
                group_of.setdefault(s, k + 1)
        df["group"] = [group_of[s] for s in df["system"]]
        ranks = self.comparison.ranks
        for r in self.rules:
            if r != self.rule:
                df[f"rank_{r}"] = ranks.loc[df["system"], r].to_numpy()
        if self.withholding is not None:
            w = self.withholding.set_index("system")
            df["best_rank"] = w.loc[df["system"], "best_rank"].to_numpy()
            df["withheld"] = [", ".join(x) for x in w.loc[df["system"], "withheld"]]
        return df.reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready types (``json.dumps(result.to_dict())`` works)."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "rules": list(self.rules),
            "n_systems": self.n_systems,
            "n_tasks": self.n_tasks,
            "tasks": list(self.tasks),
            "missing_policy": self.missing_policy,
            "dropped_systems": list(self.dropped_systems),
            "dropped_tasks": list(self.dropped_tasks),
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "seed": self.seed if isinstance(self.seed, (int, type(None))) else str(self.seed),
            "leader": list(self.leader),
            "runner_up": self.runner_up,
            "groups": [list(g) for g in self.groups],
            "n_groups": len(self.groups),
            "n_adjacent_pairs": self.n_adjacent,
            "n_separable_adjacent_pairs": self.n_separable,
            "leader_separable": self.leader_separable,
            "adjacent_pairs": _records(self.adjacent),
            "condorcet_winner": self.condorcet_winner,
            "leader_is_condorcet": self.leader_is_condorcet,
            "winners": {r: list(w) for r, w in self.winners.items()},
            "n_disagreements": dict(self.n_disagreements),
            "disagreements": _records(self.comparison.disagreements) if self.comparison is not None else [],
            "rank_only_rules": list(self.rank_only_rules),
            "rescaling": _records(self.rescaling),
            "withholding": {
                "k": self.withholding_k,
                "policy": self.withholding_policy,
                "note": self.withholding_note,
                "systems": None if self.withholding is None else _records(self.withholding),
            },
            "conditions": dict(self.conditions),
            "notes": list(self.notes),
            "ranking": _records(self.to_frame()) if self.bootstrap is not None else [],
        }
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def summary_lines(self) -> list[str]:
        """The audit's findings, one sentence per line (what :meth:`to_text` prints above the table)."""
        pct = f"{100 * self.confidence:g}%"
        lines: list[str] = []
        lead = " = ".join(self.leader)
        if len(self.leader) > 1:
            lines.append(f"Leader ({self.rule}): {lead} (tied for first)")
        else:
            lines.append(f"Leader ({self.rule}): {lead}" + (f"; #2: {self.runner_up}" if self.runner_up else ""))
        top = self.groups[0] if self.groups else ()
        big = max((len(g) for g in self.groups), default=0)
        lines.append(
            f"Groups that cannot be told apart at {pct} ({self.n_boot} bootstrap resamples of the {self.n_tasks} task "
            f"columns, seed {self.seed}): {len(self.groups)} maximal groups for {self.n_systems} systems; the top "
            f"group has {len(top)} system(s), the largest {big}"
        )
        if len(top) > 1:
            lines.append(f"  top group: {_short(top, 10)}")
        p_first = self.adjacent["p_upper_above"].iloc[0] if self.n_adjacent else float("nan")
        sep = "separable" if self.leader_separable else "NOT separable"
        lines.append(
            f"Adjacent pairs separable at {pct}: {self.n_separable} of {self.n_adjacent}"
            + (f"; leader vs #2: {sep}" if self.n_adjacent else "")
            + (
                f" (P({self.leader[0]} above {self.runner_up}) = {fmt_value(p_first, 3)})"
                if self.n_adjacent and len(self.leader) == 1
                else ""
            )
        )
        if self.condorcet_winner is None:
            lines.append("Condorcet winner: none (no system beats every other on a majority of the task weight)")
        else:
            lines.append(
                f"Condorcet winner: {self.condorcet_winner}; the leader "
                + ("is the Condorcet winner" if self.leader_is_condorcet else "is NOT the Condorcet winner")
            )
        lines.append("Winners: " + "; ".join(f"{r} {' = '.join(w)}" for r, w in self.winners.items()))
        if self.n_disagreements:
            lines.append(
                f"Pairs ordered opposite to {self.rule}: "
                + ", ".join(f"{r} {n}" for r, n in self.n_disagreements.items())
                + f" (of {self.n_systems * (self.n_systems - 1) // 2} pairs)"
            )
        lines += self._rescaling_lines()
        lines += self._withholding_lines()
        holds = [c for c, v in self.conditions.items() if v]
        lines.append("Conditions that hold (--fail-on): " + (", ".join(holds) if holds else "none"))
        lines += [f"Note: {n}" for n in self.notes]
        return lines

    def _rescaling_lines(self) -> list[str]:
        out = []
        df = self.rescaling
        for r in dict.fromkeys(df["rule"]) if len(df) else []:
            sub = df[df["rule"] == r]
            ch = sub[sub["winner_changed"]]
            text = f"x1000 on one task ({r}): the winner changes for {len(ch)} of {len(sub)} task columns"
            if len(ch) and r == self.rule:
                worst = ch.sort_values("leader_rank_after", ascending=False).iloc[0]
                text += (
                    f"; worst: {worst['task']} x1000 makes {worst['winner_after']} the winner and moves "
                    f"{' = '.join(self.leader)} to rank {int(worst['leader_rank_after'])}"
                )
            elif len(ch):
                text += f" (e.g. {ch['task'].iloc[0]} x1000: {ch['winner_after'].iloc[0]})"
            out.append(text)
        if self.rank_only_rules:
            names = ", ".join(self.rank_only_rules)
            out.append(f"x1000 on one task: {names} use ranks only (invariant by construction)")
        return out

    def _withholding_lines(self) -> list[str]:
        k = self.withholding_k
        if self.withholding is None:
            return [f"Withholding up to {k} task(s): {self.withholding_note}"]
        w = self.withholding
        up = w[w["gain"] > 0]
        text = (
            f"Withholding up to {k} task(s) (missing={self.withholding_policy!r}): {len(up)} of {len(w)} systems "
            "can climb"
        )
        if len(up):
            best = up.sort_values(["gain", "best_rank"], ascending=[False, True]).iloc[0]
            text += (
                f"; largest gain: {best['system']} from rank {int(best['rank'])} to "
                f"{'at least ' if not best['exact'] else ''}{int(best['best_rank'])} by withholding "
                f"{', '.join(best['withheld'])}"
            )
        lines = [text]
        lead = up[up["best_rank"] == 1]
        if len(lead):
            lines.append(f"  could take (or share) the lead: {_short(list(lead['system']), 8)}")
        if not w["exact"].all():
            greedy = int((~w["exact"]).sum())
            lines.append(f"  {greedy} systems by greedy search (their best rank is at least that good)")
        if self.withholding_note:
            lines.append(f"  {self.withholding_note}")
        return lines

    def to_text(self, *, show: int = 20, markdown: bool = False) -> str:
        """The findings, then the first ``show`` systems of :meth:`to_frame` (text or Markdown)."""
        head = (
            f"Audit: {self.n_systems} systems x {self.n_tasks} task columns; missing={self.missing_policy!r}; "
            f"audited rule {self.rule}; compared with {', '.join(r for r in self.rules if r != self.rule) or 'none'}"
        )
        lines = [head]
        for what, names in (("systems", self.dropped_systems), ("tasks", self.dropped_tasks)):
            if names:
                lines.append(f"Dropped {what} (missing scores): {len(names)}")
        lines += self.summary_lines()
        fmt = "markdown" if markdown else "table"
        text = "\n".join(f"{x}  " if markdown else x for x in lines) + "\n"
        frame = self.to_frame()
        more = len(frame) - show
        text += (
            "\n"
            + ("**Systems** " if markdown else "Systems ")
            + (f"(the first {show} of {len(frame)}; --format csv/json has all)\n\n" if more > 0 else "\n\n")
        )
        text += render_frame(frame.head(show), fmt)
        return text

    def to_markdown(self, *, show: int = 20) -> str:
        """:meth:`to_text` as Markdown."""
        return self.to_text(show=show, markdown=True)

    def __str__(self) -> str:
        return self.to_text()


def _short(items: Sequence[str], limit: int) -> str:
    items = list(items)
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" ... and {more} more" if more > 0 else "")


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if v is pd.NA:
        return None
    return v


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None or not len(df):
        return []
    return [{str(k): _plain(v) for k, v in row.items()} for row in df.astype(object).to_dict(orient="records")]


def _adjacent(boot: BootstrapResult) -> pd.DataFrame:
    """Consecutive systems in the full-data order, and the share of resamples ranking each strictly above the other."""
    order = np.argsort(boot.full_ranks, kind="stable")  # the order of BootstrapResult.groups
    r = boot.ranks
    up, lo = order[:-1], order[1:]
    p_up = (r[:, up] < r[:, lo]).mean(axis=0)
    p_lo = (r[:, lo] < r[:, up]).mean(axis=0)
    return pd.DataFrame(
        {
            "upper": [boot.systems[i] for i in up],
            "lower": [boot.systems[i] for i in lo],
            "p_upper_above": p_up,
            "p_lower_above": p_lo,
            "separable": np.maximum(p_up, p_lo) >= boot.confidence,
        }
    )


def _rescaling(
    table: ScoreTable, rules: Sequence[str], leader: tuple[str, ...], rule: str, params: Mapping[str, Any], **kw: Any
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    score_rules = [r for r in rules if not get_rule(r).rank_only]
    rank_only = tuple(r for r in rules if get_rule(r).rank_only)
    cols = ["rule", "task", "winner_changed", "winner_after", "leader_rank_after", "kendall_tau"]
    if not score_rules:
        return pd.DataFrame(columns=cols), rank_only
    df = rescale_task(table, rules=score_rules, factors=1000.0, params=dict(params), **kw)
    rows = []
    for rec in df.to_dict(orient="records"):
        changed = bool(rec["top1_changed"])
        leader_rank = 1
        if changed and rec["rule"] == rule:  # where the audited leader lands: rank the rescaled table once more
            j = list(table.labels).index(rec["task"])
            sc = np.array(table.scores, dtype=np.float64)
            sc[:, j] *= 1000.0
            res = aggregate(_rebuilt(table, sc, range(table.n_columns)), rule=rule, **params.get(rule, {}), **kw)
            leader_rank = int(max(res.rank_of(s) for s in leader))
        elif changed:
            leader_rank = -1
        rows.append(
            {
                "rule": rec["rule"],
                "task": rec["task"],
                "winner_changed": changed,
                "winner_after": str(rec["top1"]),
                "leader_rank_after": leader_rank if leader_rank > 0 else pd.NA,
                "kendall_tau": rec["kendall_tau"],
            }
        )
    out = pd.DataFrame(rows, columns=cols)
    out["leader_rank_after"] = out["leader_rank_after"].astype("Int64")
    return out, rank_only


def audit(
    table: ScoreTable,
    *,
    rule: str | None = None,
    rules: Sequence[str] | str | None = None,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    k_withhold: int = 1,
    withhold_missing: str | None = None,
    max_subsets: int = MAX_SUBSETS,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> AuditResult:
    """Audit a leaderboard: what its order hides.

    Parameters
    ----------
    table : ScoreTable
        The scores (task level), with the missing-score policy the board uses.
    rule : str, optional
        The rule whose order is audited: the board's order. Default: the first
        of :func:`rankagg.default_compare_rules` (the mean; the z-score mean
        when directions are mixed; HELM's mean win rate when the table keeps
        missing scores).
    rules : sequence of str or str, optional
        Rules compared with it (``rule`` is added first). Default:
        :func:`rankagg.default_compare_rules` of the table.
    confidence : float, default 0.95
        Level of the bootstrap: two systems are told apart when one is ranked
        strictly above the other in at least this share of the resamples.
    n_boot : int, default 1000
        Bootstrap resamples of the task columns (:func:`rankagg.bootstrap`).
    seed : int or numpy.random.Generator, optional
        Seeds the bootstrap (and randomised rules); None draws a seed and
        records it in ``result.seed``.
    k_withhold : int, default 1
        Withholding: the most tasks a system may withhold (0 skips it).
    withhold_missing : {"partial", "drop_tasks", "drop_systems", "raise"}, optional
        Withholding: the missing-score policy a withheld score meets. Default:
        the table's own policy. Another one asks "what could a system gain if
        the board used this policy?" (e.g. a complete table audited for
        ``"partial"`` or ``"drop_tasks"``).
    max_subsets : int, default 256
        Withholding: above this many subsets per system, the greedy search.
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters, e.g. ``{"kemeny": {"time_limit": 10}}``.

    Returns
    -------
    AuditResult

    Notes
    -----
    **Withholding (gaming the missing-score policy).** A system *withholds* a
    set ``W`` of its task columns (does not submit those scores), with
    ``1 <= |W| <= k_withhold`` and at least one score kept. The table is then
    built under the missing policy (``withhold_missing``, by default the
    table's own) and ranked by ``rule``; the
    system's *best rank* is the smallest (competition) rank it reaches over
    the withholdings tried, or its rank on the full data if none helps.

    * ``missing="partial"``: the system's scores on ``W`` become missing; every
      other score stays. ``rule`` must accept partial rankings.
    * ``missing="drop_tasks"``: a column with a missing score is dropped, so
      withholding ``W`` removes those columns for every system (the same table
      whoever withholds, computed once per ``W``).
    * ``missing="drop_systems"``: withholding drops the system itself: no gain
      is possible; ``missing="raise"``: withholding is an error. Neither is
      computed (``result.withholding`` is None; ``withholding_note`` says why).

    The search is exact (every ``W``) when there are at most ``max_subsets``
    subsets for the system; otherwise greedy: ``k_withhold`` times, withhold
    the column that gives the best rank given those already withheld. A greedy
    best rank is reached, so the true best rank is *at least that good*
    (``exact`` is False for that system). A withholding that leaves a table the
    rule cannot rank (a system compared with no one) is skipped.

    Examples
    --------
    >>> import rankagg
    >>> from rankagg import audit
    >>> res = audit(rankagg.load_example("toy"), rules=["mean", "borda"], n_boot=200, seed=0)
    >>> res.leader, res.condorcet_winner
    (('Wren',), 'Osprey')
    >>> res.conditions["leader-not-condorcet"], res.conditions["rescaling-changes-winner"]
    (True, True)
    >>> res.n_separable, res.n_adjacent, res.leader_separable  # Wren above Osprey in 67.5% of resamples
    (4, 5, False)
    """
    if not isinstance(table, ScoreTable):
        raise RankaggError(
            f"table: audit reads a task-level ScoreTable, got {type(table).__name__}; build one with "
            "rankagg.read_table(...) (instance-level files: summarise each task first, e.g. table.task_table('mean'))."
        )
    if isinstance(k_withhold, bool) or not isinstance(k_withhold, (int, np.integer)) or k_withhold < 0:
        raise RankaggError(
            f"k_withhold: the number of tasks a system may withhold, an integer >= 0 (0 skips it); got {k_withhold!r}."
        )
    if isinstance(max_subsets, bool) or not isinstance(max_subsets, (int, np.integer)) or max_subsets < 1:
        raise RankaggError(f"max_subsets: a positive integer, got {max_subsets!r}.")
    policy = table.missing_policy if withhold_missing is None else str(withhold_missing)
    if policy not in MISSING_POLICIES:
        raise RankaggError(
            f"withhold_missing: {withhold_missing!r} is not a missing-score policy; give one of "
            f"{', '.join(MISSING_POLICIES)}.{did_you_mean(str(withhold_missing), MISSING_POLICIES)}"
        )
    if policy == "drop_tasks" and table.has_missing:
        raise RankaggError(
            "withhold_missing='drop_tasks': the table keeps missing scores, and under drop_tasks the board would drop "
            "their columns before anyone withholds; build the table with missing='drop_tasks' (CLI: --missing "
            "drop_tasks), or audit withhold_missing='partial'."
        )
    params = {get_rule(r).name: dict(p) for r, p in (params or {}).items()}
    defaults = default_compare_rules(table)[0]
    rule = get_rule(rule or defaults[0]).name
    if rules is None:
        rules = list(defaults)
    elif isinstance(rules, str):
        rules = [r.strip() for r in rules.split(",") if r.strip()]
    names = list(dict.fromkeys([rule, *(get_rule(r).name for r in rules)]))
    rule_params = params.get(rule, {})
    if "rng" in get_rule(rule).params and seed is not None and "rng" not in rule_params:
        rule_params = {**rule_params, "rng": seed}

    comparison = compare(table, names, reference=rule, atol=atol, rtol=rtol, params=params)
    full = comparison.results[rule]
    leader = tuple(full.winners)
    boot = bootstrap(
        table,
        rule,
        n_resamples=n_boot,
        confidence=confidence,
        atol=atol,
        rtol=rtol,
        rng=seed,
        **{k: v for k, v in rule_params.items() if k != "rng"},
    )
    adjacent = _adjacent(boot)
    order = np.argsort(boot.full_ranks, kind="stable")
    runner_up = boot.systems[order[1]] if len(order) > 1 else None
    cw = full.diagnostics.get("condorcet_winner")
    winners = {r: tuple(comparison.results[r].winners) for r in names}
    rescaling, rank_only = _rescaling(table, names, leader, rule, params, atol=atol, rtol=rtol)
    base = _ranks_of(full, table.systems)
    withholding, wnote = _withholding(
        table,
        rule,
        int(k_withhold),
        base,
        atol=atol,
        rtol=rtol,
        params=rule_params,
        max_subsets=int(max_subsets),
        policy=policy,
    )
    notes = []
    if boot.note:
        notes.append(boot.note)
    for r in names:
        d = comparison.results[r].diagnostics
        if d.get("optimal") is False:
            notes.append(f"{r}: the ranking is not proven optimal (time limit); its disagreements may change")
    sub = rescaling[rescaling["rule"] == rule] if len(rescaling) else rescaling
    conditions = {
        "leader-not-separable": not (len(adjacent) and bool(adjacent["separable"].iloc[0]) and len(leader) == 1),
        "leader-not-condorcet": not (cw is not None and leader == (cw,)),
        "rules-disagree-on-winner": len({frozenset(w) for w in winners.values()}) > 1,
        "rescaling-changes-winner": bool(len(sub) and sub["winner_changed"].any()),
        "withholding-changes-winner": bool(
            withholding is not None
            and (
                (withholding["best_rank"] == 1) & (withholding["gain"] > 0) & ~withholding["system"].isin(leader)
            ).any()
        ),
    }
    return AuditResult(
        rule=rule,
        rules=tuple(names),
        leader=leader,
        runner_up=runner_up,
        confidence=float(boot.confidence),
        n_boot=boot.n_resamples,
        seed=boot.seed,
        n_systems=table.n_systems,
        n_tasks=table.n_columns,
        tasks=tuple(table.labels),
        missing_policy=table.missing_policy,
        dropped_systems=tuple(table.dropped_systems),
        dropped_tasks=tuple(table.dropped_tasks),
        groups=tuple(boot.groups()),
        adjacent=adjacent,
        condorcet_winner=cw,
        winners=MappingProxyType(winners),
        rank_only_rules=rank_only,
        rescaling=rescaling,
        withholding=withholding,
        withholding_k=int(k_withhold),
        withholding_policy=policy,
        withholding_note=wnote,
        conditions=MappingProxyType(conditions),
        notes=tuple(notes),
        bootstrap=boot,
        comparison=comparison,
    )
