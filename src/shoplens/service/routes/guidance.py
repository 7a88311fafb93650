"""Guidance: ``POST /v1/recommendations`` and ``POST /v1/assistant/chat`` (streamed).

Both call the library as it stands: the recommender through
:class:`~shoplens.guidance.recommend.service.RecommendService` over the engine that
``shoplens recommend fit`` (or the main job) saved, the assistant through
:class:`~shoplens.guidance.assistant.Assistant`. Neither writes to the warehouse from
the request: served lists become ``impression`` events in the event journal (the drain
thread stores them), and the assistant's turns are stored through the writer connection
under the writer lock (docs/service.md, "Guidance").
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from shoplens.service.deps import ServiceState, needs, own_customer, state
from shoplens.service.errors import ApiError
from shoplens.service.keys import ANALYTICS_READ, ASSISTANT, ApiKey
from shoplens.service.models import ChatIn, Recommendations, RecommendIn
from shoplens.service.observe import LOGGER

router = APIRouter(tags=["guidance"])
_load_lock = threading.Lock()

#: the customer of a request that names none and whose key is bound to none
ANONYMOUS = "anonymous"
#: characters per streamed piece of an answer (as :meth:`Assistant.stream` cuts them)
PIECE = 24


# -- the recommender ---------------------------------------------------------------------
def recommend_service(st: ServiceState) -> Any:
    """The :class:`RecommendService` over the saved engine, loaded once per folder."""
    with _load_lock:
        return _recommend_loaded(st)


def _recommend_loaded(st: ServiceState) -> Any:
    from shoplens.guidance.recommend.service import RecommendService

    folder = st.settings.recommender_path
    loaded = st.loaded.get("recommender")
    if loaded is not None and loaded[0] == folder:
        return loaded[1]
    if not (folder / "manifest.json").exists():
        raise ApiError(
            409,
            "no fitted recommender is saved yet: run `shoplens recommend fit` "
            "(or the main job, `shoplens run`) and ask again",
            "not_computed",
        )
    svc = RecommendService(folder)
    st.loaded["recommender"] = (folder, svc)
    LOGGER.info("recommender loaded", extra={"fields": {"model": svc.engine.model_version_}})
    return svc


class JournalSink:
    """What :func:`~shoplens.guidance.recommend.feedback.record_served` writes to.

    It stands in for a warehouse connection: ``insert("events", frame)`` appends the rows
    to the durable event journal, which the one writer thread drains into ``events``
    (validated, deduplicated by ``event_id``) like ``POST /v1/events``.
    """

    def __init__(self, st: ServiceState) -> None:
        self.st = st
        self.written: list[dict[str, Any]] = []

    def insert(self, table: str, frame: pd.DataFrame) -> None:
        """Append ``frame``'s events (only ``events`` is accepted) to the journal."""
        from shoplens.data.schema import TABLES
        from shoplens.data.validate import validate

        if table != "events":
            raise ValueError(f"the journal holds events, not {table!r}")
        rows = []
        for rec in frame.to_dict("records"):
            row = {k: v for k, v in rec.items() if v is not None and not _missing(v)}
            row["ts"] = pd.Timestamp(row["ts"]).isoformat()
            rows.append(row)
        checked = validate(pd.DataFrame(rows), TABLES["events"])
        if len(checked.reasons):  # never put what the drain would refuse into the journal
            LOGGER.error("impressions not valid; not recorded", extra={"fields": {"n": len(rows)}})
            return
        self.st.journal.append(rows)
        self.st.metrics.events_accepted.inc(len(rows))
        if self.st.drainer is not None:
            self.st.drainer.wake()
        self.written.extend(rows)


def _missing(v: Any) -> bool:
    return isinstance(v, float) and v != v


@router.post("/v1/recommendations", response_model=Recommendations)
def recommendations(
    body: RecommendIn,
    request: Request,
    key: ApiKey = Depends(needs(ANALYTICS_READ, ASSISTANT)),
) -> Recommendations:
    """Ranked items with a score and a reason, for a customer and/or a live session.

    The customer defaults to the key's own (a key bound to a customer may ask only for
    it). A customer the model has not seen gets what the session suggests, or popular
    items with a "popular in ..." reason. Each served item is recorded as an
    ``impression`` event (``properties``: model, slot, request id, model version) through
    the event journal. 409 ``not_computed`` until a recommender has been fitted.
    """
    from shoplens.guidance.recommend.feedback import record_served

    customer = body.customer_id or key.customer_id
    if customer is not None:
        own_customer(key, customer)
    elif not body.events:
        raise ApiError(422, "give a customer_id, session events or both", "bad_input")
    st = state(request)
    svc = recommend_service(st)
    session = [e.model_dump(exclude_none=True) for e in body.events]
    answer = svc.recommend(customer or ANONYMOUS, session, body.n)
    if answer["items"]:
        recs = pd.DataFrame(answer["items"]).assign(customer_id=answer["customer_id"])
        record_served(JournalSink(st), recs, request_id=answer["request_id"],
                      model_version=answer.get("model_version"))  # fmt: skip
    return Recommendations(**answer)


