"""Running the tool on untrusted files in worker processes with memory and time limits,
so that a hang, a crash or a blown memory is a result to count, not the end of the run.

`check` and `process` go through the Python API in long-lived workers (importing the
tool once per worker, not once per file); `run_cli` runs the real command for the few
files where its output and exit code are what is being tested.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

ADDRESS_SPACE = 1536 * 1024 * 1024  # RLIMIT_AS of a worker: the tool must stay well below
MEMORY_BUDGET_KB = 1024 * 1024  # peak resident memory the tool may use (ru_maxrss units)
SECONDS_BUDGET = 20.0  # for one command on one file
FAILURES = ("exception", "crashed", "timeout")  # kinds that must never happen
BUG = "a bug in xlsheet-outsource"  # what an unforeseen failure says: no input may reach it


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@dataclass
class Run:
    """What `check` and `process` did with one file."""
    file: str
    check: str = ""  # outcome kinds: see outcome_kind, and FAILURES
    process: str = ""
    message: str = ""  # the first fatal problem, if any
    bug: str = ""  # the first answer (of check or process) that says BUG, if any
    seconds: float = 0.0  # the slower of the two
    peak_kb: int = 0  # the worker's peak resident memory so far
    harm: str = ""  # the input changed, or an output that does not open


def outcome_kind(outcome) -> str:
    if outcome.fatal:
        return "refused"
    return "decided" if outcome.ok else "decided, with row problems"


def run_file(path: Path, out_dir: Path) -> Run:
    """`check` then `process` (into ``out_dir``) through the Python API, as the CLI calls it."""
    from xlsheet_outsource import api
    run = Run(str(path))
    before = hashlib.sha256(path.read_bytes()).digest()
    started = time.perf_counter()
    checked = api.check_workbook(path)
    middle = time.perf_counter()
    processed = api.process_workbook(path, out_dir / f"out{path.suffix or '.xlsx'}")
    run.seconds = max(middle - started, time.perf_counter() - middle)
    run.check, run.process = outcome_kind(checked), outcome_kind(processed)
    run.message = str((checked.fatal or processed.fatal or [""])[0])
    answers = [str(problem) for outcome in (checked, processed) for problem in outcome.problems]
    run.bug = next((answer for answer in answers if BUG in answer), "")
    if hashlib.sha256(path.read_bytes()).digest() != before:
        run.harm = "the input was changed"
    elif processed.output is not None and not decided_workbook(processed.output):
        run.harm = f"the output {processed.output.name} is not a decided workbook"
    run.peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return run


def decided_workbook(path: Path) -> bool:
    """Whether ``path`` is a whole workbook with the tool's Summary in it."""
    import python_calamine
    try:
        return "Summary" in python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:
        return False


def _serve(conn: Connection) -> None:
    """A worker: limit its own memory, then run the files it is sent until told to stop."""
    limit_memory()
    import xlsheet_outsource.api  # noqa: F401  (imported once, not timed with the first file)
    conn.send("ready")
    with tempfile.TemporaryDirectory() as scratch:
        while (path := conn.recv()) is not None:
            try:
                conn.send(run_file(Path(path), Path(tempfile.mkdtemp(dir=scratch))))
            except BaseException as exc:  # counted as a failure, as a traceback would be
                conn.send(Run(path, "exception", "exception", f"{type(exc).__name__}: {exc}"))


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    job: str | None = None
    started: float = 0.0


class _Pool:
    """Workers fed one file at a time; one that dies or overruns is replaced."""

    def __init__(self, size: int, paths: Iterable[Path]) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.queue = [str(p) for p in reversed(list(paths))]
        self.results: list[Run] = []
        self.workers = [self._start() for _ in range(size)]
        for worker in self.workers:
            self._give(worker)

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child,), daemon=True)
        process.start()
        child.close()
        parent.recv()  # "ready"
        return _Worker(process, parent)

    def _give(self, worker: _Worker) -> None:
        worker.job = self.queue.pop() if self.queue else None
        worker.started = time.monotonic()
        worker.conn.send(worker.job)

    def _replace(self, worker: _Worker, kind: str, message: str) -> None:
        worker.process.kill()
        worker.process.join()
        self.results.append(Run(worker.job, kind, kind, message))
        fresh = self._start()
        self.workers[self.workers.index(worker)] = fresh
        self._give(fresh)

    def run(self, seconds_per_file: float) -> list[Run]:
        while busy := {w.conn: w for w in self.workers if w.job}:
            for conn in wait(list(busy), timeout=1.0):
                worker = busy[conn]
                try:
                    self.results.append(conn.recv())
                except EOFError:
                    worker.process.join()
                    self._replace(worker, "crashed",
                                  f"the worker died (exit code {worker.process.exitcode})")
                    continue
                self._give(worker)
            for worker in [w for w in self.workers if w.job]:
                if time.monotonic() - worker.started > seconds_per_file:
                    self._replace(worker, "timeout", "ran out of time")
        for worker in self.workers:
            worker.process.join(timeout=10)
        return self.results


def run_all(paths: Iterable[Path], workers: int = 2,
            seconds_per_file: float = 2 * SECONDS_BUDGET + 10) -> list[Run]:
    """Every file through run_file in ``workers`` processes (check + process, hence the
    default time limit of twice a command's budget plus room for the worker's checks)."""
    return _Pool(workers, paths).run(seconds_per_file)


def run_cli(*args: str | Path, timeout: float = SECONDS_BUDGET + 10) -> subprocess.CompletedProcess:
    """The real command, with the same memory limit as the workers."""
    return subprocess.run([sys.executable, "-m", "xlsheet_outsource.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=limit_memory)


# --- what the runs add up to ---------------------------------------------------------------

def tally(runs: Iterable[Run]) -> Counter[str]:
    """Runs by outcome; refusals by the kind of their message."""
    return Counter(f"refused: {message_kind(r.message)}" if r.process == "refused" else r.process
                   for r in runs)


def message_kind(message: str) -> str:
    """The stable words of a message: names, numbers and details in brackets left out."""
    text = re.sub(r"\s*\([^()]*\)", "", message).removeprefix("refused: ")
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\b(part|sheet) \S+|\S*\d\S*", "…", text)
    return re.sub(r"\s+", " ", text).strip(" :;")[:100]


def format_tally(title: str, runs: list[Run]) -> str:
    counts = tally(runs)
    lines = [f"{title}: {len(runs)} files"]
    lines += [f"  {count:>5}  {kind}" for kind, count in counts.most_common()]
    if runs:
        slowest = max(runs, key=lambda r: r.seconds)
        lines.append(f"  slowest command: {slowest.seconds:.1f} s ({Path(slowest.file).name}); "
                     f"peak memory of a worker: {max(r.peak_kb for r in runs) / 1024:.0f} MB")
    return "\n".join(lines)


def failures(runs: Iterable[Run]) -> list[str]:
    """Every run that broke a promise: a failure kind, an answer that says BUG, harm,
    too slow or too big."""
    found = []
    for run in runs:
        name = Path(run.file).name
        if run.check in FAILURES or run.process in FAILURES:
            found.append(f"{name}: {run.process}: {run.message}")
        elif run.bug:
            found.append(f"{name}: {run.bug}")
        elif run.harm:
            found.append(f"{name}: {run.harm}")
        elif run.seconds > SECONDS_BUDGET:
            found.append(f"{name}: took {run.seconds:.1f} s")
        elif run.peak_kb > MEMORY_BUDGET_KB:
            found.append(f"{name}: a worker reached {run.peak_kb // 1024} MB")
    return found
