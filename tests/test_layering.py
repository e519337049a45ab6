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
