"""Aggregation of instance-level tables: one level (instances pooled) and two levels (instances -> tasks -> all).

:func:`rankagg.aggregate` and :func:`rankagg.compare` call into this module for
an :class:`~rankagg.InstanceTable`. One pass over the data, in chunks of
instances with bounded memory, ranks every instance and accumulates per task
column what the scalable rules need: pairwise win and "both scored" counts, rank
sums (Borda), score sums (mean), and the expected-rank sums of partial
rankings (``partial_borda``). Those rules (and every rule that reads only the
pairwise matrix: Copeland, minimax, Schulze, ranked pairs, Kemeny,
Bradley-Terry) never materialise the instance rankings. Any other rule runs on
the in-memory table of instance voters (:meth:`InstanceTable.voter_table`),
unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np

from rankagg._errors import RankaggError, RuleError, did_you_mean, preview
from rankagg.aggregation.battles import finish_result
from rankagg.aggregation.results import ComparisonResult, RankingResult
from rankagg.aggregation.tables import (
    _assemble_comparison,
    _comparison_plan,
    _partial_rules,
    _rebuild_advice,
    aggregate_table,
    check_pairwise,
    compare_table,
)
from rankagg.data.battles import PairwiseProfile
from rankagg.data.instance_counts import InstancePass, pooled_counts
from rankagg.data.instances import InstanceTable, check_weighting
from rankagg.data.table import ScoreTable
from rankagg.rankings.orders import TaskRankings, levels_from_scores
from rankagg.rules import RuleInfo, RuleInput, get_rule
from rankagg.rules.base import ExpectedRuleInput
from rankagg.rules.majority import margins

__all__ = [
    "FAST_RULES",
    "LEVELS",
    "aggregate_instances",
    "aggregate_pass",
    "compare_instances",
    "compare_pass",
    "inner_table",
    "one_level",
    "outer_name",
]

LEVELS: tuple[str, ...] = ("one", "two")
# rules with a chunked fast path besides the pairwise-only ones
FAST_RULES = ("mean", "borda", "partial_borda")


@dataclass(frozen=True, eq=False)
class _CountedInput(RuleInput):
    """A rule input whose pairwise matrix was counted by the chunked kernel (not recomputed from the ranks)."""

    counts: tuple[np.ndarray, np.ndarray] | None = None

    @cached_property
    def pairwise(self) -> tuple[np.ndarray, np.ndarray]:
        """``(wins, ties)`` as counted."""
        assert self.counts is not None
        return self.counts


def _check_options(level: str | None, pairwise: str, inner: Any, outer: Any) -> str:
    level = "one" if level is None else level
    if level not in LEVELS:
        hint = " ('task' is for score tables; an instance table is aggregated at level 'one' or 'two')"
        raise RankaggError(
            f"level={level!r}: use 'one' (every instance a voter) or 'two' (instances -> tasks -> overall)"
            f"{hint if level == 'task' else ''}.{did_you_mean(str(level), LEVELS)}"
        )
    check_pairwise(pairwise)
    if level == "one" and (inner is not None or outer is not None):
        raise RankaggError(
            "inner/outer: only used with level='two' (instances -> tasks -> overall); with level='one' pass the rule "
            "as rule=..."
        )
    return level


def _check_pairwise_mode(info: RuleInfo, pairwise: str) -> None:
    check_pairwise(pairwise, info)


def _refuse_partial(has_missing: bool, info: RuleInfo, where: str, table: Any = None, *, inner: bool = False) -> None:
    if has_missing and not info.partial_ok:
        option = " as the inner rule (inner=...; CLI: --inner RULE)" if inner else " (CLI: --rule, or --rules)"
        advice = _rebuild_advice(np.isnan(table.scores), table.offsets) if table is not None else "."
        raise RuleError(
            f"rule {info.name!r} does not accept partial rankings, and {where} has missing scores "
            f"(missing='partial'); use a rule that accepts partial rankings{option}: {', '.join(_partial_rules())}"
            + advice
        )


def _same_direction(table: InstanceTable, cols: Sequence[int], rule: str) -> bool:
    hib = table.higher_is_better[list(cols)]
    if hib.all() or not hib.any():
        return bool(hib.all())
    up = [table.columns[j].label for j in cols if table.columns[j].higher_is_better]
    down = [table.columns[j].label for j in cols if not table.columns[j].higher_is_better]
    raise RuleError(
        f"rule {rule!r} averages raw scores, but tasks {preview(up, 3)} are higher-is-better and "
        f"{preview(down, 3)} lower-is-better; use 'zscore_mean' or 'minmax_mean' (which orient each task), "
        "or a rank-based rule such as 'borda'."
    )


# ----------------------------------------------------------------------------- one profile of instance voters
def _profile_scores(
    run: InstancePass,
    info: RuleInfo,
    params: Mapping[str, Any],
    *,
    cols: Sequence[int],
    rows: np.ndarray,
    weights: np.ndarray,
    pairwise: str,
    voter_table: Any,
) -> tuple[Any, Mapping[str, Any], np.ndarray, np.ndarray, float]:
    """Apply one rule to the profile of the instances of ``cols`` (weight ``weights[k]`` per instance of
    ``cols[k]``), restricted to the systems ``rows``. Returns ``(rule output, full params, wins, ties, total)``.
    """
    expected = pairwise == "expected"
    full = info.check_params(params)
    sizes = np.array([run.stats(j).size for j in cols], dtype=np.float64)
    total = float((weights * sizes).sum())
    ix = np.ix_(rows, rows)
    wins = np.zeros((rows.size, rows.size))
    ties = np.zeros((rows.size, rows.size))
    for j, w in zip(cols, weights, strict=True):
        st = run.stats(j, expected=expected)
        wins += w * st.wins[ix]
        ties += w * st.ties[ix]
        if expected and st.exp_wins is not None:
            wins += w * st.exp_wins[ix]
            ties += w * st.exp_ties[ix]
    name = info.name
    if info.pairwise_ok or name in FAST_RULES:
        from rankagg.rules.base import RuleOutput

        if name == "mean":
            hib = _same_direction(run.table, cols, "mean")
            acc = sum(w * run.stats(j).score_sum[rows] for j, w in zip(cols, weights, strict=True))
            out = RuleOutput(np.asarray(acc) / total, higher_is_better=hib)
        elif name == "borda":
            acc = sum(w * run.stats(j).rank_sum[rows] for j, w in zip(cols, weights, strict=True))
            out = RuleOutput(np.asarray(acc) / total, higher_is_better=False)
        elif name == "partial_borda":
            nn = float(rows.size)
            acc = 0.0
            for j, w in zip(cols, weights, strict=True):
                st = run.stats(j)
                unscored = st.size - st.scored[rows]
                acc = acc + w * (nn + 1.0) * (st.exp_ratio[rows] + unscored / 2.0)
            out = RuleOutput(np.asarray(acc) / total, higher_is_better=False)
        else:
            systems = tuple(run.table.systems[i] for i in rows)
            profile = PairwiseProfile(systems, wins, ties, total_weight=total)
            out = info.func(profile, **dict(params))
        return out, full, wins, ties, total
    # no fast path: the rule reads the in-memory table of instance voters
    table, rankings = voter_table()
    cls = ExpectedRuleInput if expected else _CountedInput
    kwargs = {} if expected else {"counts": (wins, ties)}
    inp = cls(table=table, rankings=rankings, **kwargs)
    out = info.func(inp, **dict(params))
    return out, full, np.asarray(inp.pairwise[0]), np.asarray(inp.pairwise[1]), total


def _voter_input(run: InstancePass, cols: Sequence[int], rows: np.ndarray, weights: np.ndarray) -> Any:
    """A factory of (voter ScoreTable, TaskRankings) for the instances of ``cols`` and systems ``rows``."""

    def make() -> tuple[ScoreTable, TaskRankings]:
        t = run.table
        idx = np.concatenate([np.arange(t.offsets[j], t.offsets[j + 1]) for j in cols])
        w_inst = np.concatenate(
            [
                np.full(int(t.offsets[j + 1] - t.offsets[j]), w, dtype=np.float64)
                for j, w in zip(cols, weights, strict=True)
            ]
        )
        labels = []
        columns = []
        for j in cols:
            c = t.columns[j]
            for inst in t.instances(c.label):
                labels.append(f"{c.label}[{inst}]")
                columns.append(c)
        full_rows = rows.size == t.n_systems
        whole = full_rows and idx.size == t.n_instances_total
        scores = t.scores if whole else t.scores[np.ix_(rows, idx)]
        ranks = run.voter_ranks if whole else run.voter_ranks[np.ix_(rows, idx)]
        if not whole:
            scores = np.ascontiguousarray(scores)
            scores.setflags(write=False)
            ranks = np.ascontiguousarray(ranks)
            ranks.setflags(write=False)
        obj = ScoreTable.__new__(ScoreTable)
        obj._systems = tuple(t.systems[i] for i in rows)
        obj._columns = tuple(
            dataclasses.replace(c, weight=float(wk), label=lab)
            for c, wk, lab in zip(columns, w_inst, labels, strict=True)
        )
        obj._scores = scores
        obj._missing = "partial" if np.isnan(scores).any() else "raise"
        obj._dropped_systems = t.dropped_systems
        obj._dropped_tasks = ()
        w_inst.setflags(write=False)
        rankings = TaskRankings(
            systems=obj._systems, labels=tuple(labels), ranks=ranks, weights=w_inst, atol=run.atol, rtol=run.rtol
        )
        return obj, rankings

    cache: dict[str, Any] = {}

    def cached() -> tuple[ScoreTable, TaskRankings]:
        if "v" not in cache:
            cache["v"] = make()
        return cache["v"]

    return cached


def one_level(
    run: InstancePass, info: RuleInfo, params: Mapping[str, Any], *, weighting: str, pairwise: str, voter: Any
) -> RankingResult:
    t = run.table
    _check_pairwise_mode(info, pairwise)
    _refuse_partial(t.has_missing, info, "this instance table", t)
    sizes = np.diff(t.offsets).astype(np.float64)
    per = t.weights / sizes if weighting == "per_task" else t.weights
    rows = np.arange(t.n_systems)
    cols = list(range(t.n_columns))
    out, full, wins, ties, total = _profile_scores(
        run,
        info,
        params,
        cols=cols,
        rows=rows,
        weights=per,
        pairwise=pairwise,
        voter_table=voter,
    )
    prof = PairwiseProfile(t.systems, wins, ties, total_weight=total)
    res = finish_result(
        t.systems,
        info,
        full,
        out,
        margins(prof),
        missing_policy=t.missing_policy,
        dropped_systems=t.dropped_systems,
        tasks=t.labels,
        atol=run.atol,
        rtol=run.rtol,
        level="one",
        instance_weighting=weighting,
        pairwise=pairwise,
    )
    return _note_dropped(res, t)


def _note_dropped(res: RankingResult, t: InstanceTable) -> RankingResult:
    """Record the instances the missing policy dropped (``label[instance]``) in the diagnostics."""
    if not t.dropped_instances:
        return res
    diag = dict(res.diagnostics)
    diag["dropped_instances"] = [f"{lab}[{inst}]" for lab, inst in t.dropped_instances]
    return dataclasses.replace(res, diagnostics=MappingProxyType(diag))


# ----------------------------------------------------------------------------- two levels
def inner_table(
    run: InstancePass, info: RuleInfo, params: Mapping[str, Any], *, pairwise: str
) -> tuple[ScoreTable, dict[str, dict[str, int]]]:
    """Apply the inner rule to each task column's instances; the consensus scores become the outer table."""
    t = run.table
    _check_pairwise_mode(info, pairwise)
    n, m = t.n_systems, t.n_columns
    scores = np.full((n, m), np.nan)
    directions: list[bool] = []
    inner_ranks: dict[str, dict[str, int]] = {}
    for j, col in enumerate(t.columns):
        st = run.stats(j)
        rows = np.nonzero(st.scored > 0)[0]
        if rows.size < 2:
            raise RankaggError(
                f"level='two': task column {col.label!r} scores only {preview([t.systems[i] for i in rows])}, so it "
                "ranks nothing; exclude that system's task, or use level='one'."
            )
        _refuse_partial(bool((st.scored[rows] < st.size).any()), info, f"task column {col.label!r}", t, inner=True)
        out, full, wins, ties, total = _profile_scores(
            run,
            info,
            params,
            cols=[j],
            rows=rows,
            weights=np.ones(1),
            pairwise=pairwise,
            voter_table=_voter_input(run, [j], rows, np.ones(1)),
        )
        sys_sub = tuple(t.systems[i] for i in rows)
        res = finish_result(
            sys_sub, info, full, out, margins(PairwiseProfile(sys_sub, wins, ties, total_weight=total)), level="task"
        )
        sc = np.asarray(res.scores, dtype=np.float64)
        # the consensus scores become a task column: merge values that differ only by float noise
        lev = levels_from_scores(sc, higher_is_better=res.higher_is_better)
        means = np.bincount(lev, weights=sc) / np.bincount(lev)
        scores[rows, j] = means[lev]
        directions.append(bool(res.higher_is_better))
        inner_ranks[col.label] = {s: int(r) for s, r in zip(sys_sub, res.ranks, strict=True)}
    missing = "partial" if np.isnan(scores).any() else "raise"
    outer = ScoreTable._from_parts(
        scores,
        systems=t.systems,
        tasks=[c.task for c in t.columns],
        metrics=[c.metric for c in t.columns],
        higher_is_better=None,
        data_directions=directions,
        weights=[c.weight for c in t.columns],
        missing=missing,
        dropped_systems=t.dropped_systems,
    )
    return outer, inner_ranks


