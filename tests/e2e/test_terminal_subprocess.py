"""`pedidos chat` as a person (or a script) runs it: a real process on a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """Catalog
Accesorios
Cartera de piel · MX$459.00
Add 1 to cart
Check out
Marta Ruiz
+52 33 1111 2222
Av. Vallarta 1000
Americana
Guadalajara
Jalisco
44160
No references
Express · MX$199.00 · 1-2 days
Cash on delivery
Confirm order
where is my order
/quit
this line is never read
"""


def pedidos(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=120,
    )


def test_a_scripted_conversation_on_a_pipe_places_an_order_and_tracks_it(tmp_path):
    assert pedidos(tmp_path, "db", "upgrade").returncode == 0
    assert pedidos(tmp_path, "demo").returncode == 0
    chat = pedidos(tmp_path, "chat", "--user", "marta", "--locale", "en", stdin=SCRIPT)
    assert chat.returncode == 0, chat.stderr
    out = chat.stdout
    assert out.startswith("Hi! Welcome to Tienda Demo.")
    assert "Total: MX$658.00" in out  # 459 + 199 express
    assert "placed. Total: MX$658.00." in out
    assert ": waiting for the shop to confirm." in out
    assert "never read" not in out
    assert chat.stderr == ""
