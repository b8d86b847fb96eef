"""/stock: the stock levels, low first; set or adjust one product's."""

from __future__ import annotations

import re

from babel.numbers import format_decimal

from core.domain.catalog import Product
from core.domain.errors import InvalidQuantity
from core.services import inventory
from handlers.admin.actor import actor
from handlers.payloads import whole_number
from handlers.turn import Turn


async def stock(turn: Turn, args: list[str], rest: str) -> None:
    _ = turn.t.gettext
    if not args:
        products = await inventory.stock_list(turn.shop, actor(turn))
        lines = [_("Stock (low first):")]
        lines += [stock_line(turn, p) for p in products[:40]]
        turn.say("\n".join(lines))
        return
    if len(args) < 2:
        turn.say(_("Write /stock SKU N to set, or /stock SKU +N / -N to adjust."))
        return
    sku, amount, note = args[0], args[1], " ".join(args[2:]) or "chat"
    number = whole_number(amount)
    if number is None and re.fullmatch(r"[+-]?[0-9]+", amount):
        # Whole, just too big for a count: the service refuses it, saying its range.
        digits = amount.lstrip("+-")
        number = int(amount) if len(digits) <= 30 else 10**30 * (-1 if amount[0] == "-" else 1)
    if number is None:
        turn.say(_("“{value}” is not a whole number.").format(value=amount[:20]))
        return
    adjusting = amount.startswith(("+", "-"))
    try:
        if adjusting:
            product = await inventory.adjust_stock(turn.shop, actor(turn), sku, number, note)
        else:
            product = await inventory.set_stock(turn.shop, actor(turn), sku, number, note)
    except InvalidQuantity as refused:
        if "maximum" not in refused.data:
            raise  # below what is reserved: the admin chat's common answer
        maximum = format_decimal(int(refused.data["maximum"]), locale=turn.t.format_locale)
        if adjusting:
            text = _(
                "Adjust by a whole number of units from 1 to {maximum}, after + or - (not {value})."
            )
        else:
            text = _("Stock is set to a whole number from 0 to {maximum} (not {value}).")
        turn.say(text.format(maximum=maximum, value=amount[:20]))
        return
    turn.say(_("Stock updated.") + "\n" + stock_line(turn, product))


def stock_line(turn: Turn, product: Product) -> str:
    _ = turn.t.gettext
    flag = "⚠️ " if product.is_low_on_stock else ""
    hidden = "" if product.active else " " + _("(inactive)")
    ngettext = turn.t.ngettext  # "1 reservado", "2 reservados": each count and its word
    counts = _("{available} ({on_hand}, {reserved})").format(
        available=ngettext("{count} available", "{count} available", product.available).format(
            count=product.available
        ),
        on_hand=ngettext("{count} on hand", "{count} on hand", product.on_hand).format(
            count=product.on_hand
        ),
        reserved=ngettext("{count} reserved", "{count} reserved", product.reserved).format(
            count=product.reserved
        ),
    )
    return f"{flag}{product.sku} · {product.name}: {counts}{hidden}"
