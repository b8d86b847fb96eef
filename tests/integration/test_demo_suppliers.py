"""The demo shop `make run` seeds comes with its suppliers, so a newcomer's first
/reabastecer shows what to buy and from whom."""

from __future__ import annotations

from core.domain.actors import SYSTEM
from core.services.demo import seed_demo
from core.services.reorder import reorder_suggestions


async def test_every_demo_product_is_bought_from_a_demo_supplier(shop):
    await seed_demo(shop)
    async with shop.uow(write=False) as uow:
        suppliers = {s.id: s for s in await uow.suppliers.all()}
        supplies = await uow.suppliers.supplies()
        products = await uow.catalog.list(active_only=False)
    assert len(suppliers) == 3
    assert {p.id for p in products} == set(supplies)
    assert all(supplies[p.id].supplier_id in suppliers for p in products)


async def test_the_demo_suggests_reordering_what_is_low_from_its_supplier(shop):
    await seed_demo(shop)
    groups = await reorder_suggestions(shop, SYSTEM)
    suggested = {
        line.sku: (group.supplier.name if group.supplier else None)
        for group in groups
        for line in group.lines
        if line.suggested_quantity > 0
    }
    # 1 pair of sunglasses left against a reorder point of 4, 2 hoodies against 4
    assert suggested["LENT-SOL"] == "Accesorios Monterrey"
    assert suggested["SUD-GRIS-M"] == "Textiles del Bajío"
    assert "PLAY-NEGRA-G" not in suggested  # 40 on hand, no sales


async def test_seeding_the_demo_twice_adds_no_second_supplier(shop):
    await seed_demo(shop)
    await seed_demo(shop)
    async with shop.uow(write=False) as uow:
        assert len(await uow.suppliers.all()) == 3
