"""Raw cell values -> the typed frames the engine takes, and problems with cell addresses.

Pure: no I/O. Readers (a workbook, Excel ranges, a DataFrame from Python) give raw
values; this module understands "$1,200", "1 200,50", "20%", " 3 ", blanks and
error values, and names the cell of every value it cannot use.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Callable

import pandas as pd

from . import schema
from .model import Settings
from .schema import Column


class NoSavedResult:
    """Stands for a formula cell whose workbook holds no computed result."""

    def __repr__(self) -> str:
        return "a formula with no saved result (open and save the workbook in Excel, or type the value)"


NO_SAVED_RESULT = NoSavedResult()

EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!")


@dataclass(frozen=True)
class Problem:
    """Something the user can fix, at a place they can find."""
    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        if not self.sheet:
            return self.message
        if not self.cell:
            return f"{self.sheet}: {self.message}"
        mark = "!" if re.fullmatch(r"[A-Z]{1,3}\d+", self.cell) else ", "
        return f"{self.sheet}{mark}{self.cell}: {self.message}"


class InputError(ValueError):
    """A value that cannot be used; the message completes "<label> ..."."""


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def shown(value: object) -> str:
    """How a bad value is quoted back to the user."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return repr(value.strip())
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_CURRENCY = re.compile(r"^(?:[A-Za-z]{3}|[$€£¥₹])\s*|\s*(?:[A-Za-z]{3}|[$€£¥₹])$")
_THOUSANDS_COMMA = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+")
_THOUSANDS_DOT = re.compile(r"[1-9]\d{0,2}(?:\.\d{3}){2,}")
_HOURS_MINUTES = re.compile(r"(\d+):([0-5]\d)")


def parse_number_text(text: str) -> float:
    """A number typed as text, in the usual ways: '$1,200', '1 200,50', '20%', '1:30'."""
    t = _SPACES.sub(" ", text).strip()
    percent = t.endswith("%")
    t = t.rstrip("%").strip()
    t = _CURRENCY.sub("", t).strip()
    hm = _HOURS_MINUTES.fullmatch(t)
    if hm:
        return int(hm[1]) + int(hm[2]) / 60
    t = t.replace(" ", "")
    if "," in t and "." in t:  # the later mark is the decimal one
        thousands = "," if t.rfind(".") > t.rfind(",") else "."
        t = t.replace(thousands, "").replace(",", ".")
    elif _THOUSANDS_COMMA.fullmatch(t):
        t = t.replace(",", "")
    elif _THOUSANDS_DOT.fullmatch(t):
        t = t.replace(".", "")
    elif t.count(",") == 1:
        t = t.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", t, re.IGNORECASE):
        raise InputError(text)
    number = float(t)
    return number / 100 if percent else number


def parse_number(value: object, label: str, percent: bool = False) -> float:
    """A number >= 0 from a cell; a percentage column reads 5 as 5%."""
    def bad() -> InputError:
        return InputError(f"{label} must be a number >= 0, got {shown(value)}")
    if isinstance(value, NoSavedResult):
        raise InputError(f"{label} is {value!r}")
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise InputError(f"{label} holds the error {value.strip()}")
    if isinstance(value, bool) or isinstance(value, datetime):
        raise bad()
    if isinstance(value, time):  # Excel shows 1:30 as a time of day: a duration here
        number = value.hour + value.minute / 60 + value.second / 3600
    elif isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = parse_number_text(value)
        except InputError:
            raise bad() from None
        if percent and value.strip().endswith("%"):
            return _check_range(number, bad)
    else:
        raise bad()
    if percent and number > 1:
        number /= 100
    return _check_range(number, bad)


def _check_range(number: float, bad: Callable[[], InputError]) -> float:
    if not math.isfinite(number) or number < 0:
        raise bad()
    return number


