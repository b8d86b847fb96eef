"""Admin commands, buttons and answers. Every action calls a service as the merchant
the person claims to be; the service checks the claim, so a customer trying an admin
command is refused there, changes nothing, and is logged."""

from __future__ import annotations

from core.domain.actors import Actor, merchant
from core.domain.catalog import Product
from core.domain.errors import InvalidAmount
from core.domain.money import Money
from core.domain.orders import OrderStatus, PaymentRequired, normalize_order_code
from core.domain.returns import ReturnRequest, ReturnStatus
from core.services import (
    admins,
    catalog,
    catalog_io,
    inventory,
    orders,
    payments,
    reports,
    returns,
    shipping,
    support,
)
from handlers.admin import privacy as customer_privacy
from handlers.admin.cards import order_card, timeline_text, unpaid_refusal
from handlers.admin.export import orders_csv
from handlers.admin.reports import period, report_chart, report_text
from handlers.admin.status_words import (
    ALL,
    AWAITING_PAYMENT,
    status_from_words,
    words_that_work,
)
from handlers.payloads import int_arg, pack, unpack, whole_number
from handlers.quoting import inline, one_line, quoted
from handlers.render import money, order_status_name, status_name
from handlers.turn import Step, Turn
from handlers.types import Button, Document

LIST_PAGE = 8
CASES_SHOWN = 10  # /casos: the ones waiting longest (a button pair each)

COMMANDS = {
    "/ayuda": "help", "/help": "help", "/start": "help", "/menu": "help",
    "/pedidos": "orders", "/orders": "orders",
    "/pedido": "order", "/order": "order",
    "/confirmar": "confirm", "/confirm": "confirm",
    "/confirmar_sin_pago": "confirm_unpaid", "/confirm_unpaid": "confirm_unpaid",
    "/rechazar": "reject", "/reject": "reject",
    "/preparar": "prepare", "/prepare": "prepare",
    "/empacado": "packed", "/packed": "packed",
    "/enviar": "ship", "/ship": "ship",
    "/entregado": "delivered", "/delivered": "delivered",
    "/cancelar": "cancel", "/cancel": "cancel",
    "/reembolso": "refund", "/refund": "refund",
    "/pagado": "paid", "/paid": "paid",
    "/etiqueta": "label", "/label": "label",
    "/devoluciones": "returns", "/returns": "returns",
    "/stock": "stock", "/existencias": "stock",
    "/producto": "product", "/product": "product",
    "/nuevo": "new_product", "/new": "new_product",
    "/precio": "price", "/price": "price",
    "/descripcion": "description", "/description": "description",
    "/foto": "image", "/image": "image",
    "/activar": "activate", "/activate": "activate",
    "/desactivar": "deactivate", "/deactivate": "deactivate",
    "/responder": "reply", "/reply": "reply",
    "/cerrar": "close", "/close": "close",
    "/casos": "cases", "/cases": "cases",
    "/reporte": "report", "/report": "report",
    "/exportar": "export", "/export": "export",
    "/datos": "customer_data", "/data": "customer_data",
    "/olvidar": "forget_customer", "/forget": "forget_customer",
}  # fmt: skip
# Commands a customer also has (with their customer meaning): not "admin only".
SHARED = {"/ayuda", "/help", "/start", "/menu", "/pedidos", "/orders", "/cancelar", "/cancel"}
ADMIN_ONLY_COMMANDS = set(COMMANDS) - SHARED
PAYLOAD_VERBS = {
    "ao", "ac", "acn", "aj", "ap", "ak", "as", "asc", "ad", "ax", "apd", "al", "lbl",
    "rs", "ra", "rj", "rv", "rf", "re", "sr", "sc", "pa", "pd", "afg", "afn",
    "rad", "rxs", "rxc", "scs",
}  # fmt: skip


def actor(turn: Turn) -> Actor:
    return merchant(f"{turn.incoming.channel}:{turn.incoming.user_id}")


