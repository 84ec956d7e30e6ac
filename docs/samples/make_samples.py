"""Regenerate docs/samples/: PNG renderings of every mail mailbot sends and of the printed workbook.

    python docs/samples/make_samples.py        (from the repository root, with mailbot installed)

It runs the README's demo (config.example.toml, examples/mailbox) in a temporary folder, records
an adoption, an instruction and a manual adjustment, then renders each mail's HTML part with
headless Chromium and prints the 通报 workbook through LibreOffice (PDF -> PNG with pdftoppm).
It installs Chromium, LibreOffice Calc, the Noto CJK fonts and poppler-utils with apt-get when
they are missing. CI does not run it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
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


def main() -> None:
    ensure_tools()
    for old in OUT.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(ROOT / "config.example.toml", work)
        shutil.copytree(ROOT / "examples", work / "examples")
        mailbot(work, "poll")
        mailbot(work, "adopt", "20260120-0001", "--level", "province", "--date", "2026-01-25",
                "--publication", "卫生信息", "--issue", "12")
        mailbot(work, "instruct", "20260120-0001", "--level", "department", "--date", "2026-01-28")
        mailbot(work, "adjust", "siping", "5", "--reason", "基础工作", "--date", "2026-03-20")
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
        mails += [("tally-office", work / "tally" / "09-tally-office.eml"),
                  ("tally-unit", work / "tally" / "02-tally-jilin.eml")]
        for name, eml in mails:
            html = html_of(eml)
            if html is None:
                print(f"{name}: no HTML part", file=sys.stderr)
                continue
            page = work / f"{name}.html"
            page.write_text(html, encoding="utf-8")
            screenshot(page, OUT / f"{name}.png", 3200 if name.startswith("tally") else 1400)
            print(OUT / f"{name}.png")
        xlsx = next((work / "tally").glob("*.xlsx"))
        for p in workbook_pages(xlsx, "workbook", work) + workbook_pages(work / "awards.xlsx", "awards", work):
            print(p)


if __name__ == "__main__":
    main()
