"""The blank template: its contract (names, lists, headers) and the committed copy."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from support.paths import TEMPLATE

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema
from xlsheet_outsource.write.template import (
    EXCHANGE_ROWS,
    FIRST_INPUT_ROW,
    LAST_INPUT_ROW,
    add_template_sheets,
    add_to_workbook,
    new_template,
)

COMMITTED = TEMPLATE
TEMPLATE_SHEETS = [schema.START, schema.SETTINGS, schema.TASKS, schema.QUOTES, schema.VENDORS]


def sheet_snapshot(ws) -> dict[str, object]:
    """What a user or reader sees on a sheet; zip timestamps and XML order left out."""
    return {
        "cells": {c.coordinate: (c.value, c.number_format, c.comment and c.comment.text)
                  for row in ws.iter_rows() for c in row},
        "validations": sorted((v.type, v.formula1, str(v.sqref))
                              for v in ws.data_validations.dataValidation),
        "freeze_panes": ws.freeze_panes,
        "widths": {k: d.width for k, d in ws.column_dimensions.items()},
    }


def names(wb: openpyxl.Workbook) -> dict[str, str]:
    return {name: defined.attr_text for name, defined in wb.defined_names.items()}


def named_cells(wb: openpyxl.Workbook, name: str) -> list:
    sheet, reference = next(wb.defined_names[name].destinations)
    cells = wb[sheet][reference.replace("$", "")]
    return [row[0] for row in cells] if isinstance(cells, tuple) else [cells]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> openpyxl.Workbook:
    """A fresh template as a reader sees it: saved and loaded back."""
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    new_template(path)
    return openpyxl.load_workbook(path)


def test_committed_template_matches_a_regenerated_one(template) -> None:
    committed = openpyxl.load_workbook(COMMITTED)
    assert committed.sheetnames == template.sheetnames == TEMPLATE_SHEETS
    assert names(committed) == names(template)
    for title in TEMPLATE_SHEETS:
        assert sheet_snapshot(committed[title]) == sheet_snapshot(template[title]), title


def test_every_setting_is_a_named_value_cell_with_label_and_default(template) -> None:
    for setting in schema.ALL_SETTINGS:
        [cell] = named_cells(template, setting.name)
        ws = template[schema.SETTINGS]
        assert (cell.parent.title, cell.column_letter) == (schema.SETTINGS, "B")
        assert ws.cell(cell.row, 1).value == setting.label
        assert ws.cell(cell.row, 3).value == setting.help
        # Version 2's settings start blank: filling one in asks for version 2.
        assert cell.value == (setting.default if setting in schema.SETTINGS_ROWS else None)
        if setting.kind == "pct":
            assert cell.number_format == schema.PERCENT_FORMAT


def test_exchange_rate_table_sits_under_the_settings_and_is_named(template) -> None:
    cells = template[schema.SETTINGS][template.defined_names[schema.EXCHANGE_NAME].attr_text
                                       .split("!")[1].replace("$", "")]
    assert tuple(c.value for c in cells[0]) == schema.EXCHANGE_HEADERS
    assert cells[0][0].row == FIRST_INPUT_ROW + len(schema.ALL_SETTINGS) + 1  # one row apart
    assert len(cells) > 5 and all(c.value is None for row in cells[1:] for c in row)
    assert cells[1][0].fill.fgColor.rgb == cells[-1][1].fill.fgColor.rgb == "FFFFF2CC"


def test_lists_are_named_ranges_holding_the_choices(template) -> None:
    for name, values in schema.LIST_NAMES.values():
        assert tuple(c.value for c in named_cells(template, name)) == values
    assert "HourlyWorth" in template.defined_names  # workbook-level, not sheet-scoped


# The contract's order: version 2's columns after version 1's inputs, Notes last.
TASK_SHEET = (*schema.TASK_COLUMNS[:-1], *schema.TASK_COLUMNS_V2, schema.TASK_COLUMNS[-1])
QUOTE_SHEET = (*schema.QUOTE_COLUMNS[:-1], *schema.QUOTE_COLUMNS_V2, schema.QUOTE_COLUMNS[-1])


@pytest.mark.parametrize("title, columns", [(schema.TASKS, TASK_SHEET),
                                            (schema.QUOTES, QUOTE_SHEET)])
def test_input_sheet_headers_help_and_drop_downs(template, title, columns) -> None:
    ws = template[title]
    assert [c.value for c in ws[1]] == [c.header for c in columns]
    assert [c.comment.text for c in ws[1]] == [c.help for c in columns]
    assert ws.freeze_panes == "C2"  # the header row, and the ID and name of each row
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    validations = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    for index, column in enumerate(columns, 1):
        letter = openpyxl.utils.get_column_letter(index)
        assert ws.column_dimensions[letter].width == column.width
        if column.key in schema.LIST_NAMES:
            name = schema.LIST_NAMES[column.key][0]
            assert validations[f"{letter}{FIRST_INPUT_ROW}:{letter}{LAST_INPUT_ROW}"] == name


def test_input_cells_carry_formats(template) -> None:
    tasks, quotes = template[schema.TASKS], template[schema.QUOTES]
    assert tasks["F2"].number_format == tasks[f"F{LAST_INPUT_ROW}"].number_format == "#,##0.0#"
    assert quotes["C2"].number_format == schema.money_format("USD")
    assert quotes["I2"].number_format == schema.PERCENT_FORMAT
    assert tasks["A2"].fill.fgColor.rgb == tasks[f"I{LAST_INPUT_ROW}"].fill.fgColor.rgb


def test_version2_drop_downs_offer_their_choices(template) -> None:
    lists = {schema.TASKS: {"Still needed": ("Yes", "No")},
             schema.QUOTES: {"Kind": schema.KIND_VALUES}}
    for title, wanted in lists.items():
        ws = template[title]
        letters = {c.value: c.column_letter for c in ws[1]}
        for header, values in wanted.items():
            [name] = [v.formula1 for v in ws.data_validations.dataValidation
                      if str(v.sqref) == f"{letters[header]}{FIRST_INPUT_ROW}:"
                                         f"{letters[header]}{LAST_INPUT_ROW}"]
            assert tuple(c.value for c in named_cells(template, name)) == values, header


def test_start_sheet_explains_verdicts_and_command(template) -> None:
    texts = " ".join(str(c.value) for row in template[schema.START].iter_rows() for c in row)
    assert "xlsheet-outsource process FILE" in texts
    for verdict in schema.ALL_VERDICTS:
        assert verdict in texts
    assert template.active.title == schema.START


def test_currency_sets_money_formats() -> None:
    wb = new_template(currency="EUR")
    assert wb[schema.SETTINGS]["B3"].value == "EUR"
    assert wb[schema.QUOTES]["C2"].number_format == schema.money_format("EUR")


def test_saving_leaves_no_temporary_file(tmp_path) -> None:
    new_template(tmp_path / "mine.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["mine.xlsx"]


def test_add_template_sheets_keeps_the_users_sheet(tmp_path) -> None:
    wb = openpyxl.Workbook()
    budget = wb.active
    budget.title = "Budget"
    budget["A1"], budget["B1"] = "Rent", 1500
    add_template_sheets(wb)
    wb.save(tmp_path / "budget.xlsx")
    loaded = openpyxl.load_workbook(tmp_path / "budget.xlsx")
    assert loaded.sheetnames == ["Budget", *TEMPLATE_SHEETS[:-1]]  # Vendors: new_template only
    assert (loaded["Budget"]["A1"].value, loaded["Budget"]["B1"].value) == ("Rent", 1500)
    assert names(loaded) == names(openpyxl.load_workbook(COMMITTED))


def test_add_template_sheets_refuses_an_existing_sheet() -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "tasks"  # Excel would see it as the same sheet
    with pytest.raises(ValueError, match="already has a sheet named Tasks"):
        add_template_sheets(wb)
    assert wb.sheetnames == ["tasks"]


def test_add_template_sheets_refuses_an_existing_name() -> None:
    wb = openpyxl.Workbook()
    wb.defined_names["hourlyworth"] = DefinedName("hourlyworth", attr_text="Sheet!$A$1")
    with pytest.raises(ValueError, match="already defines the name HourlyWorth"):
        add_template_sheets(wb)
    assert wb.sheetnames == ["Sheet"]


def test_a_sheet_of_the_users_called_summary_does_not_stop_new_into(tmp_path) -> None:
    mine = openpyxl.Workbook()
    mine.active.title = schema.SUMMARY
    mine.active["A1"], mine.active["B2"] = "My own summary", 42
    mine.save(tmp_path / "mine.xlsx")
    add_to_workbook(tmp_path / "mine.xlsx", tmp_path / "with_template.xlsx")
    with_template = openpyxl.load_workbook(tmp_path / "with_template.xlsx")
    assert with_template.sheetnames == [schema.SUMMARY, *TEMPLATE_SHEETS]
    for col, value in enumerate(("T1", "Blog", "Content", 1, "week", 3), start=1):
        with_template[schema.TASKS].cell(2, col, value)
    with_template[schema.SETTINGS]["B2"] = 120
    with_template.save(tmp_path / "filled.xlsx")
    processed = api.process_workbook(tmp_path / "filled.xlsx", tmp_path / "out.xlsx")
    assert processed.output, processed.fatal
    out = openpyxl.load_workbook(processed.output)
    assert (out[schema.SUMMARY]["A1"].value, out[schema.SUMMARY]["B2"].value) == (
        "My own summary", 42)
    assert "Summary (outsourcing)" in out.sheetnames


def test_vendors_sheet_has_its_columns_and_drop_downs(template) -> None:
    ws = template[schema.VENDORS]
    assert [c.value for c in ws[1]] == [c.header for c in schema.VENDOR_COLUMNS]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert lists == {"C2": '"individual,company"', "D2": '"bank,card,platform"',
                     "E2": '"W-9,W-8BEN,W-8BEN-E,none"'}


def test_adding_the_template_leaves_a_users_own_vendors_sheet(tmp_path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "vendors"
    wb.active["A1"] = "my supplier list"
    wb.save(tmp_path / "mine.xlsx")
    add_to_workbook(tmp_path / "mine.xlsx", tmp_path / "added.xlsx")
    added = openpyxl.load_workbook(tmp_path / "added.xlsx")
    assert added.sheetnames == ["vendors", *TEMPLATE_SHEETS[:-1]]
    assert added["vendors"]["A1"].value == "my supplier list"


TASKS_TYPED = [("T1", "Blog post", "Content", 1, "week", 3, "Strong", "No"),
               ("T2", "Short emails", "Admin", 20, "day", 0.05, "Weak", "No"),
               ("T3", "Bookkeeping", "Finance", 1, "month", 4, "Weak", "Yes"),
               ("T4", "Plugins", "Development", 1, "day", 4, "Core", "No")]
QUOTES_TYPED = [("T1", "Writer", 90, "per occurrence", None, None, None, 0.5),
                ("T2", "VA", 15, "per hour", 0.05, None, None, 0.05),
                ("T3", "Bookkeeper", 250, "per month", None, 300, 3, 0.5),
                ("T4", "Dev shop", 35, "per hour", None, None, None, 1)]


def fill_by_header(ws, rows) -> None:
    """Rows of version 1's inputs, in TASK_COLUMNS/QUOTE_COLUMNS order, under their headers."""
    columns = schema.TASK_COLUMNS if ws.title == schema.TASKS else schema.QUOTE_COLUMNS
    letters = {c.value: c.column for c in ws[1]}
    for row, values in enumerate(rows, FIRST_INPUT_ROW):
        for column, value in zip(columns, values, strict=False):
            ws.cell(row, letters[column.header], value)


