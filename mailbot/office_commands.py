"""Office commands by mail: 采用/批示/约稿/归属/类别 from an ``[office] admins`` address.

Subject forms (Chinese or English command word first, then its arguments):
``采用 RECEIPT… 级别`` · ``批示 RECEIPT 级别 [类别]`` · ``约稿 RECEIPT 级别`` ·
``归属 RECEIPT 单位ID`` · ``类别 RECEIPT 类别ID`` (and ``adopt``, ``instruct``, …).
With ``[office] require_authenticated`` (the default) a command is carried out only when the
receiving server's ``Authentication-Results`` shows DKIM or SPF passed for the sender's domain:
a From address alone is easy to forge. Every command is logged (CommandLog) and answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailbot import records
from mailbot.db.models import CommandLog
from mailbot.errors import UsageError

COMMANDS = {"采用": "adopt", "adopt": "adopt", "批示": "instruct", "instruct": "instruct",
            "约稿": "commission", "commission": "commission", "归属": "assign", "assign": "assign",
            "类别": "category", "category": "category", "发布": "release", "release": "release",
            "暂缓": "hold", "hold": "hold"}
COMMAND_WORDS = tuple(COMMANDS)
USAGE = {"adopt": "采用 回执号… 级别", "instruct": "批示 回执号 级别 [类别]", "commission": "约稿 回执号 级别",
         "assign": "归属 回执号 单位ID", "category": "类别 回执号 类别ID", "release": "发布 2026Q1",
         "hold": "暂缓 2026Q1"}
_SPLIT = re.compile(r"[\s,，、;；:：]+")
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|回复|答复|转发)\s*[:：]\s*)+", re.I)


def _words(subject: str) -> list[str]:
    return [w for w in _SPLIT.split(_REPLY_PREFIX.sub("", subject or "").strip()) if w]


def looks_like_command(subject: str) -> bool:
    first = _words(subject)[:1]
    return bool(first) and first[0].lower() in COMMAND_WORDS


@dataclass
class Outcome:
    ok: bool
    text: str


@dataclass
class CommandReply:
    accepted: bool
    results: list[Outcome] = field(default_factory=list)
    refused: str | None = None


def _domain_of(value: str) -> str:
    return value.rsplit("@", 1)[-1].strip().strip(".<>\"'").lower()


def authenticated(auth_results: str, sender: str) -> bool:
    """Whether ``Authentication-Results`` shows dkim=pass or spf=pass for the sender's domain.

    DKIM's ``header.d`` (or ``header.i``) and SPF's ``smtp.mailfrom`` must name the sender's
    domain or a parent of it (relaxed alignment); a bare ``dkim=pass`` without a domain is not enough.
    """
    domain = _domain_of(sender)
    if not domain or not auth_results:
        return False
    for clause in auth_results.split(";"):
        m = re.search(r"\b(dkim|spf)\s*=\s*(\w+)", clause, re.I)
        if not m or m.group(2).lower() != "pass":
            continue
        props = "header.d|header.i" if m.group(1).lower() == "dkim" else "smtp.mailfrom|smtp.helo"
        for pm in re.finditer(rf"\b(?:{props})\s*=\s*\"?([^\s;\"()]+)", clause, re.I):
            d = _domain_of(pm.group(1))
            if d and (domain == d or domain.endswith("." + d)):
                return True
    return False


def parse(subject: str) -> tuple[str, list[str]]:
    """(command, arguments) of a command subject; UsageError when it cannot be a command."""
    words = _words(subject)
    if not words or words[0].lower() not in COMMANDS:
        raise UsageError("subject does not start with a command word")
    return COMMANDS[words[0].lower()], words[1:]


def execute(rt, session, subject: str, by: str) -> list[Outcome]:
    """Carry out one command subject inside ``session``; one outcome per record."""
    cmd, args = parse(subject)
    if cmd in ("release", "hold"):
        from mailbot.reports import release

        if len(args) != 1:
            raise UsageError(f"格式应为：{USAGE[cmd]}")
        done = (release.release(rt, args[0], by=by, session=session) if cmd == "release"
                else release.hold(rt, args[0], by=by, session=session))
        return [Outcome(True, done.line())]
    need = 3 if cmd == "adopt" else 2
    if len(args) < need - 1 or (cmd == "adopt" and len(args) < 2):
        raise UsageError(f"格式应为：{USAGE[cmd]}")
    if cmd == "adopt":
        receipts, level = args[:-1], args[-1]
        out = []
        for r in receipts:
            try:
                out.append(Outcome(True, records.adopt(rt, r, level, by=by, session=session).line))
            except UsageError as e:
                out.append(Outcome(False, f"{r}：未记录，{e}"))
        return out
    receipt = args[0]
    if cmd == "instruct":
        if len(args) not in (2, 3):
            raise UsageError(f"格式应为：{USAGE[cmd]}")
        kind = args[2] if len(args) == 3 else None
        return [Outcome(True, records.instruct(rt, receipt, args[1], kind=kind, by=by, session=session).line)]
    if len(args) != 2:
        raise UsageError(f"格式应为：{USAGE[cmd]}")
    if cmd == "commission":
        return [Outcome(True, records.commission(rt, receipt, args[1], by=by, session=session).line)]
    if cmd == "assign":
        unit = args[1] if args[1] in rt.units else (rt.units.find_name(args[1]) or args[1])
        return [Outcome(True, records.assign(rt, receipt, unit, by=by, session=session).line)]
    return [Outcome(True, records.set_category(rt, receipt, args[1], by=by, session=session).line)]


def handle(rt, intake) -> CommandReply:
    """Authenticate, carry out, log and answer one command mail (inside the pipeline's session)."""
    mail = intake.mail
    s = intake.session
    sender = mail.sender
    reply = CommandReply(accepted=False)
    need_auth = rt.settings.office.require_authenticated
    if sender not in rt.settings.office.admins:
        reply.refused = f"{sender} 不在管理员名单（[office] admins）中"
    elif need_auth and not authenticated(mail.headers.get("authentication-results", ""), sender):
        reply.refused = (f"发件域 {_domain_of(sender)} 未通过 DKIM/SPF 验证（Authentication-Results），"
                         "为防冒用，指令未执行")
    else:
        try:
            reply.results = execute(rt, s, mail.subject, by=sender)
            reply.accepted = any(r.ok for r in reply.results)
            if not reply.accepted:
                reply.refused = "没有可执行的内容"
        except UsageError as e:
            reply.refused = str(e)
            reply.results = [Outcome(False, str(e))]
    outcome = "; ".join(r.text for r in reply.results) or (reply.refused or "")
    s.add(CommandLog(message_pk=intake.message.id, sender=sender, command=mail.subject[:2000],
                     outcome=(outcome if reply.accepted else f"refused: {reply.refused or outcome}")[:4000],
                     accepted=reply.accepted))
    s.flush()
    _answer(rt, intake, reply)
    return reply


def _answer(rt, intake, reply: CommandReply) -> None:
    from mailbot.mail import outbox

    mail = intake.mail
    rendered = rt.renderer.render("reply", subject=mail.subject, accepted=reply.accepted, results=reply.results,
                                  refused=reply.refused, office=rt.settings.office)
    outbox.queue(intake.session, kind="reply", key=f"reply:{intake.message.id}", recipients=[mail.sender],
                 mail=rendered, in_reply_to=mail.message_id, now=rt.clock.now())
