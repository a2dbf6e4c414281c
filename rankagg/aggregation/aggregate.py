"""Apply rules to a score table: :func:`aggregate` and :func:`compare`.

Both also take instance-level data (:class:`~rankagg.InstanceTable`, aggregated
at ``level="one"`` or ``"two"``, see :mod:`rankagg.aggregation.levels`) and pairwise data
(a battle log or :class:`~rankagg.data.battles.PairwiseProfile`, see
:mod:`rankagg.data.battles`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, RuleError
from rankagg._threads import one_blas_thread
from rankagg.aggregation.backends import engine_for
from rankagg.aggregation.battles import aggregate_profile, check_connected, check_pairwise_rule
from rankagg.aggregation.levels import aggregate_instances, compare_instances
from rankagg.aggregation.results import ComparisonResult, RankingResult
from rankagg.aggregation.tables import (
    _assemble_comparison,
    _check_level_options,
    _comparison_plan,
    aggregate_table,
    check_pairwise,
    compare_table,
)
from rankagg.data.battles import PairwiseProfile, is_battle_frame
from rankagg.data.battles import pairwise_from_battles as _pairwise_from_battles
from rankagg.data.design import check_comparison_design
from rankagg.data.instances import InstanceTable
from rankagg.data.table import ScoreTable
from rankagg.rules import RULES, get_rule

__all__ = ["DEFAULT_COMPARE", "aggregate", "compare", "default_compare_rules"]

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


def _as_profile(data: Any) -> PairwiseProfile | None:
    if isinstance(data, PairwiseProfile):
        return data
    if is_battle_frame(data):
        return _pairwise_from_battles(data)
    return None


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
    backend: str | None = None,
    scheduler: Any = None,
    **params: Any,
) -> RankingResult:
    """Rank the systems of ``table`` with one rule.

    Parameters
    ----------
    table : ScoreTable, InstanceTable, PairwiseProfile or battle DataFrame
        Validated scores; instance-level scores; or pairwise data (a
        :class:`~rankagg.data.battles.PairwiseProfile`, or a battle log with
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
        :mod:`rankagg.rankings.partial`). For the rules that read pairwise preferences.
    chunk_size, max_memory : int, optional
        Instance-level data: instances per chunk, or a bound in bytes on the
        working memory of the chunked passes (default 256 MiB).
    backend : {"local", "dask"}, optional
        Where to run: in this process (default), or on a Dask cluster (``pip install 'rankagg[dask]'``), which a
        Dask collection, a :class:`~rankagg.distributed.frames.DistributedInstances` or a
        :class:`~rankagg.distributed.battles.DistributedBattles` selects by themselves. The same result: counts
        are reduced over the partitions, then the same rules run (see :mod:`rankagg.distributed`).
    scheduler : str or distributed.Client, optional
        ``backend="dask"``: a scheduler address or client (default: the current client, the Dask configuration,
        else a local cluster).
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
    engine = engine_for(table, backend, scheduler)
    if engine is not None:
        return engine.aggregate(
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
            scheduler=scheduler,
            params=params,
        )
    if isinstance(table, InstanceTable):
        check_comparison_design(table)
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
        check_pairwise(pairwise)
        if pairwise == "expected":
            raise RankaggError(
                "pairwise='expected' completes partial rankings; battle data has no rankings to complete (pairs that "
                "never met count as ties)."
            )
        with one_blas_thread():
            return aggregate_profile(profile, rule, params)
    return aggregate_table(
        table,
        rule,
        atol=atol,
        rtol=rtol,
        pairwise=pairwise,
        params=params,
        level=level,
        inner=inner,
        outer=outer,
        inner_params=inner_params,
        instance_weighting=instance_weighting,
    )


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
    backend: str | None = None,
    scheduler: Any = None,
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
    backend, scheduler
        As in :func:`aggregate`: ``backend="dask"`` counts once on the cluster for every rule.

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
    engine = engine_for(table, backend, scheduler)
    if engine is not None:
        return engine.compare(
            table,
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
            chunk_size=chunk_size,
            max_memory=max_memory,
            scheduler=scheduler,
        )
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
    if isinstance(table, InstanceTable):
        check_comparison_design(table)
        return compare_instances(table, rules, reference=reference, **opts)
    top_k, params = opts["top_k"], opts["params"]
    level, inner, inner_params = opts["level"], opts["inner"], opts["inner_params"]
    instance_weighting, pairwise = opts["instance_weighting"], opts["pairwise"]
    profile = _as_profile(table)
    if profile is not None:
        _check_level_options(level, inner, None, inner_params, instance_weighting, what="battles")
        check_pairwise(pairwise)
        names, ref, per_rule = _comparison_plan(rules, reference, params)
        for n in names:
            hint = " (it is the reference: pass reference='bradley_terry')" if n == ref.name else ""
            check_pairwise_rule(RULES[n], "battle data" + hint)
        check_connected(profile)
        results = {n: aggregate_profile(profile, n, per_rule.get(n, {})) for n in names}
        return _assemble_comparison(
            profile.systems, names, ref, results, profile.pairwise, top_k, "raise", level="battles", inner=None
        )
    return compare_table(table, rules, reference, opts)
