"""The admin's side of support cases: the open ones, a reply, closing one."""

from __future__ import annotations

from dataclasses import dataclass

from core.services import support
from handlers.actions import Action, handles
from handlers.admin.actor import actor
from handlers.drafts import Draft
from handlers.payloads import int_arg
from handlers.quoting import inline, one_line, quoted
from handlers.turn import Step, Turn
from handlers.types import Button

CASES_SHOWN = 10  # /casos: the ones waiting longest (a button pair each)


@dataclass
class CaseReply(Draft):
    """The case the admin is typing an answer for."""

    case_id: int | None = None


@dataclass(frozen=True)
class OpenCases(Action, prefix="scs", admin=True):
    pass


@dataclass(frozen=True)
class ReplyToCase(Action, prefix="sr", admin=True):
    case_id: int


@dataclass(frozen=True)
class CloseCase(Action, prefix="sc", admin=True):
    case_id: int


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
        turn.say(text.format(id=case_id), [[Button(_("Open cases"), OpenCases().pack())]])
        return
    text = rest.partition(" ")[2].strip()
    if not text:
        turn.go(Step.ADMIN_SUPPORT_REPLY)
        CaseReply(case_id=case_id).write(turn.data)
        turn.say(_("Type your answer for case #{id}.").format(id=case_id))
        return
    await support.reply_to_case(turn.shop, actor(turn), case_id, text)
    turn.reset()
    turn.say(
        _("Sent to the customer (case #{id}).").format(id=case_id),
        [[Button(_("Close case"), CloseCase(case_id).pack())]],
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
                Button(_("Reply #{id}").format(id=case.id), ReplyToCase(case.id).pack()),
                Button(_("Close #{id}").format(id=case.id), CloseCase(case.id).pack()),
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


@handles(OpenCases)
async def open_cases_button(turn: Turn, action: OpenCases) -> None:
    await open_cases(turn)


# Case 0 ("sr:0") is no case of ours: False, answered as a button from an older message.
@handles(ReplyToCase)
@handles(CloseCase)
async def case_button(turn: Turn, action: ReplyToCase | CloseCase) -> bool:
    """Reply (asks for the answer) or Close: the /responder and /cerrar of that case."""
    if not action.case_id:
        return False
    command = "close" if isinstance(action, CloseCase) else "reply"
    await support_command(turn, command, [str(action.case_id)], str(action.case_id))
    return True


async def reply_typed(turn: Turn, text: str) -> None:
    """The answer typed for a case after pressing Reply (or /responder CASE)."""
    draft = CaseReply.read(turn.data)
    draft.need("case_id")
    await support_command(turn, "reply", [str(draft.case_id)], f"{draft.case_id} {text}")
