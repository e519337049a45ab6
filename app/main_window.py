"""The main window: the composition root. It builds the workspace model, the canvas,
the docks (from the panel table), the menus (from the action table) and the
controllers, and wires them; the behaviour lives in the controllers."""

from __future__ import annotations

import os
import sys
import time

from PySide6 import QtCore, QtGui, QtWidgets

from skyglass import __version__
from skyglass.actions import ActionTable
from skyglass.controllers import settings as persist
from skyglass.controllers.editing import EditingController
from skyglass.controllers.files import FilesController
from skyglass.controllers.filewatch import FileWatchController
from skyglass.controllers.follow import FollowController
from skyglass.controllers.frames import FramesController
from skyglass.controllers.image_view import ImageViewController, StatusLabels
from skyglass.controllers.modes import ModeController
from skyglass.controllers.overlays import OverlaysController
from skyglass.controllers.samp import SampController
from skyglass.ds9 import Ds9Commands
from skyglass.job_indicator import JobIndicator
from skyglass.jobs import JobRunner
from skyglass.menus import menu_specs
from skyglass.model.workspace import Workspace
from skyglass.panels import PanelContext, build_docks
from skyglass.viewer.image.canvas import ImageCanvas
from skyglass.viewer.image.colorbar import ColorbarWidget
from skyglass.viewer.image.toolbar import ImageToolbar
from skyglass.viewer.notice import NoticeBar

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


