"""Money in integer minor units. Floats never touch an amount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.domain.errors import InvalidAmount

# ISO 4217 currencies whose minor unit is not the usual 2 decimals.
_EXPONENTS = {
    "BHD": 3,
    "CLP": 0,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "OMR": 3,
    "PYG": 0,
    "UYI": 0,
    "VND": 0,
}


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units (cents for MXN/EUR/USD)
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_major(cls, value: str | Decimal | int, currency: str) -> Money:
        """Parse a major-unit amount ("199.90") exactly; more decimals than the
        currency has is an error, not a silent rounding."""
        try:
            dec = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidAmount(str(value)) from None
        if not dec.is_finite():
            raise InvalidAmount(str(value))
        minor = dec.scaleb(currency_exponent(currency))
        if minor != minor.to_integral_value():
            raise InvalidAmount(str(value))
        return cls(int(minor), currency.upper())

    def to_major(self) -> Decimal:
        return Decimal(self.amount).scaleb(-currency_exponent(self.currency))

    def format_plain(self) -> str:
        """Locale-neutral "199.90" (CSV and logs; people get Babel formatting)."""
        exp = currency_exponent(self.currency)
        return f"{self.to_major():.{exp}f}"

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int):
            raise TypeError("Money can only be multiplied by an int")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding halves away from zero (the commercial rule)."""
    return int((Decimal(numerator) / Decimal(denominator)).to_integral_value(ROUND_HALF_UP))
