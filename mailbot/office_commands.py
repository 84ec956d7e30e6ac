"""Office commands by mail: 采用/批示/约稿/归属/类别/不计/恢复/查看/刊物 from an ``[office] admins`` address.

Subject forms (Chinese or English command word first, then its arguments):
``采用 RECEIPT… 级别 [《刊物》第N期]`` · ``批示 RECEIPT 级别 [类别]`` · ``约稿 RECEIPT 级别`` ·
``归属 RECEIPT 单位`` · ``类别 RECEIPT 类别`` · ``不计 RECEIPT 原因`` · ``恢复 RECEIPT`` · ``查看 RECEIPT``
(and ``adopt``, ``instruct``, ``assign``, ``dismiss``, ``restore``, ``show``, …). Units, categories
and levels may be written by id, Chinese name, alias or synonym (``mailbot.names``).
``刊物 《名称》 第N期 [级别|撤销]`` with the issue attached (or in the body): its adoptions (``mailbot.bulletins``).
With ``[office] require_authenticated`` (the default) a command is carried out only when the
receiving server's own ``Authentication-Results`` vouches for the admin (``mailbot.sender_auth``):
a From address alone is easy to forge. Every command is logged (CommandLog) and answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailbot import corrections, records, sender_auth
from mailbot.db.models import CommandLog
from mailbot.errors import UsageError
from mailbot.text import strip_reply_prefixes

COMMANDS = {"采用": "adopt", "adopt": "adopt", "批示": "instruct", "instruct": "instruct",
            "约稿": "commission", "commission": "commission", "归属": "assign", "assign": "assign",
            "类别": "category", "category": "category", "发布": "release", "release": "release",
            "暂缓": "hold", "hold": "hold", "不计": "dismiss", "dismiss": "dismiss", "恢复": "restore",
            "restore": "restore", "查看": "show", "show": "show",
            "刊物": "bulletin", "bulletin": "bulletin"}
COMMAND_WORDS = tuple(COMMANDS)
USAGE = {"adopt": "采用 回执号… 级别 [《刊物》第N期]", "instruct": "批示 回执号 级别 [类别]", "commission": "约稿 回执号 级别",
         "assign": "归属 回执号 单位 [原因]", "category": "类别 回执号 类别", "release": "发布 2026Q1",
         "hold": "暂缓 2026Q1", "dismiss": "不计 回执号 原因", "restore": "恢复 回执号", "show": "查看 回执号",
         "bulletin": "刊物 《刊物名称》 第N期 [级别]（附上该期刊物）"}
_SPLIT = re.compile(r"[\s,，、;；:：]+")


def _words(subject: str) -> list[str]:
    return [w for w in _SPLIT.split(strip_reply_prefixes(subject).strip()) if w]


def looks_like_command(subject: str) -> bool:
    first = _words(subject)[:1]
    return bool(first) and (first[0].lower() in COMMAND_WORDS or first[0].startswith("刊物《"))


@dataclass
class CommandResult:
    ok: bool
    text: str
    plain: bool = False  # a line of a longer report (刊物): printed as it is, without ✓/✗
    detail: str = ""  # a longer answer below the line (查看: the item whole)


@dataclass
class CommandReply:
    accepted: bool
    results: list[CommandResult] = field(default_factory=list)
    refused: str | None = None


def parse(subject: str) -> tuple[str, list[str]]:
    """(command, arguments) of a command subject; UsageError when it cannot be a command."""
    words = _words(subject)
    if words and words[0].startswith("刊物《"):
        return "bulletin", [words[0].removeprefix("刊物"), *words[1:]]
    if not words or words[0].lower() not in COMMANDS:
        raise UsageError("subject does not start with a command word")
    return COMMANDS[words[0].lower()], words[1:]


def execute(rt, session, subject: str, by: str) -> list[CommandResult]:
    """Carry out one command subject inside ``session``; one outcome per record."""
    cmd, args = parse(subject)
    if cmd in ("release", "hold"):
        from mailbot.reports import release

        if len(args) != 1:
            raise UsageError(f"格式应为：{USAGE[cmd]}")
        done = (release.release(rt, args[0], by=by, session=session) if cmd == "release"
                else release.hold(rt, args[0], by=by, session=session))
        return [CommandResult(True, done.line())]
    if cmd in ("dismiss", "restore", "show"):
        return _correction(rt, session, cmd, subject, args, by)
    if len(args) < 1 or (cmd == "adopt" and len(args) < 2 and "《" not in subject):
        raise UsageError(f"格式应为：{USAGE[cmd]}")
    if cmd == "adopt":
        receipts, level, publication, issue_no = _adoption_args(rt, subject, args)
        out = []
        for r in receipts:
            try:
                out.append(CommandResult(True, records.adopt(rt, r, level, publication=publication, issue_no=issue_no,
                                                             by=by, session=session).line))
            except UsageError as e:
                out.append(CommandResult(False, f"{r}：未记录，{e}"))
        return out
    receipt = args[0]
    if cmd == "instruct":
        if len(args) not in (2, 3):
            raise UsageError(f"格式应为：{USAGE[cmd]}")
        kind = args[2] if len(args) == 3 else None
        return [CommandResult(True, records.instruct(rt, receipt, args[1], kind=kind, by=by, session=session).line)]
    if len(args) != 2 and not (cmd == "assign" and len(args) > 2):
        raise UsageError(f"格式应为：{USAGE[cmd]}")
    if cmd == "commission":
        return [CommandResult(True, records.commission(rt, receipt, args[1], by=by, session=session).line)]
    if cmd == "assign":  # 归属 回执号 单位 [原因]
        reason = " ".join(args[2:]) or None
        return [CommandResult(True, corrections.assign(rt, receipt, args[1], by=by, reason=reason, session=session).line)]
    return [CommandResult(True, records.set_category(rt, receipt, args[1], by=by, session=session).line)]


_PUBLISHED_IN = re.compile(r"《([^》]+)》\s*((?:\d{4}\s*年\s*)?第?\s*\d{1,4}\s*期)?")


def _adoption_args(rt, subject: str, args: list[str]) -> tuple[list[str], str, str | None, str | None]:
    """(receipts, level, publication, issue) of ``采用 RECEIPT… 级别 [《刊物》第N期]``.

    With a publication named, its issue is kept on the record and the level may be left out
    (the publication's own level from ``[[publications]]``)."""
    from mailbot.publications import find_publication, plain_name

    m = _PUBLISHED_IN.search(subject)
    if m is None:
        return args[:-1], args[-1], None, None
    words = _words(subject[:m.start()] + " " + subject[m.end():])[1:]
    pub = find_publication(rt.settings.publications, m.group(1))
    name = plain_name(pub.name if pub else m.group(1))
    issue_no = "".join((m.group(2) or "").split()) or None
    if issue_no and (bare := issue_no.removeprefix("第").removesuffix("期")).isdigit():
        issue_no = bare
    if len(words) >= 2:
        try:
            records.normalize_level(rt, "adopt", words[-1])
            return words[:-1], words[-1], name, issue_no
        except UsageError:
            pass
    if pub is None:
        raise UsageError(f"没有刊物《{name}》的级别，请写明级别：{USAGE['adopt']} 《刊物》第N期")
    if not words:
        raise UsageError(f"格式应为：{USAGE['adopt']}")
    return words, pub.level, name, issue_no


def _correction(rt, session, cmd: str, subject: str, args: list[str], by: str) -> list[CommandResult]:
    """不计 RECEIPT 原因 (the reason may have spaces) · 恢复 RECEIPT · 查看 RECEIPT."""
    if not args or (cmd != "dismiss" and len(args) != 1) or (cmd == "dismiss" and len(args) < 2):
        raise UsageError(f"格式应为：{USAGE[cmd]}")
    receipt = args[0]
    if cmd == "dismiss":
        words = strip_reply_prefixes(subject).strip()
        reason = words[words.index(receipt) + len(receipt):].strip(" \t,，、;；:：")
        return [CommandResult(True, corrections.dismiss(rt, receipt, reason, by=by, session=session).line)]
    if cmd == "restore":
        return [CommandResult(True, corrections.restore(rt, receipt, by=by, session=session).line)]
    from mailbot.reports.item import item_text, item_view

    session.flush()
    view = item_view(rt, receipt, session=session)
    return [CommandResult(True, f"{view['receipt']}：{view['subject']}（{view['status_name']}，{view['points']} 分）",
                          detail=item_text(rt, view))]


def handle(rt, intake) -> CommandReply:
    """Authenticate, carry out, log and answer one command mail (inside the pipeline's session)."""
    mail = intake.mail
    s = intake.session
    sender = mail.sender
    reply = CommandReply(accepted=False)
    verdict = authenticate(rt, intake)
    if not verdict.trusted:
        reply.refused = verdict.reason
    else:
        try:
            if parse(mail.subject)[0] == "bulletin":
                reply.results = bulletin_command(rt, s, mail, by=sender)
                reply.accepted = True  # an issue read is done, whatever it matched
            else:
                reply.results = execute(rt, s, mail.subject, by=sender)
                reply.accepted = any(r.ok for r in reply.results)
            if not reply.accepted:
                reply.refused = "没有可执行的内容"
        except UsageError as e:
            reply.refused = str(e)
            reply.results = [CommandResult(False, str(e))]
    outcome = "; ".join(r.text for r in reply.results) or (reply.refused or "")
    s.add(CommandLog(message_pk=intake.message.id, sender=sender, command=mail.subject[:2000],
                     outcome=(outcome if reply.accepted else f"refused: {reply.refused or outcome}")[:4000],
                     accepted=reply.accepted))
    s.flush()
    _answer(rt, intake, reply)
    return reply


_ISSUE = re.compile(r"((?:\d{4}\s*年\s*)?第?\s*\d{1,4}\s*期|\d{1,4})")
_DOCUMENT_KINDS = (".docx", ".pdf", ".doc", ".wps", ".htm", ".html", ".txt")


def bulletin_command(rt, session, mail, by: str) -> list[CommandResult]:
    """``刊物 《名称》 第N期 [级别|撤销]``: the attached issue (or the body) brought in, or its adoptions withdrawn."""
    from mailbot import bulletins

    rest = re.sub(r"^\s*(?:刊物|bulletin)\s*", "", strip_reply_prefixes(mail.subject).strip(), flags=re.I)
    m = re.match(r"《([^》]+)》|(\S+?)(?=\s|\d{4}\s*年|第|$)", rest)
    issue = _ISSUE.search(rest[m.end():]) if m else None
    if m is None or issue is None:
        raise UsageError(f"格式应为：{USAGE['bulletin']}")
    name = m.group(1) or m.group(2)
    words = rest[m.end() + issue.end():].split()
    if words[:1] == ["撤销"] or words[:1] == ["withdraw"]:
        report = bulletins.withdraw(rt, name, issue.group(1), by=by, session=session)
        return [CommandResult(True, line) for line in report.withdrawn]
    docs = [a for a in mail.attachments if a.text and a.filename.lower().endswith(_DOCUMENT_KINDS)]
    if docs:
        report = bulletins.import_issue(rt, name, issue.group(1), data=docs[0].data, filename=docs[0].filename,
                                        level=words[0] if words else None, by=by, session=session)
    elif unread := [a for a in mail.attachments if a.note and not a.is_image]:
        raise UsageError(f"附件《{unread[0].filename}》读不出文字（{unread[0].note}），请附 docx、pdf 或 doc 版的刊物")
    else:
        report = bulletins.import_issue(rt, name, issue.group(1), text=mail.body_text,
                                        level=words[0] if words else None, by=by, session=session)
    lines = bulletins.report_lines(report, mail=True)
    return [CommandResult(True, ln, plain=True) for ln in lines]


def authenticate(rt, intake) -> sender_auth.Verdict:
    """Who sent this command, as the receiving server vouches (``mailbot.sender_auth``)."""
    from mailbot.config import ConfigError

    office = rt.settings.office
    mail = intake.mail
    try:
        secret = rt.settings.secret(office.command_secret_env, "office.command_secret_env") or None
    except ConfigError:
        return sender_auth.Verdict(False, f"口令环境变量 {office.command_secret_env} 未设置（[office] command_secret_env），"
                                          "指令未执行")
    verdict = sender_auth.verify(mail.sender, office.admins, authentication_results(intake.source.raw),
                                 office.authserv_ids, office.require_authenticated, secret,
                                 f"{mail.body_text}\n{mail.signature}")
    if secret:  # the secret word is not kept in the record of the mail
        mail.body_text = mail.body_text.replace(secret, "******")
        mail.signature = mail.signature.replace(secret, "******")
    return verdict


def authentication_results(raw: bytes) -> list[str]:
    """Every ``Authentication-Results`` value of the top-level header, top to bottom."""
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:500_000])
        return [str(v) for v in headers.get_all("Authentication-Results", [])]
    except Exception:  # noqa: BLE001 - a header we cannot read vouches for nothing
        return []


def _answer(rt, intake, reply: CommandReply) -> None:
    from mailbot.mail import outbox

    mail = intake.mail
    rendered = rt.renderer.render("reply", subject=mail.subject, accepted=reply.accepted, results=reply.results,
                                  refused=reply.refused, office=rt.settings.office)
    outbox.queue(intake.session, kind="reply", key=f"reply:{intake.message.id}", recipients=[mail.sender],
                 mail=rendered, in_reply_to=mail.message_id, now=rt.clock.now())
