"""Overlays of the current frame: contours, RA/Dec grid, compass, mask, star circles, and
sky positions received from other tools (SAMP tables). What is drawn follows the frame's
overlay flags in the workspace."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from skyglass.model.workspace import FrameState, Workspace
from skyglass.processing.errors import SkyglassError
from skyglass.viewer.image.regions import RegionOverlay


class OverlaysController(QtCore.QObject):
    """Draws the current frame's overlays on the canvas.

    Parameters
    ----------
    workspace : Workspace
    canvas : ImageCanvas
    window : QMainWindow
        Dialog parent and status bar.
    show_error : callable
    """

    def __init__(self, workspace: Workspace, canvas, window, show_error) -> None:
        super().__init__()
        self.ws = workspace
        self.canvas = canvas
        self.window = window
        self.show_error = show_error
        self.contour_count = 5
        self.contour_smooth = 1.0
        self.contour_manual: list | None = None
        self.contour_levels_drawn: list = []
        self.sky_table = None
        self._view_timer = QtCore.QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(80)
        self._view_timer.timeout.connect(self._redraw_view_overlays)
        workspace.current_changed.connect(lambda state: self.refresh())
        workspace.document_changed.connect(self._if_current(self.refresh))
        workspace.display_changed.connect(self._if_current(self._display_changed))
        workspace.overlays_changed.connect(self._if_current(self.refresh))
        workspace.mask_changed.connect(self._if_current(self.draw_mask))
        workspace.catalog_changed.connect(self._if_current(self.draw_stars))
        canvas.vb.sigRangeChanged.connect(lambda *_: self._view_timer.start())
        self.region_overlay = RegionOverlay(canvas.vb, self)
        self.region_overlay.edited.connect(
            lambda: workspace.set_regions(self.region_overlay.regions(), source=self.region_overlay)
        )
        workspace.regions_changed.connect(self._regions_changed)

    def _if_current(self, fn):
        def call(state: FrameState, *args) -> None:
            if state is self.ws.current:
                fn()

        return call

    @property
    def flags(self):
        state = self.ws.current
        return state.overlays if state is not None else None

    def set_overlay(self, name: str, on: bool) -> None:
        """Switch an overlay of the current frame (the menu's check boxes)."""
        self.ws.set_overlay(name, on)

    def refresh(self) -> None:
        """Redraw every overlay for the current frame."""
        self.draw_contours()
        self.draw_grid()
        self.draw_compass()
        self.draw_mask()
        self.draw_stars()
        self._draw_sky_table()
        self.draw_regions()

    def _display_changed(self) -> None:
        if self.flags is not None and self.flags.contours and self.contour_manual is None:
            self.draw_contours()  # levels follow the limits

    def _redraw_view_overlays(self) -> None:
        if self.flags is not None and (self.flags.grid or self.flags.compass):
            self.draw_grid()
            self.draw_compass()

    def _off(self, name: str, message: str) -> None:
        """Switch overlay ``name`` off after it could not be drawn, and say why."""
        self.show_error(message)
        self.ws.set_overlay(name, False)

    # --------------------------------------------------------------- contours
    def draw_contours(self) -> None:
        """Contours at levels from the limits or typed in (or none when switched off)."""
        import pyqtgraph as pg

        from skyglass.processing.overlays.contours import contour_levels, contours

        state = self.ws.current
        if state is None or not state.overlays.contours:
            self.canvas.set_overlay("contours", [])
            return
        try:
            low, high = state.document.displayed()[0].limits(state.display)
            levels = self.contour_manual or contour_levels(low, high, self.contour_count)
            lines = contours(state.document.pixels(), levels, self.contour_smooth)
        except SkyglassError as exc:
            self.canvas.set_overlay("contours", [])  # never leave another image's contours
            self._off("contours", f"Contours: {exc}")
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
            self.window,
            "Contour levels",
            "Levels (comma separated), or a number of levels "
            "between the limits; add ';s' for smoothing of s pixels:",
            text=f"{self.contour_count};{self.contour_smooth:g}",
        )
        if ok:
            self.set_contour_options(text)

    def set_contour_options(self, text: str) -> None:
        """``"5;1"`` (count; smoothing), ``"100,200,300"`` (levels) or ``""`` (from limits)."""
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
        if self.flags is not None and self.flags.contours:
            self.draw_contours()
        else:
            self.ws.set_overlay("contours", True)

    # ------------------------------------------------------------ grid, compass
    def _view_box(self) -> tuple[float, float, float, float]:
        """The visible part of the image in FITS pixels (x0, x1, y0, y1)."""
        r = self.canvas.vb.viewRect()
        return r.left() + 0.5, r.right() + 0.5, r.top() + 0.5, r.bottom() + 0.5

    def _wcs_for(self, name: str, what: str):
        """The WCS to draw overlay ``name`` with, or None after clearing it (and saying
        why when it was asked for on an image without WCS)."""
        state = self.ws.current
        on = state is not None and getattr(state.overlays, name)
        wcs = state.wcs if state is not None else None
        if on and wcs is not None:
            return wcs
        self.canvas.set_overlay(name, [])
        if on:
            self._off(name, f"This image has no WCS: no {what}.")
        return None

    def draw_grid(self) -> None:
        """The RA/Dec grid of the visible part, labelled at its edges."""
        import pyqtgraph as pg

        from skyglass.processing.overlays.wcsgrid import grid_lines

        wcs = self._wcs_for("grid", "coordinate grid")
        if wcs is None:
            return
        lines, labels = grid_lines(wcs, self.ws.current.document.image.shape, box=self._view_box())
        pen = pg.mkPen((120, 200, 255, 180), width=1)
        items = [
            pg.PlotCurveItem(x - 0.5, y - 0.5, pen=pen, connect="finite") for _, _, x, y in lines
        ]
        for text, x, y in labels:
            label = pg.TextItem(text, color=(160, 220, 255), anchor=(0, 1))
            label.setPos(x - 0.5, y - 0.5)
            items.append(label)
        self.canvas.set_overlay("grid", items)

    def draw_compass(self) -> None:
        """North and east arrows at the lower left of the view."""
        import pyqtgraph as pg

        from skyglass.processing.overlays.wcsgrid import north_east

        wcs = self._wcs_for("compass", "compass")
        if wcs is None:
            return
        north, east = north_east(wcs, self.ws.current.document.image.shape)
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

    # ------------------------------------------------------------------ regions
    def draw_regions(self) -> None:
        """The current frame's regions, as editable items."""
        state = self.ws.current
        self.region_overlay.set_regions(state.regions if state is not None else [])

    def _regions_changed(self, state: FrameState, source) -> None:
        if state is self.ws.current and source is not self.region_overlay:
            self.draw_regions()

    # -------------------------------------------------------------- mask, stars
    def draw_mask(self) -> None:
        paint_mask(self.canvas, self.ws.current)

    def draw_stars(self) -> None:
        """Circle the current frame's catalogue."""
        paint_stars(self.canvas, self.ws.current)

    def go_to_star(self, x: float, y: float, diameter: float) -> None:
        self.canvas.center_on(x, y)
        self.canvas.highlight_star(x, y, diameter)

    # -------------------------------------------------------------- sky tables
    def show_sky_table(self, table) -> int:
        """Mark a table's sky positions (a :class:`~skyglass.processing.io.skytable.SkyTable`)
        on every frame with a WCS; returns how many fall on the current image."""
        self.sky_table = table
        return self._draw_sky_table()

    def open_catalog(self, path: str) -> bool:
        """Mark a catalogue file's positions on every frame (sky positions where a frame has
        a WCS, or pixel positions); False, with a message, when it cannot be read."""
        from skyglass.processing.io.skytable import read_catalog

        try:
            table = read_catalog(path)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        self.show_sky_table(table)
        return True

    def open_catalog_dialog(self) -> None:
        """File > Open catalogue."""
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window,
            "Open catalogue",
            "",
            "Catalogues (*.ecsv *.csv *.xml *.vot *.votable *.fits *.fit);;All files (*)",
        )
        if path:
            self.open_catalog(path)

    def clear_sky_table(self) -> None:
        self.sky_table = None
        self.canvas.set_overlay("table", [])

    def _draw_sky_table(self) -> int:
        import numpy as np

        from skyglass.viewer.image.canvas import PassiveScatter

        table, state = self.sky_table, self.ws.current
        if table is None or state is None:
            self.canvas.set_overlay("table", [])
            return 0
        bar = self.window.statusBar()
        wcs = state.wcs
        if table.on_sky and wcs is None:
            self.canvas.set_overlay("table", [])
            bar.showMessage(
                f"Table {table.name}: {len(table)} positions, but this image has no WCS.", 10000
            )
            return 0
        if table.on_sky:
            x, y = wcs.all_world2pix(table.ra, table.dec, 1)
        else:
            x, y = table.x, table.y
        ny, nx = state.document.image.shape
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
        bar.showMessage(
            f"Table {table.name}: {count} of {len(table)} positions on this image.", 10000
        )
        return count


def paint_mask(canvas, state: FrameState | None) -> None:
    """Show ``state``'s mask on ``canvas`` (the main image or a tile), when switched on."""
    mask = state.document.mask if state is not None else None
    canvas.set_mask(mask if mask is not None and state.overlays.mask else None)


def paint_stars(canvas, state: FrameState | None) -> None:
    """Circle ``state``'s catalogue on ``canvas`` (the main image or a tile)."""
    table = state.catalog if state is not None else None
    canvas.highlight_star(None, None)
    if table is None or not len(table):
        canvas.set_stars([], [], [])
        return
    from skyglass.processing.measure.catalogue import STAR_COLOURS, marker_kinds, marker_radii

    colours = [STAR_COLOURS[k] for k in marker_kinds(table)]
    canvas.set_stars(table["x"], table["y"], 2.0 * marker_radii(table), colours)
