"""Where :func:`rankagg.aggregate` and :func:`rankagg.compare` run: here (``"local"``) or on an engine registered
by a later stage (``"dask"``: :mod:`rankagg.distributed` registers itself when it is imported, and ``import rankagg``
imports it with the first public name; importing it does not import Dask).

The local path never reaches this module's engines: :func:`engine_for` returns None unless a backend is asked
for, or the data are a collection only an engine reads (a Dask collection, a distributed table).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rankagg._errors import RankaggError, did_you_mean

__all__ = ["BACKENDS", "Engine", "engine_for", "register_backend"]

#: The backends :func:`rankagg.aggregate` knows by name.
BACKENDS: tuple[str, ...] = ("local", "dask")


@dataclass(frozen=True)
class Engine:
    """A registered backend: its ``aggregate`` and ``compare`` (the signatures of :func:`rankagg.aggregate` and
    :func:`rankagg.compare` plus ``scheduler=``), and ``accepts(data)``: whether data only it reads were given."""

    name: str
    aggregate: Callable[..., Any]
    compare: Callable[..., Any]
    accepts: Callable[[Any], bool]


_ENGINES: dict[str, Engine] = {}


def register_backend(
    name: str, *, aggregate: Callable[..., Any], compare: Callable[..., Any], accepts: Callable[[Any], bool]
) -> None:
    """Register the engine of backend ``name`` (``rankagg.distributed`` registers ``"dask"``)."""
    _ENGINES[name] = Engine(name, aggregate, compare, accepts)


def engine_for(data: Any, backend: str | None, scheduler: Any) -> Engine | None:
    """The engine that runs ``data`` (None: the local path), refusing unknown backends and stray schedulers."""
    if backend is not None and backend not in BACKENDS:
        raise RankaggError(
            f"backend={backend!r}: use 'local' (this process) or 'dask' (a Dask cluster; pip install "
            f"'rankagg[dask]').{did_you_mean(str(backend), BACKENDS)}"
        )
    if backend is None:
        backend = next((e.name for e in _ENGINES.values() if e.accepts(data)), None)
        if backend is None and _is_dask(data):
            backend = "dask"
    if backend is None or backend == "local":
        if scheduler is not None:
            raise RankaggError(
                "scheduler: only used with backend='dask' (CLI: --scheduler goes with the Dask backend); pass "
                "backend='dask', or leave the scheduler out."
            )
        if backend == "local" and _is_dask(data):
            raise RankaggError(
                "backend='local' cannot read a Dask collection; pass backend='dask' (or call .compute() first if the "
                "data fit in memory)."
            )
        return None
    engine = _ENGINES.get(backend)
    if engine is None:
        raise RankaggError(
            f"backend={backend!r}: its engine is not loaded; import rankagg.distributed first (import rankagg does "
            "it with the first public name)."
        )
    return engine


def _is_dask(data: Any) -> bool:
    return hasattr(data, "__dask_graph__") and type(data).__module__.split(".")[0] in ("dask", "dask_expr")
