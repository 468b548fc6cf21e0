"""The batch's table in the terminal: 80 columns, whole names, every problem on its line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from support.paths import MISTAKES_SAMPLE, SAMPLES

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
