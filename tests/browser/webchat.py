"""A person at the web chat (/chat) in Chromium: types in the message box and presses
Enter, presses the buttons of the latest reply, reads what the shop answers."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect

from tests import crash_guard

ANSWER_MS = 20_000  # the shop's answer to one message, on a busy 2-core machine
MESSAGE_BOX = re.compile(r"^(Message|Mensaje)$")

# The texts of the shop's rows newer than a message id, once there is one.
NEWER_ROWS = """after => {
  const rows = [...document.querySelectorAll('#messages > li.out')]
    .filter(row => Number(row.dataset.id) > after);
  return rows.length ? rows.map(row => row.innerText).join('\\n') : null;
}"""


class WebChat:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.messages = page.locator("#messages")
        self.box = page.get_by_role("textbox", name=MESSAGE_BOX)

    @property
    def shop_rows(self) -> Locator:
        return self.messages.locator("> li.out")

    async def open(self) -> str:
        """Open /chat; the shop's latest message (a first visit's greeting)."""
        await self.page.goto("/chat")
        await expect(self.shop_rows.last).to_be_visible(timeout=ANSWER_MS)
        return await self.shop_rows.last.inner_text()

    async def last_id(self) -> int:
        ids = await self.messages.locator("> li").evaluate_all(
            "rows => rows.map(row => Number(row.dataset.id))"
        )
        return max(ids, default=0)

    async def answer_after(self, after: int) -> str:
        """The shop's rows newer than `after`, once the first of them is shown."""
        handle = await self.page.wait_for_function(NEWER_ROWS, arg=after, timeout=ANSWER_MS)
        text = await handle.json_value()
        crash_guard.check_shown(text)
        return text

    async def type(self, text: str) -> str:
        """Type a message and press Enter; the shop's answer."""
        after = await self.last_id()
        await self.box.fill(text)
        await self.box.press("Enter")
        return await self.answer_after(after)

    async def press(self, label: str) -> str:
        """Press the newest button whose label holds these words; the shop's answer."""
        after = await self.last_id()
        await self.messages.get_by_role("button", name=label).last.click()
        return await self.answer_after(after)
