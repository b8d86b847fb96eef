"""Suppliers and how each product is bought from one (issue 18).

A supplier is who the shop buys from: how to reach them, how many days an order takes
to arrive (what reorder suggestions cover) and the currency they bill in. A product's
supply terms name its supplier, the supplier's own code for it, its cost (minor units of
the supplier's currency), the stock level it is reordered at and the pack it comes in.
Invalid values raise coded DomainErrors carrying data; the handlers word them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from core.domain.errors import DomainError
from core.domain.money import MAX_MAJOR, Money, currency_exponent
from core.domain.purchase_orders import MAX_QUANTITY

DEFAULT_LEAD_TIME_DAYS = 7  # suppliers.lead_time_days' default; also for products with none
MAX_LEAD_TIME_DAYS = 365
MAX_PACK_SIZE = 100_000
# A reorder point above what one purchase-order line takes would suggest a quantity no
# line can order: the point is capped at that line's maximum.
MAX_REORDER_POINT = MAX_QUANTITY
MAX_NAME = 120  # suppliers.name
MAX_CONTACT = 120
MAX_PHONE = 40
MAX_EMAIL = 200
MAX_NOTES = 2000
MAX_SUPPLIER_SKU = 64  # product_supply.supplier_sku

# A unit cost at or above this many major units is a typo (a digit held down), not a
# price: it still leaves room for costs in currencies of large figures (¥, ₩, Rp).
MAX_COST_MAJOR = 10**9
assert MAX_COST_MAJOR < MAX_MAJOR  # parse_cost refuses it before Money.parse could

# ISO 4217 codes of the currencies in circulation (legal tender somewhere today; CLDR's
# territory data, late 2026, plus SVC and VED, still listed by ISO). Funds, metals and
# test codes (BOV, CLF, MXV, XAU, XDR, XTS, XXX…) and withdrawn ones (HRK, BGN, SLL)
# are no currency a supplier bills in.
_CURRENCY_CODES = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD
    MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP
    PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC
    SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST
    XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
CURRENCIES = frozenset(_CURRENCY_CODES.split())

# Good enough to catch a typo (no @, a space, no domain); the supplier's mail server
# is the judge of the rest.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


class SupplierNotFound(DomainError):
    """No supplier by that name (or id)."""

    code = "supplier_not_found"


class DuplicateSupplier(DomainError):
    """Another supplier already has that name (compared without case)."""

    code = "duplicate_supplier"


class InvalidSupplier(DomainError):
    """A supplier's field is empty where it must not be, or too long:
    field (name, contact, phone, notes, supplier_sku), problem (empty, too_long), maximum."""

    code = "invalid_supplier"


class InvalidLeadTime(DomainError):
    code = "invalid_lead_time"


class InvalidEmail(DomainError):
    code = "invalid_email"


class InvalidCurrency(DomainError):
    code = "invalid_currency"


class InvalidPackSize(DomainError):
    code = "invalid_pack_size"


class InvalidCost(DomainError):
    code = "invalid_cost"


class InvalidReorderPoint(DomainError):
    code = "invalid_reorder_point"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(field: str, value: str, maximum: int, *, required: bool = False) -> None:
    if required and not value.strip():
        raise InvalidSupplier(field=field, problem="empty", maximum=maximum)
    if len(value) > maximum:
        raise InvalidSupplier(field=field, problem="too_long", maximum=maximum)


def check_lead_time(value: object) -> int:
    if not _is_int(value) or not 0 <= value <= MAX_LEAD_TIME_DAYS:  # type: ignore[operator]
        raise InvalidLeadTime(value=str(value)[:20], maximum=MAX_LEAD_TIME_DAYS)
    return value  # type: ignore[return-value]


def check_email(value: str) -> str:
    if value and (len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value)):
        raise InvalidEmail(value=value[:60])
    return value


def check_currency(value: str) -> str:
    """A currency a supplier can bill in: an ISO 4217 code in circulation ("MXN")."""
    if value not in CURRENCIES:
        raise InvalidCurrency(value=value[:10])
    return value


def check_pack_size(value: object) -> int:
    if not _is_int(value) or not 1 <= value <= MAX_PACK_SIZE:  # type: ignore[operator]
        raise InvalidPackSize(value=str(value)[:20], maximum=MAX_PACK_SIZE)
    return value  # type: ignore[return-value]


def check_reorder_point(value: object) -> int | None:
    if value is None:
        return None
    if not _is_int(value) or not 0 <= value <= MAX_REORDER_POINT:  # type: ignore[operator]
        raise InvalidReorderPoint(value=str(value)[:20], maximum=MAX_REORDER_POINT)
    return value  # type: ignore[return-value]


def max_cost(currency: str) -> int:
    """The largest cost in minor units (just under MAX_COST_MAJOR)."""
    return MAX_COST_MAJOR * 10 ** currency_exponent(currency) - 1


def check_cost(value: object, currency: str) -> int | None:
    """A cost in minor units; InvalidCost carries `maximum` (major units) when it is
    too large, so the answer can say the limit."""
    if value is None:
        return None
    if not _is_int(value) or value < 0:  # type: ignore[operator]
        raise InvalidCost(value=str(value)[:20])
    if value > max_cost(currency):  # type: ignore[operator]
        raise InvalidCost(value=str(value)[:20], maximum=MAX_COST_MAJOR)
    return value  # type: ignore[return-value]


# Digits with at most one decimal mark: no sign, no exponent ("1e3"), no NaN or
# Infinity, which Decimal would take.
_COST = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


def parse_cost(text: str, currency: str) -> int | None:
    """A cost as a merchant types it, in major units of the supplier's currency
    ("85.50", "85,50"); "" is no cost. Refused like a price: negative, more decimals
    than the currency has, not plain digits ("1e3", "NaN"), MAX_COST_MAJOR or more (the
    error then carries `maximum`)."""
    typed = text.strip()
    if not typed:
        return None
    if not _COST.fullmatch(typed):
        raise InvalidCost(value=typed[:20])
    if len(typed) > 40 or Decimal(typed.replace(",", ".")) >= MAX_COST_MAJOR:
        raise InvalidCost(value=typed[:20], maximum=MAX_COST_MAJOR)
    try:
        amount = Money.parse(typed, currency).amount
    except DomainError:
        raise InvalidCost(value=typed[:20]) from None
    return check_cost(amount, currency)


@dataclass(frozen=True)
class Supplier:
    id: int
    name: str
    contact: str = ""
    phone: str = ""
    email: str = ""
    lead_time_days: int = DEFAULT_LEAD_TIME_DAYS
    currency: str = "MXN"
    notes: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        _check_text("name", self.name, MAX_NAME, required=True)
        _check_text("contact", self.contact, MAX_CONTACT)
        _check_text("phone", self.phone, MAX_PHONE)
        _check_text("notes", self.notes, MAX_NOTES)
        check_email(self.email)
        check_lead_time(self.lead_time_days)
        # The shape only: a row saved before CURRENCIES was checked still loads;
        # supplier_from_input holds what is typed to CURRENCIES.
        if not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise InvalidCurrency(value=self.currency[:10])


def supplier_from_input(
    supplier_id: int,
    name: str,
    *,
    contact: str = "",
    phone: str = "",
    email: str = "",
    lead_time_days: int = DEFAULT_LEAD_TIME_DAYS,
    currency: str = "MXN",
    notes: str = "",
    active: bool = True,
) -> Supplier:
    """A supplier from what a person typed: blanks trimmed (inner runs of spaces in the
    name made one, since the name is how it is found), the currency and e-mail case
    made canonical. Raises the coded errors above."""
    currency = check_currency(currency.strip().upper())
    return Supplier(
        supplier_id,
        " ".join(name.split()),
        contact=contact.strip(),
        phone=phone.strip(),
        email=email.strip().lower(),
        lead_time_days=lead_time_days,
        currency=currency,
        notes=notes.strip(),
        active=active,
    )


def name_key(name: str) -> str:
    """What makes two supplier names the same: case, spacing and accents aside
    ("textiles  del bajio" is "Textiles del Bajío"; "Bajio" and "Bajío" are one)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


@dataclass(frozen=True)
class ProductSupply:
    """How one product is bought. reorder_point None: the product's low-stock threshold."""

    product_id: int
    supplier_id: int | None = None
    supplier_sku: str = ""
    cost: int | None = None  # minor units of the supplier's currency
    reorder_point: int | None = None
    pack_size: int = 1

    def __post_init__(self) -> None:
        check_pack_size(self.pack_size)
        check_reorder_point(self.reorder_point)
        if self.cost is not None and (not _is_int(self.cost) or self.cost < 0):
            raise InvalidCost(value=str(self.cost)[:20])
        if len(self.supplier_sku) > MAX_SUPPLIER_SKU:
            raise InvalidSupplier(
                field="supplier_sku", problem="too_long", maximum=MAX_SUPPLIER_SKU
            )
