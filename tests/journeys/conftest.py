"""Random event logs (hypothesis) and plain-pandas reference implementations.

The references are deliberately naive loops over each customer's sorted events, so that
they are easy to check by reading. Tests get them through the ``ref`` fixture and the
event-log strategy through ``event_logs``.
"""

from __future__ import annotations

import types
from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import strategies as st

from shoplens.data.schema import TABLES

BASE = pd.Timestamp("2024-03-30 22:00:00", tz="UTC")
TYPES = ["view", "search", "add_to_cart", "checkout", "purchase", "chat", "login"]
#: offsets (seconds) that hit ties, the 30-minute boundary and the day boundary
SPECIAL = [0, 60, 1800, 1801, 3600, 7200, 86400, 86400 * 3]
COLUMNS = list(TABLES["events"].columns)


@st.composite
def _event_logs(draw, max_size: int = 30) -> pd.DataFrame:
    n = draw(st.integers(0, max_size))
    offsets = st.one_of(st.integers(0, 6 * 86400), st.sampled_from(SPECIAL))
    rows = []
    for i in range(n):
        typ = draw(st.sampled_from(TYPES))
        rows.append(
            {
                "event_id": f"e{i:03d}",
                "customer_id": draw(st.sampled_from(["c0", "c1", "c2", "c3"])),
                "session_id": None,
                "ts": BASE + pd.Timedelta(seconds=draw(offsets)),
                "type": typ,
                "item_id": None,
                "query": None,
                "value": draw(st.sampled_from([10.0, 25.5])) if typ == "purchase" else None,
                "channel": draw(st.sampled_from(["ads", "seo", None])),
                "device": draw(st.sampled_from(["mobile", "desktop"])),
                "properties": None,
            }
        )
    order = draw(st.permutations(range(n)))  # out-of-order input
    df = pd.DataFrame([rows[i] for i in order], columns=COLUMNS)
    df["ts"] = pd.to_datetime(df["ts"], utc=True).astype("datetime64[us, UTC]")
    df["value"] = df["value"].astype("float64")
    for col in COLUMNS:
        if col not in ("ts", "value"):
            df[col] = df[col].astype(object)
    return df


@pytest.fixture(scope="session")
def event_logs():
    """The hypothesis strategy of random canonical event logs (ts: UTC, whole seconds)."""
    return _event_logs()


@pytest.fixture
def load():
    """Replace the warehouse's events with ``df`` and return the events table."""

    def _load(con, df: pd.DataFrame):
        con.truncate_table("events")
        if len(df):
            con.insert("events", df)
        return con.table("events")

    return _load


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["customer_id", "ts", "event_id"], kind="stable").reset_index(drop=True)


def ref_assign_sessions(df, gap=timedelta(minutes=30), split_on_day=False, split_on_channel=False):
    """Reference sessionization: returns df sorted with session_number, session_id."""
    d = _sorted(df)
    numbers = []
    prev = None
    n = 0
    for row in d.itertuples():
        if prev is None or prev.customer_id != row.customer_id:
            n = 1
        else:
            new = row.ts - prev.ts > gap
            new |= split_on_day and row.ts.date() != prev.ts.date()
            same = (pd.isna(row.channel) and pd.isna(prev.channel)) or row.channel == prev.channel
            new |= split_on_channel and not same
            n += int(new)
        numbers.append(n)
        prev = row
    d["session_number"] = pd.Series(numbers, dtype="int64")
    d["session_id"] = d["customer_id"] + ":" + d["session_number"].astype(str)
    return d


