"""The Spanish demo shop: 12 products in 3 categories, some of them low on stock."""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.actors import SYSTEM
from core.services.catalog_io import ProductRow, parse_catalog_csv, upsert_rows
from core.services.context import Shop
from core.store.uow import SqlUnitOfWork

DEMO_CATALOG = """sku,name,description,category,price,stock,weight_g,image_url
CAM-AZUL-M,Camisa azul (M),"Camisa de algodón, manga larga.",Ropa,349.00,25,250,https://picsum.photos/seed/cam-azul/600
CAM-BLANCA-M,Camisa blanca (M),Camisa de lino fresca para el verano.,Ropa,379.00,18,240,https://picsum.photos/seed/cam-blanca/600
PLAY-NEGRA-G,Playera negra (G),"Playera básica, 100 % algodón.",Ropa,199.00,40,180,https://picsum.photos/seed/play-negra/600
SUD-GRIS-M,Sudadera gris (M),Sudadera con capucha y bolsillo canguro.,Ropa,599.00,2,520,https://picsum.photos/seed/sud-gris/600
JEAN-32,Jeans clásicos 32,Mezclilla azul de corte recto.,Ropa,749.00,12,650,https://picsum.photos/seed/jean-32/600
GOR-ROJA,Gorra roja,Gorra ajustable bordada.,Accesorios,229.00,30,120,https://picsum.photos/seed/gor-roja/600
MOCH-URB,Mochila urbana,Mochila de 20 L con compartimento para laptop.,Accesorios,899.00,3,900,https://picsum.photos/seed/moch-urb/600
CART-PIEL,Cartera de piel,Cartera de piel genuina hecha a mano.,Accesorios,459.00,15,110,https://picsum.photos/seed/cart-piel/600
LENT-SOL,Lentes de sol,Lentes con protección UV400.,Accesorios,329.00,1,60,https://picsum.photos/seed/lent-sol/600
TAZA-TAL,Taza de talavera,Taza artesanal de Puebla de 350 ml.,Hogar,189.00,20,380,https://picsum.photos/seed/taza-tal/600
VELA-LAV,Vela de lavanda,Vela de soya aromática de 200 g.,Hogar,149.50,35,260,https://picsum.photos/seed/vela-lav/600
COJ-BORD,Cojín bordado,Cojín bordado a mano de 45 x 45 cm.,Hogar,429.00,8,450,https://picsum.photos/seed/coj-bord/600
"""


@dataclass(frozen=True)
class DemoSeed:
    created: int  # demo products added now (0: the demo shop was already there)
    own_catalog: bool = False  # a shop with products of its own: left as it was


async def seed_demo(shop: Shop) -> DemoSeed:
    """Create the demo products that are missing; running it again changes nothing.
    A shop that sells products of its own and none of the demo's is left alone: `make
    run` seeds the demo, and must not put it in a real shop's catalog."""
    rows = parse_catalog_csv(DEMO_CATALOG, shop.currency)
    now = shop.now()
    async with shop.uow() as uow:
        if await _own_catalog(uow, rows):
            return DemoSeed(0, own_catalog=True)
        summary = await upsert_rows(
            uow, rows, SYSTEM, now, threshold=shop.settings.low_stock_threshold, only_missing=True
        )
        await uow.commit(now)
    return DemoSeed(summary.created)


async def _own_catalog(uow: SqlUnitOfWork, demo: list[ProductRow]) -> bool:
    if not await uow.catalog.count(active_only=False):
        return False
    return all([await uow.catalog.get_by_sku(row.sku) is None for row in demo])
