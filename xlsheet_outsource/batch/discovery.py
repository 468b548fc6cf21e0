"""What a batch processes: the workbooks in a folder, what is passed over and why, and a
job per workbook whose output is safe to write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .. import api
from .report import Job, Skipped, WorkbookRow, failed_row

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")


def discover(folder: Path, recursive: bool = False,
             excluded: dict[Path, str] | None = None) -> tuple[list[str], list[Skipped]]:
    """The workbooks in ``folder`` (relative, sorted) and everything passed over, with why.

    ``excluded`` maps paths (the output folder, the report) to the reason to skip them,
    or to "" to pass over them without a word (the batch's own state file).
    """
    excluded = {path.resolve(): reason for path, reason in (excluded or {}).items()}
    found, skipped = [], []
    for here, folders, files in os.walk(folder):
        relative = Path(here).relative_to(folder)
        for name in sorted(folders):
            reason = _folder_skip(Path(here, name), recursive, excluded)
            if reason:
                skipped.append(Skipped((relative / name).as_posix() + "/", reason))
                folders.remove(name)
        for name in files:
            reason = _file_skip(Path(here, name), excluded)
            if reason:
                skipped.append(Skipped((relative / name).as_posix(), reason))
            elif reason is None:
                found.append((relative / name).as_posix())
        if not recursive:
            break
    return sorted(found), sorted(skipped, key=lambda s: s.path)


def _folder_skip(path: Path, recursive: bool, excluded: dict[Path, str]) -> str | None:
    if path.resolve() in excluded:
        return excluded[path.resolve()]
    if _hidden(path):
        return "a hidden folder"
    if path.is_symlink():
        return "a link to a folder: not followed"
    return None if recursive else "a folder: add --recursive to include it"


def _file_skip(path: Path, excluded: dict[Path, str]) -> str | None:
    name, suffix, stem = path.name, path.suffix.lower(), path.stem.lower()
    if path.resolve() in excluded:
        return excluded[path.resolve()]
    if name.startswith("~$"):
        return f"Excel's lock file: {name[2:]} is open in Excel"
    if _hidden(path):
        return "a hidden file"
    if suffix == ".xls":
        return "an Excel 97-2003 workbook: save it as .xlsx in Excel to include it"
    if suffix not in WORKBOOK_SUFFIXES:
        return f"not a workbook ({suffix or 'no extension'})"
    if stem.endswith(api.OUTPUT_TAG):
        return "an output of xlsheet-outsource"
    if stem.endswith(api.BACKUP_TAG):
        return "a backup kept by --in-place"
    if not path.is_file():  # a pipe or a device would block the worker reading it
        return "not a regular file"
    return None


def _hidden(path: Path) -> bool:
    if path.name.startswith("."):
        return True
    try:  # Windows marks hidden files with an attribute instead
        return bool(getattr(path.lstat(), "st_file_attributes", 0) & stat.FILE_ATTRIBUTE_HIDDEN)
    except OSError:
        return False


def plan(folder: Path, outdir: Path | None, workbooks: list[str], in_place: bool,
         formulas: bool = False) -> tuple[list[Job], list[WorkbookRow]]:
    """A job per workbook, or a failed row where its output would be unsafe or clash."""
    base = outdir or folder
    root = base.resolve()
    jobs: list[Job] = []
    refused: list[WorkbookRow] = []
    claimed: dict[str, str] = {}  # an output's name, casefolded -> the workbook it is for
    for workbook in workbooks:
        source = folder / workbook
        target = None if in_place else api.default_output(base / workbook)
        # A separated result is always .xlsx, so a.xlsx and a.xlsm could meet there.
        key = str(api.default_output(base / workbook).with_suffix("")).casefold()
        problem = (_outside(target or source, root)
                   or (f"its results could overwrite those of {claimed[key]} (the same name "
                       "but for the extension): rename one of them" if key in claimed else None))
        claimed.setdefault(key, workbook)
        if problem:
            refused.append(failed_row(workbook, problem))
        else:
            jobs.append(Job(workbook, source, target, base, formulas))
    return jobs, refused


def _outside(path: Path, root: Path) -> str | None:
    """Refuse a path that, once links are followed, leaves ``root``."""
    if path.resolve().is_relative_to(root):
        return None
    return f"refused: it would be written outside {root} (through a link)"
