"""The web chat's routes on the web app:

- GET /chat: the page, with the transcript so far. It stores nothing: someone new gets
  a signed cookie and an empty chat, greeted at their first post (chat.js posts
  "opened" at once; without JavaScript, the Start button or a typed message);
- POST /chat/send: a typed message, a pressed button or the chat opened (a form post:
  303 back to the page; with `Accept: application/json`, the new rows' HTML);
- GET /chat/events: the new rows as Server-Sent Events (the shop's news arrive live);
  at most MAX_CHAT_STREAMS at once per worker, then 503 and the page polls instead:
- GET /chat/messages?after=<id>: the new rows once, as JSON (that poll);
- GET /chat/files/{id}: a document the visitor's own chat offered;
- GET /chat/embed.js: the script a shop puts on its site for a floating chat box.

A person is never answered with a bare status: a missing file, a request without a
session, or any route with the channel off (WEB_CHAT=false, 404) is a small page in
their language (JSON for a caller asking for JSON).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import weakref
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.web_pages import STATIC, page, render
from bot.webchat.channel import CHANNEL, WebChatLive
from bot.webchat.render import View, button_label, client_id, message_html
from bot.webchat.session import (
    COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    Sessions,
    is_secure,
    new_visitor,
    same_origin,
)
from bot.webchat.settings import WebChatSettings
from core.domain.web_chat import WebMessage
from core.services import web
from handlers.i18n import DEFAULT, N_, Translator, pick_locale
from handlers.i18n import accepted_locale as from_accept_language
from handlers.throttle import Verdict

NEEDS_A_COOKIE = N_(
    "This chat needs a cookie to remember you, and your browser did not send it. Allow "
    "cookies for this site, or open the chat in its own tab."
)
MAX_CHARS = 2000  # a message longer than this is refused, and the visitor told so
MAX_PAYLOAD = 256  # our payloads are at most 64 bytes; anything longer is no button of ours
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
POLL_SECONDS = 1.0  # the live stream reads the table this often (other workers' news)
# A stream ends after this long (or within a second of the shop stopping) and the
# browser reconnects at once where it left off (Last-Event-ID).
STREAM_SECONDS = 25.0
STREAM_BATCH = 50
# Live streams open at once in this worker (each reads the table every second); one
# more gets 503 and the page asks /chat/messages every FALLBACK_POLL_SECONDS instead.
# Module constants: tests change them.
MAX_CHAT_STREAMS = 500
FALLBACK_POLL_SECONDS = 15.0
# embed.js's lines the server writes: its words, and the sites that may frame the chat.
EMBED_LINE = re.compile(r"^( *)var (TEXT|SITES) = .*;$", re.MULTILINE)


def chat_router(live: WebChatLive | None, settings: WebChatSettings) -> APIRouter:
    router = APIRouter()
    frame_ancestors = " ".join(["'self'", *settings.web_chat_embed_origins])
    # embed.js frames the chat only on these sites (and this app's own pages): the
    # others' browsers would refuse the frame (frame-ancestors), so there it opens a tab.
    sites = sorted({site_origin(origin) for origin in settings.web_chat_embed_origins})
    found: list[Sessions] = []  # made once the shop's secret is read
    # The live streams open now: a generator leaves the set when it is gone, however
    # it ended (as the tracking page's streams, bot/web_pages/tracking.py).
    open_streams: weakref.WeakSet[AsyncIterator[ServerSentEvent]] = weakref.WeakSet()

    async def sessions() -> Sessions:
        assert live is not None
        if not found:
            found.append(Sessions(await web.web_secret(live.shop)))
        return found[0]

    def address() -> str:
        assert live is not None
        return live.shop.settings.web_address()

    def page_address(embed: bool) -> str:
        return "/chat?embed=1" if embed else "/chat"

    async def translator(request: Request, visitor: str | None) -> Translator:
        assert live is not None
        known = await web.visitor_locale(live.shop, CHANNEL, visitor) if visitor else ""
        locale = known or accepted_locale(request) or live.shop.settings.default_locale
        return Translator(locale, live.shop.settings.store_country)

    async def problem(
        request: Request,
        status_code: int,
        title: str,
        words: str,
        *,
        link: dict[str, object] | None = None,
        visitor: str | None = None,
    ) -> Response:
        """What a person is told instead of a bare status: a small page in their
        language (?lang=, the visitor's, the browser's); JSON to a caller asking for it.
        title, words and link's label are msgids, translated here."""
        chosen = pick_locale(request.query_params.get("lang"), "")
        if live is None:  # the channel is off: no shop to ask
            t = Translator(chosen or accepted_locale(request) or DEFAULT)
            shop_name = ""
        else:
            t = await translator(request, visitor)
            if chosen:
                t = Translator(chosen, live.shop.settings.store_country)
            shop_name = live.shop.settings.store_name
        _ = t.gettext
        shown = {**link, "label": _(str(link["label"]))} if link else None
        if asks_json(request):
            answer: dict[str, object] = {"notice": _(words), "messages": []}
            if shown:
                answer["link"] = shown
            return JSONResponse(answer, status_code=status_code)
        html = render(
            "chat_notice.html", t, title=_(title), words=_(words), link=shown, shop_name=shop_name
        )
        return chat_page(html, status_code)

    async def not_found(request: Request) -> Response:
        return await problem(
            request, 404, N_("Page not found"), N_("There is no chat at this address.")
        )

    def chat_page(html: str, status_code: int = 200) -> Response:
        response = page(html, status_code=status_code, frame_ancestors=frame_ancestors)
        # Not no-referrer: with it a browser sends "Origin: null" with the page's own
        # form posts. Other sites still get no referrer.
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    async def screen(
        request: Request,
        visitor: str,
        embed: bool,
        *,
        notice: str = "",
        typed: str = "",
        status_code: int = 200,
    ) -> Response:
        """The chat page with the latest of the visitor's transcript."""
        assert live is not None
        t = await translator(request, visitor)
        found = await sessions()
        view = View(t, found.csrf_token(visitor), live.shop.settings.store_name, embed)
        rows = await web.transcript(live.shop, visitor)
        html = render(
            "chat.html",
            t,
            messages=rows,
            last_id=rows[-1].id if rows else 0,
            notice=notice,
            typed=typed,
            poll_ms=round(FALLBACK_POLL_SECONDS * 1000),
            **view.context(),
        )
        response = chat_page(html, status_code)
        found.remember(response, visitor, secure=is_secure(request, address()))
        return response

    @router.api_route("/chat", methods=["GET", "HEAD"])
    async def chat(request: Request) -> Response:
        if live is None:
            return await not_found(request)
        found = await sessions()
        embed = request.query_params.get("embed") == "1"
        # No cookie, or one not signed by us: someone new, known from now on by the
        # cookie this page sets. Nothing is stored until they post (a crawler's visit
        # leaves no trace).
        visitor = found.visitor(request) or new_visitor()
        return await screen(request, visitor, embed)

    @router.post("/chat/send")
    async def send(request: Request) -> Response:
        if live is None:
            return await not_found(request)
        found = await sessions()
        visitor = found.visitor(request)
        wants_json = asks_json(request)
        form = await read_form(request)
        token = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
        if (
            visitor is None
            or not found.csrf_ok(visitor, token)
            or not same_origin(request, address())
        ):
            return await refused(request, visitor, COOKIE in request.cookies)
        embed = form.get("embed") == "1"
        t = await translator(request, visitor)
        _ = t.gettext
        payload = form.get("payload")
        text = (form.get("text") or "").strip()

        async def notice(words: str, status_code: int, **headers: str) -> Response:
            if wants_json:
                return JSONResponse(
                    {"notice": words, "messages": []}, status_code=status_code, headers=headers
                )
            kept = "" if payload is not None else text  # all of it: nothing cut silently
            return await screen(
                request, visitor, embed, notice=words, typed=kept, status_code=status_code
            )

        if not await web.visitor_known(live.shop, CHANNEL, visitor):
            # A new session's first post: one address starts only so many a minute.
            client = request.client.host if request.client else ""
            if live.new_sessions.check(CHANNEL, client) is not Verdict.HANDLE:
                wait = max(1, round(live.new_sessions.seconds_to_next(CHANNEL, client)))
                return await notice(
                    _("You're sending messages very fast. Wait a moment, then try again."),
                    429,
                    **{"Retry-After": str(wait)},
                )
        if live.limiter.check(CHANNEL, visitor) is not Verdict.HANDLE:
            wait = max(1, round(live.limiter.seconds_to_next(CHANNEL, visitor)))
            return await notice(
                _("You're sending messages very fast. Wait a moment, then try again."),
                429,
                **{"Retry-After": str(wait)},
            )
        event: dict = {"person": visitor, "locale": accepted_locale(request)}
        if form.get("opened") == "1":
            # The chat opened on an empty transcript: the shop says hello (once, however
            # many tabs ask: the channel greets only an empty transcript).
            event["opened"] = True
            said = "opened"
        elif payload is not None:
            payload = payload if len(payload) <= MAX_PAYLOAD else ""  # a stale button then
            rows = await web.transcript(live.shop, visitor)
            event |= {"payload": payload, "shown": button_label(rows, payload) or "…"}
            said = payload
        elif not text:
            return await notice(_("Type a message first, then press Send."), 422)
        elif len(text) > MAX_CHARS:
            return await notice(
                _(
                    "That message is too long: {count} characters, and I read up to "
                    "{limit}. Please send it in shorter parts."
                ).format(count=len(text), limit=MAX_CHARS),
                422,
            )
        else:
            event["text"] = said = text
        # The same form posted twice (a double click, a retry) carries the same id and
        # the same words: handled once.
        given = form.get("client_id") or ""
        key = given if CLIENT_ID.fullmatch(given) else client_id()
        digest = hashlib.sha256(said.encode()).hexdigest()[:16]
        await live.receive(visitor, f"{key}:{digest}", event)
        farewell = live.farewell(visitor)
        if farewell is not None:
            # Forgotten: the transcript is gone, and the answer is shown, not kept.
            if wants_json:
                return JSONResponse({"notice": farewell, "messages": [], "forgotten": True})
            return await screen(request, visitor, embed, notice=farewell)
        if wants_json:
            after = whole(form.get("after"))
            rows = await web.transcript(live.shop, visitor, after=after)
            view = View(t, found.csrf_token(visitor), live.shop.settings.store_name, embed)
            return JSONResponse({"notice": "", "messages": [as_json(row, view) for row in rows]})
        last = await web.last_message_id(live.shop, visitor)
        return RedirectResponse(page_address(embed) + f"#m{last}", status_code=303)

    async def refused(request: Request, visitor: str | None, had_cookie: bool) -> Response:
        if had_cookie:
            return await problem(
                request,
                403,
                N_("Chat"),
                N_(
                    "This page is out of date or did not come from this shop, so nothing was "
                    "sent. Open the chat again and resend your message."
                ),
                link={"url": "/chat", "label": N_("Open the chat"), "new_tab": False},
                visitor=visitor,
            )
        return await no_cookie(
            request,
            N_(
                "Nothing was sent: this chat needs a cookie to remember you, and your "
                "browser did not send it. Allow cookies for this site, or open the chat "
                "in its own tab."
            ),
        )

    async def no_cookie(request: Request, words: str) -> Response:
        """The browser sent no session (a chat framed on a site whose cookies the
        browser keeps from it): the way out is the chat in a tab of its own."""
        return await problem(
            request,
            403,
            N_("Chat"),
            words,
            link={"url": "/chat", "label": N_("Open the chat in a new tab"), "new_tab": True},
        )

    @router.get("/chat/events")
    async def events(request: Request) -> Response:
        if live is None:
            return await not_found(request)
        found = await sessions()
        visitor = found.visitor(request)
        if visitor is None:
            return await no_cookie(request, NEEDS_A_COOKIE)
        if len(open_streams) >= MAX_CHAT_STREAMS:
            # Busy: the page asks /chat/messages now and then instead (chat.js).
            return Response(
                status_code=503,
                headers={
                    "Retry-After": str(max(1, round(FALLBACK_POLL_SECONDS))),
                    "Cache-Control": "no-store",
                },
            )
        given = request.headers.get("last-event-id") or request.query_params.get("after")
        after = whole(given) if given else await web.last_message_id(live.shop, visitor)
        view = await view_of(request, visitor)
        news = stream(live, visitor, after, view)
        open_streams.add(news)
        return EventSourceResponse(
            news,
            ping=15,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @router.get("/chat/messages")
    async def messages(request: Request) -> Response:
        """The rows after ?after=, once: what a page polls when it gets no live stream."""
        if live is None:
            return await not_found(request)
        visitor = (await sessions()).visitor(request)
        if visitor is None:
            return await no_cookie(request, NEEDS_A_COOKIE)
        after = whole(request.query_params.get("after"))
        view = await view_of(request, visitor)
        rows = await web.transcript(live.shop, visitor, after=after, limit=STREAM_BATCH)
        return JSONResponse(
            {"notice": "", "messages": [as_json(row, view) for row in rows]},
            headers={"Cache-Control": "no-store"},
        )

    async def view_of(request: Request, visitor: str) -> View:
        assert live is not None
        t = await translator(request, visitor)
        embed = request.query_params.get("embed") == "1"
        csrf = (await sessions()).csrf_token(visitor)
        return View(t, csrf, live.shop.settings.store_name, embed)

    @router.get("/chat/files/{file_id}")
    async def download(request: Request, file_id: str) -> Response:
        if live is None:
            return await not_found(request)
        visitor = (await sessions()).visitor(request)
        file = await web.web_file(live.shop, visitor, file_id) if visitor else None
        if file is None:  # another chat's, or older than the shop keeps them
            return await problem(
                request,
                404,
                N_("Page not found"),
                N_(
                    "This download is not here: it was offered in another chat, or it is "
                    "older than the shop keeps files. Ask for it again in the chat."
                ),
                link={"url": "/chat", "label": N_("Open the chat"), "new_tab": False},
                visitor=visitor,
            )
        return Response(
            file.content,
            media_type=file.mime_type,
            headers={
                "Content-Disposition": attachment(file.filename),
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
                "Referrer-Policy": "no-referrer",
            },
        )

    @router.api_route("/chat/embed.js", methods=["GET", "HEAD"])
    async def embed_script(request: Request) -> Response:
        if live is None:
            return await not_found(request)
        locale = (
            pick_locale(request.query_params.get("lang"), "")
            or accepted_locale(request)
            or live.shop.settings.default_locale
        )
        t = Translator(locale, live.shop.settings.store_country)
        words = {
            "open": t.gettext("Chat with us"),
            "close": t.gettext("Close the chat"),
            "title": t.gettext("Chat with {shop}").format(shop=live.shop.settings.store_name),
            "newTab": t.gettext("(opens in a new tab)"),
        }
        lines = {"TEXT": words, "SITES": sites}
        script = (STATIC / "embed.js").read_text(encoding="utf-8")
        return Response(
            EMBED_LINE.sub(
                lambda found: (
                    f"{found.group(1)}var {found.group(2)} = "
                    + json.dumps(lines[found.group(2)], ensure_ascii=True)
                    + ";"
                ),
                script,
            ),
            media_type="text/javascript; charset=utf-8",
            headers={
                "Cache-Control": "public, max-age=300",
                # Its words are the browser's language: a shared cache keeps one per
                # language. (Whether the site may frame the chat, the script tells
                # itself from SITES: it does not depend on who asks.)
                "Vary": "Accept-Language",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return router


async def stream(
    live: WebChatLive, visitor: str, after: int, view: View
) -> AsyncIterator[ServerSentEvent]:
    """The visitor's new rows, as they are written, for STREAM_SECONDS."""
    loop = asyncio.get_running_loop()
    ends = loop.time() + STREAM_SECONDS
    yield ServerSentEvent(retry=1000)  # reconnect within a second
    with live.wakeups.listening(visitor) as news:
        while loop.time() < ends and not live.stopping.is_set():
            news.clear()  # before reading: a row written after the read wakes us
            rows = await web.transcript(live.shop, visitor, after=after, limit=STREAM_BATCH)
            for row in rows:
                after = row.id
                yield ServerSentEvent(
                    data=json.dumps(as_json(row, view)), id=str(row.id), event="message"
                )
            if len(rows) < STREAM_BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(news.wait(), min(POLL_SECONDS, ends - loop.time()))


def as_json(row: WebMessage, view: View) -> dict:
    return {"id": row.id, "html": message_html(row, view)}


def whole(value: object) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdecimal() and len(text) < 19 else 0


def accepted_locale(request: Request) -> str:
    """The first language of Accept-Language the shop speaks ("" for none)."""
    return from_accept_language(request.headers.get("accept-language", ""))


async def read_form(request: Request) -> dict[str, str]:
    """A urlencoded form's fields (what a form and chat.js post); {} for anything else."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return {}
    try:
        pairs = parse_qsl(
            (await request.body()).decode("utf-8"), keep_blank_values=True, max_num_fields=20
        )
    except (UnicodeDecodeError, ValueError):
        return {}
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def attachment(filename: str) -> str:
    """Content-Disposition for a download: a plain ASCII name and the real one (RFC 6266)."""
    from urllib.parse import quote

    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "file"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def asks_json(request: Request) -> bool:
    """chat.js asks for JSON; a person's browser for a page."""
    return "application/json" in request.headers.get("accept", "")


def site_origin(origin: str) -> str:
    """A site's origin as a browser writes it (location.origin): lower case, without
    the scheme's own port."""
    parts = urlsplit(origin.lower())
    host = parts.hostname or ""
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{host}{port}"
