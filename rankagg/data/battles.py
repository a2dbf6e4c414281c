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
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rankagg._errors import RankaggError, ReaderError, did_you_mean, preview, row_label, short, where_rows
from rankagg.data.columns import match_patterns

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


# Files are read by the io stage, which feeds this one: rankagg.io registers its battle-log reader here when it is
# imported (importing rankagg imports it), so a path given to pairwise_from_battles is read without data -> io.
_READER: Callable[[Any], pd.DataFrame] | None = None


def register_battle_reader(reader: Callable[[Any], pd.DataFrame]) -> None:
    """Set the function that reads a battle-log path into a frame (:func:`rankagg.io.read_battles` registers itself)."""
    global _READER
    _READER = reader


__all__ = [
    "BATTLE_LAYOUTS",
    "BATTLE_WINNERS",
    "CELL_DTYPE",
    "BattleError",
    "PairwiseProfile",
    "battle_frame",
    "cell_maps",
    "cell_matrices",
    "is_battle_frame",
    "pairwise_from_battles",
    "profile_of",
    "register_battle_reader",
]

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
    >>> from rankagg.data.battles import PairwiseProfile
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
            keep &= match_patterns(include, self.systems, "include")
        if exclude is not None:
            keep &= ~match_patterns(exclude, self.systems, "exclude")
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
    return "winner" in cols and any(set(layout) <= cols for layout in BATTLE_LAYOUTS)


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


def cell_maps(cells: np.ndarray, n: int) -> tuple[csr_matrix, csr_matrix]:
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


