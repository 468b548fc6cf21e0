"""Where the tests find the project's files and the shared corpus of real workbooks."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SAMPLES = PROJECT / "sample_workbooks"
DOCS = PROJECT / "docs"
# The input-mistakes sample is where the guide shows `check`, away from the other samples.
MISTAKES_SAMPLE = DOCS / "examples" / "input_mistakes.xlsx"
SAMPLE_FILES = [*sorted(SAMPLES.glob("*.xlsx")), MISTAKES_SAMPLE]
TYPICAL_SAMPLE = SAMPLES / "internet_marketer.xlsx"
TEMPLATE = PROJECT / "templates" / "outsource_template.xlsx"
# ../shared/corpus beside the project: real workbooks nobody here wrote (read in place).
CORPUS = PROJECT.parent / "shared" / "corpus"
# A few small Excel-saved workbooks from the corpus, committed, for when shared/ is absent.
FIXTURES = PROJECT / "tests" / "fixtures"


def sample_file(name: str) -> Path:
    """A sample workbook by file name, wherever it lives."""
    return MISTAKES_SAMPLE if name == MISTAKES_SAMPLE.name else SAMPLES / name


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
