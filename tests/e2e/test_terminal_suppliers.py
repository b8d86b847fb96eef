"""The admin chat's suppliers and reorders (/proveedores, /proveedor, /abasto,
/reabastecer), driven through the terminal channel as a merchant types them on a phone;
bad input gets a clear answer in the admin's language, and a customer who tries these
commands or their buttons is refused and changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from core.services import admins, suppliers
from core.store.tables import product_supply, purchase_order_lines, purchase_orders
from core.store.tables import suppliers as suppliers_table
from handlers.admin.purchase_orders import DraftPurchaseOrder
from tests.conftest import MERCHANT, add_product, buy, new_buyer
from tests.e2e.chat_driver import ChatDriver


async def admin_chat(shop, locale: str) -> ChatDriver:
    chat = ChatDriver(shop, "owner", name="Owner", locale=locale)
    await chat.open()
    return chat


async def test_a_merchant_adds_a_supplier_sets_terms_and_reads_what_to_reorder(shop):
    mug = await add_product(shop, "TAZA", name="Taza de barro", stock=20)
    await add_product(shop, "JARRO", name="Jarro", stock=1)  # no supplier, threshold 2
    await add_product(shop, "PLATO", name="Plato", stock=40)  # sells nothing, plenty
    await buy(shop, await new_buyer(shop, "b1"), {mug: 14})
    admin = await admin_chat(shop, "es")

    created = await admin.type(
        "/proveedor nuevo Barro Fino; Lupe; 55 1234 5678; ventas@barrofino.mx; 10"
    )
    assert "Proveedor Barro Fino agregado." in created
    assert "Lupe · 55 1234 5678 · ventas@barrofino.mx" in created
    assert "Tiempo de entrega: 10 días · moneda MXN" in created

    terms = await admin.type("/abasto taza proveedor=barro fino clave=BF-T costo=85,50 paquete=6")
    assert "Abasto de TAZA guardado." in terms
    assert "Proveedor: Barro Fino" in terms and "Clave del proveedor: BF-T" in terms
    assert "Costo: $85.50 MXN" in terms and "Paquete: 6 piezas" in terms
    assert "Punto de reorden: 2 (su umbral de stock bajo)" in terms
    assert "Punto de reorden: 5" in await admin.type("/abasto TAZA punto=5")

    changed = await admin.type("/proveedor barro fino dias=12, tel=55 8765 4321")
    assert "Proveedor Barro Fino actualizado." in changed
    assert "Tiempo de entrega: 12 días" in changed
    assert "• TAZA · Taza de barro: costo $85.50 MXN, clave BF-T, paquetes de 6" in changed
    await admin.type("/proveedor Barro Fino dias=10")

    # Keys work when adding too: the name, then what is known.
    keyed = await admin.type("/proveedor nuevo Velas del Sur dias=3 correo=hola@velas.mx")
    assert "Proveedor Velas del Sur agregado." in keyed
    assert "hola@velas.mx" in keyed and "Tiempo de entrega: 3 días" in keyed

    listing = await admin.type("/proveedores")
    assert "• Barro Fino: entrega en 10 días, MXN, 1 producto" in listing

    # TAZA: 14 sold in 28 days = 0.50 a day; 20 - 14 = 6 available last 6 / 0.5 = 12
    # days; lead 10 + 7 of margin = 17 days need ceil(0.5 x 17) = 9, so 9 - 6 = 3 more,
    # one pack of 6. JARRO: no sales, 1 at or below its point 2: 2 - 1 = 1.
    suggestions = await admin.type("/reabastecer")
    assert suggestions.splitlines()[:7] == [
        "Por reabastecer (ventas de los últimos 28 días; tiempo de entrega + 7 días de margen):",
        "",
        "🏭 Barro Fino (llega en 10 días):",
        "• TAZA Taza de barro: disponibles 6, vende 0.50/día, alcanza 12 días, pedir 6 "
        "(paquetes de 6)",
        "",
        "Sin proveedor:",
        "• JARRO Jarro: disponibles 1, sin ventas en 28 días, pedir 1",
    ]
    assert "PLATO" not in suggestions
    # One button per supplier drafts its purchase order (the purchase orders' action).
    supplier = (await suppliers.list_suppliers(shop, MERCHANT))[0].supplier
    assert [(b.label, b.payload) for b in admin.chat.buttons] == [
        ("Orden de compra: Barro Fino", DraftPurchaseOrder(supplier.id).pack())
    ]

    # Pressing it drafts that supplier's purchase order with the suggested lines.
    await admin.press("Orden de compra: Barro Fino")
    async with shop.uow(write=False) as uow:
        drafted = (
            await uow.conn.execute(
                select(purchase_order_lines.c.sku, purchase_order_lines.c.quantity)
                .join(purchase_orders)
                .where(purchase_orders.c.supplier_id == supplier.id)
            )
        ).all()
    assert drafted == [("TAZA", 6)]

    await admin.type("/proveedor Barro Fino")
    deactivated = await admin.press("Desactivar")
    assert "🏭 Barro Fino (inactivo)" in deactivated
    # Its products now have no (active) supplier: TAZA moves to that group.
    after = await admin.type("/reorder")
    assert "Barro Fino" not in after and "• TAZA Taza de barro" in after


async def test_the_english_chat_says_the_same_in_english(shop):
    mug = await add_product(shop, "TAZA", name="Mug", stock=20)
    await buy(shop, await new_buyer(shop, "b1"), {mug: 14})
    await suppliers.add_supplier(shop, MERCHANT, "Clay Co", lead_time_days=10)
    admin = await admin_chat(shop, "en")
    await admin.type("/supply TAZA supplier=Clay Co pack=6")
    text = await admin.type("/reorder")
    assert "🏭 Clay Co (arrives in 10 days):" in text
    assert "• TAZA Mug: available 6, sells 0.50/day, cover 12 days, suggest 6 (packs of 6)" in text
    assert "Clay Co: lead time 10 days, MXN, 1 product" in await admin.type("/suppliers")


async def supply_rows(shop) -> tuple:
    async with shop.uow(write=False) as uow:
        found = (await uow.conn.execute(select(suppliers_table))).all()
        terms = (await uow.conn.execute(select(product_supply))).all()
    return tuple(found), tuple(terms)


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(shop):
    await add_product(shop, "TAZA")
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.add_supplier(shop, MERCHANT, "Candles Inc", currency="JPY")
    admin = await admin_chat(shop, "en")
    await admin.type("/supply TAZA supplier=Barro Fino pack=6 cost=10.00")
    before = await supply_rows(shop)
    answers = {
        "/supply NOPE pack=2": "There is no product with SKU NOPE.",
        "/supply TAZA supplier=Nadie": "There is no supplier “Nadie”.",
        "/supply TAZA pack=0": "The pack size must be a whole number from 1 to 100000.",
        "/supply TAZA pack=99999999999999999999999": "must be a whole number from 1 to 100000.",
        "/supply TAZA pack=six": "The pack size is a whole number of units, like 12",
        "/supply TAZA cost=-5": "The cost must be an amount of 0 or more",
        "/supply TAZA cost=99999999999999999": "The cost must be less than 1,000,000,000 in",
        "/supply TAZA cost=99999999999": "The cost must be less than 1,000,000,000 in",
        "/supply TAZA cost=1e3": "The cost must be an amount of 0 or more",
        "/supply TAZA cost=NaN": "The cost must be an amount of 0 or more",
        "/supply TAZA cost=Infinity": "The cost must be an amount of 0 or more",
        "/supply TAZA supplier=Candles Inc cost=3.50": "The cost must be an amount of 0 or more",
        "/supply TAZA point=-1": "The reorder point must be a whole number from 0 to 100000.",
        "/supply TAZA colour=red": "I don't know “colour”.",
        "/supply TAZA red": "I didn't understand “red”.",
        "/supplier new barro fino": "There is already a supplier called “Barro Fino”.",
        "/supplier new X; ; ; ventas@; 5": "“ventas@” is not an e-mail address.",
        "/supplier new X; ; ; ; soon": "The lead time is a number of days, like 7",
        "/supplier new X; ; ; ; 9999": "lead time must be a whole number of days from 0 to 365.",
        "/supplier new X; ; ; ; 5; pesos": "“PESOS” is not a currency code: write an ISO 4217",
        "/supplier new Q currency=ABC": "“ABC” is not a currency code",
        "/supplier new Q currency=XXX": "“XXX” is not a currency code",  # "no currency"
        "/supplier new Q currency=XAU": "“XAU” is not a currency code",  # gold
        "/supplier Barro Fino currency=XTS": "“XTS” is not a currency code",  # testing
        "/supplier Nadie": "There is no supplier “Nadie”.",
        "/supplier Barro Fino days=many": "The lead time is a number of days, like 7",
        "/supplier Barro Fino name=candles inc": "already a supplier called “Candles Inc”.",
        "/supplier Barro Fino colour=red": "I don't know “colour”. For a supplier write name=",
        "/supplier Barro Fino active=maybe": "Write active=yes or active=no.",
        "/reorder Nadie": "There is no supplier “Nadie”.",
    }
    for typed, expected in answers.items():
        assert expected in await admin.type(typed), typed
    assert await supply_rows(shop) == before


async def test_spanish_answers_to_bad_input_are_translated(shop):
    await add_product(shop, "TAZA")
    admin = await admin_chat(shop, "es")
    assert "El paquete debe ser un número entero de 1 a 100000." in await admin.type(
        "/abasto TAZA paquete=0"
    )
    assert "No hay ningún proveedor “Nadie”." in await admin.type("/abasto TAZA proveedor=Nadie")
    assert "El costo debe ser un importe de 0 o más" in await admin.type("/abasto TAZA costo=-3")
    assert "No existe ningún producto con el SKU NOPE." in await admin.type(
        "/abasto NOPE paquete=2"
    )


async def test_a_customer_is_refused_these_commands_and_buttons_and_nothing_changes(shop):
    await add_product(shop, "TAZA")
    supplier = await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    before = await supply_rows(shop)
    customer = ChatDriver(shop, "u1", locale="en")
    await customer.open()
    for typed in [
        "/proveedores",
        "/suppliers",
        "/proveedor Barro Fino",
        "/proveedor nuevo Intruso; ; ; ; 1",
        "/proveedor Barro Fino dias=99",
        "/abasto TAZA proveedor=Barro Fino paquete=3",
        "/supply TAZA",
        "/reabastecer",
        "/reorder",
    ]:
        assert "Sorry, that is only for the shop's team." in await customer.type(typed), typed
    for payload in ["spo", "spa", "spd", "spr"]:
        answer = await customer.send_payload(f"{payload}:{supplier.id}")
        assert "Sorry, that is only for the shop's team." in answer, payload
    assert await supply_rows(shop) == before


async def test_a_cost_is_never_read_in_a_currency_it_was_not_typed_in(shop, tmp_path):
    await add_product(shop, "TAZA", name="Taza", stock=5)
    await add_product(shop, "PLATO", name="Plato", stock=5)
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.add_supplier(shop, MERCHANT, "Kyoto Clay", currency="JPY")
    admin = ChatDriver(shop, "owner", name="Owner", locale="en", files=tmp_path)
    await admin.open()
    await admin.type("/supply TAZA supplier=Barro Fino cost=85.50")
    await admin.type("/supply PLATO supplier=Barro Fino cost=40.00")

    # Another supplier, another currency, no cost typed: MX$85.50 must not become ¥8,550.
    moved = await admin.type("/supply TAZA supplier=Kyoto Clay")
    assert "Supply terms of TAZA saved." in moved
    assert "Cost cleared: it was in MXN; type it in JPY with /supply TAZA cost=…." in moved
    assert "Cost: —" in moved and "8,550" not in moved
    draft = await admin.type("/nuevacompra Kyoto Clay; TAZA 2")
    assert "• TAZA · Taza: 2 × no cost" in draft and "¥" in draft and "8,550" not in draft
    assert "Cost: ¥1,200" in await admin.type("/supply TAZA cost=1200")

    # The supplier itself moves to dollars: its products' peso costs are cleared, named.
    changed = await admin.type("/supplier Barro Fino currency=USD")
    assert (
        "The cost of PLATO was in MXN, so it was cleared: type it in USD with /supply SKU "
        "cost=…." in changed
    )
    assert "• PLATO · Plato" in changed and "cost " not in changed.split("• PLATO")[1]
    assert "Cost: $40.00 USD" in await admin.type("/supply PLATO cost=40")


async def test_costs_cleared_by_a_currency_change_are_said_in_spanish(shop):
    for sku in ("TAZA", "PLATO", "JARRO"):
        await add_product(shop, sku)
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.add_supplier(shop, MERCHANT, "Kyoto Clay", currency="JPY")
    admin = await admin_chat(shop, "es")
    await admin.type("/abasto TAZA proveedor=Kyoto Clay costo=1200")
    await admin.type("/abasto PLATO proveedor=Barro Fino costo=40")
    await admin.type("/abasto JARRO proveedor=Barro Fino costo=25")

    back = await admin.type("/abasto TAZA proveedor=Barro Fino")
    assert "Costo borrado: estaba en JPY; escríbelo en MXN con /abasto TAZA costo=…." in back
    await admin.type("/abasto TAZA costo=85.50")
    changed = await admin.type("/proveedor Barro Fino moneda=USD")
    assert (
        "Los costos de JARRO, PLATO, TAZA estaban en MXN, así que se borraron: escríbelos "
        "en USD con /abasto SKU costo=…."
    ) in changed


async def test_reorder_of_an_inactive_supplier_says_it_is_inactive(shop):
    await add_product(shop, "TAZA", name="Taza", stock=0)
    supplier = await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.set_product_supply(
        shop, MERCHANT, "TAZA", suppliers.SupplyChanges(supplier="Barro Fino", reorder_point=4)
    )
    await suppliers.deactivate_supplier(shop, MERCHANT, supplier.id)
    admin = await admin_chat(shop, "en")

    answer = await admin.type("/reorder barro fino")
    assert "Nothing to reorder" not in answer
    assert (
        "Barro Fino is inactive: its products are listed under “Without a supplier” in "
        "/reorder. Activate it with /supplier Barro Fino active=yes, or the button."
    ) in answer
    activated = await admin.press("Activate")
    assert "🏭 Barro Fino (active)" in activated
    now = await admin.type("/reorder barro fino")
    assert "🏭 Barro Fino (arrives in 7 days):" in now and "• TAZA Taza" in now


async def test_an_inactive_supplier_is_said_in_spanish(shop):
    supplier = await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.deactivate_supplier(shop, MERCHANT, supplier.id)
    admin = await admin_chat(shop, "es")
    assert (
        "Barro Fino está inactivo: sus productos aparecen en “Sin proveedor” en "
        "/reabastecer. Actívalo con /proveedor Barro Fino activo=sí, o con el botón."
    ) in await admin.type("/reabastecer Barro Fino")


async def test_a_suggestion_too_big_for_one_line_is_capped_and_the_draft_button_works(shop):
    await add_product(shop, "TORNILLO", name="Tornillo", stock=0)
    await suppliers.add_supplier(shop, MERCHANT, "Ferretera")
    admin = await admin_chat(shop, "en")
    refused = await admin.type("/supply TORNILLO point=100001")
    assert "The reorder point must be a whole number from 0 to 100000." in refused
    await admin.type("/supply TORNILLO supplier=Ferretera point=100000 pack=12")

    suggested = await admin.type("/reorder")
    assert (
        "• TORNILLO Tornillo: available 0, no sales in 28 days, suggest 99996 (packs of 12) "
        "(the most one purchase order line takes)"
    ) in suggested
    drafted = await admin.press("Purchase order: Ferretera")
    assert "Draft purchase order" in drafted and "Use a whole number" not in drafted
    async with shop.uow(write=False) as uow:
        lines = (
            await uow.conn.execute(
                select(purchase_order_lines.c.sku, purchase_order_lines.c.quantity)
            )
        ).all()
    assert lines == [("TORNILLO", 99_996)]


SPANISH_NAMES = ("/proveedor", "/abasto", "/reabastecer", "/compras", "/nuevacompra", "/recibir")


async def test_the_english_chat_names_every_command_in_english(shop):
    await add_product(shop, "TAZA", name="Mug", stock=0)  # to reorder, no supplier
    admin = await admin_chat(shop, "en")
    empty = await admin.type("/suppliers")
    assert "No suppliers yet. Add one with /supplier new Name; contact;" in empty
    assert (
        "There is no supplier “Nadie”. /suppliers lists them; add one with /supplier new Name."
        in (await admin.type("/supplier Nadie"))
    )
    assert "Write /supplier NAME to see a supplier, or /supplier new Name;" in (
        await admin.type("/supplier")
    )
    card = await admin.type("/supplier new Clay Co days=12")
    assert "No product names it yet: /supply SKU supplier=Clay Co" in card
    # The hint shows the syntax, not a figure that reads as the supplier's own.
    assert "Change it with /supplier Clay Co days=N phone=…" in card and "days=10" not in card
    assert "/supplier NAME shows one; /reorder says what to reorder." in (
        await admin.type("/suppliers")
    )
    usage = await admin.type("/supply TAZA red")
    assert "Write /supply SKU supplier=NAME code=THEIR-CODE cost=85.50" in usage
    assert "Which supplier? Write its name first: /supplier NAME days=10." in (
        await admin.type("/supplier days=3")
    )
    assert "Name their supplier with /supply SKU supplier=NAME." in await admin.type("/reorder")
    help_text = await admin.type("/help")
    for line in (
        "/suppliers · /supplier NAME [days=10 phone=…] — suppliers; see or change one",
        "/supplier new Name; contact; phone; e-mail; lead days; currency — a new supplier",
        "/supply SKU supplier=… code=… cost=… point=… pack=… — how a product is bought",
        "/reorder [supplier] — what to reorder, by supplier",
        "/purchases [status | supplier] — purchase orders to suppliers",
        "/purchase CODE [SKU QTY [cost]] — one purchase order",
        "/newpurchase SUPPLIER; SKU QTY [cost], …[; notes] — a purchase order by hand",
        "/sendpurchase CODE — mark it sent",
        "/receive CODE [SKU QTY, …] — goods in",
        "/closepurchase CODE · /cancelpurchase CODE reason",
    ):
        assert line in help_text, line
    everything = "\n".join([empty, card, usage, help_text])
    assert [name for name in SPANISH_NAMES if name in everything] == []


async def test_the_spanish_chat_keeps_its_names_and_the_hint_no_stale_figure(shop):
    admin = await admin_chat(shop, "es")
    card = await admin.type("/proveedor nuevo Barro Fino dias=12")
    assert "Tiempo de entrega: 12 días" in card
    assert "Cámbialo con /proveedor Barro Fino dias=N tel=…" in card and "dias=10" not in card
    help_text = await admin.type("/ayuda")
    assert "/proveedores · /proveedor NOMBRE [dias=10 tel=…] — proveedores" in help_text
    assert "/proveedor nuevo Nombre; contacto; teléfono; correo;" in help_text
    assert "/abasto SKU proveedor=… clave=… costo=…" in help_text
    assert "/cerrarcompra CÓDIGO · /cancelarcompra CÓDIGO motivo" in help_text
    assert "/supplier" not in help_text and "/closepurchase" not in help_text


async def test_a_supplier_is_found_without_its_accents(shop):
    await add_product(shop, "TAZA")
    admin = await admin_chat(shop, "es")
    await admin.type("/proveedor nuevo Textiles del Bajío")
    assert "🏭 Textiles del Bajío (activo)" in await admin.type("/proveedor TEXTILES DEL BAJIO")
    terms = await admin.type("/abasto TAZA proveedor=textiles del bajio")
    assert "Proveedor: Textiles del Bajío" in terms
    # "Bajio" and "Bajío" are one supplier: no second one by typing it plain.
    assert "Ya hay un proveedor llamado “Textiles del Bajío”." in await admin.type(
        "/proveedor nuevo Textiles del Bajio"
    )
    assert len(await suppliers.list_suppliers(shop, MERCHANT)) == 1


async def test_a_new_supplier_clears_the_old_ones_code_and_says_so(shop):
    await add_product(shop, "TAZA-TAL")
    await suppliers.add_supplier(shop, MERCHANT, "Barro Fino")
    await suppliers.add_supplier(shop, MERCHANT, "Otro")
    admin = await admin_chat(shop, "es")
    await admin.type("/abasto TAZA-TAL proveedor=Barro Fino clave=BF-T costo=10")
    same = await admin.type("/abasto TAZA-TAL proveedor=barro fino paquete=2")
    assert "Clave del proveedor: BF-T" in same and "borrada" not in same

    moved = await admin.type("/abasto TAZA-TAL proveedor=Otro")
    assert (
        "Clave del proveedor borrada: BF-T era del proveedor anterior; escribe la de este "
        "con /abasto TAZA-TAL clave=…."
    ) in moved
    assert "Clave del proveedor:" not in moved and "Costo: $10.00 MXN" in moved
    typed = await admin.type("/abasto TAZA-TAL proveedor=Barro Fino clave=BF-9")
    assert "Clave del proveedor: BF-9" in typed and "borrada" not in typed

    await admins.add_admin(shop, "terminal", "ana", "Ana")
    english = ChatDriver(shop, "ana", name="Ana", locale="en")
    await english.open()
    none = await english.type("/supply TAZA-TAL supplier=-")
    assert "Supplier's code cleared: BF-9 was the previous supplier's; type this one's" in none
    assert "Supplier's code:" not in none


async def test_a_cost_over_the_limit_is_refused_in_spanish(shop):
    await add_product(shop, "TAZA")
    admin = await admin_chat(shop, "es")
    assert "El costo debe ser menor que 1,000,000,000 en la moneda del proveedor" in (
        await admin.type("/abasto TAZA costo=99999999999")
    )
    assert "“ABC” no es un código de moneda: escribe un código ISO 4217" in await admin.type(
        "/proveedor nuevo Q moneda=ABC"
    )
    assert "Costo: —" in await admin.type("/abasto TAZA")
    assert await suppliers.list_suppliers(shop, MERCHANT) == []
