"""Pin the BLAS under ``implicit`` to one thread (its own loops are the parallel part)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CONTROLLER: list[Any] = []


@contextmanager
def one_thread() -> Iterator[None]:
    """BLAS limited to one thread inside the block (``implicit`` warns otherwise).

    The thread-pool controller is built once per process: finding the loaded BLAS
    libraries reads ``/proc/self/maps`` and costs milliseconds, too much per request.

    Examples
    --------
    >>> with one_thread():
    ...     pass
    """
    from threadpoolctl import ThreadpoolController

    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    with _CONTROLLER[0].limit(limits=1, user_api="blas"):
        yield
