"""Apply rules to a score table: :func:`aggregate` and :func:`compare`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RuleError, preview
from rankagg.ranking import competition_ranks, kendall_tau_b, levels_from_scores, rank_table, top_k_overlap
from rankagg.results import ComparisonResult, RankingResult
from rankagg.rules import RULES, RuleInfo, RuleInput, get_rule
from rankagg.rules.majority import condorcet_winner, margins
from rankagg.table import ScoreTable, as_table

__all__ = ["aggregate", "compare"]

DEFAULT_COMPARE = ("mean", "borda", "copeland", "kemeny")


def _partial_rules() -> list[str]:
    return [name for name, info in RULES.items() if info.partial_ok]


def _check_partial(table: ScoreTable, info: RuleInfo) -> None:
    if table.has_missing and not info.partial_ok:
        raise RuleError(
            f"rule {info.name!r} does not accept partial rankings, and this table keeps missing scores "
            "(missing='partial'); rebuild it with missing='drop_systems' or 'drop_tasks' "
            "(table.with_missing(...); CLI: --missing drop_systems), or use a rule that accepts partial rankings: "
            f"{', '.join(_partial_rules())}."
        )


def _run(table: ScoreTable, inp: RuleInput, info: RuleInfo, params: Mapping[str, Any]) -> RankingResult:
    _check_partial(table, info)
    full = info.check_params(params)
    out = info.func(inp, **{k: v for k, v in params.items()})
    scores = np.asarray(out.scores, dtype=np.float64)
    if scores.shape != (table.n_systems,) or not np.all(np.isfinite(scores)):
        raise RuleError(f"rule {info.name!r} returned invalid scores {scores!r}; this is a bug in the rule.")
    levels = out.levels if out.levels is not None else levels_from_scores(scores, higher_is_better=out.higher_is_better)
    ranks = competition_ranks(np.asarray(levels))
    scores.setflags(write=False)
    ranks.setflags(write=False)
    cw = condorcet_winner(margins(inp))
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
    )


def aggregate(
    table: ScoreTable,
    rule: str = "borda",
    *,
    atol: float = 0.0,
    rtol: float = 0.0,
    **params: Any,
) -> RankingResult:
    """Rank the systems of ``table`` with one rule.

    Parameters
    ----------
    table : ScoreTable
        Validated scores.
    rule : str, default "borda"
        Registered rule name or alias (see :func:`rankagg.list_rules`).
    atol, rtol : float, default 0
        Tie tolerances used to rank each task (see :func:`rankagg.rank_scores`);
        they do not affect rules that read raw scores (the mean family).
    **params
        Rule parameters (e.g. ``time_limit=10`` for Kemeny); unknown names raise.

    Returns
    -------
    RankingResult

    Raises
    ------
    RuleError
        Unknown rule or parameter; a rule that does not accept partial
        rankings on a table with missing scores; a score-averaging rule on
        tasks with mixed directions.

    Examples
    --------
    >>> import rankagg
    >>> t = rankagg.ScoreTable([[90.0, 0.30], [85.0, 0.60], [80.0, 0.50]], systems=["A", "B", "C"],
    ...                        tasks=["acc", "bleu"], higher_is_better=True)
    >>> rankagg.aggregate(t, rule="mean").ranking
    ['A', 'B', 'C']
    >>> res = rankagg.aggregate(t, rule="kemeny")  # A>B>C, B>A>C and B>C>A all lie at distance 2
    >>> res.diagnostics["kemeny_score"], res.diagnostics["optimal"], res.diagnostics["unique"]
    (2.0, True, False)
    """
    table = as_table(table)
    info = get_rule(rule)
    inp = RuleInput(table=table, rankings=rank_table(table, atol=atol, rtol=rtol))
    return _run(table, inp, info, params)


def compare(
    table: ScoreTable,
    rules: Sequence[str] = DEFAULT_COMPARE,
    *,
    reference: str = "mean",
    top_k: int | None = None,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> ComparisonResult:
    """Apply several rules to one table and show where they disagree with the reference (the mean).

    Parameters
    ----------
    table : ScoreTable
        Validated scores.
    rules : sequence of str
        Rules to compare. The reference is added when it is not listed.
    reference : str, default "mean"
        The rule the others are compared against.
    top_k : int, optional
        ``k`` for the top-k agreement (default ``min(3, n_systems)``).
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Parameters per rule, e.g. ``{"kemeny": {"time_limit": 10}}``.

    Returns
    -------
    ComparisonResult

    Examples
    --------
    >>> import rankagg
    >>> t = rankagg.ScoreTable([[0.2, 0.3, 95.0], [0.4, 0.5, 10.0], [0.3, 0.4, 20.0]],
    ...                        systems=["A", "B", "C"], tasks=["t1", "t2", "t3"], higher_is_better=True)
    >>> cmp = rankagg.compare(t, ["mean", "borda"])
    >>> cmp.ranks
            mean  borda
    system
    A          1      3
    C          2      2
    B          3      1
    >>> cmp.disagreements[["rule", "above_in_reference", "below_in_reference"]]
        rule above_in_reference below_in_reference
    0  borda                  A                  C
    1  borda                  A                  B
    2  borda                  C                  B
    """
    table = as_table(table)
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
    refusing = [n for n in names if table.has_missing and not RULES[n].partial_ok]
    if refusing:
        raise RuleError(
            f"rule(s) {preview(refusing)} do not accept partial rankings, and this table keeps missing scores "
            "(missing='partial'); rebuild it with missing='drop_systems' or 'drop_tasks' (CLI: --missing "
            f"drop_systems), or compare only rules that accept partial rankings: {', '.join(_partial_rules())}"
            + (" (and pass reference='win_rate'; CLI: --reference win_rate)." if not ref.partial_ok else ".")
        )
    inp = RuleInput(table=table, rankings=rank_table(table, atol=atol, rtol=rtol))
    results = {n: _run(table, inp, RULES[n], per_rule.get(n, {})) for n in names}

    systems = list(table.systems)
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

    wins, ties = inp.pairwise
    rows = []
    rr = results[ref.name].ranks
    for n in names:
        if n == ref.name:
            continue
        r = results[n].ranks
        above = (rr[:, None] < rr[None, :]) & (r[:, None] > r[None, :])
        for i, j in zip(*np.nonzero(above), strict=True):
            rows.append(
                {
                    "rule": n,
                    "above_in_reference": systems[i],
                    "below_in_reference": systems[j],
                    "reference_ranks": f"{int(rr[i])} > {int(rr[j])}",
                    "rule_ranks": f"{int(r[i])} < {int(r[j])}",
                    "tasks_won_by_reference_top": float(wins[i, j]),
                    "tasks_won_by_rule_top": float(wins[j, i]),
                    "tasks_tied": float(ties[i, j]),
                }
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
    dis = pd.DataFrame(rows, columns=cols)
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
        missing_policy=table.missing_policy,
    )
