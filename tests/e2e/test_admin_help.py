"""The admin's /ayuda is written from the command catalogue (handlers/commands.py)."""

from __future__ import annotations

import re

import pytest

from handlers import commands
from handlers.commands import Audience
from tests.e2e.chat_driver import ChatDriver


@pytest.mark.parametrize("locale", ["es", "en"])
async def test_the_admins_help_names_every_admin_command(demo_shop, locale: str) -> None:
    """/ayuda is written from the catalogue's help lines: each admin command is in it."""
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale=locale)
    await admin.open()
    shown = await admin.type("/ayuda")
    names = set(re.findall(r"/([a-z_]+)", shown))
    missing = [
        command.es[0]
        for command in commands.CATALOGUE
        if command.audience is Audience.ADMIN and command.action != "help"
        if not names & set(command.names)
    ]
    assert shown.startswith("Shop admin. Commands:" if locale == "en" else "Admin")
    assert missing == []


@pytest.mark.parametrize("locale", ["es", "en"])
async def test_the_admins_help_names_each_command_in_the_admins_language(demo_shop, locale):
    """An English admin reads /orders, /confirm, /supplier; a Spanish one /pedidos,
    /confirmar, /proveedor (the English help used to name the Spanish commands)."""
    admin = ChatDriver(demo_shop, "owner", name="Owner", locale=locale)
    await admin.open()
    shown = set(re.findall(r"/([a-z_]+)", await admin.type("/help")))
    expected = {
        command.name_in(locale)
        for command in commands.CATALOGUE
        if command.audience is Audience.ADMIN and command.help
    }
    other = "en" if locale == "es" else "es"
    foreign = {
        command.name_in(other)
        for command in commands.CATALOGUE
        if command.audience is Audience.ADMIN and command.help
    } - expected
    assert expected <= shown
    assert shown & foreign == set()
