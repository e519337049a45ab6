"""The progress bar, Cancel button and status line that panels running background jobs share."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtWidgets


def add_job_bar(
    layout: QtWidgets.QBoxLayout, cancel: Callable[[], None], cancel_tip: str
) -> tuple[QtWidgets.QProgressBar, QtWidgets.QPushButton, QtWidgets.QLabel]:
    """Append a progress bar with a Cancel button, then a status line, to ``layout``.

    Returns
    -------
    (QProgressBar, QPushButton, QLabel)
        The bar (range 0-1000), the Cancel button (disabled until a job runs) and the
        status label.
    """
    row = QtWidgets.QHBoxLayout()
    progress = QtWidgets.QProgressBar()
    progress.setRange(0, 1000)
    progress.setTextVisible(True)
    button = QtWidgets.QPushButton("Cancel")
    button.setEnabled(False)
    button.setToolTip(cancel_tip)
    button.clicked.connect(cancel)
    row.addWidget(progress, 1)
    row.addWidget(button)
    layout.addLayout(row)
    status = QtWidgets.QLabel("")
    status.setWordWrap(True)
    layout.addWidget(status)
    return progress, button, status
