"""Telegram's command menus offer only commands the conversation understands: a tapped
menu entry is never answered with "I don't know that command"."""

from __future__ import annotations

import pytest

from bot.telegram.channel import _admin_commands, _customer_commands
from handlers import commands
from handlers.admin.router import COMMAND_ACTIONS as ADMIN_ACTIONS
from handlers.commands import Audience
from handlers.conversation import COMMAND_ACTIONS
from handlers.i18n import Translator


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_customer_menu_entry_is_a_customer_command(language):
    menu = [f"/{c.command}" for c in _customer_commands(Translator(language))]
    found = {c: commands.find(c, Audience.CUSTOMER) for c in menu}
    assert [c for c, command in found.items() if command is None] == []
    assert [c for c, command in found.items() if command.action not in COMMAND_ACTIONS] == []


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_admin_menu_entry_is_an_admin_command(language):
    menu = [f"/{c.command}" for c in _admin_commands(Translator(language))]
    found = {c: commands.find(c, Audience.ADMIN) for c in menu}
    assert [c for c, command in found.items() if command is None] == []
    assert [c for c, command in found.items() if command.action not in ADMIN_ACTIONS] == []
