"""Zip bombs in .docx attachments: the expansion is counted while decompressing, before any parser."""

from __future__ import annotations

import io
import zipfile

import pytest

from mailbot.reading import ReadingLimits, read_message
from tests.test_reading_robustness import _with_attachment
from tests.test_reading_support import docx_bytes


def _inflated_docx(xml_bytes: int) -> bytes:
    """A real docx whose document.xml is padded to ``xml_bytes`` of XML (it compresses to ~1/1000)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes(["正文第一段"]))) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                pad = b"<w:p><w:r><w:t> </w:t></w:r></w:p>"
                filler = pad * ((xml_bytes - len(data)) // len(pad))
                data = data.replace(b"</w:body>", filler + b"</w:body>")
            out.writestr(info.filename, data)
    return buffer.getvalue()


def test_docx_whose_xml_expands_past_the_limit_is_refused_with_a_note():
    # GIVEN a ~100 KB docx whose document.xml is 20 MB of XML (under the 50 MB archive limit)
    bomb = _inflated_docx(20 * 1024 * 1024)
    assert len(bomb) < 200 * 1024
    # WHEN the mail is read
    mail = read_message(_with_attachment("信息.docx", bomb))
    # THEN the attachment is refused by the XML part limit, the mail itself is read
    note = mail.attachments[0].note
    assert mail.attachments[0].text is None
    assert "word/document.xml expands past 8 MB" in note and "zip bomb guard" in note


def test_docx_lying_about_its_sizes_is_counted_by_what_comes_out():
    # GIVEN a docx whose zip directory claims a tiny document.xml that really holds 3 MB
    real = _inflated_docx(3 * 1024 * 1024)
    mail = read_message(_with_attachment("信息.docx", real),
                        ReadingLimits(max_unzipped_bytes=50 * 1024 * 1024, max_docx_xml_bytes=1024 * 1024))
    # THEN the real expansion is what counts
    assert "expands past 1 MB" in mail.attachments[0].note


def test_ordinary_docx_is_still_read():
    mail = read_message(_with_attachment("信息.docx", _inflated_docx(200 * 1024)))
    assert mail.attachments[0].text.startswith("正文第一段")


def test_xlsx_register_bomb_is_refused_before_openpyxl(tmp_path):
    from mailbot.errors import UsageError
    from mailbot.importer import read_rows

    # GIVEN an .xlsx whose shared strings expand past the register limit
    path = tmp_path / "采用登记.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * (70 * 1024 * 1024) + b"</sst>")
    # THEN reading it is a clear refusal
    with pytest.raises(UsageError, match="expands past 64 MB; not read"):
        read_rows(path)
