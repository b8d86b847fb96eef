"""The WhatsApp double is strict: the real pywa_async client, over real HTTP, gets from it what
it would get from the Cloud API, including Meta's refusals and their error codes; and the
webhooks it builds are ones pywa's own webhook handling accepts."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from pywa_async import WhatsApp, utils
from pywa_async.errors import (
    ExpiredAccessToken,
    InvalidParameter,
    MissingRequiredParameter,
    RateLimitHit,
    ReEngagementMessage,
    TemplateNotExists,
    TemplateParamCountMismatch,
    TooManyMessages,
    UnknownError,
    WhatsAppError,
)
from pywa_async.handlers import (
    CallbackButtonHandler,
    CallbackSelectionHandler,
    MessageHandler,
    MessageStatusHandler,
)
from pywa_async.types import (
    Button,
    CallbackButton,
    CallbackSelection,
    ContinueHandling,
    Message,
    MessageStatus,
    Section,
    SectionList,
    SectionRow,
    URLButton,
)
from pywa_async.types.templates import BodyText, TemplateLanguage

from tests.whatsapp_double import GraphApiDouble, RedirectTransport

ANA = "5215512345678"  # a customer who writes to the shop (Mexico City mobile)
LUIS = "5215587654321"  # a customer who never wrote
DAY = 24 * 3600


class Now:
    """The double's clock (Unix seconds), moved by the test."""

    def __init__(self) -> None:
        self.t = 1_790_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
async def graph(now: Now) -> AsyncIterator[GraphApiDouble]:
    templates = {"order_update": {"es", "en"}, "cart_reminder": {"es"}}
    async with GraphApiDouble(
        templates=templates, template_params={"order_update": 2}, clock=now
    ) as double:
        yield double


@pytest.fixture
async def wa(graph: GraphApiDouble) -> AsyncIterator[WhatsApp]:
    """The real async client, as the project builds it: no web server of its own
    (server=None), its httpx session redirected to the double."""
    session = httpx.AsyncClient(transport=RedirectTransport(graph.base_url))
    client = WhatsApp(
        phone_id=graph.phone_id,
        token=graph.token,
        session=session,
        server=None,
        verify_token="verify-me",
        app_secret=graph.app_secret,
        waba_id=graph.waba_id,
    )
    yield client
    await session.aclose()


class Receiver:
    """A webhook endpoint that hands the body to pywa exactly as a custom server must:
    webhook_update_validator (signature), then webhook_update_handler (dispatch)."""

    def __init__(self, wa: WhatsApp) -> None:
        self.wa = wa
        self.updates: list[Any] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        wa.add_handlers(
            MessageHandler(self._keep),
            CallbackButtonHandler(self._keep),
            CallbackSelectionHandler(self._keep),
            MessageStatusHandler(self._keep),
        )

    async def _keep(self, _: WhatsApp, update: Any) -> None:
        self.updates.append(update)
        raise ContinueHandling  # let handlers a test adds run too

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.read()
        refusal = await self.wa.webhook_update_validator(body, request.headers.get(utils.HUB_SIG))
        if refusal is not None:
            return web.Response(text=refusal[0], status=refusal[1])
        text, status = await self.wa.webhook_update_handler(body)
        return web.Response(text=text, status=status)

    async def _get(self, request: web.Request) -> web.Response:
        text, status = await self.wa.webhook_challenge_handler(
            request.query.get(utils.HUB_VT), request.query.get(utils.HUB_CH)
        )
        return web.Response(text=text or "", status=status)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/whatsapp", self._post)
        app.router.add_get("/whatsapp", self._get)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/whatsapp"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def receiver(wa: WhatsApp) -> AsyncIterator[Receiver]:
    endpoint = Receiver(wa)
    await endpoint.start()
    yield endpoint
    await endpoint.stop()


async def deliver(graph: GraphApiDouble, receiver: Receiver, payload: dict) -> Any:
    """POST the webhook to pywa and return the update pywa's handlers received."""
    before = len(receiver.updates)
    assert await graph.post_webhook(receiver.url, payload) == 200
    assert len(receiver.updates) == before + 1, "pywa dispatched no update"
    return receiver.updates[-1]


async def refused(call: Awaitable[Any]) -> WhatsAppError:
    with pytest.raises(WhatsAppError) as caught:
        await call
    return caught.value


# --------------------------------------------------------------------------------------
# Accepted messages are recorded as sent
# --------------------------------------------------------------------------------------


async def test_a_text_answer_inside_the_window_is_accepted_and_recorded(graph, wa):
    graph.user_text(ANA, "hola")

    sent = await wa.send_message(ANA, "¡Hola Ana! ¿Qué se te antoja?")

    assert graph.texts(ANA) == ["¡Hola Ana! ¿Qué se te antoja?"]
    body = graph.last_sent(ANA)
    assert body["_wamid"] == sent.id and sent.id.startswith("wamid.")
    assert body["type"] == "text" and body["to"] == ANA
    assert sent.chat.id == ANA and graph.rejected == []
    call = graph.calls[-1]
    assert (call.method, call.path, call.status) == (
        "POST",
        f"/v26.0/{graph.phone_id}/messages",
        200,
    )
    assert call.response["contacts"] == [{"input": ANA, "wa_id": ANA}]


