"""BLAS threads for many small products.

rankagg's rules multiply small matrices (a pairwise matrix, a resample's weights): a multi-threaded BLAS
spends more time waking its threads than computing, and its spinning threads slow everything else down
(the exact Kemeny consensus of GLUE took 0.08 s with OpenBLAS's two threads, 0.008 s with one, on a
two-core machine). Rules therefore run with one BLAS thread; the limit is restored afterwards.
"""

from __future__ import annotations

from typing import Any

__all__ = ["one_blas_thread"]

_CONTROLLER: Any = None


def one_blas_thread() -> Any:
    """Limit BLAS to one thread; the returned object restores the previous limits (usable as a context manager).

    The controller that inspects the loaded libraries is built once (0.1 ms); each limit then costs microseconds.
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
