"""The Spanish demo shop: 12 products in 3 categories, some of them low on stock,
bought from three suppliers (so `/reabastecer` has something to suggest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.actors import SYSTEM
from core.domain.suppliers import Supplier
from core.services.catalog_io import ProductRow, parse_catalog_csv, upsert_rows
from core.services.context import Shop
from core.services.suppliers import SupplyChanges, apply_supply_changes
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


# name, contact, phone, email, lead time in days
DEMO_SUPPLIERS = (
    ("Textiles del Bajío", "Laura Méndez", "+52 477 555 0101", "ventas@textiles.example", 10),
    ("Accesorios Monterrey", "Jorge Treviño", "+52 81 555 0102", "pedidos@accmty.example", 7),
    ("Talavera Poblana", "Rosa Aguilar", "+52 222 555 0103", "taller@talavera.example", 14),
)

# sku: supplier, supplier's code, cost, reorder point, pack size
DEMO_SUPPLY = {
    "CAM-AZUL-M": ("Textiles del Bajío", "TB-CA-M", "140.00", 8, 6),
    "CAM-BLANCA-M": ("Textiles del Bajío", "TB-CB-M", "155.00", 6, 6),
    "PLAY-NEGRA-G": ("Textiles del Bajío", "TB-PN-G", "70.00", 10, 12),
    "SUD-GRIS-M": ("Textiles del Bajío", "TB-SG-M", "260.00", 4, 4),
    "JEAN-32": ("Textiles del Bajío", "TB-J32", "320.00", 4, 4),
    "GOR-ROJA": ("Accesorios Monterrey", "AM-GR", "85.00", 6, 10),
    "MOCH-URB": ("Accesorios Monterrey", "AM-MU", "410.00", 3, 2),
    "CART-PIEL": ("Accesorios Monterrey", "AM-CP", "190.00", 4, 5),
    "LENT-SOL": ("Accesorios Monterrey", "AM-LS", "120.00", 4, 6),
    "TAZA-TAL": ("Talavera Poblana", "TP-T350", "70.00", 6, 6),
    "VELA-LAV": ("Talavera Poblana", "TP-VL200", "55.00", 8, 12),
    "COJ-BORD": ("Talavera Poblana", "TP-CB45", "180.00", 3, 4),
}


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
        if summary.created:
            await _seed_supply(uow, shop.currency, now)
        await uow.commit(now)
    return DemoSeed(summary.created)


async def _seed_supply(uow: SqlUnitOfWork, currency: str, now: datetime) -> None:
    """The demo's suppliers that are missing, and how each demo product is bought."""
    known = {s.name for s in await uow.suppliers.all()}
    for name, contact, phone, email, lead_time in DEMO_SUPPLIERS:
        if name not in known:
            supplier = Supplier(0, name, contact, phone, email, lead_time, currency)
            await uow.suppliers.insert(supplier, now)
    for sku, (supplier, code, cost, reorder_point, pack) in DEMO_SUPPLY.items():
        product = await uow.catalog.get_by_sku(sku)
        if product is not None and await uow.suppliers.supply(product.id) is None:
            terms = SupplyChanges(supplier, code, cost, reorder_point, pack)
            await apply_supply_changes(uow, product.id, terms, currency, now)


async def _own_catalog(uow: SqlUnitOfWork, demo: list[ProductRow]) -> bool:
    if not await uow.catalog.count(active_only=False):
        return False
    return all([await uow.catalog.get_by_sku(row.sku) is None for row in demo])
