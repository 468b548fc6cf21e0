"""Run jobs in worker processes that can be lost without losing the run.

Each worker does one job at a time, so a job that crashes its worker or runs past
the time limit costs that job only: the worker is stopped and replaced. Workers are
started with "spawn" (no inherited locks or threads, the same on every OS) and live
for many jobs, so start-up (importing pandas) is paid once per worker, not per job.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, Protocol, TypeVar

from ..errors import FileError

Job = TypeVar("Job")
JobIn = TypeVar("JobIn", contravariant=True)  # Events only take jobs in
READY = "ready"
POLL_SECONDS = 0.2  # how often the time limits and stop requests are looked at
GRACE_SECONDS = 3.0  # for a worker to exit after being asked, before it is killed


class WorkerStartError(FileError):
    """The worker processes cannot start at all (a broken installation, not a bad file)."""


@dataclass(frozen=True)
class JobFailure:
    """Why a job has no result: its worker crashed or ran out of time."""
    reason: str


class StopRequest(Protocol):
    requested: bool  # take no new jobs; let the running ones finish
    forced: bool  # stop the running ones too


class Events(Protocol[JobIn]):
    def job_started(self, job: JobIn) -> None: ...
    def job_done(self, job: JobIn, result: Any) -> None: ...  # the work's result, or a JobFailure
    def stopping(self, running: int) -> None: ...


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    born: float
    ready: bool = False
    job: Any = None
    job_started: float = 0.0


@dataclass(eq=False)
class WorkerPool(Generic[Job]):
    """Up to ``size`` workers running ``work`` (a module-level function) on jobs."""
    work: Callable[[Job], Any]
    size: int
    timeout: float
    startup_seconds: list[float] = field(default_factory=list)  # one per worker started
    _workers: list[_Worker] = field(default_factory=list)

    def run(self, jobs: Sequence[Job], events: Events[Job], stop: StopRequest) -> list[Job]:
        """Run every job unless stopped; returns the jobs that were not run to the end."""
        pending, announced = deque(jobs), False
        unfinished: list[Job] = []
        try:
            self._workers = [self._spawn() for _ in range(min(self.size, len(pending)))]
            while pending or self._busy():
                if stop.requested and not announced:
                    announced = True
                    unfinished += pending
                    pending.clear()
                    events.stopping(len(self._busy()))
                if stop.forced:
                    unfinished += [worker.job for worker in self._busy()]
                    break
                self._assign(pending, events)
                wait([w.conn for w in self._workers] + [w.process.sentinel for w in self._workers],
                     timeout=POLL_SECONDS)
                unfinished += self._collect(pending, events, stop)
        finally:
            self._shut_down()
        return unfinished

    def _busy(self) -> list[_Worker]:
        return [worker for worker in self._workers if worker.job is not None]

    def _spawn(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, self.work), daemon=True,
                                  name="xlsheet-outsource worker")
        with _interrupts_ignored():
            process.start()
        theirs.close()  # so a dead worker shows as end-of-file on ours
        return _Worker(process, ours, born=time.perf_counter())

    def _assign(self, pending: deque, events: Events[Job]) -> None:
        for worker in self._workers:
            if worker.ready and worker.job is None and pending:
                job = pending.popleft()
                try:
                    worker.conn.send(job)
                except OSError:  # it died just now: _collect replaces it
                    pending.appendleft(job)
                    continue
                worker.job, worker.job_started = job, time.perf_counter()
                events.job_started(job)

    def _collect(self, pending: deque, events: Events[Job], stop: StopRequest) -> list[Job]:
        """Take the results in; replace workers that died or ran out of time. Returns the
        jobs of workers that died while stopping (a SIGTERM to the whole group kills them)."""
        lost = []
        for worker in list(self._workers):
            alive = self._receive(worker, events)
            if alive and not (worker.job is not None
                              and time.perf_counter() - worker.job_started > self.timeout):
                continue
            exitcode = self._retire(worker, grace=0)
            if worker.job is not None and not alive and stop.requested:
                lost.append(worker.job)
            elif worker.job is not None:
                reason = (f"the worker {_death(exitcode)}" if not alive else
                          f"took longer than the time limit of {self.timeout:g} s")
                events.job_done(worker.job, JobFailure(reason))
            elif not worker.ready and not stop.requested:
                raise WorkerStartError(f"a worker process {_death(exitcode)} while starting")
            if pending and not stop.requested:
                self._workers.append(self._spawn())
        return lost

    def _receive(self, worker: _Worker, events: Events[Job]) -> bool:
        """Read every message waiting from a worker; False when it is gone."""
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message == READY:
                    worker.ready = True
                    self.startup_seconds.append(time.perf_counter() - worker.born)
                else:
                    job, worker.job = worker.job, None
                    events.job_done(job, message)
        except (EOFError, OSError):
            return False
        return worker.process.is_alive()

    def _retire(self, worker: _Worker, grace: float) -> int | None:
        """Stop a worker, SIGTERM first so a write in progress removes its temp file;
        returns its exit code."""
        self._workers.remove(worker)
        worker.process.join(grace)
        if worker.process.is_alive():
            worker.process.terminate()
            worker.process.join(GRACE_SECONDS)
        if worker.process.is_alive():  # stuck in C code, where SIGTERM handlers cannot run
            worker.process.kill()
            worker.process.join()
        exitcode = worker.process.exitcode
        worker.conn.close()
        worker.process.close()
        return exitcode

    def _shut_down(self) -> None:
        for worker in self._workers:
            if worker.job is None:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
        for worker in list(self._workers):
            self._retire(worker, grace=GRACE_SECONDS if worker.job is None else 0)


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """A terminal sends Ctrl-C to the whole process group, but the main process decides
    what stops: a worker starts with SIGINT ignored (inherited, and kept by Python), so it
    is never cut short, even while importing. (A Ctrl-C in these few milliseconds is lost.)"""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may change signal handlers
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"crashed ({signal.Signals(-exitcode).name})"
    return f"crashed (exit code {exitcode})"


def _serve(conn: Connection, work: Callable[[Any], Any]) -> None:
    """A worker's life: say it is ready, then one job at a time until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # also when started outside the main thread
    signal.signal(signal.SIGTERM, _exit_now)
    conn.send(READY)
    while (job := conn.recv()) is not None:
        conn.send(work(job))


def _exit_now(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds, so atomic writers delete their temp files
