"""A real spreadsheet engine for the tests: LibreOffice recalculates written workbooks,
and their computed cells are compared with the engine's values.

Recalculation goes through xlsheet_outsource.libreoffice: one soffice run converts
every workbook to .xlsx with "recalculate on load: always" set in its profile, so the
values read back (python-calamine) are LibreOffice's own, never the saved ones.
"""

from __future__ import annotations

import csv
import html
import math
import re
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import python_calamine as calamine

from xlsheet_outsource import reading
from xlsheet_outsource.engine import schema
from xlsheet_outsource.engine.model import Decision
from xlsheet_outsource.write import libreoffice, results

REL_TOL = 1e-9
ABS_TOL = 1e-9  # for figures that are zero: LibreOffice may leave 1e-13 where Python has 0
NOISE = 1e-12  # decisions closer than this (relative) to a tie are float noise, not rules
Cell = tuple[str, int, str]  # (sheet, row, result key)


def recalculate(workbooks: list[Path], outdir: Path) -> list[Path]:
    """Every workbook recalculated by LibreOffice, in one run."""
    return libreoffice.convert(workbooks, "xlsx", outdir)


EVERY_SHEET_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def sheets_as_csv(path: Path, outdir: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``path`` as LibreOffice opens and computes it, by sheet name (its CSV
    export writes one file per sheet, NAME-SHEET.csv)."""
    soffice = libreoffice.find_soffice()
    assert soffice is not None, "LibreOffice is needed"
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation={(outdir / 'profile').as_uri()}",
                    "--headless", "--norestore", "--convert-to", EVERY_SHEET_CSV,
                    "--outdir", str(outdir), str(path)],
                   check=True, capture_output=True, timeout=300)
    return {p.stem[len(path.stem) + 1:]: list(csv.reader(p.open(encoding="utf-8")))
            for p in outdir.glob(f"{path.stem}-*.csv")}


def error_cells(path: Path) -> list[str]:
    """Cells holding an error value (#VALUE!, #N/A, ...), on any sheet."""
    found = []
    with zipfile.ZipFile(path) as package:
        for part in (n for n in package.namelist() if n.startswith("xl/worksheets/sheet")):
            xml = package.read(part).decode()
            found += [f"{part}!{ref}" for ref in re.findall(r'<c r="([A-Z]+\d+)"[^>]*t="e"', xml)]
    return found


def written_formulas(path: Path) -> list[str]:
    """The text of every formula in the workbook, as stored."""
    with zipfile.ZipFile(path) as package:
        return [html.unescape(formula)
                for part in package.namelist() if part.startswith("xl/worksheets/sheet")
                for formula in re.findall(r"<f(?: [^>]*)?>([^<]*)</f>", package.read(part).decode())]


def mismatches(recalculated: Path, decision: Decision, skip: set[Cell]) -> tuple[list[str], int]:
    """Computed cells whose recalculated value differs from the engine's; and how many
    cells were compared."""
    found = reading.read_workbook(recalculated)
    book = calamine.CalamineWorkbook.from_path(str(recalculated))
    wrong, compared = [], 0
    assert found.tasks is not None and found.quotes is not None
    live = schema.BEST_ROW[0] in found.tasks.result_columns  # written with --formulas
    tasks = decision.tasks.assign(best_row=results.best_quote_rows(decision))
    for table, frame, results_ in ((found.tasks, tasks, schema.task_results(decision.version2, live)),
                                   (found.quotes, decision.quotes, schema.QUOTE_RESULTS)):
        grid = book.get_sheet_by_name(table.sheet).to_python(skip_empty_area=False)
        for row in frame.index:
            for key, _, _ in results_:
                if (table.sheet, row, key) in skip:
                    continue
                column = table.result_columns[key]
                got = grid[row - 1][column - 1] if column <= len(grid[row - 1]) else ""
                compared += 1
                if not same(got, frame.at[row, key]):
                    wrong.append(f"{recalculated.name} {table.sheet} row {row} {key}: "
                                 f"LibreOffice {got!r}, engine {frame.at[row, key]!r}")
    return wrong, compared


def same(got: object, expected: object) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return got in ("", None)
    if isinstance(expected, str):
        return got == expected
    return (isinstance(got, (int, float)) and not isinstance(got, bool)
            and math.isclose(got, float(expected), rel_tol=REL_TOL, abs_tol=ABS_TOL))


# --- the documented edges (docs/formulas.md) ---------------------------------------------------

def engine_edges(decision: Decision) -> dict[Cell, str]:
    """Cells where the engine and a spreadsheet may rightly differ, and why: decisions
    that float noise makes (a tie that binary fractions break)."""
    edges: dict[Cell, str] = {}
    tasks, quotes = decision.tasks, decision.quotes
    ranked = dict(tuple(quotes[quotes["rank"].notna()].groupby("key")))
    for row, task in tasks[tasks["error"].isna()].iterrows():
        offers = ranked.get(task["key"])
        if offers is not None and (_noisy_ranks(offers) or _noisy_rules(
                task, offers[offers["rank"] == 1].iloc[0], decision)):
            for key, _, _ in (*schema.TASK_RESULTS, schema.BEST_ROW):
                edges[(schema.TASKS, row, key)] = "a tie broken by float noise"
            for quote_row in offers.index:
                edges[(schema.QUOTES, quote_row, "rank")] = "a tie broken by float noise"
    return edges


def _noisy_ranks(offers: pd.DataFrame) -> bool:
    """Two offers whose all-in costs (or, those equal, cash) differ by float noise only."""
    ordered = offers.sort_values(["out_cost", "cash"])
    out, cash = ordered["out_cost"].tolist(), ordered["cash"].tolist()
    return any(_close_not_equal(out[i], out[i + 1])
               or (out[i] == out[i + 1] and _close_not_equal(cash[i], cash[i + 1]))
               for i in range(len(out) - 1))


def _noisy_rules(task: pd.Series, quote: pd.Series, decision: Decision) -> bool:
    """A verdict rule decided by a difference within NOISE of its operands."""
    settings = decision.settings
    n, h = task["occurrences"], task["hours_each"]
    tests = [(n * (h - quote["review_hours_each"]), quote["setup_hours"] / settings.horizon_years),
             (task["self_cost"], task["out_cost"]),
             (task["saving"], settings.margin_pct * task["self_cost"])]
    return any(_close_not_equal(a, b) for a, b in tests)


def _close_not_equal(a: float, b: float) -> bool:
    return a != b and math.isclose(a, b, rel_tol=NOISE)
