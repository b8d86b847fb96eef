"""The WhatsApp channel (pywa, Cloud API): webhook payloads -> Incoming, Replies ->
messages within WhatsApp's limits (bot/whatsapp/render.py).

Each inbound message is written to the inbox under its wamid before it is handled, so a
repeated delivery is handled once, also after a restart. Status webhooks (sent,
delivered, read, failed) are recorded on the outbox row the message came from. Outside
the 24-hour customer-service window notifications go as an approved template, because
WhatsApp refuses free text then.

A message names its sender by phone number, by business-scoped user id (BSUID), or both
(a person with a username may hide their number). The shop knows each person by one id
(customers.person_key: their phone number if the first message had one) and answers to
it: pywa sends a phone number as `to` and a BSUID as `recipient`, as the Cloud API wants.

Whatever the payload holds, a message from a person gets an answer or, when it asks for
none (a reaction, an edit, a deletion, a system notice), nothing; never an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import httpx
from pywa.errors import WhatsAppError
from pywa_async import WhatsApp
from pywa_async.types import Button, Section, SectionList, SectionRow, URLButton
from pywa_async.types.templates import TemplateLanguage

from bot.background import Background
from bot.dispatcher import PermanentFailure, Pieces, TemporaryFailure
from bot.metrics import DUPLICATE, IGNORED, updates_of
from bot.ratelimit import RateLimiter
from bot.signatures import hmac_sha256_matches, token_matches
from bot.whatsapp import CAPABILITIES
from bot.whatsapp.render import MORE, Outgoing, list_page, plan
from bot.whatsapp.settings import WhatsAppSettings
from core.domain.errors import InvalidAmount
from core.domain.money import Money
from core.services import customers, inbox, log_context, outbox
from core.services.context import Shop
from handlers.conversation import Conversation
from handlers.i18n import Translator
from handlers.payloads import menu_number, whole_number
from handlers.types import Attachment, Incoming, Location, OrderedItem, Reply

log = logging.getLogger("pedidos.whatsapp")

CHANNEL = "whatsapp"
# Messages that ask for no answer: a reaction to one of ours (a 👍, or taking one
# back), an edit or deletion of an earlier message, WhatsApp's own notices (a number
# or user id changed), and the Cloud API's older names for those.
SILENT_KINDS = {"reaction", "edit", "revoke", "deleted", "system"}
# An "unsupported" message's unsupported.type that is an action on the chat, not
# something the person sent us (https://developers.facebook.com/documentation/
# business-messaging/whatsapp/webhooks/reference/messages/unsupported).
SILENT_UNSUPPORTED = {"edit", "pin", "keep_in_chat", "poll_update", "reaction", "revoke"}
# A tap WhatsApp could not pass on: answered like a button from an older message.
UNREADABLE_TAPS = {"button", "list", "interactive"}
# What a person sends that holds nothing the shop reads (no text): said so.
NO_TEXT_KINDS = {"audio", "video", "sticker"}
GRAPH = "https://graph.facebook.com"
WINDOW = timedelta(hours=24)
RATE_LIMITED = {4, 80007, 130429, 131056}  # try again later
SERVER_TROUBLE = {1, 2, 131000, 131016}


class GraphError(Exception):
    """A Graph API refusal (code and message), safe to pass around."""

    def __init__(self, code: int | None, text: str) -> None:
        super().__init__(text)
        self.code = code


class RedirectTransport(httpx.AsyncBaseTransport):
    """Sends every request to another server (WHATSAPP_API_URL), keeping path and query:
    pywa always builds graph.facebook.com URLs."""

    def __init__(self, base_url: str) -> None:
        self.base = httpx.URL(base_url)
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self.base.scheme, host=self.base.host, port=self.base.port
        )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def make_client(phone_id: str, token: str, api_url: str) -> WhatsApp:
    transport = None if api_url.rstrip("/") == GRAPH else RedirectTransport(api_url)
    session = httpx.AsyncClient(transport=transport, timeout=30)
    return WhatsApp(phone_id=phone_id, token=token, session=session, server=None)


class WhatsAppChannel:
    channel = CHANNEL

    def __init__(
        self, shop: Shop, settings: WhatsAppSettings, *, client: WhatsApp | None = None
    ) -> None:
        self.shop = shop
        self.settings = settings
        self.client = client or make_client(
            settings.whatsapp_phone_id, settings.whatsapp_token, settings.whatsapp_api_url
        )
        self.conversation = Conversation(shop, CAPABILITIES)
        self.limiter = RateLimiter(
            settings.whatsapp_per_user_per_second, settings.whatsapp_global_per_second
        )
        self.background = Background()
        self.metrics = updates_of(shop)  # /metrics counts each update by outcome

    # -- the webhook's checks --------------------------------------------------------------

    def verify(self, mode: str | None, token: str | None, challenge: str | None) -> str | None:
        """The challenge to echo when Meta registers the webhook with our verify token."""
        expected = self.settings.whatsapp_verify_token
        if mode == "subscribe" and token_matches(token, expected):
            return challenge or ""
        return None

    def signed(self, body: bytes, header: str | None) -> bool:
        """Signed with our app secret; with no secret set, nothing is."""
        secret = self.settings.whatsapp_app_secret
        return hmac_sha256_matches(secret, body, header, prefix="sha256=")

    # -- receiving -------------------------------------------------------------------------

    async def accept(self, payload: dict) -> list[dict]:
        """Write down each new message of a webhook payload; record delivery statuses.
        Returns the messages to handle (repeats are left out)."""
        fresh = []
        for value in _values(payload):
            contacts = _dicts(value.get("contacts"))
            for message in _dicts(value.get("messages")):
                event = await self.note(message, contacts)
                if event is None:
                    self.metrics.count(CHANNEL, IGNORED)
                elif await inbox.receive(
                    self.shop, CHANNEL, str(message["id"]), event["person"], event
                ):
                    fresh.append(event)
                else:
                    self.metrics.count(CHANNEL, DUPLICATE)
            for status in _dicts(value.get("statuses")):
                await self.record_status(status)
        return fresh

    async def note(self, message: dict, contacts: list[dict]) -> dict | None:
        """The event to write down for one message: the message, the sender's profile
        name and the id the shop knows them by. None for a message from nobody we can
        answer (no id at all, a group's message, no message id)."""
        phone, user_id, name = _sender(message, contacts)
        if not message.get("id") or message.get("group_id"):
            return None  # the shop talks to people one to one
        person = await customers.person_key(self.shop, CHANNEL, [phone, user_id])
        if not person:
            log.warning("whatsapp message %s names no sender we can answer", message["id"])
            return None
        return {"message": message, "name": name, "person": person}

    def schedule(self, event: dict) -> None:
        """Handle after answering the webhook (the answer must not wait for it)."""
        self.background.spawn(self.handle_event(event))

    async def drain(self) -> None:
        await self.background.drain()

    async def resume_unhandled(self, older_than: timedelta | None = None) -> None:
        """Handle what was received but not finished (a worker died), person by person."""
        for wa_id in await inbox.waiting_people(self.shop, CHANNEL, older_than=older_than):
            await inbox.handle_waiting(self.shop, CHANNEL, wa_id, self._handle_stored)

    async def handle_event(self, event: dict) -> None:
        """Handle this message and any earlier one of the same person still waiting, in
        order, while holding that person's lock (in every worker)."""
        await inbox.handle_waiting(self.shop, CHANNEL, _person_of(event), self._handle_stored)

    async def _handle_stored(self, event: dict) -> None:
        with self.metrics.handling(CHANNEL):  # timed, and counted with its outcome
            person = _person_of(event)
            incoming = await self.to_incoming(event["message"], event.get("name", ""), person)
            if incoming is not None:
                await self.answer(person, incoming)

    async def to_incoming(self, message: dict, name: str, wa_id: str) -> Incoming | None:
        """What the person's message means to the conversation; None when it asks for
        no answer (or was answered here: the next page of a long list)."""
        base: dict[str, Any] = {
            "channel": CHANNEL,
            "user_id": wa_id,
            "chat_id": wa_id,
            "name": name,
        }
        kind = message.get("type") if isinstance(message.get("type"), str) else ""
        content = _dict(message.get(kind))
        if kind in SILENT_KINDS:
            return None
        if kind == "request_welcome":  # the person opened the chat for the first time
            return Incoming(**base, opened=True)
        if kind == "unsupported":
            what = str(content.get("type", ""))
            if what in SILENT_UNSUPPORTED:
                return None
            if what in UNREADABLE_TAPS:
                return Incoming(**base, payload="")
            return Incoming(**base, unreadable=True)  # a poll, media WhatsApp lost...
        if kind == "interactive":
            # Without its reply (WhatsApp's error 131000) the tap is answered like a
            # button from an older message: where we are, and the question again.
            reply = _dict(content.get("button_reply")) or _dict(content.get("list_reply"))
            payload = str(reply.get("id") or "")
            if payload.startswith(MORE + ":"):
                await self.more_options(wa_id, whole_number(payload.partition(":")[2]))
                return None
            return Incoming(**base, payload=payload)
        if kind == "button":  # a template's quick-reply button
            return Incoming(**base, payload=str(content.get("payload") or ""))
        if kind == "location":
            spot = _location(content)
            return Incoming(**base, location=spot) if spot else Incoming(**base, text="")
        if kind == "contacts":
            phone = _first_phone(message.get("contacts"))  # a card may have no number
            return Incoming(**base, contact_phone=phone) if phone else Incoming(**base, text="")
        if kind in ("image", "document"):
            return Incoming(
                **base,
                attachment=Attachment(
                    "photo" if kind == "image" else "document",
                    str(content.get("id") or ""),
                    str(content.get("caption") or ""),
                ),
            )
        if kind == "order":
            return Incoming(**base, catalog_order=_ordered_items(content))
        if kind == "text":
            text = str(content.get("body") or "")
            chosen = await self.numbered_choice(wa_id, text)
            if chosen is not None:
                return Incoming(**base, payload=chosen)
            ref = ""
            quoted = _dict(message.get("context")).get("id")
            if quoted:
                ref = await inbox.ref_of(self.shop, CHANNEL, wa_id, str(quoted)) or ""
            return Incoming(**base, text=text, reply_ref=ref)
        if kind in NO_TEXT_KINDS:
            return Incoming(**base, text="")  # "I didn't get any text"
        return Incoming(**base, unreadable=True)  # a kind newer than this code

    async def numbered_choice(self, wa_id: str, text: str) -> str | None:
        """A number typed in answer to a numbered text menu."""
        number = menu_number(text)
        if number is None:
            return None
        menu = await inbox.load_menu(self.shop, CHANNEL, wa_id)
        if menu is None or menu[0] != "numbered":
            return None
        options = menu[1]
        return options[number - 1][1] if 1 <= number <= len(options) else None

    async def more_options(self, wa_id: str, start: int | None) -> None:
        """The next page of the person's open list; the menu for a stale "more" row."""
        menu = await inbox.load_menu(self.shop, CHANNEL, wa_id)
        t = await self.translator(wa_id)
        if menu is None or menu[0] != "list" or start is None or not 0 <= start < len(menu[1]):
            await self.answer(wa_id, Incoming(CHANNEL, wa_id, wa_id, payload="m"))
            return
        options = [(label, payload) for label, payload in menu[1]]
        page = list_page(options, start, t, t.gettext("More options:"))
        log_context.note_outcome("answered")  # the list's next page, sent from here
        await self.send_outgoing(wa_id, [page], paced=False)

    async def record_status(self, status: dict) -> None:
        """A receipt for a message we sent (sent, delivered, read, failed), kept on the
        outbox row it came from. A person without a phone number is named by BSUID."""
        ids = [str(status.get("recipient_id") or ""), str(status.get("recipient_user_id") or "")]
        person = await customers.person_key(self.shop, CHANNEL, ids, remember=False)
        ref = await inbox.ref_of(self.shop, CHANNEL, person, str(status.get("id", "")))
        number = ref.partition(":")[2] if ref and ref.startswith("outbox:") else ""
        if number.isdecimal():
            errors = _dicts(status.get("errors")) or [{}]
            error = f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip()
            delivery = str(status.get("status") or "")
            await outbox.record_delivery(self.shop, int(number), delivery, error)

    async def answer(self, wa_id: str, incoming: Incoming) -> None:
        replies = await self.conversation.handle(incoming)
        if replies:
            await self.send(wa_id, replies, paced=False, answering=True)

    async def translator(self, wa_id: str) -> Translator:
        person = await customers.identify(self.shop, CHANNEL, wa_id)
        locale = person.locale or self.shop.settings.default_locale
        return Translator(locale, self.shop.settings.store_country)

    # -- sending ---------------------------------------------------------------------------

    async def send(
        self,
        wa_id: str,
        replies: list[Reply],
        *,
        paced: bool,
        answering: bool = False,
        pieces: Pieces | None = None,
    ) -> None:
        """answering: these answer the person's message, so a typed number from now on
        means an option of these replies' menu, or of none (not of an older one)."""
        t = (
            Translator(replies[0].locale, self.shop.settings.store_country)
            if replies and replies[0].locale
            else await self.translator(wa_id)
        )
        menu_saved = False
        for reply in replies:
            planned = plan(reply, t)
            if planned.menu is not None:
                await inbox.save_menu(self.shop, CHANNEL, wa_id, *planned.menu)
                menu_saved = True
            await self.send_outgoing(wa_id, planned.messages, paced=paced, pieces=pieces)
        if answering and not menu_saved:
            await inbox.forget_menu(self.shop, CHANNEL, wa_id)

    async def send_outgoing(
        self, wa_id: str, messages: list[Outgoing], *, paced: bool, pieces: Pieces | None = None
    ) -> None:
        """Each message is a piece of `pieces` (an outbox row's): one an earlier attempt
        sent is skipped, with no turn taken."""
        pieces = pieces or Pieces()
        for message in messages:
            sent = await pieces.send(lambda m=message: self._send_in_turn(wa_id, m, paced))
            if sent is not None and message.ref:
                await inbox.remember_message(self.shop, CHANNEL, wa_id, sent, message.ref)

    async def _send_in_turn(self, wa_id: str, message: Outgoing, paced: bool) -> str:
        await self.limiter.wait(wa_id, paced=paced)
        return await self._send_one(wa_id, message)

    async def _send_one(self, wa_id: str, message: Outgoing) -> str:
        try:
            return await self._call(wa_id, message)
        except WhatsAppError as error:
            # pywa's errors are frozen dataclasses that break when they cross a context
            # manager: turn them into a plain exception right here.
            raise GraphError(error.code, f"{error.code} {error.message}") from None

    async def _call(self, wa_id: str, message: Outgoing) -> str:
        client = self.client
        if message.kind == "text":
            result = await client.send_message(wa_id, message.body)
        elif message.kind == "buttons":
            buttons = [Button(title=title, callback_data=pid) for title, pid, _d in message.options]
            result = await client.send_message(wa_id, message.body, buttons=buttons)
        elif message.kind == "list":
            rows = [
                SectionRow(title=title, callback_data=pid, description=desc or None)
                for title, pid, desc in message.options
            ]
            sections = SectionList(
                button_title=message.list_button,
                sections=[Section(title=message.section_title, rows=rows)],
            )
            result = await client.send_message(wa_id, message.body, buttons=sections)
        elif message.kind == "link":
            assert message.link is not None
            title, url = message.link
            result = await client.send_message(
                wa_id, message.body, buttons=URLButton(title=title, url=url)
            )
        elif message.kind == "image":
            result = await client.send_image(wa_id, message.image_url, caption=message.body or None)
        else:
            assert message.document is not None
            filename, content, mime = message.document
            result = await client.send_document(
                wa_id, content, filename=filename, caption=message.body or None, mime_type=mime
            )
        return str(result.id)

    async def deliver(self, address: str, replies: list[Reply], pieces: Pieces) -> None:
        """The dispatcher's Sender: inside the 24-hour window as normal messages (each
        one a piece), outside it as the approved template (one piece). A retry after
        the window closed on a row partly sent goes on with normal messages, which
        WhatsApp then refuses (the row fails with why) rather than repeat the start."""
        try:
            last = await inbox.last_message_at(self.shop, CHANNEL, address)
            if pieces.done or (last is not None and self.shop.now() - last < WINDOW):
                await self.send(address, replies, paced=True, pieces=pieces)
            else:
                await self.send_template(address, replies, pieces)
        except GraphError as error:
            if error.code in RATE_LIMITED or error.code in SERVER_TROUBLE:
                raise TemporaryFailure(str(error)) from None
            raise PermanentFailure(str(error)) from None
        except (httpx.TransportError, TimeoutError) as error:
            raise TemporaryFailure(str(error)) from error

    async def send_template(
        self, wa_id: str, replies: list[Reply], pieces: Pieces | None = None
    ) -> None:
        settings = self.settings
        t = await self.translator(wa_id)
        language = settings.whatsapp_template_languages.get(t.locale) or next(
            iter(settings.whatsapp_template_languages.values())
        )
        # A template parameter may not hold line breaks or long runs of spaces. A link
        # is written out whole at the end (the template has no button for it).
        links = _one_line(f"{r.link.label}: {r.link.url}" for r in replies if r.link)
        words = _one_line(line for r in replies for line in r.text.splitlines())
        words = words[: max(0, 1000 - len(links) - 3)] if links else words[:1000]
        text = " · ".join(part for part in (words, links) if part)

        async def send() -> str:
            await self.limiter.wait(wa_id, paced=True)
            try:
                sent = await self.client.send_template(
                    wa_id,
                    name=settings.whatsapp_template_name,
                    language=TemplateLanguage(language),
                    params=[
                        {"type": "body", "parameters": [{"type": "text", "text": text or "-"}]}
                    ],
                )
            except WhatsAppError as error:
                raise GraphError(error.code, f"{error.code} {error.message}") from None
            return str(sent.id)

        sent = await (pieces or Pieces()).send(send)
        ref = next((r.ref for r in replies if r.ref), "")
        if ref and sent is not None:
            await inbox.remember_message(self.shop, CHANNEL, wa_id, sent, ref)

    async def close(self) -> None:
        await self.drain()


def _one_line(lines: Iterable[str]) -> str:
    return " · ".join(" ".join(line.split()) for line in lines if line.strip())


def _values(payload: object) -> list[dict]:
    """The values of a payload's "messages" changes (the other fields, such as
    account_update or message_template_status_update, ask nothing of a shop)."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return []
    return [
        _dict(change.get("value"))
        for entry in _dicts(payload.get("entry"))
        for change in _dicts(entry.get("changes"))
        if change.get("field") == "messages"
    ]


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict]:
    """The objects of a JSON array; anything else in it, or no array, is left out."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _sender(message: dict, contacts: list[dict]) -> tuple[str, str, str]:
    """(phone number, BSUID, profile name) of a message's sender; the message names one
    or both, its contact entry may name the other."""
    phone = str(message.get("from") or "")
    user_id = str(message.get("from_user_id") or "")
    contact = next(
        (
            c
            for c in contacts
            if (phone and c.get("wa_id") == phone) or (user_id and c.get("user_id") == user_id)
        ),
        contacts[0] if len(contacts) == 1 else {},
    )
    phone = phone or str(contact.get("wa_id") or "")
    user_id = user_id or str(contact.get("user_id") or "")
    return phone, user_id, str(_dict(contact.get("profile")).get("name") or "")


def _person_of(event: dict) -> str:
    # Events written before issue #13 named the person by phone number only.
    return str(event.get("person") or event["message"].get("from", ""))


def _location(spot: dict) -> Location | None:
    latitude, longitude = spot.get("latitude"), spot.get("longitude")
    try:
        point = Location(float(latitude), float(longitude))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
        return None  # also NaN
    return point


def _first_phone(cards: object) -> str:
    """The first phone number on the first shared contact card ("" when none)."""
    for card in _dicts(cards):
        for phone in _dicts(card.get("phones")):
            return str(phone.get("phone") or phone.get("wa_id") or "")
        return ""
    return ""


def _ordered_items(order: dict) -> tuple[OrderedItem, ...]:
    """The lines of a catalog order; a price that can't be read counts as 0 (the cart
    takes our prices anyway, and says so) and a quantity that can't as 1."""
    items = []
    for item in _dicts(order.get("product_items")):
        currency = str(item.get("currency") or "").upper()[:3]
        items.append(
            OrderedItem(
                str(item.get("product_retailer_id") or ""),
                _quantity(item.get("quantity")),
                _price(item.get("item_price"), currency),
                currency,
            )
        )
    return tuple(items)


def _price(value: object, currency: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        amount = Money.from_major(str(value), currency or "XXX").amount
    except InvalidAmount:
        return 0
    return max(amount, 0)


def _quantity(value: object) -> int:
    whole_float = isinstance(value, float) and value.is_integer()
    if whole_float or (isinstance(value, str) and value.strip().isdecimal()):
        value = int(value)  # type: ignore[arg-type]
    if isinstance(value, bool) or not isinstance(value, int):
        return 1
    return value if value > 0 else 1
