"""Rule protocol and registry.

A rule is a function ``rule(inp: RuleInput, **params) -> RuleOutput``
registered with metadata (family, which input it accepts, which axioms it
satisfies). Docs, tests and the CLI all read the same registry.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from rankagg._errors import RuleError, did_you_mean
from rankagg.data.table import ScoreTable
from rankagg.rankings.orders import TaskRankings
from rankagg.rankings.partial import expected_pairwise

__all__ = ["RULES", "RuleInfo", "RuleInput", "RuleOutput", "get_rule", "list_rules", "register"]

Family = Literal["mean", "positional", "majority", "kemeny", "probabilistic", "two-level"]
FAMILY_ORDER: tuple[str, ...] = ("mean", "positional", "majority", "kemeny", "probabilistic", "two-level")


@dataclass(frozen=True, eq=False)
class RuleInput:
    """What a rule reads: the validated table and its per-column rankings.

    Attributes
    ----------
    table : ScoreTable
    rankings : TaskRankings
    """

    table: ScoreTable
    rankings: TaskRankings

    @cached_property
    def pairwise(self) -> tuple[np.ndarray, np.ndarray]:
        """``(wins, ties)``: weighted pairwise counts, see :func:`rankagg.pairwise_counts`."""
        return self.rankings.pairwise()

    @property
    def n(self) -> int:
        """Number of systems."""
        return self.table.n_systems

    @property
    def systems(self) -> tuple[str, ...]:
        """System names, in table order."""
        return self.table.systems

    @property
    def total_weight(self) -> float:
        """Total weight of the voters (task columns): the scale of the pairwise counts."""
        return float(self.rankings.weights.sum())

    def subset(self, cols: np.ndarray, weights: np.ndarray) -> RuleInput:
        """The input restricted to task columns ``cols`` with the given weights (no re-validation): a
        bootstrap resample, a perturbation, one task at a time."""
        rk = self.rankings
        rankings = TaskRankings(
            systems=rk.systems,
            labels=tuple(rk.labels[j] for j in cols),
            ranks=rk.ranks[:, cols],
            weights=np.asarray(weights, dtype=np.float64),
            atol=rk.atol,
            rtol=rk.rtol,
        )
        return RuleInput(table=self.table._reweighted(cols, weights), rankings=rankings)


@dataclass(frozen=True, eq=False)
class RuleOutput:
    """What a rule returns.

    Attributes
    ----------
    scores : numpy.ndarray of shape (n_systems,)
        Per-system score of the rule.
    higher_is_better : bool
        Whether a higher score ranks a system higher.
    levels : numpy.ndarray of int, optional
        Tier of each system (0 = best) when the consensus is not simply the
        order of ``scores`` (e.g. Kemeny). By default derived from ``scores``.
    diagnostics : dict
        Rule-specific extra information.
    """

    scores: np.ndarray
    higher_is_better: bool
    levels: np.ndarray | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleInfo:
    """A registered rule and its metadata.

    Attributes
    ----------
    name : str
        Canonical name (``"borda"``).
    func : callable
        ``func(inp: RuleInput, **params) -> RuleOutput``.
    family : str
        ``"mean"``, ``"positional"``, ``"majority"``, ``"kemeny"``, ...
    summary : str
        One-line description.
    score_name : str
        What the per-system score is (``"mean rank"``).
    partial_ok : bool
        Accepts partial rankings (tables with ``missing="partial"``).
    condorcet_consistent : bool
        Always ranks a Condorcet winner first (alone).
    rank_only : bool
        Depends on the scores only through each task's ranking, so it is
        invariant to any strictly increasing transform of a task's scores.
    pareto : {"strict", "weak"}
        ``"strict"``: a system better than another on every task is ranked
        strictly above it. ``"weak"``: never ranked below it (may tie).
    aliases : tuple of str
        Other accepted names.
    reference : str
        Where the rule is defined.
    pairwise_ok : bool
        Reads the data only through the pairwise win / tie matrix
        (``inp.pairwise``, ``inp.total_weight``, ``inp.systems``), so it also
        ranks pairwise-only data such as battle logs
        (:class:`rankagg.data.battles.PairwiseProfile`).
    batch : callable, optional
        The rule's vectorised form: ``batch(inp, w, **params) -> (scores,
        higher_is_better)`` with ``w`` of shape ``(B, n_task_columns)``, the
        task weights of ``B`` reweightings of ``inp`` (bootstrap resamples,
        perturbations), and ``scores`` of shape ``(B, n_systems)``: for each
        row what ``func`` scores on ``inp`` with those weights. The bootstrap
        uses it instead of calling ``func`` once per resample.
    warm : callable, optional
        The rule's warm start: ``warm(wins, full, **params) -> levels``, the
        tiers (0 = best) of the rule on the pairwise ``wins`` of a resample,
        started from ``full``, the rule's :class:`~rankagg.RankingResult` on
        the full data (e.g. Kemeny starts from its optimal order).
    """

    name: str
    func: Callable[..., RuleOutput] = field(repr=False)
    family: str
    summary: str
    score_name: str
    partial_ok: bool
    condorcet_consistent: bool
    rank_only: bool
    pareto: str = "strict"
    aliases: tuple[str, ...] = ()
    reference: str = ""
    pairwise_ok: bool = False
    batch: Callable[..., tuple[np.ndarray, bool]] | None = field(default=None, repr=False)
    warm: Callable[..., np.ndarray] | None = field(default=None, repr=False)

    @property
    def params(self) -> Mapping[str, Any]:
        """Keyword parameters of the rule and their defaults."""
        sig = inspect.signature(self.func)
        return MappingProxyType(
            {p.name: p.default for p in sig.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY}
        )

    def check_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return the full parameter dict (defaults filled in) or raise on unknown names."""
        allowed = self.params
        for key in params:
            if key not in allowed:
                opts = ", ".join(allowed) if allowed else "none"
                raise RuleError(
                    f"rule {self.name!r} has no parameter {key!r}; its parameters are: {opts}."
                    f"{did_you_mean(key, allowed)}"
                )
        full = dict(allowed)
        full.update(params)
        return full


