"""``mailbot digest --week 2026-W07 [--dry-run]``: the office's weekly digest."""

from __future__ import annotations

from pathlib import Path

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import preview_option, sending


@main.command()
@click.option("--week", "-w", "week", required=True, metavar="W", help="周次，ISO 周，如 2026-W07 ISO week.")
@click.option("--dry-run", is_flag=True, help="只把周报打印出来，不发送 print the digest; queue and send nothing.")
@preview_option()
@pass_state
def digest(state: CliState, week: str, dry_run: bool, preview: Path | None) -> None:
    """信息周报：W 周收到的全部来件、待办事项和零信息单位，发给办公室 (the office's weekly digest)."""
    from mailbot.mail import outbox
    from mailbot.reports.digest import digest_data, queue_digest, render_digest

    rt = state.runtime()
    if dry_run:
        mail = render_digest(rt, digest_data(rt, week))
        click.echo(f"Subject: {mail.subject}\n")
        click.echo(mail.text, nl=False)
        return
    emails = rt.settings.office.emails
    if not emails:
        from mailbot.errors import UsageError

        raise UsageError("[office] emails is empty: nowhere to send the digest (use --dry-run to print it)")
    with sending(rt, preview) as rehearsal:
        row = queue_digest(rt, week)
    if rehearsal is not None:
        if row is None:
            click.echo(f"{week} 周报此前已生成，不会重复发送", err=True)
        return
    name = rt.calendar.parse(week).name
    sent = outbox.flush(rt)
    if row is None:
        click.echo(f"{name} 周报此前已生成，未重复发送（本次发出待发邮件 {sent.sent} 封）")
    else:
        click.echo(f"{name} 周报已生成并发往 {', '.join(emails)}（本次发出 {sent.sent} 封，待重试 {sent.deferred} 封）")
