"""Following a folder at the telescope: new frames open as they arrive, and each frame's
quality figures are measured in the background for the night log."""

from __future__ import annotations

import os
from collections import deque

from PySide6 import QtCore

from skyglass.processing.calibration.nightlog import FolderFollower, frame_quality
from skyglass.processing.errors import SkyglassError


class FollowController(QtCore.QObject):
    """Polls a folder (cheap: a listing and sizes), opens complete new files in new frames
    with the current view kept, and measures them one at a time in the runner's worker
    process (star detection holds the GIL for tens of milliseconds at a time, which would
    stutter the window from a thread).

    Parameters
    ----------
    files : FilesController
    runner : JobRunner
    nightlog : NightLogPanel
    status : callable
        ``status(text)`` for the status bar.
    show_error : callable
    has_image : callable
        ``has_image() -> bool``.
    """

    frameArrived = QtCore.Signal(str)
    followingChanged = QtCore.Signal(bool, str)

    def __init__(
        self,
        files,
        runner,
        nightlog,
        status,
        show_error,
        has_image,
        interval_ms: int = 1000,
        settle: float = 1.0,
    ) -> None:
        super().__init__()
        self.files, self.runner, self.nightlog = files, runner, nightlog
        self.status, self.show_error, self.has_image = status, show_error, has_image
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

    @property
    def idle(self) -> bool:
        return self.job is None and not self.queue

    def start(self, folder: str) -> None:
        """Follow ``folder``; files already there are listed in the log (the newest is
        shown when the window is empty; double-click a line for the others)."""
        if not os.path.isdir(folder):
            raise SkyglassError(f"{folder}: no such folder.")
        self.follower = FolderFollower(folder, settle=self.settle)
        existing = self.follower.existing()
        self.queue.extend(existing)
        if existing and not self.has_image():
            self.files.open_file(existing[-1])
        self.timer.start()
        self._next_measure()
        self.followingChanged.emit(True, folder)

    def choose_folder(self, parent=None) -> bool:
        """Ask for a folder and follow it; True when following."""
        from PySide6 import QtWidgets

        folder = QtWidgets.QFileDialog.getExistingDirectory(parent, "Follow a folder")
        return bool(folder) and self.follow(folder)

    def follow(self, folder: str) -> bool:
        """Follow ``folder``; False (and a message) when it cannot be followed."""
        try:
            self.start(folder)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        return True

    def stop(self) -> None:
        self.timer.stop()
        self.follower = None
        self.followingChanged.emit(False, "")

    def poll(self) -> list[str]:
        if self.follower is None:
            return []
        ready = self.follower.poll()
        for path in ready:
            if self.files.open_file(path, new_frame=True):
                self.frameArrived.emit(path)
            self.queue.append(path)
        self._next_measure()
        return ready

    def _next_measure(self) -> None:
        if self.job is not None or not self.queue:
            return
        path = self.queue.popleft()
        self.job = self.runner.run_in_process(
            frame_quality,
            path,
            title=f"measuring {path}",
            succeeded=self.nightlog.add,
            failed=lambda message: self.status(f"Night log: {message}"),
        )
        self.job.done.connect(self._measured)

    def _measured(self) -> None:
        self.job = None
        self._next_measure()

    def shutdown(self) -> None:
        """Stop following and forget what was waiting to be measured."""
        self.stop()
        self.queue.clear()
        if self.job is not None:
            self.job.cancel()
        self.job = None