_CHOICE_SYNONYMS = {
    "per": {"daily": "day", "days": "day", "weekly": "week", "weeks": "week",
            "monthly": "month", "months": "month", "quarterly": "quarter",
            "quarters": "quarter", "yearly": "year", "years": "year", "annually": "year",
            "annual": "year", "oneoff": "once", "one-off": "once"},
    "basis": {"each": "per occurrence", "peritem": "per occurrence",
              "pertask": "per occurrence", "occurrence": "per occurrence",
              "hourly": "per hour", "hour": "per hour", "monthly": "per month",
              "month": "per month", "yearly": "per year", "annual": "per year",
              "year": "per year", "oneoff": "fixed", "project": "fixed"},
}


def parse_choice(value: object, column: Column) -> str:
    if isinstance(value, str):
        wanted = schema.normalise_header(value)
        for choice in column.choices:
            if schema.normalise_header(choice) == wanted:
                return choice
        synonym = _CHOICE_SYNONYMS.get(column.key, {}).get(wanted)
        if synonym:
            return synonym
    options = ", ".join(column.choices)
    raise InputError(f"{column.header.lower()} must be one of {options}; got {shown(value)}")


_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0"}


def parse_yes_no(value: object, column: Column) -> bool:
    if isinstance(value, bool):
        return value
    text = schema.normalise_header(shown(value).strip("'"))
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise InputError(f"{column.header.lower()} must be Yes or No; got {shown(value)}")


def parse_id(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).strip()


def parse_cell(value: object, column: Column) -> object:
    """One cell's value as the engine wants it; None when blank and not required."""
    if is_blank(value):
        if column.required:
            raise InputError(f"{column.header.lower()} is missing")
        return column.default
    label = column.header.lower()
    if column.kind in ("number", "money", "hours", "pct"):
        return parse_number(value, label, percent=column.kind == "pct")
    if column.kind == "choice":
        return parse_choice(value, column)
    if column.kind == "yesno":
        return parse_yes_no(value, column)
    if column.kind == "id":
        return parse_id(value)
    return str(value).strip() if isinstance(value, str) else value


class _Bad:
    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _parse_or_bad(value: object, column: Column) -> object:
    try:
        return parse_cell(value, column)
    except InputError as exc:
        return _Bad(str(exc))


Locate = Callable[[object, str], str]


def default_locator(sheet: str, columns: tuple[Column, ...]) -> Locate:
    """Addresses for a frame that came from Python, not a sheet: 'row 3, Hours each'."""
    headers = {c.key: c.header for c in columns}
    return lambda row, key: f"row {row}, {headers.get(key, key)}"


