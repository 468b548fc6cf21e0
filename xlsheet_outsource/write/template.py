"""The blank workbook a user fills in: Start here, Settings, Tasks, Quotes.

Everything a reader relies on (sheet names, headers, defined names, lists) comes
from engine/schema.py; this module only lays it out and makes it friendly to fill in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.cell import absolute_coordinate
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..engine import schema
from ..engine.schema import Column
from ..ooxml import transplant
from ..ooxml.book import WorkbookPackage
from ..ooxml.worksheet import TOOLS_PAGE_ORDER
from . import files, style

# A fixed date keeps regenerated templates identical (openpyxl still stamps "modified" on save).
FIXED_TIME = datetime(2026, 1, 1)
FIRST_INPUT_ROW = 2
LAST_INPUT_ROW = 501  # 500 rows ready to type into, with formats and drop-downs
TEMPLATE_SHEETS = (schema.START, schema.SETTINGS, schema.TASKS, schema.QUOTES)
OPTIONAL_SHEETS = (schema.VENDORS,)  # added unless the workbook has a sheet of that name
LISTS_FIRST_COLUMN = 5  # E: the drop-down lists sit right of the settings, out of the way
EXCHANGE_ROWS = 6  # blank rows ready in the exchange-rate table (the reader reads to a blank)
RATE_FORMAT = "0.0000"  # rates such as 1.0842 shown as typed

# Excel's built-in Input style, on a light yellow fill: users know it means "type here".
INPUT_FILL = PatternFill("solid", fgColor="FFFFF2CC")
INPUT_FONT = style.font(color="FF3F3F76")
INPUT_BORDER = Border(*(Side(style="thin", color="FFBFBFBF"),) * 4)
INPUT_BLUE = "FF1F4E78"  # the headers and the tabs of the sheets the user fills in
HEADER_FILL = PatternFill("solid", fgColor=INPUT_BLUE)
TITLE_FONT = style.font(bold=True, size=16, color=INPUT_BLUE)
HEADING_FONT = style.font(bold=True, size=12, color=INPUT_BLUE)
LABEL_FONT = style.font(bold=True)
INPUT_HOURS_FORMAT = "#,##0.0#"  # 0.75 shows as typed, not rounded to 0.8
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")  # a setting's value level with its label and help
EXCHANGE_HELP = ("Only for quotes in another currency: one row each, its code and what one "
                 "unit is worth in your currency (e.g. GBP and 1.27 when your currency is USD).")

# The Verdict column's colours, for the legend on Start here.
VERDICT_FILLS = {verdict: "FF" + fill for verdict, (fill, _) in
                 {**style.VERDICT_COLOURS, **style.VERDICT_COLOURS_V2}.items()}

START_STEPS = (
    "Settings: type your Hourly worth in the yellow cell (what one hour of your expert "
    "work earns you, e.g. 120). Check the Currency; the other settings can stay as they are.",
    "Tasks: list what your business does, one task a row. Give each a short Task ID (T1, T2, "
    "...), say how often it happens (Frequency and Per, e.g. 3 per week) and how many of your "
    "own hours it takes each time (Hours each: 0.5 = half an hour).",
    "Tasks: pick the Expertise (Core = what earns your hourly worth, Strong = you are good at "
    "it, Weak = not your strength) and whether the task is Quality critical.",
    "Quotes: for each task you could hand off, enter every quote you have, one a row, with the "
    "Task ID it is for. Tasks without a quote are fine: they show NEEDS QUOTE.",
    "Quotes: the Price is on its Basis (per occurrence, per hour, per month, per year, or "
    "fixed). Add the setup fee, your own setup hours (onboarding, writing the brief), your "
    "review hours each time (briefing plus checking) and any platform fee %.",
    "Save and close the workbook, then in a terminal run:  xlsheet-outsource process FILE  "
    "(for example  xlsheet-outsource process my_business.xlsx ).",
    "Open the result, written beside it as NAME.outsourced.xlsx: every task gets a Verdict and "
    "a Reason on Tasks, the best quote is ranked 1 on Quotes, and the Summary and For "
    "accountant sheets give the totals. Change anything and run it again.",
)

START_TIPS = (
    "Yellow cells are for you to fill in. Hover over a column header to see what it means.",
    "Add your own columns anywhere or reorder them: the tool finds its columns by header text.",
    "Money and hours may be typed as text ('$1,200', '1,5'); 5 in a % column means 5%.",
    "Nothing you type is changed; each run only rewrites the computed columns and sheets.",
    "Vendors (optional): where each vendor is and how you pay them; For accountant then "
    "lists the paperwork points to check with your accountant.",
    "Optional, when you want more (see the guide): Still needed = No drops a task nobody "
    "needs; Kind = tool for software; a Bundle name on small tasks one vendor could take "
    "together; a quote's Currency with its rate under the settings; a Monthly budget.",
)

VERDICT_MEANINGS = (
    ("OUTSOURCE", "Hand it off: the best quote, all in (price, fees, your briefing and "
                  "checking time), costs clearly less than the hours it takes you."),
    ("KEEP", "Keep doing it: it is your core expertise, or handing it off takes as long as "
             "doing it (a short email), or doing it yourself is simply cheaper."),
    ("REVIEW", "Your call: outsourcing saves only a little (less than the Margin setting), "
               "or the task is quality critical and you are good at it."),
    ("NEEDS QUOTE", "No usable quote yet: get one, add it on Quotes and run again."),
    (schema.AUTOMATE, "Let software do it: the best quote is a tool (Kind = tool) and, all "
                      "in, costs clearly less than the hours it takes you."),
    (schema.DROP, "Stop doing it: you marked it Still needed = No, so all its hours are "
                  "saved and nobody is paid."),
    ("ERROR", "The row could not be read (e.g. hours typed as 'two'): the Reason names the "
              "cell to fix. Every other row is still decided."),
)


def new_template(path: Path | str | None = None, *, currency: str = "USD") -> openpyxl.Workbook:
    """The blank template; saved to ``path`` (atomically) when given."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    add_template_sheets(wb, currency=currency)
    add_vendors_sheet(wb, currency)
    wb.active = 0
    wb.properties.creator = schema.COMMENT_AUTHOR
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    if path is not None:
        files.save_atomically(wb, Path(path))
    return wb


