"""A strict double of the Telegram Bot API that speaks real HTTP.

This is the one fake the suite allows (DESIGN.md, "Conventions"): the real aiogram ``Bot``
talks to it over HTTP exactly as it talks to api.telegram.org, and it refuses what Telegram
refuses, answering with Telegram's own error JSON, e.g.
``{"ok": false, "error_code": 400, "description": "Bad Request: message text is empty"}``.

    async with BotApiDouble() as telegram:
        bot = Bot(telegram.token, session=AiohttpSession(
            api=TelegramAPIServer.from_base(telegram.base_url)))
        telegram.user_says(42, "/start")
        ...  # run the bot (polling or webhook)
        await telegram.until(lambda: telegram.texts(42))

Where the rules and the words come from: the Bot API server (tdlib/telegram-bot-api,
``Client.cpp``: parameter parsing, reply markup parsing, error translation such as
``QUERY_ID_INVALID`` -> "query is too old and response timeout expired or query ID is
invalid") and TDLib (``MessageEntity.cpp``: the HTML, MarkdownV2 and Markdown parsers are
ported byte for byte, so "can't parse entities" errors carry Telegram's byte offsets;
``ReplyMarkup.cpp``, ``BotCommand.cpp``, ``InputInvoice.cpp``, ``LinkManager.cpp``).
Limits enforced by Telegram's servers (BUTTON_DATA_INVALID, MESSAGE_TOO_LONG,
CURRENCY_TOTAL_AMOUNT_INVALID, ...) use the server's error codes.

Deliberate differences from the real service:

* ``setWebhook`` accepts plain ``http://`` URLs on 127.0.0.1 / localhost / [::1] (any port),
  so a test can receive webhooks. Any other URL must be HTTPS on port 443, 80, 88 or 8443.
* An inline button with empty text is refused with "inline keyboard button text must be
  non-empty" (older Bot API versions did this; the newest silently drops the button, which
  is never what a bot means).
* An inline URL button that TDLib accepts but whose host is an IP address that is not
  public (``http://127.0.0.1:8000/pay``, ``http://192.168.1.5/``, ``http://[::1]/``) is
  refused with "Bad Request: BUTTON_URL_INVALID", the server's refusal bots meet when they
  link to a machine only they can reach. Telegram does not document which URLs its
  servers refuse; public IP addresses and every name with a dot pass here.
* Invoice title over 32 characters / description over 255 characters: Telegram documents
  the limits, but the exact server error words are not published; this double answers
  "Bad Request: INVOICE_TITLE_INVALID" / "Bad Request: INVOICE_DESCRIPTION_INVALID".
* Unknown methods answer 404 "Not Found" (what api.telegram.org answers; a self-hosted
  Bot API server says "Not Found: method not found").
* Injected failures (``fail_next``) answer JSON bodies; the real 502 is an HTML page.
* Flood control is on by default, at the limits Telegram's Bot FAQ states ("avoid
  sending more than one message per second in a particular chat. We may allow short
  bursts that go over this limit, but eventually you'll begin receiving 429 errors";
  "not more than 30 messages per second or so" overall; "not more than 20 messages per
  minute to the same group"). Telegram publishes no burst size nor the exact algorithm,
  so the double chooses: per chat a token bucket refilled at ``per_chat_per_second``
  (1/s) holding ``per_chat_burst`` (5) messages; overall at most ``global_per_second``
  (30) in any one-second window; per group at most ``group_per_minute`` (20) in any
  60-second window. Sends and edits count (TDLib floods edits too); answers to callback
  and pre-checkout queries and chat actions do not. Over a limit: 429 "Too Many
  Requests: retry after N" with ``parameters.retry_after`` N (whole seconds). Time is
  ``clock`` (a test can hand it a virtual clock; pass None for a limit to lift it).
* ``check_at_close()`` is what a harness asserts when it closes: no refused call the test
  did not declare with ``expect_rejections``, every callback query the bot received
  answered, and no message carrying the crash apology.
* Not modelled: per-currency minimum amounts, the 24 hour update expiry, group privacy
  mode, channels, inline mode, media groups, business connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import io
import ipaddress
import json
import math
import mimetypes
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

__all__ = [
    "NOT_MODIFIED",
    "QUERY_TOO_OLD",
    "ApiCall",
    "BotApiDouble",
    "EntityParseError",
    "StoredMessage",
    "check_link",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_length",
]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units, after entity parsing and trimming
MAX_CAPTION_LENGTH = 1024
MAX_RAW_TEXT_BYTES = 1 << 15  # the Bot API refuses longer raw text before parsing it
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_ROW_BUTTONS = 12  # TDLib keeps the first 12 buttons of a row
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_COMMANDS = 100
PRE_CHECKOUT_DEADLINE = 10.0  # seconds Telegram waits for answerPreCheckoutQuery
DELETE_WINDOW = 48 * 3600
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Flood control (Bot FAQ, "My bot is hitting limits"); the burst is this double's choice.
PER_CHAT_PER_SECOND = 1.0
PER_CHAT_BURST = 5
GLOBAL_PER_SECOND = 30.0
GROUP_PER_MINUTE = 20.0

SEND_EDIT_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendInvoice",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "cancel",
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "record_audio",
        "upload_voice",
        "upload_audio",
        "upload_document",
        "choose_sticker",
        "find_location",
        "pick_up_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
LOCAL_WEBHOOK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
INJECTED_DESCRIPTIONS = {
    400: "Bad Request",
    403: BLOCKED,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "prices",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "suggested_tip_amounts",
        "media",
        "results",
    }
)


def utf16_length(text: str) -> int:
    """Length the way Telegram counts it: UTF-16 code units (emoji outside the BMP are 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --------------------------------------------------------------------------------------
# Records the tests read
# --------------------------------------------------------------------------------------


@dataclass
class ApiCall:
    """One HTTP call the bot made. ``params`` has the JSON fields (reply_markup, prices,
    entities, commands, ...) decoded; ``files`` maps a parameter name to (filename, bytes)."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    at: float
    ok: bool = False
    error: str = ""
    status: int = 0
    result: Any = None
    injected: bool = False  # answered by fail_next: asked for, not the bot's fault
    abandoned: bool = False  # a long poll whose client had already gone away


@dataclass
class StoredMessage:
    """A message the bot sent, as Telegram now holds it (after edits)."""

    message_id: int
    chat_id: int
    kind: str  # "text", "photo", "document", "invoice"
    text: str  # the text or caption, "" when there is none
    reply_markup: dict | None
    entities: list[dict] = field(default_factory=list)
    document: tuple[str, bytes, str] | None = None  # (filename, bytes, mime type)
    photo: str | bytes | None = None  # uploaded bytes, or the file_id / URL the bot gave
    invoice: dict | None = None
    reply_to_message_id: int | None = None
    edited: bool = False

    @property
    def buttons(self) -> list[list[str]]:
        """Button labels of the keyboard, row by row (inline or reply keyboard)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [[button["text"] for button in row] for row in rows]

    @property
    def callback_data(self) -> list[str]:
        """The callback_data of every inline button, in reading order."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class _Reject(Exception):
    def __init__(self, description: str, status: int = 400, retry_after: int | None = None):
        super().__init__(description)
        self.description = description
        self.status = status
        self.retry_after = retry_after


def _bad(message: str) -> _Reject:
    return _Reject(f"Bad Request: {message}")


class EntityParseError(ValueError):
    """TDLib's parse error; the Bot API reports it as "can't parse entities: <message>"."""


class _Shape(ValueError):
    """A JSON field of the wrong shape (TDLib's JsonObject errors)."""


# --------------------------------------------------------------------------------------
# Links (TDLib LinkManager::check_link and td::parse_url, simplified)
# --------------------------------------------------------------------------------------


class _LinkError(ValueError):
    pass


def _parse_url(url: str, default_protocol: str = "http") -> tuple[str, str, str, str, str]:
    """(protocol, userinfo, host, port, query) or _LinkError, like td::parse_url."""
    prefix = re.match(r"[^:/?#@\[\]]*", url)
    assert prefix is not None
    protocol, rest = default_protocol, url
    if url[prefix.end() :].startswith("://"):
        protocol = prefix.group(0).lower()
        if protocol not in ("http", "https"):
            raise _LinkError("Unsupported URL protocol")
        rest = url[prefix.end() + 3 :]
    authority_match = re.match(r"[^/?#]*", rest)
    assert authority_match is not None
    authority = authority_match.group(0)
    query = rest[len(authority) :]
    userinfo = ""
    if "@" in authority:
        userinfo, authority = authority.rsplit("@", 1)
    host, port = authority, ""
    if host.startswith("["):
        close = host.find("]")
        if close < 0 or (host[close + 1 :] and not host[close + 1 :].startswith(":")):
            raise _LinkError("Wrong IPv6 address specified in the URL")
        host, port = host[: close + 1], host[close + 2 :]
    elif ":" in host:
        host, port = host.split(":", 1)
    if port and (not port.isdigit() or not 0 < int(port) <= 65535):
        raise _LinkError("Wrong port number specified in the URL")
    if not host:
        raise _LinkError("URL host is empty")
    if not host.startswith("[") and any(
        ch.isascii() and not ch.isalnum() and ch not in "-._~!$&'()*+,;=%" for ch in host
    ):
        raise _LinkError("Wrong URL host")
    if not query.startswith("/"):
        query = "/" + query
    return protocol, userinfo, host, port, query


def _check_link_impl(link: str, https_only: bool = False) -> str:
    lowered = link.lower()
    scheme = ""
    for candidate in ("tg:", "tonsite:", "ton:"):
        if lowered.startswith(candidate):
            scheme, link = candidate[:-1], link[len(candidate) :]
            break
    if scheme and link.startswith("//"):
        link = link[2:]
    protocol, userinfo, host, port, query = _parse_url(link)
    if https_only and (protocol != "https" or scheme):
        raise _LinkError("Only HTTPS links are allowed")
    if scheme:
        if link.lower().startswith("http://") or protocol == "https" or userinfo or port:
            raise _LinkError(f"Wrong {scheme} URL")
        allowed = "-_." if scheme == "tonsite" else "-_"
        if any(not (ch.isascii() and ch.isalnum()) and ch not in allowed for ch in host):
            raise _LinkError("Unallowed characters in URL host")
        tail = link[link.find(host) + len(host) :]
        return f"{scheme}://{host}{tail}"
    if "." not in host and not host.startswith("["):
        raise _LinkError("Wrong HTTP URL")
    credentials = f"{userinfo}@" if userinfo else ""
    port_part = f":{port}" if port else ""
    return f"{protocol}://{credentials}{host}{port_part}{query}"


def check_link(link: str, https_only: bool = False) -> str:
    """Telegram's normalised form of a link (``example.com`` -> ``http://example.com/``),
    or ValueError with Telegram's words: "URL 'x' is invalid: Wrong HTTP URL"."""
    try:
        return _check_link_impl(link, https_only)
    except _LinkError as error:
        raise _LinkError(f"URL '{link}' is invalid: {error}") from None


def _checked_link(link: str) -> str:
    try:
        return _check_link_impl(link)
    except _LinkError:
        return ""


def _link_user_id(url: str) -> int | None:
    match = re.fullmatch(r"tg:(?://)?user\?id=(\d+)", url, re.IGNORECASE)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _custom_emoji_id(url: str) -> str:
    """TDLib LinkManager::get_link_custom_emoji_id: tg://emoji?id=<id>."""
    if not url.lower().startswith("tg:"):
        raise EntityParseError("Custom emoji URL must have scheme tg")
    rest = url[3:].removeprefix("//").split("#", 1)[0]
    host, _, query = rest.partition("?")
    if host.rstrip("/").lower() != "emoji":
        raise EntityParseError('Custom emoji URL must have host "emoji"')
    arguments = dict(pair.partition("=")[::2] for pair in query.split("&") if pair)
    emoji_id = arguments.get("id", "")
    if not emoji_id:
        raise EntityParseError("Custom emoji URL must have an emoji identifier")
    if not re.fullmatch(r"[1-9][0-9]*", emoji_id) or int(emoji_id) >= 2**63:
        raise EntityParseError("Invalid custom emoji identifier specified")
    return emoji_id


# --------------------------------------------------------------------------------------
# Entity parsers (ported from TDLib MessageEntity.cpp: parse_html, parse_markdown_v2,
# parse_markdown). They work on UTF-8 bytes, report byte offsets and count UTF-16 units.
# --------------------------------------------------------------------------------------

_PRIORITY = {
    "BlockQuote": 0,
    "ExpandableBlockQuote": 0,
    "PreCode": 10,
    "Pre": 11,
    "Code": 20,
    "TextUrl": 49,
    "MentionName": 49,
    "Bold": 90,
    "Italic": 91,
    "Underline": 92,
    "Strikethrough": 93,
    "Spoiler": 94,
    "CustomEmoji": 99,
}
_BOT_API_TYPE = {
    "Bold": "bold",
    "Italic": "italic",
    "Underline": "underline",
    "Strikethrough": "strikethrough",
    "Spoiler": "spoiler",
    "Code": "code",
    "Pre": "pre",
    "PreCode": "pre",
    "TextUrl": "text_link",
    "MentionName": "text_mention",
    "CustomEmoji": "custom_emoji",
    "BlockQuote": "blockquote",
    "ExpandableBlockQuote": "expandable_blockquote",
}
_HTML_TAGS = frozenset(
    {
        b"a",
        b"b",
        b"strong",
        b"i",
        b"em",
        b"s",
        b"strike",
        b"del",
        b"u",
        b"ins",
        b"tg-spoiler",
        b"tg-emoji",
        b"span",
        b"pre",
        b"code",
        b"blockquote",
    }
)
_Entity = tuple[str, int, int, str]  # (TDLib type, utf-16 offset, utf-16 length, argument)


def _is_space(c: int) -> bool:  # td::is_space: the string's terminating NUL counts as space
    return c in (0x20, 0x09, 0x0D, 0x0A, 0x0B, 0x0C, 0x00)


def _is_alpha(c: int) -> bool:
    return 0x41 <= c <= 0x5A or 0x61 <= c <= 0x7A


def _is_digit(c: int) -> bool:
    return 0x30 <= c <= 0x39


def _is_hex(c: int) -> bool:
    return _is_digit(c) or 0x41 <= c <= 0x46 or 0x61 <= c <= 0x66


def _units(c: int) -> int:
    """UTF-16 units added by UTF-8 byte c (0 for continuation bytes)."""
    if c & 0xC0 == 0x80:
        return 0
    return 2 if c >= 0xF0 else 1


def _text(data: bytes | bytearray) -> str:
    return bytes(data).decode("utf-8", "replace")


def _bot_api_entities(entities: Iterable[_Entity]) -> list[dict]:
    result = []
    for kind, offset, length, argument in sorted(
        entities, key=lambda e: (e[1], -e[2], _PRIORITY[e[0]])
    ):
        entity: dict[str, Any] = {"offset": offset, "length": length, "type": _BOT_API_TYPE[kind]}
        if kind == "PreCode":
            entity["language"] = argument
        elif kind == "TextUrl":
            entity["url"] = argument
        elif kind == "MentionName":
            entity["user"] = {"id": int(argument), "is_bot": False, "first_name": ""}
        elif kind == "CustomEmoji":
            entity["custom_emoji_id"] = argument
        result.append(entity)
    return result


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """(code point, position after it), or (0, pos) when it is not an entity TDLib knows."""

    def at(k: int) -> int:
        return data[k] if k < len(data) else 0

    end, code = pos + 1, 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while _is_hex(at(end)):
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while _is_digit(at(end)):
                code = code * 10 + data[end] - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while _is_alpha(at(end)):
            end += 1
        code = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(data[pos + 1 : end], 0)
        if code == 0:
            return 0, pos
    if at(end) == ord(";"):
        end += 1
    return code, end


def _html_entities(data: bytes) -> tuple[bytearray, list[_Entity], bool]:
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    entities: list[_Entity] = []
    nested: list[tuple[str, bytes, int, int]] = []  # (tag, argument, utf16 offset, out pos)
    utf16 = 0
    recheck = False
    i = 0
    while i < n:
        c = data[i]
        if c == ord("&"):
            code, after = _decode_html_entity(data, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                recheck = recheck or 0xD800 <= code <= 0xDFFF
                out += chr(code).encode("utf-8", "surrogatepass")
                i = after
                continue
        if c != ord("<"):
            utf16 += _units(c)
            out.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != ord("/"):
            while not _is_space(at(i)) and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].lower()
            name = _text(tag)
            if tag not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
            argument = b""
            while at(i) != ord(">"):
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == ord(">"):
                    break
                attribute_begin = i
                while not _is_space(at(i)) and at(i) not in b"=>/\"'":
                    i += 1
                attribute = data[attribute_begin:i]
                if not attribute:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{name}" at byte offset {begin}'
                    )
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) != ord("="):
                    if at(i) == 0:
                        raise EntityParseError(
                            f'Unclosed start tag "{name}" at byte offset {begin}'
                        )
                    if tag == b"blockquote" and attribute == b"expandable":
                        argument = b"1"
                    continue
                i += 1
                while at(i) != 0 and _is_space(at(i)):
                    i += 1
                if at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {begin}')
                if at(i) not in (ord("'"), ord('"')):
                    token_begin = i
                    while _is_alpha(at(i)) or _is_digit(at(i)) or at(i) in (ord("."), ord("-")):
                        i += 1
                    value = data[token_begin:i].lower()
                    if not _is_space(at(i)) and at(i) != ord(">"):
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = data[i]
                    i += 1
                    collected = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if data[i] == ord("&"):
                            code, after = _decode_html_entity(data, i)
                            if code:
                                collected += chr(code).encode("utf-8", "surrogatepass")
                                i = after
                                continue
                        collected.append(data[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = bytes(collected)
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == b"a" and attribute == b"href":
                    argument = value
                elif tag == b"code" and attribute == b"class" and value.startswith(b"language-"):
                    argument = value[9:]
                elif tag == b"span" and attribute == b"class" and value.startswith(b"tg-"):
                    argument = value[3:]
                elif tag == b"tg-emoji" and attribute == b"emoji-id":
                    argument = value
                elif tag == b"blockquote" and attribute == b"expandable":
                    argument = b"1"
            if tag == b"span" and argument != b"spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            nested.append((name, argument, utf16, len(out)))
            i += 1
            continue
        if not nested:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(at(i)) and at(i) != ord(">"):
            i += 1
        end_tag = _text(data[begin + 2 : i].lower())
        while _is_space(at(i)) and at(i) != 0:
            i += 1
        if at(i) != ord(">"):
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        tag_name, argument, offset, out_pos = nested[-1]
        if end_tag and end_tag != tag_name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag_name}>", '
                f'found "</{end_tag}>"'
            )
        if utf16 > offset:
            length = utf16 - offset
            simple = {
                "i": "Italic",
                "em": "Italic",
                "b": "Bold",
                "strong": "Bold",
                "s": "Strikethrough",
                "strike": "Strikethrough",
                "del": "Strikethrough",
                "u": "Underline",
                "ins": "Underline",
                "tg-spoiler": "Spoiler",
                "span": "Spoiler",
            }
            if tag_name in simple:
                entities.append((simple[tag_name], offset, length, ""))
            elif tag_name == "tg-emoji":
                if not argument.isdigit() or int(argument) == 0 or int(argument) >= 2**63:
                    raise EntityParseError("Invalid custom emoji identifier specified")
                entities.append(("CustomEmoji", offset, length, _text(argument)))
            elif tag_name == "a":
                url = _text(argument) if argument else _text(out[out_pos:])
                user_id = _link_user_id(url)
                if user_id is not None:
                    entities.append(("MentionName", offset, length, str(user_id)))
                elif checked := _checked_link(url):
                    entities.append(("TextUrl", offset, length, checked))
            elif tag_name == "pre":
                last = entities[-1] if entities else None
                if last and last[0] == "Code" and last[1:3] == (offset, length) and last[3]:
                    entities[-1] = ("PreCode", offset, length, last[3])
                else:
                    entities.append(("Pre", offset, length, ""))
            elif tag_name == "code":
                last = entities[-1] if entities else None
                if last and last[0] == "Pre" and last[1:3] == (offset, length) and argument:
                    entities[-1] = ("PreCode", offset, length, _text(argument))
                else:
                    entities.append(("Code", offset, length, _text(argument)))
            elif tag_name == "blockquote":
                kind = "ExpandableBlockQuote" if argument else "BlockQuote"
                entities.append((kind, offset, length, ""))
        nested.pop()
        i += 1
    if nested:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    entities = [(k, o, ln, "" if k == "Code" else a) for k, o, ln, a in entities]
    return out, entities, recheck


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Telegram's HTML parse mode: (plain text, Bot API entities) or EntityParseError."""
    out, entities, _ = _html_entities(text.encode("utf-8"))
    try:
        plain = bytes(out).decode("utf-8")
    except UnicodeDecodeError:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        ) from None
    return plain, _bot_api_entities(entities)


