"""Every kind of workbook the tool writes opens in readers stricter than Excel and
LibreOffice, with nothing new wrong compared with the workbook it was written from:
the Open XML SDK's checks (openxml-audit, Microsoft 365 level), Gnumeric's ssconvert,
ExcelJS and SheetJS, and a content type for every part (support/readers.py).

The kinds: the template (new), the template added to a user's workbook (new --into),
process, process --formulas, a re-run on the tool's own output, the add-in, freeze, the
batch report; new --into and process over a dozen varied real workbooks (the corpus;
the committed Excel-made fixtures when it is absent).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from support import readers
from support.hostile_files import contract_sheets, graft_contract
from support.paths import CORPUS, FIXTURES, SAMPLE_FILES, TYPICAL_SAMPLE
from support.version2 import version2_workbook

from xlsheet_outsource import api
from xlsheet_outsource.batch.run import REPORT_NAME, run_batch
from xlsheet_outsource.engine import schema
from xlsheet_outsource.excel import addin
from xlsheet_outsource.excel.freeze import freeze_workbook
from xlsheet_outsource.write.template import new_template

# Varied real workbooks: per-part content types and no Default for .rels
# (InlineStrings), the user's own comments, drawings, charts, a chart sheet, images,
# tables, drop-downs, hyperlinks, macros.
CORPUS_FILES = ("real-world/InlineStrings.xlsx", "real-world/SimpleWithComments.xlsx",
                "real-world/WithChartSheet.xlsx", "real-world/WithDrawing.xlsx",
                "real-world/ExcelTables.xlsx", "excel-made/comment01.xlsx",
                "excel-made/chart_bar01.xlsx", "excel-made/image01.xlsx",
                "excel-made/data_validation01.xlsx", "excel-made/table01.xlsx",
                "excel-made/macro01.xlsm", "excel-made/hyperlink01.xlsx")

Written = tuple[Path | None, Path]  # (the workbook written from, or None: made whole; the output)


def corpus_inputs() -> list[Path]:
    """The chosen corpus files; without the corpus, those among the committed fixtures."""
    if CORPUS.is_dir():
        return [CORPUS / name for name in CORPUS_FILES]
    return [FIXTURES / name for name in CORPUS_FILES if (FIXTURES / name).exists()]


def processed(source: Path, folder: Path, **options: bool) -> Path:
    output = folder / f"{source.stem}.outsourced{source.suffix}"
    outcome = api.process_workbook(source, output, **options)
    assert not outcome.fatal and output.exists(), outcome.fatal
    return output


def made_new(folder: Path) -> Written:
    output = folder / "new.xlsx"
    new_template(output)
    return None, output


def sample_processed(sample: Path) -> Callable[[Path], Written]:
    return lambda folder: (sample, processed(sample, folder))


def version2_processed(folder: Path) -> Written:
    """Every version 2 input used: the Summary's Bundles table and budget lines, the verdict
    colours of DROP and AUTOMATE."""
    source = version2_workbook(folder / "version2.xlsx")
    return source, processed(source, folder)


def with_formulas(folder: Path) -> Written:
    return TYPICAL_SAMPLE, processed(TYPICAL_SAMPLE, folder, formulas=True)


def rerun(folder: Path) -> Written:
    first = processed(TYPICAL_SAMPLE, folder)
    return first, processed(first, folder)


def users_notes_processed(folder: Path) -> Written:
    """Saved by openpyxl as a user's script would (its own VML prefixes), a note of the
    user's on Tasks, none on Quotes (whose notes parts the tool makes), then run twice."""
    book = openpyxl.load_workbook(TYPICAL_SAMPLE)
    book[schema.TASKS]["B2"].comment = Comment("ask Ann first", "Pat")
    for row in book[schema.QUOTES].iter_rows():
        for cell in row:
            cell.comment = None
    source = folder / "noted.xlsx"
    book.save(source)
    return source, processed(processed(source, folder), folder)


def added_into(source: Path) -> Callable[[Path], Written]:
    def write(folder: Path) -> Written:
        output = folder / f"with_template{source.suffix}"
        outcome = api.add_template(source, output)
        assert not outcome.fatal, outcome.fatal
        return source, output
    return write


def corpus_processed(source: Path) -> Callable[[Path], Written]:
    """The corpus file with Settings, Tasks and Quotes grafted in (as a user would have
    typed them), then processed: the Summary, its charts and notes among the user's parts."""
    def write(folder: Path) -> Written:
        grafted = folder / f"grafted{source.suffix}"
        if not graft_contract(source, grafted, contract_sheets()):
            pytest.fail(f"{source.name}: the contract's sheets could not be grafted in")
        return grafted, processed(grafted, folder)
    return write


def addin_written(folder: Path) -> Written:
    return addin.QUICKSTART, addin.write_addin(folder / "outsourcing.xlsm").workbook


def frozen(folder: Path) -> Written:
    source = addin.write_addin(folder / "outsourcing.xlsm").workbook
    outcome = freeze_workbook(source, folder / "frozen.xlsm")
    assert outcome.output is not None, outcome.problems
    return source, outcome.output


def batch_report(folder: Path) -> Written:
    inputs = folder / "inputs"
    inputs.mkdir()
    shutil.copy(TYPICAL_SAMPLE, inputs)
    run_batch(inputs, folder / "decided", jobs=1)
    return None, folder / "decided" / REPORT_NAME


CASES: dict[str, Callable[[Path], Written]] = {
    "new": made_new,
    **{f"process {p.name}": sample_processed(p) for p in SAMPLE_FILES},
    "process a version 2 workbook": version2_processed,
    "process --formulas": with_formulas,
    "re-run on its own output": rerun,
    "process a user's notes, twice": users_notes_processed,
    "addin": addin_written,
    "freeze": frozen,
    "batch report": batch_report,
    **{f"new --into {p.name}": added_into(p) for p in corpus_inputs()},
    **{f"process {p.name} (corpus)": corpus_processed(p) for p in corpus_inputs()},
}


@pytest.mark.parametrize("kind", CASES)
def test_strict_readers_find_nothing_new_wrong(kind: str, tmp_path: Path) -> None:
    readers.require_tools()
    source, output = CASES[kind](tmp_path)
    assert readers.new_problems(source, output) == []