def add_template_sheets(wb: openpyxl.Workbook, *, currency: str = "USD") -> None:
    """Add Start here, Settings, Tasks, Quotes and their defined names to ``wb``."""
    _check_free(wb)
    _add_start_sheet(wb)
    _add_settings_sheet(wb, currency)
    _add_input_sheet(wb, schema.TASKS, input_columns(schema.TASK_COLUMNS,
                                                     schema.TASK_COLUMNS_V2), currency)
    _add_input_sheet(wb, schema.QUOTES, input_columns(schema.QUOTE_COLUMNS,
                                                      schema.QUOTE_COLUMNS_V2), currency)


def input_columns(version1: tuple[Column, ...], version2: tuple[Column, ...]
                  ) -> tuple[Column, ...]:
    """A sheet's columns as laid out: version 2's after version 1's inputs, before Notes
    (the contract's order; the reader finds them by header wherever they are)."""
    at = len(version1) - (version1[-1].key == "notes")
    return version1[:at] + version2 + version1[at:]


def add_vendors_sheet(wb: openpyxl.Workbook, currency: str) -> None:
    """The optional Vendors sheet (for the accountant's paperwork points). Not in the
    Excel add-in's workbook: its Decide button does not read it."""
    _add_input_sheet(wb, schema.VENDORS, schema.VENDOR_COLUMNS, currency)
    ws = wb[schema.VENDORS]
    for col, column in enumerate(schema.VENDOR_COLUMNS, 1):
        if column.choices:  # a short list typed into the validation: no defined name needed
            letter = get_column_letter(col)
            validation = DataValidation(
                type="list", formula1=f'"{",".join(column.choices)}"', allow_blank=True,
                showErrorMessage=True, errorStyle="warning", errorTitle=column.header,
                error=f"Pick one of: {', '.join(column.choices)}.")
            validation.add(f"{letter}{FIRST_INPUT_ROW}:{letter}{LAST_INPUT_ROW}")
            ws.add_data_validation(validation)