def _two_level_fields(t: InstanceTable, run: InstancePass, inner: str, pairwise: str) -> dict[str, Any]:
    return {
        "missing_policy": t.missing_policy,
        "dropped_systems": t.dropped_systems,
        "dropped_tasks": (),
        "tasks": t.labels,
        "atol": run.atol,
        "rtol": run.rtol,
        "level": "two",
        "inner": inner,
        "instance_weighting": None,
        "pairwise": pairwise,
    }


def outer_name(rule: str, outer: str | None) -> str:
    return get_rule(outer if outer is not None else rule).name


# ----------------------------------------------------------------------------- entry points
def aggregate_instances(
    table: InstanceTable,
    rule: str,
    *,
    atol: float,
    rtol: float,
    level: str | None,
    inner: str | None,
    outer: str | None,
    inner_params: Mapping[str, Any] | None,
    instance_weighting: str | None,
    pairwise: str,
    chunk_size: int | None,
    max_memory: int | None,
    params: Mapping[str, Any],
) -> RankingResult:
    """:func:`rankagg.aggregate` on an instance table."""
    level = _check_options(level, pairwise, inner, outer)
    run = InstancePass(table, atol=atol, rtol=rtol, chunk_size=chunk_size, max_memory=max_memory)
    return aggregate_pass(
        run,
        rule,
        level=level,
        inner=inner,
        outer=outer,
        inner_params=inner_params,
        instance_weighting=instance_weighting,
        pairwise=pairwise,
        params=params,
    )


