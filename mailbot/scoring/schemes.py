"""Scoring schemes: how many points a submission, adoption, instruction or commission earns.

A scheme is data: the presets are TOML files in ``presets/`` and a config may write a
full scheme under ``[scoring]`` in the same format (see ``presets/jilin-health.toml`` and
``README.md`` in this folder). Everything is validated once, when the scheme is built,
with messages that name the bad key and list the valid choices.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_PRESET = "jilin-health"
EVENTS = ("submit", "adopt", "instruct", "commission")
TABLE_EVENTS = ("adopt", "instruct", "commission")
_NOUN = {"submit": "submission", "adopt": "adoption", "instruct": "instruction", "commission": "commission"}


class SchemeError(ValueError):
    """A scheme that cannot be built, or an event the scheme cannot score."""


def _listing(names: Any) -> str:
    names = list(names)
    return ", ".join(names) if names else "(none)"


def _whole_points(value: object) -> int:
    # bool is an int subclass in Python; `true` is not a score.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"points must be a whole number (got {value!r})")
    if value < 0:
        raise ValueError(f"points must not be negative (got {value})")
    return value


Points = Annotated[int, BeforeValidator(_whole_points)]  # whole, not negative; `true` is no score


@dataclass(frozen=True)
class EventTable:
    """Points of one event type by level, and optionally by column (content type or kind).

    Flat tables (health) have no columns: ``cells[level] == {"": points}``.
    """

    event: str
    levels: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict[str, dict[str, int]]
    default_column: str | None = None
    category_columns: dict[str, str] = field(default_factory=dict)
    fallback: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def column_for(self, kind: str | None, category: str | None) -> str:
        """The column an event uses: its kind if given, else its item's category's column."""
        noun = _NOUN[self.event]
        if not self.columns:
            if kind is not None:
                raise SchemeError(f"unknown {noun} kind {kind!r}; valid: (none: this scheme has no {noun} kinds)")
            return ""
        if kind is not None:
            if kind not in self.columns:
                raise SchemeError(f"unknown {noun} kind {kind!r}; valid: {_listing(self.columns)}")
            return kind
        return self.category_columns.get(category or "", self.default_column or self.columns[0])

    def points(self, level: str | None, kind: str | None, category: str | None, scheme: str) -> int:
        noun = _NOUN[self.event]
        if level not in self.cells:
            raise SchemeError(f"unknown {noun} level {level!r}; valid: {_listing(self.levels)}")
        column = self.column_for(kind, category)
        row, tried = self.cells[level], [column]
        while column not in row:
            column = self.fallback.get(column, "")
            if not column or column in tried:
                raise SchemeError(
                    f"scheme {scheme!r} has no {noun} points at level {level!r} for kind "
                    f"{tried[0]!r}; valid kinds at that level: {_listing(c for c in self.columns if c in row)}"
                )
            tried.append(column)
        return row[column]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class EventTableSettings(_Strict):
    """One event's table as written in a preset or under ``[scoring.<event>]``."""

    # {level: points} (flat) or {level: {column: points}}; checked in _whole_cells for plain messages
    points: dict[str, int | dict[str, int]] = Field(min_length=1)
    columns: list[Annotated[str, Field(min_length=1)]] = []
    default_column: str | None = None
    category_columns: dict[str, str] = {}
    fallback: dict[str, str] = {}
    labels: dict[str, str] = {}

    @field_validator("points", mode="before")
    @classmethod
    def _whole_cells(cls, points: Any) -> Any:
        if not isinstance(points, dict):
            return points  # the type check says what is wrong
        for level, row in points.items():
            for column, value in row.items() if isinstance(row, dict) else [(None, row)]:
                where = level if column is None else f"{level}.{column}"
                try:
                    _whole_points(value)
                except ValueError as e:
                    raise ValueError(f"{where}: {e}") from None
        return points

    @model_validator(mode="after")
    def _consistent(self) -> EventTableSettings:
        columns = self.columns
        per_column = any(isinstance(v, dict) for v in self.points.values())
        if per_column and not columns:
            raise ValueError("points are given per column, so 'columns' must list them")
        if not per_column and columns:
            raise ValueError("'columns' is set, so each level in points must be a table of column = points")

        def check_column(name: str, key: str) -> None:
            if name not in columns:
                raise ValueError(f"{key}: unknown column {name!r}; valid: {_listing(columns)}")

        for level, row in self.points.items():
            if per_column and not isinstance(row, dict):
                raise ValueError(f"points.{level}: expected a table of column = points")
            for column in row if isinstance(row, dict) else ():
                check_column(column, f"points.{level}")
        if self.default_column is not None:
            check_column(self.default_column, "default_column")
        for key in ("category_columns", "fallback"):
            mapping: dict[str, str] = getattr(self, key)
            if mapping and not columns:
                raise ValueError(f"{key}: only meaningful when 'columns' are set")
            for source, target in mapping.items():
                if key == "fallback":
                    check_column(source, f"{key}.{source} (left side)")
                check_column(target, f"{key}.{source}")
        for level in self.labels:
            if level not in self.points:
                raise ValueError(f"labels: unknown level {level!r}; valid: {_listing(self.points)}")
        return self

    def build(self, event: str) -> EventTable:
        cells = {level: dict(row) if isinstance(row, dict) else {"": row} for level, row in self.points.items()}
        return EventTable(event=event, levels=tuple(cells), columns=tuple(self.columns), cells=cells,
                          default_column=self.default_column, category_columns=dict(self.category_columns),
                          fallback=dict(self.fallback), labels=dict(self.labels))