def add_to_workbook(source: Path, target: Path, *, currency: str = "USD") -> tuple[str, ...]:
    """Add the template's sheets and defined names to the workbook at ``source``, saved
    to ``target``: at the zip level, so every part of the user's file stays as it was.
    Returns the sheets added (an optional one the workbook has already is kept)."""
    with WorkbookPackage(source) as book:
        check_free(book.sheet_names(), book.package.index().defined_names)
        book.match_kind(Path(target))
        donor = transplant.Donor(_template_bytes(currency))
        optional = [name for name in OPTIONAL_SHEETS
                    if name.lower() not in {s.lower() for s in book.sheet_names()}]
        added = (*TEMPLATE_SHEETS, *optional)
        transplant.copy_sheets(book, donor, added)
        transplant.copy_defined_names(book, donor)
        files.save_atomically(book, Path(target), mode_from=Path(source))
    return added


@functools.lru_cache(maxsize=4)
def _template_bytes(currency: str) -> bytes:
    """The template as a saved file: made once a process (it takes a quarter second)."""
    return transplant.saved(new_template(currency=currency))


def _check_free(wb: openpyxl.Workbook) -> None:
    check_free(wb.sheetnames, wb.defined_names)


def check_free(sheet_names: Iterable[str], defined_names: Iterable[str]) -> None:
    """Refuse to overwrite a user's sheet or name that happens to share ours.

    Excel compares sheet and defined names case-insensitively, so we do too. A sheet of
    the user's called Summary or For accountant is no obstacle: the tool's sheet of that
    kind then gets a free name when it is first written (write/results.report_sheet_name).
    """
    existing = {title.lower() for title in sheet_names}
    sheets = [s for s in TEMPLATE_SHEETS if s.lower() in existing]
    if sheets:
        raise ValueError(f"the workbook already has a sheet named {', '.join(sheets)}; "
                         "rename or remove it before adding the template sheets")
    defined = {name.lower() for name in defined_names}
    ours = [s.name for s in schema.ALL_SETTINGS] + _list_names() + [schema.EXCHANGE_NAME]
    names = [n for n in ours if n.lower() in defined]
    if names:
        raise ValueError(f"the workbook already defines the name {', '.join(names)}; "
                         "rename or remove it before adding the template sheets")


def _add_start_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb.create_sheet(schema.START)
    ws.sheet_view.showGridLines = False
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 100
    ws["A1"] = "Which tasks should you outsource?"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = ("This workbook weighs what each task costs you in your own hours against "
                "what it would cost, all in, to hand it off.")
    ws["A2"].font = style.BODY_FONT
    row = _write_section(ws, 4, "How to fill it in",
                         [(f"Step {i}", text) for i, text in enumerate(START_STEPS, 1)])
    row = _write_section(ws, row + 1, "Good to know", [("Tip", text) for text in START_TIPS])
    row = _write_section(ws, row + 1, "What the verdicts mean", VERDICT_MEANINGS)
    for cell_row in range(row - len(VERDICT_MEANINGS), row):
        label = ws.cell(cell_row, 1)
        label.fill = PatternFill("solid", fgColor=VERDICT_FILLS[label.value])
    style.fit_heights(ws)
    _print_setup(ws, landscape=False)


def _write_section(ws: Worksheet, row: int, heading: str,
                   lines: Sequence[tuple[str, str]]) -> int:
    """A heading then one (label, text) line a row; returns the next free row."""
    ws.cell(row, 1, heading).font = HEADING_FONT
    for offset, (label, text) in enumerate(lines, 1):
        ws.cell(row + offset, 1, label).font = LABEL_FONT
        ws.cell(row + offset, 1).alignment = WRAP
        ws.cell(row + offset, 2, text).alignment = WRAP
        ws.cell(row + offset, 2).font = style.BODY_FONT
    return row + len(lines) + 1


