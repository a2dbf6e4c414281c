"""Pairwise data: battle logs ("A beat B on this prompt") and the pairwise profile the rules read.

Some evaluations publish no scores at all, only pairwise outcomes (Chatbot
Arena, MT-Bench human judgments). :func:`pairwise_from_battles` turns such a log
into the same weighted pairwise preference matrix that the majority rules,
Kemeny and Bradley-Terry read from a score table, a :class:`PairwiseProfile`.
``rankagg.aggregate(profile_or_battle_frame, rule=...)`` ranks it with any rule
whose registry entry says ``pairwise_ok`` (``rankagg.list_rules()``); the
others (the mean family, Borda and the positional rules, Plackett-Luce) need
scores or full rankings and refuse it.

Two systems that never met count as a tie for the majority rules and Kemeny
(margin 0, as in a score table). A battle log whose comparison graph is in
several pieces (groups of systems never compared with each other, directly or
through others) is refused with the groups named: no rule can order them.

How sure a ranking of battles is: :func:`bootstrap_battles` resamples the
battles with replacement (Chatbot Arena's bootstrap), :func:`battle_perturbations`
leaves systems out or keeps a fraction of the battles.
"""

from __future__ import annotations

import fnmatch
import os
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, RuleError, did_you_mean, preview
from rankagg.io._common import DataNoteWarning
from rankagg.io.pairwise import _LAYOUTS, BATTLE_WINNERS
from rankagg.ranking import competition_ranks, levels_from_scores
from rankagg.results import RankingResult
from rankagg.rules import RULES, RuleInfo, get_rule
from rankagg.rules.majority import condorcet_winner, margins
from rankagg.table import _match

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


__all__ = [
    "BATTLE_RULES",
    "BATTLE_STUDIES",
    "BattleError",
    "PairwiseProfile",
    "battle_perturbations",
    "bootstrap_battles",
    "is_battle_frame",
    "pairwise_from_battles",
]

#: The default rules of battle studies, and the perturbation studies that apply to battle logs.
BATTLE_RULES: tuple[str, ...] = ("bradley_terry", "copeland", "kemeny")
BATTLE_STUDIES: tuple[str, ...] = ("remove_systems", "subsample_battles")
#: One record per distinct battle: systems ``a`` and ``b`` (indices, ``a < b``), ``outcome`` (0: ``a`` won,
#: 1: ``b`` won, 2: tie), the ``weight`` of one such battle and how many there are (``count``).
CELL_DTYPE = np.dtype(
    [("a", np.intp), ("b", np.intp), ("outcome", np.int8), ("weight", np.float64), ("count", np.int64)]
)


class BattleError(RankaggError):
    """A battle log or pairwise profile is invalid, or a rule cannot rank it."""


