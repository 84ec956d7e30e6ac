"""Turn bytes of unknown or wrongly declared charset into text.

Chinese mail declares gb2312 for GBK text, declares nothing, declares
iso-8859-1 or utf-8 over GBK bytes, or mixes charsets inside one part.  The
ladder here tries the declared charset strictly, checks it against the other
likely candidates, and repairs line by line when nothing fits the whole.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# The GB family is decoded as GB18030, its superset: a GBK-only character such
# as 镕 or 堃 under a gb2312 label must not turn the whole part into U+FFFD.
_GB_LABELS = {
    "gb2312", "gbk", "cp936", "euc-cn", "euccn", "x-gbk", "gb2312_charset",
    "gb_2312-80", "gb_2312", "x-euc-cn", "csgb2312", "gb18030", "chinese",
    "936", "ms936", "windows-936", "x-cp936", "gb-2312", "gb2312-80", "csgbk",
}
_BIG5_LABELS = {"big5", "x-big5", "cn-big5", "csbig5", "big5-hkscs", "big5hkscs", "cp950", "x-x-big5"}
_EXTRA_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "unicodebig": "utf-16-be",
    "unicodelittle": "utf-16-le",
    "unicode": "utf-16-le",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-mac-cyrillic": "mac-cyrillic",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
    "utf8": "utf-8",
}
_KNOWN_INSIDE = re.compile(r"(gb2312|gbk|gb18030|big5|utf-8|utf8|iso-8859-\d+|windows-125\d|us-ascii)")
_SEVEN_BIT = {"utf-7", "iso2022_jp", "iso2022_kr", "hz", "iso2022_jp_2"}
_SINGLE_BYTE_PREFIXES = ("latin", "iso8859", "cp125", "ascii", "mac", "koi8", "cp437", "cp850")

# Frequent characters of Chinese official text (simplified, with their
# traditional forms) plus CJK punctuation.  Real text is mostly made of them;
# bytes decoded with the wrong CJK codec give rare characters instead.
_COMMON = set(
    "国的中新人发在大和全一会展日年业地进作动央化文同方出以行平为部建要加等主民联实家成了强高合力工天重月生总产"
    "近关共上持对视长个消体政开多时推网今有查原设播军区息习来看表现党机务能代是闻面增美经不提到员系前议量定通将理"
    "领保示斯好统续我深各制入水市目万委两技运交十科战海创期学用次利度公法治场基于坚向与分安更际道电过心记自资造北"
    "第数外正济色社下点特事施西指俄席当式内书调称活性亿路立举间质项导台比明域局流元应克计南程农企本步规布列报三升"
    "题品从已乌源达组改信这最据巴相支带江广义击任决协首服门就育至队问快二超护世村精标位防华四界东得研级小者尔城线"
    "后互球们装五亚物供团及稳略口伊革落放集届结空取完金起术打受风气态解断院构罗节里京策其效意情收管并航可之游州他"
    "求投车引优接境兰传着商费拉省教众确种马备火常型山划还准神参命智群河势积也贸织约办促环核旅显愿复专果客预朗志突"
    "武致转模名干此责类障件历速把极沙营验德形双使处"
    "並亞佈來個們備傳億優內兩創劃動務勢區協參員問國團堅報場學實將專對導屆帶幹廣強後從復態應戰擊據數斷於時書會東業"
    "極構標機歷氣決準濟烏營爲爾現環產當發確種稱積穩節約級組結統經網線總織續羅羣義習聞聯臺與舉華萬蘭處衆術裏裝規視"
    "計記設調議護責費貿資質車軍轉辦農這進遊運過達還錶長門開間關隊際雙電項預領題願類顯風馬驗體點黨"
    "你您她吗呢啊吧么那没很想说话些再谢请附邮给把被让还只都又就才很真好样怎么哪谁嗎呢麼說話謝請郵給讓還隻樣怎誰"
    "，。、；：？！“”‘’（）《》【】…—·　"
)


@dataclass
class Decoded:
    text: str
    used: str          # codec actually used, e.g. "gb18030", "utf-8", "gb18030+utf-8"
    repaired: bool     # the declared label was wrong, missing, or some bytes were dropped
    dropped: int = 0   # undecodable bytes left out


def _drop_errors(exc: UnicodeError) -> tuple[str, int]:
    if isinstance(exc, UnicodeDecodeError):
        return "", exc.end
    raise exc


codecs.register_error("mailbot_drop", _drop_errors)


def normalize_charset(label: str | None) -> str | None:
    """Map a declared charset label to a Python codec name, or None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if "*" in name:  # RFC 2231 language suffix: utf-8*zh
        name = name.split("*", 1)[0]
    if name in _GB_LABELS:
        return "gb18030"
    if name in _BIG5_LABELS:
        return "big5hkscs"
    name = _EXTRA_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL inside the label
        pass
    # Broken labels such as 'charset="gb2312' or 'windows-1252http-equiv...'
    found = _KNOWN_INSIDE.search(name)
    return normalize_charset(found.group(1)) if found and found.group(1) != name else None


