"""/reporte in the admin chat shows the analysis (docs/reports.md): processing and
delivery time, on time against the promise, satisfaction, returns, best sellers by
units and by value, and the stockouts customers met in their own chat."""

from __future__ import annotations

from core.services import orders, shipping
from core.services.catalog import get_product
from tests.conftest import MERCHANT, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver


async def test_the_report_shows_times_on_time_satisfaction_best_sellers_and_stockouts(
    demo_shop, tmp_path, clock
):
    """Worked by hand (the clock starts Mon Nov 2, 09:00 in Mexico City):

    - a customer asks for 3 sunglasses in their chat; the demo shop has 1: told fewer;
    - 2 mugs (2 x 189.00) placed at 09:00, shipped 5 h later, delivered 48 h after that,
      rated 4: promised by the end of Nov 2 + 5 days, so on time;
    - 1 red cap (229.00) placed then, confirmed, not shipped.
    """
    customer = ChatDriver(demo_shop, "c1", name="Bea", locale="es")
    await customer.open()
    assert "solo hay 1 disponible de Lentes de sol" in await customer.type("quiero 3 lentes de sol")

    ana = await new_buyer(demo_shop, "b1", "Ana")
    mug = await get_product(demo_shop, sku="TAZA-TAL")
    cap = await get_product(demo_shop, sku="GOR-ROJA")
    mugs = (await buy(demo_shop, ana, {mug.id: 2})).code
    caps = (await buy(demo_shop, ana, {cap.id: 1})).code
    for code in (mugs, caps):
        await orders.confirm_order(demo_shop, MERCHANT, code)
    await orders.start_preparing(demo_shop, MERCHANT, mugs)
    await orders.mark_packed(demo_shop, MERCHANT, mugs)
    clock.advance(hours=5)
    await shipping.ship_order(demo_shop, MERCHANT, mugs, "dhl", "JD0123456789")
    clock.advance(hours=48)
    await orders.mark_delivered(demo_shop, ana.actor, mugs)
    await orders.rate_order(demo_shop, ana.actor, mugs, 4)

    admin = ChatDriver(demo_shop, "owner", locale="es", files=tmp_path)
    await admin.open()
    report = (await admin.type("/reporte 7d")).splitlines()
    for line in [
        "Pedidos: 2 · Ingresos (cobrados): $0.00 MXN",
        "Tiempo para enviar: mediana 5 horas · 90%: 5 horas (1 pedido)",
        "Tiempo de entrega: mediana 2 días · 90%: 2 días (1 pedido)",
        "A tiempo: 100% (1 de 1 entregados)",
        "Satisfacción (4-5 ★): 100% de 1 calificación",
        "Calificación promedio: 4.0 ★ (1 calificación)",
        "Devoluciones: 0% (0 de 1 entregados)",
        "Sin existencias (veces que se avisó):",
        "  Lentes de sol: agotado 0 · menos de lo pedido 1",
    ]:
        assert line in report, "\n".join(report)
    # Two lists: the mugs sold more units, and more value too (378.00 > 229.00).
    by_units = report.index("Más vendidos por unidades:")
    assert report[by_units + 1 : by_units + 3] == [
        "  2 × Taza de talavera ($378.00 MXN)",
        f"  1 × {cap.name} ($229.00 MXN)",
    ]
    by_value = report.index("Más vendidos por monto:")
    assert report[by_value + 1 : by_value + 3] == [
        "  $378.00 MXN · Taza de talavera (2)",
        f"  $229.00 MXN · {cap.name} (1)",
    ]
    assert (tmp_path / "reporte.png").exists()  # the chart still comes with it


async def test_quantities_refused_by_the_chat_itself_are_stockouts_too(demo_shop, tmp_path):
    """Where the chat checks the quantity before asking for it (a cart line changed by
    typing, an order taken by phone), the customer is told just the same: each is a
    stockout. The demo shop has 1 pair of sunglasses."""
    customer = ChatDriver(demo_shop, "c1", name="Bea", locale="es")
    await customer.open()
    await customer.type("quiero lentes de sol")  # the one pair, in the cart
    assert "solo hay 1 disponible de Lentes de sol" in await customer.type("pon 3")
    admin = ChatDriver(demo_shop, "owner", locale="es", files=tmp_path)
    await admin.open()
    await admin.type("/nuevopedido")
    await admin.type("55 8765 4321")
    await admin.type("Carlos Ruiz")
    assert "Solo hay 1 de LENT-SOL (Lentes de sol); pediste 2." in await admin.type("LENT-SOL x2")
    await admin.type("cancelar")

    report = (await admin.type("/reporte 7d")).splitlines()
    # Told twice that fewer were left than asked for (once each), never "sold out".
    assert "  Lentes de sol: agotado 0 · menos de lo pedido 2" in report, "\n".join(report)
