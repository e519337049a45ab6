"""``skyglass --install-desktop``: a launcher and icon for the current user only.

Writes the freedesktop ``.desktop`` file (FITS MIME types, so file managers offer
"Open with Skyglass") and the icon into the user's XDG data folder; nothing goes into the
system. The launcher runs the ``skyglass`` this command was started from (an absolute
path, so a virtual environment works without being activated).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from skyglass.paths import data_home
from skyglass.processing.io.fileio import atomic_write
from skyglass.resources import DESKTOP_FILE, ICON_SVG, icon_pngs


def launcher_command() -> list[str]:
    """The absolute command (program and arguments) a desktop launcher should run."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "skyglass" and script.is_file():
        return [str(script.resolve())]
    found = shutil.which("skyglass")
    if found:
        return [str(Path(found).resolve())]
    return [sys.executable, "-m", "skyglass"]


def _quote(arg: str) -> str:
    """Quote one Exec argument as the Desktop Entry specification asks."""
    if any(c in arg for c in " \t\"'\\><~|&;$*?#()`"):
        return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return arg


def desktop_entry(command: list[str]) -> str:
    """The shipped desktop file with ``Exec``/``TryExec`` pointing at ``command``."""
    lines = []
    for line in DESKTOP_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(_quote(a) for a in command) + " %F"
        elif line.startswith("TryExec="):
            line = f"TryExec={command[0]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def install_desktop(base: Path | None = None) -> list[Path]:
    """Install the launcher and icons under ``base`` (the XDG data folder); return the files."""
    base = Path(base) if base is not None else data_home()
    written = []
    entry = desktop_entry(launcher_command())
    target = base / "applications" / "skyglass.desktop"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda tmp: Path(tmp).write_text(entry, encoding="utf-8"), overwrite=True)
    written.append(target)
    icons = base / "icons" / "hicolor"
    svg_target = icons / "scalable" / "apps" / "skyglass.svg"
    svg_target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON_SVG, svg_target)
    written.append(svg_target)
    for size, png in icon_pngs().items():
        png_target = icons / f"{size}x{size}" / "apps" / "skyglass.png"
        png_target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, png_target)
        written.append(png_target)
    _refresh_caches(base)
    return written


def uninstall_desktop(base: Path | None = None) -> list[Path]:
    """Remove what :func:`install_desktop` wrote; return the files removed."""
    base = Path(base) if base is not None else data_home()
    icons = base / "icons" / "hicolor"
    candidates = [base / "applications" / "skyglass.desktop", icons / "scalable/apps/skyglass.svg"]
    candidates += [icons / f"{s}x{s}" / "apps" / "skyglass.png" for s in icon_pngs()]
    removed = []
    for path in candidates:
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh_caches(base)
    return removed


def _refresh_caches(base: Path) -> None:
    """Tell the desktop about the change where its tools exist (quietly skipped otherwise)."""
    for tool, arg in (
        ("update-desktop-database", base / "applications"),
        ("gtk-update-icon-cache", base / "icons" / "hicolor"),
    ):
        if shutil.which(tool) and arg.exists():
            flags = ["-q"] if tool == "update-desktop-database" else ["-q", "-t"]
            subprocess.run(
                [tool, *flags, str(arg)],
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