@dataclass(frozen=True, eq=False)
class PairwiseProfile:
    """Weighted pairwise preferences between systems: what pairwise-only rules read.

    Attributes
    ----------
    systems : tuple of str
        System names.
    wins : numpy.ndarray of shape (n, n)
        ``wins[i, j]`` = total weight of the comparisons ``i`` won against ``j``.
    ties : numpy.ndarray of shape (n, n)
        ``ties[i, j]`` = total weight of the ties between ``i`` and ``j``
        (symmetric, zero diagonal).
    total_weight : float
        The scale of the counts (for battles: the total weight of the
        battles); majority rules treat differences below ``1e-9`` of it as
        float noise.
    n_battles : int or None
        Number of battle records read, when built from a battle log.
    source : str
        Where the data came from.
    cells : numpy.ndarray or None
        Built from a battle log: the distinct battles, a structured array
        with fields ``a``, ``b`` (system indices, ``a < b``), ``outcome`` (0:
        ``a`` won, 1: ``b`` won, 2: tie), ``weight`` (of one battle) and
        ``count`` (how many such battles); what :func:`bootstrap_battles`
        resamples. None for a profile built from counts.
    notes : tuple of str
        What was left out on the way (battles of excluded systems or tasks).

    Examples
    --------
    >>> import numpy as np
    >>> from rankagg.battles import PairwiseProfile
    >>> p = PairwiseProfile(("A", "B"), np.array([[0.0, 3.0], [1.0, 0.0]]), np.zeros((2, 2)), 4.0)
    >>> p.to_frame()
      system_a system_b  wins_a  wins_b  ties
    0        A        B     3.0     1.0   0.0
    """

    systems: tuple[str, ...]
    wins: np.ndarray = field(repr=False)
    ties: np.ndarray = field(repr=False)
    total_weight: float
    n_battles: int | None = None
    source: str = ""
    cells: np.ndarray | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.systems)
        for name in ("wins", "ties"):
            a = np.asarray(getattr(self, name), dtype=np.float64)
            if a.shape != (n, n):
                raise BattleError(f"{name}: expected shape ({n}, {n}) for {n} systems, got {a.shape}.")
            if not np.all(np.isfinite(a)) or (a < 0).any():
                raise BattleError(f"{name}: pairwise counts must be finite and >= 0.")
            a = a.copy()
            np.fill_diagonal(a, 0.0)
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        if not np.allclose(self.ties, self.ties.T):
            raise BattleError("ties: the tie matrix must be symmetric (ties[i, j] == ties[j, i]).")
        if len(set(self.systems)) < n:
            raise BattleError("systems: system names must be unique.")
        if n < 2:
            raise BattleError(f"systems: only {n} system; ranking needs at least two.")
        object.__setattr__(self, "systems", tuple(str(s) for s in self.systems))
        if self.cells is not None:
            c = np.array(self.cells, dtype=CELL_DTYPE)
            c.setflags(write=False)
            object.__setattr__(self, "cells", c)

    @property
    def pairwise(self) -> tuple[np.ndarray, np.ndarray]:
        """``(wins, ties)``, as :attr:`rankagg.rules.RuleInput.pairwise`."""
        return self.wins, self.ties

    @property
    def n(self) -> int:
        """Number of systems."""
        return len(self.systems)

    def to_frame(self) -> pd.DataFrame:
        """One row per pair that met: ``system_a, system_b, wins_a, wins_b, ties``."""
        iu, ju = np.triu_indices(self.n, 1)
        met = (self.wins[iu, ju] + self.wins[ju, iu] + self.ties[iu, ju]) > 0
        iu, ju = iu[met], ju[met]
        return pd.DataFrame(
            {
                "system_a": [self.systems[i] for i in iu],
                "system_b": [self.systems[j] for j in ju],
                "wins_a": self.wins[iu, ju],
                "wins_b": self.wins[ju, iu],
                "ties": self.ties[iu, ju],
            }
        )

    def select_systems(
        self, *, include: str | Collection[str] | None = None, exclude: str | Collection[str] | None = None
    ) -> PairwiseProfile:
        """Keep systems matching ``include`` and not ``exclude`` (names or shell-style patterns)."""
        keep = np.ones(self.n, dtype=bool)
        if include is not None:
            keep &= _match(include, self.systems, "include")
        if exclude is not None:
            keep &= ~_match(exclude, self.systems, "exclude")
        if keep.sum() < 2:
            raise BattleError(
                f"include/exclude: {int(keep.sum())} system(s) left after selection; ranking needs at least two."
            )
        return self._subset(np.nonzero(keep)[0])

    def _subset(self, idx: np.ndarray) -> PairwiseProfile:
        """The profile of the systems ``idx`` (ascending); the battles of the others are dropped, and said so."""
        idx = np.asarray(idx, dtype=np.intp)
        sub = replace(
            self,
            systems=tuple(self.systems[i] for i in idx),
            wins=self.wins[np.ix_(idx, idx)],
            ties=self.ties[np.ix_(idx, idx)],
            cells=None,
        )
        if self.cells is None:
            return replace(sub, n_battles=None)
        where = np.full(self.n, -1, dtype=np.intp)
        where[idx] = np.arange(idx.size)
        c = self.cells[(where[self.cells["a"]] >= 0) & (where[self.cells["b"]] >= 0)].copy()
        c["a"], c["b"] = where[c["a"]], where[c["b"]]  # idx ascending: a < b still holds
        kept = int(c["count"].sum())
        dropped = (self.n_battles or 0) - kept
        left_out = [s for s in self.systems if s not in set(sub.systems)]
        notes = self.notes
        if left_out:
            notes += (f"{dropped} of {self.n_battles} battles dropped: they involve the systems left out "
                      f"({preview(left_out, 6)}).",)  # fmt: skip
        return replace(sub, cells=c, n_battles=kept, total_weight=float((c["weight"] * c["count"]).sum()), notes=notes)


def is_battle_frame(obj: Any) -> bool:
    """Whether ``obj`` is a DataFrame with the columns of a battle log (``system_a, system_b`` or ``model_a, model_b``,
    and ``winner``)."""
    if not isinstance(obj, pd.DataFrame):
        return False
    cols = {str(c) for c in obj.columns}
    return "winner" in cols and any(set(layout) <= cols for layout in _LAYOUTS)


def _task_mask(df: pd.DataFrame, tasks: str | Collection[str]) -> np.ndarray:
    """The battles whose ``task`` matches one of ``tasks`` (names or shell-style patterns); each must match one."""
    if "task" not in df.columns:
        raise BattleError(
            f"tasks: the battle log has no task column; its columns are "
            f"{preview([str(c) for c in df.attrs.get('columns', df.columns)], 10)}. "
            "Say which column holds the task or category: rankagg.io.read_battles(path, task='COLUMN') "
            "(command line: --task-col COLUMN)."
        )
    values = df["task"].astype("string").str.strip().fillna("").to_numpy(dtype=object)
    present = list(dict.fromkeys(v for v in values if v))
    mask = np.zeros(len(df), dtype=bool)
    for pat in [tasks] if isinstance(tasks, str) else list(tasks):
        hit = np.isin(values, [v for v in present if v == pat or fnmatch.fnmatchcase(v, str(pat))])
        if not hit.any():
            raise BattleError(
                f"tasks: no task {pat!r} in the battle log; its tasks are {preview(present, 8)}."
                f"{did_you_mean(str(pat), present)}"
            )
        mask |= hit
    return mask


def _cell_maps(cells: np.ndarray, n: int) -> tuple[csr_matrix, csr_matrix]:
    """Sparse maps from cell counts to the flattened ``wins`` and ``ties`` matrices (``counts @ map``)."""
    from scipy.sparse import csr_matrix

    k = cells.size
    a, b, w = cells["a"], cells["b"], cells["weight"]
    won = cells["outcome"] < 2
    target = np.where(cells["outcome"] == 1, b * n + a, a * n + b)
    wins = csr_matrix((w[won], (np.nonzero(won)[0], target[won])), shape=(k, n * n))
    tie = np.nonzero(~won)[0]
    cols = np.column_stack([a[tie] * n + b[tie], b[tie] * n + a[tie]]).ravel()
    ties = csr_matrix((np.repeat(w[tie], 2), (np.repeat(tie, 2), cols)), shape=(k, n * n))
    return wins, ties


