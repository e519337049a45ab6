"""Following a folder at the telescope: new frames open as they arrive, and each frame's
quality figures are measured in the background for the night log."""

from __future__ import annotations

from collections import deque

from PySide6 import QtCore

from skyglass.processing.calibration.nightlog import FolderFollower, frame_quality
from skyglass.processing.errors import SkyglassError


class FollowController(QtCore.QObject):
    """Polls a folder (cheap: a listing and sizes), opens complete new files in new frames
    with the current view kept, and measures them one at a time off the GUI thread."""

    frameArrived = QtCore.Signal(str)

    def __init__(self, window, interval_ms: int = 1000, settle: float = 1.0) -> None:
        super().__init__(window)
        self.window = window
        self.settle = settle
        self.follower: FolderFollower | None = None
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self.queue: deque[str] = deque()
        self.job = None  # a Future (worker process) or a Job (thread)
        self.use_process = True
        self._pool = None
        self._waiter = QtCore.QTimer(self)
        self._waiter.setInterval(50)
        self._waiter.timeout.connect(self._check_future)

    @property
    def active(self) -> bool:
        return self.timer.isActive()

    def start(self, folder: str) -> None:
        """Follow ``folder``; files already there are listed in the log (the newest is
        shown when the window is empty; double-click a line for the others)."""
        self.follower = FolderFollower(folder, settle=self.settle)
        existing = self.follower.existing()
        self.queue.extend(existing)
        if existing and self.window.document is None:
            self.window.open_file(existing[-1])
        self.timer.start()
        self._next_measure()

    def stop(self) -> None:
        self.timer.stop()
        self.follower = None

    def poll(self) -> list[str]:
        if self.follower is None:
            return []
        ready = self.follower.poll()
        for path in ready:
            if self.window.open_file(path, new_frame=True):
                self.frameArrived.emit(path)
            self.queue.append(path)
        self._next_measure()
        return ready

    def _next_measure(self) -> None:
        if self.job is not None or not self.queue:
            return
        path = self.queue.popleft()
        pool = self._process_pool()
        if pool is not None:
            try:
                self.job = pool.submit(frame_quality, path)
                self._waiter.start()
                return
            except RuntimeError:  # the worker died (BrokenProcessPool): go on in a thread
                self._pool, self.use_process = None, False
        from skyglass.jobs import Job

        self.job = Job(lambda progress: frame_quality(path), f"measuring {path}", self)
        self.job.succeeded.connect(self.window.nightlog.add)
        self.job.failed.connect(lambda msg: self.window.statusBar().showMessage(msg, 8000))
        self.job.done.connect(self._measured)
        self.job.start()

    def _process_pool(self):
        """One worker process for the measurements: star detection (sep) holds the GIL for
        tens of milliseconds at a time, which would stutter the window from a thread."""
        if self._pool is None and self.use_process:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            try:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            except (OSError, ValueError):
                self.use_process = False  # no processes here: measure in a thread
        return self._pool

    def _check_future(self) -> None:
        future = self.job
        if future is None or not future.done():
            return
        self._waiter.stop()
        try:
            self.window.nightlog.add(future.result())
        except Exception as exc:  # a broken worker: say so, keep following in a thread
            self.window.statusBar().showMessage(f"Night log: measuring failed ({exc}).", 8000)
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self.use_process = None, False
        self._measured()

    def _measured(self) -> None:
        self.job = None
        self._next_measure()

    def shutdown(self) -> None:
        """Stop following and end the worker process."""
        self.stop()
        self.queue.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self.job = None
        self._waiter.stop()

    @property
    def idle(self) -> bool:
        return self.job is None and not self.queue


def check_folder(folder: str) -> None:
    import os

    if not os.path.isdir(folder):
        raise SkyglassError(f"{folder}: no such folder.")
