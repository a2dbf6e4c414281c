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
from rankagg._instance_kernels import chunk_columns, code_dtype, count_codes, iter_chunks, rank_codes
from rankagg.battles import PairwiseProfile, finish_result
from rankagg.instances import InstanceTable, check_weighting
from rankagg.partial import ExpectedRuleInput
from rankagg.ranking import TaskRankings, _check_tol, levels_from_scores
from rankagg.results import ComparisonResult, RankingResult
from rankagg.rules import RuleInfo, RuleInput, get_rule
from rankagg.rules.majority import margins
from rankagg.table import ScoreTable

__all__ = ["LEVELS", "aggregate_instances", "compare_instances"]

LEVELS: tuple[str, ...] = ("one", "two")
# rules with a chunked fast path besides the pairwise-only ones
_FAST = ("mean", "borda", "partial_borda")


@dataclass
class _ColumnStats:
    """What one pass over a task column's instances accumulates (unweighted sums over its instances)."""

    wins: np.ndarray  # (n, n) int64: instances where i ranks strictly above j
    both: np.ndarray  # (n, n) int64: instances scoring both
    rank_sum: np.ndarray  # (n,) sum of ranks where scored
    score_sum: np.ndarray  # (n,) sum of raw scores where scored
    scored: np.ndarray  # (n,) instances scored
    exp_ratio: np.ndarray  # (n,) sum over scored instances of rank / (k + 1)
    exp_wins: np.ndarray | None  # (n, n) expected wins involving an unscored system (pairwise="expected")
    exp_ties: np.ndarray | None  # (n, n) instances scoring neither
    size: int

    @property
    def ties(self) -> np.ndarray:
        t = (self.both - self.wins - self.wins.T).astype(np.float64)
        np.fill_diagonal(t, 0.0)
        return t


def _column_stats(
    table: InstanceTable, j: int, *, atol: float, rtol: float, chunk: int, expected: bool
) -> _ColumnStats:
    n = table.n_systems
    a0, b0 = int(table.offsets[j]), int(table.offsets[j + 1])
    sign = 1.0 if table.columns[j].higher_is_better else -1.0
    dtype = code_dtype(n)
    wins = np.zeros((n, n), dtype=np.int64)
    both = np.zeros((n, n), dtype=np.int64)
    rank_sum = np.zeros(n)
    score_sum = np.zeros(n)
    scored = np.zeros(n, dtype=np.int64)
    exp_ratio = np.zeros(n)
    exp_wins = np.zeros((n, n)) if expected else None
    exp_ties = np.zeros((n, n)) if expected else None
    for a, b in iter_chunks(a0, b0, chunk):
        block = table.scores[:, a:b]
        codes = rank_codes(block, sign, atol=atol, rtol=rtol, dtype=dtype)
        count_codes(codes, wins, both)
        width = b - a
        if bool(codes.all()):  # every system scored on every instance of the chunk: sums straight from the codes
            chunk_ranks = ((2 * n + 2) * width - codes.sum(axis=1, dtype=np.int64)) / 2.0
            rank_sum += chunk_ranks
            score_sum += block.sum(axis=1)
            scored += width
            exp_ratio += chunk_ranks / (n + 1.0)
            continue
        present = codes > 0
        ranks = np.where(present, (2 * n + 2 - codes.astype(np.float64)) / 2.0, 0.0)
        rank_sum += ranks.sum(axis=1)
        score_sum += np.where(present, block, 0.0).sum(axis=1)
        scored += present.sum(axis=1)
        k = present.sum(axis=0).astype(np.float64)
        exp_ratio += (ranks / (k + 1.0)).sum(axis=1)
        if expected:
            unscored = (~present).astype(np.float64)
            above = np.where(present, (k + 1.0 - ranks) / (k + 1.0), 0.0)
            below = np.where(present, ranks / (k + 1.0), 0.0)
            exp_wins += above @ unscored.T + unscored @ below.T
            exp_ties += unscored @ unscored.T
    if exp_ties is not None:
        np.fill_diagonal(exp_ties, 0.0)
    return _ColumnStats(wins, both, rank_sum, score_sum, scored, exp_ratio, exp_wins, exp_ties, b0 - a0)


class _Pass:
    """The statistics of every task column, computed lazily once and shared by all rules of a call."""

    def __init__(
        self, table: InstanceTable, *, atol: float, rtol: float, chunk_size: int | None, max_memory: int | None
    ) -> None:
        _check_tol(atol, rtol)
        self.table = table
        self.atol = float(atol)
        self.rtol = float(rtol)
        self.chunk = chunk_columns(table.n_systems, chunk_size=chunk_size, max_memory=max_memory)
        self._stats: dict[tuple[int, bool], _ColumnStats] = {}

    def stats(self, j: int, *, expected: bool = False) -> _ColumnStats:
        key = (j, expected)
        if key not in self._stats:
            if not expected and (j, True) in self._stats:
                return self._stats[(j, True)]
            self._stats[key] = _column_stats(
                self.table, j, atol=self.atol, rtol=self.rtol, chunk=self.chunk, expected=expected
            )
        return self._stats[key]

    @cached_property
    def voter_ranks(self) -> np.ndarray:
        """Ranks of every instance voter (n, N); NaN where unscored. Materialised only for rules without a fast path."""
        t = self.table
        n = t.n_systems
        out = np.empty(t.scores.shape)
        for j, col in enumerate(t.columns):
            sign = 1.0 if col.higher_is_better else -1.0
            for a, b in iter_chunks(int(t.offsets[j]), int(t.offsets[j + 1]), self.chunk):
                codes = rank_codes(t.scores[:, a:b], sign, atol=self.atol, rtol=self.rtol, dtype=code_dtype(n))
                r = (2 * n + 2 - codes.astype(np.float64)) / 2.0
                r[codes == 0] = np.nan
                out[:, a:b] = r
        out.setflags(write=False)
        return out


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
    from rankagg.aggregate import _check_pairwise

    level = "one" if level is None else level
    if level not in LEVELS:
        hint = " ('task' is for score tables; an instance table is aggregated at level 'one' or 'two')"
        raise RankaggError(
            f"level={level!r}: use 'one' (every instance a voter) or 'two' (instances -> tasks -> overall)"
            f"{hint if level == 'task' else ''}.{did_you_mean(str(level), LEVELS)}"
        )
    _check_pairwise(pairwise)
    if level == "one" and (inner is not None or outer is not None):
        raise RankaggError(
            "inner/outer: only used with level='two' (instances -> tasks -> overall); with level='one' pass the rule "
            "as rule=..."
        )
    return level


