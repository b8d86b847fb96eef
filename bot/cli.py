"""The `pedidos` command: database, demo shop, catalog and orders, and (soon) the chat."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import report_cli, webhooks_cli
from bot.app import build_shop
from bot.channels import Channel, channel_classes, load_channels, platforms_served
from bot.logs import use_json_lines
from bot.payments.providers import load_providers
from bot.payments.settings import PaymentSettings
from bot.terminal.chat import TerminalChat
from bot.tracking.settings import TrackingSettings
from core.domain.actors import Actor, ActorKind
from core.domain.api_keys import SCOPES, InvalidKeyName, UnknownScope, parse_scopes
from core.domain.errors import StoreUnavailable
from core.domain.shipments import Carrier
from core.services import (
    admins,
    api_keys,
    catalog_io,
    demo,
    expiry,
    payment_links,
    privacy,
    shipping,
)
from core.services.context import Shop
from core.settings import Settings, SettingsError, load_settings
from core.store.migrate import upgrade
from handlers.admin.export import orders_csv
from handlers.admin.privacy import blocked_text, erase_question, erased_text
from handlers.i18n import Translator
from handlers.render import provider_name, row_error_text

log = logging.getLogger(__name__)

CLI_ACTOR = Actor(ActorKind.SYSTEM, "cli")  # whoever runs the CLI runs the server


async def _with_shop(
    settings: Settings,
    channels: list[Channel],
    payment_settings: PaymentSettings,
    work: Callable[[Shop], Awaitable[int]],
) -> int:
    shop = build_shop(settings, channels, load_providers(payment_settings))
    try:
        return await work(shop)
    finally:
        for provider in shop.payment_providers:
            await provider.close()
        await shop.db.dispose()


def _write(text: str, target: str | None) -> None:
    if target:
        Path(target).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


async def cmd_db_upgrade(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    await upgrade(shop.db.engine)
    print(t.gettext("Database is up to date."))
    return 0


async def cmd_demo(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    seeded = await demo.seed_demo(shop)
    if seeded.own_catalog:
        print(t.gettext("This shop has its own catalog: the demo products were not added."))
    elif not seeded.created:
        print(t.gettext("The demo shop is already there; nothing was changed."))
    else:
        print(
            t.ngettext(
                "Demo shop ready: {count} product added.",
                "Demo shop ready: {count} products added.",
                seeded.created,
            ).format(count=seeded.created)
        )
    return 0


async def cmd_catalog_import(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(
            t.gettext("Cannot read {file}: {error}").format(file=args.file, error=exc),
            file=sys.stderr,
        )
        return 2
    try:
        summary = await catalog_io.import_catalog(shop, CLI_ACTOR, text)
    except catalog_io.CatalogImportError as exc:
        print(t.gettext("Nothing was imported. Fix these rows and try again:"), file=sys.stderr)
        for error in exc.errors:
            reason = row_error_text(t, error.reason, error.detail)
            print(
                t.gettext("Line {line}: {reason}").format(line=error.line, reason=reason),
                file=sys.stderr,
            )
        return 1
    print(
        t.gettext("Imported: {created} new, {changed} changed, {same} unchanged.").format(
            created=summary.created,
            changed=summary.changed,
            same=summary.updated - summary.changed,
        )
    )
    if summary.stock_changed:  # the stock column sets counts: say when it did
        print(
            t.ngettext(
                "The stock count of {n} product was set from the file.",
                "The stock counts of {n} products were set from the file.",
                summary.stock_changed,
            ).format(n=summary.stock_changed)
        )
    return 0


async def cmd_catalog_export(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    _write(await catalog_io.export_catalog(shop, CLI_ACTOR), args.file)
    return 0


async def cmd_orders_export(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            zone = ZoneInfo(shop.settings.store_timezone)  # the shop's calendar day
            since = datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=zone)
        except ValueError:
            print(t.gettext("--since takes a date like 2026-11-01."), file=sys.stderr)
            return 2
    found = await catalog_io.orders_for_export(shop, CLI_ACTOR, since)
    _write(orders_csv(t, shop.settings.store_timezone, found), args.file)  # DEFAULT_LOCALE
    return 0


async def cmd_expire(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    run = await expiry.run_expiry(shop)
    expired, reminded = len(run.expired_unpaid), len(run.reminded)
    released = len(run.released_unconfirmed)
    print(
        t.ngettext(
            "{count} unpaid order expired.", "{count} unpaid orders expired.", expired
        ).format(count=expired)
    )
    print(
        t.ngettext(
            "{count} unconfirmed order reminded.", "{count} unconfirmed orders reminded.", reminded
        ).format(count=reminded)
    )
    print(
        t.ngettext(
            "{count} unconfirmed order released.", "{count} unconfirmed orders released.", released
        ).format(count=released)
    )
    return 0


async def cmd_chat(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    if getattr(args, "admin", False):
        # Whoever can run the server's CLI can run the shop: this terminal user is an admin.
        await admins.add_admin(shop, "terminal", args.user, args.name or "")
    chat = TerminalChat(
        shop,
        user_id=args.user,
        name=args.name or "",
        locale=args.locale or shop.settings.default_locale,
    )
    await chat.run()
    return 0


async def cmd_run(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    """Start the web app and every configured channel; with no messaging platform
    configured, the terminal chat too, in the foreground (the web app stops with it)."""
    from bot import runner  # the channels' SDKs load only when a channel runs

    if platforms_served(args.channels):
        await runner.serve(shop, args.channels, poll=True)
        return 0
    stop = asyncio.Event()
    listening: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    web = asyncio.create_task(
        runner.serve(shop, args.channels, poll=True, stop=stop, on_listening=listening.set_result)
    )
    await asyncio.wait({web, listening}, return_when=asyncio.FIRST_COMPLETED)
    address = listening.result() if listening.done() else None
    if web.done() and not web.cancelled() and web.exception() is not None:
        log.error("the web app did not start", exc_info=web.exception())
    if address:
        print(t.gettext("Web chat: {chat} (tracking pages too).").format(chat=f"{address}/chat"))
    else:
        print(t.gettext("The web app could not start (see pedidos.log); the chat goes on."))
    args.user, args.name, args.locale = "local", "", None
    try:
        return await cmd_chat(shop, t, args)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await web


async def cmd_serve(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    """The web app alone (webhooks, health), with the outbox dispatcher."""
    from bot import runner

    await runner.serve(shop, args.channels, poll=False)
    return 0


async def cmd_payments_reconcile(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    """Read the open payment links from their providers and send the refunds due."""
    _ = t.gettext
    if not shop.payment_providers:
        print(_("No payment provider is configured (MERCADOPAGO_* or STRIPE_*)."), file=sys.stderr)
        return 2
    run = await payment_links.reconcile(shop)
    print(
        t.ngettext("{count} payment link read.", "{count} payment links read.", run.read).format(
            count=run.read
        )
    )
    for code, outcome in sorted(run.outcomes.items()):
        print(f"{code}\t{outcome}")
    if run.unreachable:
        print(
            t.ngettext(
                "{count} link could not be read: {providers} did not answer.",
                "{count} links could not be read: {providers} did not answer.",
                run.unreachable,
            ).format(
                count=run.unreachable,
                providers=", ".join(sorted(provider_name(name) for name in run.silent)),
            ),
            file=sys.stderr,
        )
        return 1
    return 0


async def cmd_admin(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    _ = t.gettext
    if args.admin_command == "list":
        listed = await admins.list_admins(shop)
        if not listed:
            print(_("No admins yet. Add one with: pedidos admin add telegram 123456789"))
        for channel, user_id, source in listed:
            origin = _("from the settings") if source == "settings" else _("added")
            print(f"{channel}\t{user_id}\t{origin}")
        return 0
    if args.channel not in shop.channels.names:
        names = ", ".join(shop.channels.names)
        print(_("The channel must be one of: {channels}").format(channels=names), file=sys.stderr)
        return 2
    if args.admin_command == "add":
        added = await admins.add_admin(shop, args.channel, args.user_id, args.name or "")
        print(
            (
                _("Admin added: {channel} {user}")
                if added
                else _("Already an admin: {channel} {user}")
            ).format(channel=args.channel, user=args.user_id)
        )
        return 0
    removed = await admins.remove_admin(shop, args.channel, args.user_id)
    if not removed:
        print(
            _(
                "Not an admin added here: {channel} {user} (admins in the settings are "
                "removed there)"
            ).format(channel=args.channel, user=args.user_id),
            file=sys.stderr,
        )
        return 1
    print(_("Admin removed: {channel} {user}").format(channel=args.channel, user=args.user_id))
    return 0


async def cmd_carrier(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    _ = t.gettext
    if args.carrier_command == "add":
        try:
            await shipping.save_carrier(
                shop, CLI_ACTOR, Carrier(args.code.lower(), args.name, args.tracking_url)
            )
        except ValueError:
            print(
                _(
                    "Use a code of letters, digits or _ and a tracking URL with {tracking}, "
                    "e.g. https://carrier.example/track?n={tracking}"
                ),
                file=sys.stderr,
            )
            return 2
    for carrier in await shipping.list_carriers(shop):
        print(f"{carrier.code}\t{carrier.name}\t{carrier.tracking_url_template}")
    return 0


async def cmd_apikey(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    """REST API keys: create (the key is printed once), list, revoke."""
    _ = t.gettext
    if args.apikey_command == "create":
        try:
            made, key = await api_keys.create_key(
                shop, CLI_ACTOR, args.name, parse_scopes(args.scopes)
            )
        except UnknownScope:
            known = ", ".join(sorted(SCOPES))
            print(
                _("Unknown scope. Use a comma-separated list of: {known}, or all.").format(
                    known=known
                ),
                file=sys.stderr,
            )
            return 2
        except InvalidKeyName:
            print(_("Give the key a name of 1 to 80 characters."), file=sys.stderr)
            return 2
        print(
            _("API key {id} ({name}) made. Copy it now: it is not shown again.").format(
                id=made.id, name=made.name
            )
        )
        print(key)
        return 0
    if args.apikey_command == "revoke":
        if not await api_keys.revoke_key(shop, CLI_ACTOR, args.id):
            print(_("There is no active API key {id}.").format(id=args.id), file=sys.stderr)
            return 1
        print(_("API key {id} revoked: it no longer works.").format(id=args.id))
        return 0
    for key in await api_keys.list_keys(shop, CLI_ACTOR):
        state = _("active") if key.active else _("revoked")
        used = key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "-"
        scopes = ",".join(sorted(key.scopes))
        print(f"{key.id}\t{key.name}\tpdk_{key.prefix}_…\t{state}\t{used}\t{scopes}")
    return 0


YES = {"y", "yes", "s", "si", "sí"}


async def cmd_customer(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    """A customer's data (export) or erasing it (forget), by number or order code."""
    _ = t.gettext
    try:
        customer_id = await privacy.find_customer(shop, CLI_ACTOR, args.customer)
    except privacy.CustomerNotFound:
        print(
            _(
                "I can't find the customer “{reference}”. Use their number or one of their "
                "order codes."
            ).format(reference=args.customer[:40]),
            file=sys.stderr,
        )
        return 1
    if args.customer_command == "export":
        data = await privacy.export_customer_data(shop, CLI_ACTOR, customer_id)
        _write(privacy.export_json(data).decode("utf-8"), args.file)
        return 0
    summary = await privacy.summarise(shop, CLI_ACTOR, customer_id)
    if summary.forgotten:
        print(_("Customer #{id}'s data was already erased.").format(id=customer_id))
        return 0
    if summary.in_progress:
        print(blocked_text(t, customer_id, summary.in_progress), file=sys.stderr)
        return 1
    question = erase_question(t, customer_id, summary)
    if not args.yes and not _confirmed(question + " " + _("[y/N]") + " "):
        print(_("OK, nothing was erased."))
        return 1
    try:
        done = await privacy.forget_customer(shop, CLI_ACTOR, customer_id)
    except privacy.CustomerHasOpenOrders as error:  # an order was placed meanwhile
        print(blocked_text(t, customer_id, list(error.data.get("codes", []))), file=sys.stderr)
        return 1
    print(erased_text(t, customer_id, done.orders_kept))
    return 0


