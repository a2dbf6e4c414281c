"""Apply rules to a score table: :func:`aggregate` and :func:`compare`.

Both also take instance-level data (:class:`~rankagg.InstanceTable`, aggregated
at ``level="one"`` or ``"two"``, see :mod:`rankagg._levels`) and pairwise data
(a battle log or :class:`~rankagg.battles.PairwiseProfile`, see
:mod:`rankagg.battles`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, RuleError, did_you_mean, preview
from rankagg._threads import one_blas_thread
from rankagg.battles import PairwiseProfile, aggregate_profile, check_connected, check_pairwise_rule, is_battle_frame
from rankagg.battles import pairwise_from_battles as _pairwise_from_battles
from rankagg.instances import InstanceTable
from rankagg.partial import PAIRWISE_MODES, ExpectedRuleInput
from rankagg.ranking import competition_ranks, kendall_tau_b, levels_from_scores, rank_table, top_k_overlap
from rankagg.results import ComparisonResult, RankingResult
from rankagg.rules import RULES, RuleInfo, RuleInput, get_rule
from rankagg.rules.majority import condorcet_winner_of
from rankagg.table import ScoreTable, as_table, check_comparison_design, missing_fixes, viable_policies

__all__ = ["aggregate", "compare", "default_compare_rules"]

DEFAULT_COMPARE = ("mean", "borda", "copeland", "kemeny")


def default_compare_rules(table: Any) -> tuple[tuple[str, ...], str]:
    """The rules :func:`compare` uses when none are given, and why: ``(rules, reason)``.

    The mean, Borda, Copeland and Kemeny, with substitutes that work on the
    table at hand: on pairwise data (battles) Bradley-Terry instead of the two
    score-based rules; where tasks have different directions the z-score mean
    (raw scores cannot be averaged across directions); on a table that keeps
    missing scores (``missing="partial"``) HELM's mean win rate and Borda over
    compatible completions (``partial_borda``). ``reason`` is empty when the
    classic four are used.

    Examples
    --------
    >>> import rankagg
    >>> rankagg.default_compare_rules(rankagg.load_example("toy"))
    (('mean', 'borda', 'copeland', 'kemeny'), '')
    """
    if _as_profile(table) is not None:
        return ("bradley_terry", "copeland", "kemeny"), "pairwise data (battles) have no scores to average"
    if isinstance(table, pd.DataFrame):
        return DEFAULT_COMPARE, ""
    if table.has_missing:
        return (
            ("win_rate", "partial_borda", "copeland", "kemeny"),
            "the table keeps missing scores (missing='partial'): the mean and Borda need every score",
        )
    hib = np.asarray(table.higher_is_better)
    if hib.any() and not hib.all():
        return (
            ("zscore_mean", "borda", "copeland", "kemeny"),
            "tasks have different directions: raw scores cannot be averaged across directions",
        )
    return DEFAULT_COMPARE, ""


def _partial_rules() -> list[str]:
    return [name for name, info in RULES.items() if info.partial_ok]


def _check_partial(table: ScoreTable, info: RuleInfo) -> None:
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


def _check_pairwise(pairwise: str, info: RuleInfo | None = None) -> None:
    if pairwise not in PAIRWISE_MODES:
        raise RankaggError(
            f"pairwise={pairwise!r}: use 'observed' (a voter counts for the pairs it ranks) or 'expected' (over the "
            "compatible completions of partial rankings, Himmi et al. 2024)."
            f"{did_you_mean(str(pairwise), PAIRWISE_MODES)}"
        )
    if info is not None and pairwise == "expected" and not info.pairwise_ok and info.name != "partial_borda":
        raise RuleError(
            f"pairwise='expected' changes the pairwise matrix, which rule {info.name!r} does not read; use it with "
            "copeland, minimax, schulze, ranked_pairs, kemeny or bradley_terry, or use rule 'partial_borda' (Borda "
            "over the same completions)."
        )


def _rule_input(table: ScoreTable, atol: float, rtol: float, pairwise: str) -> RuleInput:
    cls = ExpectedRuleInput if pairwise == "expected" else RuleInput
    return cls(table=table, rankings=rank_table(table, atol=atol, rtol=rtol))


def _as_profile(data: Any) -> PairwiseProfile | None:
    if isinstance(data, PairwiseProfile):
        return data
    if is_battle_frame(data):
        return _pairwise_from_battles(data)
    return None


def _run(table: ScoreTable, inp: RuleInput, info: RuleInfo, params: Mapping[str, Any]) -> RankingResult:
    _check_partial(table, info)
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


def aggregate(
    table: ScoreTable | InstanceTable | PairwiseProfile | pd.DataFrame,
    rule: str = "borda",
    *,
    atol: float = 0.0,
    rtol: float = 0.0,
    level: str | None = None,
    inner: str | None = None,
    outer: str | None = None,
    inner_params: Mapping[str, Any] | None = None,
    instance_weighting: str | None = None,
    pairwise: str = "observed",
    chunk_size: int | None = None,
    max_memory: int | None = None,
    **params: Any,
) -> RankingResult:
    """Rank the systems of ``table`` with one rule.

    Parameters
    ----------
    table : ScoreTable, InstanceTable, PairwiseProfile or battle DataFrame
        Validated scores; instance-level scores; or pairwise data (a
        :class:`~rankagg.battles.PairwiseProfile`, or a battle log with
        ``system_a, system_b, winner`` columns as read by
        :func:`rankagg.io.read_battles`, which only pairwise rules rank).
    rule : str, default "borda"
        Registered rule name or alias (see :func:`rankagg.list_rules`). With
        ``level="two"``: the outer rule, unless ``outer`` is given.
    atol, rtol : float, default 0
        Tie tolerances used to rank each task (each instance, for
        instance-level data; see :func:`rankagg.rank_scores`); they do not
        affect rules that read raw scores (the mean family).
    level : {"one", "two"}, optional
        Instance-level data only (default ``"one"``). ``"one"``: every
        instance is a voter, pooled across tasks (weighted by
        ``instance_weighting``). ``"two"``: the ``inner`` rule aggregates each
        task column's instances into a task ranking (its scores and direction
        become a task column), then ``outer`` aggregates the tasks.
    inner : str, optional
        ``level="two"``: the rule applied to each task's instances (default
        ``"mean"``: the per-task mean, the classic leaderboard column).
    outer : str, optional
        ``level="two"``: the rule applied to the task rankings (default: ``rule``).
    inner_params : mapping, optional
        ``level="two"``: parameters of the inner rule (``**params`` go to the
        outer rule).
    instance_weighting : {"per_task", "uniform"}, optional
        ``level="one"``: ``"per_task"`` (default) gives every instance its task
        weight divided by the task's number of instances, so a task with more
        instances does not dominate; ``"uniform"`` gives every instance its task
        weight.
    pairwise : {"observed", "expected"}, default "observed"
        How the pairwise matrix treats a voter that does not rank both systems
        of a pair: it does not count (``"observed"``), or it counts with the
        probability of each order over the compatible completions of its
        partial ranking (``"expected"``, Himmi et al. 2024; see
        :mod:`rankagg.partial`). For the rules that read pairwise preferences.
    chunk_size, max_memory : int, optional
        Instance-level data: instances per chunk, or a bound in bytes on the
        working memory of the chunked passes (default 256 MiB).
    **params
        Rule parameters (e.g. ``time_limit=10`` for Kemeny); unknown names raise.

    Returns
    -------
    RankingResult
        With ``level``, ``inner``, ``outer``, ``instance_weighting``,
        ``pairwise`` and ``missing_policy`` recorded.

    Raises
    ------
    RuleError
        Unknown rule or parameter; a rule that does not accept partial
        rankings on a table with missing scores; a score-averaging rule on
        tasks with mixed directions; a rule that needs scores on pairwise data.

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

    Instance-level scores, pooled (one level) or per task first (two levels), and a battle log:

    >>> inst = rankagg.InstanceTable.from_arrays(
    ...     {"qa": [[1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]], "mt": [[0.3, 0.4], [0.5, 0.2], [0.1, 0.2]]},
    ...     systems=["A", "B", "C"], higher_is_better=True)
    >>> rankagg.aggregate(inst, rule="borda").ranking
    ['A', 'B', 'C']
    >>> res = rankagg.aggregate(inst, level="two", inner="mean", outer="kemeny")
    >>> res.level, res.inner, res.outer
    ('two', 'mean', 'kemeny')
    >>> import pandas as pd
    >>> log = pd.DataFrame({"system_a": ["A", "A", "B"], "system_b": ["B", "C", "C"], "winner": ["a", "a", "tie"]})
    >>> rankagg.aggregate(log, rule="bradley_terry").ranking
    ['A', 'B', 'C']
    """
    if isinstance(table, (ScoreTable, InstanceTable)):
        check_comparison_design(table)
    if isinstance(table, InstanceTable):
        from rankagg._levels import aggregate_instances

        return aggregate_instances(
            table,
            rule,
            atol=atol,
            rtol=rtol,
            level=level,
            inner=inner,
            outer=outer,
            inner_params=inner_params,
            instance_weighting=instance_weighting,
            pairwise=pairwise,
            chunk_size=chunk_size,
            max_memory=max_memory,
            params=params,
        )
    profile = _as_profile(table)
    if profile is not None:
        _check_level_options(level, inner, outer, inner_params, instance_weighting, what="battles")
        _check_pairwise(pairwise)
        if pairwise == "expected":
            raise RankaggError(
                "pairwise='expected' completes partial rankings; battle data has no rankings to complete (pairs that "
                "never met count as ties)."
            )
        with one_blas_thread():
            return aggregate_profile(profile, rule, params)
    table = as_table(table)
    _check_level_options(level, inner, outer, inner_params, instance_weighting)
    info = get_rule(rule)
    _check_pairwise(pairwise, info)
    inp = _rule_input(table, atol, rtol, pairwise)
    return _run(table, inp, info, params)


def compare(
    table: ScoreTable | InstanceTable | PairwiseProfile | pd.DataFrame,
    rules: Sequence[str] | None = None,
    *,
    reference: str | None = None,
    top_k: int | None = None,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    level: str | None = None,
    inner: str | None = None,
    inner_params: Mapping[str, Any] | None = None,
    instance_weighting: str | None = None,
    pairwise: str = "observed",
    chunk_size: int | None = None,
    max_memory: int | None = None,
) -> ComparisonResult:
    """Apply several rules to one table and show where they disagree with the reference (the mean).

    Parameters
    ----------
    table : ScoreTable, InstanceTable, PairwiseProfile or battle DataFrame
        Validated scores, instance-level scores or pairwise data (as in
        :func:`aggregate`; with pairwise data every rule, the reference
        included, must read pairwise preferences, e.g.
        ``reference="bradley_terry"``).
    rules : sequence of str, optional
        Rules to compare. The reference is added when it is not listed. By
        default the mean, Borda, Copeland and Kemeny, with substitutes where the
        table needs them (:func:`default_compare_rules`).
    reference : str, optional
        The rule the others are compared against; by default the first rule.
    top_k : int, optional
        ``k`` for the top-k agreement (default ``min(3, n_systems)``).
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Parameters per rule, e.g. ``{"kemeny": {"time_limit": 10}}``.
    level, inner, inner_params, instance_weighting, pairwise, chunk_size, max_memory
        As in :func:`aggregate`. With ``level="two"`` the compared rules are
        the outer rules, all fed by the same ``inner`` rule.

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
    if rules is None:
        rules = default_compare_rules(table)[0]
    if isinstance(rules, str):
        rules = [r.strip() for r in rules.split(",") if r.strip()]
    if not list(rules):
        raise RuleError("rules: give at least one rule to compare, e.g. ['mean', 'borda', 'kemeny'].")
    if reference is None:
        reference = str(next(iter(rules)))
    opts = {
        "top_k": top_k,
        "atol": atol,
        "rtol": rtol,
        "params": params,
        "level": level,
        "inner": inner,
        "inner_params": inner_params,
        "instance_weighting": instance_weighting,
        "pairwise": pairwise,
        "chunk_size": chunk_size,
        "max_memory": max_memory,
    }
    try:
        return _compare(table, list(rules), reference, opts)
    except RankaggError as exc:
        ref = get_rule(reference).name
        listed = {get_rule(r).name for r in rules}
        text = str(exc)
        if ref in listed or f"'{ref}'" not in text or "reference" in text:
            raise
        raise type(exc)(
            f"reference={ref!r} (CLI: --reference {ref}) cannot rank this table: {text} Pass another reference, "
            f"e.g. one of the compared rules ({', '.join(sorted(listed))})."
        ) from None


