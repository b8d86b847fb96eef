"""A live worker handles, after INBOX_RETRY_SECONDS, the updates a dead worker accepted
but never handled, without waiting for a restart or for the person's next message."""

from __future__ import annotations

import asyncio

import pytest

from bot.runner import recover_forever
from bot.telegram.channel import TelegramChannel, make_bot
from bot.telegram.settings import TelegramSettings
from tests.telegram_double import BotApiDouble

pytestmark = pytest.mark.sqlite_only  # the inbox's own tests run on both databases


async def test_a_live_worker_answers_an_update_a_dead_one_left_once_it_is_old_enough(
    shop, database_url, clock
):
    async with BotApiDouble() as double:
        settings = TelegramSettings.load(
            _env_file=None, telegram_bot_token=double.token, telegram_api_url=double.base_url
        )
        dead = TelegramChannel(shop, settings, bot=make_bot(double.token, double.base_url))
        live = TelegramChannel(shop, settings, bot=make_bot(double.token, double.base_url))
        assert await dead.accept(double.user_says(5001, "/start"))  # then it was killed
        rounds: list[int] = []

        async def a_round_passes(seconds: float) -> None:
            """The recovery loop's sleep: the test clock moves instead, for three rounds."""
            if len(rounds) == 4:
                raise asyncio.CancelledError
            rounds.append(len(double.texts(5001)))
            clock.advance(seconds=seconds)

        with pytest.raises(asyncio.CancelledError):
            await recover_forever(shop, [live], sleep=a_round_passes)
        # After half the retry time the update may still be in a live worker's hands:
        # left alone; a round and a half later it has been answered.
        assert rounds[:2] == [0, 0] and rounds[-1] == 1
        assert len(double.texts(5001)) == 1 and double.texts(5001)[0].startswith("¡Hola")
        await dead.close()
        await live.close()
