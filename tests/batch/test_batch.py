"""`batch` end to end: a generated folder of 30+ workbooks whose every output, skip and
failure is checked against api.process_workbook run on each file alone; real signals to
the real command; a worker that hangs and one that crashes."""

from __future__ import annotations

import ctypes
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from support.dates import RunDays
from support.paths import CORPUS, MISTAKES_SAMPLE, SAMPLES

from xlsheet_outsource import api
from xlsheet_outsource.batch.job import PHASES, decide_file
from xlsheet_outsource.batch.report import Job
from xlsheet_outsource.batch.run import REPORT_NAME, run_batch
from xlsheet_outsource.batch.state import STATE_NAME
from xlsheet_outsource.engine import schema
from xlsheet_outsource.engine.accountant import CASH_SPREAD, PRICES_SPREAD, SETUP_FEES
from xlsheet_outsource.engine.summary import summarise
from xlsheet_outsource.ooxml.package import OLE_MAGIC
from xlsheet_outsource.write import results

REAL_WORLD = CORPUS / "real-world"
CLI = Path(sys.executable).with_name("xlsheet-outsource")
TRICKY_CATEGORY = "=cmd|' /C calc'!A0"  # must stay text everywhere
TRICKY_VENDOR = "@vendor +1"

# relative path -> the variant it is a copy of (see make_variants)
DECIDABLE = {
    **{f"marketer_{i:02}.xlsx": "marketer" for i in range(1, 7)},
    **{f"agency_{i:02}.xlsx": "agency" for i in range(1, 4)},
    "mistakes.xlsx": "mistakes",
    "=1+2 client.xlsx": "tricky",
    "template.xltx": "template",
    **{f"north/tricky_{i:02}.xlsx": "tricky" for i in range(1, 5)},
    **{f"north/agency_{i:02}.xlsx": "agency" for i in range(4, 7)},
    **{f"north/deep/gbp_{i:02}.xlsx": "gbp" for i in range(1, 4)},
    **{f"north/deep/marketer_{i:02}.xlsx": "marketer" for i in range(7, 10)},
    **{f"south/marketer_{i:02}.xlsx": "marketer" for i in range(10, 12)},
    **{f"south/agency_{i:02}.xlsx": "agency" for i in range(7, 9)},
    "south/problems/mistakes_2.xlsx": "mistakes",
}
FAILING = {  # relative path -> the reason batch must give
    "corrupt.xlsx": "is damaged: not a readable zip package",
    "notes.xlsx": "is not an Excel workbook (.xlsx/.xlsm): it is not a zip package",
    "empty.xlsx": "is not an Excel workbook (.xlsx/.xlsm): it is not a zip package",
    "no_settings.xlsx": "has no Settings sheet",
    "protected.xlsx": "is password-protected",
    "south/protected_too.xlsm": "is password-protected",
}
SKIPPED = {
    "~$marketer_01.xlsx": "Excel's lock file: marketer_01.xlsx is open in Excel",
    ".hidden.xlsx": "a hidden file",
    ".cache/": "a hidden folder",
    "marketer_01.outsourced.xlsx": "an output of xlsheet-outsource",
    "marketer_01.bak.xlsx": "a backup kept by --in-place",
    "readme.txt": "not a workbook (.txt)",
    "old.xls": "an Excel 97-2003 workbook: save it as .xlsx in Excel to include it",
    "north/deep/scan.pdf": "not a workbook (.pdf)",
    "decided/": "the output folder",
}


# --- building the folder ------------------------------------------------------------------

def edit_sample(name: str, target: Path, settings: dict[str, object] | None = None,
                cells: dict[tuple[str, str, int], str] | None = None, template: bool = False) -> None:
    """A sample with some settings and (sheet, header, row) cells changed; text stays text."""
    wb = openpyxl.load_workbook(SAMPLES / name)
    for setting, value in (settings or {}).items():
        sheet, coordinate = next(wb.defined_names[setting].destinations)
        wb[sheet][coordinate.replace("$", "")].value = value
    for (sheet, header, row), text in (cells or {}).items():
        ws = wb[sheet]
        column = next(c.column for c in ws[1] if c.value == header)
        ws.cell(row, column).value = text
        ws.cell(row, column).data_type = "s"  # else openpyxl makes "=..." a formula
    wb.template = template
    wb.save(target)