class MainWindow(QtWidgets.QMainWindow):
    """Skyglass's window.

    Parameters
    ----------
    settings : QSettings, optional
        Where layout, recent files and view settings persist (tests pass a temporary one).
    """

    def __init__(self, settings: QtCore.QSettings | None = None) -> None:
        super().__init__()
        _collect_garbage_in_gui_thread()
        self.setWindowTitle("Skyglass")
        self.setAcceptDrops(True)
        self.qsettings = settings or default_settings()
        self.last_error = ""
        self._error_box: QtWidgets.QMessageBox | None = None
        self._error_messages: list[str] = []
        self.workspace = ws = Workspace(persist.restore_display(self.qsettings))
        self.runner = JobRunner(self)

        # The image: canvas and colorbar, or the tile grid.
        self.canvas = ImageCanvas()
        self.colorbar = ColorbarWidget()
        single = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(single)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.file_notice = NoticeBar("Reload")
        column.addWidget(self.file_notice)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.colorbar)
        self.central_stack = QtWidgets.QStackedWidget()
        self.central_stack.addWidget(single)
        tile_page = QtWidgets.QWidget()
        self.tile_layout = QtWidgets.QGridLayout(tile_page)
        self.tile_layout.setContentsMargins(2, 2, 2, 2)
        self.central_stack.addWidget(tile_page)
        self.setCentralWidget(self.central_stack)
        self.toolbar = ImageToolbar(self)
        self.addToolBar(self.toolbar)
        self.status = StatusLabels(self.statusBar())
        self.statusBar().addPermanentWidget(JobIndicator(self.runner))

        # Controllers that panels use.
        self.editing = EditingController(
            ws,
            self,
            self.runner,
            self.show_error,
            self.canvas,
            start_dir=lambda: self.files.start_dir(),
        )
        self.files = FilesController(
            ws, self, self.qsettings, self.show_error, self.editing.save_as
        )
        self.file_watch = FileWatchController(ws, self.file_notice, self.files.reload)
        self.overlays = OverlaysController(ws, self.canvas, self, self.show_error)
        self.modes = ModeController(self, self.canvas)
        self.addToolBar(self.modes.toolbar)
        context = PanelContext(
            self,
            ws,
            self.runner,
            self.canvas,
            self.files,
            self.editing,
            self.overlays,
            self.modes,
            self.show_error,
        )
        self.docks, self.panels = build_docks(self, context)
        pixel = self.panels["pixel"]
        self.readout, self.magnifier, self.panner = pixel.readout, pixel.magnifier, pixel.panner
        self.scale_panel = self.panels["scale"]
        self.image = ImageViewController(ws, self, self.show_error, self.files.open_hdu)
        self.frames = FramesController(
            ws, self.central_stack, self.tile_layout, self.files.may_close
        )
        self.samp = SampController(
            ws, self.files, self.overlays, self.canvas, self.runner, self._status, self.show_error
        )
        self.follow = FollowController(
            self.files,
            self.runner,
            self.panels["nightlog"],
            self._status,
            self.show_error,
            lambda: ws.current is not None,
        )
        self.files.on_demo_opened = self._demo_opened
        self.ds9 = Ds9Commands(self)
        self.samp.commands = self.ds9
        self._wire()
        self.menus = ActionTable(self, menu_specs(), self._commands(), self._states())
        self.files.recentChanged.connect(self._fill_recent)
        self._fill_recent()
        window_menu = self.menus.menus["Window"]
        window_menu.addSeparator()
        for dock in self.docks.values():
            toggle = dock.toggleViewAction()
            toggle.setText(dock.windowTitle().replace("&", "&&"))
            window_menu.addAction(toggle)
        self._default_layout = self.saveState()
        self.fit_to_screen()
        persist.restore_layout(self.qsettings, self)

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        ws = self.workspace
        frame_panels = [p for p in self.panels.values() if hasattr(p, "set_frame")]

        def frame_shown(state) -> None:
            for panel in frame_panels:
                panel.set_frame(state)
            self._update_title()

        ws.current_changed.connect(frame_shown)
        ws.document_changed.connect(lambda state: state is ws.current and frame_shown(state))
        ws.catalog_changed.connect(
            lambda state: state is ws.current and self.panels["stars"].set_frame(state)
        )
        self.editing.historyChanged.connect(self._update_title)
        for event in (
            ws.current_changed,
            ws.display_changed,
            ws.overlays_changed,
            ws.locks_changed,
            ws.document_changed,
        ):
            event.connect(lambda *_: self._refresh_menus())
        for signal in (
            self.editing.historyChanged,
            self.frames.blinkChanged,
            self.frames.tileChanged,
            self.samp.connectedChanged,
        ):
            signal.connect(self._refresh_menus)
        nightlog = self.panels["nightlog"]
        nightlog.frameChosen.connect(self._show_logged_frame)
        nightlog.follow_button.clicked.connect(
            lambda on: self.follow_dialog() if on else self.follow.stop()
        )
        self.follow.followingChanged.connect(self._following_changed)

    def _show_header(self) -> None:
        """File > Header, editable; undo and redo in the window refresh it."""
        from skyglass.viewer.dialogs.header import header_text

        self.files.show_header(self.editing.edit_header)
        dialog, state = getattr(self.files, "header_dialog", None), self.workspace.current
        if dialog is None or state is None:
            return

        def refresh() -> None:
            if self.workspace.current is state and dialog.isVisible():
                dialog.set_current_text(header_text(state.document.image.header))

        self.editing.historyChanged.connect(refresh)
        dialog.finished.connect(lambda _: self.editing.historyChanged.disconnect(refresh))

    def _commands(self) -> dict:
        ws, image, frames, overlays = self.workspace, self.image, self.frames, self.overlays
        return {
            "open": self.files.open_dialog,
            "open_demo": self.files.open_demo,
            "reload": lambda: self.files.reload(),
            "save_as": self.editing.save_as,
            "export_png": lambda: self.editing.export_png(),
            "export_data": lambda: self.editing.export_data(),
            "header": self._show_header,
            "samp_connect": self.samp.set_connected,
            "samp_send_image": self.samp.send_image,
            "samp_send_catalog": self.samp.send_catalog,
            "samp_clear_table": overlays.clear_sky_table,
            "open_catalog": overlays.open_catalog_dialog,
            "quit": self.close,
            "zoom_in": self.canvas.zoom_in,
            "zoom_out": self.canvas.zoom_out,
            "zoom_fit": self.canvas.zoom_fit,
            "zoom_to": self.canvas.zoom_to,
            "scale": lambda name: image.update_display(scale=name),
            "limits": lambda mode: image.update_display(limits=mode),
            "cmap": lambda name: image.update_display(cmap=name),
            "invert": lambda on: image.update_display(invert=on),
            "reset_contrast_bias": lambda: image.update_display(contrast=1.0, bias=0.5),
            "nan_colour": lambda: image.choose_nan_colour(self),
            "undo": self.editing.undo,
            "redo": self.editing.redo,
            "edit_panel": lambda: self.show_docks("edit", "history"),
            "export_recipe": lambda: self.editing.export_recipe(),
            "export_script": lambda: self.editing.export_script(),
            "new_frame": self.files.open_in_new_frame_dialog,
            "delete_frame": frames.delete_frame,
            "next_frame": frames.next_frame,
            "previous_frame": frames.previous_frame,
            "tile": frames.set_tile,
            "blink": lambda on: frames.set_blink(on, last=0),
            "blink_last_two": frames.toggle_blink_last_two,
            "blink_interval": lambda ms: frames.set_blink(frames.blinking, ms),
            "lock_frames": lambda how: ws.set_locks(frames=how),
            "lock_scale": lambda on: ws.set_locks(scale=on),
            "lock_colour": lambda on: ws.set_locks(colour=on),
            "follow": self.follow_dialog,
            "stop_following": self.follow.stop,
            "show_nightlog": lambda: self.show_docks("nightlog"),
            "show_stars": lambda: self.show_docks("stars"),
            "show_regions": lambda: self.show_docks("regions"),
            "overlay_mask": lambda on: overlays.set_overlay("mask", on),
            "overlay_contours": lambda on: overlays.set_overlay("contours", on),
            "overlay_grid": lambda on: overlays.set_overlay("grid", on),
            "overlay_compass": lambda on: overlays.set_overlay("compass", on),
            "contour_levels": overlays.contour_dialog,
            "power_spectrum": self.show_power_spectrum,
            "show_calibration": lambda: self.show_docks("calibration"),
            "calibration_folder": self._choose_calibration_folder,
            "shortcuts": self.show_shortcuts,
            "reset_layout": self.reset_layout,
        }

    def _states(self) -> dict:
        ws = self.workspace

        def display():
            return ws.current.display if ws.current is not None else ws.default_display

        def limit_key() -> str | None:
            spec = display().limit_spec
            if spec.mode == "user":
                return None
            return spec.mode if spec.mode in ("minmax", "zscale", "zmax") else f"{spec.percent:g}"

        def flag(name: str):
            return lambda: ws.current is not None and getattr(ws.current.overlays, name)

        return {
            "samp_connected": lambda: self.samp.connected,
            "scale_is": lambda name: display().scale == name,
            "limits_is": lambda value: limit_key() == value,
            "cmap_is": lambda name: display().cmap == name,
            "inverted": lambda: display().invert,
            "can_undo": lambda: self.editing.can_undo,
            "has_file": lambda: (
                ws.current is not None and os.path.isfile(ws.current.document.source.path)
            ),
            "can_redo": lambda: self.editing.can_redo,
            "tiling": lambda: self.frames.tiling,
            "blinking": lambda: self.frames.blinking,
            "lock_frames_is": lambda how: ws.locks.frames == how,
            "lock_scale": lambda: ws.locks.scale,
            "lock_colour": lambda: ws.locks.colour,
            "overlay_mask": lambda: ws.current is None or ws.current.overlays.mask,
            "overlay_contours": flag("contours"),
            "overlay_grid": flag("grid"),
            "overlay_compass": flag("compass"),
        }

    def _refresh_menus(self) -> None:
        if hasattr(self, "menus"):
            self.menus.refresh()

    def _fill_recent(self) -> None:
        self.files.fill_recent_menu(self.menus.menus["File/Open &Recent"])

    def _update_title(self) -> None:
        state = self.workspace.current
        if state is None:
            self.setWindowTitle("Skyglass")
        else:
            dirty = " *" if state.document.dirty else ""
            self.setWindowTitle(f"{state.name}{dirty} - Skyglass")

    # --------------------------------------------------------------- scripting
    def run_actions(self, actions: list[tuple[str, str]]) -> bool:
        """Open files (one frame each, ``FILE[ext]`` picks an HDU) and run DS9 commands, in
        order; a command that fails is reported and the rest still run. True when every
        file opened."""
        from skyglass.ds9 import Ds9Error

        ok, opened = True, False
        for kind, value in actions:
            if kind == "open":
                shown = self.files.open_file(value, new_frame=opened)
                ok, opened = ok and shown, opened or shown
            else:
                try:
                    self.ds9.set(value)
                except Ds9Error as exc:
                    self.show_error(f"-{value}: {exc}")
        return ok

    # ------------------------------------------------------------------ layout
    def fit_to_screen(self) -> None:
        """Size the window to the screen it is on (never larger than its available area),
        with the right column narrow enough to leave the image most of the width and tall
        enough for every control of the Scale dock."""
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else QtCore.QRect(0, 0, 1400, 900)
        width = min(1840, int(area.width() * 0.96))
        height = min(1120, int(area.height() * 0.94))
        self.resize(width, height)
        self.move(
            area.left() + (area.width() - width) // 2, area.top() + (area.height() - height) // 2
        )
        # As wide as the Scale panel wants, but never more than a third of the window.
        column = min(self.panels["scale"].sizeHint().width() + 24, 440, int(width * 0.34))
        scale, pixel = self.docks["scale"], self.docks["pixel"]
        self.resizeDocks([scale], [column], QtCore.Qt.Orientation.Horizontal)
        wanted = self.panels["scale"].sizeHint().height() + 40
        self.resizeDocks(
            [scale, pixel], [wanted, max(120, height - wanted)], QtCore.Qt.Orientation.Vertical
        )

    def reset_layout(self) -> None:
        """Window > Reset layout: the docks where they start, the window fitted again."""
        self.restoreState(self._default_layout)
        self.fit_to_screen()

    # -------------------------------------------------------- small commands
    def show_docks(self, *keys: str) -> None:
        """Show docks and bring the first to the front."""
        for key in keys:
            self.docks[key].show()
        self.docks[keys[0]].raise_()

    def show_power_spectrum(self) -> None:
        """Analysis > Power spectrum: log10 |FFT|^2 of the current image, in a new frame."""
        from skyglass.processing.editing.fourier import power_spectrum

        state = self.workspace.current
        if state is None:
            self.show_error("Open an image first.")
            return
        spectrum = power_spectrum(state.document.pixels())
        self.files.show_array(spectrum, None, f"power spectrum of {state.name}", new_frame=True)

    def _demo_opened(self, folder) -> None:
        calibration = self.panels["calibration"]
        if not calibration.folder.text():
            calibration.set_folder(str(folder))

    def _choose_calibration_folder(self) -> None:
        self.show_docks("calibration")
        self.panels["calibration"]._choose_folder()

    def follow_dialog(self) -> bool:
        """Frame > Follow a folder."""
        ok = self.follow.choose_folder(self)
        if not ok:
            self._following_changed(self.follow.active, "")
        return ok

    def _following_changed(self, on: bool, folder: str) -> None:
        nightlog = self.panels["nightlog"]
        if on:
            self.show_docks("nightlog")
            nightlog.folder.setText(f"following {folder}")
        else:
            nightlog.folder.setText("not following a folder")
        nightlog.follow_button.setChecked(on)
        nightlog.follow_button.setText("Stop following" if on else "Follow folder...")

    def _show_logged_frame(self, path: str) -> None:
        for i, state in enumerate(self.workspace.frames):
            if state.document.path == path:
                self.workspace.set_current(i)
                return
        self.files.open_file(path, new_frame=True)

    def show_shortcuts(self) -> None:
        """Help > Keyboard and mouse: the shortcut sheet."""
        from skyglass.viewer.dialogs.shortcuts import CANVAS_KEYS, ShortcutSheet, menu_shortcuts

        self.shortcut_sheet = ShortcutSheet(menu_shortcuts(self.menuBar()) + CANVAS_KEYS, self)
        self.shortcut_sheet.show()

    def _status(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)

    def show_error(self, message: str) -> None:
        """Tell the user, without blocking, and keep running. Messages that arrive while
        one is shown join it (the newest on top, the others in the details) instead of
        piling up dialogs exactly on top of each other."""
        self.last_error = message
        self.statusBar().showMessage(message, 15000)
        box = self._error_box
        if box is None or not box.isVisible():
            box = QtWidgets.QMessageBox(
                QtWidgets.QMessageBox.Icon.Warning,
                "Skyglass",
                message,
                QtWidgets.QMessageBox.StandardButton.Ok,
                self,
            )
            box.finished.connect(lambda _result: setattr(self, "_error_box", None))
            self._error_messages = []
            self._error_box = box
        self._error_messages.append(message)
        box.setText(message)
        earlier = self._error_messages[:-1]
        if earlier:
            box.setInformativeText(f"{len(earlier)} earlier message(s): see Show Details.")
            box.setDetailedText("\n\n".join(reversed(earlier)))
        box.open()

    # ------------------------------------------------------------ Qt events
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self.files.may_close_all():
            event.ignore()
            return
        self.toolbar.play_button.setChecked(False)
        self.frames.set_blink(False)
        self.samp.shutdown()
        self.follow.shutdown()
        self.runner.shutdown()
        state = self.workspace.current
        persist.save_display(
            self.qsettings, state.display if state is not None else self.workspace.default_display
        )
        persist.save_layout(self.qsettings, self)
        self.qsettings.sync()
        super().closeEvent(event)

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:  # noqa: N802 - Qt API
        self.files.dropped(event.mimeData().urls())
        event.acceptProposedAction()


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


def run(actions: list, follow: str | None = None, samp: bool = False, empty: bool = False) -> int:
    """Start the application: ``actions`` are ``("open", FILE)`` and ``("cmd", DS9 command)``
    in command-line order (with no file and no folder to follow, the demo night opens
    first), optionally following ``follow`` and connected to SAMP."""
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
    actions = [a if isinstance(a, tuple) else ("open", a) for a in actions]
    if not any(kind == "open" for kind, _ in actions) and not (follow or empty):
        window.files.open_demo()
    if follow:
        window.follow.start(follow)
    if samp:
        window.samp.set_connected(True)
    if not window.run_actions(actions) and bench:
        return 2
    code = app.exec()
    window.close()
    # Delete the widgets while Qt is alive: PySide6 can crash at interpreter exit when
    # pyqtgraph items outlive the application.
    window.deleteLater()
    app.processEvents()
    return code
