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
from typing import Any

DEFAULT_PRESET = "jilin-health"
EVENTS = ("submit", "adopt", "instruct", "commission")
TABLE_EVENTS = ("adopt", "instruct", "commission")
_NOUN = {"submit": "submission", "adopt": "adoption", "instruct": "instruction", "commission": "commission"}
_TOP_KEYS = ("name", "submit_points", "zero_without_adoption", "instruction_once_per_level", *TABLE_EVENTS)
_TABLE_KEYS = ("points", "columns", "default_column", "category_columns", "fallback", "labels")


class SchemeError(ValueError):
    """A scheme that cannot be built, or an event the scheme cannot score."""


def _listing(names: Any) -> str:
    names = list(names)
    return ", ".join(names) if names else "(none)"


def _whole_points(value: Any, where: str) -> int:
    # bool is an int subclass in Python; `true` is not a score.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchemeError(f"{where} = {value!r}: points must be a whole number")
    if value < 0:
        raise SchemeError(f"{where} = {value}: points must not be negative")
    return value


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


def _build_table(event: str, data: Any) -> EventTable:
    where = f"scoring.{event}"
    if not isinstance(data, dict):
        raise SchemeError(f"{where}: expected a table")
    for key in data:
        if key not in _TABLE_KEYS:
            raise SchemeError(f"{where}: unknown key {key!r}; valid: {_listing(_TABLE_KEYS)}")
    if "points" not in data:
        raise SchemeError(f"{where}: missing key 'points' (a table of level = points)")
    points = data["points"]
    if not isinstance(points, dict) or not points:
        raise SchemeError(f"{where}.points: expected a table of level = points, with at least one level")

    columns_raw = data.get("columns", [])
    if not isinstance(columns_raw, list) or not all(isinstance(c, str) and c for c in columns_raw):
        raise SchemeError(f"{where}.columns: expected a list of column names")
    columns = tuple(columns_raw)
    per_column = any(isinstance(v, dict) for v in points.values())
    if per_column and not columns:
        raise SchemeError(f"{where}: points are given per column, so 'columns' must list them")
    if not per_column and columns:
        raise SchemeError(f"{where}: 'columns' is set, so each level in points must be a table of column = points")

    cells: dict[str, dict[str, int]] = {}
    for level, value in points.items():
        if per_column:
            if not isinstance(value, dict):
                raise SchemeError(f"{where}.points.{level}: expected a table of column = points")
            row = {}
            for column, pts in value.items():
                if column not in columns:
                    raise SchemeError(
                        f"{where}.points.{level}: unknown column {column!r}; valid: {_listing(columns)}"
                    )
                row[column] = _whole_points(pts, f"{where}.points.{level}.{column}")
            cells[level] = row
        else:
            cells[level] = {"": _whole_points(value, f"{where}.points.{level}")}

    def check_column(name: Any, key: str) -> str:
        if name not in columns:
            raise SchemeError(f"{where}.{key}: unknown column {name!r}; valid: {_listing(columns)}")
        return name

    default = data.get("default_column")
    if default is not None:
        check_column(default, "default_column")
    mappings = {}
    for key in ("category_columns", "fallback"):
        raw = data.get(key, {})
        if not isinstance(raw, dict):
            raise SchemeError(f"{where}.{key}: expected a table")
        if raw and not columns:
            raise SchemeError(f"{where}.{key}: only meaningful when 'columns' are set")
        if key == "fallback":
            for src in raw:
                check_column(src, f"{key}.{src} (left side)")
        mappings[key] = {str(k): check_column(v, f"{key}.{k}") for k, v in raw.items()}
    labels = data.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise SchemeError(f"{where}.labels: expected a table of level = \"name\"")
    for level in labels:
        if level not in cells:
            raise SchemeError(f"{where}.labels: unknown level {level!r}; valid: {_listing(cells)}")
    return EventTable(
        event=event,
        levels=tuple(cells),
        columns=columns,
        cells=cells,
        default_column=default,
        category_columns=mappings["category_columns"],
        fallback=mappings["fallback"],
        labels=dict(labels),
    )


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
        return cls.from_config(_preset_data(name))

    @classmethod
    def from_config(cls, data: dict[str, Any]) -> Scheme:
        """Build from a [scoring] table: a full scheme, or ``preset`` plus keys that override it.

        An empty table gives the default preset, jilin-health.
        """
        if not isinstance(data, dict):
            raise SchemeError("scoring: expected a table")
        data = dict(data) or {"preset": DEFAULT_PRESET}  # an empty [scoring] means the default
        if "preset" in data:
            data = _merged(_preset_data(str(data.pop("preset"))), data)
        for key in data:
            if key not in _TOP_KEYS:
                raise SchemeError(f"scoring: unknown key {key!r}; valid: preset, {_listing(_TOP_KEYS)}")
        if "submit_points" not in data:
            raise SchemeError("scoring: missing key 'submit_points' (or give preset = \"jilin-health\")")
        flags: dict[str, bool] = {}
        for key, default in (("zero_without_adoption", False), ("instruction_once_per_level", True)):
            flags[key] = data.get(key, default)
            if not isinstance(flags[key], bool):
                raise SchemeError(f"scoring.{key} = {flags[key]!r}: expected true or false")
        name = data.get("name", "custom")
        if not isinstance(name, str) or not name:
            raise SchemeError(f"scoring.name = {name!r}: expected a text")
        tables = {event: _build_table(event, data[event]) for event in TABLE_EVENTS if event in data}
        return cls(
            name=name,
            submit_points=_whole_points(data["submit_points"], "scoring.submit_points"),
            adopt=tables.get("adopt"), instruct=tables.get("instruct"), commission=tables.get("commission"),
            zero_without_adoption=flags["zero_without_adoption"],
            instruction_once_per_level=flags["instruction_once_per_level"],
        )

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
