"""End to end: the real command on every sample workbook, checked cell by cell."""

from __future__ import annotations

import hashlib
import math
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support.dates import RunDays
from support.paths import SAMPLES

from xlsheet_outsource.cli import main
from xlsheet_outsource.engine import schema
from xlsheet_outsource.excel.addin import write_addin
from xlsheet_outsource.write.report_sheets import ACCOUNTANT_CELLS, SUMMARY_CELLS

SAMPLE_NAMES = ["internet_marketer.xlsx", "small_agency.xlsx", "input_mistakes.xlsx"]
RESULT_HEADERS = [header for _, header, _ in schema.TASK_RESULTS]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def task_rows(path: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[schema.TASKS]
    headers = [c.value for c in ws[1]]
    rows = []
    for values in ws.iter_rows(min_row=2, values_only=True):
        row = dict(zip(headers, values))
        if row.get("Verdict"):
            rows.append(row)
    return rows


def total(rows, column, verdict="OUTSOURCE") -> float:
    return sum(r[column] or 0 for r in rows if r["Verdict"] == verdict)


@pytest.mark.parametrize("sample", SAMPLE_NAMES, indirect=True)
def test_process_every_sample(sample):
    before = digest(sample)
    result = invoke("process", sample)
    assert result.exit_code == (1 if sample.name == "input_mistakes.xlsx" else 0), result.output
    out = sample.with_name(sample.stem + ".outsourced.xlsx")
    assert f"results: {out}" in result.output
    assert digest(sample) == before, "the input must be byte-for-byte unchanged"
    rows = task_rows(out)
    book = openpyxl.load_workbook(out)
    summary, accountant = book[schema.SUMMARY], book[schema.ACCOUNTANT]
    assert summary[SUMMARY_CELLS["saving"]].value == pytest.approx(total(rows, "Annual saving"))
    assert summary[SUMMARY_CELLS["hours_freed_year"]].value == pytest.approx(total(rows, "Hours freed"))
    assert summary[SUMMARY_CELLS["cash_year"]].value == pytest.approx(total(rows, "Cash to vendor a year"))
    decided = [r for r in rows if r["Verdict"] != "ERROR"]
    assert summary[SUMMARY_CELLS["self_cost_all"]].value == pytest.approx(
        sum(r["Cost to do yourself"] for r in decided))
    assert accountant[ACCOUNTANT_CELLS["cash_year"]].value == pytest.approx(
        total(rows, "Cash to vendor a year"))
    assert len(summary._charts) == 2
    for row in rows:
        if row["Verdict"] not in ("ERROR", "NEEDS QUOTE"):
            assert math.isclose(row["Annual saving"],
                                row["Cost to do yourself"] - row["Cost to outsource"], abs_tol=1e-6)


@pytest.mark.parametrize("sample", ["internet_marketer.xlsx"], indirect=True)
def test_internet_marketer_verdicts(sample):
    assert invoke("process", sample).exit_code == 0
    rows = {r["Task ID"]: r for r in task_rows(sample.with_name(sample.stem + ".outsourced.xlsx"))}
    verdicts = [r["Verdict"] for r in rows.values()]
    for kind in ("OUTSOURCE", "KEEP", "REVIEW", "NEEDS QUOTE"):
        assert kind in verdicts
    core = [r for r in rows.values() if r["Expertise"] == "Core"]
    assert core and all(r["Verdict"] == "KEEP" for r in core)


@pytest.mark.parametrize("sample", SAMPLE_NAMES, indirect=True)
def test_rerun_on_the_output_changes_nothing(sample, tmp_path):
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    code, days = (1 if sample.name == "input_mistakes.xlsx" else 0), RunDays()
    assert invoke("process", sample, "-o", first).exit_code == code
    assert invoke("process", first, "-o", second).exit_code == code
    a, b = openpyxl.load_workbook(first), openpyxl.load_workbook(second)
    assert a.sheetnames == b.sheetnames
    for name in a.sheetnames:
        assert days.undated([[c.value for c in r] for r in a[name].iter_rows()]) == \
               days.undated([[c.value for c in r] for r in b[name].iter_rows()]), name
    headers = [c.value for c in b[schema.TASKS][1]]
    assert headers.count("Verdict") == 1


@pytest.mark.parametrize("sample", ["input_mistakes.xlsx"], indirect=True)
def test_input_mistakes_are_named_and_the_rest_decided(sample):
    result = invoke("check", sample)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    expected = [
        "Tasks!G4: hours each must be a number >= 0, got 'two'",
        "Tasks!F5: per must be one of day, week, month, quarter, year, once; got 'fortnight'",
        "Tasks!G6: hours each must be a number >= 0, got -1.5",
        "Tasks!E7: frequency is missing",
        "Tasks!A8: task ID 'T2' is used twice (first at A3)",
        "Quotes!A10: no task with ID 'T99' on Tasks",
    ]
    assert [f"input_mistakes.xlsx: {e}" for e in expected] == [line for line in lines if "!" in line]
    assert not any(p.name.endswith(".outsourced.xlsx") for p in sample.parent.iterdir())
    assert invoke("process", sample).exit_code == 1
    rows = task_rows(sample.with_name("input_mistakes.outsourced.xlsx"))
    errors = [r["Reason"] for r in rows if r["Verdict"] == "ERROR"]
    assert len(errors) == 5 and any("Tasks!G4" in reason for reason in errors)
    assert sum(r["Verdict"] != "ERROR" for r in rows) == 6


@pytest.mark.parametrize("sample", ["internet_marketer.xlsx"], indirect=True)
def test_in_place_keeps_a_backup(sample):
    before = sample.read_bytes()
    result = invoke("process", sample, "--in-place")
    assert result.exit_code == 0
    backup = sample.with_name("internet_marketer.bak.xlsx")
    assert backup.read_bytes() == before
    assert "Verdict" in [c.value for c in openpyxl.load_workbook(sample)[schema.TASKS][1]]
    assert not list(sample.parent.glob("*.outsourced.xlsx"))


@pytest.mark.parametrize("sample", ["internet_marketer.xlsx"], indirect=True)
def test_in_place_twice_keeps_the_version_before_the_last_run(sample):
    """As docs/commands.md says: the previous version, so the second run's backup is the
    first run's output (which holds every input of the original, byte for byte)."""
    assert invoke("process", sample, "--in-place").exit_code == 0
    decided_once = sample.read_bytes()
    result = invoke("process", sample, "--in-place")
    assert result.exit_code == 0
    backup = sample.with_name("internet_marketer.bak.xlsx")
    assert f"previous version kept as {backup}" in result.output
    assert backup.read_bytes() == decided_once
    assert sorted(p.name for p in sample.parent.iterdir()) == sorted([sample.name, backup.name])


@pytest.mark.parametrize("sample", ["internet_marketer.xlsx"], indirect=True)
def test_in_place_names_the_bak_file_it_replaces(sample):
    """NAME.bak.xlsx is the tool's name for the previous version: a file already there is
    replaced, and the line says where the previous version now is."""
    stale = sample.with_name("internet_marketer.bak.xlsx")
    stale.write_bytes(b"an older backup")
    before = sample.read_bytes()
    result = invoke("process", sample, "--in-place")
    assert result.exit_code == 0
    assert stale.read_bytes() == before and f"previous version kept as {stale}" in result.output


def test_in_place_on_an_xlsm_keeps_an_xlsm_backup_with_its_macros(tmp_path):
    workbook = write_addin(tmp_path / "outsourcing.xlsm").workbook  # the template, with VBA
    book = openpyxl.load_workbook(workbook, keep_vba=True)
    book[schema.SETTINGS]["B2"] = 120
    book.save(workbook)
    before = workbook.read_bytes()
    result = invoke("process", workbook, "--in-place")
    assert result.exit_code == 0, result.output
    backup = tmp_path / "outsourcing.bak.xlsm"
    assert f"previous version kept as {backup}" in result.output
    assert backup.read_bytes() == before
    with zipfile.ZipFile(workbook) as decided, zipfile.ZipFile(backup) as kept:
        assert decided.read("xl/vbaProject.bin") == kept.read("xl/vbaProject.bin")


@pytest.mark.parametrize("sample", ["internet_marketer.xlsx"], indirect=True)
def test_out_and_in_place_together_are_a_usage_error(sample, tmp_path):
    before = sample.read_bytes()
    result = CliRunner().invoke(main, ["process", str(sample), "--in-place", "-o",
                                       str(tmp_path / "other.xlsx")])
    assert result.exit_code == 2
    assert "use either --out or --in-place, not both" in result.output
    assert sample.read_bytes() == before and not (tmp_path / "other.xlsx").exists()
    assert not list(sample.parent.glob("*.bak.xlsx"))


SPARKLINE = (b'<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
             b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
             b'<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
             b'<x14:sparklineGroup><x14:sparklines><x14:sparkline><xm:f>Tasks!D2:F2</xm:f>'
             b'<xm:sqref>Z2</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>'
             b'</x14:sparklineGroups></ext></extLst></worksheet>')


def with_sparkline(source: Path, target: Path) -> None:
    """A copy of the workbook whose Tasks sheet carries a sparkline, as Excel writes it."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet3.xml":  # Tasks in the template
                assert b"<sheetData" in data
                data = data.replace(b"</worksheet>", SPARKLINE)
            zout.writestr(item, data)


def test_workbook_with_a_sparkline_is_written_into_and_keeps_it(tmp_path):
    book = tmp_path / "dashboard.xlsx"
    with_sparkline(SAMPLES / "internet_marketer.xlsx", book)
    with zipfile.ZipFile(book) as package:
        before = {name: package.read(name) for name in package.namelist()}
    result = invoke("process", book, "--in-place")
    assert result.exit_code == 0, result.output
    assert "separate" not in result.output and "results: " in result.output
    with zipfile.ZipFile(book) as package:
        after = {name: package.read(name) for name in package.namelist()}
    tasks = after["xl/worksheets/sheet3.xml"]
    assert SPARKLINE[:-len(b"</worksheet>")] in tasks and tasks.endswith(SPARKLINE)
    assert b"OUTSOURCE" in tasks
    kept = set(before) - {"xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml", "xl/styles.xml",
                          "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert all(after[name] == before[name] for name in kept)


@pytest.mark.parametrize("content, message", [
    (None, "file not found"),
    (b"not a workbook", "is not an Excel workbook (.xlsx/.xlsm): it is not a zip package"),
    (b"PK\x03\x04broken", "is damaged"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "is password-protected or an old .xls file"),
])
def test_unreadable_files_get_one_line(tmp_path, content, message):
    path = tmp_path / "client.xlsx"
    if content is not None:
        path.write_bytes(content)
    for command in ("check", "process"):
        result = invoke(command, path)
        assert result.exit_code == 1
        assert result.output.startswith(f"client.xlsx: {message}")
        assert len(result.output.strip().splitlines()) == 1


def test_missing_sheet_and_hourly_worth(tmp_path):
    from xlsheet_outsource.write.template import new_template
    path = tmp_path / "blank.xlsx"
    new_template(path)  # HourlyWorth left blank
    result = invoke("process", path)
    assert result.exit_code == 1
    assert "blank.xlsx: Settings!B2: hourly worth is missing" in result.output
    book = openpyxl.load_workbook(path)
    del book[schema.QUOTES]
    book.save(path)
    result = invoke("check", path)
    assert result.exit_code == 1
    assert "blank.xlsx: has no Quotes sheet" in result.output


def test_usage_error_exit_code(tmp_path):
    result = CliRunner().invoke(main, ["process"])
    assert result.exit_code == 2


def test_new_writes_the_template(tmp_path):
    path = tmp_path / "mine.xlsx"
    assert invoke("new", path).exit_code == 0
    assert {schema.START, schema.SETTINGS, schema.TASKS, schema.QUOTES} <= set(
        openpyxl.load_workbook(path).sheetnames)
    assert invoke("new", path).exit_code == 1  # never overwrites without --force


def test_console_script_json(tmp_path):
    """The installed command, as a user runs it, with machine-readable output."""
    import json
    book = tmp_path / "im.xlsx"
    shutil.copy(SAMPLES / "internet_marketer.xlsx", book)
    exe = Path(sys.executable).with_name("xlsheet-outsource")
    done = subprocess.run([str(exe), "process", str(book), "--json"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["status"] == "ok"
    assert record["summary"]["counts"]["OUTSOURCE"] == sum(
        r["Verdict"] == "OUTSOURCE" for r in task_rows(tmp_path / "im.outsourced.xlsx"))


def test_new_into_adds_the_sheets_and_keeps_the_workbook(tmp_path):
    book = tmp_path / "business.xlsx"
    mine = openpyxl.Workbook()
    mine.active.title, mine.active["A1"] = "Accounts", "=1+1"
    mine.save(book)
    before = book.read_bytes()
    result = invoke("new", "--into", book)
    assert result.exit_code == 0, result.output
    assert tmp_path.joinpath("business.bak.xlsx").read_bytes() == before
    added = openpyxl.load_workbook(book)
    assert added.sheetnames == ["Accounts", schema.START, schema.SETTINGS, schema.TASKS,
                                schema.QUOTES]
    assert added["Accounts"]["A1"].value == "=1+1" and "HourlyWorth" in added.defined_names
    again = invoke("new", "--into", book, "-o", tmp_path / "other.xlsx")
    assert again.exit_code == 1 and "already has a sheet named Start here" in again.output
    assert not tmp_path.joinpath("other.xlsx").exists()
    assert invoke("new").exit_code == 2 and invoke("new", "x.xlsx", "-o", "y.xlsx").exit_code == 2
