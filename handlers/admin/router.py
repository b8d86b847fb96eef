"""The admin chat's entry points: a command, a typed answer, the help. Each feature
(orders, returns, stock, catalog, support, reports, privacy) lives in its own module of
handlers/admin/; every action calls a service as the merchant the person claims to be,
and the service checks the claim, so a customer trying an admin command is refused
there, changes nothing, and is logged."""

from __future__ import annotations

from core.domain.orders import normalize_order_code
from handlers.admin import catalog as products
from handlers.admin import orders, returns, stock, support
from handlers.admin import privacy as customer_privacy
from handlers.admin.export import export
from handlers.admin.reports import report
from handlers.payloads import int_arg, pack, unpack
from handlers.turn import Step, Turn
from handlers.types import Button

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
        await orders.orders_by_words(turn, args)
    elif action == "returns":
        await returns.returns_queue(turn)
    elif action == "stock":
        await stock.stock(turn, args, rest)
    elif action in ("product", "price", "description", "image", "activate", "deactivate"):
        await products.product_command(turn, action, rest)
    elif action == "new_product":
        await products.new_product(turn, rest)
    elif action in ("reply", "close"):
        await support.support_command(turn, action, args, rest)
    elif action == "cases":
        await support.open_cases(turn)
    elif action == "report":
        await report(turn, args[0] if args else "7d")
    elif action in customer_privacy.ACTIONS:
        await customer_privacy.command(turn, action, rest)
    elif action == "export":
        await export(turn)
    elif code is None:
        turn.say(
            _("Which order? Add its code, e.g. {example}.").format(
                example=f"{name_of(action)} PED-7K3FQ"
            )
        )
    else:
        await orders.order_action(turn, action, code, reason, args)


def name_of(action: str) -> str:
    return next((name for name, a in COMMANDS.items() if a == action), "/" + action)


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
        await orders.order_action(turn, simple[verb], first, "", [first])
    elif verb == "as" and first:
        await orders.ship(turn, first, None, None)
    elif verb == "asc" and len(args) == 2:
        await orders.ship(turn, first, args[1], None)
    elif verb == "al":
        if first == "report":
            await report(turn, "7d")
        else:
            await orders.list_orders(turn, first, int_arg(args, 1) or 0)
    elif verb == "rs":
        await (returns.returns_queue(turn) if not number else returns.return_card(turn, number))
    elif verb in ("ra", "rj", "rv", "rf", "re", "rxs", "rad") and number:
        await returns.return_action(turn, verb, number, int_arg(args, 1))
    elif verb == "rxc" and number and len(args) == 2:
        await returns.ship_exchange(turn, number, args[1], None)
    elif verb == "scs":
        await support.open_cases(turn)
    elif verb == "sr" and number:
        turn.go(Step.ADMIN_SUPPORT_REPLY, case_id=number)
        turn.say(turn.t.gettext("Type your answer for case #{id}.").format(id=number))
    elif verb == "sc" and number:
        await support.support_command(turn, "close", [str(number)], str(number))
    elif verb in ("afg", "afn"):
        return await customer_privacy.button(turn, verb, args)
    elif verb in ("pa", "pd") and number:
        await products.set_active(turn, number, verb == "pa")
    else:
        return False
    return True


async def answer(turn: Turn, message: str) -> bool:
    """A typed answer to the question the admin chat is waiting on."""
    step, data, text = turn.step, turn.data, " ".join(message.split())
    if step in (Step.ADMIN_REJECT_REASON, Step.ADMIN_CANCEL_REASON):
        action = "reject" if step is Step.ADMIN_REJECT_REASON else "cancel"
        await orders.reject_or_cancel(turn, action, data["code"], text[:500])
    elif step is Step.ADMIN_TRACKING:
        await orders.ship(turn, data["code"], data["carrier"], text)
    elif step is Step.ADMIN_RETURN_REJECT_REASON:
        await returns.reject_reason_typed(turn, data["return_id"], text)
    elif step is Step.ADMIN_RETURN_ADDRESS:
        await returns.address_typed(turn, data["return_id"], text)
    elif step is Step.ADMIN_EXCHANGE_TRACKING:
        await returns.ship_exchange(turn, data["return_id"], data["carrier"], text)
    elif step is Step.ADMIN_SUPPORT_REPLY:
        await support.support_command(
            turn, "reply", [str(data["case_id"])], f"{data['case_id']} {text}"
        )
    else:
        return False
    return True
