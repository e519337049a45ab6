"""The Stars panel: detection, the catalogue, photometry, and a star's radial profile."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6 import QtCore, QtWidgets

from skyglass.processing.errors import SkyglassError
from skyglass.viewer.dialogs.profile import ProfileDialog
from skyglass.viewer.panels.catalogue_view import fill_catalogue
from skyglass.viewer.panels.job_bar import JobBar


class StarsPanel(QtWidgets.QWidget):
    """Detect stars, list them, measure them.

    Given ``make_job``, ``current()`` (the displayed image as a Frame-like object with
    ``data`` and ``header``), ``mask()`` (the document's mask or None), ``show_stars(table)``
    and ``go_to(x, y, diameter)`` by the window.
    """

    catalogChanged = QtCore.Signal()
    #: The user asked for an interaction mode ("examine", or "pointer" to stop).
    modeRequested = QtCore.Signal(str)

    def __init__(
        self,
        make_job: Callable,
        current: Callable,
        mask: Callable,
        show_stars: Callable,
        go_to: Callable,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._current, self._mask = current, mask
        self._show_stars, self._go_to = show_stars, go_to
        self.catalog = None
        self.examine = False
        self.profile_dialog: ProfileDialog | None = None
        lay = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        self.threshold = QtWidgets.QDoubleSpinBox()
        self.threshold.setRange(0.5, 1000)
        self.threshold.setValue(2.5)
        self.threshold.setToolTip("Detection threshold in sigma of the background noise")
        self.fwhm = QtWidgets.QDoubleSpinBox()
        self.fwhm.setRange(0.0, 50)
        self.fwhm.setSpecialValueText("measure")
        self.fwhm.setToolTip("Expected FWHM in pixels (0: measured from the image)")
        self.separation = QtWidgets.QDoubleSpinBox()
        self.separation.setRange(0, 100)
        self.separation.setToolTip("Drop the fainter of two stars closer than this (pixels)")
        form.addRow("Threshold (sigma)", self.threshold)
        form.addRow("FWHM (px)", self.fwhm)
        form.addRow("Min separation", self.separation)
        lay.addLayout(form)
        row = QtWidgets.QHBoxLayout()
        self.detect_button = QtWidgets.QPushButton("Find stars")
        self.detect_button.setToolTip("Detect and measure the stars (masked pixels left out)")
        self.detect_button.clicked.connect(self.detect)
        self.examine_button = QtWidgets.QPushButton("Examine")
        self.examine_button.setCheckable(True)
        self.examine_button.setToolTip("Click a star on the image to see its radial profile")
        self.examine_button.toggled.connect(
            lambda on: self.modeRequested.emit("examine" if on else "pointer")
        )
        row.addWidget(self.detect_button)
        row.addWidget(self.examine_button)
        lay.addLayout(row)

        phot = QtWidgets.QGroupBox("Aperture photometry")
        pf = QtWidgets.QFormLayout(phot)
        self.radius = _spin(5.0, 0.5, 200, "Aperture radius (pixels)")
        self.r_in = _spin(8.0, 1, 300, "Sky annulus inner radius (pixels)")
        self.r_out = _spin(12.0, 2, 400, "Sky annulus outer radius (pixels)")
        self.gain = _spin(1.0, 0.001, 1e4, "Gain in e-/ADU (from GAIN when present)")
        self.read_noise = _spin(0.0, 0.0, 1e4, "Read noise in e- (from RDNOISE when present)")
        for label, w in (
            ("Radius", self.radius),
            ("Annulus in", self.r_in),
            ("Annulus out", self.r_out),
            ("Gain", self.gain),
            ("Read noise", self.read_noise),
        ):
            pf.addRow(label, w)
        self.phot_button = QtWidgets.QPushButton("Measure the catalogue")
        self.phot_button.setToolTip("Aperture photometry of every star in the table")
        self.phot_button.clicked.connect(self.measure_catalog)
        pf.addRow(self.phot_button)
        self.phot_result = QtWidgets.QLabel("")
        self.phot_result.setWordWrap(True)
        pf.addRow(self.phot_result)
        lay.addWidget(phot)

        self.table = QtWidgets.QTableWidget(0, 0)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setToolTip("Click a row to go to the star; click a header to sort")
        self.table.itemSelectionChanged.connect(self._row_selected)
        lay.addWidget(self.table, 1)
        self.export_button = QtWidgets.QPushButton("Export catalogue...")
        self.export_button.setToolTip(
            "Write the catalogue: ECSV (units and metadata), CSV, VOTable (for TOPCAT and "
            "Aladin) or a FITS table"
        )
        self.export_button.clicked.connect(self.export_dialog)
        lay.addWidget(self.export_button)
        self.jobs = JobBar(make_job, "Stop; the catalogue is left as it was")
        self.jobs.busyChanged.connect(
            lambda busy: (
                self.detect_button.setEnabled(not busy),
                self.phot_button.setEnabled(not busy),
            )
        )
        self.status = self.jobs.status
        lay.addWidget(self.jobs)

    # ---------------------------------------------------------------- detect
    def set_header_defaults(self, header) -> None:
        """Gain and read noise from the header, when it has them."""
        if header is None:
            return
        for key, box in (("GAIN", self.gain), ("RDNOISE", self.read_noise)):
            try:
                if key in header:
                    box.setValue(float(header[key]))
            except (TypeError, ValueError):
                pass

    def detect(self) -> None:
        from skyglass.processing.measure.stars import StarOptions, detect_stars

        if self.job is not None:
            return
        try:
            frame = self._current()
            opts = StarOptions(
                threshold=self.threshold.value(),
                fwhm=self.fwhm.value() or None,
                min_separation=self.separation.value(),
            ).validated()
        except SkyglassError as exc:
            self._error(str(exc))
            return
        mask = self._mask()
        self.jobs.run(
            lambda progress: detect_stars(frame.data, frame.header, mask, opts, progress),
            "Finding stars",
            self.set_catalog,
        )

    def set_frame(self, state) -> None:
        """Show a frame's catalogue; gain and read noise from its header."""
        self._show_catalog(state.catalog if state is not None else None)
        if state is not None:
            self.set_header_defaults(state.document.image.header)

    def set_catalog(self, table) -> None:
        """A new catalogue for the current frame (shown here and circled on the image)."""
        self._show_catalog(table)
        self._show_stars(table)

    def _show_catalog(self, table) -> None:
        self.catalog = table
        self._fill_table()
        meta = table.meta if table is not None else {}
        if table is not None:
            arcsec = meta.get("fwhm_arcsec")
            flagged = sum(
                int(np.count_nonzero(table[c]))
                for c in ("blended", "edge", "poor_fit")
                if c in table.colnames
            )
            self.status.setText(
                (meta.get("note", "") + ". " if not len(table) and meta.get("note") else "")
                + f"{len(table)} stars; FWHM {meta.get('fwhm', float('nan')):.2f} px"
                + (f" ({arcsec:.2f}\u2033)" if arcsec else "")
                + f"; {flagged} flagged (orange)."
            )
            self.status.setToolTip(
                f"Background {meta.get('background', float('nan')):.6g} +- "
                f"{meta.get('noise', float('nan')):.3g}. Circles: green a clean star, orange "
                "blended, near an edge or a poor profile fit, magenta saturated."
            )
        self.catalogChanged.emit()

    def _fill_table(self) -> None:
        fill_catalogue(self.table, self.catalog)

    def _row_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or self.catalog is None:
            return
        item = self.table.item(rows[0].row(), 0)
        index = item.data(QtCore.Qt.ItemDataRole.UserRole + 1)
        star = self.catalog[int(index)]
        fwhm = float(star["fwhm"]) if "fwhm" in self.catalog.colnames else 3.0
        self._go_to(
            float(star["x"]), float(star["y"]), 3.0 * (fwhm if math.isfinite(fwhm) else 3.0)
        )

    # ------------------------------------------------------------ photometry
    def _phot_args(self) -> dict:
        return {
            "radius": self.radius.value(),
            "r_in": self.r_in.value(),
            "r_out": self.r_out.value(),
            "gain": self.gain.value(),
            "read_noise": self.read_noise.value(),
        }

    def measure_at(self, x: float, y: float) -> None:
        """Photometry of one star (the clicked position, re-centred)."""
        from skyglass.processing.measure.photometry import aperture_photometry, star_profile

        try:
            frame = self._current()
            prof = star_profile(
                frame.data, x, y, max(10.0, self.r_out.value()), gain=self.gain.value()
            )
            # A catalogued star is measured at the catalogue's centre, so Examine and
            # "Measure catalogue" give the same flux for the same star and aperture.
            star = self._catalogued_near(prof.x, prof.y)
            cx, cy = (prof.x, prof.y) if star is None else (float(star["x"]), float(star["y"]))
            t = aperture_photometry(frame.data, cx, cy, mask=self._mask(), **self._phot_args())
        except (SkyglassError, ValueError) as exc:
            self._error(str(exc))
            return
        row = t[0]
        which = f"star {int(star['id'])}, " if star is not None else ""
        self.phot_result.setText(
            f"{which}({row['x']:.2f}, {row['y']:.2f}): flux {row['flux']:.6g} +- "
            f"{row['flux_err']:.3g}, mag {row['mag']:.3f} +- "
            f"{row['mag_err']:.3f}, sky {row['sky']:.5g}, SNR {row['snr']:.1f}"
        )
        self.last_photometry = t
        if self.examine:
            args = self._phot_args()
            aperture = f"r = {args['radius']:g} px, sky {args['r_in']:g}-{args['r_out']:g} px"
            self.show_profile(prof, row, aperture)

    def _catalogued_near(self, x: float, y: float):
        """The catalogue's star within two pixels (or half its FWHM) of (x, y), else None."""
        cat = self.catalog
        if cat is None or not len(cat):
            return None
        d2 = (np.asarray(cat["x"], float) - x) ** 2 + (np.asarray(cat["y"], float) - y) ** 2
        i = int(np.argmin(d2))
        reach = max(2.0, 0.5 * float(cat.meta.get("fwhm", 3.0) or 3.0))
        return cat[i] if d2[i] <= reach**2 else None

    def show_mode(self, mode: str) -> None:
        """Reflect the window's interaction mode (Examine on or off)."""
        self.examine = mode == "examine"
        self.examine_button.blockSignals(True)
        self.examine_button.setChecked(self.examine)
        self.examine_button.blockSignals(False)

    def show_profile(self, prof, photometry=None, aperture: str = "") -> None:
        if self.profile_dialog is None:
            self.profile_dialog = ProfileDialog(self)
            # Closing the profile ends examining (clicks must not keep opening it).
            self.profile_dialog.finished.connect(
                lambda _result: self.examine and self.modeRequested.emit("pointer")
            )
        unit = ""
        try:
            unit = str(self._current().header.get("BUNIT", ""))
        except SkyglassError:
            pass
        self.profile_dialog.show_profile(prof, unit, photometry, aperture)
        self.profile_dialog.show()

    def image_clicked(self, x: float, y: float) -> None:
        if self.examine:
            self.measure_at(x, y)

    def measure_catalog(self) -> None:
        from skyglass.processing.measure.photometry import aperture_photometry

        if self.job is not None:
            return
        if self.catalog is None or not len(self.catalog):
            self._error("Find stars first.")
            return
        frame = self._current()
        cat, args, mask = self.catalog, self._phot_args(), self._mask()

        def work(progress):
            return aperture_photometry(frame.data, cat["x"], cat["y"], mask=mask, **args)

        def done(t):
            self.catalog["ap_flux"] = t["flux"]
            self.catalog["ap_flux_err"] = t["flux_err"]
            self.catalog["ap_mag"] = t["mag"]
            self.catalog["ap_mag_err"] = t["mag_err"]
            self.catalog["sky"] = t["sky"]
            self._fill_table()
            self.phot_result.setText(
                f"Measured {len(t)} stars in r = {args['radius']:g} px "
                f"(sky {args['r_in']:g}-{args['r_out']:g} px)."
            )
            self.catalogChanged.emit()

        self.jobs.run(work, "Photometry", done)

    # ---------------------------------------------------------------- export
    def export_dialog(self) -> None:
        """Ask where to write the catalogue, then write it."""
        from skyglass.processing.io.skytable import WRITTEN_FILTER

        if self.catalog is None:
            self._error("There is no catalogue to export yet.")
            return
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export catalogue", "stars.ecsv", WRITTEN_FILTER
        )
        if path:
            self.export(_with_suffix(path, chosen))

    def export(self, path: str) -> None:
        """Write the catalogue in the format its suffix names, atomically (the dialog has
        already asked about replacing a file)."""
        from skyglass.processing.io.skytable import write_catalog

        try:
            write_catalog(self.catalog, path, overwrite=True)
            self.status.setText(f"Wrote {path}.")
        except SkyglassError as exc:
            self._error(str(exc))

    @property
    def job(self):
        """The running detection or photometry (None when idle)."""
        return self.jobs.job

    def _error(self, message: str) -> None:
        self.jobs.error(message)

    @property
    def last_error(self) -> str:
        return self.jobs.last_error


def _spin(value: float, lo: float, hi: float, tip: str) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(3)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def _with_suffix(path: str, chosen_filter: str) -> str:
    """``path`` with the chosen filter's first suffix when the name has no known one
    (the user typed ``stars`` with "VOTable" chosen)."""
    from skyglass.processing.io.skytable import WRITTEN_FORMATS

    if path.lower().endswith(tuple(WRITTEN_FORMATS)):
        return path
    start = chosen_filter.find("*.")
    suffix = chosen_filter[start + 1 :].split()[0].rstrip(")") if start >= 0 else ".ecsv"
    return path + suffix
