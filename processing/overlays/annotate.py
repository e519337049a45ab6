"""Annotated PNGs: the image as displayed, with stars, regions, labels, a colorbar, a
north/east compass and a scale bar. Drawn with Pillow, so it runs headless (the CLI) and
gives the same picture the window saves."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from skyglass.processing.display.render import (
    DisplaySettings,
    apply_lut,
    prepare,
    render_composite,
    to_display_rows,
    zoomed,
)

REGION_COLOUR = (0, 200, 255)
TEXT_COLOUR = (255, 255, 0)


@dataclass
class Annotations:
    """What to draw on top of the image (positions in FITS pixels)."""

    stars: object | None = None  # a Table with x, y and (optionally) fwhm
    regions: list = field(default_factory=list)  # PixelRegions
    colorbar: bool = True
    compass: bool = True
    scalebar: bool = True
    unit: str = ""


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _to_png(x: float, y: float, ny: int, zoom: float) -> tuple[float, float]:
    """FITS pixel -> PNG pixel (y down; the top row of the PNG is the last image row)."""
    return (x - 0.5) * zoom, (ny - (y - 0.5)) * zoom


def shifted(ann: Annotations, dx: float, dy: float) -> Annotations:
    """The same annotations moved by (dx, dy) pixels (for a cropped image)."""
    import copy

    from regions import PixCoord

    stars = None
    if ann.stars is not None:
        stars = ann.stars.copy()
        stars["x"] = stars["x"] + dx
        stars["y"] = stars["y"] + dy
    moved = []
    for r in ann.regions:
        r = copy.deepcopy(r)
        for attr in ("center", "start", "end"):
            c = getattr(r, attr, None)
            if c is not None:
                setattr(r, attr, PixCoord(c.x + dx, c.y + dy))
        if hasattr(r, "vertices"):
            r.vertices = PixCoord(r.vertices.x + dx, r.vertices.y + dy)
        moved.append(r)
    return Annotations(stars, moved, ann.colorbar, ann.compass, ann.scalebar, ann.unit)


#: Nothing drawn on top: a plain view render.
PLAIN = Annotations(colorbar=False, compass=False, scalebar=False)


def render_annotated(
    image,
    settings: DisplaySettings,
    header=None,
    annotations: Annotations | None = None,
    zoom: float = 1.0,
) -> np.ndarray:
    """Render an image as shown and draw the annotations; returns RGB uint8 (PNG rows).

    Parameters
    ----------
    image : 2-D array-like, or a list of three
        One plane (colormapped), or R, G, B planes (a composite, each channel scaled on its
        own; no colorbar, which would mean nothing for three channels).
    settings : DisplaySettings
    header : astropy.io.fits.Header, optional
        For the compass and scale bar (its WCS).
    annotations : Annotations, optional
        What to draw; :data:`PLAIN` for nothing.
    zoom : float
        Output pixels per image pixel.
    """
    from PIL import Image, ImageDraw

    ann = annotations or Annotations()
    planes = list(image) if isinstance(image, (list, tuple)) else [image]
    data = planes[0]
    if len(planes) == 3:
        prep = None
        rgba = render_composite(planes, settings, zoom)
    else:
        prep = prepare(data, settings)
        rgba = apply_lut(zoomed(data, zoom), prep.low, prep.high, prep.lut)
    rgb = to_display_rows(rgba)[..., :3]
    ny = data.shape[0]
    colorbar = ann.colorbar and prep is not None
    bar_h = 46 if colorbar else 0
    if not bar_h and ann.stars is None and not ann.regions and not (ann.compass or ann.scalebar):
        return np.ascontiguousarray(rgb)
    image = Image.new("RGB", (rgb.shape[1], rgb.shape[0] + bar_h), (0, 0, 0))
    image.paste(Image.fromarray(np.ascontiguousarray(rgb)), (0, 0))
    draw = ImageDraw.Draw(image)
    font = _font(max(10, min(18, rgb.shape[1] // 60)))
    if ann.stars is not None and len(ann.stars):
        from skyglass.processing.measure.catalogue import STAR_COLOURS, marker_kinds, marker_radii

        radii = marker_radii(ann.stars)
        kinds = marker_kinds(ann.stars)
        for x, y, radius, kind in zip(ann.stars["x"], ann.stars["y"], radii, kinds, strict=True):
            r = radius * zoom
            px, py = _to_png(x, y, ny, zoom)
            draw.ellipse([px - r, py - r, px + r, py + r], outline=STAR_COLOURS[kind], width=1)
    for region in ann.regions:
        _draw_region(draw, region, ny, zoom, font)
    w = header is not None and _wcs(header)
    if w and ann.compass:
        _compass(draw, w, data.shape, zoom, font)
    if w and ann.scalebar:
        _scalebar(draw, w, data.shape, zoom, font)
    if colorbar:
        _colorbar(image, draw, prep, rgb.shape[0], font, ann.unit)
    return np.asarray(image)


def save_annotated(
    path: str | os.PathLike,
    image,
    settings: DisplaySettings,
    header=None,
    annotations: Annotations | None = None,
    zoom: float = 1.0,
    overwrite: bool = True,
    quality: int = 92,
) -> tuple[int, int]:
    """The one writer of views: render (see :func:`render_annotated`) and write it
    atomically as PNG, JPEG (``quality``) or TIFF, as the name says (anything else is
    refused before rendering). Returns its ``(width, height)``."""
    from skyglass.processing.io.writers import output_format, write_view

    output_format(path, "view")
    rgb = render_annotated(image, settings, header, annotations, zoom)
    write_view(path, rgb, quality=quality, overwrite=overwrite)
    return rgb.shape[1], rgb.shape[0]


def _wcs(header):
    from skyglass.processing.io.sky import celestial_wcs

    return celestial_wcs(header)


def _draw_region(draw, region, ny: int, zoom: float, font) -> None:
    from regions import (
        CirclePixelRegion,
        EllipsePixelRegion,
        LinePixelRegion,
        PointPixelRegion,
        PolygonPixelRegion,
        RectanglePixelRegion,
        TextPixelRegion,
    )

    colour = tuple(int(255 * c) for c in _rgb(region.visual.get("color", None))) or REGION_COLOUR

    def p(x0, y0):  # regions are 0-based pixel positions
        return _to_png(x0 + 1, y0 + 1, ny, zoom)

    if isinstance(region, CirclePixelRegion):
        cx, cy = p(region.center.x, region.center.y)
        r = region.radius * zoom
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=colour, width=2)
    elif isinstance(region, (EllipsePixelRegion, RectanglePixelRegion)):
        corners = _corners(region)
        if isinstance(region, EllipsePixelRegion):
            t = np.linspace(0, 2 * math.pi, 72)
            a, b = region.width / 2, region.height / 2
            ang = math.radians(region.angle.to_value("deg"))
            xs = region.center.x + a * np.cos(t) * math.cos(ang) - b * np.sin(t) * math.sin(ang)
            ys = region.center.y + a * np.cos(t) * math.sin(ang) + b * np.sin(t) * math.cos(ang)
            corners = list(zip(xs, ys, strict=True))
        draw.polygon([p(x, y) for x, y in corners], outline=colour, width=2)
    elif isinstance(region, PolygonPixelRegion):
        draw.polygon(
            [p(x, y) for x, y in zip(region.vertices.x, region.vertices.y, strict=True)],
            outline=colour,
            width=2,
        )
    elif isinstance(region, LinePixelRegion):
        draw.line(
            [p(region.start.x, region.start.y), p(region.end.x, region.end.y)], fill=colour, width=2
        )
    elif isinstance(region, TextPixelRegion):  # before PointPixelRegion: a subclass of it
        cx, cy = p(region.center.x, region.center.y)
        draw.text((cx, cy), region.text, fill=TEXT_COLOUR, font=font, anchor="mm")
    elif isinstance(region, PointPixelRegion):
        cx, cy = p(region.center.x, region.center.y)
        draw.line([cx - 5, cy, cx + 5, cy], fill=colour, width=2)
        draw.line([cx, cy - 5, cx, cy + 5], fill=colour, width=2)
    label = region.meta.get("text") if not isinstance(region, TextPixelRegion) else None
    if label:
        cx, cy = p(*_centre(region))
        draw.text((cx, cy - 12), str(label), fill=TEXT_COLOUR, font=font, anchor="mb")


def _rgb(name):
    from PIL import ImageColor

    if not name:
        return ()
    try:
        return tuple(c / 255 for c in ImageColor.getrgb(str(name)))
    except ValueError:
        return ()


def _centre(region):
    c = getattr(region, "center", None)
    if c is not None:
        return c.x, c.y
    if hasattr(region, "vertices"):
        return float(np.mean(region.vertices.x)), float(np.mean(region.vertices.y))
    return (region.start.x + region.end.x) / 2, (region.start.y + region.end.y) / 2


def _corners(region):
    w, h = region.width / 2, region.height / 2
    ang = math.radians(region.angle.to_value("deg"))
    c, s = math.cos(ang), math.sin(ang)
    return [
        (region.center.x + dx * c - dy * s, region.center.y + dx * s + dy * c)
        for dx, dy in ((-w, -h), (w, -h), (w, h), (-w, h))
    ]


def _compass(draw, w, shape, zoom, font) -> None:
    """North and east arrows at the lower left, from the WCS at the image centre."""
    from skyglass.processing.overlays.wcsgrid import north_east

    ny, nx = shape
    north, east = north_east(w, shape)
    length = 0.08 * min(nx, ny) * zoom
    ox, oy = 0.12 * nx * zoom, (ny - 0.12 * ny) * zoom
    for vec, label in ((north, "N"), (east, "E")):
        v = np.array([vec[0], -vec[1]]) * length  # PNG y is down
        draw.line([ox, oy, ox + v[0], oy + v[1]], fill=TEXT_COLOUR, width=2)
        draw.text(
            (ox + 1.2 * v[0], oy + 1.2 * v[1]), label, fill=TEXT_COLOUR, font=font, anchor="mm"
        )


def _scalebar(draw, w, shape, zoom, font) -> None:
    """A bar of a round angular size at the lower right."""
    ny, nx = shape
    scales = np.abs(np.linalg.det(w.pixel_scale_matrix)) ** 0.5 * 3600  # arcsec / pixel
    target = 0.2 * nx * scales
    nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200]
    arcsec = max([n for n in nice if n <= target] or [nice[0]])
    length = arcsec / scales * zoom
    x1, y = (nx - 0.05 * nx) * zoom, (ny - 0.06 * ny) * zoom
    draw.line([x1 - length, y, x1, y], fill=TEXT_COLOUR, width=3)
    label = f"{arcsec // 60:g}'" if arcsec >= 60 else f'{arcsec:g}"'
    draw.text((x1 - length / 2, y - 4), label, fill=TEXT_COLOUR, font=font, anchor="mb")


def _colorbar(image, draw, prep, top: int, font, unit: str) -> None:
    """The colour cells evenly, round values where the stretch puts them (as the window's
    colorbar draws them)."""
    from PIL import Image

    from skyglass.processing.display.colorbar_ticks import bar_indices, layout_ticks
    from skyglass.processing.display.stretch import LUT_SIZE

    width = image.width
    margin = 10
    bar_w = max(width - 2 * margin, 2)
    packed = np.asarray(prep.lut)[bar_indices(bar_w, prep.y, LUT_SIZE)]
    strip = packed.view(np.uint8).reshape(1, bar_w, 4)[..., :3]
    strip = np.repeat(strip, 14, axis=0)
    image.paste(Image.fromarray(np.ascontiguousarray(strip)), (margin, top + 4))
    reserved = draw.textlength(unit, font=font) + 12 if unit else 0
    ticks = layout_ticks(
        prep.low, prep.high, prep.y, bar_w, lambda text: draw.textlength(text, font=font), reserved
    )
    for _, x, label in ticks:
        x += margin
        draw.line([x, top + 18, x, top + 22], fill=(255, 255, 255), width=1)
        draw.text((x, top + 24), label, fill=(255, 255, 255), font=font, anchor="mt")
    if unit:
        draw.text((width - margin, top + 24), unit, fill=(255, 255, 255), font=font, anchor="rt")
