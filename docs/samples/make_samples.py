"""Regenerate docs/samples/: PNG renderings of every mail mailbot sends and of the printed workbook.

    python docs/samples/make_samples.py        (from the repository root, with mailbot installed)

It runs the README's demo (config.example.toml, examples/mailbox) in a temporary folder, records
an adoption, an instruction and a manual adjustment, then renders each mail's HTML part with
headless Chromium and prints the 通报 workbook through LibreOffice (PDF -> PNG with pdftoppm).
It installs Chromium, LibreOffice Calc, the Noto CJK fonts and poppler-utils with apt-get when
they are missing. CI does not run it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
TOOLS = {"chromium": "chromium", "soffice": "libreoffice-calc-nogui", "pdftoppm": "poppler-utils"}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars"]


def ensure_tools() -> None:
    missing = [pkg for cmd, pkg in TOOLS.items() if shutil.which(cmd) is None]
    if not Path("/usr/share/fonts/opentype/noto").exists():
        missing.append("fonts-noto-cjk")
    if missing:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)


def mailbot(work: Path, *args: str) -> str:
    p = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(work / "config.example.toml"), *args],
                       capture_output=True, text=True, cwd=work)
    if p.returncode != 0:
        raise SystemExit(f"mailbot {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout


def html_of(eml: Path) -> str | None:
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    part = msg.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else None


def screenshot(html: Path, png: Path, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size=820,{height}",
                        f"--screenshot={png}", html.as_uri()], check=True, capture_output=True, timeout=120)
    trim(png)


def trim(png: Path) -> None:
    """Cut the empty page below the mail (Pillow when available)."""
    try:
        from PIL import Image, ImageChops
    except ImportError:
        return
    im = Image.open(png).convert("RGB")
    box = ImageChops.difference(im, Image.new("RGB", im.size, "white")).getbbox()
    if box:
        im.crop((0, 0, im.width, min(im.height, box[3] + 24))).save(png)


def workbook_pages(xlsx: Path, stem: str, work: Path) -> list[Path]:
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(xlsx)],
                   check=True, capture_output=True, timeout=300)
    pdf = work / (xlsx.stem + ".pdf")
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(OUT / stem)], check=True)
    return sorted(OUT.glob(f"{stem}-*.png"))


def command_mail(work: Path, sender: str, subject: str, body: str, auth: bool) -> Path:
    """An .eml as it would arrive: from an admin (with the server's Authentication-Results) or a unit."""
    from datetime import datetime
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    msg = EmailMessage()
    if auth:
        msg["Authentication-Results"] = f"mail.example.gov.cn; spf=pass smtp.mailfrom={sender}"
    msg["From"], msg["To"], msg["Subject"] = sender, "jlwsxx2012@163.com", subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="example.gov.cn")
    msg.set_content(body)
    path = work / f"{abs(hash(subject))}.eml"
    path.write_bytes(bytes(msg))
    return path


def main() -> None:
    ensure_tools()
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = (ROOT / "config.example.toml").read_text(encoding="utf-8")
        # the receiving server of the samples' mailbox vouches for the office's own address
        (work / "config.example.toml").write_text(
            config.replace("authserv_ids = []", 'authserv_ids = ["mail.example.gov.cn"]'), encoding="utf-8")
        shutil.copytree(ROOT / "examples", work / "examples")
        mailbot(work, "poll")
        mailbot(work, "adopt", "20260120-0001", "--level", "province", "--date", "2026-01-25",
                "--publication", "卫生信息", "--issue", "12")
        mailbot(work, "instruct", "20260120-0001", "--level", "department", "--date", "2026-01-28")
        mailbot(work, "adjust", "siping", "5", "--reason", "基础工作", "--date", "2026-03-20")
        items = json.loads(mailbot(work, "submissions", "--status", "accepted", "--format", "json"))
        a, b = items[1]["receipt"], items[2]["receipt"]
        office = "xinxike@example.gov.cn"
        mailbot(work, "ingest", "--preview", str(work / "reply"),
                str(command_mail(work, office, f"采用 {a} {b} 厅级", "请办理。", auth=True)))
        mailbot(work, "ingest", "--preview", str(work / "query"),
                str(command_mail(work, "xxy@ccws.example.gov.cn", "查询 2026Q1", "", auth=False)))
        mailbot(work, "digest", "--week", "2026-W12", "--preview", str(work / "digest"))
        mailbot(work, "remind", "--as-of", "2026-03-31", "--preview", str(work / "remind"))
        mailbot(work, "notices", "--preview", str(work / "notices"))
        mailbot(work, "tally", "--period", "2026Q1", "--draft", "--preview", str(work / "draft"))
        mailbot(work, "tally", "--period", "2026Q1", "--preview", str(work / "tally"))
        mailbot(work, "awards", "--year", "2026", "--format", "xlsx", "--output", str(work / "awards.xlsx"))
        shots = {"receipt": "receipt-accepted", "alert": "alert"}
        mails: list[tuple[str, Path]] = []
        seen: set[str] = set()
        for eml in sorted((work / "var" / "outbox").glob("*.eml")):
            kind = eml.stem.split("-", 1)[1]
            subject = str(message_from_bytes(eml.read_bytes(), policy=policy.default)["Subject"])
            name = "receipt-correction" if "更正稿" in subject else "receipt-duplicate" if "重复稿" in subject \
                else shots.get(kind, kind)
            if name not in seen:
                seen.add(name)
                mails.append((name, eml))
        for name, folder, pick in (("reply", "reply", "reply"), ("query", "query", "query"),
                                   ("digest", "digest", "digest"), ("reminder", "remind", "reminder"),
                                   ("notice", "notices", "notice"), ("tally-draft", "draft", "tally"),
                                   ("tally-office", "tally", "office"), ("tally-unit", "tally", "jilin")):
            found = sorted(p for p in (work / folder).glob("*.eml") if pick in p.stem)
            if not found:
                print(f"{name}: no mail previewed in {folder}", file=sys.stderr)
                continue
            mails.append((name, found[0]))
        for name, eml in mails:
            html = html_of(eml)
            if html is None:
                print(f"{name}: no HTML part", file=sys.stderr)
                continue
            page = work / f"{name}.html"
            page.write_text(html, encoding="utf-8")
            screenshot(page, OUT / f"{name}.png", 3200 if name.startswith(("tally", "digest")) else 1400)
            print(OUT / f"{name}.png")
        xlsx = next((work / "tally").glob("*.xlsx"))
        for p in workbook_pages(xlsx, "workbook", work) + workbook_pages(work / "awards.xlsx", "awards", work):
            print(p)


if __name__ == "__main__":
    main()
