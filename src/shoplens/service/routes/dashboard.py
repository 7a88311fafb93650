"""The dashboard: server-rendered pages that show the parts' views (house rule 13).

Each page draws the stored tables through the same view functions as the static report
(:data:`shoplens.pipeline.PARTS`); the funnel builder asks ``/v1/funnels`` (the
journeys library) for its numbers. Login is a session cookie backed by the API keys
(:mod:`shoplens.service.session`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from ibis.backends import BaseBackend

from shoplens.service.deps import reader, state
from shoplens.service.i18n import LANGS, texts
from shoplens.service.keys import ANALYTICS_READ, ApiKey
from shoplens.service.session import COOKIE, csrf_token, make_session, session_key, set_session

router = APIRouter(include_in_schema=False)

LOGIN_CSRF = "shoplens_login_csrf"
LANG = "shoplens_lang"


@dataclass(frozen=True)
class Page:
    slug: str
    label: str
    parts: tuple[str, ...]


#: the pages and the parts whose views each shows (a part not installed is left out)
PAGES = (
    Page("", "overview", ()),
    Page("journeys", "journeys", ("journeys",)),
    Page("customers", "customers", ("lifecycle",)),
    Page("insight", "insight", ("insight", "forecasts", "forecast", "alerts")),
    Page("guidance", "guidance", ("recommend", "recommendations", "campaigns", "assistant")),
)
STEP_CHOICES = ("view", "search", "add_to_cart", "checkout", "purchase", "review", "chat")


class _Login(Exception):
    """No valid session: go to the login page."""


def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("shoplens.service", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )


_ENV: Any = None


def _render(request: Request, name: str, **context: Any) -> HTMLResponse:
    global _ENV
    if _ENV is None:
        _ENV = _env()
    lang = request.query_params.get("lang") or request.cookies.get(LANG) or "en"
    lang = lang if lang in LANGS else "en"
    key = context.get("key")
    cookie = request.cookies.get(COOKIE, "")
    pages = [p for p in PAGES if not p.parts or _views(p)]
    html = _ENV.get_template(name).render(
        lang=lang,
        t=texts(lang),
        pages=pages,
        csrf=csrf_token(state(request).keys, cookie) if key else context.pop("csrf", ""),
        **context,
    )
    response = HTMLResponse(html, headers={"Cache-Control": "no-store"})
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval';"
        " style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
    )
    if "lang" in request.query_params and lang == request.query_params["lang"]:
        response.set_cookie(LANG, lang, max_age=365 * 86400, samesite="strict")
    return response


def dashboard_key(request: Request) -> ApiKey:
    """The session's key; it must read analytics for every customer."""
    key = session_key(state(request).keys, request.cookies.get(COOKIE))
    if key is None or not key.allows(ANALYTICS_READ) or key.customer_id is not None:
        raise _Login
    return key


def _views(page: Page) -> list[Any]:
    from shoplens.pipeline import PARTS

    return [p for p in PARTS if p.name in page.parts and p.installed()]


def _sections(page: Page, con: BaseBackend) -> list[Any]:
    out = []
    for part in _views(page):
        out.extend(part.load_view()(con))
    return out


