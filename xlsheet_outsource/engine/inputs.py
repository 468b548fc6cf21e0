"""Raw cell values -> the typed frames the engine takes, and problems with cell addresses.

Pure: no I/O. Readers (a workbook, Excel ranges, a DataFrame from Python) give raw
values; this module understands "$1,200", "1 200,50", "20%", " 3 ", blanks and
error values, and names the cell of every value it cannot use.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from datetime import datetime, time
from itertools import repeat
from typing import Any, cast

import numpy as np
import pandas as pd

from . import schema
from .problems import BadValue, Problem
from .raw import NO_SAVED_RESULT, NoSavedResult, RateRow, is_blank
from .schema import Column
from .settings import REPORTING_THRESHOLD, Settings, VendorDetails, country_code


def no_saved_result(label: str) -> BadValue:
    """A workbook written by a program and never opened in a spreadsheet has formulas
    without results: the value the user meant is not in the file."""
    return BadValue(f"{label} has a formula with no saved result: open and save the workbook "
                    "in Excel or LibreOffice, or type the value")


EXCEL_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!")


def as_text(value: object) -> str:
    """A cell's value as a label: a whole number without its ".0", text trimmed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
        raise BadValue(text)
    number = float(t)
    return number / 100 if percent else number


_DURATION = re.compile(
    r"(?:(\d+(?:[.,]\d+)?)\s*(?:h|hrs?|hours?))?\s*(?:(\d+(?:[.,]\d+)?)\s*(?:m|mins?|minutes?))?",
    re.IGNORECASE)


def parse_duration_text(text: str) -> float | None:
    """Hours as people type them: '2 hours', '2h', '90 min', '1h 30m' (None: not so)."""
    found = _DURATION.fullmatch(text.strip())
    if not found or not (found[1] or found[2]):
        return None
    hours, minutes = (float((part or "0").replace(",", ".")) for part in found.groups())
    return hours + minutes / 60


def parse_number(value: object, label: str, percent: bool = False) -> float:
    """A number >= 0 from a cell; a percentage column reads 5 as 5%."""
    def bad() -> BadValue:
        return BadValue(f"{label} must be a number >= 0, got {shown(value)}")
    if isinstance(value, NoSavedResult):
        raise no_saved_result(label)
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise BadValue(f"{label} holds the error {value.strip()}")
    if isinstance(value, (bool, datetime)):
        raise bad()
    if isinstance(value, time):  # Excel shows 1:30 as a time of day: a duration here
        number = value.hour + value.minute / 60 + value.second / 3600
    elif isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = parse_number_text(value)
        except BadValue:
            raise bad() from None
        if percent and value.strip().endswith("%"):
            return _check_range(number, bad, label, value)
    else:
        raise bad()
    if percent and number > 1:
        number /= 100
    return _check_range(number, bad, label, value)


# No hour, price or count of a small business comes near it; a larger one is a typing
# slip (1e308), and products of it would overflow to "inf" in the figures.
LARGEST = 1e12


def _check_range(number: float, bad: Callable[[], BadValue], label: str, value: object
                 ) -> float:
    if not math.isfinite(number) or number < 0:
        raise bad()
    if number > LARGEST:
        raise BadValue(f"{label} must be at most 1,000,000,000,000, got {shown(value)}")
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
    raise BadValue(f"{column.header.lower()} must be one of {options}; got {shown(value)}")


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
    raise BadValue(f"{column.header.lower()} must be Yes or No; got {shown(value)}")


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
            raise BadValue(f"{column.header.lower()} is missing")
        return column.default
    label = column.header.lower()
    if value is NO_SAVED_RESULT and column.read:
        raise no_saved_result(label)
    if column.kind == "hours" and isinstance(value, str):
        duration = parse_duration_text(value)
        if duration is not None:
            return duration
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
    except BadValue as exc:
        return _Bad(str(exc))


Locate = Callable[[object, str], str]


def default_locator(sheet: str, columns: tuple[Column, ...]) -> Locate:
    """Addresses for a frame that came from Python, not a sheet: 'row 3, Hours each'."""
    headers = {c.key: c.header for c in columns}
    return lambda row, key: f"row {row}, {headers.get(key, key)}"


