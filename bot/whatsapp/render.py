"""Reply -> WhatsApp messages, within WhatsApp's limits: at most 3 reply buttons of 20
characters; lists of at most 10 rows (titles 24, descriptions 72, button 20) with a
"more" row when there are more options; a numbered text menu when neither fits; 4096
characters of text, 1024 of an interactive body or a caption. A reply's link is a
"cta_url" message (one URL button of 20 characters, no reply buttons), the reply's
buttons following it in a message of their own; a link to this machine is written in
the text instead (bot/links.py).

`plan` is pure: it decides what to send; the channel sends it with pywa."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.links import link_written_out
from bot.text import split_text
from handlers.i18n import Translator
from handlers.types import Link, Reply

TEXT_LIMIT = 4096
BODY_LIMIT = 1024
CAPTION_LIMIT = 1024
BUTTONS = 3
BUTTON_TITLE = 20
ROWS = 10
ROW_TITLE = 24
ROW_DESCRIPTION = 72
LIST_BUTTON = 20
LINK_TITLE = 20
MORE = "wmore"  # the payload prefix of a "more options" row


@dataclass
class Outgoing:
    kind: str  # "text", "buttons", "list", "image", "document", "link"
    body: str = ""
    options: list[tuple[str, str, str]] = field(default_factory=list)  # title, id, description
    list_button: str = ""
    section_title: str = ""
    image_url: str = ""
    document: tuple[str, bytes, str] | None = None  # filename, content, mime type
    link: tuple[str, str] | None = None  # the button's display text, the URL it opens
    ref: str = ""


@dataclass
class Plan:
    messages: list[Outgoing]
    menu: tuple[str, list[list[str]]] | None = None  # (kind, [[label, payload], ...]) to keep


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_words(text: str, limit: int) -> str:
    """Within limit, cut at a word's end when one is near ("Pagar $1,250.00…")."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    words = head.rsplit(" ", 1)[0].rstrip(" ,.:;-–—")
    return (words if len(words) >= limit // 2 else head.rstrip()) + "…"


def pieces(text: str) -> list[str]:
    return [piece for piece in split_text(text, TEXT_LIMIT) if piece.strip()]


def link_messages(body: str, link: Link) -> list[Outgoing]:
    """The link as a cta_url message carrying the text; a text too long for its body
    goes first, and the message then says the link's label."""
    button = (_cut_words(link.label, LINK_TITLE), link.url)
    if body.strip() and len(body) <= BODY_LIMIT:
        return [Outgoing("link", body, link=button)]
    texts = [Outgoing("text", piece) for piece in pieces(body)]
    return [*texts, Outgoing("link", _cut(link.label, BODY_LIMIT), link=button)]


def plan(reply: Reply, t: Translator) -> Plan:
    _ = t.gettext
    reply = link_written_out(reply)  # a link no phone can open: in the text
    options = _unique([(b.label, b.payload) for b in reply.all_buttons()])
    messages: list[Outgoing] = []
    if reply.document is not None:
        doc = reply.document
        caption = reply.text if len(reply.text) <= CAPTION_LIMIT else ""
        messages.append(
            Outgoing("document", caption, document=(doc.filename, doc.content, doc.mime_type))
        )
        body = "" if caption else reply.text
    elif reply.image_url:
        caption = reply.text if len(reply.text) <= CAPTION_LIMIT else ""
        messages.append(Outgoing("image", caption, image_url=reply.image_url))
        body = "" if caption else reply.text
    else:
        body = reply.text
    if reply.link is not None:  # the text rides on the link; buttons follow on their own
        messages += link_messages(body, reply.link)
        body = ""
    if not options:
        messages += [Outgoing("text", piece) for piece in pieces(body)]
        return _with_ref(Plan(messages), reply.ref)
    if len(body) > BODY_LIMIT:  # long text first, then the choice with a short question
        messages += [Outgoing("text", piece) for piece in pieces(body)]
        body = ""
    body = body or _("Choose an option:")
    if len(options) <= BUTTONS and all(len(label) <= BUTTON_TITLE for label, _p in options):
        messages.append(Outgoing("buttons", body, [(label, p, "") for label, p in options]))
        return _with_ref(Plan(messages), reply.ref)
    if any(len(label) > ROW_TITLE + ROW_DESCRIPTION for label, _p in options):
        numbered = "\n".join(f"{n}. {label}" for n, (label, _p) in enumerate(options, 1))
        hint = _("Reply with the number of your choice.")
        for piece in pieces(f"{body}\n\n{numbered}\n\n{hint}"):
            messages.append(Outgoing("text", piece))
        return _with_ref(Plan(messages, ("numbered", [list(o) for o in options])), reply.ref)
    first = list_page(options, 0, t, body)
    messages.append(first)
    menu = ("list", [list(o) for o in options]) if len(options) > ROWS else None
    return _with_ref(Plan(messages, menu), reply.ref)


def list_page(options: list[tuple[str, str]], start: int, t: Translator, body: str) -> Outgoing:
    """A list of up to 10 rows from `start`; the 10th is "More options" when more remain."""
    _ = t.gettext
    remaining = options[start:]
    if len(remaining) > ROWS:
        shown = remaining[: ROWS - 1]
        more = [(_cut(_("More options…"), ROW_TITLE), f"{MORE}:{start + ROWS - 1}", "")]
    else:
        shown, more = remaining, []
    rows = [
        (_cut(label, ROW_TITLE), payload, label[:ROW_DESCRIPTION] if len(label) > ROW_TITLE else "")
        for label, payload in shown
    ]
    return Outgoing(
        "list",
        _cut(body, BODY_LIMIT),
        rows + more,
        list_button=_cut(_("Options"), LIST_BUTTON),
        section_title=_cut(_("Options"), ROW_TITLE),
    )


def _unique(options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """WhatsApp refuses two options with the same id: keep the first of each."""
    seen: set[str] = set()
    kept = []
    for label, payload in options:
        if payload not in seen:
            seen.add(payload)
            kept.append((label, payload))
    return kept


def _with_ref(result: Plan, ref: str) -> Plan:
    for message in result.messages:
        message.ref = ref
    return result
