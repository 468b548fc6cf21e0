"""Workbooks as owners and bookkeepers bring them (issue 17): helper formulas and notes
around the table, charts, a sheet of their own called Summary, reworded headers,
settings named at sheet scope, 1904 dates, Excel Tables with totals rows, merged cells,
Strict Open XML.

Each is built here, processed, and checked as the user would: every cell of theirs keeps
its value or formula, every part of theirs its bytes, and the verdicts are the engine's
on the inputs the user meant.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from defusedxml import ElementTree as SafeET
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import DataBarRule
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table
from support.packages import parts

from xlsheet_outsource import api, reading
from xlsheet_outsource.engine import schema
from xlsheet_outsource.ooxml import xmltext
from xlsheet_outsource.ooxml.package import Package
from xlsheet_outsource.ooxml.relationships import OFFICE_TYPES, Relationships, rels_name
from xlsheet_outsource.write.report_sheets import ACCOUNTANT_CELLS

TASK_HEADERS = ["Task ID", "Task", "Frequency", "Per", "Hours each", "Expertise",
                "Quality critical"]
TASKS = [["T1", "Bookkeeping", 1, "week", 3, "Weak", "No"],
         ["T2", "Strategy", 1, "week", 4, "Core", "No"],
         ["T3", "Newsletter", 1, "week", 2, "Strong", "Yes"],
         ["T4", "Social posts", 3, "week", 1, "Weak", "No"]]
QUOTE_HEADERS = ["Task ID", "Vendor", "Price", "Basis", "Your review hours each"]
QUOTES = [["T1", "Ann", 60, "per occurrence", 0.5],
          ["T2", "Bob", 50, "per occurrence", 0.5],
          ["T3", "Cy", 80, "per occurrence", 0.25],
          ["T4", "Dee", 15, "per occurrence", 0.25]]
SETTINGS = {"HourlyWorth": 100, "FillRate": 0.8, "HorizonYears": 2}
SETTING_LABELS = {"HourlyWorth": "Hourly worth", "FillRate": "Fill rate",
                  "HorizonYears": "Horizon (years)"}
# Parts the tool rewrites or lists its sheets in; every other part keeps its bytes.
TOOLS_PARTS = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
               "xl/styles.xml", "docProps/app.xml"}
# The parts of Tasks and Quotes (sheet2 and sheet3 as built here) the tool's hover notes
# on its block's headers go in: it adds to them, keeping everything of the user's.
TABLE_SHEETS = ("xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml")
NOTES_TYPES = {OFFICE_TYPES + "comments", OFFICE_TYPES + "vmlDrawing"}

Shape = Callable[[openpyxl.Workbook], None]


def build(path: Path, shape: Shape | None = None, *, task_headers: list[str] = TASK_HEADERS,
          quote_headers: list[str] = QUOTE_HEADERS, settings: bool = True) -> Path:
    """Settings by label, Tasks and Quotes from row 1, then ``shape`` makes it the user's."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = schema.SETTINGS
    if settings:
        for name, value in SETTINGS.items():
            sheet.append([SETTING_LABELS[name], value])
    for title, headers, rows in ((schema.TASKS, task_headers, TASKS),
                                 (schema.QUOTES, quote_headers, QUOTES)):
        sheet = book.create_sheet(title)
        for row in [headers, *rows]:
            sheet.append(row)
    if shape:
        shape(book)
    book.save(path)
    return path


def engine_verdicts(tasks: list[list[object]] = TASKS,
                    settings: dict[str, object] = SETTINGS) -> dict[str, str]:
    """What the engine decides for the inputs the user meant."""
    decision = api.decide(settings, pd.DataFrame(tasks, columns=TASK_HEADERS),
                          pd.DataFrame(QUOTES, columns=QUOTE_HEADERS))
    return dict(zip(decision.tasks["task_id"], decision.tasks["verdict"]))


def written_verdicts(path: Path) -> dict[str, str]:
    tasks = openpyxl.load_workbook(path)[schema.TASKS]
    header = [cell.value for cell in tasks[1]]
    verdict = header.index("Verdict")
    return {row[0]: row[verdict] for row in tasks.iter_rows(min_row=2, values_only=True)
            if row[0] in {task[0] for task in TASKS}}


