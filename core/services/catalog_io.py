"""Catalog CSV import / export and the orders export.

Import is all or nothing: every row is checked first and any bad row means nothing is
written, with every problem listed by line number. Only `sku` is required: a column a
file leaves out is kept as it was (a new product needs a name and a price; without a
stock column it starts at 0).
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from core.domain.actors import Actor
from core.domain.catalog import InvalidImageUrl, Product, check_image_url
from core.domain.errors import DomainError, InvalidAmount
from core.domain.money import Money
from core.domain.orders import Order
from core.domain.suppliers import (
    MAX_NAME,
    MAX_PACK_SIZE,
    MAX_REORDER_POINT,
    MAX_SUPPLIER_SKU,
    InvalidCost,
    ProductSupply,
    Supplier,
    SupplierNotFound,
    check_cost,
    name_key,
    parse_cost,
)
from core.services.context import Shop, require_admin
from core.services.spreadsheet import csv_text, restored
from core.services.suppliers import SupplyChanges, apply_supply_changes
from core.store.catalog_repo import sku_key
from core.store.uow import SqlUnitOfWork

CATALOG_COLUMNS = [
    "sku",
    "name",
    "description",
    "category",
    "price",
    "stock",
    "weight_g",
    "image_url",
    # How the product is bought (docs/purchasing.md): a supplier by name, the supplier's
    # code, the cost in the supplier's currency, the reorder point, the pack size.
    "supplier",
    "supplier_sku",
    "cost",
    "reorder_point",
    "pack_size",
]
SUPPLY_COLUMNS = ("supplier", "supplier_sku", "cost", "reorder_point", "pack_size")
# A supply cell holding only this clears the value (no supplier, no cost, ...): an
# empty cell changes nothing, so that files listing only some products' terms (or an
# older export) leave the others' as they are.
CLEAR = "-"
MAX_SKU = 64
# A money cell as people type it: digits with at most one decimal mark. Decimal would
# also read "1e3" as 1000 and "NaN"/"Infinity", which no merchant means as an amount.
MONEY_CELL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str  # a short code: missing_sku, bad_price, negative_stock, ...
    detail: str = ""


class CatalogImportError(DomainError):
    code = "catalog_import_failed"

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors=errors)
        self.errors = errors


@dataclass(frozen=True)
class ProductRow:
    """One product of an import. None means the file has no such column: an existing
    product keeps what it had (a price-only file must not wipe photos)."""

    line: int
    sku: str
    name: str | None  # None (like price): kept; a new product must have both
    description: str | None
    category: str | None
    price: Money | None
    stock: int | None  # None: the stock is left alone (a new product starts at 0)
    weight_g: int | None
    image_url: str | None
    supply: SupplyChanges | None = None  # None: the file has no supply columns


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int  # existing products the file lists, changed or not
    changed: int = 0  # of those, the ones whose values (or stock, or terms) changed
    stock_changed: int = 0  # existing products whose count the stock column changed


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _delimiter(text: str) -> str:
    """ ";" when the header is separated by semicolons (what Excel writes where the comma
    is the decimal mark, as in Spain), else ","."""
    header = text.partition("\n")[0]
    return ";" if header.count(";") > header.count(",") else ","


def _money_cell(text: str, currency: str) -> Money:
    if not MONEY_CELL.fullmatch(text.strip()):
        raise InvalidAmount(text)
    return Money.parse(text, currency)


def parse_catalog_csv(text: str, currency: str) -> list[ProductRow]:
    """Rows of a catalog CSV, or CatalogImportError listing every bad row."""
    rows, errors, _ = _parse(text, currency)
    if errors:
        raise CatalogImportError(errors)
    return rows


def _parse(
    text: str, currency: str
) -> tuple[list[ProductRow], list[RowError], list[tuple[int, str, SupplyChanges]]]:
    """The good rows, every bad row's problems, and the supply terms of the bad rows
    (checked against the suppliers with the good rows', so all are listed at once)."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    present = set(reader.fieldnames or [])
    if "sku" not in present:
        return [], [RowError(1, "missing_columns", "sku")], []
    rows: list[ProductRow] = []
    errors: list[RowError] = []
    unchecked: list[tuple[int, str, SupplyChanges]] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num  # the physical line the row ends on (header is line 1)
        cells = defaultdict(str, {k: restored((v or "").strip()) for k, v in raw.items() if k})
        problems = []
        sku = cells["sku"]
        if not sku:
            problems.append(RowError(line, "missing_sku"))
        elif len(sku) > MAX_SKU:
            problems.append(RowError(line, "sku_too_long", sku[:20]))
        elif sku_key(sku) in seen:  # TAZA-TAL and taza-tal are one product
            problems.append(RowError(line, "duplicate_sku", f"{sku} (line {seen[sku_key(sku)]})"))
        else:
            seen[sku_key(sku)] = line
        if "name" in present and not cells["name"]:
            problems.append(RowError(line, "missing_name", sku))
        price = None
        if "price" in present:
            try:
                price = _money_cell(cells["price"], currency)
                if price.amount < 0:
                    problems.append(RowError(line, "negative_price", cells["price"]))
            except InvalidAmount:
                problems.append(RowError(line, "bad_price", cells["price"][:20]))
        stock = None
        if "stock" in present:
            stock = _int(cells["stock"])
            if stock is None:
                problems.append(RowError(line, "bad_stock", cells["stock"][:20]))
            elif stock < 0:
                problems.append(RowError(line, "negative_stock", cells["stock"]))
        weight = _int(cells["weight_g"] or "0") if "weight_g" in present else 0
        if weight is None or weight < 0:
            problems.append(RowError(line, "bad_weight", cells["weight_g"]))
        image_url = cells["image_url"] if "image_url" in present else None
        try:
            image_url = check_image_url(image_url) if image_url is not None else None
        except InvalidImageUrl:
            problems.append(RowError(line, "bad_image_url", cells["image_url"][:100]))
        supply = _supply_cells(line, cells, present, problems)
        if problems:
            errors.extend(problems)
            if supply is not None:
                unchecked.append((line, sku, supply))
            continue
        assert weight is not None
        rows.append(
            ProductRow(
                line,
                sku,
                cells["name"] if "name" in present else None,
                cells["description"] if "description" in present else None,
                cells["category"] if "category" in present else None,
                price,
                stock,
                weight if "weight_g" in present else None,
                image_url,
                supply,
            )
        )
    return rows, errors, unchecked


def _supply_cells(
    line: int, cells: dict[str, str], present: set[str], problems: list[RowError]
) -> SupplyChanges | None:
    """A row's supply terms: an empty cell (or a column the file lacks) changes nothing,
    "-" clears the value. The cost is only checked to be a number that is not negative
    here; its decimals are checked against the supplier's currency when it is written."""
    if not present & set(SUPPLY_COLUMNS):
        return None
    changes: dict[str, object] = {}
    supplier = cells["supplier"]
    if supplier == CLEAR:
        changes["supplier"] = None
    elif len(supplier) > MAX_NAME:
        problems.append(RowError(line, "unknown_supplier", supplier[:40]))
    elif supplier:
        changes["supplier"] = supplier
    supplier_sku = cells["supplier_sku"]
    if len(supplier_sku) > MAX_SUPPLIER_SKU:
        problems.append(RowError(line, "supplier_sku_too_long", supplier_sku[:20]))
    elif supplier_sku:
        changes["supplier_sku"] = "" if supplier_sku == CLEAR else supplier_sku
    cost = cells["cost"]
    if cost == CLEAR:
        changes["cost"] = None
    elif cost:
        try:
            if not MONEY_CELL.fullmatch(cost):
                raise InvalidOperation(cost)
            if Decimal(cost.replace(",", ".")) < 0:
                problems.append(RowError(line, "negative_cost", cost[:20]))
            else:
                changes["cost"] = cost
        except (InvalidOperation, ValueError):
            problems.append(RowError(line, "bad_cost", cost[:20]))
    point = cells["reorder_point"]
    if point == CLEAR:
        changes["reorder_point"] = None
    elif point:
        number = _int(point)
        if number is None or not 0 <= number <= MAX_REORDER_POINT:
            problems.append(RowError(line, "bad_reorder_point", point[:20]))
        else:
            changes["reorder_point"] = number
    pack = cells["pack_size"]
    if pack == CLEAR:
        changes["pack_size"] = 1
    elif pack:
        number = _int(pack)
        if number is None or not 1 <= number <= MAX_PACK_SIZE:
            problems.append(RowError(line, "bad_pack_size", pack[:20]))
        else:
            changes["pack_size"] = number
    return SupplyChanges(**changes)  # type: ignore[arg-type]


async def import_catalog(shop: Shop, actor: Actor, text: str) -> ImportSummary:
    """Parsed in a worker thread and written off the loop's thread (Database.off_loop):
    thousands of rows must not stop the customers meanwhile.

    Every problem is listed at once: the good rows are written even when others are
    bad (what only the database can tell, an unknown supplier, a count below what is
    reserved, a new product without a name, is found that way) and then rolled back."""
    rows, errors, unchecked = await asyncio.to_thread(_parse, text, shop.currency)
    if errors and errors[0].reason == "missing_columns":
        raise CatalogImportError(errors)
    now = shop.now()
    with shop.db.off_loop():
        async with shop.uow() as uow:
            await require_admin(uow, actor, "import_catalog")
            try:
                summary = await upsert_rows(
                    uow,
                    rows,
                    actor,
                    now,
                    threshold=shop.settings.low_stock_threshold,
                    currency=shop.currency,
                )
            except CatalogImportError as failed:
                errors = errors + failed.errors
            if unchecked:
                errors = errors + await _supply_errors(uow, unchecked, shop.currency)
            if errors:  # leaving the unit uncommitted rolls the good rows back
                raise CatalogImportError(sorted(errors, key=lambda error: error.line))
            await uow.commit(now)
    return summary


async def _supply_errors(
    uow: SqlUnitOfWork, unchecked: list[tuple[int, str, SupplyChanges]], shop_currency: str
) -> list[RowError]:
    """Unknown suppliers and costs the supplier's currency refuses, on rows that are
    bad for other reasons (the good rows' are found when they are written). The cost is
    read as apply_supply_changes reads it: in the currency of the supplier named, or
    else of the product's supplier, or else the shop's."""
    everyone = await uow.suppliers.all()
    by_name = {name_key(s.name): s for s in everyone}
    by_id = {s.id: s for s in everyone}
    errors = []
    for line, sku, supply in unchecked:
        supplier: Supplier | None = None
        if isinstance(supply.supplier, str):
            supplier = by_name.get(name_key(supply.supplier))
            if supplier is None:
                errors.append(RowError(line, "unknown_supplier", supply.supplier[:40]))
                continue
        elif supply.supplier is not None and sku and isinstance(supply.cost, str):
            product = await uow.catalog.get_by_sku(sku)
            current = await uow.suppliers.supply(product.id) if product else None
            supplier = by_id.get(current.supplier_id) if current and current.supplier_id else None
        currency = supplier.currency if supplier is not None else shop_currency
        if isinstance(supply.cost, str):
            try:
                check_cost(parse_cost(supply.cost, currency), currency)
            except InvalidCost:
                errors.append(RowError(line, "bad_cost", supply.cost[:20]))
    return errors


async def upsert_rows(
    uow: SqlUnitOfWork,
    rows: list[ProductRow],
    actor: Actor,
    now: datetime,
    *,
    threshold: int,
    only_missing: bool = False,
    currency: str | None = None,
) -> ImportSummary:
    """Create or update products by SKU; stock is set through the stock ledger.
    currency: the shop's (a row without a price gives none); else the rows' prices'.

    Existing products are written in product order, as every change of several
    products' stock is (in_stock_lock_order): an import and a checkout never wait for
    each other's row locks crosswise. New categories are numbered in file order."""
    created = updated = changed = stock_changed = 0
    errors = []
    categories: dict[str, int] = {}
    suppliers: dict[str, Supplier] | None = None  # by name_key, read once if needed
    planned: list[tuple[ProductRow, Product | None, dict[str, object]]] = []
    for row in rows:
        existing = await uow.catalog.get_by_sku(row.sku)
        if existing is not None and only_missing:
            continue
        if existing is None and (row.name is None or row.price is None):
            # A new product needs what the shop shows: a file without a name or a price
            # column can only update; the row says which columns it lacks.
            lacking = [c for c, v in (("name", row.name), ("price", row.price)) if v is None]
            errors.append(RowError(row.line, "missing_columns", ",".join(lacking)))
            continue
        planned.append((row, existing, await _values(uow, row, categories)))
    planned.sort(key=lambda plan: (plan[1] is None, plan[1].id if plan[1] else 0))
    for row, existing, values in planned:
        differs = False
        if existing is None:
            defaults = {"description": "", "category_id": None, "weight_g": 0, "image_url": ""}
            product_id = await uow.catalog.insert(
                {
                    **defaults,
                    **values,
                    "sku": row.sku,
                    "active": True,
                    "low_stock_threshold": threshold,
                },
                now,
            )
            created += 1
        else:
            product_id = existing.id
            differs = _differs(existing, values)
            if differs:
                await uow.catalog.update(product_id, values, now)
            updated += 1
        stock = row.stock if row.stock is not None or existing is not None else 0
        if stock is not None:
            if not await uow.stock.set_on_hand(product_id, stock, "import", actor=actor, at=now):
                errors.append(RowError(row.line, "stock_below_reserved", row.sku))
            elif existing is not None and existing.on_hand != stock:
                stock_changed += 1
                differs = True
        if row.supply is not None and not row.supply.empty:
            if suppliers is None:
                suppliers = {name_key(s.name): s for s in await uow.suppliers.all()}
            before = await uow.suppliers.supply(product_id) if existing is not None else None
            try:
                applied = await apply_supply_changes(
                    uow,
                    product_id,
                    row.supply,
                    currency or _currency(row, values),
                    now,
                    by_name=suppliers,
                )
                differs = differs or applied.supply != (before or ProductSupply(product_id))
            except SupplierNotFound:
                errors.append(RowError(row.line, "unknown_supplier", str(row.supply.supplier)))
            except InvalidCost:
                errors.append(RowError(row.line, "bad_cost", str(row.supply.cost)[:20]))
        changed += differs
    if errors:
        raise CatalogImportError(sorted(errors, key=lambda error: error.line))
    return ImportSummary(created, updated, changed, stock_changed)


def _currency(row: ProductRow, values: dict[str, object]) -> str:
    assert row.price is not None, "upsert_rows needs the shop's currency for rows without"
    return row.price.currency


def _differs(product: Product, values: dict[str, object]) -> bool:
    """Whether writing `values` changes the product (an import of the same file does not)."""
    now = {
        "name": product.name,
        "price": product.price.amount,
        "currency": product.price.currency,
        "category_id": product.category_id,
        "description": product.description,
        "weight_g": product.weight_g,
        "image_url": product.image_url,
    }
    return any(now[key] != value for key, value in values.items())


async def _values(
    uow: SqlUnitOfWork, row: ProductRow, categories: dict[str, int]
) -> dict[str, object]:
    """A row's columns; a category it names is found or created (numbered in order)."""
    values: dict[str, object] = {}
    if row.name is not None:
        values["name"] = row.name[:200]
    if row.price is not None:
        values["price"] = row.price.amount
        values["currency"] = row.price.currency
    if row.category is not None:
        values["category_id"] = None
        if row.category:
            if row.category not in categories:
                found = await uow.catalog.category_by_name(row.category)
                found = found or await uow.catalog.add_category(row.category, len(categories))
                categories[row.category] = found.id
            values["category_id"] = categories[row.category]
    if row.description is not None:
        values["description"] = row.description
    if row.weight_g is not None:
        values["weight_g"] = row.weight_g
    if row.image_url is not None:
        values["image_url"] = row.image_url
    return values


async def export_catalog(shop: Shop, actor: Actor) -> str:
    """Read and written off the loop's thread, as the import."""
    with shop.db.off_loop():
        async with shop.uow(write=False) as uow:
            await require_admin(uow, actor, "export_catalog")
            products = await uow.catalog.list(active_only=False)
            names = {c.id: c.name for c in await uow.catalog.categories()}
            supplies = await uow.suppliers.supplies()
            suppliers = {s.id: s for s in await uow.suppliers.all()}
    return await asyncio.to_thread(
        _catalog_csv, products, names, supplies, suppliers, shop.currency
    )


def _supply_cells_out(
    supply: ProductSupply | None, suppliers: dict[int, Supplier], shop_currency: str
) -> list[object]:
    """What the import reads back as the same terms ("" everywhere: none were set)."""
    if supply is None:
        return ["", "", "", "", ""]
    supplier = suppliers.get(supply.supplier_id) if supply.supplier_id else None
    currency = supplier.currency if supplier else shop_currency
    return [
        supplier.name if supplier else "",
        supply.supplier_sku,
        "" if supply.cost is None else Money(supply.cost, currency).format_plain(),
        "" if supply.reorder_point is None else supply.reorder_point,
        supply.pack_size,
    ]


def _catalog_csv(
    products: list[Product],
    names: dict[int, str],
    supplies: dict[int, ProductSupply],
    suppliers: dict[int, Supplier],
    shop_currency: str,
) -> str:
    rows = (
        [
            p.sku,
            p.name,
            p.description,
            names.get(p.category_id, ""),
            p.price.format_plain(),
            p.on_hand,
            p.weight_g,
            p.image_url,
            *_supply_cells_out(supplies.get(p.id), suppliers, shop_currency),
        ]
        for p in sorted(products, key=lambda p: p.sku)
    )
    return csv_text(CATALOG_COLUMNS, rows)


async def orders_for_export(shop: Shop, actor: Actor, since: datetime | None = None) -> list[Order]:
    """Every order (placed since, when given) with its lines, oldest first, for an
    admin or the system, read off the loop's thread (Database.off_loop). The merchant's
    CSV is written in their language by handlers/admin/export.py."""
    with shop.db.off_loop():
        async with shop.uow(write=False) as uow:
            await require_admin(uow, actor, "export_orders")
            return await uow.orders.list(since=since, newest_first=False)
