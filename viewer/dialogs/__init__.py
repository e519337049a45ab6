"""Dialogs: the FITS header viewer, the keyboard-and-mouse sheet, a star's profile."""
