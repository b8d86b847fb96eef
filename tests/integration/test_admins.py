"""Admins added from the CLI while the bot runs: each person once, whoever is first."""

from __future__ import annotations

import asyncio

from core.services import admins


async def test_the_same_admin_added_ten_times_at_once_is_added_once_without_an_error(shop):
    await shop.db.open_connections()  # as `pedidos serve` does: nobody waits to connect
    added = await asyncio.gather(
        *(admins.add_admin(shop, "telegram", "4242", "Lupita") for _ in range(10))
    )
    assert sorted(added) == [False] * 9 + [True]
    assert ("telegram", "4242", "added") in await admins.list_admins(shop)
