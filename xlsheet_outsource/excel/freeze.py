"""`xlsheet-outsource freeze`: every OUTSOURCE_* formula replaced by the value the engine
computes for it, so the workbook reads the same where the add-in is missing.

An argument is evaluated as Excel would hand it to the function: a value, a cell or
range (of any sheet), a defined name, a blank for an omitted argument, or another
OUTSOURCE_* call. A formula that is one call becomes its value; a call inside a bigger
formula (=IF(A2="","",OUTSOURCE_VERDICT(...))) becomes a constant in it. A call whose
arguments need anything else (arithmetic, other functions) is left as it is and
reported; formulas of other functions are not touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from .. import udfs
from ..engine.inputs import NO_SAVED_RESULT
from ..errors import InputError
from ..ooxml.package import Package, PackageError
from ..write import style
from ..write.files import save_atomically
from ..write.results import MACRO_SUFFIXES
from .fidelity import assess_rewrite
from .grids import Grid, excel_value

FROZEN_TAG = ".frozen"
# Classic xlwings stores the plain name; Office.js custom functions (xlwings Lite) may carry
# a _xldudf_ prefix and a namespace.
_OUR_NAME = re.compile(r"(?:_xldudf_)?(?:\w+\.)*(OUTSOURCE_\w+)", re.IGNORECASE)
_CELL_OR_RANGE = re.compile(r"[A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?|[A-Z]{1,3}:[A-Z]{1,3}|\d+:\d+",
                            re.IGNORECASE)


class Unfreezable(InputError):
    """An OUTSOURCE_* call whose value cannot be worked out here; the message says why."""


@dataclass
class FreezeOutcome:
    source: Path
    output: Path | None = None
    frozen: int = 0  # formulas rewritten
    problems: list[str] = field(default_factory=list)  # formulas left as they were, and why
    lost: list[str] = field(default_factory=list)  # what rewriting the file with openpyxl drops


def default_output(path: Path) -> Path:
    return path.with_name(path.stem + FROZEN_TAG + path.suffix)


def freeze_workbook(path: Path | str, out: Path | str | None = None) -> FreezeOutcome:
    """Freeze ``path`` into ``out`` (default NAME.frozen.xlsx beside it), atomically."""
    source = Path(path)
    target = Path(out) if out else default_output(source)
    outcome = FreezeOutcome(source)
    try:
        with Package(source) as package:
            rewrite = assess_rewrite(package, package.index())
    except PackageError as exc:
        outcome.problems.append(str(exc))
        return outcome
    outcome.lost = rewrite.lost
    if rewrite.too_big:
        outcome.problems.append(rewrite.too_big)
        return outcome
    keep_vba = target.suffix.lower() in MACRO_SUFFIXES
    try:
        book = openpyxl.load_workbook(source, keep_vba=keep_vba)
        values = openpyxl.load_workbook(source, data_only=True)
    except Exception as exc:  # openpyxl fails in many ways on parts it cannot parse
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:150]
        outcome.problems.append(f"is damaged: cannot be read for rewriting ({detail})")
        return outcome
    if keep_vba and book.vba_archive is None:
        outcome.problems.append(f"{target.name}: a workbook without macros must be saved as .xlsx")
        return outcome
    freezer = Freezer(book, values)
    outcome.frozen, outcome.problems = freezer.freeze_all()
    book.calculation.fullCalcOnLoad = True  # the formulas around frozen calls have no saved result
    try:
        save_atomically(book, target, mode_from=source)
    except OSError as exc:
        outcome.problems.append(f"cannot write {target}: {exc.strerror or exc}")
        return outcome
    outcome.output = target
    return outcome


def our_function(token: Token) -> Callable | None:
    """The Python function of a known OUTSOURCE_* call opened by ``token``, else None."""
    if token.type != Token.FUNC or token.subtype != Token.OPEN:
        return None
    match = _OUR_NAME.fullmatch(token.value[:-1])
    spec = udfs.FUNCTIONS.get(match[1].upper()) if match else None
    return getattr(udfs, spec.python_name) if spec else None


class Freezer:
    """Evaluates OUTSOURCE_* calls of one workbook: ``formulas`` is rewritten; ``values``
    (the same file loaded with data_only) gives the results Excel saved for other formulas."""

    def __init__(self, formulas: openpyxl.Workbook, values: openpyxl.Workbook) -> None:
        self.formulas, self.values = formulas, values
        self.results: dict[tuple[str, int, int], object] = {}  # (sheet, row, col) -> value
        self.pending: set[tuple[str, int, int]] = set()

    def freeze_all(self) -> tuple[int, list[str]]:
        """Freeze every formula calling a known OUTSOURCE_* function; (frozen, problems)."""
        frozen, problems = 0, []
        for ws in self.formulas.worksheets:
            # A snapshot, in reading order: writing an OUTSOURCE_TABLE result adds cells.
            for cell in sorted((c for c in _existing_cells(ws) if c.data_type == "f"
                                and "OUTSOURCE_" in _formula_text(c).upper()),
                               key=lambda c: (c.row, c.column)):
                try:
                    frozen += self.freeze_cell(ws, cell)
                except Unfreezable as exc:
                    problems.append(f"{ws.title}!{cell.coordinate}: not frozen: {exc}")
        return frozen, problems

    def freeze_cell(self, ws: Worksheet, cell: Cell) -> bool:
        """Replace the cell's OUTSOURCE_* calls by their values; False if it has none."""
        tokens = _tokens(cell)
        if not any(our_function(t) for t in tokens):
            return False  # OUTSOURCE_SOMETHING of someone else's: not ours to judge
        own_area = cell.value.ref if isinstance(cell.value, ArrayFormula) else cell.coordinate
        if _single_call(tokens):
            value = self.cell_result(ws, cell.row, cell.column)
            # A single value in a multi-cell array formula shows in each of its cells.
            rows = value if isinstance(value, list) else \
                [[value] * _width(own_area)] * _height(own_area)
            _write_area(ws, cell, rows, own_area)
        else:
            text = "=" + "".join(self._inlined(tokens, ws.title))
            cell.value = ArrayFormula(own_area, text) if isinstance(cell.value, ArrayFormula) \
                else text
        return True

    def cell_result(self, ws: Worksheet, row: int, col: int) -> object:
        """The value of a cell holding one OUTSOURCE_* call (a grid for OUTSOURCE_TABLE)."""
        key = (ws.title, row, col)
        if key not in self.results:
            if key in self.pending:
                raise Unfreezable(f"{ws.title}!{get_column_letter(col)}{row} refers to itself")
            self.pending.add(key)
            try:
                tokens = _trimmed(_tokens(ws.cell(row, col)))
                self.results[key] = self.call(tokens[0], tokens[1:-1], ws.title)
            finally:
                self.pending.discard(key)
        return self.results[key]

    def call(self, opening: Token, inner: list[Token], sheet: str) -> object:
        function = our_function(opening)
        if function is None:  # the caller found an OUTSOURCE_ call here
            raise ValueError(f"not one of the tool's functions: {opening.value}")
        arguments = [self.argument(part, sheet, n) for n, part in enumerate(_split(inner), 1)]
        return function(*arguments)

    def _inlined(self, tokens: list[Token], sheet: str) -> list[str]:
        """The formula's text with each OUTSOURCE_* call replaced by its value as a constant."""
        parts, i = [], 0
        while i < len(tokens):
            if our_function(tokens[i]) is None:
                parts.append(tokens[i].value)
                i += 1
                continue
            end = _closing(tokens, i)
            value = self.call(tokens[i], tokens[i + 1:end], sheet)
            if isinstance(value, list):
                raise Unfreezable("OUTSOURCE_TABLE inside another formula; give it a cell "
                                  "of its own")
            parts.append(_constant(value))
            i = end + 1
        return parts

    def argument(self, tokens: list[Token], sheet: str, position: int) -> object:
        tokens = _trimmed(tokens)
        if not tokens:
            return None  # omitted: the function's default
        if our_function(tokens[0]) and _closing(tokens, 0) == len(tokens) - 1:
            return self.call(tokens[0], tokens[1:-1], sheet)
        sign = 1.0
        if len(tokens) == 2 and tokens[0].type == Token.OP_PRE and tokens[0].value in "+-":
            sign = -1.0 if tokens[0].value == "-" else 1.0
            tokens = tokens[1:]
        if len(tokens) == 1 and tokens[0].type == Token.OPERAND:
            return self.operand(tokens[0], sheet, sign)
        text = "".join(t.value for t in tokens)
        raise Unfreezable(f"argument {position} ({text}) is an expression; only values, cell "
                          "references, names and OUTSOURCE_* calls can be frozen")

    def operand(self, token: Token, sheet: str, sign: float) -> object:
        text = token.value
        if token.subtype == Token.NUMBER:
            return sign * float(text)
        if sign < 0:
            raise Unfreezable(f"-{text} is an expression")
        if token.subtype == Token.TEXT:
            return text[1:-1].replace('""', '"')
        if token.subtype == Token.LOGICAL:
            return text.upper() == "TRUE"
        if token.subtype == Token.ERROR:
            return text
        return self.reference(text, sheet)

    def reference(self, text: str, sheet: str) -> object:
        """A cell's value, a range's values as rows, or what a defined name points to."""
        where, _, address = text.rpartition("!")
        if where:
            sheet = where.strip("'").replace("''", "'")
        address = address.replace("$", "")
        if _CELL_OR_RANGE.fullmatch(address):
            return self.range_values(sheet, address)
        defined = self.formulas.defined_names.get(address)
        destinations = list(defined.destinations) if defined else []
        if not where and len(destinations) == 1:
            target_sheet, target = destinations[0]
            return self.range_values(target_sheet, target.replace("$", ""))
        raise Unfreezable(f"{text} is not a cell, range or defined name of this workbook")

    def range_values(self, sheet: str, address: str) -> object:
        ws = self._sheet(sheet)
        min_col, min_row, max_col, max_row = range_boundaries(address)
        min_col, min_row = min_col or 1, min_row or 1
        max_col, max_row = max_col or ws.max_column, max_row or ws.max_row
        if (min_col, min_row) == (max_col, max_row):
            return self.cell_value(ws, min_row, min_col)
        return [[self.cell_value(ws, row, col) for col in range(min_col, max_col + 1)]
                for row in range(min_row, max_row + 1)]

    def cell_value(self, ws: Worksheet, row: int, col: int) -> object:
        """What Excel would pass for this cell: its value, or the result of its formula."""
        cell = _existing(ws, row, col)
        if cell is None or cell.data_type != "f":
            return excel_value(cell.value) if cell else None
        tokens = _tokens(cell)
        if _single_call(tokens):
            result = self.cell_result(ws, row, col)
            return result[0][0] if isinstance(result, list) else result
        saved = _existing(self.values[ws.title], row, col)
        return NO_SAVED_RESULT if saved is None or saved.value is None else excel_value(saved.value)

    def _sheet(self, name: str) -> Worksheet:
        for ws in self.formulas.worksheets:
            if ws.title.lower() == name.lower():
                return ws
        raise Unfreezable(f"there is no sheet {name!r}")


