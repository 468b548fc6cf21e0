"""The Tasks block's Best quote row, written only with --formulas: its values, header and
note; re-runs that add, replace or remove it; LibreOffice's recalculation of it after an
edit moves a task's best quote."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from support import lo
from support.paths import SAMPLES
from support.version2 import version2_sample

from xlsheet_outsource import api
from xlsheet_outsource.engine import schema
from xlsheet_outsource.excel import macro
from xlsheet_outsource.write.results import best_quote_rows

HEADER = schema.BEST_ROW[1]
MINE = "My own figures"


def _process(source: Path, target: Path, formulas: bool) -> api.Outcome:
    outcome = api.process_workbook(source, target, formulas=formulas)
    assert outcome.decision is not None, outcome.fatal
    return outcome


def _headers(path: Path) -> list[object]:
    return [cell.value for cell in openpyxl.load_workbook(path)[schema.TASKS][1]]


def test_best_quote_row_holds_each_tasks_best_quote_row(tmp_path: Path) -> None:
    """The last column of the block, with its note; blank for a task with no quote;
    a formula on a live row, the tool's row number as its saved result."""
    outcome = _process(SAMPLES / "internet_marketer.xlsx", tmp_path / "out.xlsx", True)
    decision = outcome.decision
    assert decision is not None and outcome.formulas is not None
    headers = _headers(outcome.output)
    written = [header for _, header, _ in schema.task_results(False, formulas=True)]
    assert headers[-len(written):] == written and headers[-1] == HEADER
    column = len(headers)
    tasks = openpyxl.load_workbook(outcome.output)[schema.TASKS]
    note = tasks.cell(1, column).comment
    assert note is not None and note.text == schema.RESULT_NOTES["best_row"]
    assert note.author == schema.COMMENT_AUTHOR and "--formulas" in note.text
    saved = openpyxl.load_workbook(outcome.output, data_only=True)[schema.TASKS]
    quotes, out = decision.quotes, headers.index("Cost to outsource") + 1
    for row, task in decision.tasks.iterrows():
        best = quotes.index[(quotes["key"] == task["key"]) & (quotes["rank"] == 1)].tolist()
        # no quote: saved as every blank figure of a formula is (Cost to outsource's)
        expected = best[0] if best else saved.cell(row, out).value
        assert saved.cell(row, column).value == expected, row
        assert tasks.cell(row, column).value.startswith("=IF(")
    assert best_quote_rows(decision).isna().sum() == 1  # a task with no quote: blank


@pytest.mark.parametrize("version2", [False, True])
@pytest.mark.parametrize("gap", [1, 2], ids=["mine beside the block", "mine one column off"])
def test_reruns_add_replace_and_remove_the_column(tmp_path: Path, version2: bool,
                                                   gap: int) -> None:
    """values, --formulas, --formulas again, values: the column comes, is replaced (never
    doubled) and goes, the tool's old cells cleared; a column of the user's right of the
    block keeps every cell."""
    source = (version2_sample(tmp_path / "input.xlsx") if version2
              else Path(shutil.copy(SAMPLES / "internet_marketer.xlsx", tmp_path / "input.xlsx")))
    first = _process(source, tmp_path / "values.xlsx", False).output
    book = openpyxl.load_workbook(first)
    tasks = book[schema.TASKS]
    mine = tasks.max_column + gap
    for row in range(1, tasks.max_row + 1):
        tasks.cell(row, mine).value = MINE if row == 1 else row * 10
    book.save(first)
    path = first
    for step, formulas in enumerate((True, True, False)):
        path = _process(path, tmp_path / f"run{step}.xlsx", formulas).output
        tasks = openpyxl.load_workbook(path)[schema.TASKS]
        headers = [cell.value for cell in tasks[1]]
        block = [header for _, header, _ in schema.task_results(version2, formulas)]
        assert headers.count(HEADER) == (1 if formulas else 0)
        assert headers.count(MINE) == 1
        mine_now = headers.index(MINE) + 1
        assert [tasks.cell(row, mine_now).value for row in range(2, tasks.max_row + 1)] == [
            row * 10 for row in range(2, tasks.max_row + 1)]
        start = headers.index(block[0])
        assert headers[start:start + len(block)] == block
        tool = {column for column, header in enumerate(headers, start=1)
                if header is not None and column - 1 not in range(start, start + len(block))
                and header != MINE and column > start}
        assert not tool, [headers[c - 1] for c in tool]  # nothing left of an earlier block
        ours = [cell.column - 1 for cell in tasks[1] if cell.column > start
                and cell.comment is not None and cell.comment.author == schema.COMMENT_AUTHOR]
        assert ours == list(range(start, start + len(block)))  # the block's notes only
        for column in range(start + len(block) + 1, tasks.max_column + 1):
            if column != mine_now:  # the old block's cells are cleared, mine kept
                assert all(tasks.cell(row, column).value is None
                           for row in range(1, tasks.max_row + 1)), get_column_letter(column)


