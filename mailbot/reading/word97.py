"""Text of legacy Word 97-2003 (.doc) and WPS (.wps) files.

No extractor for these is bundled yet; the note says so plainly.
"""

from __future__ import annotations


def word97_text(data: bytes) -> tuple[str | None, str | None]:
    """(text, note) of a .doc/.wps file."""
    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return None, "不是有效的doc/wps文件 / not a valid .doc/.wps file"
    return None, "暂不支持读取.doc/.wps文字 / .doc/.wps text extraction not available"
