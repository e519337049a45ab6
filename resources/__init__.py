"""Static resources: the application icon (SVG and PNG sizes) and the desktop file."""

from __future__ import annotations

from pathlib import Path

RESOURCE_DIR = Path(__file__).resolve().parent
ICON_SVG = RESOURCE_DIR / "skyglass.svg"
DESKTOP_FILE = RESOURCE_DIR / "skyglass.desktop"


def icon_pngs() -> dict[int, Path]:
    """The rendered PNG icons by pixel size."""
    return {
        int(p.stem.rsplit("-", 1)[1]): p for p in sorted((RESOURCE_DIR / "icons").glob("*.png"))
    }
