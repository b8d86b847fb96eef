"""Catalog CSV import / export and the orders export.

Import is all or nothing: every row is checked first and any bad row means nothing is
written, with every problem listed by line number.
"""

from __future__ import annotations

import asyncio
import csv
import io
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
    name_key,
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
    name: str
    description: str | None
    category: str | None
    price: Money
    stock: int
    weight_g: int | None
    image_url: str | None
    supply: SupplyChanges | None = None  # None: the file has no supply columns


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def parse_catalog_csv(text: str, currency: str) -> list[ProductRow]:
    """Rows of a catalog CSV, or CatalogImportError listing every bad row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("sku", "name", "price", "stock") if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogImportError([RowError(1, "missing_columns", ",".join(missing))])
    present = set(reader.fieldnames or [])
    rows: list[ProductRow] = []
    errors: list[RowError] = []
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
        if not cells["name"]:
            problems.append(RowError(line, "missing_name", sku))
        price = None
        try:
            price = Money.parse(cells["price"], currency)
            if price.amount < 0:
                problems.append(RowError(line, "negative_price", cells["price"]))
        except InvalidAmount:
            problems.append(RowError(line, "bad_price", cells["price"]))
        stock = _int(cells["stock"])
        if stock is None:
            problems.append(RowError(line, "bad_stock", cells["stock"]))
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
            continue
        assert price is not None and stock is not None and weight is not None
        rows.append(
            ProductRow(
                line,
                sku,
                cells["name"],
                cells["description"] if "description" in present else None,
                cells["category"] if "category" in present else None,
                price,
                stock,
                weight if "weight_g" in present else None,
                image_url,
                supply,
            )
        )
    if errors:
        raise CatalogImportError(errors)
    return rows


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
            if Decimal(cost.replace(",", ".")) < 0:
                problems.append(RowError(line, "negative_cost", cost[:20]))
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
        changes["reorder_point"] = number
    pack = cells["pack_size"]
    if pack == CLEAR:
        changes["pack_size"] = 1
    elif pack:
        number = _int(pack)
        if number is None or not 1 <= number <= MAX_PACK_SIZE:
            problems.append(RowError(line, "bad_pack_size", pack[:20]))
        changes["pack_size"] = number
    return SupplyChanges(**changes)  # type: ignore[arg-type]


async def import_catalog(shop: Shop, actor: Actor, text: str) -> ImportSummary:
    """Parsed in a worker thread and written off the loop's thread (Database.off_loop):
    thousands of rows must not stop the customers meanwhile."""
    rows = await asyncio.to_thread(parse_catalog_csv, text, shop.currency)
    now = shop.now()
    with shop.db.off_loop():
        async with shop.uow() as uow:
            await require_admin(uow, actor, "import_catalog")
            summary = await upsert_rows(
                uow, rows, actor, now, threshold=shop.settings.low_stock_threshold
            )
            await uow.commit(now)
    return summary


async def upsert_rows(
    uow: SqlUnitOfWork,
    rows: list[ProductRow],
    actor: Actor,
    now: datetime,
    *,
    threshold: int,
    only_missing: bool = False,
) -> ImportSummary:
    """Create or update products by SKU; stock is set through the stock ledger.

    Existing products are written in product order, as every change of several
    products' stock is (in_stock_lock_order): an import and a checkout never wait for
    each other's row locks crosswise. New categories are numbered in file order."""
    created = updated = 0
    errors = []
    categories: dict[str, int] = {}
    suppliers: dict[str, Supplier] | None = None  # by name_key, read once if needed
    planned: list[tuple[ProductRow, Product | None, dict[str, object]]] = []
    for row in rows:
        existing = await uow.catalog.get_by_sku(row.sku)
        if existing is not None and only_missing:
            continue
        planned.append((row, existing, await _values(uow, row, categories)))
    planned.sort(key=lambda plan: (plan[1] is None, plan[1].id if plan[1] else 0))
    for row, existing, values in planned:
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
            await uow.catalog.update(product_id, values, now)
            updated += 1
        if not await uow.stock.set_on_hand(product_id, row.stock, "import", actor=actor, at=now):
            errors.append(RowError(row.line, "stock_below_reserved", row.sku))
        if row.supply is not None and not row.supply.empty:
            if suppliers is None:
                suppliers = {name_key(s.name): s for s in await uow.suppliers.all()}
            try:
                await apply_supply_changes(
                    uow, product_id, row.supply, row.price.currency, now, by_name=suppliers
                )
            except SupplierNotFound:
                errors.append(RowError(row.line, "unknown_supplier", str(row.supply.supplier)))
            except InvalidCost:
                errors.append(RowError(row.line, "bad_cost", str(row.supply.cost)[:20]))
    if errors:
        raise CatalogImportError(sorted(errors, key=lambda error: error.line))
    return ImportSummary(created, updated)


async def _values(
    uow: SqlUnitOfWork, row: ProductRow, categories: dict[str, int]
) -> dict[str, object]:
    """A row's columns; a category it names is found or created (numbered in order)."""
    values: dict[str, object] = {
        "name": row.name[:200],
        "price": row.price.amount,
        "currency": row.price.currency,
    }
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
