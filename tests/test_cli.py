"""End to end: the real command on every sample workbook, checked cell by cell."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from support.dates import RunDays
from support.paths import MISTAKES_SAMPLE, SAMPLES, TYPICAL_SAMPLE

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
    changed = {name for name in before if after[name] != before[name]}
    notes = {"xl/comments1.xml", "xl/comments2.xml", "xl/drawings/vmlDrawing1.vml",
             "xl/drawings/vmlDrawing2.vml"}  # Tasks' and Quotes': the headers' notes join them
    assert changed <= {"xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml", "xl/styles.xml",
                       "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
                       *notes}


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
                                schema.QUOTES, schema.VENDORS]
    assert added["Accounts"]["A1"].value == "=1+1" and "HourlyWorth" in added.defined_names
    assert "Sheets Start here, Settings, Tasks, Quotes, Vendors added" in result.output
    again = invoke("new", "--into", book, "-o", tmp_path / "other.xlsx")
    assert again.exit_code == 1 and "already has a sheet named Start here" in again.output
    assert not tmp_path.joinpath("other.xlsx").exists()
    assert invoke("new").exit_code == 2 and invoke("new", "x.xlsx", "-o", "y.xlsx").exit_code == 2


def test_new_into_keeps_a_vendors_sheet_of_the_users_and_says_what_it_added(tmp_path):
    book = tmp_path / "business.xlsx"
    mine = openpyxl.Workbook()
    mine.active.title, mine.active["A1"] = schema.VENDORS, "my own list"
    mine.save(book)
    result = invoke("new", "--into", book)
    assert result.exit_code == 0, result.output
    assert "Sheets Start here, Settings, Tasks, Quotes added" in result.output
    added = openpyxl.load_workbook(book)
    assert added.sheetnames == [schema.VENDORS, schema.START, schema.SETTINGS, schema.TASKS,
                                schema.QUOTES]
    assert added[schema.VENDORS]["A1"].value == "my own list"


# --- show: the tasks in the terminal ------------------------------------------------------

def show(*args: object, columns: int = 80):
    return CliRunner().invoke(main, ["show", *map(str, args)], env={"COLUMNS": str(columns)},
                              catch_exceptions=False)


def test_show_fits_80_columns_biggest_saving_first():
    result = show(TYPICAL_SAMPLE)
    lines = result.output.splitlines()
    assert result.exit_code == 0
    assert max(map(len, lines)) <= 80
    assert lines[0].split() == ["Task", "Verdict", "Saving", "Vendor", "Reason"]  # Hours freed left out
    saving = next(column for column in table(lines) if column[0] == "Saving")[1:]
    savings = [float(text.replace(",", "")) for text in saving if text]
    assert savings == sorted(savings, reverse=True)
    assert "Program client …" in lines[2]  # shortened, not wrapped


def table(lines: list[str]) -> list[list[str]]:
    """The printed table's columns (header first), split where its ---- line says."""
    spans = [m.span() for m in re.finditer(r"-+", lines[1])]
    rows = [lines[0], *lines[2:]]
    return [[row[a:b].strip() for row in rows if not row.startswith("Saving and")]
            for a, b in spans]


def test_show_uses_a_wider_terminal_for_every_column_and_whole_texts():
    lines = show(TYPICAL_SAMPLE, columns=200).output.splitlines()
    assert lines[0].split() == ["Task", "Verdict", "Saving", "Hours", "freed", "Vendor", "Reason"]
    assert "Program client WordPress plugins" in lines[2] and "…" not in "".join(lines)


def test_show_json_and_csv_give_every_task_with_every_figure():
    records = json.loads(show(TYPICAL_SAMPLE, "--json").output)
    rows = list(csv.DictReader(io.StringIO(show(TYPICAL_SAMPLE, "--csv").output)))
    tasks = task_rows_of(TYPICAL_SAMPLE)
    assert len(records) == len(rows) == len(tasks)
    assert list(records[0]) == list(rows[0])  # the same keys, in the same order
    assert {"task", "verdict", "saving", "hours_freed", "vendor", "reason", "cash",
            "breakeven_worth", "max_price_each", "currency"} <= set(records[0])
    first = records[0]
    assert (first["task"], first["verdict"], first["saving"]) == (
        "Program client WordPress plugins", "KEEP", 55000.0)
    assert rows[0]["task"] == first["task"] and float(rows[0]["saving"]) == first["saving"]


