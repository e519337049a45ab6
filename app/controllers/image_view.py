"""The image on screen: binds the canvas, colorbar, scale panel, readout, magnifier,
panner, image toolbar and status bar to the workspace's current frame."""

from __future__ import annotations

from dataclasses import replace

from PySide6 import QtCore, QtWidgets

from skyglass.model.workspace import FrameState, Workspace
from skyglass.processing.errors import SkyglassError


class ImageViewController(QtCore.QObject):
    """Shows the current frame and turns the image widgets' input into model changes.

    Parameters
    ----------
    workspace : Workspace
    widgets : object
        Holds ``canvas``, ``colorbar``, ``scale_panel``, ``readout``, ``magnifier``,
        ``panner``, ``toolbar`` (ImageToolbar) and ``status`` (StatusLabels).
    show_error : callable
        ``show_error(message)``.
    open_hdu : callable
        ``open_hdu(index)``: show another HDU of the current file.
    """

    #: After the image or its display changed (menus re-read their check states).
    refreshed = QtCore.Signal()

    def __init__(self, workspace: Workspace, widgets, show_error, open_hdu) -> None:
        super().__init__()
        self.ws = workspace
        self.w = widgets
        self.show_error = show_error
        self.open_hdu = open_hdu
        self._shape = None
        self._showing = False
        workspace.current_changed.connect(self._current_changed)
        workspace.document_changed.connect(self._document_changed)
        workspace.display_changed.connect(self._display_changed)
        workspace.view_changed.connect(self._view_changed)
        c = widgets.canvas
        c.cursorMoved.connect(self._on_cursor)
        c.cursorLeft.connect(self._on_cursor_left)
        # The view is recorded as soon as it changes (not at the next redraw), so a
        # frame switch right after a zoom keeps it.
        c.vb.sigRangeChanged.connect(lambda *_: self._canvas_view_changed())
        c.viewChanged.connect(self.update_status)
        c.contrastBiasDragged.connect(
            lambda contrast, bias: self.update_display(contrast=contrast, bias=bias)
        )
        widgets.scale_panel.settingsChanged.connect(self.set_display)
        widgets.panner.panRequested.connect(c.center_on)
        widgets.toolbar.hduChosen.connect(self._hdu_chosen)
        widgets.toolbar.planeChosen.connect(self.set_plane)
        widgets.toolbar.compositeToggled.connect(self.set_composite)

    # ------------------------------------------------------------------ input
    def set_display(self, settings) -> bool:
        """New display settings for the current frame; a clear message if invalid."""
        try:
            self.ws.set_display(settings)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        return True

    def update_display(self, **changes) -> bool:
        """Change some display fields of the current frame."""
        state = self.ws.current
        base = state.display if state is not None else self.ws.default_display
        return self.set_display(replace(base, **changes))

    def choose_nan_colour(self, parent=None) -> None:
        """Ask for the colour NaN and Inf pixels are drawn in."""
        from PySide6 import QtGui

        state = self.ws.current
        display = state.display if state is not None else self.ws.default_display
        colour = QtWidgets.QColorDialog.getColor(
            QtGui.QColor(*display.nan_color), parent, "Colour of NaN pixels"
        )
        if colour.isValid():
            self.update_display(nan_color=(colour.red(), colour.green(), colour.blue()))

    def set_plane(self, index: int) -> None:
        """Show plane ``index`` (0-based) of the current cube, keeping the view."""
        state = self.ws.current
        doc = state.document if state is not None else None
        if doc is None or not 0 <= index < doc.image.nplanes:
            return
        if index == doc.image.plane_index and not doc.composite:
            return
        try:
            doc.set_plane(index)
        except SkyglassError as exc:
            self.show_error(str(exc))
            self.w.toolbar.show_image(doc.image, doc.composite)
            return
        doc.composite = False
        self.ws.document_edited(state)

    def set_composite(self, on: bool) -> None:
        state = self.ws.current
        if state is not None:
            state.document.composite = bool(on)
            self.ws.document_edited(state)

    def _hdu_chosen(self, index: int) -> None:
        state = self.ws.current
        if state is not None and index != state.document.image.hdu_index:
            self.open_hdu(index)

    # ------------------------------------------------------------------ model
    def _current_changed(self, state: FrameState | None) -> None:
        if state is None:
            self.w.canvas.set_planes([])
            self.w.toolbar.show_image(None)
            self._shape = None
            self.update_status()
            self.refreshed.emit()
            return
        self._show(state, keep_view=False)

    def _document_changed(self, state: FrameState) -> None:
        if state is self.ws.current:
            same = self._shape == state.document.image.shape
            self._show(state, keep_view=same and state.view is not None)

    def _show(self, state: FrameState, keep_view: bool) -> None:
        doc = state.document
        displays = doc.displayed()
        self._shape = doc.image.shape
        self._showing = True  # the fit below is not the user's view of this frame
        try:
            self.w.canvas.set_planes([d.data for d in displays], keep_view=keep_view)
            if not keep_view and state.view is not None:
                self.w.canvas.set_view(state.view)
        finally:
            self._showing = False
        self._canvas_view_changed()
        self.w.readout.set_image(doc.image.data, lambda image=doc.image: image.wcs, doc.image.bunit)
        self.w.toolbar.show_image(doc.image, doc.composite)
        self._display_changed(state, frame_limits=True)
        self.update_status()

    def _display_changed(self, state: FrameState, frame_limits: bool = False) -> None:
        if state is not self.ws.current:
            return
        settings = state.display
        displays = state.document.displayed()
        if len(displays) == 3:
            per_channel = replace(settings, cmap="grey", invert=False)
            colourings = [d.rendering(per_channel) for d in displays]
        else:
            colourings = [displays[0].rendering(settings)]
        limits = (colourings[0].low, colourings[0].high)
        w = self.w
        w.canvas.contrast_bias = (settings.contrast, settings.bias)
        w.canvas.set_colourings(colourings)
        w.colorbar.setVisible(len(displays) == 1)
        w.colorbar.set_colouring(colourings[0], state.document.image.bunit)
        w.scale_panel.set_settings(settings, limits)
        # Frame the histogram on new limits, not while the user drags them.
        if frame_limits or settings.limit_spec.mode != "user":
            w.scale_panel.set_histogram(displays[0].sample, limits)
        w.panner.refresh()
        pos = w.canvas.cursor_position()
        if pos is not None:
            w.magnifier.show_position(*pos)
        self.refreshed.emit()

    def _view_changed(self, state: FrameState, source) -> None:
        if source is not self and state is self.ws.current and state.view is not None:
            self.w.canvas.set_view(state.view)

    def _canvas_view_changed(self) -> None:
        state = self.ws.current
        if state is not None and self.w.canvas.image_shape[0] and not self._showing:
            view = self.w.canvas.view()
            if not view.close_to(state.view):
                self.ws.set_view(view, state, source=self)
        self.update_status()

    # ----------------------------------------------------------------- cursor
    def _on_cursor(self, x: float, y: float) -> None:
        self.w.readout.show_position(x, y)
        self.w.magnifier.show_position(x, y)

    def _on_cursor_left(self) -> None:
        self.w.readout.clear()
        self.w.magnifier.clear()

    def update_status(self) -> None:
        """File, size/plane, zoom and frame number in the status bar."""
        s = self.w.status
        state = self.ws.current
        n = len(self.ws.frames)
        s.frame.setText(f"frame {self.ws.index + 1}/{n}" if n > 1 else "")
        if state is None:
            for label in (s.file, s.size, s.zoom):
                label.setText("")
            return
        doc = state.document
        ny, nx = doc.image.shape
        s.file.setText(doc.name)
        extra = (
            f", plane {doc.image.plane_index + 1}/{doc.image.nplanes}"
            if (doc.image.nplanes > 1 and not doc.composite)
            else ""
        )
        s.size.setText(f"{nx} x {ny}{extra}")
        s.zoom.setText(f"zoom {self.w.canvas.zoom():.3g}")


class StatusLabels:
    """The permanent labels of the status bar."""

    def __init__(self, bar: QtWidgets.QStatusBar) -> None:
        self.frame, self.file, self.size, self.zoom = (QtWidgets.QLabel("") for _ in range(4))
        for label in (self.frame, self.file, self.size, self.zoom):
            bar.addPermanentWidget(label)
