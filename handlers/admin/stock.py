"""/stock: the stock levels, low first; set or adjust one product's."""

from __future__ import annotations

from core.domain.catalog import Product
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
    if number is None:
        turn.say(_("“{value}” is not a whole number.").format(value=amount[:20]))
        return
    if amount.startswith(("+", "-")):
        product = await inventory.adjust_stock(turn.shop, actor(turn), sku, number, note)
    else:
        product = await inventory.set_stock(turn.shop, actor(turn), sku, number, note)
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
