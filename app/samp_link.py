"""SAMP: talk to TOPCAT, Aladin, DS9 and scripts through a hub (astropy's implementation,
now maintained in pyvo).

astropy's client answers the hub from its own server thread; ``SampLink`` turns every
message into a Qt signal, so the window handles it on the GUI thread, and replies to
calls once the window has done (or failed) the work.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.parse
import urllib.request

from PySide6 import QtCore

from skyglass.processing.errors import SkyglassError

#: The messages Skyglass understands.
MTYPES = (
    "image.load.fits",
    "table.load.votable",
    "table.load.fits",
    "coord.pointAt.sky",
    "ds9.set",
    "ds9.get",
)


class SampLink(QtCore.QObject):
    """A registration with a SAMP hub (started here when none runs).

    Signals
    -------
    received(str mtype, dict params, object msg_id)
        A message to handle; ``msg_id`` is None for notifications, else pass it to
        :meth:`reply`.
    statusChanged(str)
    """

    received = QtCore.Signal(str, dict, object)
    statusChanged = QtCore.Signal(str)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.client = None
        self.hub = None  # the hub we started, if we had to
        #: Files sent and received, made on first use (a start that never uses SAMP leaves
        #: no empty folder behind) and removed on disconnecting.
        self._outbox: str | None = None

    # ---------------------------------------------------------------- hub
    @property
    def connected(self) -> bool:
        return self.client is not None and self.client.is_connected

    def connect_hub(self, start_hub: bool = True) -> str:
        """Register with the running hub, or start one on this machine first.

        Returns
        -------
        str
            A sentence for the status bar.

        Raises
        ------
        SkyglassError
            No hub and ``start_hub`` is False, or the hub refused.
        """
        samp = samp_module()
        SAMPHubError, SAMPHubServer = samp.SAMPHubError, samp.SAMPHubServer  # noqa: N806

        if self.connected:
            return "Already connected to the SAMP hub."
        # Everything stays on this machine: no look-up of the host's public name.
        samp.conf.use_internet = False
        client = samp.SAMPIntegratedClient(
            name="Skyglass",
            description="Skyglass FITS viewer and editor",
            metadata={"skyglass.version": _version()},
            addr="127.0.0.1",
        )
        started = ""
        try:
            client.connect()
        except (SAMPHubError, OSError) as exc:
            if not start_hub:
                raise SkyglassError(f"no SAMP hub is running ({exc}).") from exc
            try:
                hub = SAMPHubServer(web_profile=False, addr="127.0.0.1", label="Skyglass")
                hub.start(wait=False)
                client.connect(hub=hub)
            except Exception as exc2:  # astropy raises several kinds here
                raise SkyglassError(f"cannot start a SAMP hub ({exc2}).") from exc2
            self.hub = hub
            started = " (started a hub: other tools can now connect to it)"
        for mtype in MTYPES:
            client.bind_receive_call(mtype, self._on_call, declare=False)
            client.bind_receive_notification(mtype, self._on_notification, declare=False)
        client.declare_subscriptions({m: {} for m in MTYPES})
        self.client = client
        message = f"Connected to the SAMP hub{started}."
        self.statusChanged.emit(message)
        return message

    def disconnect_hub(self) -> None:
        """Unregister (and stop the hub if Skyglass started it)."""
        client, self.client = self.client, None
        if client is not None:
            try:
                client.disconnect()
            except Exception:  # a dead hub: nothing left to tell it
                pass
        if self.hub is not None:
            try:
                self.hub.stop()
            except Exception:
                pass
            self.hub = None
        if self._outbox is not None:
            shutil.rmtree(self._outbox, ignore_errors=True)
            self._outbox = None
        self.statusChanged.emit("Disconnected from SAMP.")

    def clients(self, mtype: str | None = None) -> dict[str, str]:
        """Registered clients (optionally those subscribed to ``mtype``): id -> name."""
        self._require()
        ids = (
            list(self.client.get_subscribed_clients(mtype))
            if mtype
            else self.client.get_registered_clients()
        )
        out = {}
        for cid in ids:
            try:
                out[cid] = self.client.get_metadata(cid).get("samp.name", cid)
            except Exception:
                out[cid] = cid
        return out

    # ---------------------------------------------------------------- receive
    def _on_call(self, private_key, sender_id, msg_id, mtype, params, extra) -> None:
        self.received.emit(mtype, dict(params), msg_id)

    def _on_notification(self, private_key, sender_id, mtype, params, extra) -> None:
        self.received.emit(mtype, dict(params), None)

    def reply(self, msg_id, error: str | None = None, result: dict | None = None) -> None:
        """Answer a call: OK (with ``result``, e.g. ``{"value": ...}`` for ds9.get), or an
        error the sender can show."""
        if msg_id is None or not self.connected:
            return
        if error is None:
            response = {"samp.status": "samp.ok", "samp.result": dict(result or {})}
        else:
            response = {"samp.status": "samp.error", "samp.error": {"samp.errortxt": error}}
        try:
            self.client.reply(msg_id, response)
        except Exception:  # the sender went away
            pass

    # ---------------------------------------------------------------- send
    def _require(self) -> None:
        if not self.connected:
            raise SkyglassError("not connected to a SAMP hub (File > SAMP > Connect).")

    @property
    def outbox(self) -> str:
        """This session's folder for files sent and downloaded (made on first use)."""
        if self._outbox is None:
            self._outbox = tempfile.mkdtemp(prefix="skyglass-samp-")
        return self._outbox

    def outbox_path(self, name: str) -> str:
        """A file name in this session's SAMP folder (removed at disconnect)."""
        return os.path.join(self.outbox, os.path.basename(name))

    def send(self, mtype: str, path: str, name: str, recipient: str | None = None) -> None:
        """Send ``path`` (a file on this machine) as ``mtype`` to every subscribed
        client, or to ``recipient``."""
        self._require()
        params = {"url": file_url(path), "name": name}
        key = "image-id" if mtype.startswith("image") else "table-id"
        params[key] = os.path.basename(path)
        message = {"samp.mtype": mtype, "samp.params": params}
        try:
            if recipient:
                self.client.notify(recipient, message)
            else:
                self.client.notify_all(message)
        except Exception as exc:
            raise SkyglassError(f"SAMP: sending failed ({exc}).") from exc

    def point_at(self, ra: float, dec: float) -> None:
        """Ask the other tools to look at this sky position."""
        self._require()
        self.client.notify_all(
            {"samp.mtype": "coord.pointAt.sky", "samp.params": {"ra": str(ra), "dec": str(dec)}}
        )


