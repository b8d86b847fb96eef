"""`pedidos admin add|remove|list` and `pedidos chat --admin`."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import pedidos as run_cli


def pedidos(tmp_path: Path, *args: str, stdin: str = "", **env: str):
    """The command on tmp_path/shop.db (tests.integration.test_cli.pedidos: in this
    process, as a process would run it)."""
    return run_cli(
        tmp_path,
        *args,
        stdin=stdin,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
        **env,
    )


def test_admins_are_added_listed_and_removed(tmp_path):
    assert pedidos(tmp_path, "db", "upgrade").returncode == 0
    assert pedidos(tmp_path, "admin", "add", "telegram", "4242", "--name", "Rosa").returncode == 0
    listing = pedidos(tmp_path, "admin", "list", ADMIN_WHATSAPP_NUMBERS="5215512345678")
    assert "telegram\t4242\t" in listing.stdout
    assert "whatsapp\t5215512345678\t" in listing.stdout
    assert pedidos(tmp_path, "admin", "remove", "telegram", "4242").returncode == 0
    assert "4242" not in pedidos(tmp_path, "admin", "list").stdout
    assert pedidos(tmp_path, "admin", "remove", "telegram", "4242").returncode == 1
    assert pedidos(tmp_path, "admin", "add", "fax", "1").returncode == 2


def test_the_terminal_admin_chat_opens_with_the_admin_help(tmp_path):
    assert pedidos(tmp_path, "db", "upgrade").returncode == 0
    chat = pedidos(
        tmp_path, "chat", "--admin", "--user", "dueña", "--locale", "en", stdin="/stock\n/quit\n"
    )
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.startswith("Shop admin. Commands:")
    assert "Stock (low first):" in chat.stdout
    customer = pedidos(tmp_path, "chat", "--user", "otra", "--locale", "en", stdin="/stock\n")
    assert "Sorry, that is only for the shop's team." in customer.stdout


def test_the_merchant_extends_the_carrier_table(tmp_path):
    assert pedidos(tmp_path, "db", "upgrade").returncode == 0
    added = pedidos(
        tmp_path, "carrier", "add", "99min", "99 Minutos", "https://99minutos.com/track/{tracking}"
    )
    assert (
        added.returncode == 0
        and "99min\t99 Minutos\thttps://99minutos.com/track/{tracking}" in added.stdout
    )
    assert "estafeta\tEstafeta" in pedidos(tmp_path, "carrier", "list").stdout
    assert pedidos(tmp_path, "carrier", "add", "bad code", "X", "https://x").returncode == 2
