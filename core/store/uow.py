"""Unit of work: one transaction, the repositories bound to it, and the messages the
change produced, written to the outbox in that same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Generic, TypeVar, overload
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.api_keys import API_CHANNEL, idempotent_request
from core.domain.events import StockRanLow
from core.domain.outbox import ADMIN, ADMINS, CUSTOMER, OutboxMessage
from core.store.admins_repo import SqlAdminRepository
from core.store.api_keys_repo import SqlApiKeyRepository, SqlIdempotencyRepository
from core.store.catalog_repo import SqlCatalogRepository
from core.store.conversations_repo import SqlConversationRepository, SqlSupportRepository
from core.store.customers_repo import SqlCartRepository, SqlCustomerRepository
from core.store.database import Database
from core.store.directory_repo import SqlCustomerDirectoryRepository
from core.store.inbox_repo import SqlChannelMenuRepository, SqlInboxRepository
from core.store.metrics_repo import SqlMetricsRepository
from core.store.orders_repo import SqlOrderRepository
from core.store.outbox_repo import SqlOutboxRepository
from core.store.payment_links_repo import (
    SqlPaymentLinkRepository,
    SqlProviderRefundRepository,
)
from core.store.payments_repo import (
    SqlCarrierRepository,
    SqlPaymentRepository,
    SqlShipmentRepository,
)
from core.store.privacy_repo import SqlPrivacyRepository
from core.store.purchase_orders_repo import SqlPurchaseOrderRepository
from core.store.reports_repo import SqlReportRepository
from core.store.returns_repo import SqlReturnRepository
from core.store.stock_repo import SqlStockRepository
from core.store.stockouts_repo import SqlStockoutRepository
from core.store.suppliers_repo import SqlSupplierRepository
from core.store.tracking_repo import SqlTrackingRepository
from core.store.web_repo import SqlWebRepository
from core.store.webhooks_repo import SqlWebhookRepository, events_to_write

R = TypeVar("R")


class _Repository(Generic[R]):
    """A repository on the unit's connection, made the first time it is used: a unit
    uses one or two of them, and most of an update's units are one statement."""

    def __init__(self, make: Callable[[AsyncConnection], R]) -> None:
        self.make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, uow: None, owner: type) -> _Repository[R]: ...
    @overload
    def __get__(self, uow: SqlUnitOfWork, owner: type) -> R: ...
    def __get__(self, uow: SqlUnitOfWork | None, owner: type) -> R | _Repository[R]:
        if uow is None:
            return self
        repository = uow.__dict__[self.name] = self.make(uow.conn)
        return repository


class SqlUnitOfWork:
    catalog = _Repository(SqlCatalogRepository)
    stock = _Repository(SqlStockRepository)
    stockouts = _Repository(SqlStockoutRepository)
    customers = _Repository(SqlCustomerRepository)
    carts = _Repository(SqlCartRepository)
    orders = _Repository(SqlOrderRepository)
    payments = _Repository(SqlPaymentRepository)
    payment_links = _Repository(SqlPaymentLinkRepository)
    provider_refunds = _Repository(SqlProviderRefundRepository)
    carriers = _Repository(SqlCarrierRepository)
    shipments = _Repository(SqlShipmentRepository)
    returns = _Repository(SqlReturnRepository)
    purchase_orders = _Repository(SqlPurchaseOrderRepository)
    outbox = _Repository(SqlOutboxRepository)
    reports = _Repository(SqlReportRepository)
    metrics = _Repository(SqlMetricsRepository)
    conversations = _Repository(SqlConversationRepository)
    support = _Repository(SqlSupportRepository)
    admins = _Repository(SqlAdminRepository)
    inbox = _Repository(SqlInboxRepository)
    menus = _Repository(SqlChannelMenuRepository)
    privacy = _Repository(SqlPrivacyRepository)
    directory = _Repository(SqlCustomerDirectoryRepository)
    webhooks = _Repository(SqlWebhookRepository)
    tracking = _Repository(SqlTrackingRepository)
    api_keys = _Repository(SqlApiKeyRepository)
    idempotency = _Repository(SqlIdempotencyRepository)
    suppliers = _Repository(SqlSupplierRepository)
    web = _Repository(SqlWebRepository)

    conn: AsyncConnection

    def __init__(
        self,
        db: Database,
        *,
        write: bool = True,
        one_statement: bool = False,
        configured_admins: frozenset[tuple[str, str]] = frozenset(),
        admin_group: tuple[str, str] | None = None,
    ) -> None:
        self._one_statement = one_statement
        self._write = write
        self._transaction = db.transaction(write=write, one_statement=one_statement)
        self.configured_admins = configured_admins
        self.admin_group = admin_group  # where admin news go on that channel, if set
        self.messages: list[OutboxMessage] = []

    async def __aenter__(self) -> SqlUnitOfWork:
        self.conn = await self._transaction.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._transaction.__aexit__(exc_type, exc, tb)  # rolls back if not committed

    def notify(self, message: OutboxMessage) -> None:
        self.messages.append(message)

    def is_configured_admin(self, channel: str, user_id: str) -> bool:
        return (channel, user_id) in self.configured_admins

    async def is_admin(self, channel: str, user_id: str) -> bool:
        if self.is_configured_admin(channel, user_id):
            return True
        if channel == API_CHANNEL:  # a REST API key acts for the shop while not revoked
            key = await self.api_keys.get(int(user_id)) if user_id.isdigit() else None
            return key is not None and key.active
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
                if customer is None or customer.forgotten:  # nobody to tell any more
                    continue
                if customer.offline:  # known only by phone: no chat to tell them in
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
        # Outgoing webhooks' events of this unit's changes: one INSERT, no other read.
        if events := events_to_write(self.__dict__, at):
            assert not self._one_statement, "webhook events in a one-statement unit"
            await self.webhooks.add_events(events)
        stock = self.__dict__.get("stock")  # made only if this unit changed stock
        if stock is not None:
            for low in stock.low_stock_crossings:
                self.notify(
                    OutboxMessage.to_admins(
                        StockRanLow(low.sku, low.name, low.available, low.threshold),
                        f"stock_low:{low.sku}:{uuid4().hex}",  # each crossing is its own alert
                    )
                )
            stock.low_stock_crossings = []
        rows = await self._addressed_rows()
        # A one-statement unit has already committed its statement: nothing may join it.
        assert not (rows and self._one_statement), "outbox rows in a one-statement unit"
        if rows:
            await self.outbox.add_rows(rows, at)
        self.messages = []
        # An API request under an Idempotency-Key: its claim is marked committed with the
        # change, so a failure after this keeps the answer and a retry never repeats it.
        # A one-statement unit's statement has committed by itself: the mark follows at
        # once (a crash between the two leaves the claim unmarked: a retry may repeat it).
        claim = idempotent_request.get() if self._write else None
        if claim is not None and claim.open and not self._one_statement:
            await self.idempotency.mark_committed(claim.api_key_id, claim.idempotency_key)
        await self.conn.commit()
        if claim is not None and claim.open:
            if self._one_statement:
                await self.idempotency.mark_committed(claim.api_key_id, claim.idempotency_key)
                await self.conn.commit()
            claim.committed = True
