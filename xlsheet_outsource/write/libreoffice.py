"""Running LibreOffice headless: converting workbooks (to PDF, or to .xlsx after a full
recalculation) in one call, with a profile of its own and a time limit."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import FileError

SOFFICE_PLACES = ("/Applications/LibreOffice.app/Contents/MacOS/soffice",
                  r"C:\Program Files\LibreOffice\program\soffice.exe")
DEFAULT_SECONDS = 300
# Recalculate every formula on loading, whatever results the file has saved (0 = always).
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(FileError):
    """LibreOffice is missing, failed or took too long; the message says which, in words."""


def find_soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    return found or next((p for p in SOFFICE_PLACES if Path(p).exists()), None)


def convert(sources: Sequence[Path], target_format: str, outdir: Path, *,
            seconds: float = DEFAULT_SECONDS) -> list[Path]:
    """Convert every source, every formula recalculated first; returns the converted
    files, in order. One LibreOffice run converts as many as have distinct names (its
    output is named after its input); sources of the same name need a run each."""
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("LibreOffice is not installed here (no soffice found): install "
                               "it from libreoffice.org, or Debian's libreoffice-calc-nogui")
    runs: list[list[Path]] = []
    for source in map(Path, sources):
        run = next((r for r in runs if source.name not in {s.name for s in r}), None)
        if run is None:
            runs.append(run := [])
        run.append(source)
    converted = {}
    for number, run in enumerate(runs, start=1):
        folder = outdir if len(runs) == 1 else outdir / f"run{number}"
        for source, target in zip(run, _convert_run(soffice, run, target_format, folder, seconds)):
            converted[source] = target
    return [converted[Path(source)] for source in sources]


def _convert_run(soffice: str, sources: list[Path], target_format: str, outdir: Path,
                 seconds: float) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    extension = target_format.split(":")[0]
    targets = [outdir / f"{source.stem}.{extension}" for source in sources]
    with tempfile.TemporaryDirectory(prefix="xlsheet-lo-") as profile:
        (Path(profile) / "user").mkdir()
        (Path(profile) / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                   "--norestore", "--nolockcheck", "--convert-to", target_format,
                   "--outdir", str(outdir), *map(str, sources)]
        errors = _run(command, seconds)
    missing = [source.name for source, target in zip(sources, targets) if not target.exists()]
    if missing:
        reason = errors.strip().splitlines()
        raise LibreOfficeError(f"LibreOffice could not convert {', '.join(missing)}"
                               + (f": {reason[-1]}" if reason else ""))
    return targets


def _run(command: list[str], seconds: float) -> str:
    """Run soffice in a session of its own, so that a time-out stops its children too."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=sys.platform != "win32",
                               env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"})
    try:
        _, errors = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        if sys.platform == "win32":
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise LibreOfficeError(f"LibreOffice did not finish within {seconds:g} s") from None
    return errors.decode(errors="replace")
