"""`pedidos catalog import` as the merchant runs it (a real process on a real SQLite
file) with files that leave columns out, files with many bad rows, and the semicolon
files Excel writes where the comma is the decimal mark."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.integration.test_cli import DB_NAME, numbers, ok, pedidos, rows


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    ok(pedidos(folder, "db", "upgrade"))
    ok(pedidos(folder, "demo"))
    return folder


@pytest.fixture
def demo(demo_folder: Path, tmp_path: Path) -> Path:
    """A private copy of the demo shop (its products bought from three suppliers)."""
    for file in demo_folder.glob(f"{DB_NAME}*"):
        shutil.copy(file, tmp_path / file.name)
    return tmp_path


def imported(folder: Path, text: str) -> str:
    (folder / "in.csv").write_text(text, encoding="utf-8")
    return ok(pedidos(folder, "catalog", "import", "in.csv"))


def refused(folder: Path, text: str) -> list[str]:
    """The lines of the refusal that name a file line, as printed."""
    (folder / "in.csv").write_text(text, encoding="utf-8")
    result = pedidos(folder, "catalog", "import", "in.csv", DEFAULT_LOCALE="en")
    assert result.returncode == 1, result.stdout
    return [line for line in result.stderr.splitlines() if re.match(r"Line \d+", line)]


def by_sku(folder: Path) -> dict[str, dict[str, str]]:
    return {r["sku"]: r for r in rows(ok(pedidos(folder, "catalog", "export")))}


def test_a_file_of_costs_only_updates_them_and_leaves_the_stock_counted_since(demo):
    """An older export cut down to its supply columns: the stock counted since stays."""
    old = by_sku(demo)
    imported(demo, "sku,stock\nGOR-ROJA,35\n")  # counted after the export was made
    costs = ["sku,supplier,cost,reorder_point,pack_size"] + [
        ",".join((r["sku"], r["supplier"], r["cost"], r["reorder_point"], r["pack_size"]))
        for r in old.values()
    ]
    costs[1 + list(old).index("GOR-ROJA")] = "GOR-ROJA,Accesorios Monterrey,92.50,8,10"

    imported(demo, "\n".join(costs) + "\n")

    after = by_sku(demo)
    assert after["GOR-ROJA"] == {
        **old["GOR-ROJA"],
        "stock": "35",
        "cost": "92.50",
        "reorder_point": "8",
    }
    assert {sku: r for sku, r in after.items() if sku != "GOR-ROJA"} == {
        sku: r for sku, r in old.items() if sku != "GOR-ROJA"
    }


def test_a_new_product_in_a_file_without_name_or_price_is_a_row_error(demo):
    before = ok(pedidos(demo, "catalog", "export"))
    reported = refused(demo, "sku,price\nCAM-AZUL-M,399.00\nJAB-MIEL,89.90\n")
    assert [numbers(line)[0] for line in reported] == [3]
    assert reported[0].endswith("name")  # "the header lacks the columns: name"
    assert ok(pedidos(demo, "catalog", "export")) == before

    imported(demo, "sku,name,price\nJAB-MIEL,Jabón de miel,89.90\n")
    assert by_sku(demo)["JAB-MIEL"]["stock"] == "0"  # no stock column: a new one has none


BAD_ROWS = """sku,name,price,stock,supplier,cost
CAM-AZUL-M,Camisa azul (M),399.00,25,,
CAM-BLANCA-M,Camisa blanca (M),1e3,18,,
GOR-ROJA,Gorra roja,229.00,30,Nadie,
JEAN-32,Jeans clásicos 32,749.00,muchos,Otro Nadie,
TAZA-TAL,Taza de talavera,189.00,20,,1e3
VELA-LAV,Vela de lavanda,149.50,35,,55.123
,Sin SKU,10.00,1,,
LENT-SOL,Lentes de sol,NaN,1,,
"""


def test_every_bad_row_is_listed_at_once_in_line_order_and_nothing_is_imported(demo):
    """Parse errors, unknown suppliers and costs the supplier's currency refuses, all in
    the first answer (each used to wait for the others to be fixed)."""
    before = ok(pedidos(demo, "catalog", "export"))

    reported = refused(demo, BAD_ROWS)

    assert [numbers(line)[0] for line in reported] == [3, 4, 5, 5, 6, 7, 8, 9]
    quoted = ["1e3", "Nadie", "muchos", "Otro Nadie", "1e3", "55.123", None, "NaN"]
    for line, piece in zip(reported, quoted, strict=True):
        assert piece is None or piece in line, line
    assert ok(pedidos(demo, "catalog", "export")) == before


def test_a_semicolon_separated_file_with_decimal_commas_imports(demo):
    summary = imported(
        demo,
        "sku;name;price;stock;cost\n"
        "CAM-AZUL-M;Camisa azul (M);399,00;25;150,50\n"
        '"JAB-MIEL";"Jabón; de miel";89,90;14;\n',
    )
    assert numbers(summary) == [1, 1, 0]  # 1 new, 1 changed, 0 unchanged
    after = by_sku(demo)
    assert (after["CAM-AZUL-M"]["price"], after["CAM-AZUL-M"]["cost"]) == ("399.00", "150.50")
    assert (after["JAB-MIEL"]["name"], after["JAB-MIEL"]["price"]) == ("Jabón; de miel", "89.90")
    assert after["JAB-MIEL"]["stock"] == "14"
