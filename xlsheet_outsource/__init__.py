"""xlsheet_outsource: decide which of a small business's tasks to outsource.

The public Python API; the command line and every other way in only wrap it.
"""

import os

# openpyxl picks its XML library once, when first imported: lxml where installed, which
# writes the sheets the tool builds (Summary, For accountant) with other bytes. So the
# standard library's, whatever is installed: the same inputs give the same file anywhere.
# An OPENPYXL_LXML the user set stands.
os.environ.setdefault("OPENPYXL_LXML", "False")

from .api import Outcome, check_workbook, decide, decide_workbook, process_workbook
from .engine.model import Decision, Settings
from .errors import FileError, InputError, Problem, UsageError, XlsheetOutsourceError

__all__ = ["Decision", "FileError", "InputError", "Outcome", "Problem", "Settings",
           "UsageError", "XlsheetOutsourceError", "check_workbook", "decide", "decide_workbook",
           "new_template", "process_workbook"]


def new_template(path=None):
    """Write (or return) the blank template workbook; see template.new_template."""
    from .write.template import new_template as build
    return build(path)
