"""Bootstrap rank uncertainty for any registered rule.

Resampling tasks with replacement is the same as re-weighting them by how
many times each was drawn (a task drawn twice weighs twice; the registry's
common suite checks that weight 2 equals a duplicated task for every rule).
So every resample is the original table with integer multipliers on the task
weights, which is what makes the fast paths possible: score-based and
positional rules become one matrix product over all resamples, and rules that
need a solver (Kemeny) solve each *distinct* resample once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from types import MappingProxyType
from typing import Any

import numpy as np

from rankagg._errors import RankaggError, did_you_mean
from rankagg.aggregation.aggregate import aggregate
from rankagg.data.table import ScoreTable, as_table, rank_table
from rankagg.rankings.orders import competition_ranks
from rankagg.rules import RuleInput, get_rule
from rankagg.uncertainty.bootstrap_instances import _bootstrap_instances
from rankagg.uncertainty.bootstrap_result import BootstrapResult
from rankagg.uncertainty.resampling import (
    _TASK_WINS,
    _WARM_START,
    DEFAULT_MAX_MEMORY,
    PLANNED_RESAMPLE_KINDS,
    RESAMPLE_KINDS,
    _check_counts,
    _check_memory,
    _check_run,
    _init_worker,
    _n_distinct_rows,
    _one_blas_thread,
    _Progress,
    _ranks_from_scores,
    _solve_job,
    _solve_one,
    _task_wins,
    _units,
    _valid_partial,
    check_rng,
    resample_counts,
    resample_mapper,
)

__all__ = ["bootstrap"]


def _check_full(full: Any, rule: str, systems: tuple[str, ...], atol: float, rtol: float) -> None:
    """``bootstrap(full=...)``: the result must be the rule's, on the same systems, with the same tolerances."""
    got = (getattr(full, "rule", None), tuple(getattr(full, "systems", ())), getattr(full, "atol", None))
    if got[0] != rule:
        raise RankaggError(
            f"full: the result of rule {got[0]!r} was given for a bootstrap of {rule!r}; pass the "
            f"{rule!r} result of the same table, or leave full out."
        )
    if got[1] != tuple(systems):
        raise RankaggError(
            "full: the result ranks other systems than the table (or in another order); pass the "
            "result of aggregate() on this very table, or leave full out."
        )
    if (full.atol, full.rtol) != (atol, rtol):
        raise RankaggError(
            f"full: the result was ranked with atol={full.atol}, rtol={full.rtol}, the bootstrap "
            f"with atol={atol}, rtol={rtol}; give the same tolerances, or leave full out."
        )


_BATCH_ROWS = 2048  # resamples per job of a rule's batch form when they are farmed out (farm_resamples)


def _batch_ranks(shared: tuple[RuleInput, Any, dict[str, Any]], counts: np.ndarray) -> np.ndarray:
    """Ranks of the rule's batch form (``RuleInfo.batch``) on rows of task multiplicities."""
    inp, info, run_params = shared
    with _one_blas_thread():  # one product: BLAS threads gain little here and, on a busy machine, wait a lot
        scores, hib = info.batch(inp, counts * inp.table.weights[None, :], **dict(run_params))
    return _ranks_from_scores(scores, higher_is_better=hib)


def _solve_shared(shared: tuple[RuleInput, Any, dict[str, Any]], job: tuple[np.ndarray, int | None]) -> np.ndarray:
    """One distinct resample's levels (what ``_solve_one`` computes), for :func:`farm_resamples`."""
    return _solve_one((*shared, *job))


