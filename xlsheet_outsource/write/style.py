"""Putting one value into one openpyxl cell safely, and the look of what the tool writes."""

from __future__ import annotations

import math

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill

from ..engine import schema

HEADER_FILL = PatternFill("solid", fgColor="0F5257")  # dark teal: "the tool wrote this"
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")
TITLE_FONT = Font(bold=True, size=16, color="0F5257")
SECTION_FONT = Font(bold=True, size=12, color="0F5257")
TOTAL_FONT = Font(bold=True)
DATE_FORMAT = "yyyy-mm-dd"


def plain(value: object) -> object:
    """A value openpyxl can store, or None for anything undefined (NaN, NA, None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return None if isinstance(value, float) and not math.isfinite(value) else value


def put(cell: Cell, value: object, kind: str = "text", currency: str = "USD") -> None:
    """Write a value with the number format of its kind; undefined values leave the cell blank.

    Text is always stored as text: a task named "=cmd|..." must never become a formula.
    """
    value = plain(value)
    if value is None:
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # openpyxl reads a str starting with "=" as a formula
        return
    cell.value = value
    number_format = format_for(kind, currency)
    if number_format:
        cell.number_format = number_format


def format_for(kind: str, currency: str) -> str | None:
    return DATE_FORMAT if kind == "date" else schema.number_format(kind, currency)


def style_header(cell: Cell) -> None:
    cell.fill = HEADER_FILL
    cell.font = HEADER_FONT
    cell.alignment = HEADER_ALIGNMENT
