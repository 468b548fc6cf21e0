"""Which rows become formulas: those where a spreadsheet reading the cells sees exactly
what the engine read, and whose Task ID every spreadsheet pairs with the same quotes."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeGuard

from ...engine import inputs, schema
from ...engine.model import Decision
from ...engine.problems import BadValue
from .placed import Placed, RateTable

if TYPE_CHECKING:  # only a type here: the reader stays out of the import chain
    from ...reading import SheetTable

MAX_SPELLED = 1e12  # the reason texts group thousands below this
YES_WORDS = ("yes", "y", "true", "1", "x")  # as inputs.parse_yes_no reads them
TASK_INPUTS = ("frequency", "per", "hours_each", "expertise", "quality_critical",
               "still_needed")
QUOTE_INPUTS = ("price", "basis", "vendor_hours_each", "setup_fee", "setup_hours",
                "review_hours_each", "platform_fee", "kind")
CURRENCY_CODE = re.compile(r" *[A-Za-z]{3} *")  # as TRIM and UPPER read it, and the tool


UNREADABLE = object()


def plain_number(raw: object) -> TypeGuard[float]:
    """A finite number, not a boolean: what a spreadsheet and the engine read alike."""
    return isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw)


def empty(raw: object) -> bool:
    """Blank to a spreadsheet too (a cell of spaces is blank to the engine, not to ="")."""
    return raw is None or raw == "" or (isinstance(raw, float) and math.isnan(raw))


@functools.cache
def choice_words(column: schema.Column) -> dict[str, str]:
    """Every spelling the engine accepts, as choice_key leaves it -> the choice."""
    words = {schema.normalise_header(choice): choice for choice in column.choices}
    for word, choice in inputs._CHOICE_SYNONYMS.get(column.key, {}).items():  # the one list
        if schema.normalise_header(word) == word:  # others can never match once normalised
            words.setdefault(word, choice)
    return words


def _sheet_key(raw: object) -> str | None:
    """What choice_key() gives for a text cell (ASCII, where LOWER agrees with Python)."""
    if not isinstance(raw, str) or not raw.isascii():
        return None
    return raw.replace(" ", "").replace("-", "").replace("_", "").lower()


def _sheet_reads(raw: object, column: schema.Column) -> object:
    """The value this module's formulas take from a cell, typed as the engine types it."""
    if empty(raw):
        return column.default
    if column.kind in ("number", "money", "hours", "pct"):
        if not plain_number(raw):
            return UNREADABLE
        value = float(raw)
        return value / 100 if column.kind == "pct" and value > 1 else value
    if column.kind == "choice":
        key = _sheet_key(raw)
        return UNREADABLE if key is None else choice_words(column).get(key, UNREADABLE)
    if column.kind == "yesno":
        if isinstance(raw, bool) or (plain_number(raw) and raw in (0, 1)):
            return bool(raw)  # LOWER(TRUE) is "true" in Excel, "1" in LibreOffice: both yes
        key = _sheet_key(raw)
        return UNREADABLE if key is None else key in YES_WORDS
    return UNREADABLE


def reads_as_engine(raw: object, column: schema.Column) -> bool:
    try:
        engine = inputs.parse_cell(raw, column)
    except BadValue:
        return False
    return _sheet_reads(raw, column) == engine


