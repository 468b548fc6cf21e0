"""The blank template: its contract (names, lists, headers) and the committed copy."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from support.paths import TEMPLATE

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema
from xlsheet_outsource.write.template import (
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
    for setting in schema.SETTINGS_ROWS:
        [cell] = named_cells(template, setting.name)
        ws = template[schema.SETTINGS]
        assert (cell.parent.title, cell.column_letter) == (schema.SETTINGS, "B")
        assert ws.cell(cell.row, 1).value == setting.label
        assert ws.cell(cell.row, 3).value == setting.help
        assert cell.value == setting.default
        if setting.kind == "pct":
            assert cell.number_format == schema.PERCENT_FORMAT


def test_lists_are_named_ranges_holding_the_choices(template) -> None:
    for name, values in schema.LIST_NAMES.values():
        assert tuple(c.value for c in named_cells(template, name)) == values
    assert "HourlyWorth" in template.defined_names  # workbook-level, not sheet-scoped


@pytest.mark.parametrize("title, columns", [(schema.TASKS, schema.TASK_COLUMNS),
                                            (schema.QUOTES, schema.QUOTE_COLUMNS)])
def test_input_sheet_headers_help_and_drop_downs(template, title, columns) -> None:
    ws = template[title]
    assert [c.value for c in ws[1]] == [c.header for c in columns]
    assert [c.comment.text for c in ws[1]] == [c.help for c in columns]
    assert ws.freeze_panes == "C2"  # the header row, and the ID and name of each row
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    validations = {v.formula1: str(v.sqref) for v in ws.data_validations.dataValidation}
    for index, column in enumerate(columns, 1):
        letter = openpyxl.utils.get_column_letter(index)
        assert ws.column_dimensions[letter].width == column.width
        if column.key in schema.LIST_NAMES:
            name = schema.LIST_NAMES[column.key][0]
            assert validations[name] == f"{letter}{FIRST_INPUT_ROW}:{letter}{LAST_INPUT_ROW}"


def test_input_cells_carry_formats(template) -> None:
    tasks, quotes = template[schema.TASKS], template[schema.QUOTES]
    assert tasks["F2"].number_format == tasks[f"F{LAST_INPUT_ROW}"].number_format == "#,##0.0#"
    assert quotes["C2"].number_format == schema.money_format("USD")
    assert quotes["I2"].number_format == schema.PERCENT_FORMAT
    assert tasks["A2"].fill.fgColor.rgb == tasks[f"I{LAST_INPUT_ROW}"].fill.fgColor.rgb


def test_start_sheet_explains_verdicts_and_command(template) -> None:
    texts = " ".join(str(c.value) for row in template[schema.START].iter_rows() for c in row)
    assert "xlsheet-outsource process FILE" in texts
    for verdict in schema.VERDICTS:
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
