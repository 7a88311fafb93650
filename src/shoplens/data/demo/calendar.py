"""The demo shop's calendar: weekly and yearly seasonality, 618, Double 11 and promotions.

Every day of the simulated period gets a traffic multiplier and three conversion uplifts
(cart, checkout, purchase) that multiply the funnel rates of sessions on that day, plus a
discount. The named shopping events are listed in the ground truth.

Examples
--------
>>> cal, events = build_calendar("2025-05-01", 18)
>>> len(cal) > 500
True
>>> cal.loc[cal["date"] == "2025-11-11", "event"].item()
'double11'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

#: Traffic by weekday, Monday first.
WEEKLY: tuple[float, ...] = (0.92, 0.95, 0.97, 1.0, 1.05, 1.12, 1.08)

#: Chinese New Year's day by year (traffic dips around it: couriers stop).
CHINESE_NEW_YEAR: dict[int, str] = {
    2023: "2023-01-22",
    2024: "2024-02-10",
    2025: "2025-01-29",
    2026: "2026-02-17",
    2027: "2027-02-06",
    2028: "2028-01-26",
    2029: "2029-02-13",
}

#: Local hour-of-day profile (China time), 0..23.
HOURLY: tuple[float, ...] = (
    1.2, 0.6, 0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.0, 1.2, 1.3, 1.4,
    1.6, 1.4, 1.2, 1.2, 1.2, 1.3, 1.4, 1.6, 2.0, 2.3, 2.2, 1.7,
)  # fmt: skip


@dataclass(frozen=True)
class ShopEvent:
    """A holiday or promotion: inclusive dates and its effect on each of its days."""

    name: str
    label_zh: str
    kind: str  # "holiday" or "promotion"
    start: str
    end: str
    traffic_multiplier: float
    cart_uplift: float
    checkout_uplift: float
    purchase_uplift: float
    discount: float
    categories: tuple[str, ...] = ()  # empty: the discount applies to every category

    def to_dict(self) -> dict:
        """Return a JSON-ready dict.

        Examples
        --------
        >>> ev = ShopEvent("x", "x", "promotion", "2025-01-01", "2025-01-01", 1, 1, 1, 1, 0)
        >>> ev.to_dict()["name"]
        'x'
        """
        d = asdict(self)
        d["categories"] = list(self.categories)
        return d


def _year_events(year: int) -> list[ShopEvent]:
    y = str(year)
    return [
        ShopEvent("new_year_sale", "元旦焕新", "promotion", f"{y}-01-01", f"{y}-01-03",
                  1.3, 1.10, 1.05, 1.0, 0.08),
        ShopEvent("womens_day", "38女王节", "promotion", f"{y}-03-06", f"{y}-03-08",
                  1.4, 1.20, 1.05, 1.0, 0.15, ("Beauty", "Apparel")),
        ShopEvent("618_presale", "618预售", "holiday", f"{y}-06-01", f"{y}-06-17",
                  1.35, 1.15, 1.05, 1.0, 0.10),
        ShopEvent("618", "618年中大促", "holiday", f"{y}-06-18", f"{y}-06-18",
                  5.0, 1.50, 1.20, 1.03, 0.20),
        ShopEvent("summer_clearance", "夏季清仓", "promotion", f"{y}-08-15", f"{y}-08-20",
                  1.25, 1.15, 1.0, 1.0, 0.30, ("Apparel",)),
        ShopEvent("anniversary", "店庆日", "promotion", f"{y}-09-09", f"{y}-09-09",
                  1.6, 1.30, 1.10, 1.0, 0.12),
        ShopEvent("double11_presale", "双11预售", "holiday", f"{y}-10-20", f"{y}-11-10",
                  1.4, 1.20, 1.05, 1.0, 0.10),
        ShopEvent("double11", "双11狂欢节", "holiday", f"{y}-11-11", f"{y}-11-11",
                  8.0, 1.70, 1.30, 1.04, 0.25),
        ShopEvent("double12", "双12", "holiday", f"{y}-12-12", f"{y}-12-12",
                  1.8, 1.25, 1.10, 1.0, 0.12),
    ]  # fmt: skip


def period(start: str, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the (inclusive start, exclusive end) of the simulated period, UTC midnight.

    Examples
    --------
    >>> period("2025-05-01", 18)[1]
    Timestamp('2026-11-01 00:00:00+0000', tz='UTC')
    """
    t0 = (
        pd.Timestamp(start).tz_localize("UTC")
        if pd.Timestamp(start).tzinfo is None
        else (pd.Timestamp(start).tz_convert("UTC"))
    )
    t0 = t0.normalize()
    return t0, t0 + pd.DateOffset(months=months)


def build_calendar(start: str, months: int) -> tuple[pd.DataFrame, list[ShopEvent]]:
    """Return one row per day of the period and the shop events that fall in it.

    Columns: ``date`` (``YYYY-MM-DD``), ``traffic`` (relative, mean about 1 on ordinary
    days), ``event_traffic`` (the event's multiplier, 1 on ordinary days), ``cart_uplift``,
    ``checkout_uplift``, ``purchase_uplift``, ``discount`` and ``event`` ("" if none).

    Examples
    --------
    >>> cal, _ = build_calendar("2025-05-01", 2)
    >>> float(cal["cart_uplift"].min())
    1.0
    """
    t0, t1 = period(start, months)
    days = pd.date_range(t0, t1, freq="D", inclusive="left")
    n = len(days)
    t = np.arange(n) / max(n - 1, 1)
    doy = days.day_of_year.to_numpy()
    weekly = np.asarray(WEEKLY)[days.day_of_week.to_numpy()]
    yearly = 1.0 + 0.08 * np.cos(2 * np.pi * (doy - 330) / 365.25)
    trend = 1.0 + 0.25 * t
    base = weekly * yearly * trend
    for year in range(days[0].year, days[-1].year + 1):
        if year in CHINESE_NEW_YEAR:
            cny = pd.Timestamp(CHINESE_NEW_YEAR[year], tz="UTC")
            dip = (days >= cny - pd.Timedelta(days=3)) & (days <= cny + pd.Timedelta(days=7))
            base = np.where(dip, base * 0.65, base)

    event_traffic = np.ones(n)
    uplift = {k: np.ones(n) for k in ("cart", "checkout", "purchase")}
    discount = np.zeros(n)
    name = np.full(n, "", dtype=object)
    events: list[ShopEvent] = []
    date_str = days.strftime("%Y-%m-%d").to_numpy()
    for year in range(days[0].year, days[-1].year + 1):
        for ev in _year_events(year):
            mask = (date_str >= ev.start) & (date_str <= ev.end)
            if not mask.any():
                continue
            events.append(ev)
            event_traffic[mask] = ev.traffic_multiplier
            uplift["cart"][mask] = ev.cart_uplift
            uplift["checkout"][mask] = ev.checkout_uplift
            uplift["purchase"][mask] = ev.purchase_uplift
            discount[mask] = ev.discount
            name[mask] = ev.name
    cal = pd.DataFrame(
        {
            "date": date_str,
            "traffic": np.round(base * event_traffic, 6),
            "base_traffic": np.round(base, 6),
            "event_traffic": event_traffic,
            "cart_uplift": uplift["cart"],
            "checkout_uplift": uplift["checkout"],
            "purchase_uplift": uplift["purchase"],
            "discount": discount,
            "event": name.astype(str),
        }
    )
    return cal, events
