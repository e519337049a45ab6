"""Frames (DS9's word): several images open at once; next/previous, delete, blink, tile.

The frames themselves and their locks live in the workspace; this controller adds the
timers and the tile grid.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from skyglass.controllers.overlays import paint_mask, paint_stars
from skyglass.model.workspace import FrameState, Workspace
from skyglass.viewer.image.canvas import ImageCanvas
from skyglass.viewer.image.regions import RegionOverlay


class FramesController(QtCore.QObject):
    """Frame switching, blinking and tiling.

    Parameters
    ----------
    workspace : Workspace
    central : QStackedWidget
        Page 0 shows the single canvas, page 1 the tile grid.
    tile_layout : QGridLayout
        The grid of page 1.
    may_close : callable
        ``may_close(state) -> bool``: asks about unsaved edits before a frame closes.
    """

    blinkChanged = QtCore.Signal(bool)
    tileChanged = QtCore.Signal(bool)

    def __init__(self, workspace: Workspace, central, tile_layout, may_close) -> None:
        super().__init__()
        self.ws = workspace
        self.central = central
        self.tile_layout = tile_layout
        self.may_close = may_close
        self.blink_timer = QtCore.QTimer(self)
        self.blink_timer.setInterval(500)
        self.blink_timer.timeout.connect(self._blink_step)
        self.blink_last = 0  # 0: blink every frame; n: only the newest n
        self.tiles: list[tuple[QtWidgets.QFrame, ImageCanvas, FrameState]] = []
        #: Each tile's regions, drawn and editable as on the single image.
        self.tile_regions: dict[ImageCanvas, RegionOverlay] = {}
        workspace.frames_changed.connect(self._frames_changed)
        workspace.current_changed.connect(lambda _state: self._highlight_tile())
        workspace.view_changed.connect(self._tile_view_changed)
        workspace.display_changed.connect(self._tile_display_changed)
        # Tiles show each frame's regions, mask and catalogue, kept current.
        workspace.regions_changed.connect(self._tile_regions_changed)
        workspace.mask_changed.connect(lambda s: self._on_tile(s, paint_mask))
        workspace.overlays_changed.connect(lambda s: self._on_tile(s, paint_mask))
        workspace.catalog_changed.connect(lambda s: self._on_tile(s, paint_stars))

    # ----------------------------------------------------------------- frames
    def next_frame(self) -> None:
        self.ws.step(+1)

    def previous_frame(self) -> None:
        self.ws.step(-1)

    def delete_frame(self) -> None:
        """Close the current frame (asking first if it has unsaved edits)."""
        state = self.ws.current
        if state is not None and self.may_close(state):
            self.ws.remove_frame()

    def _frames_changed(self) -> None:
        if self.tiling:
            self.set_tile(True)
        if len(self.ws.frames) < 2 and self.blinking:
            self.set_blink(False)

    # ------------------------------------------------------------------ blink
    @property
    def blinking(self) -> bool:
        return self.blink_timer.isActive()

    def set_blink(self, on: bool, interval_ms: int | None = None, last: int | None = None) -> None:
        """Blink the frames (or only the newest ``last`` ones: 2 compares each new frame
        of a followed folder with the one before)."""
        if interval_ms:
            self.blink_timer.setInterval(int(interval_ms))
        if last is not None:
            self.blink_last = max(0, int(last))
        if on and len(self.ws.frames) > 1:
            self.blink_timer.start()
        else:
            self.blink_timer.stop()
        self.blinkChanged.emit(self.blinking)

    def toggle_blink_last_two(self) -> None:
        """Blink the newest two frames, or stop blinking."""
        self.set_blink(not self.blinking, last=2)

    def _blink_step(self) -> None:
        n = len(self.ws.frames)
        first = max(0, n - self.blink_last) if self.blink_last else 0
        if n - first < 2:
            return
        nxt = self.ws.index + 1
        self.ws.set_current(nxt if first <= nxt < n else first)

    # ------------------------------------------------------------------- tile
    @property
    def tiling(self) -> bool:
        return self.central.currentIndex() == 1

    def set_tile(self, on: bool) -> None:
        """Show every frame at once in a grid (clicking a tile makes it current)."""
        self._clear_tiles()
        if not on or not self.ws.frames:
            self.central.setCurrentIndex(0)
            self.tileChanged.emit(False)
            return
        cols = math.ceil(math.sqrt(len(self.ws.frames)))
        for i, state in enumerate(self.ws.frames):
            canvas = ImageCanvas()
            frame = QtWidgets.QFrame()
            frame.setObjectName("tile")  # the highlight is the tile's, not its label's
            frame.setFrameShape(QtWidgets.QFrame.Shape.Box)
            frame.setLineWidth(3)
            lay = QtWidgets.QVBoxLayout(frame)
            lay.setContentsMargins(2, 2, 2, 2)
            lay.addWidget(QtWidgets.QLabel(f"{i + 1}: {state.name}"))
            lay.addWidget(canvas, 1)
            self.tile_layout.addWidget(frame, i // cols, i % cols)
            displays = state.document.displayed()
            canvas.set_planes([d.data for d in displays])
            canvas.set_colourings([d.rendering(state.display) for d in displays])
            if state.view is not None:
                canvas.set_view(state.view)
            canvas.clicked.connect(lambda x, y, s=state: self._tile_clicked(s))
            canvas.vb.sigRangeChanged.connect(lambda *_, s=state, c=canvas: self._tile_moved(s, c))
            regions = RegionOverlay(canvas.vb, canvas)
            regions.set_regions(state.regions)
            regions.edited.connect(
                lambda s=state, r=regions: self.ws.set_regions(r.regions(), s, source=r)
            )
            self.tile_regions[canvas] = regions
            paint_mask(canvas, state)
            paint_stars(canvas, state)
            self.tiles.append((frame, canvas, state))
        self.central.setCurrentIndex(1)
        self._highlight_tile()
        self.tileChanged.emit(True)

    def _clear_tiles(self) -> None:
        self.tile_regions.clear()
        for frame, canvas, _ in self.tiles:
            canvas.dispose()
            canvas.close()
            frame.setParent(None)
            frame.deleteLater()
        self.tiles = []

    def _tile_clicked(self, state: FrameState) -> None:
        if state in self.ws.frames:
            self.ws.set_current(self.ws.frames.index(state))

    def _highlight_tile(self) -> None:
        for frame, _, state in self.tiles:
            current = state is self.ws.current
            frame.setStyleSheet(
                f"QFrame#tile {{ border: 3px solid {'#3aa0ff' if current else 'transparent'}; }}"
            )

    def _tile_moved(self, state: FrameState, canvas: ImageCanvas) -> None:
        """A tile was panned or zoomed: record it (locked tiles follow through the model)."""
        view = canvas.view()
        if not view.close_to(state.view):
            self.ws.set_view(view, state, source=canvas)

    def _tile_view_changed(self, state: FrameState, source) -> None:
        for _, canvas, tile_state in self.tiles:
            if tile_state is state and canvas is not source and state.view is not None:
                canvas.set_view(state.view)

    def _on_tile(self, state: FrameState, paint) -> None:
        """Repaint one overlay on ``state``'s tile, if it has one."""
        for _, canvas, tile_state in self.tiles:
            if tile_state is state:
                paint(canvas, state)

    def _tile_regions_changed(self, state: FrameState, source) -> None:
        for _, canvas, tile_state in self.tiles:
            overlay = self.tile_regions.get(canvas)
            if tile_state is state and overlay is not None and source is not overlay:
                overlay.set_regions(state.regions)

    def _tile_display_changed(self, state: FrameState) -> None:
        for _, canvas, tile_state in self.tiles:
            if tile_state is state:
                displays = state.document.displayed()
                canvas.set_colourings([d.rendering(state.display) for d in displays])