def cjk_score(text: str) -> float:
    """Share of non-ASCII characters that are common Chinese characters or punctuation."""
    total = good = 0
    for ch in text:
        if ch > "\x7f":
            total += 1
            if ch in _COMMON:
                good += 1
    return good / total if total else 0.0


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_single_byte(codec: str | None) -> bool:
    return codec is None or codec.replace("-", "").replace("_", "").startswith(_SINGLE_BYTE_PREFIXES)


def _best_cjk(data: bytes) -> tuple[str, str, float] | None:
    """Best strict CJK reading of non-UTF-8 bytes: (text, codec, score)."""
    best: tuple[str, str, float] | None = None
    for codec in ("gb18030", "big5hkscs"):
        text = _strict(data, codec)
        if text is not None:
            score = cjk_score(text)
            if best is None or score > best[2] + 0.1:
                best = (text, codec, score)
    return best


def _decode_lines(data: bytes, codec: str) -> Decoded:
    """Repair a part that no single codec reads: decode line by line."""
    out: list[str] = []
    used = {codec}
    dropped = 0
    for line in data.split(b"\n"):
        text = _strict(line, codec)
        if text is None:
            text, alt = _line_ladder(line, codec)
            if alt:
                used.add(alt)
        if text is None:
            lossy = line.decode(codec, "replace")
            dropped += lossy.count("\ufffd")
            text = line.decode(codec, "mailbot_drop")
        out.append(text)
    name = "+".join([codec] + sorted(used - {codec}))
    return Decoded("\n".join(out), name, True, dropped)


def _needs_superset(data: bytes, declared: str | None) -> bool:
    """A gb2312 (or big5) label whose bytes only the GB18030 (Big5-HKSCS) superset reads: a repair."""
    label = (declared or "").strip().strip("\"'").lower()
    narrow = {"gb2312": "gb2312", "euc-cn": "gb2312", "euccn": "gb2312", "x-euc-cn": "gb2312",
              "gb_2312-80": "gb2312", "csgb2312": "gb2312", "gb2312_charset": "gb2312", "gbk": "gbk",
              "x-gbk": "gbk", "cp936": "gbk", "big5": "big5", "x-big5": "big5", "cn-big5": "big5"}.get(label)
    return narrow is not None and _strict(data, narrow) is None


def _non_ascii(text: str) -> int:
    return sum(1 for ch in text if ch > "\x7f")


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _has_utf8_sequences(data: bytes) -> bool:
    return _UTF8_SEQUENCE.search(data) is not None


def _line_ladder(line: bytes, codec: str) -> tuple[str | None, str | None]:
    """One line that the part's codec cannot read: UTF-8, GB or Big5 if they fit, else Latin."""
    text = _strict(line, "utf-8")
    if text is not None:
        return text, "utf-8"
    for alt in ("gb18030", "big5hkscs"):
        text = _strict(line, alt)
        if text is not None and (cjk_score(text) >= 0.3 or (alt == "gb18030" and _gb2312_shaped(line))):
            return text, alt
    if codec == "utf-8" and _has_utf8_sequences(line):
        return None, None  # damaged UTF-8: drop the bad bytes, keep the rest
    if codec not in ("gb18030", "big5hkscs"):
        text = _strict(line, "cp1252")
        if text is not None:
            return text, "cp1252"
    return None, None


