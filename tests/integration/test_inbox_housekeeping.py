"""Handled updates (people's messages as the channel delivered them) are deleted after
INBOX_KEEP_DAYS; until then a repeated delivery is still recognised, and an update not
handled yet is never deleted."""

from __future__ import annotations

from core.services import inbox


async def received(shop, key: str, *, handled: bool = True) -> None:
    payload = {"update_id": key, "message": {"text": "¿dónde está mi pedido?"}}
    assert await inbox.receive(shop, "telegram", key, "5001", payload)
    if handled:
        await inbox.mark_handled(shop, "telegram", key)


async def test_old_handled_updates_are_deleted_and_the_rest_kept(shop, clock):
    assert shop.settings.inbox_keep_days == 14
    await received(shop, "old")
    await received(shop, "waiting", handled=False)  # its worker died: kept whatever its age
    clock.advance(days=10)
    await received(shop, "recent")
    clock.advance(days=5)  # "old" was handled 15 days ago, "recent" 5

    assert await inbox.forget_handled(shop) == 1

    assert await inbox.unhandled_for(shop, "telegram", "5001") == [
        ("waiting", {"update_id": "waiting", "message": {"text": "¿dónde está mi pedido?"}})
    ]
    assert not await inbox.receive(shop, "telegram", "recent", "5001", {})  # still known
    assert await inbox.forget_handled(shop) == 0


async def test_a_large_backlog_goes_in_batches(shop, clock):
    for n in range(7):
        await received(shop, f"u{n}")
    clock.advance(days=15)
    assert await inbox.forget_handled(shop, batch=3) == 7
    assert await inbox.forget_handled(shop, batch=3) == 0
