"""Fixtures shared across the test tree, and the hypothesis profile CI runs with.

The tests mirror the package: tests/engine for xlsheet_outsource/engine, tests/ooxml for
ooxml/, and so on; tests/support holds helpers (paths, generated workbooks, LibreOffice
runs, hostile files), importable as ``support.*`` (pytest's pythonpath is tests/).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings
from support.paths import sample_file

# In CI every property test draws the same examples run after run (a failure can be
# replayed); the seed is fixed by derandomize, and hypothesis prints any failing example.
settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def sample(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A copy of a sample workbook in the test's own folder: small_agency.xlsx, or the
    one named by ``@pytest.mark.parametrize("sample", [NAME], indirect=True)``."""
    name = getattr(request, "param", "small_agency.xlsx")
    copy = tmp_path / name
    shutil.copy(sample_file(name), copy)
    return copy
