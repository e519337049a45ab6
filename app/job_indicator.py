"""The status bar's progress and Cancel for jobs no panel shows (downloads, undo states
that must be recomputed)."""

from __future__ import annotations

from PySide6 import QtWidgets


class JobIndicator(QtWidgets.QWidget):
    """Shows the newest status-bar job of a JobRunner while any runs."""

    def __init__(self, runner, parent=None) -> None:
        super().__init__(parent)
        self.jobs: list = []
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(220)
        self.cancel = QtWidgets.QToolButton()
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop the background work shown here")
        self.cancel.clicked.connect(lambda: self.jobs and self.jobs[-1].cancel())
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel)
        self.hide()
        runner.started.connect(self._started)
        runner.finished.connect(self._finished)

    def _started(self, job) -> None:
        if not getattr(job, "in_status_bar", False):
            return
        self.jobs.append(job)
        job.progressed.connect(
            lambda f, m, j=job: (
                j is self.jobs[-1]
                and (self.bar.setValue(int(f * 1000)), self.bar.setFormat(f"{m} %p%"))
            )
        )
        self.bar.setValue(0)
        self.bar.setFormat(f"{job.title} %p%")
        self.show()

    def _finished(self, job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
        self.setVisible(bool(self.jobs))