def task_rows_of(path: Path) -> list[object]:
    return [v for (v,) in openpyxl.load_workbook(path)[schema.TASKS].iter_rows(
        min_row=2, max_col=1, values_only=True) if v is not None]


def test_show_names_the_problems_and_exits_1():
    result = CliRunner().invoke(main, ["show", str(MISTAKES_SAMPLE)], env={"COLUMNS": "80"})
    assert result.exit_code == 1
    assert "input_mistakes.xlsx: Tasks!G4: hours each must be a number >= 0, got 'two'" in result.output
    assert "ERROR" in result.output


def test_process_show_and_json_tasks(sample):
    result = invoke("process", sample, "--show")
    assert "results:" in result.output and "Verdict" in result.output
    record = json.loads(invoke("process", sample, "--show", "--json").output)
    assert len(record["tasks"]) == record["summary"]["task_count"]


def test_process_open_opens_the_result_with_the_system_opener(sample, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened.txt"
    opener = bin_dir / ("open" if sys.platform == "darwin" else "xdg-open")
    opener.write_text(f'#!/bin/sh\necho "$1" > {opened}.part && mv {opened}.part {opened}\n')
    opener.chmod(0o755)
    result = CliRunner().invoke(main, ["process", str(sample), "--open"],
                                env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert result.exit_code == 0
    for _ in range(600):  # the opener runs on its own: wait until it has written
        if opened.exists():
            break
        subprocess.run(["sleep", "0.05"], check=True)
    assert opened.read_text().strip() == str(sample.with_name(sample.stem + ".outsourced.xlsx"))


def test_process_open_without_an_opener_still_writes(sample, tmp_path):
    result = CliRunner().invoke(main, ["process", str(sample), "--open"],
                                env={"PATH": str(tmp_path)})
    assert result.exit_code == 0
    assert "written, but not opened" in result.output
    assert sample.with_name(sample.stem + ".outsourced.xlsx").exists()


def test_new_adds_xlsx_and_refuses_other_extensions(tmp_path):
    assert invoke("new", tmp_path / "plan").exit_code == 0
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames[0] == schema.START
    result = CliRunner().invoke(main, ["new", str(tmp_path / "plan.csv")])
    assert result.exit_code == 2 and "name it plan.xlsx" in result.output
    assert not (tmp_path / "plan.csv").exists()


def test_render_names_the_sheets_there_are():
    result = CliRunner().invoke(main, ["render", str(TYPICAL_SAMPLE), "--sheet", "Nope"])
    assert result.exit_code == 1
    assert "has no sheet 'Nope'; its sheets are 'Start here', 'Settings', 'Tasks', 'Quotes'" \
        in result.output


def test_python_m_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "xlsheet_outsource", "show", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "Usage: xlsheet-outsource show" in result.stdout


def test_ctrl_c_outside_a_commands_own_handling_exits_130(monkeypatch):
    """A second Ctrl-C can land as batch finishes, after its own handler is gone: the
    command still ends with the shell's code for Ctrl-C, not click's "Aborted!" and 1."""
    from xlsheet_outsource import api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(api, "check_workbook", interrupted)
    result = CliRunner().invoke(main, ["check", str(TYPICAL_SAMPLE)])
    assert result.exit_code == 130 and "Stopped." in result.output
    assert "Aborted" not in result.output


def test_check_does_not_load_openpyxl():
    """`check` only reads: openpyxl's import (a tenth of a second) is for writing."""
    code = ("import sys\n"
            "from xlsheet_outsource.cli import main\n"
            "try:\n"
            f"    main(['check', {str(TYPICAL_SAMPLE)!r}])\n"
            "except SystemExit as done:\n"
            "    assert not done.code, done.code\n"
            "print('openpyxl' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
