"""Builders for the reading tests: raw mail bytes, a .docx, a small PDF (no tests here).

Mails are built as raw bytes on purpose: the point is to feed the reader the
exact bytes real clients send (GBK under a gb2312 label, raw 8-bit headers...).
"""

from __future__ import annotations

import base64
import io
import zlib

BOUNDARY = "----=_Part_0_mailbot"


def header_block(headers: dict[str, str | bytes]) -> bytes:
    lines = []
    for name, value in headers.items():
        value_bytes = value if isinstance(value, bytes) else value.encode("utf-8")
        lines.append(name.encode("ascii") + b": " + value_bytes)
    return b"\r\n".join(lines) + b"\r\n"


def mail(headers: dict[str, str | bytes], body: bytes) -> bytes:
    """A whole message: headers, blank line, body."""
    base = {"From": "信息员 <xxy@jlws.gov.cn>", "To": "zwxx@163.com", "Date": "Mon, 6 May 2024 09:30:00 +0800",
            "Message-ID": "<m1@jlws.gov.cn>", "MIME-Version": "1.0"}
    base = {k: (v.encode("utf-8") if isinstance(v, str) and not v.isascii() else v) for k, v in base.items()}
    base.update(headers)
    return header_block(base) + b"\r\n" + body


def part(content_type: str, payload: bytes, *, filename_header: str | None = None,
         encoding: str = "base64", extra: dict[str, str] | None = None) -> bytes:
    """One MIME part; payload base64-encoded unless encoding='8bit'."""
    headers: dict[str, str | bytes] = {"Content-Type": content_type}
    if filename_header:
        headers["Content-Disposition"] = filename_header
    headers["Content-Transfer-Encoding"] = encoding
    headers.update(extra or {})
    body = base64.encodebytes(payload) if encoding == "base64" else payload
    return header_block(headers) + b"\r\n" + body


def multipart(parts: list[bytes], subtype: str = "mixed", boundary: str = BOUNDARY) -> tuple[str, bytes]:
    """(Content-Type value, body) of a multipart built from parts."""
    b = boundary.encode("ascii")
    body = b"This is a multi-part message in MIME format.\r\n\r\n"
    for p in parts:
        body += b"--" + b + b"\r\n" + p + b"\r\n"
    body += b"--" + b + b"--\r\n"
    return f'multipart/{subtype}; boundary="{boundary}"', body


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(pages: list[list[str]], encrypted: bool = False) -> bytes:
    """A small valid PDF with Chinese text (Type0 font + ToUnicode map), one list of lines per page."""
    chars = sorted(set("".join(line for page in pages for line in page)))
    code = {ch: i + 1 for i, ch in enumerate(chars)}
    cmap_lines = [f"<{code[ch]:04X}> <{ord(ch):04X}>" for ch in chars]
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{len(cmap_lines)} beginbfchar\n" + "\n".join(cmap_lines) + "\nendbfchar\n"
        "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")
    objects: dict[int, bytes] = {}
    n_pages = len(pages)
    first_page = 8
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages))
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[2] = f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode()
    objects[3] = b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H " \
                 b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>"
    objects[4] = b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light " \
                 b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /DW 1000 >>"
    objects[5] = _stream(cmap)
    objects[6] = b"<< /Producer (mailbot tests) >>"
    objects[7] = b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -44 >>"
    for i, page in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "72 720 Td"]
        for line in page:
            ops.append("<" + "".join(f"{code[ch]:04X}" for ch in line) + "> Tj")
            ops.append("0 -24 Td")
        ops.append("ET")
        page_no, content_no = first_page + 2 * i, first_page + 2 * i + 1
        objects[page_no] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_no} 0 R >>").encode()
        objects[content_no] = _stream("\n".join(ops).encode("ascii"), compress=True)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref_at = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for number in range(1, size):
        out += f"{offsets[number]:010d} 00000 n \n".encode()
    trailer = f"<< /Size {size} /Root 1 0 R /Info 6 0 R"
    if encrypted:
        trailer += " /Encrypt 7 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]"
    out += f"trailer\n{trailer} >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def _stream(data: bytes, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data)
        return f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode() + data + b"\nendstream"
    return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def doc_bytes(text: str) -> bytes:
    """A minimal Word 97 .doc: a compound file with a FIB, a UTF-16 text piece and a piece table."""
    import struct

    chars = text.replace("\n", "\r") + "\r"
    text_at = 1024
    word = bytearray(text_at) + chars.encode("utf-16-le")
    csw, cslw, cb_fclcb = 14, 22, 93
    struct.pack_into("<HH", word, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", word, 0x0A, 0x0200)  # fWhichTblStm: the table stream is 1Table
    struct.pack_into("<H", word, 32, csw)
    lw_at = 34 + csw * 2
    struct.pack_into("<H", word, lw_at, cslw)
    struct.pack_into("<i", word, lw_at + 2 + 3 * 4, len(chars))  # ccpText
    fclcb_at = lw_at + 2 + cslw * 4
    struct.pack_into("<H", word, fclcb_at, cb_fclcb)
    plc = struct.pack("<ii", 0, len(chars)) + struct.pack("<HIH", 0, text_at, 0)
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    table = bytearray(512) + clx
    struct.pack_into("<II", word, fclcb_at + 2 + 33 * 8, 512, len(clx))  # fcClx, lcbClx
    return _compound_file({"WordDocument": bytes(word), "1Table": bytes(table)})


def _compound_file(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file (512-byte sectors); streams padded past the mini-stream cutoff."""
    import struct

    end, free, fat_mark = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    sector = 512
    data_sectors: list[bytes] = []
    fat = [fat_mark, end]  # sector 0: FAT, sector 1: directory
    entries = []
    for name, payload in streams.items():
        padded = payload + b"\0" * (max(4096, len(payload)) - len(payload))
        padded += b"\0" * (-len(padded) % sector)
        start = 2 + len(data_sectors)
        count = len(padded) // sector
        for i in range(count):
            data_sectors.append(padded[i * sector : (i + 1) * sector])
            fat.append(start + i + 1 if i < count - 1 else end)
        entries.append((name, start, len(padded)))
    assert len(fat) <= sector // 4
    fat += [free] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", left, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    directory = entry("Root Entry", 5, free, free, 1, end, 0)
    for i, (name, start, size) in enumerate(entries):
        right = i + 2 if i + 1 < len(entries) else free
        directory += entry(name, 2, free, right, free, start, size)
    directory = directory.ljust(sector, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + b"".join(data_sectors)
