"""``backend="dask"`` of :func:`rankagg.aggregate` and :func:`rankagg.compare`: reduce on the cluster, rank here.

Instance-level data: one distributed pass (:func:`~rankagg.distributed.reduce.instance_stats`) counts what the fast
rules read, then the local code of :mod:`rankagg.aggregation.levels` runs on the reduced pass, unchanged (one level:
the pooled instances; two levels: the inner rule per task column, then any outer rule on the task table). Battle
logs: the outcome counts are reduced (:meth:`~rankagg.distributed.battles.DistributedBattles.counts`), then any
pairwise rule runs on them as on a local log. Rules that read every instance's ranking (no fast path) are refused
with the list of the rules that run distributed, rather than gathering the data silently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from rankagg._errors import RuleError, ScoreTableError, preview
from rankagg.aggregation.aggregate import aggregate, compare, default_compare_rules
from rankagg.aggregation.levels import FAST_RULES, aggregate_pass, compare_pass
from rankagg.aggregation.results import ComparisonResult, RankingResult
from rankagg.data.battles import PairwiseProfile
from rankagg.data.instances import InstanceTable
from rankagg.distributed.battles import DistributedBattles, is_battle_collection, read_battles
from rankagg.distributed.frames import DistributedInstances
from rankagg.distributed.reduce import ReducedPass, instance_stats
from rankagg.rules import RULES, get_rule

__all__ = ["accepts", "aggregate_dask", "compare_dask", "distributed_rules"]


def distributed_rules() -> tuple[str, ...]:
    """The rules that run on distributed instance-level data (each pooled instance never leaves its worker)."""
    return tuple(sorted(n for n, info in RULES.items() if info.pairwise_ok or n in FAST_RULES))


def accepts(data: Any) -> bool:
    """Whether ``data`` is a collection only this backend reads (a distributed table or a Dask collection)."""
    return isinstance(data, (DistributedInstances, DistributedBattles)) or hasattr(data, "__dask_graph__")


def _check_rule(name: str, what: str, option: str) -> None:
    info = get_rule(name)
    if not (info.pairwise_ok or info.name in FAST_RULES):
        raise RuleError(
            f"rule {info.name!r} reads every instance's ranking, which stays on the cluster with backend='dask'; "
            f"use {what} that runs distributed{option}: {', '.join(distributed_rules())} (or gather the data and "
            "run locally: data.to_instance_table())."
        )


def _check_partial(run: ReducedPass, names: Sequence[str], *, inner: bool) -> None:
    """Refuse, as the local path does, a rule that needs complete rankings where scores are missing."""
    t = run.table
    for name in names:
        info = get_rule(name)
        if info.partial_ok:
            continue
        gaps = [c.label for j, c in enumerate(t.columns) if (run.stats(j).scored < run.stats(j).size).any()]
        if gaps:
            option = " as the inner rule (inner=...; CLI: --inner RULE)" if inner else " (CLI: --rule, or --rules)"
            partial = sorted(n for n, i in RULES.items() if i.partial_ok and n in distributed_rules())
            raise RuleError(
                f"rule {info.name!r} does not accept partial rankings, and task column(s) {preview(gaps)} have "
                f"missing scores (missing='partial'); use a rule that accepts partial rankings{option}: "
                f"{', '.join(partial)}, or read the data with missing='drop_instances' or 'drop_systems'."
            )


def _check_design(run: ReducedPass) -> None:
    """The systems must be compared with each other, directly or through others (as the local path checks)."""
    t = run.table
    if not t.has_missing:
        return
    linked = sum(run.stats(j).both for j in range(t.n_columns)) > 0
    n = t.n_systems
    group = np.arange(n)
    for i in range(n):  # label propagation to the smallest index of each connected group
        for j in np.nonzero(linked[i])[0]:
            a, b = group[i], group[j]
            if a != b:
                group[group == max(a, b)] = min(a, b)
    labels, counts = np.unique(group, return_counts=True)
    if labels.size > 1:
        order = np.argsort(-counts, kind="stable")
        groups = [[t.systems[i] for i in np.nonzero(group == labels[g])[0]] for g in order]
        shown = "; ".join(f"{{{preview(g, 4)}}}" for g in groups[:3])
        raise ScoreTableError(
            f"data: the systems fall into {len(groups)} groups that share no instance, directly or through others: "
            f"{shown}. No rule can order systems across groups from these scores; rank one group at a time "
            "(read_instances(..., include=[...])), or add scores that link the groups."
        )


def _as_distributed(data: Any, scheduler: Any) -> DistributedInstances | DistributedBattles | PairwiseProfile:
    if isinstance(data, (DistributedInstances, DistributedBattles, PairwiseProfile)):
        return data
    if is_battle_collection(data):
        return read_battles(data, scheduler=scheduler)
    if isinstance(data, InstanceTable):
        from rankagg.distributed.instances import read_instances

        return read_instances(data.to_long(), missing=data.missing_policy, scheduler=scheduler)
    if hasattr(data, "__dask_graph__"):
        from rankagg.distributed.instances import read_instances

        return read_instances(data, scheduler=scheduler)
    raise RuleError(
        f"backend='dask' reads instance-level scores or battle logs: a Dask DataFrame, an InstanceTable, or what "
        f"rankagg.distributed.read_instances / read_battles return; got {type(data).__name__} (a score table is "
        "small: rank it with the local backend)."
    )


def _with_notes(res: RankingResult, data: DistributedInstances) -> RankingResult:
    diag = dict(res.diagnostics)
    diag["backend"] = "dask"
    diag["partitions"] = data.npartitions
    if data.notes:
        diag["notes"] = list(data.notes)
    return dataclasses.replace(res, diagnostics=MappingProxyType(diag))


def aggregate_dask(
    data: Any,
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
    scheduler: Any,
    params: Mapping[str, Any],
) -> RankingResult:
    """:func:`rankagg.aggregate` with ``backend="dask"``."""
    data = _as_distributed(data, scheduler)
    if isinstance(data, (DistributedBattles, PairwiseProfile)):  # a profile: battles already counted on the cluster
        profile = data if isinstance(data, PairwiseProfile) else data.counts(scheduler=scheduler).to_profile()
        return aggregate(
            profile,
            rule,
            atol=atol,
            rtol=rtol,
            level=level,
            inner=inner,
            outer=outer,
            inner_params=inner_params,
            instance_weighting=instance_weighting,
            pairwise=pairwise,
            **params,
        )
    two = level == "two"
    if two:
        _check_rule("mean" if inner is None else inner, "an inner rule", " (inner=...; CLI: --inner)")
    else:
        _check_rule(rule, "a rule", "")
    run = instance_stats(
        data, atol=atol, rtol=rtol, pairwise=pairwise, chunk_size=chunk_size, max_memory=max_memory, scheduler=scheduler
    )
    _check_design(run)
    _check_partial(run, ["mean" if inner is None else inner] if two else [rule], inner=two)
    res = aggregate_pass(
        run,  # type: ignore[arg-type]
        rule,
        level=level,
        inner=inner,
        outer=outer,
        inner_params=inner_params,
        instance_weighting=instance_weighting,
        pairwise=pairwise,
        params=params,
    )
    return _with_notes(res, data)


def compare_dask(
    data: Any,
    rules: Sequence[str] | None,
    *,
    reference: str | None,
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
    scheduler: Any,
) -> ComparisonResult:
    """:func:`rankagg.compare` with ``backend="dask"`` (one distributed pass serves every rule)."""
    data = _as_distributed(data, scheduler)
    if isinstance(data, (DistributedBattles, PairwiseProfile)):
        profile = data if isinstance(data, PairwiseProfile) else data.counts(scheduler=scheduler).to_profile()
        return compare(
            profile,
            rules,
            reference=reference,
            top_k=top_k,
            atol=atol,
            rtol=rtol,
            params=params,
            level=level,
            inner=inner,
            inner_params=inner_params,
            instance_weighting=instance_weighting,
            pairwise=pairwise,
        )
    if rules is None:  # the local defaults that run distributed (win_rate, on partial data, does not)
        rules = [r for r in default_compare_rules(data)[0] if get_rule(r).name in distributed_rules()]
    if isinstance(rules, str):
        rules = [r.strip() for r in rules.split(",") if r.strip()]
    rules = list(rules)
    if not rules:
        raise RuleError("rules: give at least one rule to compare, e.g. ['mean', 'borda', 'kemeny'].")
    if reference is None:
        reference = str(rules[0])
    two = level == "two"
    names = ["mean" if inner is None else inner] if two else [*rules, reference]
    for n in names:
        _check_rule(n, "an inner rule" if two else "rules", " (inner=...; CLI: --inner)" if two else "")
    run = instance_stats(
        data, atol=atol, rtol=rtol, pairwise=pairwise, chunk_size=chunk_size, max_memory=max_memory, scheduler=scheduler
    )
    _check_design(run)
    _check_partial(run, names, inner=two)
    cmp = compare_pass(
        run,  # type: ignore[arg-type]
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
    results = {k: _with_notes(r, data) for k, r in cmp.results.items()}
    return dataclasses.replace(cmp, results=MappingProxyType(results))