def _read_link(data: bytes, i: int) -> tuple[bytes, int]:
    """A MarkdownV2 link target from i up to ')', honouring backslash escapes."""
    n, collected = len(data), bytearray()
    while i < n and data[i] != ord(")"):
        if data[i] == ord("\\") and i + 1 < n and 0 < data[i + 1] <= 126:
            collected.append(data[i + 1])
            i += 2
            continue
        collected.append(data[i])
        i += 1
    return bytes(collected), i


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Telegram's MarkdownV2 parse mode (TDLib parse_markdown_v2, ported)."""
    data = text.encode("utf-8")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if 0 <= k < n else 0

    def reserved(c: int) -> EntityParseError:
        return EntityParseError(
            f"Character '{chr(c)}' is reserved and must be escaped with the preceding '\\'"
        )

    out = bytearray()
    entities: list[_Entity] = []
    # [type, argument, utf16 offset, byte offset of the opening mark, out position]
    nested: list[list[Any]] = []
    utf16 = 0
    have_blockquote = False
    can_start_blockquote = True
    i = -1
    while True:
        i += 1
        if i >= n:
            break
        c = data[i]
        if c == ord("\\") and 0 < at(i + 1) <= 126:
            i += 1
            utf16 += 1
            out.append(data[i])
            if data[i] != 0x0D:
                can_start_blockquote = data[i] == 0x0A
            continue
        characters = b"_*[]()~`>#+-=|{}.!\n"
        if nested and nested[-1][0] in ("Code", "Pre", "PreCode"):
            characters = b"`"
        if c not in characters:
            if _units(c):
                utf16 += _units(c)
                if c != 0x0D:
                    can_start_blockquote = False
            out.append(c)
            continue
        is_end = False
        if nested:
            if have_blockquote and c == 0x0A and (i + 1 == n or data[i + 1] != ord(">")):
                is_end = True
            else:
                top = nested[-1][0]
                is_end = {
                    "Bold": c == ord("*"),
                    "Italic": c == ord("_") and at(i + 1) != ord("_"),
                    "Code": c == ord("`"),
                    "Pre": c == ord("`") and at(i + 1) == ord("`") and at(i + 2) == ord("`"),
                    "PreCode": c == ord("`") and at(i + 1) == ord("`") and at(i + 2) == ord("`"),
                    "TextUrl": c == ord("]"),
                    "Underline": c == ord("_") and at(i + 1) == ord("_"),
                    "Strikethrough": c == ord("~"),
                    "Spoiler": c == ord("|") and at(i + 1) == ord("|"),
                    "CustomEmoji": c == ord("]"),
                    "BlockQuote": False,
                }[top]
        if not is_end:
            mark = i
            argument = ""
            if c == ord("_"):
                if at(i + 1) == ord("_"):
                    kind = "Underline"
                    i += 1
                else:
                    kind = "Italic"
            elif c == ord("*"):
                kind = "Bold"
            elif c == ord("~"):
                kind = "Strikethrough"
            elif c == ord("|"):
                if at(i + 1) != ord("|"):
                    raise reserved(c)
                i += 1
                kind = "Spoiler"
            elif c == ord("["):
                kind = "TextUrl"
            elif c == ord("`"):
                if at(i + 1) == ord("`") and at(i + 2) == ord("`"):
                    i += 3
                    kind = "Pre"
                    language_end = i
                    while not _is_space(at(language_end)) and at(language_end) != ord("`"):
                        language_end += 1
                    if i != language_end and language_end < n and at(language_end) != ord("`"):
                        kind = "PreCode"
                        argument = _text(data[i:language_end])
                        i = language_end
                    if at(i) in (0x0A, 0x0D):
                        if at(i + 1) in (0x0A, 0x0D) and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "Code"
            elif c == ord("!"):
                if at(i + 1) != ord("["):
                    raise reserved(c)
                i += 1
                kind = "CustomEmoji"
            elif c == 0x0A:
                utf16 += 1
                out.append(0x0A)
                can_start_blockquote = True
                continue
            elif c == ord(">"):
                if not can_start_blockquote:
                    raise reserved(c)
                if have_blockquote:
                    continue
                kind = "BlockQuote"
                have_blockquote = True
            else:
                raise reserved(c)
            nested.append([kind, argument, utf16, mark, len(out)])
            continue
        kind = nested[-1][0]
        if c == 0x0A and kind != "BlockQuote":
            mark = nested[-1][3]
            ends_spoiler = mark == i - 2 or (mark == i - 3 and out and out[-1] == 0x0D)
            if kind != "Spoiler" or not ends_spoiler:
                raise EntityParseError(f"Can't find end of {kind} entity at byte offset {mark}")
            nested.pop()
            kind = nested[-1][0]
            if kind != "BlockQuote":
                raise EntityParseError(
                    f"Can't find end of {kind} entity at byte offset {nested[-1][3]}"
                )
            kind = "ExpandableBlockQuote"
        argument = nested[-1][1]
        user_id: int | None = None
        skip = utf16 == nested[-1][2]
        if kind in ("Underline", "Spoiler"):
            i += 1
        elif kind in ("Pre", "PreCode"):
            i += 2
        elif kind == "TextUrl":
            if at(i + 1) != ord("("):
                url = _text(out[nested[-1][4] :])
            else:
                i += 2
                url_begin = i
                raw, i = _read_link(data, i)
                if at(i) != ord(")"):
                    raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
                url = _text(raw)
            user_id = _link_user_id(url)
            if user_id is None:
                argument = _checked_link(url)
                skip = skip or not argument
        elif kind == "CustomEmoji":
            if at(i + 1) != ord("("):
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            raw, i = _read_link(data, i)
            if at(i) != ord(")"):
                raise EntityParseError(
                    f"Can't find end of a custom emoji URL at byte offset {url_begin}"
                )
            argument = _custom_emoji_id(_text(raw))
        elif kind in ("BlockQuote", "ExpandableBlockQuote"):
            have_blockquote = False
            out.append(data[i])
            can_start_blockquote = True
            utf16 += 1
            skip = False
        if not skip:
            offset = nested[-1][2]
            if user_id is not None:
                entities.append(("MentionName", offset, utf16 - offset, str(user_id)))
            else:
                entities.append((kind, offset, utf16 - offset, argument))
        nested.pop()
    if have_blockquote:
        kind = "BlockQuote"
        if nested[-1][0] == "Spoiler" and nested[-1][3] == n - 2:
            nested.pop()
            kind = "ExpandableBlockQuote"
        if nested[-1][0] == "BlockQuote":
            offset = nested[-1][2]
            if utf16 != offset:
                entities.append((kind, offset, utf16 - offset, ""))
            nested.pop()
    if nested:
        raise EntityParseError(
            f"Can't find end of {nested[-1][0]} entity at byte offset {nested[-1][3]}"
        )
    return _text(out), _bot_api_entities(entities)


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Telegram's legacy Markdown parse mode (TDLib parse_markdown, ported)."""
    data = text.encode("utf-8")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    entities: list[_Entity] = []
    utf16 = 0
    i = -1
    while True:
        i += 1
        if i >= n:
            break
        c = data[i]
        if c == ord("\\") and at(i + 1) in b"_*`[":
            i += 1
            out.append(data[i])
            utf16 += 1
            continue
        if c not in b"_*`[":
            utf16 += _units(c)
            out.append(c)
            continue
        begin = i
        end_character = ord("]") if c == ord("[") else c
        is_pre = False
        i += 1
        language = b""
        if c == ord("`") and at(i) == ord("`") and at(i + 1) == ord("`"):
            i += 2
            is_pre = True
            language_end = i
            while not _is_space(at(language_end)) and at(language_end) != ord("`"):
                language_end += 1
            if i != language_end and language_end < n and at(language_end) != ord("`"):
                language = data[i:language_end]
                i = language_end
            if at(i) in (0x0A, 0x0D):
                i += 2 if at(i + 1) in (0x0A, 0x0D) and at(i) != at(i + 1) else 1
        offset = utf16
        while i < n and (
            data[i] != end_character
            or (is_pre and not (at(i + 1) == ord("`") and at(i + 2) == ord("`")))
        ):
            utf16 += _units(data[i])
            out.append(data[i])
            i += 1
        if i == n:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if offset != utf16:
            length = utf16 - offset
            if c == ord("_"):
                entities.append(("Italic", offset, length, ""))
            elif c == ord("*"):
                entities.append(("Bold", offset, length, ""))
            elif c == ord("["):
                if at(i + 1) != ord("("):
                    url = _text(data[begin + 1 : i])
                else:
                    i += 2
                    start = i
                    while i < n and data[i] != ord(")"):
                        i += 1
                    url = _text(data[start:i])
                user_id = _link_user_id(url)
                if user_id is not None:
                    entities.append(("MentionName", offset, length, str(user_id)))
                elif checked := _checked_link(url):
                    entities.append(("TextUrl", offset, length, checked))
            elif is_pre:
                kind = "PreCode" if language else "Pre"
                entities.append((kind, offset, length, _text(language)))
            else:
                entities.append(("Code", offset, length, ""))
        if is_pre:
            i += 2
    return _text(out), _bot_api_entities(entities)


