"""The command line: thin commands over the library. ``mailbot [--config PATH] COMMAND``.

Each command module registers its commands on ``main``; errors become one line on stderr
with exit 1 (failed) or 2 (bad usage or configuration), tracebacks only with ``--debug``.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import click

from mailbot import __version__
from mailbot.errors import ConfigError, MailbotError, UsageError

if TYPE_CHECKING:  # imported when a command needs them: `mailbot --help` stays fast
    from mailbot.config import Settings
    from mailbot.runtime import Runtime


@dataclass
class CliState:
    config: str | None
    debug: bool
    quiet: bool = False

    @cached_property
    def settings(self) -> Settings:
        from mailbot.config import load_settings

        return load_settings(self.config)

    def runtime(self, receipts: bool = True) -> Runtime:
        """Open the run's services (schema upgrade, unit sync) for a command that needs the database."""
        from mailbot.runtime import Runtime

        rt = Runtime.open(self.settings, receipts=receipts)
        ctx = click.get_current_context(silent=True)
        if ctx is not None:  # the pool's connections close with the command, not at garbage collection
            ctx.call_on_close(rt.close)
        return rt


pass_state = click.make_pass_decorator(CliState)


HELP_OPTION_HELP = "显示本说明并退出 show this message and exit."


class MailbotCommand(click.Command):
    """A command whose --help option, like everything else in its help, is said in Chinese too."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_HELP
        return option


class MailbotGroup(click.Group):
    """Turns domain errors into one clear line and the contract's exit codes."""

    command_class = MailbotCommand

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_HELP
        return option

    def invoke(self, ctx: click.Context) -> Any:
        debug = "--debug" in sys.argv
        try:
            return super().invoke(ctx)
        except (ConfigError, UsageError) as e:
            if debug:
                raise
            click.echo(f"mailbot: {e}", err=True)
            ctx.exit(2)
        except MailbotError as e:
            if debug:
                raise
            click.echo(f"mailbot: {e}", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `mailbot tally | head`: the reader left; not an error
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as e:  # a bug, not the user's mistake: one line (exit 1), the traceback with --debug
            if debug:
                raise
            first = next(iter(str(e).splitlines()), "")
            click.echo(f"mailbot: failed: {type(e).__name__}: {first} (run with --debug for details)", err=True)
            ctx.exit(1)


@click.group(cls=MailbotGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config", metavar="PATH", envvar="MAILBOT_CONFIG",
              help="配置文件（默认取 $MAILBOT_CONFIG，否则 ./config.toml） config file.")
@click.option("--debug", is_flag=True, help="出错时显示完整的调用栈和调试日志 show tracebacks and debug logs.")
@click.option("-q", "--quiet", is_flag=True, help="日志只记警告和错误 only warnings and errors in the log.")
@click.version_option(__version__, prog_name="mailbot", help="显示版本号并退出 show the version and exit.")
@click.pass_context
def main(ctx: click.Context, config: str | None, debug: bool, quiet: bool) -> None:
    """政务信息报送邮箱自动处理：收信、认单位、分类、记分、回执、周报、通报、催报 (mailbot: the 政务信息 mailbox daemon).

    命令名和选项名是英文的，脚本按它们调用；每个命令的说明用 `mailbot 命令 --help` 查看。
    """
    # The database, raw mail, attachments and copies of sent mail hold people's names and scores:
    # whatever mailbot creates is for its own user only (0600 files, 0700 folders).
    os.umask(os.umask(0o077) | 0o077)
    # Reports print to stdout; the log (stderr) stays quiet unless asked. `run` raises it to INFO.
    level = logging.DEBUG if debug else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("jieba", "pdfminer", "apscheduler.executors", "imapclient", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not debug else logging.INFO)
    ctx.obj = CliState(config, debug, quiet)


def _register() -> None:
    from mailbot.cli import intake, reports  # noqa: F401  (commands register themselves)

    for optional in ("records", "corrections", "scores", "digest", "admin"):
        try:
            __import__(f"mailbot.cli.{optional}")
        except ModuleNotFoundError as e:
            if e.name != f"mailbot.cli.{optional}":
                raise


_register()
