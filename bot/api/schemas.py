"""Shapes shared by several resources. Money is always integer minor units."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.domain.money import Money


class MoneyOut(BaseModel):
    amount: int = Field(description="Integer minor units: 24900 is 249.00 MXN.")
    currency: str = Field(min_length=3, max_length=3)

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=money.amount, currency=money.currency)


def holds_nul(value: Any) -> bool:
    """A NUL character in this text, or in any text of this list, set or mapping (a
    nested model checks its own fields)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    return False


class Strict(BaseModel):
    """A request body: unknown fields are refused, not silently dropped, and no text may
    hold a NUL character (PostgreSQL's text can't store one: it would be a 500), in
    nested models and lists too: 422 `invalid_request`. (Answers built from these
    models are checked too; a NUL never reaches them from PostgreSQL.)"""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def no_nul_character(cls, value: Any) -> Any:
        if holds_nul(value):
            raise ValueError("a NUL character (\\u0000) is not allowed")
        return value