def ref_sessionize(df, gap=timedelta(minutes=30), split_on_day=False, split_on_channel=False):
    """Reference session table (one row per session)."""
    d = ref_assign_sessions(df, gap, split_on_day, split_on_channel)
    rows = []
    for sid, g in d.groupby("session_id", sort=True):
        conv = g[g["type"] == "purchase"]
        rows.append(
            {
                "customer_id": g["customer_id"].iloc[0],
                "session_id": sid,
                "session_number": int(g["session_number"].iloc[0]),
                "start": g["ts"].iloc[0],
                "end": g["ts"].iloc[-1],
                "duration_seconds": int((g["ts"].iloc[-1] - g["ts"].iloc[0]).total_seconds()),
                "n_events": len(g),
                "entry_type": g["type"].iloc[0],
                "exit_type": g["type"].iloc[-1],
                "channel": g["channel"].iloc[0],
                "device": g["device"].iloc[0],
                "converted": len(conv) > 0,
                "revenue": float(conv["value"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=[*(rows[0] if rows else ["session_id"])])


def _match(e, step) -> bool:
    if e.type != step.type:
        return False
    for col, want in (step.where or {}).items():
        have = getattr(e, col)
        have = None if pd.isna(have) else have
        if isinstance(want, list | tuple | set):
            if have not in want:
                return False
        elif have != want:
            return False
    return True


def ref_funnel_units(
    df,
    steps,
    mode="ordered",
    window=timedelta(days=7),
    by="customer",
    breakdown=(),
    as_of=None,
    gap=timedelta(minutes=30),
):
    """Reference funnel: the kept attempt of every unit (see shoplens.journeys.funnels)."""
    from shoplens.journeys.funnels import Step

    steps = [Step(s) if isinstance(s, str) else s for s in steps]
    n = len(steps)
    as_of = df["ts"].max() if as_of is None else as_of
    unit = "customer_id" if by == "customer" else "session_id"
    d = ref_assign_sessions(df, gap) if by == "session" else _sorted(df)
    rows = []
    for u, g in d.groupby(unit, sort=True):
        evs = list(g.sort_values(["ts", "event_id"]).itertuples())
        attempts = []
        for i, e in enumerate(evs):
            if mode in ("ordered", "strict"):
                if not _match(e, steps[0]):
                    continue
                times, j = [e.ts], i
                for k in range(1, n):
                    if mode == "ordered":
                        later = [x for x in range(j + 1, len(evs)) if _match(evs[x], steps[k])]
                        cand = later[0] if later else None
                    else:
                        ok = j + 1 < len(evs) and _match(evs[j + 1], steps[k])
                        cand = j + 1 if ok else None
                    if cand is None or evs[cand].ts > e.ts + window:
                        break
                    if steps[k].within and evs[cand].ts > times[-1] + steps[k].within:
                        break
                    times.append(evs[cand].ts)
                    j = cand
            else:
                if not any(_match(e, s) for s in steps):
                    continue
                times = []
                for s in steps:
                    hits = [x.ts for x in evs if _match(x, s) and e.ts <= x.ts <= e.ts + window]
                    if not hits:
                        break
                    times.append(max([*times, min(hits)]))
                if not times:
                    continue
            r = len(times)
            is_open = r < n and e.ts + window > as_of
            if is_open and steps[r].within:
                is_open = times[-1] + steps[r].within > as_of
            attempts.append((-r, not is_open, e.ts, i, e, times))
        if not attempts:
            continue
        _, closed, _, _, e, times = min(attempts, key=lambda a: a[:4])
        row = {unit: u, **{c: getattr(e, c) for c in breakdown}}
        row.update(steps_reached=len(times), in_progress=not closed, started_at=e.ts)
        row.update(
            {f"step_{k}_at": times[k - 1] if k <= len(times) else pd.NaT for k in range(1, n + 1)}
        )
        rows.append(row)
    return pd.DataFrame(rows)


def ref_funnel(df, steps, breakdown=(), **kwargs):
    """Reference per-step counts built from :func:`ref_funnel_units`."""
    units = ref_funnel_units(df, steps, breakdown=breakdown, **kwargs)
    n = len(steps)
    out = []
    if breakdown and not len(units):
        cols = [*breakdown, "step", "entered", "in_progress", "median_seconds"]
        return pd.DataFrame(columns=cols)
    groups = units.groupby(list(breakdown), dropna=False) if breakdown else [((), units)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for k in range(1, n + 1):
            reached = g[g.steps_reached >= k] if len(g) else g
            secs = [
                (r[f"step_{k}_at"] - r["started_at"]).total_seconds() for _, r in reached.iterrows()
            ]
            prog = len(g[(g.steps_reached == k - 1) & g.in_progress]) if len(g) else 0
            out.append(
                {
                    **dict(zip(breakdown, key, strict=True)),
                    "step": k,
                    "entered": len(reached),
                    "in_progress": prog,
                    "median_seconds": pd.Series(secs, dtype="float64").median(),
                }
            )
    return pd.DataFrame(out)


@pytest.fixture(scope="session")
def ref():
    """The pandas reference implementations."""
    return types.SimpleNamespace(
        assign_sessions=ref_assign_sessions,
        sessionize=ref_sessionize,
        funnel_units=ref_funnel_units,
        funnel=ref_funnel,
    )
