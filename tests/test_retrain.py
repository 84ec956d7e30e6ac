"""Learning from the office: a category correction is stored, reported and used on the next retrain."""

from __future__ import annotations

from mailbot import records
from mailbot.polling import ingest
from mailbot.reports.listing import list_submissions
from mailbot.retraining import load_classifier, office_examples, retrain
from mailbot.runtime import Runtime
from tests.mailbox_helpers import item_mail, write_config

SUBJECT = "长春市卫生局组织开展医疗机构消防安全大检查"
BODY = "3月2日至6日，长春市卫生局组织对全市二级以上医疗机构开展消防安全大检查，共检查医院46家，发现隐患37处，已全部督促整改。"


def test_correction_is_used_on_next_retrain(tmp_path):
    # GIVEN an item and the office's correction of its category to `problem`
    rt = Runtime.open(write_config(tmp_path))
    (tmp_path / "mail" / "1.eml").write_bytes(item_mail(1, subject=SUBJECT, body=BODY, message_id="first"))
    ingest(rt, [tmp_path / "mail"])
    first = list_submissions(rt)[0]
    target = "problem" if first["category"] != "problem" else "experience"
    records.set_category(rt, first["receipt"], target, by="office@example.gov.cn")

    # WHEN the classifier is retrained and the same item comes again from another unit
    report = retrain(rt)
    (tmp_path / "mail" / "2.eml").write_bytes(item_mail(2, sender="jlsws@example.gov.cn", subject=SUBJECT, body=BODY,
                                                         message_id="second"))
    ingest(rt, [tmp_path / "mail"])

    # THEN the correction is training data, shown on the item, and the new item gets the office's category
    assert report.corrections == 1
    [(subject, _text, category)] = office_examples(rt)
    assert (subject, category) == (SUBJECT, target)
    rows = {r["message_id"].split("@")[0]: r for r in list_submissions(rt)}
    assert rows["first"]["category"] == target and rows["first"]["category_by"] == "office@example.gov.cn"
    assert rows["second"]["category"] == target
    assert any("办公室更正" in reason for reason in rows["second"]["category_reasons"])

    # AND a new process (fresh Runtime) starts with the correction too
    fresh = Runtime.open(rt.settings)
    assert load_classifier(fresh).classify(SUBJECT, BODY).category == target
