"""Which links Telegram and WhatsApp may show as a button (bot/links.py): pages a phone
can open; a page on the shop's own machine (a tracking page without PUBLIC_URL) is
written in the text instead."""

from __future__ import annotations

import pytest

from bot.links import link_written_out, opens_from_a_phone
from handlers.types import Link, Reply


@pytest.mark.parametrize(
    "url",
    [
        "https://tienda.example.mx/t/MQ.abc",
        "http://tienda.example.mx:8080/t/MQ.abc",
        "https://www.mercadopago.com.mx/checkout/v1/redirect?pref_id=1",
        "http://8.8.8.8/t/MQ.abc",
        "https://[2001:4860:4860::8888]/t/MQ.abc",
    ],
)
def test_a_page_on_the_internet_can_be_a_button(url):
    assert opens_from_a_phone(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/t/MQ.abc",  # HOST:PORT, no PUBLIC_URL
        "http://0.0.0.0:8080/t/MQ.abc",
        "http://localhost:8080/t/MQ.abc",
        "http://LOCALHOST/t/MQ.abc",
        "http://tienda.localhost/t/MQ.abc",
        "http://192.168.1.5/t/MQ.abc",
        "http://10.0.0.2/t/MQ.abc",
        "http://[::1]:8080/t/MQ.abc",
        "http://tienda/t/MQ.abc",  # a name without a dot: only this network knows it
        "javascript:alert(1)",
        "ftp://tienda.example.mx/t/MQ.abc",
        "http://[::1/t/MQ.abc",  # malformed
    ],
)
def test_a_page_no_phone_can_open_is_no_button(url):
    assert not opens_from_a_phone(url)


def test_such_a_link_is_written_at_the_end_of_the_text_and_the_rest_kept():
    link = Link("Seguir en línea", "http://127.0.0.1:8080/t/MQ.abc")
    reply = Reply("Tu pedido PED-7K3FQ está confirmado.", link=link, ref="order:PED-7K3FQ")
    written = link_written_out(reply)
    assert written.text == (
        "Tu pedido PED-7K3FQ está confirmado.\n\n🔗 Seguir en línea: http://127.0.0.1:8080/t/MQ.abc"
    )
    assert written.link is None and written.ref == "order:PED-7K3FQ"
    assert reply.link is link  # the reply itself is left as it was
    assert link_written_out(Reply(link=link)).text == f"🔗 {link.label}: {link.url}"


def test_a_link_a_phone_opens_stays_a_button():
    reply = Reply("Paga aquí:", link=Link("Pagar", "https://checkout.stripe.com/c/pay/cs_1"))
    assert link_written_out(reply) is reply
