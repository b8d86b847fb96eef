"""Carriers: the ones an order can ship with, and each one's tracking link."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from bot.api.auth import Caller, scoped
from bot.api.pagination import Page
from bot.api.schemas import Strict
from core.domain.errors import CarrierNotFound
from core.domain.shipments import Carrier
from core.services import shipping

router = APIRouter(prefix="/carriers", tags=["carriers"])
CODE = Path(min_length=1, max_length=32, description="The carrier's code: 2-32 of a-z, 0-9 and _.")


class CarrierOut(BaseModel):
    code: str
    name: str
    tracking_url: str = Field(description='The tracking link; "{tracking}" marks the number.')

    @classmethod
    def of(cls, c: Carrier) -> CarrierOut:
        return cls(code=c.code, name=c.name, tracking_url=c.tracking_url_template)


class CarrierIn(Strict):
    name: str = Field(min_length=1, max_length=80)
    tracking_url: str = Field(
        min_length=1,
        max_length=500,
        description='An http(s) URL with "{tracking}" where the tracking number goes.',
    )


@router.get("", response_model=Page[CarrierOut], summary="Every carrier (one page)")
async def list_carriers(caller: Caller = Depends(scoped("carriers:read"))) -> Page[CarrierOut]:
    found = await shipping.list_carriers(caller.shop)
    return Page[CarrierOut](items=[CarrierOut.of(c) for c in found], next_cursor=None)


@router.get("/{code}", response_model=CarrierOut, summary="One carrier")
async def get_carrier(
    code: str = CODE, caller: Caller = Depends(scoped("carriers:read"))
) -> CarrierOut:
    return CarrierOut.of(await _carrier(caller, code))


@router.put("/{code}", response_model=CarrierOut, summary="Add a carrier or change it")
async def put_carrier(
    body: CarrierIn, code: str = CODE, caller: Caller = Depends(scoped("carriers:write"))
) -> CarrierOut:
    """Refused (`invalid_carrier`) for a code, name or link that does not fit."""
    carrier = Carrier(code, body.name.strip(), body.tracking_url.strip())
    await shipping.save_carrier(caller.shop, caller.actor, carrier)
    return CarrierOut.of(await _carrier(caller, code))


async def _carrier(caller: Caller, code: str) -> Carrier:
    found = next((c for c in await shipping.list_carriers(caller.shop) if c.code == code), None)
    if found is None:
        raise CarrierNotFound(code=code)
    return found