_TRIMMED = " \t\r\n"


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """TDLib trims the text it sends; entities move with it."""
    stripped = text.strip(_TRIMMED)
    if stripped == text:
        return text, entities
    shift = utf16_length(text[: len(text) - len(text.lstrip(_TRIMMED))])
    total = utf16_length(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _command_entities(text: str) -> list[dict]:
    """bot_command entities as Telegram marks them in incoming messages."""
    entities = []
    n, i = len(text), 0
    while (i := text.find("/", i)) >= 0:
        if i > 0 and (_is_word(text[i - 1]) or text[i - 1] in "/<>"):
            i += 1
            continue
        begin = i
        i += 1
        while i < n and text[i].isascii() and _is_word(text[i]):
            i += 1
        if not 1 <= i - begin - 1 <= 64:
            continue
        end = i
        if i < n and text[i] == "@":
            i += 1
            mention_begin = i
            while i < n and text[i].isascii() and _is_word(text[i]):
                i += 1
            if not 3 <= i - mention_begin <= 32:
                continue
            end = i
        if i < n and (_is_word(text[i]) or text[i] in "/<>"):
            continue
        entities.append(
            {
                "offset": utf16_length(text[:begin]),
                "length": utf16_length(text[begin:end]),
                "type": "bot_command",
            }
        )
    return entities


# --------------------------------------------------------------------------------------
# Request arguments (Bot API semantics: everything arrives as a string)
# --------------------------------------------------------------------------------------


@dataclass
class _Upload:
    filename: str
    data: bytes
    content_type: str


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _to_integer(text: str) -> int:
    """td::to_integer: a leading sign and digits; anything else counts as 0."""
    match = re.match(r"\s*([-+]?\d+)", text)
    return int(match.group(1)) if match else 0


class _Args:
    def __init__(self, raw: dict[str, Any], files: dict[str, _Upload]) -> None:
        self.raw = raw
        self.files = files

    def str(self, name: str) -> str:
        return _as_text(self.raw.get(name))

    def required(self, name: str) -> str:
        value = self.str(name)
        if not value:
            raise _bad(f'parameter "{name}" is required')
        return value

    def bool(self, name: str) -> bool:
        return self.str(name).strip().lower() in ("true", "yes", "1")

    def int(self, name: str, default: int = 0) -> int:
        value = self.str(name)
        return _to_integer(value) if value else default

    def json(self, name: str, error: str) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(error) from None

    def file(self, name: str) -> _Upload | str | None:
        value = self.str(name)
        if value.startswith("attach://"):
            return self.files.get(value[len("attach://") :])
        if value:
            return value
        return self.files.get(name)


def _field_text(obj: dict, name: str, *, required: bool) -> str:
    value = obj.get(name)
    if value is None:
        if required:
            raise _Shape(f'Field "{name}" must be of type String')
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)
    raise _Shape(f'Field "{name}" must be of type String')


def _field_bool(obj: dict, name: str) -> bool:
    value = obj.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _Shape(f'Field "{name}" must be of type Boolean')
    return value


def _lower_first(message: str) -> str:
    """The Bot API lowercases the first letter of TDLib's messages."""
    return message[:1].lower() + message[1:]


# --------------------------------------------------------------------------------------
# Reply markup (Client.cpp get_reply_markup, then TDLib's checks, then the server's)
# --------------------------------------------------------------------------------------

_INLINE_ACTIONS = (
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)


def _keyboard_button(button: Any) -> dict:
    if isinstance(button, str):
        return {"text": button}
    if not isinstance(button, dict):
        raise _Shape("KeyboardButton must be a String or an Object")
    text = _field_text(button, "text", required=True)
    if _field_bool(button, "request_phone_number") or _field_bool(button, "request_contact"):
        return {"text": text, "request_contact": True}
    if _field_bool(button, "request_location"):
        return {"text": text, "request_location": True}
    for name in ("request_poll", "web_app", "request_users", "request_user", "request_chat"):
        if name in button:
            if not isinstance(button[name], dict):
                raise _Shape(f'Field "{name}" must be of type Object')
            return {"text": text, name: button[name]}
    return {"text": text}


def _inline_button(button: Any) -> dict:
    if not isinstance(button, dict):
        raise _Shape("InlineKeyboardButton must be an Object")
    text = _field_text(button, "text", required=True)
    if url := _field_text(button, "url", required=False):
        return {"text": text, "url": url}
    if data := _field_text(button, "callback_data", required=False):
        return {"text": text, "callback_data": data}
    for name in _INLINE_ACTIONS:
        if name in button:
            value = button[name]
            if name in ("switch_inline_query", "switch_inline_query_current_chat"):
                value = _field_text(button, name, required=True)
            elif name == "pay":
                value = True
            return {"text": text, name: value}
    raise _Shape("Text buttons are unallowed in the inline keyboard")


def _rows(markup: dict, name: str, parse: Callable[[Any], dict], what: str) -> list | None:
    value = markup.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise _bad(f'field "{name}" must be of type Array')
    rows = []
    for row in value:
        if not isinstance(row, list):
            suffix = " of the InlineKeyboardMarkup" if name == "inline_keyboard" else ""
            raise _bad(f'field "{name}"{suffix} must be an Array of Arrays')
        parsed = []
        for button in row:
            try:
                parsed.append(parse(button))
            except _Shape as error:
                raise _bad(f"can't parse {what}: {error}") from None
        rows.append(parsed)
    return rows