def _existing_cells(ws: Worksheet) -> list[Cell]:
    # Through the cell store: asking openpyxl for a cell creates it.
    return list(ws._cells.values())


def _existing(ws: Worksheet, row: int, col: int) -> Cell | None:
    return ws._cells.get((row, col))


def _formula_text(cell: Cell) -> str:
    return cell.value.text if isinstance(cell.value, ArrayFormula) else str(cell.value)


def _tokens(cell: Cell) -> list[Token]:
    try:
        return Tokenizer(_formula_text(cell)).items
    except TokenizerError as exc:
        raise Unfreezable(f"the formula cannot be read ({exc})") from None


def _trimmed(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.type != Token.WSPACE]


def _single_call(tokens: list[Token]) -> bool:
    """Whether the whole formula is one OUTSOURCE_* call."""
    tokens = _trimmed(tokens)
    return bool(tokens) and our_function(tokens[0]) is not None and \
        _closing(tokens, 0) == len(tokens) - 1


def _closing(tokens: list[Token], opening: int) -> int:
    depth = 0
    for index in range(opening, len(tokens)):
        token = tokens[index]
        if token.type in (Token.FUNC, Token.PAREN):
            depth += 1 if token.subtype == Token.OPEN else -1
            if depth == 0:
                return index
    raise Unfreezable("unbalanced parentheses")