def samp_module():
    """astropy's SAMP implementation: ``pyvo.samp``, where astropy 8 moved it (it
    deprecated ``astropy.samp``), else ``astropy.samp`` on older installs."""
    try:
        import pyvo.samp as samp
    except ImportError:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import astropy.samp as samp
    return samp


def file_url(path: str) -> str:
    """A ``file://`` URL for a local path (what SAMP messages carry)."""
    return urllib.parse.urljoin("file:", urllib.request.pathname2url(os.path.abspath(path)))


#: Downloads larger than this are refused (bytes); a camera frame is far smaller.
MAX_DOWNLOAD = 2 * 1024**3
#: A download that takes longer than this is abandoned (seconds, whole transfer).
DOWNLOAD_DEADLINE = 300.0


def fetch(
    url: str,
    folder: str,
    timeout: float = 60.0,
    max_bytes: int = MAX_DOWNLOAD,
    deadline: float = DOWNLOAD_DEADLINE,
) -> str:
    """A local path for ``url``: file URLs directly, http(s) downloaded into ``folder``
    under a name of its own (two URLs ending in the same name never share a file: the
    first may be open, memory-mapped, in a frame).

    Raises
    ------
    SkyglassError
        An unsupported scheme, a failed download, one larger than ``max_bytes`` or slower
        than ``deadline`` seconds (the partial file is removed).
    """
    import time

    parts = urllib.parse.urlparse(url)
    if parts.scheme in ("", "file"):
        path = urllib.request.url2pathname(parts.path)
        if not os.path.exists(path):
            raise SkyglassError(f"SAMP: {path} does not exist on this machine.")
        if not os.path.isfile(path):  # a FIFO or a device would block the reader forever
            raise SkyglassError(f"SAMP: {path} is not a regular file.")
        return path
    if parts.scheme not in ("http", "https"):
        raise SkyglassError(f"SAMP: cannot read {parts.scheme}: URLs.")
    name = os.path.basename(parts.path) or "download.fits"
    stem, dot, ext = name.partition(".")
    fd, dest = tempfile.mkstemp(prefix=f"{stem}-", suffix=dot + ext, dir=folder)
    start, copied = time.monotonic(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, os.fdopen(fd, "wb") as out:
            announced = response.headers.get("Content-Length")
            if announced is not None and announced.isdigit() and int(announced) > max_bytes:
                raise SkyglassError(
                    f"SAMP: {url} is {int(announced) / 1e6:.0f} MB; the limit is "
                    f"{max_bytes / 1e6:.0f} MB."
                )
            while chunk := response.read(1 << 20):
                copied += len(chunk)
                if copied > max_bytes:
                    raise SkyglassError(f"SAMP: {url} is over the {max_bytes / 1e6:.0f} MB limit.")
                if time.monotonic() - start > deadline:
                    raise SkyglassError(f"SAMP: {url} took over {deadline:g} s; abandoned.")
                out.write(chunk)
    except BaseException as exc:
        try:
            os.unlink(dest)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise SkyglassError(f"SAMP: cannot download {url} ({exc}).") from exc
        raise
    return dest


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("skyglass")
    except Exception:
        return "dev"
