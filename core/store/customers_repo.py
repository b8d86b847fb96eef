"""Customers, their addresses and their carts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.cart import CartLine
from core.domain.customers import Address, Customer
from core.domain.money import Money
from core.store.tables import addresses, cart_lines, customers, products


def _customer(row) -> Customer:
    return Customer(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        name=row.name,
        phone=row.phone,
        locale=row.locale,
        unreachable=row.unreachable,
    )


class SqlCustomerRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, customer_id: int) -> Customer | None:
        row = (
            await self.conn.execute(select(customers).where(customers.c.id == customer_id))
        ).first()
        return _customer(row) if row else None

    async def find(self, channel: str, external_id: str) -> Customer | None:
        row = (
            await self.conn.execute(
                select(customers).where(
                    customers.c.channel == channel, customers.c.external_id == external_id
                )
            )
        ).first()
        return _customer(row) if row else None

    async def add(self, customer: Customer, at: datetime) -> Customer:
        result = await self.conn.execute(
            customers.insert().values(
                channel=customer.channel,
                external_id=customer.external_id,
                name=customer.name,
                phone=customer.phone,
                locale=customer.locale,
                unreachable=False,
                created_at=at,
            )
        )
        customer.id = result.inserted_primary_key[0]
        return customer

    async def update(self, customer_id: int, **values: object) -> None:
        await self.conn.execute(
            update(customers).where(customers.c.id == customer_id).values(**values)
        )

    async def addresses(self, customer_id: int) -> list[Address]:
        rows = await self.conn.execute(
            select(addresses)
            .where(addresses.c.customer_id == customer_id)
            .order_by(addresses.c.created_at.desc(), addresses.c.id.desc())
        )
        result = []
        for row in rows:
            address = Address.from_dict(row.data)
            address.id = row.id
            result.append(address)
        return result

    async def add_address(self, customer_id: int, address: Address, at: datetime) -> int:
        result = await self.conn.execute(
            addresses.insert().values(
                customer_id=customer_id, data=address.as_dict(), created_at=at
            )
        )
        return result.inserted_primary_key[0]


class SqlCartRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def lines(self, customer_id: int) -> list[CartLine]:
        c, p = cart_lines.c, products.c
        rows = await self.conn.execute(
            select(
                c.product_id,
                c.quantity,
                c.seen_price,
                p.sku,
                p.name,
                p.price,
                p.currency,
                (p.on_hand - p.reserved).label("available"),
                p.active,
                p.weight_g,
            )
            .join(products, p.id == c.product_id)
            .where(c.customer_id == customer_id)
            .order_by(c.added_at, c.product_id)
        )
        return [
            CartLine(
                product_id=r.product_id,
                sku=r.sku,
                name=r.name,
                quantity=r.quantity,
                seen_price=Money(r.seen_price, r.currency),
                current_price=Money(r.price, r.currency),
                available=r.available,
                active=r.active,
                weight_g=r.weight_g,
            )
            for r in rows
        ]

    async def quantity_of(self, customer_id: int, product_id: int) -> int:
        qty = await self.conn.execute(
            select(cart_lines.c.quantity).where(
                cart_lines.c.customer_id == customer_id, cart_lines.c.product_id == product_id
            )
        )
        return qty.scalar_one_or_none() or 0

    async def put(
        self, customer_id: int, product_id: int, quantity: int, seen_price: int, at: datetime
    ) -> None:
        """Set the line's quantity (insert or update); the price seen is refreshed."""
        c = cart_lines.c
        result = await self.conn.execute(
            update(cart_lines)
            .where(c.customer_id == customer_id, c.product_id == product_id)
            .values(quantity=quantity, seen_price=seen_price)
        )
        if result.rowcount == 0:
            await self.conn.execute(
                cart_lines.insert().values(
                    customer_id=customer_id,
                    product_id=product_id,
                    quantity=quantity,
                    seen_price=seen_price,
                    added_at=at,
                )
            )

    async def remove(self, customer_id: int, product_id: int) -> bool:
        c = cart_lines.c
        result = await self.conn.execute(
            delete(cart_lines).where(c.customer_id == customer_id, c.product_id == product_id)
        )
        return result.rowcount > 0

    async def clear(self, customer_id: int) -> None:
        await self.conn.execute(delete(cart_lines).where(cart_lines.c.customer_id == customer_id))
