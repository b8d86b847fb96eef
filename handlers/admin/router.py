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
                Button(
                    _("Awaiting confirmation"), orders.ListOrders("awaiting_confirmation", 0).pack()
                ),
                Button(_("All orders"), orders.ListOrders("all", 0).pack()),
            ],
            [
                Button(_("Returns"), returns.OpenReturn(0).pack()),
                Button(_("Report"), orders.ListOrders("report", 0).pack()),
            ],
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


def older_button(turn: Turn) -> None:
    """A button that is no admin action, or one whose order, return or case is no
    longer there to act on: say so, and show the help."""
    help_text(turn)
    turn.replies[-1].text = (
        turn.t.gettext("That button is from an older message.") + "\n" + turn.replies[-1].text
    )


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
