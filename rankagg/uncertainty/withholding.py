"""Gaming by withholding: the best rank each system could reach by leaving out up to k of its own tasks,
under the board's missing-score policy (``partial``: its scores become missing; ``drop_tasks``: the task leaves the
board for everyone). Exact over every subset when there are at most ``max_subsets`` per system, otherwise greedy
(reported as "at least"). :func:`rankagg.audit` reports it.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError
from rankagg.aggregation.results import RankingResult
from rankagg.data.table import ScoreTable, rank_table
from rankagg.rankings.orders import TaskRankings, competition_ranks, levels_from_scores, rank_scores
from rankagg.rules import RuleInput, get_rule


# ---------------------------------------------------------------------------------------------- computing
def _rebuilt(table: ScoreTable, scores: np.ndarray, cols: Sequence[int], missing: str | None = None) -> ScoreTable:
    """The table's columns ``cols`` with ``scores`` (same systems, directions, weights, policy)."""
    columns = [table.columns[j] for j in cols]
    per_task = Counter(c.task for c in columns)
    # the rebuilt table labels a column "task:metric" only while its task keeps several columns, so the
    # directions are keyed by the new labels (keyed by the old ones, a task left with one column raised)
    return ScoreTable(
        scores[:, list(cols)],
        systems=list(table.systems),
        tasks=[c.task for c in columns],
        metrics=[c.metric for c in columns],
        higher_is_better={(c.label if per_task[c.task] > 1 else c.task): bool(c.higher_is_better) for c in columns},
        weights=[float(c.weight) for c in columns],
        missing=missing or table.missing_policy,  # type: ignore[arg-type]
    )


def _ranks_of(res: RankingResult, systems: Sequence[str]) -> np.ndarray:
    pos = {s: int(r) for s, r in zip(res.systems, res.ranks, strict=True)}
    return np.array([pos.get(s, 10**9) for s in systems], dtype=np.int64)


