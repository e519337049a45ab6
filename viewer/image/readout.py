"""Pixel readout: FITS x, y, value with BUNIT, RA/Dec, and a copyable 5 x 5 pixel table."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from skyglass.processing.coords import fits_to_index
from skyglass.processing.measure.stats import format_sexagesimal, sky_position

TABLE_SIZE = 5


def format_value(value: float) -> str:
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    if value == int(value) and abs(value) < 1e9:
        return f"{int(value)}"
    return f"{value:.6g}"


class PixelTable(QtWidgets.QTableWidget):
    """The 5 x 5 pixels around the cursor, in display orientation; Ctrl+C copies them."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(TABLE_SIZE, TABLE_SIZE, parent)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(150)
        self.setToolTip("Pixel values around the cursor (centre highlighted); Ctrl+C copies")
        for r in range(TABLE_SIZE):
            for c in range(TABLE_SIZE):
                item = QtWidgets.QTableWidgetItem("")
                item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
                self.setItem(r, c, item)
        mid = TABLE_SIZE // 2
        font = self.item(mid, mid).font()
        font.setBold(True)
        self.item(mid, mid).setFont(font)
        self.item(mid, mid).setBackground(QtGui.QColor(255, 235, 150))
        self.item(mid, mid).setForeground(QtGui.QColor(0, 0, 0))
        copy = QtGui.QAction("Copy", self)
        copy.setShortcut(QtGui.QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        copy.triggered.connect(self.copy_to_clipboard)
        self.addAction(copy)
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.ActionsContextMenu)

    def show_values(self, values: np.ndarray, x0: int, y0: int) -> None:
        """Show ``values`` (rows from the bottom) whose lower-left pixel is FITS (x0, y0)."""
        n = TABLE_SIZE
        self.setHorizontalHeaderLabels([str(x0 + i) for i in range(n)])
        self.setVerticalHeaderLabels([str(y0 + n - 1 - i) for i in range(n)])
        for r in range(n):
            for c in range(n):
                v = values[n - 1 - r, c]
                self.item(r, c).setText("" if v is None else format_value(float(v)))

    def clear_values(self) -> None:
        for r in range(TABLE_SIZE):
            for c in range(TABLE_SIZE):
                self.item(r, c).setText("")

    def as_text(self) -> str:
        """Tab-separated values with the y labels first and the x labels on top."""
        xs = [
            self.horizontalHeaderItem(c).text() if self.horizontalHeaderItem(c) else ""
            for c in range(TABLE_SIZE)
        ]
        lines = ["y\\x\t" + "\t".join(xs)]
        for r in range(TABLE_SIZE):
            y = self.verticalHeaderItem(r).text() if self.verticalHeaderItem(r) else ""
            lines.append(y + "\t" + "\t".join(self.item(r, c).text() for c in range(TABLE_SIZE)))
        return "\n".join(lines)

    def copy_to_clipboard(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self.as_text())


