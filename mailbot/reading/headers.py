"""Decode header values: RFC 2047 words, raw 8-bit bytes, addresses, dates, ids.

The parser (compat32) keeps raw 8-bit header bytes as surrogate escapes; they
are turned back into bytes and decoded with the charset ladder, never shown as
surrogates or U+FFFD.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from mailbot.reading.charsets import decode_bytes, normalize_charset

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")
_FOLD = re.compile(r"\r?\n[ \t]*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MSG_ID = re.compile(r"<([^<>\s]+)>")


_WEAK_HINTS = {None, "ascii", "latin-1", "iso8859-1", "cp1252", "utf-8"}


def raw_to_text(value: str, hint: str | None = None) -> str:
    """Raw header text (ASCII plus surrogate escapes) -> text, without RFC 2047 decoding.

    hint: the charset the message's text parts declare; raw 8-bit headers are
    usually in it.  Latin-1 and UTF-8 hints say nothing useful and are ignored.
    """
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value  # already real text
    if data.isascii():
        return value
    return decode_bytes(data, hint if normalize_charset(hint) not in _WEAK_HINTS else None).text


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        payload = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        if len(payload) % 4 == 1:  # a lone trailing character carries no whole byte
            payload = payload[:-1]
        payload += "=" * (-len(payload) % 4)
        try:
            return base64.b64decode(payload)
        except (binascii.Error, ValueError):
            return b""
    try:  # raw 8-bit bytes inside a Q word (seen in the wild) were read as Latin-1 text
        data = payload.encode("latin-1")
    except UnicodeEncodeError:
        data = payload.encode("utf-8")
    return binascii.a2b_qp(data.replace(b"_", b" "), header=True)


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words anywhere in text (also inside quotes or glued to text).

    Adjacent words in the same charset are joined before decoding, because
    clients split a GBK character's two bytes across two words.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    pos = 0
    pending: list[bytes] = []
    pending_charset: str | None = None

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_charset or None).text)
        pending, pending_charset = [], None

    for match in _ENCODED_WORD.finditer(text):
        gap = text[pos : match.start()]
        if pending and _BETWEEN_WORDS.fullmatch(gap):
            gap = ""  # whitespace between encoded words is not part of the text
        charset = match.group(1).split("*", 1)[0].lower()
        if gap or charset != pending_charset:
            flush()
            out.append(gap)
        pending.append(_word_bytes(match.group(2), match.group(3)))
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(text[pos:])
    return "".join(out)


def decode_header(value: str | None, hint: str | None = None) -> str:
    """A raw header value -> readable text, unfolded, without control characters."""
    if not value:
        return ""
    text = raw_to_text(_FOLD.sub(" ", str(value)), hint)
    text = decode_words(text)
    return _CONTROL.sub("", text).strip()


def parse_addresses(value: str | None, hint: str | None = None) -> list[tuple[str, str]]:
    """(display name, lower-case address) pairs from an address header."""
    if not value:
        return []
    text = raw_to_text(_FOLD.sub(" ", str(value)), hint)
    try:
        pairs = getaddresses([text])
    except Exception:  # noqa: BLE001 - address parsing of hostile input must not stop reading
        pairs = []
    result = []
    for name, addr in pairs:
        addr = _CONTROL.sub("", addr).strip().strip("<>").lower()
        name = _CONTROL.sub("", decode_words(name)).strip().strip('"').strip()
        if addr or name:
            result.append((name, addr))
    return result


def header_date(value: str | None) -> datetime | None:
    """RFC 5322 date -> tz-aware datetime (a date without zone is taken as UTC), or None."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(raw_to_text(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def received_date(message: Message) -> datetime | None:
    """Date of the newest (topmost) Received: header that carries one."""
    for value in message.get_all("Received", []) or []:
        text = _FOLD.sub(" ", str(value))
        if ";" in text:
            when = header_date(text.rsplit(";", 1)[1])
            if when is not None:
                return when
    return None


def message_ids(value: str | None) -> list[str]:
    """Message ids without angle brackets, in order."""
    if not value:
        return []
    text = raw_to_text(_FOLD.sub(" ", str(value)))
    found = _MSG_ID.findall(text)
    if not found and text.strip():
        found = [text.strip().split()[0]]
    return found


def header_text(message: Message, name: str) -> str | None:
    """First raw value of a header (str even where compat32 would give a Header object)."""
    lname = name.lower()
    for key, value in message.raw_items():
        if key.lower() == lname:
            return str(value)
    return None


def param_text(message: Message, param: str, header: str, hint: str | None = None) -> str | None:
    """A Content-Type / Content-Disposition parameter, RFC 2231 and RFC 2047 decoded.

    Also reads QQ/Foxmail's non-standard name="=?GB2312?B?...?=" and raw 8-bit names.
    """
    raw = header_text(message, header)
    if raw is None:
        return None
    # compat32 would turn raw 8-bit bytes into U+FFFD here: decode them first.
    holder = Message()
    holder[header] = raw_to_text(_FOLD.sub(" ", raw), hint)
    try:
        value = holder.get_param(param, None, header)
    except Exception:  # noqa: BLE001 - malformed parameters
        return None
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, latin-1 text of the bytes)
        charset, _lang, text = value
        try:
            decoded = decode_bytes(text.encode("latin-1"), charset or None).text
        except UnicodeEncodeError:  # raw 8-bit text inside an RFC 2231 value, already decoded
            decoded = text
    else:
        decoded = raw_to_text(str(value))
    return _CONTROL.sub("", decode_words(decoded)).strip()
