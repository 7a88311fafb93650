"""``POST /v1/events``: live events, validated like file ingestion, fsynced before 2xx."""

from __future__ import annotations

import json

import pandas as pd
from fastapi import APIRouter, Depends, Request

from shoplens.data.schema import TABLES
from shoplens.data.validate import validate
from shoplens.service.deps import needs, own_customer, state
from shoplens.service.errors import ApiError
from shoplens.service.keys import EVENTS_WRITE, ApiKey
from shoplens.service.models import EventBatch, EventsAccepted

router = APIRouter(tags=["events"])


@router.post("/v1/events", status_code=202, response_model=EventsAccepted)
def post_events(
    batch: EventBatch, request: Request, key: ApiKey = Depends(needs(EVENTS_WRITE))
) -> EventsAccepted:
    """Accept live events: idempotent by ``event_id``, all or none of the batch.

    Each event is checked by the same rules as file ingestion
    (:func:`shoplens.data.validate.validate`); when any fails, the answer is 422 with
    each failing event's index and reason and nothing is stored. Otherwise the batch is
    appended to the durable journal and fsynced, then answered with 202; the writer
    thread loads it into ``events`` (an ``event_id`` already stored is a duplicate and
    is kept once).
    """
    st = state(request)
    if len(batch.events) > st.settings.max_events:
        raise ApiError(
            413, f"at most {st.settings.max_events:,} events per request; split the batch"
        )
    rows = []
    for event in batch.events:
        own_customer(key, event.customer_id)
        row = event.model_dump()
        row["ts"] = event.ts.isoformat()
        row["properties"] = (
            json.dumps(event.properties, ensure_ascii=False) if event.properties else None
        )
        rows.append(row)
    checked = validate(pd.DataFrame(rows), TABLES["events"])
    if len(checked.reasons):
        details = [{"index": int(i), "reason": r} for i, r in checked.reasons.items()]
        raise ApiError(
            422, "some events are not valid; nothing was stored", "invalid_events", details=details
        )
    st.journal.append(rows)
    st.metrics.events_accepted.inc(len(rows))
    if st.drainer is not None:
        st.drainer.wake()
    return EventsAccepted(accepted=len(rows), event_ids=[r["event_id"] for r in rows])
