"""The terminal chat as a channel: `pedidos chat` (and `pedidos run` with no other
channel on) runs it in the foreground (bot/terminal/chat.py), so `pedidos serve` does
not; it has no settings and no webhook. Its admins are added with
`pedidos chat --admin` or `pedidos admin add terminal <user>`."""

from __future__ import annotations

from bot.channels import Capabilities, Channel

# No settings change them: the chat (bot/terminal/chat.py) reads them without a Terminal.
CAPABILITIES = Capabilities(
    buttons_per_message=None,  # numbered lines
    list_rows=None,
    text_limit=None,
    payments=False,
    documents=True,  # saved to a folder, their path shown
)


class Terminal(Channel):
    name = "terminal"
    platform = False

    def capabilities(self) -> Capabilities:
        return CAPABILITIES


CHANNEL = Terminal
