"""`pedidos webhook …` run as the merchant runs it: a real process on a real SQLite file,
sending to a receiver that serves in this test's event loop while the test awaits the
process, and checks each message with the Standard Webhooks reference code."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from core.services import webhooks
from tests.conftest import MERCHANT, Clock, add_product, buy, new_buyer, open_shop
from tests.integration.test_cli import db_url
from tests.integration.test_cli_payments import Ran
from tests.integration.test_cli_payments import pedidos as pedidos_in_spanish
from tests.webhook_receiver import WebhookReceiver


async def pedidos(folder: Path, *args: str, **env: str) -> Ran:
    """The command in a shop whose language is English (DEFAULT_LOCALE=en)."""
    return await pedidos_in_spanish(folder, *args, DEFAULT_LOCALE="en", **env)


# The receivers here listen on 127.0.0.1: a developer's machine, which must say so.
LOCAL_RECEIVERS = {"WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true"}


def secret_in(out: str) -> str:
    (secret,) = re.findall(r"^whsec_\S+$", out, flags=re.MULTILINE)
    return secret


async def test_add_prints_the_id_and_secret_once_and_the_secret_verifies_what_is_sent(
    tmp_path: Path,
):
    shop = await open_shop(db_url(tmp_path), Clock(datetime.now(UTC)))
    try:
        async with WebhookReceiver() as receiver:
            added = await pedidos(
                tmp_path,
                "webhook",
                "add",
                receiver.url(),
                "--events",
                "order.created,stock.low",
                **LOCAL_RECEIVERS,
            )
            assert added.code == 0, added.err
            assert "Webhook #1 added: " + receiver.url() in added.out
            secret = secret_in(added.out)
            listed = await pedidos(tmp_path, "webhook", "list")
            assert listed.code == 0, listed.err
            assert listed.out.split("\t")[:4] == [
                "#1",
                receiver.url(),
                "order.created,stock.low",
                "on\n",
            ]
            assert secret not in listed.out  # shown only when made

            shop.clock.now = datetime.now(UTC)  # type: ignore[attr-defined]
            order = await buy(shop, await new_buyer(shop), {await add_product(shop, "CAM-M"): 1})
            sent = await pedidos(tmp_path, "webhook", "send", **LOCAL_RECEIVERS)
            assert sent.code == 0, sent.err
            assert sent.out.strip() == "1 delivery attempted."
            (got,) = receiver.received
            assert got.verifies_with(secret)
            assert (got.type, got.data["code"]) == ("order.created", order.code)

            log = await pedidos(tmp_path, "webhook", "deliveries", "1")
            assert log.code == 0, log.err
            (line,) = log.out.splitlines()
            fields = line.split("\t")
            assert fields[2:8] == [
                "order.created",
                got.msg_id,
                "try 1",
                "delivered",
                "204",
                fields[7],
            ]
            assert fields[7].endswith(" ms")
    finally:
        await shop.db.dispose()


async def test_rotate_prints_a_new_secret_and_both_sign_during_the_grace(tmp_path: Path):
    shop = await open_shop(db_url(tmp_path), Clock(datetime.now(UTC)))
    try:
        made = await webhooks.register(shop, MERCHANT, "https://example.com/x", "*")
        rotated = await pedidos(tmp_path, "webhook", "rotate", str(made.endpoint.id))
        assert rotated.code == 0, rotated.err
        new = secret_in(rotated.out)
        assert new != made.secret
        assert "The old one also signs until" in rotated.out
        at_once = await pedidos(
            tmp_path, "webhook", "rotate", str(made.endpoint.id), "--grace-hours", "0"
        )
        assert "The old one no longer signs." in at_once.out
        assert secret_in(at_once.out) not in (new, made.secret)
    finally:
        await shop.db.dispose()


async def test_bad_input_is_refused_with_the_reason_and_changes_nothing(tmp_path: Path):
    shop = await open_shop(db_url(tmp_path))
    await shop.db.dispose()

    ftp = await pedidos(tmp_path, "webhook", "add", "ftp://example.com/x", "--events", "*")
    assert ftp.code == 2 and "must start with http:// or https://" in ftp.err and ftp.out == ""
    # In the shop's own language by default (DEFAULT_LOCALE is es).
    spanish = await pedidos_in_spanish(tmp_path, "webhook", "add", "x", "--events", "*")
    assert spanish.code == 2 and "La URL debe empezar con http:// o https://" in spanish.err
    unknown = await pedidos(
        tmp_path, "webhook", "add", "https://example.com/x", "--events", "order.teleported"
    )
    assert unknown.code == 2
    assert "Unknown event type: order.teleported" in unknown.err
    assert "order.created" in unknown.err  # the types it could have been
    metadata = await pedidos(
        tmp_path, "webhook", "add", "http://169.254.169.254/latest/", "--events", "*"
    )
    assert metadata.code == 2 and metadata.out == ""
    assert metadata.err.startswith(
        "169.254.169.254 is this machine or a private network: webhooks go only to public "
        "internet addresses."
    )
    assert "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=true" in metadata.err
    local = await pedidos_in_spanish(
        tmp_path, "webhook", "add", "http://localhost:3000/hooks", "--events", "*"
    )
    assert local.code == 2
    assert local.err.startswith("localhost es esta máquina o una red privada")
    missing = await pedidos(tmp_path, "webhook", "enable", "7")
    assert missing.code == 1 and "There is no webhook #7." in missing.err
    listed = await pedidos(tmp_path, "webhook", "list")
    assert listed.out.startswith("No webhooks yet.")


async def test_disable_enable_change_events_and_remove(tmp_path: Path):
    shop = await open_shop(db_url(tmp_path))
    try:
        made = await webhooks.register(shop, MERCHANT, "https://example.com/x", "order.*")
        ident = str(made.endpoint.id)
        off = await pedidos(tmp_path, "webhook", "disable", ident)
        assert off.code == 0 and "\toff (since " in off.out
        assert not (await webhooks.get_endpoint(shop, MERCHANT, made.endpoint.id)).enabled
        on = await pedidos(tmp_path, "webhook", "enable", ident)
        assert on.code == 0 and on.out.rstrip().endswith("\ton")
        changed = await pedidos(tmp_path, "webhook", "events-of", ident, "return.*,stock.low")
        assert changed.code == 0, changed.err
        endpoint = await webhooks.get_endpoint(shop, MERCHANT, made.endpoint.id)
        assert endpoint.events == ("return.*", "stock.low")
        gone = await pedidos(tmp_path, "webhook", "remove", ident)
        assert gone.code == 0 and f"Webhook #{ident} removed." in gone.out
        assert await webhooks.list_endpoints(shop, MERCHANT) == []
    finally:
        await shop.db.dispose()