def help_text(turn: Turn) -> None:
    _ = turn.t.gettext
    turn.reset()
    turn.say(
        "\n".join(
            [
                _("Shop admin. Commands:"),
                _("/pedidos [status] — orders (e.g. /pedidos delivered, /pedidos to confirm)"),
                _("/pedido CODE — one order with its timeline"),
                _("/confirmar, /preparar, /empacado, /entregado CODE — move an order on"),
                _("/confirmar_sin_pago CODE — confirm a transfer or card order unpaid"),
                _("/rechazar CODE reason · /cancelar CODE reason"),
                _("/enviar CODE [carrier] [tracking number] — ship it"),
                _("/pagado CODE — cash or transfer received · /reembolso CODE amount"),
                _("/etiqueta CODE — the shipping label"),
                _("/devoluciones — the returns queue"),
                _("/stock [SKU N | SKU +N | SKU -N] — stock levels, set or adjust"),
                _("/producto SKU · /precio SKU 199.90 · /descripcion SKU text"),
                _("/foto SKU URL · /activar SKU · /desactivar SKU"),
                _("/nuevo SKU; name; price; stock; category — a new product"),
                _("/casos — open support cases · /responder CASE text · /cerrar CASE"),
                _("/reporte [7d|30d|mes] · /exportar — report and orders CSV"),
                _("/datos CUSTOMER · /olvidar CUSTOMER — a customer's data, or erase it"),
            ]
        ),
        [
            [
                Button(_("Awaiting confirmation"), pack("al", "awaiting_confirmation", 0)),
                Button(_("All orders"), pack("al", "all", 0)),
            ],
            [Button(_("Returns"), pack("rs", 0)), Button(_("Report"), pack("al", "report", 0))],
        ],
    )


async def command(turn: Turn, message: str) -> None:
    name, _sep, rest = message.partition(" ")
    name = name.split("@")[0].lower()
    action = COMMANDS.get(name)
    if action is None:
        turn.say(
            turn.t.gettext("I don't know the command {command}. Try /help.").format(
                command=name[:30]
            )
        )
        return
    await run(turn, action, rest.strip())


async def run(turn: Turn, action: str, rest: str) -> None:
    _ = turn.t.gettext
    args = rest.split()
    code = normalize_order_code(args[0]) if args else None
    reason = rest.partition(" ")[2].strip()
    if action == "help":
        help_text(turn)
    elif action == "orders":
        await orders_by_words(turn, args)
    elif action == "returns":
        await returns_queue(turn)
    elif action == "stock":
        await stock(turn, args, rest)
    elif action in ("product", "price", "description", "image", "activate", "deactivate"):
        await product_command(turn, action, rest)
    elif action == "new_product":
        await new_product(turn, rest)
    elif action in ("reply", "close"):
        await support_command(turn, action, args, rest)
    elif action == "cases":
        await open_cases(turn)
    elif action == "report":
        await report(turn, args[0] if args else "7d")
    elif action in customer_privacy.ACTIONS:
        await customer_privacy.command(turn, action, rest)
    elif action == "export":
        found = await catalog_io.orders_for_export(turn.shop, actor(turn))
        csv_text = orders_csv(turn.t, turn.shop.settings.store_timezone, found)
        turn.say(
            _("All orders, one row per product line."),
            document=Document("pedidos.csv", csv_text.encode("utf-8-sig"), "text/csv"),
        )
    elif code is None:
        turn.say(
            _("Which order? Add its code, e.g. {example}.").format(
                example=f"{name_of(action)} PED-7K3FQ"
            )
        )
    else:
        await order_action(turn, action, code, reason, args)


def name_of(action: str) -> str:
    return next((name for name, a in COMMANDS.items() if a == action), "/" + action)


