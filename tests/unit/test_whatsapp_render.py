"""Replies planned within WhatsApp's limits."""

from __future__ import annotations

from bot.whatsapp.render import (
    BODY_LIMIT,
    BUTTON_TITLE,
    ROW_DESCRIPTION,
    ROW_TITLE,
    ROWS,
    list_page,
    plan,
)
from handlers.i18n import Translator
from handlers.types import Button, Reply

T = Translator("es")


def reply(text: str, labels: list[str]) -> Reply:
    return Reply(text, [[Button(label, f"p:{n}")] for n, label in enumerate(labels)])


def test_up_to_three_short_options_are_reply_buttons():
    planned = plan(reply("¿Qué quieres hacer?", ["Catálogo", "Mi carrito", "Ayuda"]), T)
    [message] = planned.messages
    assert message.kind == "buttons"
    assert [o[0] for o in message.options] == ["Catálogo", "Mi carrito", "Ayuda"]
    assert planned.menu is None


def test_a_title_over_20_characters_makes_it_a_list_with_full_titles_in_descriptions():
    long_label = "Camisa azul (M) · $349.00 MXN"
    [message] = plan(reply("Ropa", [long_label, "Volver"]), T).messages
    assert message.kind == "list"
    title, payload, description = message.options[0]
    assert len(title) <= ROW_TITLE and description == long_label
    assert payload == "p:0"
    assert len(message.list_button) <= BUTTON_TITLE


def test_more_than_ten_options_page_with_a_more_row_and_remember_the_menu():
    labels = [f"Producto {n}" for n in range(23)]
    planned = plan(reply("Catálogo", labels), T)
    [first] = planned.messages
    assert len(first.options) == ROWS
    assert first.options[-1][1] == "wmore:9"
    assert planned.menu == ("list", [[label, f"p:{n}"] for n, label in enumerate(labels)])
    second = list_page([(label, f"p:{n}") for n, label in enumerate(labels)], 9, T, "Más")
    assert [o[1] for o in second.options] == [f"p:{n}" for n in range(9, 18)] + ["wmore:18"]
    third = list_page([(label, f"p:{n}") for n, label in enumerate(labels)], 18, T, "Más")
    assert [o[1] for o in third.options] == [f"p:{n}" for n in range(18, 23)]


def test_options_too_long_for_any_row_become_a_numbered_text_menu():
    huge = "x" * (ROW_TITLE + ROW_DESCRIPTION + 1)
    planned = plan(reply("Elige", [huge, "Otra"]), T)
    text = "\n".join(m.body for m in planned.messages)
    assert all(m.kind == "text" for m in planned.messages)
    assert f"1. {huge}" in text and "2. Otra" in text
    assert "Responde con el número de tu elección." in text
    assert planned.menu == ("numbered", [[huge, "p:0"], ["Otra", "p:1"]])


def test_a_body_over_1024_characters_goes_first_as_text_then_a_short_question():
    planned = plan(reply("y" * (BODY_LIMIT + 10), ["Sí", "No"]), T)
    kinds = [m.kind for m in planned.messages]
    assert kinds == ["text", "buttons"]
    assert planned.messages[1].body == "Elige una opción:"


def test_duplicate_payloads_are_sent_once_since_whatsapp_refuses_repeated_ids():
    doubled = Reply("Hola", [[Button("Uno", "x")], [Button("Otra vez uno", "x")]])
    [message] = plan(doubled, T).messages
    assert [o[1] for o in message.options] == ["x"]
