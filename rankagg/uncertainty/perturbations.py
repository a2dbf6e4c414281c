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

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError
from rankagg.data.table import ScoreTable, as_table
from rankagg.uncertainty.membership import add_systems, remove_systems, remove_tasks
from rankagg.uncertainty.perturbation_base import (
    COLUMNS,
    MASK_POLICIES,
    RNG,
    STUDIES,
    Params,
    RuleSpec,
    _compared,
    _frame,
    _names,
    _numbers,
    _positive_int,
    _resolve_rules,
    _select_columns,
    _stamp,
    _Study,
    _table_like,
)
from rankagg.uncertainty.resampling import check_rng

__all__ = ["add_noise", "mask_cells", "perturbation_studies", "rescale_task", "summarize_perturbations"]


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