def make_variants(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    variants = {name: folder / f"{name}.xlsx" for name in ("marketer", "agency", "mistakes",
                                                           "tricky", "gbp")}
    shutil.copy(SAMPLES / "internet_marketer.xlsx", variants["marketer"])
    shutil.copy(SAMPLES / "small_agency.xlsx", variants["agency"])
    shutil.copy(MISTAKES_SAMPLE, variants["mistakes"])
    # Categories and vendors that look like formulas, and "content" beside other files' "Content".
    edit_sample("internet_marketer.xlsx", variants["tricky"], {"HourlyWorth": 90},
                {("Tasks", "Category", 2): TRICKY_CATEGORY, ("Tasks", "Category", 9): "content",
                 ("Quotes", "Vendor", 2): TRICKY_VENDOR})
    edit_sample("small_agency.xlsx", variants["gbp"], {"Currency": "GBP"})
    variants["template"] = folder / "template.xltx"
    edit_sample("internet_marketer.xlsx", variants["template"], template=True)
    return variants


def build_folder(folder: Path, variants: dict[str, Path]) -> None:
    for relative, variant in DECIDABLE.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(variants[variant], folder / relative)
    (folder / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"not really a zip" * 50)
    (folder / "notes.xlsx").write_text("Call the bookkeeper on Monday.\n")
    (folder / "empty.xlsx").write_bytes(b"")
    edit_sample("internet_marketer.xlsx", folder / "no_settings.xlsx")
    wb = openpyxl.load_workbook(folder / "no_settings.xlsx")
    del wb["Settings"]
    wb.save(folder / "no_settings.xlsx")
    (folder / "protected.xlsx").write_bytes(OLE_MAGIC + os.urandom(2000))  # how encrypted files start
    (folder / "south/protected_too.xlsm").write_bytes(OLE_MAGIC + bytes(4000))
    (folder / "~$marketer_01.xlsx").write_bytes(b"\x0bsomeone" + bytes(150))
    shutil.copy(variants["marketer"], folder / ".hidden.xlsx")
    (folder / ".cache").mkdir()
    shutil.copy(variants["marketer"], folder / ".cache" / "x.xlsx")
    shutil.copy(variants["marketer"], folder / "marketer_01.outsourced.xlsx")
    shutil.copy(variants["marketer"], folder / "marketer_01.bak.xlsx")
    (folder / "readme.txt").write_text("Clients' workbooks\n")
    (folder / "old.xls").write_bytes(OLE_MAGIC + bytes(500))
    (folder / "north/deep/scan.pdf").write_bytes(b"%PDF-1.4\n")


def real_protected_files() -> list[Path]:
    """Encrypted workbooks from the shared corpus, if it is there (read in place, not copied)."""
    if not REAL_WORLD.is_dir():
        return []
    return sorted(p for p in REAL_WORLD.iterdir()
                  if p.suffix == ".xlsx" and p.read_bytes()[:8] == OLE_MAGIC)


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def temp_files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*")
            if p.name.endswith(".tmp") or ".tmp." in p.name or p.name.startswith(".~")]


def sheet_values(path: Path, days: RunDays) -> dict[str, list[list[object]]]:
    """Every sheet's values, the run's date replaced by a marker (the runs compared may
    fall either side of midnight)."""
    book = calamine.CalamineWorkbook.from_path(str(path))
    return {name: days.undated(book.get_sheet_by_name(name).to_python())
            for name in book.sheet_names}


def run_cli(*args: object, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True,
                          timeout=600, **kwargs)


# --- the big batch, run once by the real command ------------------------------------------

