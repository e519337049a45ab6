"""The window's side of SAMP: the File > SAMP menu, what to do with each message, and
sending the image or the star catalogue to the other tools."""

from __future__ import annotations

import os

from skyglass.processing.errors import SkyglassError
from skyglass.samp import SampLink, fetch


class SampMixin:
    """SAMP for the main window (expects ``document``, ``canvas``, ``open_file``,
    ``show_sky_table``, ``stars_panel``, ``show_error``)."""

    def _init_samp(self) -> None:
        self.samp = SampLink(self)
        self.samp.received.connect(self._samp_received)
        self.samp.statusChanged.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self._samp_jobs: list = []

    def _build_samp_menu(self, file_menu) -> None:
        menu = file_menu.addMenu("SA&MP")
        menu.setToolTipsVisible(True)
        self.samp_action = self._action(
            menu,
            "&Connect",
            lambda on: self.samp_connect(on),
            None,
            "Register with the SAMP hub (TOPCAT, Aladin, DS9); start one if none runs",
            checkable=True,
        )
        self._action(
            menu,
            "Send &image",
            self.samp_send_image,
            None,
            "Broadcast the current image to the other SAMP tools",
        )
        self._action(
            menu,
            "Send star &catalogue",
            self.samp_send_catalog,
            None,
            "Broadcast the star catalogue (VOTable with RA/Dec) to the other SAMP tools",
        )
        self._action(
            menu,
            "Clear received &table",
            self.clear_sky_table,
            None,
            "Remove the positions of the last table received",
        )

    # ------------------------------------------------------------ connection
    def samp_connect(self, on: bool = True) -> bool:
        """Connect to (or disconnect from) the SAMP hub; True when connected."""
        if not on:
            self.samp.disconnect_hub()
        else:
            try:
                self.samp.connect_hub(start_hub=True)
            except SkyglassError as exc:
                self.show_error(f"SAMP: {exc}")
        connected = self.samp.connected
        if hasattr(self, "samp_action"):
            self.samp_action.setChecked(connected)
        return connected

    # --------------------------------------------------------------- receive
    def _samp_received(self, mtype: str, params: dict, msg_id) -> None:
        try:
            if mtype == "coord.pointAt.sky":
                self.point_at_sky(float(params["ra"]), float(params["dec"]))
                self.samp.reply(msg_id)
                return
            url = params.get("url")
            if not url:
                raise SkyglassError(f"{mtype} without a url.")
            self._samp_fetch(url, lambda path: self._samp_load(mtype, params, path, msg_id), msg_id)
        except (SkyglassError, KeyError, ValueError) as exc:
            self._samp_failed(mtype, str(exc), msg_id)

    def _samp_fetch(self, url: str, then, msg_id) -> None:
        """A local file for ``url``; downloads run in the background."""
        from skyglass.jobs import Job

        if not url.startswith(("http:", "https:")):
            then(fetch(url, self.samp.outbox))
            return
        job = Job(lambda progress: fetch(url, self.samp.outbox), f"fetching {url}", self)
        job.succeeded.connect(then)
        job.failed.connect(lambda text: self._samp_failed("download", text, msg_id))
        job.done.connect(lambda: self._samp_jobs.remove(job))
        self._samp_jobs.append(job)
        job.start()

    def _samp_load(self, mtype: str, params: dict, path: str, msg_id) -> None:
        from skyglass.processing.io.skytable import read_table, sky_positions

        name = params.get("name") or os.path.basename(path)
        try:
            if mtype == "image.load.fits":
                if not self.open_file(path, new_frame=True):
                    raise SkyglassError(self.last_error or f"cannot open {name}.")
                self.statusBar().showMessage(f"SAMP: opened {name} as a new frame.", 10000)
            else:
                fmt = "votable" if mtype == "table.load.votable" else "fits"
                self.show_sky_table(sky_positions(read_table(path, fmt), name))
        except SkyglassError as exc:
            self._samp_failed(mtype, str(exc), msg_id)
            return
        self.samp.reply(msg_id)

    def _samp_failed(self, what: str, text: str, msg_id) -> None:
        self.samp.reply(msg_id, error=text)
        self.statusBar().showMessage(f"SAMP {what}: {text}", 15000)
        self.last_error = text

    def point_at_sky(self, ra: float, dec: float) -> None:
        """Centre the view on a sky position (degrees)."""
        doc = self.document
        wcs = doc.image.wcs if doc is not None else None
        if wcs is None:
            raise SkyglassError("this image has no WCS: cannot point at a sky position.")
        x, y = wcs.all_world2pix([[ra, dec]], 1)[0]
        ny, nx = doc.image.shape
        if not (0.5 <= x <= nx + 0.5 and 0.5 <= y <= ny + 0.5):
            raise SkyglassError(f"RA {ra:.5f}, Dec {dec:.5f} is outside this image.")
        self.canvas.center_on(float(x), float(y))

    # ------------------------------------------------------------------ send
    def samp_send_image(self) -> bool:
        """Broadcast the current image (as shown: with its edits) to the other tools."""
        doc = self.document
        try:
            if doc is None:
                raise SkyglassError("no image to send.")
            path = self._samp_image_file(doc)
            self.samp.send("image.load.fits", path, doc.name)
        except SkyglassError as exc:
            self.show_error(f"SAMP: {exc}")
            return False
        self.statusBar().showMessage(f"SAMP: sent {doc.name}.", 8000)
        return True

    def _samp_image_file(self, doc) -> str:
        """The file to send: the original when unchanged, else the current state."""
        edited = doc.history is not None and bool(doc.history.steps)
        if not edited and doc.source.hdu_index == 0 and os.path.isfile(doc.path):
            return doc.path
        stem = os.path.splitext(doc.name)[0].removesuffix(".fits")
        path = self.samp.outbox_path(f"{stem}_skyglass.fits")
        frame = doc.editable()
        frame.write(path, overwrite=True)
        return path

    def samp_send_catalog(self) -> bool:
        """Broadcast the star catalogue as a VOTable."""
        from skyglass.processing.io.skytable import write_votable

        doc = self.document
        table = self.stars_panel.catalog
        try:
            if table is None or not len(table):
                raise SkyglassError("no star catalogue: detect stars first (Analysis > Stars).")
            stem = os.path.splitext(doc.name if doc else "stars")[0].removesuffix(".fits")
            path = self.samp.outbox_path(f"{stem}_stars.xml")
            write_votable(table, path)
            self.samp.send("table.load.votable", path, f"{stem} stars")
        except SkyglassError as exc:
            self.show_error(f"SAMP: {exc}")
            return False
        self.statusBar().showMessage(f"SAMP: sent {len(table)} stars.", 8000)
        return True
