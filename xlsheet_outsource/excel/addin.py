"""`xlsheet-outsource addin PATH`: the template as a macro-enabled workbook wired for xlwings.

We cannot write VBA here, so the workbook is built on xlwings' own standalone
quickstart workbook, whose VBA project carries xlwings' RunPython and a SampleCall
macro that runs main() of the Python file named like the workbook. Beside the
workbook go that file (main() is the Decide macro) and a folder with the main.py
and requirements.txt that xlwings Lite (Excel for the web and Mac) expects.
"""

from __future__ import annotations

import keyword
from copy import copy
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import openpyxl
import xlwings
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from .. import udfs
from ..engine import schema
from ..errors import FileError, InputError
from ..write import style
from ..write.files import save_atomically, write_text_atomically
from ..write.template import FIRST_INPUT_ROW, LAST_INPUT_ROW, WRAP, add_template_sheets

QUICKSTART = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
QUICKSTART_CONF = "_xlwings.conf"  # the leading underscore switches it off
CONF_SHEET = "xlwings.conf"
UDF_MODULES_KEY = "UDF Modules"
UDF_MODULE = "xlsheet_outsource.udfs"
LIVE_SHEET = "Live results"
LITE_SUFFIX = "_xlwings_lite"

# Right of the Tasks inputs: a price to try, and the verdict at that price as you type.
# (header, OUTSOURCE_VERDICT argument it feeds, number format kind)
TRY_COLUMNS = (("Try price", "price", "money"), ("Try basis", "basis", "text"),
               ("Try review hours each", "review_hours", "hours"))
TRY_VERDICT = "Verdict at that price"


@dataclass
class AddinFiles:
    workbook: Path
    macro_module: Path  # main() here is what the workbook's macro runs
    lite_folder: Path

    def all(self) -> list[Path]:
        return [self.workbook, self.macro_module, self.lite_folder / "main.py",
                self.lite_folder / "requirements.txt"]


def addin_files(path: Path) -> AddinFiles:
    return AddinFiles(path, path.with_suffix(".py"), path.with_name(path.stem + LITE_SUFFIX))


def write_addin(path: Path | str, *, force: bool = False) -> AddinFiles:
    """Write the .xlsm, its macro's Python file and the xlwings Lite folder beside it."""
    path = Path(path)
    if path.suffix.lower() != ".xlsm":
        raise InputError(f"{path.name}: the workbook carries macros, so its name must end in .xlsm")
    if not path.stem.isidentifier() or keyword.iskeyword(path.stem):
        raise InputError(f"{path.name}: the macro imports the Python file named like the "
                         "workbook, so use letters, digits and underscores, not starting with "
                         "a digit (e.g. outsourcing.xlsm)")
    files = addin_files(path)
    existing = [p for p in files.all() if p.exists()]
    if existing and not force:
        raise FileError(f"{existing[0]}: already exists; choose another name or add --force")
    files.lite_folder.mkdir(parents=True, exist_ok=True)
    save_atomically(addin_workbook(), path)
    write_text_atomically(files.macro_module, MACRO_MODULE)
    write_text_atomically(files.lite_folder / "main.py", lite_main())
    write_text_atomically(files.lite_folder / "requirements.txt", lite_requirements())
    return files


def addin_workbook() -> openpyxl.Workbook:
    """The template inside xlwings' quickstart workbook, with live formulas and the conf sheet."""
    book = openpyxl.load_workbook(QUICKSTART, keep_vba=True)
    placeholder = book.worksheets[0]
    add_template_sheets(book)
    # The first template sheet takes over the placeholder's code name, so that every
    # sheet module of the VBA project still has its sheet.
    book[schema.START].sheet_properties.codeName = placeholder.sheet_properties.codeName
    book.remove(placeholder)
    inputs_width = _last_header_column(book[schema.TASKS])  # before the Try columns join it
    _add_try_columns(book[schema.TASKS], set(book.defined_names))
    _add_live_sheet(book, inputs_width)
    conf = book[QUICKSTART_CONF]
    conf.title = CONF_SHEET
    _set_conf(conf, UDF_MODULES_KEY, UDF_MODULE)
    book.move_sheet(conf, offset=len(book.sheetnames) - 1 - book.index(conf))
    _add_excel_steps(book[schema.START])
    for ws in book.worksheets:
        ws.sheet_view.tabSelected = False
    book.active = book.sheetnames.index(schema.START)
    book.active.sheet_view.tabSelected = True
    return book


