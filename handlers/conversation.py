"""The customer conversation: one Incoming in, a list of Replies out.

Each event: identify the customer, load where their conversation is, route the event
(button, command, answer to the current question, free text), save the new place.
Bad input always gets a translated answer and the menu; nothing raises to the channel.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from core.domain.actors import merchant
from core.domain.conversations import ConversationRecord
from core.domain.errors import DomainError, NotAllowed, StoreUnavailable
from core.services import admins, log_context
from core.services.context import Shop
from core.services.conversations import open_turn, save_conversation
from handlers import actions, commands, options, quantity_change
from handlers.admin import errors as admin_errors
from handlers.admin import phone_orders
from handlers.admin import router as admin
from handlers.capabilities import BASIC, Capabilities
from handlers.commands import Audience
from handlers.customer import cart, catalog, checkout, menu, orders, privacy, receipts, support
from handlers.customer import free_text as understood
from handlers.drafts import MalformedDraft
from handlers.errors import explain
from handlers.i18n import Translator, pick_locale
from handlers.intents import Intent, detect, find_order_code, fold
from handlers.throttle import IncomingLimiter, Verdict
from handlers.turn import Step, Turn
from handlers.types import Incoming, Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096
ESCAPE_WORDS = {"cancelar", "cancel", "salir", "exit", "menu", "menú", "inicio"}
MENU_WORDS = {"menu", "inicio", "start", "menu principal", "main menu"}


class Conversation:
    def __init__(self, shop: Shop, capabilities: Capabilities = BASIC) -> None:
        self.shop = shop
        # The channel's: each turn shapes its answer for it (a card only where it's taken).
        self.capabilities = capabilities
        # Every channel hands each person's every message to handle(): the one place to
        # limit how fast people may write (INCOMING_PER_MINUTE, INCOMING_BURST).
        self.limiter = IncomingLimiter(
            shop.settings.incoming_per_minute, shop.settings.incoming_burst
        )

    async def handle(self, incoming: Incoming) -> list[Reply]:
        try:
            return await self._handle(incoming)
        except StoreUnavailable:
            # The database is away for a moment: say so in the person's language as the
            # channel reports it (their saved one can't be read now). Nothing changed.
            log_context.note_outcome("unavailable")
            t = Translator(
                pick_locale(incoming.locale, self.shop.settings.default_locale),
                self.shop.settings.store_country,
            )
            text = t.gettext("We are having a moment of trouble. Please try again in a minute.")
            # Its language travels with it: the channel can't look the person's up now.
            return [Reply(text, locale=t.locale)]

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        locale = pick_locale(incoming.locale, self.shop.settings.default_locale)
        customer, record, is_admin = await open_turn(
            self.shop, incoming.channel, incoming.user_id, name=incoming.name, locale=locale
        )
        # Admins run the shop and are never held back; a payment the channel reports is
        # money, not a message, and is always recorded.
        if not is_admin and incoming.payment is None:
            verdict = self.limiter.check(incoming.channel, incoming.user_id)
            if verdict is not Verdict.HANDLE:
                log_context.note_outcome("refused")  # counted on /metrics
            if verdict is Verdict.SLOW_DOWN:  # logged once a spell, not once a message
                log.warning("%s:%s writes too fast", incoming.channel, incoming.user_id)
                return [_slow_down(self.shop, customer.locale or locale)]
            if verdict is Verdict.IGNORE:
                return []
        # Most turns (browsing, asking where an order is) leave it where it was: then
        # there is nothing to write.
        stored = record.snapshot() if record is not None else None
        record = record or ConversationRecord(incoming.channel, incoming.user_id, str(Step.MENU))
        turn = Turn(
            self.shop,
            customer,
            record,
            Translator(customer.locale or locale, self.shop.settings.store_country),
            incoming,
            self.capabilities,
        )
        try:
            await (admin_route(turn) if is_admin else route(turn))
        except StoreUnavailable:
            raise
        except DomainError as error:
            await admin_errors.explain(turn, error) if is_admin else explain(turn, error)
        except MalformedDraft as error:
            await draft_lost(turn, error, is_admin)
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("conversation error ref=%s user=%s", reference, incoming.user_id)
            log_context.note_outcome("error")  # answered with the apology, still a crash
            await support.report_incident(turn, reference)
            turn.reset()
            turn.say(
                turn.t.gettext(
                    "Sorry, something went wrong on our side (reference {ref}). "
                    "Please try again in a moment."
                ).format(ref=reference),
                menu.menu_buttons(turn.t),
            )
        options.remember(turn.record.data, turn.replies)
        if turn.record.snapshot() != stored and not turn.forgotten:
            await save_conversation(self.shop, turn.record)
        replies = turn.replies
        if not replies and incoming.payment is None:  # a payment's outbox notice speaks
            replies = [Reply(turn.t.gettext("What would you like to do?"))]
        for reply in replies:
            reply.locale = turn.t.locale  # the channel writes its own bits in it too
        log_context.note_outcome("answered" if replies else "silent")
        return replies


async def draft_lost(turn: Turn, error: MalformedDraft, is_admin: bool) -> None:
    """The stored draft had values of the wrong shape or lacked one its step stands on (a
    row from an older version, or written by hand): drop those values and ask again,
    politely. Nothing was changed by this turn before the draft was read."""
    log.warning("%s:%s at %s: %s", turn.incoming.channel, turn.incoming.user_id, turn.step, error)
    _ = turn.t.gettext
    turn.replies.clear()
    for name in error.fields:
        turn.data.pop(name, None)
    if not is_admin and turn.step in checkout.CHECKOUT_STEPS:
        try:
            checkout.resume_after_loss(turn)
            turn.say(_("Sorry, I lost part of your order's details. Let's pick it up here:"))
            await checkout.prompt(turn)
            return
        except MalformedDraft:
            turn.replies.clear()
    turn.reset()
    text = _("Sorry, I lost track of what we were doing. Please start it again.")
    if is_admin:
        turn.say(text)
    else:
        menu.main_menu(turn, text)


def _slow_down(shop: Shop, locale: str) -> Reply:
    """The one answer to a person over the limit; nothing they sent was handled."""
    t = Translator(locale, shop.settings.store_country)
    text = t.gettext("You're sending messages very fast. Give me a moment, then try again.")
    return Reply(text, locale=t.locale)


async def route(turn: Turn) -> None:
    incoming = turn.incoming
    if incoming.opened:
        await resume(turn)
    elif incoming.payment is not None:
        await support.payment_received(turn, incoming.payment)
    elif incoming.catalog_order:
        await cart.catalog_order(turn, list(incoming.catalog_order))
    elif incoming.payload is not None:
        await button(turn, incoming.payload)
    elif incoming.unreadable:
        await unreadable(turn)
    elif incoming.attachment is not None:
        await support.receipt_sent(turn, incoming.attachment)
    elif incoming.contact_phone is not None:
        await checkout.contact_shared(turn, incoming.contact_phone)
    elif incoming.location is not None:
        await checkout.location_shared(
            turn, incoming.location.latitude, incoming.location.longitude
        )
    elif (
        incoming.reply_ref.startswith("case:")
        and _words(incoming.text)
        and turn.step
        in (
            Step.MENU,
            Step.SUPPORT_MESSAGE,
        )
    ):  # an answer to the shop's; mid-checkout the question on screen comes first
        await support.message_typed(turn, _words(incoming.text))
    else:
        await text(turn, incoming.text or "")


def _words(text: str | None) -> str:
    """Typed words, not a command ("/menu" replying to a message is still a command)."""
    text = (text or "").strip()
    return "" if text.startswith("/") else text


async def admin_route(turn: Turn) -> None:
    """An admin's chat: commands, admin buttons, answers; anything else shows the help."""
    incoming = turn.incoming
    text_in = (incoming.text or "").strip()
    if incoming.opened and turn.step in phone_orders.STEPS:
        await phone_orders.resume(turn)
    elif incoming.opened and turn.step is not Step.MENU:  # another question stays open
        turn.say(turn.t.gettext("Welcome back! Type your answer, or /menu to stop."))
    elif incoming.payload is not None:
        # An admin action, carried out by the feature that registered it; a customer's
        # button, a payload none of ours carries, or a handler saying it no longer fits
        # (False): a button from an older message.
        action = actions.parse(incoming.payload)
        handler = actions.handler_for(action) if action is not None and action.admin else None
        if handler is None or await handler(turn, action) is False:
            admin.older_button(turn)
    elif text_in and incoming.reply_ref.startswith("case:"):
        case_id = incoming.reply_ref.partition(":")[2]
        await admin.run(turn, "reply", f"{case_id} {text_in}")
    elif text_in.startswith("/"):
        await admin.command(turn, text_in)
    elif text_in and await admin.answer(turn, text_in):
        pass
    elif text_in and (code := find_order_code(text_in)):
        await admin.run(turn, "order", code)
    elif not text_in and turn.step is not Step.MENU:  # a sticker: the question stays open
        turn.say(
            turn.t.gettext("I didn't get any text. Please type your answer, or /menu to stop.")
        )
    else:
        admin.help_text(turn)


