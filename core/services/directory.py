"""The merchant's view of customers: finding them by name or phone, and one's card
(who they are, where they receive, what they ordered and paid). Forgotten customers
(core/services/privacy.py) show as forgotten, with nothing that names or reaches them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from core.domain.actors import Actor
from core.domain.customers import Address, Customer
from core.services import privacy
from core.services.context import Shop, require_admin

MIN_PHONE_DIGITS = 3  # fewer digits in a search find too many phones to mean one


@dataclass(frozen=True)
class CustomerCard:
    customer: Customer  # name and phone blank when forgotten
    name: str  # as their latest order has it, else as the channel gave it
    phone: str
    first_contact: datetime | None
    addresses: list[Address]
    orders: int
    in_progress: list[str]  # codes of their orders still open
    spent: int  # minor units: paid and not refunded, over all their orders


async def find_customers(
    shop: Shop, actor: Actor, text: str = "", *, after_id: int = 0, limit: int = 50
) -> list[Customer]:
    """A page of customers in id order; with text, those whose name or phone (their
    own or on one of their orders) contains it. Forgotten customers show with no data,
    and are never found by a search."""
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    async with shop.uow(write=False) as uow:
        await require_admin(uow, actor, "find_customers")
        return await uow.directory.page(
            after_id=after_id,
            limit=limit,
            name=text,
            digits=digits if len(digits) >= MIN_PHONE_DIGITS else "",
        )


async def customer_card(shop: Shop, actor: Actor, customer_id: int) -> CustomerCard:
    summary = await privacy.summarise(shop, actor, customer_id)  # authorises, or not found
    async with shop.uow(write=False) as uow:
        customer = await uow.customers.get(customer_id)
        profile = await uow.privacy.profile(customer_id)
        addresses = await uow.customers.addresses(customer_id)
        order_ids = [o.id for o in await uow.orders.list(customer_id=customer_id) if o.id]
        money = await uow.reports.money_by_order(order_ids)
    if customer is None:  # gone between the two reads: there is no such row
        raise privacy.CustomerNotFound(reference=str(customer_id))
    forgotten = customer.forgotten
    return CustomerCard(
        customer=customer,
        name="" if forgotten else summary.name,
        phone="" if forgotten else summary.phone,
        first_contact=profile.created_at if profile is not None else None,
        addresses=[] if forgotten else addresses,
        orders=summary.orders,
        in_progress=summary.in_progress,
        spent=sum(m.paid - m.refunded for m in money.values()),
    )
