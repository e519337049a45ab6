"""Render ``skyglass.svg`` to the PNG sizes desktops ask for (run after editing the SVG).

Usage: ``QT_QPA_PLATFORM=offscreen python resources/render_icons.py``. Not imported by the
application: the PNGs it writes are committed.
"""

from __future__ import annotations

from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> None:
    from PySide6 import QtCore, QtGui, QtSvg

    here = Path(__file__).resolve().parent
    app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication([])  # noqa: F841
    renderer = QtSvg.QSvgRenderer(str(here / "skyglass.svg"))
    for size in SIZES:
        image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(image)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(here / "icons" / f"skyglass-{size}.png"))


if __name__ == "__main__":
    main()
