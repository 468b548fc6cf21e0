"""One family for every exception xlsheet_outsource raises to its callers; and Problem.

What is wrong in a workbook is a value, not an exception: a Problem (a sheet, a cell and
what is wrong) in ``Outcome.problems`` or ``Decision.problems``, and every other row is
still decided. An exception means the call as a whole cannot go on; its kind says why:

- InputError: the user's workbook or values cannot be used (exit code 1);
- FileError: a file, folder, program or server the tool needs cannot be read, written,
  run or reached (exit code 1);
- UsageError: the command or function was called wrongly (exit code 2).

Every message is one line, fit to show the user as it is; the command line prints it and
exits with ``exit_code`` (cli.py does that in one place). Each module's own exceptions
(RenderError, MailError, BatchError, ...) subclass one of these kinds.

Two layers keep an exception of their own, because they import nothing outside
themselves: the engine's BadValue (engine/problems.py) and the zip layer's PackageError
(ooxml/errors.py). Both are caught inside the package and reach no caller.
"""

from __future__ import annotations

from .engine.problems import Problem

__all__ = ["FileError", "InputError", "Problem", "UsageError", "XlsheetOutsourceError"]


class XlsheetOutsourceError(Exception):
    """Anything xlsheet_outsource cannot do, in one line; ``exit_code`` for the CLI."""
    exit_code = 1


class InputError(XlsheetOutsourceError, ValueError):
    """The user's workbook or values cannot be used (still a ValueError, as it was)."""


class FileError(XlsheetOutsourceError):
    """A file, folder, program or server the tool needs cannot be read, written, run or
    reached."""


class UsageError(XlsheetOutsourceError):
    """The command or function was called wrongly."""
    exit_code = 2
