"""`pedidos payments reconcile`, run as the merchant runs it: a real process on a real
SQLite file, its Mercado Pago settings pointing at the double, which serves in this
test's event loop while the test awaits the process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.payments.mercadopago import MercadoPago
from core.domain.orders import OrderStatus
from core.services import orders, payment_links
from core.services.context import Shop
from tests.conftest import MERCHANT, Clock, open_shop
from tests.integration.test_cli import db_url
from tests.integration.test_cli import pedidos as run_cli
from tests.integration.test_payments_and_expiry import card_order
from tests.mercadopago_double import MercadoPagoDouble

PUBLIC_URL = "http://localhost:8080"


@dataclass
class Ran:
    code: int
    out: str
    err: str


async def pedidos(folder: Path, *args: str, **env: str) -> Ran:
    """Run the CLI in `folder` (no developer .env read) on folder/x.db, as
    tests.integration.test_cli.pedidos does (in this process), on a thread so the
    doubles in this event loop answer its calls meanwhile."""
    ran = await asyncio.to_thread(run_cli, folder, *args, **env)
    return Ran(ran.returncode, ran.stdout, ran.stderr)


@dataclass
class Unnotified:
    """An order paid at Mercado Pago whose webhook never came."""

    folder: Path
    shop: Shop
    mp: MercadoPagoDouble
    code: str
    payment_id: str

    @property
    def settings(self) -> dict[str, str]:
        return {
            "MERCADOPAGO_ACCESS_TOKEN": self.mp.access_token,
            "MERCADOPAGO_WEBHOOK_SECRET": self.mp.webhook_secret,
            "MERCADOPAGO_API_URL": self.mp.base_url,
            "PUBLIC_URL": PUBLIC_URL,
        }

    async def status(self) -> OrderStatus:
        return (await orders.order_details(self.shop, self.code, MERCHANT)).order.status


@pytest.fixture
async def unnotified(tmp_path: Path) -> AsyncIterator[Unnotified]:
    # The order was placed ten minutes ago on the wall clock the command runs by: its
    # link is old enough for a webhook to have come, and the order still waits.
    clock = Clock(datetime.now(UTC) - timedelta(minutes=10))
    shop = await open_shop(db_url(tmp_path), clock)
    async with MercadoPagoDouble() as mp:
        provider = MercadoPago(mp.access_token, mp.webhook_secret, mp.base_url, PUBLIC_URL)
        shop.payment_providers = (provider,)
        try:
            _product, _buyer, order = await card_order(shop)
            link = await payment_links.link_for(shop, order.code)
            paid = mp.customer_pays(link.url.rpartition("pref_id=")[2])
            shop.payment_providers = ()  # from here on only the command reads Mercado Pago
            yield Unnotified(tmp_path, shop, mp, order.code, paid)
        finally:
            await provider.close()
            await shop.db.dispose()
        mp.check_at_close()


async def test_reconcile_with_no_provider_configured_says_so_and_exits_2(tmp_path: Path):
    shop = await open_shop(db_url(tmp_path))  # a migrated database, no provider set
    await shop.db.dispose()

    ran = await pedidos(tmp_path, "payments", "reconcile")

    assert ran.code == 2
    assert "MERCADOPAGO_*" in ran.err and "STRIPE_*" in ran.err
    assert ran.out == ""


async def test_reconcile_finds_a_payment_whose_webhook_never_came_and_pays_the_order(
    unnotified: Unnotified,
):
    assert await unnotified.status() is OrderStatus.PENDING_PAYMENT

    ran = await pedidos(unnotified.folder, "payments", "reconcile", **unnotified.settings)

    assert ran.code == 0, ran.err
    assert f"{unnotified.code}\tpaid" in ran.out.splitlines()
    assert await unnotified.status() is not OrderStatus.PENDING_PAYMENT
    details = await orders.order_details(unnotified.shop, unnotified.code, MERCHANT)
    assert [p.provider_charge_id for p in details.payments if p.holds_money] == [
        f"mercadopago:{unnotified.payment_id}"
    ]
    # A second run reads the link again (its page is still open) and records nothing.
    again = await pedidos(unnotified.folder, "payments", "reconcile", **unnotified.settings)
    assert again.code == 0, again.err
    assert f"{unnotified.code}\talready_recorded" in again.out.splitlines()
    details = await orders.order_details(unnotified.shop, unnotified.code, MERCHANT)
    assert len([p for p in details.payments if p.holds_money]) == 1


async def test_reconcile_with_mercadopago_down_exits_1_naming_it_and_pays_nothing(
    unnotified: Unnotified,
):
    unnotified.mp.fail_next(503)

    ran = await pedidos(unnotified.folder, "payments", "reconcile", **unnotified.settings)

    assert ran.code == 1
    assert "mercadopago" in ran.err.lower().replace(" ", "")
    assert unnotified.code not in ran.out
    assert await unnotified.status() is OrderStatus.PENDING_PAYMENT
    # Once it answers again, the next run finds the payment.
    ran = await pedidos(unnotified.folder, "payments", "reconcile", **unnotified.settings)
    assert ran.code == 0, ran.err
    assert f"{unnotified.code}\tpaid" in ran.out.splitlines()


async def test_reconcile_with_mercadopago_down_names_it_in_the_message_itself(
    unnotified: Unnotified,
):
    unnotified.mp.fail_next(503)
    ran = await pedidos(unnotified.folder, "payments", "reconcile", **unnotified.settings)
    assert ran.code == 1
    said = [line for line in ran.err.splitlines() if " WARNING " not in line]  # no log lines
    assert "Mercado Pago" in "\n".join(said)
