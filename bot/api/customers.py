"""Customers, read only: find them by name or phone, and one's card. A forgotten customer
(their data erased on request) shows as forgotten, with nothing that names or reaches
them; their orders still count in the books."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from bot.api.auth import Caller, scoped
from bot.api.pagination import MAX_LIMIT, Page, cursor_ints, encode_cursor
from bot.api.schemas import MoneyOut
from core.domain.customers import Address, Customer
from core.domain.money import Money
from core.services import directory

router = APIRouter(prefix="/customers", tags=["customers"])
CUSTOMER_ID = Path(ge=1, le=2**31 - 1, description="The customer's number.")


class CustomerOut(BaseModel):
    id: int
    forgotten: bool = Field(description="Their data was erased at their request.")
    channel: str | None = Field(
        description='Where they write from ("telegram", "whatsapp"...; "phone": known '
        "only by a phone order); null when forgotten."
    )
    name: str | None
    phone: str | None
    locale: str | None = Field(description="Their language, when known.")

    @classmethod
    def of(cls, c: Customer, name: str | None = None, phone: str | None = None) -> CustomerOut:
        if c.forgotten:
            return cls(id=c.id, forgotten=True, channel=None, name=None, phone=None, locale=None)
        return cls(
            id=c.id,
            forgotten=False,
            channel=c.channel,
            name=name if name is not None else c.name,
            phone=phone if phone is not None else c.phone,
            locale=c.locale or None,
        )


class AddressOut(BaseModel):
    street: str
    neighbourhood: str
    city: str
    state: str
    postal_code: str
    country: str
    references: str
    latitude: float | None
    longitude: float | None

    @classmethod
    def of(cls, a: Address) -> AddressOut:
        return cls(
            street=a.street or "",
            neighbourhood=a.neighbourhood or "",
            city=a.city or "",
            state=a.state or "",
            postal_code=a.postal_code or "",
            country=a.country or "",
            references=a.references or "",
            latitude=a.latitude,
            longitude=a.longitude,
        )


class CustomerDetail(CustomerOut):
    first_contact: datetime | None
    addresses: list[AddressOut] = Field(description="Saved delivery addresses, newest first.")
    orders: int = Field(description="Orders placed, whatever their status.")
    in_progress: list[str] = Field(description="Codes of their orders still open.")
    spent: MoneyOut = Field(description="Paid and not refunded, over all their orders.")


@router.get("", response_model=Page[CustomerOut], summary="List or find customers")
async def list_customers(
    caller: Caller = Depends(scoped("customers:read")),
    q: str | None = Query(
        None,
        min_length=1,
        max_length=100,
        description="A piece of the name or phone (theirs or on one of their orders).",
    ),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(None, max_length=200),
) -> Page[CustomerOut]:
    """In the order they first wrote. A search never finds a forgotten customer."""
    (after,) = cursor_ints(cursor, "id") or (0,)
    found = await directory.find_customers(
        caller.shop, caller.actor, q or "", after_id=after, limit=limit + 1
    )
    page = found[:limit]
    return Page[CustomerOut](
        items=[CustomerOut.of(c) for c in page],
        next_cursor=encode_cursor({"id": page[-1].id}) if len(found) > limit else None,
    )


@router.get("/{customer_id}", response_model=CustomerDetail, summary="One customer")
async def get_customer(
    customer_id: int = CUSTOMER_ID, caller: Caller = Depends(scoped("customers:read"))
) -> CustomerDetail:
    card = await directory.customer_card(caller.shop, caller.actor, customer_id)
    base = CustomerOut.of(card.customer, card.name, card.phone)
    return CustomerDetail(
        **base.model_dump(),
        first_contact=card.first_contact,
        addresses=[AddressOut.of(a) for a in card.addresses],
        orders=card.orders,
        in_progress=card.in_progress,
        spent=MoneyOut.of(Money(card.spent, caller.shop.currency)),
    )
