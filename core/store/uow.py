"""Unit of work: one transaction, the repositories bound to it, and the messages the
change produced, written to the outbox in that same transaction."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import datetime
from types import TracebackType
from uuid import uuid4

from core.domain.outbox import ADMIN, ADMINS, CUSTOMER, OutboxMessage
from core.store.admins_repo import SqlAdminRepository
from core.store.catalog_repo import SqlCatalogRepository
from core.store.conversations_repo import SqlConversationRepository, SqlSupportRepository
from core.store.customers_repo import SqlCartRepository, SqlCustomerRepository
from core.store.database import Database
from core.store.inbox_repo import SqlChannelMenuRepository, SqlInboxRepository
from core.store.orders_repo import SqlOrderRepository
from core.store.outbox_repo import SqlOutboxRepository
from core.store.payments_repo import (
    SqlCarrierRepository,
    SqlPaymentRepository,
    SqlShipmentRepository,
)
from core.store.reports_repo import SqlReportRepository
from core.store.returns_repo import SqlReturnRepository
from core.store.stock_repo import SqlStockRepository


class SqlUnitOfWork:
    def __init__(
        self,
        db: Database,
        *,
        write: bool = True,
        one_statement: bool = False,
        configured_admins: frozenset[tuple[str, str]] = frozenset(),
        admin_group: tuple[str, str] | None = None,
    ) -> None:
        self._db = db
        self._write = write
        self._one_statement = one_statement
        self._stack: AsyncExitStack | None = None
        self.configured_admins = configured_admins
        self.admin_group = admin_group  # where admin news go on that channel, if set
        self.messages: list[OutboxMessage] = []

    async def __aenter__(self) -> SqlUnitOfWork:
        self._stack = AsyncExitStack()
        conn = await self._stack.enter_async_context(
            self._db.transaction(write=self._write, one_statement=self._one_statement)
        )
        self.conn = conn
        self.catalog = SqlCatalogRepository(conn)
        self.stock = SqlStockRepository(conn)
        self.customers = SqlCustomerRepository(conn)
        self.carts = SqlCartRepository(conn)
        self.orders = SqlOrderRepository(conn)
        self.payments = SqlPaymentRepository(conn)
        self.carriers = SqlCarrierRepository(conn)
        self.shipments = SqlShipmentRepository(conn)
        self.returns = SqlReturnRepository(conn)
        self.outbox = SqlOutboxRepository(conn)
        self.reports = SqlReportRepository(conn)
        self.conversations = SqlConversationRepository(conn)
        self.support = SqlSupportRepository(conn)
        self.admins = SqlAdminRepository(conn)
        self.inbox = SqlInboxRepository(conn)
        self.menus = SqlChannelMenuRepository(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._stack is not None
        await self._stack.__aexit__(exc_type, exc, tb)  # rolls back if not committed

    def notify(self, message: OutboxMessage) -> None:
        self.messages.append(message)

    def is_configured_admin(self, channel: str, user_id: str) -> bool:
        return (channel, user_id) in self.configured_admins

    async def is_admin(self, channel: str, user_id: str) -> bool:
        if self.is_configured_admin(channel, user_id):
            return True
        return await self.admins.exists(channel, user_id)

    async def admin_addresses(self) -> list[tuple[str, str]]:
        """Where admin messages go: each admin, or the admin group on its channel."""
        listed = {(a.channel, a.user_id) for a in await self.admins.all()}
        people = listed | self.configured_admins
        if self.admin_group is not None:
            channel = self.admin_group[0]
            people = {p for p in people if p[0] != channel} | {self.admin_group}
        return sorted(people)

    async def _addressed_rows(self) -> list[dict]:
        """One row per person: a customer's channel identity, or each admin."""
        rows: list[dict] = []
        admins = None
        for message in self.messages:
            common = {
                "kind": message.kind,
                "payload": message.payload,
                "customer_id": message.customer_id,
            }
            if message.recipient == ADMINS:
                admins = admins if admins is not None else await self.admin_addresses()
                rows += [
                    {
                        **common,
                        "recipient": ADMIN,
                        "channel": channel,
                        "address": address,
                        "dedupe_key": f"{message.dedupe_key}|{channel}:{address}",
                    }
                    for channel, address in admins
                ]
            else:
                customer = await self.customers.get(message.customer_id or 0)
                if customer is None:
                    continue
                rows.append(
                    {
                        **common,
                        "recipient": CUSTOMER,
                        "channel": customer.channel,
                        "address": customer.external_id,
                        "dedupe_key": message.dedupe_key,
                    }
                )
        return rows

    async def commit(self, at: datetime) -> None:
        for low in self.stock.low_stock_crossings:
            self.notify(
                OutboxMessage.to_admins(
                    "stock_low",
                    f"stock_low:{low.sku}:{uuid4().hex}",  # each crossing is its own alert
                    sku=low.sku,
                    name=low.name,
                    available=low.available,
                    threshold=low.threshold,
                )
            )
        self.stock.low_stock_crossings = []
        rows = await self._addressed_rows()
        # A one-statement unit has already committed its statement: nothing may join it.
        assert not (rows and self._one_statement), "outbox rows in a one-statement unit"
        await self.outbox.add_rows(rows, at)
        self.messages = []
        await self.conn.commit()