@pytest.fixture(scope="module")
def big(tmp_path_factory):
    base = tmp_path_factory.mktemp("big")
    folder, out = base / "clients", base / "clients" / "decided"
    build_folder(folder, make_variants(base / "variants"))
    failing = dict(FAILING)
    for i, path in enumerate(real_protected_files()[:2]):
        (folder / f"north/corpus_{i}.xlsx").symlink_to(path)
        failing[f"north/corpus_{i}.xlsx"] = "is password-protected"
    before, days = tree(folder), RunDays()
    result = run_cli("batch", folder, "-o", out, "--recursive", "--jobs", 2, "--json")
    return {"folder": folder, "out": out, "result": result, "failing": failing,
            "before": before, "days": days, "reference": reference_outcomes(folder, base / "reference",
                                                              [*DECIDABLE, *failing])}


def reference_outcomes(folder: Path, scratch: Path, workbooks: list[str]) -> dict[str, dict]:
    """Each workbook decided alone by api.process_workbook (once per distinct content)."""
    scratch.mkdir()
    by_digest: dict[str, dict] = {}
    results = {}
    for workbook in workbooks:
        source = folder / workbook
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest not in by_digest:
            outcome = api.process_workbook(source, scratch / f"{digest}.xlsx")
            by_digest[digest] = {
                "record": outcome.as_record(), "output": outcome.output,
                "summary": summarise(outcome.decision) if outcome.output else None}
        results[workbook] = by_digest[digest]
    return results


def test_exit_code_and_json(big):
    result = big["result"]
    assert result.returncode == 1, result.stderr  # some failed
    report = json.loads(result.stdout)
    assert report["counts"] == {"ok": len(DECIDABLE) - 2, "problems": 2, "failed": len(big["failing"]),
                                "not run": 0, "unchanged": 0, "skipped": len(SKIPPED)}
    assert [r["workbook"] for r in report["workbooks"]] == sorted([*DECIDABLE, *big["failing"]])
    assert not report["interrupted"]


def test_every_workbook_matches_process_workbook_alone(big):
    rows = {r["workbook"]: r for r in json.loads(big["result"].stdout)["workbooks"]}
    assert len(rows) >= 30
    for workbook, reference in big["reference"].items():
        row, record = rows[workbook], reference["record"]
        assert row["status"] == record["status"], workbook
        assert row["problems"] == record["problems"], workbook
        output = big["out"] / api.default_output(Path(workbook))
        if reference["output"] is None:
            assert row["output"] is None and not output.exists(), workbook
            assert row["error"] == record["problems"][0], workbook
            continue
        assert row["output"] == output.relative_to(big["out"]).as_posix()
        days = big["days"]
        assert sheet_values(output, days) == sheet_values(reference["output"], days), workbook
        headline = record["summary"]
        assert (row["currency"], row["tasks"], row["verdicts"]) == (
            headline["currency"], headline["task_count"], headline["counts"])
        for key in ("saving", "hours_freed_year", "hours_freed_week", "cash_year", "setup_once"):
            assert row[key] == pytest.approx(headline[key]), (workbook, key)


def test_failure_reasons(big):
    rows = {r["workbook"]: r for r in json.loads(big["result"].stdout)["workbooks"]}
    for workbook, reason in big["failing"].items():
        assert rows[workbook]["status"] == "failed"
        assert rows[workbook]["error"].startswith(reason), (workbook, rows[workbook]["error"])


def test_skips_and_nothing_written_outside_the_output_folder(big):
    report = json.loads(big["result"].stdout)
    assert {s["path"]: s["reason"] for s in report["skipped"]} == SKIPPED
    after = {k: v for k, v in tree(big["folder"]).items() if not k.startswith("decided/")}
    assert after == big["before"]
    written = {p.relative_to(big["out"]).as_posix() for p in big["out"].rglob("*") if p.is_file()}
    expected = {api.default_output(Path(w)).as_posix() for w, ref in big["reference"].items()
                if ref["output"]}
    assert written == expected | {REPORT_NAME, STATE_NAME}
    assert not temp_files(big["folder"])


def read_table(ws, header_row: int) -> list[dict[str, object]]:
    headers = [c.value for c in ws[header_row]]
    rows = []
    for values in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if values[0] is None:
            break
        rows.append(dict(zip(headers, values)))
    return rows


def section(ws, title: str) -> list[dict[str, object]]:
    row = next(c.row for c in ws["A"] if c.value == title)
    return read_table(ws, row + 1)


