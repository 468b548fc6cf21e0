"""Where the tests find the project's files and the shared corpus of real workbooks."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SAMPLES = PROJECT / "sample_workbooks"
SAMPLE_FILES = sorted(SAMPLES.glob("*.xlsx"))
TYPICAL_SAMPLE = SAMPLES / "internet_marketer.xlsx"
DOCS = PROJECT / "docs"
TEMPLATE = PROJECT / "templates" / "outsource_template.xlsx"
# ../shared/corpus beside the project: real workbooks nobody here wrote (read in place).
CORPUS = PROJECT.parent / "shared" / "corpus"
# A few small Excel-saved workbooks from the corpus, committed, for when shared/ is absent.
FIXTURES = PROJECT / "tests" / "fixtures"


def excel_made() -> list[Path]:
    """Workbooks saved by Microsoft Excel: the whole corpus folder when it is there, else
    the committed fixtures (so these tests run, on fewer files, without shared/)."""
    folder = CORPUS / "excel-made"
    if not folder.is_dir():
        folder = FIXTURES / "excel-made"
    return sorted(folder.glob("*.xls[xm]"))


def excel_made_file(name: str) -> Path:
    """One Excel-saved workbook by name, from the committed fixtures."""
    return FIXTURES / "excel-made" / name
