"""Background work: one :class:`JobRunner` runs every job of the window.

A job wraps ``fn(progress)``, where ``progress(fraction, message)`` returns True once the
user has cancelled; processing functions then raise ``Cancelled`` and, since they never
modify their inputs, nothing is left half-done. Jobs run in a thread, or in a worker
process where a C library holds the GIL long enough to stutter the window (star
measurements for the night log): the same signals either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6 import QtCore

from skyglass.processing.errors import SkyglassError
from skyglass.processing.progress import Cancelled

log = logging.getLogger(__name__)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SkyglassError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory for this operation."
    return f"internal error ({type(exc).__name__}: {exc}); please report it."


class _Worker(QtCore.QThread):
    progressed = QtCore.Signal(float, str)

    def __init__(self, fn: Callable) -> None:
        super().__init__()
        self.fn = fn
        self.cancel_requested = False
        self.result = None
        self.error: str | None = None
        self.was_cancelled = False

    def run(self) -> None:
        def progress(fraction: float, message: str) -> bool:
            self.progressed.emit(float(fraction), str(message))
            return self.cancel_requested

        try:
            self.result = self.fn(progress)
        except (Cancelled, InterruptedError):
            self.was_cancelled = True
        except Exception as exc:  # reported through failed(); the app keeps running
            if not isinstance(exc, SkyglassError):
                log.debug("job failed", exc_info=True)
            self.error = _describe(exc)


class Job(QtCore.QObject):
    """One background operation (made by :meth:`JobRunner.job`).

    Signals
    -------
    progressed(float, str), succeeded(object), failed(str), cancelled(), done()
    """

    progressed = QtCore.Signal(float, str)
    succeeded = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    cancelled = QtCore.Signal()
    done = QtCore.Signal()

    def __init__(self, fn: Callable, title: str = "", parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._worker = _Worker(fn)
        self._worker.progressed.connect(self.progressed)
        self._worker.finished.connect(self._finished)

    def start(self) -> None:
        self._worker.start()

    def cancel(self) -> None:
        self._worker.cancel_requested = True

    def is_running(self) -> bool:
        return self._worker.isRunning()

    def wait(self, ms: int = 60000) -> bool:
        return self._worker.wait(ms)

    def _finished(self) -> None:
        w = self._worker
        if w.was_cancelled:
            self.cancelled.emit()
        elif w.error is not None:
            self.failed.emit(w.error)
        else:
            self.succeeded.emit(w.result)
        self.done.emit()


class ProcessJob(QtCore.QObject):
    """A job whose function runs in the runner's worker process (same signals as Job).

    ``fn`` and its arguments must be picklable (a module-level function). When the
    process pool cannot start or breaks, the job runs in a thread instead.
    """

    progressed = QtCore.Signal(float, str)
    succeeded = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    cancelled = QtCore.Signal()
    done = QtCore.Signal()

    def __init__(self, runner: JobRunner, fn: Callable, args: tuple, title: str) -> None:
        super().__init__(runner)
        self.title = title
        self._runner, self._fn, self._args = runner, fn, args
        self._future = None
        self._thread_job: Job | None = None
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._check)

    def start(self) -> None:
        pool = self._runner.process_pool()
        if pool is not None:
            try:
                self._future = pool.submit(self._fn, *self._args)
                self._poll.start()
                return
            except RuntimeError:  # the worker died (BrokenProcessPool)
                self._runner.process_pool_broken()
        self._start_in_thread()

    def _start_in_thread(self) -> None:
        fn, args = self._fn, self._args
        job = Job(lambda progress: fn(*args), self.title, self)
        for name in ("progressed", "succeeded", "failed", "cancelled", "done"):
            getattr(job, name).connect(getattr(self, name))
        self._thread_job = job
        job.start()

    def cancel(self) -> None:
        if self._future is not None and self._future.cancel():
            self._poll.stop()
            self.cancelled.emit()
            self.done.emit()
        elif self._thread_job is not None:
            self._thread_job.cancel()

    def is_running(self) -> bool:
        if self._thread_job is not None:
            return self._thread_job.is_running()
        return self._future is not None and not self._future.done()

    def _check(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._poll.stop()
        self._future = None
        try:
            result = future.result()
        except Exception as exc:
            if type(exc).__name__ == "BrokenProcessPool":  # go on in a thread
                self._runner.process_pool_broken()
                self._start_in_thread()
                return
            self.failed.emit(_describe(exc))
        else:
            self.succeeded.emit(result)
        self.done.emit()


class JobRunner(QtCore.QObject):
    """Runs the window's background jobs and keeps them alive while they run.

    Signals
    -------
    started(object job), progressed(float, str), finished(object job)
        For a status-bar indicator of jobs that no panel shows.
    """

    started = QtCore.Signal(object)
    progressed = QtCore.Signal(float, str)
    finished = QtCore.Signal(object)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.running: list = []
        self._pool = None
        self.use_processes = True

    def job(self, fn: Callable, title: str = "") -> Job:
        """A job for ``fn(progress)``, not started (panels connect its signals first)."""
        job = Job(fn, title, self)
        self._track(job)
        self.started.emit(job)
        return job

    def _new_job(self, fn: Callable, title: str) -> Job:
        job = Job(fn, title, self)
        self._track(job)
        return job

    def run(
        self,
        fn: Callable,
        title: str = "",
        succeeded: Callable | None = None,
        failed: Callable | None = None,
    ) -> Job:
        """Start ``fn(progress)`` in a thread; ``succeeded(result)`` / ``failed(message)``.

        No panel shows these jobs (downloads, recomputed undo states): the window's status
        bar does, with Cancel (``job.in_status_bar``).
        """
        job = self._new_job(fn, title)
        job.in_status_bar = True
        self._connect(job, succeeded, failed)
        self.started.emit(job)
        job.start()
        return job

    def run_in_process(
        self,
        fn: Callable,
        *args,
        title: str = "",
        succeeded: Callable | None = None,
        failed: Callable | None = None,
    ) -> ProcessJob:
        """Start ``fn(*args)`` in the worker process (a thread if processes are unavailable)."""
        job = ProcessJob(self, fn, args, title)
        self._track(job)
        self._connect(job, succeeded, failed)
        self.started.emit(job)
        job.start()
        return job

    def _connect(self, job, succeeded, failed) -> None:
        if succeeded is not None:
            job.succeeded.connect(succeeded)
        if failed is not None:
            job.failed.connect(failed)

    def _track(self, job) -> None:
        self.running.append(job)
        job.progressed.connect(self.progressed)
        job.done.connect(lambda: self._untrack(job))

    def _untrack(self, job) -> None:
        if job in self.running:
            self.running.remove(job)
        self.finished.emit(job)

    @property
    def busy(self) -> bool:
        return any(job.is_running() for job in self.running)

    # ---------------------------------------------------------- process pool
    def process_pool(self):
        """The single worker process (spawned on first use), or None where there is none."""
        if self._pool is None and self.use_processes:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            try:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            except (OSError, ValueError):
                self.use_processes = False
        return self._pool

    def process_pool_broken(self) -> None:
        """Stop using processes (the worker died); later jobs run in threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self.use_processes = None, False

    def shutdown(self) -> None:
        """Cancel what runs and end the worker process (the window is closing). The
        process is waited for, so it leaves no semaphore behind ("leaked semaphore")."""
        for job in list(self.running):
            job.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
