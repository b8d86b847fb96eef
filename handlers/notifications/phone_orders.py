"""What a customer is told when the shop takes an order for them by phone or at the
counter (core/services/phone_orders.py): what their own checkout would have said."""

from __future__ import annotations

from core.domain.events import OrderTaken
from core.domain.orders import OrderStatus, PaymentMethod
from handlers.customer.payment import PayOrder
from handlers.notifications.customer import track_row
from handlers.notifications.registry import Context, links_tracking_page, renders
from handlers.render import money
from handlers.types import Button, Reply


@renders(OrderTaken)
@links_tracking_page
def order_taken(c: Context, e: OrderTaken) -> Reply:
    _ = c.t.gettext
    total = money(c.t, e.total, e.currency)
    text = [
        "✅ "
        + _("{shop} took your order {code}. Total: {total}.").format(
            shop=c.shop.settings.store_name, code=e.code, total=total
        )
    ]
    buttons = track_row(c.t, e.code)
    if e.payment_method is PaymentMethod.BANK_TRANSFER:
        text.append(_("Please transfer {total} to:").format(total=total))
        text.append(c.shop.settings.bank_transfer_details)
        text.append(_("Then send a photo of the receipt here, and we will confirm your order."))
    elif e.payment_method is PaymentMethod.CARD:
        text.append(_("Pay with the button below to confirm it."))
        buttons = [[Button(_("Pay"), PayOrder(e.code).pack())], *buttons]
    elif e.status is OrderStatus.CONFIRMED and e.pickup:
        text.append(_("It is confirmed. You pay {total} when you pick it up.").format(total=total))
    elif e.status is OrderStatus.CONFIRMED:
        text.append(_("It is confirmed. You pay {total} on delivery.").format(total=total))
    else:
        text.append(
            _("The shop will confirm it shortly. You pay {total} on delivery.").format(total=total)
        )
    text.append(_("Ask “where is my order?” any time."))
    return Reply("\n".join(text), buttons)
