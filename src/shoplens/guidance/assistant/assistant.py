"""The grounded customer-service assistant: :class:`Assistant`.

One turn: detect the language, redact personal data, route the message (rules), run the
tools for the signed-in customer or retrieve policy sections, compose the deterministic
answer, let a model (if any) propose a fluent one, verify it claim by claim against the
cited sources, show the model's answer only if it passes, decide on a handoff, and store
both messages. See ``docs/assistant.md``.

Examples
--------
>>> from shoplens.guidance.assistant.testing import tiny_shop
>>> bot = Assistant(tiny_shop(), embed=False)
>>> conv = bot.start("C1")
>>> turn = bot.reply(conv, "C1", "Where is my order O0000002?")
>>> turn.intent, turn.shown, "shipped" in turn.answer
('order_status', 'deterministic', True)
>>> bot.reply(conv, "C1", "Can I pay cash on delivery?").citations
['payment#methods']
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from shoplens.errors import InputError
from shoplens.guidance.assistant import store
from shoplens.guidance.assistant.dialogue import Conversation, Handoff, Turn
from shoplens.guidance.assistant.guardrails import looks_like_injection, sanitize
from shoplens.guidance.assistant.kb import KnowledgeBase, load_kb
from shoplens.guidance.assistant.policy import Policy
from shoplens.guidance.assistant.prompts import build_messages
from shoplens.guidance.assistant.retrieval import HybridRetriever
from shoplens.guidance.assistant.router import Route, route
from shoplens.guidance.assistant.texts import TEXTS, shop_today
from shoplens.guidance.assistant.tools import Catalog, ShopTools, ToolResult, load_customer_orders
from shoplens.guidance.assistant.verify import Source, Verdict, verify
from shoplens.insight.text.language import detect_language
from shoplens.llm.base import LLMBackend, LLMError
from shoplens.llm.none import NoLLMBackend, compose
from shoplens.privacy import find_pii, redact

__all__ = ["Assistant", "shop_today"]

#: a policy question whose best section scores below this (BM25) is not answered
MIN_BM25 = 1.0
#: ... unless e5 ranks it first with at least this cosine similarity
MIN_COSINE = 0.86
#: p(negative) from the text analyzer from which a message is handed to a human
NEGATIVE_HANDOFF = 0.95
#: the text analyzer's intents of ordinary service questions
SERVICE_INTENTS = frozenset(
    {"return_refund", "logistics_inquiry", "price_inquiry", "purchase", "compare", "seek_reviews"}
)
#: failed answers in a row after which the conversation is handed to a human
MAX_FAILURES = 2


class Assistant:
    """Answer a signed-in customer's questions from documents, the catalog and their orders.

    Parameters
    ----------
    con
        The warehouse (orders, order_items, items, customers, messages).
    backend
        An :class:`~shoplens.llm.base.LLMBackend`; default the no-LLM backend.
    kb
        The knowledge base (default: :func:`~shoplens.guidance.assistant.kb.load_kb` of
        ``kb_folder``, the demo shop's documents when that is ``None``).
    policy
        The rules the tools apply (default: the demo shop's).
    recommender
        ``recommender(customer_id, n) -> item ids`` for recommendations.
    as_of
        The shop's today (default: the day after the last order).
    embed
        Hybrid retrieval with e5 embeddings (``False``: BM25 only).
    analyzer
        Sentiment for the handoff rule: a :class:`~shoplens.insight.text.TextAnalyzer`,
        ``"default"`` (made on first use) or ``None`` (keyword rules only).
    allow_pii_remote
        Send personal data to a remote model unredacted (default: the setting, off).
    save
        Store every turn in ``messages`` and ``guidance_assistant_turns``.
    k
        Policy sections retrieved per question.
    """

    def __init__(
        self,
        con: Any,
        backend: LLMBackend | None = None,
        *,
        kb: KnowledgeBase | None = None,
        kb_folder: str | None = None,
        policy: Policy | None = None,
        recommender: Callable[[str, int], list[str]] | None = None,
        as_of: date | None = None,
        embed: bool = True,
        analyzer: Any = "default",
        allow_pii_remote: bool | None = None,
        save: bool = True,
        k: int = 5,
    ) -> None:
        from shoplens.llm.settings import get_llm_settings

        self.con = con
        self.backend = backend or NoLLMBackend()
        self.kb = kb or load_kb(kb_folder)
        self.policy = policy or Policy()
        self.recommender = recommender
        self.as_of = as_of or shop_today(con)
        self.analyzer = analyzer
        self.allow_pii_remote = (
            get_llm_settings().allow_pii_remote if allow_pii_remote is None else allow_pii_remote
        )
        self.save = save
        self.k = k
        self.retriever = HybridRetriever(self.kb, embed=embed).fit()
        self.catalog = Catalog(con.table("items").to_pandas()).fit()
        sold = con.table("order_items").group_by("item_id").aggregate(n=lambda t: t.quantity.sum())
        self.popular = sold.order_by([sold.n.desc(), sold.item_id]).item_id.to_pandas().tolist()
        self._tools: dict[str, ShopTools] = {}
        self._conversations: dict[str, Conversation] = {}

    # -- conversations ------------------------------------------------------------------
    def start(self, customer_id: str, conversation_id: str | None = None) -> Conversation:
        """Open a conversation for a signed-in customer (the id comes from the session)."""
        known = self.con.table("customers").filter(lambda t: t.customer_id == customer_id)
        if int(known.count().to_pyarrow().as_py()) == 0:
            raise InputError(f"unknown customer {customer_id!r}: sign in with a customer id")
        cid = conversation_id or f"A{uuid.uuid4().hex[:12]}"
        conv = Conversation(cid, customer_id)
        orders = load_customer_orders(self.con, customer_id)
        self._tools[cid] = ShopTools(
            customer_id, orders, self.catalog, self.as_of, self.policy, self.recommender,
            self.popular,
        )  # fmt: skip
        self._conversations[cid] = conv
        return conv

    def _conversation(self, conversation: Conversation | str | None, customer_id: str):  # type: ignore[no-untyped-def]
        if conversation is None:
            return self.start(customer_id)
        if isinstance(conversation, str):
            conv = self._conversations.get(conversation) or self.start(customer_id, conversation)
        else:
            conv = conversation
            if conv.id not in self._tools:
                self._conversations[conv.id] = conv
                self._tools[conv.id] = ShopTools(
                    customer_id, load_customer_orders(self.con, customer_id), self.catalog,
                    self.as_of, self.policy, self.recommender, self.popular,
                )  # fmt: skip
        if conv.customer_id != customer_id:
            raise InputError("this conversation belongs to another customer: start a new one")
        return conv

    # -- one turn -----------------------------------------------------------------------
    def reply(self, conversation: Conversation | str | None, customer_id: str, text: str) -> Turn:
        """Answer ``text`` from ``customer_id`` in ``conversation`` (or a new one)."""
        conv = self._conversation(conversation, customer_id)
        turn = self._turn(conv, text)
        if self.save:
            turn.message_ids = store.save_turn(self.con, conv, text, turn, self.backend)
        return turn

    def stream(
        self, conversation: Conversation | str | None, customer_id: str, text: str
    ) -> Iterator[str | Turn]:
        """Yield the shown answer in pieces, then the :class:`Turn`.

        A model's answer is verified as a whole before any of it is shown, so the pieces
        come after verification (a service pushes them as they come).
        """
        turn = self.reply(conversation, customer_id, text)
        for i in range(0, len(turn.answer), 24):
            yield turn.answer[i : i + 24]
        yield turn

    def _negative(self, text: str) -> bool:
        if self.analyzer is None:
            return False
        if self.analyzer == "default":
            try:
                from shoplens.insight.text import TextAnalyzer

                self.analyzer = TextAnalyzer()
            except ImportError:  # pragma: no cover - the nlp extra is missing
                self.analyzer = None
                return False
        r = self.analyzer.analyze([text])[0]
        # the review-trained sentiment model reads many plain service questions ("怎么申请
        # 退货？") as negative: a question the analyzer files under a service intent is not
        # escalated for its tone
        return (
            r["sentiment"] == "negative"
            and float(r["p_neg"]) >= NEGATIVE_HANDOFF
            and r.get("intent") not in SERVICE_INTENTS
        )

    def _turn(self, conv: Conversation, text: str) -> Turn:
        t0 = time.perf_counter()
        timings = {"retrieval": 0.0, "tools": 0.0, "generation": 0.0, "verification": 0.0}
        lang, _ = detect_language(text)
        lang = lang if lang in ("zh", "en") else conv.lang
        conv.lang = lang
        flags = [f"pii:{k}" for k in dict.fromkeys(s.kind for s in find_pii(text))]
        safe = redact(text)
        conv.remember("customer", safe, lang)
        if looks_like_injection(text):
            flags.append("injection")
        tools = self._tools[conv.id]
        r = route(text, has_order_context=conv.last_order is not None)
        if (
            conv.pending
            and r.intent in ("policy", "order_status", "return_order")
            and (r.order_id or r.latest)
        ):
            r = Route(conv.pending, r.order_id, conv.pending_reason, latest=r.latest)
        conv.intents.append(r.intent)
        if r.order_id:
            conv.orders_mentioned.append(r.order_id)

        results: list[ToolResult] = []
        policy_ids: list[str] = []
        retrieved: list[str] = []
        fixed: str | None = None
        handoff_reason = {"handoff": "requested", "complaint": "complaint"}.get(r.intent)
        if (
            handoff_reason is None
            and r.intent not in ("greeting", "out_of_scope")
            and self._negative(text)
        ):
            handoff_reason = "negative_sentiment"
        failed = False
        t = time.perf_counter()
        if r.intent == "out_of_scope":
            fixed = TEXTS["refuse"][lang]
            flags.append("refused")
        elif r.intent == "greeting":
            fixed = TEXTS["greeting"][lang]
        elif r.intent in ("order_status", "return_order") or (
            r.intent in ("handoff", "complaint") and r.order_id
        ):
            ids = tools.order_ids()
            oid = r.order_id or (ids[0] if r.latest and ids else None) or conv.last_order
            if oid is None and len(ids) == 1:
                oid = ids[0]
            if not ids and not r.order_id:
                results.append(ToolResult("list_orders", "account:orders", {"orders": []},
                                          TEXTS["no_orders"][lang]))  # fmt: skip
            elif oid is None:
                results.append(tools.list_orders(lang))
                conv.pending, conv.pending_reason = (
                    r.intent if r.intent in ("order_status", "return_order") else "order_status",
                    r.reason,
                )
                flags.append("clarify")
            else:
                if r.intent == "return_order":
                    res = tools.return_eligibility(oid, lang, r.reason)
                else:
                    res = tools.order_status(oid, lang)
                results.append(res)
                if res.found:
                    conv.last_order = oid
                    conv.pending = None
                else:
                    failed = True
                    flags.append("not_found")
                policy_ids += res.policy
        elif r.intent == "compare":
            results.append(self.catalog.compare(r.products[0], r.products[1], lang))
        elif r.intent == "product":
            results.append(self.catalog.lookup(text, lang))
            failed = not results[-1].found
        elif r.intent == "recommend":
            results.append(tools.recommend(lang))
        timings["tools"] = (time.perf_counter() - t) * 1000
        if r.intent in ("policy", "handoff", "complaint") or (r.intent in ("product",) and failed):
            t = time.perf_counter()
            hits = self.retriever.search(text, self.k)
            timings["retrieval"] = (time.perf_counter() - t) * 1000
            retrieved = [h.id for h in hits]
            if r.intent in ("policy", "product"):
                if hits and (
                    hits[0].bm25 >= MIN_BM25
                    or (hits[0].dense_rank == 1 and hits[0].dense >= MIN_COSINE)
                ):
                    failed = False
                    if r.intent == "product":
                        results.clear()
                    top = self.kb.get(hits[0].id, lang)
                    sep = " " if lang == "en" else ""
                    summary = f"{sanitize(top.text)}{sep}[{top.id}]"
                    results.append(ToolResult("search_policies", top.id, {"title": top.title},
                                              summary))  # fmt: skip
                    policy_ids += retrieved
                elif r.intent == "policy":
                    t = time.perf_counter()
                    found = self.catalog.lookup(text, lang)
                    timings["tools"] += (time.perf_counter() - t) * 1000
                    if found.found and self.catalog.search(text, 1)[0][1] >= MIN_BM25 * 2:
                        results.append(found)
                    else:
                        failed = True
                        flags.append("not_found")
        conv.failures = conv.failures + 1 if failed else 0
        if handoff_reason is None and conv.failures >= MAX_FAILURES:
            handoff_reason = "repeated_failure"

        sources = self._sources(results, policy_ids, lang)
        contents = self._contents(results, policy_ids, lang)
        if handoff_reason is not None:
            conv.handed_off = True
            fixed = TEXTS["handoff"][lang]
            sources["privacy#contact"] = self._policy_source("privacy#contact")
        deterministic = fixed if fixed is not None else self._compose(text, lang, contents)

        answer, shown, model = deterministic, "deterministic", "templates"
        verdict: Verdict | None = None
        if self.backend.name != "none" and fixed is None and "clarify" not in flags:
            question = text if self._may_send_pii() else safe
            msgs = build_messages(question, lang, contents)
            if not self._may_send_pii():
                msgs = [m.__class__(m.role, redact(m.content), m.name, m.tool_call_id,
                                    m.tool_calls) for m in msgs]  # fmt: skip
            t = time.perf_counter()
            try:
                proposal = self.backend.complete(msgs).text
            except LLMError:
                proposal = None
                flags.append("llm_error")
            timings["generation"] = (time.perf_counter() - t) * 1000
            if proposal:
                t = time.perf_counter()
                verdict = verify(proposal, sources)
                timings["verification"] = (time.perf_counter() - t) * 1000
                if verdict.ok:
                    answer, shown, model = proposal, "model", self.backend.model
                else:
                    flags.append("model_rejected")
        if verdict is None or not verdict.ok:
            t = time.perf_counter()
            det_verdict = verify(deterministic, sources)
            timings["verification"] += (time.perf_counter() - t) * 1000
            verdict = verdict if verdict is not None else det_verdict
            if not det_verdict.ok:
                flags.append("deterministic_unsupported")
        final = verify(answer, sources)
        handoff = None
        if handoff_reason is not None:
            handoff = Handoff(handoff_reason, conv.summary(handoff_reason))
        conv.remember("bot", redact(answer), lang)
        timings["total"] = (time.perf_counter() - t0) * 1000
        cites = final.citations
        return Turn(
            answer=answer,
            lang=lang,
            intent=r.intent,
            citations=cites,
            verifier=verdict.to_dict(),
            shown=shown,
            deterministic=deterministic,
            model=model,
            handoff=handoff,
            tools=[{"tool": x.tool, "source": x.source, "found": x.found} for x in results],
            retrieved=retrieved,
            flags=flags,
            timings=timings,
            grounded=final.ok,
        )

    # -- helpers ------------------------------------------------------------------------
    def _may_send_pii(self) -> bool:
        return self.allow_pii_remote or not self.backend.remote

    def _policy_source(self, sid: str) -> Source:
        texts = [p.text for p in self.kb.passages if p.id == sid]
        return Source(sid, sanitize(" ".join(texts)), "policy")

    def _sources(self, results: list[ToolResult], policy_ids: list[str], lang: str) -> dict:
        out: dict[str, Source] = {}
        for sid in policy_ids:
            out[sid] = self._policy_source(sid)
        for res in results:
            kind = res.source.split(":")[0] if ":" in res.source else "policy"
            if res.tool == "search_policies":
                out[res.source] = self._policy_source(res.source)
                continue
            out[res.source] = Source(res.source, res.content(), kind)
            for item in res.data.get("items", []) if isinstance(res.data, dict) else []:
                if isinstance(item, dict) and item.get("item_id"):
                    sid = f"item:{item['item_id']}"
                    out.setdefault(sid, Source(sid, json.dumps(item, ensure_ascii=False), "item"))
        return out

    def _contents(self, results: list[ToolResult], policy_ids: list[str], lang: str):  # type: ignore[no-untyped-def]
        contents: list[tuple[str, str, dict]] = []
        for i, res in enumerate(results):
            body = {"source": res.source, "data": res.data, "summary": res.summary}
            if res.tool == "search_policies":
                body["data"] = {"text": sanitize(self.kb.get(res.source, lang).text)}
            contents.append((f"T{i + 1}", res.tool, body))
        seen = {res.source for res in results}
        for sid in dict.fromkeys(policy_ids):
            if sid in seen:
                continue
            p = self.kb.get(sid, lang)
            contents.append((f"P{len(contents) + 1}", "search_policies",
                             {"source": sid, "data": {"title": p.title,
                                                      "text": sanitize(p.text)}}))  # fmt: skip
        return contents

    def _compose(self, text: str, lang: str, contents: list) -> str:  # type: ignore[type-arg]
        return compose(build_messages(text, lang, contents), lang)
