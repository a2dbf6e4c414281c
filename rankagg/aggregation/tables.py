"""Aggregation of one score table: the checks, the rule run and the comparison of several rules.

:func:`rankagg.aggregate` and :func:`rankagg.compare` dispatch here for score tables (and DataFrames),
and :mod:`rankagg.aggregation.levels` does for the task-level table of a two-level aggregation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import combinations
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, RuleError, preview
from rankagg._threads import one_blas_thread
from rankagg.aggregation.results import ComparisonResult, RankingResult
from rankagg.data.design import check_comparison_design, missing_fixes, viable_policies
from rankagg.data.table import ScoreTable, as_table, rank_table
from rankagg.rankings.distances import kendall_tau_b, top_k_overlap
from rankagg.rankings.orders import competition_ranks, levels_from_scores
from rankagg.rankings.partial import check_pairwise_mode
from rankagg.rules import RULES, RuleInfo, RuleInput, get_rule
from rankagg.rules.base import ExpectedRuleInput
from rankagg.rules.majority import condorcet_winner_of

__all__ = ["aggregate_table", "check_pairwise", "check_partial", "compare_table"]


def _partial_rules() -> list[str]:
    return [name for name, info in RULES.items() if info.partial_ok]


def check_partial(table: ScoreTable, info: RuleInfo) -> None:
    if table.has_missing and not info.partial_ok:
        raise RuleError(
            f"rule {info.name!r} does not accept partial rankings, and this table keeps missing scores "
            f"(missing='partial'); use a rule that accepts partial rankings (CLI: --rule, or --rules): "
            f"{', '.join(_partial_rules())}" + _rebuild_advice(np.isnan(table.scores), None)
        )


def _rebuild_advice(nan: np.ndarray, offsets: np.ndarray | None) -> str:
    """``, or rebuild the table with ...`` naming only the drop policies that leave a rankable table."""
    fixes = missing_fixes(nan, offsets, tried="partial")
    if not set(viable_policies(nan, offsets)) - {"partial"}:
        return " (no policy that drops data leaves two systems to rank here)."
    return f"; or rebuild the table (table.with_missing(...)): {fixes}."


def _check_level_options(
    level: str | None, inner: Any, outer: Any, inner_params: Any, instance_weighting: Any, what: str = "task"
) -> None:
    """Score tables and battles have one level: refuse the instance-level options with a pointer to InstanceTable."""
    if level is not None and level != what:
        raise RankaggError(
            f"level={level!r}: levels 'one' and 'two' aggregate instance-level scores; this input is "
            f"{'a score table (one score per system and task)' if what == 'task' else 'pairwise battle data'}. "
            "Build an InstanceTable (rankagg.InstanceTable.from_long(df, instance='...'); CLI: a long file with an "
            "instance column, --instance-col) to aggregate instances."
        )
    for name, value in (
        ("inner", inner),
        ("outer", outer),
        ("inner_params", inner_params),
        ("instance_weighting", instance_weighting),
    ):
        if value is not None:
            raise RankaggError(
                f"{name}: only used with instance-level data (an InstanceTable, level='one' or 'two'); this input "
                f"is {'a score table' if what == 'task' else 'pairwise battle data'}."
            )


def check_pairwise(pairwise: str, info: RuleInfo | None = None) -> None:
    """``pairwise`` is a known mode, and one the rule ``info`` (when given) reads."""
    check_pairwise_mode(pairwise)
    if info is not None and pairwise == "expected" and not info.pairwise_ok and info.name != "partial_borda":
        raise RuleError(
            f"pairwise='expected' changes the pairwise matrix, which rule {info.name!r} does not read; use it with "
            "copeland, minimax, schulze, ranked_pairs, kemeny or bradley_terry, or use rule 'partial_borda' (Borda "
            "over the same completions)."
        )


def _rule_input(table: ScoreTable, atol: float, rtol: float, pairwise: str) -> RuleInput:
    cls = ExpectedRuleInput if pairwise == "expected" else RuleInput
    return cls(table=table, rankings=rank_table(table, atol=atol, rtol=rtol))


def _run(table: ScoreTable, inp: RuleInput, info: RuleInfo, params: Mapping[str, Any]) -> RankingResult:
    check_partial(table, info)
    full = info.check_params(params)
    with one_blas_thread():  # small products: BLAS threads cost more than they give (rankagg._threads)
        out = info.func(inp, **{k: v for k, v in params.items()})
    scores = np.asarray(out.scores, dtype=np.float64)
    if scores.shape != (table.n_systems,) or not np.all(np.isfinite(scores)):
        raise RuleError(f"rule {info.name!r} returned invalid scores {scores!r}; this is a bug in the rule.")
    levels = out.levels if out.levels is not None else levels_from_scores(scores, higher_is_better=out.higher_is_better)
    ranks = competition_ranks(np.asarray(levels))
    scores.setflags(write=False)
    ranks.setflags(write=False)
    cw = condorcet_winner_of(inp)  # no n x n matrix for rules that do not read one
    diagnostics = {"condorcet_winner": None if cw is None else table.systems[cw]}
    diagnostics.update(out.diagnostics)
    return RankingResult(
        rule=info.name,
        params=MappingProxyType(full),
        systems=table.systems,
        scores=scores,
        score_name=info.score_name,
        higher_is_better=out.higher_is_better,
        ranks=ranks,
        missing_policy=table.missing_policy,
        dropped_systems=table.dropped_systems,
        dropped_tasks=table.dropped_tasks,
        tasks=table.labels,
        atol=inp.rankings.atol,
        rtol=inp.rankings.rtol,
        diagnostics=MappingProxyType(diagnostics),
        pairwise="expected" if isinstance(inp, ExpectedRuleInput) else "observed",
    )


def _comparison_plan(
    rules: Sequence[str] | str, reference: str, params: Mapping[str, Mapping[str, Any]] | None
) -> tuple[list[str], RuleInfo, dict[str, dict[str, Any]]]:
    """The rules to compare (reference first), and the parameters of each, checked."""
    if isinstance(rules, str):
        rules = [r.strip() for r in rules.split(",") if r.strip()]
    infos = [get_rule(r) for r in rules]
    ref = get_rule(reference)
    names = list(dict.fromkeys([ref.name] + [i.name for i in infos]))
    params = dict(params or {})
    for key in params:
        if get_rule(key).name not in names:
            raise RuleError(
                f"params: rule {key!r} is not among the rules compared ({', '.join(names)}); add it to the "
                "rules, or drop its parameters."
            )
    per_rule = {get_rule(k).name: dict(v) for k, v in params.items()}
    return names, ref, per_rule


#: ``records(i, j)`` -> the weight of the voters ranking ``i[k]`` above ``j[k]``, below it, and tying them
PairRecords = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]


def _from_matrices(wins: np.ndarray, ties: np.ndarray) -> PairRecords:
    return lambda i, j: (wins[i, j], wins[j, i], ties[i, j])


def _table_records(inp: RuleInput) -> PairRecords:
    """The records of a score table's pairs: from the pairwise matrices when a rule counted them, else counted
    for the requested pairs only, voter by voter in the order :func:`rankagg.pairwise_counts` adds them."""
    if "pairwise" in inp.__dict__ or isinstance(inp, ExpectedRuleInput):
        return _from_matrices(*inp.pairwise)

    def records(i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ranks, weights = inp.rankings.ranks, inp.rankings.weights
        if i.size * 4 > ranks.shape[0] ** 2:  # most pairs: the matrices cost no more
            return _from_matrices(*inp.pairwise)(i, j)
        above = np.zeros(i.size)
        below = np.zeros(i.size)
        tied = np.zeros(i.size)
        for t in range(ranks.shape[1]):
            ri, rj = ranks[i, t], ranks[j, t]
            above += weights[t] * (ri < rj)
            below += weights[t] * (ri > rj)
            tied += weights[t] * (ri == rj)
        return above, below, tied

    return records


def _assemble_comparison(
    systems_in: Sequence[str],
    names: list[str],
    ref: RuleInfo,
    results: Mapping[str, RankingResult],
    counts: tuple[np.ndarray, np.ndarray] | PairRecords,
    top_k: int | None,
    missing_policy: str,
    *,
    level: str = "task",
    inner: str | None = None,
) -> ComparisonResult:
    """Ranks side by side, agreement, top-k overlap and the disagreements with the reference."""
    systems = list(systems_in)
    ranks = pd.DataFrame({n: results[n].ranks for n in names}, index=pd.Index(systems, name="system"))
    ranks = ranks.sort_values([ref.name, *[n for n in names if n != ref.name]], kind="stable")
    k = min(3, len(systems)) if top_k is None else int(top_k)
    if k < 1:
        raise RuleError(f"top_k={top_k!r}: must be a positive integer.")
    agree = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    topk = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for a, b in combinations(names, 2):
        ra, rb = results[a].ranks.astype(float), results[b].ranks.astype(float)
        agree.loc[a, b] = agree.loc[b, a] = kendall_tau_b(ra, rb)
        topk.loc[a, b] = topk.loc[b, a] = top_k_overlap(ra, rb, k)

    records = counts if callable(counts) else _from_matrices(*counts)
    parts = []
    rr = results[ref.name].ranks
    for n in names:
        if n == ref.name:
            continue
        r = results[n].ranks
        i, j = np.nonzero((rr[:, None] < rr[None, :]) & (r[:, None] > r[None, :]))
        parts.append((n, i, j, r))
    # the head-to-head records are needed for the reversed pairs only: counted for those (not an n x n matrix)
    # unless the rules already counted every pair
    all_i = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.intp)
    all_j = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, dtype=np.intp)
    won_ref, won_rule, tied = records(all_i, all_j)
    sys_arr = np.asarray(systems, dtype=object)
    frames = []
    start = 0
    for n, i, j, r in parts:
        sl = slice(start, start + i.size)
        start += i.size
        if not i.size:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "rule": n,
                    "above_in_reference": sys_arr[i],
                    "below_in_reference": sys_arr[j],
                    "reference_ranks": [f"{a} > {b}" for a, b in zip(rr[i].tolist(), rr[j].tolist(), strict=True)],
                    "rule_ranks": [f"{a} < {b}" for a, b in zip(r[i].tolist(), r[j].tolist(), strict=True)],
                    "tasks_won_by_reference_top": won_ref[sl].astype(np.float64),
                    "tasks_won_by_rule_top": won_rule[sl].astype(np.float64),
                    "tasks_tied": tied[sl].astype(np.float64),
                }
            )
        )
    cols = [
        "rule",
        "above_in_reference",
        "below_in_reference",
        "reference_ranks",
        "rule_ranks",
        "tasks_won_by_reference_top",
        "tasks_won_by_rule_top",
        "tasks_tied",
    ]
    dis = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    if len(dis):
        order_key = {s: int(rr[i]) for i, s in enumerate(systems)}
        dis = dis.assign(_k=dis["above_in_reference"].map(order_key), _k2=dis["below_in_reference"].map(order_key))
        dis = dis.sort_values(["rule", "_k", "_k2"], key=None, kind="stable").drop(columns=["_k", "_k2"])
        dis["rule"] = pd.Categorical(dis["rule"], categories=names[1:], ordered=True)
        dis = dis.sort_values("rule", kind="stable").reset_index(drop=True)
        dis["rule"] = dis["rule"].astype(str)
    return ComparisonResult(
        rules=tuple(names),
        reference=ref.name,
        results=MappingProxyType(results),
        ranks=ranks,
        agreement=agree,
        top_k=k,
        top_k_agreement=topk,
        disagreements=dis,
        missing_policy=missing_policy,
        level=level,
        inner=inner,
    )


def aggregate_table(
    table: ScoreTable | pd.DataFrame,
    rule: str,
    *,
    atol: float = 0.0,
    rtol: float = 0.0,
    pairwise: str = "observed",
    params: Mapping[str, Any] | None = None,
    level: str | None = None,
    inner: str | None = None,
    outer: str | None = None,
    inner_params: Mapping[str, Any] | None = None,
    instance_weighting: str | None = None,
) -> RankingResult:
    """:func:`rankagg.aggregate` of a score table (or a DataFrame read as one); the level options must be unset."""
    if isinstance(table, ScoreTable):
        check_comparison_design(table)
    table = as_table(table)
    _check_level_options(level, inner, outer, inner_params, instance_weighting)
    info = get_rule(rule)
    check_pairwise(pairwise, info)
    inp = _rule_input(table, atol, rtol, pairwise)
    return _run(table, inp, info, dict(params or {}))


def compare_table(
    table: ScoreTable | pd.DataFrame, rules: Sequence[str], reference: str, opts: Mapping[str, Any]
) -> ComparisonResult:
    """:func:`rankagg.compare` of a score table once the rules and the reference are settled (``opts``: its other
    options: ``top_k, atol, rtol, params, level, inner, inner_params, instance_weighting, pairwise``)."""
    if isinstance(table, ScoreTable):
        check_comparison_design(table)
    top_k, atol, rtol, params = opts.get("top_k"), opts.get("atol", 0.0), opts.get("rtol", 0.0), opts.get("params")
    level, inner, inner_params = opts.get("level"), opts.get("inner"), opts.get("inner_params")
    instance_weighting, pairwise = opts.get("instance_weighting"), opts.get("pairwise", "observed")
    table = as_table(table)
    _check_level_options(level, inner, None, inner_params, instance_weighting)
    check_pairwise(pairwise)
    names, ref, per_rule = _comparison_plan(rules, reference, params)
    refusing = [n for n in names if table.has_missing and not RULES[n].partial_ok]
    if refusing:
        raise RuleError(
            f"rule(s) {preview(refusing)} do not accept partial rankings, and this table keeps missing scores "
            "(missing='partial'); rebuild it with missing='drop_systems' or 'drop_tasks' (CLI: --missing "
            f"drop_systems), or compare only rules that accept partial rankings: {', '.join(_partial_rules())}"
            + (" (and pass reference='win_rate'; CLI: --reference win_rate)." if not ref.partial_ok else ".")
        )
    for n in names:
        check_pairwise(pairwise, RULES[n])
    inp = _rule_input(table, atol, rtol, pairwise)
    results = {n: _run(table, inp, RULES[n], per_rule.get(n, {})) for n in names}
    records = _table_records(inp)
    return _assemble_comparison(table.systems, names, ref, results, records, top_k, table.missing_policy)