async def test_text_of_exactly_4096_characters_passes_and_4097_is_refused(graph, wa):
    graph.user_text(ANA, "hola")

    await wa.send_message(ANA, "x" * 4096)
    error = await refused(wa.send_message(ANA, "x" * 4097))

    assert error.code == 100 and error.status_code == 400
    assert "at most 4096" in error.details
    assert len(graph.sent(ANA)) == 1 and len(graph.rejected) == 1


async def test_reply_buttons_are_accepted_and_a_press_reaches_pywa_as_a_callback(
    graph, wa, receiver
):
    graph.user_text(ANA, "hola")
    sent = await wa.send_message(
        ANA,
        "¿Confirmas tu pedido?",
        header="Pedido #12",
        footer="Tacos Don Pepe",
        buttons=[Button("Confirmar", "confirm:12"), Button("Cancelar", "cancel:12")],
    )

    interactive = graph.message(sent.id)["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == [
        "confirm:12",
        "cancel:12",
    ]
    assert graph.texts(ANA) == ["¿Confirmas tu pedido?"]

    update = await deliver(graph, receiver, graph.user_presses_button(ANA, sent.id, "confirm:12"))
    assert isinstance(update, CallbackButton)
    assert (update.data, update.title) == ("confirm:12", "Confirmar")
    assert update.from_user.wa_id == ANA and update.reply_to_message.id == sent.id
    with pytest.raises(AssertionError, match="no button"):
        graph.user_presses_button(ANA, sent.id, "refund:12")
    with pytest.raises(AssertionError, match="not to"):
        graph.user_presses_button(LUIS, sent.id, "confirm:12")


async def test_a_list_message_is_accepted_and_a_picked_row_reaches_pywa_as_a_selection(
    graph, wa, receiver
):
    graph.user_text(ANA, "menú")
    sent = await wa.send_message(
        ANA,
        "Elige una categoría",
        buttons=SectionList(
            "Ver menú",
            [
                Section("Comida", [SectionRow("Tacos", "cat:tacos", "Al pastor, suadero")]),
                Section("Bebidas", [SectionRow("Aguas", "cat:aguas")]),
            ],
        ),
    )

    assert graph.message(sent.id)["interactive"]["action"]["button"] == "Ver menú"
    update = await deliver(graph, receiver, graph.user_picks_row(ANA, sent.id, "cat:tacos"))
    assert isinstance(update, CallbackSelection)
    assert (update.data, update.title, update.description) == (
        "cat:tacos",
        "Tacos",
        "Al pastor, suadero",
    )
    with pytest.raises(AssertionError, match="no row"):
        graph.user_picks_row(ANA, sent.id, "cat:postres")


async def test_an_image_by_link_and_a_document_by_upload_are_accepted_with_their_bytes(graph, wa):
    graph.user_text(ANA, "¿y el ticket?")
    pdf = b"%PDF-1.4\n% recibo del pedido 12\n%%EOF\n"

    await wa.send_image(ANA, "https://cdn.example.com/tacos.jpg", caption="Así se ven")
    sent = await wa.send_document(
        ANA, pdf, filename="recibo-12.pdf", mime_type="application/pdf", caption="Tu recibo"
    )

    image, document = graph.sent(ANA)
    assert image["image"] == {"link": "https://cdn.example.com/tacos.jpg", "caption": "Así se ven"}
    assert document["document"]["filename"] == "recibo-12.pdf"
    assert graph.sent_document_bytes(document) == pdf
    assert graph.media(document["document"]["id"]) == ("recibo-12.pdf", pdf, "application/pdf")
    upload = next(c for c in graph.calls if c.path.endswith("/media"))
    assert upload.body == {"messaging_product": "whatsapp", "type": "application/pdf"}
    assert upload.files["file"] == ("recibo-12.pdf", pdf, "application/pdf")
    assert sent.uploaded_media.id == document["document"]["id"]
    assert graph.texts(ANA) == ["Así se ven", "Tu recibo"]
    with pytest.raises(AssertionError, match="by link"):
        graph.sent_document_bytes(image)


async def test_a_template_may_start_a_conversation_with_someone_who_never_wrote(graph, wa):
    sent = await wa.send_template(
        LUIS,
        "order_update",
        TemplateLanguage.SPANISH,
        params=[BodyText.params("Luis", "#12")],
    )

    body = graph.last_sent(LUIS)
    assert body["_wamid"] == sent.id
    assert body["template"]["language"] == {"code": "es"}
    parameters = body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in parameters] == ["Luis", "#12"]
    assert graph.texts(LUIS) == ["[template order_update]"]


