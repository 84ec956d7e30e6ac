"""Whether the receiving server vouches that a mail really comes from an office admin.

A From address alone is easy to forge, so an office command is carried out only when:

1. the sender is listed in ``[office] admins`` (exact address, case-insensitive);
2. the **topmost** ``Authentication-Results`` header whose authserv-id is listed in
   ``[office] authserv_ids`` (the receiving server's own; others may be written by anyone)
   is parsed with ``authres`` (RFC 8601, so quoted strings and comments cannot smuggle a
   ``dkim=pass`` in) and shows
   - ``spf=pass`` with ``smtp.mailfrom`` the admin's exact address, or
   - ``dkim=pass`` (or ``spf=pass`` naming only a domain) for the admin's exact domain (no parent
     domains), with no sign of another user of that domain (``header.i`` or ``smtp.mailfrom``
     naming another address there); on a public free-mail domain (163.com, qq.com, …) a
     domain-level pass proves nothing about the user, so there only the exact address counts,
     unless the office also uses the secret word;
3. with ``[office] command_secret_env`` set, the mail's body carries that secret word.

Pure logic: headers in, a verdict out (``None`` when trusted, else the reason in Chinese).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Domains where anyone can open an account: a DKIM pass for the domain says nothing about who.
FREE_MAIL = frozenset({
    "163.com", "126.com", "yeah.net", "188.com", "vip.163.com", "vip.126.com", "qq.com", "vip.qq.com",
    "foxmail.com", "sina.com", "sina.cn", "vip.sina.com", "sohu.com", "139.com", "189.cn", "wo.cn",
    "aliyun.com", "tom.com", "21cn.com", "gmail.com", "outlook.com", "hotmail.com", "live.com",
    "yahoo.com", "icloud.com",
})
NO_AUTHSERV_ID = ""  # how Exchange Online writes the header (no authserv-id): list "" to trust it


@dataclass(frozen=True)
class Verdict:
    trusted: bool
    reason: str  # Chinese, for the reply and the command log
    via: str = ""  # what proved it: "spf smtp.mailfrom=…" / "dkim header.d=…"


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".").lower()


def trusted_header(values: Iterable[str], authserv_ids: Iterable[str]):
    """The parsed topmost ``Authentication-Results`` whose authserv-id is trusted, else None.

    ``values`` are the header values top to bottom. A value that cannot be parsed is skipped
    (it cannot vouch for anything), but one naming a trusted authserv-id and failing to parse
    ends the search: a broken header of our own server must not let a lower one count.
    """
    import authres

    ids = {i.strip().lower() for i in authserv_ids}
    for value in values:
        value = " ".join(str(value).split())
        claimed = _claimed_id(value)
        if claimed not in ids:
            continue
        text = value if claimed else _exchange_online(value)
        try:
            return authres.AuthenticationResultsHeader.parse_value(text)
        except Exception:  # noqa: BLE001 - authres raises SyntaxError and others on junk
            return None
    return None


_CLAIMED = re.compile(r"^\s*([^\s;()=]+)(?=\s*(?:\(|;|\s\d|$))")


def _claimed_id(value: str) -> str | None:
    """The authserv-id a header claims; "" when it starts with a result (Exchange Online)."""
    if re.match(r"^\s*[\w.-]+\s*=", value):
        return NO_AUTHSERV_ID
    m = _CLAIMED.match(value)
    return m.group(1).lower() if m else None


def _exchange_online(value: str) -> str:
    """Exchange Online's form made RFC 8601: an empty authserv-id, its bare properties dropped."""
    value = re.sub(r"(?<=\s)(?:action|reason)=[^\s;]+", "", value)
    return "none; " + value


def verify(sender: str, admins: Iterable[str], auth_results: list[str], authserv_ids: list[str],
           require_authenticated: bool = True, secret: str | None = None, body: str = "") -> Verdict:
    """Whether an office command from ``sender`` may be carried out; see the module docstring."""
    sender = (sender or "").strip().lower()
    if not sender or sender not in {a.strip().lower() for a in admins}:
        return Verdict(False, f"{sender or '（无发件人）'} 不在管理员名单（[office] admins）中")
    if secret and secret not in (body or ""):
        return Verdict(False, "指令邮件正文中没有约定的口令（[office] command_secret_env），为防冒用，指令未执行")
    if not require_authenticated:
        return Verdict(True, "require_authenticated = false", "config")
    if not authserv_ids:
        return Verdict(False, "未配置收信服务器的 authserv-id（[office] authserv_ids），无法确认发件人，指令未执行")
    header = trusted_header(auth_results, authserv_ids)
    if header is None:
        return Verdict(False, "没有收信服务器（" + "、".join(i or "（无标识）" for i in authserv_ids)
                       + "）写入的 Authentication-Results 验证结果，为防冒用，指令未执行")
    return _judge(sender, header, bool(secret))


def _props(result) -> dict[str, str]:
    return {f"{p.type}.{p.name}".lower(): str(p.value or "").strip().strip("<>").lower()
            for p in getattr(result, "properties", [])}


def _judge(sender: str, header, has_secret: bool) -> Verdict:
    domain = _domain(sender)
    free = domain in FREE_MAIL and not has_secret  # the secret word stands in for the user's proof
    exact: str | None = None
    domain_pass: str | None = None
    other_user: str | None = None
    for result in header.results:
        method = str(getattr(result, "method", "") or "").lower()
        outcome = str(getattr(result, "result", "") or "").lower()
        props = _props(result)
        if method == "spf":
            mailfrom = props.get("smtp.mailfrom", "")
            if "@" in mailfrom and _domain(mailfrom) == domain and mailfrom != sender:
                other_user = mailfrom
            if outcome != "pass" or not mailfrom:
                continue
            if mailfrom == sender:
                exact = f"spf smtp.mailfrom={mailfrom}"
            elif "@" not in mailfrom and mailfrom.strip(".") == domain:
                domain_pass = domain_pass or f"spf smtp.mailfrom={mailfrom}"
        elif method == "dkim":
            ident = props.get("header.i", "")
            if "@" in ident and ident.partition("@")[0] and _domain(ident) == domain and ident != sender:
                other_user = ident
            if outcome != "pass" or props.get("header.d", "").strip(".") != domain:
                continue
            if ident == sender:
                exact = f"dkim header.i={ident}"
            domain_pass = domain_pass or f"dkim header.d={domain}"
    if other_user:
        return Verdict(False, f"验证结果显示实际发件人是 {other_user}，不是 {sender}，为防冒用，指令未执行")
    if exact:
        return Verdict(True, "验证通过", exact)
    if domain_pass and not free:
        return Verdict(True, "验证通过", domain_pass)
    if domain_pass:
        return Verdict(False, f"{domain} 是公共邮箱域名，域名验证不能证明发件人本人；请设置口令（[office] "
                       "command_secret_env）或使用本单位域名邮箱，指令未执行")
    return Verdict(False, f"发件域 {domain} 未通过 DKIM/SPF 验证（Authentication-Results），为防冒用，指令未执行")
