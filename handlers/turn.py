"""One incoming event being handled: who, where they are, and their language."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.domain.conversations import ConversationRecord
from core.domain.customers import Customer
from core.services.context import Shop
from handlers.capabilities import BASIC, Capabilities
from handlers.i18n import Translator
from handlers.types import Button, Incoming, Reply


class Step(StrEnum):
    """Where a customer's conversation is. Stored by name, never as a number."""

    MENU = "menu"
    ASK_QUANTITY = "ask_quantity"
    CART_LINE = "cart_line"  # changing one line of the cart
    CHECKOUT_NAME = "checkout_name"
    CHECKOUT_PHONE = "checkout_phone"
    CHECKOUT_ADDRESS = "checkout_address"
    ADDRESS_STREET = "address_street"
    ADDRESS_NEIGHBOURHOOD = "address_neighbourhood"
    ADDRESS_CITY = "address_city"
    ADDRESS_STATE = "address_state"
    ADDRESS_POSTAL_CODE = "address_postal_code"
    ADDRESS_REFERENCES = "address_references"
    ADDRESS_CONFIRM = "address_confirm"  # a whole typed address, read back: right or fix?
    ADDRESS_FIX = "address_fix"  # which part to change
    CHECKOUT_SHIPPING = "checkout_shipping"
    CHECKOUT_PAYMENT = "checkout_payment"
    CHECKOUT_CONFIRM = "checkout_confirm"
    AWAITING_RECEIPT = "awaiting_receipt"
    RATING = "rating"
    RATING_COMMENT = "rating_comment"
    RETURN_QUANTITY = "return_quantity"
    RETURN_REASON = "return_reason"
    RETURN_RESOLUTION = "return_resolution"
    RETURN_REPLACEMENT = "return_replacement"  # an exchange: what to send instead
    SUPPORT_MESSAGE = "support_message"
    # the admin's questions
    ADMIN_REJECT_REASON = "admin_reject_reason"
    ADMIN_CANCEL_REASON = "admin_cancel_reason"
    ADMIN_TRACKING = "admin_tracking"
    ADMIN_RETURN_REJECT_REASON = "admin_return_reject_reason"
    ADMIN_RETURN_ADDRESS = "admin_return_address"
    ADMIN_EXCHANGE_TRACKING = "admin_exchange_tracking"
    ADMIN_SUPPORT_REPLY = "admin_support_reply"
    # an order taken by phone or at the counter (handlers/admin/phone_orders.py)
    ADMIN_ORDER_PHONE = "admin_order_phone"
    ADMIN_ORDER_NAME = "admin_order_name"
    ADMIN_ORDER_ITEMS = "admin_order_items"
    ADMIN_ORDER_SHIPPING = "admin_order_shipping"
    ADMIN_ORDER_ADDRESS = "admin_order_address"
    ADMIN_ORDER_PAYMENT = "admin_order_payment"
    ADMIN_ORDER_CONFIRM = "admin_order_confirm"


# What a screen leaves in view for the very next message only: the product on screen
# ("dame 2"), a cart just shown ("+1"), a change waiting for its line. Older screens
# don't count: "2" typed three screens later is not about that product.
ONE_TURN_KEYS = ("seen", "cart_shown", "pending_change")


@dataclass
class Turn:
    shop: Shop
    customer: Customer
    record: ConversationRecord
    t: Translator
    incoming: Incoming
    capabilities: Capabilities = BASIC  # the channel's: what its chat can show
    replies: list[Reply] = field(default_factory=list)
    forgotten: bool = False  # the person's data was just erased: save nothing of them
    shown: dict = field(default_factory=dict)  # the previous turn's ONE_TURN_KEYS

    def __post_init__(self) -> None:
        self.shown = {k: self.record.data.pop(k) for k in ONE_TURN_KEYS if k in self.record.data}

    def in_view(self, key: str) -> object:
        """What the previous message showed (ONE_TURN_KEYS), for this message only."""
        return self.shown.get(key)

    @property
    def takes_cards(self) -> bool:
        """A card can be paid from this chat: the channel's own payments (a Telegram
        invoice), or a payment link (Mercado Pago, Stripe) on any channel."""
        return self.capabilities.payments or self.shop.link_provider is not None

    @property
    def step(self) -> Step:
        try:
            return Step(self.record.state)
        except ValueError:  # a step from an older version: start over politely
            return Step.MENU

    @property
    def data(self) -> dict:
        return self.record.data

    def go(self, step: Step, **data: object) -> None:
        """Move to a step, keeping the checkout draft unless told otherwise."""
        self.record.state = str(step)
        self.record.data.update(data)

    def reset(self) -> None:
        self.record.state = str(Step.MENU)
        self.record.data = {}

    def say(self, text: str, buttons: list[list[Button]] | None = None, **extra: object) -> Reply:
        reply = Reply(text=text, buttons=buttons or [], **extra)  # type: ignore[arg-type]
        self.replies.append(reply)
        return reply

    @property
    def zone(self) -> str:
        return self.shop.settings.store_timezone
