"""Background jobs: run a processing function off the GUI thread with progress and Cancel.

A job wraps ``fn(progress)``, where ``progress(fraction, message)`` returns True once the
user has cancelled; processing functions then raise ``Cancelled`` and, since they never
modify their inputs, nothing is left half-done.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore

from skyglass.processing.errors import SkyglassError
from skyglass.processing.progress import Cancelled


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
        except Cancelled:
            self.was_cancelled = True
        except SkyglassError as exc:
            self.error = str(exc)
        except MemoryError:
            self.error = "not enough memory for this operation."
        except Exception as exc:  # a bug: report it, keep the app running
            self.error = f"internal error ({type(exc).__name__}: {exc}); please report it."


class Job(QtCore.QObject):
    """One background operation.

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