def verdict_formula(row: int, sources: dict[str, str]) -> str:
    """=OUTSOURCE_VERDICT(...) for a row: each argument from ``sources`` (argument -> cell
    or name), the others left out so they take their defaults; blank while the row is."""
    given = [sources.get(a.name, "") for a in udfs.TASK_ARGUMENTS]
    while given and not given[-1]:
        given.pop()
    call = f"OUTSOURCE_VERDICT({','.join(given)})"
    return f'=IF(OR($A{row}="",{sources["price"]}=""),"",{call})'


def _verdict_sources(row: int, try_letters: dict[str, str], task_letters: dict[str, str],
                     names: set[str]) -> dict[str, str]:
    """Each argument's cell on the row (task inputs by their column on Tasks, the price
    to try by its Try column) or setting's defined name; what the template lacks is left
    out and takes its default."""
    sources = {}
    for engine_input in udfs.ENGINE_INPUTS:
        if engine_input.source == "task" and engine_input.key in task_letters:
            sources[engine_input.argument] = f"${task_letters[engine_input.key]}{row}"
        elif engine_input.source == "setting" and engine_input.key in names:
            sources[engine_input.argument] = engine_input.key  # the defined name
    sources.update({argument: f"${letter}{row}" for argument, letter in try_letters.items()})
    return sources


def _last_header_column(ws: Worksheet) -> int:
    return max(cell.column for cell in ws[1] if cell.value is not None)


def _task_letters(ws: Worksheet) -> dict[str, str]:
    """Each task input's column letter, found by its header as the template laid it out."""
    lookup = schema.header_lookup(schema.TASK_INPUTS)
    return {lookup[key]: cell.column_letter for cell in ws[1]
            if (key := schema.normalise_header(cell.value)) in lookup}


def _add_try_columns(ws: Worksheet, names: set[str]) -> None:
    task_letters = _task_letters(ws)
    first = _last_header_column(ws) + 1
    header_style, input_style = ws.cell(1, 1), ws.cell(FIRST_INPUT_ROW, 1)
    try_letters = {}
    for col, (header, argument, kind) in enumerate(TRY_COLUMNS, first):
        _copy_style(header_style, ws.cell(1, col, header))
        try_letters[argument] = get_column_letter(col)
        for row in range(FIRST_INPUT_ROW, LAST_INPUT_ROW + 1):
            _copy_style(input_style, ws.cell(row, col))
            ws.cell(row, col).number_format = style.format_for(kind, "USD") or "General"
        ws.column_dimensions[get_column_letter(col)].width = 13
    basis_list = DataValidation(type="list", formula1=schema.LIST_NAMES['basis'][0],
                                allow_blank=True)
    basis_list.add(f"{try_letters['basis']}{FIRST_INPUT_ROW}:{try_letters['basis']}{LAST_INPUT_ROW}")
    ws.add_data_validation(basis_list)
    verdict_col = first + len(TRY_COLUMNS)
    _copy_style(header_style, ws.cell(1, verdict_col, TRY_VERDICT))
    ws.column_dimensions[get_column_letter(verdict_col)].width = 16
    for row in range(FIRST_INPUT_ROW, LAST_INPUT_ROW + 1):
        ws.cell(row, verdict_col).value = verdict_formula(
            row, _verdict_sources(row, try_letters, task_letters, names))