async def test_a_location_a_reaction_and_read_marks_are_accepted(graph, wa):
    update = graph.user_text(ANA, "¿dónde están?")
    wamid = update["entry"][0]["changes"][0]["value"]["messages"][0]["id"]

    assert await wa.mark_message_as_read(wamid)
    await wa.indicate_typing(wamid)
    await wa.send_location(ANA, 19.4326, -99.1332, name="Tacos Don Pepe", address="Centro")
    await wa.send_reaction(ANA, "👍", wamid)

    assert graph.read_marks == [wamid, wamid]
    location, reaction = graph.sent(ANA)
    assert location["location"]["latitude"] == 19.4326
    assert reaction["reaction"] == {"emoji": "👍", "message_id": wamid}
    assert graph.texts(ANA) == ["Tacos Don Pepe", "👍"]
    error = await refused(wa.mark_message_as_read("wamid.UNKNOWN"))
    assert error.code == 100


async def test_pywa_replies_by_business_scoped_user_id_and_the_double_files_it_under_the_wa_id(
    graph, wa, receiver
):
    async def echo(_: WhatsApp, message: Message) -> None:
        await message.reply_text(f"Recibido: {message.text}", quote=True)

    wa.add_handlers(MessageHandler(echo))

    update = await deliver(graph, receiver, graph.user_text(ANA, "2 tacos", name="Ana López"))

    assert update.from_user.bsuid == graph.bsuid(ANA) and update.from_user.name == "Ana López"
    reply = graph.last_sent(ANA)
    assert reply["recipient"] == graph.bsuid(ANA) and "to" not in reply
    assert reply["context"] == {"message_id": update.id}
    assert graph.texts(graph.bsuid(ANA)) == graph.texts(ANA) == ["Recibido: 2 tacos"]
    assert graph.bsuid(ANA).startswith("MX.")


async def test_media_headers_link_buttons_and_location_requests_are_accepted(graph, wa):
    graph.user_text(ANA, "hola")

    await wa.send_image(
        ANA,
        "https://cdn.example.com/combo.jpg",
        caption="Combo del día",
        buttons=[Button("Lo quiero", "want:combo")],
    )
    await wa.send_message(
        ANA, "Paga aquí", buttons=URLButton("Pagar", "https://pay.example.com/12")
    )
    await wa.request_location(ANA, "¿A dónde enviamos tu pedido?")

    combo, link, ask = (body["interactive"] for body in graph.sent(ANA))
    assert combo["header"] == {
        "type": "image",
        "image": {"link": "https://cdn.example.com/combo.jpg"},
    }
    assert [combo["type"], link["type"], ask["type"]] == [
        "button",
        "cta_url",
        "location_request_message",
    ]
    assert graph.texts(ANA) == ["Combo del día", "Paga aquí", "¿A dónde enviamos tu pedido?"]
    error = await refused(wa.send_message(ANA, "Paga", buttons=URLButton("Pagar", "javascript:x")))
    assert error.code == 131009


async def test_media_urls_need_the_token_and_unknown_objects_and_paths_are_refused(graph, wa):
    payload = graph.user_image(ANA)
    media_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["id"]

    info = await wa.get_media_url(media_id)
    assert info.url.startswith("https://lookaside.fbsbx.com/whatsapp_business/attachments/")
    assert await wa.get_media_bytes(info.url) == graph.media(media_id)[1]
    async with httpx.AsyncClient(transport=RedirectTransport(graph.base_url)) as anonymous:
        assert (await anonymous.get(info.url)).status_code == 401

    assert await wa.delete_media(media_id)
    error = await refused(wa.get_media_url(media_id))
    assert error.code == 100 and "Unsupported get request" in error.message
    error = await refused(wa.api.send_raw_request("POST", f"/{graph.phone_id}/tacos", json={}))
    assert error.code == 2500 and error.message == "Unknown path components: /tacos"


# --------------------------------------------------------------------------------------
# Refusals, with Meta's codes, as pywa raises them
# --------------------------------------------------------------------------------------

Send = Callable[[WhatsApp], Awaitable[Any]]


def _buttons(*titles: str, ids: list[str] | None = None) -> list[Button]:
    return [
        Button(t, (ids or [f"b{i}" for i in range(len(titles))])[i]) for i, t in enumerate(titles)
    ]


def _rows(count: int, **row: str) -> list[SectionRow]:
    return [
        SectionRow(row.get("title", f"Fila {i}"), f"r{i}", row.get("description"))
        for i in range(count)
    ]


def _list(*sections: Section, button: str = "Ver") -> SectionList:
    return SectionList(button, list(sections))


def _raw(body: dict) -> Send:
    async def send(wa: WhatsApp) -> Any:
        return await wa.api.send_raw_request(
            "POST", f"/{wa.phone_id}/messages", json={"messaging_product": "whatsapp", **body}
        )

    return send


