"""Browsing categories and products, product cards, adding to the cart, searching."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.cart import MAX_LINE_QUANTITY
from core.domain.catalog import Product
from core.domain.errors import ProductNotFound
from core.domain.stockouts import StockoutSource
from core.services import cart, catalog, stockouts
from handlers import quantity_change
from handlers.actions import Action, handles
from handlers.customer import cart as cart_screens
from handlers.customer.menu import MainMenu, ShowCart, ShowCategories, StartCheckout
from handlers.drafts import Draft
from handlers.quantity_change import Change, Kind
from handlers.render import availability, money, product_card
from handlers.turn import Step, Turn
from handlers.types import Button

PAGE_SIZE = 8  # + a navigation row + a back row fits WhatsApp's 10-row lists


@dataclass(frozen=True)
class ShowCategory(Action, prefix="c"):
    category_id: int
    page: int = 0


@dataclass(frozen=True)
class ShowProduct(Action, prefix="p"):
    product_id: int


@dataclass(frozen=True)
class AddToCart(Action, prefix="a"):
    product_id: int
    quantity: int = 1


@dataclass(frozen=True)
class AskQuantity(Action, prefix="qa"):
    product_id: int


@dataclass
class QuantityDraft(Draft):
    """ "How many?" being asked about a product."""

    product_id: int | None = None


@handles(ShowCategories)
async def _show_categories(turn: Turn, action: ShowCategories) -> None:
    await show_categories(turn)


@handles(ShowCategory)
async def _show_category(turn: Turn, action: ShowCategory) -> None:
    await show_category(turn, action.category_id, action.page)


@handles(ShowProduct)
async def _show_product(turn: Turn, action: ShowProduct) -> None:
    await show_product(turn, action.product_id)


@handles(AddToCart)
async def _add(turn: Turn, action: AddToCart) -> None:
    await add(turn, action.product_id, action.quantity or 1)


@handles(AskQuantity)
async def _ask_quantity(turn: Turn, action: AskQuantity) -> None:
    await ask_quantity(turn, action.product_id)


def product_button(turn: Turn, product: Product) -> Button:
    price = money(turn.t, product.price.amount, product.price.currency)
    return Button(f"{product.name} · {price}", ShowProduct(product.id).pack())


async def show_categories(turn: Turn, note: str = "") -> None:
    """The category list; note (why we are back here) goes first."""
    _ = turn.t.gettext
    turn.reset()
    categories = await catalog.list_categories(turn.shop)
    rows = [[Button(c.name, ShowCategory(c.id, 0).pack())] for c in categories]
    rows.append([Button(_("Menu"), MainMenu().pack())])
    text = (
        _("Choose a category, or type what you are looking for:")
        if categories
        else _("The catalog is empty for now.")
    )
    turn.say(f"{note}\n{text}" if note else text, rows)


async def show_category(turn: Turn, category_id: int, page: int) -> None:
    _ = turn.t.gettext
    turn.reset()
    found = await catalog.list_products(
        turn.shop, category_id=category_id, page=page, page_size=PAGE_SIZE
    )
    category = next(
        (c for c in await catalog.list_categories(turn.shop) if c.id == category_id), None
    )
    if category is None or not found.items:
        await show_categories(turn, _("That category is no longer available."))
        return
    rows = [[product_button(turn, p)] for p in found.items]
    nav = []
    if found.page > 0:
        nav.append(Button(_("« Previous"), ShowCategory(category_id, found.page - 1).pack()))
    if found.page + 1 < found.pages:
        nav.append(Button(_("Next »"), ShowCategory(category_id, found.page + 1).pack()))
    if nav:
        rows.append(nav)
    rows.append(
        [Button(_("Categories"), ShowCategories().pack()), Button(_("My cart"), ShowCart().pack())]
    )
    header = category.name
    if found.pages > 1:
        header += " " + _("(page {page} of {pages})").format(page=found.page + 1, pages=found.pages)
    turn.say(header, rows)


async def show_product(turn: Turn, product_id: int) -> None:
    _ = turn.t.gettext
    product = await _active_product(turn, product_id)
    if product is None:
        return
    rows = []
    if product.available > 0:
        rows.append(
            [
                Button(_("Add 1 to cart"), AddToCart(product.id, 1).pack()),
                Button(_("Choose quantity"), AskQuantity(product.id).pack()),
            ]
        )
    back = (
        ShowCategory(product.category_id, 0).pack()
        if product.category_id
        else ShowCategories().pack()
    )
    rows.append([Button(_("Back"), back), Button(_("My cart"), ShowCart().pack())])
    turn.say(product_card(turn.t, product), rows, image_url=product.image_url)
    remember_seen(turn, product.id)


def remember_seen(turn: Turn, product_id: int) -> None:
    """The one product on screen: "dame 2" or "la quiero" typed next means that one."""
    if turn.step is Step.MENU:
        turn.data["seen"] = product_id


async def show_product_by_sku(turn: Turn, sku: str) -> None:
    try:
        product = await catalog.get_product(turn.shop, sku=sku[:64])
    except ProductNotFound:
        await show_categories(turn, turn.t.gettext("That product is no longer available."))
        return
    await show_product(turn, product.id)


async def _active_product(turn: Turn, product_id: int) -> Product | None:
    """The product if it can still be sold; otherwise explain and show the catalog."""
    try:
        product = await catalog.get_product(turn.shop, product_id=product_id)
    except ProductNotFound:
        product = None
    if product is None or not product.active:
        await show_categories(turn, turn.t.gettext("That product is no longer available."))
        return None
    return product


async def add(turn: Turn, product_id: int, quantity: int) -> None:
    _ = turn.t.gettext
    if await _active_product(turn, product_id) is None:
        return
    view = await cart.add_to_cart(turn.shop, turn.customer.id, product_id, quantity)
    turn.reset()
    line = next(line for line in view.lines if line.product_id == product_id)
    total = money(turn.t, view.totals.subtotal.amount, view.totals.subtotal.currency)
    turn.say(
        "🛒 "
        + _("Added {qty} × {name}.").format(qty=quantity, name=line.name)
        + "\n"
        + turn.t.ngettext(
            "Your cart has {count} item: {total}.",
            "Your cart has {count} items: {total}.",
            view.item_count,
        ).format(count=view.item_count, total=total),
        [
            [
                Button(_("Check out"), StartCheckout().pack()),
                Button(_("View cart"), ShowCart().pack()),
            ],
            [Button(_("Keep shopping"), ShowCategories().pack())],
        ],
    )
    remember_seen(turn, product_id)  # "+1" or "otro" typed next: one more of it


async def typed_change(turn: Turn, change: Change) -> bool:
    """ "+1", "pon 3", "quita uno" typed under a product card or after adding it.
    False when no product is in view."""
    product_id = turn.in_view("seen")
    if turn.step is not Step.MENU or not isinstance(product_id, int):
        return False
    view = await cart.view_cart(turn.shop, turn.customer.id)
    if any(line.product_id == product_id for line in view.lines):
        await cart_screens.change_line(turn, product_id, change)
    elif change.kind in (Kind.ADD, Kind.SET) and change.amount > 0:
        await add(turn, product_id, min(change.amount, MAX_LINE_QUANTITY))
    else:
        await cart_screens.show_cart(turn, turn.t.gettext("That product is not in your cart."))
    return True


async def ask_quantity(turn: Turn, product_id: int) -> None:
    _ = turn.t.gettext
    product = await _active_product(turn, product_id)
    if product is None:
        return
    most = min(product.available, MAX_LINE_QUANTITY)
    if most <= 0:
        turn.say(availability(turn.t, product), [[Button(_("Back"), ShowCategories().pack())]])
        return
    turn.go(Step.ASK_QUANTITY)
    QuantityDraft(product.id).write(turn.data)
    choices = [n for n in (1, 2, 3, 5, 10) if n <= most]
    turn.say(
        _("How many {name} do you want? Type a number from 1 to {most}.").format(
            name=product.name, most=most
        ),
        [
            [Button(str(n), AddToCart(product.id, n).pack()) for n in choices],
            [Button(_("Cancel"), ShowProduct(product.id).pack())],
        ],
        expects_number=True,
    )


async def quantity_typed(turn: Turn, text: str) -> None:
    _ = turn.t.gettext
    product_id = QuantityDraft.read(turn.data).product_id
    product = await _active_product(turn, product_id) if product_id else None
    if product is None:
        return
    change = quantity_change.parse(text)
    wanted = change is not None and change.kind in (Kind.SET, Kind.ADD)
    qty = change.amount if change is not None and wanted else None
    if change is not None and change.kind in (Kind.REMOVE, Kind.SUBTRACT):
        qty = 0  # "-1", "ninguno": not a quantity one can order
    most = min(max(product.available, 0), MAX_LINE_QUANTITY)
    if qty is None:
        turn.say(
            _("Please type the quantity with digits, for example 2.")
            + " "
            + _("From 1 to {most}.").format(most=most)
        )
    elif qty < 1:
        turn.say(
            _("The quantity must be at least 1.") + " " + _("From 1 to {most}.").format(most=most)
        )
    elif qty > most:
        if qty > product.available:  # told there are fewer: a stockout (docs/reports.md)
            await stockouts.told(
                turn.shop, StockoutSource.CART, product.sku, product.name, qty, product.available
            )
        turn.say(
            turn.t.ngettext(
                "There is only {most} {name} available. Type a smaller number.",
                "There are only {most} {name} available. Type a smaller number.",
                most,
            ).format(most=most, name=product.name)
        )
    else:
        await add(turn, product.id, qty)


async def show_products(turn: Turn, product_ids: list[int]) -> None:
    """A few products to choose from, in the order given (the best match first)."""
    _ = turn.t.gettext
    shelf = await catalog.shelf(turn.shop)
    by_id = {p.id: p for p in shelf.products}
    found = [by_id[i] for i in product_ids if i in by_id][:8]
    turn.reset()
    rows = [[product_button(turn, p)] for p in found]
    rows.append(
        [Button(_("Categories"), ShowCategories().pack()), Button(_("Menu"), MainMenu().pack())]
    )
    turn.say(_("This is what I found:"), rows)
    if len(found) == 1:
        remember_seen(turn, found[0].id)


async def search(turn: Turn, text: str) -> bool:
    """Show products matching text; False when nothing matched."""
    _ = turn.t.gettext
    results = await catalog.search_products(turn.shop, text[:100], limit=8)
    if not results:
        return False
    turn.reset()
    rows = [[product_button(turn, p)] for p in results]
    rows.append(
        [Button(_("Categories"), ShowCategories().pack()), Button(_("Menu"), MainMenu().pack())]
    )
    turn.say(_("This is what I found:"), rows)
    return True
