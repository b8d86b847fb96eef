"""One incoming event being handled: who, where they are, and their language."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.domain.conversations import ConversationRecord
from core.domain.customers import Customer
from core.services.context import Shop
from handlers.i18n import Translator
from handlers.types import Button, Incoming, Reply


class Step(StrEnum):
    """Where a customer's conversation is. Stored by name, never as a number."""

    MENU = "menu"
    ASK_QUANTITY = "ask_quantity"
    CHECKOUT_NAME = "checkout_name"
    CHECKOUT_PHONE = "checkout_phone"
    CHECKOUT_ADDRESS = "checkout_address"
    ADDRESS_STREET = "address_street"
    ADDRESS_NEIGHBOURHOOD = "address_neighbourhood"
    ADDRESS_CITY = "address_city"
    ADDRESS_STATE = "address_state"
    ADDRESS_POSTAL_CODE = "address_postal_code"
    ADDRESS_REFERENCES = "address_references"
    CHECKOUT_SHIPPING = "checkout_shipping"
    CHECKOUT_PAYMENT = "checkout_payment"
    CHECKOUT_CONFIRM = "checkout_confirm"
    AWAITING_RECEIPT = "awaiting_receipt"
    RATING_COMMENT = "rating_comment"
    RETURN_QUANTITY = "return_quantity"
    RETURN_REASON = "return_reason"
    RETURN_RESOLUTION = "return_resolution"
    SUPPORT_MESSAGE = "support_message"
    # the admin's questions
    ADMIN_REJECT_REASON = "admin_reject_reason"
    ADMIN_CANCEL_REASON = "admin_cancel_reason"
    ADMIN_TRACKING = "admin_tracking"
    ADMIN_RETURN_REJECT_REASON = "admin_return_reject_reason"
    ADMIN_SUPPORT_REPLY = "admin_support_reply"


@dataclass
class Turn:
    shop: Shop
    customer: Customer
    record: ConversationRecord
    t: Translator
    incoming: Incoming
    card_payments: bool = False
    replies: list[Reply] = field(default_factory=list)
    forgotten: bool = False  # the person's data was just erased: save nothing of them

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