def _compare(table: Any, rules: list[str], reference: str, opts: dict[str, Any]) -> ComparisonResult:
    """:func:`compare` once the rules and the reference are settled (``opts``: its other options)."""
    if isinstance(table, (ScoreTable, InstanceTable)):
        check_comparison_design(table)
    if isinstance(table, InstanceTable):
        from rankagg._levels import compare_instances

        return compare_instances(table, rules, reference=reference, **opts)
    top_k, atol, rtol, params = opts["top_k"], opts["atol"], opts["rtol"], opts["params"]
    level, inner, inner_params = opts["level"], opts["inner"], opts["inner_params"]
    instance_weighting, pairwise = opts["instance_weighting"], opts["pairwise"]
    profile = _as_profile(table)
    if profile is not None:
        _check_level_options(level, inner, None, inner_params, instance_weighting, what="battles")
        _check_pairwise(pairwise)
        names, ref, per_rule = _comparison_plan(rules, reference, params)
        for n in names:
            hint = " (it is the reference: pass reference='bradley_terry')" if n == ref.name else ""
            check_pairwise_rule(RULES[n], "battle data" + hint)
        check_connected(profile)
        results = {n: aggregate_profile(profile, n, per_rule.get(n, {})) for n in names}
        return _assemble_comparison(
            profile.systems, names, ref, results, profile.pairwise, top_k, "raise", level="battles", inner=None
        )
    table = as_table(table)
    _check_level_options(level, inner, None, inner_params, instance_weighting)
    _check_pairwise(pairwise)
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
        _check_pairwise(pairwise, RULES[n])
    inp = _rule_input(table, atol, rtol, pairwise)
    results = {n: _run(table, inp, RULES[n], per_rule.get(n, {})) for n in names}
    return _assemble_comparison(table.systems, names, ref, results, inp.pairwise, top_k, table.missing_policy)


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


def _assemble_comparison(
    systems_in: Sequence[str],
    names: list[str],
    ref: RuleInfo,
    results: Mapping[str, RankingResult],
    counts: tuple[np.ndarray, np.ndarray],
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

    wins, ties = counts
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
        missing_policy=missing_policy,
        level=level,
        inner=inner,
    )
