"""What the browser tests check on any page: accessibility (axe-core, the copy that
axe-playwright-python ships) and screenshots at a phone's and a desktop's width."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

from tests.browser.report import SCREENSHOTS  # git-ignored; looked at, never compared

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
BLOCKING = ("serious", "critical")  # axe's impacts a test fails on

_axe = Axe()


async def assert_accessible(page: Page, what: str) -> None:
    """Fail on axe-core's serious and critical violations of the page as it is now,
    listing each rule with the elements that break it and how to fix them."""
    results = await _axe.run(page)
    found = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    if found:
        pytest.fail(f"{what} ({page.url}) is not accessible:\n" + describe(found), pytrace=False)


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['impact']}: {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    {target}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


async def screenshots(page: Page, name: str, *, full_page: bool = True) -> list[Path]:
    """The page at a phone's and a desktop's width:
    test-artifacts/screenshots/<name>-phone-390x844.png and <name>-desktop-1280x800.png.
    full_page: the whole document; else the screen (a chat scrolls inside it, with
    its newest messages in view). The page is left at its first size."""
    first = page.viewport_size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for label, size in WIDTHS.items():
        await page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{label}-{size['width']}x{size['height']}.png"
        await page.screenshot(path=path, full_page=full_page, animations="disabled")
        saved.append(path)
    if first is not None:
        await page.set_viewport_size(first)
    return saved
