"""Attachments: safe names and text of .docx, .pdf, .txt, .html (and .doc/.wps).

Every extractor works on bytes in memory, is bounded by ReadingLimits, and
answers with (text, note): a failure becomes a one-line note, never an exception.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import re
import time
import unicodedata
import zipfile

from mailbot.reading.charsets import decode_bytes
from mailbot.reading.html_text import html_to_text
from mailbot.reading.model import Attachment, ReadingLimits

_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")
_MAX_NAME = 180
_IMAGE_EXT = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".ico", ".emz", ".wmf"}


_DOC_TYPES = {"application/msword", "application/vnd.ms-works", "application/kswps", "application/wps-office.wps"}


_BROKEN_NOTES = {
    "docx": "docx文件已损坏 / broken .docx",
    "pdf": "PDF文件已损坏 / broken PDF",
    "doc": "doc/wps文件已损坏 / broken .doc/.wps file",
}
# pdfminer logs a warning for every oddity of a broken PDF; the note already says it.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


class _TooSlow(Exception):
    pass


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A name without path parts or control characters; invented from the type if missing."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("", name).strip().strip(".").strip()
    if len(name) > _MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: _MAX_NAME - 10] + dot + ext[:8]) if dot and len(ext) <= 8 else name[:_MAX_NAME]
    if not name:
        ext = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{index}{ext}"
    return name


def _kind(filename: str, content_type: str, data: bytes) -> str:
    ext = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    ctype = content_type.lower()
    if ext in _IMAGE_EXT or ctype.startswith("image/"):
        return "image"
    if ext == ".docx" or "wordprocessingml" in ctype:
        return "docx"
    if ext == ".pdf" or ctype == "application/pdf":
        return "pdf"
    if ext in (".doc", ".wps", ".dot") or ctype in _DOC_TYPES:
        return "doc"
    if ext in (".htm", ".html", ".xhtml", ".shtml") or ctype == "text/html":
        return "html"
    if ext in (".txt", ".text", ".csv", ".log") or ctype == "text/plain":
        return "txt"
    # By content where the name and type say nothing (application/octet-stream).
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:4096]:
        return "docx"
    if data.startswith(b"\xd0\xcf\x11\xe0") and ext in ("", ".bin", ".dat"):
        return "doc"
    return "other"


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise _TooSlow


def _docx_text(data: bytes, limits: ReadingLimits, deadline: float) -> tuple[str | None, str | None]:
    from mailbot.reading.zipguard import TooBig, TooSlow, check_expansion

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {info.filename for info in archive.infolist()}
        if "word/document.xml" not in names:
            return None, "docx中没有正文 / .docx has no word/document.xml"
        # Counted while decompressing (the declared sizes are the sender's word), before python-docx parses.
        check_expansion(archive, limits.max_unzipped_bytes, limits.max_docx_xml_bytes, deadline=deadline)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return None, "不是有效的docx文件 / not a valid .docx (not a zip file)"
    except TooBig as e:
        return None, f"docx解压后超出大小限制 / .docx {e} (zip bomb guard)"
    except TooSlow:
        raise _TooSlow from None
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for n, child in enumerate(document.element.body.iterchildren()):
        if n % 50 == 0:
            _check(deadline)
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                seen: set[int] = set()
                cells = []
                for cell in row.cells:  # merged cells repeat: keep each once
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        cells.append(cell.text.replace("\n", " ").strip())
                lines.append("\t".join(cells))
    text = "\n".join(lines).strip()
    return (text, None) if text else (None, "docx中没有文字 / .docx has no text")


def _pdf_text(data: bytes, limits: ReadingLimits, deadline: float) -> tuple[str | None, str | None]:
    from pdfminer.converter import TextConverter
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        return None, "PDF已加密 / encrypted PDF"
    except Exception:  # noqa: BLE001 - pdfminer raises many kinds for broken files
        return None, "PDF文件已损坏 / broken PDF"
    if not document.is_extractable:
        return None, "PDF禁止提取文字 / PDF forbids text extraction"
    out = io.StringIO()
    resources = PDFResourceManager(caching=True)
    device = TextConverter(resources, out, laparams=LAParams())
    interpreter = PDFPageInterpreter(resources, device)
    note = None
    try:
        for number, page in enumerate(PDFPage.create_pages(document)):
            if number >= limits.max_pdf_pages:
                note = f"只读取了前{limits.max_pdf_pages}页 / only the first {limits.max_pdf_pages} pages read"
                break
            if time.monotonic() > deadline:
                note = f"读取超时，只读取了前{number}页 / timed out after {number} pages"
                break
            interpreter.process_page(page)
    except Exception:  # noqa: BLE001 - a broken page ends reading; keep what was read
        note = "PDF部分损坏 / PDF partly broken"
    finally:
        device.close()
    text = re.sub(r"\n{3,}", "\n\n", out.getvalue().replace("\x0c", "\n")).strip()
    if not text:
        return None, note or "PDF中没有文字（可能是扫描件）/ PDF has no text layer (scanned?)"
    return text, note


def _doc_text(data: bytes, limits: ReadingLimits, deadline: float) -> tuple[str | None, str | None]:
    from mailbot.reading.word97 import word97_text

    return word97_text(data)


def extract_text(filename: str, content_type: str, data: bytes, limits: ReadingLimits,
                 charset: str | None = None) -> tuple[str | None, str | None, bool]:
    """(text, note, is_image) of one attachment."""
    kind = _kind(filename, content_type, data)
    if kind == "image":
        return None, None, True
    if len(data) > limits.max_attachment_bytes:
        size_mb = len(data) / 1048576
        return None, f"超出大小限制 / exceeds size limit ({size_mb:.1f} MB)", False
    deadline = time.monotonic() + limits.max_seconds_per_attachment
    try:
        if kind == "docx":
            text, note = _docx_text(data, limits, deadline)
        elif kind == "pdf":
            text, note = _pdf_text(data, limits, deadline)
        elif kind == "doc":
            text, note = _doc_text(data, limits, deadline)
        elif kind == "txt":
            text, note = decode_bytes(data, charset).text.replace("\r\n", "\n"), None
        elif kind == "html":
            text, note = html_to_text(decode_bytes(data, charset).text), None
        else:
            return None, None, False
    except _TooSlow:
        return None, "读取超时 / extraction timed out", False
    except Exception as exc:  # noqa: BLE001 - a hostile file must not stop the mail
        broken = _BROKEN_NOTES.get(kind, "无法读取附件 / unreadable attachment")
        return None, f"{broken} ({type(exc).__name__})", False
    return text, note, False


def make_attachment(name: str | None, content_type: str, data: bytes, index: int,
                    limits: ReadingLimits, charset: str | None = None) -> Attachment:
    """An Attachment with safe name, hash and extracted text or a note."""
    filename = safe_filename(name, content_type, index)
    text, note, is_image = extract_text(filename, content_type, data, limits, charset)
    return Attachment(filename, content_type, data, hashlib.sha256(data).hexdigest(), text, note, is_image)
