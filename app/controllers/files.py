"""Opening images: dialogs, recent files, drag and drop, the demo night, in-memory images;
and the question about unsaved edits before an image is closed."""

from __future__ import annotations

import os

from PySide6 import QtCore, QtWidgets

from skyglass import dialogs
from skyglass.model.document import ImageDocument
from skyglass.model.workspace import FrameState, Workspace
from skyglass.processing.display.view import convert_view
from skyglass.processing.errors import ImageTooLargeError, SkyglassError

MAX_RECENT = 10


class FilesController(QtCore.QObject):
    """Open files into frames.

    Parameters
    ----------
    workspace : Workspace
    window : QMainWindow
        Parent of the dialogs.
    qsettings : QSettings
        Recent files and the last folder.
    show_error : callable
    save_as : callable
        ``save_as() -> bool``, for "Save" in the unsaved-edits question.
    """

    recentChanged = QtCore.Signal()

    def __init__(self, workspace: Workspace, window, qsettings, show_error, save_as) -> None:
        super().__init__()
        self.ws = workspace
        self.window = window
        self.qsettings = qsettings
        self._show_error = show_error
        self.save_as = save_as
        self.last_error = ""
        self.on_demo_opened = None  # callback(folder) once the demo night is shown

    def show_error(self, message: str) -> None:
        self.last_error = message
        self._show_error(message)

    # ----------------------------------------------------------------- dialogs
    def start_dir(self) -> str:
        """The folder the user opened a file from last (dialogs start there)."""
        return self._start_dir()

    def _start_dir(self) -> str:
        return str(self.qsettings.value("files/last_dir", os.getcwd()))

    def open_dialog(self) -> None:
        """File > Open: one or several images (the first replaces the current one,
        the others open in new frames, like ``skyglass a.fits b.fits``)."""
        from skyglass.processing.io.formats import dialog_filter

        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self.window, "Open images", self._start_dir(), dialog_filter()
        )
        if paths:
            self.open_files(paths)

    def open_in_new_frame_dialog(self) -> None:
        """Frame > New frame from file."""
        from skyglass.processing.io.formats import dialog_filter

        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(
            self.window, "Open in a new frame", self._start_dir(), dialog_filter()
        )
        for path in paths:
            self.open_file(path, new_frame=True)

    def open_files(self, paths: list[str]) -> list[str]:
        """Open ``paths``, one frame each; returns those now shown."""
        return [p for i, p in enumerate(paths) if self.open_file(p, new_frame=i > 0)]

    # ------------------------------------------------------------------- open
    def open_file(self, path: str, hdu: int | str | None = None, new_frame: bool = False) -> bool:
        """Open ``path`` (in the current frame, or a new one); on failure keep what was open.

        Returns
        -------
        bool
            True when the file is now shown.
        """
        current = self.ws.current
        if not new_frame and current is not None and not self.may_close(current):
            return False
        return self._load(path, hdu, new_frame)

    def _load(self, path: str, hdu: int | str | None, new_frame: bool) -> bool:
        from skyglass.processing.io.reader import open_image

        current = self.ws.current
        try:
            image = open_image(path, hdu=hdu)
        except ImageTooLargeError as exc:
            return self._offer_binned(path, hdu, exc, new_frame)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        except MemoryError:
            self.show_error(f"{os.path.basename(path)}: too large for the memory available.")
            return False
        image.keep_private()  # a file rewritten while shown must not take the window down
        document = ImageDocument(image)
        if new_frame and current is not None:
            state = self.ws.add_frame(document)
            self._keep_view(current, state)
        else:
            self.ws.replace_document(document)
        self.remember_recent(path)
        self.qsettings.setValue("files/last_dir", os.path.dirname(os.path.abspath(path)))
        return True

    def _offer_binned(self, path: str, hdu, exc: ImageTooLargeError, new_frame: bool) -> bool:
        """An image over the memory budget: offer the binned view the message names."""
        answer = QtWidgets.QMessageBox.question(
            self.window,
            "Image too large",
            f"{exc}\n\nOpen it binned {exc.factor} x {exc.factor} instead?",
            QtWidgets.QMessageBox.StandardButton.Open | QtWidgets.QMessageBox.StandardButton.Cancel,
        )
        if answer != QtWidgets.QMessageBox.StandardButton.Open:
            return False
        spec = path if hdu is None else f"{path}[{hdu}]"
        return self._load(f"{spec}[bin={exc.factor}]", None, new_frame)

    def reload(self, state: FrameState | None = None) -> bool:
        """File > Reload: read the frame's file again (same HDU and plane), keeping the view
        when the size is unchanged. Unsaved edits are asked about first."""
        from skyglass.processing.io.reader import open_image

        state = state or self.ws.current
        if state is None:
            return False
        source = state.document.source
        if not os.path.isfile(source.path):
            self.show_error(f"{source.name}: there is no file to reload it from.")
            return False
        if not self.may_close(state):
            return False
        try:
            image = open_image(source.path, hdu=source.hdu_index, plane=source.plane_index)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return False
        image.keep_private()
        view, shape = state.view, state.document.image.shape
        self.ws.replace_document(ImageDocument(image), state)
        if view is not None and image.shape == shape:
            self.ws.set_view(view, state)
        return True

    def open_hdu(self, index: int) -> None:
        """Show HDU ``index`` of the current file (in the same frame)."""
        state = self.ws.current
        if state is not None:
            self.open_file(state.document.path, hdu=index)

    def _keep_view(self, previous: FrameState, state: FrameState) -> None:
        """A new frame from the same camera keeps the view (by WCS when locked so)."""
        if previous.view is None or previous.document.image.shape != state.document.image.shape:
            return
        how = "wcs" if self.ws.locks.frames == "wcs" else "image"
        view = convert_view(previous.view, how, previous.wcs, state.wcs)
        if view is not None:
            self.ws.set_view(view, state)

    def show_array(
        self,
        data,
        header=None,
        name: str = "image",
        keep_view: bool = False,
        new_frame: bool = False,
    ) -> None:
        """Show an in-memory image (a master frame, a calibrated light, a stack), in the
        current frame or a new one."""
        from skyglass.processing.io.reader import image_from_array

        current = self.ws.current
        if not new_frame and current is not None and not self.may_close(current):
            return
        try:
            image = image_from_array(data, header, name)
        except SkyglassError as exc:
            self.show_error(str(exc))
            return
        if new_frame and current is not None:
            self.ws.add_frame(ImageDocument(image))
            return
        view = current.view if current is not None else None
        same = current is not None and current.document.image.shape == image.shape
        state = self.ws.replace_document(ImageDocument(image))
        if keep_view and same and view is not None:
            self.ws.set_view(view, state)

    def open_demo(self) -> None:
        """File > Open Demo Night (written once into the cache, with progress)."""
        from skyglass.demo_writer import ensure_demo_with_progress
        from skyglass.paths import demo_first_light

        folder = ensure_demo_with_progress(self.window, self.show_error)
        if folder is not None and self.open_file(str(demo_first_light(folder))):
            if self.on_demo_opened is not None:
                self.on_demo_opened(folder)

    # ------------------------------------------------------------- unsaved
    def may_close(self, state: FrameState) -> bool:
        """True when ``state``'s document can be replaced or closed (asks if unsaved)."""
        doc = state.document
        if not doc.dirty:
            return True
        if state is not self.ws.current:
            self.ws.set_current(self.ws.frames.index(state))
        answer = dialogs.ask_unsaved(self.window, doc.name)
        if answer == "save":
            return self.save_as()
        return answer == "discard"

    def may_close_all(self) -> bool:
        """True when every frame may close (the window is closing)."""
        return all(self.may_close(state) for state in list(self.ws.frames))

    # ----------------------------------------------------------------- recent
    def remember_recent(self, path: str) -> None:
        path = os.path.abspath(path)
        recent = [p for p in self.recent_files() if p != path]
        self.qsettings.setValue("files/recent", [path, *recent][:MAX_RECENT])
        self.recentChanged.emit()

    def recent_files(self) -> list[str]:
        value = self.qsettings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def fill_recent_menu(self, menu: QtWidgets.QMenu) -> None:
        """Rebuild File > Open Recent."""
        menu.clear()
        for path in self.recent_files():
            act = menu.addAction(os.path.basename(path))
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _=False, p=path: self.open_file(p))
        menu.setEnabled(bool(self.recent_files()))

    # ------------------------------------------------------------ drag & drop
    def dropped(self, urls) -> None:
        """Files dropped on the window: the first replaces the image, the rest new frames."""
        paths = [url.toLocalFile() for url in urls if url.isLocalFile()]
        if paths:
            self.open_files(paths)

    # ----------------------------------------------------------------- header
    def show_header(self, edit=None) -> None:
        """File > Header: the header of every HDU of the current file; with ``edit`` (see
        :class:`HeaderDialog`) the shown image's cards can be changed."""
        from astropy.io import fits

        from skyglass.viewer.dialogs.header import HeaderDialog, header_text

        state = self.ws.current
        if state is None:
            return
        doc = state.document
        headers = []
        try:
            with fits.open(doc.path) as hdul:
                for h, hdu in zip(doc.source.hdus, hdul, strict=False):
                    headers.append((f"{h.index} {h.name} ({h.kind})", header_text(hdu.header)))
        except Exception:  # raster files, or a file that went away: show what we hold
            headers = [(f"{doc.image.hdu_index} {doc.name}", header_text(doc.image.header))]
        index = doc.source.hdu_index  # an edited image is held in memory: ask what was opened
        current = min(index, len(headers) - 1)
        if headers and index < len(headers):  # the edited state, not the file's
            headers[current] = (headers[current][0], header_text(doc.image.header))
        self.header_dialog = HeaderDialog(headers, current=current, parent=self.window, edit=edit)
        self.header_dialog.show()
