"""Say which system library is missing before Qt aborts the process.

When a library the Qt window needs is absent, Qt prints a hint and then aborts (SIGABRT)
while the application object is being created, and PySide6 itself fails to import with a
bare "cannot open shared object file". Both are checked here first, so the user reads one
line naming the library and the Debian/Ubuntu package that provides it.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys

from skyglass.processing.errors import SkyglassError

#: Shared libraries the Qt window loads on Linux, with the Debian/Ubuntu package of each
#: (the README lists the same packages). The xcb entries are what Qt's X11 plugin needs;
#: libxcb-cursor is loaded at run time, so only a check like this one finds it missing.
LIBRARIES: dict[str, str] = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
}

_SONAME = re.compile(r"(lib[\w.+-]+\.so(?:\.\d+)*)")


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_x11(environ: os._Environ | dict = os.environ) -> bool:
    """Whether Qt will pick its X11 (xcb) platform plugin in this environment."""
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    wayland = environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland"
    return sys.platform.startswith("linux") and not wayland


def missing_libraries(libraries: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The (library, package) pairs of ``libraries`` that cannot be loaded here."""
    table = LIBRARIES if libraries is None else libraries
    return [(name, pkg) for name, pkg in table.items() if not _loads(name)]


def missing_message(missing: list[tuple[str, str]]) -> str:
    """One line naming the missing libraries and the command that installs them."""
    names = ", ".join(name for name, _ in missing)
    packages = " ".join(dict.fromkeys(pkg for _, pkg in missing))
    return (
        f"the window cannot start: missing system libraries {names} "
        f"(Debian/Ubuntu: sudo apt-get install {packages}). "
        "Headless commands (skyglass info/render/...) work without them."
    )


def explain_import_error(exc: ImportError) -> str:
    """A user's sentence for an ImportError raised while importing Qt."""
    match = _SONAME.search(str(exc))
    if match:
        soname = match.group(1)
        package = LIBRARIES.get(soname)
        hint = f" (Debian/Ubuntu: sudo apt-get install {package})" if package else ""
        return f"the window cannot start: the system library {soname} is missing{hint}."
    return f"the window cannot start: Qt (PySide6) cannot be imported ({exc})."


def check_window_can_start(environ: os._Environ | dict = os.environ) -> None:
    """Raise :class:`SkyglassError` with a clear message if Qt would abort on start.

    Checks that an X11 display is named and that the libraries Qt's X11 plugin loads are
    present; then imports PySide6's GUI modules, turning a missing library into a message.
    """
    if sys.platform.startswith("linux") and uses_x11(environ):
        if not environ.get("DISPLAY") and not environ.get("QT_QPA_PLATFORM"):
            raise SkyglassError(
                "the window needs a display (DISPLAY is not set); over SSH use 'ssh -X', or "
                "run the headless commands (skyglass info/render/stars ...)."
            )
        missing = missing_libraries()
        if missing:
            raise SkyglassError(missing_message(missing))
    try:
        import PySide6.QtGui  # noqa: F401
        import PySide6.QtWidgets  # noqa: F401
    except ImportError as exc:
        raise SkyglassError(explain_import_error(exc)) from None