_DATE_LIKE = re.compile(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[^a-z]", re.I)


def sheet_id(raw: object) -> object:
    """A Task ID as COUNTIFS, SUMIFS, MATCH and "=" all compare it, or UNREADABLE: no
    wildcards, operators, spaces, booleans or date-like text; whole numbers as numbers."""
    if empty(raw):
        return None
    if plain_number(raw):
        return float(raw) if float(raw).is_integer() else UNREADABLE
    if (isinstance(raw, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_.\-]*", raw)
            and raw.lower() not in ("true", "false") and not _DATE_LIKE.match(raw)):
        return raw
    return UNREADABLE


def _id_bucket(identifier: object) -> object:
    """IDs a spreadsheet may take for the same (case-sensitive matching is an option in
    LibreOffice) share a bucket."""
    return identifier.lower() if isinstance(identifier, str) else identifier


def live_tasks(decision: Decision, tasks: Placed, quotes: Placed, rates: RateTable | None = None
               ) -> tuple[list[int], list[str]]:
    """The task rows whose every computed cell formulas give exactly as the engine does;
    and for the other decided rows, why they keep values."""
    task_cells = _Cells(tasks.table)
    quote_cells = _Cells(quotes.table, rates, decision.settings.currency)
    ranked = decision.quotes[decision.quotes["rank"].notna()]
    quote_ids = {int(row): sheet_id(quote_cells.raw(row, "task_id")) for row in ranked.index}
    engine_groups = ranked.groupby("key").groups
    sheet_groups: dict[object, list[int]] = {}
    for row, identifier in quote_ids.items():
        if identifier is not UNREADABLE:
            sheet_groups.setdefault(_id_bucket(identifier), []).append(row)
    decided = decision.tasks.loc[decision.tasks["error"].isna(),
                                 ["key", "task_id", "saving", "freed", "bundle"]]
    live, kept = [], []
    for row, task in zip(map(int, decided.index), decided.to_dict("records")):
        identifier = sheet_id(task_cells.raw(row, "task_id"))
        engine_group = sorted(int(r) for r in engine_groups.get(task["key"], []))
        why = (_in_bundle(task)
               or task_cells.unreadable(row, TASK_INPUTS, schema.TASK_INPUTS)
               or _id_mismatch(tasks.table, row, identifier, engine_group, quote_ids,
                               sheet_groups)
               or next(filter(None, map(quote_cells.unreadable_quote, engine_group)), None)
               or _too_big(task))
        if why:
            named = f" ({task['task_id']})" if not inputs.is_blank(task["task_id"]) else ""
            kept.append(f"{tasks.table.sheet} row {row}{named}: values, not formulas: {why}")
        else:
            live.append(row)
    return live, kept


def together(tasks: Placed, quotes: Placed, live: list[int]) -> dict[int, tuple[int, int]]:
    """The first and last Quotes row of each live task whose quotes are listed one under
    another (every row with its Task ID, as a spreadsheet compares IDs, between them), by
    each of those quote rows."""
    task_cells, quote_cells = _Cells(tasks.table), _Cells(quotes.table)
    rows_of: dict[object, list[int]] = {}
    for row in quotes.table.raw.index.tolist():
        identifier = sheet_id(quote_cells.raw(row, "task_id"))
        if identifier is not None and identifier is not UNREADABLE:
            rows_of.setdefault(_id_bucket(identifier), []).append(int(row))
    quote_spans = {}
    for row in live:
        identifier = sheet_id(task_cells.raw(row, "task_id"))
        rows = rows_of.get(_id_bucket(identifier)) if identifier is not None else None
        if rows and rows[-1] - rows[0] + 1 == len(rows):
            quote_spans.update(dict.fromkeys(rows, (rows[0], rows[-1])))
    return quote_spans


class _Cells:
    """A table's raw cells, row by row (read once: pandas is slow cell by cell)."""

    def __init__(self, table: SheetTable, rates: RateTable | None = None,
                 currency: str = "") -> None:
        self.table, self.rows = table, table.raw.to_dict("index")
        self.rates, self.currency = rates, currency

    def raw(self, row: int, key: str) -> object:
        return self.rows[row].get(key)

    def unreadable(self, row: int, keys: tuple[str, ...],
                   columns: tuple[schema.Column, ...]) -> str | None:
        by_key = {column.key: column for column in columns}
        for key in keys:
            raw = self.raw(row, key)
            if key in self.table.columns and not reads_as_engine(raw, by_key[key]):
                return (f"{self.table.sheet}!{self.table.locate(row, key)} holds "
                        f"{as_typed(raw)}, which formulas cannot read as the tool does")
        return None

    def unreadable_quote(self, row: int) -> str | None:
        vendor = self.raw(row, "vendor")
        if not (empty(vendor) or (isinstance(vendor, str) and vendor == vendor.strip())):
            return (f"{self.table.sheet}!{self.table.locate(row, 'vendor')} holds "
                    f"{as_typed(vendor)}: a vendor name is text without spaces around it")
        return self.unreadable(row, QUOTE_INPUTS, schema.QUOTE_INPUTS) or self._foreign(row)

    def _foreign(self, row: int) -> str | None:
        """Why formulas cannot convert the quote's currency as the tool does, if so."""
        code = self.raw(row, "currency")
        if empty(code):
            return None
        where = f"{self.table.sheet}!{self.table.locate(row, 'currency')}"
        if not (isinstance(code, str) and CURRENCY_CODE.fullmatch(code)):
            return f"{where} holds {as_typed(code)}: a currency is a three-letter code"
        if code.strip().upper() == self.currency:
            return None
        if self.rates is None or self.rates.why_not:
            return self.rates.why_not if self.rates else f"no exchange-rate table for {where}"
        return None


def as_typed(raw: object) -> str:
    return f"the text {raw!r}" if isinstance(raw, str) else inputs.shown(raw)


def _id_mismatch(table: SheetTable, row: int, identifier: object, engine_group: list[int],
                 quote_ids: dict[int, object], sheet_groups: dict[object, list[int]]) -> str | None:
    """Why a spreadsheet would pair this task with other quotes than the engine does."""
    where = f"{table.sheet}!{table.locate(row, 'task_id')}"
    if identifier is UNREADABLE:
        return (f"the Task ID in {where} is spelled so that spreadsheets match it differently "
                "(use letters, digits, '.', '-' or '_')")
    # A blank Task ID as a COUNTIFS criterion is 0 to Excel: no quote may be numbered 0.
    matched = sorted(sheet_groups.get(_id_bucket(identifier) if identifier is not None else 0.0,
                                      []))
    if matched != engine_group or any(quote_ids[q] != identifier for q in engine_group):
        return (f"its quotes on Quotes spell the Task ID of {where} differently "
                "(case, spaces or type)")
    return None


def _in_bundle(task: Mapping[Hashable, Any]) -> str | None:
    if inputs.is_blank(task["bundle"]):
        return None
    return f"it is in the bundle {task['bundle']!r}, which the tool weighs as a whole"


def _too_big(task: Mapping[Hashable, Any]) -> str | None:
    for key in ("saving", "freed"):
        if abs(task[key]) >= MAX_SPELLED:  # NaN compares False
            return f"its {key} is {task[key]:,.0f}, too big for the reason's formula"
    return None