async def refuse_admin_action(turn: Turn, action: str) -> None:
    """Someone who isn't an admin tried an admin command or button: the service refuses
    (and logs it); nothing changes."""
    actor = merchant(f"{turn.incoming.channel}:{turn.incoming.user_id}")
    try:
        await admins.authorize(turn.shop, actor, action)
    except NotAllowed:
        menu.main_menu(turn, turn.t.gettext("Sorry, that is only for the shop's team."))
        return
    menu.main_menu(turn)  # became an admin this very moment: the next message is theirs


async def resume(turn: Turn) -> None:
    """The chat was opened again: pick up where the person left off."""
    if turn.step in checkout.CHECKOUT_STEPS:
        turn.say(turn.t.gettext("Welcome back! Let's continue with your order."))
        await checkout.prompt(turn)
    else:
        menu.greet(turn)


async def button(turn: Turn, payload: str) -> None:
    """A button: its action, carried out by the feature that registered it. A payload
    no button of ours carries, or a handler saying it no longer fits (False): stale."""
    if actions.is_admin_payload(payload):
        await refuse_admin_action(turn, payload)
        return
    action = actions.parse(payload)
    handler = actions.handler_for(action) if action is not None else None
    if handler is None or await handler(turn, action) is False:
        await stale(turn)


