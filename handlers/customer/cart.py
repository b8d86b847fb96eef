"""The cart: what is in it, changing quantities, removing, emptying."""

from __future__ import annotations

from core.domain.cart import MAX_LINE_QUANTITY
from core.domain.money import Money
from core.services import cart
from handlers.payloads import pack
from handlers.render import money
from handlers.turn import Turn
from handlers.types import Button, OrderedItem


def empty_cart_reply(turn: Turn, note: str = "") -> None:
    _ = turn.t.gettext
    turn.reset()
    text = _("Your cart is empty. Take a look at the catalog:")
    turn.say(f"{note}\n{text}" if note else text, [[Button(_("Catalog"), pack("cat"))]])


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
    turn.say(
        "\n".join(lines),
        [
            [Button(_("Check out"), pack("co"))],
            [Button(_("Change quantities"), pack("ce")), Button(_("Empty cart"), pack("cx"))],
            [Button(_("Keep shopping"), pack("cat"))],
        ],
    )


async def edit_cart(turn: Turn) -> None:
    _ = turn.t.gettext
    view = await cart.view_cart(turn.shop, turn.customer.id)
    if view.is_empty:
        empty_cart_reply(turn)
        return
    rows = [
        [Button(f"{line.name} ×{line.quantity}", pack("cl", line.product_id))]
        for line in view.lines
    ]
    rows.append([Button(_("Back to cart"), pack("cart"))])
    turn.say(_("Which product do you want to change?"), rows)


async def edit_line(turn: Turn, product_id: int) -> None:
    _ = turn.t.gettext
    view = await cart.view_cart(turn.shop, turn.customer.id)
    line = next((line for line in view.lines if line.product_id == product_id), None)
    if line is None:
        await show_cart(turn, _("That product is no longer in your cart."))
        return
    rows = [[Button("−1", pack("ci", product_id, line.quantity - 1))]]
    if line.quantity < min(line.available, MAX_LINE_QUANTITY):
        rows[0].append(Button("+1", pack("ci", product_id, line.quantity + 1)))
    rows.append([Button(_("Remove"), pack("ci", product_id, 0))])
    rows.append([Button(_("Back to cart"), pack("cart"))])
    turn.say(_("{name}: {qty} in your cart.").format(name=line.name, qty=line.quantity), rows)


async def set_quantity(turn: Turn, product_id: int, quantity: int) -> None:
    await cart.set_quantity(turn.shop, turn.customer.id, product_id, quantity)
    await show_cart(turn)


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
