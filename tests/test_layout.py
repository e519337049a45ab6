"""The window fits the screen it opens on, with every Scale control visible and the image
taking most of the width (checked on 1280x800, 1600x1000 and 1920x1080 screens)."""

import json
import subprocess
import sys

import pytest

CHECK = r"""
import json, os, sys
import numpy as np
from astropy.io import fits
from PySide6 import QtCore, QtWidgets
app = QtWidgets.QApplication([])
from skyglass.main_window import MainWindow
path = sys.argv[1]
fits.PrimaryHDU(np.random.default_rng(0).normal(1000, 10, (512, 512)).astype("f4")).writeto(path)
s = QtCore.QSettings(sys.argv[2], QtCore.QSettings.Format.IniFormat)
w = MainWindow(s)
w.show()
w.files.open_file(path)
for _ in range(5):
    app.processEvents()
area = w.screen().availableGeometry()
frame = w.frameGeometry()
panel = w.panels["scale"]
viewport = panel.parentWidget()  # the scroll area's viewport
hidden = []
for child in panel.findChildren(QtWidgets.QWidget):
    if not child.isVisibleTo(panel) or child.parentWidget() is not panel:
        continue
    rect = QtCore.QRect(child.mapTo(viewport, QtCore.QPoint(0, 0)), child.size())
    if not viewport.rect().contains(rect):
        hidden.append(type(child).__name__)
print(json.dumps({
    "fits": area.contains(w.geometry()),
    "hidden": hidden,
    "image_share": w.canvas.width() / w.width(),
    "scale_visible": w.docks["scale"].isVisible(),
}))
os._exit(0)
"""


@pytest.mark.parametrize("size", [(1280, 800), (1600, 1000), (1920, 1080)])
def test_window_fits_the_screen_with_the_scale_dock_whole(tmp_path, size):
    width, height = size
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": "s",
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": height,
                        "logicalDpi": 96,
                    }
                ]
            }
        )
    )
    env = {
        **__import__("os").environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    out = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path / "a.fits"), str(tmp_path / "s.ini")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["fits"] and result["scale_visible"]
    assert result["hidden"] == []
    assert result["image_share"] >= 0.6


def test_reset_layout_brings_the_docks_back(window):
    window.docks["scale"].hide()
    window.menus["show_stars"].trigger()
    window.menus["reset_layout"].trigger()
    assert window.docks["scale"].isVisible() and not window.docks["stars"].isVisible()
