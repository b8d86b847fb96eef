"""A person's data across the tables: reading what no other repository reads (their
support cases, their profile row), erasing it when they ask to be forgotten, and
deleting what nobody needs any more (abandoned conversations, updates never handled).

Which column holds what is decided here, table by table; docs/privacy.md explains why.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.domain.customers import FORGOTTEN_CHANNEL
from core.domain.outbox import ADMIN
from core.domain.web_chat import CHANNEL as WEB_CHAT
from core.store.housekeeping import delete_oldest
from core.store.tables import (
    addresses,
    cart_lines,
    channel_menus,
    conversations,
    customers,
    inbox,
    message_refs,
    order_events,
    orders,
    outbox,
    person_aliases,
    return_requests,
    support_cases,
    web_files,
    web_messages,
)

# Keys of an order event's data that may hold a person's own words, files or places: a
# cancellation reason, the transfer receipt's file, a comment, a carrier's checkpoint
# (its message and location can name the street or postal code it was delivered to).
EVENT_TEXT_KEYS = ("reason", "file", "comment", "note", "message", "location")
# Keys of an admin message's payload that describe the customer or quote them.
ADMIN_PAYLOAD_KEYS = (
    "customer_name",
    "phone",
    "message",
    "comment",
    "reason",
    "file",
    "note",
    "where",
)
# An admin message still waiting to be sent about a forgotten person is not sent.
UNSENT = ("pending", "sending")


def blanked(data: dict, keys: Collection[str]) -> dict:
    """The same dict with those keys' values emptied (kept as "" so readers that expect
    them still work)."""
    return {key: ("" if key in keys and value else value) for key, value in data.items()}


class SqlPrivacyRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # Reading

    async def profile(self, customer_id: int) -> Row | None:
        """The customer's own row, as stored (with when they first wrote)."""
        query = select(customers).where(customers.c.id == customer_id)
        return (await self.conn.execute(query)).first()

    async def support_cases(self, customer_id: int) -> list[Row]:
        c = support_cases.c
        query = select(support_cases).where(c.customer_id == customer_id).order_by(c.id)
        return list((await self.conn.execute(query)).all())

    # Forgetting one person

    async def anonymise_customer(self, customer_id: int) -> None:
        """The row stays (the orders point at it) without anything that names the person
        or finds them again: their channel identity is replaced by the row's own id."""
        await self.conn.execute(
            update(customers)
            .where(customers.c.id == customer_id)
            .values(
                channel=FORGOTTEN_CHANNEL,
                external_id=str(customer_id),
                name="",
                phone="",
                locale="",
                unreachable=True,
            )
        )

    async def delete_addresses_and_cart(self, customer_id: int) -> None:
        await self.conn.execute(delete(addresses).where(addresses.c.customer_id == customer_id))
        await self.conn.execute(delete(cart_lines).where(cart_lines.c.customer_id == customer_id))

    async def forget_identity(
        self, channel: str, user_id: str, handled_at: datetime | None = None
    ) -> None:
        """Everything kept under the person's channel identity: where their conversation
        was, the menu last offered, what sent messages were about and the other ids
        they wrote with (WhatsApp's phone number and user id) go; their updates
        as the channel delivered them are emptied, keeping only the channel's update id,
        so a late repeat of one is still recognised (WhatsApp repeats for days) and the
        usual housekeeping deletes them (INBOX_KEEP_DAYS). With handled_at, those not
        handled yet count as handled then (nothing is left to handle); without it (the
        person's own "yes, forget me" is being handled) the chat marks them after its
        answers, as it marks every update. A web chat visitor's transcript and the
        documents it offered (the name, phone and address they typed) go too."""
        v, m, r, i = conversations.c, channel_menus.c, message_refs.c, inbox.c
        if channel == WEB_CHAT:
            await self.conn.execute(delete(web_messages).where(web_messages.c.user_id == user_id))
            await self.conn.execute(delete(web_files).where(web_files.c.user_id == user_id))
        await self.conn.execute(
            delete(conversations).where(v.channel == channel, v.user_id == user_id)
        )
        await self.conn.execute(
            delete(channel_menus).where(m.channel == channel, m.user_id == user_id)
        )
        await self.conn.execute(
            delete(message_refs).where(r.channel == channel, r.chat_id == user_id)
        )
        aliases = person_aliases.c  # the other ids they wrote with (WhatsApp)
        await self.conn.execute(
            delete(person_aliases).where(aliases.channel == channel, aliases.user_id == user_id)
        )
        emptied: dict[str, object] = {"payload": {}, "user_id": ""}
        if handled_at is not None:
            emptied["handled_at"] = func.coalesce(i.handled_at, handled_at)
        await self.conn.execute(
            update(inbox).where(i.channel == channel, i.user_id == user_id).values(**emptied)
        )

    async def anonymise_orders(self, order_ids: list[int]) -> None:
        """Codes, statuses, lines and totals stay for the books; who it went to, where,
        and what the person wrote go. The version moves on, so a change read before this
        can't write the old values back. By id: only the orders found finished (one
        placed meanwhile keeps the address it is to be delivered to)."""
        if not order_ids:
            return
        await self.conn.execute(
            update(orders)
            .where(orders.c.id.in_(order_ids))
            .values(
                customer_name="",
                phone="",
                address={},
                rating_comment="",
                cancel_reason="",
                version=orders.c.version + 1,
            )
        )

    async def scrub_order_events(self, order_ids: list[int]) -> None:
        """The timeline stays (when, who, which move); reasons and files in it go."""
        if not order_ids:
            return
        e = order_events.c
        rows = await self.conn.execute(select(e.id, e.data).where(e.order_id.in_(order_ids)))
        for event_id, data in rows.all():
            clean = blanked(data or {}, EVENT_TEXT_KEYS)
            if clean != data:
                await self.conn.execute(
                    update(order_events).where(e.id == event_id).values(data=clean)
                )

    async def anonymise_returns(self, order_ids: list[int]) -> None:
        """Returns keep their lines, status and refund amount; the reason the person
        gave and the note they were sent go."""
        if not order_ids:
            return
        await self.conn.execute(
            update(return_requests)
            .where(return_requests.c.order_id.in_(order_ids))
            .values(reason="", decision_note="")
        )

    async def anonymise_support_cases(self, customer_id: int, at: datetime) -> None:
        """The cases stay as numbers (the admins' chats mention them), emptied and
        closed: nobody can answer a person the shop no longer knows."""
        c = support_cases.c
        await self.conn.execute(
            update(support_cases).where(c.customer_id == customer_id).values(message="")
        )
        await self.conn.execute(
            update(support_cases)
            .where(c.customer_id == customer_id, c.status == "open")
            .values(status="closed", closed_at=at)
        )

    async def forget_messages(self, customer_id: int, codes: list[str], identity: str) -> None:
        """Messages to the person are deleted, sent or not (their address is the
        person's channel identity). Messages to the admins about them (by order code,
        customer id, or the chat an error happened in) lose the person's details; those
        not sent yet are not sent at all."""
        await self.conn.execute(delete(outbox).where(outbox.c.customer_id == customer_id))
        payload = outbox.c.payload
        about = or_(
            payload["code"].as_string().in_(codes),
            payload["order_code"].as_string().in_(codes),
            payload["customer_id"].as_integer() == customer_id,
            payload["where"].as_string() == identity,
        )
        rows = await self.conn.execute(
            select(outbox.c.id, outbox.c.status, outbox.c.payload).where(
                outbox.c.recipient == ADMIN, about
            )
        )
        unsent: list[int] = []
        for message_id, status, data in rows.all():
            if status in UNSENT:
                unsent.append(message_id)
                continue
            clean = blanked(data or {}, ADMIN_PAYLOAD_KEYS)
            if clean != data:
                await self.conn.execute(
                    update(outbox).where(outbox.c.id == message_id).values(payload=clean)
                )
        if unsent:
            await self.conn.execute(delete(outbox).where(outbox.c.id.in_(unsent)))

    # Retention: what nobody needs after a while

    async def forget_stale_conversations(self, before: datetime, limit: int) -> int:
        """Delete up to limit conversations untouched since before (a checkout left
        half-way holds the name, phone and address typed so far); how many went. A
        person without one starts at the menu."""
        v = conversations.c
        return await delete_oldest(
            self.conn, conversations, v.updated_at, limit, v.updated_at < before
        )

    async def forget_stale_menus(self, before: datetime, limit: int) -> int:
        """The options last offered to a person (their labels may hold their name)."""
        m = channel_menus.c
        return await delete_oldest(
            self.conn, channel_menus, m.updated_at, limit, m.updated_at < before
        )

    async def forget_old_web_messages(self, before: datetime, limit: int) -> int:
        """The web chat's transcript rows written before then (a visitor's name, phone
        and address among them); a visitor's page shows what is younger."""
        w = web_messages.c
        return await delete_oldest(
            self.conn, web_messages, w.created_at, limit, w.created_at < before
        )

    async def forget_old_web_files(self, before: datetime, limit: int) -> int:
        """The documents the web chat offered before then (a receipt, a label, a copy
        of the person's data): asked for again, they are made again."""
        f = web_files.c
        return await delete_oldest(self.conn, web_files, f.created_at, limit, f.created_at < before)

    async def forget_unhandled(self, received_before: datetime, limit: int) -> int:
        """Updates received before then and never handled: a running channel handles
        its updates within seconds (or its recovery job does), so these are a channel's
        that no longer runs."""
        i = inbox.c
        return await delete_oldest(
            self.conn,
            inbox,
            i.received_at,
            limit,
            i.handled_at.is_(None),
            i.received_at < received_before,
        )
