"""processing/ stays headless: importing all of it must not pull in Qt or pyqtgraph."""

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_processing_imports_no_qt_at_runtime():
    modules = [m.name for m in pkgutil.iter_modules([str(ROOT / "processing")])]
    assert modules, "processing has no modules"
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module('processing.' + m)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'qtpy')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"processing imported: {out.stdout.strip()}"


def test_processing_source_has_no_qt_imports():
    pattern = re.compile(r"^\s*(from|import)\s+(PySide6|PyQt5|PyQt6|qtpy|pyqtgraph)\b", re.M)
    offenders = [
        p.name for p in (ROOT / "processing").rglob("*.py") if pattern.search(p.read_text())
    ]
    assert offenders == []


def test_viewer_does_not_import_app():
    pattern = re.compile(r"^\s*(from|import)\s+app(\.|\s|$)", re.M)
    offenders = [p.name for p in (ROOT / "viewer").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_first_frame_path_does_not_import_scipy_or_skimage(tmp_path):
    """Start-up imports stay lean: opening a file and drawing it needs neither."""
    code = (
        "import os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "import numpy as np\n"
        "from astropy.io import fits\n"
        f"path = {str(tmp_path / 'a.fits')!r}\n"
        "fits.PrimaryHDU(np.arange(64, dtype=np.float32).reshape(8, 8)).writeto(path)\n"
        "from PySide6 import QtCore, QtWidgets\n"
        "app = QtWidgets.QApplication([])\n"
        "from app.main_window import MainWindow\n"
        f"s = QtCore.QSettings({str(tmp_path / 's.ini')!r}, QtCore.QSettings.Format.IniFormat)\n"
        "w = MainWindow(s); w.show(); w.open_file(path); w.canvas.render_now()\n"
        "print(sorted(m for m in ('scipy', 'skimage', 'astropy.wcs') if m in sys.modules))\n"
        "w.close(); w.deleteLater(); app.processEvents()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
