"""Customers are known by their channel identity: the one id the shop knows a person
by on that channel, whichever of their ids a message carries (person_key)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from core.domain.customers import PHONE_CHANNEL, Address, Customer
from core.domain.phone_orders import offline_key
from core.domain.phones import phone_of_id
from core.services.context import Shop

log = logging.getLogger(__name__)

# The id a person is known by is a key of several tables (64 characters); the other ids
# they write with are remembered up to 140 (a WhatsApp BSUID: "CC." + up to 128).
KEY_LENGTH, ALIAS_LENGTH = 64, 140


async def identify(
    shop: Shop, channel: str, external_id: str, *, name: str = "", locale: str = ""
) -> Customer:
    """The customer behind a channel identity, created on first contact."""
    async with shop.uow(write=False) as uow:
        found = await uow.customers.find(channel, external_id)
    if found is not None:
        return found
    claimed = await _claim_phone_orders(shop, channel, external_id, locale)
    if claimed is not None:
        return claimed
    try:
        async with shop.uow() as uow:
            customer = await uow.customers.add(
                Customer(0, channel, external_id, name=name.strip()[:200], locale=locale),
                shop.now(),
            )
            await uow.commit(shop.now())
            return customer
    except IntegrityError:  # created concurrently by another update of the same person
        async with shop.uow(write=False) as uow:
            found = await uow.customers.find(channel, external_id)
        assert found is not None
        return found


async def _claim_phone_orders(
    shop: Shop, channel: str, external_id: str, locale: str
) -> Customer | None:
    """Someone writing for the first time from a chat whose ids are phone numbers the
    platform verified (ChannelRoster.phone_ids: WhatsApp) whose number the merchant took
    orders for (an offline customer, core/services/phone_orders.py): that record becomes
    theirs, orders and all, so "¿dónde está mi pedido?" finds them. Only a verified
    number links: a phone typed at a checkout proves nothing, so it never claims one."""
    if channel not in shop.channels.phone_ids:
        return None
    phone = phone_of_id(external_id, shop.settings.store_country)
    if phone is None:
        return None
    try:
        async with shop.uow() as uow:
            offline = await uow.customers.find(PHONE_CHANNEL, offline_key(phone))
            if offline is None or not await uow.customers.claim_offline(
                offline.id, channel, external_id, locale
            ):
                return None
            await uow.commit(shop.now())
    except IntegrityError:  # the person's own row was created meanwhile: theirs stays
        return None
    log.info("%s:%s is the phone customer %s", channel, external_id, offline.id)
    offline.channel, offline.external_id, offline.locale = channel, external_id, locale
    return offline


async def update_customer(shop: Shop, customer_id: int, **values: str) -> None:
    allowed = {"name", "phone", "locale"}
    if set(values) - allowed:
        raise ValueError(f"not editable: {sorted(set(values) - allowed)}")
    async with shop.uow(one_statement=True) as uow:
        await uow.customers.update(customer_id, **values)
        await uow.commit(shop.now())


async def saved_addresses(shop: Shop, customer_id: int) -> list[Address]:
    async with shop.uow(write=False) as uow:
        return await uow.customers.addresses(customer_id)


async def mark_unreachable(shop: Shop, channel: str, external_id: str) -> None:
    """The person blocked us on that channel: stop trying to message them there."""
    async with shop.uow() as uow:
        customer = await uow.customers.find(channel, external_id)
        if customer is not None:
            await uow.customers.update(customer.id, unreachable=True)
        await uow.commit(shop.now())


async def has_written(shop: Shop, channel: str, external_id: str) -> bool:
    """Whether this person ever wrote to us on that channel (bots may not write first)."""
    async with shop.uow(write=False) as uow:
        return await uow.customers.find(channel, external_id) is not None


async def person_key(shop: Shop, channel: str, ids: Sequence[str], *, remember: bool = True) -> str:
    """The id the shop knows a person by, from the ids a channel gave for them in one
    message (WhatsApp: phone number, then business-scoped user id; either may be "").
    Someone new is known by the first one. With remember, each id is written down as
    theirs, so a later message carrying any one of them finds the same customer,
    conversation and orders; and two people that turn out to be one (each id was first
    seen alone) are joined under the first id's person from now on. "" for no id (or
    only ids too long to know someone new by)."""
    wanted = [i for i in dict.fromkeys(ids) if i and len(i) <= ALIAS_LENGTH]
    if not wanted:
        return ""
    async with shop.uow(write=False) as uow:
        known = await uow.customers.people_known_as(channel, wanted)
    fitting = (i for i in wanted if len(i) <= KEY_LENGTH)
    key = next((known[i] for i in wanted if i in known), None) or next(fitting, "")
    if not key or not remember or all(known.get(i) == key for i in wanted):
        return key  # the usual case: one read
    others = sorted({known[i] for i in wanted if i in known} - {key})
    now = shop.now()
    async with shop.uow() as uow:
        await uow.customers.add_aliases(channel, key, [i for i in wanted if i not in known], now)
        if others:
            await uow.customers.join_people(channel, others, key)
        await uow.commit(now)
    if others:
        log.info("%s people %s are %s from now on", channel, others, key)
    # Another worker may have written the same person down first: what is stored wins.
    async with shop.uow(write=False) as uow:
        known = await uow.customers.people_known_as(channel, wanted)
    return next((known[i] for i in wanted if i in known), key)
