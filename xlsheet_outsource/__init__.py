"""xlsheet_outsource: decide which of a small business's tasks to outsource.

The public Python API; the command line and every other way in only wrap it.
"""

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
