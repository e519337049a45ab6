"""Shared fixtures. The GUI runs offscreen in every test."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from astropy.io import fits  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def demo_night(tmp_path_factory):
    """A small demo night (256 x 256), generated once per test session."""
    from skyglass.processing.demo import generate_night

    folder = tmp_path_factory.mktemp("night")
    return generate_night(folder, size=256, seed=7)


@pytest.fixture
def write_fits(tmp_path):
    """Write an array (and header cards) to a FITS file and return its path."""

    def _write(data, name="image.fits", **cards):
        hdu = fits.PrimaryHDU(np.asarray(data))
        for key, value in cards.items():
            hdu.header[key] = value
        path = tmp_path / name
        hdu.writeto(path, overwrite=True, output_verify="silentfix")
        return path

    return _write


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A shown main window with its settings in a temporary file."""
    from PySide6 import QtCore

    from skyglass import dialogs
    from skyglass.main_window import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "skyglass.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings)
    # Tests that close a window with unsaved edits would otherwise wait on a modal question.
    monkeypatch.setattr(dialogs, "ask_unsaved", lambda parent, name: "discard")
    qtbot.addWidget(w)
    w.resize(1300, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    # Dialogs the test opened (header, shortcut sheet, messages) are top-level windows
    # that outlive a closed parent: close them, so they never sit over the next window.
    from PySide6 import QtWidgets

    for widget in QtWidgets.QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()


_EXIT_STATUS = {"code": 0}


def pytest_sessionfinish(session, exitstatus):
    """Delete every widget while Qt is alive, then remember pytest's status."""
    _EXIT_STATUS["code"] = int(exitstatus)
    try:
        from PySide6 import QtCore, QtWidgets
    except ImportError:
        return
    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    for widget in app.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    app.processEvents()


def pytest_unconfigure(config):
    """Leave without interpreter finalization once Qt was used.

    PySide6 6.12 can abort while the interpreter tears down Qt and pyqtgraph objects
    ("Fatal Python error: bool_dealloc"), after every test has passed; that would turn a
    green run red. Everything is reported by now, so exit with pytest's own status.
    """
    import sys

    if "PySide6.QtWidgets" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS["code"])


def installed_command() -> str:
    """The ``skyglass`` console script installed beside this Python (the user's command)."""
    import sys

    path = Path(sys.executable).parent / "skyglass"
    if not path.exists():
        pytest.fail(f"the skyglass command is not installed beside {sys.executable}")
    return str(path)


@pytest.fixture
def skyglass_cli():
    """Run the installed ``skyglass`` command in a subprocess, as a user does."""
    import subprocess

    def _run(*argv, cwd=None, env=None, timeout=120):
        environ = dict(os.environ)
        environ.update(env or {})
        return subprocess.run(
            [installed_command(), *[str(a) for a in argv]],
            cwd=cwd,
            env=environ,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    return _run


# ------------------------------------------------------------------ SAMP
@pytest.fixture
def private_hub(tmp_path, monkeypatch):
    """SAMP_HUB set to a lock file in tmp_path (nothing touches ~/.samp)."""
    monkeypatch.setenv("SAMP_HUB", f"std-lockurl:file://{tmp_path / 'samp-hub'}")
    return tmp_path / "samp-hub"


@pytest.fixture
def hub(private_hub):
    """A SAMP hub on the loopback interface, for this test only."""
    from skyglass.samp_link import samp_module

    samp = samp_module()
    samp.conf.use_internet = False
    h = samp.SAMPHubServer(web_profile=False, addr="127.0.0.1", label="test hub")
    h.start(wait=False)
    yield h
    h.stop()


@pytest.fixture
def save_through(window, monkeypatch):
    """``save_through(action, path)``: trigger a File menu item whose save dialog the user
    answers with ``path`` (as a person does: the menu, then the dialog)."""
    from PySide6 import QtWidgets

    def _save(action: str, path) -> None:
        monkeypatch.setattr(
            QtWidgets.QFileDialog,
            "getSaveFileName",
            staticmethod(lambda *a, **k: (str(path), "")),
        )
        window.menus[action].trigger()

    return _save


def pytest_addoption(parser):
    parser.addoption(
        "--hostile-full",
        action="store_true",
        default=False,
        help="run issue 18's whole generated corpus (CI runs a sample)",
    )
