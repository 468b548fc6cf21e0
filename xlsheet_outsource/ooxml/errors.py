"""The zip layer's one error: a file it cannot use as a workbook, said in plain words."""

from __future__ import annotations


class PackageError(Exception):
    """The file cannot be used as a workbook; the message says why, in plain words."""
