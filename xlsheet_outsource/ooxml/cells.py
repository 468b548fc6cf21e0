"""One cell as worksheet XML: numbers as values, text as inline strings (so the shared
strings part never changes), formulas together with the result they give."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

from . import xmltext

EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384  # a sheet's size: A1 to XFD1048576

PlainValue = float | int | str | bool | None  # what a cell holds, or a formula gives


@dataclass(frozen=True)
class Formula:
    """A formula (without "=") and its cached result: written together, so that every
    reader shows the value, recalculating or not."""
    text: str
    cached: PlainValue = None


CellValue = PlainValue | Formula


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
    return "%.16g" % value  # noqa: UP031 (the quickest way to 16 digits, on every number cell)


def render(ref: str, cell: Cell, prefix: str = "") -> bytes:
    """``<c>`` for ``cell`` at ``ref``; b"" for a blank unstyled cell (nothing to write)."""
    return xmltext.prefixed(cell_xml(ref, cell).encode(), prefix.encode())


def cell_xml(ref: str, cell: Cell) -> str:
    """``render``'s text, unprefixed."""
    value, style = cell
    styled = f' s="{style}"' if style else ""
    kind = type(value)
    if kind is float or kind is int:  # most cells: first and cheapest; type() leaves out bools
        return f'<c r="{ref}"{styled}><v>{number_text(cast(float, value))}</v></c>'
    if kind is str:
        text = cast(str, value)
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return (f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{xmltext.cell_text(text)}'
                "</t></is></c>")
    if value is None:
        return f'<c r="{ref}"{styled}/>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Formula):
        return (f'<c r="{ref}"{styled}{_result_type(value.cached)}><f>'
                f"{xmltext.escape(value.text)}</f><v>{_result(value.cached)}</v></c>")
    raise TypeError(f"a cell cannot hold {value!r}")


def column_xml(letter: str, rows: Sequence[int], values: Sequence[CellValue],
               number_style: int = 0) -> list[str]:
    """The cells of one column, unprefixed: numbers with ``number_style``, text unstyled,
    "" for a blank (None, NaN). Finite floats, most of a computed block, take the quick
    path; a text repeated down the column (a verdict, a vendor) is escaped once."""
    styled = f' s="{number_style}"' if number_style else ""
    after = {text: _after_ref(text) for text in set(values) if type(text) is str}
    return [f'<c r="{letter}{row}"{styled}><v>{value:.16g}</v></c>'
            if (type(value) is float and value - value == 0) or type(value) is int  # finite
            else f'<c r="{letter}{row}{after[value]}' if type(value) is str
            else "" if value is None or type(value) is float
            else cell_xml(f"{letter}{row}", Cell(value, number_style))
            for row, value in zip(rows, values)]


def _after_ref(text: str) -> str:
    """A text cell's XML from the end of its address on (the same in every row)."""
    return cell_xml("\0", Cell(text)).partition("\0")[2]


def rows_xml(rows: Sequence[int],
             columns: Sequence[tuple[str, Sequence[CellValue], int]]) -> list[str]:
    """The cells of ``columns`` (each its letter, values and number style, as column_xml
    takes them), one text a row: each row made by one formatting of a template of its
    cells, into which a column of finite numbers (most of a computed block) or of text
    goes straight; any other column is rendered by column_xml first."""
    numbers = [str(row) for row in rows]
    template: list[str] = []
    arguments: list[Sequence[object]] = []
    for letter, values, number_style in columns:
        kinds = set(map(type, values))
        if kinds <= {float, int} and math.isfinite(sum(cast(list[float], values))):
            # no truth value (a bool is an int), no NaN; a sum that overflows: cell by cell
            styled = f' s="{number_style}"' if number_style else ""
            template.append(f'<c r="{letter}%s"{styled}><v>%.16g</v></c>')  # as number_text
            arguments += (numbers, values)
        elif kinds == {str}:
            after = {text: _after_ref(text) for text in set(cast(list[str], values))}
            template.append(f'<c r="{letter}%s%s')
            arguments += (numbers, list(map(after.__getitem__, cast(list[str], values))))
        elif kinds != {type(None)}:  # a column of blanks writes nothing
            template.append("%s")
            arguments.append(column_xml(letter, rows, values, number_style))
    if not arguments:  # every column blank
        return [""] * len(rows)
    return list(map("".join(template).__mod__, zip(*arguments)))


# A formula's saved result: NaN is a blank figure (pandas' blank), which the formulas
# spell "", so it is saved as the empty text they give; an infinity is an overflow (#NUM!).

def _result_type(cached: float | int | str | bool | None) -> str:
    if isinstance(cached, bool):
        return ' t="b"'
    if cached is None or isinstance(cached, str) or math.isnan(cached):
        return ' t="str"'
    return "" if math.isfinite(cached) else ' t="e"'


def _result(cached: float | int | str | bool | None) -> str:
    if isinstance(cached, bool):
        return str(int(cached))
    if cached is None or isinstance(cached, str):
        return xmltext.cell_text(cached or "")
    if math.isnan(cached):
        return ""
    return number_text(cached) if math.isfinite(cached) else "#NUM!"
