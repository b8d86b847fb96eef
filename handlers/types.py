"""What a channel hands the conversation (Incoming) and what it gets back (Reply)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Attachment:
    kind: str  # "photo" or "document"
    file_ref: str  # the channel's file id (or a path in the terminal chat)
    caption: str = ""


@dataclass(frozen=True)
class PaymentEvent:
    """The channel's payment provider says an order was paid."""

    order_code: str
    amount: int  # minor units
    currency: str
    provider: str
    provider_charge_id: str
    channel_charge_id: str | None = None


@dataclass(frozen=True)
class OrderedItem:
    """One line of an order the customer sent from the channel's catalog."""

    sku: str
    quantity: int
    price: int  # minor units, as the catalog showed it
    currency: str


@dataclass(frozen=True)
class Incoming:
    channel: str
    user_id: str
    chat_id: str = ""
    locale: str = ""  # the channel's language code, e.g. "es-MX"
    name: str = ""  # the person's display name on the channel
    text: str | None = None
    payload: str | None = None  # a button press
    location: Location | None = None
    contact_phone: str | None = None
    attachment: Attachment | None = None
    payment: PaymentEvent | None = None
    catalog_order: tuple[OrderedItem, ...] = ()
    reply_ref: str = ""  # what the message being answered was about ("case:12")
    opened: bool = False  # the chat was (re)opened: show where we are
    # The person sent something the channel can't show (a poll, a photo WhatsApp did not
    # pass on): asked to send it again.
    unreadable: bool = False


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Link:
    """A web page to open, shown as a button that opens it: the payment page, a voucher."""

    label: str
    url: str


@dataclass
class Reply:
    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    image_url: str = ""
    document: Document | None = None
    request_contact: bool = False  # offer "share my phone number"
    request_location: bool = False  # offer "share my location"
    remove_keyboard: bool = False
    invoice: Invoice | None = None
    ref: str = ""  # what this message is about, so a reply to it can be understood
    locale: str = ""  # the language it is written in (for the channel's own words)
    # The question takes a number ("how many?", "how many stars?"): a number typed next is
    # the answer, not the number of a button in a numbered menu.
    expects_number: bool = False
    link: Link | None = None  # a web page to open (a payment page), shown as a button

    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


@dataclass(frozen=True)
class Invoice:
    """Ask the channel to collect a card payment for an order (Telegram Payments)."""

    order_code: str
    title: str
    description: str
    currency: str
    amount: int  # minor units
