"""Shapes shared by several resources. Money is always integer minor units."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from core.domain.money import Money


class MoneyOut(BaseModel):
    amount: int = Field(description="Integer minor units: 24900 is 249.00 MXN.")
    currency: str = Field(min_length=3, max_length=3)

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=money.amount, currency=money.currency)


class Strict(BaseModel):
    """A request body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")
