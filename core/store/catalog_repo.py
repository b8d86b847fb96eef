"""Categories and products."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.catalog import Category, Product
from core.domain.money import Money
from core.store.tables import categories, products


def sku_key(sku: str) -> str:
    """What makes two SKUs the same one: people type "taza-tal" for TAZA-TAL."""
    return sku.strip().lower()


# A product by SKU, whatever case it was typed in; the one spelled exactly so first (a
# database from before SKUs were compared without case may hold two such products).
# SQLite's lower() folds ASCII letters only: a SKU with accented capitals is still
# found when typed as it is stored.
_BY_SKU = (
    select(products)
    .where(or_(products.c.sku == bindparam("sku"), func.lower(products.c.sku) == bindparam("key")))
    .order_by((products.c.sku == bindparam("sku")).desc(), products.c.id)
    .limit(1)
)


def product_from_row(row: RowMapping) -> Product:
    return Product(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        description=row["description"],
        price=Money(row["price"], row["currency"]),
        category_id=row["category_id"],
        image_url=row["image_url"],
        weight_g=row["weight_g"],
        active=row["active"],
        on_hand=row["on_hand"],
        reserved=row["reserved"],
        low_stock_threshold=row["low_stock_threshold"],
    )


class SqlCatalogRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def categories(self) -> list[Category]:
        rows = await self.conn.execute(
            select(categories).order_by(categories.c.position, categories.c.name)
        )
        return [Category(r.id, r.name, r.position) for r in rows]

    async def category_by_name(self, name: str) -> Category | None:
        row = (await self.conn.execute(select(categories).where(categories.c.name == name))).first()
        return Category(row.id, row.name, row.position) if row else None

    async def category(self, category_id: int) -> Category | None:
        row = (
            await self.conn.execute(select(categories).where(categories.c.id == category_id))
        ).first()
        return Category(row.id, row.name, row.position) if row else None

    async def add_category(self, name: str, position: int = 0) -> Category:
        result = await self.conn.execute(categories.insert().values(name=name, position=position))
        return Category(result.inserted_primary_key[0], name, position)

    async def get(self, product_id: int) -> Product | None:
        row = (
            (await self.conn.execute(select(products).where(products.c.id == product_id)))
            .mappings()
            .first()
        )
        return product_from_row(row) if row else None

    async def get_by_sku(self, sku: str) -> Product | None:
        """The product with that SKU, in any case ("taza-tal" finds TAZA-TAL)."""
        found = await self.conn.execute(_BY_SKU, {"sku": sku.strip(), "key": sku_key(sku)})
        row = found.mappings().first()
        return product_from_row(row) if row else None

    async def list(
        self,
        *,
        category_id: int | None = None,
        active_only: bool = True,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Product]:
        query = select(products).order_by(products.c.name, products.c.id)
        if category_id is not None:
            query = query.where(products.c.category_id == category_id)
        if active_only:
            query = query.where(products.c.active.is_(True))
        query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = (await self.conn.execute(query)).mappings()
        return [product_from_row(r) for r in rows]

    async def count(self, *, category_id: int | None = None, active_only: bool = True) -> int:
        query = select(func.count()).select_from(products)
        if category_id is not None:
            query = query.where(products.c.category_id == category_id)
        if active_only:
            query = query.where(products.c.active.is_(True))
        return (await self.conn.execute(query)).scalar_one()

    async def insert(self, values: dict, at: datetime) -> int:
        result = await self.conn.execute(
            products.insert().values(**values, reserved=0, on_hand=0, updated_at=at)
        )
        return result.inserted_primary_key[0]

    async def update(self, product_id: int, values: dict, at: datetime) -> None:
        await self.conn.execute(
            update(products).where(products.c.id == product_id).values(**values, updated_at=at)
        )

    async def page(
        self,
        *,
        after_id: int = 0,
        limit: int,
        active: bool | None = None,
        category_id: int | None = None,
        text: str = "",
    ) -> list[Product]:
        """Products in id order after `after_id` (a keyset page: rows added meanwhile
        never shift it), active or not or either, of one category, whose name or SKU
        contains `text` (case-insensitively; SQLite folds ASCII letters only)."""
        p = products.c
        query = select(products).where(p.id > after_id).order_by(p.id).limit(limit)
        if active is not None:
            query = query.where(p.active.is_(active))
        if category_id is not None:
            query = query.where(p.category_id == category_id)
        if text:
            pattern = "%" + _like_escaped(text.lower()) + "%"
            query = query.where(
                or_(
                    func.lower(p.name).like(pattern, escape="\\"),
                    func.lower(p.sku).like(pattern, escape="\\"),
                )
            )
        rows = (await self.conn.execute(query)).mappings()
        return [product_from_row(r) for r in rows]

    async def stock_page(
        self, *, after: tuple[int, int] | None = None, limit: int, low_only: bool = False
    ) -> list[Product]:
        """Products by headroom (available minus the low-stock threshold), least first,
        then id: the low ones (headroom <= 0, StockLevel.low) lead. A keyset page after
        (headroom, id)."""
        p = products.c
        headroom = p.on_hand - p.reserved - p.low_stock_threshold
        query = select(products).order_by(headroom, p.id).limit(limit)
        if after is not None:
            query = query.where(
                or_(headroom > after[0], and_(headroom == after[0], p.id > after[1]))
            )
        if low_only:
            query = query.where(headroom <= 0)
        rows = (await self.conn.execute(query)).mappings()
        return [product_from_row(r) for r in rows]


def _like_escaped(text: str) -> str:
    """Text to find as itself inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