def version1_layout() -> openpyxl.Workbook:
    """A workbook laid out as version 1's template was: no version 2 column or setting."""
    wb = openpyxl.Workbook()
    settings = wb.active
    settings.title = schema.SETTINGS
    for row, setting in enumerate(schema.SETTINGS_ROWS, FIRST_INPUT_ROW):
        settings.cell(row, 1, setting.label)
        settings.cell(row, 2, setting.default)
    for title, columns in ((schema.TASKS, schema.TASK_COLUMNS),
                           (schema.QUOTES, schema.QUOTE_COLUMNS)):
        wb.create_sheet(title).append([c.header for c in columns])
    return wb


def block(path, title: str, headers: list[str]) -> dict[str, list[object]]:
    ws = openpyxl.load_workbook(path)[title]
    letters = {c.value: c.column for c in ws[1]}
    return {h: [ws.cell(r, letters[h]).value for r in range(2, 2 + len(TASKS_TYPED))]
            for h in headers if h in letters}


def test_new_template_left_blank_in_version2_decides_and_writes_as_version1(tmp_path) -> None:
    made = {"template": new_template(), "version 1": version1_layout()}
    written = {}
    for label, wb in made.items():
        wb[schema.SETTINGS]["B2"] = 100
        fill_by_header(wb[schema.TASKS], TASKS_TYPED)
        fill_by_header(wb[schema.QUOTES], QUOTES_TYPED)
        wb.save(tmp_path / f"{label}.xlsx")
        assert api.decide_workbook(tmp_path / f"{label}.xlsx")[1].version2 is False, label
        written[label] = api.process_workbook(tmp_path / f"{label}.xlsx",
                                              tmp_path / f"{label}.out.xlsx").output
    headers = {schema.TASKS: [h for _, h, _ in schema.task_results(True)],
               schema.QUOTES: [h for _, h, _ in schema.QUOTE_RESULTS]}
    for title, wanted in headers.items():
        from_template = block(written["template"], title, wanted)
        assert from_template == block(written["version 1"], title, wanted), title
    assert list(from_template) == [h for _, h, _ in schema.QUOTE_RESULTS]
    tasks = block(written["template"], schema.TASKS, headers[schema.TASKS])
    assert list(tasks) == [h for _, h, _ in schema.TASK_RESULTS]  # no version 2 column
    assert tasks["Verdict"] == ["OUTSOURCE", "KEEP", "REVIEW", "KEEP"]