def clean_frame(raw: pd.DataFrame, columns: tuple[Column, ...], sheet: str,
                locate: Locate | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed columns plus an ``error`` column holding every problem of the row."""
    locate = locate or default_locator(sheet, columns)
    clean = pd.DataFrame(index=raw.index)
    problems: list[Problem] = []
    row_errors = pd.Series([[] for _ in range(len(raw))], index=raw.index, dtype=object)
    for column in columns:
        values = raw[column.key] if column.key in raw else pd.Series(None, index=raw.index, dtype=object)
        parsed = values.astype(object).map(lambda v, c=column: _parse_or_bad(v, c))
        bad = parsed.map(lambda v: isinstance(v, _Bad))
        for row, item in parsed[bad].items():
            problem = Problem(sheet, locate(row, column.key), item.message)
            problems.append(problem)
            row_errors[row].append(str(problem))
        clean[column.key] = parsed.where(~bad, None)
    clean["error"] = pd.Series([("; ".join(e) if e else None) for e in row_errors],
                               index=raw.index, dtype=object)
    return clean, problems


def _to_float(frame: pd.DataFrame, keys: tuple[str, ...]) -> None:
    for key in keys:
        frame[key] = pd.to_numeric(frame[key], errors="coerce").astype(float)


def _id_key(ids: pd.Series) -> pd.Series:
    """Task IDs compare case- and space-insensitively."""
    return ids.map(lambda v: None if is_blank(v) else schema.normalise_header(v).upper())


def clean_tasks(raw: pd.DataFrame, locate: Locate | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    tasks, problems = clean_frame(raw, schema.TASK_COLUMNS, schema.TASKS, locate)
    locate = locate or default_locator(schema.TASKS, schema.TASK_COLUMNS)
    _to_float(tasks, ("frequency", "hours_each"))
    tasks["quality_critical"] = tasks["quality_critical"].fillna(False).astype(bool)
    tasks["key"] = _id_key(tasks["task_id"])
    twice = tasks["key"].notna() & tasks["key"].duplicated()
    first_rows = tasks.index.to_series().groupby(tasks["key"]).first()
    for row, key in tasks.loc[twice, "key"].items():
        _add_problem(tasks, problems, row, Problem(
            schema.TASKS, locate(row, "task_id"),
            f"task ID {tasks.at[row, 'task_id']!r} is used twice "
            f"(first at {locate(first_rows[key], 'task_id')})"))
    return tasks, problems


def clean_quotes(raw: pd.DataFrame, tasks: pd.DataFrame,
                 locate: Locate | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Quotes, each checked against the tasks it names."""
    quotes, problems = clean_frame(raw, schema.QUOTE_COLUMNS, schema.QUOTES, locate)
    locate = locate or default_locator(schema.QUOTES, schema.QUOTE_COLUMNS)
    _to_float(quotes, ("price", "vendor_hours_each", "setup_fee", "setup_hours",
                       "review_hours_each", "platform_fee"))
    fee = quotes["platform_fee"]
    too_big = fee >= 1
    for row in quotes.index[too_big]:
        _add_problem(quotes, problems, row, Problem(schema.QUOTES, locate(row, "platform_fee"),
                     f"platform fee % must be below 100%, got {fee[row]:.0%}"))
    quotes["key"] = _id_key(quotes["task_id"])
    unknown = quotes["key"].notna() & ~quotes["key"].isin(set(tasks["key"].dropna()))
    for row in quotes.index[unknown]:
        _add_problem(quotes, problems, row, Problem(schema.QUOTES, locate(row, "task_id"),
                     f"no task with ID {quotes.at[row, 'task_id']!r} on {schema.TASKS}"))
    return quotes, problems


def _add_problem(frame: pd.DataFrame, problems: list[Problem], row: object,
                 problem: Problem) -> None:
    """Record a problem found after cleaning, on the row's ``error`` too."""
    problems.append(problem)
    earlier = frame.at[row, "error"]
    frame.at[row, "error"] = str(problem) if is_blank(earlier) else f"{earlier}; {problem}"


def read_settings(values: dict[str, object], locate: Callable[[str], str]) -> tuple[Settings | None, list[Problem]]:
    """Settings from {defined name: raw value}; None when the workbook cannot be decided."""
    problems: list[Problem] = []
    chosen: dict[str, object] = {}
    for setting in schema.SETTINGS_ROWS:
        raw = values.get(setting.name)
        where = locate(setting.name)
        if is_blank(raw):
            if setting.default is None:
                problems.append(Problem(schema.SETTINGS, where,
                                        f"{setting.label.lower()} is missing: enter what one hour "
                                        "of your expert work earns"))
                continue
            chosen[setting.key] = setting.default
            continue
        try:
            chosen[setting.key] = _setting_value(setting, raw)
        except InputError as exc:
            problems.append(Problem(schema.SETTINGS, where, str(exc)))
    if problems:
        return None, problems
    return Settings(**chosen), problems


def _setting_value(setting: schema.Setting, raw: object) -> object:
    label = setting.label.lower()
    if setting.kind == "text":
        code = str(raw).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise InputError(f"{label} must be a three-letter code such as USD, got {shown(raw)}")
        return code
    number = parse_number(raw, label, percent=setting.kind == "pct")
    if setting.name == "MarginPct":
        if number > 1:
            raise InputError(f"{label} must be between 0% and 100%, got {shown(raw)}")
    elif setting.name == "FillRate":
        if not 0 < number <= 1:
            raise InputError(f"{label} must be above 0% and at most 100%, got {shown(raw)}")
    elif number <= 0:
        raise InputError(f"{label} must be a number above 0, got {shown(raw)}")
    return number
