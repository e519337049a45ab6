"""The progress bar, Cancel button and status line of a panel, and the one way a panel
runs a background job through them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets


class JobBar(QtWidgets.QWidget):
    """Runs one job at a time for a panel and shows it: progress, Cancel, outcome.

    Parameters
    ----------
    make_job : callable
        ``make_job(fn, title)`` returns a job (the window's JobRunner) not yet started.
    cancel_tip : str
        Tooltip of the Cancel button (what cancelling leaves behind).

    Signals
    -------
    busyChanged(bool)
        A job started (True) or ended (False): panels enable their buttons.
    """

    busyChanged = QtCore.Signal(bool)

    def __init__(self, make_job: Callable, cancel_tip: str, parent=None) -> None:
        super().__init__(parent)
        self._make_job = make_job
        self.job = None
        self.last_error = ""
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip(cancel_tip)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        lay.addLayout(row)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)

    @property
    def busy(self) -> bool:
        return self.job is not None

    def run(
        self,
        fn: Callable,
        title: str,
        on_success: Callable,
        cancelled: str | Callable[[], str] = "cancelled; nothing was changed.",
    ) -> bool:
        """Start ``fn(progress)``; ``on_success(result)`` when it ends well. False (and
        nothing started) while another job of this panel runs. ``cancelled`` is what a
        cancel leaves behind (a function when that depends on how far the job got)."""
        if self.job is not None:
            return False
        job = self._make_job(fn, title)
        self.job = job
        job.progressed.connect(self._on_progress)
        # A generic "done" first; the panel's own handler may say more.
        job.succeeded.connect(
            lambda _result: (self.progress.setValue(1000), self.status.setText(f"{title}: done."))
        )
        job.succeeded.connect(on_success)
        job.failed.connect(self.error)
        job.cancelled.connect(
            lambda: self.status.setText(
                f"{title}: {cancelled() if callable(cancelled) else cancelled}"
            )
        )
        job.done.connect(self._done)
        self.progress.setValue(0)
        self.progress.setFormat(f"{title} %p%")
        self.status.setText(title + "...")
        self.cancel_button.setEnabled(True)
        self.busyChanged.emit(True)
        job.start()
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def error(self, message: str) -> None:
        """Say what went wrong (the panel keeps running)."""
        self.last_error = message
        self.status.setText(message)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{message} %p%")

    def _done(self) -> None:
        self.job = None
        self.cancel_button.setEnabled(False)
        self.busyChanged.emit(False)
