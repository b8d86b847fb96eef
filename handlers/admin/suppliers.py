"""The admin's suppliers and reorders: /proveedores (the list), /proveedor (one supplier:
show, add, change), /abasto (how a product is bought) and /reabastecer (what to reorder
from whom, with a button per supplier to draft the purchase order).

Written for a merchant typing on a phone: one message does it, fields are `key=value`
in either language with the value running until the next key ("/abasto TAZA-TAL
proveedor=Barro Fino costo=85.50 paquete=6"), and only what is typed changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from babel.numbers import format_decimal

from core.domain.errors import DomainError
from core.domain.reorder import ReorderLine
from core.domain.suppliers import MAX_PACK_SIZE, MAX_REORDER_POINT, ProductSupply, Supplier
from core.services import reorder, suppliers
from core.services.suppliers import ProductSupplyView, SupplyChanges
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.admin.purchase_orders import DraftPurchaseOrder
from handlers.commands import Audience, slash_name
from handlers.i18n import N_, Translator
from handlers.render import money
from handlers.turn import Turn
from handlers.types import Button

LISTED = 8  # supplier buttons under the list: a phone screen, not a directory
COSTS_NAMED = 10  # SKUs named when a currency change clears their costs


@dataclass(frozen=True)
class OpenSupplier(Action, prefix="spo", admin=True):
    supplier_id: int


@dataclass(frozen=True)
class ActivateSupplier(Action, prefix="spa", admin=True):
    supplier_id: int


@dataclass(frozen=True)
class DeactivateSupplier(Action, prefix="spd", admin=True):
    supplier_id: int


# /reabastecer for one supplier (0: every supplier).
@dataclass(frozen=True)
class SupplierReorder(Action, prefix="spr", admin=True):
    supplier_id: int


# Words a value may be to say "none" (no supplier, no cost, the default reorder point).
NONE_WORDS = {"-", "ninguno", "ninguna", "nada", "sin", "none", "no"}
YES_WORDS = {"si", "sí", "yes", "1", "true", "activo", "active"}
NO_WORDS = {"no", "0", "false", "inactivo", "inactive"}

# key=value names, without accents, in either language -> the field.
SUPPLIER_KEYS = {
    "nombre": "name",
    "name": "name",
    "contacto": "contact",
    "contact": "contact",
    "tel": "phone",
    "telefono": "phone",
    "phone": "phone",
    "email": "email",
    "correo": "email",
    "mail": "email",
    "dias": "lead_time_days",
    "entrega": "lead_time_days",
    "days": "lead_time_days",
    "lead": "lead_time_days",
    "moneda": "currency",
    "currency": "currency",
    "notas": "notes",
    "nota": "notes",
    "notes": "notes",
    "activo": "active",
    "active": "active",
}
SUPPLY_KEYS = {
    "proveedor": "supplier",
    "supplier": "supplier",
    "clave": "supplier_sku",
    "codigo": "supplier_sku",
    "code": "supplier_sku",
    "sku": "supplier_sku",
    "costo": "cost",
    "coste": "cost",
    "cost": "cost",
    "punto": "reorder_point",
    "minimo": "reorder_point",
    "point": "reorder_point",
    "reorder": "reorder_point",
    "paquete": "pack_size",
    "caja": "pack_size",
    "pack": "pack_size",
}
NEW_WORDS = {"nuevo", "nueva", "new", "alta"}

_KEY = re.compile(r"(?:^|(?<=[\s,;]))([^\W\d_]+)\s*=", re.UNICODE)


def folded(word: str) -> str:
    """ "Teléfono" -> "telefono": keys are matched without case or accents."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def key_values(text: str) -> tuple[str, list[tuple[str, str]]]:
    """ "Barro Fino dias=12, tel=55 1234" -> ("Barro Fino", [("dias", "12"), ("tel",
    "55 1234")]): what comes before the first key, then each key with the text up to
    the next one (separating commas and semicolons dropped)."""
    found = list(_KEY.finditer(text))
    if not found:
        return text.strip(), []
    head = text[: found[0].start()].strip(" ,;")
    pairs = []
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        pairs.append((folded(match.group(1)), text[match.end() : end].strip(" ,;")))
    return head, pairs


def number(text: str) -> int | None:
    """A whole number as typed ("12", "+3"); None for anything else. Any size: the
    domain says what range it takes."""
    typed = text.strip()
    return int(typed) if re.fullmatch(r"[+-]?\d{1,30}", typed) else None


