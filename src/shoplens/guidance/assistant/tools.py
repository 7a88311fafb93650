# ruff: noqa: E501  (bilingual vocabularies and templates read best one per line)
"""Tools for the facts a model must never invent: orders, returns, products, recommendations.

:class:`ShopTools` is built for ONE signed-in customer: it loads that customer's orders
(and only those) from the warehouse when the conversation starts, so no tool can read
another customer's order whatever the text or a model asks. Products are public: the
catalog is indexed once per assistant (:class:`Catalog`). Every tool returns a
:class:`ToolResult` whose ``summary`` is a template in the customer's language citing
the result (``[order:O0000123]``) and the policy sections it applies.

Examples
--------
>>> from shoplens.guidance.assistant.testing import tiny_shop
>>> con = tiny_shop()
>>> len(load_customer_orders(con, "C1"))
4
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from shoplens.guidance.assistant.catalog import Catalog
from shoplens.guidance.assistant.policy import Policy
from shoplens.guidance.assistant.results import ToolResult

__all__ = ["STATUS_WORDS", "Catalog", "ShopTools", "ToolResult", "load_customer_orders"]

STATUS_WORDS = {
    "en": {
        "delivered": "delivered",
        "shipped": "shipped (on its way)",
        "returned": "returned",
        "cancelled": "cancelled",
    },
    "zh": {
        "delivered": "已签收",
        "shipped": "已发货（运输中）",
        "returned": "已退货",
        "cancelled": "已取消",
    },
}


def _day(ts: Any) -> date:
    return (
        pd.Timestamp(ts).tz_convert("UTC").date()
        if pd.Timestamp(ts).tzinfo
        else (pd.Timestamp(ts).date())
    )


def load_customer_orders(con: Any, customer_id: str) -> pd.DataFrame:
    """One row per order line of ``customer_id``'s orders, with the item's title and category."""
    orders = con.table("orders").filter(lambda t: t.customer_id == customer_id)
    lines = con.table("order_items")
    items = con.table("items").select("item_id", "title", "category", "lang")
    expr = orders.left_join(lines, orders.order_id == lines.order_id).left_join(
        items, lines.item_id == items.item_id
    )
    expr = expr.select(
        orders.order_id,
        orders.ts,
        orders.status,
        orders.total,
        orders.currency,
        lines.item_id,
        lines.quantity,
        lines.unit_price,
        items.title,
        items.category,
    )
    return expr.to_pandas().sort_values(["ts", "order_id", "item_id"], kind="stable")


class ShopTools:
    """The tools of one conversation, scoped to ``customer_id``'s own orders.

    Parameters
    ----------
    orders
        :func:`load_customer_orders` of the signed-in customer (nobody else's).
    catalog
        The fitted :class:`Catalog`.
    as_of
        The shop's today (eligibility windows count from the order date to it).
    policy
        The rules.
    recommender
        ``recommender(customer_id, n) -> [item_id, ...]``; default: best sellers the
        customer has not bought (a placeholder until the recommender is wired in).
    popular
        Item ids by sales, for the default recommender.
    """

    def __init__(
        self,
        customer_id: str,
        orders: pd.DataFrame,
        catalog: Catalog,
        as_of: date,
        policy: Policy | None = None,
        recommender: Callable[[str, int], list[str]] | None = None,
        popular: list[str] | None = None,
    ) -> None:
        self.customer_id = customer_id
        self.orders = orders
        self.catalog = catalog
        self.as_of = as_of
        self.policy = policy or Policy()
        self.recommender = recommender
        self.popular = popular or []

    # -- orders -------------------------------------------------------------------------
    def order_ids(self) -> list[str]:
        """The customer's order ids, newest first."""
        heads = self.orders.drop_duplicates("order_id").sort_values("ts", ascending=False)
        return heads["order_id"].tolist()

    def _order(self, order_id: str) -> pd.DataFrame:
        return self.orders[self.orders["order_id"] == order_id]

    def _not_found(self, tool: str, order_id: str, lang: str) -> ToolResult:
        msg = (
            f"我在您的账户中没有找到订单{order_id}，请核对订单号 [account:orders]。"
            if lang == "zh"
            else f"I could not find order {order_id} in your account [account:orders]; please"
            " check the number."
        )
        return ToolResult(tool, "account:orders", {"order_id": order_id, "found": False}, msg,
                          found=False)  # fmt: skip

    def list_orders(self, lang: str, n: int = 3) -> ToolResult:
        """The customer's latest ``n`` orders (id, date, status), for "which order?"."""
        ids = self.order_ids()[:n]
        rows = []
        for oid in ids:
            o = self._order(oid).iloc[0]
            rows.append({"order_id": oid, "date": _day(o["ts"]).isoformat(), "status": o["status"]})
        if lang == "zh":
            listed = "；".join(
                f"{r['order_id']}（{r['date']}，{STATUS_WORDS['zh'].get(r['status'], r['status'])}）"
                for r in rows
            )
            text = f"请问是哪一个订单？您最近的订单：{listed} [account:orders]。"
        else:
            listed = "; ".join(
                f"{r['order_id']} ({r['date']}, {STATUS_WORDS['en'].get(r['status'], r['status'])})"
                for r in rows
            )
            text = f"Which order do you mean? Your latest orders: {listed} [account:orders]."
        return ToolResult("list_orders", "account:orders", {"orders": rows}, text)

    def order_status(self, order_id: str, lang: str) -> ToolResult:
        """Status, date, total and items of one of the customer's orders."""
        lines = self._order(order_id)
        if lines.empty:
            return self._not_found("order_status", order_id, lang)
        o = lines.iloc[0]
        day = _day(o["ts"])
        status = str(o["status"])
        items = [
            {"item_id": r.item_id, "title": r.title, "quantity": int(r.quantity or 0)}
            for r in lines.itertuples(index=False)
            if isinstance(r.item_id, str)
        ]
        data: dict[str, Any] = {
            "order_id": order_id,
            "status": status,
            "order_date": day.isoformat(),
            "total": float(o["total"]),
            "currency": o["currency"],
            "items": items,
        }
        word = STATUS_WORDS[lang if lang in STATUS_WORDS else "en"].get(status, status)
        cite = f"[order:{order_id}]"
        policy = []
        if lang == "zh":
            text = f"订单{order_id}（{day.isoformat()}下单，金额{data['total']:.2f}元）状态：{word} {cite}。"
        else:
            text = (
                f"Order {order_id} (placed {day.isoformat()}, total {data['total']:.2f} "
                f"{data['currency']}) is {word} {cite}."
            )
        if status == "shipped":
            lo, hi = (day + timedelta(days=d) for d in self.policy.delivery_days)
            data["expected_delivery"] = [lo.isoformat(), hi.isoformat()]
            policy.append("shipping#delivery-times")
            text += (
                f'预计{lo.isoformat()}至{hi.isoformat()}送达，运单号可在"我的订单"中查看 '
                "[shipping#delivery-times]。"
                if lang == "zh"
                else f" Expected delivery between {lo.isoformat()} and {hi.isoformat()}; the"
                ' tracking number is in "My orders" [shipping#delivery-times].'
            )
        return ToolResult("order_status", f"order:{order_id}", data, text, policy)

    def return_eligibility(self, order_id: str, lang: str, reason: str = "no_reason") -> ToolResult:
        """Whether the order's items can be returned today, by the policy's rules."""
        lines = self._order(order_id)
        if lines.empty:
            return self._not_found("return_eligibility", order_id, lang)
        p = self.policy
        o = lines.iloc[0]
        day = _day(o["ts"])
        status = str(o["status"])
        age = (self.as_of - day).days
        cite = f"[order:{order_id}]"
        data: dict[str, Any] = {
            "order_id": order_id,
            "status": status,
            "order_date": day.isoformat(),
            "as_of": self.as_of.isoformat(),
            "days_since_order": age,
            "reason": reason,
            "items": [],
        }
        zh = lang == "zh"
        if status != "delivered":
            data["eligible"] = False
            word = STATUS_WORDS["zh" if zh else "en"].get(status, status)
            why = {
                "shipped": (
                    "订单还在运输中，目前不能退货，签收后才能申请退货，也可以在派送时拒收",
                    "it is still on its way: you can apply once it is delivered, or refuse the parcel",
                ),
                "cancelled": (
                    "订单已取消，无需退货，款项会在1-3个工作日内自动退回",
                    "it was cancelled, so nothing needs returning: any payment is refunded within 1-3 business days",
                ),
                "returned": ("订单已经退货，不能再次退货", "it has already been returned"),
            }.get(status, ("订单状态不支持退货", "its status does not allow a return"))
            text = (
                f"订单{order_id}状态为{word}，{why[0]} {cite} [returns#order-status-rules]。"
                if zh
                else f"Order {order_id} is {word}, so it cannot be returned now: {why[1]} "
                f"{cite} [returns#order-status-rules]."
            )
            return ToolResult("return_eligibility", f"order:{order_id}", data, text,
                              ["returns#order-status-rules"])  # fmt: skip
        no_reason_until = day + timedelta(days=p.no_reason_days)
        quality_until = day + timedelta(days=p.quality_days)
        items, parts = [], []
        for r in lines.itertuples(index=False):
            if not isinstance(r.item_id, str):
                continue
            top = str(r.category).split(" > ")[0]
            no_reason = top in p.no_reason_categories and age <= p.no_reason_days
            quality = age <= p.quality_days
            ok = no_reason if reason == "no_reason" else quality
            items.append({"item_id": r.item_id, "title": r.title, "category": r.category,
                          "no_reason": no_reason, "quality": quality, "eligible": ok})  # fmt: skip
            if zh:
                if ok:
                    parts.append(f"{r.title}可以退货")
                elif reason == "no_reason" and top not in p.no_reason_categories:
                    parts.append(f"{r.title}属于食品，无质量问题不能无理由退货")
                else:
                    parts.append(f"{r.title}已超过退货期限，不能退货")
            elif ok:
                parts.append(f"{r.title} can be returned")
            elif reason == "no_reason" and top not in p.no_reason_categories:
                parts.append(f"{r.title} is a Grocery item and cannot be returned without a "
                             "quality problem")  # fmt: skip
            else:
                parts.append(f"{r.title} is past the return window and cannot be returned")
        data["items"] = items
        data["eligible"] = any(i["eligible"] for i in items)
        data["no_reason_until"] = no_reason_until.isoformat()
        data["quality_until"] = quality_until.isoformat()
        section = "returns#no-reason" if reason == "no_reason" else "returns#quality"
        if zh:
            window = (f"无理由退货截止{no_reason_until.isoformat()}" if reason == "no_reason"
                      else f"质量问题退换截止{quality_until.isoformat()}")  # fmt: skip
            text = (f"订单{order_id}于{day.isoformat()}下单，{window}：" + "；".join(parts)
                    + f" {cite} [{section}]。")  # fmt: skip
        else:
            window = (
                f"no-reason returns until {no_reason_until.isoformat()}"
                if reason == "no_reason"
                else f"quality returns until {quality_until.isoformat()}"
            )
            text = (f"Order {order_id} was placed on {day.isoformat()} ({window}): "
                    + "; ".join(parts) + f" {cite} [{section}].")  # fmt: skip
        return ToolResult("return_eligibility", f"order:{order_id}", data, text, [section])

    # -- products -----------------------------------------------------------------------
    def recommend(self, lang: str, n: int = 3) -> ToolResult:
        """Items for this customer from the recommender hook (default: best sellers)."""
        bought = set(self.orders["item_id"].dropna())
        if self.recommender is not None:
            ids = list(self.recommender(self.customer_id, n))
        else:
            ids = [i for i in self.popular if i not in bought][:n]
        rows = [self.catalog.row(self.catalog.by_id_[i]) for i in ids if i in self.catalog.by_id_]
        if not rows:
            msg = "暂时没有可推荐的商品。" if lang == "zh" else "I have no suggestions right now."
            return ToolResult("recommend", "recommendations", {"items": []}, msg, found=False)
        if lang == "zh":
            listed = "；".join(
                f"{r['title']}（{r['price']:.2f}元）[item:{r['item_id']}]" for r in rows
            )
            text = f"为您推荐：{listed}。"
        else:
            listed = "; ".join(
                f"{r['title']} ({r['price']:.2f} CNY) [item:{r['item_id']}]" for r in rows
            )
            text = f"You might like: {listed}."
        return ToolResult("recommend", "recommendations", {"items": rows}, text)