def clean_frame(raw: pd.DataFrame, columns: tuple[Column, ...], sheet: str,
                locate: Locate | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed columns plus an ``error`` column holding every problem of the row.

    The result is what ``parse_cell`` gives cell by cell (each column's dtype inferred as
    ``Series.map`` would); ``_parse_column`` gets there without a Python call per cell."""
    locate = locate or default_locator(sheet, columns)
    clean = pd.DataFrame(index=raw.index)
    problems: list[Problem] = []
    row_errors: dict[int, list[str]] = {}
    for column in columns:
        values = raw[column.key] if column.key in raw else pd.Series(None, index=raw.index, dtype=object)
        parsed, bad = _parse_column(values.astype(object).to_numpy(dtype=object), column)
        for position in np.flatnonzero(bad).tolist():
            problem = Problem(sheet, locate(raw.index[position], column.key),
                              parsed[position].message)
            problems.append(problem)
            row_errors.setdefault(position, []).append(str(problem))
        if parsed.dtype != object:
            clean[column.key] = pd.Series(parsed, index=raw.index)
        elif bad.any():  # as Series.map left it: object, the bad cells None
            parsed[bad] = None
            clean[column.key] = pd.Series(parsed, index=raw.index, dtype=object)
        else:  # the dtype Series.map would infer
            clean[column.key] = pd.Series(parsed, index=raw.index, dtype=object).infer_objects()
    errors = np.full(len(raw), None, dtype=object)
    for position, texts in row_errors.items():
        errors[position] = "; ".join(texts)
    clean["error"] = pd.Series(errors, index=raw.index, dtype=object)
    return clean, problems


_NUMBER_KINDS = ("number", "money", "hours", "pct")
_PLAIN_NUMBERS = frozenset((float, int))  # exact types: bool, numpy scalars and other
# subclasses take the per-cell path


def _parse_column(values: np.ndarray, column: Column) -> tuple[np.ndarray, np.ndarray]:
    """``_parse_or_bad`` of every cell of one column (an object array), and where it gave
    a _Bad; float64 instead of objects when every cell is a plain number >= 0.

    Plain numbers >= 0 are converted in one numpy step, each distinct text is parsed
    once, blanks share one result; only other values go cell by cell."""
    size = len(values)
    bad = np.zeros(size, dtype=bool)
    parsed = np.empty(size, dtype=object)
    rest = np.ones(size, dtype=bool)  # not done yet
    kinds = set(map(type, values))
    if column.kind in _NUMBER_KINDS and kinds & _PLAIN_NUMBERS:
        plain = rest.copy() if kinds <= _PLAIN_NUMBERS else np.fromiter(
            map(_PLAIN_NUMBERS.__contains__, map(type, values)), bool, size)
        numbers = values[plain].astype(float)  # what float(value) gives
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(numbers) & (numbers >= 0)  # NaN and the bad: per cell
            if column.kind == "pct":
                numbers = np.where(numbers > 1, numbers / 100, numbers)
            usable &= numbers <= LARGEST  # as parse_number, after a percentage's /100
        if usable.all() and plain.all():
            return numbers, bad  # Series.map would infer float64 from these floats
        where = np.flatnonzero(plain)[usable]
        parsed[where] = numbers[usable].astype(object)
        rest[where] = False
    rest_at = np.flatnonzero(rest)
    others = values[rest_at]
    texts, blanks = _texts_and_blanks(others, kinds)
    if texts.any():  # only exact str here: True == 1 == 1.0 would share a hash slot
        codes, uniques = pd.factorize(others[texts])
        if column.kind in ("text", "id"):  # parse_cell: the text stripped, unless blank
            empty = _parse_or_bad("", column)
            results = np.fromiter((u.strip() or empty for u in uniques), object, len(uniques))
        else:
            results = np.fromiter((_parse_or_bad(u, column) for u in uniques), object,
                                  len(uniques))
        failed = np.fromiter((isinstance(r, _Bad) for r in results), bool, len(results))
        at = rest_at[texts]
        parsed[at] = results[codes]
        bad[at] = failed[codes]
    if blanks.any():  # every blank parses alike (a column left out is all blanks)
        blank = _parse_or_bad(others[blanks][0], column)
        at = rest_at[blanks]
        parsed[at] = _repeated(blank, len(at))
        bad[at] = isinstance(blank, _Bad)
    each = ~(texts | blanks)
    for position, value in zip(rest_at[each].tolist(), others[each].tolist()):
        result = _parse_or_bad(value, column)
        parsed[position] = result
        bad[position] = isinstance(result, _Bad)
    return parsed, bad


def _texts_and_blanks(values: np.ndarray, kinds: set[type]) -> tuple[np.ndarray, np.ndarray]:
    """Where a value is exactly a str, and where it is a plain blank. A column of one
    such kind (names, or a column left out: all None) needs no look at each cell."""
    if kinds in ({str}, {type(None)}):
        texts = np.full(len(values), str in kinds)
        return texts, ~texts
    types = list(map(type, values))
    texts = np.fromiter(map(operator.is_, types, repeat(str)), bool, len(values))
    return texts, _plain_blanks(values, types)


def _plain_blanks(values: np.ndarray, types: list[type]) -> np.ndarray:
    """Where a value is None or a float NaN (exact types; a subclass goes cell by cell)."""
    blanks = np.fromiter(map(operator.is_, types, repeat(type(None))), bool, len(values))
    floats = np.fromiter(map(operator.is_, types, repeat(float)), bool, len(values))
    if floats.any():
        blanks[floats] = np.isnan(values[floats].astype(float))
    return blanks


def _repeated(value: object, count: int) -> np.ndarray:
    """``count`` times the one object (fill, unlike assignment, never unpacks it)."""
    repeated = np.empty(count, dtype=object)
    repeated.fill(value)
    return repeated


def _to_float(frame: pd.DataFrame, keys: tuple[str, ...]) -> None:
    for key in keys:
        frame[key] = pd.to_numeric(frame[key], errors="coerce").astype(float)


def _id_key(ids: pd.Series) -> pd.Series:
    """Task IDs compare case- and space-insensitively; each distinct ID is keyed once."""
    codes, uniques = pd.factorize(ids.to_numpy(dtype=object))  # code -1: None or NaN
    if not len(ids) or not all(type(u) is str for u in uniques):  # 1, 1.0, True: one code
        return ids.map(_one_id_key)
    keys = np.array([_one_id_key(u) for u in uniques] + [None], dtype=object)
    return pd.Series(keys[codes], index=ids.index, name=ids.name, dtype=object).infer_objects()


def _one_id_key(value: object) -> str | None:
    if type(value) is str and value.isascii() and value.isalnum():
        return value.upper()  # no space, "_" or "-" to take out: "T12" -> "T12"
    return None if is_blank(value) else schema.normalise_header(value).upper()


def clean_tasks(raw: pd.DataFrame, locate: Locate | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    tasks, problems = clean_frame(raw, schema.TASK_INPUTS, schema.TASKS, locate)
    locate = locate or default_locator(schema.TASKS, schema.TASK_INPUTS)
    _to_float(tasks, ("frequency", "hours_each"))
    tasks["quality_critical"] = tasks["quality_critical"].fillna(False).astype(bool)
    tasks["key"] = _id_key(tasks["task_id"])
    twice = tasks["key"].notna() & tasks["key"].duplicated()
    first_rows = (tasks.index.to_series().groupby(tasks["key"]).first() if twice.any()
                  else pd.Series(dtype=object))  # grouped only when some ID is twice
    for row, key in tasks.loc[twice, "key"].items():
        _add_problem(tasks, problems, row, Problem(
            schema.TASKS, locate(row, "task_id"),
            f"task ID {tasks.at[row, 'task_id']!r} is used twice "
            f"(first at {locate(first_rows[key], 'task_id')})"))
    _clean_version2_tasks(tasks, problems, locate)
    return tasks, problems


def clean_quotes(raw: pd.DataFrame, tasks: pd.DataFrame, locate: Locate | None = None, *,
                 settings: Settings) -> tuple[pd.DataFrame, list[Problem]]:
    """Quotes, each checked against the tasks (or bundle) it names and its currency."""
    quotes, problems = clean_frame(raw, schema.QUOTE_INPUTS, schema.QUOTES, locate)
    locate = locate or default_locator(schema.QUOTES, schema.QUOTE_INPUTS)
    _to_float(quotes, ("price", "vendor_hours_each", "setup_fee", "setup_hours",
                       "review_hours_each", "platform_fee"))
    fee = quotes["platform_fee"]
    too_big = fee >= 1
    typed = raw["platform_fee"] if "platform_fee" in raw else pd.Series(None, index=raw.index)
    for row in quotes.index[too_big]:
        _add_problem(quotes, problems, row, Problem(schema.QUOTES, locate(row, "platform_fee"),
                     fee_too_big(typed[row], fee[row])))
    quotes["key"] = _id_key(quotes["task_id"])
    bundles = set(tasks["bundle_key"].dropna())
    unknown = quotes["key"].notna() & ~quotes["key"].isin(set(tasks["key"].dropna()) | bundles)
    for row in quotes.index[unknown]:
        _add_problem(quotes, problems, row, Problem(schema.QUOTES, locate(row, "task_id"),
                     f"no task with ID {quotes.at[row, 'task_id']!r} on {schema.TASKS}"))
    _check_currencies(quotes, problems, locate, settings)
    _check_bundle_quotes(quotes, tasks, problems, locate)
    return quotes, problems


def fee_too_big(typed: object, fee: float) -> str:
    """A fee of 100% or more cannot be meant; a plain 1 most likely meant 1%, not 100%.
    (The worksheet functions check their one quote with it too.)"""
    number = isinstance(typed, (int, float, np.number)) and not isinstance(typed, bool)
    if number and typed == 1:
        return ("platform fee % must be below 100%, got 1, which reads as 100%: "
                "for one percent, type 1%")
    return f"platform fee % must be below 100%, got {fee:.0%}"


def _add_problem(frame: pd.DataFrame, problems: list[Problem], row: object,
                 problem: Problem) -> None:
    """Record a problem found after cleaning, on the row's ``error`` too."""
    problems.append(problem)
    earlier = frame.at[row, "error"]
    frame.at[row, "error"] = str(problem) if is_blank(earlier) else f"{earlier!s}; {problem}"


def read_settings(values: dict[str, object], locate: Callable[[str], str],
                  rates: Sequence[RateRow] = ()) -> tuple[Settings | None, list[Problem]]:
    """Settings from {defined name: raw value} and the exchange-rate table's rows; None
    when the workbook cannot be decided."""
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
        except BadValue as exc:
            problems.append(Problem(schema.SETTINGS, where, str(exc)))
    problems += _read_version2_settings(values, locate, rates, chosen)
    if problems:
        return None, problems
    return Settings(**cast(dict[str, Any], chosen)), problems


def _setting_value(setting: schema.Setting, raw: object) -> object:
    label = setting.label.lower()
    if raw is NO_SAVED_RESULT:
        raise no_saved_result(label)
    if setting.kind == "text":
        code = str(raw).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise BadValue(f"{label} must be a three-letter code such as USD, got {shown(raw)}")
        return code
    number = parse_number(raw, label, percent=setting.kind == "pct")
    if setting.name == "MarginPct":
        if number > 1:
            raise BadValue(f"{label} must be between 0% and 100%, got {shown(raw)}")
    elif setting.name == "FillRate":
        if not 0 < number <= 1:
            raise BadValue(f"{label} must be above 0% and at most 100%, got {shown(raw)}")
    elif number <= 0:
        raise BadValue(f"{label} must be a number above 0, got {shown(raw)}")
    return number


# --- Version 2 checks (issue 13): bundles, currencies, the new settings ------------------

def members(tasks: pd.DataFrame) -> pd.Series:
    """The tasks a bundle can hand off: readable, still needed, not Core, in a bundle."""
    return (tasks["error"].isna() & tasks["bundle_key"].notna()
            & tasks["still_needed"].astype(bool) & (tasks["expertise"] != "Core"))


def _clean_version2_tasks(tasks: pd.DataFrame, problems: list[Problem], locate: Locate) -> None:
    """Still needed as booleans; bundle names keyed as task IDs are. A task whose Bundle
    is also a task ID cannot be read (a quote naming it would be ambiguous)."""
    tasks["still_needed"] = tasks["still_needed"].fillna(True).astype(bool)
    tasks["bundle_key"] = _id_key(tasks["bundle"])
    clash = tasks["bundle_key"].isin(set(tasks["key"].dropna()))
    for row in tasks.index[clash]:
        _add_problem(tasks, problems, row, Problem(
            schema.TASKS, locate(row, "bundle"),
            f"bundle name {tasks.at[row, 'bundle']!r} is also a task ID: rename the bundle"))
    tasks.loc[clash, "bundle_key"] = None


def _check_currencies(quotes: pd.DataFrame, problems: list[Problem], locate: Locate,
                      settings: Settings) -> None:
    codes = quotes["currency"].map(lambda v: None if is_blank(v) else str(v).strip().upper())
    for row, code in codes.dropna().items():
        if not re.fullmatch(r"[A-Z]{3}", code):
            message = (f"currency must be a three-letter code such as EUR, "
                       f"got {shown(quotes.at[row, 'currency'])}")
        elif settings.rate(code) is None:
            message = (f"no exchange rate for {code}: add a row '{code} | rate' to the "
                       f"{' | '.join(schema.EXCHANGE_HEADERS)} table on {schema.SETTINGS}")
        else:
            continue
        _add_problem(quotes, problems, row,
                     Problem(schema.QUOTES, locate(row, "currency"), message))
    quotes["currency"] = codes


def _check_bundle_quotes(quotes: pd.DataFrame, tasks: pd.DataFrame, problems: list[Problem],
                         locate: Locate) -> None:
    """A bundle's quote prices the bundle's hours or time, never one occurrence of tasks
    that differ, and needs members to hand off."""
    bundles = set(tasks["bundle_key"].dropna())
    with_members = set(tasks.loc[members(tasks), "bundle_key"])
    for row in quotes.index[quotes["key"].isin(bundles)]:
        name = quotes.at[row, "task_id"]
        if quotes.at[row, "basis"] == "per occurrence":
            _add_problem(quotes, problems, row, Problem(schema.QUOTES, locate(row, "basis"), (
                f"a quote for the bundle {name!r} cannot be per occurrence (its tasks "
                "differ): use per hour, per day, per week, per month, per year or fixed")))
        if not is_blank(quotes.at[row, "vendor_hours_each"]):
            _add_problem(quotes, problems, row, Problem(
                schema.QUOTES, locate(row, "vendor_hours_each"),
                f"vendor hours each must be blank on a quote for the bundle {name!r}: "
                "the bundle's hours are its tasks' own"))
        if quotes.at[row, "key"] not in with_members:
            _add_problem(quotes, problems, row, Problem(schema.QUOTES, locate(row, "task_id"), (
                f"the bundle {name!r} has no task to hand off: each of its tasks is Core, "
                "not needed any more or cannot be read")))


def _read_version2_settings(values: dict[str, object], locate: Callable[[str], str],
                            rates: Sequence[RateRow], chosen: dict[str, object]
                            ) -> list[Problem]:
    """MonthlyBudget, FragileBelow (None when blank: version 2 not asked for) and the
    exchange rates, into ``chosen``; the problems, each at its cell."""
    problems: list[Problem] = []
    for setting in schema.SETTINGS_ROWS_V2:
        raw = values.get(setting.name)
        try:
            chosen[setting.key] = None if is_blank(raw) else _setting_v2_value(setting, raw)
        except BadValue as exc:
            problems.append(Problem(schema.SETTINGS, locate(setting.name), str(exc)))
    found: dict[str, float] = {}
    own = chosen.get("currency", schema.SETTINGS_ROWS[1].default)
    for row in rates:
        rate = _exchange_rate(row, found, own)
        if isinstance(rate, Problem):
            problems.append(rate)
        else:
            found.update([rate])
    chosen["exchange_rates"] = found
    return problems


def _setting_v2_value(setting: schema.Setting, raw: object) -> float:
    label = setting.label.lower()
    if raw is NO_SAVED_RESULT:
        raise no_saved_result(label)
    number = parse_number(raw, label, percent=setting.kind == "pct")
    if setting.kind == "pct" and number > 1:
        raise BadValue(f"{label} must be between 0% and 100%, got {shown(raw)}")
    return number


def _exchange_rate(row: RateRow, found: dict[str, float], own: object
                   ) -> tuple[str, float] | Problem:
    """One usable (currency, rate), or the problem at the cell that holds it."""
    code = "" if is_blank(row.currency) else str(row.currency).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        return Problem(schema.SETTINGS, row.currency_cell, "foreign currency must be a "
                       f"three-letter code such as EUR, got {shown(row.currency)}")
    if code in found:
        return Problem(schema.SETTINGS, row.currency_cell,
                       f"{code} has a rate twice in the exchange-rate table")
    try:
        rate = parse_number(row.rate, f"the rate of {code}")
    except BadValue as exc:
        return Problem(schema.SETTINGS, row.rate_cell, str(exc))
    if rate <= 0 or (code == own and rate != 1):
        must = "be 1: it is the workbook's currency" if code == own else "be above 0"
        return Problem(schema.SETTINGS, row.rate_cell,
                       f"the rate of {code} must {must}, got {shown(row.rate)}")
    return code, rate


# --- For the accountant (issue 14): TaxCountry, ReportingThreshold, YourName, Vendors ----
# Never a reason not to decide: a value that cannot be used is said in one line (a notice)
# and its blank meaning is taken.

def read_paperwork(values: dict[str, object], locate: Callable[[str], str],
                   vendors: pd.DataFrame | None, locate_vendor: Locate | None = None
                   ) -> tuple[dict[str, object], list[Problem]]:
    """Settings' fields for the accountant from {defined name: raw value} and the Vendors
    sheet's rows (None: no such sheet; no rows count as none), and the notices about what
    could not be used."""
    notices: list[Problem] = []
    country = values.get("TaxCountry")
    code = None if is_blank(country) else country_code(str(country).strip())
    threshold: object = REPORTING_THRESHOLD
    raw = values.get("ReportingThreshold")
    if not is_blank(raw):
        try:
            threshold = parse_number(raw, "reporting threshold")
        except BadValue as exc:
            notices.append(Problem(schema.SETTINGS, locate("ReportingThreshold"),
                                   f"{exc}; {threshold:,.0f} is used"))
    name = values.get("YourName")
    fields: dict[str, object] = {
        "tax_country": None if code is None else code if code in ("US", "GB") else "other",
        "reporting_threshold": threshold,
        "your_name": None if is_blank(name) else str(name).strip()}
    if vendors is not None and len(vendors):  # the template's empty sheet: as none at all
        fields["vendors"], found = _vendor_details(vendors, locate_vendor)
        notices += found
    return fields, notices


def _vendor_details(raw: pd.DataFrame, locate: Locate | None
                    ) -> tuple[dict[str, VendorDetails], list[Problem]]:
    """Each vendor by its name, case-insensitively; a value that is no choice is blank
    (and said), a vendor listed twice keeps its first row."""
    clean, notices = clean_frame(raw, schema.VENDOR_COLUMNS, schema.VENDORS, locate)
    locate = locate or default_locator(schema.VENDORS, schema.VENDOR_COLUMNS)
    details: dict[str, VendorDetails] = {}
    first_rows: dict[str, object] = {}
    for row, record in zip(clean.index, clean.to_dict("records"), strict=True):
        if is_blank(record["vendor"]):
            continue  # said by clean_frame: the vendor is missing
        name = str(record["vendor"])
        key = name.casefold()
        if key in details:
            notices.append(Problem(schema.VENDORS, locate(row, "vendor"), (
                f"vendor {name!r} is listed twice (first at "
                f"{locate(first_rows[key], 'vendor')}): the first row is used")))
            continue
        first_rows[key] = row
        text = {k: None if is_blank(record[k]) else str(record[k]) for k in
                ("country", "entity", "paid_through", "tax_form")}
        country = text["country"]
        details[key] = VendorDetails(name, None if country is None else country.upper(),
                                     text["entity"], text["paid_through"], text["tax_form"])
    return details, notices