class SchemeSettings(_Strict):
    """A ``[scoring]`` table: a full scheme, or ``preset`` plus keys that override it.

    An empty table is the default preset, jilin-health. The preset is merged in before the
    fields are checked, so every error names the key as the merged table has it.
    """

    preset: str | None = None
    name: str = Field("custom", min_length=1)
    submit_points: Points | None = None
    zero_without_adoption: bool = False
    instruction_once_per_level: bool = True
    adopt: EventTableSettings | None = None
    instruct: EventTableSettings | None = None
    commission: EventTableSettings | None = None

    @model_validator(mode="before")
    @classmethod
    def _with_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data) or {"preset": DEFAULT_PRESET}  # an empty [scoring] means the default
        preset = data.get("preset")
        if isinstance(preset, str) and preset in preset_names():
            return {**_merged(_preset_data(preset), data), "preset": preset}
        return data

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, name: str | None) -> str | None:
        if name is not None and name not in preset_names():
            raise ValueError(f"unknown scoring preset {name!r}; valid: {_listing(preset_names())}")
        return name

    @model_validator(mode="after")
    def _complete(self) -> SchemeSettings:
        if self.submit_points is None:
            raise ValueError("missing key 'submit_points' (or give preset = \"jilin-health\")")
        return self

    def build(self) -> Scheme:
        """The scheme these settings describe (they are already checked: this cannot fail)."""
        assert self.submit_points is not None
        tables = {event: table.build(event) for event in TABLE_EVENTS
                  if (table := getattr(self, event)) is not None}
        return Scheme(name=self.name, submit_points=self.submit_points, adopt=tables.get("adopt"),
                      instruct=tables.get("instruct"), commission=tables.get("commission"),
                      zero_without_adoption=self.zero_without_adoption,
                      instruction_once_per_level=self.instruction_once_per_level)


def _error_line(error: Any) -> str:
    """One pydantic error as ``scoring.key.path: reason``."""
    loc = [str(k) for k in error["loc"]]
    if error["type"] == "extra_forbidden":
        model = SchemeSettings if len(loc) == 1 else EventTableSettings
        where = ".".join(["scoring", *loc[:-1]])
        return f"{where}: unknown key {loc[-1]!r}; valid: {_listing(model.model_fields)}"
    if error["type"] == "missing":
        return f"{'.'.join(['scoring', *loc[:-1]])}: missing key {loc[-1]!r}"
    return f"{'.'.join(['scoring', *loc])}: {error['msg'].removeprefix('Value error, ')}"


def preset_names() -> list[str]:
    """Names of the shipped presets (the .toml files in presets/)."""
    folder = resources.files("mailbot.scoring.presets")
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def _preset_data(name: str) -> dict[str, Any]:
    if name not in preset_names():
        raise SchemeError(f"unknown scoring preset {name!r}; valid: {_listing(preset_names())}")
    text = resources.files("mailbot.scoring.presets").joinpath(f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@dataclass
class Scheme:
    """A scoring scheme; build it with ``Scheme.preset`` or ``Scheme.from_config``."""

    name: str
    submit_points: int
    adopt: EventTable | None = None
    instruct: EventTable | None = None
    commission: EventTable | None = None
    zero_without_adoption: bool = False
    instruction_once_per_level: bool = True

    @classmethod
    def preset(cls, name: str) -> Scheme:
        """A shipped scheme: 'jilin-health' or 'jilin-transport'."""
        if name not in preset_names():
            raise SchemeError(f"unknown scoring preset {name!r}; valid: {_listing(preset_names())}")
        return cls.from_config({"preset": name})

    @classmethod
    def from_config(cls, data: dict[str, Any]) -> Scheme:
        """Build from a [scoring] table: a full scheme, or ``preset`` plus keys that override it.

        An empty table gives the default preset, jilin-health. A bad table raises SchemeError
        naming the first bad key; ``mailbot.config`` checks the same model with file and line.
        """
        try:
            return SchemeSettings.model_validate(data).build()
        except ValidationError as e:
            raise SchemeError(_error_line(e.errors()[0])) from None

    def _table(self, event: str) -> EventTable | None:
        if event not in EVENTS:
            raise SchemeError(f"unknown event {event!r}; valid: {_listing(EVENTS)}")
        return getattr(self, event) if event != "submit" else None

    def levels(self, event: str) -> list[str]:
        """Valid levels of an event, lowest first; [] when the scheme has none."""
        table = self._table(event)
        return list(table.levels) if table else []

    def kinds(self, event: str) -> list[str]:
        """Valid kinds of an event (the columns a kind may pick); [] when none."""
        table = self._table(event)
        return list(table.columns) if table else []

    def label(self, event: str, level: str) -> str:
        """Display name of a level (Chinese where the scheme gives one)."""
        table = self._table(event)
        return table.labels.get(level, level) if table else level

    def points(
        self, event: str, level: str | None = None, kind: str | None = None, category: str | None = None
    ) -> int:
        """Points one event earns. Raises SchemeError naming the bad level/kind and the valid ones."""
        table = self._table(event)
        if event == "submit":
            if level is not None or kind is not None:
                raise SchemeError("a submission has no level or kind")
            return self.submit_points
        if table is None:
            raise SchemeError(f"scheme {self.name!r} has no {_NOUN[event]} events; valid levels: (none)")
        return table.points(level, kind, category, self.name)