# ----------------------------------------------------------------------------- entry point
def bootstrap(
    table: ScoreTable,
    rule: str = "borda",
    *,
    resample: str | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    atol: float = 0.0,
    rtol: float = 0.0,
    fast: bool = True,
    n_jobs: int = 1,
    progress: bool | None = None,
    counts: Any = None,
    level: str | None = None,
    inner: str | None = None,
    outer: str | None = None,
    instance_weighting: str | None = None,
    inner_params: Mapping[str, Any] | None = None,
    max_memory: float = DEFAULT_MAX_MEMORY,
    full: Any = None,
    rng: int | np.random.Generator | None = None,
    **params: Any,
) -> BootstrapResult:
    """Bootstrap the consensus ranking of any registered rule.

    Parameters
    ----------
    table : ScoreTable or InstanceTable
        The scores: one per system and task, or per system, task and
        instance (or seed / fold).
    rule : str, default "borda"
        Registered rule name.
    resample : {"tasks", "instances", "both", "seeds"}, optional
        What to resample with replacement. ``"tasks"`` asks how much the
        ranking depends on which tasks the benchmark happens to contain;
        ``"instances"`` (instance-level tables) how much it depends on which
        test instances each task happens to contain (stratified: each task's
        instances are resampled among themselves, keeping its size);
        ``"both"`` draws the tasks, then the instances of the drawn tasks (a
        task drawn several times weighs that many times, with one draw of its
        instances); ``"seeds"`` is ``"instances"`` for tables whose instances
        are seeds or folds of repeated runs. Default: ``"tasks"`` for a
        ScoreTable; for an InstanceTable ``"both"`` when it has at least
        :data:`MIN_UNITS` (5) task columns, else ``"instances"`` (with fewer
        tasks, resampling them says little). The result records it.

        A unit with one level (one task column for ``"tasks"``; a single
        instance per task for ``"instances"``) cannot vary: every resample
        would be the full data and every interval a point, so the bootstrap
        refuses and names the unit that varies. With fewer than
        :data:`MIN_UNITS` units it runs, issues a
        :class:`rankagg.BootstrapWarning` and records why in ``result.note``.
    n_resamples : int, default 1000
        Number of resamples (ignored when ``counts`` is given).
    confidence : float, default 0.95
        Level of rank intervals and of indistinguishable groups.
    atol, rtol : float
        Tie tolerances for ranking each task.
    fast : bool, default True
        Use the vectorised path for rules that have one (mean family,
        positional rules, Copeland; the results are the same), and solve
        Kemeny on each resample warm-started from the full-data order
        (proven optima are the same; when several orders are optimal, which
        one is returned may differ). ``False`` runs the registered rule on
        each distinct resample from scratch.
    n_jobs : int, default 1
        Worker processes for rules solved per resample (-1: all cores).
        Results do not depend on it.
    progress : bool, optional
        Show a progress bar on stderr; by default only on an interactive
        terminal for runs longer than two seconds.
    max_memory : float, default 4 GiB
        Bound, in bytes, on the memory the run may allocate. It is estimated
        before anything is drawn, and a larger run is refused with the
        estimate and a number of resamples that fits.
    counts : array_like of int, shape (n_resamples, n_task_columns), optional
        Use these resamples instead of drawing them: how many times each task
        column is drawn in each resample (``result.counts`` of another run:
        several rules on the same resamples, for paired comparisons).
    full : RankingResult, optional
        Score tables only: the rule's result on this same table, with the same
        tolerances and parameters, when the caller already has it (e.g.
        ``compare(table, [..., "kemeny"]).results["kemeny"]``). It is the
        full-data ranking of the run instead of solving the rule again, so the
        intervals refer to the ranking shown next to them and a slow rule is
        solved once.
    rng : int or numpy.random.Generator, optional
        Source of randomness, for the resamples and for randomised rules
        (each resample gets its own spawned seed, so runs are reproducible
        whatever ``n_jobs``). None draws a fresh seed and records it in
        ``result.seed``: ``rng=result.seed`` repeats the run.
    level, inner, outer, instance_weighting, inner_params
        Instance-level tables only: how to aggregate each resample, as in
        :func:`rankagg.aggregate`.
    **params
        Rule parameters.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    RankaggError
        A resampling unit with one level, a run that would not fit in
        ``max_memory``, an ``rng`` that is not a seed or a Generator, and the
        rule's own errors.

    Warns
    -----
    BootstrapWarning
        Fewer than :data:`MIN_UNITS` units to resample.

    Examples
    --------
    >>> import rankagg
    >>> res = rankagg.bootstrap(rankagg.load_example("toy"), "borda", n_resamples=200, rng=0)
    >>> res.to_frame()[["system", "rank", "rank_low", "rank_high"]].head(3)
        system  rank  rank_low  rank_high
    0   Osprey     1         1          2
    1    Heron     2         1          2
    2  Kestrel     3         3          4
    """
    t0 = time.perf_counter()
    from rankagg.data.battles import PairwiseProfile, is_battle_frame
    from rankagg.data.instances import InstanceTable
    from rankagg.uncertainty.battles import bootstrap_battles

    if full is not None and (isinstance(table, (PairwiseProfile, InstanceTable)) or is_battle_frame(table)):
        raise RankaggError("full: a precomputed full-data result is taken for score tables only; leave it out.")
    if isinstance(table, PairwiseProfile) or is_battle_frame(table):  # battles: uncertainty.battles
        if atol or rtol or level or inner or outer or instance_weighting or inner_params:
            raise RankaggError(
                "atol, rtol, level, inner, outer, instance_weighting, inner_params: options of score "
                "tables; a battle log has no scores or instances to apply them to, leave them out."
            )
        if resample in (None, "battles", "battles_by_pair"):
            kw = {"n_resamples": n_resamples, "confidence": confidence, "n_jobs": n_jobs, "progress": progress}
            return bootstrap_battles(
                table, rule, resample=resample or "battles", counts=counts, rng=rng, **kw, **params
            )
        raise RankaggError(
            f"resample={resample!r}: a battle log is resampled over its battles: use resample='battles' (drawn with "
            "replacement, Chatbot Arena's bootstrap) or 'battles_by_pair' (within each pair)."
        )
    if isinstance(table, InstanceTable):
        return _bootstrap_instances(
            table,
            rule,
            resample=resample,
            n_resamples=n_resamples,
            confidence=confidence,
            atol=atol,
            rtol=rtol,
            fast=fast,
            n_jobs=n_jobs,
            progress=progress,
            rng=rng,
            level=level,
            inner=inner,
            outer=outer,
            instance_weighting=instance_weighting,
            inner_params=inner_params,
            max_memory=max_memory,
            params=params,
            t0=t0,
        )
    if level is not None or inner is not None or outer is not None or instance_weighting is not None:
        raise RankaggError(
            "level/inner/outer/instance_weighting apply to instance-level tables (rankagg.InstanceTable); "
            "this table has one score per system and task."
        )
    table = as_table(table)
    info = get_rule(rule)
    from rankagg.aggregation.tables import check_partial
    from rankagg.data.design import check_comparison_design

    check_partial(table, info)  # the rule's own refusal and the design's come before any resample is drawn
    check_comparison_design(table)
    resample = "tasks" if resample is None else resample
    if resample in PLANNED_RESAMPLE_KINDS:
        raise RankaggError(
            f"resample={resample!r} ({PLANNED_RESAMPLE_KINDS[resample]}) needs instance-level scores, one per "
            "system, task and instance or seed, and a ScoreTable holds one score per system and task; "
            "use resample='tasks'."
        )
    if resample not in RESAMPLE_KINDS:
        known = (*RESAMPLE_KINDS, *PLANNED_RESAMPLE_KINDS)
        raise RankaggError(
            f"resample={resample!r}: unknown; a ScoreTable can be resampled over "
            f"{', '.join(map(repr, RESAMPLE_KINDS))}.{did_you_mean(str(resample), known)}"
        )
    b, confidence, n_jobs = _check_run(n_resamples if counts is None else 1, confidence, n_jobs)
    gen, seed_record = check_rng(rng)
    n, m = table.n_systems, table.n_columns
    if counts is None:
        # counts and the draw's temporaries (6 arrays of m), scores, ranks and their sort (7 of n), 8-byte numbers
        # (measured: 418 MiB for 2,000,000 Borda resamples of 3 systems x 2 tasks, estimated 503 MiB)
        _check_memory(b, 8.0 * (6 * m + 7 * n), max_memory, f"{m} task columns and {n} systems")
    n_units, note = _units(resample, m, None, table.labels)

    info.check_params(params)
    valid = _valid_partial(~np.isnan(table.scores), table.systems) if table.has_missing else None
    if counts is None:
        counts = resample_counts(m, b, rng=gen, valid=valid)
    else:
        counts = _check_counts(counts, m, valid)
    uses_rng = "rng" in info.params
    # randomised rules: one spawned seed for the full data and one per distinct resample
    rule_seeds = np.random.SeedSequence(int(gen.integers(0, 2**63 - 1))) if uses_rng else None
    full_seed = {"rng": int(rule_seeds.spawn(1)[0].generate_state(1)[0])} if rule_seeds is not None else {}
    if full is None:
        full = aggregate(table, rule=info.name, atol=atol, rtol=rtol, **params, **full_seed)
    else:
        _check_full(full, info.name, table.systems, atol, rtol)
    full_params = dict(full.params)
    inp = RuleInput(table=table, rankings=rank_table(table, atol=atol, rtol=rtol))
    base_params = {k: v for k, v in full_params.items() if k != "rng"}
    run_params = dict(params)
    run_params.pop("rng", None)
    if info.warm is not None and fast:  # the rule's warm start from its full-data result (RuleInfo.warm)
        run_params[_WARM_START] = full
        if full.diagnostics.get("tiers_exact") is False:  # say where a resample's strict order is a choice
            note = "; ".join(
                x
                for x in (
                    note,
                    "resamples keep the order found between neighbours of blocks of more than 12 systems (ties "
                    "proven only within smaller blocks, for interchangeable systems and zero-margin neighbours)",
                )
                if x
            )
        task_wins = _task_wins(inp.rankings.ranks)
        if task_wins is not None:
            run_params[_TASK_WINS] = task_wins

    if fast and info.batch is not None and not (table.has_missing and not info.partial_ok):
        mapper = resample_mapper()
        if mapper is None:
            ranks = _batch_ranks((inp, info, run_params), counts)
        else:  # farmed out in blocks of rows: each row's ranks depend on that row only
            rows = range(0, counts.shape[0], _BATCH_ROWS)  # (b is 1 when counts are given)
            blocks = mapper(_batch_ranks, (inp, info, run_params), [counts[a : a + _BATCH_ROWS] for a in rows])
            ranks = np.concatenate(list(blocks))
        n_distinct = _n_distinct_rows(counts)
    else:
        uniq, inverse = np.unique(counts, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).ravel()
        n_distinct = int(uniq.shape[0])
        seeds: list[int | None]
        if rule_seeds is not None:
            seeds = [int(c.generate_state(1)[0]) for c in rule_seeds.spawn(n_distinct)]
        else:
            seeds = [None] * n_distinct
        jobs = [(uniq[k], seeds[k]) for k in range(n_distinct)]
        bar = _Progress(n_distinct, progress, f"bootstrap {info.name}")
        levels_u = np.empty((n_distinct, table.n_systems), dtype=np.int64)
        mapper = resample_mapper()
        if mapper is not None:  # the same jobs, solved wherever the mapper sends them (farm_resamples)
            for k, lev in enumerate(mapper(_solve_shared, (inp, info, run_params), jobs)):
                levels_u[k] = lev
                bar.update(k + 1)
        elif n_jobs == 1 or n_distinct < 2 * n_jobs:
            with _one_blas_thread():
                for k, (cnt, seed) in enumerate(jobs):
                    levels_u[k] = _solve_one((inp, info, run_params, cnt, seed))
                    bar.update(k + 1)
        else:
            with ProcessPoolExecutor(
                max_workers=int(n_jobs), initializer=_init_worker, initargs=(inp, info, run_params)
            ) as ex:
                # small chunks: the last one, which one worker finishes while the others wait, stays short
                chunk = max(1, n_distinct // (32 * int(n_jobs)))
                for k, lev in enumerate(ex.map(_solve_job, jobs, chunksize=chunk)):
                    levels_u[k] = lev
                    bar.update(k + 1)
        bar.update(n_distinct)
        bar.close()
        ranks = competition_ranks(levels_u)[inverse]
    ranks = np.asarray(ranks, dtype=np.int64)
    ranks.setflags(write=False)
    counts.setflags(write=False)
    return BootstrapResult(
        rule=info.name,
        params=MappingProxyType(base_params),
        resample=resample,
        systems=table.systems,
        full_ranks=np.asarray(full.ranks),
        ranks=ranks,
        counts=counts,
        confidence=float(confidence),
        missing_policy=table.missing_policy,
        seed=seed_record,
        n_distinct=n_distinct,
        time_seconds=time.perf_counter() - t0,
        n_units=n_units,
        note=note,
    )
