"""Start-up as a user meets it: `xlsheet-outsource --help` and `check` of a sample, each a
whole command (a new Python process), best of several runs, and what `import
xlsheet_outsource.udfs` (the worksheet functions) loads.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 7]

Targets (issue 15): --help under 0.2 s, check of a sample under 0.5 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "xlsheet_outsource"]
SAMPLE = ROOT / "sample_workbooks" / "small_agency.xlsx"
HEAVY = ("pandas", "numpy", "openpyxl", "python_calamine", "xlsheet_outsource.api")


def best_of(repeat: int, arguments: list[str]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(arguments, stdout=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return min(times)


def loaded_by(module: str) -> list[str]:
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    bare = best_of(args.repeat, [sys.executable, "-c", "pass"])
    print(f"python -c pass: {bare:.3f} s (best of {args.repeat})")
    print(f"xlsheet-outsource --help: {best_of(args.repeat, [*COMMAND, '--help']):.3f} s")
    print(f"xlsheet-outsource check {SAMPLE.name}: "
          f"{best_of(args.repeat, [*COMMAND, 'check', str(SAMPLE)]):.3f} s")
    print(f"import xlsheet_outsource.udfs loads: {', '.join(loaded_by('xlsheet_outsource.udfs'))}")
    print(f"import xlsheet_outsource loads: {', '.join(loaded_by('xlsheet_outsource')) or 'none of them'}")


if __name__ == "__main__":
    main()
