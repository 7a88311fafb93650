"""Load and faults on loopback: the ShopLens service vs a bare FastAPI endpoint.

An open-loop driver (asyncio + httpx): requests are *scheduled* at a fixed rate and each
latency is measured from its scheduled time, so a slow server cannot hide its queue
(no coordinated omission). Prints p50/p95/p99 per endpoint and the ratio to a bare
FastAPI ``GET /ok`` served by uvicorn in the same run, then SIGKILLs the service under
event load, restarts it and checks that every accepted event is stored exactly once.

    PYTHONPATH=src python benchmarks/service.py --rate 100 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np

BARE = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/ok")
def ok():
    return {"ok": 1}
"""


def port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], env: dict[str, str], url: str) -> subprocess.Popen:
    proc = subprocess.Popen(args, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server did not start: {url}")


async def drive(base: str, plan: list[tuple[str, str, object]], rate: float, headers: dict):
    """Send ``plan`` open-loop at ``rate``/s; return {name: [latency s]}, errors, ok ids."""
    lat: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    ok_ids: list[str] = []
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as c:
        t0 = time.perf_counter() + 0.2

        async def one(i: int, name: str, path: str, body: object) -> None:
            due = t0 + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            try:
                r = await (c.post(path, json=body) if body is not None else c.get(path))
                good = r.status_code < 400
            except httpx.HTTPError:
                good = False
            lat.setdefault(name, []).append(time.perf_counter() - due)
            if not good:
                errors[name] = errors.get(name, 0) + 1
            elif body is not None:
                ok_ids.extend(e["event_id"] for e in body["events"])

        await asyncio.gather(*(one(i, *p) for i, p in enumerate(plan)))
    return lat, errors, ok_ids


def events(n: int, customer: str) -> dict:
    ts = "2026-11-02T10:00:00Z"
    return {
        "events": [
            {
                "event_id": uuid.uuid4().hex,
                "customer_id": customer,
                "ts": ts,
                "type": "view",
                "item_id": "I00001",
            }
            for _ in range(n)
        ]
    }


def row(name: str, xs: list[float], errs: int, base: float | None) -> str:
    p = np.percentile(np.array(xs) * 1000, [50, 95, 99])
    ratio = f"{p[2] / base:8.1f}" if base else "       -"
    return f"{name:<22}{len(xs):>7}{errs:>7}{p[0]:>9.1f}{p[1]:>9.1f}{p[2]:>9.1f}{ratio}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rate", type=float, default=100.0, help="requests per second")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--batch", type=int, default=20, help="events per POST /v1/events")
    ap.add_argument("--customers", type=int, default=1000)
    ap.add_argument("--mix", choices=["both", "events", "customer"], default="both")
    args = ap.parse_args()

    from shoplens.data.demo import generate_demo
    from shoplens.pipeline import PARTS, run_pipeline
    from shoplens.service.keys import KeyStore
    from shoplens.warehouse import connect

    home = Path(tempfile.mkdtemp(prefix="shoplens-bench-"))
    print(f"demo shop: {args.customers} customers ...", flush=True)
    shop = generate_demo(
        home / "shop", customers=args.customers, items=200, events=args.customers * 40, seed=1
    )
    con = connect("duckdb", home / "shoplens.duckdb")
    parts = tuple(p for p in PARTS if p.name in ("journeys", "lifecycle"))
    run_pipeline(con, data_dir=shop.out_dir, report_dir=home / "report", parts=parts)
    ids = con.table("customers").customer_id.execute().tolist()
    con.disconnect()
    store = KeyStore(home / "keys.json")
    key = store.create("bench", ["admin"])[0]
    headers = {"Authorization": f"Bearer {key}"}
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {
        **os.environ,
        "SHOPLENS_HOME": str(home),
        "PYTHONPATH": src,
        "SHOPLENS_SERVE_RATE_PER_SECOND": "100000",
        "SHOPLENS_SERVE_RATE_BURST": "100000",
    }
    (home / "bare.py").write_text(BARE)
    p_bare, p_svc = port(), port()
    uv = [sys.executable, "-m", "uvicorn", "--log-level", "warning"]
    bare = start(
        [*uv, "--app-dir", str(home), "bare:app", "--port", str(p_bare)],
        env,
        f"http://127.0.0.1:{p_bare}/ok",
    )
    svc_args = [*uv, "--factory", "shoplens.service.app:create_app", "--port", str(p_svc)]
    svc = start(svc_args, env, f"http://127.0.0.1:{p_svc}/readyz")
    base = f"http://127.0.0.1:{p_svc}"
    try:
        # warm the key cache and the readers
        httpx.get(f"{base}/v1/me", headers=headers, timeout=30)
        n = int(args.rate * args.seconds)
        rng = np.random.default_rng(0)
        bare_lat, bare_err, _ = asyncio.run(
            drive(f"http://127.0.0.1:{p_bare}", [("bare GET /ok", "/ok", None)] * n, args.rate, {})
        )
        plan = []
        for i in range(n):
            cid = ids[int(rng.integers(len(ids)))]
            if args.mix == "customer" or (args.mix == "both" and i % 2):
                plan.append(("GET /v1/customers/{id}", f"/v1/customers/{cid}?events=20", None))
            else:
                plan.append(("POST /v1/events", "/v1/events", events(args.batch, cid)))
        lat, err, accepted = asyncio.run(drive(base, plan, args.rate, headers))
        b99 = float(np.percentile(np.array(bare_lat["bare GET /ok"]) * 1000, 99))
        print(
            f"\nopen loop at {args.rate:g} req/s for {args.seconds:g} s on loopback "
            f"({os.cpu_count()} cores)"
        )
        print(
            f"{'endpoint':<22}{'n':>7}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'p99/bare':>8}"
        )
        print(row("bare GET /ok", bare_lat["bare GET /ok"], bare_err.get("bare GET /ok", 0), None))
        for name, xs in lat.items():
            print(row(name, xs, err.get(name, 0), b99))
        ev_per_s = len(accepted) / args.seconds
        print(
            f"events accepted: {len(accepted):,} ({ev_per_s:,.0f} events/s offered in"
            f" batches of {args.batch})"
        )

        # faults: SIGKILL under event load, restart, every accepted event once
        plan = [("POST /v1/events", "/v1/events", events(args.batch, "kill")) for _ in range(400)]

        async def load_and_kill():
            task = asyncio.create_task(drive(base, plan, args.rate, headers))
            await asyncio.sleep(2.0)
            os.kill(svc.pid, signal.SIGKILL)
            return await task

        _, _, kill_ok = asyncio.run(load_and_kill())
        svc.wait()
    finally:
        for proc in (svc, bare):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    svc = start(svc_args, env, f"http://127.0.0.1:{p_svc}/readyz")  # drains the journal
    svc.send_signal(signal.SIGTERM)
    svc.wait()
    con = connect("duckdb", home / "shoplens.duckdb")
    t = con.table("events")
    want = accepted + kill_ok
    got = t.filter(t.event_id.isin(want)).event_id.execute()
    con.disconnect()
    lost, twice = len(set(want) - set(got)), int(got.duplicated().sum())
    print(
        f"SIGKILL mid-load: {len(kill_ok):,} events accepted before the kill; after restart"
        f" {len(want):,} accepted in all, lost {lost}, stored twice {twice}"
    )
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