def _check_pairwise_mode(info: RuleInfo, pairwise: str) -> None:
    from rankagg.aggregate import _check_pairwise

    _check_pairwise(pairwise, info)


def _refuse_partial(has_missing: bool, info: RuleInfo, where: str, table: Any = None, *, inner: bool = False) -> None:
    if has_missing and not info.partial_ok:
        from rankagg.aggregate import _partial_rules, _rebuild_advice

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
    run: _Pass,
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
    if info.pairwise_ok or name in _FAST:
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


def _voter_input(run: _Pass, cols: Sequence[int], rows: np.ndarray, weights: np.ndarray) -> Any:
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


def _one_level(
    run: _Pass, info: RuleInfo, params: Mapping[str, Any], *, weighting: str, pairwise: str, voter: Any
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
def _inner_table(
    run: _Pass, info: RuleInfo, params: Mapping[str, Any], *, pairwise: str
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


def _two_level_fields(t: InstanceTable, run: _Pass, inner: str, pairwise: str) -> dict[str, Any]:
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


def _outer_name(rule: str, outer: str | None) -> str:
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
    run = _Pass(table, atol=atol, rtol=rtol, chunk_size=chunk_size, max_memory=max_memory)
    if level == "one":
        if inner_params:
            raise RankaggError("inner_params: only used with level='two'; pass the rule's parameters as keywords.")
        weighting = check_weighting("per_task" if instance_weighting is None else instance_weighting)
        sizes = np.diff(table.offsets).astype(np.float64)
        per = table.weights / sizes if weighting == "per_task" else table.weights
        voter = _voter_input(run, list(range(table.n_columns)), np.arange(table.n_systems), per)
        return _one_level(run, get_rule(rule), params, weighting=weighting, pairwise=pairwise, voter=voter)
    if instance_weighting is not None:
        raise RankaggError(
            "instance_weighting: only used with level='one' (with level='two' each task's instances are aggregated "
            "by the inner rule, and tasks weigh their task weight)."
        )
    inner_info = get_rule("mean" if inner is None else inner)
    outer_name = _outer_name(rule, outer)
    outer_table, inner_ranks = _inner_table(run, inner_info, dict(inner_params or {}), pairwise=pairwise)
    from rankagg.aggregate import aggregate

    res = aggregate(outer_table, rule=outer_name, pairwise=pairwise, **dict(params))
    diag = dict(res.diagnostics)
    diag["inner_ranks"] = inner_ranks
    from types import MappingProxyType

    res = dataclasses.replace(
        res,
        diagnostics=MappingProxyType(diag),
        outer=outer_name,
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
    from rankagg.aggregate import _assemble_comparison, _comparison_plan, compare

    level = _check_options(level, pairwise, inner, None)
    run = _Pass(table, atol=atol, rtol=rtol, chunk_size=chunk_size, max_memory=max_memory)
    if level == "two":
        if instance_weighting is not None:
            raise RankaggError("instance_weighting: only used with level='one'.")
        inner_info = get_rule("mean" if inner is None else inner)
        outer_table, inner_ranks = _inner_table(run, inner_info, dict(inner_params or {}), pairwise=pairwise)
        cmp = compare(outer_table, rules, reference=reference, top_k=top_k, params=params, pairwise=pairwise)
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
        n: _one_level(run, get_rule(n), per_rule.get(n, {}), weighting=weighting, pairwise=pairwise, voter=voter)
        for n in names
    }
    counts = _pooled_counts(run, per, pairwise)
    return _assemble_comparison(table.systems, names, ref, results, counts, top_k, table.missing_policy, level="one")


def pooled_pairwise(
    table: InstanceTable,
    *,
    instance_weighting: str,
    atol: float,
    rtol: float,
    pairwise: str,
    chunk_size: int | None,
    max_memory: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`InstanceTable.pairwise`: the weighted pairwise counts of the pooled instance voters."""
    from rankagg.aggregate import _check_pairwise

    _check_pairwise(pairwise)
    run = _Pass(table, atol=atol, rtol=rtol, chunk_size=chunk_size, max_memory=max_memory)
    sizes = np.diff(table.offsets).astype(np.float64)
    per = table.weights / sizes if instance_weighting == "per_task" else table.weights
    return _pooled_counts(run, per, pairwise)


def _pooled_counts(run: _Pass, per: np.ndarray, pairwise: str) -> tuple[np.ndarray, np.ndarray]:
    t = run.table
    n = t.n_systems
    wins = np.zeros((n, n))
    ties = np.zeros((n, n))
    expected = pairwise == "expected"
    for j, w in enumerate(per):
        st = run.stats(j, expected=expected)
        wins += w * st.wins
        ties += w * st.ties
        if expected and st.exp_wins is not None:
            wins += w * st.exp_wins
            ties += w * st.exp_ties
    return wins, ties
