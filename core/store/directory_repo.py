"""Finding customers as the merchant does: by a piece of their name or phone, as their
own record or any of their orders has it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.customers import FORGOTTEN_CHANNEL, Customer
from core.store.tables import customers, orders


def _digits_of(column: ColumnElement[str]) -> ColumnElement[str]:
    """A stored phone without the spaces, dashes, dots, brackets and plus people type."""
    for mark in (" ", "-", ".", "(", ")", "+"):
        column = func.replace(column, mark, "")
    return column


def _containing(text: str) -> str:
    """A LIKE pattern (escape: backslash) finding text anywhere."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SqlCustomerDirectoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def page(
        self, *, after_id: int = 0, limit: int, name: str = "", digits: str = ""
    ) -> list[Customer]:
        """Customers in id order after `after_id` (a keyset page). With a name or the
        digits of a phone: those whose record or one of whose orders has it (case is
        ignored; SQLite folds ASCII letters only), forgotten ones left out."""
        c, o = customers.c, orders.c
        query = select(customers).where(c.id > after_id).order_by(c.id).limit(limit)
        found: list[ColumnElement[bool]] = []
        if name:
            pattern = _containing(name.lower())
            found.append(func.lower(c.name).like(pattern, escape="\\"))
            found.append(
                exists().where(
                    o.customer_id == c.id, func.lower(o.customer_name).like(pattern, escape="\\")
                )
            )
        if digits:
            pattern = _containing(digits)
            found.append(_digits_of(c.phone).like(pattern, escape="\\"))
            found.append(
                exists().where(
                    o.customer_id == c.id, _digits_of(o.phone).like(pattern, escape="\\")
                )
            )
        if found:
            query = query.where(or_(*found), c.channel != FORGOTTEN_CHANNEL)
        rows = await self.conn.execute(query)
        return [
            Customer(
                id=r.id,
                channel=r.channel,
                external_id=r.external_id,
                name=r.name,
                phone=r.phone,
                locale=r.locale,
                unreachable=r.unreachable,
            )
            for r in rows
        ]
