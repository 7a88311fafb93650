"""Pin the BLAS under ``implicit`` to one thread (its own loops are the parallel part)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_thread() -> Iterator[None]:
    """BLAS limited to one thread inside the block (``implicit`` warns otherwise).

    Examples
    --------
    >>> with one_thread():
    ...     pass
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
