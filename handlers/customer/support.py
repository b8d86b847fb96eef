"""Talk to a person; the bank-transfer receipt; a card payment the channel reports;
telling the admins about an internal error."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.domain.actors import customer as customer_actor
from core.domain.money import Money
from core.services import incidents, orders, payments, support
from handlers.actions import handles
from handlers.customer.menu import MainMenu, TalkToPerson, main_menu
from handlers.drafts import Draft
from handlers.intents import find_order_code
from handlers.turn import Step, Turn
from handlers.types import Attachment, Button, PaymentEvent

log = logging.getLogger(__name__)


@dataclass
class SupportDraft(Draft):
    """A message for the shop being asked for."""

    about: str | None = None  # the order the customer was looking at


@dataclass
class ReceiptDraft(Draft):
    """A transfer receipt being waited for (written by checkout and "I paid")."""

    code: str | None = None  # of the order it is for


@handles(TalkToPerson)
async def _talk_to_person(turn: Turn, action: TalkToPerson) -> None:
    await ask_message(turn, action.about or None)  # "s:CODE": about that order


async def ask_message(turn: Turn, about: str | None = None) -> None:
    """Ask what to tell the shop; with a case open, say the team already has it.
    `about`: the order the customer was looking at (the admins see that one)."""
    _ = turn.t.gettext
    case = await support.open_case_of(turn.shop, turn.customer.id)
    if case is not None and case.full:
        main_menu(turn, _waiting_text(turn, case.id))
        return
    turn.reset()
    turn.go(Step.SUPPORT_MESSAGE)
    SupportDraft(about or None).write(turn.data)
    if case is None:
        text = _("Write your message and a person from the shop will answer you here.")
    else:
        text = _(
            "Your request (case #{id}) is already with the team; they will answer you "
            "here. If you want to add something, write it now."
        ).format(id=case.id)
    turn.say(text, [[Button(_("Cancel"), MainMenu().pack())]])


def _waiting_text(turn: Turn, case_id: int) -> str:
    return turn.t.gettext(
        "The team already has your messages (case #{id}) and will answer you here soon. "
        "Please wait for their reply before adding more."
    ).format(id=case_id)


async def message_typed(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    if len(text) > support.MAX_MESSAGE:
        turn.say(
            _(
                "Your message is too long ({count} characters). Please send it in parts of up "
                "to {limit}."
            ).format(count=len(text), limit=support.MAX_MESSAGE)
        )
        return
    # The order the message names, else the one they were looking at, else the service's
    # choice (their latest open order).
    about = find_order_code(text) or SupportDraft.read(turn.data).about
    sent = await support.contact_shop(turn.shop, turn.customer.id, text, about)
    if sent.outcome is support.CaseOutcome.OPENED:
        answer = _(
            "Thanks, we got your message (case #{id}). A person will answer you here soon."
        ).format(id=sent.case_id)
    elif sent.outcome is support.CaseOutcome.ADDED:
        answer = _(
            "Thanks, I added your message to case #{id}. The team already has it and will "
            "answer you here."
        ).format(id=sent.case_id)
    else:
        answer = _waiting_text(turn, sent.case_id)
    main_menu(turn, answer)


async def receipt_sent(turn: Turn, attachment: Attachment) -> None:
    """A photo or document: the transfer receipt of the order waiting for it."""
    _ = turn.t.gettext
    code = ReceiptDraft.read(turn.data).code if turn.step is Step.AWAITING_RECEIPT else None
    if code is None:
        code = await support.order_for_receipt(turn.shop, turn.customer.id)
    if code is None:
        main_menu(
            turn,
            _(
                "Thanks for the file. I only expect transfer receipts for orders paid "
                "by bank transfer; for anything else, talk to a person."
            ),
        )
        return
    await orders.attach_transfer_receipt(
        turn.shop,
        customer_actor(turn.customer.id),
        code,
        turn.incoming.channel,
        attachment.file_ref,
    )
    main_menu(
        turn,
        _(
            "Thanks! We received the receipt for order {code}. The shop will "
            "confirm your payment soon."
        ).format(code=code),
    )


async def payment_received(turn: Turn, event: PaymentEvent) -> None:
    """Record the payment once; a repeated notice changes nothing. The customer hears
    about it from the outbox message the payment writes, so nothing is said here."""
    await payments.record_payment(
        turn.shop,
        event.order_code,
        Money(event.amount, event.currency),
        provider=event.provider,
        provider_charge_id=event.provider_charge_id,
        channel_charge_id=event.channel_charge_id,
    )


async def report_incident(turn: Turn, reference: str) -> None:
    """Tell the admins an internal error happened (the reference is in the logs)."""
    try:
        await incidents.report(
            turn.shop, reference, f"{turn.incoming.channel}:{turn.incoming.user_id}"
        )
    except Exception:  # reporting must never make the answer to the person fail
        log.exception("could not report incident %s", reference)
