"""The cart: what is in it, changing quantities, removing, emptying."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.cart import MAX_LINE_QUANTITY
from core.domain.money import Money
from core.domain.stockouts import StockoutSource
from core.services import cart, stockouts
from core.services.cart import CartView
from handlers.actions import Action, handles
from handlers.customer.menu import ShowCart, ShowCategories, StartCheckout
from handlers.drafts import Draft
from handlers.quantity_change import Change, Kind
from handlers.render import money
from handlers.turn import Step, Turn
from handlers.types import Button, OrderedItem

CART = StockoutSource.CART

# What a typed "+1" or "quita uno" applies to when the screen shows more than one line.
PENDING = "pending_change"


@dataclass(frozen=True)
class EditCart(Action, prefix="ce"):
    pass


@dataclass(frozen=True)
class EditLine(Action, prefix="cl"):
    product_id: int


@dataclass(frozen=True)
class SetQuantity(Action, prefix="ci"):
    product_id: int
    quantity: int  # 0 removes the line


@dataclass(frozen=True)
class EmptyCart(Action, prefix="cx"):
    pass


@dataclass
class CartLineDraft(Draft):
    """The cart line on screen, whose quantity a typed "3" or "+1" changes."""

    product_id: int | None = None


@handles(ShowCart)
async def _show_cart(turn: Turn, action: ShowCart) -> None:
    await show_cart(turn)


@handles(EditCart)
async def _edit_cart(turn: Turn, action: EditCart) -> None:
    await edit_cart(turn)


@handles(EditLine)
async def _edit_line(turn: Turn, action: EditLine) -> None:
    await edit_line(turn, action.product_id)


@handles(SetQuantity)
async def _set_quantity(turn: Turn, action: SetQuantity) -> None:
    await set_quantity(turn, action.product_id, max(action.quantity, 0))


@handles(EmptyCart)
async def _empty(turn: Turn, action: EmptyCart) -> None:
    await empty(turn)


def empty_cart_reply(turn: Turn, note: str = "") -> None:
    _ = turn.t.gettext
    turn.reset()
    text = _("Your cart is empty. Take a look at the catalog:")
    turn.say(f"{note}\n{text}" if note else text, [[Button(_("Catalog"), ShowCategories().pack())]])


async def show_cart(turn: Turn, note: str = "") -> None:
    _ = turn.t.gettext
    view = await cart.view_cart(turn.shop, turn.customer.id)
    if view.is_empty:
        empty_cart_reply(turn, note)
        return
    turn.reset()
    cur = view.totals.subtotal.currency
    lines = [note] if note else []
    lines.append("🛒 " + _("Your cart:"))
    for line in view.lines:
        text = f"{line.quantity} × {line.name} — {money(turn.t, line.total.amount, cur)}"
        if line.available < line.quantity:
            text += " " + _("(only {n} available)").format(n=max(line.available, 0))
        lines.append(text)
    lines.append(
        _("Subtotal: {amount}").format(amount=money(turn.t, view.totals.subtotal.amount, cur))
    )
    lines.append(_("Shipping is calculated at checkout."))
    turn.data["cart_shown"] = True  # "+1" or "pon 3" typed next: a line of this cart
    turn.say(
        "\n".join(lines),
        [
            [Button(_("Check out"), StartCheckout().pack())],
            [
                Button(_("Change quantities"), EditCart().pack()),
                Button(_("Empty cart"), EmptyCart().pack()),
            ],
            [Button(_("Keep shopping"), ShowCategories().pack())],
        ],
        expects_number=True,  # "3" is three of it, not the third button
    )


async def edit_cart(turn: Turn, pending: Change | None = None) -> None:
    _ = turn.t.gettext
    view = await cart.view_cart(turn.shop, turn.customer.id)
    if view.is_empty:
        empty_cart_reply(turn)
        return
    turn.reset()
    if pending is not None:  # applied to the line chosen next
        turn.data[PENDING] = [str(pending.kind), pending.amount]
    rows = [
        [Button(f"{line.name} ×{line.quantity}", EditLine(line.product_id).pack())]
        for line in view.lines
    ]
    rows.append([Button(_("Back to cart"), ShowCart().pack())])
    turn.say(_("Which product do you want to change?"), rows)


async def edit_line(turn: Turn, product_id: int) -> None:
    _ = turn.t.gettext
    pending = turn.in_view(PENDING)
    view = await cart.view_cart(turn.shop, turn.customer.id)
    line = _line(view, product_id)
    if line is None:
        await show_cart(turn, _("That product is no longer in your cart."))
        return
    if pending:  # "+1" typed before choosing which line
        kind, amount = pending  # type: ignore[misc]
        await change_line(turn, product_id, Change(Kind(kind), int(amount)))
        return
    rows = [[Button("−1", SetQuantity(product_id, line.quantity - 1).pack())]]
    if line.quantity < min(line.available, MAX_LINE_QUANTITY):
        rows[0].append(Button("+1", SetQuantity(product_id, line.quantity + 1).pack()))
    rows.append([Button(_("Remove"), SetQuantity(product_id, 0).pack())])
    rows.append([Button(_("Back to cart"), ShowCart().pack())])
    turn.reset()
    turn.go(Step.CART_LINE)
    CartLineDraft(product_id).write(turn.data)
    text = _("{name}: {qty} in your cart.").format(name=line.name, qty=line.quantity)
    text += "\n" + _("Type how many you want (for example 2), or +1 / -1.")
    turn.say(text, rows, expects_number=True)


def _line(view: CartView, product_id: int):
    return next((line for line in view.lines if line.product_id == product_id), None)


async def set_quantity(turn: Turn, product_id: int, quantity: int) -> bool:
    """Set the line and show the cart; False (and why, with the cart) when refused."""
    _ = turn.t.gettext
    most = MAX_LINE_QUANTITY
    if quantity > most:
        turn.say(_("At most {most} per product.").format(most=most))
        quantity = most
    view = await cart.view_cart(turn.shop, turn.customer.id)
    line = _line(view, product_id)
    if line is not None and quantity > line.quantity and quantity > line.available:
        await stockouts.told(turn.shop, CART, line.sku, line.name, quantity, line.available)
        note = turn.t.ngettext(
            "Only {n} {name} is available.", "Only {n} {name} are available.", line.available
        ).format(n=max(line.available, 0), name=line.name)
        await show_cart(turn, note)
        return False
    await cart.set_quantity(turn.shop, turn.customer.id, product_id, quantity)
    await show_cart(turn)
    return True


async def change_line(turn: Turn, product_id: int, change: Change) -> None:
    """A typed change ("+1", "quita uno", "pon 3") to one line of the cart."""
    view = await cart.view_cart(turn.shop, turn.customer.id)
    line = _line(view, product_id)
    if line is None:
        await show_cart(turn, turn.t.gettext("That product is no longer in your cart."))
        return
    wanted = min(change.applied_to(line.quantity), MAX_LINE_QUANTITY)
    if await set_quantity(turn, product_id, wanted) and wanted != line.quantity:
        done = turn.t.gettext("{name}: {old} → {new}.").format(
            name=line.name, old=line.quantity, new=wanted
        )  # which line changed, and how: with several lines it may not be obvious
        turn.replies[-1].text = f"{done}\n{turn.replies[-1].text}"


async def typed_change(turn: Turn, change: Change) -> bool:
    """A quantity change typed on a cart screen. False when no cart line is in view."""
    line = CartLineDraft.read(turn.data).product_id if turn.step is Step.CART_LINE else None
    if line is not None:
        await change_line(turn, line, change)
        return True
    if turn.step is not Step.MENU or not turn.in_view("cart_shown"):
        return False
    view = await cart.view_cart(turn.shop, turn.customer.id)
    if view.is_empty:
        return False
    if len(view.lines) == 1:
        await change_line(turn, view.lines[0].product_id, change)
    else:
        await edit_cart(turn, change)  # which line? the change waits for the answer
    return True


async def empty(turn: Turn) -> None:
    await cart.clear_cart(turn.shop, turn.customer.id)
    empty_cart_reply(turn, turn.t.gettext("Done, your cart is empty now."))


async def catalog_order(turn: Turn, items: list[OrderedItem]) -> None:
    """An order sent from the channel's catalog becomes the cart; what differs from the
    shop (unknown products, other prices, less stock) is said before checking out."""
    _ = turn.t.gettext
    result = await cart.cart_from_catalog_order(
        turn.shop,
        turn.customer.id,
        [(i.sku, i.quantity, Money(i.price, i.currency)) for i in items],
    )
    notes = [_("I put your order from the catalog in your cart.")]
    notes += [
        _("{sku} is not sold here any more, so it was left out.").format(sku=sku)
        for sku in result.unknown
    ]
    notes += [
        _("{name} costs {new} now (the catalog showed {old}).").format(
            name=change.name,
            new=money(turn.t, change.new_price, turn.shop.currency),
            old=money(turn.t, change.old_price, turn.shop.currency),
        )
        for change in result.price_changes
    ]
    notes += [
        turn.t.ngettext(
            "Only {n} {name} is available; your cart has {n}.",
            "Only {n} {name} are available; your cart has {n}.",
            shortage.available,
        ).format(n=shortage.available, name=shortage.name)
        for shortage in result.shortages
    ]
    await show_cart(turn, "\n".join(notes))