async def order_action(turn: Turn, action: str, code: str, reason: str, args: list[str]) -> None:
    _ = turn.t.gettext
    who = actor(turn)
    if action == "order":
        details = await orders.order_details(turn.shop, code, who)
        card = order_card(turn.shop, turn.t, details)
        names = await admins.admin_names(turn.shop, (e.actor for e in details.timeline))
        card.text += "\n" + timeline_text(turn.shop, turn.t, details, names)
        turn.replies.append(card)
    elif action in ("confirm", "confirm_unpaid", "prepare", "packed"):
        await move_on(turn, action, code)
    elif action == "delivered":
        await orders.mark_delivered(turn.shop, who, code)
        await show_card(turn, code, _("Order {code} delivered; the customer was asked to rate it."))
    elif action in ("reject", "cancel"):
        await reject_or_cancel(turn, action, code, reason)
    elif action == "ship":
        await ship(turn, code, args[1] if len(args) > 1 else None, " ".join(args[2:]) or None)
    elif action == "paid":
        outcome = await payments.record_manual_payment(turn.shop, who, code)
        text = (
            _("Payment recorded for order {code}.")
            if outcome.recorded
            else _("Order {code} was already paid; nothing was recorded.")
        )
        await show_card(turn, code, text.format(code=code))
    elif action == "refund":
        await refund(turn, code, args[1] if len(args) > 1 else "")
    elif action == "label":
        await send_label(turn, code)


async def move_on(turn: Turn, action: str, code: str) -> None:
    """Confirm, prepare or pack; an order awaiting its payment is refused with the ways
    on (mark it paid, or confirm it without payment)."""
    _ = turn.t.gettext
    who = actor(turn)
    try:
        if action == "confirm":
            await orders.confirm_order(turn.shop, who, code)
            await show_card(turn, code, _("✅ Order {code} confirmed; the customer was told."))
        elif action == "confirm_unpaid":
            await orders.confirm_without_payment(turn.shop, who, code)
            await show_card(
                turn, code, _("Order {code} confirmed without payment; the customer was told.")
            )
        elif action == "prepare":
            await orders.start_preparing(turn.shop, who, code)
            await show_card(turn, code, _("Order {code} is being prepared."))
        elif action == "packed":
            await orders.mark_packed(turn.shop, who, code)
            await show_card(turn, code, _("📦 Order {code} packed. Here is its shipping label:"))
            await send_label(turn, code)
    except PaymentRequired as refused:
        turn.reset()
        turn.replies.append(unpaid_refusal(turn.t, refused))


async def show_card(turn: Turn, code: str, title: str) -> None:
    turn.reset()
    details = await orders.order_details(turn.shop, code, actor(turn))
    card = order_card(turn.shop, turn.t, details)
    card.text = title.format(code=code) + "\n" + card.text  # title may name {code}
    turn.replies.append(card)


async def send_label(turn: Turn, code: str) -> None:
    details = await orders.order_details(turn.shop, code, actor(turn))
    # reportlab (8 MiB) loads with the first label, not in every bot process.
    from handlers.admin.label import shipping_label

    label = shipping_label(turn.shop, turn.t, details, turn.shop.now())
    turn.say(turn.t.gettext("Shipping label for {code}").format(code=code), document=label)


async def reject_or_cancel(turn: Turn, action: str, code: str, reason: str) -> None:
    _ = turn.t.gettext
    if not reason:
        step = Step.ADMIN_REJECT_REASON if action == "reject" else Step.ADMIN_CANCEL_REASON
        await orders.order_details(turn.shop, code, actor(turn))  # exists, and we may see it
        turn.go(step, code=code)
        turn.say(
            _("Why? Type the reason for order {code}; the customer will read it.").format(
                code=code
            ),
            [[Button(_("Back"), pack("ao", code))]],
        )
        return
    if action == "reject":
        await orders.reject_order(turn.shop, actor(turn), code, reason)
        await show_card(turn, code, _("Order {code} rejected; the customer was told why."))
    else:
        await orders.cancel_order(turn.shop, actor(turn), code, reason)
        await show_card(turn, code, _("Order {code} cancelled; stock released."))


async def ship(turn: Turn, code: str, carrier: str | None, tracking: str | None) -> None:
    _ = turn.t.gettext
    if carrier and tracking:
        try:
            await shipping.ship_order(turn.shop, actor(turn), code, carrier.lower(), tracking)
        except PaymentRequired as refused:
            turn.reset()
            turn.replies.append(unpaid_refusal(turn.t, refused))
            return
        await show_card(
            turn, code, _("🚚 Order {code} shipped; the customer got the tracking link.")
        )
        return
    order = (await orders.order_details(turn.shop, code, actor(turn))).order
    if order.awaits_payment:  # said now, not after the tracking number is typed
        turn.reset()
        refused = PaymentRequired(code=order.code, method=str(order.payment_method))
        turn.replies.append(unpaid_refusal(turn.t, refused))
        return
    if carrier:
        turn.go(Step.ADMIN_TRACKING, code=code, carrier=carrier.lower())
        turn.say(_("Type the tracking number for order {code}.").format(code=code))
        return
    carriers = await shipping.list_carriers(turn.shop)
    rows = [[Button(c.name, pack("asc", code, c.code))] for c in carriers[:10]]
    turn.reset()
    turn.say(_("Which carrier takes order {code}?").format(code=code), rows)


