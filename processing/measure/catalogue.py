"""What a star catalogue holds and how its stars are drawn: the columns and their units
(astropy units, the FWHM in arcsec from the WCS), sky positions, and the circles' size and
colour - shared by the finder, the window and annotated PNGs."""

from __future__ import annotations

import numpy as np
from astropy.table import Table


def data_unit(header):
    """The unit of the pixel values: BUNIT when astropy understands it, else ADU."""
    import astropy.units as u

    text = header.get("BUNIT") if header is not None else None
    if isinstance(text, str) and text.strip():
        try:
            unit = u.Unit(text.strip(), parse_strict="silent")
            if not isinstance(unit, u.UnrecognizedUnit):
                return unit
        except (ValueError, TypeError):
            pass
    return u.adu


def arcsec_per_pixel(header) -> float | None:
    """The image scale from its celestial WCS (geometric mean of the axes), or None."""
    if header is None:
        return None
    from skyglass.processing.display.view import pixel_scale
    from skyglass.processing.io.sky import celestial_wcs

    wcs = celestial_wcs(header)
    if wcs is None:
        return None
    scale = pixel_scale(wcs) * 3600.0
    return scale if np.isfinite(scale) and scale > 0 else None


def set_units(table: Table, header, fwhm: float) -> None:
    """Units on the columns (astropy units) and the FWHM in arcsec where the WCS says."""
    import astropy.units as u

    for name in ("x", "y", "fwhm"):
        table[name].unit = u.pix
    unit = data_unit(header)
    for name in ("flux", "flux_err", "peak", "background"):
        table[name].unit = unit
    table["mag"].unit = u.mag
    scale = arcsec_per_pixel(header)
    if scale is not None:
        table["fwhm_arcsec"] = np.asarray(table["fwhm"], float) * scale
        table["fwhm_arcsec"].unit = u.arcsec
        table.meta["fwhm_arcsec"] = float(fwhm * scale)
        table.meta["pixel_scale_arcsec"] = scale


#: The catalogue's columns (``ra``/``dec`` after ``y`` and ``fwhm_arcsec`` last when the
#: image has a WCS).
COLUMNS = (
    ("id", int), ("x", float), ("y", float), ("flux", float), ("flux_err", float),
    ("mag", float), ("peak", float), ("background", float), ("fwhm", float),
    ("roundness", float), ("sharpness", float), ("npix", int), ("snr", float),
    ("saturated", bool), ("blended", bool), ("edge", bool), ("poor_fit", bool),
)  # fmt: skip


def empty_catalogue(
    background: float, noise: float, fwhm: float, threshold: float, header
) -> Table:
    """A catalogue of no stars, with its columns, units and the reason in ``note``."""
    table = Table(names=[c for c, _ in COLUMNS], dtype=[t for _, t in COLUMNS])
    table.meta.update(
        {
            "background": background,
            "noise": noise,
            "fwhm": fwhm,
            "threshold": threshold,
            "note": "nothing above the detection threshold",
        }
    )
    set_units(table, header, fwhm)
    return table


def sky_positions(header, x, y):
    """RA and Dec (degrees) of 0-based pixel positions, or None without a usable WCS."""
    if header is None:
        return None
    from skyglass.processing.editing.wcs_update import pixel_to_sky

    return pixel_to_sky(header, x, y)


def marker_radii(table) -> np.ndarray:
    """Radius (pixels) of the circle drawn around each catalogued star: the photometry
    aperture (``meta["aperture_radius"]``), else 1.5 x the image FWHM - one size for every
    star, never its own FWHM, which for faint or blended stars is what the noise or a
    neighbour made (circles 40-100 px across on M13)."""
    meta = getattr(table, "meta", {}) or {}
    radius = meta.get("aperture_radius")
    if radius is None or not np.isfinite(radius) or radius <= 0:
        fwhm = meta.get("fwhm")
        fwhm = float(fwhm) if fwhm is not None and np.isfinite(fwhm) and fwhm > 0 else 3.0
        radius = 1.5 * fwhm
    return np.full(len(table), max(3.0, float(radius)))


#: Circle colours (RGB): a clean star; one with a flag (blended, near an edge, poor
#: profile fit); a saturated one.
STAR_COLOURS = {"clean": (0, 255, 0), "flagged": (255, 170, 0), "saturated": (255, 0, 255)}


def marker_kinds(table) -> list[str]:
    """For each catalogued star, which of :data:`STAR_COLOURS` its circle takes (a
    catalogue without the flag columns - an older file - is all clean)."""
    n = len(table)
    names = getattr(table, "colnames", [])

    def column(name: str) -> np.ndarray:
        return np.asarray(table[name], bool) if name in names else np.zeros(n, bool)

    flagged = column("blended") | column("edge") | column("poor_fit")
    saturated = column("saturated")
    return [
        "saturated" if s else "flagged" if f else "clean"
        for s, f in zip(saturated, flagged, strict=True)
    ]


def near_edge(x, y, radius: float, shape) -> np.ndarray:
    """Stars closer than ``radius`` to the image's border (0-based x, y)."""
    ny, nx = shape
    return (x < radius) | (y < radius) | (x > nx - 1 - radius) | (y > ny - 1 - radius)


def catalogue_table(stars: dict, header) -> Table:
    """The catalogue, brightest first, from per-star arrays (0-based x, y)."""
    order = np.argsort(-stars["flux"], kind="stable")
    s = {k: np.asarray(v)[order] for k, v in stars.items()}
    with np.errstate(invalid="ignore", divide="ignore"):
        mag = np.where(s["flux"] > 0, -2.5 * np.log10(s["flux"]), np.nan)
        snr = s["flux"] / s["flux_err"]
    table = Table()
    table["id"] = np.arange(1, order.size + 1)
    table["x"] = s["x"] + 1.0
    table["y"] = s["y"] + 1.0
    sky = sky_positions(header, s["x"], s["y"])
    if sky is not None:
        table["ra"], table["dec"] = sky
        table["ra"].unit = table["dec"].unit = "deg"
    for name in ("flux", "flux_err"):
        table[name] = s[name]
    table["mag"] = mag
    for name in ("peak", "background", "fwhm", "roundness", "sharpness", "npix"):
        table[name] = s[name]
    table["snr"] = snr
    for name in ("saturated", "blended", "edge", "poor_fit"):
        table[name] = s[name].astype(bool)
    return table
