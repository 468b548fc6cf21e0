"""Time LibreOffice recalculating a `process --formulas` workbook of 3,000 tasks and 6,000
quotes against LibreOffice opening and saving the same workbook written with values only,
in the same run, and check that its recalculated cells equal the engine's.

    .venv/bin/python benchmarks/bench_formulas.py [--tasks 3000] [--quotes-per-task 2]
        [--repeat 2] [--scattered]

Each timing is one whole LibreOffice run (start-up included, a fresh profile set to
recalculate every formula on load) converting the workbook to .xlsx: its wall time, and
the processor time LibreOffice used (less sensitive to other work on the machine).
--scattered lists the quotes in a shuffled order instead of grouped by task.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from bench_process import make_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support import lo  # noqa: E402

from xlsheet_outsource import api  # noqa: E402
from xlsheet_outsource.engine import schema  # noqa: E402


def scatter_quotes(path: Path, seed: int = 11) -> None:
    """The same quotes, listed in a shuffled order (a task's quotes no longer together)."""
    book = openpyxl.load_workbook(path)
    sheet = book[schema.QUOTES]
    rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
    random.Random(seed).shuffle(rows)
    sheet.delete_rows(2, len(rows))
    for row in rows:
        sheet.append(row)
    book.save(path)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed_conversion(path: Path, outdir: Path) -> tuple[float, float, Path]:
    """Wall and processor seconds of one LibreOffice run, and the file it wrote."""
    shutil.rmtree(outdir, ignore_errors=True)
    cpu, start = _children_cpu(), time.perf_counter()
    [converted] = lo.recalculate([path], outdir)
    return time.perf_counter() - start, _children_cpu() - cpu, converted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=3_000)
    parser.add_argument("--quotes-per-task", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--scattered", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_formulas_"))
    try:
        source = folder / "big.xlsx"
        make_workbook(source, args.tasks, quotes_per_task=args.quotes_per_task)
        if args.scattered:
            scatter_quotes(source)
        values, live = folder / "values.xlsx", folder / "live.xlsx"
        api.process_workbook(source, values)
        outcome = api.process_workbook(source, live, formulas=True)
        assert outcome.decision is not None and outcome.formulas is not None
        print(f"workbook: {args.tasks:,} tasks, {args.tasks * args.quotes_per_task:,} quotes"
              f"{', scattered' if args.scattered else ', grouped by task'}; "
              f"{outcome.formulas.live_tasks:,} tasks as formulas")
        print(f"load average at the start: {os.getloadavg()[0]:.1f}")
        baseline, ours, baseline_cpu, ours_cpu = [], [], [], []
        for run in range(args.repeat):  # interleaved, so both see the same machine load
            seconds, cpu, _ = timed_conversion(values, folder / f"values{run}")
            baseline.append(seconds)
            baseline_cpu.append(cpu)
            seconds, cpu, recalculated = timed_conversion(live, folder / f"live{run}")
            ours.append(seconds)
            ours_cpu.append(cpu)
        b, o = min(baseline), min(ours)
        print(f"LibreOffice opens and saves the values-only workbook: {b:.1f} s "
              f"(best of {args.repeat}: {', '.join(f'{t:.1f}' for t in baseline)})")
        print(f"LibreOffice recalculates the --formulas workbook: {o:.1f} s "
              f"(best of {args.repeat}: {', '.join(f'{t:.1f}' for t in ours)})")
        print(f"ratio: {o / b:.2f} (target: at most 3)")
        print(f"processor time of LibreOffice: {min(baseline_cpu):.1f} s against "
              f"{min(ours_cpu):.1f} s, ratio {min(ours_cpu) / min(baseline_cpu):.2f}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        wrong, compared = lo.mismatches(recalculated, outcome.decision,
                                        set(lo.engine_edges(outcome.decision)))
        print(f"recalculated cells equal to the engine's: {compared - len(wrong):,} of {compared:,}")
        for line in wrong[:5]:
            print("  " + line)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