def test_libreoffice_finds_a_best_quote_moved_by_an_edit(tmp_path: Path) -> None:
    """A quote made cheapest after writing: the check of the row the tool ranked first
    fails and the search over the whole column finds the new best row; the figures
    that read it follow. A task with no quote keeps a blank row and NEEDS QUOTE."""
    outcome = _process(SAMPLES / "internet_marketer.xlsx", tmp_path / "out.xlsx", True)
    decision = outcome.decision
    assert decision is not None
    quotes = decision.quotes
    ranked = quotes[quotes["rank"].notna()]
    key = next(k for k, group in ranked.groupby("key") if len(group) > 1)
    runner_up = int(ranked.index[(ranked["key"] == key) & (ranked["rank"] == 2)][0])
    book = openpyxl.load_workbook(outcome.output)
    sheet = book[schema.QUOTES]
    price = [cell.value for cell in sheet[1]].index("Price") + 1
    sheet.cell(runner_up, price).value = 0
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    edited_decision = api.decide_workbook(edited)[1]
    assert edited_decision is not None
    task_row = int(edited_decision.tasks.index[edited_decision.tasks["key"] == key][0])
    assert best_quote_rows(edited_decision)[task_row] == runner_up  # moved by the edit

    [result] = lo.recalculate([edited], tmp_path / "lo")
    wrong, compared = lo.mismatches(result, edited_decision,
                                    set(lo.engine_edges(edited_decision)))
    assert not wrong, "\n".join(wrong[:30])
    assert compared > 200 and not lo.error_cells(result)
    recalculated = openpyxl.load_workbook(result, data_only=True)[schema.TASKS]
    headers = [cell.value for cell in recalculated[1]]
    best_row, verdict = headers.index(HEADER) + 1, headers.index("Verdict") + 1
    assert recalculated.cell(task_row, best_row).value == runner_up
    no_quote = int(best_quote_rows(edited_decision).isna().idxmax())
    assert recalculated.cell(no_quote, best_row).value in (None, "")
    assert recalculated.cell(no_quote, verdict).value == "NEEDS QUOTE"


def test_the_decide_button_writes_values_and_removes_the_column(tmp_path: Path) -> None:
    """Decide (excel/macro.py) writes values only: on a workbook written with --formulas,
    it clears the column and its note, as a run of process without --formulas does."""
    written = _process(SAMPLES / "internet_marketer.xlsx", tmp_path / "out.xlsx", True).output
    column = _headers(written).index(HEADER) + 1
    book = macro.OpenpyxlBook(openpyxl.load_workbook(written))
    macro.decide_book(book)
    tasks = book.workbook[schema.TASKS]
    assert HEADER not in [cell.value for cell in tasks[1]]
    assert all(tasks.cell(row, column).value is None for row in range(1, tasks.max_row + 1))
    assert tasks.cell(1, column).comment is None