def _parse_markup(value: Any) -> dict | None:
    """Client.cpp get_reply_markup: the shape of reply_markup (before the chat is known)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _bad("object expected as reply markup")
    keyboard = _rows(value, "keyboard", _keyboard_button, "keyboard button")
    inline = _rows(value, "inline_keyboard", _inline_button, "inline keyboard button")
    try:
        flags = {
            name: _field_bool(value, name)
            for name in (
                "hide_keyboard",
                "remove_keyboard",
                "personal_keyboard",
                "selective",
                "force_reply",
                "force_reply_keyboard",
                "resize_keyboard",
                "one_time_keyboard",
                "is_persistent",
            )
        }
        placeholder = _field_text(value, "input_field_placeholder", required=False)
    except _Shape as error:
        raise _bad(_lower_first(str(error))) from None
    selective = flags["selective"] or flags["personal_keyboard"]
    if keyboard:
        result: dict[str, Any] = {"keyboard": keyboard}
        for name in ("resize_keyboard", "one_time_keyboard", "is_persistent"):
            if flags[name]:
                result[name] = True
    elif inline:
        return {"inline_keyboard": inline}
    elif flags["hide_keyboard"] or flags["remove_keyboard"]:
        result = {"remove_keyboard": True}
    elif flags["force_reply"] or flags["force_reply_keyboard"]:
        result = {"force_reply": True}
    else:
        return None
    if selective:
        result["selective"] = True
    if placeholder and "remove_keyboard" not in result:
        result["input_field_placeholder"] = placeholder
    return result


def _markup_for_chat(markup: dict | None, chat_type: str, *, only_inline: bool) -> dict | None:
    """TDLib's checks once the chat is known (ReplyMarkup.cpp get_reply_markup)."""
    if markup is None:
        return None
    if only_inline and "inline_keyboard" not in markup:
        raise _bad("inline keyboard expected")
    if "keyboard" in markup:
        rows = []
        for row in markup["keyboard"]:
            kept = []
            for button in row:
                if not button["text"]:
                    continue
                if chat_type != "private" and button.get("request_contact"):
                    raise _bad("phone number can be requested in private chats only")
                if chat_type != "private" and button.get("request_location"):
                    raise _bad("location can be requested in private chats only")
                kept.append(button)
            if kept:
                rows.append(kept[:MAX_ROW_BUTTONS])
        return {**markup, "keyboard": rows} if rows else None
    if "inline_keyboard" in markup:
        rows = []
        for row in markup["inline_keyboard"]:
            kept = []
            for button in row:
                if not button["text"]:
                    raise _bad("inline keyboard button text must be non-empty")
                button = dict(button)
                for name, https_only, label in (
                    ("url", False, "inline keyboard button "),
                    ("web_app", True, "inline keyboard button Web App "),
                    ("login_url", False, "inline keyboard button login "),
                ):
                    if name not in button:
                        continue
                    value = button[name]
                    if name != "url":
                        value = value.get("url", "") if isinstance(value, dict) else ""
                    target = _as_text(value)
                    if name == "url" and _link_user_id(target) is not None:
                        continue
                    try:
                        normalised = check_link(target, https_only)
                    except _LinkError as error:
                        raise _bad(f"{label}{error}") from None
                    if name == "url":
                        button["url"] = normalised
                kept.append(button)
            if kept:
                rows.append(kept[:MAX_ROW_BUTTONS])
        return {"inline_keyboard": rows} if rows else None
    return markup


def _server_markup_checks(markup: dict | None) -> None:
    """What Telegram's servers refuse after TDLib has accepted the markup."""
    rows = (markup or {}).get("inline_keyboard")
    if not rows:
        return
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            if data is not None and len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
            if "url" in button and _unreachable_host(button["url"]):
                raise _bad("BUTTON_URL_INVALID")
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise _bad("reply markup is too long")


def _unreachable_host(url: str) -> bool:
    """A link (as TDLib normalised it) to an IP address that is not public."""
    if not url.lower().startswith(("http://", "https://")):
        return False  # tg:// links name no host
    host = url.split("://", 1)[1].split("/", 1)[0].rpartition("@")[2]
    host = host[1 : host.index("]")] if host.startswith("[") else host.partition(":")[0]
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False  # a name, not an address


def _inline_markup(markup: dict | None) -> dict | None:
    return markup if markup and "inline_keyboard" in markup else None


# --------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------


@dataclass
class _Chat:
    id: int
    type: str  # "private", "group", "supergroup"
    title: str = ""


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    data: bytes | None
    filename: str = ""
    mime: str = ""
    file_path: str = ""
    photo_sizes: list[dict] = field(default_factory=list)
    document_json: dict = field(default_factory=dict)


@dataclass
class _Msg:
    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    sent_at: float
    kind: str = "text"  # text, photo, document, invoice; "user" for what users sent
    text: str = ""
    entities: list[dict] = field(default_factory=list)
    reply_markup: dict | None = None
    reply_to: int | None = None
    document: tuple[str, bytes, str] | None = None
    document_json: dict | None = None
    photo: str | bytes | None = None
    photo_sizes: list[dict] | None = None
    invoice: dict | None = None
    user_json: dict | None = None
    edit_date: int | None = None
    deleted: bool = False


@dataclass
class _Query:
    user_id: int
    sent_at: float
    answered: bool = False
    payload: dict = field(default_factory=dict)


@dataclass
class _Poll:
    call: ApiCall
    request: web.Request
    terminated: str = ""


@dataclass
class _Context:
    call: ApiCall
    request: web.Request
    description: str = ""


@dataclass
class _Failure:
    status: int
    retry_after: int
    methods: frozenset[str]
    description: str


_API_PATH = re.compile(r"/bot([^/]*)/([^/]+)/?")
_FILE_PATH = re.compile(r"/file/bot([^/]*)/(.+)")


def _json_response(body: dict, status: int) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _default_photo_bytes() -> bytes:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow ships with the dev dependencies
        return b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def _image_size(data: bytes) -> tuple[int, int]:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return 1280, 960
    try:
        with Image.open(io.BytesIO(data)) as image:
            size = image.size
            image.verify()
    except Exception:  # Telegram refuses whatever it cannot decode
        raise _bad("IMAGE_PROCESS_FAILED") from None
    return size


# --------------------------------------------------------------------------------------
# The double
# --------------------------------------------------------------------------------------


