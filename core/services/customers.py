"""Customers are known by their channel identity."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from core.domain.customers import Address, Customer
from core.services.context import Shop


async def identify(
    shop: Shop, channel: str, external_id: str, *, name: str = "", locale: str = ""
) -> Customer:
    """The customer behind a channel identity, created on first contact."""
    async with shop.uow(write=False) as uow:
        found = await uow.customers.find(channel, external_id)
    if found is not None:
        return found
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
