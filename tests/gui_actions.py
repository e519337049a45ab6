"""What a person does in the window, for the GUI tests: find a button by its label, click
the image at a FITS position (real mouse events)."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def button(widget, text: str) -> QtWidgets.QPushButton:
    """A push button of ``widget`` by its label, as a person finds it."""
    return next(b for b in widget.findChildren(QtWidgets.QPushButton) if b.text() == text)


def click_image(qtbot, canvas, x: float, y: float) -> None:
    """A real left click on ``canvas``'s image at FITS (x, y)."""
    pos = canvas.mapFromScene(canvas.vb.mapViewToScene(QtCore.QPointF(x - 0.5, y - 0.5)))
    qtbot.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
