"""A form for an operation's parameters, built from the registry's Param descriptions."""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets


def _float_box(p) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setDecimals(4)
    box.setRange(
        p.minimum if p.minimum is not None else -1e9, p.maximum if p.maximum is not None else 1e9
    )
    span = box.maximum() - box.minimum()
    box.setSingleStep(0.1 if span <= 20 else 1.0)
    box.setKeyboardTracking(False)
    box.setValue(float(p.default))
    return box


def _int_box(p) -> QtWidgets.QSpinBox:
    box = QtWidgets.QSpinBox()
    box.setRange(
        int(p.minimum if p.minimum is not None else -(2**31)),
        int(min(p.maximum if p.maximum is not None else 2**31 - 1, 2**31 - 1)),
    )
    box.setKeyboardTracking(False)
    box.setValue(int(p.default))
    return box


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        flat = []
        for v in value:
            flat.extend(v if isinstance(v, (list, tuple)) else [v])
        return ", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in flat)
    return str(value)


def _parse(kind: str, text: str):
    text = text.strip()
    if not text:
        return None
    nums = [float(t) for t in text.replace(";", ",").replace(" ", ",").split(",") if t]
    if kind == "point":
        return nums[:2] if len(nums) >= 2 else None
    if kind == "points":
        return [nums[i : i + 2] for i in range(0, len(nums) - 1, 2)]
    return nums


class ParamForm(QtWidgets.QWidget):
    """Widgets for each Param; ``values()`` returns a dict for ``Operation.resolve``.

    Signals
    -------
    changed()
        Any value changed.
    """

    changed = QtCore.Signal()

    def __init__(self, operation, parent=None) -> None:
        super().__init__(parent)
        self.operation = operation
        self.widgets: dict[str, QtWidgets.QWidget] = {}
        form = QtWidgets.QFormLayout(self)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for p in operation.params:
            w = self._widget(p)
            tip = p.help or p.title
            if p.minimum is not None or p.maximum is not None:
                lo = "" if p.minimum is None else f"{p.minimum:g}"
                hi = "" if p.maximum is None else f"{p.maximum:g}"
                tip += f" (range {lo} to {hi})"
            w.setToolTip(tip)
            self.widgets[p.name] = w
            form.addRow(p.title, w)
        self._form = form
        self.changed.connect(self._show_applicable)
        self._show_applicable()

    def _show_applicable(self) -> None:
        """Show only the parameters that matter for the chosen method (``Param.when``)."""
        values = self.values()
        for p in self.operation.params:
            self._form.setRowVisible(self.widgets[p.name], p.applies(values))

    def is_shown(self, name: str) -> bool:
        """Whether parameter ``name``'s row is visible."""
        return self._form.isRowVisible(self.widgets[name])

    def _widget(self, p) -> QtWidgets.QWidget:
        if p.kind == "float":
            w = _float_box(p)
            w.valueChanged.connect(self.changed)
        elif p.kind == "int":
            w = _int_box(p)
            w.valueChanged.connect(self.changed)
        elif p.kind == "bool":
            w = QtWidgets.QCheckBox()
            w.setChecked(bool(p.default))
            w.toggled.connect(self.changed)
        elif p.kind == "choice":
            w = QtWidgets.QComboBox()
            for c in p.choices:
                w.addItem(str(c), c)
            w.setCurrentIndex(max(0, w.findData(p.default)))
            w.currentIndexChanged.connect(self.changed)
        else:  # point, points, box, matrix, path: typed as numbers (or a path)
            w = QtWidgets.QLineEdit(_text(p.default))
            if p.kind == "path":
                w.setPlaceholderText("a FITS file of the same size (empty: use the value)")
            elif p.kind == "point":
                w.setPlaceholderText("x, y (FITS) or empty")
            w.editingFinished.connect(self.changed)
        return w

    def values(self) -> dict:
        out = {}
        for p in self.operation.params:
            w = self.widgets[p.name]
            if p.kind in ("float", "int"):
                out[p.name] = w.value()
            elif p.kind == "bool":
                out[p.name] = w.isChecked()
            elif p.kind == "choice":
                out[p.name] = w.currentData()
            elif p.kind == "path":
                out[p.name] = w.text().strip() or None
            else:
                try:
                    out[p.name] = _parse(p.kind, w.text())
                except ValueError:
                    out[p.name] = w.text()  # resolve() reports it clearly
                if out[p.name] is None and p.kind not in ("point",):
                    out[p.name] = p.default
        return out

    def set_value(self, name: str, value) -> None:
        w = self.widgets[name]
        if isinstance(w, QtWidgets.QLineEdit):
            w.setText(_text(value))
            self.changed.emit()
        elif isinstance(w, (QtWidgets.QSpinBox, QtWidgets.QDoubleSpinBox)):
            w.setValue(value)
        elif isinstance(w, QtWidgets.QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QtWidgets.QComboBox):
            w.setCurrentIndex(max(0, w.findData(value)))


def is_finite_number(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
