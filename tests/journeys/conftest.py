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


#: the ``warehouse`` parameter (test_sessions, test_funnels) under which ``events`` is
#: stored in customer and time order (shoplens.data.layout)
STORED = "duckdb-stored"


@pytest.fixture(params=["duckdb", STORED, pytest.param("spark", marks=pytest.mark.spark)])
def warehouse(request):
    """DuckDB, DuckDB with ``events`` stored in order (the streamed plans of sessions,
    funnels and retention; see :func:`load`) and Spark, for every journeys test."""
    return request.getfixturevalue("spark" if request.param == "spark" else "duck")


@pytest.fixture
def load(request):
    """Replace the warehouse's events with ``df`` and return the events table.

    Under the ``duckdb-stored`` warehouse the rows are then stored sorted (as ingestion
    leaves them), so sessions and funnels take their streamed plans. For a log of odd
    length the later half of one customer's events is then appended as a tail run (as
    ingestion appends a batch), so the plans stream the other customers and sort that
    one (docs/ingestion.md); the tail-share limit is lifted so that they always do.
    """
    callspec = getattr(request.node, "callspec", None)
    stored = callspec is not None and callspec.params.get("warehouse") == STORED

    def _load(con, df: pd.DataFrame):
        con.truncate_table("events")
        tail = _tail(df) if stored and len(df) % 2 else df.iloc[:0]
        base = df.drop(index=tail.index)
        if len(base):
            con.insert("events", base)
        if stored:  # sort, then append the tail run: one transaction (one commit)
            from shoplens.data import layout

            request.getfixturevalue("monkeypatch").setattr(layout, "MAX_TAIL_SHARE", 1.0)
            assert layout.can_cluster(con)
            db = con.con
            db.begin()
            layout.sort_stored(db, "events")
            if len(tail):
                db.register("_tail_run", tail)
                layout.append_stored(db, "events", "_tail_run")
                db.unregister("_tail_run")
            db.commit()
            plan = layout.stored_plan(con.table("events"))
            one_run = not len(tail) or len(base) <= len(tail)  # a small table: re-sorted
            assert plan is not None and (plan.tail is None) == one_run
        return con.table("events")

    return _load


