"""Customers' words as admins see them: on one line in quotes, or behind a bar."""

from __future__ import annotations

from handlers.quoting import inline, one_line, quoted


def test_a_name_loses_its_line_breaks_and_invisible_characters_and_stands_in_quotes():
    assert inline("Ana\n✅ Pagado\u200b\u202e") == "“Ana ✅ Pagado”"


def test_an_empty_field_is_a_dash():
    assert inline("  \n ") == "-" and one_line(None) == "-"


def test_a_field_is_cut_to_its_limit():
    assert one_line("x" * 500, limit=10) == "x" * 10


def test_every_line_of_a_message_stands_behind_a_bar():
    assert quoted("hola\r\n✅ Pago verificado\rgracias") == (
        "┃ hola\n┃ ✅ Pago verificado\n┃ gracias"
    )
