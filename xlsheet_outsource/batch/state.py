"""The batch's memory between runs: each input's fingerprint and row, in a small file in
the output folder, so a workbook that has not changed is not decided again."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..write.files import write_text_atomically
from .report import Job, WorkbookRow

STATE_NAME = ".xlsheet-outsource-batch.json"
STATE_VERSION = 3  # 2: rows keep what mail needs (horizon, date decided); 3: the accountant's
# tables too (a row kept by version 2 has none, so its workbook is decided again)


@dataclass(frozen=True)
class Fingerprint:
    """Enough of a file to tell whether it changed: size, time of change, content hash."""
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> Fingerprint | None:
        try:
            info = path.stat()
            return cls(info.st_size, info.st_mtime_ns, _sha256(path))
        except OSError:
            return None

    def matches(self, path: Path) -> bool:
        """Same size and time, or (after a copy or a touch) the same content."""
        try:
            info = path.stat()
            return info.st_size == self.size and (info.st_mtime_ns == self.mtime_ns
                                                  or _sha256(path) == self.sha256)
        except OSError:
            return False


def _sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


@dataclass
class State:
    """What earlier runs decided, kept in the output folder, to skip unchanged workbooks."""
    path: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> State:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == STATE_VERSION:
                return cls(path, dict(data["workbooks"]))
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            pass  # missing or damaged: every workbook is simply decided again
        return cls(path)

    def unchanged(self, job: Job) -> WorkbookRow | None:
        """The earlier row, when this input was decided the same way and its output is there."""
        entry = self.entries.get(job.workbook)
        if entry is None:
            return None
        try:
            row = WorkbookRow(**entry["row"])
            fingerprint = Fingerprint(**entry["fingerprint"])
        except (TypeError, KeyError):
            return None
        if (entry.get("target") != _target_text(job) or not isinstance(row.output, str)
                or not (job.root / row.output).is_file() or not fingerprint.matches(job.source)):
            return None
        row.unchanged = True
        return row

    def record(self, job: Job, row: WorkbookRow, fingerprint: Fingerprint | None) -> None:
        if row.decided and fingerprint is not None:
            self.entries[job.workbook] = {"target": _target_text(job), "row": asdict(row),
                                          "fingerprint": asdict(fingerprint)}
        else:  # a failure is always tried again
            self.entries.pop(job.workbook, None)

    def save(self, folder: Path) -> None:
        """Write atomically, forgetting workbooks that are no longer there."""
        self.entries = {k: v for k, v in self.entries.items() if (folder / k).is_file()}
        state = json.dumps({"version": STATE_VERSION, "workbooks": self.entries})
        with contextlib.suppress(OSError):  # it only saves time: without it the next run
            write_text_atomically(self.path, state)  # decides everything again


def _target_text(job: Job) -> str:
    """Where and how the job writes: an output written otherwise is not "unchanged"."""
    where = str(job.target.resolve()) if job.target is not None else "in place"
    return where + (" with formulas" if job.formulas else "")
