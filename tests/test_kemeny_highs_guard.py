"""The Kemeny LP survives a scipy release that changes its private HiGHS bindings.

The engine calls ``scipy.optimize._highspy._core`` directly (3-5x faster than
``linprog``). Each way a release could change that private interface is
simulated with a stub module in ``sys.modules``: the module missing, an
attribute missing (at import or at call time), a method whose signature
changed (``TypeError`` at call time), a status enum renamed (at import, or a
status value the engine does not know at call time). In every case the public
``scipy.optimize.linprog`` path must take over: no exception escapes, the
optima are the brute-force optima, the certified bounds equal the normal
path's, and the LPs were really solved by ``linprog``.
"""

from __future__ import annotations

import enum
import importlib
import sys
import types
import warnings

import numpy as np
import pytest

import rankagg.rules.kemeny._lp as lp_module
import rankagg.rules.kemeny._solve as kemeny_solve
from rankagg._errors import RankaggWarning
from rankagg.rankings.pairwise import pairwise_counts
from rankagg.rules.kemeny import kemeny
from tests.test_kemeny_engine import check_against_brute_force, make_profiles

MODULE = "scipy.optimize._highspy._core"

try:
    REAL = importlib.import_module(MODULE)
except ImportError:  # pragma: no cover - scipy < 1.15: the linprog path is the only one, tested elsewhere
    REAL = None

pytestmark = pytest.mark.skipif(REAL is None, reason=f"{MODULE} not in this scipy: nothing to guard")


def _stub(*, drop=(), **replace) -> types.ModuleType:
    """A copy of the real bindings module without ``drop`` and with ``replace`` substituted."""
    mod = types.ModuleType("stub_highs_core")
    for name in dir(REAL):
        if not name.startswith("__") and name not in drop:
            setattr(mod, name, getattr(REAL, name))
    for name, value in replace.items():
        setattr(mod, name, value)
    return mod


def _highs_with(**methods):
    """A ``_Highs`` class delegating to the real one, with some methods replaced (``None``: missing)."""

    class Highs:
        def __init__(self):
            self._h = REAL._Highs()

        def __getattr__(self, name):
            if name in methods:
                if methods[name] is None:
                    raise AttributeError(f"'Highs' object has no attribute {name!r}")
                return lambda *a, **k: methods[name](self._h, *a, **k)
            return getattr(self._h, name)

    return Highs


def _changed_signature(h, *args, **kwargs):
    raise TypeError("incompatible function arguments. The following argument types are supported: ...")


class _RenamedModelStatus(enum.Enum):  # a release renaming the members (kOptimal -> kOPTIMAL)
    kOPTIMAL = 7
    kINFEASIBLE = 8


class _OtherStatus(enum.IntEnum):  # a status type the engine does not know: equal to none of its members
    kSomething = 99


CASES = {
    "module missing": None,
    "attribute missing at import": _stub(drop=("HighsLp",)),
    "status enum renamed at import": _stub(HighsModelStatus=_RenamedModelStatus),
    "method missing at call time": _stub(_Highs=_highs_with(addRows=None)),
    "passModel and HighsLp changed": _stub(_Highs=_highs_with(passModel=_changed_signature)),
    "addRows signature changed": _stub(_Highs=_highs_with(addRows=_changed_signature)),
    "changeColsBounds signature changed": _stub(_Highs=_highs_with(changeColsBounds=_changed_signature)),
    "deleteRows signature changed": _stub(_Highs=_highs_with(deleteRows=_changed_signature)),
    "getSolution signature changed": _stub(_Highs=_highs_with(getSolution=_changed_signature)),
    "setOptionValue signature changed": _stub(_Highs=_highs_with(setOptionValue=_changed_signature)),
    "unknown status value at call time": _stub(_Highs=_highs_with(getModelStatus=lambda h: _OtherStatus.kSomething)),
}


def _hard_instances() -> list[np.ndarray]:
    """Uniform profiles whose exact solve calls every binding method the engine uses (rows added and
    deleted, column bounds changed in a branch and bound of 7 nodes: n = 25, m = 9), and whose root LP
    is fractional (n = 40, m = 50)."""
    out = []
    for seed, n, m in ((3, 25, 9), (8, 40, 50)):
        rng = np.random.default_rng(seed)
        out.append(pairwise_counts(np.column_stack([rng.permutation(n) + 1.0 for _ in range(m)]))[0])
    return out


@pytest.fixture(scope="module")
def normal_path():
    """Results through the private bindings (the fast path), before any stub is installed."""
    lp_module._CORE = lp_module._UNSET
    assert lp_module._core() is REAL
    cases = _hard_instances()
    exact = [kemeny(w, method="exact") for w in cases]
    assert exact[0].n_nodes > 1  # the branch and bound ran
    return cases, exact, [kemeny(w, method="local_search", bound="lp") for w in cases]


