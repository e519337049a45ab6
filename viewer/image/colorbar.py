"""A horizontal colorbar: the current stretch and colormap between the limits, with
tick labels in data units."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from skyglass.processing.display.colorbar_ticks import bar_indices, layout_ticks
from skyglass.processing.display.stretch import LUT_SIZE


class ColorbarWidget(QtWidgets.QWidget):
    """Draws the colour cells evenly (as DS9 does), with round data values placed where the
    stretch puts them and labels that never overlap each other or the unit."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(44)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self._colouring = None
        self._unit = ""
        self._image: QtGui.QImage | None = None
        self._buffer: np.ndarray | None = None
        #: The ticks last drawn: ``(value, x in widget pixels, label)``.
        self.drawn_ticks: list[tuple[float, float, str]] = []
        self.setToolTip("Colour scale: the stretch and colormap between the display limits")

    def set_colouring(self, colouring, unit: str = "") -> None:
        """Show a ``PlaneRendering``'s table between its limits."""
        self._colouring = colouring
        self._unit = unit
        self._image = None
        self.update()

    @property
    def ticks(self) -> list[float]:
        return [value for value, _, _ in self.drawn_ticks]

    def _bar(self, width: int) -> QtGui.QImage:
        c = self._colouring
        idx = bar_indices(width, c.y, LUT_SIZE)
        packed = np.asarray(c.lut)[idx][None, :]
        self._buffer = np.ascontiguousarray(packed.view(np.uint8).reshape(1, width, 4))
        return QtGui.QImage(
            self._buffer.data, width, 1, width * 4, QtGui.QImage.Format.Format_RGBA8888
        )

    def _layout(self, fm: QtGui.QFontMetrics, bar: QtCore.QRect) -> None:
        c = self._colouring
        reserved = fm.horizontalAdvance(self._unit) + 12 if self._unit else 0
        ticks = layout_ticks(c.low, c.high, c.y, bar.width(), fm.horizontalAdvance, reserved)
        self.drawn_ticks = [(v, bar.left() + x, label) for v, x, label in ticks]

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._image = None
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        if self._colouring is None:
            self.drawn_ticks = []
            return
        margin = 8
        bar = QtCore.QRect(margin, 4, self.width() - 2 * margin, 16)
        if bar.width() < 2:
            return
        if self._image is None or self._image.width() != bar.width():
            self._image = self._bar(bar.width())
        painter.drawImage(bar, self._image)
        painter.setPen(self.palette().windowText().color())
        painter.drawRect(bar.adjusted(0, 0, -1, -1))
        fm = painter.fontMetrics()
        self._layout(fm, bar)
        for _, x, label in self.drawn_ticks:
            painter.drawLine(int(round(x)), bar.bottom(), int(round(x)), bar.bottom() + 4)
            w = fm.horizontalAdvance(label)
            lx = int(min(max(x - w / 2, bar.left()), bar.right() - w))
            painter.drawText(lx, bar.bottom() + 6 + fm.ascent(), label)
        if self._unit:
            painter.drawText(
                self.width() - fm.horizontalAdvance(self._unit) - margin,
                bar.bottom() + 6 + fm.ascent(),
                self._unit,
            )