def test_report_workbook_rows_and_text(big):
    book = openpyxl.load_workbook(big["out"] / REPORT_NAME)
    rows = {r["Workbook"]: r for r in read_table(book["Workbooks"], 1)}
    assert set(rows) == set(big["reference"])
    for workbook, reference in big["reference"].items():
        row, record = rows[workbook], reference["record"]
        assert row["Status"] == record["status"]
        problems = record["problems"]
        assert row["Problem"] == (problems[0] if len(problems) == 1 else
                                  f"{problems[0]} (and {len(problems) - 1} more problems)"
                                  if problems else None)
        if reference["summary"] is not None:
            summary = reference["summary"]
            assert row["Tasks"] == summary.task_count
            assert [row[v] for v in schema.VERDICTS] == list(summary.counts.values())
            assert row["Saving a year"] == pytest.approx(summary.saving)
            assert row["Cash to vendors a year"] == pytest.approx(summary.cash_year)
    # Names, categories and vendors that look like formulas are stored as text.
    cell = next(c for c in book["Workbooks"]["A"] if c.value == "=1+2 client.xlsx")
    assert cell.data_type == "s"
    overview = book["Overview"]
    tricky = [c for row in overview.iter_rows() for c in row if c.value in (TRICKY_CATEGORY,
                                                                               TRICKY_VENDOR)]
    assert {c.value for c in tricky} == {TRICKY_CATEGORY, TRICKY_VENDOR}
    assert all(c.data_type == "s" for c in tricky)
    assert {(r["File or folder"], r["Why it was skipped"])
            for r in read_table(book["Skipped"], 1)} == set(SKIPPED.items())


def expected_across(big, table: str, label: str, numbers: list[str]) -> dict[tuple, dict]:
    """A summary table summed over the decided workbooks, per currency and label (any case)."""
    frames = []
    for workbook, reference in big["reference"].items():
        if reference["summary"] is not None:
            frame = getattr(reference["summary"], table).copy()
            frames.append(frame.assign(currency=reference["summary"].currency, workbook=workbook))
    frame = pd.concat(frames)
    frame["key"] = frame[label].astype(str).str.casefold()
    groups = frame.groupby(["currency", "key"])
    sums = groups[numbers].sum().join(groups["workbook"].nunique())
    return {index: row.to_dict() for index, row in sums.iterrows()}


@pytest.mark.parametrize("title, table, label, header, numbers", [
    ("By category", "by_category", "category", "Category",
     {"tasks": "Tasks", "outsource": "To outsource", "self_cost": "Cost to do yourself",
      "saving": "Saving (outsourced tasks)", "freed": "Hours freed (outsourced tasks)",
      "cash": "Cash to vendors (outsourced tasks)"}),
    ("By vendor (tasks to outsource)", "by_vendor", "vendor", "Vendor",
     {"tasks": "Tasks", "recurring": PRICES_SPREAD, "setup": SETUP_FEES, "cash": CASH_SPREAD}),
])
def test_report_overview_totals(big, title, table, label, header, numbers):
    expected = expected_across(big, table, label, list(numbers))
    shown = section(openpyxl.load_workbook(big["out"] / REPORT_NAME)["Overview"], title)
    assert len(shown) == len(expected)
    for line in shown:
        want = expected[(line["Currency"], str(line[header]).casefold())]
        assert line["Workbooks"] == want["workbook"]
        for key, column in numbers.items():
            assert line[column] == pytest.approx(want[key]), (line[header], column)
    # "content" in one workbook and "Content" in the others are one line.
    if table == "by_category":
        assert len([line for line in shown if line["Currency"] == "USD"
                    and line[header].casefold() == "content"]) == 1


def test_report_grand_totals(big):
    shown = section(openpyxl.load_workbook(big["out"] / REPORT_NAME)["Overview"], "Totals")
    decided = [r["summary"] for r in big["reference"].values() if r["summary"] is not None]
    assert {line["Currency"] for line in shown} == {s.currency for s in decided} == {"USD", "EUR", "GBP"}
    for line in shown:
        mine = [s for s in decided if s.currency == line["Currency"]]
        assert line["Workbooks decided"] == len(mine)
        assert line["Tasks"] == sum(s.task_count for s in mine)
        assert line["OUTSOURCE"] == sum(s.counts["OUTSOURCE"] for s in mine)
        assert line["Saving a year"] == pytest.approx(sum(s.saving for s in mine))
        assert line["Hours freed a year"] == pytest.approx(sum(s.hours_freed_year for s in mine))
        assert line["Cash to vendors a year"] == pytest.approx(sum(s.cash_year for s in mine))


