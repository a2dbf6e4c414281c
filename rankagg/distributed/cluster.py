"""The Dask cluster a distributed computation runs on: the caller's client, a scheduler address, or a local one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from rankagg._errors import RankaggError

__all__ = ["require_dask", "using_client"]

_INSTALL = "install the optional extra: pip install 'rankagg[dask]' (dask[dataframe] and distributed)"


def require_dask(what: str = "this") -> None:
    """Raise a :class:`~rankagg.RankaggError` naming the fix when Dask or distributed is not installed."""
    try:
        import dask
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise RankaggError(f"{what} needs Dask, which is not installed ({exc.name}); {_INSTALL}.") from None


@contextlib.contextmanager
def using_client(scheduler: Any = None, *, n_workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` to compute on, closed on exit only when this function made it.

    Parameters
    ----------
    scheduler : str, distributed.Client or None
        A client (used as is), a scheduler address such as ``"tcp://10.0.0.5:8786"``, or None: the client
        already current in this process (``distributed.get_client``), else the scheduler named by the standard
        Dask configuration (``DASK_SCHEDULER_ADDRESS`` / ``scheduler-address``), else a local cluster of worker
        processes on this machine (``n_workers``, default: one per core).
    n_workers : int, optional
        Workers of the local cluster made when no scheduler is found.

    Yields
    ------
    distributed.Client
    """
    require_dask()
    import dask
    import distributed

    if isinstance(scheduler, distributed.Client):
        yield scheduler
        return
    if scheduler is None:
        with contextlib.suppress(ValueError):
            yield distributed.get_client()
            return
        scheduler = dask.config.get("scheduler-address", None)
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise RankaggError(
                f"scheduler: {scheduler!r} is not a scheduler address; give one such as 'tcp://10.0.0.5:8786', "
                "a distributed.Client, or None for a local cluster."
            )
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise RankaggError(
                f"scheduler: cannot reach the Dask scheduler at {scheduler!r} ({exc}); start one with "
                "`dask scheduler` (and workers with `dask worker ADDRESS`), or leave the scheduler out for a local "
                "cluster."
            ) from None
        with client:
            yield client
        return
    with (
        distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
