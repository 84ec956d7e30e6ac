"""Text of legacy Word 97-2003 (.doc) files and WPS files saved in that format (.wps).

The compound file is opened with olefile; the text is found through the
piece table (Clx) that the FIB points at, as [MS-DOC] 2.4.1 describes.  Only
the main document text is read (no headers, footnotes or text boxes).
"""

from __future__ import annotations

import io
import re
import struct

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FIELD_CODE = re.compile("\x13[^\x13\x14\x15]*\x14?|\x15")  # keep a field's result, drop its code
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_MAX_TEXT_CHARS = 5_000_000


def word97_text(data: bytes) -> tuple[str | None, str | None]:
    """(text, note) of a .doc/.wps file; never raises."""
    if not data.startswith(_OLE_MAGIC):
        return None, "不是有效的doc/wps文件 / not a valid .doc/.wps file"
    try:
        import olefile
    except ImportError:
        return None, "暂不支持读取.doc/.wps文字 / .doc/.wps text extraction not available (olefile missing)"
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("WordDocument"):
                return None, "doc/wps格式不支持 / not a Word 97-2003 document (old WPS format?)"
            word = ole.openstream("WordDocument").read()
            text, note = _piece_text(ole, word)
    except Exception:  # noqa: BLE001 - olefile and struct raise many kinds on broken files
        return None, "doc/wps文件已损坏 / broken .doc/.wps file"
    if note:
        return None, note
    text = _tidy(text or "")
    return (text, None) if text else (None, "doc/wps中没有文字 / .doc/.wps has no text")


def _piece_text(ole, word: bytes) -> tuple[str | None, str | None]:
    ident, _nfib = struct.unpack_from("<HH", word, 0)
    if ident != 0xA5EC:
        return None, "doc/wps文件已损坏 / broken .doc/.wps file (no FIB)"
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & 0x0100:
        return None, "doc/wps已加密 / encrypted .doc/.wps"
    table_name = "1Table" if flags & 0x0200 else "0Table"
    if not ole.exists(table_name):
        return None, "doc/wps文件已损坏 / broken .doc/.wps file (no table stream)"
    table = ole.openstream(table_name).read()
    # FIB: base (32 bytes), csw + fibRgW, cslw + fibRgLw, cbRgFcLcb + fibRgFcLcb
    csw = struct.unpack_from("<H", word, 32)[0]
    lw_at = 34 + csw * 2
    cslw = struct.unpack_from("<H", word, lw_at)[0]
    ccp_text = struct.unpack_from("<i", word, lw_at + 2 + 3 * 4)[0]
    fclcb_at = lw_at + 2 + cslw * 4 + 2
    fc_clx, lcb_clx = struct.unpack_from("<II", word, fclcb_at + 33 * 8)
    clx = table[fc_clx : fc_clx + lcb_clx]
    pos = 0
    while pos < len(clx) and clx[pos] == 0x01:  # skip Prc entries
        pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
    if pos >= len(clx) or clx[pos] != 0x02:
        return None, "doc/wps文件已损坏 / broken .doc/.wps file (no piece table)"
    lcb = struct.unpack_from("<I", clx, pos + 1)[0]
    plc = clx[pos + 5 : pos + 5 + lcb]
    count = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}i", plc, 0)
    parts: list[str] = []
    total = 0
    for i in range(count):
        start, end = cps[i], cps[i + 1]
        if start >= ccp_text > 0:
            break
        end = min(end, ccp_text) if ccp_text > 0 else end
        fc_value = struct.unpack_from("<I", plc, (count + 1) * 4 + i * 8 + 2)[0]
        length = max(0, end - start)
        if fc_value & 0x40000000:  # compressed: one byte per character, cp1252
            offset = (fc_value & 0x3FFFFFFF) // 2
            parts.append(word[offset : offset + length].decode("cp1252", "replace"))
        else:
            offset = fc_value & 0x3FFFFFFF
            parts.append(word[offset : offset + 2 * length].decode("utf-16-le", "replace"))
        total += length
        if total > _MAX_TEXT_CHARS:
            break
    return "".join(parts), None


def _tidy(text: str) -> str:
    text = _FIELD_CODE.sub("", text)
    text = text.replace("\r\x07", "\t").replace("\x07", "\t").replace("\r", "\n").replace("\x0b", "\n")
    text = text.replace("\x0c", "\n").replace("\ufffd", "")
    text = _CONTROL.sub("", text)
    lines = [line.rstrip("\t ").rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
