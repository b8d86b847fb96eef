"""Orders with their lines and their append-only event timeline."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.errors import DomainError
from core.domain.money import Money
from core.domain.orders import (
    CONFIRMED_WITHOUT_PAYMENT,
    RESERVING_STATUSES,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
)
from core.domain.payments import HOLDS_MONEY
from core.domain.webhooks import order_event
from core.store.tables import order_events, order_lines, orders, payments
from core.store.webhooks_repo import event_row

_INSERT_ORDER = orders.insert()
_INSERT_LINE = order_lines.insert()
_INSERT_EVENT = order_events.insert()


class ConcurrentUpdate(DomainError):
    """Someone else changed the order between our read and our write."""

    code = "concurrent_update"


class OrderCodeTaken(ConcurrentUpdate):
    """Another order already has the random code just drawn (about once in 14,000
    orders among 2,000): the transaction rolled back whole; running it again draws a
    new code."""


def _order(row, lines: list[OrderLine]) -> Order:
    cur = row.currency
    return Order(
        id=row.id,
        code=row.code,
        customer_id=row.customer_id,
        status=OrderStatus(row.status),
        currency=cur,
        lines=lines,
        subtotal=Money(row.subtotal, cur),
        tax=Money(row.tax, cur),
        shipping_fee=Money(row.shipping_fee, cur),
        total=Money(row.total, cur),
        shipping_method=row.shipping_method,
        payment_method=PaymentMethod(row.payment_method),
        customer_name=row.customer_name,
        phone=row.phone,
        address=row.address,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        rating=row.rating,
        rating_comment=row.rating_comment,
        cancel_reason=row.cancel_reason,
        version=row.version,
        delivery_promised_by=row.delivery_promised_by,
        paid=bool(row.paid),
        payment_waived=bool(row.payment_waived),
    )


class SqlOrderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        # Webhook events of the orders written in this unit: the unit's commit writes
        # them in one INSERT with its other events (SqlUnitOfWork.commit).
        self.webhook_events: list[dict] = []

    async def add(self, order: Order) -> Order:
        try:
            result = await self._insert(order)
        except IntegrityError as error:
            text = str(error.orig)
            if "orders.code" in text or "uq_orders_code" in text:
                raise OrderCodeTaken() from error
            raise
        order.id = result.inserted_primary_key[0]
        await self.conn.execute(
            _INSERT_LINE,
            [
                {
                    "order_id": order.id,
                    "product_id": line.product_id,
                    "sku": line.sku,
                    "name": line.name,
                    "unit_price": line.unit_price.amount,
                    "quantity": line.quantity,
                    "weight_g": line.weight_g,
                }
                for line in order.lines
            ],
        )
        await self._write_events(order)
        return order

    async def save(self, order: Order) -> None:
        """Write the order's changes if nobody changed it since it was read."""
        result = await self.conn.execute(
            update(orders)
            .where(orders.c.id == order.id, orders.c.version == order.version)
            .values(
                status=str(order.status),
                updated_at=order.updated_at,
                rating=order.rating,
                rating_comment=order.rating_comment,
                cancel_reason=order.cancel_reason,
                expires_at=order.expires_at,
                version=order.version + 1,
            )
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(code=order.code)
        order.version += 1
        await self._write_events(order)

    async def _insert(self, order: Order):
        return await self.conn.execute(
            _INSERT_ORDER,
            {
                "code": order.code,
                "customer_id": order.customer_id,
                "status": str(order.status),
                "currency": order.currency,
                "subtotal": order.subtotal.amount,
                "tax": order.tax.amount,
                "shipping_fee": order.shipping_fee.amount,
                "total": order.total.amount,
                "shipping_method": order.shipping_method,
                "payment_method": str(order.payment_method),
                "customer_name": order.customer_name,
                "phone": order.phone,
                "address": order.address,
                "created_at": order.created_at,
                "updated_at": order.updated_at,
                "expires_at": order.expires_at,
                "delivery_promised_by": order.delivery_promised_by,
                "rating_comment": "",
                "cancel_reason": "",
                "version": 0,
            },
        )

    async def add_event(self, order_id: int, event: OrderEvent) -> None:
        await self.conn.execute(order_events.insert().values(order_id=order_id, **_event(event)))

    async def _write_events(self, order: Order) -> None:
        if order.new_events:
            await self.conn.execute(
                _INSERT_EVENT,
                [{"order_id": order.id, **_event(e)} for e in order.new_events],
            )
            for event in order.new_events:
                if (found := order_event(order, event)) is not None:
                    self.webhook_events.append(event_row(*found, event.at))
            order.new_events.clear()

    async def get(self, *, code: str | None = None, order_id: int | None = None) -> Order | None:
        query = _ORDERS
        query = query.where(orders.c.code == code) if code else query.where(orders.c.id == order_id)
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        return _order(row, await self._lines(row.id))

    async def codes(self, order_ids: list[int]) -> dict[int, str]:
        """The codes of these orders, by id, in one query."""
        if not order_ids:
            return {}
        rows = await self.conn.execute(
            select(orders.c.id, orders.c.code).where(orders.c.id.in_(order_ids))
        )
        return {row.id: row.code for row in rows}

    async def _lines(self, order_id: int) -> list[OrderLine]:
        return (await self._lines_of([order_id])).get(order_id, [])

    async def _lines_of(self, order_ids: list[int]) -> dict[int, list[OrderLine]]:
        """The lines of several orders in one query, by order id."""
        if not order_ids:
            return {}
        rows = await self.conn.execute(
            select(order_lines, orders.c.currency)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(order_lines.c.order_id.in_(order_ids))
            .order_by(order_lines.c.order_id, order_lines.c.id)
        )
        by_order: dict[int, list[OrderLine]] = defaultdict(list)
        for r in rows:
            by_order[r.order_id].append(
                OrderLine(
                    id=r.id,
                    product_id=r.product_id,
                    sku=r.sku,
                    name=r.name,
                    unit_price=Money(r.unit_price, r.currency),
                    quantity=r.quantity,
                    weight_g=r.weight_g,
                )
            )
        return by_order

    async def list(
        self,
        *,
        customer_id: int | None = None,
        statuses: frozenset[OrderStatus] | set[OrderStatus] | None = None,
        since: datetime | None = None,
        offset: int = 0,
        limit: int | None = None,
        newest_first: bool = True,
        awaiting_payment: bool = False,
    ) -> list[Order]:
        query = _ORDERS
        if customer_id is not None:
            query = query.where(orders.c.customer_id == customer_id)
        if statuses is not None:
            query = query.where(orders.c.status.in_([str(s) for s in statuses]))
        if awaiting_payment:
            query = query.where(_awaiting_payment())
        if since is not None:
            query = query.where(orders.c.created_at >= since)
        order_by = orders.c.created_at.desc() if newest_first else orders.c.created_at
        query = query.order_by(order_by, orders.c.id.desc()).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        rows = (await self.conn.execute(query)).all()
        lines = await self._lines_of([row.id for row in rows])
        return [_order(row, lines.get(row.id, [])) for row in rows]

    async def count(
        self, *, statuses: set[OrderStatus] | None = None, awaiting_payment: bool = False
    ) -> int:
        query = select(func.count()).select_from(orders)
        if statuses is not None:
            query = query.where(orders.c.status.in_([str(s) for s in statuses]))
        if awaiting_payment:
            query = query.where(_awaiting_payment())
        return (await self.conn.execute(query)).scalar_one()

    async def overdue_codes(self, now: datetime, limit: int = 100) -> list[str]:
        rows = await self.conn.execute(
            select(orders.c.code)
            .where(
                orders.c.status == str(OrderStatus.PENDING_PAYMENT),
                orders.c.expires_at.is_not(None),
                orders.c.expires_at <= now,
            )
            .order_by(orders.c.expires_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def open_unpaid_codes(self, customer_id: int) -> list[str]:
        """The customer's open orders no money was received for, newest first: card
        orders awaiting payment, and orders awaiting the shop's confirmation unpaid."""
        rows = await self.conn.execute(
            select(orders.c.code)
            .where(
                orders.c.customer_id == customer_id,
                or_(
                    orders.c.status == str(OrderStatus.PENDING_PAYMENT),
                    (orders.c.status == str(OrderStatus.AWAITING_CONFIRMATION)) & _unpaid(),
                ),
            )
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        )
        return list(rows.scalars())

    async def unconfirmed_to_remind(self, placed_before: datetime, limit: int = 100) -> list[str]:
        """Unpaid cash-on-delivery / transfer orders still awaiting confirmation, placed
        before that moment, that were not given a release time yet (not reminded)."""
        rows = await self.conn.execute(
            select(orders.c.code)
            .where(
                _unconfirmed_unpaid(),
                orders.c.expires_at.is_(None),
                orders.c.created_at <= placed_before,
            )
            .order_by(orders.c.created_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def unconfirmed_overdue(self, now: datetime, limit: int = 100) -> list[str]:
        """Unpaid cash-on-delivery / transfer orders still awaiting confirmation whose
        release time has come, except transfers whose receipt the customer sent (the
        customer did their part: the merchant decides)."""
        receipt = (
            select(order_events.c.id)
            .where(
                order_events.c.order_id == orders.c.id,
                order_events.c.kind == "receipt_attached",
            )
            .exists()
        )
        rows = await self.conn.execute(
            select(orders.c.code)
            .where(
                _unconfirmed_unpaid(),
                orders.c.expires_at.is_not(None),
                orders.c.expires_at <= now,
                ~receipt,
            )
            .order_by(orders.c.expires_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def timeline(self, order_id: int) -> list[OrderEvent]:
        rows = await self.conn.execute(
            select(order_events)
            .where(order_events.c.order_id == order_id)
            .order_by(order_events.c.at, order_events.c.id)
        )
        return [OrderEvent(r.at, r.actor, r.kind, r.from_status, r.to_status, r.data) for r in rows]

    # --- The REST API's order list (core/services/orders.py orders_page) ---

    async def page(
        self,
        *,
        limit: int,
        before: tuple[datetime, int] | None = None,
        statuses: frozenset[OrderStatus] | set[OrderStatus] | None = None,
        customer_id: int | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        codes: list[str] | None = None,
        phones: list[str] | None = None,
        awaiting_payment: bool = False,
    ) -> list[Order]:
        """Newest first, the orders placed before the position (created_at, id): a
        keyset, not an offset, so orders placed between two pages never shift the
        next page (no repeats, no skips). codes and phones: any of them matches."""
        query = _ORDERS
        if before is not None:
            at, order_id = before
            query = query.where(
                or_(
                    orders.c.created_at < at,
                    and_(orders.c.created_at == at, orders.c.id < order_id),
                )
            )
        if statuses is not None:
            query = query.where(orders.c.status.in_([str(s) for s in statuses]))
        if customer_id is not None:
            query = query.where(orders.c.customer_id == customer_id)
        if created_from is not None:
            query = query.where(orders.c.created_at >= created_from)
        if created_to is not None:
            query = query.where(orders.c.created_at < created_to)
        if codes is not None or phones is not None:
            query = query.where(
                or_(orders.c.code.in_(codes or []), orders.c.phone.in_(phones or []))
            )
        if awaiting_payment:
            query = query.where(_awaiting_payment())
        query = query.order_by(orders.c.created_at.desc(), orders.c.id.desc()).limit(limit)
        rows = (await self.conn.execute(query)).all()
        lines = await self._lines_of([row.id for row in rows])
        return [_order(row, lines.get(row.id, [])) for row in rows]


def _paid() -> ColumnElement[bool]:
    """A payment of the order holds money."""
    return (
        select(payments.c.id)
        .where(
            payments.c.order_id == orders.c.id,
            payments.c.status.in_([str(s) for s in HOLDS_MONEY]),
        )
        .exists()
    )


def _unpaid() -> ColumnElement[bool]:
    """No payment of the order holds money."""
    return ~_paid()


def _waived() -> ColumnElement[bool]:
    """The merchant went on without the payment ("confirm without payment")."""
    return (
        select(order_events.c.id)
        .where(
            order_events.c.order_id == orders.c.id,
            order_events.c.kind == CONFIRMED_WITHOUT_PAYMENT,
        )
        .exists()
    )


def _awaiting_payment() -> ColumnElement[bool]:
    """Order.awaits_payment in SQL: for the admin's "/pedidos esperando pago"."""
    return and_(
        orders.c.payment_method != str(PaymentMethod.CASH_ON_DELIVERY),
        orders.c.status.in_([str(s) for s in RESERVING_STATUSES]),
        ~_paid(),
        ~_waived(),
    )


def _select_orders():
    """Orders with what Order.awaits_payment needs: paid, and a merchant's override."""
    return select(orders, _paid().label("paid"), _waived().label("payment_waived"))


_ORDERS = _select_orders()  # built once: every read of orders starts from it


def _unconfirmed_unpaid() -> ColumnElement[bool]:
    """Awaiting the shop's confirmation, paid later (cash on delivery, transfer), and
    unpaid so far: the reservations nobody has committed to."""
    return (
        (orders.c.status == str(OrderStatus.AWAITING_CONFIRMATION))
        & orders.c.payment_method.in_([str(m) for m in PaymentMethod if not m.is_prepaid])
        & _unpaid()
    )


def _event(event: OrderEvent) -> dict:
    return {
        "at": event.at,
        "actor": event.actor,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "data": event.data,
    }
