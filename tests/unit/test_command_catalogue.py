"""The README's command tables list exactly the commands the bot answers: every name in
a table is a command of that audience in the catalogue (handlers/commands.py), and every
command of the catalogue is in its audience's table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from handlers import commands
from handlers.commands import Audience

README = Path(__file__).resolve().parents[2] / "README.md"
# The section holding each audience's table: the first table under that heading.
SECTIONS = {
    Audience.CUSTOMER: "## What customers can type",
    Audience.ADMIN: "## Running the shop from a chat",
}


def table_names(heading: str) -> list[str]:
    """The command names (no slash) in the first column of the section's command table."""
    section = README.read_text(encoding="utf-8").split(heading + "\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = re.findall(r"^\| `/.*$", section, flags=re.MULTILINE)
    assert rows, f"no command table under {heading!r}"
    names = []
    for row in rows:
        first = re.split(r"(?<!\\)\|", row)[1]  # a cell may hold "\|" (`/datos ID\|CODE`)
        names += re.findall(r"`/([a-z_]+)", first)
    return names


@pytest.mark.parametrize("audience", list(Audience))
def test_every_name_in_the_readme_table_is_a_command(audience: Audience) -> None:
    unknown = [
        name
        for name in table_names(SECTIONS[audience])
        if commands.find("/" + name, audience) is None
    ]
    assert unknown == []


@pytest.mark.parametrize("audience", list(Audience))
def test_every_command_is_in_the_readme_table(audience: Audience) -> None:
    listed = set(table_names(SECTIONS[audience]))
    missing = [
        "/" + command.es[0]
        for command in commands.CATALOGUE
        if command.audience is audience and not listed & set(command.names)
    ]
    assert missing == []


def test_the_customer_table_gives_each_command_its_spanish_and_english_names() -> None:
    listed = set(table_names(SECTIONS[Audience.CUSTOMER]))
    customer = [c for c in commands.CATALOGUE if c.audience is Audience.CUSTOMER]
    assert [c.action for c in customer if not set(c.names) <= listed] == []
