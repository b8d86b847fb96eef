"""Replies -> the transcript's rows (plain JSON the core keeps), and rows -> HTML.

A row is stored as what it shows, not as HTML: text, the buttons (label and payload),
a photo and its alt text, a link, a file's id and name, and notes in the reader's
language where the web has no widget (sharing a phone number or a location: type it).
The page, the answer to a post and the live stream all draw a row with the same
template (templates/chat_message.html), escaping everything a row holds.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from bot.web_pages import render
from core.domain.web_chat import INCOMING, WebFile, WebMessage, new_file_id
from handlers.i18n import Translator
from handlers.types import Reply

# Addresses in a text become links (a tracking number's page, the shop's site).
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
SAFE_URL = re.compile(r"https?://\S+")


def body_of(reply: Reply, t: Translator) -> tuple[dict, WebFile | None]:
    """What one reply shows on the web, and the file it offers (stored beside it)."""
    _ = t.gettext
    body: dict = {}
    if reply.text:
        body["text"] = reply.text
    if reply.image_url and SAFE_URL.fullmatch(reply.image_url):
        first_line = reply.text.strip().splitlines()[0] if reply.text.strip() else ""
        body["image"] = {"url": reply.image_url, "alt": first_line[:200] or _("Product photo")}
    if reply.link is not None and SAFE_URL.fullmatch(reply.link.url):
        body["link"] = {"label": reply.link.label, "url": reply.link.url}
    file = None
    if reply.document is not None:
        document = reply.document
        name, mime = document.filename[:200], document.mime_type[:100]
        file = WebFile(new_file_id(), name, mime, document.content)
        body["file"] = {"id": file.id, "name": file.filename}
    notes = []
    if reply.request_contact:
        notes.append(_("To give your phone number, type it in the message box."))
    if reply.request_location:
        notes.append(_("To give your address, type the street and number in the message box."))
    if reply.invoice is not None:
        notes.append(_("Card payments are not available in the web chat."))
    if notes:
        body["notes"] = notes
    buttons = [
        [{"label": b.label, "payload": b.payload} for b in row] for row in reply.buttons if row
    ]
    if buttons:
        body["buttons"] = buttons
    return body, file


def shows_anything(body: dict) -> bool:
    return any(body.get(key) for key in ("text", "image", "link", "file", "notes", "buttons"))


def text_parts(text: str) -> list[tuple[str, str]]:
    """("text", …) and ("url", …) pieces of a message's text, in order."""
    parts, at = [], 0
    for found in URL.finditer(text):
        if found.start() > at:
            parts.append(("text", text[at : found.start()]))
        parts.append(("url", found.group()))
        at = found.end()
    if at < len(text):
        parts.append(("text", text[at:]))
    return parts


def button_label(rows: list[WebMessage], payload: str) -> str:
    """The label of the newest button offered with this payload ("" if none was)."""
    for row in reversed(rows):
        for line in row.body.get("buttons") or []:
            for button in line:
                if isinstance(button, dict) and button.get("payload") == payload:
                    return str(button.get("label") or "")
    return ""


@dataclass(frozen=True)
class View:
    """What drawing a row needs besides the row: the reader's language, the session's
    CSRF token (the buttons are forms), the shop's name and whether the chat is framed."""

    t: Translator
    csrf: str
    shop_name: str
    embed: bool

    def context(self) -> dict:
        return {
            "csrf": self.csrf,
            "shop_name": self.shop_name,
            "embed": self.embed,
            "parts": text_parts,
            "client_id": client_id,
            "incoming": INCOMING,
        }


def client_id() -> str:
    """A fresh id for one form: the same form posted twice is handled once."""
    return secrets.token_urlsafe(12)


def message_html(message: WebMessage, view: View) -> str:
    return render("chat_message.html", view.t, m=message, **view.context())
