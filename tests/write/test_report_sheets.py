"""The Summary of a version 2 workbook: its Bundles table, budget lines and fragile count,
laid out as the rest of the report; a version 1 workbook's Summary shows none of them."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from support.paths import TYPICAL_SAMPLE
from support.version2 import BUNDLES, MONTHLY_BUDGET, version2_workbook

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema
from xlsheet_outsource.engine.accountant import years_of
from xlsheet_outsource.engine.summary import NextItem, Summary, summarise
from xlsheet_outsource.write import report_sheets, style
from xlsheet_outsource.write.report_sheets import (
    BUDGET_LINES,
    BUNDLE_TABLE,
    NEXT_ITEM_TABLE,
    SUMMARY_CELLS,
    SUMMARY_CELLS_V2,
)

RUN_DATE = dt.date(2026, 1, 1)
BUNDLES_TITLE = "Bundles (small tasks handed off together under one quote)"


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> tuple[Worksheet, Summary]:
    folder = tmp_path_factory.mktemp("version2")
    outcome = api.process_workbook(version2_workbook(folder / "v2.xlsx"), folder / "out.xlsx")
    assert not outcome.problems
    return openpyxl.load_workbook(outcome.output)[schema.SUMMARY], summarise(outcome.decision)


def row_of(ws: Worksheet, text: str) -> int:
    [row] = [cell.row for cell in ws["A"] if cell.value == text]
    return row


def table(ws: Worksheet, header_row: int, columns: report_sheets.Columns) -> list[dict]:
    """The item rows under a header row, by the columns' keys, down to its Total row or
    the first empty row."""
    assert [ws.cell(header_row, c).value for c in range(1, len(columns) + 1)] == [
        label for _, label, _ in columns]
    rows = []
    for row in range(header_row + 1, ws.max_row + 1):
        if ws.cell(row, 1).value in (None, "Total"):
            break
        rows.append({key: ws.cell(row, c).value for c, (key, _, _) in enumerate(columns, 1)})
    return rows


def test_every_bundle_won_or_not_with_alone_beside_the_bundle(decided) -> None:
    ws, summary = decided
    header = row_of(ws, BUNDLES_TITLE) + 1
    rows = table(ws, header, BUNDLE_TABLE)
    assert [row["name"] for row in rows] == list(BUNDLES)
    assert [row["together"] for row in rows] == ["Yes", "No"]
    assert [row["verdict"] for row in rows] == ["OUTSOURCE", "KEEP"]
    for row, bundle in zip(rows, summary.bundles.to_dict("records"), strict=True):
        assert row["tasks"] == len(BUNDLES[row["name"]]) == bundle["tasks"]
        for key in ("self_cost", "alone", "out_cost", "saving", "freed"):
            assert row[key] == pytest.approx(bundle[key]), key
    won, lost = rows
    assert won["out_cost"] < won["alone"] and lost["out_cost"] > lost["alone"]
    money = ws.cell(header + 1, 1 + [k for k, _, _ in BUNDLE_TABLE].index("alone"))
    assert money.number_format == schema.money_format("USD")


def test_budget_lines_and_what_the_next_item_would_add(decided) -> None:
    ws, summary = decided
    first = row_of(ws, BUDGET_LINES[0][1])
    figures = {key: ws.cell(first + i, 2).value for i, (key, _, _) in enumerate(BUDGET_LINES)}
    assert figures == pytest.approx({"monthly_budget": MONTHLY_BUDGET,
                                     "plan_count": summary.plan_count,
                                     "plan_cash_month": summary.plan_cash_month,
                                     "over_budget_count": summary.over_budget_count})
    assert summary.plan_cash_month <= MONTHLY_BUDGET and summary.over_budget_count > 0
    [item] = table(ws, first + len(BUDGET_LINES), NEXT_ITEM_TABLE)
    assert summary.next_item is not None
    assert item == pytest.approx({"item": "Admin (bundle)", "saving": summary.next_item.saving,
                                  "cash_month": summary.next_item.cash_month})


def test_fragile_verdicts_counted_below_the_headline(decided) -> None:
    ws, summary = decided
    assert summary.fragile_count > 0
    assert ws[SUMMARY_CELLS_V2["fragile_count"]].value == summary.fragile_count
    for key, cell in SUMMARY_CELLS.items():  # version 1's cells stay where they were
        assert ws[cell].value == pytest.approx(getattr(summary, key)), key


def test_the_counts_show_drop_and_automate(decided) -> None:
    ws, summary = decided
    top = "Top opportunities (OUTSOURCE, AUTOMATE and REVIEW, biggest saving first)"
    assert "AUTOMATE" in [row["verdict"] for row in table(ws, row_of(ws, top) + 1,
                                                          report_sheets.TOP_TABLE)]
    header = row_of(ws, "By verdict") + 1
    counts = {row["verdict"]: row["tasks"]
              for row in table(ws, header, report_sheets.VERDICT_TABLE)}
    assert counts == summary.counts and counts["DROP"] == counts["AUTOMATE"] == 1


def test_a_task_over_budget_is_named_with_its_id() -> None:
    summary = summarise(api.decide_workbook(TYPICAL_SAMPLE)[1])
    book = openpyxl.Workbook()
    report_sheets.write_summary(book.active, _with(summary, monthly_budget=100.0,
                                next_item=NextItem("T3", "Bookkeeping", 2040.0, 200.0)),
                                RUN_DATE)
    ws = book.active
    [item] = table(ws, row_of(ws, BUDGET_LINES[-1][1]) + 1, NEXT_ITEM_TABLE)
    assert item["item"] == "Bookkeeping (T3)"


def test_a_version_1_summary_shows_nothing_of_version_2() -> None:
    summary = summarise(api.decide_workbook(TYPICAL_SAMPLE)[1])
    assert not summary.version2
    book = openpyxl.Workbook()
    report_sheets.write_summary(book.active, summary, RUN_DATE)
    ws = book.active
    texts = {cell.value for row in ws.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert not texts & {BUNDLES_TITLE, BUDGET_LINES[0][1], NEXT_ITEM_TABLE[0][1],
                        *(label for _, label, _ in report_sheets.SUMMARY_HEADLINE_V2)}
    assert "count only the tasks verdicted OUTSOURCE" in ws["A2"].value
    assert row_of(ws, "By category") == report_sheets.HEADLINE_ROW + len(SUMMARY_CELLS) + 1


def _with(summary: Summary, **changes: object) -> Summary:
    return Summary(**{**vars(summary), **changes})


def test_for_accountant_counts_the_tasks_it_lists(tmp_path) -> None:
    """Tasks outsourced counts the tasks paid for (AUTOMATE too, over-budget ones not),
    the rows of its own table below: not the OUTSOURCE verdicts."""
    outcome = api.process_workbook(version2_workbook(tmp_path / "v2.xlsx"), tmp_path / "o.xlsx")
    summary = summarise(outcome.decision)
    assert summary.counts["AUTOMATE"] and summary.over_budget_count  # both cases present
    ws = openpyxl.load_workbook(outcome.output)[schema.ACCOUNTANT]
    title = row_of(ws, "Tasks outsourced")
    listed = [cell.value for cell in ws["A"][title + 1:] if cell.value not in (None, "Total")]
    count = ws[report_sheets.ACCOUNTANT_CELLS["outsourced_count"]].value
    assert count == len(listed) == len(summary.outsourced)
    assert count != summary.counts["OUTSOURCE"]


@pytest.fixture(scope="module")
def accountant_sheet() -> tuple[Worksheet, Summary]:
    summary = summarise(api.decide_workbook(TYPICAL_SAMPLE)[1])
    book = openpyxl.Workbook()
    report_sheets.write_accountant(book.active, summary, RUN_DATE)
    return book.active, summary


def test_for_accountant_headline_as_paid_then_as_the_decisions_count_it(
        accountant_sheet) -> None:
    """The figures that read alike are told apart by a small heading over each group, an
    empty row before it; each label beside its figure."""
    ws, summary = accountant_sheet
    paid = row_of(ws, report_sheets.AS_PAID_TITLE)
    decided = row_of(ws, report_sheets.AS_DECIDED_TITLE.format(
        years=years_of(summary.horizon_years)))
    for heading, lines in ((paid, report_sheets.AS_PAID), (decided, report_sheets.AS_DECIDED)):
        assert ws.cell(heading - 1, 1).value is None
        assert ws.cell(heading, 1).font.b and ws.cell(heading, 1).font.sz == style.FONT_SIZE
        for offset, (key, label, _) in enumerate(lines, start=1):
            assert report_sheets.ACCOUNTANT_CELLS[key] == f"B{heading + offset}"
            assert ws.cell(heading + offset, 1).value == label
    assert paid < decided
    cells = report_sheets.ACCOUNTANT_CELLS
    assert ws[cells["cash_year"]].value == pytest.approx(
        ws[cells["recurring_cash"]].value + ws[cells["one_off_cash"]].value
        / summary.horizon_years)  # the same cash, two ways


def test_for_accountant_months_read_across_evenly(accountant_sheet) -> None:
    """Each month (and the total) at least as wide as the widest of them, its header on
    one line: the months other tables do not widen are all of one width."""
    ws, _ = accountant_sheet
    header = row_of(ws, next(t for t in (c.value for c in ws["A"]) if isinstance(t, str)
                             and t.startswith("Cash month by month"))) + 1
    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(2, 15)]
    figures = [ws.cell(header + 1, c) for c in range(2, 15)]
    even = max(style.column_width_for(style.text_pixels(
        style.shown(cell.value, cell.number_format))) for cell in figures)
    assert min(widths) >= even and widths.count(min(widths)) >= 6
    for column, width in enumerate(widths, start=2):
        label = ws.cell(header, column).value
        assert style.wrapped_lines(label, width, bold=True) == 1, label


def test_the_summary_names_the_cash_as_for_accountant_does() -> None:
    """One figure, one name on both sheets: the Summary's "Recurring fees to vendors a
    year" was For accountant's "prices a year, one-off spread", whose "recurring cash"
    is another figure (without fixed prices)."""
    summary = {key: label for key, label, _ in report_sheets.SUMMARY_HEADLINE}
    for key, label, _ in report_sheets.AS_DECIDED:
        assert summary[key] == label, key
    assert "recurring" not in " ".join(summary.values()).lower()


def test_the_tools_sheets_have_teal_tabs(tmp_path) -> None:
    decided = api.process_workbook(TYPICAL_SAMPLE, tmp_path / "decided.xlsx").output
    book = openpyxl.load_workbook(decided)
    for sheet in (schema.SUMMARY, schema.ACCOUNTANT):
        assert book[sheet].sheet_properties.tabColor.rgb == style.TEAL
    assert book[schema.TASKS].sheet_properties.tabColor.rgb != style.TEAL