REFUSALS: list[tuple[str, Send, int, type[WhatsAppError], str]] = [
    (
        "a fourth reply button",
        lambda wa: wa.send_message(ANA, "¿Qué quieres?", buttons=_buttons("A", "B", "C", "D")),
        131009,
        InvalidParameter,
        "buttons count",
    ),
    (
        "a 21-character button title",
        lambda wa: wa.send_message(ANA, "¿Qué quieres?", buttons=_buttons("x" * 21)),
        131009,
        InvalidParameter,
        "Button title length",
    ),
    (
        "duplicate button ids",
        lambda wa: wa.send_message(ANA, "?", buttons=_buttons("Sí", "No", ids=["same", "same"])),
        131009,
        InvalidParameter,
        "Duplicate button ids",
    ),
    (
        "duplicate button titles",
        lambda wa: wa.send_message(ANA, "?", buttons=_buttons("Sí", "Sí")),
        131009,
        InvalidParameter,
        "unique",
    ),
    (
        "a 257-character button id",
        lambda wa: wa.send_message(ANA, "?", buttons=_buttons("Sí", ids=["i" * 257])),
        131009,
        InvalidParameter,
        "Button id length",
    ),
    (
        "a 1025-character interactive body",
        lambda wa: wa.send_message(ANA, "x" * 1025, buttons=_buttons("Sí")),
        131009,
        InvalidParameter,
        "Body text length",
    ),
    (
        "a 61-character header",
        lambda wa: wa.send_message(ANA, "?", header="h" * 61, buttons=_buttons("Sí")),
        131009,
        InvalidParameter,
        "Header text length",
    ),
    (
        "a 61-character footer",
        lambda wa: wa.send_message(ANA, "?", footer="f" * 61, buttons=_buttons("Sí")),
        131009,
        InvalidParameter,
        "Footer text length",
    ),
    (
        "buttons without a body",
        lambda wa: wa.send_message(ANA, "", buttons=_buttons("Sí")),
        131008,
        MissingRequiredParameter,
        "interactive['body']",
    ),
    (
        "an eleventh list row",
        lambda wa: wa.send_message(
            ANA, "Menú", buttons=_list(Section("A", _rows(6)), Section("B", _rows(5)))
        ),
        131009,
        InvalidParameter,
        "row count",
    ),
    (
        "a 25-character row title",
        lambda wa: wa.send_message(
            ANA, "Menú", buttons=_list(Section("A", _rows(1, title="t" * 25)))
        ),
        131009,
        InvalidParameter,
        "Row title length",
    ),
    (
        "a 73-character row description",
        lambda wa: wa.send_message(
            ANA, "Menú", buttons=_list(Section("A", _rows(1, description="d" * 73)))
        ),
        131009,
        InvalidParameter,
        "Row description length",
    ),
    (
        "a 21-character list button",
        lambda wa: wa.send_message(
            ANA, "Menú", buttons=_list(Section("A", _rows(2)), button="b" * 21)
        ),
        131009,
        InvalidParameter,
        "Button text length",
    ),
    (
        "two sections, one without a title",
        lambda wa: wa.send_message(
            ANA,
            "Menú",
            buttons=_list(
                Section("", [SectionRow("a", "a")]), Section("B", [SectionRow("b", "b")])
            ),
        ),
        131008,
        MissingRequiredParameter,
        "title",
    ),
    (
        "the same row id in two sections",
        lambda wa: wa.send_message(
            ANA, "Menú", buttons=_list(Section("A", _rows(1)), Section("B", _rows(1)))
        ),
        131009,
        InvalidParameter,
        "Row ids must be unique",
    ),
    (
        "a section without rows",
        lambda wa: wa.send_message(ANA, "Menú", buttons=_list(Section("A", []))),
        131009,
        InvalidParameter,
        "at least one row",
    ),
    (
        "a 1025-character caption",
        lambda wa: wa.send_image(ANA, "https://cdn.example.com/a.jpg", caption="c" * 1025),
        131009,
        InvalidParameter,
        "Caption length",
    ),
    (
        "an unknown template",
        lambda wa: wa.send_template(ANA, "happy_hour", TemplateLanguage.SPANISH),
        132001,
        TemplateNotExists,
        "template name (happy_hour) does not exist in es",
    ),
    (
        "an approved template in another language",
        lambda wa: wa.send_template(ANA, "cart_reminder", TemplateLanguage.ENGLISH),
        132001,
        TemplateNotExists,
        "does not exist in en",
    ),
    (
        "a template with the wrong number of body parameters",
        lambda wa: wa.send_template(
            ANA, "order_update", TemplateLanguage.SPANISH, params=[BodyText.params("Ana")]
        ),
        132000,
        TemplateParamCountMismatch,
        "number of localizable_params (1)",
    ),
    (
        "an empty template text parameter",
        lambda wa: wa.send_template(
            ANA, "order_update", TemplateLanguage.SPANISH, params=[BodyText.params("", "#1")]
        ),
        131008,
        MissingRequiredParameter,
        "missing text value",
    ),
    (
        "an empty text body",
        _raw({"to": ANA, "type": "text", "text": {"body": ""}}),
        100,
        WhatsAppError,
        "at least 1 character",
    ),
    (
        "a message without a recipient",
        _raw({"type": "text", "text": {"body": "hola"}}),
        131008,
        MissingRequiredParameter,
        "parameter to",
    ),
    (
        "another messaging_product",
        _raw({"messaging_product": "instagram", "to": ANA, "text": {"body": "hola"}}),
        100,
        WhatsAppError,
        "messaging_product",
    ),
    (
        "an unknown message type",
        _raw({"to": ANA, "type": "carrier_pigeon", "carrier_pigeon": {}}),
        100,
        WhatsAppError,
        "Param type must be one of",
    ),
    (
        "an image with both a link and an id",
        _raw({"to": ANA, "type": "image", "image": {"link": "https://x.example/a.jpg", "id": "1"}}),
        131009,
        InvalidParameter,
        "not both",
    ),
    (
        "an image link that is not http(s)",
        _raw({"to": ANA, "type": "image", "image": {"link": "ftp://x.example/a.jpg"}}),
        131009,
        InvalidParameter,
        "http or https",
    ),
    (
        "a document id the double never issued",
        _raw({"to": ANA, "type": "document", "document": {"id": "123456789"}}),
        131009,
        InvalidParameter,
        "was not uploaded",
    ),
    (
        "a latitude that is not a number",
        _raw({"to": ANA, "type": "location", "location": {"latitude": "19.4", "longitude": -99.1}}),
        131009,
        InvalidParameter,
        "must be a number",
    ),
]


