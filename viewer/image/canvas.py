"""The image canvas: a pyqtgraph view that draws only the visible crop at screen resolution.

pyqtgraph's ViewBox keeps the view transform (pan, zoom, square pixels, y up so FITS
pixel (1,1) is at the lower left). Whenever the view changes we cut the visible crop
out of the data, subsampled to about one value per screen pixel, colour it through
the packed lookup table and hand the small RGBA result to a QGraphicsItem that paints
it. pyqtgraph's ImageItem is not used: it re-processes the whole array on every level
change and its autoDownsample re-averages the whole image on every redraw.

Scene coordinates: image pixel ``[row, col]`` covers ``[col, col+1) x [row, row+1)``;
FITS ``(x, y) = (scene_x + 0.5, scene_y + 0.5)``.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from skyglass.processing.display.render import LutApplier
from skyglass.processing.display.view import MAX_ZOOM, MIN_ZOOM, View, visible_crop

WHEEL_STEP = 2.0**0.25  # four wheel notches double the zoom


class PatchedPlane:
    """A plane with a rectangle replaced by a preview patch (nothing is copied)."""

    def __init__(self, base, patch: np.ndarray, r0: int, c0: int) -> None:
        self.base, self.patch, self.r0, self.c0 = base, patch, r0, c0
        self.shape = tuple(base.shape)
        self.ndim = 2

    def __getitem__(self, key):
        rows_key, cols_key = key if isinstance(key, tuple) else (key, slice(None))
        out = np.array(self.base[rows_key, cols_key], dtype=np.float32)
        rows = np.arange(*rows_key.indices(self.shape[0]))
        cols = np.arange(*cols_key.indices(self.shape[1]))
        ph, pw = self.patch.shape
        ri = (rows >= self.r0) & (rows < self.r0 + ph)
        ci = (cols >= self.c0) & (cols < self.c0 + pw)
        if ri.any() and ci.any():
            out[np.ix_(ri, ci)] = self.patch[np.ix_(rows[ri] - self.r0, cols[ci] - self.c0)]
        return out


class PassiveScatter(pg.ScatterPlotItem):
    """Star circles that never take a click (pyqtgraph's scene offers clicks to every item
    near the pointer, and a scatter accepts them, swallowing Examine and region clicks)."""

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        ev.ignore()


class CropItem(pg.GraphicsObject):
    """Paints one pre-rendered RGBA crop into its rectangle of the image."""

    def __init__(self) -> None:
        super().__init__()
        self._bounds = QtCore.QRectF()
        self._target = QtCore.QRectF()
        self._image: QtGui.QImage | None = None
        self._buffer: np.ndarray | None = None
        #: Called once, after the first crop is painted (start-up timing).
        self.on_first_paint = None

    def set_bounds(self, width: int, height: int) -> None:
        self.prepareGeometryChange()
        self._bounds = QtCore.QRectF(0, 0, width, height)

    def set_crop(self, rgba: np.ndarray | None, target: QtCore.QRectF) -> None:
        """Show ``rgba`` (rows from the bottom) stretched over ``target`` (scene units)."""
        if rgba is None or rgba.size == 0:
            self._image, self._buffer = None, None
        else:
            self._buffer = np.ascontiguousarray(rgba)  # QImage does not own its memory
            h, w = self._buffer.shape[:2]
            self._image = QtGui.QImage(
                self._buffer.data, w, h, w * 4, QtGui.QImage.Format.Format_RGBA8888
            )
        self._target = QtCore.QRectF(target)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        if self._image is None:
            return
        # Nearest neighbour: pixels show as squares when zoomed in.
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(self._target, self._image)
        if self.on_first_paint is not None:
            callback, self.on_first_paint = self.on_first_paint, None
            callback()


class _ViewBox(pg.ViewBox):
    """DS9's mouse: left-drag pans, wheel zooms about the cursor, middle-click centres,
    right-drag changes contrast and bias."""

    def __init__(self, canvas: ImageCanvas) -> None:
        super().__init__(lockAspect=True, invertY=False, enableMenu=False)
        self._canvas = canvas
        self._cb_start: tuple[float, float] | None = None

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 - Qt API
        steps = ev.delta() / 120.0 if hasattr(ev, "delta") else ev.angleDelta().y() / 120.0
        if steps:
            center = self.mapToView(ev.pos())
            self._canvas.set_zoom(self._canvas.zoom() * WHEEL_STEP**steps, center)
        ev.accept()

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - Qt API
        if ev.button() == QtCore.Qt.MouseButton.MiddleButton:
            p = self.mapToView(ev.pos())
            self._canvas.center_on_scene(p.x(), p.y())
            ev.accept()
            return
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            p = self.mapToView(ev.pos())
            if self._canvas.brush is not None:
                self._canvas.brush(p.x() + 0.5, p.y() + 0.5)
                self._canvas.strokeFinished.emit()
            self._canvas.clicked.emit(p.x() + 0.5, p.y() + 0.5)
        ev.accept()

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - Qt API
        if ev.button() == QtCore.Qt.MouseButton.RightButton:
            if ev.isStart():
                self._cb_start = self._canvas.contrast_bias
            if self._cb_start is not None:
                # DS9: horizontal motion moves the bias, vertical motion the contrast.
                width = max(1.0, self.width())
                height = max(1.0, self.height())
                delta = ev.pos() - ev.buttonDownPos()
                c0, b0 = self._cb_start
                contrast = min(10.0, max(0.0, c0 * 2.0 ** (-delta.y() / (height / 4))))
                bias = min(1.0, max(0.0, b0 + delta.x() / width))
                self._canvas.contrastBiasDragged.emit(contrast, bias)
            if ev.isFinish():
                self._cb_start = None
            ev.accept()
            return
        if ev.button() == QtCore.Qt.MouseButton.LeftButton and self._canvas.brush is not None:
            p = self.mapToView(ev.pos())
            self._canvas.brush(p.x() + 0.5, p.y() + 0.5)
            if ev.isFinish():
                self._canvas.strokeFinished.emit()
            ev.accept()
            return
        if ev.button() == QtCore.Qt.MouseButton.LeftButton and self._canvas.draw_mode:
            # Drawing a region: report where the drag began and where it is now.
            start = self.mapToView(ev.buttonDownPos())
            now = self.mapToView(ev.pos())
            if ev.isFinish():
                self._canvas.dragged.emit(
                    start.x() + 0.5, start.y() + 0.5, now.x() + 0.5, now.y() + 0.5
                )
            ev.accept()
            return
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            # Pan by the mouse motion in scene units.
            last = self.mapToView(ev.lastPos())
            now = self.mapToView(ev.pos())
            self.translateBy(x=last.x() - now.x(), y=last.y() - now.y())
            ev.accept()
            return
        ev.ignore()


class ImageCanvas(pg.GraphicsView):
    """An image display with DS9's navigation.

    Signals
    -------
    cursorMoved(float, float)
        FITS position under the pointer (continuous, 1-based).
    cursorLeft()
        The pointer left the image area.
    clicked(float, float)
        Left click at a FITS position.
    contrastBiasDragged(float, float)
        New contrast and bias from a right-drag.
    viewChanged()
        Zoom or pan changed (after the redraw).
    """

    cursorMoved = QtCore.Signal(float, float)
    cursorLeft = QtCore.Signal()
    clicked = QtCore.Signal(float, float)
    contrastBiasDragged = QtCore.Signal(float, float)
    viewChanged = QtCore.Signal()
    #: The mouse button went up after brushing (a click or a drag): one stroke is done.
    strokeFinished = QtCore.Signal()
    #: In draw mode, a left drag from (x0, y0) to (x1, y1) (FITS) ended.
    dragged = QtCore.Signal(float, float, float, float)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, background=(40, 40, 40))
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(False)
        self.vb = _ViewBox(self)
        self.vb.setMouseEnabled(True, True)
        self.setCentralItem(self.vb)
        self.vb.disableAutoRange()
        self.item = CropItem()
        self.vb.addItem(self.item)
        self.mask_item = CropItem()
        self.mask_item.setZValue(5)
        self.vb.addItem(self.mask_item)
        self._mask: np.ndarray | None = None
        self.mask_colour = (255, 40, 40, 110)
        #: When set, left clicks and drags call ``brush(x, y)`` (FITS) instead of panning.
        self.brush = None
        #: When True, left drags draw (``dragged``) instead of panning.
        self.draw_mode = False
        self.stars_item = PassiveScatter(
            pxMode=False, symbol="o", brush=None, pen=pg.mkPen((0, 255, 0), width=0)
        )
        self.stars_item.setZValue(10)
        self.vb.addItem(self.stars_item)
        self.highlight_item = PassiveScatter(
            pxMode=False, symbol="o", brush=None, pen=pg.mkPen((255, 60, 60), width=0)
        )
        self.highlight_item.setZValue(11)
        self.vb.addItem(self.highlight_item)

        self._planes: list = []
        self._colourings: list = []
        self._shape: tuple[int, int] = (0, 0)
        self._appliers: list[LutApplier] = []
        self._crop_key: tuple | None = None
        self._crops: list[np.ndarray] = []
        self._crop_rect = QtCore.QRectF()
        self.contrast_bias = (1.0, 0.5)
        self._cursor: tuple[float, float] | None = None
        self._pending = QtCore.QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.render_now)
        self.vb.sigRangeChanged.connect(self._on_range_changed)
        self.vb.sigResized.connect(self._on_range_changed)

    # ----------------------------------------------------------------- content
    @property
    def image_shape(self) -> tuple[int, int]:
        """``(ny, nx)`` of the image shown."""
        return self._shape

    def set_planes(self, planes: list, keep_view: bool = False) -> None:
        """Show one plane (a grey or colormapped image) or three (an R, G, B composite).

        Parameters
        ----------
        planes : list of 2-D array-likes
            All of one shape; ndarray or ScaledArray.
        keep_view : bool
            Keep the zoom and centre (for a plane change in a cube); otherwise fit.
        """
        shape = tuple(planes[0].shape) if planes else (0, 0)
        same_shape = shape == self._shape
        self._unpatched = None
        self._planes = list(planes)
        self._shape = shape  # type: ignore[assignment]
        self._appliers = [LutApplier() for _ in planes]
        self._crop_key = None
        self.item.set_bounds(shape[1], shape[0])
        self.mask_item.set_bounds(shape[1], shape[0])
        if not (keep_view and same_shape):
            self.zoom_fit()
        self.schedule_render()

    def set_mask(self, mask: np.ndarray | None) -> None:
        """Show a boolean mask (True = masked) as a translucent overlay, or remove it."""
        self._mask = mask
        self.render_now()

    def set_stars(self, x, y, diameter, colours=None) -> None:
        """Circle stars at FITS positions with the given diameters (pixels), each in its
        RGB colour (default green)."""
        x = np.asarray(x, float) - 0.5
        y = np.asarray(y, float) - 0.5
        pens = None
        if colours is not None:
            cache = {c: pg.mkPen(c, width=0) for c in set(colours)}
            pens = [cache[c] for c in colours]
        if pens:
            self.stars_item.setData(x=x, y=y, size=np.asarray(diameter, float), pen=pens)
        else:
            self.stars_item.setData(x=x, y=y, size=np.asarray(diameter, float))

    def set_overlay(self, name: str, items: list) -> None:
        """Replace the named overlay (contours, grid, compass...) by ``items``
        (pyqtgraph items in scene coordinates)."""
        if not hasattr(self, "_overlays"):
            self._overlays = {}
        for item in self._overlays.pop(name, []):
            self.vb.removeItem(item)
        for item in items:
            item.setZValue(8)
            self.vb.addItem(item)
        self._overlays[name] = list(items)

    def overlay(self, name: str) -> list:
        return getattr(self, "_overlays", {}).get(name, [])

    def highlight_star(self, x: float | None, y: float | None, diameter: float = 10.0) -> None:
        if x is None:
            self.highlight_item.clear()
        else:
            self.highlight_item.setData(x=[x - 0.5], y=[y - 0.5], size=[diameter])

    def show_patch(self, patch: np.ndarray, r0: int, c0: int) -> None:
        """Show ``patch`` over the plane(s) at numpy (r0, c0) (an edit preview): a 2-D patch
        over a single plane, a ``(3, h, w)`` patch over a colour composite."""
        patches = list(patch) if patch.ndim == 3 else [patch]
        base = getattr(self, "_unpatched", None) or list(self._planes)
        if len(patches) != len(base):
            return
        self._unpatched = base
        self._planes = [PatchedPlane(b, p, r0, c0) for b, p in zip(base, patches, strict=True)]
        self._crop_key = None
        self.render_now()

    def clear_patch(self) -> None:
        """Remove an edit preview."""
        base = getattr(self, "_unpatched", None)
        if base is not None:
            self._planes = list(base)
            self._unpatched = None
            self._crop_key = None
            self.render_now()

    def visible_box(self) -> tuple[int, int, int, int]:
        """The visible area as numpy ``(r0, r1, c0, c1)``."""
        r0, r1, c0, c1, _ = self._visible_crop()
        return r0, r1, c0, c1

    def set_colourings(self, colourings: list) -> None:
        """Set each plane's ``PlaneRendering`` (limits and colour table) and redraw."""
        self._colourings = list(colourings)
        self.render_now()

    # -------------------------------------------------------------- navigation
    def zoom(self) -> float:
        """Screen pixels per image pixel."""
        px = self.vb.viewPixelSize()[0]
        return 1.0 / px if px > 0 else 1.0

    def view_center(self) -> tuple[float, float]:
        """Centre of the view in scene coordinates."""
        r = self.vb.viewRect()
        return r.center().x(), r.center().y()

    def view(self) -> View:
        """The FITS pixel at the centre of the view and the zoom."""
        cx, cy = self.view_center()
        return View(cx + 0.5, cy + 0.5, self.zoom())

    def set_view(self, view: View) -> None:
        """Show ``view`` (centre and zoom)."""
        self.set_zoom(view.zoom)
        self.center_on(view.x, view.y)

    def set_zoom(self, zoom: float, center: QtCore.QPointF | None = None) -> None:
        """Zoom to ``zoom`` (clamped to 1/32..32), keeping ``center`` (scene) fixed on screen."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        factor = self.zoom() / zoom
        if center is None:
            cx, cy = self.view_center()
            center = QtCore.QPointF(cx, cy)
        self.vb.scaleBy((factor, factor), center=center)

    def zoom_in(self) -> None:
        self.set_zoom(_nice_zoom(self.zoom() * 2.0))

    def zoom_out(self) -> None:
        self.set_zoom(_nice_zoom(self.zoom() / 2.0))

    def zoom_to(self, zoom: float) -> None:
        """Set an exact zoom about the view centre (1 for 1:1)."""
        self.set_zoom(zoom)

    def zoom_fit(self) -> None:
        """Fit the whole image in the view."""
        ny, nx = self._shape
        if nx and ny:
            self.vb.setRange(QtCore.QRectF(0, 0, nx, ny), padding=0.02)

    def center_on_scene(self, x: float, y: float) -> None:
        r = self.vb.viewRect()
        self.vb.translateBy(x=x - r.center().x(), y=y - r.center().y())

    def center_on(self, x: float, y: float) -> None:
        """Centre the view on FITS pixel ``(x, y)``."""
        self.center_on_scene(x - 0.5, y - 0.5)

    def visible_fits_rect(self) -> tuple[float, float, float, float]:
        """The visible area as FITS ``(x0, y0, x1, y1)`` edges."""
        r = self.vb.viewRect()
        return r.left() + 0.5, r.top() + 0.5, r.right() + 0.5, r.bottom() + 0.5

    def dispose(self) -> None:
        """Stop all redraws before the canvas is deleted (a pending one would touch
        deleted C++ objects)."""
        self._disposed = True
        self._pending.stop()
        for signal in (self.vb.sigRangeChanged, self.vb.sigResized):
            try:
                signal.disconnect()
            except (RuntimeError, TypeError):
                pass
        self._planes = []

    # --------------------------------------------------------------- rendering
    def schedule_render(self) -> None:
        if not getattr(self, "_disposed", False):
            self._pending.start()

    def _on_range_changed(self, *args) -> None:
        self.schedule_render()

    def _visible_crop(self) -> tuple[int, int, int, int, int]:
        """``(r0, r1, c0, c1, step)`` of the data to draw for the current view."""
        r = self.vb.viewRect()
        return visible_crop(r.left(), r.right(), r.top(), r.bottom(), self._shape, self.zoom())

    def render_now(self) -> None:
        """Cut, colour and show the visible crop (synchronously)."""
        self._pending.stop()
        if not self._planes or len(self._colourings) != len(self._planes):
            self.item.set_crop(None, QtCore.QRectF())
            return
        r0, r1, c0, c1, step = self._visible_crop()
        if r1 <= r0 or c1 <= c0:
            self.item.set_crop(None, QtCore.QRectF())
            self.viewChanged.emit()
            return
        key = (r0, r1, c0, c1, step, tuple(id(p) for p in self._planes))
        if key != self._crop_key:
            self._crops = [
                np.asarray(p[r0:r1:step, c0:c1:step], dtype=np.float32) for p in self._planes
            ]
            self._crop_key = key
        rgba = self._colour(self._crops)
        h, w = rgba.shape[:2]
        self._crop_rect = QtCore.QRectF(c0, r0, w * step, h * step)
        self.item.set_crop(rgba, self._crop_rect)
        self._render_mask(r0, r1, c0, c1, step)
        self.viewChanged.emit()

    def _render_mask(self, r0: int, r1: int, c0: int, c1: int, step: int) -> None:
        if self._mask is None or self._mask.shape != tuple(self._shape):
            self.mask_item.set_crop(None, QtCore.QRectF())
            return
        crop = self._mask[r0:r1:step, c0:c1:step]
        rgba = np.zeros((*crop.shape, 4), np.uint8)
        rgba[crop] = self.mask_colour
        h, w = crop.shape
        self.mask_item.set_crop(rgba, QtCore.QRectF(c0, r0, w * step, h * step))

    def _colour(self, crops: list[np.ndarray]) -> np.ndarray:
        if len(crops) == 1:
            c = self._colourings[0]
            return self._appliers[0](crops[0], c.low, c.high, c.lut)
        channels = [
            a(crop, c.low, c.high, c.lut)[..., 0]
            for a, crop, c in zip(self._appliers, crops, self._colourings, strict=True)
        ]
        alpha = np.full_like(channels[0], 255)
        return np.stack([*channels, alpha], axis=-1)

    def render_region(self, r0: int, r1: int, c0: int, c1: int, step: int = 1) -> np.ndarray:
        """Colour an arbitrary region with the current settings (for magnifier and panner).

        Returns ``(rows, cols, 4)`` RGBA, rows from the bottom; regions outside the image
        are transparent.
        """
        ny, nx = self._shape
        rows = np.arange(r0, r1, step)
        cols = np.arange(c0, c1, step)
        out = np.zeros((rows.size, cols.size, 4), np.uint8)
        if not self._planes or len(self._colourings) != len(self._planes):
            return out
        ri = (rows >= 0) & (rows < ny)
        ci = (cols >= 0) & (cols < nx)
        if not ri.any() or not ci.any():
            return out
        rr, cc = rows[ri], cols[ci]
        crops = [
            np.asarray(
                p[int(rr[0]) : int(rr[-1]) + 1 : step, int(cc[0]) : int(cc[-1]) + 1 : step],
                dtype=np.float32,
            )
            for p in self._planes
        ]
        saved = self._appliers
        self._appliers = [LutApplier() for _ in self._planes]
        try:
            rgba = self._colour(crops)
        finally:
            self._appliers = saved
        out[np.ix_(ri, ci)] = rgba
        return out

    # ------------------------------------------------------------------ cursor
    def mouseMoveEvent(self, ev: QtGui.QMouseEvent) -> None:  # noqa: N802 - Qt API
        # Every move updates the cursor: pyqtgraph's sigMouseMoved drops moves closer than
        # 10 ms apart, which can leave the readout on a pixel the pointer has left.
        if self._shape[0]:
            p = self.vb.mapSceneToView(self.mapToScene(ev.position().toPoint()))
            self._set_cursor(p.x() + 0.5, p.y() + 0.5)
        super().mouseMoveEvent(ev)

    def leaveEvent(self, ev) -> None:  # noqa: N802 - Qt API
        self._cursor = None
        self.cursorLeft.emit()
        super().leaveEvent(ev)

    def _set_cursor(self, x: float, y: float) -> None:
        ny, nx = self._shape
        if 0.5 <= x < nx + 0.5 and 0.5 <= y < ny + 0.5:
            self._cursor = (x, y)
            self.cursorMoved.emit(x, y)
        else:
            self._cursor = None
            self.cursorLeft.emit()

    def cursor_position(self) -> tuple[float, float] | None:
        """The FITS position last reported under the pointer."""
        return self._cursor

    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:  # noqa: N802 - Qt API
        moves = {
            QtCore.Qt.Key.Key_Left: (-1, 0),
            QtCore.Qt.Key.Key_Right: (1, 0),
            QtCore.Qt.Key.Key_Up: (0, 1),
            QtCore.Qt.Key.Key_Down: (0, -1),
        }
        key = QtCore.Qt.Key(ev.key())
        if key in moves and self._shape[0]:
            dx, dy = moves[key]
            x, y = self._cursor or self._center_fits()
            # Snap to the pixel centre, then move one pixel, as DS9's arrow keys do.
            x, y = round(x) + dx, round(y) + dy
            self._set_cursor(float(x), float(y))
            self._move_pointer(x, y)
            ev.accept()
            return
        super().keyPressEvent(ev)

    def _center_fits(self) -> tuple[float, float]:
        cx, cy = self.view_center()
        return cx + 0.5, cy + 0.5

    def _move_pointer(self, x: float, y: float) -> None:
        scene = self.vb.mapViewToScene(QtCore.QPointF(x - 0.5, y - 0.5))
        widget_pos = self.mapFromScene(scene)
        QtGui.QCursor.setPos(self.mapToGlobal(widget_pos))


def _nice_zoom(z: float) -> float:
    """Snap a zoom to the nearest power of two (DS9's zoom in/out steps)."""
    return 2.0 ** round(math.log2(min(MAX_ZOOM, max(MIN_ZOOM, z))))