class BotApiDouble:
    """A Telegram Bot API server for tests (see the module docstring)."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        username: str = "pedidos_test_bot",
        per_chat_per_second: float | None = PER_CHAT_PER_SECOND,
        global_per_second: float | None = GLOBAL_PER_SECOND,
        *,
        per_chat_burst: int = PER_CHAT_BURST,
        group_per_minute: float | None = GROUP_PER_MINUTE,
        first_name: str = "Pedidos",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """The limits are Telegram's (module docstring); None lifts one."""
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.first_name = first_name
        self.per_chat_per_second = per_chat_per_second
        self.global_per_second = global_per_second
        self.per_chat_burst = per_chat_burst
        self.group_per_minute = group_per_minute
        self.clock = clock
        self.base_url = ""

        self.calls: list[ApiCall] = []
        self.pre_checkout_answers: dict[str, tuple[bool, str | None, float]] = {}
        self.callback_answers: dict[str, dict] = {}
        self.webhook: dict | None = None
        self.webhook_deliveries: list[tuple[dict, int]] = []
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.chat_actions: list[tuple[int, str]] = []

        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, dict] = {}
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, _Msg]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, _File] = {}
        self._callbacks: dict[str, _Query] = {}
        self._pre_checkouts: dict[str, _Query] = {}
        self._queue: list[dict] = []
        self._next_update_id = 700_000_001
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default set
        self._poll: _Poll | None = None
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._failures: list[_Failure] = []
        self._chat_buckets: dict[int, tuple[float, float]] = {}  # chat -> (level, at)
        self._group_sends: dict[int, deque[float]] = {}
        self._all_sends: deque[float] = deque()
        self._expected_rejections: list[list[Any]] = []  # [pattern, count or None, seen]
        self._delivered_queries: set[str] = set()  # callback queries the bot received
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        handlers: dict[str, Callable[[_Args, _Context], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendInvoice": self._send_invoice,
            "answerPreCheckoutQuery": self._answer_pre_checkout_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
        }
        self._methods = {name.lower(): handler for name, handler in handlers.items()}
        self._canonical = {name.lower(): name for name in handlers}

    # ---- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on 127.0.0.1, on a free port; base_url tells where."""
        self._stopping = False
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 10 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"

    async def stop(self) -> None:
        self._stopping = True
        self._notify()
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ---- what tests read --------------------------------------------------------------

    @property
    def rejected(self) -> list[ApiCall]:
        """Answered calls Telegram refused (not the ones fail_next was told to fail, nor
        long polls whose client had gone); calls still in flight are not counted."""
        return [
            c for c in self.calls if c.status and not c.ok and not c.injected and not c.abandoned
        ]

    def expect_rejections(self, pattern: str, count: int | None = None) -> None:
        """This test provokes refusals on purpose: those whose description matches
        pattern (a regex, searched), exactly count of them (None: any number). Every
        other refusal still fails check_at_close."""
        self._expected_rejections.append([re.compile(pattern), count, 0])

    def unexpected_rejections(self) -> list[ApiCall]:
        """Refused calls no expect_rejections declared; a declared count not met shows
        as an ApiCall of method "(expected)" naming it."""
        for expected in self._expected_rejections:
            expected[2] = 0
        unexpected = []
        for call in self.rejected:
            for expected in self._expected_rejections:
                pattern, count, seen = expected
                if pattern.search(call.error or "") and (count is None or seen < count):
                    expected[2] += 1
                    break
            else:
                unexpected.append(call)
        for pattern, count, seen in self._expected_rejections:
            if count is not None and seen != count:
                missing = f"{count} refusals matching {pattern.pattern!r} expected, {seen} seen"
                unexpected.append(ApiCall("(expected)", {}, {}, 0.0, error=missing))
        return unexpected

    def unanswered_queries(self) -> list[str]:
        """Callback queries the bot received (by getUpdates or the webhook) and never
        answered: the person's button keeps spinning."""
        return [
            query_id
            for query_id in sorted(self._delivered_queries)
            if not self._callbacks[query_id].answered
        ]

    def apologies(self) -> list[tuple[int, str]]:
        """(chat, text) of every message or callback answer carrying the crash apology."""
        from tests.crash_guard import apology_in

        found = [
            (chat_id, msg.text)
            for chat_id, messages in self._messages.items()
            for msg in messages.values()
            if msg.from_bot and apology_in(msg.text)
        ]
        for query_id, answer in self.callback_answers.items():
            if apology_in(answer["text"] or ""):
                found.append((self._callbacks[query_id].user_id, answer["text"]))
        return found

    def check_at_close(self) -> None:
        """What every harness asserts when it closes: no undeclared refusal, every button
        press answered, no crash apology shown to anyone."""
        problems = []
        if unexpected := self.unexpected_rejections():
            problems.append(
                "refused calls: " + "; ".join(f"{c.method}: {c.error}" for c in unexpected)
            )
        if unanswered := self.unanswered_queries():
            problems.append(f"callback queries never answered: {unanswered}")
        if apologies := self.apologies():
            problems.append(f"the crash apology was sent: {apologies}")
        if problems:
            raise AssertionError("Telegram double at close: " + " | ".join(problems))

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def messages(self, chat_id: int) -> list[StoredMessage]:
        """What the bot sent to a chat, in order, as it reads now (deleted ones left out)."""
        stored = self._messages.get(chat_id, {}).values()
        return [self._snapshot(m) for m in stored if m.from_bot and not m.deleted]

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.messages(chat_id)]

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        found = self._messages.get(chat_id, {}).get(message_id)
        if found is None or not found.from_bot or found.deleted:
            raise AssertionError(f"the bot has no message {message_id} in chat {chat_id}")
        return self._snapshot(found)

    @property
    def pending_updates(self) -> list[dict]:
        """Updates queued for getUpdates and not yet confirmed with an offset."""
        return copy.deepcopy(self._queue)

    async def until(
        self, predicate: Callable[[], Any], timeout: float = 10.0, message: str = ""
    ) -> Any:
        """Poll predicate every 10 ms until it is truthy (returned); AssertionError after
        timeout seconds. Tests wait on conditions, never on fixed sleeps."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            if loop.time() >= deadline:
                recent = [(c.method, c.error or "ok") for c in self.calls[-5:]]
                raise AssertionError(
                    message or f"condition not met within {timeout} s; last calls: {recent}"
                )
            await asyncio.sleep(0.01)

    # ---- arranging the world ---------------------------------------------------------

    def add_chat(self, chat_id: int, title: str = "Admins", type: str = "group") -> None:
        """A group the bot is a member of (negative ids; type "group" or "supergroup")."""
        if chat_id >= 0 or type not in ("group", "supergroup"):
            raise ValueError("groups have negative ids and type 'group' or 'supergroup'")
        self._chats[chat_id] = _Chat(chat_id, type, title)

    def block(self, user_id: int) -> None:
        """The user blocked the bot: sending to them answers 403. Telegram also tells the
        bot with a my_chat_member update (kicked)."""
        self._blocked.add(user_id)
        if user_id in self._users and user_id in self._chats:
            self._enqueue({"my_chat_member": self._member_update(user_id, "member", "kicked")})

    def unblock(self, user_id: int) -> None:
        """The user restarted the bot (my_chat_member update: member again)."""
        if user_id in self._blocked:
            self._blocked.discard(user_id)
            if user_id in self._users and user_id in self._chats:
                update = self._member_update(user_id, "kicked", "member")
                self._enqueue({"my_chat_member": update})

    def fail_next(
        self,
        count: int,
        *,
        status: int = 429,
        retry_after: int = 1,
        methods: set[str] | None = None,
        description: str | None = None,
    ) -> None:
        """The next `count` calls of `methods` (default: the send/edit methods) fail with
        `status`: 429 carries parameters.retry_after; 500/502 say "Internal Server Error" /
        "Bad Gateway". They are recorded with ok False but are not in `rejected`."""
        chosen = frozenset(methods) if methods else SEND_EDIT_METHODS
        if status == 429:
            text = f"Too Many Requests: retry after {retry_after}"
        else:
            text = INJECTED_DESCRIPTIONS.get(status, "Internal Server Error")
        for _ in range(count):
            self._failures.append(_Failure(status, retry_after, chosen, description or text))

    # ---- users talk to the bot -------------------------------------------------------

    def user_says(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Ana",
        language_code: str = "es",
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        username: str | None = None,
    ) -> dict:
        """A text message from a user (bot_command entities included) queued for
        getUpdates; returns the update. Private chat id == user id unless chat_id is given."""
        content: dict[str, Any] = {"text": text}
        if entities := _command_entities(text):
            content["entities"] = entities
        return self._user_message(
            user_id, content, first_name, language_code, chat_id, reply_to_message_id, username
        )

    def user_presses(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        language_code: str = "es",
        first_name: str = "Ana",
    ) -> dict:
        """The user presses the inline button with callback_data `data` on a bot message.
        AssertionError if that button is not on the message as it is now."""
        chat = self._user_chat(user_id, chat_id)
        self._remember_user(user_id, first_name, language_code, None)
        msg = self._messages.get(chat.id, {}).get(message_id)
        if msg is None or msg.deleted or not msg.from_bot:
            raise AssertionError(f"the bot has no message {message_id} in chat {chat.id}")
        present = [
            b.get("callback_data")
            for row in (_inline_markup(msg.reply_markup) or {}).get("inline_keyboard", [])
            for b in row
        ]
        if data not in present:
            raise AssertionError(
                f"message {message_id} has no button with callback_data {data!r}; "
                f"its buttons carry {[d for d in present if d is not None]}"
            )
        query_id = str(secrets.randbits(62))
        self._callbacks[query_id] = _Query(user_id, self.clock())
        query = {
            "id": query_id,
            "from": self._user_json(user_id),
            "message": self._message_json(msg),
            "chat_instance": str((chat.id * 2654435761) % (2**63)),
            "data": data,
        }
        return self._enqueue({"callback_query": query})

    def user_shares_contact(
        self,
        user_id: int,
        phone_number: str,
        *,
        first_name: str = "Ana",
        last_name: str | None = None,
        contact_user_id: int | None = None,
        language_code: str = "es",
        chat_id: int | None = None,
    ) -> dict:
        """The user shares a contact (their own by default, as the request_contact button
        does)."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        contact["user_id"] = user_id if contact_user_id is None else contact_user_id
        return self._user_message(
            user_id, {"contact": contact}, first_name, language_code, chat_id, None, None
        )

    def user_sends(
        self,
        user_id: int,
        content: dict,
        *,
        first_name: str = "Ana",
        language_code: str = "es",
        chat_id: int | None = None,
    ) -> dict:
        """Any other kind of message (a sticker, a voice note, a dice...): content is its
        Message fields, e.g. {"dice": {"emoji": "🎲", "value": 3}}."""
        return self._user_message(user_id, content, first_name, language_code, chat_id, None, None)

    def user_shares_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        *,
        first_name: str = "Ana",
        language_code: str = "es",
        chat_id: int | None = None,
    ) -> dict:
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(
            user_id, {"location": location}, first_name, language_code, chat_id, None, None
        )

    def user_sends_photo(
        self,
        user_id: int,
        caption: str = "",
        *,
        data: bytes | None = None,
        first_name: str = "Ana",
        language_code: str = "es",
        chat_id: int | None = None,
    ) -> dict:
        """A photo from the user (several sizes with file_id/file_unique_id; getFile and
        the file URL serve `data`)."""
        data = data if data is not None else _default_photo_bytes()
        try:
            width, height = _image_size(data)
        except _Reject:
            width, height = 1280, 960
        content: dict[str, Any] = {"photo": self._register_photo(data, width, height)}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content, first_name, language_code, chat_id, None, None)

    def user_sends_document(
        self,
        user_id: int,
        filename: str = "comprobante.pdf",
        data: bytes = b"%PDF-1.4\n% comprobante de transferencia\n%%EOF\n",
        *,
        mime_type: str | None = None,
        caption: str = "",
        first_name: str = "Ana",
        language_code: str = "es",
        chat_id: int | None = None,
    ) -> dict:
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        content: dict[str, Any] = {
            "document": self._register_document(data, filename, mime).document_json
        }
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content, first_name, language_code, chat_id, None, None)

    def pre_checkout(
        self,
        user_id: int,
        invoice_payload: str,
        total_amount: int,
        currency: str,
        *,
        first_name: str = "Ana",
        language_code: str = "es",
        require_invoice: bool = True,
    ) -> dict:
        """The user confirmed the payment form: a pre_checkout_query the bot must answer
        within 10 s. AssertionError unless the bot sent this user a matching invoice."""
        if require_invoice and not self._invoice_sent(
            user_id, invoice_payload, total_amount, currency
        ):
            raise AssertionError(
                f"the bot sent user {user_id} no invoice with payload {invoice_payload!r}, "
                f"total {total_amount} {currency}"
            )
        self._remember_user(user_id, first_name, language_code, None)
        query_id = str(secrets.randbits(62))
        payload = {
            "invoice_payload": invoice_payload,
            "total_amount": total_amount,
            "currency": currency,
        }
        self._pre_checkouts[query_id] = _Query(user_id, self.clock(), payload=payload)
        query = {"id": query_id, "from": self._user_json(user_id), **payload}
        return self._enqueue({"pre_checkout_query": query})

    def successful_payment(
        self,
        user_id: int,
        invoice_payload: str,
        total_amount: int,
        currency: str,
        telegram_payment_charge_id: str,
        provider_payment_charge_id: str,
        *,
        first_name: str = "Ana",
        language_code: str = "es",
        require_approved_pre_checkout: bool = True,
    ) -> dict:
        """The service message Telegram sends after the money moved. AssertionError unless
        the bot approved a matching pre-checkout query first (it can't happen otherwise)."""
        wanted = {
            "invoice_payload": invoice_payload,
            "total_amount": total_amount,
            "currency": currency,
        }
        approved = any(
            query.user_id == user_id
            and query.payload == wanted
            and self.pre_checkout_answers.get(query_id, (False,))[0]
            for query_id, query in self._pre_checkouts.items()
        )
        if require_approved_pre_checkout and not approved:
            raise AssertionError(f"no approved pre-checkout query from user {user_id} for {wanted}")
        payment = {
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": invoice_payload,
            "telegram_payment_charge_id": telegram_payment_charge_id,
            "provider_payment_charge_id": provider_payment_charge_id,
        }
        return self._user_message(
            user_id, {"successful_payment": payment}, first_name, language_code, None, None, None
        )

    async def post_update(
        self,
        update: dict,
        *,
        secret: str | None = "use-registered",
        despite_allowed_updates: bool = False,
    ) -> int:
        """POST an update to the registered webhook the way Telegram does (JSON body,
        X-Telegram-Bot-Api-Secret-Token header); returns the HTTP status. The update is not
        queued for getUpdates. despite_allowed_updates: one of a kind the bot did not ask
        for, as Telegram still delivers those created before setWebhook changed
        allowed_updates ("unwanted updates may be received for a short period of time")."""
        if self.webhook is None:
            raise AssertionError("no webhook is set (the bot never called setWebhook)")
        kind = next(key for key in update if key != "update_id")
        allowed = self.webhook.get("allowed_updates")
        if not despite_allowed_updates and not self._delivers(kind, allowed):
            raise AssertionError(
                f"Telegram would not deliver {kind!r}: allowed_updates excludes it"
            )
        headers = {"Content-Type": "application/json"}
        token = self.webhook.get("secret_token") if secret == "use-registered" else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=30))
        body = json.dumps(update, ensure_ascii=False)
        async with self._client.post(self.webhook["url"], data=body, headers=headers) as reply:
            await reply.read()
            status = reply.status
        self.webhook_deliveries.append((update, status))
        if status == 200:
            self._mark_delivered([update])
        return status

    def received(self, update: dict) -> dict:
        """An update recorded elsewhere (an SDK's test fixture, the Bot API's examples), as
        if it had just happened here: the users and chats in it exist, a user's message is
        in its chat, the message a button is on is the bot's, and a callback or pre-checkout
        query waits for its answer. Returns a copy to post with post_update."""
        for kind, content in update.items():
            if kind != "update_id" and isinstance(content, dict):
                self._note_update(kind, content)
        return copy.deepcopy(update)

    def _note_update(self, kind: str, content: dict) -> None:
        sender = content.get("from") if isinstance(content.get("from"), dict) else None
        if sender and isinstance(sender.get("id"), int) and sender["id"] > 0:
            self._remember_user(
                sender["id"],
                str(sender.get("first_name", "")),
                sender.get("language_code"),
                sender.get("username"),
            )
        if kind == "callback_query" and isinstance(content.get("id"), str) and sender:
            self._callbacks[content["id"]] = _Query(sender["id"], self.clock())
            if isinstance(content.get("message"), dict):
                self._note_message(content["message"], from_bot=True)
        elif kind == "pre_checkout_query" and isinstance(content.get("id"), str) and sender:
            self._pre_checkouts[content["id"]] = _Query(sender["id"], self.clock())
        elif "message_id" in content and isinstance(content.get("chat"), dict):
            self._note_message(content, from_bot=False)

    def _note_message(self, message: dict, *, from_bot: bool) -> None:
        chat_json, message_id = message["chat"], message.get("message_id")
        chat_id = chat_json.get("id")
        if not isinstance(chat_id, int) or not isinstance(message_id, int):
            return
        if chat_id not in self._chats:
            kind = str(chat_json.get("type", "private"))
            self._chats[chat_id] = _Chat(chat_id, kind, str(chat_json.get("title", "")))
        if message.get("date") == 0:
            return  # an inaccessible message: only its chat and id are known
        text = message.get("text", message.get("caption", ""))
        markup = message.get("reply_markup") if from_bot else None
        stored = _Msg(
            message_id,
            chat_id,
            from_bot=from_bot,
            date=int(message.get("date") or time.time()),
            sent_at=self.clock(),
            kind=next((k for k in ("text", "photo", "document") if k in message), "text")
            if from_bot
            else "user",
            text=str(text),
            reply_markup=copy.deepcopy(markup) if isinstance(markup, dict) else None,
            user_json=None if from_bot else copy.deepcopy(message),
        )
        self._messages.setdefault(chat_id, {})[message_id] = stored
        following = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = max(following, message_id + 1)

    @staticmethod
    def scope_key(scope: dict | None = None) -> str:
        """The key `commands` uses for a BotCommandScope: "default" or its canonical JSON."""
        if not scope or scope.get("type", "default") == "default":
            return "default"
        normalised = dict(scope)
        if isinstance(normalised.get("chat_id"), str) and re.fullmatch(
            r"-?\d+", normalised["chat_id"]
        ):
            normalised["chat_id"] = int(normalised["chat_id"])
        return json.dumps(normalised, sort_keys=True, separators=(",", ":"))

    # ---- HTTP -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        match = _API_PATH.fullmatch(request.path)
        if match is None:
            file_match = _FILE_PATH.fullmatch(request.path)
            if file_match is not None and file_match.group(1) == self.token:
                return self._serve_file(file_match.group(2))
            return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        token, name = match.groups()
        method = self._canonical.get(name.lower(), name)
        call = ApiCall(method=method, params={}, files={}, at=self.clock())
        self.calls.append(call)
        context = _Context(call, request)
        try:
            raw, uploads = await self._read(request)
            call.params = {key: self._decoded(key, value) for key, value in raw.items()}
            call.files = self._named_files(raw, uploads)
            if token != self.token:
                if re.fullmatch(r"\d+:\S+", token):
                    raise _Reject("Unauthorized", 401)
                raise _Reject("Not Found", 404)
            handler = self._methods.get(name.lower())
            if handler is None:
                raise _Reject("Not Found", 404)
            failure = self._take_failure(method)
            if failure is not None:
                call.injected = True
                raise _Reject(
                    failure.description,
                    failure.status,
                    failure.retry_after if failure.status == 429 else None,
                )
            result = handler(_Args(raw, uploads), context)
            if inspect.isawaitable(result):
                result = await result
        except _Reject as error:
            call.ok, call.error, call.status = False, error.description, error.status
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.status,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            return _json_response(body, error.status)
        except Exception as error:  # a bug in the double: make it loud, not a hang
            call.status, call.error = 500, f"Internal Server Error: double failed: {error!r}"
            body = {"ok": False, "error_code": 500, "description": call.error}
            return _json_response(body, 500)
        call.ok, call.status, call.result = True, 200, result
        body = {"ok": True, "result": result}
        if context.description:
            body["description"] = context.description
        return _json_response(body, 200)

    @staticmethod
    def _named_files(
        raw: dict[str, Any], uploads: dict[str, _Upload]
    ) -> dict[str, tuple[str, bytes]]:
        """Uploads under the parameter that refers to them (document=attach://x -> document)."""
        files: dict[str, tuple[str, bytes]] = {}
        referenced = set()
        for key, value in raw.items():
            if isinstance(value, str) and value.startswith("attach://"):
                part = value[len("attach://") :]
                if part in uploads:
                    files[key] = (uploads[part].filename, uploads[part].data)
                    referenced.add(part)
        for part, upload in uploads.items():
            if part not in referenced:
                files[part] = (upload.filename, upload.data)
        return files

    @staticmethod
    def _decoded(key: str, value: Any) -> Any:
        if key in JSON_FIELDS and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    async def _read(self, request: web.Request) -> tuple[dict[str, Any], dict[str, _Upload]]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, _Upload] = {}
        if not request.can_read_body:
            return raw, uploads
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                raw.update(body)
            return raw, uploads
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            raise _Reject("Request Entity Too Large", 413) from None
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                if len(data) > MAX_UPLOAD_BYTES:
                    raise _Reject("Request Entity Too Large", 413)
                uploads[key] = _Upload(value.filename or key, data, value.content_type)
            else:
                raw[key] = value
        return raw, uploads

    def _serve_file(self, path: str) -> web.Response:
        for stored in self._files.values():
            if stored.file_path == path and stored.data is not None:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    def _take_failure(self, method: str) -> _Failure | None:
        for index, failure in enumerate(self._failures):
            if method in failure.methods:
                return self._failures.pop(index)
        return None

    # ---- updates ----------------------------------------------------------------------

    def _mark_delivered(self, updates: list[dict]) -> None:
        for update in updates:
            query = update.get("callback_query")
            if isinstance(query, dict) and query.get("id") in self._callbacks:
                self._delivered_queries.add(query["id"])

    def _notify(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _enqueue(self, payload: dict) -> dict:
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        if self.webhook is None:
            self._queue.append(update)
            self._notify()
        return copy.deepcopy(update)

    def _delivers(self, kind: str, allowed: Iterable[str] | None) -> bool:
        if allowed:
            return kind in allowed
        return kind not in NOT_DELIVERED_BY_DEFAULT

    def _deliverable(self, limit: int) -> list[dict]:
        kept, result = [], []
        for update in self._queue:
            kind = next(key for key in update if key != "update_id")
            if not self._delivers(kind, self._allowed_updates):
                continue  # Telegram never sends what the bot did not ask for
            kept.append(update)
            if len(result) < limit:
                result.append(copy.deepcopy(update))
        self._queue = kept
        return result

    def _set_allowed_updates(self, args: _Args) -> list[str] | None:
        if "allowed_updates" not in args.raw:
            return None
        value = args.json("allowed_updates", "can't parse allowed updates JSON object")
        if value is not None and not isinstance(value, list):
            raise _bad("expected an Array of String as allowed updates")
        kinds = [str(kind) for kind in value or []]
        self._allowed_updates = frozenset(kinds) if kinds else None
        return kinds

    async def _get_updates(self, args: _Args, context: _Context) -> list[dict]:
        if self.webhook is not None:
            raise _Reject(WEBHOOK_CONFLICT, 409)
        offset = args.int("offset")
        limit = min(max(args.int("limit", 100), 1), 100)
        timeout = max(args.int("timeout"), 0)
        self._set_allowed_updates(args)
        if offset < 0:
            self._queue = self._queue[offset:]
        elif offset > 0:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        updates = self._deliverable(limit)
        if updates or timeout == 0 or self._stopping:
            self._mark_delivered(updates)
            return updates
        poll = _Poll(context.call, context.request)
        previous, self._poll = self._poll, poll
        if previous is not None:
            previous.terminated = POLL_CONFLICT
            self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if poll.terminated:
                    transport = context.request.transport
                    if transport is None or transport.is_closing():
                        context.call.abandoned = True
                    raise _Reject(poll.terminated, 409)
                updates = self._deliverable(limit)
                remaining = deadline - loop.time()
                if updates or remaining <= 0 or self._stopping:
                    self._mark_delivered(updates)
                    return updates
                event = self._wakeup
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            if self._poll is poll:
                self._poll = None

    def _set_webhook(self, args: _Args, context: _Context) -> bool:
        url = args.str("url")
        if not url:
            return self._delete_webhook(args, context)
        try:
            protocol, _, host, port, _ = _parse_url(url, "https")
        except _LinkError:
            raise _bad("invalid webhook URL specified") from None
        secret = args.str("secret_token")
        if len(secret) > 256:
            raise _bad("secret token is too long")
        if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
            raise _bad("secret token contains unallowed characters")
        local = protocol == "http" and host.lower() in LOCAL_WEBHOOK_HOSTS
        if protocol != "https" and not local:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if not local and (port or "443") not in ("443", "80", "88", "8443"):
            raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        allowed = self._set_allowed_updates(args)
        if args.bool("drop_pending_updates"):
            self._queue.clear()
        if self._poll is not None:
            self._poll.terminated = SET_WEBHOOK_CONFLICT
            self._notify()
        already = self.webhook is not None and self.webhook["url"] == url
        previous_allowed = (self.webhook or {}).get("allowed_updates")
        self.webhook = {
            "url": url,
            "secret_token": secret or None,
            "max_connections": min(max(args.int("max_connections", 40), 1), 100),
            "allowed_updates": allowed if allowed is not None else previous_allowed,
            "ip_address": args.str("ip_address") or None,
        }
        context.description = "Webhook is already set" if already else "Webhook was set"
        return True

    def _delete_webhook(self, args: _Args, context: _Context) -> bool:
        if args.bool("drop_pending_updates"):
            self._queue.clear()
        was_set = self.webhook is not None
        self.webhook = None
        context.description = "Webhook was deleted" if was_set else "Webhook is already deleted"
        return True

    def _get_webhook_info(self, args: _Args, context: _Context) -> dict:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["ip_address"]:
                info["ip_address"] = self.webhook["ip_address"]
            if self.webhook["allowed_updates"]:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    # ---- users, chats, messages ---------------------------------------------------------

    def _remember_user(
        self, user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> None:
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = self._users.setdefault(user_id, {})
        user["first_name"] = first_name
        if language_code:
            user["language_code"] = language_code
        if username:
            user["username"] = username

    def _user_json(self, user_id: int) -> dict:
        user = self._users[user_id]
        result: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": user["first_name"]}
        for key in ("username", "language_code"):
            if key in user:
                result[key] = user[key]
        return result

    def _bot_json(self) -> dict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def _chat_json(self, chat: _Chat) -> dict:
        if chat.type == "private":
            user = self._users.get(chat.id, {"first_name": ""})
            result: dict[str, Any] = {"id": chat.id, "first_name": user["first_name"]}
            if "username" in user:
                result["username"] = user["username"]
            result["type"] = "private"
            return result
        return {"id": chat.id, "title": chat.title, "type": chat.type}

    def _user_chat(self, user_id: int, chat_id: int | None) -> _Chat:
        if chat_id is None or chat_id == user_id:
            if user_id in self._blocked:
                raise AssertionError(
                    f"user {user_id} blocked the bot; call unblock() first (restart the bot)"
                )
            return self._chats.setdefault(user_id, _Chat(user_id, "private"))
        if chat_id > 0:
            raise AssertionError("a user writes in their own private chat or in a group")
        if chat_id not in self._chats:
            kind = "supergroup" if chat_id < -(10**12) else "group"
            self._chats[chat_id] = _Chat(chat_id, kind, "Admins")
        return self._chats[chat_id]

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _find(self, chat_id: int, message_id: int) -> _Msg | None:
        found = self._messages.get(chat_id, {}).get(message_id)
        return None if found is None or found.deleted else found

    def _user_message(
        self,
        user_id: int,
        content: dict,
        first_name: str,
        language_code: str,
        chat_id: int | None,
        reply_to_message_id: int | None,
        username: str | None,
    ) -> dict:
        self._remember_user(user_id, first_name, language_code, username)
        chat = self._user_chat(user_id, chat_id)
        message_id = self._new_message_id(chat.id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._user_json(user_id),
            "chat": self._chat_json(chat),
            "date": int(time.time()),
        }
        if reply_to_message_id is not None:
            replied = self._find(chat.id, reply_to_message_id)
            if replied is None:
                raise AssertionError(f"there is no message {reply_to_message_id} to reply to")
            message["reply_to_message"] = self._message_json(replied, with_reply=False)
        message.update(content)
        stored = _Msg(
            message_id,
            chat.id,
            from_bot=False,
            date=message["date"],
            sent_at=self.clock(),
            kind="user",
            text=content.get("text", content.get("caption", "")),
            user_json=message,
            reply_to=reply_to_message_id,
        )
        self._messages.setdefault(chat.id, {})[message_id] = stored
        return self._enqueue({"message": copy.deepcopy(message)})

    def _member_update(self, user_id: int, old: str, new: str) -> dict:
        def member(status: str) -> dict:
            state: dict[str, Any] = {"user": self._bot_json(), "status": status}
            if status == "kicked":
                state["until_date"] = 0
            return state

        return {
            "chat": self._chat_json(self._chats[user_id]),
            "from": self._user_json(user_id),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    def _message_json(self, msg: _Msg, with_reply: bool = True) -> dict:
        if msg.user_json is not None:
            return copy.deepcopy(msg.user_json)
        result: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": self._bot_json(),
            "chat": self._chat_json(self._chats[msg.chat_id]),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            result["edit_date"] = msg.edit_date
        if with_reply and msg.reply_to is not None:
            replied = self._find(msg.chat_id, msg.reply_to)
            if replied is not None:
                result["reply_to_message"] = self._message_json(replied, with_reply=False)
        text_key, entities_key = "caption", "caption_entities"
        if msg.kind == "text":
            text_key, entities_key = "text", "entities"
        elif msg.kind == "photo":
            result["photo"] = copy.deepcopy(msg.photo_sizes)
        elif msg.kind == "document":
            result["document"] = copy.deepcopy(msg.document_json)
        elif msg.kind == "invoice":
            assert msg.invoice is not None
            result["invoice"] = {
                "title": msg.invoice["title"],
                "description": msg.invoice["description"],
                "start_parameter": msg.invoice["start_parameter"],
                "currency": msg.invoice["currency"],
                "total_amount": msg.invoice["total_amount"],
            }
        if msg.text or msg.kind == "text":
            result[text_key] = msg.text
        if msg.entities:
            result[entities_key] = copy.deepcopy(msg.entities)
        if inline := _inline_markup(msg.reply_markup):
            result["reply_markup"] = copy.deepcopy(inline)
        return result

    def _snapshot(self, msg: _Msg) -> StoredMessage:
        return StoredMessage(
            message_id=msg.message_id,
            chat_id=msg.chat_id,
            kind=msg.kind,
            text=msg.text,
            reply_markup=copy.deepcopy(msg.reply_markup),
            entities=copy.deepcopy(msg.entities),
            document=msg.document,
            photo=msg.photo,
            invoice=copy.deepcopy(msg.invoice),
            reply_to_message_id=msg.reply_to,
            edited=msg.edit_date is not None,
        )

    def _invoice_sent(self, user_id: int, payload: str, total: int, currency: str) -> bool:
        return any(
            msg.kind == "invoice"
            and msg.invoice is not None
            and msg.invoice["payload"] == payload
            and msg.invoice["total_amount"] == total
            and msg.invoice["currency"] == currency
            for msg in self._messages.get(user_id, {}).values()
        )

    # ---- shared checks ------------------------------------------------------------------

    def _chat(self, args: _Args, *, writing: bool = True) -> _Chat:
        raw = args.str("chat_id").strip()
        if not raw:
            raise _bad("chat_id is empty")
        chat_id = _to_integer(raw) if re.fullmatch(r"-?\d+", raw) else None
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            if chat_id in self._users:  # seen in a group, never started the bot
                raise _Reject("Forbidden: bot can't initiate conversation with a user", 403)
            raise _bad("chat not found")
        if writing and chat.type == "private" and chat.id in self._blocked:
            raise _Reject(BLOCKED, 403)
        return chat

    def _formatted(
        self, text: str, parse_mode: str, entities: Any, entities_name: str
    ) -> tuple[str, list[dict]]:
        """Client.cpp get_formatted_text: parse_mode or explicit entities."""
        if len(text.encode("utf-8")) > MAX_RAW_TEXT_BYTES:
            raise _bad("text is too long")
        mode = parse_mode.lower()
        if text and mode and mode != "none":
            parser = {
                "html": parse_html,
                "markdownv2": parse_markdown_v2,
                "markdown": parse_markdown,
            }.get(mode)
            if parser is None:
                raise _bad("unsupported parse_mode")
            try:
                return parser(text)
            except EntityParseError as error:
                raise _bad(f"can't parse entities: {error}") from None
        if isinstance(entities, str):
            try:
                entities = json.loads(entities)
            except ValueError:
                entities = None  # the Bot API ignores unparsable entities
        checked = []
        for entity in entities if isinstance(entities, list) else []:
            if not isinstance(entity, dict):
                raise _bad("can't parse MessageEntity: expected an Object")
            kind = entity.get("type")
            if kind in ("mention", "hashtag", "cashtag", "bot_command", "url", "email"):
                continue
            if kind in ("phone_number", "bank_card_number"):
                continue
            if kind not in set(_BOT_API_TYPE.values()):
                raise _bad("can't parse MessageEntity: Unsupported type specified")
            if not isinstance(entity.get("offset"), int) or not isinstance(
                entity.get("length"), int
            ):
                raise _bad('can\'t parse MessageEntity: Field "offset" must be of type Number')
            checked.append(dict(entity))
        return text, checked

    def _markup(self, args: _Args) -> dict | None:
        value = args.json("reply_markup", "can't parse reply keyboard markup JSON object")
        return _parse_markup(value)

    def _reply_to(self, args: _Args, chat: _Chat) -> int | None:
        parameters = args.json("reply_parameters", "can't parse reply parameters JSON object")
        if parameters is not None:
            if not isinstance(parameters, dict):
                raise _bad("object expected as reply parameters")
            if not parameters:
                return None
            message_id = parameters.get("message_id")
            if not isinstance(message_id, int) or isinstance(message_id, bool):
                raise _bad('field "message_id" must be of type Number')
            allow = parameters.get("allow_sending_without_reply") is True
        else:
            message_id = args.int("reply_to_message_id")
            allow = args.bool("allow_sending_without_reply")
        if message_id <= 0:
            return None
        if self._find(chat.id, message_id) is not None:
            return message_id
        if allow:
            return None
        raise _bad("message to be replied not found")

    def _flood_check(self, chat_id: int) -> None:
        """429 when one more message to chat_id would go over a limit (see the module
        docstring): the per-chat bucket, the group's minute, the overall second."""
        now = self.clock()
        waits = []
        if self.per_chat_per_second:
            level = self._chat_level(chat_id, now)
            if level < 1:
                waits.append((1 - level) / self.per_chat_per_second)
        windows = []
        if self.group_per_minute and self._is_group(chat_id):
            windows.append(
                (self._group_sends.setdefault(chat_id, deque()), 60.0, self.group_per_minute)
            )
        if self.global_per_second:
            windows.append((self._all_sends, 1.0, self.global_per_second))
        for log, span, capacity in windows:
            while log and log[0] <= now - span:
                log.popleft()
            if len(log) >= max(1, math.floor(capacity + 1e-9)):
                waits.append(log[0] + span - now)
        if waits:
            retry_after = max(1, math.ceil(max(waits) - 1e-9))
            raise _Reject(f"Too Many Requests: retry after {retry_after}", 429, retry_after)

    def _chat_level(self, chat_id: int, now: float) -> float:
        """Messages the chat's bucket holds now (full for a chat never written to)."""
        level, at = self._chat_buckets.get(chat_id, (float(self.per_chat_burst), now))
        rate = self.per_chat_per_second or 0.0
        return min(float(self.per_chat_burst), level + max(0.0, now - at) * rate)

    def _is_group(self, chat_id: int) -> bool:
        chat = self._chats.get(chat_id)
        return chat is not None and chat.type in ("group", "supergroup")

    def _flood_count(self, chat_id: int) -> None:
        now = self.clock()
        if self.per_chat_per_second:
            self._chat_buckets[chat_id] = (self._chat_level(chat_id, now) - 1, now)
        if self._is_group(chat_id):
            self._group_sends.setdefault(chat_id, deque()).append(now)
        self._all_sends.append(now)

    def _store(self, chat: _Chat, **fields: Any) -> dict:
        self._flood_count(chat.id)
        message_id = self._new_message_id(chat.id)
        msg = _Msg(
            message_id,
            chat.id,
            from_bot=True,
            date=int(time.time()),
            sent_at=self.clock(),
            **fields,
        )
        self._messages.setdefault(chat.id, {})[message_id] = msg
        return self._message_json(msg)

    def _register_photo(self, data: bytes | None, width: int, height: int) -> list[dict]:
        sizes: list[dict] = []
        group: list[_File] = []
        for limit in (90, 320, 800, 1280):
            scale = min(1.0, limit / max(width, height, 1))
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            if sizes and (sizes[-1]["width"], sizes[-1]["height"]) == (w, h):
                continue
            stored = self._new_file("photo", data, "photo.jpg", "image/jpeg")
            group.append(stored)
            size = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": max(1, int(len(data or b"") * scale * scale)),
                "width": w,
                "height": h,
            }
            sizes.append(size)
        for stored in group:
            stored.photo_sizes = sizes
        return copy.deepcopy(sizes)

    def _register_document(self, data: bytes | None, filename: str, mime: str) -> _File:
        stored = self._new_file("document", data, filename, mime)
        stored.document_json = {
            "file_name": filename,
            "mime_type": mime,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
        }
        if data is not None:
            stored.document_json["file_size"] = len(data)
        return stored

    def _new_file(self, kind: str, data: bytes | None, filename: str, mime: str) -> _File:
        prefix = "AgACAgEAAxkBAAI" if kind == "photo" else "BQACAgEAAxkBAAI"
        file_id = prefix + secrets.token_urlsafe(40)
        unique = "AQAD" + secrets.token_urlsafe(9)
        extension = mimetypes.guess_extension(mime) or ".bin"
        folder = "photos" if kind == "photo" else "documents"
        path = f"{folder}/file_{len(self._files)}{extension}"
        stored = _File(file_id, unique, kind, data, filename, mime, path)
        self._files[file_id] = stored
        return stored

    def _known_file(self, file_id: str, wanted: str) -> _File:
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if stored.kind != wanted:
            names = {"photo": "Photo", "document": "Document"}
            raise _bad(f"can't use file of type {names[stored.kind]} as {names[wanted]}")
        return stored

    # ---- methods ----------------------------------------------------------------------

    def _get_me(self, args: _Args, context: _Context) -> dict:
        return {
            **self._bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, args: _Args, context: _Context) -> dict:
        raw_text = args.str("text")
        if not raw_text:
            raise _bad("message text is empty")
        text, entities = self._formatted(
            raw_text, args.str("parse_mode"), args.raw.get("entities"), "entities"
        )
        markup = self._markup(args)
        chat = self._chat(args)
        reply_to = self._reply_to(args, chat)
        markup = _markup_for_chat(markup, chat.type, only_inline=False)
        text, entities = _trim(text, entities)
        if not text:
            raise _bad("message text is empty")
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        _server_markup_checks(markup)
        self._flood_check(chat.id)
        return self._store(
            chat, kind="text", text=text, entities=entities, reply_markup=markup, reply_to=reply_to
        )

    def _caption(self, args: _Args) -> tuple[str, list[dict]]:
        return self._formatted(
            args.str("caption"),
            args.str("parse_mode"),
            args.raw.get("caption_entities"),
            "caption_entities",
        )

    def _send_media(self, args: _Args, kind: str) -> dict:
        source = args.file(kind)
        if source is None:
            raise _bad(f"there is no {kind} in the request")
        caption, entities = self._caption(args)
        markup = self._markup(args)
        chat = self._chat(args)
        reply_to = self._reply_to(args, chat)
        markup = _markup_for_chat(markup, chat.type, only_inline=False)
        fields: dict[str, Any] = {}
        if isinstance(source, _Upload):
            if not source.data:
                raise _bad("file must be non-empty")
            if kind == "photo":
                width, height = _image_size(source.data)
                if width + height > 10000 or max(width, height) > 20 * min(width, height):
                    raise _bad("PHOTO_INVALID_DIMENSIONS")
                fields["photo"] = source.data
                fields["photo_sizes"] = self._register_photo(source.data, width, height)
            else:
                mime = mimetypes.guess_type(source.filename)[0] or "application/octet-stream"
                stored = self._register_document(source.data, source.filename, mime)
                fields["document"] = (source.filename, source.data, mime)
                fields["document_json"] = copy.deepcopy(stored.document_json)
        elif re.match(r"https?://", source, re.IGNORECASE):
            fields[kind] = source
            if kind == "photo":
                fields["photo_sizes"] = self._register_photo(None, 1280, 960)
            else:
                name = source.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "file"
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                fields["document_json"] = self._register_document(None, name, mime).document_json
        else:
            stored = self._known_file(source, kind)
            fields[kind] = source
            if kind == "photo":
                fields["photo_sizes"] = copy.deepcopy(stored.photo_sizes)
            else:
                if stored.data is not None:
                    fields["document"] = (stored.filename, stored.data, stored.mime)
                fields["document_json"] = copy.deepcopy(stored.document_json)
        caption, entities = _trim(caption, entities)
        if utf16_length(caption) > MAX_CAPTION_LENGTH:
            raise _bad("message caption is too long")
        _server_markup_checks(markup)
        self._flood_check(chat.id)
        return self._store(
            chat,
            kind=kind,
            text=caption,
            entities=entities,
            reply_markup=markup,
            reply_to=reply_to,
            **fields,
        )

    def _send_photo(self, args: _Args, context: _Context) -> dict:
        return self._send_media(args, "photo")

    def _send_document(self, args: _Args, context: _Context) -> dict:
        return self._send_media(args, "document")

    def _edit_target(self, args: _Args) -> tuple[_Chat, _Msg]:
        message_id = args.int("message_id")
        if not args.str("chat_id") and message_id == 0:
            if args.str("inline_message_id"):
                raise _bad("MESSAGE_ID_INVALID")  # this double sends no inline messages
            raise _bad("message identifier is not specified")
        chat = self._chat(args)
        msg = self._find(chat.id, message_id) if message_id > 0 else None
        if msg is None:
            raise _bad("message to edit not found")
        if not msg.from_bot:
            raise _bad("message can't be edited")
        return chat, msg

    def _apply_edit(self, msg: _Msg, markup: dict | None, **changes: Any) -> dict:
        for name, value in changes.items():
            setattr(msg, name, value)
        if markup is not None or _inline_markup(msg.reply_markup) is not None:
            msg.reply_markup = markup
        msg.edit_date = int(time.time())
        self._flood_count(msg.chat_id)
        return self._message_json(msg)

    def _edit_message_text(self, args: _Args, context: _Context) -> dict:
        raw_text = args.str("text")
        if not raw_text:
            raise _bad("message text is empty")
        text, entities = self._formatted(
            raw_text, args.str("parse_mode"), args.raw.get("entities"), "entities"
        )
        markup = self._markup(args)
        chat, msg = self._edit_target(args)
        if msg.kind != "text":
            raise _bad("there is no text in the message to edit")
        markup = _markup_for_chat(markup, chat.type, only_inline=True)
        text, entities = _trim(text, entities)
        if not text:
            raise _bad("message text is empty")
        if utf16_length(text) > MAX_MESSAGE_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        _server_markup_checks(markup)
        if (text, entities, markup) == (msg.text, msg.entities, _inline_markup(msg.reply_markup)):
            raise _bad(NOT_MODIFIED)
        self._flood_check(chat.id)
        return self._apply_edit(msg, markup, text=text, entities=entities)

    def _edit_message_caption(self, args: _Args, context: _Context) -> dict:
        caption, entities = self._caption(args)
        markup = self._markup(args)
        chat, msg = self._edit_target(args)
        if msg.kind not in ("photo", "document"):
            raise _bad("there is no caption in the message to edit")
        markup = _markup_for_chat(markup, chat.type, only_inline=True)
        caption, entities = _trim(caption, entities)
        if utf16_length(caption) > MAX_CAPTION_LENGTH:
            raise _bad("MEDIA_CAPTION_TOO_LONG")
        _server_markup_checks(markup)
        current = (msg.text, msg.entities, _inline_markup(msg.reply_markup))
        if (caption, entities, markup) == current:
            raise _bad(NOT_MODIFIED)
        self._flood_check(chat.id)
        return self._apply_edit(msg, markup, text=caption, entities=entities)

    def _edit_message_reply_markup(self, args: _Args, context: _Context) -> dict:
        markup = self._markup(args)
        chat, msg = self._edit_target(args)
        markup = _markup_for_chat(markup, chat.type, only_inline=True)
        _server_markup_checks(markup)
        if msg.kind == "invoice" and markup is not None:
            first = markup["inline_keyboard"][0][0]
            if "pay" not in first:
                raise _bad("REPLY_MARKUP_BUY_EMPTY")
        if markup == _inline_markup(msg.reply_markup):
            raise _bad(NOT_MODIFIED)
        self._flood_check(chat.id)
        return self._apply_edit(msg, markup)

    def _delete_message(self, args: _Args, context: _Context) -> bool:
        if not args.str("chat_id"):
            raise _bad("chat identifier is not specified")
        message_id = args.int("message_id")
        if message_id <= 0:
            raise _bad("message identifier is not specified")
        chat = self._chat(args, writing=False)
        msg = self._find(chat.id, message_id)
        if msg is None:
            raise _bad("message to delete not found")
        if not msg.from_bot and chat.type != "private":
            raise _bad("message can't be deleted")
        if self.clock() - msg.sent_at > DELETE_WINDOW:
            raise _bad("message can't be deleted")
        msg.deleted = True
        return True

    def _answer_callback_query(self, args: _Args, context: _Context) -> bool:
        query_id = args.str("callback_query_id")
        query = self._callbacks.get(query_id)
        if query is None or query.answered:
            raise _bad(QUERY_TOO_OLD)
        text = args.str("text")
        if utf16_length(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        self.callback_answers[query_id] = {
            "text": text or None,
            "show_alert": args.bool("show_alert"),
            "url": args.str("url") or None,
            "cache_time": args.int("cache_time"),
        }
        return True

    def _send_invoice(self, args: _Args, context: _Context) -> dict:
        title = args.required("title")
        description = args.required("description")
        payload = args.required("payload")
        currency = args.required("currency")
        args.required("prices")
        prices = args.json("prices", "can't parse prices JSON object")
        if not isinstance(prices, list):
            raise _bad("expected an Array of labeled prices")
        parsed = []
        for price in prices:
            try:
                if not isinstance(price, dict):
                    raise _Shape("LabeledPrice must be an Object")
                label = _field_text(price, "label", required=True)
                if not label:
                    raise _Shape("LabeledPrice label must be non-empty")
                amount = price.get("amount")
                if isinstance(amount, str) and re.fullmatch(r"-?\d+", amount):
                    amount = int(amount)
                if not isinstance(amount, int) or isinstance(amount, bool):
                    raise _Shape('Field "amount" must be of type Number')
            except _Shape as error:
                raise _bad(f"can't parse labeled price: {error}") from None
            parsed.append({"label": label, "amount": amount})
        if not parsed:
            raise _bad("there must be at least one price")
        markup = self._markup(args)
        chat = self._chat(args)
        reply_to = self._reply_to(args, chat)
        markup = _markup_for_chat(markup, chat.type, only_inline=True)
        total = sum(price["amount"] for price in parsed)
        if total <= 0:
            raise _bad("total price must be positive")
        provider_token = args.str("provider_token")
        if currency == "XTR":
            if len(parsed) != 1:
                raise _bad("STARS_INVOICE_INVALID")
        elif not provider_token:
            raise _bad("PAYMENT_PROVIDER_INVALID")
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise _bad("CURRENCY_TOTAL_AMOUNT_INVALID")
        if utf16_length(title) > 32:
            raise _bad("INVOICE_TITLE_INVALID")
        if utf16_length(description) > 255:
            raise _bad("INVOICE_DESCRIPTION_INVALID")
        if len(payload.encode("utf-8")) > 128:
            raise _bad("INVOICE_PAYLOAD_INVALID")
        if markup is not None and "pay" not in markup["inline_keyboard"][0][0]:
            raise _bad("REPLY_MARKUP_BUY_EMPTY")
        _server_markup_checks(markup)
        self._flood_check(chat.id)
        invoice = {
            "title": title,
            "description": description,
            "payload": payload,
            "provider_token": provider_token,
            "currency": currency,
            "prices": parsed,
            "total_amount": total,
            "start_parameter": args.str("start_parameter"),
            "photo_url": args.str("photo_url") or None,
            "need_name": args.bool("need_name"),
            "need_phone_number": args.bool("need_phone_number"),
            "need_email": args.bool("need_email"),
            "need_shipping_address": args.bool("need_shipping_address"),
            "is_flexible": args.bool("is_flexible"),
            "max_tip_amount": args.int("max_tip_amount"),
        }
        return self._store(
            chat, kind="invoice", invoice=invoice, reply_markup=markup, reply_to=reply_to
        )

    def _answer_pre_checkout_query(self, args: _Args, context: _Context) -> bool:
        query_id = args.str("pre_checkout_query_id")
        ok = args.bool("ok")
        error_message = "" if ok else args.required("error_message")
        query = self._pre_checkouts.get(query_id)
        if query is None or query.answered:
            raise _bad(QUERY_TOO_OLD)
        elapsed = self.clock() - query.sent_at
        if elapsed > PRE_CHECKOUT_DEADLINE:
            query.answered = True  # Telegram gave up on it
            raise _bad(QUERY_TOO_OLD)
        query.answered = True
        self.pre_checkout_answers[query_id] = (ok, error_message or None, elapsed)
        return True

    def _scope(self, args: _Args) -> str:
        scope = args.json("scope", "can't parse BotCommandScope JSON object")
        if scope is None:
            return "default"
        try:
            if not isinstance(scope, dict):
                raise _Shape("BotCommandScope must be an Object")
            kind = _field_text(scope, "type", required=True)
            if kind not in (
                "default",
                "all_private_chats",
                "all_group_chats",
                "all_chat_administrators",
                "chat",
                "chat_administrators",
                "chat_member",
            ):
                raise _Shape("Unsupported type specified")
            if kind in ("chat", "chat_administrators", "chat_member"):
                chat_id = _field_text(scope, "chat_id", required=True)
                if not chat_id:
                    raise _Shape("Empty chat_id specified")
                if kind == "chat_member" and not (
                    isinstance(scope.get("user_id"), int) and scope["user_id"] > 0
                ):
                    raise _Shape("Invalid user_id specified")
        except _Shape as error:
            raise _bad(f"can't parse BotCommandScope: {error}") from None
        if kind in ("chat", "chat_administrators", "chat_member"):
            self._chat(_Args({"chat_id": chat_id}, {}), writing=False)
        return self.scope_key(scope)

    def _language(self, args: _Args) -> str:
        language = args.str("language_code")
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return language

    def _set_my_commands(self, args: _Args, context: _Context) -> bool:
        commands = args.json("commands", "can't parse commands JSON object")
        if commands is None:
            commands = []
        if not isinstance(commands, list):
            raise _bad("expected an Array of BotCommand")
        parsed = []
        for command in commands:
            try:
                if not isinstance(command, dict):
                    raise _Shape("expected an Object")
                name = _field_text(command, "command", required=True)
                description = _field_text(command, "description", required=True)
            except _Shape as error:
                raise _bad(f"can't parse BotCommand: {error}") from None
            parsed.append((name, description))
        key = (self._scope(args), self._language(args))
        checked = []
        for name, description in parsed:
            name = name.strip()
            name = name.removeprefix("/")
            if not name:
                raise _bad("command must be non-empty")
            if len(name) > 32:
                raise _bad("command length must not exceed 32")
            description = description.strip()
            if not description:
                raise _bad("command description must be non-empty")
            if len(description) > 256:
                raise _bad("command description length must not exceed 256")
            checked.append({"command": name, "description": description})
        if len(checked) > MAX_COMMANDS:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        if any(not re.fullmatch(r"[a-z0-9_]+", c["command"]) for c in checked):
            raise _bad("BOT_COMMAND_INVALID")
        if checked:
            self.commands[key] = checked
        else:
            self.commands.pop(key, None)
        return True

    def _get_my_commands(self, args: _Args, context: _Context) -> list[dict]:
        return copy.deepcopy(self.commands.get((self._scope(args), self._language(args)), []))

    def _delete_my_commands(self, args: _Args, context: _Context) -> bool:
        self.commands.pop((self._scope(args), self._language(args)), None)
        return True

    def _send_chat_action(self, args: _Args, context: _Context) -> bool:
        action = args.str("action").lower()
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        chat = self._chat(args)
        self.chat_actions.append((chat.id, action))
        return True

    def _get_file(self, args: _Args, context: _Context) -> dict:
        file_id = args.required("file_id")
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("invalid file_id")
        result: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
        }
        if stored.data is not None:
            result["file_size"] = len(stored.data)
            result["file_path"] = stored.file_path
        return result
