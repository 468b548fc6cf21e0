"""Throughput of `batch` on 200 typical workbooks (about 50 tasks each), with one worker
and with two, in the same run: files a second, the speed-up, and where the time goes.

    .venv/bin/python benchmarks/bench_batch.py [--count 200] [--tasks 50] [--repeat 1]

The workbooks are built from the template with sample_workbooks/make_samples.py's
agency tasks and quote maker, each from its own seed. Ratios and shares, not seconds,
are what to compare: the machines are shared and noisy, so with --repeat the runs
alternate between one and two workers and the fastest of each counts. On a machine
busy with other sessions, see docs/performance.md (Batch) for how it was measured.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "sample_workbooks"))

import make_samples as samples  # noqa: E402

from xlsheet_outsource.batch import BatchReport, run_batch  # noqa: E402
from xlsheet_outsource.batch.job import PHASES  # noqa: E402


def typical_workbook(path: Path, seed: int, tasks: int) -> None:
    """A small business's workbook: ``tasks`` tasks, each with up to four quotes."""
    rng = random.Random(seed)
    task_rows, quote_rows = [], []
    for number in range(1, tasks + 1):
        name, category, per, frequency, hours, expertise, quality = rng.choice(samples.AGENCY_TASKS)
        task_id = f"T{number}"
        task_rows.append(samples.task(task_id, name, category, frequency, per, hours, expertise,
                                      quality))
        pool = samples.AGENCY_VENDORS[category]
        for vendor, fee in rng.sample(pool, min(rng.randint(0, 4), len(pool))):
            quote_rows.append(samples.agency_quote(rng, task_id, per, frequency, hours, vendor,
                                                   fee))
    samples.build(path, samples.AGENCY_SETTINGS, task_rows, quote_rows)


def make_folder(folder: Path, count: int, tasks: int) -> None:
    folder.mkdir()
    with ProcessPoolExecutor() as pool:
        list(pool.map(typical_workbook, [folder / f"client_{i:03d}.xlsx" for i in range(count)],
                      range(count), [tasks] * count))


def timed_batch(folder: Path, outdir: Path, jobs: int) -> tuple[BatchReport, float]:
    started = time.perf_counter()
    report = run_batch(folder, outdir, jobs=jobs, force=True)
    return report, time.perf_counter() - started


def shares(report: BatchReport) -> dict[str, float]:
    """Share of all worker time: start-up, the three phases, and the rest (fingerprints,
    summaries for the report, the fidelity check, sending results)."""
    startup = sum(report.startup_seconds)
    busy = startup + report.timings["total"]
    parts = {"start-up": startup, **{phase: report.timings[phase] for phase in PHASES}}
    parts["other"] = busy - sum(parts.values())
    return {name: seconds / busy for name, seconds in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        folder = Path(scratch) / "clients"
        started = time.perf_counter()
        make_folder(folder, args.count, args.tasks)
        print(f"{args.count} workbooks of {args.tasks} tasks made in "
              f"{time.perf_counter() - started:.0f} s; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        best: dict[int, tuple[float, BatchReport]] = {}
        for _ in range(args.repeat):
            for jobs in (1, 2):
                report, seconds = timed_batch(folder, Path(scratch) / f"out-{jobs}", jobs)
                failed = [row for row in report.rows if row.status != "ok"]
                assert not failed, (f"{len(failed)} not ok, e.g. {failed[0].workbook}: "
                                    f"{failed[0].error}")
                if jobs not in best or seconds < best[jobs][0]:
                    best[jobs] = seconds, report
        for jobs, (seconds, report) in best.items():
            split = ", ".join(f"{name} {share:.0%}" for name, share in shares(report).items())
            cores = report.timings["cpu"] / seconds  # what the workers really got
            print(f"--jobs {jobs}: {seconds:.1f} s, {args.count / seconds:.2f} files/s, "
                  f"{cores:.2f} cores busy; worker time: {split}")
        print(f"speed-up with 2 jobs: {best[1][0] / best[2][0]:.2f}x "
              f"(load average now {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
