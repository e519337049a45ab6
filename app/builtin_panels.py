"""The built-in dock panels, registered in the panel table (see :mod:`skyglass.panels`).

Each factory builds its panel and connects it to the model and the canvas; the main
window only places the docks.
"""

from __future__ import annotations

from PySide6 import QtWidgets

from skyglass.panels import PANELS, PanelContext, PanelSpec


def _follow_modes(ctx: PanelContext, panel) -> None:
    """A panel with mode buttons asks the window for a mode and shows the current one."""
    panel.modeRequested.connect(ctx.modes.set_mode)
    ctx.modes.modeChanged.connect(panel.show_mode)


def _scale(ctx: PanelContext):
    from skyglass.viewer.panels.scale import ScalePanel

    return ScalePanel()


class PixelPanel(QtWidgets.QWidget):
    """Magnifier, panner, value/WCS readout and the 5 x 5 pixel table."""

    def __init__(self, canvas) -> None:
        from skyglass.viewer.image.readout import Magnifier, Panner, ReadoutPanel

        super().__init__()
        self.magnifier = Magnifier(canvas)
        self.panner = Panner(canvas)
        self.readout = ReadoutPanel()
        lay = QtWidgets.QVBoxLayout(self)
        pics = QtWidgets.QHBoxLayout()
        for title, widget in (("Magnifier", self.magnifier), ("Panner", self.panner)):
            box = QtWidgets.QVBoxLayout()
            box.addWidget(QtWidgets.QLabel(title))
            box.addWidget(widget)
            pics.addLayout(box)
        lay.addLayout(pics)
        lay.addWidget(self.readout)
        lay.addStretch(1)


def _pixel(ctx: PanelContext):
    return PixelPanel(ctx.canvas)


def _calibration(ctx: PanelContext):
    from PySide6 import QtCore, QtGui

    from skyglass.paths import calibration_output
    from skyglass.viewer.panels.calibration import CalibrationPanel

    return CalibrationPanel(
        make_job=ctx.runner.job,
        show=lambda data, header, name: ctx.files.show_array(data, header, name, keep_view=True),
        output_for=lambda night: str(calibration_output(night)),
        open_folder=lambda folder: QtGui.QDesktopServices.openUrl(
            QtCore.QUrl.fromLocalFile(folder)
        ),
    )


def _edit(ctx: PanelContext):
    from skyglass.viewer.panels.edit import EditPanel

    panel = EditPanel(
        make_job=ctx.runner.job,
        current=ctx.editing.editable,
        visible_box=ctx.canvas.visible_box,
        preview=ctx.canvas.show_patch,
        end_preview=ctx.canvas.clear_patch,
        applied=ctx.editing.applied,
        all_planes=ctx.editing.set_all_planes,
        nan_colour=lambda: (
            ctx.workspace.current.display.nan_color
            if ctx.workspace.current is not None
            else ctx.workspace.default_display.nan_color
        ),
    )
    ctx.canvas.clicked.connect(panel.image_clicked)
    _follow_modes(ctx, panel)

    def show_cube() -> None:
        state = ctx.workspace.current
        doc = state.document if state is not None else None
        if doc is None:
            panel.set_cube(1, False, False)
        else:
            panel.set_cube(doc.source.nplanes, doc.all_planes, doc.composite and not doc.all_planes)

    ctx.editing.historyChanged.connect(show_cube)
    show_cube()
    return panel


def _history(ctx: PanelContext):
    from skyglass.viewer.panels.history import HistoryPanel

    panel = HistoryPanel()
    panel.stateChosen.connect(ctx.editing.goto_state)
    ctx.editing.historyChanged.connect(lambda: panel.set_frame(ctx.workspace.current))
    return panel


def _stars(ctx: PanelContext):
    from skyglass.viewer.panels.stars import StarsPanel

    ws = ctx.workspace
    panel = StarsPanel(
        make_job=ctx.runner.job,
        current=ctx.editing.current_frame,
        mask=lambda: ws.current.document.mask if ws.current is not None else None,
        show_stars=ws.set_catalog,
        go_to=ctx.overlays.go_to_star,
    )
    ctx.canvas.clicked.connect(panel.image_clicked)
    _follow_modes(ctx, panel)
    return panel


def _regions(ctx: PanelContext):
    from skyglass.viewer.panels.regions import RegionsPanel

    ws = ctx.workspace
    panel = RegionsPanel(
        lambda: ws.current.regions if ws.current is not None else [],
        ws.set_regions,
        ctx.editing.current_frame,
        lambda: ws.current.wcs if ws.current is not None else None,
        lambda: ws.current.document.mask if ws.current is not None else None,
        ws.set_mask,
    )
    ws.regions_changed.connect(lambda state, source: state is ws.current and panel.refresh())
    ctx.modes.modeChanged.connect(
        lambda mode: setattr(ctx.canvas, "brush", panel.paint if mode == "brush" else None)
    )
    ctx.canvas.strokeFinished.connect(panel.end_stroke)
    ctx.canvas.clicked.connect(panel.image_clicked)
    ctx.canvas.dragged.connect(panel.image_dragged)
    _follow_modes(ctx, panel)
    return panel


def _nightlog(ctx: PanelContext):
    from skyglass.viewer.panels.nightlog import NightLogPanel

    return NightLogPanel()


for _spec in (
    # The right column stays small and always useful; the tools open as full-height tabs
    # on the left, so the image keeps most of the width.
    PanelSpec("scale", "Scale", _scale, "right", visible=True, scroll=True),
    PanelSpec("pixel", "Pixel", _pixel, "right", visible=True),
    PanelSpec("calibration", "Calibration", _calibration, "left", group="tools"),
    PanelSpec("edit", "Edit", _edit, "left", group="tools", scroll=True),
    PanelSpec("stars", "Stars", _stars, "left", group="tools", scroll=True),
    PanelSpec("regions", "Regions & masks", _regions, "left", group="tools", scroll=True),
    PanelSpec("history", "History", _history, "left"),
    PanelSpec("nightlog", "Night log", _nightlog, "bottom"),
):
    PANELS.register(_spec)
