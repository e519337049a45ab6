"""Dialogs: the FITS header viewer and the keyboard-and-mouse sheet."""
