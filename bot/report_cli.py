"""`pedidos report`: the admin chat's /reporte in the terminal, as text or as JSON (the
REST API's shape: machine names, money in minor units). Run by whoever runs the server:
the system actor."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime

from core.domain.actors import Actor, ActorKind
from core.services.context import Shop
from core.services.reports import build_report
from handlers.admin.reports import days, period, report_text
from handlers.i18n import Translator

CLI_ACTOR = Actor(ActorKind.SYSTEM, "cli")
PERIODS = ("7d", "30d", "mes", "month")
MAX_DAYS = 366  # as the REST API's report
# The days a report may cover, as the REST API's (bot/api/reports.py): a day past
# 9999-12-31 has no next day to end the span at.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The `report` command, on the CLI's parser."""
    report = sub.add_parser(
        "report", help="the shop's report: orders, revenue, times, on-time, CSAT, stockouts"
    )
    report.add_argument("--since", help="first day, YYYY-MM-DD (shop's time zone)")
    report.add_argument("--until", help="last day, YYYY-MM-DD, included")
    report.add_argument(
        "--period", choices=PERIODS, help="the last 7 or 30 days, or this month (default 7d)"
    )
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--locale", choices=("es", "en"), help="default: DEFAULT_LOCALE")
    report.set_defaults(handler=cmd_report)


def _day(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d").date()


async def cmd_report(shop: Shop, t: Translator, args: argparse.Namespace) -> int:
    if args.locale:
        t = Translator(args.locale, shop.settings.store_country)
    zone = shop.settings.store_timezone
    if args.since is None and args.until is None:
        span = period(shop.now(), zone, args.period or "7d")
        assert span is not None  # every name the parser takes is a period
    elif args.period is not None or args.since is None or args.until is None:
        print(t.gettext("Give --since and --until together, or --period."), file=sys.stderr)
        return 2
    else:
        try:
            first, last = _day(args.since), _day(args.until)
        except ValueError:
            print(t.gettext("--since and --until take dates like 2026-11-01."), file=sys.stderr)
            return 2
        if not EARLIEST <= first <= LATEST or not EARLIEST <= last <= LATEST:
            print(
                t.gettext("--since and --until take days from {earliest} to {latest}.").format(
                    earliest=EARLIEST.isoformat(), latest=LATEST.isoformat()
                ),
                file=sys.stderr,
            )
            return 2
        if not first <= last or (last - first).days >= MAX_DAYS:
            print(
                t.gettext("--since must not be after --until, {days} days at most.").format(
                    days=MAX_DAYS
                ),
                file=sys.stderr,
            )
            return 2
        span = days(first, last, zone)
    report = await build_report(shop, CLI_ACTOR, *span)
    if args.format == "json":
        # The REST API's model, loaded only here: FastAPI is no weight for other commands.
        from bot.api.reports import SalesReport

        figures = SalesReport.of(report).model_dump(mode="json")
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(report_text(t, report))
    return 0
