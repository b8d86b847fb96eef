"""Webhook payloads as other software writes them (tests/data/payloads/: the Bot API's
and Meta's examples, and the shapes aiogram's and pywa's tests hold, older and newer API
versions included), each posted to the real webhook through the doubles: the person gets
the answer they would expect, or none when they asked for none; no exception is logged;
and every call the shop makes is one the real API accepts."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.telegram_driver import telegram_shop
from tests.e2e.whatsapp_driver import whatsapp_shop
from tests.telegram_double import SEND_EDIT_METHODS

pytestmark = pytest.mark.sqlite_only  # the conversation, not the store: see tests/conftest.py

PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "payloads"
CONTROL = "5215599990000"  # someone writing after a silent payload: the positive control
SILENT = None  # nothing sent to anyone (a Telegram button still stops spinning)

GREETING = "Te damos la bienvenida a Tienda Demo"
MENU = "¿Qué te gustaría hacer?"
CATEGORIES = "Elige una categoría"
NO_TEXT = "No me llegó ningún texto."
UNREADABLE = "No pude abrir ese mensaje. ¿Me lo envías de nuevo o me lo escribes?"
STALE = "Ese botón es de un mensaje anterior."
RECEIPT = "Gracias por el archivo."
NUMBER_SAVED = "Guardé tu número"
LOCATION = "te pediré la dirección"
FOUND = "Esto es lo que encontré"
NOT_SURE = "No estoy seguro de haberte entendido"

# Each Telegram payload -> a part of what the person reads next, or SILENT.
TELEGRAM: dict[str, str | None] = {
    # what people write
    "message_text": GREETING,
    "message_command_start": GREETING,
    "message_command_start_deep_link": "Vela de lavanda",
    "message_command_with_bot_username": "Esto es lo que puedes hacer",
    "message_command_unknown": "No conozco el comando /precios.",
    "message_text_entities_and_link_preview": FOUND,
    "message_text_reply_to_bot": "¿Qué estás buscando?",
    "message_text_forwarded_from_user": "Envío a Mérida",
    "message_text_forwarded_hidden_user": FOUND,
    "message_text_forwarded_from_channel": FOUND,
    "message_text_external_reply": NOT_SURE,
    "message_text_edited_in_private_before": "Envío:",
    "message_photo_with_caption": RECEIPT,
    "message_photo_in_album": RECEIPT,
    "message_document_pdf": RECEIPT,
    "message_animation_gif": NO_TEXT,  # a GIF comes with a "document" too: not a receipt
    "message_sticker_regular": NO_TEXT,
    "message_sticker_animated": NO_TEXT,
    "message_sticker_video_custom_emoji": NO_TEXT,
    "message_voice": NO_TEXT,
    "message_audio": NO_TEXT,
    "message_video": "Todavía no tienes pedidos para devolver.",  # its caption is read
    "message_video_note": NO_TEXT,
    "message_contact_own": NUMBER_SAVED,
    "message_contact_someone_else": NUMBER_SAVED,
    "message_location": LOCATION,
    "message_location_live": LOCATION,
    "message_venue": LOCATION,
    "message_dice": NO_TEXT,
    "message_poll": NO_TEXT,
    "message_poll_older_bot_api": NO_TEXT,  # aiogram's models can't read it whole
    "message_story": NO_TEXT,
    "message_checklist": NO_TEXT,
    "message_giveaway_forwarded": NO_TEXT,
    "message_successful_payment_unknown_order": "No encontré el pedido PED-ZZZZZ",
    "message_with_a_field_from_a_newer_bot_api": GREETING,
    "message_via_inline_bot": "Puedo ayudarte con la tienda",
    "message_from_another_bot": SILENT,
    "message_in_a_group_the_shop_does_not_serve": SILENT,
    "message_anonymous_group_admin": SILENT,
    # Telegram's notices in a chat
    "service_pinned_message": SILENT,
    "service_auto_delete_timer_changed": SILENT,
    "service_chat_background_set": SILENT,
    "service_write_access_allowed": SILENT,
    "service_users_shared": SILENT,
    "service_web_app_data": SILENT,
    "service_refunded_payment": SILENT,
    "service_gift_received": SILENT,
    "service_new_chat_members": SILENT,
    "service_left_chat_member": SILENT,
    "service_migrate_to_supergroup": SILENT,
    "service_proximity_alert": SILENT,
    # buttons and payments
    "callback_query_main_menu": MENU,
    "callback_query_unknown_data": STALE,
    "callback_query_inaccessible_message": CATEGORIES,
    "callback_query_inline_message": SILENT,  # the shop sends no inline messages
    "callback_query_game": STALE,
    "pre_checkout_query_unknown_order": "Este pedido ya no existe.",
    # kinds the shop doesn't ask for (Telegram may still send them for a while)
    "edited_message": SILENT,
    "channel_post": SILENT,
    "edited_channel_post": SILENT,
    "business_connection": SILENT,
    "business_message": SILENT,
    "edited_business_message": SILENT,
    "deleted_business_messages": SILENT,
    "message_reaction": SILENT,
    "message_reaction_count": SILENT,
    "inline_query": SILENT,
    "chosen_inline_result": SILENT,
    "shipping_query": SILENT,
    "poll": SILENT,
    "poll_older_bot_api": SILENT,
    "poll_answer": SILENT,
    "my_chat_member_blocked": SILENT,
    "my_chat_member_added_to_group": SILENT,
    "chat_member": SILENT,
    "chat_join_request": SILENT,
    "chat_boost": SILENT,
    "removed_chat_boost": SILENT,
    "purchased_paid_media": SILENT,
    "update_of_a_kind_from_a_newer_bot_api": SILENT,
}

# Each WhatsApp payload -> a part of what each person in it reads next, or SILENT.
WHATSAPP: dict[str, str | None] = {
    # what people write
    "text": GREETING,
    "text_phone_only_before_user_ids": GREETING,
    "text_username_only": FOUND,  # answered by user id: no phone number is known
    "text_with_parent_user_id": CATEGORIES,
    "text_with_identity_key_hash": "Nuestro horario",
    "text_reply_to_an_unknown_message": NOT_SURE,
    "text_forwarded": NOT_SURE,
    "text_frequently_forwarded": NOT_SURE,
    "text_from_a_click_to_whatsapp_ad": GREETING,
    "text_two_people_in_one_payload": GREETING,
    "text_missing_body": NO_TEXT,
    "image_with_caption": RECEIPT,
    "document_pdf": RECEIPT,
    "audio": NO_TEXT,
    "voice_note": NO_TEXT,
    "video": NO_TEXT,
    "sticker": NO_TEXT,
    "sticker_animated": NO_TEXT,
    "location": LOCATION,
    "location_named_place": LOCATION,
    "location_without_coordinates": NO_TEXT,
    "contacts_several_cards": NUMBER_SAVED,
    "contacts_card_without_phone": NO_TEXT,
    "contacts_request_reply": NUMBER_SAVED,
    "order": "Taza de talavera cuesta $189.00 MXN ahora",
    "order_malformed_prices_and_quantities": "Puse tu pedido del catálogo en tu carrito.",
    "order_without_items": NO_TEXT,
    "button_template_quick_reply": STALE,
    "interactive_button_reply": MENU,
    "interactive_list_reply": CATEGORIES,
    "interactive_stale_button_reply": STALE,
    "interactive_flow_reply": STALE,
    "interactive_without_its_reply_error_131000": STALE,
    "interactive_unsupported_with_errors": STALE,
    "unsupported_message_type": UNREADABLE,
    "unsupported_poll": UNREADABLE,
    "unsupported_media_unavailable": UNREADABLE,
    "message_type_from_a_newer_api": UNREADABLE,
    "request_welcome": GREETING,
    # asking for no answer
    "unsupported_edit": SILENT,
    "unsupported_pin": SILENT,
    "reaction": SILENT,
    "reaction_removed": SILENT,
    "edit": SILENT,
    "revoke": SILENT,
    "deleted_older_api": SILENT,
    "system_user_changed_number": SILENT,
    "system_user_changed_user_id": SILENT,
    "system_customer_identity_changed": SILENT,
    "message_in_a_group": SILENT,
    "message_from_nobody": SILENT,
    # receipts for messages the shop sent
    "status_sent": SILENT,
    "status_delivered": SILENT,
    "status_read": SILENT,
    "status_played": SILENT,
    "status_failed_re_engagement": SILENT,
    "status_failed_undeliverable_no_user_id": SILENT,
    "status_failed_without_errors": SILENT,
    "status_for_a_username_user": SILENT,
    "status_with_biz_opaque_callback_data": SILENT,
    "statuses_batch": SILENT,
    # errors and the webhook's other fields
    "value_level_error": SILENT,
    "account_update": SILENT,
    "message_template_status_update": SILENT,
    "template_category_update": SILENT,
    "phone_number_quality_update": SILENT,
    "user_preferences_marketing_stop": SILENT,
    "calls_connect": SILENT,
    "smb_message_echoes": SILENT,
    "another_object": SILENT,
    "malformed_entry": SILENT,
}


def payload(channel: str, name: str) -> dict:
    return json.loads((PAYLOADS / channel / f"{name}.json").read_text(encoding="utf-8"))


class ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged_errors() -> Iterator[list[logging.LogRecord]]:
    """ERROR records of every logger (uvicorn's own do not reach the root logger)."""
    handler = ErrorRecords()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


def test_every_payload_file_has_its_expected_answer():
    for channel, table in (("telegram", TELEGRAM), ("whatsapp", WHATSAPP)):
        files = {path.stem for path in (PAYLOADS / channel).glob("*.json")}
        assert files == set(table), channel


def telegram_chat(update: dict) -> int:
    """The private chat the person who sent this update reads."""
    content = next(value for key, value in update.items() if key != "update_id")
    chat = (content.get("message") or content).get("chat") or {}
    return chat.get("id") or content.get("from", {}).get("id")


@pytest.mark.parametrize("name", sorted(TELEGRAM))
async def test_a_telegram_payload_gets_its_answer_or_none(demo_shop, logged_errors, name):
    async with telegram_shop(demo_shop, "webhook") as tg:
        update = tg.double.received(payload("telegram", name))
        before = len(tg.double.calls)

        status = await tg.double.post_update(update, despite_allowed_updates=True)
        await tg.channel.drain()

        assert status == 200
        assert [r.getMessage() for r in logged_errors] == []
        assert [(c.method, c.error) for c in tg.double.rejected] == []
        made = [c for c in tg.double.calls[before:] if c.ok]
        if TELEGRAM[name] is SILENT:
            assert [c.method for c in made if c.method in SEND_EDIT_METHODS] == []
            assert tg.double.pre_checkout_answers == {}
            # The control: its sender (or anyone) writing next gets exactly one answer.
            sender = telegram_sender(update) or 5001
            await tg.deliver(tg.double.user_says(sender, "/start"))
            assert len(tg.double.messages(sender)) == 1
        else:
            read = tg.double.texts(telegram_chat(update))
            read += [answer[1] or "" for answer in tg.double.pre_checkout_answers.values()]
            assert TELEGRAM[name] in "\n".join(read)


def telegram_sender(update: dict) -> int | None:
    """The person who sent this update, when it names one."""
    content = next(value for key, value in update.items() if key != "update_id")
    sender = content.get("from") if isinstance(content, dict) else None
    user_id = sender.get("id") if isinstance(sender, dict) else None
    return user_id if isinstance(user_id, int) and user_id > 0 else None


def whatsapp_senders(body: dict) -> list[str]:
    """Who sent the messages of this payload: phone number, else user id."""
    return [
        message.get("from") or message.get("from_user_id")
        for entry in body.get("entry", [])
        for change in entry.get("changes", [])
        for message in (change.get("value") or {}).get("messages", [])
    ]


@pytest.mark.parametrize("name", sorted(WHATSAPP))
async def test_a_whatsapp_payload_gets_its_answer_or_none(demo_shop, logged_errors, name):
    async with whatsapp_shop(demo_shop) as wa:
        body = wa.double.received(payload("whatsapp", name))

        status = await wa.deliver(body)

        assert status == 200
        assert [r.getMessage() for r in logged_errors] == []
        assert [(c.path, c.error) for c in wa.double.rejected] == []
        sent = [c for c in wa.double.calls if c.ok and c.path.endswith("/messages")]
        if WHATSAPP[name] is SILENT:
            assert sent == []
            # The control: a person writing next gets exactly one answer.
            assert await wa.deliver(wa.double.user_text(CONTROL, "Hola")) == 200
            assert len(wa.double.sent(CONTROL)) == 1
        else:
            senders = whatsapp_senders(body)
            assert senders
            for sender in senders:
                assert WHATSAPP[name] in "\n".join(wa.double.texts(sender)), sender


async def test_polling_goes_on_past_an_update_the_models_cannot_read_whole(demo_shop):
    """getUpdates answers a batch; one update in an older Bot API shape must neither stop
    the polling nor keep the others from being answered."""
    older_poll = payload("telegram", "message_poll_older_bot_api")["message"]["poll"]
    async with telegram_shop(demo_shop, "polling") as tg:
        tg.double.user_sends(5001, {"poll": older_poll})
        update = tg.double.user_says(5001, "hola")
        await tg.deliver(update)

        read = "\n".join(tg.double.texts(5001))
        assert NO_TEXT in read and GREETING in read
        assert tg.double.rejected == []