async def refund(turn: Turn, code: str, amount_text: str) -> None:
    _ = turn.t.gettext
    try:
        amount = Money.parse(amount_text, turn.shop.currency)
    except InvalidAmount:
        amount = None
    if amount is None or amount.amount <= 0:
        turn.say(_("Write the amount to refund, e.g. /reembolso {code} 199.90").format(code=code))
        return
    await payments.refund_order(turn.shop, actor(turn), code, amount)
    await show_card(
        turn,
        code,
        _("Refund of {amount} recorded for order {code}.").format(
            amount=money(turn.t, amount.amount, amount.currency), code="{code}"
        ),
    )


async def orders_by_words(turn: Turn, args: list[str]) -> None:
    """/pedidos [status words] [page]: "/pedidos entregados", "/pedidos por confirmar 2"."""
    page = whole_number(args[-1]) if args else None
    words = " ".join(args[:-1] if page is not None else args)
    status = status_from_words(words)
    if status is None:
        turn.say(
            turn.t.gettext(
                "I don't know the status “{words}”. Write /pedidos and one of: {known}."
            ).format(words=words[:40], known=words_that_work(turn.t))
        )
        return
    await list_orders(turn, status, (page or 1) - 1)


async def list_orders(turn: Turn, status: str | None, page: int) -> None:
    """A page of the orders in status (a status word, or its name from a button); all of
    them for "all" or none."""
    _ = turn.t.gettext
    named = status_from_words(status or "")
    status = named if named not in (None, ALL) else None
    unpaid = status == AWAITING_PAYMENT
    page = max(page, 0)
    found, total = await orders.list_orders(
        turn.shop,
        actor(turn),
        status=OrderStatus(status) if status and not unpaid else None,
        page=page,
        page_size=LIST_PAGE,
        awaiting_payment=unpaid,
    )
    turn.reset()
    if not found:
        turn.say(_("No orders here."))
        return
    rows = [
        [
            Button(
                f"{o.code} · {inline(o.customer_name, 20)} · "
                f"{money(turn.t, o.total.amount, o.currency)} · {order_status_name(turn.t, o)}",
                pack("ao", o.code),
            )
        ]
        for o in found
    ]
    nav = []
    if page > 0:
        nav.append(Button(_("« Previous"), pack("al", status or "all", page - 1)))
    if (page + 1) * LIST_PAGE < total:
        nav.append(Button(_("Next »"), pack("al", status or "all", page + 1)))
    if nav:
        rows.append(nav)
    title = _("All orders")
    if status:
        title = _("Awaiting payment") if unpaid else status_name(turn.t, status)
    turn.say(
        _("{title}: {total} (page {page})").format(
            title=title[:1].upper() + title[1:], total=total, page=page + 1
        ),
        rows,
    )


async def returns_queue(turn: Turn) -> None:
    _ = turn.t.gettext
    queue = await returns.list_returns(turn.shop, actor(turn))
    turn.reset()
    if not queue:
        turn.say(_("No returns waiting."))
        return
    rows = [
        [Button(f"#{r.id} · {code} · {return_status(turn, r.status)}", pack("rs", r.id))]
        for code, r in queue[:10]
    ]
    turn.say(_("Returns waiting: {count}").format(count=len(queue)), rows)


def return_status(turn: Turn, status: str) -> str:
    _ = turn.t.gettext
    return {
        ReturnStatus.REQUESTED: _("requested"),
        ReturnStatus.APPROVED: _("approved, on its way back"),
        ReturnStatus.REJECTED: _("rejected"),
        ReturnStatus.RECEIVED: _("received"),
        ReturnStatus.REFUNDED: _("refunded"),
        ReturnStatus.EXCHANGED: _("exchanged"),
    }.get(status, status)


