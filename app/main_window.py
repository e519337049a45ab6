"""The main window: canvas, colorbar, docks, menus, status bar; and ``run()``."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace

from PySide6 import QtCore, QtGui, QtWidgets

from skyglass import __version__
from skyglass.document import ImageDocument
from skyglass.frames import FramesMixin
from skyglass.overlays import OverlaysMixin
from skyglass.processing.display.render import DisplaySettings
from skyglass.processing.errors import SkyglassError
from skyglass.samp_actions import SampMixin
from skyglass.viewer.canvas import ImageCanvas
from skyglass.viewer.colorbar import ColorbarWidget
from skyglass.viewer.readout import Magnifier, Panner, ReadoutPanel
from skyglass.viewer.scale_panel import ScalePanel

OPEN_FILTER = (
    "Images (*.fits *.fit *.fts *.fits.gz *.fit.gz *.fz *.png *.jpg *.jpeg *.tif "
    "*.tiff);;FITS (*.fits *.fit *.fts *.fits.gz *.fz);;All files (*)"
)
MAX_RECENT = 10
ZOOM_STEPS = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16, 32]
SETTING_KEYS = ("scale", "exponent", "limits", "cmap", "invert", "contrast", "bias", "nan_color")
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fz", ".gz", ".png", ".jpg", ".jpeg", ".tif", ".tiff")


def _translation(dx: float, dy: float):
    from skyglass.processing.editing.geometry import translation

    return translation(dx, dy)


def _zoom_label(z: float) -> str:
    return f"1/{round(1 / z)}" if z < 1 else f"{z:g}"


_GC_GUARD = None


def _collect_garbage_in_gui_thread() -> None:
    """Run Python's cycle collector only from the GUI thread (on a timer).

    Left automatic, it runs in whichever thread allocates, so a background job could
    destroy Qt objects of a closed window while the GUI thread deletes their parents:
    both wait on each other (a deadlock seen in tests, with a job stuck for good).
    """
    global _GC_GUARD
    if _GC_GUARD is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _GC_GUARD = GarbageCollector(interval=1.0)


class MainWindow(FramesMixin, OverlaysMixin, SampMixin, QtWidgets.QMainWindow):
    """Skyglass's window.

    Parameters
    ----------
    settings : QSettings, optional
        Where layout, recent files and view settings persist (tests pass a temporary one).
    """

    documentChanged = QtCore.Signal()

    def __init__(self, settings: QtCore.QSettings | None = None) -> None:
        super().__init__()
        _collect_garbage_in_gui_thread()
        self.setWindowTitle("Skyglass")
        self.setAcceptDrops(True)
        self.qsettings = settings or default_settings()
        self._init_frames()
        self._init_samp()
        self.display = self._restore_display_settings()
        self.last_error = ""
        self._playing = QtCore.QTimer(self)
        self._playing.setInterval(250)
        self._playing.timeout.connect(self._next_plane)

        self.canvas = ImageCanvas()
        self.colorbar = ColorbarWidget()
        central = QtWidgets.QWidget()
        v = QtWidgets.QVBoxLayout(central)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        v.addWidget(self.canvas, 1)
        v.addWidget(self.colorbar)
        self.central_stack = QtWidgets.QStackedWidget()
        self.central_stack.addWidget(central)
        tile_page = QtWidgets.QWidget()
        self.tile_layout = QtWidgets.QGridLayout(tile_page)
        self.tile_layout.setContentsMargins(2, 2, 2, 2)
        self.central_stack.addWidget(tile_page)
        self.setCentralWidget(self.central_stack)

        self.scale_panel = ScalePanel()
        self.readout = ReadoutPanel()
        self.magnifier = Magnifier(self.canvas)
        self.panner = Panner(self.canvas)
        self._build_docks()
        self._build_toolbar()
        self._build_menus()
        self._build_statusbar()

        self.canvas.cursorMoved.connect(self._on_cursor)
        self.canvas.cursorLeft.connect(self._on_cursor_left)
        self.canvas.viewChanged.connect(self._update_status)
        self.canvas.contrastBiasDragged.connect(self._on_contrast_bias)
        self.scale_panel.settingsChanged.connect(self.apply_settings)
        self.panner.panRequested.connect(self.canvas.center_on)
        self.resize(1400, 900)
        geometry = self.qsettings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.qsettings.value("window/state")
        if state is not None:
            self.restoreState(state)

    # ------------------------------------------------------------------ layout
    def _build_docks(self) -> None:
        scale_dock = QtWidgets.QDockWidget("Scale", self)
        scale_dock.setObjectName("ScaleDock")
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.scale_panel)
        scroll.setWidgetResizable(True)
        scale_dock.setWidget(scroll)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, scale_dock)

        pixel_dock = QtWidgets.QDockWidget("Pixel", self)
        pixel_dock.setObjectName("PixelDock")
        w = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(w)
        pics = QtWidgets.QHBoxLayout()
        for title, widget in (("Magnifier", self.magnifier), ("Panner", self.panner)):
            box = QtWidgets.QVBoxLayout()
            box.addWidget(QtWidgets.QLabel(title))
            box.addWidget(widget)
            pics.addLayout(box)
        lay.addLayout(pics)
        lay.addWidget(self.readout)
        pixel_dock.setWidget(w)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, pixel_dock)
        from skyglass.jobs import Job
        from skyglass.viewer.calibration_panel import CalibrationPanel

        self.calibration = CalibrationPanel(
            make_job=lambda fn, title: Job(fn, title, self),
            show=lambda data, header, name: self.show_array(data, header, name, keep_view=True),
        )
        cal_dock = QtWidgets.QDockWidget("Calibration", self)
        cal_dock.setObjectName("CalibrationDock")
        cal_dock.setWidget(self.calibration)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, cal_dock)
        cal_dock.hide()
        from skyglass.viewer.edit_panel import EditPanel
        from skyglass.viewer.history_panel import HistoryPanel

        self.edit_panel = EditPanel(
            make_job=lambda fn, title: Job(fn, title, self),
            current=self._editable,
            visible_box=self.canvas.visible_box,
            preview=self.canvas.show_patch,
            end_preview=self.canvas.clear_patch,
            applied=self._edit_applied,
        )
        edit_dock = QtWidgets.QDockWidget("Edit", self)
        edit_dock.setObjectName("EditDock")
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(self.edit_panel)
        scroll.setWidgetResizable(True)
        edit_dock.setWidget(scroll)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, edit_dock)
        self.history_panel = HistoryPanel()
        self.history_panel.stateChosen.connect(self.goto_state)
        history_dock = QtWidgets.QDockWidget("History", self)
        history_dock.setObjectName("HistoryDock")
        history_dock.setWidget(self.history_panel)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, history_dock)
        self.tabifyDockWidget(cal_dock, edit_dock)
        edit_dock.hide()
        history_dock.hide()
        self.canvas.clicked.connect(self.edit_panel.image_clicked)

        from skyglass.viewer.regions_panel import RegionsPanel
        from skyglass.viewer.stars_panel import StarsPanel

        self.stars_panel = StarsPanel(
            make_job=lambda fn, title: Job(fn, title, self),
            current=self._current_frame,
            mask=lambda: self.document.mask if self.document is not None else None,
            show_stars=self._show_star_overlay,
            go_to=self._go_to_star,
        )
        self.regions_panel = RegionsPanel(
            self.canvas.vb,
            self._current_frame,
            self._doc_wcs,
            lambda: self.document.mask if self.document else None,
            self._set_mask,
        )
        self.regions_panel.brush_button.toggled.connect(
            lambda on: setattr(self.canvas, "brush", self.regions_panel.paint if on else None)
        )
        self.canvas.clicked.connect(self.stars_panel.image_clicked)
        self.canvas.clicked.connect(self.regions_panel.image_clicked)
        docks = {}
        for key, title, widget in (
            ("stars", "Stars", self.stars_panel),
            ("regions", "Regions && masks", self.regions_panel),
        ):
            dock = QtWidgets.QDockWidget(title.replace("&&", "&"), self)
            dock.setObjectName(key.capitalize() + "Dock")
            area = QtWidgets.QScrollArea()
            area.setWidget(widget)
            area.setWidgetResizable(True)
            dock.setWidget(area)
            self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
            self.tabifyDockWidget(scale_dock, dock)
            dock.hide()
            docks[key] = dock
        scale_dock.raise_()
        from skyglass.follow import FollowController
        from skyglass.viewer.nightlog_panel import NightLogPanel

        self.nightlog = NightLogPanel()
        self.follow = FollowController(self)
        self.nightlog.follow_button.toggled.connect(self._follow_toggled)
        self.nightlog.frameChosen.connect(self._show_logged_frame)
        log_dock = QtWidgets.QDockWidget("Night log", self)
        log_dock.setObjectName("NightLogDock")
        log_dock.setWidget(self.nightlog)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, log_dock)
        log_dock.hide()
        docks["nightlog"] = log_dock
        self.docks = {
            "scale": scale_dock,
            "pixel": pixel_dock,
            "calibration": cal_dock,
            "edit": edit_dock,
            "history": history_dock,
            **docks,
        }

    def _build_toolbar(self) -> None:
        bar = QtWidgets.QToolBar("Image")
        bar.setObjectName("ImageToolbar")
        self.addToolBar(bar)
        bar.addWidget(QtWidgets.QLabel(" HDU "))
        self.hdu_combo = QtWidgets.QComboBox()
        self.hdu_combo.setToolTip("Extension (HDU) shown; tables are listed but cannot be shown")
        self.hdu_combo.setMinimumContentsLength(34)
        self.hdu_combo.activated.connect(self._on_hdu_chosen)
        bar.addWidget(self.hdu_combo)
        bar.addSeparator()
        self.plane_label = QtWidgets.QLabel(" Plane ")
        self.plane_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.plane_slider.setMinimumWidth(160)
        self.plane_slider.setToolTip("Plane of a cube")
        self.plane_spin = QtWidgets.QSpinBox()
        self.plane_spin.setToolTip("Plane number (from 1)")
        self.play_button = QtWidgets.QToolButton()
        self.play_button.setText("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Step through the planes (play/stop)")
        self.plane_slider.valueChanged.connect(lambda v: self.set_plane(v - 1))
        self.plane_spin.valueChanged.connect(lambda v: self.set_plane(v - 1))
        self.play_button.toggled.connect(self._toggle_play)
        self._plane_actions = [
            bar.addWidget(w)
            for w in (self.plane_label, self.plane_slider, self.plane_spin, self.play_button)
        ]
        bar.addSeparator()
        self.rgb_check = QtWidgets.QCheckBox("RGB composite")
        self.rgb_check.setToolTip("Show three planes as red, green and blue; off shows one plane")
        self.rgb_check.toggled.connect(self._on_rgb_toggled)
        self._rgb_action = bar.addWidget(self.rgb_check)
        self._update_cube_controls()

    def _action(self, menu, text, slot, shortcut=None, tip=None, checkable=False):
        act = QtGui.QAction(text, self)
        if shortcut:
            act.setShortcut(QtGui.QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _radio_items(self, menu, choices, field: str) -> dict:
        """Exclusive checkable actions that set one display field; returns value -> action."""
        group = QtGui.QActionGroup(self)
        actions = {}
        for label, value in choices:
            act = self._action(
                menu, label, lambda _=False, v=value: self._set_field(**{field: v}), checkable=True
            )
            group.addAction(act)
            actions[value] = act
        return actions

    def _radio_items_cb(self, menu, choices, callback) -> dict:
        group = QtGui.QActionGroup(self)
        actions = {}
        for label, value in choices:
            act = self._action(menu, label, lambda _=False, v=value: callback(v), checkable=True)
            group.addAction(act)
            actions[value] = act
        return actions

    def open_in_new_frame(self) -> None:
        start = self.qsettings.value("files/last_dir", os.getcwd())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open in a new frame", str(start), OPEN_FILTER
        )
        if path:
            self.open_file(path, new_frame=True)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        self._action(
            file_menu,
            "&Open...",
            self.open_dialog,
            QtGui.QKeySequence.StandardKey.Open,
            "Open a FITS, PNG, JPEG or TIFF file",
        )
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self._action(
            file_menu,
            "Open &Demo Night",
            self.open_demo,
            None,
            "Open the built-in synthetic observing night",
        )
        file_menu.addSeparator()
        self._action(
            file_menu, "&Header...", self.show_header, "Ctrl+H", "Show the FITS header of each HDU"
        )
        self._build_samp_menu(file_menu)
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", self.close, "Ctrl+Q", "Quit Skyglass")
        self._refresh_recent_menu()

        view = mb.addMenu("&Zoom")
        self._action(view, "Zoom &In", self.canvas.zoom_in, "+", "Zoom in by 2")
        self._action(view, "Zoom &Out", self.canvas.zoom_out, "-", "Zoom out by 2")
        self._action(view, "Zoom to &Fit", self.canvas.zoom_fit, "Ctrl+0", "Fit the image")
        self._action(
            view,
            "Zoom &1:1",
            lambda: self.canvas.zoom_to(1.0),
            "Ctrl+1",
            "One image pixel per screen pixel",
        )
        view.addSeparator()
        for z in ZOOM_STEPS:
            self._action(
                view, f"Zoom {_zoom_label(z)}", lambda _=False, z=z: self.canvas.zoom_to(z)
            )

        from skyglass.processing.display.colormaps import COLORMAPS
        from skyglass.processing.display.stretch import SCALES
        from skyglass.viewer.scale_panel import LIMIT_CHOICES

        scale = mb.addMenu("&Scale")
        self.scale_actions = self._radio_items(scale, [(n, n) for n in SCALES], "scale")
        scale.addSeparator()
        choices = [(label, value) for label, value in LIMIT_CHOICES if value != "user"]
        self.limit_actions = self._radio_items(scale, choices, "limits")
        colour = mb.addMenu("&Color")
        self.cmap_actions = self._radio_items(colour, [(n, n) for n in COLORMAPS], "cmap")
        colour.addSeparator()
        self.invert_action = self._action(
            colour,
            "&Invert",
            lambda checked: self._set_field(invert=bool(checked)),
            "Ctrl+I",
            "Invert the colormap",
            checkable=True,
        )
        self._action(colour, "Reset contrast/bias", lambda: self._set_field(contrast=1.0, bias=0.5))
        self._action(
            colour,
            "&NaN colour...",
            self.choose_nan_colour,
            None,
            "Colour of pixels with no value (NaN or Inf)",
        )

        edit = mb.addMenu("&Edit")
        self.undo_action = self._action(
            edit, "&Undo", self.undo, QtGui.QKeySequence.StandardKey.Undo, "Undo the last edit"
        )
        self.redo_action = self._action(
            edit, "&Redo", self.redo, "Ctrl+Shift+Z", "Redo the edit undone last"
        )
        edit.addSeparator()
        self._action(
            edit,
            "&Edit panel",
            self.show_edit_panel,
            "Ctrl+E",
            "Geometry, intensity, restoration and arithmetic operations",
        )
        edit.addSeparator()
        self._action(
            edit,
            "Export &recipe (JSON)...",
            self.export_recipe,
            None,
            "The edit history as a recipe for 'skyglass replay'",
        )
        self._action(
            edit,
            "Export Python &script...",
            self.export_script,
            None,
            "The edit history as a script that calls the processing package",
        )
        self._action(
            file_menu,
            "Save &As...",
            self.save_as,
            QtGui.QKeySequence.StandardKey.SaveAs,
            "Save the image (with its edit history) as a FITS file",
        )
        self._update_edit_actions()

        frame = mb.addMenu("F&rame")
        self._action(
            frame,
            "&New frame from file...",
            self.open_in_new_frame,
            "Ctrl+Shift+O",
            "Open an image in a new frame",
        )
        self._action(frame, "&Delete frame", self.delete_frame, None, "Close the current frame")
        self._action(frame, "&Next frame", self.next_frame, "Tab", "Next frame (DS9: Tab)")
        self._action(
            frame,
            "&Previous frame",
            self.previous_frame,
            "Shift+Tab",
            "Previous frame (DS9: Shift+Tab)",
        )
        frame.addSeparator()
        self.tile_action = self._action(
            frame,
            "&Tile frames",
            lambda on: self.set_tile(on),
            "Ctrl+T",
            "Show every frame in a grid",
            checkable=True,
        )
        self.blink_action = self._action(
            frame,
            "&Blink frames",
            lambda on: self.set_blink(on, last=0),
            "Ctrl+B",
            "Cycle through the frames",
            checkable=True,
        )
        self._action(
            frame,
            "Blink the &last two",
            lambda: self.set_blink(True, last=2),
            "Ctrl+Shift+B",
            "Alternate the newest frame and the one before (new frames join as they come)",
        )
        blink_menu = frame.addMenu("Blink interval")
        for ms in (125, 250, 500, 1000, 2000):
            self._action(
                blink_menu,
                f"{ms / 1000:g} s",
                lambda _=False, m=ms: self.set_blink(self.blinking, m),
            )
        frame.addSeparator()
        lock = frame.addMenu("&Lock pan and zoom")
        self.lock_actions = self._radio_items_cb(
            lock,
            [("None", "none"), ("By image pixels", "image"), ("By WCS (sky)", "wcs")],
            lambda v: self.set_locks(frames=v),
        )
        self.lock_actions["none"].setChecked(True)
        self._action(
            frame,
            "Lock &scale limits",
            lambda on: self.set_locks(scale=bool(on)),
            None,
            "Every frame uses the same scale and limits",
            checkable=True,
        )
        self._action(
            frame,
            "Lock &colormap",
            lambda on: self.set_locks(colour=bool(on)),
            None,
            "Every frame uses the same colormap, contrast and bias",
            checkable=True,
        )

        frame.addSeparator()
        self._action(
            frame,
            "&Follow a folder...",
            lambda: self._follow_toggled(True),
            "Ctrl+F",
            "Show each new frame of a folder as soon as it is written; night log",
        )
        self._action(frame, "Stop f&ollowing", self.stop_following, None, "Stop following")
        self._action(
            frame,
            "Night &log",
            lambda: self._show_dock("nightlog"),
            None,
            "Figures of every frame of the night: sky, noise, FWHM, stars",
        )

        analysis = mb.addMenu("&Analysis")
        self._action(
            analysis,
            "&Stars",
            lambda: self._show_dock("stars"),
            "Ctrl+Shift+D",
            "Find stars, their catalogue, photometry and profiles",
        )
        self._action(
            analysis,
            "&Regions and masks",
            lambda: self._show_dock("regions"),
            "Ctrl+Shift+R",
            "Draw regions, statistics, projections, masks",
        )
        self.show_mask_action = self._action(
            analysis,
            "Show &mask",
            lambda on: self._refresh_mask_overlay(),
            None,
            "Show the mask as a translucent overlay",
            checkable=True,
        )
        self.show_mask_action.setChecked(True)
        analysis.addSeparator()
        self.contour_action = self._action(
            analysis,
            "&Contours",
            lambda on: self.set_contours(on),
            "Ctrl+Shift+K",
            "Contour lines at levels from the scale limits",
            checkable=True,
        )
        self._action(
            analysis,
            "Contour &levels...",
            self.contour_dialog,
            None,
            "Number of levels, levels by hand, smoothing",
        )
        self.grid_action = self._action(
            analysis,
            "Coordinate &grid",
            lambda on: self.set_grid(on),
            "Ctrl+G",
            "RA/Dec grid with labels (needs a WCS)",
            checkable=True,
        )
        self.compass_action = self._action(
            analysis,
            "&Compass",
            lambda on: self.set_compass(on),
            None,
            "North and east arrows (needs a WCS)",
            checkable=True,
        )
        self._action(
            file_menu,
            "Export annotated &PNG...",
            self.export_png,
            "Ctrl+P",
            "The image as shown, with stars, regions, colorbar and compass",
        )

        calib = mb.addMenu("C&alibrate")
        self._action(
            calib,
            "Calibration &panel",
            self.show_calibration,
            "Ctrl+Shift+C",
            "Bias, dark, flat, calibrate and stack, step by step",
        )
        self._action(
            calib,
            "Calibrate a &night folder...",
            self.choose_calibration_folder,
            None,
            "Choose the folder of a night's frames",
        )

        window = mb.addMenu("&Window")
        for dock in self.docks.values():
            window.addAction(dock.toggleViewAction())

        help_menu = mb.addMenu("&Help")
        self._action(
            help_menu,
            "&Keyboard and mouse",
            self.show_shortcuts,
            "F1",
            "Every shortcut and mouse gesture, searchable",
        )
        # Items added to File after Quit (Save As, Export) belong above it.
        file_menu.removeAction(self.quit_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

    def _build_statusbar(self) -> None:
        sb = self.statusBar()
        self.status_file = QtWidgets.QLabel("")
        self.status_size = QtWidgets.QLabel("")
        self.status_zoom = QtWidgets.QLabel("")
        self.status_frame = QtWidgets.QLabel("")
        for w in (self.status_frame, self.status_file, self.status_size, self.status_zoom):
            sb.addPermanentWidget(w)

    # ------------------------------------------------------------------- files
    def open_dialog(self) -> None:
        start = self.qsettings.value("files/last_dir", os.getcwd())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open image", str(start), OPEN_FILTER)
        if path:
            self.open_file(path)

    def open_demo(self) -> None:
        from skyglass.paths import demo_first_light

        folder = ensure_demo_with_progress(self)
        if folder is not None:
            self.open_file(str(demo_first_light(folder)))
            if not self.calibration.folder.text():
                self.calibration.set_folder(str(folder))

    # ---------------------------------------------------------------- editing
    def show_edit_panel(self) -> None:
        for key in ("edit", "history"):
            self.docks[key].show()
        self.docks["edit"].raise_()

    def _editable(self):
        if self.document is None:
            raise SkyglassError("open an image first.")
        return self.document.editable()

    def _edit_applied(self, step, frame) -> None:
        doc = self.document
        same = doc.image.shape == frame.data.shape
        doc.push(step, frame)
        self._show_document(keep_view=same)
        self._after_edit()

    def _after_edit(self) -> None:
        doc = self.document
        if doc is not None and doc.history is not None:
            self.history_panel.show_history(doc.history.steps, doc.history.index)
        self._update_edit_actions()
        title = f"{doc.name}{' *' if doc.dirty else ''} - Skyglass" if doc else "Skyglass"
        self.setWindowTitle(title)

    def _update_edit_actions(self) -> None:
        h = self.document.history if self.document is not None else None
        self.undo_action.setEnabled(bool(h and h.can_undo))
        self.redo_action.setEnabled(bool(h and h.can_redo))

    def _show_state(self, frame) -> None:
        doc = self.document
        same = doc.image.shape == frame.data.shape
        doc.show(frame)
        self._show_document(keep_view=same)
        self._after_edit()

    def undo(self) -> None:
        doc = self.document
        if doc is not None and doc.history is not None and doc.history.can_undo:
            self._show_state(doc.history.undo())

    def redo(self) -> None:
        doc = self.document
        if doc is not None and doc.history is not None and doc.history.can_redo:
            self._show_state(doc.history.redo())

    def goto_state(self, index: int) -> None:
        doc = self.document
        if doc is not None and doc.history is not None:
            self._show_state(doc.history.goto(index))

    def export_recipe(self, path: str | None = None) -> None:
        """The edit history as a JSON recipe for ``skyglass replay``."""
        self._export_history("recipe", path)

    def export_script(self, path: str | None = None) -> None:
        """The edit history as a Python script calling the processing package."""
        self._export_history("script", path)

    def _export_history(self, kind: str, path: str | None) -> None:
        from skyglass.processing.editing import recipe

        doc = self.document
        if doc is None or doc.history is None or not doc.history.applied:
            self.show_error("There are no edits to export.")
            return
        name, title, pattern = {
            "recipe": ("recipe.json", "Export recipe", "JSON (*.json)"),
            "script": ("recipe.py", "Export script", "Python (*.py)"),
        }[kind]
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, title, name, pattern)
        if not path:
            return
        write = recipe.save if kind == "recipe" else recipe.save_script
        try:
            write(path, doc.history.applied, doc.path, doc.source.hdu_index, doc.source.plane_index)
            self.statusBar().showMessage(f"{title[7:].capitalize()} written to {path}", 8000)
        except SkyglassError as exc:
            self.show_error(str(exc))

    def save_as(self, path: str | None = None) -> bool:
        """Save the current image as FITS (data, header, HISTORY of every edit).

        The opened file is never replaced without an explicit confirmation.
        """
        doc = self.document
        if doc is None:
            return False
        if path is None:
            base = os.path.splitext(doc.path)[0]
            if base.endswith(".fits"):
                base = base[:-5]
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Save as FITS", base + "_edited.fits", "FITS (*.fits)"
            )
            if not path:
                return False
        same = (
            os.path.exists(path) and os.path.exists(doc.path) and os.path.samefile(path, doc.path)
        )
        if same and not self.confirm(
            "Replace the original file?",
            f"{os.path.basename(path)} is the file you opened. Replace it with the edited image?",
        ):
            return False
        try:
            frame = doc.editable()
            frame.mask = doc.mask
            frame.write(path, overwrite=True, catalog=doc.catalog)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        doc.saved_index = doc.history.index if doc.history is not None else 0
        doc.mask_dirty = False
        self.statusBar().showMessage(f"Saved {path}", 8000)
        self._after_edit()
        return True

    def confirm(self, title: str, text: str) -> bool:
        """Ask a yes/no question (tests replace this)."""
        answer = QtWidgets.QMessageBox.question(self, title, text)
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    def ask_unsaved(self) -> str:
        """``save``, ``discard`` or ``cancel`` for unsaved edits (tests replace this)."""
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle("Unsaved edits")
        box.setText(f"{self.document.name} has edits that are not saved.")
        save = box.addButton("Save As...", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QtWidgets.QMessageBox.StandardButton.Cancel)
        box.exec()
        clicked = box.clickedButton()
        return "save" if clicked is save else "discard" if clicked is discard else "cancel"

    def _may_leave_document(self) -> bool:
        """True when the current document can be replaced or closed."""
        if self.document is None or not self.document.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save_as()
        return answer == "discard"

    # ------------------------------------------------------------- analysis
    def _show_dock(self, key: str) -> None:
        self.docks[key].show()
        self.docks[key].raise_()

    def _current_frame(self):
        """The displayed plane with its header (what measurements run on)."""
        from skyglass.processing.io.frame import Frame

        if self.document is None:
            raise SkyglassError("open an image first.")
        doc = self.document
        return Frame(doc.pixels(), doc.image.header, name=doc.name)

    def _doc_wcs(self):
        return self.document.image.wcs if self.document is not None else None

    def _set_mask(self, mask) -> None:
        if self.document is None:
            return
        self.document.mask = mask
        self.document.mask_dirty = True
        self._refresh_mask_overlay()
        self._after_edit()

    def _refresh_mask_overlay(self) -> None:
        doc = self.document
        show = doc is not None and doc.mask is not None and self.show_mask_action.isChecked()
        self.canvas.set_mask(doc.mask if show else None)

    def _show_star_overlay(self, table) -> None:
        import numpy as np

        if self.document is not None:
            self.document.catalog = table
        if table is None or not len(table):
            self.canvas.set_stars([], [], [])
            return
        fwhm = np.asarray(table["fwhm"], float)
        default = float(table.meta.get("fwhm", 3.0))
        fwhm = np.where(np.isfinite(fwhm), np.minimum(fwhm, 10 * default), default)
        self.canvas.set_stars(table["x"], table["y"], 3.0 * fwhm)
        self.canvas.highlight_star(None, None)

    def _go_to_star(self, x: float, y: float, diameter: float) -> None:
        self.canvas.center_on(x, y)
        self.canvas.highlight_star(x, y, diameter)

    def export_png(self, path: str | None = None, as_view: bool | None = None) -> bool:
        """Write the image as shown, with its overlays, as a PNG."""
        from skyglass.processing.editing.wcs_update import transform_wcs
        from skyglass.processing.overlays.annotate import Annotations, save_annotated_png, shifted

        doc = self.document
        if doc is None:
            return False
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self, "Export annotated PNG", os.path.splitext(doc.name)[0] + ".png", "PNG (*.png)"
            )
            if not path:
                return False
            if as_view is None:
                answer = QtWidgets.QMessageBox.question(
                    self,
                    "Export annotated PNG",
                    "Export the visible area as shown?\n(No: the whole image at native resolution)",
                )
                as_view = answer == QtWidgets.QMessageBox.StandardButton.Yes
        data = doc.pixels()
        ann = Annotations(
            stars=doc.catalog, regions=self.regions_panel.regions(), unit=doc.image.bunit
        )
        header, zoom = doc.image.header, 1.0
        if as_view:
            r0, r1, c0, c1 = self.canvas.visible_box()
            data = data[r0:r1, c0:c1]
            ann = shifted(ann, -c0, -r0)
            header, _ = transform_wcs(header, _translation(-c0, -r0))
            zoom = min(max(self.canvas.zoom(), 1 / 32), 8.0)
        try:
            save_annotated_png(path, data, self.display, header, ann, zoom)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        self.statusBar().showMessage(f"Wrote {path}", 8000)
        return True

    # ---------------------------------------------------------------- follow
    def follow_folder(self, folder: str) -> bool:
        """Start following ``folder`` (new frames appear as the camera writes them)."""
        try:
            self.follow.start(folder)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        self._show_dock("nightlog")
        self.nightlog.folder.setText(f"following {folder}")
        self.nightlog.follow_button.blockSignals(True)
        self.nightlog.follow_button.setChecked(True)
        self.nightlog.follow_button.setText("Stop following")
        self.nightlog.follow_button.blockSignals(False)
        return True

    def stop_following(self) -> None:
        self.follow.stop()
        self.nightlog.folder.setText("not following a folder")
        self.nightlog.follow_button.blockSignals(True)
        self.nightlog.follow_button.setChecked(False)
        self.nightlog.follow_button.setText("Follow folder...")
        self.nightlog.follow_button.blockSignals(False)

    def _follow_toggled(self, on: bool) -> None:
        if not on:
            self.stop_following()
            return
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Follow a folder")
        if not folder or not self.follow_folder(folder):
            self.stop_following()

    def _show_logged_frame(self, path: str) -> None:
        for i, doc in enumerate(self.frames):
            if doc.path == path:
                self.set_frame(i)
                return
        self.open_file(path, new_frame=True)

    def show_calibration(self) -> None:
        """Show the calibration dock."""
        dock = self.docks["calibration"]
        dock.show()
        dock.raise_()

    def choose_calibration_folder(self) -> None:
        self.show_calibration()
        self.calibration._choose_folder()

    def open_file(self, path: str, hdu: int | str | None = None, new_frame: bool = False) -> bool:
        """Open ``path`` (replacing the current image); on failure keep what was open.

        Returns
        -------
        bool
            True when the file is now shown.
        """
        from skyglass.processing.io.reader import open_image

        if not new_frame and not self._may_leave_document():
            return False
        try:
            image = open_image(path, hdu=hdu)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        except MemoryError:
            self.show_error(f"{os.path.basename(path)}: too large for the memory available.")
            return False
        keep = self._view_state() if new_frame else None
        if new_frame and self.frames:
            self.add_frame(ImageDocument(image))
        else:
            old = self.document
            self.document = ImageDocument(image)
            if old is not None and old.path != path and old not in self.frames:
                old.close()
        self._show_document(keep_view=False)
        if keep is not None and self.document.image.shape == keep.get("shape"):
            # A new frame from the same camera keeps the view (by WCS when locked so).
            how = "wcs" if self.lock_frames == "wcs" else "image"
            self._apply_view(keep, how, self.canvas, self.document)
        self._update_frame_status()
        self._remember_recent(path)
        self.qsettings.setValue("files/last_dir", os.path.dirname(os.path.abspath(path)))
        self.setWindowTitle(f"{image.name} - Skyglass")
        self.stars_panel.set_catalog(None)
        self.stars_panel.set_header_defaults(image.header)
        self.regions_panel.clear_regions()
        self._refresh_mask_overlay()
        self.history_panel.show_history([], 0)
        self._update_edit_actions()
        self.documentChanged.emit()
        return True

    def show_array(self, data, header=None, name: str = "image", keep_view: bool = False) -> None:
        """Show an in-memory image (a master frame, a calibrated light, a stack)."""
        from skyglass.processing.io.reader import image_from_array

        if not self._may_leave_document():
            return
        try:
            image = image_from_array(data, header, name)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return
        same = self.document is not None and self.document.image.shape == image.shape
        self.document = ImageDocument(image)
        self._show_document(keep_view=keep_view and same)
        self.setWindowTitle(f"{name} - Skyglass")
        self.documentChanged.emit()

    def _show_document(self, keep_view: bool) -> None:
        doc = self.document
        displays = doc.displayed()
        self.canvas.set_planes([d.data for d in displays], keep_view=keep_view)
        self.readout.set_image(doc.image.data, lambda image=doc.image: image.wcs, doc.image.bunit)
        self._fill_hdu_combo()
        self._update_cube_controls()
        self.apply_settings(self.display)
        self.scale_panel.set_histogram(displays[0].sample, displays[0].limits(self.display))
        self._update_status()
        if hasattr(self, "compass_action"):
            self._refresh_overlays()

    def show_error(self, message: str) -> None:
        """Tell the user, without blocking, and keep running."""
        self.last_error = message
        self.statusBar().showMessage(message, 15000)
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Warning,
            "Skyglass",
            message,
            QtWidgets.QMessageBox.StandardButton.Ok,
            self,
        )
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self._error_box = box

    # ---------------------------------------------------------------- display
    def apply_settings(self, settings: DisplaySettings) -> None:
        """Apply new display settings: recolour only (data crops are kept)."""
        try:
            settings = settings.validated()
        except SkyglassError as exc:
            self.show_error(str(exc))
            return
        mode_changed = settings.limit_spec.mode != "user" and (
            settings.limits != self.display.limits
        )
        self.display = settings
        if self.document is None:
            return
        displays = self.document.displayed()
        if len(displays) == 3:
            per_channel = replace(settings, cmap="grey", invert=False)
            colourings = [d.rendering(per_channel) for d in displays]
        else:
            colourings = [displays[0].rendering(settings)]
        self.canvas.contrast_bias = (settings.contrast, settings.bias)
        self.canvas.set_colourings(colourings)
        self.colorbar.setVisible(len(displays) == 1)
        self.colorbar.set_colouring(colourings[0], self.document.image.bunit)
        self.scale_panel.set_settings(settings, (colourings[0].low, colourings[0].high))
        if mode_changed:  # frame the new limits (not while the user drags them)
            self.scale_panel.set_histogram(
                displays[0].sample, (colourings[0].low, colourings[0].high)
            )
        self._sync_menu_checks()
        self.panner.refresh()
        pos = self.canvas.cursor_position()
        if pos is not None:
            self.magnifier.show_position(*pos)

    def _set_field(self, **changes) -> None:
        self.apply_settings(replace(self.display, **changes))

    def _on_contrast_bias(self, contrast: float, bias: float) -> None:
        self._set_field(contrast=contrast, bias=bias)

    def choose_nan_colour(self) -> None:
        """Ask for the colour NaN and Inf pixels are drawn in."""
        current = QtGui.QColor(*self.display.nan_color)
        colour = QtWidgets.QColorDialog.getColor(current, self, "Colour of NaN pixels")
        if colour.isValid():
            self._set_field(nan_color=(colour.red(), colour.green(), colour.blue()))

    def _sync_menu_checks(self) -> None:
        s = self.display
        if s.scale in self.scale_actions:
            self.scale_actions[s.scale].setChecked(True)
        spec = s.limit_spec
        key = spec.mode if spec.mode in ("minmax", "zscale", "zmax") else f"{spec.percent:g}"
        for value, act in self.limit_actions.items():
            act.setChecked(value == key and spec.mode != "user")
        if s.cmap in self.cmap_actions:
            self.cmap_actions[s.cmap].setChecked(True)
        self.invert_action.setChecked(s.invert)

    # ------------------------------------------------------------ HDUs, planes
    def _fill_hdu_combo(self) -> None:
        self.hdu_combo.clear()
        doc = self.document
        model = self.hdu_combo.model()
        for h in doc.image.hdus:
            if h.kind == "image":
                size = " x ".join(str(n) for n in reversed(h.shape))
                text = f"{h.index} {h.name} image {size} {h.dtype}"
            elif h.kind == "table":
                text = f"{h.index} {h.name} table ({h.shape[0]} rows)"
            else:
                text = f"{h.index} {h.name} (empty)"
            self.hdu_combo.addItem(text, h.index)
            if h.kind != "image":
                model.item(self.hdu_combo.count() - 1).setEnabled(False)
        self.hdu_combo.setCurrentIndex(doc.image.hdu_index)

    def _on_hdu_chosen(self, row: int) -> None:
        index = self.hdu_combo.itemData(row)
        if self.document is not None and index != self.document.image.hdu_index:
            self.open_file(self.document.path, hdu=index)

    def _update_cube_controls(self) -> None:
        doc = self.document
        n = doc.image.nplanes if doc else 1
        for act in self._plane_actions:
            act.setVisible(n > 1)
        self._rgb_action.setVisible(bool(doc and doc.can_composite))
        if doc is None:
            return
        for w in (self.plane_slider, self.plane_spin):
            w.blockSignals(True)
            w.setRange(1, n)
            w.setValue(doc.image.plane_index + 1)
            w.blockSignals(False)
        self.rgb_check.blockSignals(True)
        self.rgb_check.setChecked(doc.composite and doc.can_composite)
        self.rgb_check.blockSignals(False)
        composite = doc.composite and doc.can_composite
        self.plane_slider.setEnabled(not composite)
        self.plane_spin.setEnabled(not composite)
        self.play_button.setEnabled(not composite)

    def set_plane(self, index: int) -> None:
        """Show plane ``index`` (0-based) of a cube, keeping the view."""
        doc = self.document
        if doc is None or not 0 <= index < doc.image.nplanes:
            return
        if index == doc.image.plane_index and not doc.composite:
            return
        try:
            doc.set_plane(index)
        except SkyglassError as exc:
            self.show_error(str(exc))
            self._update_cube_controls()
            return
        doc.composite = False
        self._show_document(keep_view=True)

    def _next_plane(self) -> None:
        doc = self.document
        if doc is None or doc.image.nplanes < 2:
            self.play_button.setChecked(False)
            return
        self.set_plane((doc.image.plane_index + 1) % doc.image.nplanes)

    def _toggle_play(self, on: bool) -> None:
        self.play_button.setText("Stop" if on else "Play")
        if on:
            self._playing.start()
        else:
            self._playing.stop()

    def _on_rgb_toggled(self, on: bool) -> None:
        if self.document is not None:
            self.document.composite = on
            self._show_document(keep_view=True)

    # ------------------------------------------------------------------ cursor
    def _on_cursor(self, x: float, y: float) -> None:
        self.readout.show_position(x, y)
        self.magnifier.show_position(x, y)

    def _on_cursor_left(self) -> None:
        self.readout.clear()
        self.magnifier.clear()

    def _update_status(self) -> None:
        doc = self.document
        if doc is None:
            return
        ny, nx = doc.image.shape
        self.status_file.setText(doc.name)
        extra = (
            f", plane {doc.image.plane_index + 1}/{doc.image.nplanes}"
            if (doc.image.nplanes > 1 and not doc.composite)
            else ""
        )
        self.status_size.setText(f"{nx} x {ny}{extra}")
        self.status_zoom.setText(f"zoom {self.canvas.zoom():.3g}")

    # ------------------------------------------------------------------ dialogs
    def show_header(self) -> None:
        if self.document is None:
            return
        from astropy.io import fits

        from skyglass.viewer.header_view import HeaderDialog, header_text

        doc = self.document
        headers = []
        try:
            with fits.open(doc.path) as hdul:
                for h, hdu in zip(doc.image.hdus, hdul, strict=False):
                    headers.append((f"{h.index} {h.name} ({h.kind})", header_text(hdu.header)))
        except Exception:  # raster files, or a file that went away: show what we hold
            headers = [(f"{doc.image.hdu_index} {doc.name}", header_text(doc.image.header))]
        self._header_dialog = HeaderDialog(
            headers, current=min(doc.image.hdu_index, len(headers) - 1), parent=self
        )
        self._header_dialog.show()

    def show_shortcuts(self) -> None:
        """Help > Keyboard and mouse: the shortcut sheet."""
        from skyglass.viewer.shortcut_sheet import CANVAS_KEYS, ShortcutSheet, menu_shortcuts

        self.shortcut_sheet = ShortcutSheet(menu_shortcuts(self.menuBar()) + CANVAS_KEYS, self)
        self.shortcut_sheet.show()

    # ----------------------------------------------------------- persistence
    def _restore_display_settings(self) -> DisplaySettings:
        s = self.qsettings
        defaults = DisplaySettings()
        values = {}
        for key in SETTING_KEYS:
            v = s.value(f"display/{key}")
            if v is None:
                continue
            default = getattr(defaults, key)
            try:
                if key == "nan_color":
                    rgb = tuple(int(c) for c in str(v).split(","))
                    if len(rgb) == 3 and all(0 <= c <= 255 for c in rgb):
                        values[key] = rgb
                elif isinstance(default, bool):
                    values[key] = v in (True, "true", "1", 1)
                elif isinstance(default, float):
                    values[key] = float(v)
                else:
                    values[key] = str(v)
            except (TypeError, ValueError):
                continue
        try:
            return replace(defaults, **values).validated()
        except SkyglassError:
            return defaults

    def _save_settings(self) -> None:
        s = self.qsettings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        for key in SETTING_KEYS:
            value = getattr(self.display, key)
            if key == "limits" and self.display.limit_spec.mode == "user":
                continue  # user limits belong to one image
            if key == "nan_color":
                value = ",".join(str(int(c)) for c in value)
            s.setValue(f"display/{key}", value)
        s.sync()

    def _remember_recent(self, path: str) -> None:
        path = os.path.abspath(path)
        recent = [p for p in self.recent_files() if p != path]
        self.qsettings.setValue("files/recent", [path, *recent][:MAX_RECENT])
        self._refresh_recent_menu()

    def recent_files(self) -> list[str]:
        value = self.qsettings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            act = self.recent_menu.addAction(os.path.basename(path))
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _=False, p=path: self.open_file(p))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self._may_leave_document():
            event.ignore()
            return
        self._playing.stop()
        self.samp.disconnect_hub()
        self.follow.shutdown()
        self._save_settings()
        super().closeEvent(event)

    # ------------------------------------------------------------ drag & drop
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802 - Qt API
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_file(url.toLocalFile())
                break
        event.acceptProposedAction()


class _DemoWorker(QtCore.QThread):
    progressed = QtCore.Signal(float, str)
    failed = QtCore.Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = False
        self.folder = None

    def run(self) -> None:
        from skyglass.paths import ensure_demo_night

        def progress(fraction: float, message: str) -> bool:
            self.progressed.emit(fraction, message)
            return self.cancelled

        try:
            self.folder = ensure_demo_night(progress)
        except InterruptedError:
            self.folder = None
        except Exception as exc:  # disk full, permissions: report, keep running
            self.failed.emit(str(exc))


def default_settings() -> QtCore.QSettings:
    """The window's settings file, in the platform's per-user config folder."""
    from skyglass.paths import config_dir

    path = config_dir() / "skyglass.ini"
    return QtCore.QSettings(str(path), QtCore.QSettings.Format.IniFormat)


def application_icon() -> QtGui.QIcon:
    """The Skyglass icon at every size shipped (the SVG too, for high-DPI screens)."""
    from skyglass.resources import ICON_SVG, icon_pngs

    icon = QtGui.QIcon()
    for size, path in icon_pngs().items():
        icon.addFile(str(path), QtCore.QSize(size, size))
    icon.addFile(str(ICON_SVG))
    return icon


def ensure_demo_with_progress(parent: QtWidgets.QWidget | None):
    """Generate the demo night (first time only) with a progress dialog; None if cancelled."""
    from skyglass.paths import demo_dir

    if (demo_dir() / ".complete").exists():
        return demo_dir()
    dialog = QtWidgets.QProgressDialog(
        "Preparing the demo night (first run only)...", "Cancel", 0, 1000, parent
    )
    dialog.setWindowTitle("Skyglass")
    dialog.setMinimumDuration(0)
    worker = _DemoWorker()
    errors: list[str] = []
    worker.progressed.connect(
        lambda f, m: (dialog.setValue(int(f * 1000)), dialog.setLabelText(f"Writing {m}"))
    )
    worker.failed.connect(errors.append)
    dialog.canceled.connect(lambda: setattr(worker, "cancelled", True))
    loop = QtCore.QEventLoop()
    worker.finished.connect(loop.quit)
    worker.start()
    loop.exec()
    dialog.close()
    if errors and parent is not None and hasattr(parent, "show_error"):
        parent.show_error(f"The demo night could not be written: {errors[0]}")
    return worker.folder


def run(files: list[str], follow: str | None = None, samp: bool = False) -> int:
    """Start the application with ``files`` (the demo night when empty and not following
    a folder), optionally following ``follow`` and connected to SAMP."""
    t_start = float(os.environ.get("SKYGLASS_T0", time.time()))
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("Skyglass")
    app.setOrganizationName("Skyglass")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("skyglass")
    app.setWindowIcon(application_icon())
    window = MainWindow()
    window.show()
    bench = os.environ.get("SKYGLASS_BENCH_FIRST_FRAME")
    if bench:

        def first_paint():
            print(f"first-frame {time.time() - t_start:.3f}", flush=True)
            QtCore.QTimer.singleShot(0, app.quit)

        window.canvas.item.on_first_paint = first_paint
    if files:
        opened = [f for i, f in enumerate(files) if window.open_file(f, new_frame=i > 0)]
        if not opened and bench:
            return 2
    elif not follow:
        window.open_demo()
    if follow:
        window.follow_folder(follow)
    if samp:
        window.samp_connect(True)
    code = app.exec()
    window.close()
    # Delete the widgets while Qt is alive: PySide6 can crash at interpreter exit when
    # pyqtgraph items outlive the application.
    window.deleteLater()
    app.processEvents()
    return code