def _tail(df: pd.DataFrame) -> pd.DataFrame:
    """The later half of the events of the customer of ``df``'s last row."""
    mine = df[df.customer_id == df.customer_id.iloc[-1]]
    mine = mine.sort_values(["ts", "event_id"], kind="stable")
    return mine.iloc[len(mine) // 2 :]


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


# --- paths, cohorts (references appended for shoplens.journeys.paths / cohorts) ---


def ref_path_steps(df, level="type"):
    """Reference collapsed steps: dict session_id -> (customer_id, [steps])."""
    from shoplens.journeys.journey_stages import DEFAULT_STAGE_MAP

    d = ref_assign_sessions(df)
    out = {}
    for sid, g in d.groupby("session_id", sort=True):
        labels = [t if level == "type" else DEFAULT_STAGE_MAP.get(t, "other") for t in g["type"]]
        steps = [x for i, x in enumerate(labels) if i == 0 or labels[i - 1] != x]
        out[sid] = (g["customer_id"].iloc[0], steps)
    return out


def _trim(steps, start, end, depth):
    if start is not None:
        return steps[steps.index(start) :][:depth] if start in steps else None
    if end is not None:
        return steps[: steps.index(end) + 1][-depth:] if end in steps else None
    return steps[:depth]


def ref_top_paths(df, start=None, end=None, depth=5, n=10, level="type"):
    """Reference top paths: path, length, sessions, customers, share."""
    rows = {}
    total = 0
    for cust, steps in ref_path_steps(df, level).values():
        path = _trim(steps, start, end, depth)
        if path is None:
            continue
        total += 1
        key = " > ".join(path)
        r = rows.setdefault(key, {"length": len(path), "sessions": 0, "customers": set()})
        r["sessions"] += 1
        r["customers"].add(cust)
    out = [
        {
            "path": k,
            "length": r["length"],
            "sessions": r["sessions"],
            "customers": len(r["customers"]),
            "share": r["sessions"] / total,
        }
        for k, r in rows.items()
    ]
    out.sort(key=lambda r: (-r["sessions"], r["path"]))
    return pd.DataFrame(out[:n], columns=["path", "length", "sessions", "customers", "share"])


def ref_next_steps(df, step, direction="next", level="type"):
    """Reference next/previous step counts over occurrences."""
    name = f"{direction}_step"
    hits = []
    for sid, (_, steps) in ref_path_steps(df, level).items():
        for i, s in enumerate(steps):
            if s != step:
                continue
            if direction == "next":
                other = steps[i + 1] if i + 1 < len(steps) else "(exit)"
            else:
                other = steps[i - 1] if i > 0 else "(entry)"
            hits.append((other, sid))
    h = pd.DataFrame(hits, columns=[name, "sid"])
    out = h.groupby(name).agg(occurrences=("sid", "size"), sessions=("sid", "nunique"))
    out = out.reset_index()
    out["share"] = out["occurrences"] / len(h) if len(h) else []
    out = out.sort_values(["occurrences", name], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def ref_path_edges(df, start=None, depth=5, exits=False, level="type"):
    """Reference Sankey edges."""
    counts = {}
    for _, steps in ref_path_steps(df, level).values():
        path = _trim(steps, start, None, depth)
        if path is None:
            continue
        if exits and len(path) < depth:
            path = [*path, "(exit)"]
        for d in range(len(path) - 1):
            key = (path[d], d + 1, path[d + 1], d + 2)
            counts[key] = counts.get(key, 0) + 1
    out = pd.DataFrame(
        [(*k, v) for k, v in counts.items()],
        columns=["source", "source_depth", "target", "target_depth", "sessions"],
    )
    out["sessions"] = out["sessions"].astype("int64")
    return out.sort_values(
        ["source_depth", "sessions", "source", "target"], ascending=[True, False, True, True]
    ).reset_index(drop=True)


def ref_drop_offs(df, by="session", rank_by="customers", level="type"):
    """Reference drop-offs (conversion: purchase; revenue: sum of its value)."""
    d = ref_assign_sessions(df)
    steps = ref_path_steps(df, level)
    unit = "session_id" if by == "session" else "customer_id"
    units = []
    for u, g in d.groupby(unit, sort=True):
        conv = g[g["type"] == "purchase"]
        last_sid = g.sort_values(["ts", "event_id"])["session_id"].iloc[-1]
        units.append(
            {
                "u": u,
                "customer_id": g["customer_id"].iloc[0],
                "conv": len(conv) > 0,
                "rev": float(conv["value"].sum()),
                "exit_step": steps[last_sid][1][-1],
            }
        )
    u = pd.DataFrame(units, columns=["u", "customer_id", "conv", "rev", "exit_step"])
    avg = u.loc[u["conv"].astype(bool), "rev"].mean() if u["conv"].any() else 0.0
    lost = u[~u["conv"].astype(bool)]
    out = lost.groupby("exit_step").agg(
        units_lost=("u", "size"), customers_lost=("customer_id", "nunique")
    )
    out = out.reset_index()
    out["share"] = out["units_lost"] / len(lost) if len(lost) else []
    out["avg_converting_value"] = float(avg)
    out["revenue_lost"] = out["units_lost"] * float(avg)
    keys = ["customers_lost", "revenue_lost"]
    keys = keys if rank_by == "customers" else keys[::-1]
    out = out.sort_values([*keys, "exit_step"], ascending=[False, False, True], kind="stable")
    out["rank"] = range(1, len(out) + 1)
    return out.reset_index(drop=True)


def _period(ts, period):
    if period == "month":
        return ts.year * 12 + ts.month - 1
    monday = pd.Timestamp("1970-01-05", tz="UTC")
    return (ts - monday).days // 7


def _start(idx, period):
    if period == "month":
        return pd.Timestamp(year=idx // 12, month=idx % 12 + 1, day=1).date()
    return (pd.Timestamp("1970-01-05") + pd.Timedelta(days=7 * idx)).date()


def ref_retention(df, cohort="first_seen", period="week", return_events=None):
    """Reference retention: cohort, period_offset, customers, cohort_size, rate."""
    d = df[df["customer_id"].notna()]
    first = {}
    for c, g in d.groupby("customer_id"):
        base = g if cohort == "first_seen" else g[g["type"] == "purchase"]
        if len(base):
            first[c] = min(_period(t, period) for t in base["ts"])
    act = d if return_events is None else d[d["type"].isin(return_events)]
    seen = {(c, _period(t, period)) for c, t in zip(act["customer_id"], act["ts"], strict=True)}
    sizes = pd.Series(list(first.values())).value_counts()
    counts = {}
    for c, p in seen:
        if c in first and p >= first[c]:
            key = (first[c], p - first[c])
            counts[key] = counts.get(key, 0) + 1
    rows = [
        {
            "cohort": _start(k[0], period),
            "period_offset": k[1],
            "customers": v,
            "cohort_size": int(sizes[k[0]]),
            "rate": v / sizes[k[0]],
        }
        for k, v in counts.items()
    ]
    cols = ["cohort", "period_offset", "customers", "cohort_size", "rate"]
    return pd.DataFrame(rows, columns=cols).sort_values(cols[:2]).reset_index(drop=True)


def ref_lifecycle(df, period="week"):
    """Reference lifecycle composition (new, returning, resurrecting, dormant < 0)."""
    d = df[df["customer_id"].notna()]
    if not len(d):
        return pd.DataFrame(columns=["period", "status", "customers"])
    last = max(_period(t, period) for t in df["ts"])
    counts = {}
    for _, g in d.groupby("customer_id"):
        ps = sorted({_period(t, period) for t in g["ts"]})
        for i, p in enumerate(ps):
            status = "new" if i == 0 else "returning" if ps[i - 1] == p - 1 else "resurrecting"
            counts[(p, status)] = counts.get((p, status), 0) + 1
            if (i + 1 == len(ps) or ps[i + 1] != p + 1) and p + 1 <= last:
                counts[(p + 1, "dormant")] = counts.get((p + 1, "dormant"), 0) - 1
    rows = [
        {"period": _start(p, period), "status": s, "customers": v} for (p, s), v in counts.items()
    ]
    out = pd.DataFrame(rows, columns=["period", "status", "customers"])
    return out.sort_values(["period", "status"]).reset_index(drop=True)


@pytest.fixture(scope="session")
def ref_paths():
    """The pandas references of paths and cohorts."""
    return types.SimpleNamespace(
        path_steps=ref_path_steps,
        top_paths=ref_top_paths,
        next_steps=ref_next_steps,
        path_edges=ref_path_edges,
        drop_offs=ref_drop_offs,
        retention=ref_retention,
        lifecycle=ref_lifecycle,
    )
