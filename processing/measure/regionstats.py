"""Regions: statistics of the pixels inside, line profiles, box projections, and DS9
region files (read and written with astropy's regions package)."""

from __future__ import annotations

import logging
import math
import os

import numpy as np

from skyglass.processing.errors import InvalidParameterError, SkyglassError

log = logging.getLogger(__name__)


def region_mask(region, shape: tuple[int, int]) -> np.ndarray:
    """Boolean mask of the pixels whose centres fall inside a pixel region."""
    mask = region.to_mask(mode="center")
    return mask.to_image(shape, dtype=bool) if mask is not None else np.zeros(shape, bool)


def region_stats(data: np.ndarray, region, mask: np.ndarray | None = None, wcs=None) -> dict:
    """Statistics of the finite, unmasked pixels inside ``region`` (a PixelRegion).

    Returns count, sum, mean, median, std, min, max, centroid (FITS x, y, intensity
    weighted) and, with a WCS, its sky position.
    """
    inside = region_mask(region, data.shape)
    values_mask = inside & np.isfinite(data)
    if mask is not None:
        values_mask &= ~mask
    vals = data[values_mask].astype(np.float64)
    out = {"count": int(vals.size)}
    if vals.size == 0:
        out.update({k: None for k in ("sum", "mean", "median", "std", "min", "max", "x", "y")})
        return out
    rows, cols = np.nonzero(values_mask)
    w = vals - vals.min()
    if w.sum() <= 0:
        w = np.ones_like(vals)
    out.update(
        {
            "sum": float(vals.sum()),
            "mean": float(vals.mean()),
            "median": float(np.median(vals)),
            "std": float(vals.std()),
            "min": float(vals.min()),
            "max": float(vals.max()),
            "x": float((w * cols).sum() / w.sum() + 1),
            "y": float((w * rows).sum() / w.sum() + 1),
        }
    )
    if wcs is not None:
        ra, dec = wcs.all_pix2world([[out["x"], out["y"]]], 1)[0]
        out["ra"], out["dec"] = float(ra), float(dec)
    return out


