"""The payment-link providers the settings turn on, as core's PaymentProvider port."""

from __future__ import annotations

from bot.payments.settings import PaymentSettings
from core.domain.payment_links import PaymentProvider


def load_providers(settings: PaymentSettings) -> tuple[PaymentProvider, ...]:
    """Mercado Pago first (it makes new links when both are on), then Stripe. The
    adapters' modules load only when their provider is configured."""
    providers: list[PaymentProvider] = []
    for name in settings.configured():
        if name == "mercadopago":
            from bot.payments.mercadopago import MercadoPago

            providers.append(
                MercadoPago(
                    settings.mercadopago_access_token,
                    settings.mercadopago_webhook_secret,
                    settings.mercadopago_api_url,
                    settings.public_url,
                )
            )
        elif name == "stripe":
            from bot.payments.stripe import Stripe

            providers.append(
                Stripe(
                    settings.stripe_secret_key,
                    settings.stripe_webhook_secret,
                    settings.stripe_api_url,
                    settings.public_url,
                )
            )
    return tuple(providers)