async def return_card(turn: Turn, return_id: int, title: str = "") -> None:
    _ = turn.t.gettext
    code, request = await returns.get_return(turn.shop, actor(turn), return_id)
    turn.reset()
    lines = [title] if title else []
    lines += [
        _("Return #{id} of order {code}: {status}").format(
            id=request.id, code=code, status=return_status(turn, request.status)
        ),
        *[f"{line.quantity} × {line.name}" for line in request.lines],
        _("Reason: {reason}").format(reason=inline(request.reason, 1000)),
        _("The customer wants: {what}").format(what=wanted(turn, request)),
    ]
    if request.shipment is not None:
        lines.append(
            _("Replacement shipped with {carrier}, tracking number {number}").format(
                carrier=request.shipment.carrier_name, number=request.shipment.tracking_number
            )
        )
    turn.say("\n".join(lines), return_buttons(turn, request))


def wanted(turn: Turn, request: ReturnRequest) -> str:
    _ = turn.t.gettext
    if not request.is_exchange:
        return _("a refund")
    items = ", ".join(
        f"{line.quantity} × {line.replacement_name}"
        for line in request.lines
        if line.replacement_id
    )
    if not items:
        return _("an exchange")
    return _("an exchange for {items} (reserved)").format(items=items)


def return_buttons(turn: Turn, request: ReturnRequest) -> list[list[Button]]:
    _ = turn.t.gettext
    rid = request.id
    if request.status is ReturnStatus.REQUESTED:
        return [[Button(_("Approve"), pack("ra", rid)), Button(_("Reject"), pack("rj", rid))]]
    if request.status is ReturnStatus.APPROVED:
        rows = [
            [Button(_("Received, sellable"), pack("rv", rid, 1))],
            [Button(_("Received, damaged"), pack("rv", rid, 0))],
        ]
        if not turn.shop.settings.return_address.strip():
            rows.append([Button(_("Send return address"), pack("rad", rid))])
        return rows
    if request.status is ReturnStatus.RECEIVED and request.is_exchange:
        return [
            [Button(_("Ship the replacement"), pack("rxs", rid))],
            [Button(_("Refund instead"), pack("rf", rid))],
        ]
    if request.status is ReturnStatus.RECEIVED:
        return [[Button(_("Refund"), pack("rf", rid))]]
    return []


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
        Button(_("Deactivate"), pack("pd", product.id))
        if product.active
        else Button(_("Activate"), pack("pa", product.id))
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


async def support_command(turn: Turn, action: str, args: list[str], rest: str) -> None:
    _ = turn.t.gettext
    case_id = int_arg(args, 0)
    if case_id is None:
        turn.say(_("Write /responder CASE text, or /cerrar CASE."))
        return
    if action == "close":
        closed = await support.close_case(turn.shop, actor(turn), case_id)
        turn.reset()
        text = (
            _("Case #{id} closed; the customer was told.")
            if closed
            else _("Case #{id} was already closed.")
        )
        turn.say(text.format(id=case_id), [[Button(_("Open cases"), pack("scs"))]])
        return
    text = rest.partition(" ")[2].strip()
    if not text:
        turn.go(Step.ADMIN_SUPPORT_REPLY, case_id=case_id)
        turn.say(_("Type your answer for case #{id}.").format(id=case_id))
        return
    await support.reply_to_case(turn.shop, actor(turn), case_id, text)
    turn.reset()
    turn.say(
        _("Sent to the customer (case #{id}).").format(id=case_id),
        [[Button(_("Close case"), pack("sc", case_id))]],
    )


