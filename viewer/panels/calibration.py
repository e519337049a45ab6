"""The calibration panel: a guided walk from raw frames to a stacked image.

Bias, Dark, Flat, Calibrate lights, Align and stack. Each step lists the frames it uses
(from the frame library), builds its result off the GUI thread with a progress bar and
Cancel, and shows it in the canvas. A before/after toggle shows a light frame with and
without the corrections built so far.

The panel does not run threads itself: it is given ``make_job(fn, title)`` returning an
object with ``progressed``, ``succeeded``, ``failed``, ``cancelled`` and ``done`` signals
and ``start()``/``cancel()`` (the app's Job), and ``show(data, header, name)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6 import QtWidgets

from skyglass.processing.calibration.calibrate import CalibrationOptions, read_frame
from skyglass.processing.calibration.combine import CombineOptions
from skyglass.processing.calibration.library import KINDS, NightLibrary
from skyglass.processing.calibration.masters import Masters
from skyglass.processing.calibration.pipeline import calibrated_name
from skyglass.viewer.panels.job_bar import JobBar
from skyglass.viewer.panels.stack_step import StackStep
from skyglass.viewer.panels.widgets import combo

COLUMNS = (
    "File",
    "Type",
    "EXPTIME",
    "FILTER",
    "OBJECT",
    "DATE-OBS",
    "Size",
    "Written to",
    "FWHM",
)
STEP_HELP = {
    "bias": "A bias is a zero-second exposure: the electronic offset of every pixel. "
    "Combining several (median) removes their read noise.",
    "dark": "A dark is an exposure with the shutter closed: thermal signal that grows with "
    "exposure time, and hot pixels. Each dark has the master bias removed first.",
    "flat": "A flat is an image of a uniform light: it maps each pixel's sensitivity, "
    "vignetting and dust shadows. One master per filter, normalised to 1.",
    "calibrate": "Each light becomes (raw - bias - dark x t_light/t_dark) / flat.",
    "stack": "Calibrated lights are aligned on the reference frame and combined; the "
    "stack keeps the reference frame's WCS.",
}


class CalibrationPanel(QtWidgets.QWidget):
    """A guided calibration dock."""

    def __init__(
        self,
        make_job: Callable,
        show: Callable,
        output_for: Callable[[str], str] | None = None,
        open_folder: Callable[[str], None] | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._show = show
        #: The default output folder for a night folder (the shell keeps it out of caches).
        self._output_for = output_for or (lambda night: os.path.join(night, "calibrated"))
        self._open_folder = open_folder
        #: Where each file went: input path (or master name) -> written path.
        self.written: dict[str, str] = {}
        self.library: NightLibrary | None = None
        self.masters = Masters()
        #: Calibrated lights: raw path -> the file written (frames are not kept in memory:
        #: a night of hundreds of 4k frames would hold gigabytes).
        self.calibrated: dict[str, str] = {}
        #: Frame quality of calibrated files (path -> FrameQuality), measured once each.
        self.quality: dict[str, object] = {}
        self.setMinimumWidth(400)
        layout = QtWidgets.QVBoxLayout(self)

        row = QtWidgets.QHBoxLayout()
        self.folder = QtWidgets.QLineEdit()
        self.folder.setReadOnly(True)
        self.folder.setPlaceholderText("Choose the folder of a night's frames")
        self.folder.setToolTip("Folder whose FITS files are grouped by their headers")
        choose = QtWidgets.QPushButton("Folder...")
        choose.setToolTip("Choose the folder with biases, darks, flats and lights")
        choose.clicked.connect(self._choose_folder)
        row.addWidget(self.folder, 1)
        row.addWidget(choose)
        layout.addLayout(row)

        row = QtWidgets.QHBoxLayout()
        self.output = QtWidgets.QLineEdit()
        self.output.setPlaceholderText("Where masters and calibrated lights are written")
        self.output.setToolTip(
            "Masters (with HISTORY) and NAME_cal.fits are written here, as "
            "'skyglass calibrate' writes them"
        )
        choose_out = QtWidgets.QPushButton("Output...")
        choose_out.setToolTip("Choose the folder the results are written to")
        choose_out.clicked.connect(self._choose_output)
        self.open_output_button = QtWidgets.QPushButton("Open output folder")
        self.open_output_button.setToolTip("Show the output folder in the file manager")
        self.open_output_button.clicked.connect(
            lambda: (
                self._open_folder and self.output.text() and self._open_folder(self.output.text())
            )
        )
        row.addWidget(self.output, 1)
        row.addWidget(choose_out)
        row.addWidget(self.open_output_button)
        layout.addLayout(row)

        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(140)
        self.table.setToolTip(
            "Frames from the headers; change a Type if the header is wrong. "
            "Double-click a row to view the frame."
        )
        self.table.cellDoubleClicked.connect(self._view_row)
        layout.addWidget(self.table, 1)

        self.steps = QtWidgets.QTabWidget()
        self.steps.addTab(self._bias_page(), "1 Bias")
        self.steps.addTab(self._dark_page(), "2 Dark")
        self.steps.addTab(self._flat_page(), "3 Flat")
        self.steps.addTab(self._calibrate_page(), "4 Calibrate")
        self.stack = StackStep(
            STEP_HELP["stack"],
            files_for=lambda wanted: [
                self.written[p] for p in wanted if p in self.calibrated and p in self.written
            ],
            run=self._run,
            error=self._error,
            status=lambda text: self.status.setText(text),
            show=self._show,
            quality=self.quality,
            measured=self._fill_table,
            folder=self.folder.text,
        )
        self.steps.addTab(self.stack, "5 Align && stack")
        layout.addWidget(self.steps, 2)

        self.jobs = JobBar(make_job, "Stop the running step; nothing is changed")
        self.jobs.busyChanged.connect(lambda _busy: self._update_buttons())
        self.progress, self.cancel_button = self.jobs.progress, self.jobs.cancel_button
        self.status = self.jobs.status
        layout.addWidget(self.jobs)
        self._update_lists()

    # ------------------------------------------------------------------ pages
    def _page(self, key: str) -> tuple[QtWidgets.QWidget, QtWidgets.QVBoxLayout]:
        page = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(page)
        text = QtWidgets.QLabel(STEP_HELP[key])
        text.setWordWrap(True)
        lay.addWidget(text)
        return page, lay

    def _frame_list(self, tip: str) -> QtWidgets.QListWidget:
        w = QtWidgets.QListWidget()
        w.setToolTip(tip)
        w.setMaximumHeight(110)
        return w

    def _method_combo(self) -> QtWidgets.QComboBox:
        return combo(
            [
                ("median", "median"),
                ("sigma-clipped mean", "sigma-clip"),
                ("mean", "mean"),
                ("min/max rejection", "minmax"),
            ],
            "How the frames are combined",
        )

    def _bias_page(self):
        page, lay = self._page("bias")
        self.bias_list = self._frame_list("Bias frames used")
        self.bias_method = self._method_combo()
        self.bias_button = QtWidgets.QPushButton("Build master bias")
        self.bias_button.setToolTip("Combine the biases and show the master")
        self.bias_button.clicked.connect(self.build_bias)
        for w in (self.bias_list, self.bias_method, self.bias_button):
            lay.addWidget(w)
        lay.addStretch(1)
        return page

    def _dark_page(self):
        page, lay = self._page("dark")
        self.dark_list = self._frame_list("Dark frames used (grouped by exposure time)")
        self.dark_method = self._method_combo()
        self.dark_button = QtWidgets.QPushButton("Build master darks")
        self.dark_button.setToolTip("One master dark per exposure time, bias removed")
        self.dark_button.clicked.connect(self.build_darks)
        for w in (self.dark_list, self.dark_method, self.dark_button):
            lay.addWidget(w)
        lay.addStretch(1)
        return page

    def _flat_page(self):
        page, lay = self._page("flat")
        self.flat_list = self._frame_list("Flat frames used (grouped by filter)")
        self.flat_method = self._method_combo()
        self.flat_button = QtWidgets.QPushButton("Build master flats")
        self.flat_button.setToolTip("One normalised master flat per filter")
        self.flat_button.clicked.connect(self.build_flats)
        for w in (self.flat_list, self.flat_method, self.flat_button):
            lay.addWidget(w)
        lay.addStretch(1)
        return page

    def _calibrate_page(self):
        page, lay = self._page("calibrate")
        form = QtWidgets.QFormLayout()
        self.cosmic = combo(
            [
                ("none", None),
                ("L.A.Cosmic (astroscrappy)", "lacosmic"),
                ("median filter", "median"),
            ],
            "Cosmic-ray cleaning",
        )
        self.bad = combo(
            [("keep", "keep"), ("interpolate", "interpolate"), ("set to NaN", "nan")],
            "Hot pixels (from the dark) and weak pixels (from the flat)",
        )
        form.addRow("Cosmic rays", self.cosmic)
        form.addRow("Bad pixels", self.bad)
        lay.addLayout(form)
        self.light_list = self._frame_list("Light frames to calibrate")
        lay.addWidget(self.light_list)
        self.calibrate_button = QtWidgets.QPushButton("Calibrate lights")
        self.calibrate_button.setToolTip(
            "Calibrate every light with the masters built so far; "
            "writes NAME_cal.fits into the output folder"
        )
        self.calibrate_button.clicked.connect(self.calibrate_lights)
        lay.addWidget(self.calibrate_button)
        compare = QtWidgets.QHBoxLayout()
        self.compare_light = QtWidgets.QComboBox()
        self.compare_light.setToolTip("Light frame to compare")
        self.before = QtWidgets.QRadioButton("Before")
        self.after = QtWidgets.QRadioButton("After")
        self.before.setToolTip("The raw light frame")
        self.after.setToolTip("The light with the corrections built so far")
        self.before.toggled.connect(lambda on: on and self.show_before())
        self.after.toggled.connect(lambda on: on and self.show_after())
        compare.addWidget(self.compare_light, 1)
        compare.addWidget(self.before)
        compare.addWidget(self.after)
        lay.addLayout(compare)
        lay.addStretch(1)
        return page

    # ---------------------------------------------------------------- library
    def _choose_folder(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Folder of the night's frames", self.folder.text() or os.getcwd()
        )
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        """Read the headers of the folder's frames and list them."""
        from skyglass.processing.errors import SkyglassError

        try:
            self.library = NightLibrary(folder)
        except SkyglassError as exc:
            self._error(str(exc))
            return
        self.folder.setText(folder)
        self.output.setText(self._output_for(folder))
        self.written.clear()
        self.masters = Masters()
        self.calibrated.clear()
        self.quality.clear()
        self.stack.result = None
        self._fill_table()
        self._update_lists()
        n = len(self.library.files)
        extra = f"; {len(self.library.errors)} unreadable" if self.library.errors else ""
        self.status.setText(f"{n} frames read from their headers{extra}.")

    def _fwhm_text(self, light: str) -> str:
        quality = self.quality.get(os.path.abspath(self.written.get(light, "")))
        if quality is None:
            return ""
        return "-" if quality.fwhm != quality.fwhm else f"{quality.fwhm:.2f} px"

    def _fill_table(self) -> None:
        frames = self.library.files if self.library else []
        self.table.setRowCount(len(frames))
        for r, f in enumerate(frames):
            values = (
                f.name,
                None,
                "" if f.exptime is None else f"{f.exptime:g}",
                f.filter,
                f.object,
                f.date_obs,
                f"{f.shape[1]} x {f.shape[0]}",
                self.written.get(f.path, ""),
                self._fwhm_text(f.path),
            )
            for c, v in enumerate(values):
                if c == 1:
                    box = QtWidgets.QComboBox()
                    box.addItems(KINDS)
                    box.setCurrentText(f.kind)
                    box.setToolTip(f"IMAGETYP in the header: {f.imagetyp or '(none)'}")
                    box.currentTextChanged.connect(lambda k, p=f.path: self.set_kind(p, k))
                    self.table.setCellWidget(r, c, box)
                else:
                    self.table.setItem(r, c, QtWidgets.QTableWidgetItem(v))
        self.table.resizeColumnsToContents()

    def _choose_output(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Output folder", self.output.text() or self.folder.text()
        )
        if folder:
            self.output.setText(folder)

    def _write(self, frames) -> str:
        """Write masters to the output folder (replacing the panel's own earlier ones, as
        redoing a step should); a few words on where they went, or why not."""
        from skyglass.processing.errors import SkyglassError

        folder = self.output.text() or self._output_for(self.folder.text())
        try:
            os.makedirs(folder, exist_ok=True)
            for frame in frames:
                path = os.path.join(folder, frame.name)
                frame.write(path, overwrite=True)
                self.written[frame.name] = path
        except (OSError, SkyglassError) as exc:
            self._error(f"The masters could not be written to {folder}: {exc}")
            return "not written"
        return f"written to {folder}"

    def set_kind(self, path: str, kind: str) -> None:
        """Reassign a frame's type and refresh the steps."""
        if self.library is not None:
            self.library.set_kind(path, kind)
            self._update_lists()

    def _update_lists(self) -> None:
        lib = self.library

        def fill(widget, items):
            widget.clear()
            for text in items:
                widget.addItem(text)

        fill(self.bias_list, [f.name for f in lib.biases()] if lib else [])
        fill(
            self.dark_list,
            [f"{f.name}  ({t:g} s)" for t, fs in (lib.darks() if lib else {}).items() for f in fs],
        )
        fill(
            self.flat_list,
            [
                f"{f.name}  ({b or 'no filter'})"
                for b, fs in (lib.flats() if lib else {}).items()
                for f in fs
            ],
        )
        lights = lib.of_kind("light") if lib else []
        fill(self.light_list, [f.name for f in lights])
        self.compare_light.clear()
        for f in lights:
            self.compare_light.addItem(f.name, f.path)
        self.stack.set_groups(lib.lights() if lib else {})
        self._update_buttons()

    def _update_buttons(self) -> None:
        lib = self.library
        idle = self.job is None
        self.bias_button.setEnabled(idle and bool(lib and lib.biases()))
        self.dark_button.setEnabled(idle and bool(lib and lib.of_kind("dark")))
        self.flat_button.setEnabled(idle and bool(lib and lib.of_kind("flat")))
        self.calibrate_button.setEnabled(idle and bool(lib and lib.of_kind("light")))
        self.stack.set_enabled(idle, bool(self.calibrated))

    def _view_row(self, row: int, column: int) -> None:
        if self.library is not None and 0 <= row < len(self.library.files):
            f = self.library.files[row]
            self._run(
                lambda progress: read_frame(f.path),
                f"reading {f.name}",
                lambda frame: self._show(frame.data, frame.header, f.name),
            )

    # ------------------------------------------------------------------- jobs
    @property
    def job(self):
        """The running job (None when idle)."""
        return self.jobs.job

    def _run(self, fn, title: str, on_success, cancelled=None) -> None:
        if cancelled is None:
            self.jobs.run(fn, title, on_success)
        else:
            self.jobs.run(fn, title, on_success, cancelled)

    def cancel(self) -> None:
        self.jobs.cancel()

    def _error(self, message: str) -> None:
        self.jobs.error(message)

    @property
    def last_error(self) -> str:
        return self.jobs.last_error

    def _paths(self, kind: str) -> list[str]:
        return [f.path for f in self.library.of_kind(kind)] if self.library else []

    def _options(self, box: QtWidgets.QComboBox) -> CombineOptions:
        return CombineOptions(box.currentData())

    # ------------------------------------------------------------------ steps
    def build_bias(self) -> None:
        from skyglass.processing.calibration.calibrate import master_bias

        paths, opts = self._paths("bias"), self._options(self.bias_method)

        def done(frame):
            frame.name = "master_bias.fits"
            self.masters.bias = frame
            written = self._write([frame])
            self.status.setText(f"Master bias from {len(paths)} frames: {written}.")
            self._show(frame.data, frame.header, frame.name)

        self._run(lambda progress: master_bias(paths, opts, progress), "master bias", done)

    def build_darks(self) -> None:
        from skyglass.processing.calibration.masters import build_darks

        paths, opts, bias = self._paths("dark"), self._options(self.dark_method), self.masters.bias

        def done(darks):
            self.masters.darks = darks
            longest = darks[max(darks)]
            note = "" if bias is not None else " (no master bias yet: bias not removed)"
            written = self._write(list(darks.values()))
            self.status.setText(
                f"Master darks for {', '.join(f'{t:g} s' for t in darks)}; "
                f"{int(longest.mask.sum())} hot pixels{note}; {written}."
            )
            self._show(longest.data, longest.header, longest.name)

        self._run(lambda progress: build_darks(paths, bias, opts, progress), "master darks", done)

    def build_flats(self) -> None:
        from skyglass.processing.calibration.masters import build_flats

        paths, opts, masters = self._paths("flat"), self._options(self.flat_method), self.masters

        def done(flats):
            self.masters.flats = flats
            first = next(iter(flats.values()))
            written = self._write(list(flats.values()))
            self.status.setText(
                f"Master flats for filters {', '.join(b or '-' for b in flats)}; {written}."
            )
            self._show(first.data, first.header, first.name)

        self._run(
            lambda progress: build_flats(paths, masters, opts, progress), "master flats", done
        )

    def _cal_options(self) -> CalibrationOptions:
        return CalibrationOptions(
            cosmic=self.cosmic.currentData(), bad_pixels=self.bad.currentData()
        )

    def calibrate_lights(self, output: str | None = None) -> None:
        from skyglass.processing.calibration.pipeline import calibrate_lights

        if self.library is None:
            return
        lights = self._paths("light")
        masters, opts = self.masters, self._cal_options()
        folder = output or self.output.text() or self._output_for(self.folder.text())
        frames: dict = {}  # raw path -> file written, filled as each light is written
        first: list = []  # the first calibrated frame, to show; the others are on disk

        def written(path: str, frame) -> None:
            if not first:
                first.append(frame)
            frames[path] = os.path.join(folder, calibrated_name(path))

        def work(progress):
            # The panel's own outputs in calibrated/ are replaced when a step is redone.
            calibrate_lights(
                lights,
                masters,
                folder,
                opts,
                overwrite=True,
                progress=progress,
                on_frame=written,
            )
            return frames

        def kept() -> str:
            """A cancel keeps the lights already written (each complete: writes are
            atomic) and says which; the table lists them."""
            if not frames:
                return "cancelled; nothing was written."
            self.written.update(frames)
            self._fill_table()
            names = ", ".join(calibrated_name(p) for p in frames)
            return (
                f"cancelled after {len(frames)} of {len(lights)} lights; kept in {folder}: {names}."
            )

        def done(frames):
            self.calibrated = dict(frames)
            self.written.update(frames)
            for out in frames.values():
                self.quality.pop(os.path.abspath(out), None)  # rewritten
            self._fill_table()
            self.status.setText(f"{len(frames)} lights calibrated into {folder}.")
            shown = first[0]
            self._show(shown.data, shown.header, calibrated_name(next(iter(frames))))
            self.after.setChecked(True)

        self._run(work, "calibrating lights", done, kept)

    def show_before(self) -> None:
        path = self.compare_light.currentData()
        if path:
            self._run(
                lambda progress: read_frame(path),
                "reading the raw light",
                lambda f: self._show(f.data, f.header, f"{f.name} (before)"),
            )

    def show_after(self) -> None:
        path = self.compare_light.currentData()
        if not path:
            return
        if path in self.calibrated:  # read back from the file step 4 wrote
            written = self.calibrated[path]
            self._run(
                lambda progress: read_frame(written),
                "reading the calibrated light",
                lambda f: self._show(f.data, f.header, f"{os.path.basename(path)} (after)"),
            )
            return
        from skyglass.processing.calibration.pipeline import calibrate_one

        masters, opts = self.masters, self._cal_options()

        def work(progress):
            return calibrate_one(path, masters, opts, progress, require_flat=False)

        self._run(
            work,
            "calibrating (preview)",
            lambda f: self._show(f.data, f.header, f"{os.path.basename(path)} (after)"),
        )