@pytest.mark.parametrize(
    ("send", "code", "error_class", "details"),
    [pytest.param(*case[1:], id=case[0]) for case in REFUSALS],
)
async def test_the_double_refuses_what_the_cloud_api_refuses(
    graph, wa, send, code, error_class, details
):
    graph.user_text(ANA, "hola")

    error = await refused(send(wa))

    assert type(error) is error_class
    assert error.code == code and error.status_code == 400, error
    assert details in (error.details or ""), error.details
    assert graph.rejected[-1].error["code"] == code
    assert graph.sent(ANA) == []


async def test_the_error_json_is_graphs(graph, wa):
    graph.user_text(ANA, "hola")

    await refused(wa.send_message(ANA, "?", buttons=_buttons("A", "B", "C", "D")))

    answer = graph.rejected[-1].error
    assert answer["message"] == "(#131009) Parameter value is not valid"
    assert answer["type"] == "OAuthException"
    assert answer["error_data"]["messaging_product"] == "whatsapp"
    assert answer["fbtrace_id"].startswith("A")


async def test_a_wrong_token_is_refused_with_401_and_an_unknown_phone_id_with_100(graph):
    async with httpx.AsyncClient(transport=RedirectTransport(graph.base_url)) as session:
        intruder = WhatsApp(
            phone_id=graph.phone_id, token="EAAG-STOLEN", session=session, server=None
        )
        error = await refused(intruder.send_message(ANA, "hola"))
        assert isinstance(error, ExpiredAccessToken) and error.status_code == 401
        assert error.code == 190

    async with httpx.AsyncClient(transport=RedirectTransport(graph.base_url)) as session:
        client = WhatsApp(phone_id="999", token=graph.token, session=session, server=None)
        error = await refused(client.send_message(ANA, "hola"))
        assert error.code == 100 and "Unsupported post request" in error.message


# --------------------------------------------------------------------------------------
# The 24-hour customer service window
# --------------------------------------------------------------------------------------


async def test_free_form_messages_need_a_reply_from_the_customer_in_the_last_24_hours(
    graph, wa, now
):
    error = await refused(wa.send_message(LUIS, "¡Hola! ¿Se te antoja algo?"))
    assert isinstance(error, ReEngagementMessage) and error.code == 131047
    assert "more than 24 hours" in error.details

    graph.user_text(ANA, "hola")
    now.advance(DAY)
    await wa.send_message(ANA, "todavía a tiempo")
    assert graph.window_open(ANA)

    now.advance(1)
    assert not graph.window_open(ANA)
    for late in (
        wa.send_message(ANA, "¿sigues ahí?"),
        wa.send_message(ANA, "¿Confirmas?", buttons=_buttons("Sí")),
        wa.send_image(ANA, "https://cdn.example.com/a.jpg"),
        wa.send_location(ANA, 19.4, -99.1),
    ):
        assert (await refused(late)).code == 131047
    await wa.send_template(
        ANA, "order_update", TemplateLanguage.SPANISH, params=[BodyText.params("Ana", "#12")]
    )

    graph.user_text(ANA, "aquí estoy")
    await wa.send_message(ANA, "¡Qué bueno!")
    assert graph.texts(ANA) == ["todavía a tiempo", "[template order_update]", "¡Qué bueno!"]