def test_new_into_brings_version2_inputs_that_then_decide(tmp_path) -> None:
    mine = openpyxl.Workbook()
    mine.active.title = "Budget"
    mine.save(tmp_path / "mine.xlsx")
    add_to_workbook(tmp_path / "mine.xlsx", tmp_path / "added.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "added.xlsx")
    assert names(wb) == names(openpyxl.load_workbook(COMMITTED))
    assert {schema.EXCHANGE_NAME, "ListKind", "MonthlyBudget", "FragileBelow"} <= set(names(wb))
    wb[schema.SETTINGS]["B2"] = 100
    tasks = TASKS_TYPED[:3]
    fill_by_header(wb[schema.TASKS], tasks)
    fill_by_header(wb[schema.QUOTES], QUOTES_TYPED[:3])
    letters = {sheet: {c.value: c.column_letter for c in wb[sheet][1]}
               for sheet in (schema.TASKS, schema.QUOTES)}
    wb[schema.TASKS][f"{letters[schema.TASKS]['Still needed']}3"] = "No"  # T2: nobody needs it
    quotes = wb[schema.QUOTES]
    quotes[f"{letters[schema.QUOTES]['Kind']}2"] = "tool"  # T1's writer is an app
    quotes[f"{letters[schema.QUOTES]['Currency']}4"] = "EUR"  # T3's bookkeeper bills EUR
    [rates] = named_cells(wb, schema.EXCHANGE_NAME)[1:2]
    rates.value, rates.offset(column=1).value = "EUR", 1.1
    wb.save(tmp_path / "filled.xlsx")
    decision = api.decide_workbook(tmp_path / "filled.xlsx")[1]
    assert decision.version2 and decision.problems == []
    assert list(decision.tasks["verdict"]) == ["AUTOMATE", "DROP", "REVIEW"]
    # T3: 250 EUR a month at 1.1 = 3,300 USD a year, the setup fee 300 EUR = 330 USD.
    assert decision.tasks.loc[4, "cash"] == pytest.approx(3300 + 330)


def test_every_sheet_prints_named_and_numbered(template) -> None:
    """Each printed page names its file and sheet and is numbered, as the report
    sheets' are; Settings prints its settings, help and rates, not the lists beside."""
    for title in TEMPLATE_SHEETS:
        ws = template[title]
        assert (ws.oddHeader.left.text, ws.oddHeader.right.text) == ("&F", "&A"), title
        assert ws.oddFooter.right.text == "Page &P of &N", title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    settings = template[schema.SETTINGS]
    last = FIRST_INPUT_ROW + len(schema.ALL_SETTINGS) + 1 + EXCHANGE_ROWS
    assert settings.print_area == f"'{schema.SETTINGS}'!$A$1:$C${last}"
    assert settings.page_setup.orientation == "portrait"
    assert settings.cell(last, 1).fill.fgColor.rgb == settings["B2"].fill.fgColor.rgb


def test_the_sheets_to_fill_in_have_blue_tabs(template) -> None:
    """Settings, Tasks, Quotes and Vendors: tabs in the blue of their headers (the tool's
    own sheets are teal, as what it writes); Start here plain."""
    tabs = {title: template[title].sheet_properties.tabColor for title in TEMPLATE_SHEETS}
    assert tabs.pop(schema.START) is None
    assert {title: color.rgb for title, color in tabs.items()} == dict.fromkeys(tabs, "FF1F4E78")
