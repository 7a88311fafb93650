"""Benchmark: the cost of loading events into a warehouse kept in stored order.

Two questions, each answered against a peer in the same run:

1. **Append**: a ``--batch``-event Parquet file (live traffic: known customers and a few
   new ones) loaded with ``shoplens.data.ingest.ingest_file`` into a warehouse of each
   ``--sizes`` events (stored in order: a sorted base), in-process wall time, the median
   of ``--repeat`` batches. The peer is the same batch loaded into an *empty* warehouse
   (the batch's own load cost); the ratio is the goal (<= 1.5). The full rewrite that
   ingestion used to do per batch (``cluster_table``, now what ``compact`` costs) is
   timed once per size for comparison.
2. **Bulk**: a ``--bulk``-event Parquet file loaded into an empty warehouse with
   ``ingest_file`` (validation, deduplication, quarantine, the sort into stored order)
   against DuckDB's own ``INSERT INTO events SELECT * FROM read_parquet(...)`` (no
   checks, no order), rows per second.

Each figure is printed with the machine's load average (``os.getloadavg``), since on a
shared VM the timings move with the neighbours.

Run::

    nice .venv/bin/python benchmarks/ingest.py --sizes 100000 1000000 --bulk 1000000
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

COLUMNS = "event_id, customer_id, session_id, ts, type, item_id, query, value, channel, device"


def load() -> str:
    """The 1-minute load average, as text."""
    return f"{os.getloadavg()[0]:.2f}"


def make_warehouse(path: Path, n: int) -> None:
    """``n`` events (benchmarks/journeys.py's generator) stored in order, not timed."""
    from journeys import generate

    generate(path, n, max(n // 40, 1))


def write_batch(path: Path, warehouse: Path | None, n: int, seed: int, customers: int) -> Path:
    """A Parquet file of ``n`` new events: 95 % from known customers, 5 % new ones."""
    import duckdb

    db = duckdb.connect()
    db.execute(f"SELECT setseed({seed / 1000})")
    out = path / f"batch-{seed}.parquet"
    db.execute(
        f"""COPY (SELECT 'live-{seed}-' || i AS event_id,
               CASE WHEN random() < 0.95 THEN 'c' || CAST(floor(random() * {customers}) AS BIGINT)
                    ELSE 'new-{seed}-' || i END AS customer_id,
               NULL::VARCHAR AS session_id,
               TIMESTAMPTZ '2024-04-01 00:00:00+00' + to_seconds(CAST(random() * 86400 AS BIGINT))
                   AS ts,
               CASE WHEN random() < 0.6 THEN 'view' WHEN random() < 0.5 THEN 'add_to_cart'
                    ELSE 'purchase' END AS type,
               NULL::VARCHAR AS item_id, NULL::VARCHAR AS query, NULL::DOUBLE AS value,
               'ads' AS channel, 'mobile' AS device
             FROM range({n}) t(i)) TO '{out}' (FORMAT parquet)"""
    )
    db.close()
    return out


def timed_ingest(con, file: Path) -> float:
    from shoplens.data.ingest import ingest_file

    t0 = time.perf_counter()
    rec = ingest_file(con, file, "events")
    took = time.perf_counter() - t0
    assert rec.loaded == rec.read, rec.summary()
    return took


def append_bench(
    work: Path, sizes: list[int], batch: int, repeat: int, keep: int = 0
) -> list[dict]:
    from shoplens.data.layout import cluster_table, storage_state
    from shoplens.warehouse import connect

    rows = []
    for n in sizes:
        where = work / f"w{n}"
        where.mkdir()
        t0 = time.perf_counter()
        make_warehouse(where, n)
        print(f"[{n:,} events generated and stored in order in {time.perf_counter() - t0:.1f} s]")
        files = [write_batch(where, None, batch, s, max(n // 40, 1)) for s in range(repeat + 1)]
        con = connect("duckdb", where / "events.duckdb")
        if n == keep:  # the bulk load's input: these events as one Parquet file
            con.con.execute(f"COPY (SELECT {COLUMNS} FROM events) TO '{work / 'bulk.parquet'}'")
        con.table("events").count().execute()  # open the table: not part of a batch
        timed_ingest(con, files[0])  # warm the code paths (imports, first queries)
        ours = [timed_ingest(con, f) for f in files[1:]]
        state = storage_state(con)
        assert state["verified"] and state["tail_runs"] == repeat + 1, state
        t0 = time.perf_counter()
        cluster_table(con)  # the old per-batch rewrite (now: compact)
        rewrite = time.perf_counter() - t0
        con.disconnect()
        own = []
        for i, f in enumerate(files[1:]):  # the peer: the same batch, empty warehouse
            empty = connect("duckdb", where / f"empty{i}.duckdb")
            timed_ingest(empty, write_batch(where, None, batch, 100 + i, 1000))  # warm
            empty.raw_sql("DELETE FROM events; DELETE FROM table_layout")
            own.append(timed_ingest(empty, f))
            empty.disconnect()
        rows.append(
            {
                "size": n,
                "append_s": statistics.median(ours),
                "own_s": statistics.median(own),
                "rewrite_s": rewrite,
                "load": load(),
            }
        )
        shutil.rmtree(where)  # the next size needs the disk
        r = rows[-1]
        print(
            f"size {n:>11,}: append {r['append_s']:.3f} s, own load {r['own_s']:.3f} s, "
            f"ratio {r['append_s'] / r['own_s']:.2f}; full rewrite {rewrite:.2f} s "
            f"(load {r['load']})"
        )
    return rows


def bulk_bench(work: Path, n: int) -> dict:
    from shoplens.data.layout import storage_state
    from shoplens.warehouse import connect

    where = work / "bulk"
    where.mkdir()
    src = work / "bulk.parquet"
    if not src.exists():  # not made by append_bench
        make_warehouse(where, n)
        con = connect("duckdb", where / "events.duckdb")
        con.con.execute(f"COPY (SELECT {COLUMNS} FROM events) TO '{src}' (FORMAT parquet)")
        con.disconnect()
        (where / "events.duckdb").unlink()
    peer = connect("duckdb", where / "peer.duckdb")
    t0 = time.perf_counter()
    peer.con.execute(f"INSERT INTO events BY NAME SELECT * FROM read_parquet('{src}')")
    peer_s = time.perf_counter() - t0
    peer.disconnect()
    load_peer = load()
    ours = connect("duckdb", where / "ours.duckdb")
    t0 = time.perf_counter()
    timed_ingest(ours, src)
    ours_s = time.perf_counter() - t0
    assert storage_state(ours)["verified"]
    ours.disconnect()
    out = {"n": n, "ours_s": ours_s, "peer_s": peer_s, "load": load(), "load_peer": load_peer}
    print(
        f"bulk {n:,} events: shoplens ingest_file {ours_s:.1f} s ({n / ours_s:,.0f} rows/s), "
        f"DuckDB INSERT ... read_parquet {peer_s:.1f} s ({n / peer_s:,.0f} rows/s), "
        f"ratio {ours_s / peer_s:.1f}x (load {out['load']})"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--batch", type=int, default=1_000, help="events per appended batch")
    parser.add_argument("--repeat", type=int, default=3, help="batches timed per size")
    parser.add_argument("--bulk", type=int, default=10_000_000, help="0: skip the bulk load")
    parser.add_argument("--path", type=Path, default=None, help="work folder (default: temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.path) as tmp:
        work = Path(tmp)
        print(f"machine load at start: {load()} ({os.cpu_count()} CPUs)")
        rows = append_bench(work, args.sizes, args.batch, args.repeat, args.bulk)
        bulk = bulk_bench(work, args.bulk) if args.bulk else None
    if rows:
        print(f"\nappend a {args.batch:,}-event batch (median of {args.repeat}), in-process")
        print(f"{'events':>12}{'append_s':>10}{'own_s':>9}{'ratio':>7}{'rewrite_s':>11}{'load':>6}")
        for r in rows:
            print(
                f"{r['size']:>12,}{r['append_s']:>10.3f}{r['own_s']:>9.3f}"
                f"{r['append_s'] / r['own_s']:>7.2f}{r['rewrite_s']:>11.2f}{r['load']:>6}"
            )
        print("(ratio = append / the same batch into an empty warehouse; goal <= 1.5, <= 1 s)")
    if bulk:
        print(
            f"\nbulk load of {bulk['n']:,} events from Parquet: shoplens "
            f"{bulk['n'] / bulk['ours_s']:,.0f} rows/s, DuckDB read_parquet insert "
            f"{bulk['n'] / bulk['peer_s']:,.0f} rows/s, "
            f"ratio {bulk['peer_s'] / bulk['ours_s']:.2f} (load {bulk['load']})"
        )


if __name__ == "__main__":
    main()
