"""Tools: order facts and return eligibility from the rows, scoped to one customer."""

from __future__ import annotations

from datetime import date

import pytest

from shoplens.guidance.assistant.policy import Policy
from shoplens.guidance.assistant.testing import tiny_shop
from shoplens.guidance.assistant.tools import Catalog, ShopTools, load_customer_orders


@pytest.fixture(scope="module")
def shop():
    con = tiny_shop()
    catalog = Catalog(con.table("items").to_pandas()).fit()
    return con, catalog


def _tools(shop, customer, as_of=date(2025, 11, 1)):
    con, catalog = shop
    return ShopTools(customer, load_customer_orders(con, customer), catalog, as_of)


def test_tools_only_hold_the_signed_in_customers_orders(shop):
    tools = _tools(shop, "C1")
    assert set(tools.order_ids()) == {"O0000001", "O0000002", "O0000004"}
    assert tools.order_ids()[0] == "O0000002"  # newest first
    res = tools.order_status("O0000003", "en")  # C2's order
    assert not res.found and "O0000003" in res.summary and "158" not in res.content()


def test_order_status_facts_and_expected_delivery(shop):
    res = _tools(shop, "C1").order_status("O0000002", "en")
    assert res.data["status"] == "shipped" and res.data["order_date"] == "2025-10-30"
    assert res.data["total"] == 129.0
    # shipping#delivery-times: delivered within 2-5 days of the order
    assert res.data["expected_delivery"] == ["2025-11-01", "2025-11-04"]
    zh = _tools(shop, "C1").order_status("O0000002", "zh").summary
    assert "已发货" in zh and "129.00元" in zh


def test_return_eligibility_by_hand(shop):
    tools = _tools(shop, "C1")
    # O0000004: 2025-10-27, 5 days before 2025-11-01: the T-shirt yes, the nuts (Grocery) no
    res = tools.return_eligibility("O0000004", "en")
    by_item = {i["item_id"]: i for i in res.data["items"]}
    assert by_item["I003"]["no_reason"] and not by_item["I002"]["no_reason"]
    assert res.data["eligible"] and res.data["no_reason_until"] == "2025-11-03"
    # quality problems: 15 days for every category
    q = tools.return_eligibility("O0000004", "en", reason="quality")
    assert all(i["quality"] for i in q.data["items"])
    # O0000001: 2025-10-05, 27 days: past both windows
    old = tools.return_eligibility("O0000001", "en", reason="quality")
    assert not old.data["eligible"] and old.data["days_since_order"] == 27
    # shipped orders cannot be returned yet
    assert not tools.return_eligibility("O0000002", "en").data["eligible"]


def test_eligibility_window_edges_follow_the_policy(shop):
    # day 7 is inside the no-reason window, day 8 outside (returns#no-reason)
    inside = _tools(shop, "C1", as_of=date(2025, 11, 3)).return_eligibility("O0000004", "en")
    outside = _tools(shop, "C1", as_of=date(2025, 11, 4)).return_eligibility("O0000004", "en")
    assert inside.data["days_since_order"] == Policy().no_reason_days and inside.data["eligible"]
    assert not outside.data["eligible"]


def test_product_lookup_compare_and_recommend(shop):
    con, catalog = shop
    res = catalog.lookup("how much is the xiaomi smartphone", "en")
    assert res.data["items"][0]["item_id"] == "I001" and "2999.00" in res.summary
    cmp = catalog.compare("xiaomi smartphone", "uniqlo t-shirt", "en")
    assert [i["item_id"] for i in cmp.data["items"]] == ["I001", "I003"]
    rec = ShopTools("C3", load_customer_orders(con, "C3"), catalog, date(2025, 11, 1),
                    recommender=lambda cust, n: ["I003", "I999"]).recommend("en")  # fmt: skip
    assert [i["item_id"] for i in rec.data["items"]] == ["I003"]
