"""The API against the real app on a demo warehouse: auth, scopes, object-level checks,
bad input, idempotent events. Every error must be JSON with a reason and no internals."""

from __future__ import annotations

import runpy
import uuid
from pathlib import Path

import pytest

from shoplens.service.deps import needs

_CHECKS = runpy.run_path(str(Path(__file__).with_name("checks.py")))
auth, _error, _drained = _CHECKS["auth"], _CHECKS["error_body"], _CHECKS["drained"]


# every route with a customer in its path, each with its object-level test below
ID_ROUTES = {"/v1/customers/{customer_id}", "/dashboard/customers/{customer_id}"}
# every operation with a customer in its body, each with its object-level test
# (events: below; recommendations: test_guidance.py); the assistant takes none by design
BODY_ID_ROUTES = {"POST /v1/events", "POST /v1/recommendations"}


def _count(client, ids):
    with client.app.state.service.warehouse.reader() as con:
        t = con.table("events")
        return int(t.filter(t.event_id.isin(ids)).count().execute())


def test_health_and_ready_need_no_key(client):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["checks"]["warehouse"] is True


@pytest.mark.parametrize("headers", [{}, auth("slk_00000000_nope"), auth("not-a-key")])
def test_missing_or_bad_key_is_401(client, headers):
    r = client.get("/v1/customers", headers=headers)
    _error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"


def test_x_api_key_header_works(client, keys):
    assert client.get("/v1/me", headers={"X-API-Key": keys["reader"]}).json()["scopes"] == [
        "analytics:read"
    ]


def test_revoked_key_stops_at_once(client, service_home):
    from shoplens.service.keys import KeyStore

    store = KeyStore(service_home[0] / "keys.json")
    token, key = store.create("short-lived", ["analytics:read"])
    assert client.get("/v1/me", headers=auth(token)).status_code == 200
    store.revoke(key.id)
    _error(client.get("/v1/me", headers=auth(token)), 401)


@pytest.mark.parametrize(
    ("who", "method", "url"),
    [
        ("writer", "get", "/v1/customers"),
        ("writer", "get", "/v1/funnels"),
        ("reader", "post", "/v1/events"),
        ("assistant", "get", "/v1/segments"),
        ("assistant", "post", "/v1/events"),
        ("reader", "get", "/metrics"),
    ],
)
def test_scope_violations_are_403(client, keys, who, method, url):
    kw = {"json": {"events": []}} if method == "post" else {}
    r = getattr(client, method)(url, headers=auth(keys[who]), **kw)
    _error(r, 403, "insufficient_scope")


@pytest.mark.parametrize(
    "url", ["/v1/funnels", "/v1/paths", "/v1/retention", "/v1/segments", "/v1/stages", "/v1/clv"]
)
def test_customer_bound_key_cannot_read_aggregates(client, keys, url):
    _error(client.get(url, headers=auth(keys["bound_reader"])), 403, "customer_bound")


def route_paths(routes):
    """Every route path, through the routers the app includes."""
    for r in routes:
        if hasattr(r, "original_router"):
            yield from route_paths(r.original_router.routes)
        elif hasattr(r, "path"):
            yield r.path


def test_every_id_route_is_covered(client):
    routes = {p for p in route_paths(client.app.routes) if "{" in p}
    assert routes == ID_ROUTES  # a new route with an id needs its object-level test here