async def open_cases(turn: Turn) -> None:
    """/casos: who is waiting for the shop, about which order, since when, and what
    they said last; a Reply and a Close button for each."""
    _ = turn.t.gettext
    cases = await support.open_cases(turn.shop, actor(turn), limit=CASES_SHOWN)
    turn.reset()
    if not cases:
        turn.say(_("No open support cases."))
        return
    now = turn.shop.now()
    lines = [_("Open support cases, the longest waiting first:")]
    rows = []
    for case in cases:
        lines.append(
            "\n"
            + _("#{id} · {name} ({phone}) · order {order} · waiting {age}").format(
                id=case.id,
                name=inline(case.customer_name),
                phone=one_line(case.phone),
                order=case.order_code or "-",
                age=waiting_for(turn, (now - case.opened_at).total_seconds()),
            )
            + "\n"
            + quoted(case.last_message)
        )
        rows.append(
            [
                Button(_("Reply #{id}").format(id=case.id), pack("sr", case.id)),
                Button(_("Close #{id}").format(id=case.id), pack("sc", case.id)),
            ]
        )
    turn.say("\n".join(lines), rows)


def waiting_for(turn: Turn, seconds: float) -> str:
    """ "5 minutes", "3 hours", "2 days": how long a case has waited."""
    ngettext = turn.t.ngettext
    minutes = max(int(seconds // 60), 0)
    if minutes < 60:
        return ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)
    if minutes < 48 * 60:
        hours = minutes // 60
        return ngettext("{count} hour", "{count} hours", hours).format(count=hours)
    days = minutes // (24 * 60)
    return ngettext("{count} day", "{count} days", days).format(count=days)


async def report(turn: Turn, name: str) -> None:
    _ = turn.t.gettext
    span = period(turn.shop.now(), turn.zone, name.lower())
    if span is None:
        turn.say(_("Use /reporte 7d, /reporte 30d or /reporte mes."))
        return
    figures = await reports.build_report(turn.shop, actor(turn), *span)
    turn.say(report_text(turn.t, figures))
    turn.say(_("Orders and revenue per day"), document=report_chart(turn.t, figures))


async def button(turn: Turn, payload: str) -> bool:
    """An admin button; False when the payload isn't an admin one."""
    verb, args = unpack(payload)
    if verb not in PAYLOAD_VERBS:
        return False
    first = args[0] if args else ""
    number = int_arg(args, 0)
    simple = {
        "ac": "confirm",
        "acn": "confirm_unpaid",
        "ap": "prepare",
        "ak": "packed",
        "ad": "delivered",
        "apd": "paid",
        "lbl": "label",
        "ao": "order",
        "aj": "reject",
        "ax": "cancel",
    }
    if verb in simple and first:
        await order_action(turn, simple[verb], first, "", [first])
    elif verb == "as" and first:
        await ship(turn, first, None, None)
    elif verb == "asc" and len(args) == 2:
        await ship(turn, first, args[1], None)
    elif verb == "al":
        if first == "report":
            await report(turn, "7d")
        else:
            await list_orders(turn, first, int_arg(args, 1) or 0)
    elif verb == "rs":
        await (returns_queue(turn) if not number else return_card(turn, number))
    elif verb in ("ra", "rj", "rv", "rf", "re", "rxs", "rad") and number:
        await return_action(turn, verb, number, int_arg(args, 1))
    elif verb == "rxc" and number and len(args) == 2:
        await ship_exchange(turn, number, args[1], None)
    elif verb == "scs":
        await open_cases(turn)
    elif verb == "sr" and number:
        turn.go(Step.ADMIN_SUPPORT_REPLY, case_id=number)
        turn.say(turn.t.gettext("Type your answer for case #{id}.").format(id=number))
    elif verb == "sc" and number:
        await support_command(turn, "close", [str(number)], str(number))
    elif verb in ("afg", "afn"):
        return await customer_privacy.button(turn, verb, args)
    elif verb in ("pa", "pd") and number:
        product = await catalog.get_product(turn.shop, product_id=number)
        await product_command(turn, "activate" if verb == "pa" else "deactivate", product.sku)
    else:
        return False
    return True


async def return_action(turn: Turn, verb: str, return_id: int, flag: int | None) -> None:
    _ = turn.t.gettext
    who = actor(turn)
    if verb == "ra":
        await returns.approve_return(turn.shop, who, return_id)
        told = (
            _("Approved; the customer was told where to send the items.")
            if turn.shop.settings.return_address.strip()
            else _(
                "Approved. RETURN_ADDRESS is not set, so the customer was told you will send "
                "the address: tap “Send return address”."
            )
        )
        await return_card(turn, return_id, told)
    elif verb == "rad":
        await returns.get_return(turn.shop, who, return_id)  # exists, and we may see it
        turn.go(Step.ADMIN_RETURN_ADDRESS, return_id=return_id)
        turn.say(
            _("Type the address where the customer sends the items of return #{id}.").format(
                id=return_id
            ),
            [[Button(_("Back"), pack("rs", return_id))]],
        )
    elif verb in ("rxs", "re"):  # "re": an older card's "Exchange" button
        await ship_exchange(turn, return_id, None, None)
    elif verb == "rj":
        turn.go(Step.ADMIN_RETURN_REJECT_REASON, return_id=return_id)
        turn.say(
            _("Why? Type the reason for return #{id}; the customer will read it.").format(
                id=return_id
            )
        )
    elif verb == "rv":
        _code, request = await returns.get_return(turn.shop, who, return_id)
        sellable = {line.sku: bool(flag) for line in request.lines}
        await returns.receive_return(turn.shop, who, return_id, sellable)
        await return_card(
            turn,
            return_id,
            _("Received; sellable items are back in stock. The customer was told.")
            if flag
            else _("Received as damaged; stock unchanged. The customer was told."),
        )
    elif verb == "rf":
        done = await returns.refund_return(turn.shop, who, return_id)
        await return_card(
            turn,
            return_id,
            _("Refund of {amount} recorded.").format(
                amount=money(turn.t, done.refund_amount, turn.shop.currency)
            ),
        )


async def ship_exchange(
    turn: Turn, return_id: int, carrier: str | None, tracking: str | None
) -> None:
    """The replacement of an exchange: which carrier, then its tracking number."""
    _ = turn.t.gettext
    if carrier and tracking:
        await returns.ship_exchange(turn.shop, actor(turn), return_id, carrier.lower(), tracking)
        await return_card(
            turn,
            return_id,
            _("🚚 Replacement shipped; the customer got the tracking number."),
        )
        return
    _code, request = await returns.get_return(turn.shop, actor(turn), return_id)
    if request.status is not ReturnStatus.RECEIVED or not request.is_exchange:
        await return_card(turn, return_id)  # nothing to ship now: what it is at
        return
    if carrier:
        turn.go(Step.ADMIN_EXCHANGE_TRACKING, return_id=return_id, carrier=carrier.lower())
        turn.say(
            _("Type the tracking number of the replacement for return #{id}.").format(id=return_id)
        )
        return
    carriers = await shipping.list_carriers(turn.shop)
    rows = [[Button(c.name, pack("rxc", return_id, c.code))] for c in carriers[:10]]
    turn.reset()
    turn.say(_("Which carrier takes the replacement for return #{id}?").format(id=return_id), rows)


async def answer(turn: Turn, message: str) -> bool:
    """A typed answer to the question the admin chat is waiting on."""
    _ = turn.t.gettext
    step, data, text = turn.step, turn.data, " ".join(message.split())
    if step in (Step.ADMIN_REJECT_REASON, Step.ADMIN_CANCEL_REASON):
        action = "reject" if step is Step.ADMIN_REJECT_REASON else "cancel"
        await reject_or_cancel(turn, action, data["code"], text[:500])
    elif step is Step.ADMIN_TRACKING:
        await ship(turn, data["code"], data["carrier"], text)
    elif step is Step.ADMIN_RETURN_REJECT_REASON:
        await returns.reject_return(turn.shop, actor(turn), data["return_id"], text[:500])
        await return_card(turn, data["return_id"], _("Rejected; the customer was told why."))
    elif step is Step.ADMIN_RETURN_ADDRESS:
        await returns.send_return_address(turn.shop, actor(turn), data["return_id"], text)
        await return_card(turn, data["return_id"], _("Address sent to the customer."))
    elif step is Step.ADMIN_EXCHANGE_TRACKING:
        await ship_exchange(turn, data["return_id"], data["carrier"], text)
    elif step is Step.ADMIN_SUPPORT_REPLY:
        await support_command(turn, "reply", [str(data["case_id"])], f"{data['case_id']} {text}")
    else:
        return False
    return True