class ReadoutPanel(QtWidgets.QWidget):
    """Shows what is under the cursor."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        self.pixel = QtWidgets.QLabel("-")
        self.value = QtWidgets.QLabel("-")
        self.sky = QtWidgets.QLabel("-")
        self.sky_deg = QtWidgets.QLabel("-")
        for label in (self.pixel, self.value, self.sky, self.sky_deg):
            label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pixel.setToolTip("FITS pixel (1-based, x along NAXIS1, y along NAXIS2)")
        self.value.setToolTip("Pixel value in the file's units (BUNIT)")
        self.sky.setToolTip("Right ascension and declination (sexagesimal) from the WCS")
        form.addRow("Pixel x, y", self.pixel)
        form.addRow("Value", self.value)
        form.addRow("RA, Dec", self.sky)
        form.addRow("(degrees)", self.sky_deg)
        layout.addLayout(form)
        self.table_button = QtWidgets.QToolButton()
        self.table_button.setText("5 x 5 pixel table")
        self.table_button.setCheckable(True)
        self.table_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.table_button.setToolTip("Show the values of the 5 x 5 pixels around the cursor")
        layout.addWidget(self.table_button)
        self.table = PixelTable()
        layout.addWidget(self.table)
        self.table_button.toggled.connect(self.show_table)
        self.show_table(False)
        self._data = None
        self._wcs = None
        self._unit = ""
        self.last: dict = {}

    def show_table(self, on: bool) -> None:
        """Show or fold away the 5 x 5 pixel table (folded, the dock stays compact)."""
        self.table.setVisible(on)
        self.table_button.setArrowType(
            QtCore.Qt.ArrowType.DownArrow if on else QtCore.Qt.ArrowType.RightArrow
        )
        if self.table_button.isChecked() != on:
            self.table_button.setChecked(on)

    def set_image(self, data, wcs, unit: str) -> None:
        """Show pixels of ``data``; ``wcs`` is a WCS, None, or a callable returning one
        (called on the first cursor move, so opening a file need not build it)."""
        self._data, self._wcs, self._unit = data, wcs, unit
        self.clear()

    def _sky_wcs(self):
        if callable(self._wcs) and not hasattr(self._wcs, "all_pix2world"):
            self._wcs = self._wcs()
        return self._wcs

    def clear(self) -> None:
        for label in (self.pixel, self.value, self.sky, self.sky_deg):
            label.setText("-")
        self.table.clear_values()
        self.last = {}

    def show_position(self, x: float, y: float) -> None:
        """Update for FITS position ``(x, y)`` (the pixel containing it)."""
        if self._data is None:
            return
        ny, nx = self._data.shape
        row, col = fits_to_index(x, y)
        if not (0 <= row < ny and 0 <= col < nx):
            self.clear()
            return
        px, py = col + 1, row + 1
        value = float(np.asarray(self._data[row, col]))
        self.pixel.setText(f"{px}, {py}")
        unit = f" {self._unit}" if self._unit else ""
        self.value.setText(format_value(value) + unit)
        wcs = self._sky_wcs()
        pos = sky_position(wcs, px, py) if wcs is not None else None
        if pos is not None:
            ra_s, dec_s = format_sexagesimal(*pos)
            self.sky.setText(f"{ra_s}  {dec_s}")
            self.sky_deg.setText(f"{pos[0]:.6f}  {pos[1]:+.6f}")
        else:
            self.sky.setText("no WCS" if wcs is None else "-")
            self.sky_deg.setText("-")
        half = TABLE_SIZE // 2
        values = np.full((TABLE_SIZE, TABLE_SIZE), None, dtype=object)
        r0, r1 = max(0, row - half), min(ny, row + half + 1)
        c0, c1 = max(0, col - half), min(nx, col + half + 1)
        block = np.asarray(self._data[r0:r1, c0:c1], dtype=np.float32)
        values[r0 - row + half : r1 - row + half, c0 - col + half : c1 - col + half] = block
        self.table.show_values(values, px - half, py - half)
        self.last = {"x": px, "y": py, "value": value, "sky": pos}


class Magnifier(QtWidgets.QWidget):
    """DS9's magnifier: the area around the cursor at 4 times the current zoom."""

    def __init__(self, canvas, factor: float = 4.0, parent=None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.factor = factor
        self.setFixedSize(140, 140)
        self.setToolTip("Magnifier: 4x the current zoom around the cursor")
        self._image: QtGui.QImage | None = None
        self._buffer = None
        self._pixel_box = QtCore.QRectF()

    def show_position(self, x: float, y: float) -> None:
        zoom = self.canvas.zoom() * self.factor
        row, col = fits_to_index(x, y)
        n = max(1, int(math.ceil(self.width() / zoom)))
        step = max(1, int(math.floor(1.0 / zoom))) if zoom < 1 else 1
        half = n // 2
        rgba = self.canvas.render_region(
            row - half, row - half + n, col - half, col - half + n, step
        )
        # Rows from the bottom: flip for QImage (row 0 at the top).
        self._buffer = np.ascontiguousarray(rgba[::-1])
        h, w = self._buffer.shape[:2]
        self._image = QtGui.QImage(
            self._buffer.data, w, h, w * 4, QtGui.QImage.Format.Format_RGBA8888
        )
        cell = self.width() / (n / step)
        cx = (half / step) * cell
        cy = self.height() - (half / step + 1) * cell
        self._pixel_box = QtCore.QRectF(cx, cy, cell, cell)
        self.update()

    def clear(self) -> None:
        self._image = None
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), QtGui.QColor(30, 30, 30))
        if self._image is None:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(QtCore.QRectF(self.rect()), self._image)
        painter.setPen(QtGui.QPen(QtGui.QColor(0, 255, 0), 1))
        painter.drawRect(self._pixel_box)


