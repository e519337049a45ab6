"""The night log: one line per frame (time, exposure, filter, sky, noise, FWHM, stars,
saturated pixels) and plots of FWHM and sky over the night."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

COLUMNS = ("file", "time", "EXPTIME", "FILTER", "sky", "noise", "FWHM", "stars", "saturated")


class NightLogPanel(QtWidgets.QWidget):
    """Signals: ``frameChosen(str)`` when a line is double-clicked (its path)."""

    frameChosen = QtCore.Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        lay = QtWidgets.QVBoxLayout(self)
        row = QtWidgets.QHBoxLayout()
        self.folder = QtWidgets.QLabel("not following a folder")
        self.folder.setWordWrap(True)
        self.follow_button = QtWidgets.QPushButton("Follow folder...")
        self.follow_button.setCheckable(True)
        self.follow_button.setToolTip(
            "Watch a folder and show each new frame as soon as the camera has finished writing it"
        )
        row.addWidget(self.folder, 1)
        row.addWidget(self.follow_button)
        lay.addLayout(row)
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setToolTip("One line per frame; double-click to show it")
        self.table.cellDoubleClicked.connect(
            lambda r, c: self.frameChosen.emit(
                self.table.item(r, 0).data(QtCore.Qt.ItemDataRole.UserRole)
            )
        )
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.horizontalHeader().setDefaultSectionSize(
            self.table.fontMetrics().horizontalAdvance("0") * 9
        )
        self.table.horizontalHeader().setStretchLastSection(False)
        for c, name in enumerate(COLUMNS):
            if name in NUMERIC:
                self.table.horizontalHeaderItem(c).setTextAlignment(
                    QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
                )
        self.fwhm_plot = pg.PlotWidget()
        self.fwhm_plot.setLabel("left", "FWHM (px)")
        self.sky_plot = pg.PlotWidget()
        self.sky_plot.setLabel("left", "sky")
        self.sky_plot.setLabel("bottom", "frame")
        self.sky_plot.setXLink(self.fwhm_plot)
        for plot in (self.fwhm_plot, self.sky_plot):
            # Whole frame numbers on the axis; an empty log shows frames 1-5, not 0.1..0.9.
            plot.setXRange(0.5, 5.5, padding=0)
            plot.getAxis("bottom").setTickSpacing(major=1, minor=1)
            plot.getAxis("left").enableAutoSIPrefix(False)
        self.fwhm_plot.getPlotItem().hideAxis("bottom")  # the sky plot's frame axis serves both
        self._fwhm_curve = self.fwhm_plot.plot(
            [], [], pen=pg.mkPen((0, 220, 120), width=2), symbol="o", symbolSize=5
        )
        self._sky_curve = self.sky_plot.plot(
            [], [], pen=pg.mkPen((255, 180, 0), width=2), symbol="o", symbolSize=5
        )
        # The dock is wide and short: the table on the left, the two plots on the right.
        plots = QtWidgets.QWidget()
        plots_lay = QtWidgets.QVBoxLayout(plots)
        plots_lay.setContentsMargins(0, 0, 0, 0)
        plots_lay.addWidget(self.fwhm_plot)
        plots_lay.addWidget(self.sky_plot)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(plots)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        lay.addWidget(split, 1)
        self.status = QtWidgets.QLabel("")
        lay.addWidget(self.status)
        self.rows: list = []

    def add(self, q) -> None:
        """Append one FrameQuality line and extend the plots."""
        self.rows.append(q)
        r = self.table.rowCount()
        self.table.insertRow(r)
        values = (
            q.name,
            q.date_obs[11:19] if len(q.date_obs) > 11 else q.date_obs,
            "" if q.exptime is None else f"{q.exptime:g}",
            q.filter,
            _fixed(q.sky, 1),
            _fixed(q.noise, 2),
            _fixed(q.fwhm, 2),
            str(q.nstars),
            str(q.saturated),
        )
        for c, v in enumerate(values):
            item = QtWidgets.QTableWidgetItem(v)
            if COLUMNS[c] in NUMERIC:
                # Right-aligned, fixed decimals: figures line up down the column.
                item.setTextAlignment(
                    QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
                )
            if c == 0:
                item.setData(QtCore.Qt.ItemDataRole.UserRole, q.path)
                item.setToolTip(q.error or q.path)
            self.table.setItem(r, c, item)
        # File names: the column grows to the longest name seen (not per row for speed).
        width = self.table.fontMetrics().horizontalAdvance(q.name) + 24
        if width > self.table.columnWidth(0):
            self.table.setColumnWidth(0, width)
        self.table.scrollToBottom()
        x = np.arange(1, len(self.rows) + 1)
        self._fwhm_curve.setData(x, [row.fwhm for row in self.rows], connect="finite")
        self._sky_curve.setData(x, [row.sky for row in self.rows], connect="finite")
        self.fwhm_plot.setXRange(0.5, max(5, len(self.rows)) + 0.5, padding=0)
        major = max(1, math.ceil(len(self.rows) / 8))
        for plot in (self.fwhm_plot, self.sky_plot):
            plot.getAxis("bottom").setTickSpacing(major=major, minor=major)

    def clear(self) -> None:
        self.rows = []
        self.table.setRowCount(0)
        self._fwhm_curve.setData([], [])
        self._sky_curve.setData([], [])


#: Columns of numbers (right-aligned).
NUMERIC = ("EXPTIME", "sky", "noise", "FWHM", "stars", "saturated")


def _fixed(v, decimals: int) -> str:
    """A number with a fixed count of decimals (1163.4, 12.07, 4.10), or blank."""
    return "" if v is None or not math.isfinite(v) else f"{v:.{decimals}f}"
