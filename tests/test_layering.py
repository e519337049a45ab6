"""Dependencies point one way: app (the ``skyglass`` root) -> viewer -> processing.

processing/ stays headless (no Qt, pyqtgraph, viewer or shell); viewer/ never reaches into
the shell. The source check reads every import statement, including the lazy ones inside
functions, and is shown to fail on a planted bad import.
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT = ("PySide6", "PyQt5", "PyQt6", "qtpy", "pyqtgraph", "shiboken6")

#: For each source folder, the skyglass subpackages its modules may import.
ALLOWED = {
    "processing": ("processing",),
    "viewer": ("viewer", "processing", "resources"),
    "resources": ("resources",),
}


def imported_names(path: Path) -> list[str]:
    """Every module name ``path`` imports (absolute names; relative ones made absolute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.append("skyglass.<relative>." + (node.module or ""))
            elif node.module:
                names.append(node.module)
    return names


def layering_violations(root: Path) -> list[str]:
    """``file: imported name`` for every import that breaks the layering rule."""
    problems = []
    for folder, allowed in ALLOWED.items():
        for path in sorted((root / folder).rglob("*.py")):
            rel = path.relative_to(root)
            for name in imported_names(path):
                top = name.split(".")[0]
                if top in QT and folder == "processing":
                    problems.append(f"{rel}: {name}")
                elif top in ("app", "viewer", "processing", "resources"):
                    problems.append(f"{rel}: {name} (old top-level name; use skyglass.*)")
                elif top == "skyglass":
                    parts = name.split(".")
                    if len(parts) == 1 or parts[1] not in allowed:
                        problems.append(f"{rel}: {name}")
    return problems


def test_the_source_follows_the_layering_rule():
    assert layering_violations(ROOT) == []


@pytest.mark.parametrize(
    ("folder", "line"),
    [
        ("processing", "from PySide6 import QtCore"),
        ("processing", "import pyqtgraph as pg"),
        ("processing", "from skyglass.viewer.image.canvas import ImageCanvas"),
        ("processing", "from skyglass.main_window import MainWindow"),
        ("processing", "from skyglass import paths"),
        ("viewer", "from skyglass.document import ImageDocument"),
        ("viewer", "import skyglass.cli"),
        ("viewer", "from app.main_window import MainWindow"),
    ],
)
def test_the_layering_check_catches_a_planted_import(tmp_path, folder, line):
    for name in ALLOWED:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.pyc"))
    planted = tmp_path / folder / "planted.py"
    planted.write_text(f"def lazy():\n    {line}\n")
    problems = layering_violations(tmp_path)
    assert len(problems) == 1 and problems[0].startswith(f"{folder}/planted.py: ")


def test_processing_imports_no_qt_viewer_or_shell_at_runtime(tmp_path):
    """Importing every processing module from the installed package loads no Qt and no shell."""
    code = (
        "import importlib, pkgutil, sys\n"
        "import skyglass.processing as p\n"
        "mods = [m.name for m in pkgutil.walk_packages(p.__path__, 'skyglass.processing.')]\n"
        "assert mods, 'no processing modules found'\n"
        "for m in mods: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        f"{QT!r} or m.startswith(('skyglass.viewer', 'skyglass.main_window', 'skyglass.cli'))]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"processing imported: {out.stdout.strip()}"


def test_importing_skyglass_is_light(tmp_path):
    """``import skyglass`` (scripts, notebooks) loads neither Qt, numpy nor astropy."""
    code = (
        "import sys, skyglass\n"
        "print(skyglass.__version__)\n"
        "print(sorted(m for m in ('PySide6', 'numpy', 'astropy', 'pyqtgraph') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"


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
        "from skyglass.main_window import MainWindow\n"
        f"s = QtCore.QSettings({str(tmp_path / 's.ini')!r}, QtCore.QSettings.Format.IniFormat)\n"
        "w = MainWindow(s); w.show(); w.files.open_file(path); w.canvas.render_now()\n"
        "print(sorted(m for m in ('scipy', 'skimage', 'astropy.wcs') if m in sys.modules))\n"
        "w.close(); w.deleteLater(); app.processEvents()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
