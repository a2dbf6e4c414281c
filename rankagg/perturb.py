"""Perturbation studies: how far does each rule's ranking move when the benchmark is perturbed?

Six studies, each a function that returns a tidy DataFrame (one row per rule,
setting and random draw), ready to plot:

========================  ==============================================================
:func:`rescale_task`      multiply one task's scores by a factor (the x1000 attack on the mean)
:func:`add_noise`         add Gaussian noise to every score, scaled by each task's spread
:func:`remove_tasks`      leave ``k`` of the ``T`` tasks out, at random
:func:`remove_systems`    leave one system out (independence of irrelevant alternatives)
:func:`add_systems`       add a copy of one system, exact or perturbed (clones)
:func:`mask_cells`        hide a fraction of the scores at random (missing data)
========================  ==============================================================

:func:`perturbation_studies` runs several of them on one table and stacks the
rows; :func:`summarize_perturbations` averages them over the draws.

Every study can be repeated: ``rng=None`` (the default) draws a fresh seed and
records it in ``result.attrs["seed"]`` (pass it back as ``rng``). Long runs show
a progress line with an estimate of the time left on stderr (automatically on a
terminal after two seconds; ``progress=True`` always, ``False`` never). A run
stopped with Ctrl-C (KeyboardInterrupt) returns the rows it finished, with a
:class:`rankagg.PartialResultWarning` and ``result.attrs["complete"] = False``.
The default rules (``rules=None``) are ``DEFAULT_RULES`` ("mean", "borda",
"kemeny") as far as they can rank the table: without the mean when scores are
missing or directions are mixed, and ``partial_borda`` (Borda on partial
rankings) instead of Borda when scores are missing.

Every row compares the perturbed ranking of a rule with the same rule's
ranking of the unperturbed table, over the systems present in both:

* ``kendall_tau``: Kendall's tau-b between the two rankings (1 = same order);
* ``n_flips`` of ``n_pairs``: pairs of systems ordered oppositely (a pair tied
  in one ranking and not in the other is not a flip);
* ``top1_changed``: whether the best of those systems changed (the set of
  systems ranked first among them, ties included); ``top1`` names the
  perturbed winner(s).

"Task" means a task column of the table (a ``(task, metric)`` pair), as in
:func:`rankagg.bootstrap`, except in :func:`remove_tasks` with ``by="task"``,
which removes a task with all its metric columns.
"""

from __future__ import annotations

import fnmatch
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
import pandas as pd

from rankagg._errors import PartialResultWarning, RankaggError, RuleError, ScoreTableError, did_you_mean, preview
from rankagg.aggregate import _check_partial
from rankagg.ranking import competition_ranks, levels_from_scores, rank_table
from rankagg.robustness import _Progress, check_rng
from rankagg.rules import RuleInfo, RuleInput, get_rule
from rankagg.table import MISSING_POLICIES, ScoreTable, _match, as_table

__all__ = [
    "DEFAULT_RULES",
    "STUDIES",
    "add_noise",
    "add_systems",
    "default_rules",
    "mask_cells",
    "perturbation_studies",
    "remove_systems",
    "remove_tasks",
    "rescale_task",
    "summarize_perturbations",
]

DEFAULT_RULES: tuple[str, ...] = ("mean", "borda", "kemeny")
STUDIES: tuple[str, ...] = (
    "rescale_task",
    "add_noise",
    "remove_tasks",
    "remove_systems",
    "add_systems",
    "mask_cells",
)
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
    >>> from rankagg.perturb import default_rules
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
                _check_partial(self.table, info)
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
        mask |= _match(rest, table.systems, "systems")
    return [int(i) for i in np.nonzero(mask)[0]]


