"""The menu bar as data: every item of every menu, its command, shortcut and tip.

Commands and states are names; the composition root (main_window.py) maps them to the
controllers. Radio items are generated from the enumerations processing/ owns (scales,
colormaps, limit modes), so a new scale or colormap appears here without an edit.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from skyglass.actions import ActionSpec

#: Zoom levels of the Zoom menu.
ZOOM_STEPS = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16, 32)
#: Blink intervals of Frame > Blink interval (milliseconds).
BLINK_INTERVALS = (125, 250, 500, 1000, 2000)

Std = QKeySequence.StandardKey


def _zoom_label(z: float) -> str:
    return f"1/{round(1 / z)}" if z < 1 else f"{z:g}"


def menu_specs() -> list[ActionSpec]:
    """Every menu item, in menu order."""
    from skyglass.processing.display.colormaps import COLORMAPS
    from skyglass.processing.display.limits import LIMIT_CHOICES
    from skyglass.processing.display.stretch import SCALES

    A = ActionSpec
    specs = [
        # File
        A(
            "File",
            "&Open...",
            "open",
            Std.Open,
            "Open FITS, PNG, JPEG or TIFF files (one frame each)",
        ),
        A("File", "Open &Recent", submenu=True),
        A(
            "File",
            "Re&load from Disk",
            "reload",
            Std.Refresh,
            "Read the current image's file again (after a camera or program rewrote it)",
            enabled="has_file",
        ),
        A(
            "File",
            "Open &Demo Night",
            "open_demo",
            tip="Open the built-in synthetic observing night",
        ),
        A(
            "File",
            "Save &As...",
            "save_as",
            Std.SaveAs,
            "Save the image (with its edit history) as a FITS file",
            separator=True,
        ),
        A(
            "File",
            "Export annotated &image...",
            "export_png",
            "Ctrl+P",
            "The image as shown, with stars, regions, colorbar and compass (PNG, JPEG, TIFF)",
        ),
        A(
            "File",
            "Export &data...",
            "export_data",
            tip="The pixel values (not the view) for other programs: 16-bit PNG or TIFF, "
            "float32 TIFF or FITS",
        ),
        A(
            "File",
            "Open &catalogue...",
            "open_catalog",
            tip="Mark a catalogue's positions (ECSV, CSV, VOTable, FITS; RA/Dec or x/y)",
        ),
        A(
            "File",
            "&Header...",
            "header",
            "Ctrl+H",
            "Show the FITS header of each HDU",
            separator=True,
        ),
        A(
            "File/SA&MP",
            "&Connect",
            "samp_connect",
            tip="Register with the SAMP hub (TOPCAT, Aladin, DS9); start one if none runs",
            checkable=True,
            state="samp_connected",
        ),
        A(
            "File/SA&MP",
            "Send &image",
            "samp_send_image",
            tip="Broadcast the current image to the other SAMP tools",
        ),
        A(
            "File/SA&MP",
            "Send star &catalogue",
            "samp_send_catalog",
            tip="Broadcast the star catalogue (VOTable with RA/Dec) to the other SAMP tools",
        ),
        A(
            "File/SA&MP",
            "Clear received &table",
            "samp_clear_table",
            tip="Remove the positions of the last table received",
        ),
        A("File", "&Quit", "quit", "Ctrl+Q", "Quit Skyglass", separator=True),
        # Zoom
        A("Zoom", "Zoom &In", "zoom_in", "+", "Zoom in by 2"),
        A("Zoom", "Zoom &Out", "zoom_out", "-", "Zoom out by 2"),
        A("Zoom", "Zoom to &Fit", "zoom_fit", "Ctrl+0", "Fit the image"),
        A("Zoom", "Zoom &1:1", "zoom_to", "Ctrl+1", "One image pixel per screen pixel", arg=1.0),
    ]
    specs += [
        A("Zoom", f"Zoom {_zoom_label(z)}", "zoom_to", arg=z, separator=i == 0)
        for i, z in enumerate(ZOOM_STEPS)
    ]
    specs += [
        A(
            "Scale",
            name,
            "scale",
            tip=scale.tip,
            checkable=True,
            group="scale",
            arg=name,
            state="scale_is",
        )
        for name, scale in SCALES.items()
    ]
    specs += [
        A(
            "Scale",
            label,
            "limits",
            tip=tip,
            checkable=True,
            group="limits",
            arg=value,
            state="limits_is",
            separator=i == 0,
        )
        for i, (value, label, tip) in enumerate(c for c in LIMIT_CHOICES if c[0] != "user")
    ]
    specs += [
        A(
            "Color",
            name,
            "cmap",
            tip=cmap.tip,
            checkable=True,
            group="cmap",
            arg=name,
            state="cmap_is",
        )
        for name, cmap in COLORMAPS.items()
    ]
    specs += [
        A(
            "Color",
            "&Invert",
            "invert",
            "Ctrl+I",
            "Invert the colormap",
            checkable=True,
            state="inverted",
            separator=True,
        ),
        A(
            "Color",
            "Reset contrast/bias",
            "reset_contrast_bias",
            tip="Back to contrast 1, bias 0.5",
        ),
        A(
            "Color",
            "&NaN colour...",
            "nan_colour",
            tip="Colour of pixels with no value (NaN or Inf)",
        ),
        # Edit
        A("Edit", "&Undo", "undo", Std.Undo, "Undo the last edit", enabled="can_undo"),
        A("Edit", "&Redo", "redo", "Ctrl+Shift+Z", "Redo the edit undone last", enabled="can_redo"),
        A(
            "Edit",
            "&Edit panel",
            "edit_panel",
            "Ctrl+E",
            "Geometry, intensity, restoration and arithmetic operations",
            separator=True,
        ),
        A(
            "Edit",
            "Export &recipe (JSON)...",
            "export_recipe",
            tip="The edit history as a recipe for 'skyglass replay'",
            separator=True,
        ),
        A(
            "Edit",
            "Export Python &script...",
            "export_script",
            tip="The edit history as a script that calls skyglass.processing",
        ),
        # Frame
        A(
            "Frame",
            "&New frame from file...",
            "new_frame",
            "Ctrl+Shift+O",
            "Open an image in a new frame",
        ),
        A("Frame", "&Delete frame", "delete_frame", tip="Close the current frame"),
        A("Frame", "&Next frame", "next_frame", "Tab", "Next frame (DS9: Tab)"),
        A(
            "Frame",
            "&Previous frame",
            "previous_frame",
            "Shift+Tab",
            "Previous frame (DS9: Shift+Tab)",
        ),
        A(
            "Frame",
            "&Tile frames",
            "tile",
            "Ctrl+T",
            "Show every frame in a grid",
            checkable=True,
            state="tiling",
            separator=True,
        ),
        A(
            "Frame",
            "&Blink frames",
            "blink",
            "Ctrl+B",
            "Cycle through the frames",
            checkable=True,
            state="blinking",
        ),
        A(
            "Frame",
            "Blink the &last two",
            "blink_last_two",
            "Ctrl+Shift+B",
            "Alternate the newest frame and the one before (new frames join as they come); "
            "again to stop",
        ),
    ]
    specs += [
        A("Frame/Blink interval", f"{ms / 1000:g} s", "blink_interval", arg=ms)
        for ms in BLINK_INTERVALS
    ]
    specs += [
        A(
            "Frame/&Lock pan and zoom",
            label,
            "lock_frames",
            checkable=True,
            group="lock",
            arg=value,
            state="lock_frames_is",
        )
        for label, value in (
            ("None", "none"),
            ("By image pixels", "image"),
            ("By WCS (sky)", "wcs"),
        )
    ]
    specs += [
        A(
            "Frame",
            "Lock &scale limits",
            "lock_scale",
            tip="Every frame uses the same scale and limits",
            checkable=True,
            state="lock_scale",
        ),
        A(
            "Frame",
            "Lock &colormap",
            "lock_colour",
            tip="Every frame uses the same colormap, contrast and bias",
            checkable=True,
            state="lock_colour",
        ),
        A(
            "Frame",
            "&Follow a folder...",
            "follow",
            "Ctrl+F",
            "Show each new frame of a folder as soon as it is written; night log",
            separator=True,
        ),
        A("Frame", "Stop f&ollowing", "stop_following", tip="Stop following"),
        A(
            "Frame",
            "Night &log",
            "show_nightlog",
            tip="Figures of every frame of the night: sky, noise, FWHM, stars",
        ),
        # Analysis
        A(
            "Analysis",
            "&Stars",
            "show_stars",
            "Ctrl+Shift+D",
            "Find stars, their catalogue, photometry and profiles",
        ),
        A(
            "Analysis",
            "&Regions and masks",
            "show_regions",
            "Ctrl+Shift+R",
            "Draw regions, statistics, projections, masks",
        ),
        A(
            "Analysis",
            "Show &mask",
            "overlay_mask",
            tip="Show the mask as a translucent overlay",
            checkable=True,
            state="overlay_mask",
        ),
        A(
            "Analysis",
            "&Contours",
            "overlay_contours",
            "Ctrl+Shift+K",
            "Contour lines at levels from the scale limits",
            checkable=True,
            state="overlay_contours",
            separator=True,
        ),
        A(
            "Analysis",
            "Contour &levels...",
            "contour_levels",
            tip="Number of levels, levels by hand, smoothing",
        ),
        A(
            "Analysis",
            "Coordinate &grid",
            "overlay_grid",
            "Ctrl+G",
            "RA/Dec grid with labels (needs a WCS)",
            checkable=True,
            state="overlay_grid",
        ),
        A(
            "Analysis",
            "&Compass",
            "overlay_compass",
            tip="North and east arrows (needs a WCS)",
            checkable=True,
            state="overlay_compass",
        ),
        A(
            "Analysis",
            "&Power spectrum",
            "power_spectrum",
            tip="log10 of the image's power spectrum (zero frequency at the centre), "
            "in a new frame",
            separator=True,
        ),
        # Calibrate
        A(
            "Calibrate",
            "Calibration &panel",
            "show_calibration",
            "Ctrl+Shift+C",
            "Bias, dark, flat, calibrate and stack, step by step",
        ),
        A(
            "Calibrate",
            "Calibrate a &night folder...",
            "calibration_folder",
            tip="Choose the folder of a night's frames",
        ),
        # Window (the docks' switches follow, from the panel table)
        A(
            "Window",
            "&Reset layout",
            "reset_layout",
            tip="Put every dock back where it starts and fit the window to the screen",
        ),
        # Help
        A(
            "Help",
            "&Keyboard and mouse",
            "shortcuts",
            "F1",
            "Every shortcut and mouse gesture, searchable",
        ),
    ]
    return specs
