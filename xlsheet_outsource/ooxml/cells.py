"""One cell as worksheet XML: numbers as values, text as inline strings (so the shared
strings part never changes), formulas together with the result they give."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Union

from . import xmltext


@dataclass(frozen=True)
class Formula:
    """A formula (without "=") and its cached result: written together, so that every
    reader shows the value, recalculating or not."""
    text: str
    cached: float | int | str | bool | None = None


CellValue = Union[float, int, str, bool, Formula, None]


class Cell(NamedTuple):
    value: CellValue
    style: int = 0  # cellXfs index


_LETTERS: dict[int, str] = {}
_COLUMNS: dict[bytes, int] = {}


def column_letter(column: int) -> str:
    letters = _LETTERS.get(column)
    if letters is None:
        number, letters = column, ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(65 + rest) + letters
        _LETTERS[column] = letters
    return letters


def column_number(letters: bytes) -> int:
    number = _COLUMNS.get(letters)
    if number is None:
        number = 0
        for char in letters.upper():
            number = number * 26 + char - 64
        _COLUMNS[letters] = number
    return number


def number_text(value: float | int) -> str:
    """16 significant digits, as openpyxl writes numbers: every writer of this project
    stores the same figure (Excel shows 15)."""
    if not math.isfinite(value):
        raise ValueError(f"a cell cannot hold {value}")
    return "%.16g" % value


def render(ref: str, cell: Cell, prefix: str = "") -> bytes:
    """``<c>`` for ``cell`` at ``ref``; b"" for a blank unstyled cell (nothing to write)."""
    value, style = cell
    styled = f' s="{style}"' if style else ""
    kind = type(value)
    if kind is float or kind is int:  # most cells: first, and cheapest
        return (f'<{prefix}c r="{ref}"{styled}><{prefix}v>{number_text(value)}</{prefix}v>'
                f'</{prefix}c>').encode()
    if kind is str:
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return (f'<{prefix}c r="{ref}"{styled} t="inlineStr"><{prefix}is><{prefix}t{space}>'
                f'{xmltext.cell_text(value)}</{prefix}t></{prefix}is></{prefix}c>').encode()
    if value is None:
        return f'<{prefix}c r="{ref}"{styled}/>'.encode() if style else b""
    if kind is bool:
        return (f'<{prefix}c r="{ref}"{styled} t="b"><{prefix}v>{int(value)}</{prefix}v>'
                f'</{prefix}c>').encode()
    if isinstance(value, Formula):
        return (f'<{prefix}c r="{ref}"{styled}{_result_type(value.cached)}><{prefix}f>'
                f'{xmltext.escape(value.text)}</{prefix}f><{prefix}v>{_result(value.cached)}'
                f'</{prefix}v></{prefix}c>').encode()
    raise TypeError(f"a cell cannot hold {value!r}")


def _result_type(cached: float | int | str | bool | None) -> str:
    if isinstance(cached, bool):
        return ' t="b"'
    if cached is None or isinstance(cached, str):
        return ' t="str"'
    return "" if math.isfinite(cached) else ' t="e"'


def _result(cached: float | int | str | bool | None) -> str:
    if isinstance(cached, bool):
        return str(int(cached))
    if cached is None or isinstance(cached, str):
        return xmltext.cell_text(cached or "")
    return number_text(cached) if math.isfinite(cached) else "#NUM!"
