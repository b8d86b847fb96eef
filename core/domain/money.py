"""Money in integer minor units. Floats never touch an amount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DecimalException, localcontext

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


# No shop sells anything for a trillion; larger "amounts" are typos or attacks.
MAX_MAJOR = Decimal(10) ** 12


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units (cents for MXN/EUR/USD)
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if self.currency != self.currency.upper():
            object.__setattr__(self, "currency", self.currency.upper())

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_major(cls, value: str | Decimal | int, currency: str) -> Money:
        """Parse a major-unit amount ("199.90") exactly; more decimals than the
        currency has is an error, not a silent rounding."""
        text = str(value).strip()
        try:
            dec = Decimal(text)
            if not dec.is_finite() or "_" in text or abs(dec) >= MAX_MAJOR:
                raise InvalidAmount(text)
            with localcontext() as exact:
                exact.prec = 40  # enough for any amount under MAX_MAJOR: never rounds
                minor = dec.scaleb(currency_exponent(currency))
        except DecimalException:
            raise InvalidAmount(text) from None
        if minor != minor.to_integral_value():
            raise InvalidAmount(text)
        return cls(int(minor), currency.upper())

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """An amount as a merchant types it, in a chat or a spreadsheet: "199.90" or
        "199,90", either decimal mark. A mark followed by more digits than the currency
        has decimals ("12.000", "1,299") is refused: in Spain and Mexico that is often a
        thousands separator, and reading it as a decimal mark would price a product a
        thousand times too low."""
        typed = str(text).strip()
        marks = typed.count(",") + typed.count(".")
        decimals = typed.replace(",", ".").partition(".")[2]
        if marks > 1 or len(decimals) > currency_exponent(currency):
            raise InvalidAmount(typed)
        try:
            return cls.from_major(typed.replace(",", "."), currency)
        except InvalidAmount:
            raise InvalidAmount(typed) from None

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
        if not isinstance(factor, int) or isinstance(factor, bool):
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
