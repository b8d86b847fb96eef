"""Every chat command, once: its names in each language, who it is for, and how it is
described. Routing, the admin's `/ayuda`, the platforms' command menus and the README's tables all
read this catalogue (tests/unit/test_command_catalogue.py checks the README).

A command's first name in a language is the one menus show to people writing in it;
every name works in every language. A name may mean one thing to customers and another
to admins (`/pedidos`: my orders / the shop's orders; `/recibo`: my receipt / any order's),
so each audience has its entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from handlers.i18n import N_


class Audience(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Command:
    action: str  # what the router does ("track")
    audience: Audience
    es: tuple[str, ...]  # names without the slash, the menu's one first
    en: tuple[str, ...]
    menu: str = ""  # msgid of the platform menu's description; "" = not in the menu
    # msgid of its line in /ayuda (one line may cover several commands); "{action}" in it
    # is that command's name in the reader's language (help_text)
    help: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return self.es + self.en

    def name_in(self, locale: str) -> str:
        return (self.en if locale == "en" else self.es)[0]


C, A = Audience.CUSTOMER, Audience.ADMIN

# fmt: off
CATALOGUE: tuple[Command, ...] = (
    # Customers, in the order of their command menu.
    Command("catalog", C, ("catalogo",), ("catalog",), N_("Browse the catalog")),
    Command("cart", C, ("carrito",), ("cart",), N_("My cart")),
    Command("orders", C, ("pedidos",), ("orders",), N_("My orders")),
    Command("track", C, ("rastrear",), ("track",), N_("Where is my order?")),
    Command("human", C, ("persona",), ("human",), N_("Talk to a person")),
    Command("language", C, ("idioma",), ("language",), N_("Language")),
    Command("privacy", C, ("privacidad",), ("privacy",), N_("Privacy and my data")),
    Command("help", C, ("ayuda",), ("help",), N_("Help")),
    Command("start", C, ("inicio", "menu"), ("start",)),
    Command("cancel", C, ("cancelar",), ("cancel",)),
    Command("my_data", C, ("misdatos",), ("mydata",)),
    Command("forget_me", C, ("olvidarme",), ("forgetme",)),
    # "/recibo [CODE]": one of my orders' receipt; to admins, any order's (below).
    Command("receipt", C, ("recibo",), ("receipt",)),
    # Admins, in the order of /ayuda (`help`: its line there) and of their command menu.
    Command("orders", A, ("pedidos",), ("orders",), N_("Orders"),
            N_("{orders} [status] — orders (e.g. {orders} delivered, {orders} to confirm)")),
    Command("order", A, ("pedido",), ("order",),
            help=N_("{order} CODE — one order with its timeline")),
    Command("confirm", A, ("confirmar",), ("confirm",),
            help=N_("{confirm}, {prepare}, {packed}, {delivered} CODE — move an order on")),
    Command("prepare", A, ("preparar",), ("prepare",)),
    Command("packed", A, ("empacado",), ("packed",)),
    Command("delivered", A, ("entregado",), ("delivered",)),
    Command("confirm_unpaid", A, ("confirmar_sin_pago",), ("confirm_unpaid",),
            help=N_("{confirm_unpaid} CODE — confirm a transfer or card order unpaid")),
    Command("reject", A, ("rechazar",), ("reject",),
            help=N_("{reject} CODE reason · {cancel} CODE reason")),
    Command("cancel", A, ("cancelar",), ("cancel",)),
    Command("ship", A, ("enviar",), ("ship",),
            help=N_("{ship} CODE [carrier] [tracking number] — ship it")),
    Command("paid", A, ("pagado",), ("paid",),
            help=N_("{paid} CODE — cash or transfer received · {refund} CODE amount")),
    Command("refund", A, ("reembolso",), ("refund",)),
    Command("label", A, ("etiqueta",), ("label",), help=N_("{label} CODE — the shipping label")),
    Command("packing_slip", A, ("remision",), ("packingslip",),
            help=N_("{packing_slip} CODE — an order's packing slip · {picking_list} — the "
                    "picking list of every order ready to prepare")),
    Command("picking_list", A, ("surtido",), ("picklist",), N_("Picking list")),
    Command("receipt", A, ("recibo",), ("receipt",),
            help=N_("{receipt} CODE — the customer's receipt (PDF)")),
    Command("returns", A, ("devoluciones",), ("returns",), N_("Returns waiting"),
            N_("{returns} — the returns queue")),
    Command("stock", A, ("stock", "existencias"), ("stock",), N_("Stock levels"),
            N_("{stock} [SKU N | SKU +N | SKU -N] — stock levels, set or adjust")),
    Command("product", A, ("producto",), ("product",),
            help=N_("{product} SKU · {price} SKU 199.90 · {description} SKU text")),
    Command("price", A, ("precio",), ("price",)),
    Command("description", A, ("descripcion",), ("description",)),
    Command("image", A, ("foto",), ("image",),
            help=N_("{image} SKU URL · {activate} SKU · {deactivate} SKU")),
    Command("activate", A, ("activar",), ("activate",)),
    Command("deactivate", A, ("desactivar",), ("deactivate",)),
    Command("new_product", A, ("nuevo",), ("new",),
            help=N_("{new_product} SKU; name; price; stock; category — a new product")),
    Command("suppliers", A, ("proveedores",), ("suppliers",), N_("Suppliers"),
            N_("{suppliers} · {supplier} NAME [days=10 phone=…] — suppliers; see or change one")),
    Command("supplier", A, ("proveedor",), ("supplier",),
            help=N_("{supplier} new Name; contact; phone; e-mail; lead days; currency — a new "
                    "supplier (only the name is needed)")),
    Command("supply", A, ("abasto",), ("supply",),
            help=N_("{supply} SKU supplier=… code=… cost=… point=… pack=… — how a product is "
                    "bought")),
    Command("reorder", A, ("reabastecer",), ("reorder",), N_("Reorder"),
            N_("{reorder} [supplier] — what to reorder, by supplier")),
    Command("new_order", A, ("nuevopedido",), ("neworder",),
            help=N_("{new_order} [phone name; products; shipping; payment] — an order taken by "
                    "phone or at the counter")),
    Command("purchase_orders", A, ("compras",), ("purchases",), N_("Purchase orders"),
            N_("{purchase_orders} [status | supplier] — purchase orders to suppliers")),
    Command("purchase_order", A, ("compra",), ("purchase",),
            help=N_("{purchase_order} CODE [SKU QTY [cost]] — one purchase order; while a draft, "
                    "set a line (0 takes it off)")),
    Command("new_purchase_order", A, ("nuevacompra",), ("newpurchase",),
            help=N_("{new_purchase_order} SUPPLIER; SKU QTY [cost], …[; notes] — a purchase "
                    "order by hand")),
    Command("send_purchase_order", A, ("enviarcompra",), ("sendpurchase",),
            help=N_("{send_purchase_order} CODE — mark it sent, with its PDF for the supplier")),
    Command("receive", A, ("recibir",), ("receive",),
            help=N_("{receive} CODE [SKU QTY, …] — goods in: all still to come, or these")),
    Command("close_purchase_order", A, ("cerrarcompra",), ("closepurchase",),
            help=N_("{close_purchase_order} CODE · {cancel_purchase_order} CODE reason")),
    Command("cancel_purchase_order", A, ("cancelarcompra",), ("cancelpurchase",)),
    Command("cases", A, ("casos",), ("cases",),
            help=N_("{cases} — open support cases · {reply} CASE text · {close} CASE")),
    Command("reply", A, ("responder",), ("reply",)),
    Command("close", A, ("cerrar",), ("close",)),
    Command("report", A, ("reporte",), ("report",), N_("Report"),
            N_("{report} [7d|30d|mes] · {export} — report and orders CSV")),
    Command("export", A, ("exportar",), ("export",), N_("Orders CSV")),
    Command("customer_data", A, ("datos",), ("data",),
            help=N_("{customer_data} CUSTOMER · {forget_customer} CUSTOMER — a customer's data, "
                    "or erase it")),
    Command("forget_customer", A, ("olvidar",), ("forget",)),
    Command("help", A, ("ayuda", "start", "menu"), ("help",), N_("Admin commands")),
)
# fmt: on


def _index(audience: Audience) -> dict[str, Command]:
    found: dict[str, Command] = {}
    for command in CATALOGUE:
        if command.audience is audience:
            for name in command.names:
                if found.setdefault(name, command) is not command:
                    raise ValueError(f"/{name} names two {audience} commands")
    return found


_BY_NAME = {audience: _index(audience) for audience in Audience}


def command_name(message: str) -> str:
    """ "/Rastrear@shop_bot PED-1" -> "rastrear"."""
    return message.split()[0].split("@")[0].lstrip("/").lower() if message.strip() else ""


def check_answered(answers: Iterable[str], audience: Audience) -> None:
    """Refuse to import a router whose command actions differ from the catalogue's: a
    command nobody answers, or an answer to none."""
    catalogued = {c.action for c in CATALOGUE if c.audience is audience}
    if set(answers) != catalogued:
        raise RuntimeError(f"{audience} commands without an action: {catalogued ^ set(answers)}")


def find(message: str, audience: Audience) -> Command | None:
    """The command a message starting with "/" names for this audience."""
    return _BY_NAME[audience].get(command_name(message))


def admin_only(message: str) -> bool:
    """An admin command that means nothing to customers (refused, not "unknown")."""
    name = command_name(message)
    return name in _BY_NAME[Audience.ADMIN] and name not in _BY_NAME[Audience.CUSTOMER]


def slash_name(action: str, audience: Audience, locale: str = "es") -> str:
    """How a command is written in a message: "/confirmar"."""
    command = next(c for c in CATALOGUE if c.action == action and c.audience is audience)
    return "/" + command.name_in(locale)


def help_lines(audience: Audience) -> list[str]:
    """The msgids of the help's lines, in the catalogue's order."""
    return [c.help for c in CATALOGUE if c.audience is audience and c.help]


def help_text(audience: Audience, gettext: Callable[[str], str], locale: str) -> list[str]:
    """The help's lines translated, each `{action}` in them the command's name in that
    language ("{supplier} new Name" -> "/supplier new Name", "/proveedor nuevo Nombre")."""
    names = {c.action: "/" + c.name_in(locale) for c in CATALOGUE if c.audience is audience}
    return [gettext(line).format_map(names) for line in help_lines(audience)]


def menu(audience: Audience, locale: str) -> list[tuple[str, str]]:
    """(name, description msgid) for a platform's command menu in that language."""
    return [(c.name_in(locale), c.menu) for c in CATALOGUE if c.audience is audience and c.menu]
