"""Browsing, searching and editing the catalog."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from core.domain.actors import Actor
from core.domain.catalog import Category, Product, check_image_url
from core.domain.errors import DomainError, InvalidAmount, ProductNotFound
from core.domain.money import Money
from core.services.catalog_io import ProductRow, parse_catalog_csv, upsert_rows
from core.services.context import Shop, require_admin


@dataclass(frozen=True)
class Page:
    items: list[Product]
    page: int  # 0-based
    pages: int
    total: int


async def list_categories(shop: Shop) -> list[Category]:
    async with shop.uow(write=False) as uow:
        return await uow.catalog.categories()


async def list_products(
    shop: Shop, *, category_id: int | None = None, page: int = 0, page_size: int = 8
) -> Page:
    async with shop.uow(write=False) as uow:
        total = await uow.catalog.count(category_id=category_id)
        pages = max(1, -(-total // page_size))
        page = min(max(page, 0), pages - 1)
        items = await uow.catalog.list(
            category_id=category_id, offset=page * page_size, limit=page_size
        )
        return Page(items, page, pages, total)


async def get_product(shop: Shop, *, product_id: int | None = None, sku: str | None = None):
    async with shop.uow(write=False) as uow:
        product = (
            await uow.catalog.get(product_id)
            if product_id is not None
            else await uow.catalog.get_by_sku(sku or "")
        )
    if product is None:
        raise ProductNotFound(product_id=product_id, sku=sku)
    return product


def fold(text: str) -> str:
    """Lower case without accents, so "Camisa Azúl" and "camisa azul" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


SEARCH_CUTOFF = 70


async def search_products(shop: Shop, text: str, *, limit: int = 10) -> list[Product]:
    """Typo-tolerant search over active products' names, SKUs and categories."""
    query = fold(text).strip()
    if not query:
        return []
    found = await shelf(shop)
    choices = {
        p.id: fold(f"{p.name} {found.categories.get(p.category_id, '')} {p.sku}")
        for p in found.products
    }
    by_id = {p.id: p for p in found.products}
    matches = process.extract(
        query,
        choices,
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=SEARCH_CUTOFF,
    )
    return [by_id[key] for _choice, _score, key in matches]


@dataclass(frozen=True)
class Shelf:
    """What customers can ask for: the active products and the categories' names."""

    products: list[Product]
    categories: dict[int, str]


async def shelf(shop: Shop) -> Shelf:
    async with shop.uow(write=False) as uow:
        products = await uow.catalog.list()
        categories = {c.id: c.name for c in await uow.catalog.categories()}
    return Shelf(products, categories)


async def add_category(shop: Shop, actor: Actor, name: str) -> Category:
    async with shop.uow() as uow:
        await require_admin(uow, actor, "add_category")
        existing = await uow.catalog.category_by_name(name.strip())
        if existing:
            return existing
        category = await uow.catalog.add_category(name.strip())
        await uow.commit(shop.now())
        return category


PRODUCT_FIELDS = {"name", "description", "price", "image_url", "weight_g", "active", "category_id"}


async def update_product(shop: Shop, actor: Actor, sku: str, **changes: object) -> Product:
    """Edit a product: price (Money), description, photo, active flag, ..."""
    unknown = set(changes) - PRODUCT_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    values = dict(changes)
    if "price" in values:
        price = values["price"]
        if not isinstance(price, Money) or price.amount < 0 or price.currency != shop.currency:
            raise InvalidAmount(str(price))
        values["price"] = price.amount
    if "image_url" in values:
        values["image_url"] = check_image_url(str(values["image_url"]))
    async with shop.uow() as uow:
        await require_admin(uow, actor, "update_product")
        product = await uow.catalog.get_by_sku(sku)
        if product is None:
            raise ProductNotFound(sku=sku)
        await uow.catalog.update(product.id, values, shop.now())
        await uow.commit(shop.now())
    return await get_product(shop, sku=sku)


class ProductExists(DomainError):
    code = "product_exists"


async def create_product(
    shop: Shop,
    actor: Actor,
    sku: str,
    name: str,
    price: str,
    stock: str,
    category: str = "",
    *,
    description: str = "",
    weight_g: str = "0",
    image_url: str = "",
) -> Product:
    """A new product (admin chat, REST API), checked like an imported CSV row, and its
    photo like a changed one."""
    photo = check_image_url(image_url)
    cells = (sku, name, description, category, price, stock, weight_g, photo)
    line = ",".join(_csv_cell(v) for v in cells)
    rows: list[ProductRow] = parse_catalog_csv(
        "sku,name,description,category,price,stock,weight_g,image_url\n" + line, shop.currency
    )
    async with shop.uow() as uow:
        await require_admin(uow, actor, "create_product")
        if await uow.catalog.get_by_sku(rows[0].sku) is not None:
            raise ProductExists(sku=sku)
        await upsert_rows(uow, rows, actor, shop.now(), threshold=shop.settings.low_stock_threshold)
        await uow.commit(shop.now())
    return await get_product(shop, sku=rows[0].sku)


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


async def browse_products(
    shop: Shop,
    actor: Actor,
    *,
    after_id: int = 0,
    limit: int = 50,
    active: bool | None = None,
    category_id: int | None = None,
    text: str = "",
) -> list[Product]:
    """The merchant's catalog, a page at a time in id order (active or not), filtered
    by state, category and a piece of the name or SKU."""
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "list_products")
        return await uow.catalog.page(
            after_id=after_id,
            limit=limit,
            active=active,
            category_id=category_id,
            text=text.strip(),
        )
