"""Shared helpers of the lifecycle tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest


@pytest.fixture
def numeric_log_gradient() -> Callable[..., np.ndarray]:
    """Central differences of a BTYD model's ``_total`` in log-parameters.

    The models optimise ``log(params)``; ``_total(params, data, False)[0]`` is the
    objective, so this is what their analytic gradient must equal.
    """

    def grad(model: Any, params: Any, data: Any, step: float = 1e-6) -> np.ndarray:
        logp = np.log(np.asarray(params, dtype=float))
        out = []
        for i in range(len(logp)):
            up, down = logp.copy(), logp.copy()
            up[i] += step
            down[i] -= step
            hi = model._total(np.exp(up), data, False)[0]
            lo = model._total(np.exp(down), data, False)[0]
            out.append((hi - lo) / (2 * step))
        return np.asarray(out)

    return grad
