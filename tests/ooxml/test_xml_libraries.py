"""The written workbook whatever XML library the user's Python has (issue 20).

openpyxl builds its trees with lxml when lxml is importable (unless OPENPYXL_LXML says
otherwise). The tool keeps its own trees in the standard library's, and has openpyxl
write the sheets it builds (Summary, For accountant) with the standard library's too,
so a workbook comes out the same bytes with lxml installed or not.

Each setting is a fresh interpreter (openpyxl chooses once, on import). These tests
need lxml installed, to compare with it and without it: CI's .venv-lxml has it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree.ElementTree import canonicalize

import pytest
from support.paths import SAMPLE_FILES, sample_file

pytest.importorskip("lxml")

# The samples given, processed with and without --formulas into the folder given first;
# prints which library openpyxl picked.
PROCESS_SAMPLES = """
import sys
from pathlib import Path
from xlsheet_outsource import api
import openpyxl
out = Path(sys.argv[1])
for sample in map(Path, sys.argv[2:]):
    for formulas, suffix in ((False, ""), (True, ".formulas")):
        outcome = api.process_workbook(sample, out / f"{sample.stem}{suffix}.xlsx",
                                       formulas=formulas)
        assert outcome.output, outcome.fatal
print("lxml" if openpyxl.LXML else "standard library")
"""
AS_IF_NOT_INSTALLED = "import sys; sys.modules['lxml'] = None\n"

Written = tuple[str, dict[str, bytes]]  # openpyxl's library, {workbook name: bytes}


def written(folder: Path, *, lxml_installed: bool = True,
            openpyxl_lxml: str | None = None) -> Written:
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "OPENPYXL_LXML"}
    if openpyxl_lxml is not None:
        env["OPENPYXL_LXML"] = openpyxl_lxml
    script = PROCESS_SAMPLES if lxml_installed else AS_IF_NOT_INSTALLED + PROCESS_SAMPLES
    run = subprocess.run([sys.executable, "-c", script, folder, *SAMPLE_FILES], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip(), {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def without_lxml(tmp_path_factory: pytest.TempPathFactory) -> Written:
    return written(tmp_path_factory.mktemp("libraries") / "without", lxml_installed=False)


def test_lxml_installed_or_not_the_same_bytes(tmp_path, without_lxml):
    library, workbooks = without_lxml
    assert library == "standard library" and len(workbooks) == 2 * len(SAMPLE_FILES)
    assert written(tmp_path / "with") == without_lxml


def test_openpyxl_told_to_use_lxml_writes_the_same_workbooks(tmp_path, without_lxml):
    """A program that imported openpyxl before the tool (or set OPENPYXL_LXML=True) gets
    the same workbooks: the parts the input had byte for byte; the sheets openpyxl built
    the same XML in lxml's spelling (where namespaces are declared, empty tags)."""
    library, workbooks = written(tmp_path / "lxml", openpyxl_lxml="True")
    assert library == "lxml" and workbooks.keys() == without_lxml[1].keys()
    for name, expected in without_lxml[1].items():
        ours, theirs = parts(expected), parts(workbooks[name])
        assert ours.keys() == theirs.keys(), name
        inputs = parts(sample_file(f"{name.split('.')[0]}.xlsx").read_bytes())
        for part, data in ours.items():
            same = data == theirs[part] if part in inputs else (
                canonicalize(data) == canonicalize(theirs[part]))
            assert same, f"{name}: {part}"


def parts(workbook: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(workbook)) as package:
        return {name: package.read(name) for name in package.namelist()}