def batch_mean(points: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted means of per-task ``points`` (systems x tasks) under every row of weights ``w`` (B x tasks):
    the ``(B, n_systems)`` scores of a rule that averages per-task points (the building block of ``batch``)."""
    return np.divide(batch_sums(points, w), w.sum(axis=1, keepdims=True), dtype=np.float64)


_F32_EXACT = 2**24  # float32 holds every integer up to 2**24, so sums of such integers are exact in any order


def batch_sums(points: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``w @ points.T``; in float32 (half the memory traffic, twice the arithmetic rate) when that is exact.

    Exact when the weights are whole numbers, the points multiples of 1/2 (ranks, average ranks of ties) and
    every row's ``sum |w| * max |2 * points|`` below 2**24: every partial sum is then a whole number of halves
    that float32 represents exactly, whatever the order of the additions, so the result (cast to float64 by
    the caller's arithmetic) equals the float64 product bit for bit. Otherwise the float64 product.
    """
    p = np.asarray(points, dtype=np.float64)
    w = np.asarray(w)
    if w.ndim == 2 and w.shape[0] * p.shape[0] >= 4096 and p.size and w.size:
        p2 = 2.0 * p
        bound = float(np.abs(p2).max()) if np.isfinite(p2).all() else np.inf
        exact = bound < np.inf and np.array_equal(p2, np.rint(p2)) and np.array_equal(w, np.rint(w))
        if exact and float(np.abs(w).sum(axis=1).max()) * bound < _F32_EXACT:
            return np.asarray(w, dtype=np.float32) @ p.T.astype(np.float32)
    return w @ p.T


_REGISTRY: dict[str, RuleInfo] = {}
_ALIASES: dict[str, str] = {}
RULES: Mapping[str, RuleInfo] = MappingProxyType(_REGISTRY)


def register(
    name: str,
    *,
    family: str,
    summary: str,
    score_name: str,
    partial_ok: bool,
    condorcet_consistent: bool,
    rank_only: bool,
    pareto: str = "strict",
    aliases: tuple[str, ...] = (),
    reference: str = "",
    pairwise_ok: bool = False,
    batch: Callable[..., tuple[np.ndarray, bool]] | None = None,
    warm: Callable[..., np.ndarray] | None = None,
) -> Callable[[Callable[..., RuleOutput]], Callable[..., RuleOutput]]:
    """Decorator registering a rule function under ``name`` with its metadata (see :class:`RuleInfo`), and
    optionally its vectorised form ``batch`` and its warm start ``warm``, which the bootstrap uses."""

    def deco(func: Callable[..., RuleOutput]) -> Callable[..., RuleOutput]:
        for key in (name, *aliases):
            if key in _REGISTRY or key in _ALIASES:
                raise RuleError(f"register: the rule name {key!r} is already taken.")
        if pareto not in ("strict", "weak"):
            raise RuleError(f"register: pareto must be 'strict' or 'weak', got {pareto!r}.")
        _REGISTRY[name] = RuleInfo(
            name=name,
            func=func,
            family=family,
            summary=summary,
            score_name=score_name,
            partial_ok=partial_ok,
            condorcet_consistent=condorcet_consistent,
            rank_only=rank_only,
            pareto=pareto,
            aliases=tuple(aliases),
            reference=reference,
            pairwise_ok=bool(pairwise_ok),
            batch=batch,
            warm=warm,
        )
        for a in aliases:
            _ALIASES[a] = name
        return func

    return deco


def get_rule(name: str | RuleInfo) -> RuleInfo:
    """Look a rule up by name or alias (case-insensitive, ``-`` = ``_``).

    Raises
    ------
    RuleError
        For an unknown name, with the closest registered name.

    Examples
    --------
    >>> import rankagg
    >>> rankagg.get_rule("Borda").name
    'borda'
    >>> rankagg.get_rule("bordaa")
    Traceback (most recent call last):
    ...
    rankagg._errors.RuleError: unknown rule 'bordaa'. Did you mean 'borda'? See `rankagg rules` for the list.
    """
    if isinstance(name, RuleInfo):
        return name
    if not isinstance(name, str):
        raise RuleError(f"rule: expected a rule name, got {type(name).__name__}.")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in _REGISTRY:
        return _REGISTRY[key]
    if key in _ALIASES:
        return _REGISTRY[_ALIASES[key]]
    raise RuleError(
        f"unknown rule {name!r}.{did_you_mean(key, [*_REGISTRY, *_ALIASES])} See `rankagg rules` for the list."
    )


def list_rules() -> pd.DataFrame:
    """The registry as a DataFrame, one row per rule.

    Examples
    --------
    >>> import rankagg
    >>> df = rankagg.list_rules()
    >>> bool(df.loc["kemeny", "condorcet_consistent"])
    True
    """
    rows = []
    rank = {f: i for i, f in enumerate(FAMILY_ORDER)}
    infos = sorted(_REGISTRY.values(), key=lambda i: rank.get(i.family, len(rank)))
    for info in infos:
        rows.append(
            {
                "rule": info.name,
                "family": info.family,
                "score": info.score_name,
                "partial_ok": info.partial_ok,
                "condorcet_consistent": info.condorcet_consistent,
                "rank_only": info.rank_only,
                "pareto": info.pareto,
                "pairwise_ok": info.pairwise_ok,
                "aliases": ", ".join(info.aliases),
                "params": ", ".join(f"{k}={v!r}" for k, v in info.params.items()),
                "summary": info.summary,
            }
        )
    return pd.DataFrame(rows).set_index("rule")


@dataclass(frozen=True, eq=False)
class ExpectedRuleInput(RuleInput):
    """A :class:`~rankagg.rules.RuleInput` whose pairwise matrix is :func:`expected_pairwise`.

    What ``aggregate(..., pairwise="expected")`` hands to the rules that read
    pairwise preferences.
    """

    @cached_property
    def pairwise(self) -> tuple[np.ndarray, np.ndarray]:
        """``(wins, ties)`` expected under the uniform compatible completions."""
        return expected_pairwise(self.rankings.ranks, weights=self.rankings.weights)