def aggregate_pass(
    run: InstancePass,
    rule: str,
    *,
    level: str | None,
    inner: str | None,
    outer: str | None,
    inner_params: Mapping[str, Any] | None,
    instance_weighting: str | None,
    pairwise: str,
    params: Mapping[str, Any],
) -> RankingResult:
    """:func:`aggregate_instances` on the statistics of a pass (``run.stats``), local or counted elsewhere.

    ``run.table`` needs the metadata of an :class:`~rankagg.InstanceTable` (systems, columns, offsets, policy);
    its scores are read only by rules without a fast path (through ``run.voter_ranks``).
    """
    table = run.table
    level = _check_options(level, pairwise, inner, outer)
    if level == "one":
        if inner_params:
            raise RankaggError("inner_params: only used with level='two'; pass the rule's parameters as keywords.")
        weighting = check_weighting("per_task" if instance_weighting is None else instance_weighting)
        sizes = np.diff(table.offsets).astype(np.float64)
        per = table.weights / sizes if weighting == "per_task" else table.weights
        voter = _voter_input(run, list(range(table.n_columns)), np.arange(table.n_systems), per)
        return one_level(run, get_rule(rule), params, weighting=weighting, pairwise=pairwise, voter=voter)
    if instance_weighting is not None:
        raise RankaggError(
            "instance_weighting: only used with level='one' (with level='two' each task's instances are aggregated "
            "by the inner rule, and tasks weigh their task weight)."
        )
    inner_info = get_rule("mean" if inner is None else inner)
    outer_rule = outer_name(rule, outer)
    outer_table, inner_ranks = inner_table(run, inner_info, dict(inner_params or {}), pairwise=pairwise)
    res = aggregate_table(outer_table, outer_rule, pairwise=pairwise, params=params)
    diag = dict(res.diagnostics)
    diag["inner_ranks"] = inner_ranks
    from types import MappingProxyType

    res = dataclasses.replace(
        res,
        diagnostics=MappingProxyType(diag),
        outer=outer_rule,
        **_two_level_fields(table, run, inner_info.name, pairwise),
    )
    return _note_dropped(res, table)