@pytest.mark.parametrize("case", list(CASES))
def test_linprog_takes_over_when_the_private_bindings_change(case, normal_path, monkeypatch):
    monkeypatch.setitem(sys.modules, MODULE, CASES[case])  # None: importing it raises ImportError
    monkeypatch.setattr(lp_module, "_CORE", lp_module._UNSET)  # looked up again, as in a fresh process
    monkeypatch.setattr(lp_module._HIGHS, "h", None, raising=False)
    monkeypatch.setattr(lp_module._HIGHS, "owner", None, raising=False)
    monkeypatch.setattr(lp_module, "_NODE_BASES", [True])
    calls = []
    real_linprog = lp_module._solve_lp_linprog
    monkeypatch.setattr(lp_module, "_solve_lp_linprog", lambda *a: calls.append(1) or real_linprog(*a))
    cases, exact, bounds = normal_path
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got_exact = [kemeny(w, method="exact") for w in cases]
        got_bounds = [kemeny(w, method="local_search", bound="lp") for w in cases]
        monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)  # small profiles through the LP path
        check_against_brute_force(make_profiles(seed=97, count=12, sizes=range(5, 8), kinds=("strict", "mixed")))
    assert calls, "the LPs were not solved by linprog"
    for a, b in zip(got_exact, exact):
        assert a.optimal and b.optimal and a.score == b.score and a.order == b.order and a.unique == b.unique
    for a, b in zip(got_bounds, bounds):
        assert a.score == b.score and a.lower_bound == pytest.approx(b.lower_bound, rel=1e-9)
    assert any(b.lower_bound < b.score for b in got_bounds)  # a fractional LP: the bound is the LP's own
    ours = [w for w in caught if issubclass(w.category, RankaggWarning)]
    if case == "unknown status value at call time":  # one LP at a time through linprog; the bindings are kept
        assert lp_module._CORE is not None and not ours
    elif lp_module._CORE is None and CASES[case] is not None and case.endswith("import"):
        assert not ours  # rejected at import: nothing failed, nothing to report
    else:
        assert lp_module._CORE is None  # switched once, for the rest of the process
        assert len(ours) == (0 if CASES[case] is None else 1), [str(w.message) for w in ours]
        if ours:
            assert "linprog" in str(ours[0].message) and "same results" in str(ours[0].message)


def test_the_bindings_in_this_scipy_pass_the_check():
    """The stubs above mimic changes; the real module must pass the check (else the fast path is never used)."""
    assert lp_module._scipy_highs() is REAL


# The branch and bound restarts a node popped from its heap from the parent's basis (getBasis / setBasis /
# HighsBasis / HighsBasisStatus). A change there only costs speed: node bases are switched off, the LPs stay
# with HiGHS from its last basis, and the optima are the same.
BASIS_CASES = {
    "getBasis signature changed": _stub(_Highs=_highs_with(getBasis=_changed_signature)),
    "setBasis signature changed": _stub(_Highs=_highs_with(setBasis=_changed_signature)),
    "setBasis rejects the basis": _stub(_Highs=_highs_with(setBasis=lambda h, b: REAL.HighsStatus.kError)),
    "HighsBasis missing at call time": _stub(drop=("HighsBasis",)),
    "HighsBasisStatus missing at call time": _stub(drop=("HighsBasisStatus",)),
}


def _fresh_bindings(monkeypatch, module) -> None:
    monkeypatch.setitem(sys.modules, MODULE, module)
    monkeypatch.setattr(lp_module, "_CORE", lp_module._UNSET)
    monkeypatch.setattr(lp_module._HIGHS, "h", None, raising=False)
    monkeypatch.setattr(lp_module._HIGHS, "owner", None, raising=False)
    monkeypatch.setattr(lp_module, "_NODE_BASES", [True])


@pytest.mark.parametrize("case", list(BASIS_CASES))
def test_node_bases_are_dropped_when_their_bindings_change(case, normal_path, monkeypatch):
    _fresh_bindings(monkeypatch, BASIS_CASES[case])
    linprog_calls = []
    monkeypatch.setattr(lp_module, "_solve_lp_linprog", lambda *a: linprog_calls.append(1))
    cases, exact, _ = normal_path
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankaggWarning)  # nothing to report: only speed is lost
        got = [kemeny(w, method="exact") for w in cases]
        monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
        check_against_brute_force(make_profiles(seed=98, count=8, sizes=range(6, 9), kinds=("strict", "mixed")))
    for a, b in zip(got, exact):
        assert a.optimal and a.score == b.score and a.order == b.order and a.unique == b.unique
    assert lp_module._NODE_BASES[0] is False  # switched off at the first failed call ...
    assert lp_module._core() is not None and not linprog_calls  # ... and the LPs stayed with HiGHS


def test_nodes_restart_from_their_parents_basis(normal_path, monkeypatch):
    """On the normal path the restore really happens, and the optima are the brute-force ones."""
    _fresh_bindings(monkeypatch, REAL)
    restored = []
    real_set = lp_module._set_basis
    monkeypatch.setattr(lp_module, "_set_basis", lambda h, b, n: restored.append(n) or real_set(h, b, n))
    cases, exact, _ = normal_path
    got = [kemeny(w, method="exact") for w in cases]
    for a, b in zip(got, exact):
        assert a.optimal and a.score == b.score and a.order == b.order
    assert restored and lp_module._NODE_BASES[0] is True
    monkeypatch.setattr(kemeny_solve, "_DP_MAX", 0)
    check_against_brute_force(make_profiles(seed=99, count=12, sizes=range(6, 9), kinds=("strict", "mixed")))