def _split(inner: list[Token]) -> list[list[Token]]:
    """A call's argument tokens, split at its own commas; no argument at all is []."""
    if not inner:
        return []
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in inner:
        if token.type in (Token.FUNC, Token.PAREN):
            depth += 1 if token.subtype == Token.OPEN else -1
        if depth == 0 and token.type == Token.SEP and token.subtype == Token.ARG:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _constant(value: object) -> str:
    """A value as an Excel constant inside a formula."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(float(value))
    return '"' + str(value).replace('"', '""') + '"'


def _height(area: str) -> int:
    _, min_row, _, max_row = range_boundaries(area)
    return max_row - min_row + 1


def _width(area: str) -> int:
    min_col, _, max_col, _ = range_boundaries(area)
    return max_col - min_col + 1


def _write_area(ws: Worksheet, anchor: Cell, rows: Grid, own_area: str) -> None:
    """Write the values from ``anchor``: over the formula's own area (cleared first) and
    empty cells, never over anything else."""
    min_col, min_row, max_col, max_row = range_boundaries(own_area)
    own = {(r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)}
    for r, row in enumerate(rows, start=anchor.row):
        for c, _ in enumerate(row, start=anchor.column):
            existing = _existing(ws, r, c)
            if (r, c) not in own and existing is not None and existing.value is not None:
                raise Unfreezable(f"its result would overwrite {existing.coordinate}")
    for r, c in own:
        if _existing(ws, r, c) is not None:
            ws.cell(r, c).value = None
    for r, row in enumerate(rows, start=anchor.row):
        for c, value in enumerate(row, start=anchor.column):
            style.put(ws.cell(r, c), value)  # text stays text; the cell keeps its format
