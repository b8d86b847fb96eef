"""The per-person incoming limit holds on every channel, because every channel hands each
message to the one conversation: on Telegram (a card payment is still recorded while
its payer is held back) and on WhatsApp."""

from __future__ import annotations

from core.services import orders
from handlers.throttle import IncomingLimiter
from tests.conftest import MERCHANT
from tests.e2e.telegram_driver import TelegramUser, telegram_shop
from tests.e2e.test_telegram import buy_by_card
from tests.e2e.whatsapp_driver import WhatsAppUser, whatsapp_shop

SLOW_DOWN_ES = "Estás enviando mensajes muy rápido. Dame un momento y vuelve a intentarlo."


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


async def test_on_telegram_a_fast_writer_is_held_back_but_their_payment_is_recorded(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        await TelegramUser(tg, 9001, language="en").says("/start")  # the admin, once
        ana = TelegramUser(tg, 5001)
        code = await buy_by_card(ana)  # at machine speed, under the tests' open limit
        clock = FakeMonotonic()
        tg.channel.conversation.limiter = IncomingLimiter(per_minute=60, burst=2, clock=clock)

        before = len(ana.chat)
        for _ in range(6):
            await ana.says("hola")
        said = [m.text for m in ana.chat[before:]]
        assert len(said) == 3  # two answers, then the polite one, then nothing
        assert said[-1] == SLOW_DOWN_ES

        # The card payment the channel reports is money, not chatter: always recorded.
        await tg.deliver(tg.double.pre_checkout(5001, code, 32800, "MXN"))
        await tg.deliver(
            tg.double.successful_payment(5001, code, 32800, "MXN", "tg-charge-1", "prov-1")
        )
        details = await orders.order_details(demo_shop, code, MERCHANT)
        assert details.paid and details.order.status == "confirmed"
        await tg.outbox()
        assert f"Recibimos tu pago del pedido {code}" in ana.screen()

        clock.now += 1  # positive control: a second later, one message, one answer
        before = len(ana.chat)
        await ana.says("¿dónde está mi pedido?")
        assert len(ana.chat) == before + 1
        assert code in ana.chat[-1].text
        assert tg.double.rejected == []


async def test_on_whatsapp_a_fast_writer_gets_one_polite_answer_then_silence(demo_shop):
    async with whatsapp_shop(demo_shop) as wa:
        clock = FakeMonotonic()
        wa.channel.conversation.limiter = IncomingLimiter(per_minute=60, burst=1, clock=clock)
        ana = WhatsAppUser(wa, "5215512345678")
        for _ in range(5):
            await ana.says("Hola")
        texts = wa.double.texts(ana.wa_id)
        assert len(texts) == 2
        assert texts[-1] == SLOW_DOWN_ES

        clock.now += 1
        await ana.says("Hola")
        assert len(wa.double.texts(ana.wa_id)) == 3
        assert wa.double.texts(ana.wa_id)[-1] != SLOW_DOWN_ES
