"""render: the Summary and For accountant sheets printed by LibreOffice, as PDF and PNG,
with the page set-up of sheets.print_setup. Needs LibreOffice and pdftoppm (.ci/run
installs both); without them these tests fail, not skip."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script too
from support.paths import DOCS, PROJECT, SAMPLE_FILES, TEMPLATE, TYPICAL_SAMPLE

from xlsheet_outsource import api
from xlsheet_outsource.cli import main
from xlsheet_outsource.engine import schema
from xlsheet_outsource.engine.summary import summarise
from xlsheet_outsource.write import report_sheets, style
from xlsheet_outsource.write.render import RenderError, _show_only, page_count, render
from xlsheet_outsource.write.results import write_results

TYPICAL = TYPICAL_SAMPLE
SUMMARY_PNG = DOCS / "summary.png"
PICTURE_DATE = dt.date(2026, 1, 1)


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


def test_both_sheets_by_default_the_summary_on_one_page(decided: Path, tmp_path: Path) -> None:
    """For accountant's list of tasks runs on to a second page at full size (the type
    is not shrunk to squeeze it onto one)."""
    result = CliRunner().invoke(main, ["render", str(decided), "--pdf", str(tmp_path / "all.pdf"),
                                       "--png", str(tmp_path / "png")])
    assert result.exit_code == 0, result.output
    assert page_count(tmp_path / "all.pdf") == 3
    pngs = sorted(p.name for p in (tmp_path / "png").glob("*.png"))
    assert pngs == ["internet_marketer.outsourced-for-accountant-1.png",
                    "internet_marketer.outsourced-for-accountant-2.png",
                    "internet_marketer.outsourced-summary-1.png"]
    assert result.output.count("Written: ") == 4


CARLITO_LINE = 1.22  # the height of a word's box in ems: Carlito's (Calibri's) ascent + descent


def test_tasks_prints_over_a_few_pages_at_a_readable_size(decided: Path, tmp_path: Path) -> None:
    """Tasks of the typical sample prints 3 pages wide, one tall, Task ID and Task on each,
    its 11 pt type at 8 pt or more (one page wide, it printed at 3.5 pt)."""
    pdf = render(decided, [schema.TASKS], pdf=tmp_path / "tasks.pdf").pdf
    assert pdf is not None and page_count(pdf) == 3
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    pages = boxes.split("<page ")[1:]
    assert all(">Task<" in page and ">T14<" in page for page in pages)
    heights = [float(bottom) - float(top) for top, bottom in
               re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">T\d+<', boxes)]
    assert len(heights) == 3 * 14 and min(heights) / CARLITO_LINE >= 8


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda path: path.stem)
def test_for_accountant_pages_begin_with_a_whole_table(sample: Path, tmp_path: Path) -> None:
    """Every page after the first starts, below the repeated title, with a table's
    heading: no table that fits on a page is cut near a page's foot (small_agency's
    vendors and course_creator's tasks ran over onto page 2, a total once stood alone)."""
    decided = api.process_workbook(sample, tmp_path / "decided.xlsx").output
    pdf = render(decided, [schema.ACCOUNTANT], pdf=tmp_path / "accountant.pdf").pdf
    assert pdf is not None
    ws = openpyxl.load_workbook(decided)[schema.ACCOUNTANT]
    headings = {cell.value for cell in ws["A"] if cell.font.sz == style.SECTION_FONT.sz
                and cell.font.b and isinstance(cell.value, str)}
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for number, page in enumerate(text.split("\f")[1:-1], start=2):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[3] in headings, f"page {number} begins with {lines[3]!r}"


def test_the_templates_settings_print_on_one_page_with_their_help(tmp_path: Path) -> None:
    """Settings, their help and the exchange rates on one portrait page; the drop-down
    lists beside them not printed (without a print area: three pages)."""
    pdf = render(TEMPLATE, [schema.SETTINGS], pdf=tmp_path / "settings.pdf").pdf
    assert pdf is not None and page_count(pdf) == 1
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "What it means" in text and "Foreign currency" in text and "Per list" not in text
    assert "Page 1 of 1" in text and "Settings" in text.splitlines()[0]


