"""Customers, their addresses and their carts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.cart import CartLine
from core.domain.catalog import Product
from core.domain.conversations import ConversationRecord
from core.domain.customers import FORGOTTEN_CHANNEL, PHONE_CHANNEL, Address, Customer
from core.domain.money import Money
from core.store.catalog_repo import product_from_row
from core.store.dialect import insert_for, prebuilt
from core.store.tables import (
    addresses,
    admins,
    cart_lines,
    conversations,
    customers,
    orders,
    person_aliases,
    products,
)

_c, _p = cart_lines.c, products.c
_CART_LINES = (
    select(
        _c.product_id,
        _c.quantity,
        _c.seen_price,
        _p.sku,
        _p.name,
        _p.price,
        _p.currency,
        (_p.on_hand - _p.reserved).label("available"),
        _p.active,
        _p.weight_g,
    )
    .join(products, _p.id == _c.product_id)
    .where(_c.customer_id == bindparam("customer_id"))
    .order_by(_c.added_at, _c.product_id)
)
_PRODUCT_AND_QUANTITY = (
    select(products, _c.quantity.label("in_cart"))
    .outerjoin(
        cart_lines,
        and_(_c.product_id == _p.id, _c.customer_id == bindparam("customer_id")),
    )
    .where(_p.id == bindparam("product_id"))
)


_FIND = select(customers).where(
    customers.c.channel == bindparam("channel"), customers.c.external_id == bindparam("user_id")
)
_GET = select(customers).where(customers.c.id == bindparam("id"))
_v, _a = conversations.c, admins.c
# Who is writing, where their conversation is, and whether the admins table lists them:
# what every chat update needs first, in one statement.
_FIND_FOR_TURN = (
    select(
        customers,
        _v.state.label("conversation_state"),
        _v.data.label("conversation_data"),
        select(_a.user_id)
        .where(_a.channel == customers.c.channel, _a.user_id == customers.c.external_id)
        .exists()
        .label("listed_admin"),
    )
    .outerjoin(
        conversations,
        and_(_v.channel == customers.c.channel, _v.user_id == customers.c.external_id),
    )
    .where(
        customers.c.channel == bindparam("channel"), customers.c.external_id == bindparam("user_id")
    )
)


def _build_cart_put(conn: AsyncConnection):
    stmt = insert_for(conn, cart_lines)
    return stmt.on_conflict_do_update(
        index_elements=["customer_id", "product_id"],
        set_={"quantity": stmt.excluded.quantity, "seen_price": stmt.excluded.seen_price},
    )


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
        row = (await self.conn.execute(_GET, {"id": customer_id})).first()
        return _customer(row) if row else None

    async def find(self, channel: str, external_id: str) -> Customer | None:
        found = {"channel": channel, "user_id": external_id}
        row = (await self.conn.execute(_FIND, found)).first()
        return _customer(row) if row else None

    async def find_for_turn(
        self, channel: str, external_id: str
    ) -> tuple[Customer, ConversationRecord | None, bool] | None:
        """The customer, their conversation (None: not started) and whether the admins
        table lists them; None when this person never wrote before."""
        found = {"channel": channel, "user_id": external_id}
        row = (await self.conn.execute(_FIND_FOR_TURN, found)).first()
        if row is None:
            return None
        record = None
        if row.conversation_state is not None:
            record = ConversationRecord(
                channel, external_id, row.conversation_state, row.conversation_data
            )
        return _customer(row), record, bool(row.listed_admin)

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

    # Customers by phone number (orders the merchant takes: core/services/phone_orders.py)

    async def known_as_phone(self, channels: frozenset[str], ids: list[str]) -> Customer | None:
        """The customer of a chat whose ids are phone numbers (WhatsApp) known by one of
        these ids, or by a person who ever wrote with one of them (person_aliases)."""
        if not channels or not ids:
            return None
        c, a = customers.c, person_aliases.c
        names = sorted(channels)
        keys = select(a.user_id).where(a.channel.in_(names), a.alias.in_(ids))
        row = (
            await self.conn.execute(
                select(customers)
                .where(c.channel.in_(names))
                .where(c.external_id.in_(ids) | c.external_id.in_(keys))
                .order_by(c.id)
                .limit(1)
            )
        ).first()
        return _customer(row) if row else None

    async def latest_ordering_with_phone(self, phone: str) -> tuple[Customer, str] | None:
        """The chat customer who last ordered giving this phone (as checkout writes it),
        with the name that order went to; forgotten and offline customers left out."""
        c, o = customers.c, orders.c
        row = (
            await self.conn.execute(
                select(customers, o.customer_name)
                .join(orders, o.customer_id == c.id)
                .where(o.phone == phone, c.channel.not_in([FORGOTTEN_CHANNEL, PHONE_CHANNEL]))
                .order_by(o.created_at.desc(), o.id.desc())
                .limit(1)
            )
        ).first()
        return (_customer(row), row.customer_name) if row else None

    async def claim_offline(
        self, customer_id: int, channel: str, external_id: str, locale: str
    ) -> bool:
        """An offline customer (PHONE_CHANNEL) becomes this chat identity; False when
        it no longer is offline (another update claimed it first)."""
        c = customers.c
        result = await self.conn.execute(
            update(customers)
            .where(c.id == customer_id, c.channel == PHONE_CHANNEL)
            .values(channel=channel, external_id=external_id, locale=locale)
        )
        return result.rowcount == 1

    # The ids a person writes with (person_aliases): who each one is

    async def people_known_as(self, channel: str, aliases: list[str]) -> dict[str, str]:
        """Each of these ids already seen -> the id the shop knows its person by."""
        a = person_aliases.c
        rows = await self.conn.execute(
            select(a.alias, a.user_id).where(a.channel == channel, a.alias.in_(aliases))
        )
        return {row.alias: row.user_id for row in rows}

    async def add_aliases(
        self, channel: str, user_id: str, aliases: list[str], at: datetime
    ) -> None:
        """These ids are the person's; one another worker wrote first stays as it is."""
        if not aliases:
            return
        rows = [
            {"channel": channel, "alias": alias, "user_id": user_id, "created_at": at}
            for alias in aliases
        ]
        await self.conn.execute(
            insert_for(self.conn, person_aliases).on_conflict_do_nothing(), rows
        )

    async def join_people(self, channel: str, user_ids: list[str], into: str) -> None:
        """Every id of these people is from now on the person `into`'s."""
        a = person_aliases.c
        await self.conn.execute(
            update(person_aliases)
            .where(a.channel == channel, a.user_id.in_(user_ids))
            .values(user_id=into)
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
        rows = await self.conn.execute(_CART_LINES, {"customer_id": customer_id})
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

    async def product_and_quantity(
        self, customer_id: int, product_id: int
    ) -> tuple[Product, int] | None:
        """The product and how many of it the cart already holds, in one query."""
        params = {"customer_id": customer_id, "product_id": product_id}
        row = (await self.conn.execute(_PRODUCT_AND_QUANTITY, params)).mappings().first()
        if row is None:
            return None
        return product_from_row(row), row["in_cart"] or 0

    async def put(
        self, customer_id: int, product_id: int, quantity: int, seen_price: int, at: datetime
    ) -> None:
        """Set the line's quantity (insert or update); the price seen is refreshed."""
        await self.conn.execute(
            prebuilt(self.conn, "cart_put", _build_cart_put),
            {
                "customer_id": customer_id,
                "product_id": product_id,
                "quantity": quantity,
                "seen_price": seen_price,
                "added_at": at,
            },
        )

    async def remove(self, customer_id: int, product_id: int) -> bool:
        c = cart_lines.c
        result = await self.conn.execute(
            delete(cart_lines).where(c.customer_id == customer_id, c.product_id == product_id)
        )
        return result.rowcount > 0

    async def clear(self, customer_id: int) -> None:
        await self.conn.execute(delete(cart_lines).where(cart_lines.c.customer_id == customer_id))
