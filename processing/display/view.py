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


def subsample_step(zoom: float) -> int:
    """Image pixels per screen pixel when zoomed out (1 at zoom 1 and above): the canvas
    and the headless render read every ``step``-th pixel, about one per screen pixel."""
    return max(1, int(math.floor(1.0 / zoom + 1e-9)))


def visible_crop(
    left: float, right: float, top: float, bottom: float, shape: tuple[int, int], zoom: float
) -> tuple[int, int, int, int, int]:
    """The data to draw for a view: numpy ``(r0, r1, c0, c1, step)``.

    ``left..right`` and ``top..bottom`` are the view's edges in scene coordinates (FITS
    minus 0.5); the crop is clipped to the image and aligned to the step grid, so panning
    does not make the subsample shimmer.
    """
    ny, nx = shape
    c0 = max(0, int(math.floor(left)))
    c1 = min(nx, int(math.ceil(right)))
    r0 = max(0, int(math.floor(top)))
    r1 = min(ny, int(math.ceil(bottom)))
    step = subsample_step(zoom)
    return r0 - r0 % step, r1, c0 - c0 % step, c1, step


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
