"""Regions and masks: add regions with the mouse, see their statistics, profiles and
projections, read and write DS9 region files, and build a mask.

The regions are the frame's data (astropy ``regions`` in the workspace); the canvas draws
them through :class:`~skyglass.viewer.image.regions.RegionOverlay`. This panel lists them
and changes them only through ``set_regions``."""

from __future__ import annotations

import math
import os
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from skyglass.processing.errors import SkyglassError
from skyglass.viewer.image.regions import KINDS, region_kind, region_label


class RegionsPanel(QtWidgets.QWidget):
    """Region tools, statistics, plots, DS9 files and masks.

    Parameters
    ----------
    get_regions, set_regions : callable
        The current frame's regions (a list of 0-based pixel regions) and how to replace
        them (the workspace announces the change; :meth:`refresh` shows it).
    current : callable
        The displayed image (``data`` and ``header``).
    wcs : callable
        Its WCS or None.
    get_mask, set_mask : callable
        The frame's mask (True = masked) and how to replace it.
    """

    #: The user asked for an interaction mode (a region shape, "brush", or "pointer").
    modeRequested = QtCore.Signal(str)

    def __init__(
        self,
        get_regions: Callable,
        set_regions: Callable,
        current: Callable,
        wcs: Callable,
        get_mask: Callable,
        set_mask: Callable,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._get_regions, self._set_regions = get_regions, set_regions
        self._current, self._wcs = current, wcs
        self._get_mask, self._set_mask = get_mask, set_mask
        self.pending: list[tuple[float, float]] = []
        self.last_error = ""
        self.last_stats: dict = {}
        self.last_image_stats: dict = {}
        self._stroke = None  # the mask being painted by the brush
        self._mode = "pointer"
        lay = QtWidgets.QVBoxLayout(self)

        tools = QtWidgets.QGridLayout()
        self.tool_group = QtWidgets.QButtonGroup(self)
        self.tool_group.setExclusive(False)
        self.tool_buttons = {}
        for i, kind in enumerate(KINDS):
            b = QtWidgets.QToolButton()
            b.setText(kind)
            b.setCheckable(True)
            b.setToolTip(
                f"Click the image to add a {kind}"
                + (" (click each vertex, then Finish)" if kind == "polygon" else "")
                + (" (click both ends)" if kind == "line" else "")
            )
            b.toggled.connect(lambda on, k=kind: self._tool_toggled(k, on))
            self.tool_buttons[kind] = b
            tools.addWidget(b, i // 4, i % 4)
        self.finish_button = QtWidgets.QToolButton()
        self.finish_button.setText("Finish")
        self.finish_button.setToolTip("Close the polygon being drawn")
        self.finish_button.clicked.connect(self.finish_polygon)
        tools.addWidget(self.finish_button, 1, 3)
        lay.addLayout(tools)

        self.list = QtWidgets.QListWidget()
        self.list.setMaximumHeight(110)
        self.list.setToolTip("Regions; select one for its statistics")
        self.list.currentRowChanged.connect(lambda _: self.update_stats())
        lay.addWidget(self.list)
        row = QtWidgets.QHBoxLayout()
        delete = QtWidgets.QPushButton("Delete")
        delete.setToolTip("Delete the selected region (or press Delete)")
        delete.clicked.connect(self.delete_selected)
        load = QtWidgets.QPushButton("Open .reg...")
        load.setToolTip("Read a DS9 region file (image or fk5/icrs coordinates)")
        load.clicked.connect(self._open_dialog)
        save = QtWidgets.QPushButton("Save .reg...")
        save.setToolTip("Write the regions as a DS9 region file")
        save.clicked.connect(self._save_dialog)
        self.sky = QtWidgets.QCheckBox("fk5")
        self.sky.setToolTip("Save in sky coordinates (needs a WCS)")
        for w in (delete, load, save, self.sky):
            row.addWidget(w)
        lay.addLayout(row)
        shortcut = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Delete, self.list)
        shortcut.activated.connect(self.delete_selected)

        self.stats = QtWidgets.QLabel("")
        self.stats.setWordWrap(True)
        self.stats.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.stats)
        prow = QtWidgets.QHBoxLayout()
        prow.addWidget(QtWidgets.QLabel("Projection"))
        self.axis = QtWidgets.QComboBox()
        self.axis.addItem("along x (sum columns)", "x")
        self.axis.addItem("along y (sum rows)", "y")
        self.axis.setToolTip(
            "Box projection: collapse the box across the other axis "
            "(a long-slit spectrum dispersed along x: along x)"
        )
        self.axis.currentIndexChanged.connect(lambda _: self.update_stats())
        prow.addWidget(self.axis, 1)
        lay.addLayout(prow)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(140)
        self.plot.setMaximumHeight(200)
        lay.addWidget(self.plot)

        box = QtWidgets.QGroupBox("Mask")
        ml = QtWidgets.QGridLayout(box)
        buttons = [
            ("Mask inside", "Mask the pixels inside the selected region", self.mask_inside),
            ("Keep inside", "Mask everything outside the selected region", self.mask_outside),
            ("Mask NaN", "Mask pixels with no value", self.mask_nan),
            (
                "Mask saturated",
                "Mask pixels at or above SATURATE (and their neighbours)",
                self.mask_saturated,
            ),
            ("Clear", "Remove the mask", self.clear_mask),
            ("Invert", "Swap masked and unmasked", self.invert_mask),
        ]
        for i, (text, tip, slot) in enumerate(buttons):
            b = QtWidgets.QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            ml.addWidget(b, i // 3, i % 3)
        self.low = QtWidgets.QLineEdit()
        self.low.setPlaceholderText("below")
        self.low.setToolTip("Mask pixels below this value (data units)")
        self.high = QtWidgets.QLineEdit()
        self.high.setPlaceholderText("above")
        self.high.setToolTip("Mask pixels above this value (data units)")
        thr = QtWidgets.QPushButton("Mask by value")
        thr.setToolTip("Mask pixels outside [below, above]")
        thr.clicked.connect(self.mask_threshold)
        ml.addWidget(self.low, 2, 0)
        ml.addWidget(self.high, 2, 1)
        ml.addWidget(thr, 2, 2)
        self.brush_button = QtWidgets.QPushButton("Brush")
        self.brush_button.toggled.connect(
            lambda on: self.modeRequested.emit("brush" if on else "pointer")
        )
        self.brush_button.setCheckable(True)
        self.brush_button.setToolTip("Paint the mask with the mouse (drag); Erase removes")
        self.erase = QtWidgets.QCheckBox("Erase")
        self.erase.setToolTip("The brush removes pixels from the mask instead of adding them")
        self.brush_size = QtWidgets.QSpinBox()
        self.brush_size.setRange(1, 200)
        self.brush_size.setValue(5)
        self.brush_size.setToolTip("Brush radius in image pixels")
        ml.addWidget(self.brush_button, 3, 0)
        ml.addWidget(self.erase, 3, 1)
        ml.addWidget(self.brush_size, 3, 2)
        self.mask_info = QtWidgets.QLabel("no mask")
        ml.addWidget(self.mask_info, 4, 0, 1, 3)
        self.image_stats = QtWidgets.QLabel("")
        self.image_stats.setWordWrap(True)
        self.image_stats.setToolTip("Statistics of the whole image's pixels the mask leaves")
        self.image_stats.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        ml.addWidget(self.image_stats, 5, 0, 1, 3)
        lay.addWidget(box)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)

    # ------------------------------------------------------------------ tools
    @property
    def tool(self) -> str | None:
        """The region shape a click or drag creates (None outside region modes)."""
        return self._mode if self._mode in KINDS else None

    def _tool_toggled(self, kind: str, on: bool) -> None:
        self.modeRequested.emit(kind if on else "pointer")

    def show_mode(self, mode: str) -> None:
        """Reflect the window's interaction mode in the tool buttons."""
        self._mode = mode
        self.pending = []
        for kind, button in (*self.tool_buttons.items(), ("brush", self.brush_button)):
            button.blockSignals(True)
            button.setChecked(kind == mode)
            button.blockSignals(False)
        if mode == "polygon":
            self.status.setText("Click each vertex, then Finish.")

    def image_dragged(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """A drag on the canvas (FITS) in a region mode: the region spans the drag."""
        kind = self.tool
        if kind is None or kind in ("polygon", "point", "text"):
            if kind is not None:
                self.image_clicked(x1, y1)
            return
        import astropy.units as u
        from regions import (
            CirclePixelRegion,
            EllipsePixelRegion,
            LinePixelRegion,
            PixCoord,
            RectanglePixelRegion,
        )

        if kind == "line":
            self.add_region(LinePixelRegion(PixCoord(x0 - 1, y0 - 1), PixCoord(x1 - 1, y1 - 1)))
            return
        if kind == "circle":  # DS9: the drag goes from the centre to the edge
            radius = max(0.5, math.hypot(x1 - x0, y1 - y0))
            self.add_region(CirclePixelRegion(PixCoord(x0 - 1, y0 - 1), radius))
            return
        # Ellipse and box: the drag is a corner-to-corner diagonal.
        centre = PixCoord((x0 + x1) / 2 - 1, (y0 + y1) / 2 - 1)
        width, height = max(1.0, abs(x1 - x0)), max(1.0, abs(y1 - y0))
        cls = EllipsePixelRegion if kind == "ellipse" else RectanglePixelRegion
        self.add_region(cls(centre, width, height, angle=0 * u.deg))

    def image_clicked(self, x: float, y: float) -> None:
        """A click on the canvas (FITS x, y) while a tool is chosen."""
        kind = self.tool
        if kind is None:
            return
        import astropy.units as u
        from regions import (
            CirclePixelRegion,
            EllipsePixelRegion,
            LinePixelRegion,
            PixCoord,
            PointPixelRegion,
            RectanglePixelRegion,
            TextPixelRegion,
        )

        c = PixCoord(x - 1, y - 1)
        if kind == "circle":
            self.add_region(CirclePixelRegion(c, 15.0))
        elif kind == "ellipse":
            self.add_region(EllipsePixelRegion(c, 40.0, 20.0, angle=0 * u.deg))
        elif kind == "box":
            self.add_region(RectanglePixelRegion(c, 60.0, 30.0, angle=0 * u.deg))
        elif kind == "point":
            self.add_region(PointPixelRegion(c))
        elif kind == "text":
            text, ok = self.ask_text()
            if ok and text:
                self.add_region(TextPixelRegion(c, text=text))
        elif kind == "line":
            self.pending.append((x - 1, y - 1))
            if len(self.pending) == 2:
                (x0, y0), (x1, y1) = self.pending
                self.add_region(LinePixelRegion(PixCoord(x0, y0), PixCoord(x1, y1)))
                self.pending = []
        elif kind == "polygon":
            self.pending.append((x - 1, y - 1))
            self.status.setText(f"{len(self.pending)} vertices; Finish closes the polygon.")

    def ask_text(self) -> tuple[str, bool]:
        """Ask for a text label (tests replace this)."""
        return QtWidgets.QInputDialog.getText(self, "Text region", "Text:")

    def finish_polygon(self) -> None:
        from regions import PixCoord, PolygonPixelRegion

        if len(self.pending) >= 3:
            xs, ys = zip(*self.pending, strict=True)
            self.add_region(PolygonPixelRegion(PixCoord(list(xs), list(ys))))
        self.pending = []

    # ---------------------------------------------------------------- regions
    def regions(self) -> list:
        """The current frame's regions."""
        return list(self._get_regions())

    def add_region(self, region) -> None:
        """Add a region to the frame (and select it)."""
        self._set_regions([*self.regions(), region])
        self.list.setCurrentRow(self.list.count() - 1)

    def clear_regions(self) -> None:
        self._set_regions([])

    def delete_selected(self) -> None:
        row = self.list.currentRow()
        regions = self.regions()
        if 0 <= row < len(regions):
            del regions[row]
            self._set_regions(regions)

    def set_frame(self, state) -> None:
        """Show a frame's regions and mask."""
        self.refresh()
        mask = state.document.mask if state is not None else None
        self.mask_info.setText("no mask" if mask is None else f"{int(mask.sum())} pixels masked")
        self.update_image_stats()

    def update_image_stats(self) -> None:
        """Whole-image statistics under the current mask (numpy.ma's meaning: masked pixels
        left out). Computed only while the panel is shown."""
        from skyglass.processing.measure.stats import masked_stats

        if not self.isVisible():
            self.image_stats.setText("")
            return
        try:
            frame = self._current()
        except SkyglassError:
            self.image_stats.setText("")
            return
        s = masked_stats(frame.data, self._get_mask())
        self.last_image_stats = s
        if not s["count"]:
            self.image_stats.setText("Whole image: no unmasked pixel with a value.")
            return
        self.image_stats.setText(
            f"Whole image, {s['count']} unmasked pixels ({s['masked']} masked): mean "
            f"{s['mean']:.6g}  median {s['median']:.6g}  std {s['std']:.6g}  "
            f"min {s['min']:.6g}  max {s['max']:.6g}"
        )

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.update_image_stats()

    def refresh(self) -> None:
        """List the frame's regions again (keeping the selection) and their statistics."""
        row = self.list.currentRow()
        regions = self.regions()
        self.list.blockSignals(True)
        self.list.clear()
        for region in regions:
            self.list.addItem(region_label(region))
        self.list.setCurrentRow(min(max(row, 0), len(regions) - 1) if regions else -1)
        self.list.blockSignals(False)
        self.update_stats()

    def selected(self):
        """The selected region, or None."""
        row = self.list.currentRow()
        regions = self.regions()
        return regions[row] if 0 <= row < len(regions) else None

    def update_stats(self) -> None:
        """Statistics of the selected region; a profile (line) or projection (box)."""
        from skyglass.processing.measure.regionstats import line_profile, projection, region_stats

        region = self.selected()
        self.plot.clear()
        if region is None:
            self.stats.setText("")
            return
        try:
            frame = self._current()
        except SkyglassError:
            return
        kind = region_kind(region)
        mask = self._get_mask()
        if kind == "line":
            d, v = line_profile(
                frame.data,
                region.start.x + 1,
                region.start.y + 1,
                region.end.x + 1,
                region.end.y + 1,
            )
            self.plot.plot(d, v, pen=pg.mkPen((0, 200, 255), width=2))
            self.plot.setLabel("bottom", "distance (pixels)")
            self.last_stats = {"profile": (d, v)}
            self.stats.setText(
                f"line of {d[-1]:.1f} px: min {np.nanmin(v):.6g}, max {np.nanmax(v):.6g}"
            )
            return
        if kind in ("point", "text"):
            self.stats.setText(region_label(region))
            return
        s = region_stats(frame.data, region, mask, self._wcs())
        self.last_stats = s
        if not s["count"]:
            self.stats.setText("no unmasked pixels with a value inside")
            return
        sky = f"\ncentroid RA, Dec {s['ra']:.6f}, {s['dec']:+.6f}" if "ra" in s else ""
        self.stats.setText(
            f"{s['count']} pixels  sum {s['sum']:.6g}  mean {s['mean']:.6g}  median "
            f"{s['median']:.6g}\nstd {s['std']:.6g}  min {s['min']:.6g}  max {s['max']:.6g}\n"
            f"centroid x, y {s['x']:.2f}, {s['y']:.2f}{sky}"
        )
        if kind == "box":
            xs, ys = region.bounding_box.ixmin + 1, region.bounding_box.iymin + 1
            xe, ye = region.bounding_box.ixmax, region.bounding_box.iymax
            coords, values = projection(frame.data, xs, ys, xe, ye, self.axis.currentData(), mask)
            self.plot.plot(coords, values, pen=pg.mkPen((255, 200, 0), width=2))
            self.plot.setLabel("bottom", f"{self.axis.currentData()} (pixels)")
            self.last_stats["projection"] = (coords, values)

    # -------------------------------------------------------------- DS9 files
    def _open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open regions", "", "DS9 regions (*.reg);;All files (*)"
        )
        if path:
            self.load(path)

    def load(self, path: str) -> None:
        from skyglass.processing.measure.regionstats import fit_to_image, read_regions

        try:
            every = read_regions(path, self._wcs())
            regs = fit_to_image(every, self._current().data.shape, os.path.basename(path))
            self._set_regions([*self.regions(), *regs])
            far = len(every) - len(regs)
            note = f" ({far} reaching far beyond the image left out)" if far else ""
            self.status.setText(f"Read {len(regs)} regions{note}.")
        except SkyglassError as exc:
            self._error(str(exc))

    def _save_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save regions", "regions.reg", "DS9 regions (*.reg)"
        )
        if path:
            self.save(path)

    def save(self, path: str) -> None:
        from skyglass.processing.measure.regionstats import write_regions

        try:
            write_regions(self.regions(), path, self._wcs(), sky=self.sky.isChecked())
            self.status.setText(f"Wrote {path}.")
        except SkyglassError as exc:
            self._error(str(exc))

    # ------------------------------------------------------------------ masks
    def _shape(self):
        return self._current().data.shape

    def _update_mask(self, mask, what: str | None = "mask edited") -> None:
        """Give the frame ``mask``; with ``what`` an undoable step (None: a stroke goes on)."""
        self._set_mask(mask, what)
        n = 0 if mask is None else int(mask.sum())
        self.mask_info.setText("no mask" if mask is None else f"{n} pixels masked")
        self.update_stats()
        if what is not None:
            self.update_image_stats()

    def _mask_or_empty(self):
        mask = self._get_mask()
        return np.zeros(self._shape(), bool) if mask is None else mask.copy()

    def mask_inside(self) -> None:
        from skyglass.processing.measure.masks import from_regions

        region = self.selected()
        if region is None or region_kind(region) in ("line", "point", "text"):
            self._error("Select an area region first.")
            return
        self._update_mask(
            what="inside a region",
            mask=self._mask_or_empty() | from_regions(self._shape(), exclude=[region]),
        )

    def mask_outside(self) -> None:
        from skyglass.processing.measure.masks import from_regions

        region = self.selected()
        if region is None or region_kind(region) in ("line", "point", "text"):
            self._error("Select an area region first.")
            return
        self._update_mask(
            what="outside a region",
            mask=self._mask_or_empty() | from_regions(self._shape(), include=[region]),
        )

    def mask_threshold(self) -> None:
        from skyglass.processing.measure.masks import from_threshold

        try:
            low = float(self.low.text()) if self.low.text().strip() else None
            high = float(self.high.text()) if self.high.text().strip() else None
        except ValueError:
            self._error("Type numbers for the mask thresholds.")
            return
        self._update_mask(
            what="by value",
            mask=self._mask_or_empty() | from_threshold(self._current().data, low, high),
        )

    def mask_nan(self) -> None:
        from skyglass.processing.measure.masks import from_nan

        self._update_mask(
            what="NaN pixels", mask=self._mask_or_empty() | from_nan(self._current().data)
        )

    def mask_saturated(self) -> None:
        from skyglass.processing.measure.masks import from_saturation

        frame = self._current()
        level = frame.header.get("SATURATE") if frame.header is not None else None
        if level is None:
            self._error("No SATURATE in the header: use Mask by value instead.")
            return
        self._update_mask(
            what="saturated pixels",
            mask=self._mask_or_empty() | from_saturation(frame.data, float(level)),
        )

    def clear_mask(self) -> None:
        self._update_mask(what="cleared", mask=None)

    def invert_mask(self) -> None:
        self._update_mask(what="inverted", mask=~self._mask_or_empty())

    def paint(self, x: float, y: float) -> None:
        """One brush dab at FITS (x, y): painted in place into the stroke's mask, copied
        once when the stroke starts (the states before it stay as they were for undo)."""
        from skyglass.processing.measure.masks import paint

        if self._stroke is None:
            self._stroke = self._mask_or_empty()
        paint(self._stroke, x, y, self.brush_size.value(), not self.erase.isChecked())
        self._update_mask(self._stroke, what=None)

    def end_stroke(self) -> None:
        """The mouse button is up: the stroke becomes one undoable step."""
        if self._stroke is not None:
            stroke, self._stroke = self._stroke, None
            self._update_mask(stroke, what="erased" if self.erase.isChecked() else "brush")

    def _error(self, message: str) -> None:
        self.last_error = message
        self.status.setText(message)