# --------------------------------------------------------------------------------------
# Injected failures
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_class", "http_status", "message"),
    [
        (130429, RateLimitHit, 400, "(#130429) Rate limit hit"),
        (
            131056,
            TooManyMessages,
            400,
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        ),
        (131000, UnknownError, 500, "(#131000) Something went wrong"),
    ],
)
async def test_fail_next_answers_the_requested_graph_error_and_then_recovers(
    graph, wa, code, error_class, http_status, message
):
    update = graph.user_text(ANA, "hola")
    wamid = update["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    graph.fail_next(2, code=code)

    assert await wa.mark_message_as_read(wamid)  # read marks are not failed by default
    for _ in range(2):
        error = await refused(wa.send_message(ANA, "hola"))
        assert type(error) is error_class
        assert (error.code, error.status_code, error.message) == (code, http_status, message)
    await wa.send_message(ANA, "ahora sí")

    assert graph.texts(ANA) == ["ahora sí"]
    assert graph.rejected == []
    assert [c.injected for c in graph.calls if not c.ok] == [True, True]


class Ticks:
    """The double's rate clock (monotonic seconds), moved by the test."""

    def __init__(self) -> None:
        self.t = 500.0

    def __call__(self) -> float:
        return self.t


async def test_by_default_one_person_gets_a_burst_of_45_then_one_message_every_6_seconds(now):
    ticks = Ticks()
    async with GraphApiDouble(clock=now, rate_clock=ticks) as graph:
        session = httpx.AsyncClient(transport=RedirectTransport(graph.base_url))
        wa = WhatsApp(phone_id=graph.phone_id, token=graph.token, session=session, server=None)
        graph.user_text(ANA, "hola")
        graph.user_text("5215511111111", "hola")
        for n in range(45):
            await wa.send_message(ANA, f"{n}")
        error = await refused(wa.send_message(ANA, "45"))
        assert (type(error), error.code) == (TooManyMessages, 131056)
        await wa.send_message("5215511111111", "otra persona")  # a pair of its own
        ticks.t += 5.9
        assert (await refused(wa.send_message(ANA, "45"))).code == 131056
        ticks.t += 0.2  # 6 s after the burst: one more
        await wa.send_message(ANA, "45")
        assert len(graph.texts(ANA)) == 46
        assert [c.error["code"] for c in graph.rejected] == [131056, 131056]
        await session.aclose()


async def test_by_default_the_number_sends_80_messages_a_second(now):
    ticks = Ticks()
    async with GraphApiDouble(clock=now, rate_clock=ticks) as graph:
        session = httpx.AsyncClient(transport=RedirectTransport(graph.base_url))
        wa = WhatsApp(phone_id=graph.phone_id, token=graph.token, session=session, server=None)
        people = [f"52155100{n:05d}" for n in range(81)]
        for person in people:
            graph.user_text(person, "hola")
        for person in people[:80]:
            await wa.send_message(person, "aviso")
        error = await refused(wa.send_message(people[80], "aviso"))
        assert (type(error), error.code) == (RateLimitHit, 130429)
        ticks.t += 1.0
        await wa.send_message(people[80], "aviso")
        await session.aclose()


async def test_check_at_close_fails_on_undeclared_refusals_unanswered_taps_and_apologies(graph, wa):
    from tests.crash_guard import APOLOGY

    async def endpoint(request: web.Request) -> web.Response:
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", endpoint)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"

    graph.user_text(ANA, "hola")
    menu = await wa.send_message(ANA, "¿Qué quieres?", buttons=[Button("Carrito", "cart")])
    graph.check_at_close()
    tap = graph.user_presses_button(ANA, menu.id, "cart")
    await graph.post_webhook(url, tap, signature="sha256=forged")
    graph.check_at_close()  # a forged tap is owed nothing
    await graph.post_webhook(url, tap)
    with pytest.raises(AssertionError, match="never answered"):
        graph.check_at_close()
    await wa.send_message(ANA, "Tu carrito está vacío")
    graph.check_at_close()

    await refused(wa.send_message(LUIS, "hola"))  # outside the window: 131047
    with pytest.raises(AssertionError, match=r"refused calls: .*131047"):
        graph.check_at_close()
    graph.expect_rejections("131047", 1)
    graph.check_at_close()

    await wa.send_message(ANA, APOLOGY.format(ref="ABC123"))
    with pytest.raises(AssertionError, match="crash apology"):
        graph.check_at_close()
    await runner.cleanup()


# --------------------------------------------------------------------------------------
# Webhooks: signatures and payloads pywa accepts
# --------------------------------------------------------------------------------------


async def test_post_webhook_signs_the_exact_bytes_and_can_send_bad_or_no_signature(graph):
    seen: list[tuple[bytes, str | None]] = []

    async def endpoint(request: web.Request) -> web.Response:
        body = await request.read()
        header = request.headers.get("X-Hub-Signature-256")
        seen.append((body, header))
        if header is None:
            return web.Response(status=401)
        expected = "sha256=" + hmac.new(graph.app_secret.encode(), body, hashlib.sha256).hexdigest()
        return web.Response(status=200 if hmac.compare_digest(header, expected) else 403)

    app = web.Application()
    app.router.add_post("/hook", endpoint)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/hook"
    try:
        payload = graph.user_text(ANA, "¿Tienen piñas/mangos?", name="Ana Núñez")
        assert await graph.post_webhook(url, payload) == 200
        assert await graph.post_webhook(url, payload, signature="sha256=" + "0" * 64) == 403
        assert await graph.post_webhook(url, payload, signature=None) == 401
    finally:
        await runner.cleanup()

    body, header = seen[0]
    assert header == graph.signature(body)
    assert json.loads(body) == payload
    assert b"\\u00f1" in body and b"\\/" in body and body.isascii()  # escaped as Meta sends it
    reserialised = json.dumps(payload, ensure_ascii=False).encode()
    assert graph.signature(reserialised) != header
    assert [status for _, status in graph.webhook_deliveries] == [200, 403, 401]


async def test_pywa_validates_the_doubles_signature_and_refuses_forgeries(graph, receiver):
    payload = graph.user_text(ANA, "hola")

    assert await graph.post_webhook(receiver.url, payload, signature="sha256=" + "f" * 64) == 403
    assert await graph.post_webhook(receiver.url, payload, signature=None) == 401
    assert receiver.updates == []
    assert await graph.post_webhook(receiver.url, payload) == 200
    assert isinstance(receiver.updates[0], Message) and receiver.updates[0].text == "hola"
    assert await graph.verify_webhook(receiver.url, "verify-me") != (403, "Forbidden")
    status, text = await graph.verify_webhook(receiver.url, "verify-me")
    assert status == 200 and text.isdigit()
    assert (await graph.verify_webhook(receiver.url, "wrong"))[0] == 403


async def test_inbound_payloads_are_parsed_by_pywa(graph, wa, receiver):
    text = await deliver(graph, receiver, graph.user_text(ANA, "hola", name="Ana"))
    quoted = await deliver(graph, receiver, graph.user_text(ANA, "eso", context_wamid=text.id))
    location = await deliver(graph, receiver, graph.user_location(ANA, 19.43, -99.13))
    contact = await deliver(
        graph, receiver, graph.user_contacts(ANA, "+52 55 1111 2222", contact_name="Luis Pérez")
    )
    image = await deliver(graph, receiver, graph.user_image(ANA, caption="mi comprobante"))
    document = await deliver(graph, receiver, graph.user_document(ANA, filename="pago.pdf"))
    order = await deliver(
        graph,
        receiver,
        graph.user_order(
            ANA,
            [("TACO-PASTOR", 3, "18.50", "MXN"), ("AGUA-JAMAICA", 1, "25", "MXN")],
            text="sin cebolla",
        ),
    )

    assert text.text == "hola" and text.from_user.wa_id == ANA and text.from_user.name == "Ana"
    assert quoted.reply_to_message.id == text.id
    assert (location.location.latitude, location.location.longitude) == (19.43, -99.13)
    assert location.location.current_location
    assert contact.contacts[0].name.formatted_name == "Luis Pérez"
    assert contact.contacts[0].phones[0].wa_id == "525511112222"
    assert image.image.caption == "mi comprobante" and image.image.mime_type == "image/jpeg"
    assert document.document.filename == "pago.pdf"
    assert await image.image.get_bytes() == graph.media(image.image.id)[1]
    assert (await document.document.get_bytes()).startswith(b"%PDF")
    assert order.order.catalog_id == "CAT-1" and order.order.text == "sin cebolla"
    assert [(p.sku, p.quantity, p.price, p.currency) for p in order.order.products] == [
        ("TACO-PASTOR", 3, 18.5, "MXN"),
        ("AGUA-JAMAICA", 1, 25, "MXN"),
    ]
    assert order.order.total_price == 80.5
    raw_order = order.raw["entry"][0]["changes"][0]["value"]["messages"][0]
    assert raw_order["order"]["product_items"][0]["item_price"] == 18.5


async def test_status_updates_are_parsed_by_pywa(graph, wa, receiver):
    graph.user_text(ANA, "hola")
    sent = await wa.send_message(ANA, "¡Hola!", tracker="order:12")

    for status in ("sent", "delivered", "read"):
        update = await deliver(graph, receiver, graph.status_update(sent.id, status))
        assert isinstance(update, MessageStatus)
        assert update.id == sent.id and update.status.value == status
        assert update.from_user.wa_id == ANA and update.tracker == "order:12"

    failed = graph.status_update(sent.id, "failed", errors=[{"code": 131047}])
    value = failed["entry"][0]["changes"][0]["value"]
    assert "contacts" not in value  # as Meta sends failed statuses
    assert value["statuses"][0]["errors"][0]["title"] == "Re-engagement message"
    with pytest.raises(KeyError):  # pywa 4.5 cannot build a MessageStatus without contacts
        MessageStatus.from_update(wa, failed)

    update = await deliver(
        graph,
        receiver,
        graph.status_update(sent.id, "failed", errors=[{"code": 131047}], contacts=True),
    )
    assert update.status.value == "failed" and update.error.code == 131047
    with pytest.raises(AssertionError, match="sent no message"):
        graph.status_update("wamid.NOPE", "read")


async def test_a_quick_reply_on_a_template_reaches_pywa_as_a_callback_button(graph, wa, receiver):
    quick_reply = {
        "type": "button",
        "sub_type": "quick_reply",
        "index": "0",
        "parameters": [{"type": "payload", "payload": "reorder:12"}],
    }
    sent = await wa.send_template(
        LUIS,
        "order_update",
        TemplateLanguage.SPANISH,
        params=[BodyText.params("Luis", "#12"), quick_reply],
    )

    update = await deliver(graph, receiver, graph.user_presses_button(LUIS, sent.id, "reorder:12"))

    assert isinstance(update, CallbackButton) and update.data == "reorder:12"
    assert graph.window_open(LUIS)


# --------------------------------------------------------------------------------------
# Usernames: people known by business-scoped user id only
# --------------------------------------------------------------------------------------


async def test_a_hidden_phone_number_leaves_the_webhooks_and_pywa_replies_by_user_id(
    graph, wa, receiver
):
    async def echo(_: WhatsApp, message: Message) -> None:
        await message.reply_text("Recibido")

    wa.add_handlers(MessageHandler(echo))
    user_id = graph.hide_phone(ANA, "ana.compras")

    payload = graph.user_text(ANA, "hola")
    value = payload["entry"][0]["changes"][0]["value"]
    assert "from" not in value["messages"][0] and value["messages"][0]["from_user_id"] == user_id
    assert value["contacts"] == [
        {"profile": {"name": "Ana", "username": "ana.compras"}, "user_id": user_id}
    ]
    update = await deliver(graph, receiver, payload)

    assert update.from_user.wa_id is None and update.from_user.bsuid == user_id
    assert graph.last_sent(ANA)["recipient"] == user_id
    status = graph.status_update(graph.last_sent(ANA)["_wamid"], "read")["entry"][0]
    assert "recipient_id" not in status["changes"][0]["value"]["statuses"][0]
    graph.show_phone(ANA)
    assert (
        graph.user_text(ANA, "ya")["entry"][0]["changes"][0]["value"]["messages"][0]["from"] == ANA
    )


async def test_to_takes_a_phone_number_and_recipient_a_user_id_as_meta_documents(graph):
    graph.user_text(ANA, "hola")
    user_id = graph.bsuid(ANA)
    async with httpx.AsyncClient(base_url=graph.base_url) as client:

        async def send(**to: str) -> httpx.Response:
            body = {"messaging_product": "whatsapp", "type": "text", "text": {"body": "hola"}}
            headers = {"Authorization": f"Bearer {graph.token}"}
            return await client.post(
                f"/v21.0/{graph.phone_id}/messages", json={**body, **to}, headers=headers
            )

        assert (await send(to=user_id)).json()["error"]["code"] == 131009
        assert (await send(recipient=ANA)).json()["error"]["code"] == 131009
        by_user_id = (await send(recipient=user_id)).json()
        assert by_user_id["contacts"] == [{"input": user_id, "user_id": user_id}]
        both = (await send(to=ANA, recipient="MX.999")).json()  # `to` wins
        assert both["contacts"] == [{"input": ANA, "wa_id": ANA}]
    assert len(graph.sent(ANA)) == 2


async def test_a_payload_recorded_elsewhere_opens_the_window_of_its_senders(graph, wa):
    recorded = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": graph.waba_id,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "contacts": [{"profile": {"name": "Sofía"}, "user_id": "AR.150257"}],
                            "messages": [
                                {
                                    "from_user_id": "AR.150257",
                                    "id": "wamid.SOFIA1",
                                    "timestamp": "1793552400",
                                    "type": "text",
                                    "text": {"body": "hola"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    assert graph.received(recorded) == recorded

    await wa.send_message("AR.150257", "¡Hola, Sofía!")
    assert graph.texts("AR.150257") == ["¡Hola, Sofía!"]
    with pytest.raises(ReEngagementMessage):
        await wa.send_message(LUIS, "hola")  # never wrote