async def stale(turn: Turn) -> None:
    """A button from an older message that no longer fits: say so, show where we are."""
    _ = turn.t.gettext
    if turn.step in checkout.CHECKOUT_STEPS:
        turn.say(_("That button is from an earlier step. Let's continue here:"))
        await checkout.prompt(turn)
    else:
        menu.main_menu(turn, _("That button is from an older message. Here is the menu:"))


async def text(turn: Turn, raw: str) -> None:
    _ = turn.t.gettext
    message = raw.strip()
    if not message:
        await nothing_typed(turn)
        return
    if len(message) > MAX_TEXT:
        turn.say(
            _("Your message is very long ({count} characters). Please send a shorter one.").format(
                count=len(message)
            )
        )
        return
    if message.startswith("/"):
        await command(turn, message)
        return
    if fold(message) in ESCAPE_WORDS and turn.step is not Step.MENU:
        menu.main_menu(turn, _("OK, I stopped that. Your cart is still saved."))
        return
    if fold(message) in MENU_WORDS:  # "menú" where no question is open: the menu itself
        menu.main_menu(turn)
        return
    if turn.step not in NOT_INTERRUPTED and detect(message) in INTERRUPTIONS:
        await free_text(turn, message)  # "¿dónde está mi pedido?" is never a name or a street
        return
    if turn.step in checkout.CHECKOUT_STEPS and await understood.aside(turn, message):
        await checkout.prompt(turn)  # "¿cuánto cuesta el envío?": answered, then on
        return
    loose = turn.step in OPTION_STEPS
    if (payload := options.choice(turn.data, message, loose=loose)) is not None:
        await button(turn, payload)  # "sí", "transferencia", "volver": the button meant
        return
    if await typed_quantity(turn, message):
        return
    if await answer(turn, message):
        return
    if turn.step is Step.MENU and await orders.rate_latest(turn, message):
        return
    await free_text(turn, message)


async def typed_quantity(turn: Turn, message: str) -> bool:
    """ "+1", "quita uno", "pon 3" typed with a cart line or a product in view."""
    change = quantity_change.parse(message)
    if change is None:
        return False
    return await cart.typed_change(turn, change) or await catalog.typed_change(turn, change)


async def nothing_typed(turn: Turn, said: str = "") -> None:
    """A blank message, a sticker, something without text: a pending question stays
    pending (nothing typed mid-checkout must not throw the checkout away)."""
    _ = turn.t.gettext
    if turn.step is Step.MENU:
        menu.main_menu(turn, said or _("I didn't get any text. What would you like to do?"))
    elif turn.step in checkout.CHECKOUT_STEPS:
        turn.say(said or _("I didn't get any text."))
        await checkout.prompt(turn)
    else:
        turn.say(said or _("I didn't get any text. Please type your answer, or “menu” to stop."))


async def unreadable(turn: Turn) -> None:
    """Something the channel could not show us (a poll, a photo WhatsApp did not pass
    on): ask for it again; a pending question stays pending."""
    await nothing_typed(
        turn, turn.t.gettext("I couldn't open that message. Please send it again, or write it.")
    )