# --- re-runs: skip what has not changed -----------------------------------------------------

@pytest.fixture
def small(tmp_path) -> Path:
    folder = tmp_path / "clients"
    variants = make_variants(tmp_path / "variants")
    for i, variant in enumerate(("marketer", "agency", "mistakes", "tricky")):
        (folder / "sub").mkdir(parents=True, exist_ok=True)
        shutil.copy(variants[variant], folder / ("sub" if i % 2 else "") / f"{variant}.xlsx")
    (folder / "corrupt.xlsx").write_bytes(b"PK junk")
    return folder


def statuses(report) -> dict[str, str]:
    return {r.workbook: r.status + " (unchanged)" * r.unchanged for r in report.rows}


def test_rerun_skips_unchanged_and_redoes_changed_and_failed(small, tmp_path):
    out = tmp_path / "out"
    first = run_batch(small, out, recursive=True, jobs=2)
    assert statuses(first) == {"corrupt.xlsx": "failed", "marketer.xlsx": "ok",
                               "sub/agency.xlsx": "ok", "mistakes.xlsx": "problems",
                               "sub/tricky.xlsx": "ok"}
    outputs = {p: p.stat().st_mtime_ns for p in out.rglob("*.outsourced.xlsx")}
    second = run_batch(small, out, recursive=True, jobs=2)
    assert statuses(second) == {"corrupt.xlsx": "failed", "marketer.xlsx": "ok (unchanged)",
                                "sub/agency.xlsx": "ok (unchanged)",
                                "mistakes.xlsx": "problems (unchanged)",
                                "sub/tricky.xlsx": "ok (unchanged)"}
    assert {p: p.stat().st_mtime_ns for p in outputs} == outputs  # not rewritten
    assert second.totals().equals(first.totals())  # unchanged workbooks still count
    os.utime(small / "marketer.xlsx")  # touched, same content: still unchanged
    shutil.copy(small / "marketer.xlsx", small / "sub" / "agency.xlsx")  # changed
    third = run_batch(small, out, recursive=True, jobs=2)
    assert statuses(third)["marketer.xlsx"] == "ok (unchanged)"
    assert statuses(third)["sub/agency.xlsx"] == "ok"
    agency = next(row for row in third.rows if row.workbook == "sub/agency.xlsx")
    assert agency.currency == "USD"  # it now holds the marketer's workbook
    (out / "mistakes.outsourced.xlsx").unlink()  # an output gone: made again
    fourth = run_batch(small, out, recursive=True, jobs=2)
    assert statuses(fourth)["mistakes.xlsx"] == "problems"
    forced = run_batch(small, out, recursive=True, jobs=2, force=True)
    assert not any(row.unchanged for row in forced.rows)


@pytest.mark.parametrize("damage", [
    "{not json", "[]", '{"version": 2, "workbooks": []}', '{"version": 1, "workbooks": {}}',
    '{"version": 2, "workbooks": {"marketer.xlsx": "a row"}}',
    '{"version": 2, "workbooks": {"marketer.xlsx": {"row": {"output": 7}, "target": 1}}}',
    "ROW_WITH_A_NUMBER_FOR_OUTPUT",
])
def test_a_damaged_state_file_means_deciding_again(small, tmp_path, damage):
    """The state only saves time: damaged in any way, every workbook is decided again, and
    the run ends as the first did, with a state file that works."""
    out = tmp_path / "out"
    first = run_batch(small, out, recursive=True, jobs=1)
    state = out / STATE_NAME
    if damage == "ROW_WITH_A_NUMBER_FOR_OUTPUT":  # right shape, wrong values
        data = json.loads(state.read_text())
        data["workbooks"]["marketer.xlsx"]["row"]["output"] = 7
        damage = json.dumps(data)
    state.write_text(damage)
    again = run_batch(small, out, recursive=True, jobs=1)
    assert {k: v.replace(" (unchanged)", "") for k, v in statuses(again).items()} == \
        statuses(first)
    assert "marketer.xlsx" in [r.workbook for r in again.rows if not r.unchanged]
    assert statuses(run_batch(small, out, recursive=True, jobs=1))["marketer.xlsx"] == \
        "ok (unchanged)"


