"""The edit panel: operations grouped as in the registry, a form for each, live preview,
and Apply off the GUI thread with progress and Cancel.

Like the calibration panel it is given what it needs: ``make_job(fn, title)``,
``current()`` (the image to edit, a Frame), ``visible_box()`` (the visible area as numpy
``(r0, r1, c0, c1)``), ``preview(patch, r0, c0)`` / ``end_preview()`` to show a preview
in the canvas, and ``applied(step, frame)`` to record the result.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from skyglass.processing.editing.history import Step
from skyglass.processing.editing.registry import GROUPS, REGISTRY, apply_operation, jsonable
from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.frame import Frame
from skyglass.viewer.panels.job_bar import JobBar
from skyglass.viewer.panels.param_form import ParamForm

PREVIEW_SIZE = 1536  # at most this many pixels a side are computed for a preview


class EditPanel(QtWidgets.QWidget):
    """Pick an operation, set its parameters, preview, apply."""

    #: The user asked for an interaction mode ("pick", or "pointer" to stop).
    modeRequested = QtCore.Signal(str)

    def __init__(
        self,
        make_job: Callable,
        current: Callable,
        visible_box: Callable,
        preview: Callable,
        end_preview: Callable,
        applied: Callable,
        nan_colour: Callable[[], tuple[int, int, int]] | None = None,
        all_planes: Callable[[bool], None] | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._all_planes = all_planes
        #: The colour the image shows NaN in (the thumbnail uses it too).
        self._nan_colour = nan_colour or (lambda: (255, 255, 255))
        self._make_job, self._current, self._visible_box = make_job, current, visible_box
        self._preview, self._end_preview, self._applied = preview, end_preview, applied
        self.preview_job = None
        self.picking = False
        self.picked: list[tuple[float, float]] = []
        layout = QtWidgets.QVBoxLayout(self)

        self.group = QtWidgets.QComboBox()
        self.group.addItems(GROUPS)
        self.group.setToolTip("Kind of operation")
        self.ops = QtWidgets.QListWidget()
        self.ops.setMaximumHeight(150)
        self.ops.setToolTip("Operations of this group")
        layout.addWidget(self.group)
        layout.addWidget(self.ops)
        self.help = QtWidgets.QLabel("")
        self.help.setWordWrap(True)
        layout.addWidget(self.help)
        self.form_holder = QtWidgets.QVBoxLayout()
        layout.addLayout(self.form_holder)
        self.form: ParamForm | None = None

        self.pick_button = QtWidgets.QPushButton("Pick on image")
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip("Click the image to set the points or the star")
        self.pick_button.toggled.connect(
            lambda on: self.modeRequested.emit("pick" if on else "pointer")
        )
        layout.addWidget(self.pick_button)

        self.every_plane = QtWidgets.QCheckBox("Every plane of the cube")
        self.every_plane.setToolTip(
            "Apply the edits to all planes of a cube (choose before the first edit); "
            "a crop or rotation then keeps the cube whole"
        )
        self.every_plane.setEnabled(False)
        self.every_plane.toggled.connect(self._every_plane_toggled)
        layout.addWidget(self.every_plane)

        row = QtWidgets.QHBoxLayout()
        self.live = QtWidgets.QCheckBox("Preview")
        self.live.setToolTip("Show the result on the visible area (geometry: a thumbnail)")
        self.live.toggled.connect(self._preview_toggled)
        self.apply_button = QtWidgets.QPushButton("Apply")
        self.apply_button.setToolTip("Apply to the whole image (undo with Ctrl+Z)")
        self.apply_button.clicked.connect(self.apply)
        row.addWidget(self.live)
        row.addStretch(1)
        row.addWidget(self.apply_button)
        layout.addLayout(row)
        self.thumbnail = QtWidgets.QLabel()
        self.thumbnail.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setMinimumHeight(0)
        layout.addWidget(self.thumbnail)
        self.jobs = JobBar(make_job, "Stop; the image is left as it was")
        self.jobs.busyChanged.connect(lambda busy: self.apply_button.setEnabled(not busy))
        self.progress, self.cancel_button = self.jobs.progress, self.jobs.cancel_button
        self.status = self.jobs.status
        layout.addWidget(self.jobs)
        layout.addStretch(1)

        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.update_preview)
        self.group.currentTextChanged.connect(self._fill_ops)
        self.ops.currentRowChanged.connect(self._choose)
        self._fill_ops(self.group.currentText())

    def set_cube(self, nplanes: int, all_planes: bool, colour: bool) -> None:
        """The image shown changed: offer "every plane" for a cube shown plane by plane."""
        self.every_plane.blockSignals(True)  # showing the state is not a choice
        self.every_plane.setChecked(all_planes)
        self.every_plane.blockSignals(False)
        self.every_plane.setEnabled(nplanes > 1 and not colour and self._all_planes is not None)

    def _every_plane_toggled(self, on: bool) -> None:
        try:
            self._all_planes(on)
        except SkyglassError as exc:
            self.status.setText(str(exc))
            self.every_plane.blockSignals(True)
            self.every_plane.setChecked(not on)
            self.every_plane.blockSignals(False)
            return
        self.status.setText("Edits apply to every plane." if on else "Edits apply to this plane.")

    # --------------------------------------------------------------- choosing
    @property
    def operation(self):
        item = self.ops.currentItem()
        return REGISTRY[item.data(QtCore.Qt.ItemDataRole.UserRole)] if item else None

    def select(self, name: str) -> None:
        """Choose an operation by registry name."""
        op = REGISTRY[name]
        self.group.setCurrentText(op.group)
        for i in range(self.ops.count()):
            if self.ops.item(i).data(QtCore.Qt.ItemDataRole.UserRole) == name:
                self.ops.setCurrentRow(i)

    def _fill_ops(self, group: str) -> None:
        self.ops.clear()
        for op in REGISTRY.values():
            if op.group == group:
                item = QtWidgets.QListWidgetItem(op.label)
                item.setData(QtCore.Qt.ItemDataRole.UserRole, op.name)
                item.setToolTip(op.help)
                self.ops.addItem(item)
        self.ops.setCurrentRow(0)

    def _choose(self, row: int) -> None:
        op = self.operation
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
            self.form = None
        if op is None:
            return
        self.help.setText(op.help)
        self.form = ParamForm(op)
        self.form.changed.connect(self._schedule_preview)
        self.form_holder.addWidget(self.form)
        self.pick_button.setVisible(bool(op.picks))
        self.pick_button.setChecked(False)
        self.picked = []
        self.thumbnail.clear()
        self._schedule_preview()

    def values(self) -> dict:
        return self.form.values() if self.form else {}

    def set_value(self, name: str, value) -> None:
        if self.form is not None:
            self.form.set_value(name, value)

    # ---------------------------------------------------------------- picking
    def show_mode(self, mode: str) -> None:
        """Reflect the window's interaction mode (Pick on or off)."""
        on = mode == "pick"
        self.pick_button.blockSignals(True)
        self.pick_button.setChecked(on)
        self.pick_button.blockSignals(False)
        if on != self.picking:
            self._toggle_pick(on)

    def _toggle_pick(self, on: bool) -> None:
        self.picking = on
        self.picked = []
        if on:
            what = (
                "four corners, in order around the shape"
                if self.operation.picks == "points"
                else "the star to use as PSF"
            )
            self.status.setText(f"Click {what} on the image.")

    def image_clicked(self, x: float, y: float) -> None:
        """A click on the canvas (FITS x, y) while picking."""
        op = self.operation
        if not self.picking or op is None:
            return
        x, y = round(x, 2), round(y, 2)
        if op.picks == "points":
            self.picked.append((x, y))
            self.set_value("points", self.picked)
            self.status.setText(f"{len(self.picked)} of 4 points picked.")
            if len(self.picked) == 4:
                self.pick_button.setChecked(False)
        elif op.picks == "star":
            self.set_value("star", [x, y])
            self.set_value("psf", "star")
            self.status.setText(f"PSF star at ({x:g}, {y:g}).")
            self.pick_button.setChecked(False)

    # ---------------------------------------------------------------- preview
    def _schedule_preview(self) -> None:
        if self.live.isChecked():
            self._timer.start()

    def _preview_toggled(self, on: bool) -> None:
        if on:
            self.update_preview()
        else:
            self._end_preview()
            self.thumbnail.clear()

    def update_preview(self) -> None:
        """Compute the preview in the background (replacing one still running)."""
        op = self.operation
        if op is None or not self.live.isChecked():
            return
        if self.preview_job is not None:
            self.preview_job.cancel()
            self._timer.start()  # try again when it has stopped
            return
        try:
            frame = self._current()
        except SkyglassError as exc:
            self.status.setText(str(exc))
            return
        values = self.values()
        if op.geometry:
            data = frame.data
            step = max(1, int(np.ceil(max(data.shape) / 256)))
            small = Frame(np.ascontiguousarray(data[..., ::step, ::step]), frame.header)
            values = _scaled_geometry(op, values, step)

            def work(progress):
                return apply_operation(small, op.name, values, progress)

            self._start_preview(work, self._show_thumbnail)
            return
        v0, v1, w0, w1 = self._visible_box()
        cy, cx = (v0 + v1) // 2, (w0 + w1) // 2
        half = PREVIEW_SIZE // 2
        r0, r1 = max(v0, cy - half), min(v1, cy + half)
        c0, c1 = max(w0, cx - half), min(w1, cx + half)
        if (r0, r1, c0, c1) != (v0, v1, w0, w1):
            self.status.setText(
                f"Preview: the central {c1 - c0} x {r1 - r0} pixels of the view "
                "(zoom in to preview the rest; Apply does the whole image)."
            )
        patch = Frame(np.ascontiguousarray(frame.data[..., r0:r1, c0:c1]), frame.header)

        def work(progress):
            return apply_operation(patch, op.name, values, progress)

        self._start_preview(work, lambda f: self._preview(f.data, r0, c0))

    def _start_preview(self, work, done) -> None:
        job = self._make_job(work, "preview")
        job.succeeded.connect(done)
        job.failed.connect(self.status.setText)
        job.done.connect(self._preview_done)
        self.preview_job = job
        job.start()

    def _preview_done(self) -> None:
        self.preview_job = None

    def _show_thumbnail(self, frame: Frame) -> None:
        """The geometry preview: grey, with pixels that will have no value (NaN: corners of
        a rotation) in the colour the image shows NaN in, as the result will look."""
        data = frame.data if frame.data.ndim == 2 else np.mean(frame.data, axis=0)
        finite = np.isfinite(data)
        lo, hi = np.percentile(data[finite], [0.5, 99.5]) if finite.any() else (0.0, 1.0)
        scaled = np.where(finite, (data - lo) / ((hi - lo) or 1.0) * 255, 0)
        grey = np.clip(scaled, 0, 255).astype(np.uint8)
        rgb = np.repeat(grey[..., None], 3, axis=2)
        rgb[~finite] = self._nan_colour()
        rgb = np.ascontiguousarray(rgb[::-1])
        self._thumb = rgb
        image = QtGui.QImage(
            rgb.data,
            rgb.shape[1],
            rgb.shape[0],
            rgb.shape[1] * 3,
            QtGui.QImage.Format.Format_RGB888,
        )
        self.thumbnail.setPixmap(
            QtGui.QPixmap.fromImage(image).scaled(
                240, 240, QtCore.Qt.AspectRatioMode.KeepAspectRatio
            )
        )

    # ------------------------------------------------------------------ apply
    def apply(self) -> None:
        """Apply the operation to the whole image in the background."""
        op = self.operation
        if op is None or self.job is not None:
            return
        try:
            values = op.resolve(self.values())
            frame = self._current()
        except SkyglassError as exc:
            self._error(str(exc))
            return
        step = Step(op.name, jsonable(values))
        self.live.setChecked(False)

        def work(progress):
            return apply_operation(frame, op.name, step.params, progress)

        self.jobs.run(
            work,
            op.label,
            lambda result: self._done(step, result),
            cancelled="cancelled; the image is unchanged.",
        )

    def _done(self, step: Step, result: Frame) -> None:
        self.status.setText(f"{REGISTRY[step.op].label}: done.")
        self._applied(step, result)

    @property
    def job(self):
        """The running edit (None when idle)."""
        return self.jobs.job

    def cancel(self) -> None:
        self.jobs.cancel()

    def _error(self, message: str) -> None:
        self.jobs.error(message)

    @property
    def last_error(self) -> str:
        return self.jobs.last_error


def _scaled_geometry(op, values: dict, step: int) -> dict:
    """Pixel coordinates among ``op``'s parameters (by kind: box, point, points) for a
    thumbnail subsampled by ``step``."""

    def scale(x: float) -> float:
        return (x - 1) / step + 1

    values = dict(values)
    for param in op.params:
        value = values.get(param.name)
        if value is None:
            continue
        if param.kind == "box":
            values[param.name] = [max(1, (int(c) - 1) // step + 1) for c in value]
        elif param.kind == "point":
            values[param.name] = [scale(value[0]), scale(value[1])]
        elif param.kind == "points":
            values[param.name] = [[scale(x), scale(y)] for x, y in value]
    return values