def _confirmed(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in YES


def build_parser(channel_names: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pedidos", description="Pedidos: orders in chat.")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)

    sub.add_parser("demo", help="seed the demo shop").set_defaults(handler=cmd_demo)
    sub.add_parser("run", help="start the shop").set_defaults(handler=cmd_run)
    sub.add_parser("serve", help="the web app alone (webhooks)").set_defaults(handler=cmd_serve)
    chat = sub.add_parser("chat", help="chat with the shop in this terminal")
    chat.add_argument("--user", default="local", help="who you are (default: local)")
    chat.add_argument("--name", help="your name")
    chat.add_argument("--locale", choices=["es", "en"], help="language")
    chat.add_argument("--admin", action="store_true", help="run the shop (admin chat)")
    chat.set_defaults(handler=cmd_chat)

    carrier = sub.add_parser("carrier", help="the carriers orders ship with")
    carrier_sub = carrier.add_subparsers(dest="carrier_command", required=True)
    carrier_sub.add_parser("list", help="list the carriers").set_defaults(handler=cmd_carrier)
    add_carrier = carrier_sub.add_parser("add", help="add a carrier or change one")
    add_carrier.add_argument("code")
    add_carrier.add_argument("name")
    add_carrier.add_argument("tracking_url", help="with {tracking} where the number goes")
    add_carrier.set_defaults(handler=cmd_carrier)

    apikey = sub.add_parser("apikey", help="keys for the REST API (/api/v1)")
    apikey_sub = apikey.add_subparsers(dest="apikey_command", required=True)
    apikey_sub.add_parser("list", help="list the keys").set_defaults(handler=cmd_apikey)
    make_key = apikey_sub.add_parser("create", help="make a key (shown once)")
    make_key.add_argument("name", help="who or what uses it, e.g. inventario")
    make_key.add_argument("--scopes", required=True, help="e.g. orders:read,orders:write; all")
    make_key.set_defaults(handler=cmd_apikey)
    revoke_key = apikey_sub.add_parser("revoke", help="stop a key working")
    revoke_key.add_argument("id", type=int)
    revoke_key.set_defaults(handler=cmd_apikey)

    admin = sub.add_parser("admin", help="who runs the shop from a chat")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    admin_sub.add_parser("list", help="list the admins").set_defaults(handler=cmd_admin)
    for name in ("add", "remove"):
        command = admin_sub.add_parser(name, help=f"{name} an admin")
        command.add_argument("channel", help=_either(channel_names))
        command.add_argument("user_id", help="Telegram user id, WhatsApp number, terminal user")
        if name == "add":
            command.add_argument("--name")
        command.set_defaults(handler=cmd_admin)
    sub.add_parser(
        "expire", help="expire unpaid orders past their time; remind and release unconfirmed ones"
    ).set_defaults(handler=cmd_expire)

    pay = sub.add_parser("payments", help="payment links (Mercado Pago, Stripe)")
    pay_sub = pay.add_subparsers(dest="payments_command", required=True)
    pay_sub.add_parser(
        "reconcile", help="read the open payment links from their providers"
    ).set_defaults(handler=cmd_payments_reconcile)
    catalog = sub.add_parser("catalog", help="catalog CSV import / export")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    imp = catalog_sub.add_parser("import", help="upsert products by SKU from a CSV")
    imp.add_argument("file")
    imp.set_defaults(handler=cmd_catalog_import)
    exp = catalog_sub.add_parser("export", help="write the catalog as CSV")
    exp.add_argument("file", nargs="?")
    exp.set_defaults(handler=cmd_catalog_export)

    orders = sub.add_parser("orders", help="orders export")
    orders_sub = orders.add_subparsers(dest="orders_command", required=True)
    oexp = orders_sub.add_parser("export", help="one CSV row per order line")
    oexp.add_argument("--since", help="YYYY-MM-DD")
    oexp.add_argument("file", nargs="?")
    oexp.set_defaults(handler=cmd_orders_export)

    customer = sub.add_parser("customer", help="a customer's data: export it, or forget them")
    customer_sub = customer.add_subparsers(dest="customer_command", required=True)
    cexp = customer_sub.add_parser("export", help="everything kept about a customer, as JSON")
    cexp.add_argument("customer", help="the customer's number or one of their order codes")
    cexp.add_argument("file", nargs="?")
    cexp.set_defaults(handler=cmd_customer)
    forget = customer_sub.add_parser("forget", help="erase a customer's personal data")
    forget.add_argument("customer", help="the customer's number or one of their order codes")
    forget.add_argument("--yes", action="store_true", help="don't ask for confirmation")
    forget.set_defaults(handler=cmd_customer)
    webhooks_cli.add_parser(sub)  # pedidos webhook …: bot/webhooks_cli.py
    report_cli.add_parser(sub)  # pedidos report: bot/report_cli.py
    return parser


LOG_FILE = Path("pedidos.log")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(args: argparse.Namespace) -> None:
    """Where log lines go, by what the command shows its person:

    - a chat in this terminal (`pedidos chat`; `pedidos run` with no channel set up):
      the file pedidos.log in the current folder, so no log line lands in the middle of
      the conversation (standard error shares the screen with it);
    - the server (`pedidos run` with channels, `pedidos serve`): standard error, where
      a service's logs are collected;
    - the other commands: warnings and errors only, on standard error (no migration
      chatter above the one line of their result)."""
    chat = args.command == "chat" or (args.command == "run" and not platforms_served(args.channels))
    if chat:
        to_file = logging.FileHandler(LOG_FILE, encoding="utf-8", delay=True)  # made if used
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, handlers=[to_file])
        logging.captureWarnings(True)  # Python's warnings too: they print to stderr
    elif args.command in ("run", "serve"):
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    else:
        logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)


def _either(names: Sequence[str]) -> str:
    """ "a, b or c" """
    return " or ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def main(argv: list[str] | None = None) -> int:
    args = build_parser([channel.name for channel in channel_classes()]).parse_args(argv)
    try:
        settings = load_settings()
        args.channels = load_channels()
        payment_settings = PaymentSettings.load()
        TrackingSettings.load()  # checked here; `pedidos serve` reads it again (bot/runner.py)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(args)
    if settings.log_format == "json":
        use_json_lines()  # LOG_FORMAT=json: the same lines, as JSON (bot/logs.py)
    t = Translator(settings.default_locale, settings.store_country)

    async def work(shop: Shop) -> int:
        return await args.handler(shop, t, args)

    try:
        return asyncio.run(_with_shop(settings, args.channels, payment_settings, work))
    except StoreUnavailable:
        # Most often a database never set up (`pedidos chat` before `pedidos db
        # upgrade`), else one that is away: one sentence, the details in the log.
        log.exception("the database could not be used")
        print(
            t.gettext(
                "The database could not be used. If it is new, set it up first with "
                "`pedidos db upgrade` (`make run` does it); otherwise check DATABASE_URL."
            ),
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