def _withholding(
    table: ScoreTable,
    rule: str,
    k: int,
    base: np.ndarray,
    *,
    atol: float,
    rtol: float,
    params: Mapping[str, Any],
    max_subsets: int,
    policy: str,
    only: Sequence[int] | None = None,
) -> tuple[pd.DataFrame | None, str]:
    """Best rank of each system when it withholds up to ``k`` of its scores under ``policy`` (see :func:`audit`)."""
    if k == 0:
        return None, "not computed (k = 0)"
    if policy == "raise":
        return None, (
            "not applicable under missing='raise' (a withheld score is an error, so no system can withhold one); "
            "audit the policy the board uses: withhold_missing='partial' or 'drop_tasks' (CLI: --withhold-missing)"
        )
    if policy == "drop_systems":
        return None, (
            "no gain possible under missing='drop_systems': a system that withholds a score is dropped from the board"
        )
    info = get_rule(rule)
    if policy == "partial" and not info.partial_ok:
        return None, (
            f"not computed: the rule {info.name} needs every score, so under missing='partial' a withheld score "
            "cannot be ranked; audit a rule that accepts partial rankings (e.g. rule='win_rate'; CLI: --rule)"
        )
    n, m = table.n_systems, table.n_columns
    scores = np.array(table.scores, dtype=np.float64)
    systems = list(table.systems)
    failed = [0]  # withholdings that leave a table the rule cannot rank
    cache: dict[Any, np.ndarray | None] = {}
    present = ~np.isnan(scores)
    shared = present.T.astype(np.int64) @ present.astype(np.int64)  # systems scored on both columns j and k

    def linked(i: int, w: Sequence[int]) -> bool:
        """Whether the systems still form one comparison group once system ``i`` withholds columns ``w``."""
        p_old = present[i].astype(np.int64)
        p_new = p_old.copy()
        p_new[list(w)] = 0
        k = shared - np.outer(p_old, p_old) + np.outer(p_new, p_new)
        alive = np.diag(k) > 0
        seen = np.zeros(m, dtype=bool)
        seen[np.argmax(alive)] = True
        while True:
            grown = seen | (k[seen] > 0).any(axis=0)
            if (grown == seen).all():
                break
            seen = grown
        return bool((seen == alive).all())

    full_ranks = rank_table(table, atol=atol, rtol=rtol) if policy == "partial" else None

    def rankings_of(sub: ScoreTable, changed: Sequence[int] | None) -> TaskRankings:
        """The per-column rankings of ``sub``: only the ``changed`` columns ranked again (partial), else all."""
        if changed is None or full_ranks is None:
            return sub.rank(atol=atol, rtol=rtol)
        ranks = np.array(full_ranks.ranks)
        for j in changed:
            ranks[:, j] = rank_scores(
                sub.scores[:, j], higher_is_better=bool(sub.columns[j].higher_is_better), atol=atol, rtol=rtol
            )
        ranks.setflags(write=False)
        return TaskRankings(sub.systems, sub.labels, ranks, np.asarray(sub.weights), atol=atol, rtol=rtol)

    def ranks_after(
        key: Any, sc: np.ndarray, cols: Sequence[int], changed: Sequence[int] | None = None
    ) -> np.ndarray | None:
        """Competition ranks of the rule on the rebuilt table (the rule itself: the table was checked above)."""
        if key in cache:
            return cache[key]
        out: np.ndarray | None
        try:
            sub = _rebuilt(table, sc, cols, policy)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = info.func(RuleInput(sub, rankings_of(sub, changed)), **params)
            levels = res.levels
            if levels is None:
                sc_out = np.asarray(res.scores, dtype=np.float64)
                levels = levels_from_scores(sc_out, higher_is_better=res.higher_is_better)
            out = competition_ranks(np.asarray(levels))
        except RankaggError:  # the withheld table cannot be ranked
            failed[0] += 1
            out = None
        cache[key] = out
        return out

    def search(i: int, candidates: list[int], evaluate: Any) -> tuple[int, tuple[int, ...], bool]:
        """Best (rank, withheld columns, exact) for system ``i`` over subsets of ``candidates``."""
        kk = min(k, len(candidates) - 1)  # keep at least one score
        best_rank, best_w = int(base[i]), ()
        if kk < 1:
            return best_rank, best_w, True
        total = sum(math.comb(len(candidates), s) for s in range(1, kk + 1))
        if total <= max_subsets:
            for size in range(1, kk + 1):
                for w in combinations(candidates, size):
                    r = evaluate(i, w)
                    if r is not None and r < best_rank:
                        best_rank, best_w = int(r), w
            return best_rank, best_w, True
        chosen: tuple[int, ...] = ()  # greedy: add the column that helps most, k times
        for _ in range(kk):
            step = None
            for j in candidates:
                if j in chosen:
                    continue
                r = evaluate(i, (*chosen, j))
                if r is not None and (step is None or r < step[0]):
                    step = (int(r), j)
            if step is None:
                break
            chosen = (*chosen, step[1])
            if step[0] < best_rank:
                best_rank, best_w = step[0], tuple(sorted(chosen))
        return best_rank, best_w, False

    rows = []
    if policy == "drop_tasks":
        # a withheld column is dropped for every system: the table after withholding W is the same whoever withholds
        def evaluate(i: int, w: tuple[int, ...]) -> int | None:
            key = frozenset(w)
            cols = [j for j in range(m) if j not in key]
            r = ranks_after(key, scores, cols)
            return None if r is None else int(r[i])

        for i in range(n) if only is None else only:
            rank, w, exact = search(i, list(range(m)), evaluate)
            rows.append((systems[i], int(base[i]), rank, w, exact))
    else:  # partial: the system's own scores on W become missing; the other systems keep theirs

        def evaluate(i: int, w: tuple[int, ...]) -> int | None:
            if not linked(i, w):
                failed[0] += 1
                return None
            sc = scores.copy()
            sc[i, list(w)] = np.nan
            r = ranks_after((i, frozenset(w)), sc, range(m), changed=w)
            return None if r is None else int(r[i])

        for i in range(n) if only is None else only:
            own = [j for j in range(m) if present[i, j]]
            rank, w, exact = search(i, own, evaluate)
            rows.append((systems[i], int(base[i]), rank, w, exact))
            cache.clear()
    labels = table.labels
    df = pd.DataFrame(
        {
            "system": [r[0] for r in rows],
            "rank": [r[1] for r in rows],
            "best_rank": [r[2] for r in rows],
            "gain": [r[1] - r[2] for r in rows],
            "withheld": [tuple(labels[j] for j in r[3]) for r in rows],
            "exact": [r[4] for r in rows],
        }
    )
    df = df.sort_values(["rank", "system"], kind="stable").reset_index(drop=True)
    note = ""
    if failed[0]:
        note = f"{failed[0]} withholding(s) left a table the rule cannot rank (a system compared with no one); skipped"
    return df, note
