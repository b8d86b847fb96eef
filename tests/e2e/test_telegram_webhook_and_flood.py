"""The webhook's guard and idempotence, and sending within Telegram's flood limits."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from core.domain.events import OrderPreparing
from core.domain.outbox import OutboxMessage
from core.services import customers, outbox
from core.store.tables import inbox
from tests.e2e.telegram_driver import TelegramUser, telegram_shop


async def inbox_size(shop) -> int:
    async with shop.uow(write=False) as uow:
        return (await uow.conn.execute(select(func.count()).select_from(inbox))).scalar_one()


async def test_a_webhook_call_with_a_wrong_or_missing_secret_is_refused_and_ignored(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        update = tg.double.user_says(5001, "/start")
        assert await tg.double.post_update(update, secret="not-the-secret") == 403
        assert await tg.double.post_update(update, secret=None) == 403
        await tg.channel.drain()
        assert await inbox_size(demo_shop) == 0
        assert tg.double.messages(5001) == []
        async with httpx.AsyncClient() as client:
            url = tg.double.webhook["url"]
            health = await client.get(url.replace("/telegram/webhook", "/healthz"))
            garbage = await client.post(
                url,
                content=b"{not json",
                headers={"X-Telegram-Bot-Api-Secret-Token": tg.channel.settings.webhook_secret()},
            )
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert garbage.status_code == 400
        # The control: the same person, properly delivered, gets exactly one answer.
        await tg.deliver(tg.double.user_says(5001, "/start"))
        assert len(tg.double.messages(5001)) == 1


async def test_a_repeated_update_is_handled_once(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        update = tg.double.user_says(5001, "/start")
        assert await tg.double.post_update(update) == 200
        assert await tg.double.post_update(update) == 200  # Telegram retried it
        await tg.channel.drain()
        assert len(tg.double.messages(5001)) == 1
        assert await inbox_size(demo_shop) == 1
        # The control: a new update of theirs is handled, exactly once.
        await tg.deliver(tg.double.user_says(5001, "/start"))
        assert len(tg.double.messages(5001)) == 2


async def test_a_repeated_update_is_handled_once_also_after_a_restart(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        update = tg.double.user_says(5001, "/start")
        await tg.deliver(update)
    async with telegram_shop(demo_shop, "webhook") as again:  # a new process, same database
        again.double.user_says(5001, "hola")  # the double is new: it must know the chat
        assert await again.double.post_update(update) == 200
        await again.channel.drain()
        assert again.double.messages(5001) == []
        # The control: a new update of theirs gets exactly one answer.
        await again.deliver(again.double.user_says(5001, "/start"))
        assert len(again.double.messages(5001)) == 1


async def telegram_rows(shop) -> list:
    """The outbox rows for Telegram (the demo shop also alerts its terminal admin)."""
    return [m for m in await outbox.messages(shop) if m.channel == "telegram"]


async def notify_many(shop, user_ids: list[int], per_user: int) -> None:
    async with shop.uow() as uow:
        for user_id in user_ids:
            person = await uow.customers.find("telegram", str(user_id))
            for n in range(per_user):
                uow.notify(
                    OutboxMessage.to_customer(
                        person.id, OrderPreparing(f"PED-{n:05d}"), f"{user_id}:{n}"
                    )
                )
        await uow.commit(shop.now())


async def test_60_notifications_to_one_chat_and_300_across_chats_arrive_within_the_limits(
    demo_shop,
):
    async with telegram_shop(demo_shop, "webhook") as tg:
        users = [7000 + n for n in range(100)]
        for user_id in users:
            tg.double.user_says(user_id, "hola")  # they all opened the bot once
            await customers.identify(tg.shop, "telegram", str(user_id), locale="en")
        await notify_many(tg.shop, users[:1], 60)
        await notify_many(tg.shop, users[1:], 3)
        await tg.outbox()
        assert len(tg.double.messages(users[0])) == 60
        assert all(len(tg.double.messages(u)) == 3 for u in users[1:])
        texts = tg.double.texts(users[0])
        assert texts == [f"📦 We are preparing your order PED-{n:05d}." for n in range(60)]
        assert tg.double.rejected == []  # never over Telegram's 1/s per chat or 30/s overall


async def test_a_burst_of_429s_is_waited_out_and_nothing_is_sent_twice(demo_shop, clock):
    async with telegram_shop(demo_shop, "webhook") as tg:
        tg.double.user_says(5001, "hola")
        await customers.identify(tg.shop, "telegram", "5001", locale="en")
        await notify_many(tg.shop, [5001], 5)
        tg.double.fail_next(3, status=429, retry_after=2)
        for _ in range(4):
            await tg.outbox()
            clock.advance(seconds=3)
        assert tg.double.texts(5001) == [
            f"📦 We are preparing your order PED-{n:05d}." for n in range(5)
        ]
        assert [m.status for m in await telegram_rows(tg.shop)] == ["sent"] * 5
        assert tg.double.rejected == []


async def test_a_user_who_blocked_the_bot_is_marked_unreachable_and_not_retried(demo_shop):
    async with telegram_shop(demo_shop, "webhook") as tg:
        tg.double.user_says(5001, "hola")
        await customers.identify(tg.shop, "telegram", "5001", locale="en")
        tg.double.block(5001)
        tg.double.expect_rejections("blocked by the user", 1)  # the one try, not retried
        await notify_many(tg.shop, [5001], 1)
        await tg.outbox()
        row = (await telegram_rows(tg.shop))[0]
        assert row.status == "failed"
        person = await customers.identify(tg.shop, "telegram", "5001")
        assert person.unreachable is True
        user = TelegramUser(tg, 5001)
        assert user.chat == []


async def test_bursts_of_5xx_and_429_still_deliver_everything_in_order_per_chat(demo_shop, clock):
    async with telegram_shop(demo_shop, "webhook") as tg:
        users = [7100 + n for n in range(5)]
        for user_id in users:
            tg.double.user_says(user_id, "hola")
            await customers.identify(tg.shop, "telegram", str(user_id), locale="en")
        await notify_many(tg.shop, users, 6)
        tg.double.fail_next(4, status=502)
        rounds = 0
        while any(m.status != "sent" for m in await telegram_rows(tg.shop)):
            await tg.outbox()
            if rounds in (1, 3):
                tg.double.fail_next(3, status=429, retry_after=1)
            clock.advance(minutes=1)
            rounds += 1
            assert rounds < 30
        for user_id in users:
            assert tg.double.texts(user_id) == [
                f"📦 We are preparing your order PED-{n:05d}." for n in range(6)
            ]
        assert tg.double.rejected == []
