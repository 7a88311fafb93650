"""Benchmark: ShopLens journeys on DuckDB against a straightforward pandas implementation.

Generates ``--n`` synthetic events into a DuckDB file (and the same rows as Parquet for
pandas), then, in one child process per side, sessionizes the events (the session table
is kept: a table in the warehouse file for ShopLens, a Parquet file for pandas), computes a
4-step ordered funnel with a 7-day window and a weekly retention table (cohort = week of
the first event, customers with any event k weeks later). ShopLens reads the DuckDB
warehouse file (already ingested, as a user's data would be); pandas reads the Parquet
file, its natural input, and its load time is counted. Each side's wall time and peak
resident memory (``ru_maxrss`` of that child, read with ``os.wait4``) are printed with
the ratios. ``--floor`` also times what any plan pays on DuckDB: one sort of the events
by ``(customer_id, ts, event_id)`` and one write of the session table (docs/performance.md).

``--batches K`` builds the warehouse the way live traffic would: the generated events
are loaded with ``ingest_file`` in K appended batches (a sorted base, then K - 1 tail
runs: docs/ingestion.md), each batch's load time reported; ``--compact`` then merges the
tail (``shoplens.data.layout.compact``, timed) before the journeys are timed.

``--repeat N`` runs both sides N times (fresh processes, one after the other) and
reports each run and the medians: on a shared VM one run's wall times move by 10-20 %.

Run::

    nice .venv/bin/python benchmarks/journeys.py --n 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = ["view", "add_to_cart", "checkout", "purchase"]
WINDOW_DAYS = 7
MEASURES = ("load_s", "sessionize_s", "funnel_s", "retention_s")


def retention_expr(events):
    """Weekly retention: ``shoplens.journeys.cohorts.retention`` when it exists."""
    try:
        from shoplens.journeys.cohorts import retention
    except ImportError:  # before cohorts.py landed: the same table, written inline
        import ibis

        days = (events.ts.epoch_seconds() / 86400).floor()
        act = events.select("customer_id", _p=((days - 4) / 7).floor().cast("int64")).distinct()
        coh = act.group_by("customer_id").aggregate(_c=act._p.min())
        j = act.inner_join(coh, "customer_id")
        j = j.mutate(period_offset=j._p - j._c)
        return j.group_by(["_c", "period_offset"]).aggregate(customers=ibis._.count())
    return retention(events, period="week")


def generate(path: Path, n: int, customers: int) -> None:
    """Write ``n`` events for ``customers`` customers to ``path``/events.duckdb and .parquet."""
    from shoplens.warehouse import connect

    con = connect("duckdb", path / "events.duckdb")
    raw = con.con
    raw.execute("SELECT setseed(0.42)")
    raw.execute(
        f"""
        INSERT INTO events
        WITH base AS (
          SELECT i, random() AS r, CAST(floor(random() * {customers}) AS BIGINT) AS c,
                 CAST(floor(random() * 12) AS BIGINT) AS burst, random() AS off
          FROM range({n}) t(i))
        SELECT 'e' || lpad(CAST(i AS VARCHAR), 10, '0') AS event_id,
               'c' || CAST(c AS VARCHAR) AS customer_id,
               NULL AS session_id,
               TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(
                   CAST(hash(c, burst) % (90 * 86400) AS BIGINT)
                   + CAST(off * 2400 AS BIGINT)) AS ts,
               CASE WHEN r < 0.50 THEN 'view' WHEN r < 0.62 THEN 'search'
                    WHEN r < 0.75 THEN 'add_to_cart' WHEN r < 0.80 THEN 'remove_from_cart'
                    WHEN r < 0.86 THEN 'checkout' WHEN r < 0.90 THEN 'purchase'
                    WHEN r < 0.95 THEN 'impression' ELSE 'chat' END AS type,
               NULL AS item_id, NULL AS query,
               CASE WHEN r >= 0.86 AND r < 0.90 THEN round(10 + 90 * off, 2) END AS value,
               CASE WHEN c % 3 = 0 THEN 'ads' WHEN c % 3 = 1 THEN 'seo' ELSE 'email' END,
               CASE WHEN c % 2 = 0 THEN 'mobile' ELSE 'desktop' END AS device,
               NULL AS properties
        FROM base"""
    )
    con.disconnect()
    store_in_order(path)


def store_in_order(path: Path) -> None:
    """Store ``events`` by customer and time, as ShopLens' ingestion does (not timed).

    The Parquet file for pandas is written afterwards: the same rows in the same order.
    """
    from shoplens.data.layout import cluster_table, is_clustered
    from shoplens.warehouse import connect

    con = connect("duckdb", path / "events.duckdb")
    if not is_clustered(con.table("events")) or not (path / "events.parquet").exists():
        t0 = time.perf_counter()
        cluster_table(con)
        print(f"stored the events by customer and time in {time.perf_counter() - t0:.1f} s")
        con.con.execute(
            "COPY (SELECT event_id, customer_id, ts, type, value, channel, device FROM events) "
            f"TO '{path / 'events.parquet'}' (FORMAT parquet)"
        )
    con.disconnect()


def load_in_batches(path: Path, batches: int, compact: bool) -> None:
    """Replace ``events.duckdb`` by a warehouse loaded with ``ingest_file`` in ``batches``.

    The events (in a random order: their ids are not in customer order) are cut into
    ``batches`` Parquet files by id; each file is one ingestion, timed. Not part of the
    journeys' times.
    """
    import statistics

    import duckdb

    from shoplens.data.ingest import ingest_file
    from shoplens.data.layout import compact as merge
    from shoplens.data.layout import storage_state
    from shoplens.warehouse import connect

    parts = path / "batches"
    db = duckdb.connect(str(path / "events.duckdb"))
    (n,) = db.execute("SELECT count(*) FROM events").fetchone()
    cols = "event_id, customer_id, session_id, ts, type, item_id, query, value, channel, device"
    db.execute(
        f"COPY (SELECT {cols}, CAST(CAST(substr(event_id, 2) AS BIGINT) * {batches} // {n} "
        f"AS INTEGER) AS part FROM events) TO '{parts}' (FORMAT parquet, PARTITION_BY (part))"
    )
    db.close()
    (path / "events.duckdb").unlink()
    con = connect("duckdb", path / "events.duckdb")
    took = []
    for k in range(batches):
        (file,) = (parts / f"part={k}").glob("*.parquet")
        t0 = time.perf_counter()
        ingest_file(con, file, "events")
        took.append(time.perf_counter() - t0)
    state = storage_state(con)
    print(
        f"loaded {n:,} events in {batches} batches: {sum(took):.1f} s, per batch median "
        f"{statistics.median(took):.2f} s, last {took[-1]:.2f} s; base {state['base_rows']:,} "
        f"rows, tail {state['tail_rows']:,} rows in {state['tail_runs']} runs "
        f"touching {state['tail_keys']:,} customers (load {os.getloadavg()[0]:.2f})"
    )
    if compact:
        t0 = time.perf_counter()
        merge(con)
        print(f"compacted the tail into the sorted base in {time.perf_counter() - t0:.1f} s")
    con.disconnect()


def run_shoplens(path: Path) -> dict:
    """Sessionize into a table, compute the funnel and retention with ShopLens on DuckDB."""
    from datetime import timedelta

    from shoplens.journeys import funnel, save_sessions
    from shoplens.warehouse import connect

    con = connect("duckdb", path / "events.duckdb")
    con.raw_sql(f"SET threads = {os.cpu_count()}")
    events = con.table("events")
    t0 = time.perf_counter()
    sessions = save_sessions(con, events).count().execute()  # as `shoplens report` does
    t1 = time.perf_counter()
    counts = funnel(events, STEPS, window=timedelta(days=WINDOW_DAYS)).execute()
    t2 = time.perf_counter()
    ret = retention_expr(events).execute()
    t3 = time.perf_counter()
    return {
        "sessions": int(sessions),
        "entered": counts.sort_values("step").entered.astype(int).tolist(),
        "retained": [len(ret), int(ret.customers.sum())],
        "load_s": 0.0,
        "sessionize_s": t1 - t0,
        "funnel_s": t2 - t1,
        "retention_s": t3 - t2,
    }


def run_floor(path: Path) -> dict:
    """Bare DuckDB costs any sessionize/funnel plan pays: one sort of the events, one write.

    Run after the ShopLens side (it copies ``journey_sessions``); same settings.
    """
    from shoplens.warehouse import connect

    con = connect("duckdb", path / "events.duckdb")
    raw = con.con
    raw.execute(f"SET threads = {os.cpu_count()}")
    cols = "event_id, customer_id, ts, type, value, channel, device"
    steps = ", ".join(f"'{s}'" for s in STEPS)
    queries = {
        "sort_events_s": f"CREATE OR REPLACE TEMP TABLE _s AS SELECT {cols} FROM events "
        "ORDER BY customer_id, ts, event_id",
        "sort_funnel_rows_s": "CREATE OR REPLACE TEMP TABLE _f AS SELECT event_id, "
        f"customer_id, ts, type FROM events WHERE type IN ({steps}) "
        "ORDER BY customer_id, ts, event_id",
        "write_sessions_s": "CREATE OR REPLACE TABLE _w AS SELECT * FROM journey_sessions",
    }
    out = {}
    for key, sql in queries.items():
        t0 = time.perf_counter()
        raw.execute(sql)
        out[key] = time.perf_counter() - t0
    raw.execute("DROP TABLE _w")
    con.disconnect()
    return out


def run_pandas(path: Path) -> dict:
    """The same results with plain pandas (sort, shift, cumsum, groupby, merge_asof)."""
    import pandas as pd

    t0 = time.perf_counter()
    ev = pd.read_parquet(path / "events.parquet")
    t1 = time.perf_counter()
    ev = ev.sort_values(["customer_id", "ts", "event_id"], ignore_index=True)
    same = ev.customer_id.eq(ev.customer_id.shift())
    new = ~same | (ev.ts - ev.ts.shift() > pd.Timedelta(minutes=30))
    ev["session_number"] = new.astype("int64").groupby(ev.customer_id).cumsum()
    ev["session_id"] = ev.customer_id + ":" + ev.session_number.astype(str)
    ev["conv"] = ev.type.eq("purchase")
    ev["rev"] = ev.value.where(ev.conv, 0.0)
    g = ev.groupby("session_id", sort=False)
    sessions = g.agg(
        customer_id=("customer_id", "first"),
        start=("ts", "min"),
        end=("ts", "max"),
        n_events=("ts", "size"),
        entry_type=("type", "first"),
        exit_type=("type", "last"),
        channel=("channel", "first"),
        device=("device", "first"),
        converted=("conv", "any"),
        revenue=("rev", "sum"),
    )
    sessions["duration_seconds"] = (sessions.end - sessions.start).dt.total_seconds()
    sessions.to_parquet(path / "sessions.parquet")  # kept, as ShopLens keeps its table
    t2 = time.perf_counter()
    window = pd.Timedelta(days=WINDOW_DAYS)
    stop = ev.ts.max()
    cur = ev.loc[ev.type == STEPS[0], ["customer_id", "ts"]].rename(columns={"ts": "t1"})
    cur["tp"] = cur.t1
    cur["reached"] = 1
    for k, step in enumerate(STEPS[1:], 2):
        nxt = ev.loc[ev.type == step, ["customer_id", "ts"]].sort_values("ts")
        cur = pd.merge_asof(
            cur.sort_values("tp"),
            nxt,
            left_on="tp",
            right_on="ts",
            by="customer_id",
            direction="forward",
            allow_exact_matches=False,
        )
        ok = cur.ts.notna() & (cur.ts <= cur.t1 + window) & (cur.reached == k - 1)
        cur["reached"] = cur.reached + ok.astype(int)
        cur["tp"] = cur.ts.where(ok, pd.Timestamp("2200-01-01", tz="UTC"))
        cur = cur.drop(columns="ts")
    cur["open"] = (cur.reached < len(STEPS)) & (cur.t1 + window > stop)
    best = cur.sort_values(["reached", "open", "t1"], ascending=[False, False, True])
    best = best.drop_duplicates("customer_id")
    entered = [int((best.reached >= k).sum()) for k in range(1, len(STEPS) + 1)]
    t3 = time.perf_counter()
    days = (ev.ts - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(days=1)
    act = pd.DataFrame({"customer_id": ev.customer_id, "week": (days - 4) // 7})
    act = act.drop_duplicates()
    act["cohort"] = act.groupby("customer_id").week.transform("min")
    act["offset"] = act.week - act.cohort
    ret = act.groupby(["cohort", "offset"]).size()
    t4 = time.perf_counter()
    return {
        "sessions": len(sessions),
        "entered": entered,
        "retained": [len(ret), int(ret.sum())],
        "load_s": t1 - t0,
        "sessionize_s": t2 - t1,
        "funnel_s": t3 - t2,
        "retention_s": t4 - t3,
    }


def child(side: str, path: Path) -> dict:
    """Run one side in a fresh process; return its figures and peak RSS in MiB."""
    cmd = [sys.executable, __file__, "--child", side, "--path", str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{side} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


def _medians(results) -> dict:
    """The median of every measure (and peak memory) over several runs of one side."""
    from statistics import median

    return {k: median(r[k] for r in results) for k in (*MEASURES, "peak_mib")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="number of events")
    parser.add_argument("--customers", type=int, default=None, help="default: n / 40")
    parser.add_argument(
        "--path", type=Path, default=None, help="work folder, reused if it holds events"
    )
    parser.add_argument("--shoplens-only", action="store_true", help="skip the pandas side")
    parser.add_argument(
        "--floor", action="store_true", help="also time a bare DuckDB sort and table write"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run both sides this many times (fresh processes) and report medians",
    )
    parser.add_argument(
        "--batches", type=int, default=0, help="load the events in this many appended batches"
    )
    parser.add_argument(
        "--compact", action="store_true", help="with --batches: compact before timing"
    )
    parser.add_argument("--child", choices=["shoplens", "pandas"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out = run_shoplens(args.path) if args.child == "shoplens" else None
        print(json.dumps(out or run_pandas(args.path)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.path or Path(tmp)
        path.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        if args.path and (path / "events.duckdb").exists():
            print(f"reusing the events in {path}")  # generated by an earlier run
            store_in_order(path)
        else:
            generate(path, args.n, args.customers or max(args.n // 40, 1))
            print(f"generated {args.n:,} events in {time.perf_counter() - t0:.1f} s")
            if args.batches:
                load_in_batches(path, args.batches, args.compact)
        print(f"machine load before timing: {os.getloadavg()[0]:.2f}")
        ours = child("shoplens", path)
        if args.floor:
            floor = run_floor(path)
            print("bare DuckDB floor:", ", ".join(f"{k} {v:.2f}" for k, v in floor.items()))
        if args.shoplens_only:  # e.g. a size where pandas would not fit in memory
            print(json.dumps(ours))
            return
        peer = child("pandas", path)
        runs = [(ours, peer)]
        for _ in range(args.repeat - 1):  # the machine's noise: medians of fresh runs
            runs.append((child("shoplens", path), child("pandas", path)))
    if len(runs) > 1:
        for i, (o, p) in enumerate(runs, 1):
            to, tp = (sum(r[k] for k in MEASURES) for r in (o, p))
            print(
                f"run {i}: shoplens {to:.2f} s, {o['peak_mib']:.0f} MiB; pandas {tp:.2f} s, "
                f"{p['peak_mib']:.0f} MiB; time ratio {tp / to:.1f}, "
                f"memory ratio {o['peak_mib'] / p['peak_mib']:.2f}"
            )
        print(f"medians of {len(runs)} runs:")
        ours = {**ours, **_medians([o for o, _ in runs])}
        peer = {**peer, **_medians([p for _, p in runs])}
    for key in ("sessions", "entered", "retained"):
        same = "same" if ours[key] == peer[key] else "DIFFERENT"
        print(f"{key}: {same}: shoplens {ours[key]}, pandas {peer[key]}")
    print(f"\n{'measure':<22}{'shoplens+duckdb':>16}{'pandas':>12}{'ratio':>10}")
    for key in MEASURES:
        print(
            f"{key:<22}{ours[key]:>16.2f}{peer[key]:>12.2f}"
            f"{peer[key] / ours[key] if ours[key] else float('nan'):>10.1f}"
        )
    tot_o = sum(ours[k] for k in MEASURES)
    tot_p = sum(peer[k] for k in MEASURES)
    print(f"{'total_s':<22}{tot_o:>16.2f}{tot_p:>12.2f}{tot_p / tot_o:>10.1f}")
    print(
        f"{'peak_mib':<22}{ours['peak_mib']:>16.0f}{peer['peak_mib']:>12.0f}"
        f"{ours['peak_mib'] / peer['peak_mib']:>10.2f}"
    )
    print("(time ratio = pandas / shoplens, higher is better; memory ratio = shoplens / pandas)")


if __name__ == "__main__":
    main()