# ----------------------------------------------------------------------------------------- the studies
def rescale_task(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    factors: float | Sequence[float] = (1000.0,),
    tasks: str | Sequence[str] | None = None,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Multiply one task's scores by a factor and see whether the ranking moves: the x1000 attack.

    Reporting a task in per-mille instead of as a fraction changes nothing
    about the systems, but the mean is dominated by the rescaled task. Rules
    that use ranks only are invariant by construction; the z-score, min-max
    and geometric means are invariant to any positive factor too; the raw
    mean and the median are not.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rules : str or sequence of str, optional
        Registered rules (or a comma-separated string); default
        :func:`default_rules` of the table (mean, Borda, Kemeny as far as they
        can rank it).
    factors : float or sequence of float, default (1000.0,)
        Positive factors; each task column is rescaled by each factor in turn.
    tasks : str or sequence of str, optional
        Task names, column labels or shell-style patterns of the columns to
        rescale; default every column.
    atol, rtol : float
        Tie tolerances for ranking each task (absolute ties are *not*
        invariant to rescaling: a tolerance of 0.5 points means something
        else once the task is x1000).
    params : mapping of rule name to mapping, optional
        Rule parameters, e.g. ``{"kemeny": {"time_limit": 10}}``.
    rng : int or numpy.random.Generator, optional
        Seeds randomised rules (Kemeny's heuristic fallback); the study itself
        is deterministic.
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule, task column and factor: ``study`` ("rescale_task"),
        ``rule``, ``parameter`` (the factor), ``task`` (the column label),
        ``draw`` (0), ``kendall_tau``, ``top1_changed``, ``n_flips``,
        ``n_pairs``, ``n_systems``, ``n_tasks``, ``top1``, ``note``.

    Raises
    ------
    RankaggError
        A factor that is not a positive finite number, or a task that matches
        no column; and the rules' own errors (a rule refusing the table).

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.rescale_task(rankagg.load_example("toy"), rules=["mean", "borda"], factors=1000)
    >>> df.groupby("rule")["top1_changed"].sum()  # tasks whose x1000 changes the winner
    rule
    borda    0
    mean     4
    Name: top1_changed, dtype: Int64
    >>> df.loc[df["top1_changed"], ["rule", "task", "top1"]]  # the mean's winner is Wren, by its code score
       rule           task    top1
    0  mean             qa  Osprey
    2  mean            nli  Osprey
    4  mean  summarization  Osprey
    6  mean    translation   Heron
    """
    table = as_table(table)
    facs = _numbers(factors, "factors", low=0.0, low_open=True, hint="rescaling needs positive finite factors")
    cols = _select_columns(table, tasks)
    st = _Study("rescale_task", table, rules, params, atol, rtol, rng, progress)
    with st.steps(len(cols) * len(facs)) as tick:
        for j in cols:
            label = table.labels[j]
            for f in facs:
                tick()
                sc = np.array(table.scores)
                sc[:, j] = sc[:, j] * f
                after = st.rank(_table_like(table, sc), f"task {label!r} x {f:g}")
                for info in st.infos:
                    st.add(info, f, 0, after, task=label)
    return st.frame()


def add_noise(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    levels: float | Sequence[float] = (0.05, 0.1, 0.2, 0.5),
    n_draws: int = 20,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Add Gaussian noise to every score and see how far each ranking moves.

    The noise on a task has standard deviation ``level`` times the task's
    standard deviation over systems (population), so that a level means the
    same on every scale. Draw ``d`` uses the same standard normal matrix at
    every level (common random numbers: the curves over levels are smooth).
    Missing scores stay missing; a task whose scores are all equal gets no
    noise.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rules : str or sequence of str, optional
        Registered rules; default :func:`default_rules` of the table (mean,
        Borda, Kemeny as far as they can rank it).
    levels : float or sequence of float, default (0.05, 0.1, 0.2, 0.5)
        Noise levels, relative to each task's standard deviation (>= 0).
    n_draws : int, default 20
        Random draws per level.
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Source of the noise (and of seeds for randomised rules).
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule, level and draw: ``study`` ("add_noise"), ``rule``,
        ``parameter`` (the level), ``draw``, ``kendall_tau``,
        ``top1_changed``, ``n_flips``, ``n_pairs``, ``n_systems``,
        ``n_tasks``, ``top1``, ``note``.

    Raises
    ------
    RankaggError
        A negative or non-finite level, or ``n_draws`` not a positive
        integer; and the rules' errors on a noisy table (the geometric mean
        needs positive scores), prefixed with the study, rule and draw.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.add_noise(rankagg.load_example("toy"), rules="mean,borda", levels=[0.0, 0.5], n_draws=5, rng=0)
    >>> df.groupby(["rule", "parameter"])["kendall_tau"].mean().round(2)
    rule   parameter
    borda  0.0          1.00
           0.5          0.87
    mean   0.0          1.00
           0.5          0.81
    Name: kendall_tau, dtype: float64
    """
    table = as_table(table)
    lv = _numbers(levels, "levels", low=0.0, low_open=False, hint="noise levels are multiples of each task's "
                  "standard deviation, >= 0 (0.1 = a tenth of the spread between systems)")  # fmt: skip
    n_draws = _positive_int(n_draws, "n_draws")
    st = _Study("add_noise", table, rules, params, atol, rtol, rng, progress)
    with st.steps(n_draws * len(lv)) as tick:
        sd = np.nanstd(table.scores, axis=0)
        for d in range(n_draws):
            z = st.gen.standard_normal(table.scores.shape)
            for level in lv:
                tick()
                sc = table.scores + z * (level * sd)[None, :]
                after = st.rank(_table_like(table, sc), f"draw {d} at noise level {level:g}")
                for info in st.infos:
                    st.add(info, level, d, after)
    df = st.frame()
    return df.sort_values(["parameter", "draw"], kind="stable").reset_index(drop=True)


def remove_tasks(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    k: int | Sequence[int] | None = None,
    n_draws: int = 20,
    by: Literal["task", "column"] = "task",
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Leave ``k`` of the ``T`` tasks out at random and compare with the full-data ranking.

    A benchmark is one sample of the tasks it could have contained: a rule
    whose ranking stays close to its full-data ranking when tasks are removed
    depends less on that choice (Colombo et al., NeurIPS 2022).

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rules : str or sequence of str, optional
        Registered rules; default :func:`default_rules` of the table (mean,
        Borda, Kemeny as far as they can rank it).
    k : int or sequence of int, optional
        Numbers of tasks to remove, each between 1 and ``T - 1``; default
        every one of them.
    n_draws : int, default 20
        Random subsets per ``k`` (drawn uniformly without replacement; two
        draws may pick the same subset).
    by : {"task", "column"}, default "task"
        Remove whole tasks (with all their metric columns: GLUE's MRPC F1 and
        accuracy go together) or single task columns.
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Source of the random subsets (and of seeds for randomised rules).
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule, ``k`` and draw: ``study`` ("remove_tasks"),
        ``rule``, ``parameter`` (k), ``draw``, ``kendall_tau`` (to the
        full-data ranking, over the systems still ranked), ``top1_changed``,
        ``n_flips``, ``n_pairs``, ``n_systems``, ``n_tasks`` (task columns
        left), ``top1``, ``removed`` (the removed tasks), ``note``.

    Raises
    ------
    RankaggError
        Fewer than two tasks, ``k`` outside 1..T-1, ``n_draws`` not a positive
        integer, an unknown ``by``.

    Notes
    -----
    On tables with missing scores (``missing="partial"``), a system left
    without a task shared with another system is not ranked in that draw;
    ``n_systems`` says how many were compared.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.remove_tasks(rankagg.load_example("toy"), rules=["mean", "borda"], k=[1, 3], n_draws=10, rng=0)
    >>> df.groupby(["parameter", "rule"])["kendall_tau"].mean().round(2)
    parameter  rule
    1          borda    0.89
               mean     0.89
    3          borda    0.88
               mean     0.67
    Name: kendall_tau, dtype: float64
    """
    table = as_table(table)
    if by not in ("task", "column"):
        raise RankaggError(
            f"by={by!r}: remove whole tasks (by='task') or single task columns (by='column')."
            f"{did_you_mean(str(by), ('task', 'column'))}"
        )
    if by == "task":
        names = list(table.tasks)
        units = [np.array([j for j, c in enumerate(table.columns) if c.task == t]) for t in names]
    else:
        names = list(table.labels)
        units = [np.array([j]) for j in range(table.n_columns)]
    t_units = len(units)
    word = "tasks" if by == "task" else "task columns"
    if t_units < 2:
        raise RankaggError(f"remove_tasks: the table has {t_units} {word[:-1]}; removing tasks needs at least two.")
    if k is None:
        ks = list(range(1, t_units))
    else:
        items = [k] if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else list(k)
        if not items:
            raise RankaggError(f"k: give at least one number of {word} to remove, or k=None for 1..{t_units - 1}.")
        for v in items:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise RankaggError(f"k: {v!r} is not a whole number of {word} to remove; give integers, e.g. k=[1, 2].")
            if not 1 <= v <= t_units - 1:
                raise RankaggError(
                    f"k: {v!r} is out of range; remove between 1 and {t_units - 1} of the {t_units} {word} (by={by!r})."
                )
        ks = sorted({int(v) for v in items})
    n_draws = _positive_int(n_draws, "n_draws")
    st = _Study("remove_tasks", table, rules, params, atol, rtol, rng, progress)
    with st.steps(len(ks) * n_draws) as tick:
        present = ~np.isnan(table.scores)
        for kk in ks:
            for d in range(n_draws):
                tick()
                keep = np.sort(st.gen.choice(t_units, t_units - kk, replace=False))
                cols = np.sort(np.concatenate([units[u] for u in keep]))
                removed = ", ".join(names[u] for u in range(t_units) if u not in set(keep.tolist()))
                ok = _compared(present[:, cols])
                where = f"draw {d} without {removed}"
                if ok.all():
                    after = st.rank_input(st.inp.subset(cols, table.weights[cols]), st.infos, where)
                    for info in st.infos:
                        st.add(info, kk, d, after, n_tasks=cols.size, removed=removed)
                    continue
                rows = np.nonzero(ok)[0]
                if rows.size < 2:
                    for info in st.infos:
                        st.add(info, kk, d, None, common=rows, n_tasks=cols.size, removed=removed,
                               note=f"fewer than two systems share a task once {removed} are removed")  # fmt: skip
                    continue
                sub = table.scores[np.ix_(rows, cols)]
                live = ~np.isnan(sub).all(axis=0)
                after = st.rank(_table_like(table, table.scores, rows=rows, cols=cols[live]), where)
                for info in st.infos:
                    st.add(info, kk, d, after, common=rows, after_index=np.arange(rows.size),
                           systems=[table.systems[i] for i in rows], n_tasks=int(live.sum()),
                           removed=removed)  # fmt: skip
    return st.frame()


def remove_systems(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    systems: str | Sequence[str] | None = None,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Leave one system out and count how many pairs of the *other* systems change order.

    Independence of irrelevant alternatives in practice: whether A is above B
    should not depend on whether C took part. Score-based rules (the mean
    family) never flip a pair; Borda and Kemeny can.

    Parameters
    ----------
    table : ScoreTable
        The scores (at least three systems).
    rules : str or sequence of str, optional
        Registered rules; default :func:`default_rules` of the table (mean,
        Borda, Kemeny as far as they can rank it).
    systems : str or sequence of str, optional
        The systems to remove, one at a time (names or shell-style patterns);
        default each system in turn.
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Seeds randomised rules; the study itself is deterministic.
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule and removed system: ``study`` ("remove_systems"),
        ``rule``, ``parameter`` (the removed system), ``draw`` (0),
        ``kendall_tau``, ``top1_changed`` (the best of the others changed),
        ``n_flips`` (pairs of other systems ordered oppositely), ``n_pairs``,
        ``n_systems``, ``n_tasks``, ``top1``, ``note``.

    Raises
    ------
    RankaggError
        Fewer than three systems, or a name that matches no system.

    Examples
    --------
    Three tasks rank A > B > C and two rank B > C > A: Borda puts B first
    (mean rank 1.6 against A's 1.8), but without C, A is first.

    >>> import rankagg
    >>> t = rankagg.ScoreTable([[3, 3, 3, 1, 1], [2, 2, 2, 3, 3], [1, 1, 1, 2, 2]], systems=["A", "B", "C"],
    ...                        tasks=["t1", "t2", "t3", "t4", "t5"], higher_is_better=True)
    >>> df = rankagg.remove_systems(t, rules=["mean", "borda", "kemeny"])
    >>> df.loc[df["parameter"] == "C", ["rule", "n_flips", "top1_changed", "top1"]]
         rule  n_flips  top1_changed top1
    6    mean        0         False    B
    7   borda        1          True    A
    8  kemeny        0         False    A
    """
    table = as_table(table)
    if table.n_systems < 3:
        raise RankaggError(
            f"remove_systems: the table has {table.n_systems} systems; removing one must leave at least two."
        )
    chosen = _select_systems(table, systems)
    st = _Study("remove_systems", table, rules, params, atol, rtol, rng, progress)
    with st.steps(len(chosen)) as tick:
        all_cols = np.arange(table.n_columns)
        for i in chosen:
            tick()
            name = table.systems[i]
            others = np.array([r for r in range(table.n_systems) if r != i])
            try:
                sub = table._rebuild(others, all_cols)
            except ScoreTableError as exc:  # partial tables: a system may lose its only comparison
                for info in st.infos:
                    st.add(info, name, 0, None, common=others, note=f"cannot rank without {name!r}: {exc}")
                continue
            after = st.rank(sub, f"the table without {name!r}")
            for info in st.infos:
                st.add(info, name, 0, after, common=others, after_index=np.arange(others.size), systems=sub.systems)
    return st.frame()


def _copy_name(name: str, taken: Sequence[str]) -> str:
    new, k = f"{name} (copy)", 2
    while new in taken:
        new, k = f"{name} (copy {k})", k + 1
    return new


def add_systems(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    systems: str | Sequence[str] | None = None,
    noise: float = 0.0,
    n_draws: int = 1,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Add a copy of one system and count how many pairs of the original systems change order.

    A clone (``noise=0``) ties with its original on every task; a perturbed
    copy (``noise > 0``) adds Gaussian noise of ``noise`` times each task's
    standard deviation, so that it lands just around its original. The raw
    mean and median never reorder the original systems; Borda does (on each
    task the copy pushes everything ranked below the original one step
    further down), and Kemeny can (the pairs involving the original now
    count twice). Schulze and ranked pairs are designed to be independent of
    clones.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rules : str or sequence of str, optional
        Registered rules; default :func:`default_rules` of the table (mean,
        Borda, Kemeny as far as they can rank it).
    systems : str or sequence of str, optional
        The systems to copy, one at a time (names or shell-style patterns);
        default each system in turn.
    noise : float, default 0.0
        Noise of the copy, relative to each task's standard deviation (>= 0;
        0 = an exact clone).
    n_draws : int, default 1
        Perturbed copies per system (more than one needs ``noise > 0``).
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Source of the noise (and of seeds for randomised rules).
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule, copied system and draw: ``study`` ("add_systems"),
        ``rule``, ``parameter`` (the copied system), ``noise``, ``draw``,
        ``kendall_tau``, ``top1_changed``, ``n_flips``, ``n_pairs``,
        ``n_systems`` (originals compared), ``n_tasks``, ``top1`` (the winner
        among the originals), ``note``.

    Raises
    ------
    RankaggError
        A negative noise, ``n_draws`` not a positive integer, several draws of
        an exact clone, or a name that matches no system.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.add_systems(rankagg.load_example("toy"), rules=["mean", "borda", "kemeny"])
    >>> df.groupby("rule")["n_flips"].sum()
    rule
    borda     2
    kemeny    0
    mean      0
    Name: n_flips, dtype: Int64
    """
    table = as_table(table)
    try:
        nz = float(noise)
    except (TypeError, ValueError):
        nz = float("nan")
    if not (math.isfinite(nz) and nz >= 0):
        raise RankaggError(
            f"noise={noise!r}: the copy's noise is a multiple of each task's standard deviation, a number >= 0 "
            "(0 = an exact clone)."
        )
    n_draws = _positive_int(n_draws, "n_draws")
    if nz == 0 and n_draws > 1:
        raise RankaggError(
            f"n_draws={n_draws} with noise=0: an exact clone is the same in every draw; give noise > 0 for "
            "perturbed copies, or n_draws=1."
        )
    chosen = _select_systems(table, systems)
    st = _Study("add_systems", table, rules, params, atol, rtol, rng, progress)
    with st.steps(len(chosen) * n_draws) as tick:
        sd = np.nanstd(table.scores, axis=0)
        n = table.n_systems
        originals = np.arange(n)
        for i in chosen:
            name = table.systems[i]
            copy = _copy_name(name, table.systems)
            for d in range(n_draws):
                tick()
                row = table.scores[i] + (nz * sd * st.gen.standard_normal(table.n_columns) if nz > 0 else 0.0)
                sc = np.vstack([table.scores, row[None, :]])
                after = st.rank(_table_like(table, sc, systems=[*table.systems, copy]), f"the table with {copy!r}")
                for info in st.infos:
                    st.add(info, name, d, after, common=originals, noise=nz)
    return st.frame()


def mask_cells(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    fractions: float | Sequence[float] = (0.05, 0.1, 0.2),
    policies: str | Sequence[str] = MASK_POLICIES,
    n_draws: int = 20,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Hide a fraction of the scores at random, rank what is left, and compare with the full-data ranking.

    Each masked table is ranked under every missing-score policy asked for:
    ``"partial"`` (systems unranked where their score is missing; only the
    rules that accept partial rankings), ``"drop_systems"`` (systems with a
    hidden score are left out) and ``"drop_tasks"`` (task columns with a
    hidden score are left out). The comparison is over the systems present.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rules : str or sequence of str, optional
        Registered rules (default :func:`default_rules` of the table). Rules
        that do not accept partial rankings are skipped under ``"partial"``.
    fractions : float or sequence of float, default (0.05, 0.1, 0.2)
        Shares of the present scores to hide, in [0, 1).
    policies : str or sequence of str, default ("drop_systems", "drop_tasks", "partial")
        Missing-score policies to rank the masked tables with.
    n_draws : int, default 20
        Random masks per fraction (each mask is used under every policy).
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Source of the masks (and of seeds for randomised rules).
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        One row per rule, fraction, draw and policy: ``study``
        ("mask_cells"), ``rule``, ``parameter`` (the fraction), ``policy``,
        ``draw``, ``kendall_tau``, ``top1_changed``, ``n_flips``,
        ``n_pairs``, ``n_systems`` (systems ranked), ``n_tasks``, ``top1``,
        ``note``. When a policy leaves nothing to rank (``drop_tasks`` with a
        hidden score in every column, ``drop_systems`` with fewer than two
        complete systems), the row has NaN measures and says why in ``note``.

    Raises
    ------
    RankaggError
        A fraction outside [0, 1), an unknown policy, ``n_draws`` not a
        positive integer, or only ``"partial"`` with no rule that accepts
        partial rankings.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.mask_cells(rankagg.load_example("toy"), rules="borda,kemeny", fractions=0.3, n_draws=10, rng=0)
    >>> summary = rankagg.summarize_perturbations(df)  # dropping leaves nothing to rank in half the draws
    >>> summary[["policy", "rule", "n", "n_ranked", "mean_kendall_tau"]].round(3)
             policy    rule   n  n_ranked  mean_kendall_tau
    0  drop_systems   borda  10         5             1.000
    1  drop_systems  kemeny  10         5             1.000
    2    drop_tasks   borda  10         4             0.958
    3    drop_tasks  kemeny  10         4             0.958
    4       partial  kemeny  10        10             0.969
    """
    table = as_table(table)
    fr = _numbers(fractions, "fractions", low=0.0, low_open=False, high=1.0,
                  hint="the share of scores to hide lies in [0, 1)")  # fmt: skip
    pols = _names(policies, "policies", MASK_POLICIES)
    n_draws = _positive_int(n_draws, "n_draws")
    infos_all = _resolve_rules(rules, table)
    if pols == ["partial"] and not any(i.partial_ok for i in infos_all):
        raise RankaggError(
            f"policies=['partial']: none of the rules {', '.join(i.name for i in infos_all)} accepts partial "
            "rankings; add a rule that does (copeland, kemeny, schulze, win_rate...) or the policies "
            "'drop_systems' / 'drop_tasks'."
        )
    st = _Study("mask_cells", table, rules, params, atol, rtol, rng, progress)
    with st.steps(len(fr) * n_draws) as tick:
        present = ~np.isnan(table.scores)
        cells = np.flatnonzero(present)
        for f in fr:
            n_mask = round(f * cells.size)
            for d in range(n_draws):
                tick()
                hidden = st.gen.choice(cells, n_mask, replace=False)
                sc = np.array(table.scores)
                sc.flat[hidden] = np.nan
                have = ~np.isnan(sc)
                for pol in pols:
                    infos = [i for i in st.infos if pol != "partial" or i.partial_ok]
                    if not infos:
                        continue
                    if pol == "partial":
                        rows = np.nonzero(_compared(have))[0]
                        cols = np.nonzero(have[rows].any(axis=0))[0]
                    elif pol == "drop_systems":
                        rows = np.nonzero(have.all(axis=1))[0]
                        cols = np.arange(table.n_columns)
                    else:
                        rows = np.arange(table.n_systems)
                        cols = np.nonzero(have.all(axis=0))[0]
                    note = ""
                    if rows.size < 2:
                        note = f"{pol} leaves {rows.size} system(s) to rank"
                    elif cols.size == 0:
                        note = f"{pol} leaves no task column"
                    if note:
                        for info in infos:
                            st.add(info, f, d, None, common=rows, n_tasks=int(cols.size), policy=pol, note=note)
                        continue
                    sub = _table_like(table, sc, rows=rows, cols=cols, missing="partial" if pol == "partial" else pol)
                    after = st.rank(sub, f"draw {d} with {f:g} of the scores hidden ({pol})", infos)
                    for info in infos:
                        st.add(info, f, d, after, common=rows, after_index=np.arange(rows.size), systems=sub.systems,
                               n_tasks=sub.n_columns, policy=pol)  # fmt: skip
    return st.frame()


# ----------------------------------------------------------------------------------------- several at once
def perturbation_studies(
    table: ScoreTable,
    *,
    rules: RuleSpec | None = None,
    studies: str | Sequence[str] = STUDIES,
    n_draws: int = 20,
    atol: float = 0.0,
    rtol: float = 0.0,
    params: Params = None,
    rng: RNG = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run several perturbation studies with their default settings and stack their rows.

    Each study draws from its own stream, spawned from ``rng`` in the fixed
    order of :data:`STUDIES`, so a study's rows do not depend on which other
    studies run.

    Parameters
    ----------
    table : ScoreTable
        The scores.
    rules : str or sequence of str, optional
        Registered rules; default :func:`default_rules` of the table (mean,
        Borda, Kemeny as far as they can rank it).
    studies : str or sequence of str, default every study
        Among "rescale_task", "add_noise", "remove_tasks", "remove_systems",
        "add_systems", "mask_cells" (a list or a comma-separated string).
    n_draws : int, default 20
        Random draws per setting of the random studies (noise, task removal,
        masking); the others are deterministic.
    atol, rtol : float
        Tie tolerances for ranking each task.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Source of randomness. None draws a fresh seed and records it in
        ``result.attrs["seed"]`` (``rng=result.attrs["seed"]`` repeats the run).
    progress : bool, optional
        Progress line on stderr (default: on a terminal, after two seconds).

    Returns
    -------
    pandas.DataFrame
        The rows of every study (see each function), columns in a fixed order;
        context columns (``task``, ``noise``, ``policy``, ``removed``) are
        empty where a study has none. ``attrs["seed"]``: the seed of the run;
        ``attrs["complete"]``: False when it was interrupted (Ctrl-C), in which
        case the rows finished are returned with a
        :class:`rankagg.PartialResultWarning` and the later studies do not run.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.perturbation_studies(rankagg.load_example("toy"), rules="mean,borda",
    ...                                   studies="rescale_task,add_systems", rng=0)
    >>> df.groupby(["study", "rule"])[["kendall_tau", "n_flips"]].mean().round(3)
                        kendall_tau  n_flips
    study        rule
    add_systems  borda        0.950    0.333
                 mean         1.000      0.0
    rescale_task borda        1.000      0.0
                 mean         0.573      3.2
    """
    table = as_table(table)
    chosen = _names(studies, "studies", STUDIES)
    n_draws = _positive_int(n_draws, "n_draws")
    _resolve_rules(rules, table)
    if isinstance(rng, np.random.SeedSequence):
        root, seed = rng, "SeedSequence"
    else:
        gen, seed = check_rng(rng)
        root = np.random.SeedSequence(int(gen.integers(0, 2**63 - 1)))
    streams = dict(zip(STUDIES, root.spawn(len(STUDIES)), strict=True))
    common = {"rules": rules, "atol": atol, "rtol": rtol, "params": params, "progress": progress}
    frames = []
    interrupted = ""
    try:
        for name in STUDIES:
            if name not in chosen:
                continue
            g = np.random.default_rng(streams[name])
            if name == "rescale_task":
                frames.append(rescale_task(table, **common, rng=g))
            elif name == "add_noise":
                frames.append(add_noise(table, **common, n_draws=n_draws, rng=g))
            elif name == "remove_tasks":
                frames.append(remove_tasks(table, **common, n_draws=n_draws, rng=g))
            elif name == "remove_systems":
                frames.append(remove_systems(table, **common, rng=g))
            elif name == "add_systems":
                frames.append(add_systems(table, **common, rng=g))
            else:
                frames.append(mask_cells(table, **common, n_draws=n_draws, rng=g))
            if not frames[-1].attrs["complete"]:  # the study warned; the later ones do not run
                df = _stamp(_stack(frames), seed, "")
                df.attrs["complete"] = False
                return df
    except KeyboardInterrupt:
        interrupted = f"perturbation_studies: interrupted after {len(frames)} complete studies"
    df = _stamp(_stack(frames), seed, interrupted)
    if interrupted:
        df.attrs["complete"] = False
    return df


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return _frame([])
    df = pd.concat(frames, ignore_index=True, sort=False)
    out = df[[c for c in COLUMNS if c in df.columns]]
    out.attrs["complete"] = all(f.attrs.get("complete", True) for f in frames)
    return out


def summarize_perturbations(results: pd.DataFrame) -> pd.DataFrame:
    """Average the rows of a perturbation study over its draws.

    Parameters
    ----------
    results : pandas.DataFrame
        Rows from any of the study functions (or several, stacked).

    Returns
    -------
    pandas.DataFrame
        One row per study, rule, parameter and context (task, noise, policy):
        ``n`` (rows), ``n_ranked`` (rows with a ranking), ``mean_kendall_tau``,
        ``min_kendall_tau``, ``top1_change_rate``, ``mean_flips``.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.remove_tasks(rankagg.load_example("toy"), rules="mean,kemeny", k=2, n_draws=10, rng=1)
    >>> rankagg.summarize_perturbations(df)[["rule", "parameter", "mean_kendall_tau", "top1_change_rate"]]
         rule  parameter  mean_kendall_tau  top1_change_rate
    0    mean          2          0.626667               0.7
    1  kemeny          2          1.000000               0.0
    """
    if not isinstance(results, pd.DataFrame) or not {"study", "rule", "parameter", "kendall_tau"} <= set(
        results.columns
    ):
        raise RankaggError(
            "results: expected the DataFrame of a perturbation study (columns study, rule, parameter, "
            "kendall_tau, ...), as returned by rankagg.remove_tasks and the other study functions."
        )
    keys = ["study", "rule", "parameter", *[c for c in ("task", "noise", "policy") if c in results.columns]]
    df = results.assign(
        _ranked=results["kendall_tau"].notna() | results["top1_changed"].notna(),
        _top1=results["top1_changed"].astype("Float64"),
        _flips=results["n_flips"].astype("Float64"),
    )
    g = df.groupby(keys, sort=False, dropna=False)
    out = g.agg(
        n=("rule", "size"),
        n_ranked=("_ranked", "sum"),
        mean_kendall_tau=("kendall_tau", "mean"),
        min_kendall_tau=("kendall_tau", "min"),
        top1_change_rate=("_top1", "mean"),
        mean_flips=("_flips", "mean"),
    ).reset_index()
    out["top1_change_rate"] = out["top1_change_rate"].astype(np.float64)
    out["mean_flips"] = out["mean_flips"].astype(np.float64)
    return out
