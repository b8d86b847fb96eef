"""Messages the shop has no use for (stickers, voice notes, a dice, a poll, someone
else's contact) sent in the middle of a checkout on Telegram: a clear answer, and the
checkout goes on where it was."""

from __future__ import annotations

import pytest

from tests.e2e.telegram_driver import TelegramUser, telegram_shop

ANA = 5001
STICKER = {
    "sticker": {
        "file_id": "CAACAgIAAxkBAAE", "file_unique_id": "AgADBAAD", "type": "regular",
        "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "😀",
    }
}  # fmt: skip
VOICE = {"voice": {"file_id": "AwACAgIAAxkBAAE", "file_unique_id": "AgADBQAD", "duration": 3}}
DICE = {"dice": {"emoji": "🎲", "value": 4}}
ODD_MESSAGES = [STICKER, VOICE, DICE]


@pytest.mark.parametrize("odd", ODD_MESSAGES, ids=["sticker", "voice", "dice"])
async def test_an_odd_message_mid_checkout_is_answered_and_the_checkout_goes_on(demo_shop, odd):
    async with telegram_shop(demo_shop, "webhook") as tg:
        ana = TelegramUser(tg, ANA)
        await ana.says("/start p_VELA-LAV")
        await ana.presses("Agregar 1")
        asked = await ana.presses("Finalizar compra")
        assert "¿A nombre de quién va el pedido?" in asked

        await tg.deliver(tg.double.user_sends(ANA, odd))
        answer = ana.screen()
        assert "No me llegó ningún texto." in answer
        assert answer.rstrip().endswith("¿A nombre de quién va el pedido?")

        assert await ana.checks_out()  # an order is placed
        assert tg.double.rejected == []
