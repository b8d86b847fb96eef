"""Questions about the shop, answered from its real settings: shipping cost and time to
a place, the payment methods on offer here, opening hours, where the shop is, returns."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_day_names

from core.domain.opening_hours import DayRange
from core.domain.payments import offered_methods
from core.domain.shipping_zones import Destination, zone_for
from handlers.customer.menu import ListOrders, ShowCart, ShowCategories, TalkToPerson
from handlers.render import days_text, money, payment_method_name, shipping_method_name
from handlers.turn import Turn
from handlers.types import Button
from handlers.understanding.lexicon import country_of

# Ways to pay that people ask about by name, and that no provider of ours offers yet.
OTHER_METHODS = {"oxxo": "OXXO", "spei": "SPEI", "paypal": "PayPal", "bizum": "Bizum"}
# Paid on Mercado Pago's page (Mexico): cash at OXXO, a SPEI transfer.
LINK_METHODS = frozenset({"oxxo", "spei"})


def _link_provider(turn: Turn) -> str:
    provider = turn.shop.link_provider
    return provider.name if provider is not None else ""


def destination(place: str | None) -> Destination | None:
    """A place as a customer typed it: a postal code, or a city or state name."""
    if not place:
        return None
    compact = place.replace(" ", "")
    if compact.isdecimal():
        return Destination(postal_code=compact)
    return Destination(state=place, city=place)


def ships_there(turn: Turn, place: str) -> bool:
    """False for a place we know is in another country than the shop's, unless a
    shipping zone names it."""
    country = country_of(place, turn.shop.settings.store_country.upper())
    where = destination(place)
    if country is None or country == turn.shop.settings.store_country.upper():
        return True
    return where is not None and zone_for(turn.shop.policy.zones, where) is not None


def shipping_cost(turn: Turn, place: str | None = None) -> None:
    _ = turn.t.gettext
    policy = turn.shop.policy
    if place and not ships_there(turn, place):
        country = turn.t.format_locale.territories.get(turn.shop.settings.store_country.upper())
        turn.say(
            _("For now we only ship within {country}.").format(country=country),
            [[Button(_("Talk to a person"), TalkToPerson().pack())]],
        )
        return
    options = policy.shipping_to(destination(place))
    lines = [
        _("Shipping to {place}:").format(place=place.strip().title()) if place else _("Shipping:")
    ]
    for code, option in options.items():
        lines.append(
            "• "
            + _("{method}: {fee} ({days})").format(
                method=shipping_method_name(turn.t, code),
                fee=money(turn.t, option.fee.amount, option.fee.currency),
                days=days_text(turn.t, option.min_days, option.max_days),
            )
        )
    threshold = policy.free_shipping_threshold
    if threshold is not None:
        lines.append(
            _("Free shipping on orders from {amount}.").format(
                amount=money(turn.t, threshold.amount, threshold.currency)
            )
        )
    if not place and policy.zones:
        lines.append(_("It depends on the place: tell me your city or postal code."))
    turn.say("\n".join(lines), [[Button(_("Catalog"), ShowCategories().pack())]])


def payment_methods(turn: Turn, asked: str | None = None) -> None:
    """The methods a customer can choose at checkout on this channel."""
    _ = turn.t.gettext
    offered = offered_methods(turn.takes_cards)
    names = ", ".join(payment_method_name(turn.t, m).lower() for m in offered)
    if asked == "card" and not turn.takes_cards:
        text = _("Card payments aren't available in this chat yet. You can pay: {methods}.")
        text = text.format(methods=names)
    elif asked in LINK_METHODS and _link_provider(turn) == "mercadopago":
        text = _(
            "Yes: choose “Card” when you check out and you get a Mercado Pago link; on its "
            "page you can also pay with {method}. You can pay: {methods}."
        ).format(method=OTHER_METHODS[asked], methods=names)
    elif asked in OTHER_METHODS:
        text = _("We don't take {method} yet. You can pay: {methods}.").format(
            method=OTHER_METHODS[asked], methods=names
        )
    else:
        text = _("You can pay: {methods}. You choose when you check out.").format(methods=names)
    turn.say(text, [[Button(_("My cart"), ShowCart().pack())]])


def opening_hours(turn: Turn) -> None:
    _ = turn.t.gettext
    settings = turn.shop.settings
    hours = settings.opening_hours()
    lines = [_("Our opening hours:")]
    lines += ["• " + _day_range_text(turn, r) for r in hours.ranges()]
    now = turn.shop.now().astimezone(ZoneInfo(settings.store_timezone))
    opens = hours.next_opening(now)
    if hours.is_open(now):
        lines.append(_("We are open now."))
    elif opens is not None:
        sentence = _("We are closed now; we open {day} at {time}.").format(
            day=format_date(opens, "EEEE", locale=turn.t.format_locale),
            time=_clock(turn, opens.time()),
        )
        # "9:00 a.m." already ends the sentence (Spanish): no second period
        lines.append(sentence[:-1] if sentence.endswith("..") else sentence)
    else:
        lines.append(_("We are closed now."))
    lines.append(_("You can order here at any time."))
    turn.say("\n".join(lines))


def location(turn: Turn) -> None:
    _ = turn.t.gettext
    settings = turn.shop.settings
    lines = [_("We are at {address}.").format(address=settings.store_address)]
    if settings.store_phone:
        lines.append(_("Phone: {phone}").format(phone=settings.store_phone))
    if "pickup" in turn.shop.policy.shipping:
        lines.append(_("You can pick up your order there: choose it at checkout."))
    lines.append(_("Ask me for our opening hours, or order here and we ship it to you."))
    turn.say("\n".join(lines))


def return_policy(turn: Turn) -> None:
    _ = turn.t.gettext
    settings = turn.shop.settings
    days = settings.return_window_days
    text = turn.t.ngettext(
        "You can ask for a return or an exchange up to {days} day after you receive your "
        "order: open it in “My orders” and choose “Return or exchange”.",
        "You can ask for a return or an exchange up to {days} days after you receive your "
        "order: open it in “My orders” and choose “Return or exchange”.",
        days,
    ).format(days=days)
    if settings.return_policy:
        text += "\n" + settings.return_policy
    turn.say(text, [[Button(_("My orders"), ListOrders().pack())]])


def _day_range_text(turn: Turn, days: DayRange) -> str:
    _ = turn.t.gettext
    names = get_day_names("wide", locale=turn.t.format_locale)
    first, last = names[days.first], names[days.last]
    if days.first == days.last:
        which = first
    elif days.last == days.first + 1:
        which = _("{first} and {last}").format(first=first, last=last)
    else:
        which = _("{first} to {last}").format(first=first, last=last)
    which = which[:1].upper() + which[1:]  # "lunes a viernes" starts the line
    if days.hours is None:
        return _("{days}: closed").format(days=which)
    opens, closes = (_clock(turn, t) for t in days.hours)
    return _("{days}: {opens}–{closes}").format(days=which, opens=opens, closes=closes)


def _clock(turn: Turn, value: time) -> str:
    return format_time(value, "short", locale=turn.t.format_locale)
