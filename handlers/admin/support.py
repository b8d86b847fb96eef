"""The admin's side of support cases: the open ones, a reply, closing one."""

from __future__ import annotations

from core.services import support
from handlers.admin.actor import actor
from handlers.payloads import int_arg, pack
from handlers.quoting import inline, one_line, quoted
from handlers.turn import Step, Turn
from handlers.types import Button

CASES_SHOWN = 10  # /casos: the ones waiting longest (a button pair each)


async def support_command(turn: Turn, action: str, args: list[str], rest: str) -> None:
    _ = turn.t.gettext
    case_id = int_arg(args, 0)
    if case_id is None:
        turn.say(_("Write /responder CASE text, or /cerrar CASE."))
        return
    if action == "close":
        closed = await support.close_case(turn.shop, actor(turn), case_id)
        turn.reset()
        text = (
            _("Case #{id} closed; the customer was told.")
            if closed
            else _("Case #{id} was already closed.")
        )
        turn.say(text.format(id=case_id), [[Button(_("Open cases"), pack("scs"))]])
        return
    text = rest.partition(" ")[2].strip()
    if not text:
        turn.go(Step.ADMIN_SUPPORT_REPLY, case_id=case_id)
        turn.say(_("Type your answer for case #{id}.").format(id=case_id))
        return
    await support.reply_to_case(turn.shop, actor(turn), case_id, text)
    turn.reset()
    turn.say(
        _("Sent to the customer (case #{id}).").format(id=case_id),
        [[Button(_("Close case"), pack("sc", case_id))]],
    )


async def open_cases(turn: Turn) -> None:
    """/casos: who is waiting for the shop, about which order, since when, and what
    they said last; a Reply and a Close button for each."""
    _ = turn.t.gettext
    cases = await support.open_cases(turn.shop, actor(turn), limit=CASES_SHOWN)
    turn.reset()
    if not cases:
        turn.say(_("No open support cases."))
        return
    now = turn.shop.now()
    lines = [_("Open support cases, the longest waiting first:")]
    rows = []
    for case in cases:
        lines.append(
            "\n"
            + _("#{id} · {name} ({phone}) · order {order} · waiting {age}").format(
                id=case.id,
                name=inline(case.customer_name),
                phone=one_line(case.phone),
                order=case.order_code or "-",
                age=waiting_for(turn, (now - case.opened_at).total_seconds()),
            )
            + "\n"
            + quoted(case.last_message)
        )
        rows.append(
            [
                Button(_("Reply #{id}").format(id=case.id), pack("sr", case.id)),
                Button(_("Close #{id}").format(id=case.id), pack("sc", case.id)),
            ]
        )
    turn.say("\n".join(lines), rows)


def waiting_for(turn: Turn, seconds: float) -> str:
    """ "5 minutes", "3 hours", "2 days": how long a case has waited."""
    ngettext = turn.t.ngettext
    minutes = max(int(seconds // 60), 0)
    if minutes < 60:
        return ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)
    if minutes < 48 * 60:
        hours = minutes // 60
        return ngettext("{count} hour", "{count} hours", hours).format(count=hours)
    days = minutes // (24 * 60)
    return ngettext("{count} day", "{count} days", days).format(count=days)
