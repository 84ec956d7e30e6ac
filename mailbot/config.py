"""The typed settings object: TOML file -> validated ``Settings``, once.

Every error names the key, the line of the file where it sits (when it can be found) and
what is wrong, so an IT person can fix the file without reading code.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from mailbot.classify.taxonomy import CategorySettings, CategorySpec, build_taxonomy

# Pure and light (no jieba, no scikit-learn): reading a config must stay fast.
from mailbot.errors import ConfigError
from mailbot.names import SynonymSettings, level_of_word
from mailbot.publications import PublicationSettings, check_publications
from mailbot.schedule_settings import NoticeSettings, RemindSettings, ReportSettings, ScheduleSettings
from mailbot.scoring.calendar import Calendar
from mailbot.scoring.schemes import Scheme, SchemeSettings
from mailbot.tomlpos import key_name, line_of

DEFAULT_CONFIG = "config.toml"


@dataclass(frozen=True)
class Rules:
    """The office's rules, built once from the settings: periods, points and categories."""

    calendar: Calendar
    scheme: Scheme
    taxonomy: list[CategorySpec]

    @property
    def category_names(self) -> dict[str, str]:
        return {c.id: c.name for c in self.taxonomy}


class _RuleError(ValueError):
    """A rule that does not hold across keys; ``key`` is where the operator should look."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DatabaseSettings(_Strict):
    url: str = "sqlite:///mailbot.db"


class SourceSettings(_Strict):
    kind: Literal["imap", "maildir"] = "maildir"
    host: str = ""
    port: int | None = None
    tls: bool = True
    username: str = ""
    password_env: str = ""
    folder: str = "INBOX"
    processed_folder: str | None = None
    poll_minutes: float = Field(5, gt=0)
    path: str = "mail"
    batch_size: int = Field(50, gt=0)
    # Bodies fetched in one IMAP request stop at this many megabytes (a bigger mail comes alone).
    batch_megabytes: float = Field(16, gt=0)
    timeout_seconds: float = Field(30, gt=0)
    # Some servers (self-hosted Coremail) use a private CA; point at its bundle.
    ca_file: str | None = None
    # Mail that arrived before this moment is back-filled: recorded and scored, never answered.
    # None = the moment of the mailbox's first poll. A date means its local midnight.
    backfill_before: datetime | date | None = None
    # Processing never sets \Seen unless asked: the clerk keeps her unread markers.
    mark_seen: bool = False
    # A long poll logs a progress line every this many messages (when not on a terminal).
    progress_every: int = Field(100, gt=0)

    @field_validator("backfill_before", mode="before")
    @classmethod
    def _moment(cls, v: Any) -> Any:
        if isinstance(v, str):
            text = v.strip()
            try:
                return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(f"bad date or time {v!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
        return v

    @model_validator(mode="after")
    def _imap_needs_host(self) -> SourceSettings:
        if self.kind == "imap":
            if not self.host:
                raise ValueError("`host` is required when kind = \"imap\"")
            if not self.username:
                raise ValueError("`username` is required when kind = \"imap\"")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.tls else 143)


class OutgoingSettings(_Strict):
    kind: Literal["smtp", "file"] = "file"
    host: str = ""
    port: int | None = None
    tls: bool = False
    starttls: bool = False
    username: str = ""
    password_env: str = ""
    from_: str = Field("mailbot@localhost", alias="from")
    path: str = "outbox"
    timeout_seconds: float = Field(30, gt=0)
    # A whole SMTP session (connect, greeting, login, one message) never takes longer than this,
    # however slowly a server trickles its answers; a silent server stops the pass at once.
    session_timeout_seconds: float = Field(120, gt=0)
    max_attempts: int = Field(8, gt=0)
    # No address gets more than this many mails an hour from mailbot (0: no cap); the rest wait.
    max_per_recipient_hour: int = Field(30, ge=0)

    @model_validator(mode="after")
    def _smtp_needs_host(self) -> OutgoingSettings:
        if self.kind == "smtp" and not self.host:
            raise ValueError("`host` is required when kind = \"smtp\"")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or (465 if self.tls else 587 if self.starttls else 25)


class OfficeSettings(_Strict):
    # Ties the database's rows to this office; offices sharing one PostgreSQL database each
    # need their own (their tables live in schema mailbot_<id>).
    id: str = Field("", pattern=r"^([a-z][a-z0-9_]{0,39})?$")
    name: str = "信息科"
    emails: list[str] = []
    admins: list[str] = []
    require_authenticated: bool = True
    # The office's own rule on reporting emergencies, quoted in the 【紧急】 alert; none when empty.
    urgent_rule: str = ""
    # The receiving server's authserv-ids: only its Authentication-Results are trusted ("" = none written,
    # as Exchange Online does). See docs/office-commands.md.
    authserv_ids: list[str] = []
    # Names an environment variable holding a secret word an office command's body must carry.
    command_secret_env: str = ""

    @field_validator("emails", "admins")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [a.strip().lower() for a in v]


class CalendarSettings(_Strict):
    year_start: str = "01-01"
    quarter_starts: list[str] | None = None


class QuotaSettings(_Strict):
    per: Literal["week", "month", "quarter", "year"]
    count: int = Field(gt=0)
    category: str | None = None


class ClassSettings(_Strict):
    id: str
    name: str = ""
    quotas: list[QuotaSettings] = []
    # Annual awards within the class: counts (>= 1) or shares (< 1) of eligible units.
    awards: dict[str, float] = {}


class OfficerSettings(_Strict):
    email: str
    name: str = ""


class UnitSettings(_Strict):
    id: str
    name: str
    class_: str = Field(alias="class")
    aliases: list[str] = []
    emails: list[str] = []
    officers: list[OfficerSettings] = []

    @field_validator("emails")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [a.strip().lower() for a in v if a.strip()]


class ClassifySettings(_Strict):
    alert_confidence: float = Field(0.6, ge=0, le=1)
    review_below: float = Field(0.7, ge=0, le=1)  # 待复核 below it: ~11 % of real items, half the misses
    extra_words: list[str] = []
    retrain_days: int = Field(7, ge=0)


class DuplicateSettings(_Strict):
    window_days: int = Field(14, ge=0)


class Settings(_Strict):
    """Everything the daemon needs, validated once and passed in."""

    path: Path = Path(DEFAULT_CONFIG)
    timezone: str = "Asia/Shanghai"
    units_file: str | None = None
    data_dir: str = "var"
    templates_dir: str | None = None
    receipts: bool = True
    # At most this many receipts (and 查询 answers) to one sender an hour: a loop's back-stop. 0 = no cap.
    receipts_per_sender_hour: int = Field(20, ge=0)
    database: DatabaseSettings = DatabaseSettings()
    source: SourceSettings = SourceSettings()
    outgoing: OutgoingSettings = OutgoingSettings()
    office: OfficeSettings = OfficeSettings()
    calendar: CalendarSettings = CalendarSettings()
    scoring: SchemeSettings = SchemeSettings.model_validate({})
    classes: list[ClassSettings] = []
    units: list[UnitSettings] = []
    categories: list[CategorySettings] = []
    classify: ClassifySettings = ClassifySettings()
    duplicates: DuplicateSettings = DuplicateSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    remind: RemindSettings = RemindSettings()
    notices: NoticeSettings = NoticeSettings()
    reports: ReportSettings = ReportSettings()
    publications: list[PublicationSettings] = []
    synonyms: SynonymSettings = SynonymSettings()  # the office's own words for units, categories, levels

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {v!r} (e.g. \"Asia/Shanghai\")") from None
        return v

    @model_validator(mode="after")
    def _units_have_classes(self) -> Settings:
        classes = {c.id for c in self.classes}
        seen: set[str] = set()
        for u in self.units:
            if u.id in seen:
                raise ValueError(f"unit id {u.id!r} is defined twice")
            seen.add(u.id)
            if classes and u.class_ not in classes:
                raise ValueError(f"unit {u.id!r} names class {u.class_!r}; defined classes: {', '.join(sorted(classes))}")
        return self

    _rules: Rules = PrivateAttr()

    @model_validator(mode="after")
    def _build_rules(self) -> Settings:
        """Calendar, scheme and categories are built here, once, so a bad one stops the start."""
        try:
            calendar = Calendar(self.calendar.year_start, self.calendar.quarter_starts, self.timezone)
        except ValueError as e:
            raise _RuleError("calendar", str(e)) from None
        try:
            taxonomy = build_taxonomy(self.categories)
        except ValueError as e:
            raise _RuleError("categories", str(e)) from None
        ids = {c.id for c in taxonomy}
        for cls in self.classes:
            for q in cls.quotas:
                if q.category and q.category not in ids:
                    raise _RuleError("classes", f"class {cls.id!r}: quota category {q.category!r} is not a "
                                                f"category; known: {', '.join(sorted(ids))}")
        scheme = self.scoring.build()
        adopt_levels = scheme.levels("adopt")
        for pub in self.publications:  # a level may be written as the office says it: 省级, 省委办公厅
            if pub.level not in adopt_levels:
                labels = {lv: scheme.label("adopt", lv) for lv in adopt_levels}
                pub.level = level_of_word(pub.level, adopt_levels, labels, self.synonyms.levels) or pub.level
        if (wrong := check_publications(self.publications, scheme.levels("adopt"), scheme.kinds("adopt"))):
            raise _RuleError("publications", wrong)
        try:
            self.synonyms.check([u.id for u in self.units], ids,
                                {lv for ev in ("adopt", "instruct", "commission") for lv in scheme.levels(ev)})
        except ValueError as e:
            raise _RuleError("synonyms", str(e)) from None
        self._rules = Rules(calendar=calendar, scheme=scheme, taxonomy=taxonomy)
        return self

    # -- derived values -------------------------------------------------------
    @property
    def rules(self) -> Rules:
        """Calendar, scoring scheme and taxonomy, built when the settings were validated."""
        return self._rules

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolve(self, p: str | Path) -> Path:
        """A path from the file, relative to the file's folder."""
        p = Path(p).expanduser()
        return p if p.is_absolute() else (self.path.parent / p).resolve()

    @property
    def database_url(self) -> str:
        url = self.database.url
        m = re.match(r"^sqlite(\+\w+)?:///(?!/)(.+)$", url)
        if m and m.group(2) != ":memory:":
            return f"sqlite{m.group(1) or ''}:///{self.resolve(m.group(2))}"
        return url

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data_dir)

    def secret(self, env_name: str, key: str) -> str:
        """Read a secret from the environment variable a ``*_env`` key names."""
        if not env_name:
            return ""
        value = os.environ.get(env_name)
        if value is None:
            raise ConfigError(f"{self.path}: `{key}` names environment variable {env_name}, which is not set")
        return value

    @property
    def own_addresses(self) -> set[str]:
        from email.utils import parseaddr

        own = {parseaddr(self.outgoing.from_)[1].lower()} | set(self.office.emails)
        if self.source.kind == "imap" and "@" in self.source.username:
            own.add(self.source.username.lower())
        return {a for a in own if a}