def _matrices(maps: tuple[csr_matrix, csr_matrix], counts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``wins`` and ``ties`` of shape ``(B, n, n)`` for ``B`` rows of cell counts (one sparse product each)."""
    counts = np.asarray(counts, dtype=np.float64)
    wins = np.asarray(maps[0].T @ counts.T).T.reshape(-1, n, n)
    ties = np.asarray(maps[1].T @ counts.T).T.reshape(-1, n, n)
    return wins, ties


def _profile_of(profile: PairwiseProfile, counts: np.ndarray, maps: tuple[csr_matrix, csr_matrix]) -> PairwiseProfile:
    """``profile`` with its battles drawn ``counts`` times each (one row of cell counts)."""
    wins, ties = _matrices(maps, counts[None, :], profile.n)
    cells = profile.cells.copy()  # type: ignore[union-attr]
    cells["count"] = counts
    return replace(
        profile,
        wins=wins[0],
        ties=ties[0],
        total_weight=float((cells["weight"] * counts).sum()),
        n_battles=int(counts.sum()),
        cells=cells[counts > 0],
    )


def pairwise_from_battles(
    battles: pd.DataFrame | str | os.PathLike[str],
    *,
    weight: str | None = None,
    tasks: str | Collection[str] | None = None,
    include: str | Collection[str] | None = None,
    exclude: str | Collection[str] | None = None,
) -> PairwiseProfile:
    """Build the pairwise preference matrix of a battle log.

    Parameters
    ----------
    battles : pandas.DataFrame or path-like
        Columns ``system_a, system_b, winner`` with ``winner`` in ``{"a",
        "b", "tie"}`` (or the raw log values ``model_a``, ``model_b``,
        ``tie``, ``tie (bothbad)``), as returned by
        :func:`rankagg.io.read_battles`; optional columns (``task``,
        ``instance``, ``judge``...) are kept by the reader but not needed
        here. A raw log (``model_a, model_b, winner``) or a path is read with
        :func:`rankagg.io.read_battles` first.
    weight : str, optional
        Column of positive battle weights (default: every battle weighs 1).
    tasks : str or collection of str, optional
        Keep only the battles whose ``task`` column (a raw log's
        ``category``) matches one of these names or shell-style patterns;
        each must match at least one battle. Systems left without a battle
        are dropped.
    include, exclude : str or collection of str, optional
        Systems to keep or leave out (names or shell-style patterns); battles
        involving a left-out system are dropped.

    Returns
    -------
    PairwiseProfile
        ``wins[i, j]`` = weight of the battles ``i`` won against ``j``,
        ``ties[i, j]`` = weight of their ties; systems in order of first
        appearance; ``cells`` holds the distinct battles (for the
        bootstrap), ``notes`` how many battles each filter dropped.

    Raises
    ------
    BattleError
        On missing columns, empty names, a system battling itself, winner
        values outside the ones above, bad weights, ``tasks`` on a log
        without a task column or naming no task of it, or fewer than two
        systems; the message names the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.battles import pairwise_from_battles
    >>> log = pd.DataFrame({"system_a": ["x", "x", "y", "z"], "system_b": ["y", "y", "x", "x"],
    ...                     "winner": ["a", "tie", "a", "b"], "task": ["qa", "qa", "qa", "code"]})
    >>> p = pairwise_from_battles(log, tasks="qa")
    >>> p.systems, p.wins.tolist(), p.ties.tolist()
    (('x', 'y'), [[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]])
    >>> p.notes
    ("tasks: 1 of 4 battles dropped (kept the tasks 'qa').",)
    """
    source = "data"
    if not isinstance(battles, pd.DataFrame) or (is_battle_frame(battles) and "system_a" not in battles.columns):
        from rankagg.io import read_battles

        if not isinstance(battles, pd.DataFrame):
            source = str(battles)
        battles = read_battles(battles)
    df = battles
    cols = [str(c) for c in df.columns]
    for name in ("system_a", "system_b", "winner"):
        if name not in cols:
            raise BattleError(
                f"battles: no column {name!r}; a battle log has system_a, system_b and winner ('a', 'b' or 'tie') "
                f"columns, this one has {preview(cols, 10)}.{did_you_mean(name, cols)} Read raw logs with "
                "rankagg.io.read_battles(path, model_a=..., model_b=..., winner=...)."
            )
    if len(df) == 0:
        raise BattleError("battles: the log has no battle.")
    rows = np.asarray(df.index, dtype=object)
    a = df["system_a"].astype("string").str.strip()
    b = df["system_b"].astype("string").str.strip()
    for side, names in (("system_a", a), ("system_b", b)):
        empty = (names.isna() | (names == "")).to_numpy(dtype=bool)
        if empty.any():
            raise BattleError(f"battles: empty {side} in row(s) {preview(list(rows[empty]))}; every battle names both.")
    a_np = a.to_numpy(dtype=object)
    b_np = b.to_numpy(dtype=object)
    same = a_np == b_np
    if same.any():
        raise BattleError(
            f"battles: row(s) {preview(list(rows[same]))} pit a system against itself ({a_np[same][0]!r}); remove them."
        )
    raw = df["winner"].astype("string").str.strip().str.lower()
    mapped = raw.map(BATTLE_WINNERS)
    bad = mapped.isna().to_numpy(dtype=bool)
    if bad.any():
        where = [f"(row {r}: {v!r})" for r, v in zip(rows[bad][:5], df["winner"].to_numpy()[bad][:5], strict=True)]
        raise BattleError(
            f"battles: winner values at {preview(where)} are not 'a', 'b' or 'tie' (nor model_a, model_b, tie, "
            "tie (bothbad)); map them first."
        )
    if weight is None:
        w = np.ones(len(df))
    else:
        if weight not in cols:
            raise BattleError(f"weight: no column {weight!r}; the columns are {preview(cols, 10)}.")
        w = pd.to_numeric(df[weight], errors="coerce").to_numpy(dtype=np.float64)
        badw = ~(np.isfinite(w) & (w > 0))
        if badw.any():
            raise BattleError(f"weight: rows {preview(list(rows[badw]))} have a weight that is not a positive number.")
    notes: list[str] = []
    ok = np.ones(len(df), dtype=bool)
    if tasks is not None:
        ok = _task_mask(df, tasks)
        kept = list(dict.fromkeys(df["task"].astype("string").str.strip().to_numpy(dtype=object)[ok]))
        notes.append(f"tasks: {int((~ok).sum())} of {len(df)} battles dropped (kept the tasks {preview(kept, 6)}).")
    systems = list(pd.unique(np.column_stack([a_np[ok], b_np[ok]]).ravel()))
    keep_sys = np.ones(len(systems), dtype=bool)
    if include is not None:
        keep_sys &= _match(include, systems, "include")
    if exclude is not None:
        keep_sys &= ~_match(exclude, systems, "exclude")
    left_out = [s for s, k in zip(systems, keep_sys, strict=True) if not k]
    systems = [s for s, k in zip(systems, keep_sys, strict=True) if k]
    if len(systems) < 2:
        raise BattleError(f"battles: {len(systems)} system(s) left; ranking needs at least two.")
    index = {s: i for i, s in enumerate(systems)}
    ia = pd.Series(a_np).map(index).to_numpy(dtype=np.float64)
    ib = pd.Series(b_np).map(index).to_numpy(dtype=np.float64)
    before = int(ok.sum())
    ok &= ~(np.isnan(ia) | np.isnan(ib))
    if left_out:
        notes.append(
            f"include/exclude: {before - int(ok.sum())} of {before} battles dropped: they involve the systems left "
            f"out ({preview(left_out, 6)})."
        )
    ia, ib, w, outcome = ia[ok].astype(np.intp), ib[ok].astype(np.intp), w[ok], mapped.to_numpy(dtype=object)[ok]
    lo, hi = np.minimum(ia, ib), np.maximum(ia, ib)
    code = np.where(outcome == "tie", 2, np.where((outcome == "a") == (ia == lo), 0, 1))
    grouped = pd.DataFrame({"a": lo, "b": hi, "outcome": code, "weight": w}).groupby(
        ["a", "b", "outcome", "weight"], sort=True
    )
    counts = grouped.size()
    cells = np.empty(len(counts), dtype=CELL_DTYPE)
    for k, name in enumerate(("a", "b", "outcome", "weight")):
        cells[name] = counts.index.get_level_values(k).to_numpy()
    cells["count"] = counts.to_numpy()
    n = len(systems)
    wins, ties = _matrices(_cell_maps(cells, n), cells["count"][None, :], n)
    return PairwiseProfile(
        systems=tuple(systems),
        wins=wins[0],
        ties=ties[0],
        total_weight=float(w.sum()),
        n_battles=int(ok.sum()),
        source=source,
        cells=cells,
        notes=tuple(notes),
    )


# ----------------------------------------------------------------------------- ranking a profile
def _pairwise_rules() -> list[str]:
    return [name for name, info in RULES.items() if info.pairwise_ok]


def check_pairwise_rule(info: RuleInfo, what: str = "battle data") -> None:
    """Refuse a rule that needs scores or full rankings, naming the rules that read pairwise data only."""
    if not info.pairwise_ok:
        raise RuleError(
            f"rule {info.name!r} needs scores or full rankings, and {what} gives only pairwise preferences; use a "
            f"rule that reads pairwise preferences: {', '.join(_pairwise_rules())}."
        )


def check_connected(profile: PairwiseProfile) -> None:
    """Refuse a profile whose comparison graph is in several pieces, naming the groups."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    games = profile.wins + profile.wins.T + profile.ties
    k, lab = connected_components(csr_matrix(games > 0), directed=False)
    if k <= 1:
        return
    groups = [[profile.systems[i] for i in np.nonzero(lab == c)[0]] for c in range(k)]
    groups.sort(key=len, reverse=True)
    shown = "; ".join(f"{{{preview(g, 4)}}}" for g in groups[:3]) + (f"; ... ({k} groups)" if k > 3 else "")
    raise BattleError(
        f"battles: the systems fall into {k} groups that never met, directly or through others: {shown}. No rule "
        "can order systems across groups; rank one group at a time (include=... / exclude=...; CLI: --include, "
        "--exclude), or add battles between them."
    )


def run_pairwise_rule(
    profile: PairwiseProfile,
    info: RuleInfo,
    params: Mapping[str, Any],
    **fields: Any,
) -> RankingResult:
    """Apply a pairwise-only rule to a profile and package the :class:`~rankagg.RankingResult`.

    ``fields`` fill the result's bookkeeping (``missing_policy``, ``tasks``,
    ``level``...); defaults describe a battle log.
    """
    check_pairwise_rule(info, fields.pop("what", "battle data"))
    full = info.check_params(params)
    out = info.func(profile, **dict(params))
    return finish_result(profile.systems, info, full, out, margins(profile), **fields)


def finish_result(
    systems: tuple[str, ...],
    info: RuleInfo,
    full_params: Mapping[str, Any],
    out: Any,
    margin: np.ndarray,
    **fields: Any,
) -> RankingResult:
    """A :class:`~rankagg.RankingResult` from a rule's output (the scores checked, the ranks derived)."""
    scores = np.asarray(out.scores, dtype=np.float64)
    if scores.shape != (len(systems),) or not np.all(np.isfinite(scores)):
        raise RuleError(f"rule {info.name!r} returned invalid scores {scores!r}; this is a bug in the rule.")
    levels = out.levels if out.levels is not None else levels_from_scores(scores, higher_is_better=out.higher_is_better)
    ranks = competition_ranks(np.asarray(levels))
    scores.setflags(write=False)
    ranks.setflags(write=False)
    cw = condorcet_winner(margin)
    diagnostics = {"condorcet_winner": None if cw is None else systems[cw]}
    diagnostics.update(out.diagnostics)
    defaults: dict[str, Any] = {
        "missing_policy": "raise",
        "dropped_systems": (),
        "dropped_tasks": (),
        "tasks": (),
        "atol": 0.0,
        "rtol": 0.0,
        "level": "battles",
    }
    defaults.update(fields)
    return RankingResult(
        rule=info.name,
        params=MappingProxyType(dict(full_params)),
        systems=tuple(systems),
        scores=scores,
        score_name=info.score_name,
        higher_is_better=out.higher_is_better,
        ranks=ranks,
        diagnostics=MappingProxyType(diagnostics),
        **defaults,
    )


def aggregate_profile(profile: PairwiseProfile, rule: str, params: Mapping[str, Any]) -> RankingResult:
    """Rank a battle profile with one pairwise rule (what :func:`rankagg.aggregate` does with battles)."""
    info = get_rule(rule)
    check_pairwise_rule(info)
    check_connected(profile)
    return run_pairwise_rule(profile, info, params)


# ----------------------------------------------------------------------------- how sure: bootstrap and studies
RESAMPLE_BATTLES: tuple[str, ...] = ("battles", "battles_by_pair")


def _as_profile(battles: Any, what: str) -> PairwiseProfile:
    """A profile that keeps its battles (``cells``): ``battles`` itself, or built from a log."""
    if not isinstance(battles, PairwiseProfile):
        return pairwise_from_battles(battles)
    if battles.cells is None:
        raise BattleError(
            f"battles: this PairwiseProfile holds pairwise counts, not the battles behind them, so {what} has "
            "nothing to draw from; build it from the log with rankagg.battles.pairwise_from_battles(log)."
        )
    return battles


def _groups(pair_map: csr_matrix, counts: np.ndarray, n: int) -> np.ndarray:
    """Number of connected pieces of the comparison graph of each row of cell counts."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    out = np.empty(counts.shape[0], dtype=np.int64)
    step = max(1, (1 << 22) // (n * n))
    for s in range(0, counts.shape[0], step):
        met = np.asarray(pair_map.T @ counts[s : s + step].T.astype(np.float64)).T > 0
        for k, row in enumerate(met):
            out[s + k] = connected_components(csr_matrix(row.reshape(n, n)), directed=False)[0]
    return out


def _draw(cells: np.ndarray, size: int, gen: np.random.Generator, by_pair: bool) -> np.ndarray:
    """``size`` resamples of the battles: multinomial counts over the cells, overall or within each pair."""
    cnt = cells["count"]
    if not by_pair:
        return gen.multinomial(int(cnt.sum()), cnt / cnt.sum(), size=size)
    out = np.zeros((size, cells.size), dtype=np.int64)
    _, pair = np.unique(np.column_stack([cells["a"], cells["b"]]), axis=0, return_inverse=True)
    order = np.argsort(pair.ravel(), kind="stable")
    for idx in np.split(order, np.flatnonzero(np.diff(pair.ravel()[order])) + 1):
        out[:, idx] = gen.multinomial(int(cnt[idx].sum()), cnt[idx] / cnt[idx].sum(), size=size)
    return out


#: Largest share of draws of the battles that may leave the comparison graph in pieces and be drawn again: any
#: probability the bootstrap reports moves by at most this share (the total variation distance of the conditioning).
MAX_REDRAWN = 0.05


def _redraw_disconnected(
    profile: PairwiseProfile, counts: np.ndarray, pair_map: csr_matrix, gen: np.random.Generator
) -> None:
    """Draw again (in place) the resamples whose comparison graph is in pieces; refuse when they are not rare."""
    cells, n = profile.cells, profile.n
    assert cells is not None
    bad = _groups(pair_map, counts, n) > 1
    first = int(bad.sum())
    if first == 0:
        return
    if first > MAX_REDRAWN * len(counts):
        per = np.bincount(cells["a"], cells["count"], n) + np.bincount(cells["b"], cells["count"], n)
        few = [f"{profile.systems[i]} ({int(per[i])})" for i in np.argsort(per, kind="stable")[:4]]
        raise BattleError(
            f"battles: {first} of {len(counts)} draws of the battles ({first / len(counts):.0%}) leave the "
            f"comparison graph in pieces, more than the {MAX_REDRAWN:.0%} that can be drawn again without hiding "
            f"uncertainty: the log is too sparse to bootstrap. Fewest battles: {', '.join(few)}. Leave such systems "
            "out (exclude=...; CLI: --exclude), or draw within each pair (resample='battles_by_pair'; CLI: "
            "--resample battles_by_pair), which keeps every pair's battles but cannot vary a pair that met once."
        )
    for _ in range(100):
        counts[bad] = _draw(cells, int(bad.sum()), gen, False)  # only plain draws can fall apart
        bad[bad] = _groups(pair_map, counts[bad], n) > 1
        if not bad.any():
            break
    else:  # pragma: no cover - at most 5% of draws fall apart: 100 rounds always end
        raise BattleError("battles: draws of the battles keep leaving the comparison graph in pieces.")
    warnings.warn(
        f"bootstrap: {first} of {len(counts)} draws of the battles ({first / len(counts):.1%}) left some systems "
        "without a link to the others and were drawn again; any probability reported (P(top 1), the intervals' "
        "coverage) moves by at most that share.",
        DataNoteWarning,
        stacklevel=3,
    )


def _rank_rows(job: tuple[PairwiseProfile, RuleInfo, dict[str, Any], np.ndarray]) -> np.ndarray:
    """Competition ranks of the rule on each row of cell counts (one resample each)."""
    from rankagg.robustness import _one_blas_thread

    profile, info, params, rows = job
    maps = _cell_maps(profile.cells, profile.n)  # type: ignore[arg-type]
    wins, ties = _matrices(maps, rows, profile.n)
    out = np.empty((rows.shape[0], profile.n), dtype=np.int64)
    with _one_blas_thread():  # many small solves: threads cost more than they give
        for k in range(rows.shape[0]):
            res = info.func(replace(profile, wins=wins[k], ties=ties[k], cells=None), **params)
            levels = res.levels
            if levels is None:
                scores = np.asarray(res.scores, dtype=np.float64)
                levels = levels_from_scores(scores, higher_is_better=res.higher_is_better)
            out[k] = competition_ranks(np.asarray(levels))
    return out


def bootstrap_battles(
    battles: PairwiseProfile | pd.DataFrame | str | os.PathLike[str],
    rule: str = "bradley_terry",
    *,
    resample: str = "battles",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    n_jobs: int = 1,
    progress: bool | None = None,
    counts: Any = None,
    rng: int | np.random.Generator | None = None,
    **params: Any,
) -> Any:
    """Bootstrap the ranking of a battle log: draw the battles with replacement, rank every resample.

    Chatbot Arena's bootstrap: each resample draws as many battles as the log
    holds, with replacement, so the counts of the distinct battles (pair,
    outcome, weight: ``profile.cells``) follow a multinomial; each resample's
    pairwise matrix is one sparse product, then the rule ranks it.
    :func:`rankagg.bootstrap` calls this for a :class:`PairwiseProfile` or a
    battle-log DataFrame (its default ``resample="tasks"`` is read as
    ``"battles"``: a battle log has no tasks to resample).

    A resample in which some systems lose every link to the others (the
    comparison graph falls apart; likely when a system has few battles)
    cannot be ranked as one list: it is drawn again, and a
    :class:`~rankagg.io.DataNoteWarning` says how many were, since the
    intervals are then conditional on the graph staying connected.
    ``resample="battles_by_pair"`` keeps each pair's number of battles and
    never disconnects the graph.

    Parameters
    ----------
    battles : PairwiseProfile, pandas.DataFrame or path-like
        A profile built by :func:`pairwise_from_battles`, or a battle log.
    rule : str, default "bradley_terry"
        A rule that reads pairwise preferences (``pairwise_ok`` in
        ``rankagg.list_rules()``): majority rules, Kemeny, Bradley-Terry.
    resample : {"battles", "battles_by_pair"}
        Draw all battles with replacement (default), or the battles of each
        pair among themselves (stratified by pair).
    n_resamples : int, default 1000
        Number of resamples (ignored when ``counts`` is given).
    confidence : float, default 0.95
        Level of the rank intervals and of the indistinguishable groups.
    n_jobs : int, default 1
        Worker processes (-1: all cores); the result does not depend on it.
    progress : bool, optional
        Progress bar on stderr (default: on a terminal, for long runs).
    counts : array_like of int, shape (n_resamples, len(profile.cells)), optional
        The resamples to use instead of drawing them (``result.counts`` of
        another run: several rules on the same resamples).
    rng : int or numpy.random.Generator, optional
        Seed of the resamples (and of randomised rules).
    **params
        Rule parameters.

    Returns
    -------
    BootstrapResult
        ``resample`` is ``"battles"`` or ``"battles_by_pair"``; ``counts`` has
        one row per resample and one column per distinct battle of
        ``profile.cells``: how many times it was drawn.

    Raises
    ------
    BattleError
        A profile without its battles, a disconnected log, an unknown
        ``resample``, or resamples that keep falling apart.
    RuleError
        A rule that needs scores.

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.battles import bootstrap_battles
    >>> log = pd.DataFrame({"model_a": ["x"] * 30 + ["y"] * 30, "model_b": ["y"] * 30 + ["z"] * 30,
    ...                     "winner": ["model_a"] * 25 + ["model_b"] * 5 + ["model_a"] * 16 + ["model_b"] * 14})
    >>> res = bootstrap_battles(log, "bradley_terry", n_resamples=200, rng=0)
    >>> res.to_frame()[["system", "rank", "rank_low", "rank_high"]]
      system  rank  rank_low  rank_high
    0      x     1         1          1
    1      y     2         2          3
    2      z     3         2          3
    """
    import time

    from scipy.sparse import csr_matrix

    from rankagg.robustness import BootstrapResult, _check_confidence, _check_k, _Progress

    t0 = time.perf_counter()
    profile = _as_profile(battles, "the bootstrap")
    info = get_rule(rule)
    check_pairwise_rule(info)
    check_connected(profile)
    if resample not in RESAMPLE_BATTLES:
        raise BattleError(
            f"resample={resample!r}: a battle log is resampled over 'battles' (every battle drawn with replacement) "
            "or 'battles_by_pair' (the battles of each pair among themselves); tasks, instances and seeds are for "
            f"score tables.{did_you_mean(str(resample), RESAMPLE_BATTLES)}"
        )
    confidence = _check_confidence(confidence)
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise BattleError(f"n_jobs={n_jobs!r}: use a positive number of processes, or -1 for all cores.")
    seed_record = rng if isinstance(rng, (int, np.integer)) or rng is None else "Generator"
    gen = np.random.default_rng(rng)
    run = {k: v for k, v in params.items() if k != "rng"}
    if "rng" in info.params:  # randomised rules: one seed drawn from rng, for the full data and every resample
        run["rng"] = int(gen.integers(0, 2**63 - 1))
    full = aggregate_profile(profile, info.name, run)
    cells, n = profile.cells, profile.n
    assert cells is not None
    pair_map = csr_matrix(
        (np.ones(cells.size), (np.arange(cells.size), cells["a"] * n + cells["b"])), (cells.size, n**2)
    )
    if counts is None:
        _check_k(n_resamples, "n_resamples")
        counts = _draw(cells, int(n_resamples), gen, resample == "battles_by_pair")
        _redraw_disconnected(profile, counts, pair_map, gen)
        if resample == "battles_by_pair":
            pairs = pd.Series(cells["count"]).groupby([cells["a"], cells["b"]]).sum()
            if (pairs == 1).any():
                warnings.warn(
                    f"bootstrap: {int((pairs == 1).sum())} of {pairs.size} pairs met in a single battle; drawing "
                    "within each pair cannot vary them, so the rank intervals leave their uncertainty out.",
                    DataNoteWarning,
                    stacklevel=2,
                )
    else:
        counts = np.array(counts, dtype=np.int64)
        if counts.ndim != 2 or counts.shape[1] != cells.size or (counts < 0).any():
            raise BattleError(
                f"counts: expected non-negative integers of shape (n_resamples, {cells.size}) (one column per "
                f"distinct battle of profile.cells), got shape {counts.shape}; pass result.counts of a bootstrap "
                "of the same battles."
            )
        bad = np.flatnonzero(_groups(pair_map, counts, n) > 1)
        if bad.size:
            raise BattleError(f"counts: in resample(s) {preview(bad.tolist())} the comparison graph is in pieces.")
    uniq, inverse = np.unique(counts, axis=0, return_inverse=True)
    step = max(1, min(64, uniq.shape[0] // (4 * int(n_jobs)) or 1))
    jobs = [(profile, info, run, uniq[s : s + step]) for s in range(0, uniq.shape[0], step)]
    bar = _Progress(uniq.shape[0], progress, f"bootstrap {info.name}")
    done: list[np.ndarray] = []
    if n_jobs == 1 or len(jobs) < 2:
        results: Any = map(_rank_rows, jobs)
    else:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=int(n_jobs))
        results = pool.map(_rank_rows, jobs)
    try:
        for r in results:
            done.append(r)
            bar.update(sum(len(d) for d in done))
    finally:
        bar.close()
        if n_jobs != 1 and len(jobs) >= 2:
            pool.shutdown()
    ranks = np.concatenate(done)[np.asarray(inverse).ravel()]
    ranks.setflags(write=False)
    counts.setflags(write=False)
    return BootstrapResult(
        rule=info.name,
        params=MappingProxyType({k: v for k, v in full.params.items() if k != "rng"}),
        resample=resample,
        systems=profile.systems,
        full_ranks=np.asarray(full.ranks),
        ranks=ranks,
        counts=counts,
        confidence=float(confidence),
        missing_policy="raise",
        seed=seed_record,
        n_distinct=int(uniq.shape[0]),
        time_seconds=time.perf_counter() - t0,
    )


def battle_perturbations(
    battles: PairwiseProfile | pd.DataFrame | str | os.PathLike[str],
    *,
    rules: str | Sequence[str] = BATTLE_RULES,
    studies: str | Sequence[str] = BATTLE_STUDIES,
    fractions: float | Sequence[float] = (0.5, 0.8),
    n_draws: int = 20,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    rng: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Perturbation studies of a battle log: how far does each rule's ranking move?

    Two studies apply to battles (the others of
    :func:`rankagg.perturbation_studies` perturb scores or tasks):

    * ``remove_systems``: leave one system out with its battles and re-rank
      the others (independence of irrelevant alternatives: Bradley-Terry
      and the majority rules can reorder two systems because a third one
      left);
    * ``subsample_battles``: keep a fraction of the battles, drawn without
      replacement (``n_draws`` draws per fraction): how much the ranking
      rests on the battles that happen to be in the log.

    A perturbed log whose comparison graph falls apart is not ranked: its
    row has no ``kendall_tau`` and its ``note`` says why.

    Parameters
    ----------
    battles : PairwiseProfile, pandas.DataFrame or path-like
        A profile built by :func:`pairwise_from_battles`, or a battle log.
    rules : str or sequence of str, default ("bradley_terry", "copeland", "kemeny")
        Rules that read pairwise preferences.
    studies : str or sequence of str, default ("remove_systems", "subsample_battles")
        Which studies to run.
    fractions : float or sequence of float, default (0.5, 0.8)
        ``subsample_battles``: the shares of the battles kept, in (0, 1).
    n_draws : int, default 20
        ``subsample_battles``: random draws per fraction.
    params : mapping of rule name to mapping, optional
        Rule parameters.
    rng : int or numpy.random.Generator, optional
        Seed of the draws (and of randomised rules).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`rankagg.perturbation_studies`: ``study, rule,
        parameter`` (the system left out, or the fraction kept), ``draw,
        kendall_tau, top1_changed, n_flips, n_pairs, n_systems, n_tasks``
        (NA: battles have no tasks), ``top1, note``; one row per rule,
        setting and draw, comparing with the rule's ranking of the whole log
        over the systems present in both.

    Raises
    ------
    RankaggError
        A study that does not apply to battles (the message lists the ones
        that do), a rule that needs scores, bad fractions or draws.

    Examples
    --------
    >>> import pandas as pd
    >>> from rankagg.battles import battle_perturbations
    >>> log = pd.DataFrame({"system_a": ["x", "x", "y", "y", "x"], "system_b": ["y", "z", "z", "z", "y"],
    ...                     "winner": ["a", "a", "a", "a", "a"]})
    >>> battle_perturbations(log, rules="copeland", studies="remove_systems")[["parameter", "kendall_tau", "top1"]]
      parameter  kendall_tau top1
    0         x          1.0    y
    1         y          1.0    x
    2         z          1.0    x
    """
    from rankagg.perturb import STUDIES, _agreement, _frame, _numbers, _positive_int, _resolve_rules
    from rankagg.robustness import _one_blas_thread

    items = [studies] if isinstance(studies, str) else list(studies)
    items = list(dict.fromkeys(x.strip() for v in items for x in str(v).split(",") if x.strip()))
    for s in items:
        if s not in BATTLE_STUDIES:
            why = "perturbs scores or tasks, which a battle log does not have" if s in STUDIES else "is unknown"
            raise BattleError(
                f"studies: {s!r} {why}; the studies of a battle log are {', '.join(BATTLE_STUDIES)}."
                f"{'' if s in STUDIES else did_you_mean(s, (*BATTLE_STUDIES, *STUDIES))}"
            )
    if not items:
        raise BattleError(f"studies: give at least one of {', '.join(BATTLE_STUDIES)}.")
    keep = _numbers(
        fractions, "fractions", low=0.0, low_open=True, high=1.0, hint="shares of the battles kept, in (0, 1)"
    )
    n_draws = _positive_int(n_draws, "n_draws")
    profile = _as_profile(battles, "subsample_battles") if "subsample_battles" in items else battles
    if not isinstance(profile, PairwiseProfile):
        profile = pairwise_from_battles(profile)
    infos = _resolve_rules(rules)
    gen = np.random.default_rng(rng)
    run: dict[str, dict[str, Any]] = {}
    given = {get_rule(k).name: dict(v) for k, v in dict(params or {}).items()}
    for name in given:
        if name not in [i.name for i in infos]:
            raise RuleError(f"params: rule {name!r} is not among the rules studied; add it to rules, or drop them.")
    for info in infos:
        check_pairwise_rule(info)
        p = given.get(info.name, {})
        info.check_params(p)
        run[info.name] = {**p, "rng": int(gen.integers(0, 2**63 - 1))} if "rng" in info.params and "rng" not in p else p
    check_connected(profile)

    def ranks(prof: PairwiseProfile) -> dict[str, np.ndarray]:
        with _one_blas_thread():  # many small solves: threads cost more than they give
            return {i.name: aggregate_profile(prof, i.name, run[i.name]).ranks.astype(np.float64) for i in infos}

    full = ranks(profile)
    rows: list[dict[str, Any]] = []

    def add(study: str, parameter: Any, draw: int, prof: PairwiseProfile, common: np.ndarray) -> None:
        try:
            after: dict[str, np.ndarray] | None = ranks(prof)
            note = ""
        except BattleError as exc:  # the comparison graph fell apart
            after, note = None, str(exc).split(": ", 1)[-1].split(". ", 1)[0] + "; not ranked."
        for info in infos:
            row: dict[str, Any] = {"study": study, "rule": info.name, "parameter": parameter, "draw": draw}
            row.update(n_systems=len(common), n_tasks=pd.NA, note=note)
            if after is None:
                row.update(kendall_tau=np.nan, top1_changed=pd.NA, n_flips=pd.NA, n_pairs=pd.NA, top1="")
            else:
                a = after[info.name]
                tau, flips, pairs, changed = _agreement(full[info.name][common], a)
                top1 = " = ".join(prof.systems[k] for k in np.flatnonzero(a == a.min()))
                row.update(kendall_tau=tau, top1_changed=changed, n_flips=flips, n_pairs=pairs, top1=top1)
            rows.append(row)

    if "remove_systems" in items:
        if profile.n < 3:
            raise BattleError(f"remove_systems: the log has {profile.n} systems; removing one must leave two.")
        for i, name in enumerate(profile.systems):
            others = np.delete(np.arange(profile.n), i)
            add("remove_systems", name, 0, profile._subset(others), others)
    if "subsample_battles" in items:
        cells = profile.cells
        assert cells is not None
        maps = _cell_maps(cells, profile.n)
        everyone = np.arange(profile.n)
        for f in keep:
            m = max(1, round(f * int(cells["count"].sum())))
            for d in range(n_draws):
                drawn = gen.multivariate_hypergeometric(cells["count"], m)
                add("subsample_battles", f, d, _profile_of(profile, drawn, maps), everyone)
    return _frame(rows)
