"""The scale panel: scale function, limits, histogram, contrast/bias and colormap."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from skyglass.processing.display.colormaps import COLORMAPS
from skyglass.processing.display.limits import LIMIT_CHOICES
from skyglass.processing.display.render import DisplaySettings
from skyglass.processing.display.stretch import SCALES


class ScalePanel(QtWidgets.QWidget):
    """Controls for :class:`~processing.render.DisplaySettings`.

    Signals
    -------
    settingsChanged(object)
        The new DisplaySettings, emitted live while dragging.
    """

    settingsChanged = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = DisplaySettings()
        self._limits = (0.0, 1.0)
        self._updating = False
        layout = QtWidgets.QFormLayout(self)
        layout.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.scale = QtWidgets.QComboBox()
        for name, scale in SCALES.items():
            self.scale.addItem(name, name)
            self.scale.setItemData(
                self.scale.count() - 1, scale.tip, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.scale.setToolTip("Scale function applied between the limits (DS9's formulas)")
        self.exponent = QtWidgets.QDoubleSpinBox()
        self.exponent.setRange(1.01, 1e6)
        self.exponent.setDecimals(2)
        self.exponent.setValue(1000.0)
        self.exponent.setToolTip("Exponent a of the log and pow scales (DS9 default 1000)")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.scale, 2)
        row.addWidget(QtWidgets.QLabel("exp"))
        row.addWidget(self.exponent, 1)
        layout.addRow("Scale", row)

        self.mode = QtWidgets.QComboBox()
        for value, label, tip in LIMIT_CHOICES:
            self.mode.addItem(label, value)
            self.mode.setItemData(self.mode.count() - 1, tip, QtCore.Qt.ItemDataRole.ToolTipRole)
        self.mode.setToolTip("How the display limits are chosen (zscale: IRAF/DS9 algorithm)")
        layout.addRow("Limits", self.mode)

        self.low = _value_box("Low limit: data value shown with the first colour")
        self.high = _value_box("High limit: data value shown with the last colour")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.low)
        row.addWidget(self.high)
        layout.addRow("Low / high", row)

        self.histogram = pg.PlotWidget()
        self.histogram.setMinimumHeight(110)
        self.histogram.setMaximumHeight(160)
        self.histogram.setMenuEnabled(False)
        self.histogram.setMouseEnabled(False, False)
        self.histogram.hideButtons()
        self.histogram.getPlotItem().hideAxis("left")
        self.histogram.setToolTip("Histogram of the image; drag the lines to set the limits")
        self._curve = self.histogram.plot(
            stepMode="center", fillLevel=0, brush=(120, 160, 220, 120), pen=(120, 160, 220)
        )
        self.low_line = pg.InfiniteLine(
            angle=90, movable=True, pen=pg.mkPen((255, 90, 90), width=2)
        )
        self.high_line = pg.InfiniteLine(
            angle=90, movable=True, pen=pg.mkPen((90, 220, 90), width=2)
        )
        self.histogram.addItem(self.low_line)
        self.histogram.addItem(self.high_line)
        layout.addRow(self.histogram)

        self.contrast = _slider(
            0, 1000, 100, "Contrast (DS9): 1 is neutral; right-drag on the image changes it too"
        )
        self.bias = _slider(0, 1000, 500, "Bias (DS9): 0.5 is neutral")
        layout.addRow("Contrast", self.contrast)
        layout.addRow("Bias", self.bias)
        reset = QtWidgets.QPushButton("Reset contrast/bias")
        reset.setToolTip("Back to contrast 1, bias 0.5")
        reset.clicked.connect(self._reset_contrast_bias)
        layout.addRow(reset)

        self.cmap = QtWidgets.QComboBox()
        for name, cmap in COLORMAPS.items():
            self.cmap.addItem(name, name)
            self.cmap.setItemData(
                self.cmap.count() - 1, cmap.tip, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.cmap.setToolTip("Colormap")
        self.invert = QtWidgets.QCheckBox("Invert")
        self.invert.setToolTip("Reverse the colormap")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.cmap, 1)
        row.addWidget(self.invert)
        layout.addRow("Colormap", row)

        self.scale.currentIndexChanged.connect(self._from_widgets)
        self.exponent.valueChanged.connect(self._from_widgets)
        self.mode.currentIndexChanged.connect(self._from_widgets)
        self.low.editingFinished.connect(self._user_limits_from_boxes)
        self.high.editingFinished.connect(self._user_limits_from_boxes)
        self.contrast.valueChanged.connect(self._from_widgets)
        self.bias.valueChanged.connect(self._from_widgets)
        self.cmap.currentIndexChanged.connect(self._from_widgets)
        self.invert.toggled.connect(self._from_widgets)
        self.low_line.sigPositionChanged.connect(self._user_limits_from_lines)
        self.high_line.sigPositionChanged.connect(self._user_limits_from_lines)

    # ------------------------------------------------------------------ state
    @property
    def settings(self) -> DisplaySettings:
        return self._settings

    def set_settings(self, settings: DisplaySettings, limits: tuple[float, float]) -> None:
        """Show ``settings`` and the limits in use, without emitting."""
        self._settings = settings
        self._limits = limits
        self._updating = True
        try:
            self.scale.setCurrentIndex(max(0, self.scale.findData(settings.scale)))
            self.exponent.setValue(settings.exponent)
            self.exponent.setEnabled(settings.scale in ("log", "pow"))
            spec = settings.limit_spec
            mode = (
                "user"
                if spec.mode == "user"
                else (spec.mode if spec.mode != "percent" else f"{spec.percent:g}")
            )
            index = self.mode.findData(mode)
            if index < 0:
                self.mode.addItem(f"{mode}%", mode)
                index = self.mode.count() - 1
            self.mode.setCurrentIndex(index)
            self.low.setValue(limits[0])
            self.high.setValue(limits[1])
            self.low_line.setValue(float(limits[0]))
            self.high_line.setValue(float(limits[1]))
            self.contrast.setValue(int(round(settings.contrast * 100)))
            self.bias.setValue(int(round(settings.bias * 1000)))
            self.cmap.setCurrentIndex(max(0, self.cmap.findData(settings.cmap)))
            self.invert.setChecked(settings.invert)
        finally:
            self._updating = False

    def set_histogram(self, sample: np.ndarray, limits: tuple[float, float]) -> None:
        """Plot a histogram of ``sample`` framing the limits (log counts).

        The range is the limits widened by half their span on each side (within the
        data), so zscale limits are not squeezed against a 0..65535 axis.
        """
        if sample.size == 0:
            self._curve.setData([0.0, 1.0], [0.0])
            return
        dmin, dmax = float(sample.min()), float(sample.max())
        low, high = float(limits[0]), float(limits[1])
        span = high - low
        if span <= 0:
            span = max(abs(low), 1.0)
        lo = max(dmin, low - 0.5 * span)
        hi = min(dmax, high + 0.5 * span)
        lo, hi = min(lo, low), max(hi, high)
        # A (nearly) constant image: 160 bins cannot split a range float32 cannot resolve.
        if hi - lo <= 1e-5 * max(abs(lo), abs(hi), 1.0):
            lo, hi = lo - 0.5, hi + 0.5
        counts, edges = np.histogram(np.asarray(sample, np.float64), bins=160, range=(lo, hi))
        edges = edges.astype(np.float64)
        self._curve.setData(edges, np.log10(counts + 1.0))
        pad = 0.02 * (hi - lo)
        self.histogram.setXRange(lo - pad, hi + pad, padding=0)

    # ---------------------------------------------------------------- updates
    def _emit(self, settings: DisplaySettings) -> None:
        self._settings = settings
        self.exponent.setEnabled(settings.scale in ("log", "pow"))
        self.settingsChanged.emit(settings)

    def _from_widgets(self, *args) -> None:
        if self._updating:
            return
        mode = self.mode.currentData()
        limits = self._settings.limits
        if mode == "user":
            if self._settings.limit_spec.mode != "user":
                limits = f"{self._limits[0]!r},{self._limits[1]!r}"
        else:
            limits = mode
        self._emit(
            replace(
                self._settings,
                scale=self.scale.currentData(),
                exponent=self.exponent.value(),
                limits=limits,
                contrast=self.contrast.value() / 100.0,
                bias=self.bias.value() / 1000.0,
                cmap=self.cmap.currentData(),
                invert=self.invert.isChecked(),
            )
        )

    def _set_user_limits(self, low: float, high: float) -> None:
        if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
            return
        self._limits = (low, high)
        self._updating = True
        self.mode.setCurrentIndex(self.mode.findData("user"))
        self._updating = False
        self._emit(replace(self._settings, limits=f"{low!r},{high!r}"))

    def _user_limits_from_boxes(self) -> None:
        if not self._updating:
            self._set_user_limits(self.low.value(), self.high.value())

    def _user_limits_from_lines(self) -> None:
        if self._updating:
            return
        low, high = sorted((self.low_line.value(), self.high_line.value()))
        self._updating = True
        self.low.setValue(low)
        self.high.setValue(high)
        self._updating = False
        self._set_user_limits(low, high)

    def _reset_contrast_bias(self) -> None:
        self._emit(replace(self._settings, contrast=1.0, bias=0.5))
        self.set_settings(self._settings, self._limits)


class _ValueBox(QtWidgets.QDoubleSpinBox):
    """A limit box: any float, but sized for the numbers people see (Qt sizes a spin box
    for its range, here 40 digits, which made the Scale dock wider than a laptop allows)."""

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        return QtCore.QSize(
            min(hint.width(), self.fontMetrics().horizontalAdvance("-00000.0000") + 40),
            hint.height(),
        )

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt API
        return self.sizeHint()


def _value_box(tip: str) -> QtWidgets.QDoubleSpinBox:
    box = _ValueBox()
    box.setRange(-1e38, 1e38)
    box.setDecimals(4)
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    return box


def _slider(lo: int, hi: int, value: int, tip: str) -> QtWidgets.QSlider:
    s = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
    s.setRange(lo, hi)
    s.setValue(value)
    s.setToolTip(tip)
    return s
