"""The built-in demo night, written once into the cache with a progress dialog."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from skyglass.jobs import Job


def ensure_demo_with_progress(parent: QtWidgets.QWidget | None, show_error=None):
    """Generate the demo night (first time only) with progress; its folder, or None if
    cancelled or failed (``show_error(message)`` is told why)."""
    from skyglass.paths import demo_dir, ensure_demo_night

    if (demo_dir() / ".complete").exists():
        return demo_dir()
    dialog = QtWidgets.QProgressDialog(
        "Preparing the demo night (first run only)...", "Cancel", 0, 1000, parent
    )
    dialog.setWindowTitle("Skyglass")
    dialog.setMinimumDuration(0)
    job = Job(ensure_demo_night, "writing the demo night", parent)
    outcome: dict = {}
    job.progressed.connect(
        lambda f, m: (dialog.setValue(int(f * 1000)), dialog.setLabelText(f"Writing {m}"))
    )
    job.succeeded.connect(lambda folder: outcome.setdefault("folder", folder))
    job.failed.connect(lambda message: outcome.setdefault("error", message))
    dialog.canceled.connect(job.cancel)
    loop = QtCore.QEventLoop()
    job.done.connect(loop.quit)
    job.start()
    loop.exec()
    dialog.close()
    if "error" in outcome and show_error is not None:
        show_error(f"The demo night could not be written: {outcome['error']}")
    return outcome.get("folder")