def _add_settings_sheet(wb: openpyxl.Workbook, currency: str) -> None:
    ws = wb.create_sheet(schema.SETTINGS)
    ws.sheet_properties.tabColor = INPUT_BLUE
    for col, (header, width) in enumerate((("Setting", 22), ("Value", 14),
                                           ("What it means", 70)), 1):
        _write_header(ws, col, header, width)
    formats = {"money": schema.money_format(currency), "pct": schema.PERCENT_FORMAT}
    for row, setting in enumerate(schema.ALL_SETTINGS, FIRST_INPUT_ROW):
        label = ws.cell(row, 1, setting.label)
        label.font, label.alignment = LABEL_FONT, WRAP
        value = ws.cell(row, 2, _setting_value(setting, currency))
        _style_input(value, formats.get(setting.kind))
        value.alignment = TOP
        _write_help(ws.cell(row, 3), setting.help)
        _define_name(wb, setting.name, ws, f"B{row}")
    ws.freeze_panes = "A2"
    exchange_row = FIRST_INPUT_ROW + len(schema.ALL_SETTINGS) + 1
    _add_exchange_table(wb, ws, exchange_row)
    _add_lists(wb, ws)
    style.fit_heights(ws)
    _print_setup(ws, landscape=False)
    # The settings, their help and the rates on one page; the drop-down lists beside
    # them are the tool's, not worth paper.
    ws.print_area = f"A1:C{exchange_row + EXCHANGE_ROWS}"


def _setting_value(setting: schema.Setting, currency: str) -> object:
    """What the template holds: version 1's defaults; version 2's settings blank, since
    filling one in is what asks for version 2 (their help says what blank means)."""
    if setting.name == "Currency":
        return currency
    return setting.default if setting in schema.SETTINGS_ROWS else None


def _add_exchange_table(wb: openpyxl.Workbook, ws: Worksheet, header_row: int) -> None:
    """The Foreign currency | Rate table, named over its header and its blank rows."""
    for col, header in enumerate(schema.EXCHANGE_HEADERS, 1):
        cell = ws.cell(header_row, col, header)
        cell.font, cell.fill, cell.alignment = style.HEADER_FONT, HEADER_FILL, style.HEADER_ALIGNMENT
    _write_help(ws.cell(header_row, 3), EXCHANGE_HELP)
    for row in range(header_row + 1, header_row + 1 + EXCHANGE_ROWS):
        _style_input(ws.cell(row, 1), None)
        _style_input(ws.cell(row, 2), RATE_FORMAT)
    _define_name(wb, schema.EXCHANGE_NAME, ws, f"A{header_row}:B{header_row + EXCHANGE_ROWS}")


def _write_help(cell: Cell, text: str) -> None:
    cell.value, cell.alignment, cell.font = text, WRAP, style.BODY_FONT


def _add_lists(wb: openpyxl.Workbook, ws: Worksheet) -> None:
    """Each drop-down list as a column under its header, named so validations can use it."""
    headers = {c.key: c.header for c in schema.TASK_INPUTS + schema.QUOTE_INPUTS}
    lists = {name: (key, values) for key, (name, values) in reversed(schema.LIST_NAMES.items())}
    for col, name in enumerate(_list_names(), LISTS_FIRST_COLUMN):
        key, values = lists[name]
        _write_header(ws, col, f"{headers[key]} list", 16)
        for row, value in enumerate(values, FIRST_INPUT_ROW):
            ws.cell(row, col, value).font = style.BODY_FONT
        letter = get_column_letter(col)
        last_row = FIRST_INPUT_ROW + len(values) - 1
        _define_name(wb, name, ws, f"{letter}{FIRST_INPUT_ROW}:{letter}{last_row}")


