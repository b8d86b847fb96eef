"""The admin's product commands: show one, change its price, description or photo,
activate or deactivate it, create one."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.errors import InvalidAmount
from core.domain.money import Money
from core.services import catalog, inventory
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.admin.stock import stock_line
from handlers.render import money
from handlers.turn import Turn
from handlers.types import Button


# The toggle of a product's card.
@dataclass(frozen=True)
class ActivateProduct(Action, prefix="pa", admin=True):
    product_id: int


@dataclass(frozen=True)
class DeactivateProduct(Action, prefix="pd", admin=True):
    product_id: int


async def product_command(turn: Turn, action: str, rest: str) -> None:
    _ = turn.t.gettext
    sku, _sep, value = rest.partition(" ")
    value = value.strip()
    if not sku:
        turn.say(_("Which product? Add its SKU."))
        return
    who = actor(turn)
    if action == "price":
        try:
            price = Money.parse(value, turn.shop.currency)
        except InvalidAmount:
            turn.say(_("Write the price like 199.90."))
            return
        await catalog.update_product(turn.shop, who, sku, price=price)
    elif action == "description" and value:
        await catalog.update_product(turn.shop, who, sku, description=value[:2000])
    elif action == "image" and value:
        await catalog.update_product(turn.shop, who, sku, image_url=value[:500])
    elif action in ("activate", "deactivate"):
        await catalog.update_product(turn.shop, who, sku, active=action == "activate")
    await show_product(turn, sku)


# Product 0 ("pa:0") is no product of ours: False, answered as a button from an older
# message.
@handles(ActivateProduct)
@handles(DeactivateProduct)
async def set_active(turn: Turn, action: ActivateProduct | DeactivateProduct) -> bool:
    """The Activate / Deactivate button of a product's card."""
    if not action.product_id:
        return False
    product = await catalog.get_product(turn.shop, product_id=action.product_id)
    active = isinstance(action, ActivateProduct)
    await product_command(turn, "activate" if active else "deactivate", product.sku)
    return True


async def show_product(turn: Turn, sku: str) -> None:
    _ = turn.t.gettext
    product = await inventory.product_for_admin(turn.shop, actor(turn), sku)
    state = _("active") if product.active else _("inactive")
    text = "\n".join(
        [
            f"{product.sku} · {product.name} ({state})",
            money(turn.t, product.price.amount, product.price.currency),
            product.description,
            stock_line(turn, product),
        ]
    )
    toggle = (
        Button(_("Deactivate"), DeactivateProduct(product.id).pack())
        if product.active
        else Button(_("Activate"), ActivateProduct(product.id).pack())
    )
    turn.say(text, [[toggle]], image_url=product.image_url)


async def new_product(turn: Turn, rest: str) -> None:
    _ = turn.t.gettext
    parts = [p.strip() for p in rest.split(";")]
    if len(parts) < 4:
        turn.say(_("Write /nuevo SKU; name; price; stock; category"))
        return
    sku, name, price, stock_text = parts[:4]
    category = parts[4] if len(parts) > 4 else ""
    await catalog.create_product(turn.shop, actor(turn), sku, name, price, stock_text, category)
    await show_product(turn, sku)