def _add_live_sheet(book: openpyxl.Workbook, tasks_width: int) -> None:
    """OUTSOURCE_TABLE over the whole Tasks table, as an array formula lined up with Tasks
    row for row, and each row's Task ID beside it. It reads every input column of Tasks
    and Quotes and the whole Settings sheet (the exchange-rate table too), and is as wide
    as version 2's block: a workbook that uses none of version 2 fills only the first 12
    of its columns (Excel shows #N/A in the rest)."""
    ws = book.create_sheet(LIVE_SHEET, index=book.sheetnames.index(schema.QUOTES) + 1)
    tasks_range = _whole_table(schema.TASKS, tasks_width)
    quotes_range = _whole_table(schema.QUOTES, _last_header_column(book[schema.QUOTES]))
    settings_range = _whole_table(schema.SETTINGS, book[schema.SETTINGS].max_column)
    tasks = quote_sheetname(schema.TASKS)
    for row in range(1, LAST_INPUT_ROW + 1):
        ws.cell(row, 1).value = f'=IF({tasks}!$A{row}="","",{tasks}!$A{row})'
    last = get_column_letter(1 + len(schema.task_results(version2=True)))
    ws["B1"] = ArrayFormula(f"B1:{last}{LAST_INPUT_ROW}",
                            f"=OUTSOURCE_TABLE({tasks_range},{quotes_range},{settings_range})")
    ws.freeze_panes = "B2"


def _whole_table(sheet: str, columns: int) -> str:
    return f"{quote_sheetname(sheet)}!$A$1:${get_column_letter(columns)}${LAST_INPUT_ROW}"


def _set_conf(ws: Worksheet, key: str, value: str) -> None:
    for row in ws.iter_rows(min_col=1, max_col=2):
        if row[0].value == key:
            row[1].value = value
            return
    ws.append([key, value])


def _add_excel_steps(ws: Worksheet) -> None:
    row = ws.max_row + 2
    ws.cell(row, 1, "In Excel, with xlwings (docs/excel.md)").font = Font(bold=True, size=12)
    steps = (
        ("Decide", "Run the macro SampleCall (Alt+F8), or Run main on the xlwings tab: it decides "
                   "every task and writes the results, Summary and For accountant, as the "
                   "process command does. The Python file named like this workbook must sit "
                   "beside it."),
        ("Live", f"Windows Excel: xlwings tab > Import Functions, then {TRY_VERDICT} on Tasks "
                 f"and the {LIVE_SHEET} sheet recalculate as you type."),
        ("Share", "xlsheet-outsource freeze FILE replaces the OUTSOURCE_ formulas by their "
                  "values, for someone without the add-in."),
    )
    for offset, (label, text) in enumerate(steps, 1):
        ws.cell(row + offset, 1, label).font = Font(bold=True)
        ws.cell(row + offset, 2, text).alignment = WRAP


def _copy_style(source: Cell, target: Cell) -> None:
    target.font, target.fill = copy(source.font), copy(source.fill)
    target.border, target.alignment = copy(source.border), copy(source.alignment)


MACRO_MODULE = '''"""Run by the workbook of the same name: its SampleCall macro, or Run main on the
xlwings tab. Keep this file next to the workbook, named like it."""

from xlsheet_outsource.excel import decide_caller


def main() -> None:
    """Decide every task and write the results, Summary and For accountant."""
    decide_caller()
'''


def lite_main() -> str:
    """main.py for xlwings Lite: the worksheet functions and the Decide script."""
    names = ",\n    ".join(spec.python_name for spec in udfs.FUNCTIONS.values())
    return f'''"""xlsheet-outsource in xlwings Lite: paste into the main.py tab (and requirements.txt
into its tab). The OUTSOURCE_* functions appear in Excel; run decide to write the
results, Summary and For accountant."""

import xlwings as xw
from xlwings import script

from xlsheet_outsource.excel import XlwingsBook, decide_book
from xlsheet_outsource.udfs import (  # noqa: F401 (xlwings Lite registers what main.py holds)
    {names},
)


@script
def decide(book: xw.Book):
    """Decide every task and write the results, Summary and For accountant."""
    decide_book(XlwingsBook(book))
'''


def lite_requirements() -> str:
    return f"xlsheet-outsource=={version('xlsheet-outsource')}\n"