# -- the assistant -----------------------------------------------------------------------
def assistant(st: ServiceState) -> tuple[Any, threading.Lock]:
    """The app's :class:`Assistant` (built once, on a reader cursor of its own) and its lock.

    It stores nothing itself (``save=False``): the route stores each turn through the
    writer connection (:meth:`shoplens.service.db.Warehouse.write`).
    """
    with _load_lock:
        loaded = st.loaded.get("assistant")
        if loaded is None:
            from shoplens.guidance.assistant import Assistant

            s = st.settings
            recommender = None
            if (s.recommender_path / "manifest.json").exists():
                svc = _recommend_loaded(st)

                def recommender(customer_id: str, n: int) -> list[str]:
                    return [i["item_id"] for i in svc.recommend(customer_id, [], n)["items"]]

            bot = Assistant(
                st.warehouse.dedicated_reader(),
                embed=s.assistant_embed,
                analyzer="default" if s.assistant_sentiment else None,
                recommender=recommender,
                save=False,
            )
            loaded = st.loaded["assistant"] = (bot, threading.Lock())
        return loaded


def _stored_owner(st: ServiceState, conversation_id: str | None) -> str | None:
    """The customer of a stored conversation (one not in memory, e.g. after a restart)."""
    if not conversation_id:
        return None
    with st.warehouse.reader() as con:
        if "messages" not in con.list_tables():
            return None
        m = con.table("messages")
        owners = m.filter(m.conversation_id == conversation_id).select("customer_id").distinct()
        found = owners.limit(2).execute()["customer_id"].tolist()
    return None if not found else found[0] if len(found) == 1 else "(several)"


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


def final_event(turn: Any, conversation_id: str, stored: bool) -> dict[str, Any]:
    """The last event of a reply: the answer and everything to audit it."""
    return {
        "conversation_id": conversation_id,
        "answer": turn.answer,
        "lang": turn.lang,
        "intent": turn.intent,
        "shown": turn.shown,
        "citations": list(turn.citations),
        "verifier": turn.verifier,
        "handoff": (
            {"reason": turn.handoff.reason, "summary": turn.handoff.summary}
            if turn.handoff is not None
            else None
        ),
        "flags": list(turn.flags),
        "message_ids": list(turn.message_ids) if stored else [],
        "stored": stored,
    }


@router.post(
    "/v1/assistant/chat",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "server-sent events: `start`, then `delta` pieces, then `done`",
            "content": {
                "text/event-stream": {
                    "schema": {
                        "type": "object",
                        "description": "each event's data: a JSON object",
                    }
                }
            },
        },
        409: {"description": "the key is bound to no customer"},
    },
)
def chat(
    body: ChatIn, request: Request, key: ApiKey = Depends(needs(ASSISTANT))
) -> StreamingResponse:
    """The assistant's reply for the key's customer, streamed as server-sent events.

    The customer is the one the ``assistant`` key is bound to, never one from the body.
    Events: ``start`` (``conversation_id``), ``delta`` (``text``, pieces of the answer,
    sent after the answer was verified), ``done`` (answer, citations, verifier outcome,
    handoff, stored message ids). Send ``conversation_id`` back to continue.
    """
    from shoplens.errors import InputError
    from shoplens.guidance.assistant import store

    customer = key.customer_id
    if customer is None:
        raise ApiError(
            409,
            "the assistant answers one signed-in customer: use a key bound to one",
            "customer_required",
        )
    st = state(request)
    bot, lock = assistant(st)
    with lock:  # one turn at a time: the assistant keeps conversations in memory
        conv = bot._conversations.get(body.conversation_id) if body.conversation_id else None
        owner = conv.customer_id if conv is not None else _stored_owner(st, body.conversation_id)
        if owner is not None and owner != customer:
            raise ApiError(403, "this conversation belongs to another customer", "customer_bound")
        try:
            conv = conv or bot.start(customer, body.conversation_id)
        except InputError as exc:
            raise ApiError(404, str(exc), "unknown_customer") from exc
        pieces = list(bot.stream(conv, customer, body.message))
    turn = pieces.pop()
    stored = not st.settings.read_only
    if stored:
        turn.message_ids = st.warehouse.write(
            lambda con: store.save_turn(con, conv, body.message, turn, bot.backend)
        )

    def events() -> Iterator[str]:
        yield _sse("start", {"conversation_id": conv.id})
        for piece in pieces:
            yield _sse("delta", {"text": piece})
        yield _sse("done", final_event(turn, conv.id, stored))

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
