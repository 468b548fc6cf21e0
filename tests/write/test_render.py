"""render: the Summary and For accountant sheets printed by LibreOffice, as PDF and PNG,
with the page set-up of sheets.print_setup. Needs LibreOffice and pdftoppm (.ci/run
installs both); without them these tests fail, not skip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from PIL import Image
from support.paths import DOCS, PROJECT, TYPICAL_SAMPLE

from xlsheet_outsource import api
from xlsheet_outsource.cli import main
from xlsheet_outsource.engine import schema
from xlsheet_outsource.engine.summary import summarise
from xlsheet_outsource.write import report_sheets
from xlsheet_outsource.write.render import RenderError, page_count, render

TYPICAL = TYPICAL_SAMPLE
SUMMARY_PNG = DOCS / "summary.png"


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The typical user's sample, decided (as `process` names it)."""
    folder = tmp_path_factory.mktemp("render")
    return api.process_workbook(TYPICAL, folder / api.default_output(TYPICAL).name).output


def ink(png: Path) -> float:
    """The share of pixels that are not white."""
    image = Image.open(png).convert("L")
    histogram = image.histogram()
    return 1 - sum(histogram[250:]) / (image.width * image.height)


def test_summary_of_the_typical_sample_prints_on_one_page(decided: Path, tmp_path: Path) -> None:
    rendered = render(decided, [schema.SUMMARY], pdf=tmp_path / "summary.pdf", png_dir=tmp_path)
    assert page_count(rendered.pdf) == 1
    [png] = rendered.pngs
    assert png.name == "internet_marketer.outsourced-summary-1.png"
    assert Image.open(png).width > Image.open(png).height  # landscape
    assert 0.01 < ink(png) < 0.5


def test_both_sheets_by_default_one_page_each(decided: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["render", str(decided), "--pdf", str(tmp_path / "all.pdf"),
                                       "--png", str(tmp_path / "png")])
    assert result.exit_code == 0, result.output
    assert page_count(tmp_path / "all.pdf") == 2
    pngs = sorted(p.name for p in (tmp_path / "png").glob("*.png"))
    assert pngs == ["internet_marketer.outsourced-for-accountant-1.png",
                    "internet_marketer.outsourced-summary-1.png"]
    assert result.output.count("Written: ") == 3


def test_the_committed_summary_picture_is_the_typical_sample() -> None:
    assert SUMMARY_PNG.exists() and 0.01 < ink(SUMMARY_PNG) < 0.5
    assert "docs/summary.png" in (PROJECT / "README.md").read_text()


def test_a_workbook_not_yet_decided_is_refused_in_words(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"has no sheet 'Summary' \(decide it first"):
        render(TYPICAL, pdf=tmp_path / "x.pdf")


def test_without_libreoffice_one_line_says_so(decided: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither soffice nor pdftoppm there
    monkeypatch.setattr("xlsheet_outsource.write.libreoffice.SOFFICE_PLACES", ())
    for extra, said in (([], "LibreOffice is not installed here"),
                        (["--png", str(tmp_path)], "PNG pictures need pdftoppm")):
        result = CliRunner().invoke(main, ["render", str(decided), *extra])
        assert result.exit_code == 1
        assert said in result.output and result.output.count("\n") == 1


def test_report_sheets_print_landscape_one_page_wide_with_titles_and_names() -> None:
    book = openpyxl.Workbook()
    summary = summarise(api.decide_workbook(TYPICAL)[1])
    report_sheets.replace_report_sheets(book, summary, dt.date(2024, 5, 1))
    for name in schema.OWNED_SHEETS:
        ws = book[name]
        assert ws.page_setup.orientation == "landscape"
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$2"
        assert (ws.oddHeader.left.text, ws.oddHeader.right.text) == ("&F", "&A")
        assert ws.oddFooter.left.text == "Decided on 2024-05-01"
