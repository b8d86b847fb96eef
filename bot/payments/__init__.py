"""Payment-link providers: the adapters of core.domain.payment_links.PaymentProvider."""
