"""Forged webhook calls change nothing: a signature made with an empty key (which anyone
can compute) never verifies, whatever path the settings took."""

from __future__ import annotations

from core.services import inbox
from tests.e2e.whatsapp_driver import whatsapp_shop

ADMIN = "5215500000001"  # an admin of the WhatsApp test shop


async def test_a_whatsapp_call_signed_with_an_empty_secret_is_refused(demo_shop):
    async with whatsapp_shop(demo_shop, app_secret="") as wa:
        assert wa.channel.settings.whatsapp_app_secret == ""
        forged = wa.double.user_text(ADMIN, "/stock", name="Dueña")
        # the double signs with its (empty) app secret: hmac("", body), as an attacker can
        assert await wa.deliver(forged) == 403
        await wa.outbox()
        assert wa.double.sent(ADMIN) == []
        assert await inbox.waiting_people(wa.shop, "whatsapp") == []


async def test_the_same_admin_command_properly_signed_gets_the_stock(demo_shop):
    """The control: the request above is refused for its signature, not its content."""
    async with whatsapp_shop(demo_shop) as wa:
        assert await wa.deliver(wa.double.user_text(ADMIN, "/stock", name="Dueña")) == 200
        assert "TAZA-TAL" in "\n".join(wa.double.texts(ADMIN))
