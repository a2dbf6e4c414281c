"""What every perturbation study shares: the rules it reruns (``DEFAULT_RULES``, :func:`default_rules`), the
result columns, argument checks, the comparison of a perturbed ranking with the original, and ``_Study``, which
runs the rules on each perturbed table with progress and Ctrl-C handling.
"""

from __future__ import annotations

import fnmatch
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import PartialResultWarning, RankaggError, RuleError, did_you_mean, preview
from rankagg.aggregation.tables import check_partial
from rankagg.data.columns import match_patterns
from rankagg.data.table import MISSING_POLICIES, ScoreTable, as_table, rank_table
from rankagg.rankings.orders import competition_ranks, levels_from_scores
from rankagg.rules import RuleInfo, RuleInput, get_rule
from rankagg.uncertainty.names import DEFAULT_RULES, STUDIES
from rankagg.uncertainty.resampling import _Progress, check_rng

__all__ = ["COLUMNS", "DEFAULT_RULES", "MASK_POLICIES", "RNG", "STUDIES", "Params", "RuleSpec", "default_rules"]


MASK_POLICIES: tuple[str, ...] = tuple(p for p in MISSING_POLICIES if p != "raise")


RuleSpec = str | Sequence[str]


Params = Mapping[str, Mapping[str, Any]] | None


RNG = int | np.random.Generator | np.random.SeedSequence | None


# column order of every result frame; each study uses a subset (context columns only where they mean something)
COLUMNS: tuple[str, ...] = (
    "study",
    "rule",
    "parameter",
    "task",
    "noise",
    "policy",
    "draw",
    "kendall_tau",
    "top1_changed",
    "n_flips",
    "n_pairs",
    "n_systems",
    "n_tasks",
    "top1",
    "removed",
    "note",
)


_CONTEXT = ("task", "noise", "policy", "removed")


# ----------------------------------------------------------------------------------------- validation
def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise RankaggError(f"{name}={value!r}: must be a positive integer.")
    return int(value)


def _numbers(
    values: Any, name: str, *, low: float, low_open: bool, high: float | None = None, hint: str
) -> list[float]:
    """A non-empty list of finite numbers in (low, high) / [low, high); ``hint`` says what they mean."""
    items = [values] if isinstance(values, (int, float, np.number)) and not isinstance(values, bool) else values
    try:
        out = [float(v) for v in items]
    except (TypeError, ValueError):
        raise RankaggError(f"{name}={values!r}: expected a number or a list of numbers; {hint}.") from None
    if not out:
        raise RankaggError(f"{name}: give at least one value; {hint}.")
    for v in out:
        bad = not math.isfinite(v) or (v <= low if low_open else v < low) or (high is not None and v >= high)
        if bad:
            raise RankaggError(f"{name}: {v!r} is out of range; {hint}.")
    return list(dict.fromkeys(out))


def _names(values: Any, name: str, choices: Sequence[str]) -> list[str]:
    items = [values] if isinstance(values, str) else list(values)
    items = [x.strip() for v in items for x in str(v).split(",") if x.strip()]
    if not items:
        raise RankaggError(f"{name}: give at least one of {', '.join(map(repr, choices))}.")
    for v in items:
        if v not in choices:
            raise RankaggError(
                f"{name}: unknown {v!r}; choose from {', '.join(map(repr, choices))}.{did_you_mean(v, choices)}"
            )
    return list(dict.fromkeys(items))


def default_rules(table: ScoreTable) -> tuple[str, ...]:
    """The rules of ``DEFAULT_RULES`` that can rank ``table``: the mean needs complete scores and one direction,
    Borda complete scores (``partial_borda`` is Borda on partial rankings).

    Examples
    --------
    >>> import numpy as np, rankagg
    >>> from rankagg.uncertainty.perturbation_base import default_rules
    >>> default_rules(rankagg.load_example("toy"))
    ('mean', 'borda', 'kemeny')
    >>> t = rankagg.ScoreTable([[1.0, np.nan], [2.0, 1.0], [3.0, 2.0]], systems=["A", "B", "C"], tasks=["x", "y"],
    ...                        higher_is_better=True, missing="partial")
    >>> default_rules(t)
    ('partial_borda', 'kemeny')
    """
    table = as_table(table)
    hib = table.higher_is_better
    mean = () if table.has_missing or (hib.any() and not hib.all()) else ("mean",)
    return (*mean, "partial_borda" if table.has_missing else "borda", "kemeny")


def _resolve_rules(rules: RuleSpec | None, table: ScoreTable | None = None) -> list[RuleInfo]:
    if rules is None:
        rules = DEFAULT_RULES if table is None else default_rules(table)
    items = [r.strip() for r in rules.split(",")] if isinstance(rules, str) else [str(r).strip() for r in rules]
    infos = [get_rule(r) for r in items if r]
    if not infos:
        raise RuleError("rules: give at least one rule, e.g. rules=['mean', 'borda', 'kemeny'].")
    return list({i.name: i for i in infos}.values())