class Panner(QtWidgets.QWidget):
    """DS9's panner: the whole image as a thumbnail with the visible area; drag to pan."""

    panRequested = QtCore.Signal(float, float)  # FITS centre

    def __init__(self, canvas, parent=None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.setFixedSize(140, 140)
        self.setToolTip("Panner: the whole image; drag the box (or click) to pan")
        self._image: QtGui.QImage | None = None
        self._buffer = None
        self._scale = 1.0
        self._offset = QtCore.QPointF()
        canvas.viewChanged.connect(self.update)

    def refresh(self) -> None:
        """Re-render the thumbnail (after a new image, plane or colouring)."""
        ny, nx = self.canvas.image_shape
        if not nx:
            self._image = None
            self.update()
            return
        step = max(1, int(math.ceil(max(nx, ny) / self.width())))
        rgba = self.canvas.render_region(0, ny, 0, nx, step)
        self._buffer = np.ascontiguousarray(rgba[::-1])
        h, w = self._buffer.shape[:2]
        self._image = QtGui.QImage(
            self._buffer.data, w, h, w * 4, QtGui.QImage.Format.Format_RGBA8888
        )
        self._scale = min(self.width() / nx, self.height() / ny)
        self._offset = QtCore.QPointF(
            (self.width() - nx * self._scale) / 2, (self.height() - ny * self._scale) / 2
        )
        self.update()

    def _to_widget(self, sx: float, sy: float) -> QtCore.QPointF:
        ny = self.canvas.image_shape[0]
        return QtCore.QPointF(
            self._offset.x() + sx * self._scale, self._offset.y() + (ny - sy) * self._scale
        )

    def _to_fits(self, p: QtCore.QPointF) -> tuple[float, float]:
        ny = self.canvas.image_shape[0]
        sx = (p.x() - self._offset.x()) / self._scale
        sy = ny - (p.y() - self._offset.y()) / self._scale
        return sx + 0.5, sy + 0.5

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), QtGui.QColor(30, 30, 30))
        if self._image is None:
            return
        ny, nx = self.canvas.image_shape
        target = QtCore.QRectF(self._to_widget(0, ny), self._to_widget(nx, 0))
        painter.drawImage(target, self._image)
        x0, y0, x1, y1 = self.canvas.visible_fits_rect()
        box = QtCore.QRectF(
            self._to_widget(x0 - 0.5, y1 - 0.5), self._to_widget(x1 - 0.5, y0 - 0.5)
        )
        painter.setPen(QtGui.QPen(QtGui.QColor(0, 200, 255), 2))
        painter.drawRect(box.intersected(QtCore.QRectF(self.rect())))

    def mousePressEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self._pan_to(ev.position())

    def mouseMoveEvent(self, ev) -> None:  # noqa: N802 - Qt API
        if ev.buttons() & QtCore.Qt.MouseButton.LeftButton:
            self._pan_to(ev.position())

    def _pan_to(self, p: QtCore.QPointF) -> None:
        if self._image is None:
            return
        x, y = self._to_fits(p)
        self.panRequested.emit(x, y)