def compare_instances(
    table: InstanceTable,
    rules: Sequence[str],
    *,
    reference: str,
    top_k: int | None,
    atol: float,
    rtol: float,
    params: Mapping[str, Mapping[str, Any]] | None,
    level: str | None,
    inner: str | None,
    inner_params: Mapping[str, Any] | None,
    instance_weighting: str | None,
    pairwise: str,
    chunk_size: int | None,
    max_memory: int | None,
) -> ComparisonResult:
    """:func:`rankagg.compare` on an instance table (the compared rules are the outer rules with level='two')."""
    _check_options(level, pairwise, inner, None)
    run = InstancePass(table, atol=atol, rtol=rtol, chunk_size=chunk_size, max_memory=max_memory)
    return compare_pass(
        run,
        rules,
        reference=reference,
        top_k=top_k,
        params=params,
        level=level,
        inner=inner,
        inner_params=inner_params,
        instance_weighting=instance_weighting,
        pairwise=pairwise,
    )


def compare_pass(
    run: InstancePass,
    rules: Sequence[str],
    *,
    reference: str,
    top_k: int | None,
    params: Mapping[str, Mapping[str, Any]] | None,
    level: str | None,
    inner: str | None,
    inner_params: Mapping[str, Any] | None,
    instance_weighting: str | None,
    pairwise: str,
) -> ComparisonResult:
    """:func:`compare_instances` on the statistics of a pass (see :func:`aggregate_pass`)."""
    table = run.table
    level = _check_options(level, pairwise, inner, None)
    if level == "two":
        if instance_weighting is not None:
            raise RankaggError("instance_weighting: only used with level='one'.")
        inner_info = get_rule("mean" if inner is None else inner)
        outer_table, inner_ranks = inner_table(run, inner_info, dict(inner_params or {}), pairwise=pairwise)
        cmp = compare_table(outer_table, rules, reference, {"top_k": top_k, "params": params, "pairwise": pairwise})
        fields = _two_level_fields(table, run, inner_info.name, pairwise)
        results = {}
        for name, r in cmp.results.items():
            diag = dict(r.diagnostics)
            diag["inner_ranks"] = inner_ranks
            results[name] = dataclasses.replace(r, outer=name, diagnostics=MappingProxyType(diag), **fields)
        return dataclasses.replace(
            cmp,
            results=MappingProxyType(results),
            missing_policy=table.missing_policy,
            level="two",
            inner=inner_info.name,
        )
    if inner_params:
        raise RankaggError("inner_params: only used with level='two'.")
    weighting = check_weighting("per_task" if instance_weighting is None else instance_weighting)
    names, ref, per_rule = _comparison_plan(rules, reference, params)
    refusing = [n for n in names if table.has_missing and not get_rule(n).partial_ok]
    if refusing:
        _refuse_partial(True, get_rule(refusing[0]), "this instance table", table)
    sizes = np.diff(table.offsets).astype(np.float64)
    per = table.weights / sizes if weighting == "per_task" else table.weights
    voter = _voter_input(run, list(range(table.n_columns)), np.arange(table.n_systems), per)
    results = {
        n: one_level(run, get_rule(n), per_rule.get(n, {}), weighting=weighting, pairwise=pairwise, voter=voter)
        for n in names
    }
    counts = pooled_counts(run, per, pairwise)
    return _assemble_comparison(table.systems, names, ref, results, counts, top_k, table.missing_policy, level="one")
