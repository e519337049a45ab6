"""Controllers: each owns one job of the window (files, frames, display, editing, overlays,
SAMP, following a folder, settings) and gets what it needs in its constructor."""
