"""A horizontal colorbar: the current stretch and colormap between the limits, with
tick labels in data units."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from skyglass.processing.display.colorbar_ticks import nice_ticks  # noqa: F401 - re-exported
from skyglass.processing.display.render import LutApplier


def format_tick(value: float, step: float) -> str:
    if abs(value) >= 1e5 or (abs(value) < 1e-3 and value != 0):
        return f"{value:.3g}"
    decimals = max(0, -int(np.floor(np.log10(step)))) if step > 0 else 0
    return f"{value:.{min(decimals, 6)}f}"


class ColorbarWidget(QtWidgets.QWidget):
    """Draws the colour table for data values from low to high, as the image uses it."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(44)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self._colouring = None
        self._unit = ""
        self._apply = LutApplier()
        self._image: QtGui.QImage | None = None
        self._buffer: np.ndarray | None = None
        self.setToolTip("Colour scale: the stretch and colormap between the display limits")

    def set_colouring(self, colouring, unit: str = "") -> None:
        """Show a ``PlaneRendering``'s table between its limits."""
        self._colouring = colouring
        self._unit = unit
        self._image = None
        self.update()

    @property
    def ticks(self) -> list[float]:
        if self._colouring is None:
            return []
        return nice_ticks(self._colouring.low, self._colouring.high)

    def _bar(self, width: int) -> QtGui.QImage:
        c = self._colouring
        values = np.linspace(c.low, c.high, max(width, 2), dtype=np.float64)
        values = values.astype(np.float32)[None, :]
        rgba = self._apply(values, c.low, c.high, c.lut)
        self._buffer = np.ascontiguousarray(rgba)
        return QtGui.QImage(
            self._buffer.data,
            self._buffer.shape[1],
            1,
            self._buffer.shape[1] * 4,
            QtGui.QImage.Format.Format_RGBA8888,
        )

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        if self._colouring is None:
            return
        margin = 8
        bar = QtCore.QRect(margin, 4, self.width() - 2 * margin, 16)
        if self._image is None or self._image.width() != bar.width():
            self._image = self._bar(bar.width())
        painter.drawImage(bar, self._image)
        painter.setPen(self.palette().windowText().color())
        painter.drawRect(bar.adjusted(0, 0, -1, -1))
        c = self._colouring
        span = c.high - c.low
        ticks = self.ticks
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        fm = painter.fontMetrics()
        for t in ticks:
            x = bar.left() + (t - c.low) / span * bar.width() if span > 0 else bar.left()
            painter.drawLine(int(x), bar.bottom(), int(x), bar.bottom() + 4)
            label = format_tick(t, step)
            w = fm.horizontalAdvance(label)
            lx = int(min(max(x - w / 2, 0), self.width() - w))
            painter.drawText(lx, bar.bottom() + 6 + fm.ascent(), label)
        if self._unit:
            painter.drawText(
                self.width() - fm.horizontalAdvance(self._unit) - margin,
                self.height() - 2,
                self._unit,
            )