def _names_customer(schema, components, seen=()):
    """Whether a JSON schema (following $refs) has a ``customer_id`` property anywhere."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return name not in seen and _names_customer(components[name], components, (*seen, name))
        if "customer_id" in schema.get("properties", {}):
            return True
        return any(_names_customer(v, components, seen) for v in schema.values())
    if isinstance(schema, list):
        return any(_names_customer(v, components, seen) for v in schema)
    return False


def test_every_body_id_route_is_covered(client):
    spec = client.app.openapi()
    components = spec["components"]["schemas"]
    found = {
        f"{method.upper()} {path}"
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if _names_customer(op.get("requestBody", {}), components)
    }
    assert found == BODY_ID_ROUTES  # a new body with a customer needs its object-level test


@pytest.mark.parametrize("who", ["assistant", "bound_reader"])
def test_customer_bound_key_sees_only_its_customer(client, keys, customers, who):
    own, other = customers[0], customers[1]
    r = client.get(f"/v1/customers/{own}", headers=auth(keys[who]))
    assert r.status_code == 200 and r.json()["customer_id"] == own
    _error(client.get(f"/v1/customers/{other}", headers=auth(keys[who])), 403, "customer_bound")
    # an unknown id answers 403 too: a bound key learns nothing about other ids
    _error(client.get("/v1/customers/nobody-here", headers=auth(keys[who])), 403)


def test_customer_bound_key_gets_no_dashboard_360(client, keys, customers, service_home):
    from shoplens.service.keys import KeyStore
    from shoplens.service.session import COOKIE, make_session

    url = f"/dashboard/customers/{customers[1]}"
    r = client.get(url, headers=auth(keys["assistant"]), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/login"
    store = KeyStore(service_home[0] / "keys.json")
    bound = next(k for k in store.list() if k.name == "portal")
    forged = make_session(store, bound, 600)  # a valid session of a bound key
    r = client.get(url, headers={"Cookie": f"{COOKIE}={forged}"}, follow_redirects=False)
    assert r.status_code == 303 and "timeline" not in r.text


def test_customer_bound_list_holds_only_its_customer(client, keys, customers):
    page = client.get("/v1/customers?limit=500", headers=auth(keys["bound_reader"])).json()
    assert {row["customer_id"] for row in page["items"]} <= {customers[0]}
    assert page["total"] <= 1


def test_customer_bound_writer_cannot_write_for_another(client, keys, customers):
    ev = {"event_id": uuid.uuid4().hex, "ts": "2024-01-01T00:00:00Z", "type": "view"}
    ok = client.post(
        "/v1/events",
        headers=auth(keys["bound_writer"]),
        json={"events": [{**ev, "customer_id": customers[0]}]},
    )
    assert ok.status_code == 202
    bad = client.post(
        "/v1/events",
        headers=auth(keys["bound_writer"]),
        json={"events": [{**ev, "event_id": uuid.uuid4().hex, "customer_id": customers[1]}]},
    )
    _error(bad, 403, "customer_bound")


def test_unknown_customer_is_404(client, keys):
    _error(client.get("/v1/customers/nobody-here", headers=auth(keys["reader"])), 404)


def test_unknown_route_is_json_404(client):
    _error(client.get("/v1/nothing"), 404, "not_found")


def test_malformed_json_is_422(client, keys):
    r = client.post(
        "/v1/events",
        headers={**auth(keys["writer"]), "Content-Type": "application/json"},
        content=b'{"events": [',
    )
    _error(r, 422, "malformed_json")


def test_wrong_types_name_the_field(client, keys):
    r = client.post(
        "/v1/events",
        headers=auth(keys["writer"]),
        json={"events": [{"event_id": 7, "customer_id": "c", "ts": "soon", "type": "view"}]},
    )
    body = _error(r, 422, "invalid_request")
    locs = {tuple(d["loc"]) for d in body["details"]}
    assert ("body", "events", "0", "event_id") in locs
    assert ("body", "events", "0", "ts") in locs
    assert "soon" not in r.text  # input values are not echoed back


def test_bad_query_parameter_is_422(client, keys):
    _error(client.get("/v1/funnels?window_days=-1", headers=auth(keys["reader"])), 422)
    _error(client.get("/v1/customers?limit=100000", headers=auth(keys["reader"])), 422)


def test_event_failing_ingestion_rules_stores_nothing(client, keys):
    ids = [uuid.uuid4().hex, uuid.uuid4().hex]
    events = [
        {"event_id": ids[0], "customer_id": "c1", "ts": "2024-01-01T00:00:00Z", "type": "view"},
        {"event_id": ids[1], "customer_id": "  ", "ts": "2024-01-01T00:00:00Z", "type": "view"},
    ]
    r = client.post("/v1/events", headers=auth(keys["writer"]), json={"events": events})
    body = _error(r, 422, "invalid_events")
    assert body["details"] == [{"index": 1, "reason": "missing customer_id"}]
    _drained(client)
    assert _count(client, ids) == 0


def test_oversized_bodies_are_413(client, keys):
    big = b'{"events": [' + b" " * 1_100_000 + b"]}"
    headers = {**auth(keys["writer"]), "Content-Type": "application/json"}
    _error(client.post("/v1/events", headers=headers, content=big), 413)

    def chunks():  # no Content-Length: the limit holds while the body streams
        for _ in range(12):
            yield b" " * 100_000

    _error(client.post("/v1/events", headers=headers, content=chunks()), 413)


def test_replayed_events_are_stored_once(client, keys, customers):
    ids = [f"replay-{uuid.uuid4().hex}" for _ in range(3)]
    events = [
        {"event_id": i, "customer_id": customers[2], "ts": "2024-02-01T10:00:00Z", "type": "view"}
        for i in ids
    ]
    for _ in range(2):
        r = client.post("/v1/events", headers=auth(keys["writer"]), json={"events": events})
        assert r.status_code == 202 and r.json() == {"accepted": 3, "event_ids": ids}
    # the same batch twice inside one request is also kept once
    client.post("/v1/events", headers=auth(keys["writer"]), json={"events": events + events})
    _drained(client)
    assert _count(client, ids) == 3


def test_accepted_event_shows_in_customer_360(client, keys, customers):
    eid = f"live-{uuid.uuid4().hex}"
    ev = {"event_id": eid, "customer_id": customers[3], "ts": "2030-01-01T00:00:00Z"}
    ev |= {"type": "search", "query": "red shoes"}
    assert client.post("/v1/events", headers=auth(keys["writer"]), json={"events": [ev]}).is_success
    _drained(client)
    c360 = client.get(f"/v1/customers/{customers[3]}?events=5", headers=auth(keys["reader"]))
    last = c360.json()["timeline"][-1]
    assert (last["ref_id"], last["detail"]) == (eid, "red shoes")


def test_customer_360_matches_stored_tables(client, keys):
    from shoplens.journeys import customer_timeline

    with client.app.state.service.warehouse.reader() as con:
        lc = con.table("lifecycle_customers").execute()
        # the customer with the most stored figures (on this tiny shop CLV may be null)
        row = lc.sort_values(["clv", "churn_probability"], ascending=False).iloc[0]
        timeline = customer_timeline(con, row.customer_id).execute()
    got = client.get(
        f"/v1/customers/{row.customer_id}?events=1000", headers=auth(keys["reader"])
    ).json()
    assert got["segment"] == row.segment_name and got["stage"] == row.stage
    # a CLV the model could not estimate is stored as null and answered as null
    assert got["clv"] == (None if row.clv != row.clv else pytest.approx(row.clv))
    assert got["churn"]["probability"] == pytest.approx(row.churn_probability)
    assert got["churn"]["drivers"]["recency_days"] == pytest.approx(row.recency_days)
    assert [t["ref_id"] for t in got["timeline"]] == timeline.ref_id.tolist()


def test_funnel_endpoint_equals_library(client, keys):
    from datetime import timedelta

    from shoplens.journeys import funnel_frame

    with client.app.state.service.warehouse.reader() as con:
        want = funnel_frame(
            con.table("events"),
            ["view", "add_to_cart", "purchase"],
            window=timedelta(days=3),
            by="session",
        )
    got = client.get(
        "/v1/funnels?steps=view,add_to_cart,purchase&window_days=3&by=session",
        headers=auth(keys["reader"]),
    ).json()["items"]
    assert [r["entered"] for r in got] == want.entered.tolist()


def test_pagination(client, keys):
    h = auth(keys["reader"])
    whole = client.get("/v1/customers?limit=30&sort=clv", headers=h).json()
    a = client.get("/v1/customers?limit=10&offset=10&sort=clv", headers=h).json()
    assert a["items"] == whole["items"][10:20] and a["total"] == whole["total"]


def test_not_computed_tables_say_so(client, keys):
    _error(client.get("/v1/forecasts", headers=auth(keys["reader"])), 404, "not_computed")


def test_metrics_and_request_ids(client, keys):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    text = client.get("/metrics", headers=auth(keys["admin"])).text
    assert 'shoplens_http_requests_total{method="GET",route="/healthz",status="200"}' in text


def test_logs_are_json_with_pii_redacted(client, keys):
    import json
    import logging

    from shoplens.service.observe import LOGGER, JsonFormatter

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(JsonFormatter().format(record))

    handler = Keep()
    LOGGER.addHandler(handler)
    try:
        client.get("/v1/customers/li.wei@example.com", headers=auth(keys["reader"]))
    finally:
        LOGGER.removeHandler(handler)
    rec = [json.loads(x) for x in lines if '"request"' in x][-1]
    assert rec["status"] == 404 and rec["request_id"] and rec["key_id"]
    assert "li.wei@example.com" not in lines[-1] and "[EMAIL]" in rec["path"]


def test_rate_limit_per_key(settings, keys):
    from fastapi.testclient import TestClient

    from shoplens.service import create_app

    tight = settings.model_copy(update={"rate_per_second": 0.5, "rate_burst": 2})
    with TestClient(create_app(tight)) as c:
        codes = [c.get("/v1/me", headers=auth(keys["reader"])).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        r = c.get("/v1/me", headers=auth(keys["reader"]))
        _error(r, 429)
        assert int(r.headers["retry-after"]) >= 1
        # another key has its own bucket
        assert c.get("/v1/me", headers=auth(keys["writer"])).status_code == 200


def test_cors_from_settings(settings):
    from fastapi.testclient import TestClient

    from shoplens.service import create_app

    app = create_app(settings.model_copy(update={"cors_origins": ["https://shop.example"]}))
    with TestClient(app) as c:
        pre = {"Access-Control-Request-Method": "GET"}
        ok = c.options("/v1/me", headers={"Origin": "https://shop.example", **pre})
        assert ok.headers["access-control-allow-origin"] == "https://shop.example"
        other = c.options("/v1/me", headers={"Origin": "https://evil.example", **pre})
        assert "access-control-allow-origin" not in other.headers


def test_needs_names_its_scopes():
    assert needs("analytics:read").__name__ == "needs_analytics_read"