def cells(path: Path) -> dict[tuple[str, str], object]:
    """Every cell holding something, formulas as their text."""
    book = openpyxl.load_workbook(path)
    return {(sheet.title, cell.coordinate): cell.value for sheet in book.worksheets
            for row in sheet.iter_rows() for cell in row if cell.value is not None}


def processed(source: Path, **expected: object) -> api.Outcome:
    """Process ``source``; check that nothing of the user's changed and the verdicts."""
    target = source.with_name(source.stem + ".out.xlsx")
    outcome = api.process_workbook(source, target)
    assert not outcome.problems, outcome.problems
    before, after = cells(source), cells(target)
    assert {place: after.get(place) for place in before} == before
    old, new = parts(source), parts(target)
    noted = notes_parts(old)
    theirs = [name for name in old if name not in TOOLS_PARTS and name not in noted and not (
        name.startswith("xl/worksheets/sheet") and name.split("sheet")[-1][:1] in "23")]
    assert {name: new.get(name) for name in theirs} == {name: old[name] for name in theirs}
    for name in noted:
        assert_kept_within(name, old[name], new.get(name))
    assert written_verdicts(target) == engine_verdicts(**expected)  # type: ignore[arg-type]
    return outcome


def notes_parts(files: dict[str, bytes]) -> set[str]:
    """The relationships of Tasks and Quotes, and the notes parts (comments, VML) they link."""
    found = set()
    for sheet in TABLE_SHEETS:
        if rels_name(sheet) in files:
            found.add(rels_name(sheet))
            found |= {link.target for link in
                      Relationships(sheet, files[rels_name(sheet)]).entries()
                      if link.type in NOTES_TYPES and link.target in files}
    return found


def _tree(element) -> tuple[object, ...]:
    """An element and all under it, whatever the prefixes it is written in."""
    return (element.tag, sorted(element.attrib.items()), (element.text or "").strip(),
            tuple(_tree(child) for child in element))


def _notes(xml: bytes) -> list[tuple[str, str, str]]:
    """A comments part's notes: (cell, author, text)."""
    main = f"{{{xmltext.NS_MAIN}}}"
    root = SafeET.fromstring(xml)
    authors = [author.text or "" for author in root.iter(main + "author")]
    return [(note.get("ref", ""), authors[int(note.get("authorId", "0"))],
             "".join(t.text or "" for t in note.iter(main + "t")))
            for note in root.iter(main + "comment")]


def assert_kept_within(name: str, old: bytes, new: bytes | None) -> None:
    """A notes part (or a sheet's relationships) the tool adds its own to: everything of
    the user's is still there, and all it gained is the tool's."""
    assert new is not None, f"{name} lost"
    if name.endswith(".rels"):
        source = name.replace("_rels/", "").removesuffix(".rels")
        before, after = (set(Relationships(source, xml).entries()) for xml in (old, new))
        assert before <= after, name
        assert {link.type for link in after - before} <= NOTES_TYPES, name
    elif name.endswith(".vml"):
        before, after = (list(map(_tree, SafeET.fromstring(xml))) for xml in (old, new))
        assert all(shape in after for shape in before), name  # a button's too
    else:
        before, after = _notes(old), _notes(new)
        assert all(note in after for note in before), name
        assert {note[1] for note in after if note not in before} <= {schema.COMMENT_AUTHOR}, name


def block_start(path: Path) -> int:
    header = [cell.value for cell in openpyxl.load_workbook(path)[schema.TASKS][1]]
    return header.index("Occurrences a year") + 1


# --- the computed block -----------------------------------------------------------------

def helpers_around_the_table(book: openpyxl.Workbook) -> None:
    tasks = book[schema.TASKS]
    for row in range(2, 6):
        tasks.cell(row, 9).value = f"=E{row}*60"  # minutes, under an empty header (I1)
    tasks["K3"], tasks["K4"], tasks["L4"] = "Rates", "Ann", 60  # a lookup box, its own header
    tasks["H40"] = "checked with the accountant in March"  # a note far below
    tasks.conditional_formatting.add("I2:I5", DataBarRule(start_type="min", end_type="max",
                                                          color="FF638EC6"))
    tasks["M2"].comment = Comment("ask Ann", "me")
    validation = DataValidation(type="list", formula1='"a,b"')
    validation.add("N2:N5")
    tasks.add_data_validation(validation)
    tasks.merge_cells("O7:P8")