def _read_units_csv(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise ConfigError(f"units_file: {path} does not exist")
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"id", "name", "class"}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise ConfigError(f"units_file {path}: header must be id,name,class,aliases,emails (got {reader.fieldnames})")
        for lineno, row in enumerate(reader, start=2):
            if not (row.get("id") or "").strip():
                raise ConfigError(f"units_file {path} line {lineno}: empty id")
            split = lambda s: [x.strip() for x in (s or "").split(";") if x.strip()]  # noqa: E731
            rows.append({"id": row["id"].strip(), "name": (row["name"] or "").strip(), "class": (row["class"] or "").strip(),
                         "aliases": split(row.get("aliases")), "emails": split(row.get("emails"))})
    return rows


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate the config; raise ConfigError with key, line and reason."""
    p = Path(path or os.environ.get("MAILBOT_CONFIG") or DEFAULT_CONFIG).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {p} not found (give --config PATH or set MAILBOT_CONFIG)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"config file {p} cannot be read: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: not valid TOML: {e}") from None
    data["path"] = p.resolve()
    if data.get("units_file"):
        extra = _read_units_csv((p.parent / data["units_file"]).resolve())
        data["units"] = list(data.get("units", [])) + extra
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        cause = (err.get("ctx") or {}).get("error")
        loc = (cause.key,) if isinstance(cause, _RuleError) else tuple(err["loc"])
        key = key_name(loc)
        line = line_of(text, loc)
        where = f"{p}:{line}" if line else str(p)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling against config.example.toml)"
        more = f" (and {len(e.errors()) - 1} more problem(s))" if len(e.errors()) > 1 else ""
        raise ConfigError(f"{where}: `{key}`: {msg}{more}") from None
    return settings
