"""Fixtures of the recommender tests: a checkerboard of interactions with held-out items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

N = 40  # users and items


def _user(u: int) -> str:
    return ["客户", "ü-", " c", "1.0/"][u % 4] + str(u)  # ids of any string form


def _item(i: int) -> str:
    return ["商品", "i:", "0"][i % 3] + f"{i:02d}"


@pytest.fixture(scope="session")
def checkerboard():
    """Users like the items of their own parity; one of them (the held-out item) is hidden.

    Returns the interactions, a catalog (category = parity, price = index), content vectors
    that know the parity, and the held-out item of each user.
    """
    rows, held = [], {}
    for u in range(N):
        h = 2 * ((u // 2) % (N // 2)) + u % 2
        held[_user(u)] = _item(h)
        for i in range(u % 2, N, 2):
            if i != h:
                rows.append((_user(u), _item(i), 1.0 + (u * i) % 3))
    inter = pd.DataFrame(rows, columns=["customer_id", "item_id", "weight"])
    items = pd.DataFrame(
        {
            "item_id": [_item(i) for i in range(N)],
            "title": [f"item {i}" for i in range(N)],
            "category": ["even" if i % 2 == 0 else "odd" for i in range(N)],
            "price": np.arange(N, dtype=float),
        }
    )
    rng = np.random.default_rng(0)
    vec = np.zeros((N, 8))
    vec[:, 0] = np.arange(N) % 2 == 0
    vec[:, 1] = np.arange(N) % 2 == 1
    vec += 0.05 * rng.standard_normal(vec.shape)
    order = np.argsort([_item(i) for i in range(N)])  # engine's item order is sorted ids
    return inter, items, vec[order], held
