"""Step 5 of the calibration panel: align and stack the calibrated lights of a group,
with the streaming engine ``skyglass stack`` uses, and save the result."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6 import QtWidgets

from skyglass.processing.progress import report, scaled
from skyglass.viewer.panels.widgets import combo


class StackStep(QtWidgets.QWidget):
    """The "Align and stack" page.

    Parameters
    ----------
    files_for : callable
        ``files_for(raw_paths) -> list[str]``: the calibrated files written for a group's
        lights (empty until step 4 ran).
    run : callable
        ``run(fn, title, on_success)`` runs ``fn(progress)`` as the panel's job.
    error, status, show : callable
        Report an error; say what happened; show ``(data, header, name)`` in the window.
    quality : dict
        Frame quality by calibrated path, shared with the panel's table (measured once).
    measured : callable
        Called after new qualities were added (the panel refreshes its FWHM column).
    folder : callable
        The night's folder (where the save dialog starts).
    """

    def __init__(
        self,
        help_text: str,
        files_for: Callable[[list[str]], list[str]],
        run: Callable,
        error: Callable[[str], None],
        status: Callable[[str], None],
        show: Callable,
        quality: dict,
        measured: Callable[[], None],
        folder: Callable[[], str],
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._files_for, self._run, self._error = files_for, run, error
        self._status, self._show, self._measured, self._folder = status, show, measured, folder
        self.quality = quality
        self.result = None
        lay = QtWidgets.QVBoxLayout(self)
        text = QtWidgets.QLabel(help_text)
        text.setWordWrap(True)
        lay.addWidget(text)
        form = QtWidgets.QFormLayout()
        self.group = QtWidgets.QComboBox()
        self.group.setToolTip("Which lights to stack (object and filter)")
        self.method = combo(
            [
                ("median", "median"),
                ("sigma-clipped mean", "sigma-clip"),
                ("mean", "mean"),
                ("sum", "sum"),
                ("min/max rejection", "minmax"),
            ],
            "How to co-add",
        )
        self.align = combo(
            [
                ("shift (cross-correlation)", "shift"),
                ("stars (rotation, scale)", "stars"),
                ("WCS (from the headers)", "wcs"),
                ("none", "none"),
            ],
            "How frames are registered to the first one",
        )
        self.interpolation = combo(
            [("bilinear", "bilinear"), ("bicubic", "bicubic"), ("whole pixels", "none")],
            "Resampling of the aligned frames",
        )
        self.match = combo(
            [
                ("no", None),
                ("sky level", "offset"),
                ("sky level and transparency", "offset-scale"),
            ],
            "Match the frames before combining: each frame's sky level (median) brought to "
            "the frames' median level (a sky that brightens through the night, moonlight), "
            "and with transparency also its spread",
        )
        self.best = QtWidgets.QSpinBox()
        self.best.setRange(0, 100000)
        self.best.setSpecialValueText("all frames")
        self.best.setToolTip(
            "Stack only this many frames, the ones with the smallest FWHM (the FWHM of every "
            "light is measured once and shown in the table)"
        )
        form.addRow("Frames", self.group)
        form.addRow("Keep the best", self.best)
        form.addRow("Combine", self.method)
        form.addRow("Match frames", self.match)
        form.addRow("Align", self.align)
        form.addRow("Resample", self.interpolation)
        lay.addLayout(form)
        row = QtWidgets.QHBoxLayout()
        self.button = QtWidgets.QPushButton("Align and stack")
        self.button.setToolTip("Register every calibrated light on the first one and combine them")
        self.button.clicked.connect(self.build)
        self.save_button = QtWidgets.QPushButton("Save stack...")
        self.save_button.setToolTip("Write the stack as FITS, with the recipe in its header")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._save_dialog)
        row.addWidget(self.button)
        row.addWidget(self.save_button)
        lay.addLayout(row)
        lay.addStretch(1)

    def set_groups(self, groups: dict) -> None:
        """The groups of lights to offer: ``{(object, filter): [frames]}``."""
        self.group.clear()
        for (obj, band), frames in groups.items():
            self.group.addItem(
                f"{obj or '?'} / {band or 'no filter'} ({len(frames)})", [f.path for f in frames]
            )

    def set_enabled(self, idle: bool, calibrated: bool) -> None:
        """Buttons follow the panel: nothing while a step runs; stack once lights are
        calibrated; save once there is a stack."""
        self.button.setEnabled(idle and calibrated)
        self.save_button.setEnabled(idle and self.result is not None)

    def build(self) -> None:
        """The calibrated lights of the group, stacked by the streaming engine ``skyglass
        stack`` uses, from the files step 4 wrote (memory independent of their number)."""
        from skyglass.processing.calibration.combine import CombineOptions
        from skyglass.processing.calibration.stacking import stack_files

        files = self._files_for(self.group.currentData() or [])
        if not files:
            self._error("Calibrate the lights of this group first (step 4).")
            return
        method = self.method.currentData()
        options = CombineOptions(method=method, scale=self.match.currentData())
        align, interp = self.align.currentData(), self.interpolation.currentData()
        workdir = os.path.dirname(files[0])
        best = self.best.value() or None
        known = dict(self.quality)

        def work(progress):
            from skyglass.processing.calibration.nightlog import frame_quality
            from skyglass.processing.calibration.selection import select

            qualities = []
            for i, path in enumerate(files):  # each file measured once, then remembered
                quality = known.get(os.path.abspath(path))
                if quality is None:
                    report(progress, 0.3 * i / len(files), f"measuring {os.path.basename(path)}")
                    quality = frame_quality(path)
                qualities.append(quality)
            kept, left = select(qualities, best) if best else (qualities, [])
            chosen = [q.path for q in kept] if best else files
            result = stack_files(
                chosen,
                method,
                align,
                0,
                interp,
                options=options,
                progress=scaled(progress, 0.3, 1.0),
                workdir=workdir,
            )
            return result, {q.path: q for q in qualities}, left

        def done(outcome):
            result, measured, left = outcome
            self.quality.update(measured)
            self._measured()
            self.result = result
            out = f"; left out {', '.join(q.name for q, _ in left)}" if left else ""
            self._status(
                f"Stack of {result.header['NCOMBINE']} frames: EXPTIME "
                f"{result.header['EXPTIME']:g} s, total {result.header['TOTEXP']:g} s{out}."
            )
            self._show(result.data, result.header, "stack")

        self._run(work, "aligning and stacking", done)

    def _save_dialog(self) -> None:
        if self.result is None:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save stack", os.path.join(self._folder(), "stack.fits"), "FITS (*.fits)"
        )
        if path:
            self.save(path)

    def save(self, path: str) -> None:
        """Write the stack (the dialog already asked before replacing a file)."""
        from skyglass.processing.errors import SkyglassError

        try:
            self.result.write(path, overwrite=True)
            self._status(f"Saved {path}.")
        except SkyglassError as exc:
            self._error(str(exc))