def test_the_block_goes_right_of_everything_of_the_users(tmp_path):
    source = build(tmp_path / "helpers.xlsx", helpers_around_the_table)
    processed(source)
    assert block_start(source.with_name("helpers.out.xlsx")) == 17  # Q: right of O7:P8


def test_a_chart_where_the_block_would_go_keeps_its_place(tmp_path):
    def charted(book: openpyxl.Workbook) -> None:
        tasks = book[schema.TASKS]
        chart = BarChart()
        chart.add_data(Reference(tasks, min_col=5, min_row=1, max_row=5), titles_from_data=True)
        chart.width, chart.height = 8, 5  # about 4 columns wide
        tasks.add_chart(chart, "I2")
    source = build(tmp_path / "chart.xlsx", charted)
    processed(source)
    assert block_start(source.with_name("chart.out.xlsx")) > 12  # right of the chart


def test_a_rerun_finds_its_block_by_its_marker_and_never_duplicates(tmp_path):
    source = build(tmp_path / "again.xlsx", helpers_around_the_table)
    first = source.with_name("again.out.xlsx")
    processed(source)
    second = tmp_path / "second.xlsx"
    assert not api.process_workbook(first, second).problems
    header = [cell.value for cell in openpyxl.load_workbook(second)[schema.TASKS][1]]
    assert header.count("Verdict") == 1 and block_start(second) == block_start(first)
    assert cells(second) == cells(first)
    once, twice = parts(first), parts(second)  # nor its notes on the block's headers
    assert notes_parts(once) and {name: twice.get(name) for name in notes_parts(once)} == {
        name: once[name] for name in notes_parts(once)}


# --- the tool's own sheets ----------------------------------------------------------------

