"""Write text insight to the warehouse: the ``insight_texts`` table, incrementally.

Only texts whose ``(text_id, source)`` is not in ``insight_texts`` yet are scored (an
anti-join), so a second run after no new data scores nothing. Each chunk is written in one
insert, so an interrupted run leaves whole chunks only and the next run resumes.

Examples
--------
>>> from shoplens.warehouse import connect
>>> con = connect("duckdb", ":memory:")
>>> enrich_warehouse(__import__("shoplens.insight.text", fromlist=["x"]).TextAnalyzer(), con,
...                  progress=False)
{'reviews': 0, 'messages': 0}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis

from shoplens.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from shoplens.insight.text.analyzer import TextAnalyzer

__all__ = ["INSIGHT_TEXTS_SCHEMA", "SOURCES", "enrich_warehouse"]

#: source table -> its id column
SOURCES: dict[str, str] = {"reviews": "review_id", "messages": "message_id"}

INSIGHT_TEXTS_SCHEMA = ibis.schema(
    {
        "text_id": "string",
        "source": "string",
        "lang": "string",
        "sentiment": "string",
        "p_neg": "float64",
        "p_neu": "float64",
        "p_pos": "float64",
        "aspects": "string",
        "entities": "string",
        "intent": "string",
        "model_version": "string",
        "scored_at": "timestamp('UTC')",
    }
)


def _catalog_brands(con: Any) -> list[str]:
    if "items" not in con.list_tables():
        return []
    items = con.table("items")
    df = items.filter(items.brand.notnull()).select("brand").distinct().execute()
    return [b for b in df["brand"].astype(str) if b.strip()]


def enrich_warehouse(
    analyzer: TextAnalyzer,
    con: Any,
    sources: tuple[str, ...] = ("reviews", "messages"),
    *,
    chunk_size: int = 1000,
    progress: bool = True,
    catalog_brands: bool = True,
) -> dict[str, int]:
    """Score new reviews/messages and append them to ``insight_texts``.

    Parameters
    ----------
    analyzer
        The :class:`TextAnalyzer` to score with.
    con
        An Ibis backend from :func:`shoplens.warehouse.connect`.
    sources
        Tables to read: ``reviews`` (review text, or the title when the text is empty)
        and/or ``messages`` (intent is filled for messages only).
    chunk_size
        Texts scored and inserted per step.
    progress
        Show a rich progress bar.
    catalog_brands
        Add the catalog's ``items.brand`` values to the brands the analyzer finds.

    Returns
    -------
    dict
        Number of texts scored per source.
    """
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise InputError(f"unknown text source(s) {unknown}; use {sorted(SOURCES)}")
    tables = set(con.list_tables())
    if "insight_texts" not in tables:
        con.create_table("insight_texts", schema=INSIGHT_TEXTS_SCHEMA)
    if catalog_brands:
        from shoplens.insight.text.analyzer import TextAnalyzer

        extra = [*(analyzer.extra_brands or ()), *_catalog_brands(con)]
        if extra:
            params = analyzer.get_params()  # keep every setting, add the catalog's brands
            params.update(extra_brands=extra, sentiment_model=analyzer.model)
            analyzer = TextAnalyzer(**params)
    todo = {}
    for source in sources:
        if source not in tables:
            todo[source] = None
            continue
        t = con.table(source)
        text = t.text
        if source == "reviews":
            text = ibis.coalesce(t.text.nullif(""), t.title)
        cand = t.select(text_id=t[SOURCES[source]].cast("string"), text=text)
        done = con.table("insight_texts")
        done = done.filter(done.source == source).select("text_id")
        todo[source] = cand.anti_join(done, "text_id").execute().drop_duplicates("text_id")
    counts = {s: 0 for s in sources}
    total = sum(len(df) for df in todo.values() if df is not None)
    from rich.progress import Progress

    with Progress(disable=not progress, transient=False) as bar:
        task = bar.add_task("scoring texts", total=total)
        version = analyzer.model_version
        for source, df in todo.items():
            if df is None or df.empty:
                continue
            for start in range(0, len(df), chunk_size):
                part = df.iloc[start : start + chunk_size]
                res = analyzer.analyze(
                    [t if isinstance(t, str) else None for t in part["text"]],
                    intents=source == "messages",
                )
                out = _frame(part["text_id"].tolist(), source, res, version, analyzer.now())
                con.insert("insight_texts", out)
                counts[source] += len(out)
                bar.advance(task, len(out))
    return counts


def _frame(ids: list[str], source: str, res: list[dict], version: str, now: Any) -> Any:
    import pandas as pd

    from shoplens.insight.text.analyzer import TextAnalyzer

    df = pd.DataFrame(
        {
            "text_id": ids,
            "source": source,
            "lang": [r["lang"] for r in res],
            "sentiment": [r["sentiment"] for r in res],
            "p_neg": [r["p_neg"] for r in res],
            "p_neu": [r["p_neu"] for r in res],
            "p_pos": [r["p_pos"] for r in res],
            "aspects": [TextAnalyzer.to_json(r["aspects"]) for r in res],
            "entities": [TextAnalyzer.to_json(r["entities"]) for r in res],
            "intent": [r["intent"] for r in res],
            "model_version": version,
            "scored_at": pd.Timestamp(now),
        }
    )
    return df.astype({"intent": "object"})
