"""The `pedidos` command, run as the merchant runs it: a real process on a real SQLite
file. Messages are translated, so only numbers, line numbers and SKUs are checked."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.domain.orders import PaymentMethod
from core.services import orders
from core.services.catalog import get_product
from handlers.i18n import Translator
from handlers.render import status_name
from tests.conftest import MERCHANT, Clock, buy, new_buyer, open_shop

DB_NAME = "x.db"


def db_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / DB_NAME}"


def _environment(folder: Path, env: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONIOENCODING": "utf-8",
        "DATABASE_URL": db_url(folder),
        **env,
    }


def pedidos_process(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a process of its own in `folder` (so no developer .env is read)
    on folder/x.db."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=folder,
        env=_environment(folder, env),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def pedidos(
    folder: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as `pedidos_process` does, but in this process: `bot.cli.main` with
    the environment, working folder and standard streams such a process would have, on
    a thread of its own (its own event loop). Starting an interpreter is most of a CLI
    call's time; what only a real process shows (exit by signal, log files) is tested
    with `pedidos_process`."""
    outcome: list[subprocess.CompletedProcess[str]] = []
    thread = threading.Thread(target=lambda: outcome.append(_main_here(folder, args, env, stdin)))
    with _PROCESS_STATE:
        thread.start()
        thread.join(60)
    assert outcome, f"pedidos {' '.join(args)} did not finish"
    return outcome[0]


_PROCESS_STATE = threading.Lock()  # the environment and working folder are the process's