def users_summary(book: openpyxl.Workbook) -> None:
    summary = book.create_sheet("Summary")
    for row in (["Month", "Revenue"], ["Jan", 1200], ["Feb", 1500]):
        summary.append(row)
    chart = BarChart()
    chart.add_data(Reference(summary, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    summary.add_chart(chart, "D2")
    book.create_sheet("Dashboard")["A1"] = "=Summary!B2"
    book.create_sheet("For accountant")["A1"] = "my notes for the accountant"


def test_sheets_of_the_user_called_like_the_tools_are_never_replaced(tmp_path):
    source = build(tmp_path / "summary.xlsx", users_summary)
    outcome = processed(source)
    book = openpyxl.load_workbook(source.with_name("summary.out.xlsx"))
    assert book.sheetnames[-2:] == ["Summary (outsourcing)", "For accountant (outsourcing)"]
    assert [str(notice) for notice in outcome.notices] == [
        f"a sheet of yours is called {name!r}: it is kept as it is, and the tool's {name} is "
        f"the sheet '{name} (outsourcing)'" for name in ("Summary", "For accountant")]
    assert len(book["Summary"]._charts) == 1 and book["Dashboard"]["A1"].value == "=Summary!B2"
    with Package(source.with_name("summary.out.xlsx")) as package:
        index = package.index()
    assert [index.marked_sheet(schema.SHEET_MARKER, kind).name  # what render prints
            for kind in schema.SHEET_KINDS.values()] == book.sheetnames[-2:]


# --- headers and settings -------------------------------------------------------------------

def test_reworded_headers_are_read_as_the_columns_they_name(tmp_path):
    tasks = ["Task ID", "Task", "Qty", "Per", "Hrs each", "Expertise level", "Quality critical?"]
    quotes = ["Task ID", "Vendor", "Price", "Basis", "Review hrs (each time)"]
    source = build(tmp_path / "reworded.xlsx", task_headers=tasks, quote_headers=quotes)
    outcome = processed(source)
    assert not outcome.notices
    assert engine_verdicts()["T2"] == "KEEP"  # Core: read as Core, not the blank Weak


def test_a_header_resembling_a_column_is_pointed_out(tmp_path):
    tasks = [*TASK_HEADERS[:5], "Expertize", TASK_HEADERS[6]]
    source = build(tmp_path / "misspelt.xlsx", task_headers=tasks)
    meant = [[*row[:5], None, row[6]] for row in TASKS]  # what it reads: blank expertise
    outcome = processed(source, tasks=meant)
    assert [str(notice) for notice in outcome.notices] == [
        "Tasks!F1: header 'Expertize' is not read; if it is 'Expertise', name it so; until "
        "then Expertise is blank on every row"]


def test_settings_named_at_sheet_scope_are_used(tmp_path):
    def scoped(book: openpyxl.Workbook) -> None:
        settings = book[schema.SETTINGS]
        settings["A1"], settings["B1"] = "What my hour earns", 100
        settings["A2"], settings["B2"] = "Utilisation", 0.5
        settings["A3"], settings["B3"] = "Spread over", 3
        settings.defined_names.add(DefinedName("FillRate", attr_text="Settings!$B$2"))
        settings.defined_names.add(DefinedName("HorizonYears", attr_text="Settings!$B$3"))
        book[schema.TASKS].defined_names.add(  # a name scoped to another sheet
            DefinedName("HourlyWorth", attr_text="Settings!$B$1"))
    source = build(tmp_path / "scoped.xlsx", scoped, settings=False)
    processed(source, settings={"HourlyWorth": 100, "FillRate": 0.5, "HorizonYears": 3})


def test_setting_labels_reworded_are_read(tmp_path):
    def labelled(book: openpyxl.Workbook) -> None:
        settings = book[schema.SETTINGS]
        settings["A2"], settings["A3"] = "Fill rate (%)", "Horizon in years"
    source = build(tmp_path / "labels.xlsx", labelled)
    settings = reading.read_workbook(source).settings
    assert settings is not None and (settings.fill_rate, settings.horizon_years) == (0.8, 2)
    processed(source)


def test_a_label_resembling_a_setting_is_pointed_out(tmp_path):
    def misspelt(book: openpyxl.Workbook) -> None:
        book[schema.SETTINGS]["A2"] = "Fil rate"
    source = build(tmp_path / "fil.xlsx", misspelt)
    outcome = processed(source, settings={**SETTINGS, "FillRate": None})
    assert [str(notice) for notice in outcome.notices] == [
        "Settings!A2: label 'Fil rate' is not read; if it is 'Fill rate', name it so; until "
        "then it is 100%"]


# --- dates, Tables, merged cells, Strict ------------------------------------------------------

def test_dates_follow_a_1904_workbook(tmp_path):
    def mac(book: openpyxl.Workbook) -> None:
        book.epoch = CALENDAR_MAC_1904
    source = build(tmp_path / "mac.xlsx", mac)
    processed(source)
    book = openpyxl.load_workbook(source.with_name("mac.out.xlsx"))
    assert book.epoch == CALENDAR_MAC_1904
    written = book[schema.ACCOUNTANT][ACCOUNTANT_CELLS["run_date"]].value
    assert written.date() == dt.date.today()


@pytest.mark.parametrize("sheet", [schema.TASKS, schema.QUOTES])
def test_a_tables_totals_row_is_no_item(tmp_path, sheet):
    def with_totals(book: openpyxl.Workbook) -> None:
        ws = book[sheet]
        last = ws.max_row + 1
        ws.cell(last, 1).value = "Total"
        ws.cell(last, 3).value = f"=SUBTOTAL(109,C2:C{last - 1})"
        ws.add_table(Table(displayName="Mine", ref=f"A1:{ws.cell(last, ws.max_column).coordinate}",
                           totalsRowCount=1))
    source = build(tmp_path / "totals.xlsx", with_totals)
    processed(source)
    table = next(n for n in parts(source) if n.startswith("xl/tables/"))
    out = parts(source.with_name("totals.out.xlsx"))
    assert out[table] == parts(source)[table]  # the Table's range left as it was: still valid


def test_a_merged_per_counts_for_every_row_it_spans(tmp_path):
    def merged(book: openpyxl.Workbook) -> None:
        tasks = book[schema.TASKS]
        tasks["D3"], tasks["D4"] = None, None
        tasks.merge_cells("D2:D4")
    processed(build(tmp_path / "merged.xlsx", merged))


def test_strict_open_xml_is_refused_in_words(tmp_path):
    plain = build(tmp_path / "plain.xlsx")
    strict = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(strict, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item).replace(
                xmltext.NS_MAIN.encode(), xmltext.NS_STRICT.encode()))
    outcome = api.process_workbook(strict, tmp_path / "out.xlsx")
    assert [str(problem) for problem in outcome.problems] == [
        "is saved as Strict Open XML Spreadsheet, which this tool cannot read: open it in Excel "
        "and save it as Excel Workbook (.xlsx)"]
    assert not (tmp_path / "out.xlsx").exists()
