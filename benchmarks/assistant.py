"""Latency of one assistant turn, split into retrieval, tools, generation and verification.

Runs the evaluation questions through the assistant on a seeded demo shop for each backend
available here and prints p50/p95 per stage against the issue's goal (everything but
generation <= 50 ms p95 on 2 cores):

* ``none``: the deterministic backend (generation is template composition, ~0 ms);
* ``openai``: the OpenAI-compatible backend against the scripted loopback server
  (``shoplens.llm.testing``), so "generation" is the HTTP round trip, not a model;
* ``local``: with ``--gguf PATH``, a GGUF model run by transformers; also tokens/s.

    PYTHONPATH=src python benchmarks/assistant.py [--turns 120] [--gguf model.gguf]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import pandas as pd

STAGES = ("retrieval", "tools", "generation", "verification", "total")
GOAL_MS = 50.0


def _questions(con, n: int) -> list[tuple[str, str]]:
    from shoplens.guidance.assistant.assistant import shop_today
    from shoplens.guidance.assistant.cases import order_cases, shipped_cases

    cases = shipped_cases() + order_cases(con, shop_today(con), seed=3)
    first = con.table("orders").customer_id.to_pandas().iloc[0]
    out = [(c.get("customer_id", first), t) for c in cases for t in c["turns"]]
    rng = np.random.default_rng(0)
    return [out[i] for i in rng.permutation(len(out))[:n]]


def run(bot, questions) -> pd.DataFrame:
    rows = []
    for cust, text in questions:
        turn = bot.reply(None, cust, text)
        rows.append(turn.timings)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--turns", type=int, default=120)
    ap.add_argument("--gguf", default=None, help="GGUF file for the local backend")
    args = ap.parse_args()

    from shoplens.data.demo import generate_demo
    from shoplens.guidance.assistant import Assistant
    from shoplens.guidance.assistant.testing import demo_warehouse
    from shoplens.llm.openai_compatible import OpenAICompatibleBackend
    from shoplens.llm.testing import FakeOpenAI, chat_reply

    folder = tempfile.mkdtemp()
    generate_demo(folder, customers=300, items=80, events=20_000, months=6, seed=11)
    con = demo_warehouse(folder)
    qs = _questions(con, args.turns)
    results = {}
    t = time.perf_counter()
    bot = Assistant(con, save=False)
    print(f"assistant ready in {time.perf_counter() - t:.1f} s (KB embedded or read from cache)")
    bot.reply(None, qs[0][0], "warm up")  # loads the text analyzer and the encoder
    results["none"] = run(bot, qs)

    server = FakeOpenAI()
    server.script = [{"json": chat_reply("I could not find that [account:orders].")}] * (
        len(qs) + 5
    )
    remote = OpenAICompatibleBackend(server.url, "loopback", max_retries=0)
    bot_http = Assistant(con, remote, save=False)
    results["openai (loopback)"] = run(bot_http, qs)
    server.close()

    if args.gguf:
        from shoplens.llm.local import LocalGGUFBackend

        local = LocalGGUFBackend(args.gguf, max_new_tokens=64)
        bot_local = Assistant(con, local, save=False)
        t = time.perf_counter()
        results["local"] = run(bot_local, qs[:10])
        took = time.perf_counter() - t
        toks = local.meter.total.completion_tokens
        print(f"local: {toks} tokens in {took:.1f} s of turns -> "
              f"{toks / max(results['local']['generation'].sum() / 1000, 1e-9):.1f} tokens/s"
              " of generation")  # fmt: skip

    rows = []
    for name, frame in results.items():
        for stage in STAGES:
            s = frame[stage]
            p95 = float(np.percentile(s, 95))
            goal = GOAL_MS if stage not in ("generation", "total") else float("nan")
            rows.append({"backend": name, "stage": stage, "p50 ms": float(np.median(s)),
                         "p95 ms": p95, "goal p95 ms": goal,
                         "p95 / goal": p95 / goal if goal == goal else float("nan")})  # fmt: skip
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 120)
    print(f"{len(qs)} turns per backend")
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))


if __name__ == "__main__":
    main()