def _main_here(
    folder: Path, args: tuple[str, ...], env: dict[str, str], stdin: str
) -> subprocess.CompletedProcess[str]:
    from bot.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(_environment(folder, env))
        os.chdir(folder)
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            _stdin(io.StringIO(stdin)),  # what a pipe would give it
        ):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse's errors
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["pedidos", *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(replacement: io.StringIO):
    saved, sys.stdin = sys.stdin, replacement
    try:
        yield
    finally:
        sys.stdin = saved


def pedidos_at_once(folder: Path, *commands: list[str], **env: str) -> list:
    """Run independent commands side by side, each a process of its own."""
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(lambda args: pedidos_process(folder, *args, **env), commands))


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def rows(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


def to_csv(records: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


@dataclass(frozen=True)
class DemoTemplate:
    folder: Path
    first_demo_output: str
    catalog: str  # `pedidos catalog export` right after the demo was seeded


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> DemoTemplate:
    """A database file migrated and seeded with the demo shop, made once per module."""
    folder = tmp_path_factory.mktemp("demo")
    ok(pedidos(folder, "db", "upgrade"))
    first_demo_output = ok(pedidos(folder, "demo"))
    return DemoTemplate(folder, first_demo_output, ok(pedidos(folder, "catalog", "export")))


@pytest.fixture
def demo_shop(demo_template: DemoTemplate, tmp_path: Path) -> Path:
    """A private copy of the demo database in this test's folder."""
    for file in demo_template.folder.glob(f"{DB_NAME}*"):
        shutil.copy(file, tmp_path / file.name)
    return tmp_path


@pytest.mark.slow
def test_the_demo_shop_is_seeded_once_however_often_it_is_run(demo_template, demo_shop):
    assert numbers(demo_template.first_demo_output) == [12]
    products = rows(demo_template.catalog)
    assert len(products) == 12
    assert len({p["sku"] for p in products}) == 12
    assert {p["category"] for p in products} == {"Ropa", "Accesorios", "Hogar"}

    assert numbers(ok(pedidos(demo_shop, "demo"))) == []  # "already there; nothing changed"
    assert ok(pedidos(demo_shop, "catalog", "export")) == demo_template.catalog


BAD_IMPORT = """sku,name,description,category,price,stock,weight_g,image_url
NUEVO-1,Producto nuevo,,Ropa,120.00,5,100,
,Sin SKU,,Ropa,10.00,1,100,
MAL-PRECIO,Precio con letra,,Ropa,"12,5O",3,100,
MAL-STOCK,Existencias negativas,,Ropa,10.00,-3,100,
NUEVO-1,Repetido,,Ropa,10.00,1,100,
MUCHOS-DEC,Demasiados decimales,,Ropa,1.999,1,100,
CAM-AZUL-M,Camisa azul (M),Otra descripción,Ropa,1.00,99,250,
"""
# line number -> a piece of the row the message should quote (None: nothing to quote)
BAD_LINES = {3: None, 4: "12,5O", 5: "-3", 6: "NUEVO-1", 7: "1.999"}


def test_an_import_with_bad_rows_lists_every_one_and_imports_nothing(demo_template, demo_shop):
    (demo_shop / "bad.csv").write_text(BAD_IMPORT, encoding="utf-8")

    result = pedidos(demo_shop, "catalog", "import", "bad.csv")

    assert result.returncode != 0
    reported = [line for line in result.stderr.splitlines() if re.search(r"\d", line)]
    assert sorted(numbers(line)[0] for line in reported) == sorted(BAD_LINES), result.stderr
    for line_number, quoted in BAD_LINES.items():
        if quoted is not None:
            assert any(numbers(line)[0] == line_number and quoted in line for line in reported), (
                f"line {line_number} should quote {quoted!r}:\n{result.stderr}"
            )
    assert ok(pedidos(demo_shop, "catalog", "export")) == demo_template.catalog


def test_exporting_and_importing_the_same_file_changes_nothing(demo_template, demo_shop):
    (demo_shop / "catalog.csv").write_text(demo_template.catalog, encoding="utf-8")

    answer = ok(pedidos(demo_shop, "catalog", "import", "catalog.csv"))
    assert numbers(answer) == [0, 0, 12]  # new, changed, unchanged; no stock count set

    ok(pedidos(demo_shop, "catalog", "export", "again.csv"))
    assert (demo_shop / "again.csv").read_text(encoding="utf-8") == demo_template.catalog


def test_importing_an_edited_catalog_updates_by_sku_and_adds_new_products(demo_template, demo_shop):
    records = rows(demo_template.catalog)
    by_sku = {r["sku"]: r for r in records}
    by_sku["CAM-AZUL-M"]["price"] = "399.00"
    by_sku["TAZA-TAL"]["stock"] = "7"
    by_sku["VELA-LAV"].update(price="155.50", stock="0", description="Ahora de 250 g.")
    new = {
        "sku": "JAB-MIEL",
        "name": "Jabón de miel",
        "description": "Jabón artesanal, 120 g.",
        "category": "Hogar",
        "price": "89.90",
        "stock": "14",
        "weight_g": "130",
        "image_url": "",
        # How it is bought: empty (none set), as the export writes it.
        **dict.fromkeys(("supplier", "supplier_sku", "cost", "reorder_point", "pack_size"), ""),
    }
    (demo_shop / "edited.csv").write_text(to_csv([*records, new]), encoding="utf-8")

    summary = ok(pedidos(demo_shop, "catalog", "import", "edited.csv"))

    # 1 new; the cotton shirt, the mug and the candle changed, 9 did not; the stock
    # counts of the mug and the candle were set from the file
    assert numbers(summary) == [1, 3, 9, 2]
    after = rows(ok(pedidos(demo_shop, "catalog", "export")))
    assert sorted(after, key=lambda r: r["sku"]) == sorted(
        [*by_sku.values(), new], key=lambda r: r["sku"]
    )


@dataclass
class PlacedOrders:
    folder: Path
    first: str  # 2026-11-02 09:00 local, confirmed: 2 x CAM-AZUL-M + 1 x GOR-ROJA
    evening: str  # 2026-11-04 21:00 local (Nov 5 03:00 UTC), card, unpaid: 3 x TAZA-TAL
    last: str  # 2026-11-05 09:00 local, awaiting confirmation: 1 x VELA-LAV


@pytest.fixture
async def placed_orders(demo_shop: Path) -> PlacedOrders:
    """Orders placed in-process, through the services, on the CLI's database file."""
    url = db_url(demo_shop)
    clock = Clock(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))
    shop = await open_shop(url, clock)
    try:
        ids = {
            sku: (await get_product(shop, sku=sku)).id
            for sku in ("CAM-AZUL-M", "GOR-ROJA", "TAZA-TAL", "VELA-LAV")
        }
        ana = await new_buyer(shop, "1", "Ana")
        first = await buy(shop, ana, {ids["CAM-AZUL-M"]: 2, ids["GOR-ROJA"]: 1})
        clock.advance(minutes=15)
        await orders.confirm_order(shop, MERCHANT, first.code)
        clock.now = datetime(2026, 11, 5, 3, 0, tzinfo=UTC)
        evening = await buy(shop, ana, {ids["TAZA-TAL"]: 3}, PaymentMethod.CARD)
        clock.now = datetime(2026, 11, 5, 15, 0, tzinfo=UTC)
        last = await buy(shop, await new_buyer(shop, "2", "Luis"), {ids["VELA-LAV"]: 1})
    finally:
        await shop.db.dispose()
    return PlacedOrders(demo_shop, first.code, evening.code, last.code)


def test_an_import_below_what_open_orders_reserved_is_refused_whole(placed_orders):
    """TAZA-TAL has 3 units reserved by the unpaid evening order."""
    folder = placed_orders.folder
    before = ok(pedidos(folder, "catalog", "export"))
    edited = {r["sku"]: r for r in rows(before)}
    edited["GOR-ROJA"]["price"] = "199.00"  # a good change on line 6 ...
    edited["TAZA-TAL"]["stock"] = "2"  # ... and a count below the 3 reserved, on line 12
    (folder / "count.csv").write_text(to_csv(list(edited.values())), encoding="utf-8")

    result = pedidos(folder, "catalog", "import", "count.csv")

    assert result.returncode != 0
    reported = [line for line in result.stderr.splitlines() if re.search(r"\d", line)]
    assert [numbers(line)[0] for line in reported] == [12], result.stderr
    assert "TAZA-TAL" in reported[0]
    assert ok(pedidos(folder, "catalog", "export")) == before


def test_an_import_with_only_the_required_columns_keeps_the_other_fields(demo_template, demo_shop):
    (demo_shop / "prices.csv").write_text(
        "sku,name,price,stock\nCAM-AZUL-M,Camisa azul (M),399.00,25\n", encoding="utf-8"
    )
    ok(pedidos(demo_shop, "catalog", "import", "prices.csv"))

    before = {r["sku"]: r for r in rows(demo_template.catalog)}
    after = {r["sku"]: r for r in rows(ok(pedidos(demo_shop, "catalog", "export")))}
    assert after["CAM-AZUL-M"] == {**before["CAM-AZUL-M"], "price": "399.00"}


def test_the_orders_export_has_one_row_per_order_line_with_status_and_totals(placed_orders):
    """In the shop's language (DEFAULT_LOCALE) and on its clock (STORE_TIMEZONE)."""
    exported = rows(ok(pedidos(placed_orders.folder, "orders", "export", DEFAULT_LOCALE="en")))
    english = Translator("en")
    # Prices include 16 % tax; below 999.00 the standard shipping is 99.00.
    # First: 2 x 349.00 + 229.00 = 927.00; tax 927.00 - 927.00 / 1.16 = 127.86.
    # Evening: 3 x 189.00 = 567.00; tax 78.21. Last: 149.50; tax 20.62.
    first = {
        "Order": placed_orders.first,
        "Created (America/Mexico_City)": "2026-11-02 09:00",
        "Status": status_name(english, "confirmed"),
        "Payment": "Cash on delivery",
        "Subtotal": "927.00",
        "Tax": "127.86",
        "Shipping fee": "99.00",
        "Total": "1026.00",
        "Currency": "MXN",
    }
    evening = {
        **first,
        "Order": placed_orders.evening,
        "Created (America/Mexico_City)": "2026-11-04 21:00",
        "Status": status_name(english, "pending_payment"),
        "Payment": "Card",
        "Subtotal": "567.00",
        "Tax": "78.21",
        "Total": "666.00",
    }
    last = {
        **first,
        "Order": placed_orders.last,
        "Created (America/Mexico_City)": "2026-11-05 09:00",
        "Status": status_name(english, "awaiting_confirmation"),
        "Subtotal": "149.50",
        "Tax": "20.62",
        "Total": "248.50",
    }
    expected = [
        {**first, "SKU": "CAM-AZUL-M", "Quantity": "2", "Unit price": "349.00"},
        {**first, "SKU": "GOR-ROJA", "Quantity": "1", "Unit price": "229.00"},
        {**evening, "SKU": "TAZA-TAL", "Quantity": "3", "Unit price": "189.00"},
        {**last, "SKU": "VELA-LAV", "Quantity": "1", "Unit price": "149.50"},
    ]
    assert [{key: row[key] for key in expected[0]} for row in exported] == expected
    assert [row["Line total"] for row in exported] == ["698.00", "229.00", "567.00", "149.50"]
    assert {row["Customer"] for row in exported} == {"Ana López"}


def test_the_orders_export_is_in_spanish_by_default(placed_orders):
    exported = rows(ok(pedidos(placed_orders.folder, "orders", "export")))
    assert exported[0]["Pedido"] == placed_orders.first
    assert exported[0]["Estado"] == status_name(Translator("es"), "confirmed")
    assert exported[0]["Pago"] == "Pago contra entrega"
    assert exported[0]["Creado (America/Mexico_City)"] == "2026-11-02 09:00"


def test_the_orders_export_since_a_date_leaves_out_older_orders(placed_orders):
    to_file, later = pedidos_at_once(
        placed_orders.folder,
        ["orders", "export", "--since", "2026-11-03", "out.csv"],
        ["orders", "export", "--since", "2026-12-01"],
    )
    ok(to_file)
    exported = rows((placed_orders.folder / "out.csv").read_text(encoding="utf-8"))
    assert [row["Pedido"] for row in exported] == [placed_orders.evening, placed_orders.last]
    assert rows(ok(later)) == []


def test_the_orders_export_since_a_date_uses_the_shops_own_calendar(placed_orders):
    exported = rows(ok(pedidos(placed_orders.folder, "orders", "export", "--since", "2026-11-05")))
    assert [row["Pedido"] for row in exported] == [placed_orders.last]


def test_an_impossible_since_date_is_refused_with_a_message(demo_shop):
    result = pedidos(demo_shop, "orders", "export", "--since", "2026-13-40")
    assert result.returncode != 0
    assert result.stderr.strip()
    assert result.stdout == ""


def test_a_bad_setting_stops_the_command_at_start_and_names_the_setting(tmp_path):
    bad = {"TAX_RATE": "abc", "RESERVATION_EXPIRY_MINUTES": "0"}
    with ThreadPoolExecutor(max_workers=len(bad)) as pool:
        results = dict(
            zip(
                bad,
                pool.map(
                    lambda item: pedidos(tmp_path, "db", "upgrade", **dict([item])), bad.items()
                ),
                strict=True,
            )
        )
    for name, result in results.items():
        assert result.returncode == 2, name
        assert name in result.stderr
    assert "RESERVATION_EXPIRY_MINUTES" not in results["TAX_RATE"].stderr
    assert not (tmp_path / DB_NAME).exists()
