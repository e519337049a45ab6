"""``skyglass.show()``: an image from a script or a notebook into a Skyglass window.

The data travel over SAMP, as a FITS file the window reads: a running Skyglass registered
on the hub gets a new frame; otherwise a window is started (detached; it starts a hub if
none runs) and the image is sent once it has registered. The handle speaks DS9's command
language (``set``/``get``), so scripts written for DS9 work the same. Nothing here imports
Qt.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from skyglass.processing.errors import SkyglassError

#: How long ``show`` waits for a window to start and register.
START_TIMEOUT = 60.0
_SESSION_DIR: str | None = None


class Viewer:
    """A Skyglass window seen from a script: DS9's ``set``/``get`` over SAMP.

    Attributes
    ----------
    frame : int
        The frame ``show`` made.
    """

    def __init__(self, client, target: str, timeout: float = 30.0) -> None:
        self._client = client
        self._target = target
        self.timeout = timeout
        self.frame = 0

    def _call(self, mtype: str, **params) -> dict:
        if self._client is None:
            raise SkyglassError("this viewer is closed.")
        try:
            response = self._client.ecall_and_wait(
                self._target, mtype, str(int(self.timeout)), **params
            )
        except Exception as exc:  # the window went away, or the hub did
            raise SkyglassError(f"Skyglass did not answer {mtype} ({exc}).") from exc
        if response.get("samp.status") != "samp.ok":
            error = response.get("samp.error", {}).get("samp.errortxt", "failed")
            raise SkyglassError(error)
        return response.get("samp.result", {}) or {}

    def set(self, command: str) -> None:
        """Run a DS9 command in the window (``"scale log"``, ``"zoom to fit"`` ...)."""
        self._call("ds9.set", cmd=command)

    def get(self, command: str) -> str:
        """Ask the window a DS9 question (``"fits size"`` -> ``"60 50"``)."""
        return str(self._call("ds9.get", cmd=command).get("value", ""))

    def load(self, path: str | os.PathLike, name: str | None = None) -> None:
        """Open a FITS file (on this machine) in a new frame."""
        from skyglass.samp_link import file_url

        params = {"url": file_url(os.fspath(path))}
        if name:
            params["name"] = name
        self._call("image.load.fits", **params)
        self.frame = int(self.get("frame") or 0)

    def close(self) -> None:
        """Let go of the window (it stays open)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.disconnect()
            except Exception:
                pass

    def __repr__(self) -> str:
        return f"<skyglass.Viewer frame {self.frame}>"


def show(obj, name: str | None = None, timeout: float = START_TIMEOUT) -> Viewer:
    """Show an image in Skyglass (a new frame) and return a handle on the window.

    Parameters
    ----------
    obj : array, astropy HDU or HDUList, CCDData/NDData, or a path
        The image. CCDData and NDData keep their WCS, unit, mask and uncertainty.
    name : str, optional
        What the frame is called.
    timeout : float
        Seconds to wait for a window to start when none is running.

    Returns
    -------
    Viewer
        ``set(cmd)`` / ``get(cmd)`` with DS9's commands, ``close()``.
    """
    path, name = _as_fits(obj, name)
    client, target = _connect(timeout)
    viewer = Viewer(client, target)
    viewer.load(path, name)
    return viewer


# ------------------------------------------------------------------ the data
def _session_dir() -> str:
    global _SESSION_DIR
    if _SESSION_DIR is None:
        _SESSION_DIR = tempfile.mkdtemp(prefix="skyglass-show-")
        # The window has read (memory-mapped) the files by then; an unlinked file
        # stays readable for it.
        atexit.register(shutil.rmtree, _SESSION_DIR, True)
    return _SESSION_DIR


def _as_fits(obj, name: str | None) -> tuple[str, str]:
    """A FITS file holding ``obj`` (the file itself when ``obj`` is a path)."""
    if isinstance(obj, (str, os.PathLike)):
        path = os.fspath(obj)
        if not os.path.exists(path):
            raise SkyglassError(f"{path}: no such file.")
        return os.path.abspath(path), name or os.path.basename(path)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name or "array").strip("._") or "array"
    path = os.path.join(_session_dir(), f"{stem}_{len(os.listdir(_session_dir())) + 1}.fits")
    _write(obj, path)
    return path, name or stem


def _write(obj, path: str) -> None:
    import numpy as np
    from astropy.io import fits

    try:
        from astropy.nddata import CCDData, NDData
    except ImportError:  # pragma: no cover - astropy always has nddata
        CCDData = NDData = ()  # noqa: N806
    if isinstance(obj, CCDData):
        obj.write(path, overwrite=True)
    elif isinstance(obj, NDData):
        ccd = CCDData(
            np.asarray(obj.data),
            unit=obj.unit or "adu",
            wcs=obj.wcs,
            mask=obj.mask,
            uncertainty=obj.uncertainty,
            meta=dict(obj.meta or {}),
        )
        ccd.write(path, overwrite=True)
    elif isinstance(obj, fits.HDUList):
        obj.writeto(path, overwrite=True)
    elif isinstance(obj, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
        fits.PrimaryHDU(obj.data, header=_image_header(obj.header)).writeto(path, overwrite=True)
    else:
        data = np.asarray(obj)
        if data.ndim < 2 or data.dtype.kind not in "biuf":
            raise SkyglassError(
                f"show() takes an image: a numeric array of 2 or more dimensions, not "
                f"{data.dtype} of shape {data.shape}."
            )
        fits.PrimaryHDU(data).writeto(path, overwrite=True)


def _image_header(header):
    header = header.copy()
    for key in ("XTENSION", "PCOUNT", "GCOUNT", "ZIMAGE", "ZBITPIX", "ZCMPTYPE"):
        header.remove(key, ignore_missing=True)
    return header


# ------------------------------------------------------------------ the window
def _client():
    from skyglass.samp_link import samp_module

    samp = samp_module()
    samp.conf.use_internet = False
    return samp.SAMPIntegratedClient(name="skyglass.show", addr="127.0.0.1")


def _find_skyglass(client) -> str | None:
    for cid in client.get_registered_clients():
        try:
            if client.get_metadata(cid).get("samp.name") == "Skyglass":
                return cid
        except Exception:
            continue
    return None


def _starting_marker() -> Path:
    from skyglass.paths import cache_dir

    return cache_dir() / "show-starting"


def _start_window(timeout: float) -> None:
    """Start a detached window with SAMP on (once: a second show() waits for it)."""
    marker = _starting_marker()
    try:
        if marker.exists() and time.time() - marker.stat().st_mtime < timeout:
            return  # another show() is starting one
    except OSError:
        pass
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))
    log = open(marker.parent / "show-window.log", "ab")  # noqa: SIM115 - the child keeps it
    subprocess.Popen(
        [sys.executable, "-m", "skyglass", "--samp", "--empty"],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )


def _connect(timeout: float):
    """A client on the hub and the id of a Skyglass window (started if there is none)."""
    deadline = time.time() + timeout
    started = False
    client = _client()
    while True:
        try:
            if not client.is_connected:
                client.connect()
            target = _find_skyglass(client)
            if target is not None:
                try:
                    _starting_marker().unlink()
                except OSError:
                    pass
                return client, target
        except Exception:  # no hub yet
            pass
        if not started:
            _start_window(timeout)
            started = True
        if time.time() > deadline:
            try:
                client.disconnect()
            except Exception:
                pass
            raise SkyglassError(
                f"no Skyglass window answered within {timeout:g} s (is a display available? "
                "see the window's log in the cache folder, show-window.log)."
            )
        time.sleep(0.25)
