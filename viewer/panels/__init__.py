"""The dock panels: scale, calibration, editing, history, stars, regions and masks, night log."""
