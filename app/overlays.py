"""Overlays drawn from the image and its WCS: contours, the RA/Dec grid, the compass,
and sky positions received from other tools (SAMP tables)."""

from __future__ import annotations

from PySide6 import QtWidgets

from skyglass.processing.errors import SkyglassError


class OverlaysMixin:
    """Overlay handling for the main window (expects ``canvas``, ``document``,
    ``show_error`` and the checkable actions ``contour_action``, ``grid_action``,
    ``compass_action``)."""

    contour_count = 5
    contour_smooth = 1.0
    contour_manual: list | None = None

    def set_contours(self, on: bool) -> None:
        """Draw (or remove) contours at levels from the limits or typed in."""
        import pyqtgraph as pg

        from skyglass.processing.overlays.contours import contour_levels, contours

        doc = self.document
        if not on or doc is None:
            self.canvas.set_overlay("contours", [])
            return
        c = self.canvas._colourings[0] if self.canvas._colourings else None
        try:
            levels = self.contour_manual or contour_levels(c.low, c.high, self.contour_count)
            lines = contours(doc.pixels(), levels, self.contour_smooth)
        except SkyglassError as exc:
            self.canvas.set_overlay("contours", [])  # never leave another image's contours
            self.show_error(f"Contours: {exc}")
            self.contour_action.setChecked(False)
            return
        items = []
        colours = [pg.intColor(i, len(levels)) for i in range(len(levels))]
        for colour, level in zip(colours, sorted(lines), strict=True):
            xs, ys = [], []
            for x, y in lines[level]:
                xs += [*(x - 0.5), float("nan")]
                ys += [*(y - 0.5), float("nan")]
            if xs:
                items.append(
                    pg.PlotCurveItem(xs, ys, pen=pg.mkPen(colour, width=1.5), connect="finite")
                )
        self.canvas.set_overlay("contours", items)
        self.contour_levels_drawn = levels

    def contour_dialog(self) -> None:
        text, ok = QtWidgets.QInputDialog.getText(
            self,
            "Contour levels",
            "Levels (comma separated), or a number of levels "
            "between the limits; add ';s' for smoothing of s pixels:",
            text=f"{self.contour_count};{self.contour_smooth:g}",
        )
        if ok:
            self.set_contour_options(text)

    def set_contour_options(self, text: str) -> None:
        parts = text.split(";")
        try:
            values = [float(v) for v in parts[0].split(",") if v.strip()]
            if len(parts) > 1 and parts[1].strip():
                self.contour_smooth = float(parts[1])
        except ValueError:
            self.show_error(f"Contour levels: cannot read {text!r}.")
            return
        if not values:  # nothing typed: back to levels from the scale limits
            self.contour_manual = None
        elif len(values) == 1 and float(values[0]).is_integer() and values[0] < 50:
            self.contour_count, self.contour_manual = int(values[0]), None
        else:
            self.contour_manual = sorted(values)
        self.contour_action.setChecked(True)
        self.set_contours(True)

    def _view_box(self) -> tuple[float, float, float, float]:
        """The visible part of the image in FITS pixels (x0, x1, y0, y1)."""
        r = self.canvas.vb.viewRect()
        return r.left() + 0.5, r.right() + 0.5, r.top() + 0.5, r.bottom() + 0.5

    def _follow_view(self) -> None:
        """Grid and compass adapt to pan and zoom (redrawn shortly after the view settles)."""
        if getattr(self, "_view_timer", None) is not None:
            return
        from PySide6 import QtCore

        self._view_timer = QtCore.QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(80)
        self._view_timer.timeout.connect(self._redraw_view_overlays)
        self.canvas.vb.sigRangeChanged.connect(lambda *_: self._view_timer.start())

    def _redraw_view_overlays(self) -> None:
        if self.grid_action.isChecked():
            self.set_grid(True)
        if self.compass_action.isChecked():
            self.set_compass(True)

    def _wcs_overlay(self, name: str, on: bool, action, what: str):
        """The WCS to draw overlay ``name`` with, or None after clearing it (and saying
        why when it was asked for on an image without WCS)."""
        doc = self.document
        wcs = doc.image.wcs if doc is not None else None
        if on and wcs is not None:
            self._follow_view()
            return wcs
        self.canvas.set_overlay(name, [])
        if on:
            self.show_error(f"This image has no WCS: no {what}.")
            action.setChecked(False)
        return None

    def set_grid(self, on: bool) -> None:
        """Draw (or remove) the RA/Dec grid of the visible part, labelled at its edges."""
        import pyqtgraph as pg

        from skyglass.processing.overlays.wcsgrid import grid_lines

        wcs = self._wcs_overlay("grid", on, self.grid_action, "coordinate grid")
        if wcs is None:
            return
        lines, labels = grid_lines(wcs, self.document.image.shape, box=self._view_box())
        pen = pg.mkPen((120, 200, 255, 180), width=1)
        items = [
            pg.PlotCurveItem(x - 0.5, y - 0.5, pen=pen, connect="finite") for _, _, x, y in lines
        ]
        for text, x, y in labels:
            label = pg.TextItem(text, color=(160, 220, 255), anchor=(0, 1))
            label.setPos(x - 0.5, y - 0.5)
            items.append(label)
        self.canvas.set_overlay("grid", items)

    def set_compass(self, on: bool) -> None:
        """North and east arrows at the lower left of the view."""
        import pyqtgraph as pg

        from skyglass.processing.overlays.wcsgrid import north_east

        wcs = self._wcs_overlay("compass", on, self.compass_action, "compass")
        if wcs is None:
            return
        north, east = north_east(wcs, self.document.image.shape)
        x0, x1, y0, y1 = self._view_box()
        length = 0.08 * min(x1 - x0, y1 - y0)
        # Far enough from the corner that an arrow pointing left or down stays in view.
        ox, oy = x0 + 0.15 * (x1 - x0), y0 + 0.15 * (y1 - y0)
        items = []
        for vec, text in ((north, "N"), (east, "E")):
            items.append(
                pg.PlotCurveItem(
                    [ox - 0.5, ox - 0.5 + vec[0] * length],
                    [oy - 0.5, oy - 0.5 + vec[1] * length],
                    pen=pg.mkPen((255, 230, 0), width=2),
                )
            )
            label = pg.TextItem(text, color=(255, 230, 0), anchor=(0.5, 0.5))
            label.setPos(ox - 0.5 + vec[0] * length * 1.3, oy - 0.5 + vec[1] * length * 1.3)
            items.append(label)
        self.canvas.set_overlay("compass", items)

    sky_table = None

    def show_sky_table(self, table) -> int:
        """Mark a table's sky positions (a :class:`processing.skytable.SkyTable`) on every
        frame with a WCS; returns how many fall on the current image."""
        self.sky_table = table
        return self._draw_sky_table()

    def clear_sky_table(self) -> None:
        self.sky_table = None
        self.canvas.set_overlay("table", [])

    def _draw_sky_table(self) -> int:
        import numpy as np

        from skyglass.viewer.canvas import PassiveScatter

        table, doc = self.sky_table, self.document
        if table is None or doc is None:
            self.canvas.set_overlay("table", [])
            return 0
        wcs = doc.image.wcs
        if wcs is None:
            self.canvas.set_overlay("table", [])
            self.statusBar().showMessage(
                f"Table {table.name}: {len(table)} positions, but this image has no WCS.", 10000
            )
            return 0
        x, y = wcs.all_world2pix(table.ra, table.dec, 1)
        ny, nx = doc.image.shape
        inside = np.isfinite(x) & (x >= 0.5) & (x <= nx + 0.5) & (y >= 0.5) & (y <= ny + 0.5)
        item = PassiveScatter(
            x=x[inside] - 0.5,
            y=y[inside] - 0.5,
            symbol="d",
            size=14,
            pen=(0, 255, 120),
            brush=None,
            pxMode=True,
        )
        self.canvas.set_overlay("table", [item])
        count = int(inside.sum())
        self.statusBar().showMessage(
            f"Table {table.name}: {count} of {len(table)} positions on this image.", 10000
        )
        return count

    def _refresh_overlays(self) -> None:
        """Redraw the WCS, contour and table overlays for the current frame."""
        self.set_contours(self.contour_action.isChecked())
        self.set_grid(self.grid_action.isChecked())
        self.set_compass(self.compass_action.isChecked())
        if self.sky_table is not None:
            self._draw_sky_table()
