"""Frames: several images open at once (DS9's frames), with next/previous, blink, tile,
and locks of pan/zoom (by image pixels or by WCS), scale limits and colormap."""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6 import QtCore, QtWidgets

LOCKS = ("none", "image", "wcs")
SCALE_FIELDS = ("scale", "exponent", "limits")
COLOUR_FIELDS = ("cmap", "invert", "contrast", "bias", "nan_color")


class FramesMixin:
    """Frame handling for the main window (expects ``canvas``, ``display``,
    ``_show_document`` and the panels)."""

    def _init_frames(self) -> None:
        self.frames: list = []
        self.frame_index = -1
        self.lock_frames = "none"
        self.lock_scale = False
        self.lock_colour = False
        self.max_frames = 64
        self._blink = QtCore.QTimer(self)
        self._blink.setInterval(500)
        self._blink.timeout.connect(self._blink_step)
        self.blink_last = 0  # 0: blink every frame; n: only the newest n
        self.tiles: list = []
        self._syncing = False

    # ----------------------------------------------------------------- access
    @property
    def document(self):
        return self.frames[self.frame_index] if self.frames else None

    @document.setter
    def document(self, doc) -> None:
        if doc is None:
            return
        if not self.frames:
            self.frames.append(doc)
            self.frame_index = 0
        else:
            self.frames[self.frame_index] = doc

    def add_frame(self, doc) -> None:
        """Append a frame and make it current (the oldest are closed past max_frames)."""
        self._leave_frame()
        self.frames.append(doc)
        while len(self.frames) > self.max_frames:
            old = self.frames.pop(0)
            old.close()
        self.frame_index = len(self.frames) - 1

    def delete_frame(self) -> None:
        """Close the current frame (asking first if it has unsaved edits)."""
        if not self.frames or not self._may_leave_document():
            return
        doc = self.frames.pop(self.frame_index)
        doc.close()
        if not self.frames:
            self.frame_index = -1
            self.canvas.set_planes([])
            self._update_frame_status()
            return
        self.frame_index = min(self.frame_index, len(self.frames) - 1)
        self._enter_frame(keep=None)

    # -------------------------------------------------------------- switching
    def set_frame(self, index: int) -> None:
        """Show frame ``index`` (its own view and settings unless locked)."""
        if not self.frames or not 0 <= index < len(self.frames) or index == self.frame_index:
            return
        keep = self._view_state()
        self._leave_frame()
        self.frame_index = index
        self._enter_frame(keep)

    def next_frame(self) -> None:
        if len(self.frames) > 1:
            self.set_frame((self.frame_index + 1) % len(self.frames))

    def previous_frame(self) -> None:
        if len(self.frames) > 1:
            self.set_frame((self.frame_index - 1) % len(self.frames))

    def _view_state(self) -> dict | None:
        doc = self.document
        if doc is None or not self.canvas.image_shape[0]:
            return None
        cx, cy = self.canvas.view_center()
        state = {
            "x": cx + 0.5,
            "y": cy + 0.5,
            "zoom": self.canvas.zoom(),
            "wcs": doc.image.wcs,
            "shape": doc.image.shape,
        }
        return state

    def _leave_frame(self) -> None:
        doc = self.document
        if doc is None:
            return
        doc.view = self._view_state()
        doc.display = self.display
        doc.regions = self.regions_panel.regions()

    def _enter_frame(self, keep: dict | None) -> None:
        doc = self.document
        own = getattr(doc, "display", None)
        if own is not None:
            changes = {}
            if self.lock_scale:
                changes.update({f: getattr(self.display, f) for f in SCALE_FIELDS})
            if self.lock_colour:
                changes.update({f: getattr(self.display, f) for f in COLOUR_FIELDS})
            self.display = replace(own, **changes)
        self._show_document(keep_view=False)
        self.stars_panel.set_catalog(getattr(doc, "catalog", None))
        self.regions_panel.clear_regions()
        for r in getattr(doc, "regions", None) or []:
            self.regions_panel.add_region(r)
        self._refresh_mask_overlay()
        self.history_panel.show_history(
            doc.history.steps if doc.history else [], doc.history.index if doc.history else 0
        )
        self._update_edit_actions()
        view = keep if self.lock_frames != "none" else getattr(doc, "view", None)
        if view is not None:
            self._apply_view(view, self.lock_frames if keep is view else "image", self.canvas, doc)
        self.setWindowTitle(f"{doc.name} - Skyglass")
        self._update_frame_status()
        self.documentChanged.emit()

    def _apply_view(self, view: dict, how: str, canvas, doc) -> None:
        """Put ``canvas`` (showing ``doc``) at ``view``, by pixels or by sky position."""
        x, y, zoom = view["x"], view["y"], view["zoom"]
        if how == "wcs":
            src, dst = view.get("wcs"), doc.image.wcs
            if src is None or dst is None:
                return
            ra, dec = src.all_pix2world([[x, y]], 1)[0]
            x, y = dst.all_world2pix([[ra, dec]], 1)[0]
            zoom = zoom * _pixel_scale(dst) / _pixel_scale(src)
        canvas.set_zoom(zoom)
        canvas.center_on(float(x), float(y))

    # ------------------------------------------------------------------ blink
    def set_blink(self, on: bool, interval_ms: int | None = None, last: int | None = None) -> None:
        """Blink the frames (or only the newest ``last`` ones: 2 compares each new frame
        of a followed folder with the one before)."""
        if interval_ms:
            self._blink.setInterval(int(interval_ms))
        if last is not None:
            self.blink_last = max(0, int(last))
        if on and len(self.frames) > 1:
            self._blink.start()
        else:
            self._blink.stop()
        action = getattr(self, "blink_action", None)
        if action is not None:
            action.setChecked(self.blinking)

    def _blink_step(self) -> None:
        n = len(self.frames)
        first = max(0, n - self.blink_last) if self.blink_last else 0
        if n - first < 2:
            return
        nxt = self.frame_index + 1
        self.set_frame(nxt if first <= nxt < n else first)

    @property
    def blinking(self) -> bool:
        return self._blink.isActive()

    # ------------------------------------------------------------------ locks
    def set_locks(
        self, frames: str | None = None, scale: bool | None = None, colour: bool | None = None
    ) -> None:
        if frames is not None:
            if frames not in LOCKS:
                raise ValueError(f"lock must be one of {LOCKS}")
            self.lock_frames = frames
        if scale is not None:
            self.lock_scale = scale
        if colour is not None:
            self.lock_colour = colour

    # ------------------------------------------------------------------- tile
    def set_tile(self, on: bool) -> None:
        """Show every frame at once in a grid (clicking a tile makes it current)."""
        from skyglass.viewer.canvas import ImageCanvas

        self._clear_tiles()
        if not on or not self.frames:
            self.central_stack.setCurrentIndex(0)
            return
        self._leave_frame()
        n = len(self.frames)
        cols = math.ceil(math.sqrt(n))
        grid = self.tile_layout
        for i, doc in enumerate(self.frames):
            canvas = ImageCanvas()
            frame = QtWidgets.QFrame()
            frame.setFrameShape(QtWidgets.QFrame.Shape.Box)
            frame.setLineWidth(3)
            lay = QtWidgets.QVBoxLayout(frame)
            lay.setContentsMargins(2, 2, 2, 2)
            label = QtWidgets.QLabel(f"{i + 1}: {doc.name}")
            lay.addWidget(label)
            lay.addWidget(canvas, 1)
            grid.addWidget(frame, i // cols, i % cols)
            settings = getattr(doc, "display", None) or self.display
            if self.lock_scale or self.lock_colour:
                changes = {}
                if self.lock_scale:
                    changes.update({f: getattr(self.display, f) for f in SCALE_FIELDS})
                if self.lock_colour:
                    changes.update({f: getattr(self.display, f) for f in COLOUR_FIELDS})
                settings = replace(settings, **changes)
            displays = doc.displayed()
            canvas.set_planes([d.data for d in displays])
            canvas.set_colourings([d.rendering(settings) for d in displays])
            canvas.clicked.connect(lambda x, y, k=i: self._tile_clicked(k))
            canvas.vb.sigRangeChanged.connect(lambda *_, k=i: self._sync_tiles(k))
            self.tiles.append((frame, canvas, doc))
        self.central_stack.setCurrentIndex(1)
        self._highlight_tile()

    def _clear_tiles(self) -> None:
        for frame, canvas, _ in self.tiles:
            canvas.dispose()
            canvas.close()
            frame.setParent(None)
            frame.deleteLater()
        self.tiles = []

    def _tile_clicked(self, index: int) -> None:
        if index != self.frame_index:
            self._leave_frame()
            self.frame_index = index
            self._enter_frame(None)
        self._highlight_tile()

    def _highlight_tile(self) -> None:
        for i, (frame, _, _) in enumerate(self.tiles):
            frame.setStyleSheet(
                "QFrame { border: 3px solid #3aa0ff; }"
                if i == self.frame_index
                else "QFrame { border: 3px solid transparent; }"
            )

    def _sync_tiles(self, source: int) -> None:
        """With a pan/zoom lock, the other tiles follow the one being moved."""
        if self._syncing or self.lock_frames == "none" or source >= len(self.tiles):
            return
        _, canvas, doc = self.tiles[source]
        cx, cy = canvas.view_center()
        view = {"x": cx + 0.5, "y": cy + 0.5, "zoom": canvas.zoom(), "wcs": doc.image.wcs}
        self._syncing = True
        try:
            for i, (_, other, odoc) in enumerate(self.tiles):
                if i != source:
                    self._apply_view(view, self.lock_frames, other, odoc)
        finally:
            self._syncing = False

    def _update_frame_status(self) -> None:
        if hasattr(self, "status_frame"):
            n = len(self.frames)
            self.status_frame.setText(f"frame {self.frame_index + 1}/{n}" if n > 1 else "")


def _pixel_scale(wcs) -> float:
    import numpy as np

    return float(abs(np.linalg.det(wcs.pixel_scale_matrix)) ** 0.5)
