"""Where a frame is looked at: the FITS pixel at the centre of the view and the zoom.

One definition for the window, its tiles and locks, and scripting (DS9's ``pan``/``zoom``).
Also the conversion of a view from one image to another (DS9's "lock frame image|wcs").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_ZOOM = 1.0 / 32.0
MAX_ZOOM = 32.0


@dataclass(frozen=True)
class View:
    """A view of an image.

    Attributes
    ----------
    x, y : float
        FITS pixel (1-based) at the centre of the view.
    zoom : float
        Screen pixels per image pixel.
    """

    x: float
    y: float
    zoom: float

    def close_to(self, other: View | None, tol: float = 1e-3) -> bool:
        """Whether ``other`` shows the same thing (within ``tol`` pixels and zoom ratio)."""
        return (
            other is not None
            and abs(self.x - other.x) <= tol
            and abs(self.y - other.y) <= tol
            and abs(self.zoom / other.zoom - 1.0) <= tol
        )

    def clamped(self) -> View:
        """The same view with the zoom kept within ``MIN_ZOOM..MAX_ZOOM``."""
        return View(self.x, self.y, min(MAX_ZOOM, max(MIN_ZOOM, self.zoom)))


def pixel_scale(wcs) -> float:
    """Degrees per pixel (geometric mean of the axes) of a celestial WCS."""
    return float(abs(np.linalg.det(wcs.pixel_scale_matrix)) ** 0.5)


def convert_view(view: View, how: str, source_wcs=None, target_wcs=None) -> View | None:
    """``view`` of one image as the matching view of another.

    Parameters
    ----------
    view : View
        The view of the source image.
    how : str
        ``image``: the same pixel and zoom; ``wcs``: the same sky position at the same
        sky scale (needs both WCS).
    source_wcs, target_wcs : astropy.wcs.WCS or None
        The two images' celestial WCS.

    Returns
    -------
    View or None
        None when the images cannot be matched (no WCS, or a position off the sky).
    """
    if how == "image":
        return view
    if how != "wcs" or source_wcs is None or target_wcs is None:
        return None
    ra, dec = source_wcs.all_pix2world([[view.x, view.y]], 1)[0]
    x, y = target_wcs.all_world2pix([[ra, dec]], 1)[0]
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    zoom = view.zoom * pixel_scale(target_wcs) / pixel_scale(source_wcs)
    return View(float(x), float(y), zoom).clamped()
