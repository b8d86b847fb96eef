"""`pedidos webhook …`: the endpoints other systems hear the shop's events at
(docs/webhooks.md). Run by whoever runs the server: the system actor."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.webhooks_out import WebhookSender
from core.domain.actors import Actor, ActorKind
from core.domain.webhooks import (
    EVENT_TYPES,
    ROTATION_GRACE,
    WILDCARDS,
    DeliveryStatus,
    InvalidWebhook,
    WebhookNotFound,
)
from core.services import webhooks
from core.services.context import Shop
from core.services.webhooks import EndpointInfo
from handlers.i18n import Translator

CLI_ACTOR = Actor(ActorKind.SYSTEM, "cli")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `webhook` command and its subcommands, on the CLI's parser."""
    hook = sub.add_parser("webhook", help="endpoints that hear the shop's events (webhooks)")
    hook_sub = hook.add_subparsers(dest="webhook_command", required=True)
    add = hook_sub.add_parser("add", help="register an endpoint (prints its secret once)")
    add.add_argument("url", help="http(s) URL that receives the POSTs")
    add.add_argument(
        "--events",
        required=True,
        help="comma-separated: order.created,order.shipped,return.*,stock.low or *",
    )
    add.add_argument("--description", default="")
    hook_sub.add_parser("list", help="the endpoints and their state")
    hook_sub.add_parser("events", help="the event types an endpoint can take")
    for name, text in (
        ("remove", "remove an endpoint and its delivery log"),
        ("enable", "turn an endpoint on again (its failures are forgotten)"),
        ("disable", "stop sending to an endpoint"),
    ):
        command = hook_sub.add_parser(name, help=text)
        command.add_argument("id", type=int)
    change = hook_sub.add_parser("events-of", help="change the event types of an endpoint")
    change.add_argument("id", type=int)
    change.add_argument("events", help="comma-separated event types, as for add")
    rotate = hook_sub.add_parser("rotate", help="a new secret (prints it once)")
    rotate.add_argument("id", type=int)
    rotate.add_argument(
        "--grace-hours",
        type=float,
        default=ROTATION_GRACE.total_seconds() / 3600,
        help="hours the old secret still signs too (default 24)",
    )
    log = hook_sub.add_parser("deliveries", help="an endpoint's delivery log")
    log.add_argument("id", type=int)
    log.add_argument("--limit", type=int, default=30)
    again = hook_sub.add_parser("redeliver", help="send a delivery again (same webhook-id)")
    again.add_argument("id", type=int)
    again.add_argument("delivery", type=int)
    hook_sub.add_parser("send", help="send what is due now and stop")
    hook.set_defaults(handler=cmd_webhook)


