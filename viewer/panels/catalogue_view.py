"""The star catalogue as a sortable table: the columns people read, each with the
decimals it needs, sorted by number."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtWidgets

SHOWN = (
    "id",
    "x",
    "y",
    "ra",
    "dec",
    "mag",
    "flux",
    "snr",
    "fwhm",
    "fwhm_arcsec",
    "roundness",
    "peak",
    "saturated",
    "blended",
    "edge",
    "poor_fit",
    "ap_mag",
    "ap_mag_err",
)


#: Decimals a column is shown with (positions to a hundredth of a pixel, as DS9 and
#: AstroImageJ list them; sky positions to 0.004"; magnitudes to a millimag); the others
#: keep six significant digits.
DECIMALS = {
    "x": 2,
    "y": 2,
    "ra": 6,
    "dec": 6,
    "mag": 3,
    "ap_mag": 3,
    "ap_mag_err": 3,
    "snr": 1,
    "fwhm": 2,
    "fwhm_arcsec": 2,
    "roundness": 2,
}


def _fmt(value, decimals: int | None = None) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return ""
    if decimals is not None:
        return f"{v:.{decimals}f}"
    return f"{v:.6f}" if abs(v) < 1000 and v != int(v) and abs(v) > 1e-3 else f"{v:.6g}"


class _NumericItem(QtWidgets.QTableWidgetItem):
    """Sorts by number, not by text."""

    def __lt__(self, other):  # noqa: D105
        a = self.data(QtCore.Qt.ItemDataRole.UserRole)
        b = other.data(QtCore.Qt.ItemDataRole.UserRole)
        try:
            return float(a) < float(b)
        except (TypeError, ValueError):
            return str(a) < str(b)


def fill_catalogue(view: QtWidgets.QTableWidget, t) -> None:
    """Show catalogue ``t`` (None: nothing) in ``view``; each row's first cell holds its
    row in ``t`` (``UserRole + 1``)."""
    view.setSortingEnabled(False)
    view.clear()
    if t is None:
        view.setRowCount(0)
        return
    cols = [c for c in SHOWN if c in t.colnames]
    view.setColumnCount(len(cols))
    view.setHorizontalHeaderLabels(cols)
    view.setRowCount(len(t))
    for r in range(len(t)):
        for c, name in enumerate(cols):
            value = t[name][r]
            item = _NumericItem(_fmt(value, DECIMALS.get(name)))
            item.setData(
                QtCore.Qt.ItemDataRole.UserRole,
                float(value) if not isinstance(value, (bool, np.bool_)) else int(value),
            )
            if c == 0:
                item.setData(QtCore.Qt.ItemDataRole.UserRole + 1, r)
            view.setItem(r, c, item)
    view.setSortingEnabled(True)
    view.resizeColumnsToContents()
