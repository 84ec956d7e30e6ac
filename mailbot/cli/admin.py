"""Commands for the operator: check-config, upgrade-db, units, retrain, evaluate."""

from __future__ import annotations

import click

from mailbot.cli import CliState, main, pass_state
from mailbot.cli.output import table


@main.command("check-config")
@pass_state
def check_config(state: CliState) -> None:
    """检查配置文件，说明配置了什么；出错时给出文件、行号、键名和原因 (validate the config file)."""
    s = state.settings  # loading checks everything: calendar, scheme and categories included
    click.echo(f"{s.path}: OK — {len(s.units)} unit(s) in {len(s.classes)} class(es), source {s.source.kind}, "
               f"outgoing {s.outgoing.kind}, scheme {s.rules.scheme.name}, database {s.database_url.split(':', 1)[0]}")


@main.command("upgrade-db")
@pass_state
def upgrade_db(state: CliState) -> None:
    """把数据库结构升级到最新（每次启动时也会自动升级） (bring the database schema up to date)."""
    with state.runtime() as rt:  # opening upgrades
        click.echo(f"database at revision {rt.db.current_revision()}")


@main.command()
@click.option("--ids", is_flag=True, help="类别列显示英文ID（供脚本使用） show class ids.")
@pass_state
def units(state: CliState, ids: bool) -> None:
    """单位名单、类别和信息员邮箱 (list the units, their classes and registered addresses)."""
    from mailbot.units import UnitDirectory

    names = {c.id: c.name or c.id for c in state.settings.classes}
    rows = [{"id": u.id, "name": u.name, "class": u.class_id if ids else names.get(u.class_id, u.class_id),
             "emails": ", ".join(u.emails), "aliases": ", ".join(u.aliases)}
            for u in UnitDirectory.from_settings(state.settings)]
    click.echo(table(rows, [("id", "ID"), ("name", "单位"), ("class", "类别"), ("emails", "信息员邮箱"),
                            ("aliases", "别名")], max_width=60))


@main.command()
@pass_state
def retrain(state: CliState) -> None:
    """用办公室的类别更正重新训练分类模型 (retrain the classifier with the office's corrections)."""
    from mailbot.retraining import retrain as do_retrain

    click.echo(do_retrain(state.runtime()).line())


@main.command()
def evaluate() -> None:
    """分类模型在留出样本上的准确率、各类查准率/查全率和混淆矩阵 (evaluate the classifier)."""
    from mailbot.classify.classifier import Classifier
    from mailbot.classify.dataset import load_labelled
    from mailbot.classify.evaluation import evaluate as do_evaluate
    from mailbot.classify.model import train
    from mailbot.classify.taxonomy import default_taxonomy

    taxonomy = default_taxonomy()
    model = train([e.as_tuple() for e in load_labelled("train")], taxonomy)
    report = do_evaluate(Classifier(taxonomy, model), load_labelled("test"))
    click.echo(report.format())
