"""The window's side of SAMP: what to do with each message, and sending the image or the
star catalogue to the other tools (TOPCAT, Aladin, DS9)."""

from __future__ import annotations

import logging
import os

from PySide6 import QtCore

from skyglass.model.workspace import Workspace
from skyglass.processing.errors import SkyglassError
from skyglass.samp_link import SampLink, fetch

log = logging.getLogger(__name__)


class SampController(QtCore.QObject):
    """Receives SAMP messages (on the GUI thread) and sends images and catalogues.

    Parameters
    ----------
    workspace : Workspace
    files : FilesController
        Opens received images as new frames.
    overlays : OverlaysController
        Shows received tables.
    canvas : ImageCanvas
        Centred by ``coord.pointAt.sky``.
    runner : JobRunner
        Downloads run in the background.
    status : callable
        ``status(text)`` for the status bar.
    show_error : callable
    """

    connectedChanged = QtCore.Signal(bool)

    def __init__(
        self, workspace: Workspace, files, overlays, canvas, runner, status, show_error
    ) -> None:
        super().__init__()
        self.ws = workspace
        self.files, self.overlays, self.canvas = files, overlays, canvas
        self.runner, self.status, self.show_error = runner, status, show_error
        self.last_error = ""
        #: The DS9 command interpreter that answers ds9.set / ds9.get (set by the window).
        self.commands = None
        self.link = SampLink(self)
        self.link.received.connect(self._received)
        self.link.statusChanged.connect(status)

    # ------------------------------------------------------------ connection
    @property
    def connected(self) -> bool:
        return self.link.connected

    def set_connected(self, on: bool = True) -> bool:
        """Connect to (or disconnect from) the SAMP hub; True when connected."""
        if not on:
            self.link.disconnect_hub()
        else:
            try:
                self.link.connect_hub(start_hub=True)
            except SkyglassError as exc:
                self.show_error(f"SAMP: {exc}")
        self.connectedChanged.emit(self.connected)
        return self.connected

    def shutdown(self) -> None:
        self.link.disconnect_hub()

    # --------------------------------------------------------------- receive
    def _received(self, mtype: str, params: dict, msg_id) -> None:
        try:
            if not isinstance(params, dict):
                raise SkyglassError(f"{mtype}: the parameters must be a map.")
            if mtype in ("ds9.set", "ds9.get"):
                self._ds9(mtype, params, msg_id)
                return
            if mtype == "coord.pointAt.sky":
                self.point_at_sky(float(params["ra"]), float(params["dec"]))
                self.link.reply(msg_id)
                return
            url = params.get("url")
            if not isinstance(url, str) or not url:
                raise SkyglassError(f"{mtype} needs a 'url' parameter (a string).")
            self._fetch(url, lambda path: self._load(mtype, params, path, msg_id), msg_id)
        except (SkyglassError, KeyError) as exc:
            self._failed(mtype, str(exc), msg_id)
        except (ValueError, TypeError) as exc:  # a parameter of the wrong type or form
            self._failed(mtype, f"a parameter has the wrong type or form ({exc}).", msg_id)
        except Exception as exc:  # every call gets a reply, whatever it carried
            log.exception("SAMP %s failed", mtype)
            self._failed(mtype, f"{type(exc).__name__}: {exc}", msg_id)

    def _ds9(self, mtype: str, params: dict, msg_id) -> None:
        """DS9's own SAMP interface: ``cmd`` in DS9's command language; a get replies
        ``{"value": ...}``; replies come once the command has taken effect."""
        from skyglass.ds9 import Ds9Error

        command = params.get("cmd")
        if not isinstance(command, str) or not command.strip():
            raise SkyglassError(f"{mtype} needs a 'cmd' parameter (a DS9 command).")
        if self.commands is None:
            raise SkyglassError("DS9 commands are not available.")
        try:
            if mtype == "ds9.get":
                self.link.reply(msg_id, result={"value": self.commands.get(command)})
                return
            url = params.get("url")
            path = fetch(url, self.link.outbox) if isinstance(url, str) and url else None
            self.commands.set(command, path)
        except (Ds9Error, SkyglassError) as exc:
            self._failed(mtype, f"{command}: {exc}", msg_id)
            return
        self.status(f"SAMP {mtype}: {command}")
        self.link.reply(msg_id)

    def _fetch(self, url: str, then, msg_id) -> None:
        """A local file for ``url``; downloads run in the background."""
        if not url.startswith(("http:", "https:")):
            then(fetch(url, self.link.outbox))
            return
        self.runner.run(
            lambda progress: fetch(url, self.link.outbox),
            f"fetching {url}",
            succeeded=then,
            failed=lambda text: self._failed("download", text, msg_id),
        )

    def _load(self, mtype: str, params: dict, path: str, msg_id) -> None:
        from skyglass.processing.io.skytable import read_table, sky_positions

        name = params.get("name") or os.path.basename(path)
        try:
            if mtype == "image.load.fits":
                if not self.files.open_file(path, new_frame=True):
                    raise SkyglassError(self.files.last_error or f"cannot open {name}.")
                self.status(f"SAMP: opened {name} as a new frame.")
            else:  # tables can be big (300k rows: 16 s): read them off the GUI thread
                fmt = "votable" if mtype == "table.load.votable" else "fits"

                def shown(table) -> None:
                    self.overlays.show_sky_table(table)
                    self.link.reply(msg_id)

                self.runner.run(
                    lambda progress: sky_positions(read_table(path, fmt), name),
                    f"reading {name}",
                    succeeded=shown,
                    failed=lambda text: self._failed(mtype, text, msg_id),
                )
                return
        except SkyglassError as exc:
            self._failed(mtype, str(exc), msg_id)
            return
        self.link.reply(msg_id)

    def _failed(self, what: str, text: str, msg_id) -> None:
        self.link.reply(msg_id, error=text)
        self.status(f"SAMP {what}: {text}")
        self.last_error = text

    def point_at_sky(self, ra: float, dec: float) -> None:
        """Centre the view on a sky position (degrees)."""
        state = self.ws.current
        wcs = state.wcs if state is not None else None
        if wcs is None:
            raise SkyglassError("this image has no WCS: cannot point at a sky position.")
        x, y = wcs.all_world2pix([[ra, dec]], 1)[0]
        ny, nx = state.document.image.shape
        if not (0.5 <= x <= nx + 0.5 and 0.5 <= y <= ny + 0.5):
            raise SkyglassError(f"RA {ra:.5f}, Dec {dec:.5f} is outside this image.")
        self.canvas.center_on(float(x), float(y))

    # ------------------------------------------------------------------ send
    def send_image(self) -> bool:
        """Broadcast the current image (as shown: with its edits) to the other tools."""
        state = self.ws.current
        try:
            if state is None:
                raise SkyglassError("no image to send.")
            path = self._image_file(state.document)
            self.link.send("image.load.fits", path, state.name)
        except SkyglassError as exc:
            self.show_error(f"SAMP: {exc}")
            return False
        self.status(f"SAMP: sent {state.name}.")
        return True

    def _image_file(self, doc) -> str:
        """The file to send: the original when unchanged, else the current state."""
        edited = doc.history is not None and bool(doc.history.steps)
        if not edited and doc.source.hdu_index == 0 and os.path.isfile(doc.path):
            return doc.path
        stem = os.path.splitext(doc.name)[0].removesuffix(".fits")
        path = self.link.outbox_path(f"{stem}_skyglass.fits")
        doc.editable().write(path, overwrite=True)
        return path

    def send_catalog(self) -> bool:
        """Broadcast the star catalogue as a VOTable."""
        from skyglass.processing.io.skytable import write_votable

        state = self.ws.current
        table = state.catalog if state is not None else None
        try:
            if table is None or not len(table):
                raise SkyglassError("no star catalogue: detect stars first (Analysis > Stars).")
            stem = os.path.splitext(state.name)[0].removesuffix(".fits")
            path = self.link.outbox_path(f"{stem}_stars.xml")
            write_votable(table, path)
            self.link.send("table.load.votable", path, f"{stem} stars")
        except SkyglassError as exc:
            self.show_error(f"SAMP: {exc}")
            return False
        self.status(f"SAMP: sent {len(table)} stars.")
        return True