def test_digest_without_email_to_is_a_usage_error(small, tmp_path):
    result = run_cli("batch", small, "-o", tmp_path / "out", "--digest")
    assert result.returncode == 2
    assert "--digest goes with --email-to" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_report_that_cannot_be_written_is_one_line(small, tmp_path):
    out = tmp_path / "out"
    (out / REPORT_NAME).mkdir(parents=True)  # a folder where the report should go
    result = run_cli("batch", small, "-o", out, "-r")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "report" in line]
    assert lines == [f"cannot write the report {out / REPORT_NAME}: Is a directory"], result.stderr
    assert len(list(out.rglob("*.outsourced.xlsx"))) == 4  # the workbooks are decided


def test_in_place_keeps_backups_and_skips_its_own_results(small):
    first = run_batch(small, in_place=True, recursive=True, jobs=2)
    assert first.counts["ok"] == 3 and (small / REPORT_NAME).exists()
    assert (small / "marketer.bak.xlsx").exists() and (small / "sub/agency.bak.xlsx").exists()
    assert "Verdict" in [c.value for c in openpyxl.load_workbook(small / "marketer.xlsx")["Tasks"][1]]
    second = run_batch(small, in_place=True, recursive=True, jobs=2)
    assert [r.workbook for r in second.rows if r.decided and not r.unchanged] == []
    assert {s.reason for s in second.skipped} == {"a backup kept by --in-place",
                                                  "the batch report"}


def test_without_recursive_subfolders_are_named(small):
    report = run_batch(small, small / "out", jobs=1)
    assert [r.workbook for r in report.rows] == ["corrupt.xlsx", "marketer.xlsx", "mistakes.xlsx"]
    assert {s.path: s.reason for s in report.skipped} == {
        "out/": "the output folder", "sub/": "a folder: add --recursive to include it"}


def test_never_writes_outside_the_output_folder(small, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "sub").symlink_to(elsewhere)  # a link planted in the output folder
    shutil.copy(small / "marketer.xlsx", small / "marketer.xltx")  # same output name
    report = run_batch(small, out, recursive=True, jobs=2)
    errors = {r.workbook: r.error for r in report.rows if r.status == "failed"}
    assert errors["sub/agency.xlsx"].startswith("refused: it would be written outside")
    assert errors["marketer.xltx"] == ("its results could overwrite those of marketer.xlsx (the "
                                       "same name but for the extension): rename one of them")
    assert list(elsewhere.iterdir()) == []


def test_usage_errors_exit_2(small, tmp_path):
    assert run_cli("batch", small, "-o", tmp_path / "o", "--in-place").returncode == 2
    assert run_cli("batch", tmp_path / "missing").returncode == 2
    assert run_cli("batch", small, "--jobs", 0).returncode == 2
    assert run_cli("batch", small, "--timeout", 0).returncode == 2


