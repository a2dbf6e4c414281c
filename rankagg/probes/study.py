"""A study of training-data candidates: scores by candidate, task, seed and scale.

The question a data-curation study asks is *which training data is better*: the
same model is trained on each candidate training set (a probe dataset, a
filtered web crawl...), once per seed and possibly at several model scales, and
evaluated on a suite of tasks. :class:`CandidateStudy` holds those scores as a
long table and ranks the candidates at one scale with any registered rule, by
building a :class:`~rankagg.ScoreTable` (seeds averaged per task) and calling
:func:`rankagg.aggregate`, :func:`rankagg.compare` and :func:`rankagg.bootstrap`
on it. Seeds can also be kept as replicates (an :class:`~rankagg.InstanceTable`
whose instances are the seeds), so that the bootstrap resamples them too.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, RankaggWarning, did_you_mean, preview
from rankagg.aggregation.aggregate import aggregate, compare
from rankagg.aggregation.results import ComparisonResult, RankingResult
from rankagg.data.instances import InstanceTable
from rankagg.data.table import ScoreTable
from rankagg.uncertainty.bootstrap import bootstrap
from rankagg.uncertainty.bootstrap_result import BootstrapResult

__all__ = ["CENTERED_MEAN", "COLUMNS", "RESAMPLE", "CandidateStudy", "StudyError"]

#: The columns of a study's long frame (``scale`` and ``random_baseline`` are optional on input).
COLUMNS = ("candidate", "task", "seed", "scale", "score", "higher_is_better")
#: Pseudo-rule: the mean of centered scores, (score - random baseline) / (1 - random baseline), as DCLM's "Core".
CENTERED_MEAN = "centered_mean"
#: What a study's bootstrap can resample.
RESAMPLE = ("tasks", "seeds", "both")
_NO_SCALE = "-"


class StudyError(RankaggError):
    """The data given to build or query a :class:`CandidateStudy` is invalid."""


def _seed_label(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


@dataclass(frozen=True)
class CandidateStudy:
    """Scores of training-data candidates on tasks, per seed and (optionally) per scale.

    Build it with :meth:`from_frame` or :meth:`read`; the constructor takes an
    already validated frame.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per candidate, task, seed and scale: columns ``candidate,
        task, seed, scale, score, higher_is_better`` (``seed`` and ``scale``
        as strings; ``scale`` is ``"-"`` when the data has a single, unnamed
        scale), plus ``random_baseline`` when given (for
        :data:`CENTERED_MEAN`).
    name : str
        A label for the study (used in messages and reports).
    truth : pandas.DataFrame or None
        What the construction implies, for synthetic studies (see
        :func:`rankagg.probes.generate`); None for measured data.
    notes : tuple of str
        What was left out or changed while building the study (the CLI
        prints them on stderr).

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.probes import CandidateStudy
    >>> df = pd.DataFrame({
    ...     "candidate": ["A", "B", "A", "B", "A", "B", "A", "B"],
    ...     "task": ["t1", "t1", "t2", "t2", "t1", "t1", "t2", "t2"],
    ...     "seed": [0, 0, 0, 0, 1, 1, 1, 1],
    ...     "score": [0.6, 0.5, 0.7, 0.8, 0.62, 0.52, 0.71, 0.79],
    ...     "higher_is_better": True})
    >>> study = CandidateStudy.from_frame(df)
    >>> study.candidates()
    ('A', 'B')
    >>> study.rank(rule="mean").to_frame()
      system  rank  score
    0      A     1  0.6575
    1      B     2  0.6525
    """

    frame: pd.DataFrame = field(repr=False)
    name: str = "study"
    truth: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    notes: tuple[str, ...] = ()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        *,
        candidate: str = "candidate",
        task: str = "task",
        seed: str | None = "seed",
        scale: str | None = "scale",
        score: str = "score",
        direction: str = "higher_is_better",
        random_baseline: str | None = "random_baseline",
        higher_is_better: bool | Mapping[str, bool] | None = None,
        name: str = "study",
        truth: pd.DataFrame | None = None,
        notes: Sequence[str] = (),
    ) -> CandidateStudy:
        """Build a study from a long DataFrame, one row per candidate, task, seed and scale.

        Parameters
        ----------
        data : pandas.DataFrame
            Long data.
        candidate, task, score : str
            Names of the candidate (training set), task and score columns.
        seed : str or None, default "seed"
            Name of the seed column; when absent (or None) every row is seed ``"0"``.
        scale : str or None, default "scale"
            Name of the scale (model size) column; when absent (or None) the
            study has one scale, ``"-"``.
        direction : str, default "higher_is_better"
            Name of a column holding each row's direction (True / False).
        random_baseline : str or None, default "random_baseline"
            Name of a column holding each task's chance-level score, used only
            by :data:`CENTERED_MEAN`; ignored when absent.
        higher_is_better : bool or mapping of str to bool, optional
            Direction for all tasks, or per task, when the data has no
            direction column. rankagg never guesses a metric's direction.
        name : str
            A label for the study.
        truth : pandas.DataFrame, optional
            Ground truth that the construction implies (synthetic studies).
        notes : sequence of str
            What the caller left out or changed while preparing ``data``.

        Raises
        ------
        StudyError
            A missing column, a task without a direction, a direction that
            changes within a task, a duplicated (candidate, task, seed, scale)
            row, a missing or non-finite score.
        """
        if not isinstance(data, pd.DataFrame):
            raise StudyError(f"data: expected a pandas DataFrame, got {type(data).__name__}.")
        for what, col in (("candidate", candidate), ("task", task), ("score", score)):
            if col not in data.columns:
                raise StudyError(
                    f"{what}: no column {col!r} in the data.{did_you_mean(col, map(str, data.columns))} The columns "
                    f"are {preview(list(map(str, data.columns)), 10)}; pass {what}='<column>'."
                )
        out = pd.DataFrame(
            {
                "candidate": data[candidate].astype(str).to_numpy(),
                "task": data[task].astype(str).to_numpy(),
                "seed": data[seed].map(_seed_label).to_numpy() if seed and seed in data.columns else "0",
                "scale": data[scale].astype(str).to_numpy() if scale and scale in data.columns else _NO_SCALE,
            }
        )
        scores = pd.to_numeric(data[score], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(scores)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = out.iloc[i]
            raise StudyError(
                f"score: {int(bad.sum())} missing or non-numeric score(s), e.g. row {i} (candidate "
                f"{row.candidate!r}, task {row.task!r}, seed {row.seed!r}, scale {row.scale!r}: "
                f"{data[score].iloc[i]!r}). A study compares every candidate on the same tasks: drop those rows "
                "(or the task, or the candidate) before building it, and say so."
            )
        out["score"] = scores
        out["higher_is_better"] = cls._directions(data, out, direction, higher_is_better)
        if random_baseline and random_baseline in data.columns:
            base = pd.to_numeric(data[random_baseline], errors="coerce").to_numpy(dtype=np.float64)
            out["random_baseline"] = base
        dup = out.duplicated(["candidate", "task", "seed", "scale"], keep=False)
        if dup.any():
            row = out[dup].iloc[0]
            raise StudyError(
                f"data: {int(dup.sum())} rows repeat a (candidate, task, seed, scale), e.g. candidate "
                f"{row.candidate!r}, task {row.task!r}, seed {row.seed!r}, scale {row.scale!r}. Give each training "
                "run its own seed label, or keep one row per run."
            )
        out = out.sort_values(["scale", "candidate", "task", "seed"], kind="stable").reset_index(drop=True)
        return cls(frame=out, name=name, truth=truth, notes=tuple(notes))

    @staticmethod
    def _directions(
        data: pd.DataFrame, out: pd.DataFrame, direction: str, higher_is_better: bool | Mapping[str, bool] | None
    ) -> np.ndarray:
        if direction in data.columns:
            raw = data[direction]
            mapped = raw.map(
                lambda v: {"true": True, "higher": True, "1": True, "false": False, "lower": False, "0": False}.get(
                    str(v).strip().lower()
                )
            )
            if mapped.isna().any():
                i = int(np.flatnonzero(mapped.isna().to_numpy())[0])
                raise StudyError(
                    f"{direction}: row {i} (task {out['task'].iloc[i]!r}) has {raw.iloc[i]!r}; write True/False "
                    "(or higher/lower)."
                )
            hib = mapped.to_numpy(dtype=bool)
        elif isinstance(higher_is_better, bool):
            hib = np.full(len(out), higher_is_better)
        elif isinstance(higher_is_better, Mapping):
            missing = sorted(set(out["task"]) - set(map(str, higher_is_better)))
            if missing:
                raise StudyError(
                    f"higher_is_better: no direction for task(s) {preview(missing)}; give every task's direction, "
                    "e.g. higher_is_better={'nll': False, 'accuracy': True}."
                )
            hib = out["task"].map({str(k): bool(v) for k, v in higher_is_better.items()}).to_numpy(dtype=bool)
        else:
            raise StudyError(
                f"higher_is_better: the data has no {direction!r} column; say each task's direction "
                "(higher_is_better=True, or a mapping {task: bool}). rankagg does not guess it."
            )
        per_task = pd.Series(hib).groupby(out["task"].to_numpy()).nunique()
        if (per_task > 1).any():
            raise StudyError(
                f"{direction}: task {per_task[per_task > 1].index[0]!r} is marked both higher- and lower-is-better; "
                "one task has one direction."
            )
        return hib

    @classmethod
    def read(cls, path: str | Path, **kwargs: Any) -> CandidateStudy:
        """Read a study from a CSV / TSV / Parquet file (the columns of :meth:`from_frame`).

        Examples
        --------
        >>> import tempfile, os
        >>> from rankagg.probes import generate
        >>> study = generate(n_seeds=2, rng=0)
        >>> path = os.path.join(tempfile.mkdtemp(), "study.csv")
        >>> study.to_csv(path)
        >>> CandidateStudy.read(path).candidates() == study.candidates()
        True
        """
        p = Path(path)
        if not p.is_file():
            raise StudyError(f"path: no file {str(p)!r}.")
        suffix = "".join(p.suffixes[-2:]).lower()
        if suffix.endswith(".parquet"):
            df = pd.read_parquet(p)
        else:
            sep = "\t" if ".tsv" in suffix else ","
            df = pd.read_csv(p, sep=sep, dtype={"seed": str, "scale": str, "candidate": str, "task": str})
        kwargs.setdefault("name", p.stem)
        return cls.from_frame(df, **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """The long frame (a copy)."""
        return self.frame.copy()

    def to_csv(self, path: str | Path) -> None:
        """Write the long frame as CSV, numbers with 17 significant digits (read back exactly)."""
        self.frame.to_csv(path, index=False, float_format="%.17g", lineterminator="\n")

    # ------------------------------------------------------------------ shape
    @property
    def scales(self) -> tuple[str, ...]:
        """The scales, in the order of the data (sorted)."""
        return tuple(pd.unique(self.frame["scale"]))

    def _rows(self, scale: str | None) -> pd.DataFrame:
        scales = self.scales
        if scale is None:
            if len(scales) > 1:
                raise StudyError(f"scale: the study has {len(scales)} scales ({preview(scales)}); name one.")
            return self.frame
        if str(scale) not in scales:
            raise StudyError(
                f"scale: no scale {scale!r} in the study.{did_you_mean(str(scale), scales)} "
                f"The scales are {preview(scales, 10)}."
            )
        return self.frame[self.frame["scale"] == str(scale)]

    def candidates(self, scale: str | None = None) -> tuple[str, ...]:
        """Candidates (sorted) at ``scale`` (the only scale by default)."""
        return tuple(sorted(pd.unique(self._rows(scale)["candidate"])))

    def tasks(self, scale: str | None = None) -> tuple[str, ...]:
        """Tasks (sorted) at ``scale``."""
        return tuple(sorted(pd.unique(self._rows(scale)["task"])))

    def seeds(self, scale: str | None = None) -> tuple[str, ...]:
        """Seed labels at ``scale``."""
        return tuple(sorted(pd.unique(self._rows(scale)["seed"])))

    def subset(self, *, candidates: Sequence[str] | None = None, tasks: Sequence[str] | None = None) -> CandidateStudy:
        """The study restricted to some candidates and / or tasks (at every scale)."""
        df = self.frame
        if candidates is not None:
            df = df[df["candidate"].isin(list(candidates))]
        if tasks is not None:
            df = df[df["task"].isin(list(tasks))]
        return replace(self, frame=df.reset_index(drop=True))

    def with_scores(self, task: str, transform: Any, *, higher_is_better: bool | None = None) -> CandidateStudy:
        """The study with one task's scores re-expressed (e.g. ``np.log`` for perplexity, ``lambda x: 1000 * x``).

        Examples
        --------
        >>> from rankagg.probes import generate
        >>> s = generate(rng=0)
        >>> logged = s.with_scores("ood_perplexity", np.log)  # log-perplexity: the mean's pick moves, Borda's not
        >>> [s.rank(rule="mean").winners, logged.rank(rule="mean").winners]
        [('hot',), ('skew_d0',)]
        >>> [s.rank(rule="borda").winners, logged.rank(rule="borda").winners]
        [('clean',), ('clean',)]
        """
        if task not in set(self.frame["task"]):
            raise StudyError(f"task: no task {task!r} in the study.{did_you_mean(task, set(self.frame['task']))}")
        df = self.frame.copy()
        sel = df["task"] == task
        new = np.asarray(transform(df.loc[sel, "score"].to_numpy()), dtype=np.float64)
        if new.shape != (int(sel.sum()),) or not np.isfinite(new).all():
            raise StudyError(
                f"transform: re-expressing task {task!r} must give one finite number per score (e.g. np.log of "
                "positive scores); it gave a different shape or non-finite values."
            )
        df.loc[sel, "score"] = new
        if higher_is_better is not None:
            df.loc[sel, "higher_is_better"] = bool(higher_is_better)
        return replace(self, frame=df)

    # ------------------------------------------------------------------ tables
    def _scores(self, scale: str | None, centered: bool) -> pd.DataFrame:
        rows = self._rows(scale)
        if not centered:
            return rows
        if "random_baseline" not in rows.columns or rows["random_baseline"].isna().any():
            raise StudyError(
                f"rule {CENTERED_MEAN!r}: needs each task's random baseline (column 'random_baseline', chance-level "
                "score); the study has none for some tasks. Give it, or use rule 'mean'."
            )
        if not rows["higher_is_better"].all():
            raise StudyError(
                f"rule {CENTERED_MEAN!r}: centers higher-is-better scores (accuracies); task "
                f"{rows.loc[~rows['higher_is_better'], 'task'].iloc[0]!r} is lower-is-better."
            )
        rows = rows.copy()
        b = rows["random_baseline"].to_numpy()
        if (b >= 1).any():
            raise StudyError(f"random_baseline: must be below 1 (a fraction), got {b.max()!r}.")
        rows["score"] = (rows["score"].to_numpy() - b) / (1.0 - b)
        return rows

    def table(
        self,
        scale: str | None = None,
        *,
        seeds: str = "average",
        centered: bool = False,
        missing: str = "raise",
    ) -> ScoreTable | InstanceTable:
        """The candidates x tasks table at one scale, candidates as systems.

        Parameters
        ----------
        scale : str, optional
            Which scale (required when the study has several).
        seeds : {"average", "replicates"}, default "average"
            ``"average"``: a :class:`~rankagg.ScoreTable` of each candidate's
            mean score over its seeds, per task. ``"replicates"``: an
            :class:`~rankagg.InstanceTable` whose instances are the seeds (for
            a bootstrap that resamples them; aggregate it with
            ``level="two", inner="mean"`` to rank the seed means).
        centered : bool, default False
            Replace each score by (score - random baseline) / (1 - random
            baseline) (DCLM's centered accuracy).
        missing : str, default "raise"
            Missing-score policy of the table (see :class:`~rankagg.ScoreTable`).
        """
        rows = self._scores(scale, centered)
        if seeds == "average":
            g = rows.groupby(["candidate", "task"], sort=True)
            df = g.agg(score=("score", "mean"), higher_is_better=("higher_is_better", "first")).reset_index()
            return ScoreTable.from_long(df, system="candidate", task="task", metric=None, missing=missing)
        if seeds == "replicates":
            return InstanceTable.from_long(
                rows, system="candidate", task="task", instance="seed", metric=None, missing=missing
            )
        raise StudyError(f"seeds={seeds!r}: use 'average' (seed means per task) or 'replicates' (seeds as instances).")

    # ------------------------------------------------------------------ ranking
    def rank(self, scale: str | None = None, rule: str = "borda", **params: Any) -> RankingResult:
        """Rank the candidates at one scale (seed means per task) with a registered rule or :data:`CENTERED_MEAN`.

        ``**params`` go to :func:`rankagg.aggregate` (``atol``, rule parameters...).
        """
        centered = rule == CENTERED_MEAN
        return aggregate(self.table(scale, centered=centered), rule="mean" if centered else rule, **params)

    def compare(
        self, scale: str | None = None, rules: Sequence[str] = ("mean", "borda", "kemeny"), **params: Any
    ) -> ComparisonResult:
        """Rank the candidates at one scale under several rules, side by side (:func:`rankagg.compare`)."""
        return compare(self.table(scale), list(rules), **params)

    def bootstrap(
        self,
        scale: str | None = None,
        rule: str = "borda",
        *,
        resample: str = "tasks",
        n_resamples: int = 1000,
        rng: int | np.random.Generator | None = None,
        counts: Any = None,
        **params: Any,
    ) -> BootstrapResult:
        """Bootstrap the candidates' ranking at one scale with :func:`rankagg.bootstrap`.

        Parameters
        ----------
        resample : {"tasks", "seeds", "both"}, default "tasks"
            ``"tasks"``: the seed means' table, tasks drawn with replacement.
            ``"seeds"``: each task's seeds drawn with replacement (within the
            task), the seed means ranked. ``"both"``: tasks, then the seeds of
            the drawn tasks. The last two need at least two seeds.
        counts : array_like, optional
            ``"tasks"`` only: the task multiplicities of each resample
            (``result.counts`` of another run), to share resamples.
        **params
            Passed to :func:`rankagg.bootstrap` (``confidence``, ``n_jobs``,
            rule parameters...).

        Examples
        --------
        >>> from rankagg.probes import generate
        >>> s = generate(n_seeds=3, rng=0)
        >>> b = s.bootstrap(rule="borda", resample="both", n_resamples=200, rng=0)
        >>> (b.resample, b.ranks.shape)
        ('both', (200, 10))
        """
        if resample not in RESAMPLE:
            raise StudyError(f"resample={resample!r}: use one of {', '.join(map(repr, RESAMPLE))}.")
        centered = rule == CENTERED_MEAN
        run_rule = "mean" if centered else rule
        if resample == "tasks":
            return bootstrap(
                self.table(scale, centered=centered),
                run_rule,
                n_resamples=n_resamples,
                rng=rng,
                counts=counts,
                **params,
            )
        if counts is not None:
            raise StudyError("counts: only with resample='tasks'; seed resamples are drawn from rng.")
        n_seeds = self._rows(scale).groupby(["candidate", "task"])["seed"].nunique()
        if int(n_seeds.max()) < 2:
            raise StudyError(
                f"resample={resample!r}: every candidate has one seed per task at scale {scale!r}; there are no "
                "seeds to resample. Use resample='tasks'."
            )
        inst = self.table(scale, seeds="replicates", centered=centered)
        kind = "seeds" if resample == "seeds" else "both"
        return bootstrap(
            inst,
            run_rule,
            resample=kind,
            level="two",
            inner="mean",
            n_resamples=n_resamples,
            rng=rng,
            **params,
        )

    # ------------------------------------------------------------------ scales
    def matched(self, small: str, target: str, *, warn: bool = True) -> tuple[CandidateStudy, dict[str, Any]]:
        """The study restricted to the candidates and tasks present at both scales, and what was dropped.

        Returns
        -------
        (CandidateStudy, dict)
            The matched study (two scales) and ``{"candidates": {scale:
            (dropped...)}, "tasks": {scale: (dropped...)}}``. With
            ``warn=True``, anything dropped is said in a
            :class:`~rankagg.RankaggWarning`.
        """
        a, b = self._rows(small), self._rows(target)
        cand = sorted(set(a["candidate"]) & set(b["candidate"]))
        if len(cand) < 2:
            raise StudyError(
                f"scales {small!r} and {target!r} share {len(cand)} candidate(s); decision accuracy needs at least two "
                f"candidates evaluated at both (candidates at {small!r}: {preview(sorted(set(a['candidate'])))}; at "
                f"{target!r}: {preview(sorted(set(b['candidate'])))})."
            )
        a, b = a[a["candidate"].isin(cand)], b[b["candidate"].isin(cand)]
        # tasks every run (candidate, seed) of the matched candidates has at both scales: the seed means of every
        # task then average the same runs
        ra, rb = a[["candidate", "seed"]].drop_duplicates(), b[["candidate", "seed"]].drop_duplicates()
        ta = a.groupby("task").size()
        tb = b.groupby("task").size()
        tasks = sorted(set(ta[ta == len(ra)].index) & set(tb[tb == len(rb)].index))
        if not tasks:
            raise StudyError(f"scales {small!r} and {target!r}: no task was evaluated for every shared candidate.")
        dropped = {
            "candidates": {
                s: tuple(sorted(set(r["candidate"]) - set(cand)))
                for s, r in ((small, self._rows(small)), (target, self._rows(target)))
            },
            "tasks": {s: tuple(sorted(set(r["task"]) - set(tasks))) for s, r in ((small, a), (target, b))},
        }
        if warn:
            for kind, per in dropped.items():
                for s, names in per.items():
                    if names:
                        warnings.warn(
                            f"{self.name}: {len(names)} {kind[:-1]}(s) of scale {s!r} not comparable across scales "
                            f"{small!r} and {target!r}, left out: {preview(names, 4)}",
                            RankaggWarning,
                            stacklevel=3,
                        )
        df = pd.concat([a[a["task"].isin(tasks)], b[b["task"].isin(tasks)]], ignore_index=True)
        return replace(self, frame=df), dropped

    def summary(self) -> pd.DataFrame:
        """One row per scale: numbers of candidates, tasks and seeds."""
        rows = []
        for s in self.scales:
            r = self._rows(s)
            per = r.groupby(["candidate", "task"])["seed"].nunique()
            rows.append(
                {
                    "scale": s,
                    "candidates": r["candidate"].nunique(),
                    "tasks": r["task"].nunique(),
                    "seeds_min": int(per.min()),
                    "seeds_max": int(per.max()),
                    "rows": len(r),
                }
            )
        return pd.DataFrame(rows)