def _list_names() -> list[str]:
    """Each list's defined name once (Still needed shares Quality critical's Yes/No)."""
    return list(dict.fromkeys(name for name, _ in schema.LIST_NAMES.values()))


def _add_input_sheet(wb: openpyxl.Workbook, title: str, columns: tuple[Column, ...],
                     currency: str) -> None:
    """A header row with help comments, then rows formatted and validated for input."""
    ws = wb.create_sheet(title)
    ws.sheet_properties.tabColor = INPUT_BLUE
    for col, column in enumerate(columns, 1):
        header = _write_header(ws, col, column.header, column.width)
        header.comment = Comment(column.help, schema.COMMENT_AUTHOR, height=90, width=260)
        number_format = _column_format(column, currency)
        for row in range(FIRST_INPUT_ROW, LAST_INPUT_ROW + 1):
            _style_input(ws.cell(row, col), number_format)
        if column.key in schema.LIST_NAMES:
            ws.add_data_validation(_list_validation(column, get_column_letter(col)))
    ws.freeze_panes = "C2"  # the header row and the two columns that name the row stay in view
    style.fit_heights(ws)
    _print_setup(ws, landscape=True)
    ws.print_title_rows = "1:1"  # the header row on every page


def _print_setup(ws: Worksheet, *, landscape: bool) -> None:
    """One page wide: the inputs alone fit. On Tasks and Quotes the writer refits it to a
    few pages wide once the computed columns are added (it is the set-up the writer
    makes, so the writer takes it as its own). Each page names its file and sheet, and
    is numbered, as the report sheets' pages are."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    if landscape:  # the writer's order once it is a few pages wide
        ws.page_setup.pageOrder = TOOLS_PAGE_ORDER
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    style.page_labels(ws)


def _column_format(column: Column, currency: str) -> str | None:
    if column.kind == "pct":
        return schema.PERCENT_FORMAT
    if column.kind == "hours":
        return INPUT_HOURS_FORMAT
    return schema.number_format(column.kind, currency)


def _list_validation(column: Column, letter: str) -> DataValidation:
    """A drop-down on the list's defined name; only warns, as synonyms ("weekly") are read.
    The name without "=": a validation's formula is stored bare (Gnumeric rejects "=")."""
    name, values = schema.LIST_NAMES[column.key]
    validation = DataValidation(
        type="list", formula1=name, allow_blank=True, showErrorMessage=True,
        errorStyle="warning", errorTitle=column.header,
        error=f"Pick one of: {', '.join(values)}.")
    validation.add(f"{letter}{FIRST_INPUT_ROW}:{letter}{LAST_INPUT_ROW}")
    return validation


def _write_header(ws: Worksheet, col: int, text: str, width: float) -> Cell:
    cell = ws.cell(1, col, text)
    cell.font, cell.fill = style.HEADER_FONT, HEADER_FILL
    cell.alignment = style.HEADER_ALIGNMENT
    ws.column_dimensions[get_column_letter(col)].width = width
    return cell


def _style_input(cell: Cell, number_format: str | None) -> None:
    cell.fill, cell.font, cell.border = INPUT_FILL, INPUT_FONT, INPUT_BORDER
    if number_format:
        cell.number_format = number_format


def _define_name(wb: openpyxl.Workbook, name: str, ws: Worksheet, cells: str) -> None:
    """A workbook-level name with an absolute reference, as Excel's Name Manager makes it."""
    sheet = ws.title if re.fullmatch(r"[A-Za-z_]\w*", ws.title) else quote_sheetname(ws.title)
    reference = f"{sheet}!{absolute_coordinate(cells)}"
    wb.defined_names[name] = DefinedName(name, attr_text=reference)


if __name__ == "__main__":  # regenerate the committed copy (written without lxml, as the
    # samples are; see sample_workbooks/make_samples.py):
    # OPENPYXL_LXML=False python -m xlsheet_outsource.write.template
    new_template(Path(__file__).resolve().parents[2] / "templates" / "outsource_template.xlsx")
