"""Make sure Chromium is there for the browser tests (tests/browser), as `make test`
makes sure PostgreSQL is there (scripts/with_postgres.py).

    python scripts/ensure_chromium.py

Playwright drives the Chromium of Debian's `chromium` package (/usr/bin/chromium): no
`playwright install`, which downloads a browser from a host `make test` cannot reach.
When it is missing and this runs as root on a machine with apt-get, it installs the
package (one line says so), and Debian's colour emoji font with it (the chat's emoji in
the screenshots). Otherwise it says what is missing and how to install it,
and exits 0 all the same: the browser tests then skip with that reason (pytest -ra shows
it in the summary), and every other test runs.

tests/browser/conftest.py asks `find_chromium()` and `missing_reason()` the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

PACKAGE = "chromium"  # Debian's package
CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
# Names a browser is on PATH by, elsewhere (Ubuntu's chromium-browser is a snap wrapper
# that works as well when it is installed).
NAMES = ("chromium", "chromium-browser")
# The chat's ✅ and 🚚 in the screenshots, rather than empty boxes.
EMOJI_PACKAGE = "fonts-noto-color-emoji"
EMOJI_FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
HOW = f"install it with `sudo apt-get install {PACKAGE}`, or run `make test` as root"


def find_chromium() -> str | None:
    """The Chromium executable, or None. PEDIDOS_CHROMIUM names another one."""
    chosen = os.environ.get("PEDIDOS_CHROMIUM", "")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_reason() -> str:
    """Why the browser tests cannot run here, in one line."""
    chosen = os.environ.get("PEDIDOS_CHROMIUM", "")
    if chosen:
        return f"PEDIDOS_CHROMIUM={chosen} is not an executable file"
    return f"Chromium is not installed (looked for {CANDIDATES[0]}): {HOW}"


def can_install() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def install(packages: list[str]) -> bool:
    """apt-get update && apt-get install the packages, quietly; True when it worked."""
    print(f"ensure_chromium: installing {' '.join(packages)} for the browser tests…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"capture_output": True, "text": True, "env": env}  # apt's chatter: on failure
    subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=False, **quiet)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
    return done.returncode == 0


def main() -> int:
    chosen = os.environ.get("PEDIDOS_CHROMIUM")
    missing = [] if chosen or find_chromium() else [PACKAGE]
    if not os.path.exists(EMOJI_FONT):
        missing.append(EMOJI_PACKAGE)  # without it, no reason to skip: boxes in screenshots
    if missing and can_install():
        install(missing)
    if find_chromium() is not None:
        return 0
    if chosen:
        print(f"ensure_chromium: {missing_reason()}; the browser tests will be skipped")
        return 0
    why = f"apt-get could not install {PACKAGE}" if can_install() else missing_reason()
    print(f"ensure_chromium: {why}; the browser tests will be skipped", file=sys.stderr)
    return 0  # the other tests run; the browser tests say why they were skipped


if __name__ == "__main__":
    sys.exit(main())
