"""Editing and saving: applied edits, undo/redo, Save As, recipe/script and PNG exports."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
from PySide6 import QtCore, QtWidgets

from skyglass import dialogs
from skyglass.model.workspace import FrameState, Workspace
from skyglass.processing.errors import SkyglassError
from skyglass.processing.io.save import ShapeChangedError, save_edited


class EditingController(QtCore.QObject):
    """The edit history of the current frame and everything that writes files.

    Parameters
    ----------
    workspace : Workspace
    window : QMainWindow
        Parent of the dialogs and owner of the status bar.
    runner : JobRunner
        Recomputes an undone state off the GUI thread when its snapshot was dropped.
    show_error : callable
    canvas : ImageCanvas
        For "export the visible area as shown".
    """

    #: The history or the saved state changed (undo/redo actions, title, history list).
    historyChanged = QtCore.Signal()

    def __init__(
        self, workspace: Workspace, window, runner, show_error, canvas, start_dir=None
    ) -> None:
        super().__init__()
        #: ``start_dir()``: where save dialogs open for an image that has no file.
        self.start_dir = start_dir or os.getcwd
        self.ws = workspace
        self.window = window
        self.runner = runner
        self.show_error = show_error
        self.canvas = canvas
        self.busy = False
        for event in (workspace.current_changed, workspace.document_changed):
            event.connect(lambda *_: self.historyChanged.emit())
        workspace.mask_changed.connect(lambda *_: self.historyChanged.emit())

    # ----------------------------------------------------------------- access
    def _document(self):
        state = self.ws.current
        return state.document if state is not None else None

    def editable(self):
        """The current image as a Frame to edit (the history starts at the first edit)."""
        doc = self._document()
        if doc is None:
            raise SkyglassError("open an image first.")
        return doc.editable()

    def current_frame(self):
        """The displayed plane with its header (what measurements run on)."""
        from skyglass.processing.io.frame import Frame

        doc = self._document()
        if doc is None:
            raise SkyglassError("open an image first.")
        return Frame(doc.pixels(), doc.image.header, name=doc.name)

    @property
    def history(self):
        doc = self._document()
        return doc.history if doc is not None else None

    @property
    def can_undo(self) -> bool:
        h = self.history
        return bool(h and h.can_undo) and not self.busy

    @property
    def can_redo(self) -> bool:
        h = self.history
        return bool(h and h.can_redo) and not self.busy

    # ---------------------------------------------------------------- editing
    def applied(self, step, frame) -> None:
        """The edit panel applied ``step`` with result ``frame``."""
        state = self.ws.current
        if state.document.image.shape != frame.data.shape[-2:]:
            state.view = None  # a crop or a rescale: the old view means nothing now
        state.document.push(step, frame)
        self.ws.document_edited(state)

    def undo(self) -> None:
        h = self.history
        if h is not None and h.can_undo:
            self.goto_state(h.index - 1)

    def redo(self) -> None:
        h = self.history
        if h is not None and h.can_redo:
            self.goto_state(h.index + 1)

    def goto_state(self, index: int) -> None:
        """Show the state after ``index`` steps; a state whose snapshot was dropped is
        recomputed in the background, with progress, and the window stays usable."""
        state, h = self.ws.current, self.history
        if h is None or self.busy or not 0 <= index <= len(h.steps) or index == h.index:
            return
        if h.is_kept(index):
            self._show_state(state, index, h.state(index))
            return
        self.busy = True
        self.historyChanged.emit()
        self.window.statusBar().showMessage(f"Recomputing state {index} of the history...")

        def finished(frame) -> None:
            self.busy = False
            if state in self.ws.frames:
                self._show_state(state, index, frame)

        def failed(message: str) -> None:
            self.busy = False
            self.show_error(f"Could not recompute the edit: {message}")
            self.historyChanged.emit()

        job = self.runner.run(
            lambda progress: h.state(index, progress),
            "recomputing an edit",
            succeeded=finished,
            failed=failed,
        )
        job.cancelled.connect(lambda: (setattr(self, "busy", False), self.historyChanged.emit()))

    def _show_state(self, state: FrameState, index: int, frame) -> None:
        doc = state.document
        doc.history.index = index
        if doc.image.shape != frame.data.shape[-2:]:
            state.view = None
        doc.show(frame)
        self.ws.document_edited(state)

    def set_all_planes(self, on: bool) -> None:
        """Edits apply to every plane of the current cube (or to the plane shown); raises
        SkyglassError once edits have been made."""
        doc = self._document()
        if doc is None:
            raise SkyglassError("open an image first.")
        doc.set_all_planes(on)
        self.historyChanged.emit()

    def edit_header(self, action: str, keyword: str, value: str, comment: str | None) -> str:
        """Set or delete one card of the current image, as an undoable edit (pixels
        untouched); returns the new header as text. Raises SkyglassError when refused."""
        from skyglass.processing.editing.history import Step
        from skyglass.processing.editing.registry import apply_operation
        from skyglass.processing.io.header_edit import make_edit
        from skyglass.viewer.dialogs.header import header_text

        if self.busy:
            raise SkyglassError("an edit is being recomputed; try again in a moment.")
        edit = make_edit(action, keyword, value, comment)
        if edit.action == "delete" and edit.keyword not in self.editable().header:
            raise SkyglassError(f"{edit.keyword}: no such keyword in this header.")
        card = {k: getattr(edit, k) for k in ("action", "keyword", "value", "comment")}
        frame = self.editable()
        params = {"cards": [card]}
        result = apply_operation(frame, "header", params)
        self.applied(Step("header", params), result)
        return header_text(result.header)

    # ----------------------------------------------------------------- saving
    def save_as(self, path: str | None = None) -> bool:
        """Save the current image as FITS (data, header, HISTORY of every edit, mask and
        star catalogue). The opened file is never replaced without a confirmation."""
        state = self.ws.current
        if state is None:
            return False
        doc = state.document
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self.window,
                "Save as FITS",
                self._suggested(doc, "_edited.fits"),
                "FITS (*.fits *.fit *.fts *.fits.gz *.fz)",
            )
            if not path:
                return False
        from skyglass.processing.io.reader import FITS_SUFFIXES

        if not path.lower().endswith(FITS_SUFFIXES):
            # A file's suffix says what its bytes are: FITS keeps the data and the history.
            self.show_error(
                f"{os.path.basename(path)}: Save As writes FITS ({' '.join(FITS_SUFFIXES)}); "
                "for PNG, JPEG or TIFF use File > Export annotated image or Export data."
            )
            return False
        same = (
            os.path.exists(path) and os.path.exists(doc.path) and os.path.samefile(path, doc.path)
        )
        if same and not dialogs.confirm(
            self.window,
            "Replace the original file?",
            f"{os.path.basename(path)} is the file you opened. Replace it with the edited image?",
        ):
            return False
        frame = replace(doc.editable(), mask=doc.mask)
        try:
            lines = self._write(doc, frame, path, state.catalog)
        except ShapeChangedError as exc:
            return self._save_changed_shape(state, frame, path, str(exc))
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        self._saved(doc, path, lines)
        return True

    def _write(self, doc, frame, path: str, catalog, all_planes=None) -> list[str]:
        """Write the edited image; for a FITS source every other HDU and plane goes with it."""
        source = doc.source
        if source.is_fits and not os.path.isfile(doc.path):
            # The file went away since it was opened: keep the edits, say what was lost.
            frame.write(path, overwrite=True, catalog=catalog)
            return [
                "0 PRIMARY: the edited image alone (the opened file is gone, so its other "
                "HDUs and planes could not be copied)"
            ]
        if source.is_fits:
            return save_edited(
                doc.path,
                source.hdu_index,
                source.plane_index,
                frame,
                path,
                overwrite=True,
                catalog=catalog,
                all_planes=all_planes,
            )
        frame.write(path, overwrite=True, catalog=catalog)
        return ["0 PRIMARY: the edited image"]

    def _saved(self, doc, path: str, lines: list[str]) -> None:
        doc.saved_index = doc.history.index if doc.history is not None else 0
        doc.mask_dirty = False
        kept = sum(1 for line in lines if "kept as it was" in line)
        extra = f" ({kept} other HDU{'s' if kept != 1 else ''} kept as they were)" if kept else ""
        if "is gone" in lines[0]:
            extra = ": the edited image alone, the opened file is gone"
        self.window.statusBar().showMessage(f"Saved {path}{extra}", 8000)
        self.historyChanged.emit()

    def _save_changed_shape(self, state: FrameState, frame, path: str, why: str) -> bool:
        """An edit changed the shape of one plane of a cube: apply the edits to every plane
        (in the background), write this plane alone, or cancel."""
        doc = state.document
        answer = dialogs.ask_cube_shape(self.window, why)
        if answer == "plane":
            try:
                frame.write(path, overwrite=True, catalog=state.catalog)
            except SkyglassError as exc:
                self.show_error(str(exc))
                return False
            self._saved(doc, path, ["0 PRIMARY: the edited plane alone"])
            return True
        if answer != "all":
            return False
        from skyglass.processing.editing.recipe import every_plane

        steps = list(doc.history.steps[: doc.history.index])
        source, hdu, catalog = doc.path, doc.source.hdu_index, state.catalog

        def work(progress):
            frames = every_plane(steps, source, hdu, progress)
            frames[0] = replace(frames[0], mask=frame.mask)
            return self._write(doc, frames[0], path, catalog, all_planes=frames)

        self.runner.run(
            work,
            "applying the edits to every plane",
            succeeded=lambda lines: self._saved(doc, path, lines),
            failed=lambda message: self.show_error(f"Could not save {path}: {message}"),
        )
        return False

    def _suggested(self, doc, suffix: str) -> str:
        """A file name to offer: beside the opened file, or (an image made in memory: a
        master, a stack) in the folder the user worked in last."""
        if os.path.isfile(doc.path):
            base = os.path.splitext(doc.path)[0].removesuffix(".fits")
            return base + suffix
        stem = os.path.splitext(os.path.basename(doc.name))[0] or "image"
        return os.path.join(self.start_dir(), stem + suffix)

    def export_recipe(self, path: str | None = None) -> None:
        """The edit history as a JSON recipe for ``skyglass replay``."""
        self._export_history("recipe", path)

    def export_script(self, path: str | None = None) -> None:
        """The edit history as a Python script calling skyglass.processing."""
        self._export_history("script", path)

    def _export_history(self, kind: str, path: str | None) -> None:
        from skyglass.processing.editing import recipe

        doc = self._document()
        if doc is None or doc.history is None or not doc.history.applied:
            self.show_error("There are no edits to export.")
            return
        name, title, pattern = {
            "recipe": ("recipe.json", "Export recipe", "JSON (*.json)"),
            "script": ("recipe.py", "Export script", "Python (*.py)"),
        }[kind]
        if path is None:
            suggested = os.path.join(os.path.dirname(self._suggested(doc, "")), name)
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, title, suggested, pattern)
        if not path:
            return
        write = recipe.save if kind == "recipe" else recipe.save_script
        try:
            cube = doc.history.original.data.ndim == 3
            plane = (
                (recipe.ALL_PLANES if doc.all_planes else recipe.COLOUR)
                if cube
                else doc.source.plane_index
            )
            write(path, doc.history.applied, doc.path, doc.source.hdu_index, plane)
            self.window.statusBar().showMessage(f"{title[7:].capitalize()} written to {path}", 8000)
        except SkyglassError as exc:
            self.show_error(str(exc))

    def export_data(self, path: str | None = None, bits: int | None = None) -> bool:
        """Write the current pixel values (edits included, not the view) for other programs:
        16-bit PNG, 16-bit or float32 TIFF, or FITS, as the name says."""
        from skyglass.processing.io.writers import dialog_filter, output_format, write_data

        state = self.ws.current
        if state is None:
            return False
        doc = state.document
        if path is None:
            path, chosen = QtWidgets.QFileDialog.getSaveFileName(
                self.window, "Export data", self._suggested(doc, "_data.tif"), dialog_filter("data")
            )
            if not path:
                return False
        try:
            fmt = output_format(path, "data")
            bits = bits or max(fmt.data_bits)
            colour = doc.composite and doc.can_composite
            pixels = np.stack([d.data[:, :] for d in doc.displayed()]) if colour else doc.pixels()
            write_data(path, pixels, bits)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        kind = "float32" if bits == 32 else f"{bits}-bit"
        self.window.statusBar().showMessage(f"Wrote {path} ({fmt.name}, {kind} data)", 8000)
        return True

    def export_png(
        self, path: str | None = None, as_view: bool | None = None, regions=None
    ) -> bool:
        """Write the image as shown, with its overlays, as PNG, JPEG or TIFF (by the name)."""
        from skyglass.processing.editing.geometry import translation
        from skyglass.processing.editing.wcs_update import transform_wcs
        from skyglass.processing.io.writers import dialog_filter, output_format
        from skyglass.processing.overlays.annotate import Annotations, save_annotated, shifted

        state = self.ws.current
        if state is None:
            return False
        doc = state.document
        ask = path is None
        if ask:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self.window, "Export annotated image", self._suggested(doc, ".png"), dialog_filter()
            )
            if not path:
                return False
        try:
            output_format(path, "view")  # a name the writer cannot honour: before any work
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        if ask and as_view is None:
            as_view = dialogs.confirm(
                self.window,
                "Export annotated image",
                "Export the visible area as shown?\n(No: the whole image at native resolution)",
            )
        displays = doc.displayed()
        planes = [d.data for d in displays] if len(displays) == 3 else [doc.pixels()]
        ann = Annotations(
            stars=state.catalog,
            regions=list(state.regions if regions is None else regions),
            unit=doc.image.bunit,
        )
        header, zoom = doc.image.header, 1.0
        if as_view:
            r0, r1, c0, c1 = self.canvas.visible_box()
            planes = [p[r0:r1, c0:c1] for p in planes]
            ann = shifted(ann, -c0, -r0)
            header, _ = transform_wcs(header, translation(-c0, -r0))
            zoom = min(max(self.canvas.zoom(), 1 / 32), 8.0)
        shown = planes if len(planes) == 3 else planes[0]
        try:
            save_annotated(path, shown, state.display, header, ann, zoom)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        self.window.statusBar().showMessage(f"Wrote {path}", 8000)
        return True