# ----------------------------------------------------------------------------------------- ranking engine
class _Study:
    """The rules of a study, their parameters and full-data rankings, and the row builder."""

    def __init__(
        self,
        study: str,
        table: ScoreTable,
        rules: RuleSpec | None,
        params: Params,
        atol: float,
        rtol: float,
        rng: RNG,
        progress: bool | None = None,
    ) -> None:
        self.study = study
        self.table = as_table(table)
        self.infos = _resolve_rules(rules, self.table)
        self.atol, self.rtol = atol, rtol
        self.gen, self.seed = check_rng(rng)
        self.progress = progress
        self.interrupted = ""
        names = [i.name for i in self.infos]
        given: dict[str, dict[str, Any]] = {}
        for key, value in dict(params or {}).items():
            name = get_rule(key).name
            if name not in names:
                raise RuleError(
                    f"params: rule {key!r} is not among the rules studied ({', '.join(names)}); add it to rules, "
                    "or drop its parameters."
                )
            given[name] = dict(value)
        self.params: dict[str, dict[str, Any]] = {}
        for info in self.infos:
            p = given.get(info.name, {})
            info.check_params(p)
            if "rng" in info.params and "rng" not in p:  # randomised rules: one seed, drawn from rng
                p = {**p, "rng": int(self.gen.integers(0, 2**63 - 1))}
            self.params[info.name] = p
            try:
                check_partial(self.table, info)
            except RuleError as exc:
                raise RuleError(f"rules: {exc} Or remove {info.name!r} from rules= (CLI: --rules).") from None
        self.inp = RuleInput(table=self.table, rankings=rank_table(self.table, atol=atol, rtol=rtol))
        self.full = self.rank_input(self.inp, self.infos, "the unperturbed table")
        self.rows: list[dict[str, Any]] = []

    def rank_input(self, inp: RuleInput, infos: Iterable[RuleInfo], where: str) -> dict[str, np.ndarray]:
        out = {}
        for info in infos:
            try:
                res = info.func(inp, **self.params[info.name])
            except RankaggError as exc:
                fix = (
                    f" Or remove {info.name!r} from rules= (CLI: --rules)." if where == "the unperturbed table" else ""
                )
                raise type(exc)(f"{self.study}: rule {info.name!r} failed on {where}: {exc}{fix}") from None
            scores = np.asarray(res.scores, dtype=np.float64)
            levels = res.levels
            if levels is None:
                levels = levels_from_scores(scores, higher_is_better=res.higher_is_better)
            out[info.name] = competition_ranks(np.asarray(levels)).astype(np.float64)
        return out

    def rank(self, table: ScoreTable, where: str, infos: Iterable[RuleInfo] | None = None) -> dict[str, np.ndarray]:
        inp = RuleInput(table=table, rankings=rank_table(table, atol=self.atol, rtol=self.rtol))
        return self.rank_input(inp, self.infos if infos is None else infos, where)

    def add(
        self,
        info: RuleInfo,
        parameter: Any,
        draw: int,
        after: dict[str, np.ndarray] | None,
        *,
        common: np.ndarray | None = None,
        after_index: np.ndarray | None = None,
        systems: Sequence[str] | None = None,
        n_tasks: int | None = None,
        note: str = "",
        **context: Any,
    ) -> None:
        """One row: the rule's perturbed ranks ``after`` against its full-data ranks over ``common`` systems.

        ``common`` indexes the original systems compared; ``after_index`` the
        same systems in the perturbed table (default: the same positions).
        """
        row: dict[str, Any] = {"study": self.study, "rule": info.name, "parameter": parameter, "draw": draw}
        row.update(context)
        if after is None:  # the perturbed table could not be ranked (e.g. everything dropped)
            row.update(
                kendall_tau=np.nan, top1_changed=pd.NA, n_flips=pd.NA, n_pairs=pd.NA, top1="", note=note,
                n_systems=0 if common is None else len(common), n_tasks=n_tasks if n_tasks is not None else pd.NA,
            )  # fmt: skip
            self.rows.append(row)
            return
        idx = np.arange(self.table.n_systems) if common is None else np.asarray(common)
        pos = idx if after_index is None else np.asarray(after_index)
        before_r = self.full[info.name][idx]
        after_r = after[info.name][pos]
        tau, flips, pairs, changed = _agreement(before_r, after_r)
        names = self.table.systems if systems is None else systems
        winners = [names[int(p)] for p, r in zip(pos, after_r, strict=True) if r == after_r.min()]
        row.update(
            kendall_tau=tau,
            top1_changed=changed,
            n_flips=flips,
            n_pairs=pairs,
            n_systems=len(idx),
            n_tasks=self.table.n_columns if n_tasks is None else n_tasks,
            top1=" = ".join(winners),
            note=note,
        )
        self.rows.append(row)

    @contextmanager
    def steps(self, total: int) -> Iterator[Callable[[], None]]:
        """Count the perturbed tables (progress line); Ctrl-C stops the study and keeps the rows done."""
        bar = _Progress(total, self.progress, f"{self.study}")
        started = 0

        def tick() -> None:  # called as each perturbed table starts
            nonlocal started
            bar.update(started)
            started += 1

        try:
            yield tick
            bar.update(started)
        except KeyboardInterrupt:
            done = max(started - 1, 0)
            self.interrupted = f"{self.study}: interrupted after {done} of {total} perturbed tables"
        finally:
            bar.close()

    def frame(self) -> pd.DataFrame:
        df = _frame(self.rows)
        return _stamp(df, self.seed, self.interrupted)