def decode_bytes(data: bytes, declared: str | None) -> Decoded:
    """Decode bytes, trusting the declared charset only as far as the bytes agree."""
    codec = normalize_charset(declared)
    if data.isascii():
        if codec in _SEVEN_BIT:
            text = _strict(data, codec)
            if text is not None:
                return Decoded(text, codec, False)
        return Decoded(data.decode("ascii"), codec if codec and not _is_single_byte(codec) else "ascii", False)

    if codec in _SEVEN_BIT:  # 8-bit bytes under a 7-bit label: the label is wrong
        codec = None
    if codec == "utf-16-le" and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-16"

    if codec is not None and not _is_single_byte(codec):
        text = _strict(data, codec)
        if text is not None:
            if codec in ("gb18030", "big5hkscs"):
                # UTF-8 bytes under a GB label also decode as GB18030 (as garbage).
                as_utf8 = _strict(data, "utf-8")
                if as_utf8 is not None and cjk_score(as_utf8) >= cjk_score(text):
                    return Decoded(as_utf8, "utf-8", True)
                score = cjk_score(text)
                if score < 0.2 and _non_ascii(text) >= 10:  # GB under a Big5 label, or the reverse
                    best = _best_cjk(data)
                    if best and best[1] != codec and best[2] >= 0.4 and best[2] > score + 0.2:
                        return Decoded(best[0], best[1], True)
                return Decoded(text, codec, _needs_superset(data, declared))
            return Decoded(text, codec, False)
        as_utf8 = _strict(data, "utf-8")
        if as_utf8 is not None:
            return Decoded(as_utf8, "utf-8", True)
        best = _best_cjk(data)
        if best and best[1] != codec and best[2] >= 0.4:
            return Decoded(best[0], best[1], True)
        return _decode_lines(data, codec)

    # Undeclared, unknown, or a single-byte label: look for UTF-8 and CJK first.
    as_utf8 = _strict(data, "utf-8")
    if as_utf8 is not None:
        return Decoded(as_utf8, "utf-8", True)  # undeclared or under a single-byte label
    best = _best_cjk(data)
    # Undeclared Chinese text needs less evidence than text under a Latin label.
    if best is not None and (
        (codec is None and (best[2] >= 0.15 or _gb2312_shaped(data)))
        or (best[2] >= 0.3 and _non_ascii(best[0]) >= 4)  # GBK bytes under a Latin label
    ):
        return Decoded(best[0], best[1], True)
    if codec is not None:
        text = _strict(data, codec)
        if text is not None:
            return Decoded(text, codec, False)
    if len(data) < 200:  # too short for a statistical guess: Western single-byte text
        text = _strict(data, "cp1252")
        return Decoded(text, "cp1252", True) if text is not None else Decoded(data.decode("latin-1"), "latin-1", True)
    guess = _normalizer_guess(data)
    if guess is not None:
        return Decoded(guess[0], guess[1], True)
    if best is not None:
        return Decoded(best[0], best[1], True)
    return _decode_lines(data, "gb18030")


def _gb2312_shaped(data: bytes) -> bool:
    """Every high byte is half of a GB2312 pair (both bytes 0xA1-0xFE): GB text, not Latin-1."""
    i, n, pairs = 0, len(data), 0
    while i < n:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        if not (0xA1 <= b <= 0xF7 and i + 1 < n and 0xA1 <= data[i + 1] <= 0xFE):
            return False
        pairs += 1
        i += 2
    return pairs > 0


def _normalizer_guess(data: bytes) -> tuple[str, str] | None:
    """Last resort for bytes that no CJK codec reads: charset-normalizer's best guess."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - it is a declared dependency
        return None
    match = from_bytes(data[:65536]).best()
    if match is None or match.encoding is None:
        return None
    text = _strict(data, match.encoding)
    return (text, match.encoding) if text is not None else None