def test_a_hidden_sheets_print_area_is_not_printed() -> None:
    """LibreOffice prints a hidden sheet that has a print area: the copy drops the print
    areas of the sheets it hides, and keeps the shown one's."""
    workbook = (b'<workbook><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
                b'<sheet name="Settings" sheetId="1" r:id="rId1"/>'
                b'<sheet name="Tasks" sheetId="2" r:id="rId2"/></sheets><definedNames>'
                b'<definedName name="_xlnm.Print_Area" localSheetId="0">Settings!$A$1:$C$9'
                b'</definedName><definedName localSheetId="1" name="_xlnm.Print_Area">'
                b'Tasks!$A$1:$B$2</definedName><definedName name="Rate">Settings!$B$2'
                b'</definedName></definedNames></workbook>')
    shown = _show_only(workbook, {b"Tasks"})
    assert b"Settings!$A$1:$C$9" not in shown and b"Tasks!$A$1:$B$2" in shown
    assert b'<definedName name="Rate">Settings!$B$2</definedName>' in shown
    assert b'<sheet name="Settings" sheetId="1" r:id="rId1" state="hidden"/>' in shown


def readme_pictures(folder: Path) -> dict[Path, Path]:
    """The README's pictures made afresh in ``folder`` from the typical sample, decided
    on a fixed date (it prints on the page): committed picture -> fresh one. The
    Summary as `render` prints it; the last page of Tasks (the task names, the verdicts
    and their reasons) cropped to the table (without the page's header and footer), at
    twice the resolution."""
    found, decision = api.decide_workbook(TYPICAL)
    decided = folder / api.default_output(TYPICAL).name
    write_results(found, decision, decided, run_date=PICTURE_DATE)
    [summary] = render(decided, [schema.SUMMARY], png_dir=folder).pngs
    tasks_pdf = render(decided, [schema.TASKS], pdf=folder / "tasks.pdf").pdf
    assert tasks_pdf is not None
    last = str(page_count(tasks_pdf))
    subprocess.run(["pdftoppm", "-png", "-r", "220", "-f", last, "-l", last, "-singlefile",
                    str(tasks_pdf), str(folder / "tasks")], check=True)
    page = Image.open(folder / "tasks.png").convert("RGB")
    band = round(0.7 * 220)  # the page's header and footer print within 0.7 inch of its edges
    body = ImageOps.invert(page.crop((0, band, page.width, page.height - band)))
    left, top, right, bottom = body.getbbox() or (0, 0, *body.size)
    top, bottom = top + band, bottom + band
    tasks = folder / "processed-workbook.png"
    page.crop((left - 8, top - 8, right + 8, bottom + 8)).save(tasks, optimize=True)
    return {SUMMARY_PNG: summary, DOCS / "processed-workbook.png": tasks}


def difference(a: Path, b: Path) -> float:
    """How far two pictures are apart: the mean difference of their pixels (0 to 1)."""
    first, second = Image.open(a).convert("L"), Image.open(b).convert("L")
    if first.size != second.size:
        return 1.0
    histogram = ImageChops.difference(first, second).histogram()
    return sum(level * count for level, count in enumerate(histogram)) / (
        255 * first.width * first.height)


def test_the_committed_pictures_are_the_current_ones(tmp_path: Path) -> None:
    """docs/summary.png and docs/processed-workbook.png are what the code makes now
    (regenerate them: python tests/write/test_render.py)."""
    readme = (PROJECT / "README.md").read_text()
    for committed, fresh in readme_pictures(tmp_path).items():
        assert f"docs/{committed.name}" in readme
        assert difference(committed, fresh) < 0.002, \
            f"{committed.name} is stale: python tests/write/test_render.py makes it afresh"


def test_a_stale_picture_is_told_apart(tmp_path: Path) -> None:
    stale = tmp_path / "stale.png"
    Image.open(SUMMARY_PNG).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(stale)
    assert difference(SUMMARY_PNG, stale) > 0.002


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


if __name__ == "__main__":  # regenerate the README's pictures
    with tempfile.TemporaryDirectory() as scratch:
        for committed, fresh in readme_pictures(Path(scratch)).items():
            committed.write_bytes(fresh.read_bytes())
            print("Written:", committed)
