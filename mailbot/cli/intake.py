"""Commands that take mail in: run, poll, ingest, retry."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import preview_option, sending


@main.command()
@pass_state
def run(state: CliState) -> None:
    """常驻运行：定时收信、发信、按日程发周报通报催报，直到收到 SIGTERM/SIGINT (the daemon)."""
    from mailbot.daemon import Daemon

    if not state.debug and not state.quiet:
        logging.getLogger().setLevel(logging.INFO)
    Daemon(state.runtime()).run_forever()


@main.command()
@preview_option()
@pass_state
def poll(state: CliState, preview: Path | None) -> None:
    """收一次信、发一次待发邮件，然后退出 (one poll of the source and one flush of the outbox).

    The first poll of a mailbox back-fills the mail already in it: recorded and scored, no
    receipts or alerts. A long poll shows a progress bar (a log line every N messages when
    the output is not a terminal). With --preview nothing is recorded, marked or moved in the
    mailbox: the next poll takes the same mail as new.
    """
    from mailbot.polling import make_source, unmarked
    from mailbot.polling import poll as do_poll

    if not state.debug and not state.quiet:
        logging.getLogger("mailbot.poll").setLevel(logging.INFO)
    rt = state.runtime()
    if preview is None:
        report = do_poll(rt)
    else:
        with unmarked(make_source(rt)) as source, sending(rt, preview):
            report = do_poll(rt, source=source, send=False)
    click.echo(report.line())
    if report.first_poll:
        click.echo("首次收信：此前已在邮箱中的邮件只登记计分，未发回执和提醒"
                   f"（{report.backfilled} 封）" if report.backfilled else
                   "首次收信：邮箱已接入，此后收到的邮件将正常回执")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-receipts", is_flag=True, help="补录旧邮件：登记计分，不发回执和提醒 back-fill: record and score, send no receipts or alerts.")
@preview_option()
@pass_state
def ingest(state: CliState, paths: tuple[Path, ...], no_receipts: bool, preview: Path | None) -> None:
    """处理指定的 .eml 文件、文件夹、Maildir 或 mbox（与收信同样处理） (run mail files through the pipeline)."""
    from mailbot.polling import ingest as do_ingest

    rt = state.runtime(receipts=not no_receipts)
    with sending(rt, preview):
        report = do_ingest(rt, list(paths), show_progress=True, send=preview is None)
    click.echo(report.line())


@main.command()
@click.argument("receipts", nargs=-1)
@click.option("--show", is_flag=True, help="只列出处理失败、已隔离的邮件及完整出错信息 only list the quarantined messages with their tracebacks.")
@preview_option()
@pass_state
def retry(state: CliState, receipts: tuple[str, ...], show: bool, preview: Path | None) -> None:
    """重新处理出错隔离的邮件（全部，或指定回执号的） (re-run quarantined messages)."""
    from mailbot.polling import retry as do_retry

    rt = state.runtime()
    if show:
        _show_quarantined(rt, receipts)
        return
    with sending(rt, preview):
        report = do_retry(rt, receipts, send=preview is None)
    for pk, error in report.errors:
        click.echo(f"message #{pk}: still quarantined: {error}", err=True)
    failed = len(report.errors)
    click.echo(f"{sum(report.outcomes.values()) - failed} message(s) processed, {failed} still quarantined")


def _show_quarantined(rt, receipts: tuple[str, ...]) -> None:
    from sqlalchemy import select

    from mailbot.db.models import Message, Submission
    from mailbot.errors import UsageError

    with rt.db.session() as s:
        q = (select(Message, Submission.receipt, Submission.sender, Submission.subject)
             .outerjoin(Submission, Submission.message_pk == Message.id).where(Message.status == "quarantined"))
        if receipts:
            q = q.where(Submission.receipt.in_(receipts))
        rows = s.execute(q.order_by(Message.id)).all()
    if receipts and not rows:
        raise UsageError(f"no quarantined message has receipt {', '.join(receipts)}")
    if not rows:
        click.echo("no quarantined message")
    for msg, receipt, sender, subject in rows:
        click.echo(f"== {receipt or '-'}  message #{msg.id}  attempts {msg.attempts}  {sender or '?'}  {subject or ''}")
        click.echo(f"   raw: {msg.raw_path}")
        click.echo(f"   error: {msg.error}")
        click.echo((msg.traceback or "(no traceback kept)").rstrip())