def test_all_good_exits_0_with_a_table(tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        shutil.copy(SAMPLES / "internet_marketer.xlsx", folder / name)
    result = run_cli("batch", folder)
    assert result.returncode == 0, result.stderr
    assert "a.xlsx" in result.stdout and f"Report: {folder / REPORT_NAME}" in result.stdout
    assert "[2/2] ok" in result.stderr  # plain progress lines: stderr is not a terminal
    assert (folder / "a.outsourced.xlsx").exists() and (folder / "b.outsourced.xlsx").exists()


# --- stopping: real signals to the real command ---------------------------------------------

def interrupt_after(folder: Path, out: Path, done: int, signals: list[int]) -> tuple[int, str]:
    """Start `batch`, wait until ``done`` workbooks are done, send the signals; exit code, stderr."""
    process = subprocess.Popen([str(CLI), "batch", str(folder), "-o", str(out), "--jobs", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith(f"[{done}/"):
            for signum in signals:
                process.send_signal(signum)
                time.sleep(0.3)
            break
    lines += process.stderr.read().splitlines(keepends=True)
    return process.wait(timeout=120), "".join(lines)


@pytest.mark.parametrize("signals, code", [([signal.SIGINT], 130), ([signal.SIGTERM], 143),
                                           ([signal.SIGINT, signal.SIGINT], 130)])
def test_stopping_leaves_whole_outputs_and_the_next_run_finishes(tmp_path, signals, code):
    folder, out = tmp_path / "clients", tmp_path / "out"
    variants = make_variants(tmp_path / "variants")
    folder.mkdir()
    for i in range(8):
        shutil.copy(variants["agency" if i % 2 else "marketer"], folder / f"client_{i}.xlsx")
    returncode, stderr = interrupt_after(folder, out, 2, signals)
    assert returncode == code, stderr
    assert re.search(r"Stopping: finishing the [01] workbooks? in progress", stderr)
    assert not temp_files(folder, out)
    report = json.loads(run_cli("batch", folder, "-o", out, "--json").stdout)
    done_before = [r["workbook"] for r in report["workbooks"] if r["unchanged"]]
    assert 2 <= len(done_before) <= 3  # the one in progress was finished, or stopped whole
    assert report["counts"]["ok"] == 8 and report["counts"]["not run"] == 0
    for output in out.glob("*.outsourced.xlsx"):  # every output is whole
        assert openpyxl.load_workbook(output)["Tasks"]["A1"].value == "Task ID"
    assert not temp_files(folder, out)


# --- a worker that hangs, one that crashes ------------------------------------------------

def misbehaving_work(job: Job):
    """Stands in for decide_file in the workers: hangs or crashes on chosen names."""
    if job.source.name == "hang.xlsx":
        time.sleep(3600)
    if job.source.name == "crash.xlsx":
        ctypes.string_at(0)  # a segmentation fault, as a bug in a C extension would cause
    return decide_file(job)


def test_a_hung_or_crashed_worker_fails_only_its_workbook(tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx", "hang.xlsx", "c.xlsx", "crash.xlsx", "d.xlsx"):
        shutil.copy(SAMPLES / "internet_marketer.xlsx", folder / name)
    # The limit is far above a workbook's few seconds on a loaded machine: only the hang meets it.
    report = run_batch(folder, tmp_path / "out", jobs=2, timeout=20, work=misbehaving_work)
    errors = {r.workbook: r.error for r in report.rows}
    assert errors == {"a.xlsx": None, "b.xlsx": None, "c.xlsx": None, "d.xlsx": None,
                      "hang.xlsx": "took longer than the time limit of 20 s",
                      "crash.xlsx": "the worker crashed (SIGSEGV)"}
    assert not report.all_ok and report.counts["ok"] == 4
    assert math.isclose(report.totals()["saving"].sum(), 4 * report.rows[0].saving)


# --- timings: handed back by process_workbook, nothing of api replaced -----------------------

def test_one_workbook_times_its_phases_without_replacing_api_functions(tmp_path):
    originals = (api.read_workbook, api.decide, api.decide_found, results.write_results)
    job = Job("a.xlsx", SAMPLES / "internet_marketer.xlsx", tmp_path / "a.outsourced.xlsx",
              tmp_path)
    timings = decide_file(job).timings  # in this process, as a worker does it
    assert set(timings) == {*PHASES, "total", "cpu"}
    assert all(timings[phase] > 0 for phase in PHASES), timings
    assert sum(timings[phase] for phase in PHASES) <= timings["total"]
    assert (api.read_workbook, api.decide, api.decide_found, results.write_results) == originals


def test_process_workbook_adds_to_the_timings_it_is_given(tmp_path):
    timings = {"reading": 100.0}
    api.process_workbook(SAMPLES / "internet_marketer.xlsx", tmp_path / "a.xlsx", timings=timings)
    assert set(timings) == set(PHASES) and timings["reading"] > 100.0
    assert 0 < timings["deciding"] < 100 and 0 < timings["writing"] < 100