async def answer(turn: Turn, message: str) -> bool:
    """A typed answer to the question the conversation is waiting on."""
    step = turn.step
    if step is Step.ASK_QUANTITY:
        await catalog.quantity_typed(turn, message)
    elif step in checkout.CHECKOUT_STEPS:
        await checkout.text_typed(turn, message)
    elif step is Step.RATING:
        await orders.rating_typed(turn, message)
    elif step is Step.RATING_COMMENT:
        await orders.rating_comment(turn, message)
    elif step is Step.RETURN_REASON:
        await orders.return_reason(turn, message)
    elif step is Step.SUPPORT_MESSAGE:
        await support.message_typed(turn, message)
    elif step is Step.RETURN_QUANTITY:
        await orders.return_quantity_typed(turn, message)
    elif step is Step.RETURN_RESOLUTION:
        await orders.return_resolution_typed(turn, message)
    elif step is Step.RETURN_REPLACEMENT:
        await orders.replacement_typed(turn, message)
    else:
        return False
    return True


async def command(turn: Turn, message: str) -> None:
    """A customer's /command, by the catalogue (handlers/commands.py)."""
    name = message.split()[0].split("@")[0].lower()
    if commands.admin_only(message):
        await refuse_admin_action(turn, name)
        return
    found = commands.find(message, Audience.CUSTOMER)
    if found is None:
        menu.main_menu(
            turn,
            turn.t.gettext("I don't know the command {command}. Try /help.").format(
                command=name[:30]
            ),
        )
        return
    await do(turn, found.action, message)


async def _start(turn: Turn, message: str) -> None:
    argument = message.split()[1] if len(message.split()) > 1 else ""
    if argument.startswith("p_"):
        await catalog.show_product_by_sku(turn, argument[2:])  # a t.me/<bot>?start=p_SKU link
    else:
        menu.greet(turn)


async def _cancel(turn: Turn, code: str | None) -> None:
    """/cancelar PED-X: that order (or "not among your orders"); without a code, the
    customer's cancellable order, as "cancelar" typed alone."""
    if code is not None:
        await orders.ask_cancel(turn, code)
    else:
        await free_text(turn, "cancelar")


async def _sync(run: Callable[[Turn], None], turn: Turn) -> None:
    run(turn)


# What each customer command of the catalogue does, by its action.
COMMAND_ACTIONS: dict[str, Callable[[Turn, str], Awaitable[None]]] = {
    "start": _start,
    "help": lambda turn, _message: _sync(menu.show_help, turn),
    "language": lambda turn, _message: _sync(menu.ask_language, turn),
    "cart": lambda turn, _message: cart.show_cart(turn),
    "orders": lambda turn, _message: orders.list_orders(turn),
    "catalog": lambda turn, _message: catalog.show_categories(turn),
    "track": lambda turn, message: orders.track(turn, find_order_code(message)),
    "human": lambda turn, _message: support.ask_message(turn),
    "cancel": lambda turn, message: _cancel(turn, find_order_code(message)),
    "privacy": lambda turn, _message: _sync(privacy.show_privacy, turn),
    "my_data": lambda turn, _message: privacy.send_my_data(turn),
    "forget_me": lambda turn, _message: privacy.ask_forget(turn),
    # With a code, that order's receipt if it is theirs; without, what "mi recibo" does.
    "receipt": lambda turn, message: receipts.asked(turn, find_order_code(message), message),
}
commands.check_answered(COMMAND_ACTIONS, Audience.CUSTOMER)


async def do(turn: Turn, action: str, message: str = "") -> None:
    await COMMAND_ACTIONS[action](turn, message)


# Questions answered by choosing one of the buttons: there a word of a label is enough
# ("estandar", "express"), and nothing typed is taken as a free answer.
OPTION_STEPS = {
    Step.CHECKOUT_ADDRESS,
    Step.CHECKOUT_SHIPPING,
    Step.CHECKOUT_PAYMENT,
    Step.CHECKOUT_CONFIRM,
    Step.RETURN_RESOLUTION,
    Step.ADDRESS_CONFIRM,
    Step.ADDRESS_FIX,
}

# Questions that win over whatever the conversation was waiting for.
INTERRUPTIONS = {Intent.TRACK, Intent.HUMAN, Intent.HELP, Intent.ORDERS}
# Not where nothing is waiting, nor where whatever is typed is for the shop's team
# ("tengo una duda con mi pedido" is the message, "mi pedido llegó roto" the return's
# reason: not tracking questions).
NOT_INTERRUPTED = {Step.MENU, Step.SUPPORT_MESSAGE, Step.RETURN_REASON, Step.RATING_COMMENT}


async def free_text(turn: Turn, message: str) -> None:
    if asked := privacy.requested(message):  # "mis datos", "borrar mis datos"
        await do(turn, asked, message)
        return
    await understood.reply(turn, message)
