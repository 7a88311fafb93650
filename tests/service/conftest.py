"""One small demo warehouse per session, served by the real app, with one key per scope."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from shoplens.pipeline import PARTS, run_pipeline
from shoplens.warehouse import connect


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory):
    """(warehouse file, demo shop): 150 customers, journeys and lifecycle computed."""
    from shoplens.data.demo import generate_demo

    root = tmp_path_factory.mktemp("service-demo")
    shop = generate_demo(root / "shop", customers=150, items=50, events=5000, seed=3)
    path = root / "warehouse.duckdb"
    con = connect("duckdb", path)
    parts = tuple(p for p in PARTS if p.name in ("journeys", "lifecycle"))
    run_pipeline(con, data_dir=shop.out_dir, report_dir=root / "report", parts=parts)
    con.disconnect()
    return path, shop


@pytest.fixture(scope="session")
def service_home(tmp_path_factory, demo_warehouse):
    """A service home: a copy of the demo warehouse, a key file with one key per role."""
    from shoplens.service.keys import KeyStore

    home = tmp_path_factory.mktemp("service-home")
    shutil.copy(demo_warehouse[0], home / "shoplens.duckdb")
    _fit_recommender(home)
    store = KeyStore(home / "keys.json")
    customers = pd.read_parquet(demo_warehouse[1].files["customers"]).customer_id.tolist()
    keys = {
        "admin": store.create("admin", ["admin"])[0],
        "reader": store.create("analyst", ["analytics:read"])[0],
        "writer": store.create("shop backend", ["events:write"])[0],
        "assistant": store.create("chat widget", ["assistant"], customer_id=customers[0])[0],
        "assistant2": store.create("chat widget 2", ["assistant"], customer_id=customers[1])[0],
        "bound_writer": store.create("one customer", ["events:write"], customers[0])[0],
        "bound_reader": store.create("portal", ["analytics:read"], customers[0])[0],
    }
    return home, keys, customers


def _fit_recommender(home):
    """Fit and save the recommender as the main job does, where the service looks for it."""
    import warnings

    from shoplens.guidance.recommend.report import run_recommend

    con = connect("duckdb", home / "shoplens.duckdb")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_recommend(con, max_customers=5, save_to=home / "models" / "recommender")
    con.disconnect()


@pytest.fixture(scope="session")
def settings(service_home):
    from shoplens.service import ServiceSettings

    # the assistant on BM25 and keyword rules: no e5 or sentiment model to load in tests
    return ServiceSettings(
        home=service_home[0],
        drain_interval=0.05,
        rate_burst=10_000,
        assistant_embed=False,
        assistant_sentiment=False,
    )


@pytest.fixture(scope="session")
def client(settings):
    """The real app, started (lifespan) once for the session."""
    from fastapi.testclient import TestClient

    from shoplens.service import create_app

    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="session")
def keys(service_home):
    return service_home[1]


@pytest.fixture(scope="session")
def customers(service_home):
    return service_home[2]
