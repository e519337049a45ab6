"""Examine: a star's radial profile with its Gaussian and Moffat fits and the panel's
aperture photometry (DS9's examine, Ginga's Pick)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets


class ProfileDialog(QtWidgets.QDialog):
    """A star's radial profile with Gaussian and Moffat fits (DS9 examine / Ginga Pick)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Star profile")
        self.resize(520, 420)
        lay = QtWidgets.QVBoxLayout(self)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "radius (pixels)")
        self.plot.setLabel("left", "value")
        self.plot.addLegend()
        lay.addWidget(self.plot)
        self.text = QtWidgets.QLabel("")
        self.text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.text)
        self.profile = None

    def show_profile(self, profile, unit: str = "", photometry=None, aperture: str = "") -> None:
        """Plot a profile; ``photometry`` (a row of aperture photometry with the panel's
        aperture) is shown too, so the dialog and the panel give the same flux."""
        self.profile = profile
        self.plot.clear()
        self.plot.plot(
            profile.radius,
            profile.value,
            pen=None,
            symbol="o",
            symbolSize=4,
            symbolBrush=(150, 180, 255),
            name="pixels",
        )
        r = np.linspace(0, float(profile.radius.max()), 200)
        if np.isfinite(profile.fwhm_gauss):
            self.plot.plot(
                r,
                profile.model("gaussian", r),
                pen=pg.mkPen((255, 200, 0), width=2),
                name="gaussian",
            )
        if np.isfinite(profile.fwhm_moffat):
            self.plot.plot(
                r, profile.model("moffat", r), pen=pg.mkPen((0, 230, 120), width=2), name="moffat"
            )
        u = f" {unit}" if unit else ""
        text = (
            f"centre ({profile.x:.2f}, {profile.y:.2f})   "
            f"FWHM gaussian {profile.fwhm_gauss:.2f} px,"
            f" Moffat {profile.fwhm_moffat:.2f} px (beta {profile.beta:.2f})   HFD "
            f"{profile.hfd:.2f} px\npeak {profile.peak:.6g}{u}   background "
            f"{profile.background:.6g}{u}"
        )
        if photometry is not None:
            text += (
                f"\naperture photometry ({aperture}): flux {photometry['flux']:.6g} +- "
                f"{photometry['flux_err']:.3g}{u}, SNR {photometry['snr']:.1f}"
                " (the same as the Stars panel)"
            )
        self.text.setText(text)
