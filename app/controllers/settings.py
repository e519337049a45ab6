"""What persists between sessions: window layout and the last display settings.

User limits belong to one image and are not kept; everything else of the display is.
"""

from __future__ import annotations

from dataclasses import fields, replace

from PySide6 import QtCore

from skyglass.processing.display.render import DisplaySettings
from skyglass.processing.errors import SkyglassError

#: The display fields kept between sessions.
SETTING_KEYS = tuple(f.name for f in fields(DisplaySettings))


#: A new profile opens camera frames with zscale (minmax shows them black: a few hot
#: pixels and cosmic rays set the range); DS9 users switch to minmax once and it persists.
FIRST_DISPLAY = DisplaySettings(limits="zscale")


def restore_display(qsettings: QtCore.QSettings) -> DisplaySettings:
    """The display settings saved last (defaults for anything missing or invalid)."""
    defaults = FIRST_DISPLAY
    values = {}
    for key in SETTING_KEYS:
        v = qsettings.value(f"display/{key}")
        if v is None:
            continue
        default = getattr(defaults, key)
        try:
            if key == "nan_color":
                rgb = tuple(int(c) for c in str(v).split(","))
                if len(rgb) == 3 and all(0 <= c <= 255 for c in rgb):
                    values[key] = rgb
            elif isinstance(default, bool):
                values[key] = v in (True, "true", "1", 1)
            elif isinstance(default, float):
                values[key] = float(v)
            else:
                values[key] = str(v)
        except (TypeError, ValueError):
            continue
    try:
        return replace(defaults, **values).validated()
    except SkyglassError:
        return defaults


def save_display(qsettings: QtCore.QSettings, display: DisplaySettings) -> None:
    """Keep ``display`` for the next session (not user limits: they belong to one image)."""
    for key in SETTING_KEYS:
        value = getattr(display, key)
        if key == "limits" and display.limit_spec.mode == "user":
            continue
        if key == "nan_color":
            value = ",".join(str(int(c)) for c in value)
        qsettings.setValue(f"display/{key}", value)


def restore_layout(qsettings: QtCore.QSettings, window) -> None:
    """The window's geometry and dock layout as left last time."""
    geometry = qsettings.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    state = qsettings.value("window/state")
    if state is not None:
        window.restoreState(state)


def save_layout(qsettings: QtCore.QSettings, window) -> None:
    qsettings.setValue("window/geometry", window.saveGeometry())
    qsettings.setValue("window/state", window.saveState())