def cell_matrices(maps: tuple[csr_matrix, csr_matrix], counts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``wins`` and ``ties`` of shape ``(B, n, n)`` for ``B`` rows of cell counts (one sparse product each)."""
    counts = np.asarray(counts, dtype=np.float64)
    wins = np.asarray(maps[0].T @ counts.T).T.reshape(-1, n, n)
    ties = np.asarray(maps[1].T @ counts.T).T.reshape(-1, n, n)
    return wins, ties


def profile_of(profile: PairwiseProfile, counts: np.ndarray, maps: tuple[csr_matrix, csr_matrix]) -> PairwiseProfile:
    """``profile`` with its battles drawn ``counts`` times each (one row of cell counts)."""
    wins, ties = cell_matrices(maps, counts[None, :], profile.n)
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
    >>> from rankagg.data.battles import pairwise_from_battles
    >>> log = pd.DataFrame({"system_a": ["x", "x", "y", "z"], "system_b": ["y", "y", "x", "x"],
    ...                     "winner": ["a", "tie", "a", "b"], "task": ["qa", "qa", "qa", "code"]})
    >>> p = pairwise_from_battles(log, tasks="qa")
    >>> p.systems, p.wins.tolist(), p.ties.tolist()
    (('x', 'y'), [[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]])
    >>> p.notes
    ("tasks: 1 of 4 battles dropped (kept the tasks 'qa').",)
    """
    source = "data"
    if not isinstance(battles, pd.DataFrame):
        if _READER is None:  # pragma: no cover - rankagg.io registers it when rankagg is imported
            raise BattleError("battles: give a DataFrame, or import rankagg.io to read a battle-log file.")
        source = str(battles)
        battles = _READER(battles)
    elif is_battle_frame(battles) and "system_a" not in battles.columns:
        battles = battle_frame(battles.copy())
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
    # names and winners are cleaned once per distinct value, not once per battle (a log has millions of rows
    # and a few hundred names): factorize both name columns together, strip the distinct names, re-factorize
    m = len(df)
    raw_codes, raw_names = pd.factorize(pd.concat([df["system_a"], df["system_b"]], ignore_index=True))
    clean = pd.Series(raw_names, dtype=object).astype("string").str.strip()
    name_codes, names = pd.factorize(clean.mask((clean == "").fillna(False).to_numpy(dtype=bool)))
    joint = np.where(raw_codes >= 0, name_codes[np.maximum(raw_codes, 0)] if raw_names.size else -1, -1)
    ca, cb = joint[:m], joint[m:]
    for side, c in (("system_a", ca), ("system_b", cb)):
        empty = c < 0
        if empty.any():
            raise BattleError(f"battles: empty {side} in row(s) {preview(list(rows[empty]))}; every battle names both.")
    names = np.asarray(names, dtype=object)
    same = ca == cb
    if same.any():
        raise BattleError(
            f"battles: row(s) {preview(list(rows[same]))} pit a system against itself ({names[ca[same][0]]!r}); "
            "remove them."
        )
    win_codes, win_values = pd.factorize(df["winner"])
    win_map = pd.Series(win_values, dtype=object).astype("string").str.strip().str.lower().map(BATTLE_WINNERS)
    win_map = win_map.to_numpy(dtype=object)
    outcome_all = np.where(win_codes >= 0, win_map[np.maximum(win_codes, 0)] if win_values.size else None, None)
    bad = pd.isna(outcome_all)
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
    first = pd.unique(np.column_stack([ca[ok], cb[ok]]).ravel())  # name codes in order of first appearance
    systems = [str(x) for x in names[first]]
    keep_sys = np.ones(len(systems), dtype=bool)
    if include is not None:
        keep_sys &= match_patterns(include, systems, "include")
    if exclude is not None:
        keep_sys &= ~match_patterns(exclude, systems, "exclude")
    left_out = [s for s, k in zip(systems, keep_sys, strict=True) if not k]
    systems = [s for s, k in zip(systems, keep_sys, strict=True) if k]
    if len(systems) < 2:
        raise BattleError(f"battles: {len(systems)} system(s) left; ranking needs at least two.")
    index = np.full(len(names), -1, dtype=np.intp)  # name code -> system index (-1: left out or unused)
    index[first[keep_sys]] = np.arange(len(systems))
    ia, ib = index[ca], index[cb]
    before = int(ok.sum())
    ok &= (ia >= 0) & (ib >= 0)
    if left_out:
        notes.append(
            f"include/exclude: {before - int(ok.sum())} of {before} battles dropped: they involve the systems left "
            f"out ({preview(left_out, 6)})."
        )
    ia, ib, w, outcome = ia[ok], ib[ok], w[ok], outcome_all[ok]
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
    wins, ties = cell_matrices(cell_maps(cells, n), cells["count"][None, :], n)
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


#: Winner values of battle logs (lower case) and what they become (``a``, ``b`` or ``tie``).
BATTLE_WINNERS: dict[str, str] = {
    "a": "a",
    "b": "b",
    "tie": "tie",
    "model_a": "a",
    "model_b": "b",
    "tie (bothbad)": "tie",
}


# the column layouts of a battle log: raw Chatbot Arena / MT-Bench logs, and the one rankagg writes
BATTLE_LAYOUTS = (("model_a", "model_b"), ("system_a", "system_b"))


# optional columns: the names tried, in order, when the caller leaves the default
_OPTIONAL = {
    "task": ("category", "task"),
    "instance": ("question_id", "instance"),
    "judge": ("judge",),
    "turn": ("turn",),
}


def _column(df: pd.DataFrame, given: str | None, name: str, where: str) -> str | None:
    if given is None:
        return None
    if given in df.columns:
        return given
    candidates = _OPTIONAL[name]
    if given == candidates[0]:
        return next((c for c in candidates if c in df.columns), None)
    raise ReaderError(
        f"{where}: {name}: no column {given!r}; the columns are {short(df.columns, 10)}. Pass {name}=None to go "
        "without" + (" (command line: leave --task-col out)." if name == "task" else ".")
    )


def battle_frame(
    df: pd.DataFrame,
    *,
    where: str = "data",
    source_file: str | None = None,
    model_a: str = "model_a",
    model_b: str = "model_b",
    winner: str = "winner",
    task: str | None = "category",
    instance: str | None = "question_id",
    judge: str | None = "judge",
    turn: str | None = "turn",
) -> pd.DataFrame:
    """A battle log in rankagg's layout (``system_a, system_b, winner, winner_raw``, the optional columns,
    ``source_file``, ``row``), validated: what :func:`rankagg.io.read_battles` returns once the file is read.
    ``where`` names the source in messages; the parameters are :func:`rankagg.io.read_battles`'s."""
    df.columns = [str(c) for c in df.columns]
    if (model_a, model_b) == BATTLE_LAYOUTS[0]:
        model_a, model_b = next((lay for lay in BATTLE_LAYOUTS if set(lay) <= set(df.columns)), BATTLE_LAYOUTS[0])
    for param, col in (("model_a", model_a), ("model_b", model_b), ("winner", winner)):
        if col not in df.columns:
            raise ReaderError(
                f"{where}: no column {col!r} ({param}); a battle log has model_a, model_b and winner columns (or "
                f"system_a, system_b and winner), this one has {short(df.columns, 10)}. Name the columns with "
                f"{param}='...' (command line: rename the file's columns to model_a, model_b, winner)."
            )
    if len(df) == 0:
        raise ReaderError(f"{where}: the battle log has no records.")
    optional = {name: _column(df, given, name, where) for name, given in zip(_OPTIONAL, (task, instance, judge, turn))}
    a = df[model_a].astype("string").str.strip()
    b = df[model_b].astype("string").str.strip()
    for side, names, col in (("model_a", a, model_a), ("model_b", b, model_b)):
        empty = (names.isna() | (names == "")).to_numpy()
        if empty.any():
            raise ReaderError(
                f"{where}: empty {side} ({col!r}) at {where_rows(df, np.nonzero(empty)[0])}; every battle names "
                "both models."
            )
    same = (a == b).fillna(False).to_numpy(dtype=bool)
    if same.any():
        raise ReaderError(
            f"{where}: {where_rows(df, np.nonzero(same)[0])} pit a model against itself ({a[same].iloc[0]!r}); "
            "remove them."
        )
    raw = df[winner].astype("string").str.strip()
    mapped = raw.str.lower().map(BATTLE_WINNERS)
    bad = mapped.isna().to_numpy()
    if bad.any():
        examples = [f"{row_label(df, k)} ({raw.iloc[k]!r})" for k in np.nonzero(bad)[0]]
        raise ReaderError(
            f"{where}: column {winner!r} has values other than 'model_a' / 'a', 'model_b' / 'b', 'tie' and "
            f"'tie (bothbad)' at {short(examples, 4)}; map them to these first."
        )
    out = pd.DataFrame(
        {
            "system_a": a.to_numpy(dtype=object),
            "system_b": b.to_numpy(dtype=object),
            "winner": mapped.to_numpy(dtype=object),
            "winner_raw": raw.to_numpy(dtype=object),
        }
    )
    for name, col in optional.items():
        if col is not None:
            out[name] = df[col].to_numpy(dtype=object)
    out["source_file"] = source_file
    out["row"] = np.arange(len(df))
    out.attrs["notes"] = []
    out.attrs["source"] = where
    out.attrs["columns"] = list(df.columns)  # as logged: what a missing-column message lists
    return out
