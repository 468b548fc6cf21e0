"""The batch's table in the terminal: 80 columns, whole names, every problem on its line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
from support.paths import MISTAKES_SAMPLE, SAMPLES, TYPICAL_SAMPLE
from support.version2 import version2_workbook

from xlsheet_outsource.batch.run import REPORT_NAME, run_batch
from xlsheet_outsource.engine import schema

CLI = Path(sys.executable).parent / "xlsheet-outsource"


def batch(folder: Path) -> list[str]:
    result = subprocess.run([str(CLI), "batch", str(folder), "-o", str(folder / "out")],
                            capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"})
    assert result.returncode == 1  # the mistakes sample has problems
    return result.stdout.splitlines()


def test_the_table_fits_80_columns_with_whole_names_and_every_problem(tmp_path):
    for sample in [*SAMPLES.glob("*.xlsx"), MISTAKES_SAMPLE]:
        shutil.copy(sample, tmp_path / sample.name)
    lines = batch(tmp_path)
    table = lines[1:lines.index(next(line for line in lines if line.startswith("A year")))]
    assert max(map(len, table)) <= 80
    assert [line.split()[0] for line in table[2:]] == [
        "course_creator.xlsx", "input_mistakes.xlsx", "internet_marketer.xlsx",
        "small_agency.xlsx"]
    assert table[0].split()[-1] == "Cur"  # two currencies: each row says which
    assert not any(line.startswith("*") for line in lines)  # nothing unchanged yet
    problems = [line for line in lines if line.startswith("input_mistakes.xlsx: ")]
    assert len(problems) == 6 and not any("more problems" in line for line in lines)
    assert f"Result: {tmp_path / 'out' / 'internet_marketer.outsourced.xlsx'}" in lines

    again = batch(tmp_path)
    assert "*: unchanged since the last run" in again
    assert any(line.startswith("small_agency.xlsx") and " ok* " in line for line in again)


def test_every_verdict_is_counted_drop_and_automate_when_a_workbook_has_them(tmp_path):
    """A version 2 workbook beside a version 1 one: its DROP and AUTOMATE tasks are counted
    in the totals, the report workbook and the terminal's table (the other's as 0)."""
    folder = tmp_path / "clients"
    folder.mkdir()
    shutil.copy(TYPICAL_SAMPLE, folder / "a_marketer.xlsx")
    version2_workbook(folder / "b_version2.xlsx")
    report = run_batch(folder, tmp_path / "out", jobs=1)
    counts = {row.workbook: row.verdicts for row in report.rows}
    assert report.verdicts == list(schema.ALL_VERDICTS)
    [total] = report.totals().to_dict("records")
    assert {v: total[v] for v in schema.ALL_VERDICTS} == {
        v: sum(c.get(v, 0) for c in counts.values()) for v in schema.ALL_VERDICTS}
    assert total["DROP"] == total["AUTOMATE"] == 1

    book = openpyxl.load_workbook(tmp_path / "out" / REPORT_NAME)
    header, *rows = book["Workbooks"].iter_rows(values_only=True)
    shown = {row[0]: dict(zip(header, row)) for row in rows}
    assert {name: (row["DROP"], row["AUTOMATE"]) for name, row in shown.items()} == {
        "a_marketer.xlsx": (0, 0), "b_version2.xlsx": (1, 1)}
    assert "DROP" in [c.value for c in book["Overview"][6]]  # the Totals' header row
    assert "AUTOMATE in the budget plan" in book["Overview"]["A3"].value  # what they count

    lines = subprocess.run([str(CLI), "batch", str(folder), "-o", str(tmp_path / "again"),
                            "--jobs", "1"], capture_output=True, text=True,
                           env={**os.environ, "COLUMNS": "120"}).stdout.splitlines()
    heading = next(line for line in lines if line.startswith("Workbook"))
    assert heading.split()[:6] == ["Workbook", "Status", "Tasks", "Outsource", "Automate", "Drop"]
    row = next(line for line in lines if line.startswith("b_version2.xlsx"))
    assert row.split()[2:6] == [str(sum(counts["b_version2.xlsx"].values())),
                                str(counts["b_version2.xlsx"]["OUTSOURCE"]), "1", "1"]
