"""Following a folder at the telescope: new frames open as they arrive, and each frame's
quality figures are measured in the background for the night log."""

from __future__ import annotations

from collections import deque

from PySide6 import QtCore

from processing.errors import SkyglassError
from processing.nightlog import FolderFollower, frame_quality


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
        self.job = None

    @property
    def active(self) -> bool:
        return self.timer.isActive()

    def start(self, folder: str) -> None:
        """Follow ``folder``; files already there are listed in the log but not opened."""
        self.follower = FolderFollower(folder, settle=self.settle)
        for path in self.follower.existing():
            self.queue.append(path)
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
        from app.jobs import Job

        path = self.queue.popleft()
        self.job = Job(lambda progress: frame_quality(path), f"measuring {path}", self)
        self.job.succeeded.connect(self.window.nightlog.add)
        self.job.failed.connect(lambda msg: self.window.statusBar().showMessage(msg, 8000))
        self.job.done.connect(self._measured)
        self.job.start()

    def _measured(self) -> None:
        self.job = None
        self._next_measure()

    @property
    def idle(self) -> bool:
        return self.job is None and not self.queue


def check_folder(folder: str) -> None:
    import os

    if not os.path.isdir(folder):
        raise SkyglassError(f"{folder}: no such folder.")