def slash(t: Translator, action: str) -> str:
    """A command as the reader writes it: "/proveedor" in Spanish, "/supplier" in
    English (texts name commands through this, never spelled out)."""
    return slash_name(action, Audience.ADMIN, t.locale)


class BadValue(Exception):
    """A typed value that is not what its key takes; `text` says so to the admin."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


# --- the explanations of this feature's errors --------------------------------------


def explain(turn: Turn, error: DomainError) -> bool:
    """Say what went wrong with a supplier or supply terms; False: not one of ours (the
    admin chat's common explanations answer it)."""
    _ = turn.t.gettext
    data = error.data
    texts: dict[str, Callable[[], str]] = {
        "supplier_not_found": lambda: _(
            "There is no supplier “{name}”. {suppliers} lists them; add one with "
            "{supplier} new Name."
        ).format(
            name=data.get("name", data.get("supplier_id", "")),
            suppliers=slash(turn.t, "suppliers"),
            supplier=slash(turn.t, "supplier"),
        ),
        "duplicate_supplier": lambda: _("There is already a supplier called “{name}”.").format(
            name=data.get("name", "")
        ),
        "invalid_lead_time": lambda: _(
            "The lead time must be a whole number of days from 0 to {maximum}."
        ).format(maximum=data.get("maximum", 365)),
        "invalid_email": lambda: _("“{value}” is not an e-mail address.").format(
            value=data.get("value", "")
        ),
        "invalid_currency": lambda: _(
            "“{value}” is not a currency code: write an ISO 4217 code such as MXN, USD or EUR."
        ).format(value=data.get("value", "")),
        "invalid_pack_size": lambda: _(
            "The pack size must be a whole number from 1 to {maximum}."
        ).format(maximum=data.get("maximum", MAX_PACK_SIZE)),
        "invalid_cost": lambda: _cost_problem(turn.t, data),
        "invalid_reorder_point": lambda: _(
            "The reorder point must be a whole number from 0 to {maximum}."
        ).format(maximum=data.get("maximum", MAX_REORDER_POINT)),
        "invalid_supplier": lambda: _supplier_field_problem(turn.t, data),
    }
    text = texts.get(error.code)
    if text is None:
        return False
    turn.reset()
    turn.say(text())
    return True


def _cost_problem(t: Translator, data: dict) -> str:
    _ = t.gettext
    if "maximum" in data:
        return _(
            "The cost must be less than {maximum} in the supplier's currency (not “{value}”)."
        ).format(
            maximum=format_decimal(int(data["maximum"]), locale=t.format_locale),
            value=data.get("value", ""),
        )
    return _(
        "The cost must be an amount of 0 or more in the supplier's currency, like "
        "85.50 (not “{value}”)."
    ).format(value=data.get("value", ""))


def _supplier_field_problem(t: Translator, data: dict) -> str:
    _ = t.gettext
    names = {
        "name": _("the name"),
        "contact": _("the contact"),
        "phone": _("the phone"),
        "notes": _("the notes"),
        "supplier_sku": _("the supplier's code"),
    }
    field = names.get(str(data.get("field")), str(data.get("field", "")))
    if data.get("problem") == "empty":
        return _("The supplier needs a name.")
    return _("That is too long: {field} takes up to {maximum} characters.").format(
        field=field, maximum=data.get("maximum", "")
    )


async def _guarded(turn: Turn, work: Callable[[], object]) -> None:
    """Run `work`, answering this feature's errors and bad values here."""
    try:
        await work()  # type: ignore[misc]
    except BadValue as bad:
        turn.say(bad.text)
    except DomainError as error:
        if not explain(turn, error):
            raise


# --- /proveedores, /proveedor --------------------------------------------------------


async def suppliers_command(turn: Turn, _rest: str) -> None:
    await _guarded(turn, lambda: list_suppliers(turn))


async def list_suppliers(turn: Turn) -> None:
    _ = turn.t.gettext
    listing = await suppliers.list_suppliers(turn.shop, actor(turn))
    if not listing:
        turn.say(
            _(
                "No suppliers yet. Add one with {supplier} new Name; contact; phone; "
                "e-mail; lead time in days; currency (only the name is needed)."
            ).format(supplier=slash(turn.t, "supplier"))
        )
        return
    lines = [_("Suppliers:")]
    for item in listing:
        supplier = item.supplier
        state = "" if supplier.active else " " + _("(inactive)")
        lines.append(
            "• "
            + turn.t.ngettext(
                "{name}: lead time {days}, {currency}, {count} product",
                "{name}: lead time {days}, {currency}, {count} products",
                item.products,
            ).format(
                name=supplier.name,
                days=turn.t.ngettext("{count} day", "{count} days", supplier.lead_time_days).format(
                    count=supplier.lead_time_days
                ),
                currency=supplier.currency,
                count=item.products,
            )
            + state
        )
    lines.append(
        _("{supplier} NAME shows one; {reorder} says what to reorder.").format(
            supplier=slash(turn.t, "supplier"), reorder=slash(turn.t, "reorder")
        )
    )
    buttons = [
        [Button(item.supplier.name[:40], OpenSupplier(item.supplier.id).pack())]
        for item in listing[:LISTED]
    ]
    turn.say("\n".join(lines), buttons)


async def supplier_command(turn: Turn, rest: str) -> None:
    """/proveedor NAME (show), /proveedor nuevo Name; …, /proveedor NAME key=value …"""
    _ = turn.t.gettext
    first, _sep, after = rest.partition(" ")
    if not rest.strip():
        turn.say(
            _(
                "Write {supplier} NAME to see a supplier, or {supplier} new Name; contact; "
                "phone; e-mail; lead time in days; currency to add one."
            ).format(supplier=slash(turn.t, "supplier"))
        )
        return
    if folded(first) in NEW_WORDS:
        if not after.strip():
            turn.say(
                _(
                    "Write {supplier} new Name; contact; phone; e-mail; lead time in days; "
                    "currency (only the name is needed)."
                ).format(supplier=slash(turn.t, "supplier"))
            )
            return
        await _guarded(turn, lambda: _new_supplier(turn, after))
        return
    name, pairs = key_values(rest)
    if not pairs:
        await _guarded(turn, lambda: show_supplier(turn, name))
        return
    await _guarded(turn, lambda: _change_supplier(turn, name, pairs))


async def _new_supplier(turn: Turn, text: str) -> None:
    """ "Name; contact; phone; e-mail; days; currency" (only the name needed), or
    "Name dias=10 tel=…" with the keys a change takes."""
    _ = turn.t.gettext
    head, pairs = key_values(text)
    if pairs:
        name, fields = head, _supplier_fields(turn.t, pairs)
    else:
        parts = [p.strip() for p in text.split(";")]
        parts += [""] * (6 - len(parts))
        name, contact, phone, email, days, currency = parts[:6]
        fields = {"contact": contact, "phone": phone, "email": email, "currency": currency}
        if days:
            fields.update(_supplier_fields(turn.t, [("dias", days)]))
    fields.pop("active", None)  # a new supplier is active
    if "name" in fields:
        name = str(fields.pop("name"))
    supplier = await suppliers.add_supplier(turn.shop, actor(turn), name, **fields)
    turn.say(_("Supplier {name} added.").format(name=supplier.name))
    await show_supplier(turn, supplier.id)


def _supplier_fields(t: Translator, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Typed key=value pairs as a supplier's fields; BadValue for a key or value that
    can't be one."""
    _ = t.gettext
    fields: dict[str, Any] = {}
    for key, value in pairs:
        field = SUPPLIER_KEYS.get(key)
        if field is None:
            raise BadValue(
                _("I don't know “{key}”. For a supplier write {keys}.").format(
                    key=key[:20], keys=_supplier_keys(t)
                )
            )
        if field == "lead_time_days":
            days = number(value)
            if days is None:
                raise BadValue(
                    _("The lead time is a number of days, like 7 (not “{value}”).").format(
                        value=value[:20]
                    )
                )
            fields[field] = days
        elif field == "active":
            if folded(value) not in YES_WORDS | NO_WORDS:
                raise BadValue(_("Write active=yes or active=no."))
            fields[field] = folded(value) in YES_WORDS
        else:
            fields[field] = value
    return fields


async def _change_supplier(turn: Turn, name: str, pairs: list[tuple[str, str]]) -> None:
    _ = turn.t.gettext
    changes = _supplier_fields(turn.t, pairs)
    if not name:
        raise BadValue(
            _("Which supplier? Write its name first: {supplier} NAME days=10.").format(
                supplier=slash(turn.t, "supplier")
            )
        )
    change = await suppliers.change_supplier(turn.shop, actor(turn), name, **changes)
    supplier = change.supplier
    text = _("Supplier {name} updated.").format(name=supplier.name)
    if change.costs_cleared:
        shown = ", ".join(change.costs_cleared[:COSTS_NAMED])
        more = len(change.costs_cleared) - COSTS_NAMED
        if more > 0:
            shown += " " + _("and {count} more").format(count=more)
        text += "\n" + turn.t.ngettext(
            "The cost of {skus} was in {old}, so it was cleared: type it in {new} with "
            "{supply} SKU cost=….",
            "The costs of {skus} were in {old}, so they were cleared: type them in {new} "
            "with {supply} SKU cost=….",
            len(change.costs_cleared),
        ).format(
            skus=shown,
            old=change.previous_currency,
            new=supplier.currency,
            supply=slash(turn.t, "supply"),
        )
    turn.say(text)
    await show_supplier(turn, supplier.id)


def _supplier_keys(t: Translator) -> str:
    return t.gettext(
        "name=, contact=, phone=, email=, days= (lead time), currency=, notes=, active=yes/no"
    )


async def show_supplier(turn: Turn, supplier: int | str) -> None:
    _ = turn.t.gettext
    card = await suppliers.supplier_card(turn.shop, actor(turn), supplier)
    found = card.supplier
    state = _("active") if found.active else _("inactive")
    lines = [f"🏭 {found.name} ({state})"]
    reach = " · ".join(x for x in (found.contact, found.phone, found.email) if x)
    if reach:
        lines.append(reach)
    lines.append(
        turn.t.ngettext(
            "Lead time: {days} day · currency {currency}",
            "Lead time: {days} days · currency {currency}",
            found.lead_time_days,
        ).format(days=found.lead_time_days, currency=found.currency)
    )
    if found.notes:
        lines.append(_("Notes: {notes}").format(notes=found.notes))
    if card.products:
        lines.append(_("Products:"))
        for item in card.products[:40]:
            terms = supply_terms(turn.t, item.supply, found.currency)
            head = f"• {item.product.sku} · {item.product.name}"
            lines.append(f"{head}: {terms}" if terms else head)
    else:
        lines.append(
            _("No product names it yet: {supply} SKU supplier={name}").format(
                supply=slash(turn.t, "supply"), name=found.name
            )
        )
    # Placeholders, not figures: an example value would read as the supplier's own.
    lines.append(
        _("Change it with {supplier} {name} days=N phone=…").format(
            supplier=slash(turn.t, "supplier"), name=found.name
        )
    )
    toggle = (
        Button(_("Deactivate"), DeactivateSupplier(found.id).pack())
        if found.active
        else Button(_("Activate"), ActivateSupplier(found.id).pack())
    )
    reorder_button = Button(_("What to reorder"), SupplierReorder(found.id).pack())
    turn.say("\n".join(lines), [[reorder_button, toggle]])


def supply_terms(t: Translator, supply: ProductSupply, currency: str) -> str:
    """ "cost $85.50 MXN, code BF-T, packs of 6, reorder at 4" (what is set of it)."""
    _ = t.gettext
    parts = []
    if supply.cost is not None:
        parts.append(_("cost {amount}").format(amount=money(t, supply.cost, currency)))
    if supply.supplier_sku:
        parts.append(_("code {code}").format(code=supply.supplier_sku))
    if supply.pack_size > 1:
        parts.append(_("packs of {count}").format(count=supply.pack_size))
    if supply.reorder_point is not None:
        parts.append(_("reorder at {count}").format(count=supply.reorder_point))
    return ", ".join(parts)


@handles(OpenSupplier)
async def open_supplier(turn: Turn, action: OpenSupplier) -> bool:
    if not action.supplier_id:
        return False
    await _guarded(turn, lambda: show_supplier(turn, action.supplier_id))
    return True


@handles(ActivateSupplier)
@handles(DeactivateSupplier)
async def set_supplier_active(turn: Turn, action: ActivateSupplier | DeactivateSupplier) -> bool:
    if not action.supplier_id:
        return False
    active = isinstance(action, ActivateSupplier)

    async def toggle() -> None:
        await suppliers.change_supplier(turn.shop, actor(turn), action.supplier_id, active=active)
        await show_supplier(turn, action.supplier_id)

    await _guarded(turn, toggle)
    return True


# --- /abasto ------------------------------------------------------------------------


async def supply_command(turn: Turn, rest: str) -> None:
    """/abasto SKU (show) or /abasto SKU proveedor=… clave=… costo=… punto=… paquete=…"""
    _ = turn.t.gettext
    sku, _sep, after = rest.strip().partition(" ")
    if not sku:
        turn.say(_supply_usage(turn.t))
        return
    head, pairs = key_values(after)
    if head:  # text that is no key=value: a mistyped key, or a name without its key
        turn.say(
            _("I didn't understand “{text}”.").format(text=head[:40]) + "\n" + _supply_usage(turn.t)
        )
        return

    async def work() -> None:
        if pairs:
            changes = _supply_changes(turn.t, pairs)
            view = await suppliers.set_product_supply(turn.shop, actor(turn), sku, changes)
            saved = _("Supply terms of {sku} saved.").format(sku=view.product.sku)
            supply = slash(turn.t, "supply")
            if view.cleared_supplier_sku:
                saved += "\n" + _(
                    "Supplier's code cleared: {code} was the previous supplier's; type this "
                    "one's with {supply} {sku} code=…."
                ).format(code=view.cleared_supplier_sku, supply=supply, sku=view.product.sku)
            if view.cleared_cost_currency is not None:
                saved += "\n" + _(
                    "Cost cleared: it was in {old}; type it in {new} with {supply} {sku} cost=…."
                ).format(
                    old=view.cleared_cost_currency,
                    new=view.currency,
                    supply=supply,
                    sku=view.product.sku,
                )
            turn.say(saved)
        else:
            view = await suppliers.product_supply(turn.shop, actor(turn), sku)
        show_supply(turn, view)

    await _guarded(turn, work)


def _supply_usage(t: Translator) -> str:
    return t.gettext(
        "Write {supply} SKU supplier=NAME code=THEIR-CODE cost=85.50 point=5 pack=12 (only "
        "what changes; “-” removes a value)."
    ).format(supply=slash(t, "supply"))


def _supply_changes(t: Translator, pairs: list[tuple[str, str]]) -> SupplyChanges:
    _ = t.gettext
    changes: dict[str, object] = {}
    for key, value in pairs:
        field = SUPPLY_KEYS.get(key)
        if field is None:
            raise BadValue(
                _("I don't know “{key}”.").format(key=key[:20]) + "\n" + _supply_usage(t)
            )
        none = folded(value) in NONE_WORDS
        if field == "supplier":
            changes[field] = None if none else value
        elif field == "supplier_sku":
            changes[field] = "" if value == "-" else value
        elif field == "cost":
            changes[field] = None if none else value
        elif field == "reorder_point":
            changes[field] = None if none else _whole(t, value, field)
        elif field == "pack_size":
            changes[field] = 1 if none else _whole(t, value, field)
    return SupplyChanges(**changes)  # type: ignore[arg-type]


WHOLE_NUMBER_FIELDS = {
    "reorder_point": N_("The reorder point is a whole number of units, like 5 (not “{value}”)."),
    "pack_size": N_("The pack size is a whole number of units, like 12 (not “{value}”)."),
}


def _whole(t: Translator, value: str, field: str) -> int:
    found = number(value)
    if found is None:
        raise BadValue(t.gettext(WHOLE_NUMBER_FIELDS[field]).format(value=value[:20]))
    return found


def show_supply(turn: Turn, view: ProductSupplyView) -> None:
    _ = turn.t.gettext
    product, supply = view.product, view.supply
    lines = [f"{product.sku} · {product.name}"]
    if view.supplier is not None:
        lines.append(_("Supplier: {name}").format(name=view.supplier.name))
    else:
        lines.append(_("Supplier: none"))
    if supply.supplier_sku:
        lines.append(_("Supplier's code: {code}").format(code=supply.supplier_sku))
    lines.append(
        _("Cost: {amount}").format(
            amount=money(turn.t, supply.cost, view.currency) if supply.cost is not None else "—"
        )
    )
    if supply.reorder_point is not None:
        lines.append(_("Reorder point: {count}").format(count=supply.reorder_point))
    else:
        lines.append(
            _("Reorder point: {count} (its low-stock threshold)").format(
                count=product.low_stock_threshold
            )
        )
    lines.append(_("Pack size: {count}").format(count=supply.pack_size))
    turn.say("\n".join(lines))


# --- /reabastecer -------------------------------------------------------------------


async def reorder_command(turn: Turn, rest: str) -> None:
    """/reabastecer [SUPPLIER]: every supplier's suggestions, or one's."""
    name = rest.strip()

    async def work() -> None:
        supplier_id = None
        if name:
            supplier_id = (await suppliers.supplier_card(turn.shop, actor(turn), name)).supplier.id
        await show_suggestions(turn, supplier_id)

    await _guarded(turn, work)


@handles(SupplierReorder)
async def supplier_reorder(turn: Turn, action: SupplierReorder) -> bool:
    await _guarded(turn, lambda: show_suggestions(turn, action.supplier_id or None))
    return True


async def show_suggestions(turn: Turn, supplier_id: int | None) -> None:
    _ = turn.t.gettext
    groups = await reorder.reorder_suggestions(turn.shop, actor(turn), supplier_id=supplier_id)
    if not groups and supplier_id is not None:
        found = (await suppliers.supplier_card(turn.shop, actor(turn), supplier_id)).supplier
        if not found.active:  # its products are under "Without a supplier", not here
            turn.say(
                _(
                    "{name} is inactive: its products are listed under “Without a "
                    "supplier” in {reorder}. Activate it with {supplier} {name} "
                    "active=yes, or the button."
                ).format(
                    name=found.name,
                    reorder=slash(turn.t, "reorder"),
                    supplier=slash(turn.t, "supplier"),
                ),
                [[Button(_("Activate"), ActivateSupplier(found.id).pack())]],
            )
            return
    if not groups:
        turn.say(_("Nothing to reorder now: every product has enough for its lead time."))
        return
    safety = turn.shop.settings.reorder_safety_days
    lines = [
        turn.t.ngettext(
            "To reorder (sales of the last 28 days; lead time + {days} day of margin):",
            "To reorder (sales of the last 28 days; lead time + {days} days of margin):",
            safety,
        ).format(days=safety)
    ]
    buttons: list[list[Button]] = []
    for group in groups:
        lines.append("")
        lines.append(_group_title(turn.t, group.supplier))
        lines += [reorder_line(turn.t, line) for line in group.lines]
        if group.supplier is not None:
            buttons.append(
                [
                    Button(
                        _("Purchase order: {name}").format(name=group.supplier.name)[:60],
                        DraftPurchaseOrder(group.supplier.id).pack(),
                    )
                ]
            )
    if any(group.supplier is None for group in groups):
        lines.append("")
        lines.append(
            _("Name their supplier with {supply} SKU supplier=NAME.").format(
                supply=slash(turn.t, "supply")
            )
        )
    turn.say("\n".join(lines), buttons)


def _group_title(t: Translator, supplier: Supplier | None) -> str:
    if supplier is None:
        return t.gettext("Without a supplier:")
    return "🏭 " + t.ngettext(
        "{name} (arrives in {days} day):",
        "{name} (arrives in {days} days):",
        supplier.lead_time_days,
    ).format(name=supplier.name, days=supplier.lead_time_days)


def rate(t: Translator, value: Fraction) -> str:
    """Units a day: one decimal from 1 up, two below ("0.04"), so a slow seller is not 0."""
    return t.decimal(float(value), 1 if value >= 1 else 2)


def reorder_line(t: Translator, line: ReorderLine) -> str:
    """ "• TAZA Taza: available 6, sells 0.50/day, cover 12 days, suggest 6 (packs of 6)"."""
    _ = t.gettext
    parts = [_("available {count}").format(count=line.available)]
    if line.on_order:
        parts.append(_("{count} on order").format(count=line.on_order))
    if line.days_of_cover is None:
        parts.append(_("no sales in 28 days"))
    else:
        days = int(line.days_of_cover)  # whole days it still lasts
        parts.append(_("sells {rate}/day").format(rate=rate(t, line.daily_sales)))
        parts.append(t.ngettext("cover {days} day", "cover {days} days", days).format(days=days))
    suggestion = _("suggest {count}").format(count=line.suggested_quantity)
    if line.pack_size > 1:
        suggestion += " " + _("(packs of {size})").format(size=line.pack_size)
    if line.capped:
        suggestion += " " + _("(the most one purchase order line takes)")
    parts.append(suggestion)
    return f"• {line.sku} {line.name}: " + ", ".join(parts)