async def cmd_webhook(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    _ = t.gettext
    try:
        return await _run(shop, t, args)
    except InvalidWebhook as error:
        problem = error.data.get("problem")
        if problem == "url":
            print(
                _("The URL must start with http:// or https:// and name a host."), file=sys.stderr
            )
        elif problem == "private_address":
            print(
                _(
                    "{host} is this machine or a private network: webhooks go only to public "
                    "internet addresses. To send to a receiver on your own machine while you "
                    "develop, set WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=true."
                ).format(host=error.data.get("host", "")),
                file=sys.stderr,
            )
        else:
            if problem == "unknown_event":
                print(
                    _("Unknown event type: {name}").format(name=error.data.get("event", "")),
                    file=sys.stderr,
                )
            print(
                _("Event types: {names}").format(names=", ".join((*EVENT_TYPES, *WILDCARDS))),
                file=sys.stderr,
            )
        return 2
    except WebhookNotFound as error:
        print(
            _("There is no webhook #{id}.").format(id=error.data.get("endpoint_id")),
            file=sys.stderr,
        )
        return 1


async def _run(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    _ = t.gettext
    command = args.webhook_command
    if command == "events":
        for name in (*EVENT_TYPES, *WILDCARDS):
            print(name)
        return 0
    if command == "add":
        made = await webhooks.register(shop, CLI_ACTOR, args.url, args.events, args.description)
        print(_("Webhook #{id} added: {url}").format(id=made.endpoint.id, url=made.endpoint.url))
        print(_("Events: {events}").format(events=", ".join(made.endpoint.events)))
        _print_secret(t, made.secret)
        return 0
    if command == "list":
        found = await webhooks.list_endpoints(shop, CLI_ACTOR)
        if not found:
            print(_("No webhooks yet. Add one with: pedidos webhook add URL --events order.*"))
        for endpoint in found:
            print(_endpoint_line(t, shop, endpoint))
        return 0
    if command == "remove":
        await webhooks.remove_endpoint(shop, CLI_ACTOR, args.id)
        print(_("Webhook #{id} removed.").format(id=args.id))
        return 0
    if command in ("enable", "disable"):
        endpoint = await webhooks.set_enabled(shop, CLI_ACTOR, args.id, command == "enable")
        print(_endpoint_line(t, shop, endpoint))
        return 0
    if command == "events-of":
        endpoint = await webhooks.update_endpoint(shop, CLI_ACTOR, args.id, events=args.events)
        print(_endpoint_line(t, shop, endpoint))
        return 0
    if command == "rotate":
        grace = timedelta(hours=max(0.0, args.grace_hours))
        made = await webhooks.rotate_secret(shop, CLI_ACTOR, args.id, grace)
        until = made.endpoint.previous_secret_until
        if until is not None:
            print(
                _("Webhook #{id}: new secret. The old one also signs until {until}.").format(
                    id=args.id, until=_time(shop, until)
                )
            )
        else:
            print(_("Webhook #{id}: new secret. The old one no longer signs.").format(id=args.id))
        _print_secret(t, made.secret)
        return 0
    if command == "deliveries":
        await _print_log(shop, t, args.id, args.limit)
        return 0
    if command == "redeliver":
        if not await webhooks.redeliver(shop, CLI_ACTOR, args.id, args.delivery):
            print(
                _(
                    "Delivery {delivery} of webhook #{id} can't be sent again now: it is not "
                    "there, or it is still being sent."
                ).format(delivery=args.delivery, id=args.id),
                file=sys.stderr,
            )
            return 1
        print(_("Delivery {delivery} will be sent again.").format(delivery=args.delivery))
        return 0
    assert command == "send"
    sent = 0
    async with WebhookSender(shop) as sender:
        while (claimed := await sender.run_once()) or sender.backlog:
            sent += claimed
    print(
        t.ngettext("{count} delivery attempted.", "{count} deliveries attempted.", sent).format(
            count=sent
        )
    )
    return 0


def _print_secret(t: Translator, secret: str) -> None:
    print(t.gettext("Secret (shown only now; keep it where the receiver can read it):"))
    print(secret)


def _time(shop: Shop, at: datetime) -> str:
    return at.astimezone(ZoneInfo(shop.settings.store_timezone)).strftime("%Y-%m-%d %H:%M")


def _endpoint_line(t: Translator, shop: Shop, endpoint: EndpointInfo) -> str:
    _ = t.gettext
    if endpoint.enabled:
        state = _("on")
        if endpoint.failing_since is not None:
            state += " " + t.ngettext(
                "({count} failed attempt in a row since {since})",
                "({count} failed attempts in a row since {since})",
                endpoint.failure_streak,
            ).format(count=endpoint.failure_streak, since=_time(shop, endpoint.failing_since))
    else:
        state = _("off")
        if endpoint.disabled_at is not None:
            state += " " + _("(since {since})").format(since=_time(shop, endpoint.disabled_at))
    fields = [f"#{endpoint.id}", endpoint.url, ",".join(endpoint.events), state]
    if endpoint.description:
        fields.append(endpoint.description)
    return "\t".join(fields)


async def _print_log(shop: Shop, t: Translator, endpoint_id: int, limit: int) -> None:
    _ = t.gettext
    attempts = await webhooks.delivery_log(shop, CLI_ACTOR, endpoint_id, limit)
    if not attempts:
        print(_("Nothing was sent to webhook #{id} yet.").format(id=endpoint_id))
    for attempt in attempts:
        answer = str(attempt.status_code) if attempt.status_code is not None else _("no answer")
        result = _("delivered") if attempt.ok else _("failed")
        print(
            "\t".join(
                [
                    _time(shop, attempt.at),
                    f"{attempt.delivery_id}",
                    attempt.event_type,
                    attempt.msg_id,
                    _("try {number}").format(number=attempt.attempt),
                    result,
                    answer,
                    f"{attempt.duration_ms} ms",
                    attempt.response,
                ]
            )
        )
    waiting = await webhooks.deliveries(
        shop, CLI_ACTOR, endpoint_id, status=DeliveryStatus.PENDING, limit=1000
    )
    if waiting:
        soonest = min(d.next_attempt_at for d in waiting)
        print(
            t.ngettext(
                "{count} delivery waiting; the next try at {at}.",
                "{count} deliveries waiting; the next try at {at}.",
                len(waiting),
            ).format(count=len(waiting), at=_time(shop, soonest))
        )
