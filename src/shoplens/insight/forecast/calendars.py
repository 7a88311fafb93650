"""Shopping calendars: Chinese and Western e-commerce events and the shop's own promotions.

Public holidays come from the ``holidays`` package (China's Spring Festival by the lunar
calendar, Thanksgiving, Christmas, Boxing Day); what it lacks because they are shopping
events, not holidays — 38 Women's Day sales, 618 and Double 11 with their presales,
Double 12, Black Friday, Cyber Monday, Prime Day — is written here. A shop's own
promotions load from a CSV with ``name, start, end`` (and optional ``label``).

Examples
--------
>>> cal = Calendar.china(2025)
>>> [e.name for e in cal.events if e.start.month == 6]
['618_presale', '618']
>>> cal.features(pd.date_range("2025-06-17", periods=2))["618"].tolist()
[0, 1]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from shoplens.errors import InputError, require

__all__ = ["Calendar", "CalendarEvent"]


@dataclass(frozen=True)
class CalendarEvent:
    """A named event over inclusive dates ``start`` .. ``end``."""

    name: str
    start: date
    end: date
    label: str = ""
    kind: str = "shopping"  # shopping, holiday or promotion

    def days(self) -> pd.DatetimeIndex:
        """The event's days (naive midnight, UTC dates).

        Examples
        --------
        >>> CalendarEvent("x", date(2025, 1, 1), date(2025, 1, 2)).days().day.tolist()
        [1, 2]
        """
        return pd.date_range(self.start, self.end, freq="D")


def _d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


def _china_year(year: int, presale: bool, pad: tuple[int, int]) -> list[CalendarEvent]:
    holidays = require("holidays", "forecast")
    cn = holidays.country_holidays("CN", years=[year], language="en_US")
    spring = sorted(d for d, n in cn.items() if "Spring Festival" in n or "New Year's Eve" in n)
    out = []
    if spring:
        first, last = spring[0] - timedelta(pad[0]), spring[-1] + timedelta(pad[1])
        out.append(CalendarEvent("spring_festival", first, last, "春节", "holiday"))
    national = sorted(d for d, n in cn.items() if "National Day" in n)
    if national:
        out.append(CalendarEvent("national_day", national[0], national[-1], "国庆节", "holiday"))
    out.append(CalendarEvent("womens_day", _d(year, 3, 6), _d(year, 3, 8), "38女王节"))
    if presale:
        out.append(CalendarEvent("618_presale", _d(year, 6, 1), _d(year, 6, 17), "618预售"))
    out.append(CalendarEvent("618", _d(year, 6, 18), _d(year, 6, 18), "618年中大促"))
    if presale:
        out.append(
            CalendarEvent("double11_presale", _d(year, 10, 20), _d(year, 11, 10), "双11预售")
        )
    out.append(CalendarEvent("double11", _d(year, 11, 11), _d(year, 11, 11), "双11"))
    out.append(CalendarEvent("double12", _d(year, 12, 12), _d(year, 12, 12), "双12"))
    return out


def _western_year(year: int) -> list[CalendarEvent]:
    holidays = require("holidays", "forecast")
    us = holidays.country_holidays("US", years=[year])
    thanksgiving = next(d for d, n in us.items() if "Thanksgiving" in n)
    black_friday = thanksgiving + timedelta(days=1)
    july = date(year, 7, 1)
    second_tuesday = july + timedelta(days=(1 - july.weekday()) % 7 + 7)
    return [
        CalendarEvent("prime_day", second_tuesday, second_tuesday + timedelta(days=1), "Prime Day"),
        CalendarEvent("black_friday", black_friday, black_friday, "Black Friday"),
        CalendarEvent(
            "cyber_monday", black_friday + timedelta(3), black_friday + timedelta(3), "Cyber Monday"
        ),
        CalendarEvent("christmas", _d(year, 12, 24), _d(year, 12, 25), "Christmas", "holiday"),
        CalendarEvent("boxing_day", _d(year, 12, 26), _d(year, 12, 26), "Boxing Day", "holiday"),
    ]


@dataclass(frozen=True)
class Calendar:
    """A set of :class:`CalendarEvent`; build with :meth:`china`, :meth:`western`, :meth:`csv`.

    Calendars add up with ``+``. :meth:`features` turns them into 0/1 regressors, one
    column per event name (a presale and its peak day are separate columns).
    """

    events: tuple[CalendarEvent, ...] = ()

    @classmethod
    def china(
        cls,
        years: int | Iterable[int],
        *,
        presale: bool = True,
        spring_pad: tuple[int, int] = (3, 5),
    ) -> Calendar:
        """Spring Festival and National Day (``holidays``), 38, 618, Double 11, Double 12.

        Presales run 1-17 June and 20 October-10 November (Tmall's usual windows). The
        Spring Festival event spans the public holiday widened by ``spring_pad`` days
        before and after: couriers stop and sales dip around it, not only on it.
        """
        years = [years] if isinstance(years, int) else list(years)
        return cls(tuple(e for y in years for e in _china_year(y, presale, spring_pad)))

    @classmethod
    def western(cls, years: int | Iterable[int]) -> Calendar:
        """Prime Day (second Tuesday-Wednesday of July), Black Friday, Cyber Monday, Christmas
        Eve and Day, Boxing Day.

        Examples
        --------
        >>> [str(e.start) for e in Calendar.western(2025).events][1:3]
        ['2025-11-28', '2025-12-01']
        """
        years = [years] if isinstance(years, int) else list(years)
        return cls(tuple(e for y in years for e in _western_year(y)))

    @classmethod
    def csv(cls, path: str | Path) -> Calendar:
        """The shop's promotions from a CSV with columns ``name, start, end`` [, ``label``].

        Examples
        --------
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "promos.csv")
        >>> _ = open(p, "w").write("name,start,end\\nspring_sale,2025-04-01,2025-04-03\\n")
        >>> Calendar.csv(p).events[0].kind
        'promotion'
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(f"calendar file {path} not found: give a CSV with name,start,end")
        frame = pd.read_csv(path, dtype=str)
        missing = {"name", "start", "end"} - set(frame.columns)
        if missing:
            raise InputError(f"calendar file {path} lacks column(s) {', '.join(sorted(missing))}")
        events = []
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            try:
                start, end = pd.Timestamp(row.start).date(), pd.Timestamp(row.end).date()
            except (ValueError, TypeError) as exc:
                raise InputError(f"{path}, line {i}: bad date ({exc})") from None
            if end < start or not isinstance(row.name, str) or not row.name.strip():
                raise InputError(f"{path}, line {i}: needs a name and end >= start")
            label = getattr(row, "label", "") if "label" in frame.columns else ""
            events.append(
                CalendarEvent(row.name.strip(), start, end, str(label or ""), "promotion")
            )
        return cls(tuple(events))

    @classmethod
    def default(cls, years: Iterable[int], *, region: str = "china") -> Calendar:
        """The built-in calendar of ``region`` (``china``, ``western`` or ``both``)."""
        years = list(years)
        if region == "china":
            return cls.china(years)
        if region == "western":
            return cls.western(years)
        if region == "both":
            return cls.china(years) + cls.western(years)
        raise InputError(f"unknown calendar region {region!r}; use china, western or both")

    def __add__(self, other: Calendar) -> Calendar:
        return Calendar(self.events + other.events)

    @property
    def names(self) -> list[str]:
        """Event names in order of first appearance."""
        return list(dict.fromkeys(e.name for e in self.events))

    def without(self, names: Iterable[str]) -> Calendar:
        """The calendar less the events called ``names``."""
        drop = set(names)
        return Calendar(tuple(e for e in self.events if e.name not in drop))

    def shifted(self, days: int) -> Calendar:
        """Every event moved by ``days`` (for time zones ahead of UTC, use -1 or 0)."""
        step = timedelta(days=days)
        return Calendar(
            tuple(replace(e, start=e.start + step, end=e.end + step) for e in self.events)
        )

    def frame(self) -> pd.DataFrame:
        """One row per event: ``name, label, kind, start, end``."""
        return pd.DataFrame(
            [(e.name, e.label, e.kind, e.start, e.end) for e in self.events],
            columns=["name", "label", "kind", "start", "end"],
        )

    def features(self, ds: Iterable, *, freq: str = "D") -> pd.DataFrame:
        """0/1 regressors, one column per event, on the periods starting at ``ds``.

        For weeks and months a period is marked when any of its days is in the event.
        A later event overrides nothing: two events on one day both mark it.
        """
        idx = pd.DatetimeIndex(pd.to_datetime(list(ds)))
        if idx.tz is not None:
            idx = idx.tz_convert("UTC").tz_localize(None)
        idx = idx.normalize()
        out = pd.DataFrame(0, index=range(len(idx)), columns=self.names, dtype="int64")
        if freq == "D":
            ends = idx
        else:
            step = {"W": pd.Timedelta(days=6), "M": None}[freq]
            ends = idx + step if step is not None else idx + pd.offsets.MonthEnd(0)
        for e in self.events:
            s, t = pd.Timestamp(e.start), pd.Timestamp(e.end)
            hit = (idx <= t) & (ends >= s)
            out.loc[hit, e.name] = 1
        return out
