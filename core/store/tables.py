"""The schema. Alembic migrations create it; tests check the two agree."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from core.store.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

categories = Table(
    "categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("position", Integer, nullable=False, default=0),
)

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("category_id", ForeignKey("categories.id"), nullable=True),
    Column("price", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("image_url", String(500), nullable=False, default=""),
    Column("weight_g", Integer, nullable=False, default=0),
    Column("active", Boolean, nullable=False, default=True),
    Column("on_hand", Integer, nullable=False, default=0),
    Column("reserved", Integer, nullable=False, default=0),
    Column("low_stock_threshold", Integer, nullable=False, default=3),
    Column("low_stock_alerted", Boolean, nullable=False, default=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("on_hand >= reserved", name="reserved_within_on_hand"),
    CheckConstraint("price >= 0", name="price_not_negative"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("phone", String(40), nullable=False, default=""),
    Column("locale", String(10), nullable=False, default=""),
    Column("unreachable", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("channel", "external_id", name="uq_customers_identity"),
)

# Every id a person wrote with on a channel that names people in more than one way
# (WhatsApp: a phone number and a business-scoped user id, either of which may be
# missing), pointing at the id the shop knows them by (user_id: the customer's
# external_id, the key of their conversation, inbox and menus). Migration 0008.
person_aliases = Table(
    "person_aliases",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("alias", String(140), primary_key=True),  # a BSUID: "CC." + up to 128 characters
    Column("user_id", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_person_aliases_user", "channel", "user_id"),
)

addresses = Table(
    "addresses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("data", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("customer_id", ForeignKey("customers.id"), primary_key=True),
    Column("product_id", ForeignKey("products.id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("seen_price", BigInteger, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("status", String(32), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("subtotal", BigInteger, nullable=False),
    Column("tax", BigInteger, nullable=False),
    Column("shipping_fee", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("shipping_method", String(20), nullable=False),
    Column("payment_method", String(20), nullable=False),
    Column("customer_name", String(200), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("address", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("rating", Integer, nullable=True),
    Column("rating_comment", Text, nullable=False, default=""),
    Column("cancel_reason", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False, default=0),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit_price", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("weight_g", Integer, nullable=False, default=0),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("from_status", String(32), nullable=True),
    Column("to_status", String(32), nullable=True),
    Column("data", JSON, nullable=False),
    Index("ix_order_events_order_at", "order_id", "at"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("method", String(20), nullable=False),
    Column("status", String(24), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("refunded", BigInteger, nullable=False, default=0),
    Column("currency", String(3), nullable=False),
    Column("provider", String(40), nullable=False, default=""),
    # Unique: a repeated provider notification can never record a second payment.
    Column("provider_charge_id", String(200), nullable=True, unique=True),
    Column("channel_charge_id", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # At most one payment holding money per order (migration 0007), also with several
    # workers: cash recorded on delivery and a /pagado can never both count.
    Index(
        "ux_payments_one_paid_per_order",
        "order_id",
        unique=True,
        sqlite_where=text("status IN ('paid', 'partially_refunded')"),
        postgresql_where=text("status IN ('paid', 'partially_refunded')"),
    ),
)

# A page at a payment provider where the customer pays an order (migration 0013).
payment_links = Table(
    "payment_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("provider", String(40), nullable=False),
    Column("provider_ref", String(200), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    # The key the link was asked for with: the same key gets the same link back.
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("status", String(12), nullable=False),  # open, closed
    Column("expires_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_payment_links_open", "status", "created_at"),
)

# Money to give back through the provider that took it (migration 0013): written in the
# transaction that records the refund, sent afterwards with its idempotency key, retried
# until the provider answers.
provider_refunds = Table(
    "provider_refunds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("payment_id", ForeignKey("payments.id"), nullable=False, index=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("provider", String(40), nullable=False),
    Column("provider_payment_id", String(200), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("status", String(12), nullable=False),  # pending, done, failed
    Column("provider_refund_id", String(200), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_provider_refunds_due", "status", "next_attempt_at"),
)

carriers = Table(
    "carriers",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("tracking_url_template", String(500), nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, unique=True),
    Column("carrier_code", ForeignKey("carriers.code"), nullable=False),
    Column("tracking_number", String(64), nullable=False),
    Column("tracking_url", String(600), nullable=False),
    Column("shipped_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
)

return_requests = Table(
    "return_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("resolution", String(20), nullable=False),
    Column("decision_note", Text, nullable=False, default=""),
    Column("refund_amount", BigInteger, nullable=False, default=0),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("return_id", ForeignKey("return_requests.id"), nullable=False, index=True),
    Column("order_line_id", ForeignKey("order_lines.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("sellable", Boolean, nullable=True),
    # An exchange's replacement (migration 0010): reserved at the request, shipped later.
    Column("replacement_product_id", ForeignKey("products.id"), nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

# An exchange's replacement travels as a shipment of its own (an order has one shipment,
# `shipments.order_id` is unique); migration 0010.
return_shipments = Table(
    "return_shipments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("return_id", ForeignKey("return_requests.id"), nullable=False, unique=True),
    Column("carrier_code", ForeignKey("carriers.code"), nullable=False),
    Column("tracking_number", String(64), nullable=False),
    Column("tracking_url", String(600), nullable=False),
    Column("shipped_at", UtcDateTime, nullable=False),
)

stock_moves = Table(
    "stock_moves",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("product_id", ForeignKey("products.id"), nullable=False, index=True),
    Column("on_hand_delta", Integer, nullable=False),
    Column("reserved_delta", Integer, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("order_id", ForeignKey("orders.id"), nullable=True),
    Column("actor", String(80), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("at", UtcDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(20), nullable=False),  # "customer" or "admin": how to render
    Column("channel", String(20), nullable=False, default=""),  # where to send it
    Column("address", String(64), nullable=False, default=""),  # the user id on that channel
    Column("customer_id", ForeignKey("customers.id"), nullable=True),
    Column("kind", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    Column("lease_until", UtcDateTime, nullable=True),  # a sender holds it until then
    Column("delivery_status", String(12), nullable=False, default=""),  # channel receipts
    # The platform messages of this row the channel accepted so far (a retry sends the rest)
    Column("pieces_sent", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_outbox_due", "status", "next_attempt_at"),
    Index("ix_outbox_recipient", "channel", "address", "status"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("state", String(40), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

support_cases = Table(
    "support_cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("order_code", String(16), nullable=True),
    Column("message", Text, nullable=False),  # the first message, then each added one
    Column("status", String(12), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    # Messages the customer added to the open case: in all (each admin alert's dedupe
    # key), and since the shop last replied (capped, so one case can't flood the admins).
    Column("follow_ups", Integer, nullable=False, default=0, server_default="0"),
    Column("unanswered", Integer, nullable=False, default=0, server_default="0"),
    # One open case per customer, also with several workers: a second request for a
    # person joins the open case instead of alerting the admins anew.
    Index(
        "ux_support_cases_open_customer",
        "customer_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

admins = Table(
    "admins",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("locale", String(10), nullable=False, default=""),
    Column("added_at", UtcDateTime, nullable=False),
)

# Updates received from a channel, stored before they are handled: a repeated delivery
# (same update id) is recognised, also after a restart, and one not yet handled when the
# process died is handled on the next start.
inbox = Table(
    "inbox",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("update_key", String(255), primary_key=True),
    Column("user_id", String(64), nullable=False, default=""),
    Column("payload", JSON, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("handled_at", UtcDateTime, nullable=True),
    Index("ix_inbox_unhandled", "channel", "handled_at"),
    Index("ix_inbox_user", "channel", "user_id", "received_at"),
)

# What a message the bot sent was about (a support case, an order), so that a reply to
# that message can be understood.
message_refs = Table(
    "message_refs",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("chat_id", String(64), primary_key=True),
    Column("message_id", String(255), primary_key=True),
    Column("ref", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The options a channel last offered a person when it could not show them all as
# buttons (WhatsApp: a "more" row, or a numbered text menu), so a reply can be mapped.
channel_menus = Table(
    "channel_menus",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("user_id", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),  # "list" (paged) or "numbered"
    Column("options", JSON, nullable=False),  # [[label, payload], ...]
    Column("updated_at", UtcDateTime, nullable=False),
)


# --- Issue 17: API keys and idempotent requests (migration 0014) ---

# Keys for the REST API: the prefix finds a key, the digest checks it (never the key).
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("key_digest", String(64), nullable=False),
    Column("scopes", Text, nullable=False),  # comma-separated
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("last_used_at", UtcDateTime, nullable=True),
)

# The first answer to each POST sent with an Idempotency-Key, replayed on a repeat.
api_idempotency = Table(
    "api_idempotency",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("api_key_id", Integer, ForeignKey("api_keys.id"), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=True),
    Column("body", Text, nullable=False, default=""),
    Column("content_type", String(100), nullable=False, default="application/json"),
    Column("created_at", UtcDateTime, nullable=False),
    # Set in the transaction of the request's change: from then on a retry never runs
    # it again (the answer is kept, whatever it is; a dead process's claim is not taken).
    Column("committed", Boolean, nullable=False, default=False),
    # The kept answer's top-level "secret" was set to null (a signing secret shows once).
    Column("secret_withheld", Boolean, nullable=False, default=False),
    UniqueConstraint("api_key_id", "idempotency_key", name="uq_api_idempotency_key"),
    Index("ix_api_idempotency_created_at", "created_at"),
)


# --- Issue 17: outgoing webhooks (migration 0015) ---

# Where other systems hear about the shop's events (docs/webhooks.md).
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("events", JSON, nullable=False),  # ["order.created", "return.*", ...]
    Column("secret", String(100), nullable=False),  # whsec_...: signing needs it in clear
    # The secret before the last rotation: messages are signed with both until then.
    Column("previous_secret", String(100), nullable=True),
    Column("previous_secret_until", UtcDateTime, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("failure_streak", Integer, nullable=False, default=0),
    Column("failing_since", UtcDateTime, nullable=True),
    Column("disabled_at", UtcDateTime, nullable=True),
    Column("disabled_reason", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One row per event, written in the transaction of the change that caused it, whoever
# listens; a sender fans it out to the endpoints subscribed (fanned_out_at).
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("msg_id", String(40), nullable=False),  # the webhook-id header, on every retry
    Column("type", String(40), nullable=False),
    Column("payload", JSON, nullable=False),  # the message's "data"
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("fanned_out_at", UtcDateTime, nullable=True),
    Index(
        "ix_webhook_events_waiting",
        "id",
        sqlite_where=text("fanned_out_at IS NULL"),
        postgresql_where=text("fanned_out_at IS NULL"),
    ),
)

# One event for one endpoint: sent until it is delivered or its attempts run out.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("endpoint_id", ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("event_id", ForeignKey("webhook_events.id"), nullable=False),
    Column("status", String(12), nullable=False),  # pending, sending, delivered, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime, nullable=True),  # a sender holds it until then
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    UniqueConstraint("endpoint_id", "event_id"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_event_id", "event_id"),
)

# Every try at sending a delivery: the delivery log of each endpoint.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", ForeignKey("webhook_deliveries.id"), nullable=False, index=True),
    Column("endpoint_id", ForeignKey("webhook_endpoints.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response", Text, nullable=False, default=""),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_webhook_attempts_endpoint", "endpoint_id", "id"),
)


# --- Issue 17: carrier tracking checkpoints (migration 0016) ---

# Each carrier checkpoint the shop has heard of, once (dedupe_id: the same for every
# delivery of it). What it says lives in the order's timeline (order_events), where
# forgetting a customer scrubs it; this keeps what decides what a new one does.
tracking_checkpoints = Table(
    "tracking_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dedupe_id", String(64), nullable=False, unique=True),
    Column("shipment_id", ForeignKey("shipments.id"), nullable=False),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("tag", String(24), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("source", String(20), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_tracking_checkpoints_shipment_at", "shipment_id", "occurred_at"),
)

# Carriers' webhooks find the shipment by its tracking number.
Index("ix_shipments_tracking_number", shipments.c.tracking_number)


# --- Issue 18: suppliers and purchase orders (migration 0017) ---

# Who the shop buys from; lead_time_days is what reorder suggestions cover.
suppliers = Table(
    "suppliers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("contact", String(120), nullable=False, default=""),
    Column("phone", String(40), nullable=False, default=""),
    Column("email", String(200), nullable=False, default=""),
    Column("lead_time_days", Integer, nullable=False, default=7),
    Column("currency", String(3), nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
)

# How a product is bought: from which supplier, under which code, at what cost (minor
# units of the supplier's currency), reordered below which level, in packs of how many.
# reorder_point NULL: the product's low-stock threshold.
product_supply = Table(
    "product_supply",
    metadata,
    Column("product_id", ForeignKey("products.id"), primary_key=True),
    Column("supplier_id", ForeignKey("suppliers.id"), nullable=True, index=True),
    Column("supplier_sku", String(64), nullable=False, default=""),
    Column("cost", BigInteger, nullable=True),
    Column("reorder_point", Integer, nullable=True),
    Column("pack_size", Integer, nullable=False, default=1),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("pack_size >= 1", name="pack_size_positive"),
    CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
    CheckConstraint("reorder_point IS NULL OR reorder_point >= 0", name="reorder_point_ok"),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("supplier_id", ForeignKey("suppliers.id"), nullable=False, index=True),
    Column("status", String(24), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("expected_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False, default=0),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("purchase_order_id", ForeignKey("purchase_orders.id"), nullable=False, index=True),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("supplier_sku", String(64), nullable=False, default=""),
    Column("quantity", Integer, nullable=False),
    Column("received", Integer, nullable=False, default=0),
    Column("unit_cost", BigInteger, nullable=True),
    UniqueConstraint("purchase_order_id", "product_id", name="uq_purchase_order_lines_product"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("received >= 0 AND received <= quantity", name="received_within_quantity"),
)

# A purchase order's timeline, like order_events.
purchase_order_events = Table(
    "purchase_order_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("purchase_order_id", ForeignKey("purchase_orders.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("from_status", String(24), nullable=True),
    Column("to_status", String(24), nullable=True),
    Column("data", JSON, nullable=False),
    Index("ix_purchase_order_events_po_at", "purchase_order_id", "at"),
)

# A receipt's stock move names the purchase order it came in with.
purchase_receipt_link = Column("purchase_order_id", ForeignKey("purchase_orders.id"), nullable=True)
stock_moves.append_column(purchase_receipt_link)


# --- Issue 18: delivery promises and stockouts (migration 0018) ---

# The end of the last day of the delivery estimate given at checkout (store time zone);
# NULL for orders placed before it was recorded.
orders.append_column(Column("delivery_promised_by", UtcDateTime, nullable=True))

# Each time a customer asked for more of a product than there was: what they asked for
# and what was available (0: told it was sold out). No customer: a count, not a profile.
stockouts = Table(
    "stockouts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("asked", Integer, nullable=False),
    Column("available", Integer, nullable=False),
    Column("source", String(20), nullable=False),  # cart, checkout, phone_order
    Column("at", UtcDateTime, nullable=False),
    Index("ix_stockouts_at", "at"),
)


# --- Issue 19: the web (migration 0018) ---

# Secrets the shop makes itself when the settings give none (WEB_SECRET): made once, kept
# here so every worker and every restart signs cookies and tracking links alike.
app_secrets = Table(
    "app_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Each order's tracking-link key (core/domain/tracking_links.py): random, so a link
# tells nothing about the order or how many there are; made when first needed.
tracking_links = Table(
    "tracking_links",
    metadata,
    Column("order_id", ForeignKey("orders.id"), primary_key=True),
    Column("key", String(32), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# The web chat's transcript: what a visitor wrote ("in") and what the shop answered or
# sent later ("out"), so the page shows the conversation again when it is opened, and
# a worker's news reach a page another worker serves. user_id is the visitor's session.
web_messages = Table(
    "web_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("direction", String(3), nullable=False),  # "in" or "out"
    Column("body", JSON, nullable=False),  # text, buttons, image, link, document
    # Deleted after ABANDONED_DATA_KEEP_DAYS, the oldest first (core/services/retention.py).
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Index("ix_web_messages_user", "user_id", "id"),
)

# Documents the web chat offered (a label, a receipt): downloaded by the session that
# received them, by an id nobody can guess.
web_files = Table(
    "web_files",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("filename", String(200), nullable=False),
    Column("mime_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),  # retention
)
