"""xlsheet_outsource: decide which of a small business's tasks to outsource.

The public Python API; the command line and every other way in only wrap it.
"""

import os

# openpyxl picks its XML library once, when first imported: lxml where installed, which
# writes the sheets the tool builds (Summary, For accountant) with other bytes. So the
# standard library's, whatever is installed: the same inputs give the same file anywhere.
# An OPENPYXL_LXML the user set stands.
os.environ.setdefault("OPENPYXL_LXML", "False")

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import FileError, InputError, Problem, UsageError, XlsheetOutsourceError

if TYPE_CHECKING:
    from openpyxl import Workbook

    from .api import (
        Outcome,
        add_template,
        check_workbook,
        decide,
        decide_workbook,
        process_workbook,
        task_records,
    )
    from .batch import BatchReport, run_batch
    from .engine.model import Decision, Settings

# Each name's module loads when the name is first used: `xlsheet-outsource --help` and
# the worksheet functions need neither pandas nor openpyxl (docs/performance.md).
_LAZY = {"Outcome": "api", "add_template": "api", "check_workbook": "api", "decide": "api",
         "decide_workbook": "api", "process_workbook": "api", "task_records": "api",
         "Decision": "engine.model",
         "Settings": "engine.model", "run_batch": "batch", "BatchReport": "batch"}

__all__ = ["BatchReport", "Decision", "FileError", "InputError", "Outcome", "Problem",
           "Settings", "UsageError", "XlsheetOutsourceError", "add_template", "check_workbook",
           "decide", "decide_workbook", "new_template", "process_workbook", "run_batch",
           "task_records"]


def new_template(path: Path | str | None = None) -> "Workbook":
    """Write (or return) the blank template workbook; see write.template.new_template."""
    from .write.template import new_template as build
    return build(path)


def __getattr__(name: str) -> Any:
    """The public API's names from their modules, loaded when first used."""
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