def _stamp(df: pd.DataFrame, seed: Any, interrupted: str) -> pd.DataFrame:
    """Record the seed (and an interruption) in ``df.attrs``; warn when the rows are incomplete."""
    df.attrs["seed"] = seed
    df.attrs["complete"] = not interrupted
    if interrupted:
        warnings.warn(
            f"{interrupted}; returning the {len(df)} rows finished (result.attrs['complete'] is False).",
            PartialResultWarning,
            stacklevel=4,
        )
    return df


def _agreement(before: np.ndarray, after: np.ndarray) -> tuple[float, int, int, bool]:
    """Kendall tau-b, opposite pairs, number of pairs, and whether the set of best systems changed."""
    n = before.size
    iu, ju = np.triu_indices(n, 1)
    sx = np.sign(before[iu] - before[ju])
    sy = np.sign(after[iu] - after[ju])
    den = math.sqrt(float(np.count_nonzero(sx)) * float(np.count_nonzero(sy)))
    tau = float(sx @ sy) / den if den > 0 else float("nan")
    flips = int(np.count_nonzero(sx * sy < 0))
    changed = not np.array_equal(before == before.min(), after == after.min())
    return tau, flips, int(iu.size), bool(changed)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    present = {k for r in rows for k in r}
    cols = [c for c in COLUMNS if c in present or c not in _CONTEXT]
    df = pd.DataFrame(rows, columns=cols)
    df["kendall_tau"] = df["kendall_tau"].astype(np.float64)
    df["top1_changed"] = df["top1_changed"].astype("boolean")
    for c in ("n_flips", "n_pairs", "n_systems", "n_tasks", "draw"):
        df[c] = df[c].astype("Int64")
    if "noise" in df:
        df["noise"] = df["noise"].astype(np.float64)
    return df


def _table_like(
    table: ScoreTable,
    scores: np.ndarray,
    *,
    rows: np.ndarray | None = None,
    cols: np.ndarray | None = None,
    systems: Sequence[str] | None = None,
    missing: str | None = None,
) -> ScoreTable:
    """A table with the columns (direction, weight, metric) of ``table`` and new scores."""
    r = np.arange(scores.shape[0]) if rows is None else rows
    c = np.arange(table.n_columns) if cols is None else cols
    names = list(table.systems) if systems is None else list(systems)
    columns = [table.columns[j] for j in c]
    return ScoreTable._from_parts(
        scores[np.ix_(r, c)],
        systems=[names[i] for i in r],
        tasks=[col.task for col in columns],
        metrics=[col.metric for col in columns],
        higher_is_better=None,
        data_directions=[col.higher_is_better for col in columns],
        weights=[col.weight for col in columns],
        missing=table.missing_policy if missing is None else missing,
        dropped_systems=table.dropped_systems,
        dropped_tasks=table.dropped_tasks,
    )


def _compared(present: np.ndarray) -> np.ndarray:
    """Systems (rows) that share a scored task column with another system."""
    shared = present & (present.sum(axis=0) >= 2)[None, :]
    return shared.any(axis=1)


def _select_columns(table: ScoreTable, tasks: Any) -> list[int]:
    if tasks is None:
        return list(range(table.n_columns))
    pats = [tasks] if isinstance(tasks, str) else [str(t) for t in tasks]
    if not pats:
        raise RankaggError("tasks: give at least one task name or pattern, or tasks=None for every task.")
    keep: list[int] = []
    for p in pats:
        hit = [
            j
            for j, c in enumerate(table.columns)
            if p in (c.label, c.task) or fnmatch.fnmatchcase(c.label, p) or fnmatch.fnmatchcase(c.task, p)
        ]
        if not hit:
            raise RankaggError(
                f"tasks: {p!r} matches no task column; the columns are {preview(list(table.labels), 8)}."
                f"{did_you_mean(p, table.labels)}"
            )
        keep += hit
    return sorted(set(keep))


def _select_systems(table: ScoreTable, systems: Any) -> list[int]:
    if systems is None:
        return list(range(table.n_systems))
    pats = [systems] if isinstance(systems, str) else [str(s) for s in systems]
    if not pats:
        raise RankaggError("systems: give at least one system name or pattern, or systems=None for every system.")
    # exact names first (names often hold [brackets], which are patterns), then shell-style patterns
    exact = [p for p in pats if p in table.systems]
    mask = np.isin(np.array(table.systems, dtype=object), exact)
    rest = [p for p in pats if p not in table.systems]
    if rest:
        mask |= match_patterns(rest, table.systems, "systems")
    return [int(i) for i in np.nonzero(mask)[0]]