def line_profile(
    data: np.ndarray, x0: float, y0: float, x1: float, y1: float, step: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Values along a line between FITS points (bilinear), every ``step`` pixels.

    Returns ``(distance, value)``.
    """
    from scipy import ndimage

    length = math.hypot(x1 - x0, y1 - y0)
    n = max(2, int(length / step) + 1)
    t = np.linspace(0.0, 1.0, n)
    xs, ys = x0 - 1 + t * (x1 - x0), y0 - 1 + t * (y1 - y0)
    filled = np.where(np.isfinite(data), data, np.nan)
    vals = ndimage.map_coordinates(np.nan_to_num(filled), [ys, xs], order=1, mode="nearest")
    nan_near = ndimage.map_coordinates(np.isnan(filled).astype(float), [ys, xs], order=1) > 0
    vals = np.where(nan_near, np.nan, vals)
    return t * length, vals


def projection(
    data: np.ndarray,
    x0: int,
    y0: int,
    x1: int,
    y1: int,
    axis: str = "x",
    mask: np.ndarray | None = None,
    statistic: str = "sum",
) -> tuple[np.ndarray, np.ndarray]:
    """Collapse a box (FITS, inclusive) along one axis, leaving masked and NaN pixels out.

    ``axis="x"`` sums each column over the box's rows (a spectrum dispersed along x);
    ``axis="y"`` sums each row. With masked pixels the sum is scaled up to the full
    column so rows with holes are not low. Returns ``(pixel coordinate, value)``.
    """
    x0, x1 = sorted((int(x0), int(x1)))
    y0, y1 = sorted((int(y0), int(y1)))
    ny, nx = data.shape
    x0, y0, x1, y1 = max(1, x0), max(1, y0), min(nx, x1), min(ny, y1)
    if x1 < x0 or y1 < y0:
        raise InvalidParameterError("the box is outside the image.")
    box = np.asarray(data[y0 - 1 : y1, x0 - 1 : x1], dtype=np.float64)
    good = np.isfinite(box)
    if mask is not None:
        good &= ~mask[y0 - 1 : y1, x0 - 1 : x1]
    along = 0 if axis == "x" else 1
    n = good.sum(axis=along)
    total = np.where(good, box, 0.0).sum(axis=along)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    values = mean if statistic == "mean" else mean * box.shape[along]
    values = np.where(n > 0, values, np.nan)
    coords = np.arange(x0, x1 + 1) if axis == "x" else np.arange(y0, y1 + 1)
    return coords, values


def read_regions(path: str | os.PathLike, wcs=None, shape: tuple[int, int] | None = None) -> list:
    """Read a DS9 region file; sky regions become pixel regions with ``wcs``; with the
    image's ``shape``, regions far beyond the image are left out (see :func:`fit_to_image`)."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path) as fh:
            text = fh.read()
    except FileNotFoundError:
        raise SkyglassError(f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SkyglassError(f"{name}: not a readable DS9 region file ({exc}).") from exc
    return parse_regions(text, wcs, name, shape)


#: A region may reach this many image sizes beyond the image; farther, it is left out.
REACH = 10


def fit_to_image(regions: list, shape: tuple[int, int], name: str = "regions") -> list:
    """Leave out regions with non-finite numbers or reaching more than :data:`REACH` image
    sizes beyond the image (a radius of 1e9 would take minutes to draw and means nothing
    on this image); each one left out is logged."""
    ny, nx = shape
    limit = REACH * max(nx, ny, 1)
    kept = []
    for i, region in enumerate(regions, 1):
        try:
            box = region.bounding_box
            edges = (box.ixmin, box.ixmax, box.iymin, box.iymax)
        except Exception:  # points and text have no box: their centre is what counts
            centre = getattr(region, "center", None)
            edges = (centre.x, centre.x, centre.y, centre.y) if centre is not None else (np.nan,)
        if not all(np.isfinite(edges)) or (
            min(edges[0], edges[2]) < -limit or edges[1] > nx + limit or edges[3] > ny + limit
        ):
            log.warning(
                "%s: region %d is not finite or reaches far beyond the image; left out", name, i
            )
            continue
        kept.append(region)
    return kept


def parse_regions(
    text: str, wcs=None, name: str = "regions", shape: tuple[int, int] | None = None
) -> list:
    """DS9 region text (a file's content, or one line such as ``circle 100 100 20``) as
    pixel regions; image coordinates when the text names no system. With the image's
    ``shape``, regions far beyond it are left out."""
    from regions import Regions, SkyRegion

    if not any(w in text for w in ("image", "fk5", "icrs", "fk4", "galactic", "ecliptic")):
        text = "image\n" + text  # DS9's default for a bare shape is image coordinates
    try:
        regs = Regions.parse(text, format="ds9")
    except Exception as exc:
        raise SkyglassError(f"{name}: not readable DS9 regions ({exc}).") from exc
    out = []
    for r in regs:
        if isinstance(r, SkyRegion):
            if wcs is None:
                raise SkyglassError(f"{name} has sky regions but the image has no WCS.")
            r = r.to_pixel(wcs)
        out.append(r)
    return fit_to_image(out, shape, name) if shape is not None else out


def regions_text(regions: list, wcs=None, sky: bool = False) -> str:
    """Regions as DS9 region text, in image or (with ``sky`` and a WCS) fk5/icrs
    coordinates."""
    from regions import Regions

    regs = list(regions)
    if sky:
        if wcs is None:
            raise SkyglassError("sky coordinates need a WCS.")
        regs = [r.to_sky(wcs) for r in regs]
    return Regions(regs).serialize(format="ds9") if regs else ""


def write_regions(
    regions: list, path: str | os.PathLike, wcs=None, sky: bool = False, overwrite: bool = True
) -> None:
    """Write regions as a DS9 region file, in image or (with ``sky`` and a WCS) fk5/icrs
    coordinates, atomically."""
    from skyglass.processing.io.fileio import atomic_write

    text = regions_text(regions, wcs, sky)
    atomic_write(path, lambda tmp: open(tmp, "w").write(text), overwrite=overwrite)
