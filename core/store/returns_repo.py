"""Return requests and their lines."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.returns import ReturnLine, ReturnRequest, ReturnResolution, ReturnStatus
from core.domain.shipments import Shipment
from core.domain.webhooks import return_event
from core.store.tables import (
    carriers,
    order_lines,
    orders,
    products,
    return_lines,
    return_requests,
    return_shipments,
)
from core.store.webhooks_repo import event_row


class SqlReturnRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        # Webhook events of the returns written in this unit (SqlUnitOfWork.commit).
        self.webhook_events: list[dict] = []

    async def add(self, request: ReturnRequest) -> ReturnRequest:
        result = await self.conn.execute(
            return_requests.insert().values(
                order_id=request.order_id,
                status=str(request.status),
                reason=request.reason,
                resolution=str(request.resolution),
                decision_note="",
                refund_amount=0,
                created_at=request.created_at,
                updated_at=request.updated_at,
            )
        )
        request.id = result.inserted_primary_key[0]
        await self.conn.execute(
            return_lines.insert(),
            [
                {
                    "return_id": request.id,
                    "order_line_id": line.order_line_id,
                    "quantity": line.quantity,
                    "sellable": None,
                    "replacement_product_id": line.replacement_id,
                }
                for line in request.lines
            ],
        )
        await self._note_moves(request, [(None, str(request.status))])
        return request

    async def save(self, request: ReturnRequest) -> None:
        await self.conn.execute(
            update(return_requests)
            .where(return_requests.c.id == request.id)
            .values(
                status=str(request.status),
                decision_note=request.decision_note,
                refund_amount=request.refund_amount,
                updated_at=request.updated_at,
            )
        )
        for line in request.lines:
            await self.conn.execute(
                update(return_lines)
                .where(return_lines.c.id == line.id)
                .values(sellable=line.sellable)
            )
        await self._note_moves(request, request.history)
        request.history.clear()

    async def _note_moves(
        self, request: ReturnRequest, moves: list[tuple[str | None, str]]
    ) -> None:
        """Buffer the webhook event of each status the return reached."""
        if not moves:
            return
        code = (
            await self.conn.execute(select(orders.c.code).where(orders.c.id == request.order_id))
        ).scalar_one()
        for frm, to in moves:
            self.webhook_events.append(
                event_row(*return_event(request, code, frm, to), request.updated_at)
            )

    async def get(self, return_id: int) -> ReturnRequest | None:
        found = await self.list(return_id=return_id)
        return found[0] if found else None

    async def list(
        self,
        *,
        return_id: int | None = None,
        order_id: int | None = None,
        statuses: frozenset[ReturnStatus] | None = None,
    ) -> list[ReturnRequest]:
        query = select(return_requests).order_by(return_requests.c.created_at)
        if return_id is not None:
            query = query.where(return_requests.c.id == return_id)
        if order_id is not None:
            query = query.where(return_requests.c.order_id == order_id)
        if statuses is not None:
            query = query.where(return_requests.c.status.in_([str(s) for s in statuses]))
        rows = (await self.conn.execute(query)).all()
        shipped = await self._shipments([r.id for r in rows], {r.id: r.order_id for r in rows})
        return [
            ReturnRequest(
                id=r.id,
                order_id=r.order_id,
                status=ReturnStatus(r.status),
                reason=r.reason,
                resolution=ReturnResolution(r.resolution),
                lines=await self._lines(r.id),
                created_at=r.created_at,
                updated_at=r.updated_at,
                decision_note=r.decision_note,
                refund_amount=r.refund_amount,
                shipment=shipped.get(r.id),
            )
            for r in rows
        ]

    async def add_shipment(self, shipment: Shipment) -> None:
        """The exchange's replacement left with a carrier (one per return)."""
        await self.conn.execute(
            return_shipments.insert().values(
                return_id=shipment.return_id,
                carrier_code=shipment.carrier_code,
                tracking_number=shipment.tracking_number,
                tracking_url=shipment.tracking_url,
                shipped_at=shipment.shipped_at,
            )
        )

    async def _shipments(self, ids: list[int], order_of: dict[int, int]) -> dict[int, Shipment]:
        if not ids:
            return {}
        rows = await self.conn.execute(
            select(return_shipments, carriers.c.name.label("carrier_name"))
            .join(carriers, carriers.c.code == return_shipments.c.carrier_code)
            .where(return_shipments.c.return_id.in_(ids))
        )
        return {
            r.return_id: Shipment(
                id=r.id,
                order_id=order_of[r.return_id],
                carrier_code=r.carrier_code,
                carrier_name=r.carrier_name,
                tracking_number=r.tracking_number,
                tracking_url=r.tracking_url,
                shipped_at=r.shipped_at,
                return_id=r.return_id,
            )
            for r in rows
        }

    async def _lines(self, return_id: int) -> list[ReturnLine]:
        replacement = products.alias("replacement")
        rows = await self.conn.execute(
            select(
                return_lines,
                order_lines.c.sku,
                order_lines.c.name,
                order_lines.c.unit_price,
                order_lines.c.product_id,
                replacement.c.name.label("replacement_name"),
            )
            .join(order_lines, order_lines.c.id == return_lines.c.order_line_id)
            .outerjoin(replacement, replacement.c.id == return_lines.c.replacement_product_id)
            .where(return_lines.c.return_id == return_id)
            .order_by(return_lines.c.id)
        )
        return [
            ReturnLine(
                id=r.id,
                order_line_id=r.order_line_id,
                sku=r.sku,
                name=r.name,
                quantity=r.quantity,
                unit_price=r.unit_price,
                product_id=r.product_id,
                sellable=r.sellable,
                replacement_id=r.replacement_product_id,
                replacement_name=r.replacement_name or "",
            )
            for r in rows
        ]

    async def returned_quantities(self, order_id: int) -> dict[int, int]:
        """Units already asked back per order line (rejected requests don't count)."""
        rows = await self.conn.execute(
            select(return_lines.c.order_line_id, return_lines.c.quantity)
            .join(return_requests, return_requests.c.id == return_lines.c.return_id)
            .where(
                return_requests.c.order_id == order_id,
                return_requests.c.status != str(ReturnStatus.REJECTED),
            )
        )
        totals: dict[int, int] = {}
        for line_id, qty in rows:
            totals[line_id] = totals.get(line_id, 0) + qty
        return totals