@router.get("/dashboard/static/plotly.min.js")
def plotly_js() -> FileResponse:
    import plotly

    path = FilePath(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return FileResponse(
        path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/dashboard/login")
def login_form(request: Request) -> HTMLResponse:
    token = secrets.token_urlsafe(16)
    t = texts(request.cookies.get(LANG, "en"))
    response = _render(request, "login.html", title=t["login"], key=None, csrf=token)
    response.set_cookie(LOGIN_CSRF, token, max_age=3600, httponly=True, samesite="strict")
    return response


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(body, max_num_fields=10).items()}


@router.post("/dashboard/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    st = state(request)
    expected = request.cookies.get(LOGIN_CSRF, "")
    ok_csrf = bool(expected) and secrets.compare_digest(form.get("csrf", ""), expected)
    key = st.keys.verify(form.get("key", "").strip()) if ok_csrf else None
    if key is None or not key.allows(ANALYTICS_READ) or key.customer_id is not None:
        token = secrets.token_urlsafe(16)
        t = texts(request.cookies.get(LANG, "en"))
        response = _render(
            request, "login.html", title=t["login"], key=None, csrf=token, error=t["bad_key"]
        )
        response.status_code = 401
        response.set_cookie(LOGIN_CSRF, token, max_age=3600, httponly=True, samesite="strict")
        return response
    response = RedirectResponse("/dashboard/", status_code=303)
    seconds = st.settings.session_seconds
    set_session(response, make_session(st.keys, key, seconds), seconds, st.settings.secure_cookies)
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/dashboard/logout")
async def logout(request: Request) -> Response:
    form = await _form(request)
    cookie = request.cookies.get(COOKIE, "")
    if cookie and secrets.compare_digest(
        form.get("csrf", ""), csrf_token(state(request).keys, cookie)
    ):
        response = RedirectResponse("/dashboard/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response
    return HTMLResponse("CSRF token missing or wrong", status_code=403)


def _page(slug: str):  # type: ignore[no-untyped-def]
    page = next(p for p in PAGES if p.slug == slug)

    def show(request: Request, con: BaseBackend = Depends(reader)) -> Response:
        try:
            key = dashboard_key(request)
        except _Login:
            return RedirectResponse("/dashboard/login", status_code=303)
        t = texts(request.query_params.get("lang") or request.cookies.get(LANG) or "en")
        if page.slug == "":
            from shoplens.report.overview import overview_sections

            sections = overview_sections(con)
        else:
            sections = _sections(page, con)
        extra: dict[str, Any] = {}
        template = "base.html"
        if page.slug == "journeys":
            template, extra["step_choices"] = "journeys.html", STEP_CHOICES
        if page.slug == "customers":
            sections = [_churn_list(con, t), *sections]
        if page.slug == "guidance":
            sections = [_try_assistant(t), *sections]
        return _render(
            request,
            template,
            title=t[page.label],
            key=key,
            page=page.slug,
            sections=sections,
            **extra,
        )

    show.__name__ = f"page_{page.label}"
    return show


def _try_assistant(t: dict[str, str]) -> Any:
    """A form that sends a message to ``POST /v1/assistant/chat`` with a pasted key.

    The dashboard's own key is bound to no customer, so the chat needs an ``assistant``
    key: the answer is that key's customer's, exactly as a shop's chat widget gets it.
    """
    import html

    from shoplens.report.build import Section

    e = {k: html.escape(t[k]) for k in ("try_help", "try_message", "try_send", "api_key")}
    body = f"""<p class="muted">{e["try_help"]}</p>
<p><input id="try-key" type="password" placeholder="{e["api_key"]}" size="48" autocomplete="off">
<input id="try-text" placeholder="{e["try_message"]}" size="48" value="How do I return an item?">
<button id="try-send">{e["try_send"]}</button></p>
<div id="try-answer" style="white-space:pre-wrap"></div><div id="try-meta" class="muted"></div>
<script>
(function () {{
  var conv = null;
  document.getElementById("try-send").addEventListener("click", function () {{
    var out = document.getElementById("try-answer"), meta = document.getElementById("try-meta");
    out.textContent = ""; meta.textContent = ""; delete out.dataset.done;
    var body = {{message: document.getElementById("try-text").value}};
    if (conv) {{ body.conversation_id = conv; }}
    fetch("/v1/assistant/chat", {{method: "POST", headers: {{"Content-Type": "application/json",
      "Authorization": "Bearer " + document.getElementById("try-key").value}},
      body: JSON.stringify(body)}}).then(function (r) {{
      if (!r.ok) {{
        return r.json().then(function (j) {{
          meta.textContent = j.error.message; out.dataset.done = "error";
        }});
      }}
      return r.text().then(function (text) {{
        text.trim().split("\\n\\n").forEach(function (block) {{
          var ev = {{}};
          block.split("\\n").forEach(function (l) {{
            var i = l.indexOf(": "); ev[l.slice(0, i)] = l.slice(i + 2);
          }});
          var d = JSON.parse(ev.data);
          if (ev.event === "start") {{ conv = d.conversation_id; }}
          if (ev.event === "delta") {{ out.textContent += d.text; }}
          if (ev.event === "done") {{
            meta.textContent = "citations: " + d.citations.join(", ") + " · verified: " +
              (d.verifier && d.verifier.ok) + (d.handoff ? " · handoff: " + d.handoff.reason : "");
            out.dataset.done = "ok";
          }}
        }});
      }});
    }});
  }});
}})();
</script>"""
    return Section(t["try_assistant"], body, "try-assistant")


def _churn_list(con: BaseBackend, t: dict[str, str]) -> Any:
    import html

    from shoplens.report.build import Section, table_html

    if "lifecycle_customers" not in con.list_tables():
        return Section(
            t["churn_list"], f"<p class='muted'>{html.escape(t['nothing'])}</p>", "churn-list"
        )
    lc = con.table("lifecycle_customers")
    lc = lc.filter(lc.run_date == lc.run_date.max())
    top = (
        lc.order_by([lc.churn_probability.desc(nulls_first=False), lc.customer_id])
        .select("customer_id", "segment_name", "stage", "clv", "churn_probability")
        .limit(20)
        .execute()
    )
    table = table_html(top, float_format="{:,.3f}")
    for cid in top.customer_id:
        e = html.escape(cid)
        table = table.replace(
            f"<td>{e}</td>", f'<td><a class="c360" href="/dashboard/customers/{e}">{e}</a></td>', 1
        )
    return Section(t["churn_list"], table, "churn-list")


for _p in PAGES:
    router.add_api_route(f"/dashboard/{_p.slug}", _page(_p.slug), methods=["GET"])


@router.get("/dashboard")
def dashboard_root() -> RedirectResponse:
    return RedirectResponse("/dashboard/", status_code=307)


@router.get("/dashboard/customers/{customer_id}")
def customer_page(
    request: Request,
    customer_id: str = Path(min_length=1, max_length=128),
    con: BaseBackend = Depends(reader),
) -> Response:
    """Customer 360: the same answer as ``GET /v1/customers/{id}``, drawn."""
    import pandas as pd

    from shoplens.report.build import table_html
    from shoplens.service.deps import own_customer
    from shoplens.service.routes.customers import customer_360

    try:
        key = dashboard_key(request)
    except _Login:
        return RedirectResponse("/dashboard/login", status_code=303)
    own_customer(key, customer_id)
    c = customer_360(customer_id=customer_id, events=100, key=key, con=con)
    t = texts(request.query_params.get("lang") or request.cookies.get(LANG) or "en")

    def fmt(v: Any, spec: str = "{:,.2f}") -> str:
        return "–" if v is None else spec.format(v) if isinstance(v, float) else str(v)

    cards = [
        (t["segment"], fmt(c.segment)),
        (t["stage"], fmt(c.stage)),
        (t["clv"], fmt(c.clv)),
        (t["churn"], fmt(c.churn.probability, "{:.0%}")),
        (t["sentiment"], fmt((c.latest_sentiment or {}).get("sentiment"))),
    ]
    cols = ["ts", "kind", "type", "session_id", "ref_id", "item_id", "value", "detail", "sentiment"]
    timeline = table_html(pd.DataFrame(c.timeline, columns=cols))
    recs = table_html(pd.DataFrame(c.recommendations)) if c.recommendations else ""
    return _render(
        request,
        "customer.html",
        title=f"{t['customer']} {customer_id}",
        key=key,
        page="customers",
        sections=[],
        c=c,
        cards=cards,
        timeline=timeline,
        recs=recs,
    )
